/*
 * See guard.h. A bridge's addresses, routes and switchd-made taps are kept
 * in a copy while it is up. Deleting a device closes it first (RTM_NEWLINK
 * without IFF_UP), then removes its addresses (RTM_DELADDR each) and only
 * then the device (RTM_DELLINK; IPv4 routes go without any event): a copy
 * refreshed only while the bridge is up still holds what it carried.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "conf.h"
#include "guard.h"
#include "link.h"
#include "log.h"
#include "plan.h"
#include "runtime.h"
#include "switchd.h"

/* this feature's slot in the run-time state */
#define SLOT feature_slot(&guard_feature)

struct gd_bridge {
	int ifindex;		/* of the bridge the copy is of */
	struct sw_addr *addrs;	/* global addresses */
	size_t naddrs;
	struct sw_route *routes; /* non-kernel routes through it */
	size_t nroutes;
	char (*taps)[SW_IFNAMSIZ]; /* taps switchd made, attached to it */
	size_t ntaps;
	bool stale;	/* something of it changed: copy again after the batch */
	bool recreate;	/* it was deleted: re-create after the batch */
	bool restore;	/* re-created by the plan: put back what it carried */
};

static struct gd_bridge *gd(struct rt_bridge *b)
{
	return b ? rt_bridge_priv(b, SLOT) : NULL;
}

static void copy_free(struct gd_bridge *g)
{
	free(g->addrs);
	free(g->routes);
	free(g->taps);
	g->addrs = NULL;
	g->routes = NULL;
	g->taps = NULL;
	g->naddrs = g->nroutes = g->ntaps = 0;
}

static void gd_bridge_free(struct sw_ctx *ctx, void *priv)
{
	(void)ctx;
	copy_free(priv);
}

/* Copy what the bridge carries now (only while it is up: see above). */
static void take_copy(struct sw_ctx *ctx, struct rt_bridge *b)
{
	const struct sw_link *bl = linkdb_by_name(&ctx->db, b->name);
	struct gd_bridge *g = gd(b);
	size_t na = 0, nr = 0, nt = 0;

	g->stale = false;
	if (!bl || strcmp(bl->kind, "bridge") || !(bl->flags & IFF_UP))
		return;
	struct sw_addr *addrs = calloc(ctx->db.naddrs + 1, sizeof(*addrs));
	struct sw_route *routes = calloc(ctx->db.nroutes + 1, sizeof(*routes));
	char (*taps)[SW_IFNAMSIZ] = calloc(ctx->db.nlinks + 1, sizeof(*taps));

	if (!addrs || !routes || !taps) {
		free(addrs);
		free(routes);
		free(taps);
		log_warnx("bridge %s: out of memory for its copy", b->name);
		return;
	}
	for (size_t i = 0; i < ctx->db.naddrs; i++) {
		const struct sw_addr *a = &ctx->db.addrs[i];

		if (a->ifindex == bl->ifindex && a->scope != RT_SCOPE_LINK)
			addrs[na++] = *a;
	}
	for (size_t i = 0; i < ctx->db.nroutes; i++)
		if (nlp_route_uses_ifindex(&ctx->db.routes[i], bl->ifindex) &&
		    ctx->db.routes[i].rtm.rtm_protocol != RTPROT_RA)
			routes[nr++] = ctx->db.routes[i];
	for (size_t i = 0; i < ctx->db.nlinks; i++) {
		const struct sw_link *l = &ctx->db.links[i];
		bool was = false;

		/* a bridge being deleted releases its ports before it goes down:
		 * a tap it had that is attached to nothing now is still its own */
		for (size_t k = 0; k < g->ntaps && !was; k++)
			was = !strcmp(g->taps[k], l->name);
		if ((l->master == bl->ifindex || (was && !l->master)) && !strcmp(l->kind, "tun") &&
		    !strcmp(l->alias, SW_ALIAS) && !conf_find_tap(&ctx->conf, l->name))
			sw_strlcpy(taps[nt++], l->name, SW_IFNAMSIZ);
	}
	copy_free(g);
	g->ifindex = bl->ifindex;
	g->addrs = addrs;
	g->naddrs = na;
	g->routes = routes;
	g->nroutes = nr;
	g->taps = taps;
	g->ntaps = nt;
}

static struct rt_bridge *bridge_by_ifindex(struct sw_ctx *ctx, int ifindex)
{
	const struct sw_link *l = linkdb_by_index(&ctx->db, ifindex);

	return l ? rt_bridge(&ctx->rt, l->name) : NULL;
}

/* A configured port that is not attached to its bridge got an address of
 * its own: it answers ARP with its own MAC, beside the bridge. */
static void check_standby_address(struct sw_ctx *ctx, const struct sw_addr *a)
{
	char buf[64];

	if (a->scope == RT_SCOPE_LINK)
		return;
	for (size_t i = 0; i < ctx->rt.nbridges; i++) {
		struct rt_bridge *b = &ctx->rt.bridges[i];
		struct rt_port *p = rt_port_of_link(ctx, b, a->ifindex);
		const struct sw_link *bl = linkdb_by_name(&ctx->db, b->name);
		const struct sw_link *pl = p ? rt_port_link(ctx, p) : NULL;

		if (!p || !pl || (bl && pl->master == bl->ifindex))
			continue;
		addr_format(a->family, a->local, buf, sizeof(buf));
		sw_event(ctx, "warning",
			 json_pack("{s:s,s:s,s:s}", "bridge", b->name, "port", p->name, "address", buf),
			 "bridge %s: someone gave its standby %s the address %s: it answers on its own "
			 "MAC beside the bridge (addresses belong on %s)",
			 b->name, p->name, buf, b->name);
		return;
	}
}

static void gd_link_event(struct sw_ctx *ctx, const struct link_event *ev)
{
	struct rt_bridge *b = NULL;

	switch (ev->type) {
	case ADDR_ADDED:
	case ADDR_REMOVED:
		b = bridge_by_ifindex(ctx, ev->addr->ifindex);
		if (ev->type == ADDR_ADDED && !b)
			check_standby_address(ctx, ev->addr);
		break;
	case ROUTE_ADDED:
	case ROUTE_REMOVED:
		for (size_t i = 0; i < ctx->rt.nbridges; i++) {
			struct gd_bridge *g = gd(&ctx->rt.bridges[i]);

			if (g && g->ifindex && nlp_route_uses_ifindex(ev->route, g->ifindex))
				g->stale = true;
		}
		break;
	case LINK_CHANGED:
		if ((ev->changed & LC_NAME) && rt_bridge(&ctx->rt, ev->old->name) &&
		    !strcmp(ev->link->kind, "bridge"))
			sw_event(ctx, "warning",
				 json_pack("{s:s,s:s}", "bridge", ev->old->name, "name", ev->link->name),
				 "bridge %s was renamed to %s by someone else: switchd no longer "
				 "manages it (rename it back, or reload to create %s anew)",
				 ev->old->name, ev->link->name, ev->old->name);
		b = rt_bridge(&ctx->rt, ev->link->name);
		if (!b && ev->link->master && (ev->changed & LC_MASTER))
			b = bridge_by_ifindex(ctx, ev->link->master);
		if (!b && ev->old->master && (ev->changed & LC_MASTER))
			b = bridge_by_ifindex(ctx, ev->old->master);
		break;
	case LINK_REMOVED:
		b = rt_bridge(&ctx->rt, ev->link->name);
		if (gd(b) && !strcmp(ev->link->kind, "bridge") && gd(b)->ifindex == ev->link->ifindex)
			gd(b)->recreate = true;
		return;
	case DB_RESYNCED:
		for (size_t i = 0; i < ctx->rt.nbridges; i++)
			if (gd(&ctx->rt.bridges[i]))
				gd(&ctx->rt.bridges[i])->stale = true;
		return;
	default:
		return;
	}
	if (gd(b))
		gd(b)->stale = true;
}

static void gd_settle(struct sw_ctx *ctx)
{
	for (size_t i = 0; i < ctx->rt.nbridges; i++) {
		struct rt_bridge *b = &ctx->rt.bridges[i];
		struct gd_bridge *g = gd(b);

		if (!g)
			continue;
		if (g->recreate && !linkdb_by_name(&ctx->db, b->name)) {
			g->recreate = false;
			g->restore = true;
			ctx->rt.replan = true;
			sw_event(ctx, "recreate",
				 json_pack("{s:s,s:i,s:i,s:i}", "bridge", b->name, "addresses",
					   (int)g->naddrs, "routes", (int)g->nroutes, "taps",
					   (int)g->ntaps),
				 "bridge %s was deleted by someone else: re-creating it with its ports, "
				 "%zu address%s, %zu route%s and %zu tap%s",
				 b->name, g->naddrs, g->naddrs == 1 ? "" : "es", g->nroutes,
				 g->nroutes == 1 ? "" : "s", g->ntaps, g->ntaps == 1 ? "" : "s");
			continue;
		}
		g->recreate = false;
		if (g->stale && !g->restore)
			take_copy(ctx, b);
	}
}

static bool bridge_has_addr(struct sw_ctx *ctx, int ifindex, const struct sw_addr *a)
{
	for (size_t i = 0; i < ctx->db.naddrs; i++) {
		const struct sw_addr *h = &ctx->db.addrs[i];

		if (h->ifindex == ifindex && h->family == a->family &&
		    h->prefixlen == a->prefixlen &&
		    !memcmp(h->local, a->local, a->family == AF_INET ? 4 : 16))
			return true;
	}
	return false;
}

/* After the plan re-created the bridge: what it carried goes back on it. */
static int restore(struct sw_ctx *ctx, struct rt_bridge *b)
{
	const struct sw_link *bl = linkdb_by_name(&ctx->db, b->name);
	struct gd_bridge *g = gd(b);
	struct sw_plan plan = { 0 };
	char err[512];
	int group, ret = 0;
	size_t na = 0, nr = 0, nt = 0;

	g->restore = false;
	if (!bl || strcmp(bl->kind, "bridge"))
		return 0;
	group = plan_group(&plan, "bridge", b->name);
	for (size_t i = 0; group >= 0 && i < g->naddrs; i++) {
		struct sw_action *a;

		if (bridge_has_addr(ctx, bl->ifindex, &g->addrs[i]))
			continue;
		if (!(a = plan_add(&plan, ACT_ADDR_ADD, group)))
			goto nomem;
		a->addr = g->addrs[i];
		a->ifindex = bl->ifindex;
		sw_strlcpy(a->dev, b->name, sizeof(a->dev));
		sw_strlcpy(a->why, "the bridge was deleted: put back", sizeof(a->why));
		na++;
	}
	for (size_t i = 0; group >= 0 && i < g->nroutes; i++) {
		struct sw_action *a = plan_add(&plan, ACT_ROUTE_ADD, group);

		if (!a || !(a->route = malloc(sizeof(*a->route))))
			goto nomem;
		*a->route = g->routes[i];
		a->from_ifindex = g->ifindex;
		a->ifindex = bl->ifindex;
		sw_strlcpy(a->dev, b->name, sizeof(a->dev));
		sw_strlcpy(a->why, "the bridge was deleted: put back", sizeof(a->why));
		nr++;
	}
	for (size_t i = 0; i < g->ntaps; i++) {
		const struct sw_link *t = linkdb_by_name(&ctx->db, g->taps[i]);
		struct plan_port pb = { b->name, bl }, pt = { g->taps[i], t };

		if (!t || t->master)
			continue;
		if (plan_guest_attach(&plan, &pb, &pt, "the bridge was deleted: put back") < 0)
			goto nomem;
		nt++;
	}
	if (plan.n) {
		ret = apply_plan(&ctx->nl, &plan, apply_report_event, &ctx->events);
		snprintf(err, sizeof(err), "%s", ret ? " (some failed: see the errors)" : "");
		sw_event(ctx, "recreated",
			 json_pack("{s:s,s:i,s:i,s:i}", "bridge", b->name, "addresses", (int)na,
				   "routes", (int)nr, "taps", (int)nt),
			 "bridge %s re-created: %zu address%s, %zu route%s and %zu tap%s put back%s",
			 b->name, na, na == 1 ? "" : "es", nr, nr == 1 ? "" : "s", nt,
			 nt == 1 ? "" : "s", err);
	}
	plan_free(&plan);
	g->stale = true;
	return ret;
nomem:
	plan_free(&plan);
	log_warnx("bridge %s: out of memory putting back what it carried", b->name);
	return 1;
}

static int gd_apply(struct sw_ctx *ctx, const struct sw_conf *old, const char *why)
{
	int failed = 0;

	(void)old;
	(void)why;
	runtime_refresh(ctx);
	for (size_t i = 0; i < ctx->rt.nbridges; i++) {
		struct gd_bridge *g = gd(&ctx->rt.bridges[i]);

		if (g && g->restore)
			failed += restore(ctx, &ctx->rt.bridges[i]);
		else if (g)
			g->stale = true; /* the plan changed it: copy it after the batch */
	}
	return failed;
}

const struct sw_feature guard_feature = {
	.name = "guard",
	.bridge_priv_size = sizeof(struct gd_bridge),
	.bridge_priv_free = gd_bridge_free,
	.apply = gd_apply,
	.link_event = gd_link_event,
	.settle = gd_settle,
};
