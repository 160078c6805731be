/*
 * See reconcile.h.
 */
#include <errno.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "announce.h"
#include "apply.h"
#include "arp.h"
#include "control.h"
#include "log.h"
#include "notify.h"
#include "reconcile.h"
#include "replay.h"
#include "switchd.h"

static void bridge_rt_free(struct sw_bridge_rt *b)
{
	free(b->macs);
	free(b->ports);
	free(b->seen_changes);
	free(b->seen);
	free(b->pstats);
}

void runtime_free(struct sw_runtime *rt)
{
	for (size_t i = 0; i < rt->nbridges; i++)
		bridge_rt_free(&rt->bridges[i]);
	free(rt->bridges);
	free(rt->held);
	memset(rt, 0, sizeof(*rt));
}

struct sw_bridge_rt *runtime_bridge(struct sw_runtime *rt, const char *name)
{
	for (size_t i = 0; i < rt->nbridges; i++)
		if (!strcmp(rt->bridges[i].name, name))
			return &rt->bridges[i];
	return NULL;
}

/* One failover state per configured bridge; kept across a reload when the
 * bridge and its ports are unchanged. */
static int runtime_rebuild(struct sw_runtime *rt, const struct sw_conf *conf)
{
	struct sw_bridge_rt *v = calloc(conf->nbridges + 1, sizeof(*v));

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < conf->nbridges; i++) {
		const struct sw_conf_bridge *br = &conf->bridges[i];
		struct sw_bridge_rt *old = runtime_bridge(rt, br->name);

		if (old && old->nports == br->nports) {
			v[i] = *old;
			memset(old, 0, sizeof(*old));
			continue;
		}
		sw_strlcpy(v[i].name, br->name, sizeof(v[i].name));
		v[i].nports = br->nports;
		v[i].ports = calloc(br->nports + 1, sizeof(*v[i].ports));
		v[i].seen_changes = calloc(br->nports + 1, sizeof(*v[i].seen_changes));
		v[i].seen = calloc(br->nports + 1, sizeof(*v[i].seen));
		v[i].pstats = calloc(br->nports + 1, sizeof(*v[i].pstats));
		if (!v[i].ports || !v[i].seen_changes || !v[i].seen || !v[i].pstats) {
			for (size_t k = 0; k <= i; k++)
				bridge_rt_free(&v[k]);
			free(v);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < rt->nbridges; i++)
		bridge_rt_free(&rt->bridges[i]);
	free(rt->bridges);
	rt->bridges = v;
	rt->nbridges = conf->nbridges;
	return 0;
}

/* A claimed NIC was appended to a bridge's ports: grow its state by one,
 * keeping the others' (index = position in the ports list). */
static int runtime_add_port(struct sw_runtime *rt, const char *bridge)
{
	struct sw_bridge_rt *b = runtime_bridge(rt, bridge);
	struct fo_port *p;
	uint32_t *sc;
	bool *seen;

	if (!b)
		return 0;
	p = realloc(b->ports, (b->nports + 2) * sizeof(*p));
	if (p)
		b->ports = p;
	sc = realloc(b->seen_changes, (b->nports + 2) * sizeof(*sc));
	if (sc)
		b->seen_changes = sc;
	seen = realloc(b->seen, (b->nports + 2) * sizeof(*seen));
	if (seen)
		b->seen = seen;
	if (!p || !sc || !seen)
		return -ENOMEM;
	memset(&b->ports[b->nports], 0, sizeof(*p));
	b->seen_changes[b->nports] = 0;
	b->seen[b->nports] = false;
	b->nports++;
	return 0;
}

/* claim = yes: an unknown NIC becomes hwethN, a standby of the first bridge
 * with spares = any. The next plan renames and keeps it up. */
static bool claim_nic(struct sw_ctx *ctx, const struct sw_link *l)
{
	const struct sw_conf_bridge *br = NULL;
	char name[SW_IFNAMSIZ], mac[SW_MACSTR];
	const uint8_t *m;

	if (!plan_claimable(&ctx->conf, &ctx->db, l))
		return false;
	for (size_t i = 0; i < ctx->conf.nbridges && !br; i++)
		if (ctx->conf.bridges[i].spares_any)
			br = &ctx->conf.bridges[i];
	if (!br)
		return false;
	m = l->has_perm_mac ? l->perm_mac : l->mac;
	plan_claim_name(&ctx->conf, &ctx->db, l, name);
	char bname[SW_IFNAMSIZ];

	sw_strlcpy(bname, br->name, sizeof(bname)); /* conf_add_claimed moves bridges */
	if (conf_add_claimed(&ctx->conf, bname, name, m) < 0 ||
	    runtime_add_port(&ctx->rt, bname) < 0) {
		log_warnx("claim %s: out of memory", l->name);
		return false;
	}
	sw_event(ctx, "claim",
		 json_pack("{s:s,s:s,s:s,s:s}", "nic", l->name, "name", name, "mac",
			   mac_format(m, mac), "bridge", bname),
		 "claimed unknown NIC %s (%s%s%s) as %s, a standby of bridge %s", l->name, mac,
		 l->parent_bus[0] ? ", " : "", l->parent_bus[0] ? l->parent_dev : "", name, bname);
	return true;
}

static void claim_scan(struct sw_ctx *ctx)
{
	if (!ctx->conf.claim)
		return;
	for (size_t i = 0; i < ctx->db.nlinks; i++)
		claim_nic(ctx, &ctx->db.links[i]);
}

bool runtime_is_held(const struct sw_runtime *rt, const char *bridge, const char *port)
{
	for (size_t i = 0; i < rt->nheld; i++)
		if (!strcmp(rt->held[i].bridge, bridge) && !strcmp(rt->held[i].port, port))
			return true;
	return false;
}

int runtime_hold(struct sw_runtime *rt, const char *bridge, const char *port)
{
	struct sw_port_hold *v;

	if (runtime_is_held(rt, bridge, port))
		return 0;
	v = realloc(rt->held, (rt->nheld + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	rt->held = v;
	snprintf(v[rt->nheld].bridge, SW_IFNAMSIZ, "%s", bridge);
	snprintf(v[rt->nheld].port, SW_IFNAMSIZ, "%s", port);
	rt->nheld++;
	return 0;
}

void runtime_unhold(struct sw_runtime *rt, const char *bridge, const char *port)
{
	for (size_t i = 0; i < rt->nheld; i++) {
		if (strcmp(rt->held[i].bridge, bridge) || strcmp(rt->held[i].port, port))
			continue;
		rt->held[i] = rt->held[--rt->nheld];
		return;
	}
}

static void iso_time(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), len - strlen(buf), ".%03ldZ", (long)tv.tv_usec / 1000);
}

void sw_event(struct sw_ctx *ctx, const char *type, json_t *fields, const char *fmt, ...)
{
	char msg[512], stamp[40];
	va_list ap;
	json_t *ev = fields ? fields : json_object();

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_info("%s", msg);
	if (!ev)
		return;
	iso_time(stamp, sizeof(stamp));
	json_object_set_new(ev, "type", json_string(type));
	json_object_set_new(ev, "time", json_string(stamp));
	json_object_set_new(ev, "message", json_string(msg));
	if (ctx->control)
		control_broadcast(ctx, ev);
	else
		json_decref(ev);
}

static void poll_restart(struct sw_ctx *ctx);

static void report_failure(void *arg, int group, const char *msg)
{
	struct sw_ctx *ctx = arg;

	(void)group;
	sw_event(ctx, "error", json_pack("{s:s}", "error", msg), "%s", msg);
}

static int apply_config(struct sw_ctx *ctx, const struct sw_conf *old);

int reconcile_apply_config(struct sw_ctx *ctx)
{
	/* the bridges' state exists before the first plan: an attach announces
	 * (later calls, a NIC that appeared, find it built) */
	if (!ctx->rt.bridges && runtime_rebuild(&ctx->rt, &ctx->conf) < 0)
		log_warnx("start: out of memory for failover state");
	return apply_config(ctx, NULL);
}

/* The bridge can reach its network again (an uplink was attached, or came
 * back, or the bridge itself regained carrier). What the host sent while it
 * could not went nowhere, its ARP/ND requests among it: those neighbours wait
 * for the 1 s retransmit although they are reachable now. Forgetting them
 * makes the next packet ask at once. */
static void neigh_retry(struct sw_ctx *ctx, const struct sw_link *bridge)
{
	struct sw_bridge_rt *b = runtime_bridge(&ctx->rt, bridge->name);
	char err[160], addrs[160];
	int n;

	if (b)
		b->neigh_retry = false; /* done now: not again after the batch */
	n = nl_neigh_forget_unresolved(&ctx->nl, bridge->ifindex, addrs, sizeof(addrs), err,
					   sizeof(err));

	if (n < 0)
		log_warnx("bridge %s: reading its unresolved neighbours: %s", bridge->name, err);
	else if (n > 0)
		log_info("bridge %s: %d unresolved neighbour%s asked again (%s)", bridge->name, n,
			 n == 1 ? "" : "s", addrs);
}

void uplink_active(struct sw_ctx *ctx, const char *bridge, int port_ifindex)
{
	const struct sw_link *bl = linkdb_by_name(&ctx->db, bridge);

	announce_start(ctx, bridge, port_ifindex);
	if (bl)
		neigh_retry(ctx, bl);
}

struct attached {
	char bridge[SW_IFNAMSIZ], port[SW_IFNAMSIZ];
};

/* The uplinks a plan attaches (a conversion, a replaced card put back). */
static size_t plan_attached(const struct sw_ctx *ctx, const struct sw_plan *plan,
			    struct attached **out)
{
	size_t n = 0;

	*out = calloc(plan->n + 1, sizeof(**out));
	if (!*out)
		return 0;
	for (size_t i = 0; i < plan->n; i++) {
		const struct sw_action *a = &plan->v[i];
		const struct sw_conf_bridge *br;

		if (a->kind != ACT_ENSLAVE || !(br = conf_find_bridge(&ctx->conf, a->arg)))
			continue;
		for (size_t k = 0; k < br->nports; k++) {
			if (strcmp(br->ports[k], a->dev))
				continue;
			sw_strlcpy((*out)[n].bridge, a->arg, sizeof((*out)[n].bridge));
			sw_strlcpy((*out)[n].port, a->dev, sizeof((*out)[n].port));
			n++;
			break;
		}
	}
	return n;
}

/* An uplink that was just attached announces the bridge as after a swap:
 * the NIC's MAC does not change, but neighbours may hold the host's
 * addresses at another NIC's MAC (ARP flux before switchd ran), which is a
 * standby now: its traffic would bypass the bridge until their caches age
 * out, and stop when that standby's cable does. */
static void announce_attached(struct sw_ctx *ctx, const struct attached *at, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct sw_link *bl = linkdb_by_name(&ctx->db, at[i].bridge);
		const struct sw_link *pl = linkdb_by_name(&ctx->db, at[i].port);

		if (bl && pl && pl->master == bl->ifindex)
			uplink_active(ctx, at[i].bridge, pl->ifindex);
	}
}

static int apply_config(struct sw_ctx *ctx, const struct sw_conf *old)
{
	struct plan_input in = { &ctx->conf, &ctx->db, ctx->rt.held, ctx->rt.nheld };
	struct attached *attached;
	size_t nattached;
	struct sw_plan plan;
	int failed;

	reconcile_sync(ctx);
	claim_scan(ctx);
	if (plan_build(&in, &plan) < 0) {
		log_warnx("cannot plan: out of memory");
		return -ENOMEM;
	}
	failed = plan_report_errors(ctx, &plan);
	failed += apply_plan(&ctx->nl, &plan, report_failure, ctx);
	if (plan.n)
		log_info("applied the configuration: %zu steps, %d groups failed", plan.n, failed);
	nattached = plan_attached(ctx, &plan, &attached);
	plan_free(&plan);
	reconcile_sync(ctx);
	/* then the ARP policy, on the bridges that exist now */
	failed += arp_apply(ctx, old, old ? "reload" : "start");
	ctx->rt.failed_groups = (unsigned)failed;
	reconcile_sync(ctx);
	announce_attached(ctx, attached, nattached);
	free(attached);
	return failed;
}

struct conf_errors {
	char first[300];
	int count;
};

static void collect_error(void *arg, const char *file, int line, const char *msg)
{
	struct conf_errors *ce = arg;

	if (!ce->count++)
		snprintf(ce->first, sizeof(ce->first), "%s:%d: %s", file, line, msg);
}

int reconcile_reload(struct sw_ctx *ctx, char *err, size_t errlen)
{
	struct sw_conf fresh, old;
	struct conf_errors ce = { "", 0 };
	int ret;

	notify_reloading(); /* READY=1 again at the end, whatever happens */
	ret = conf_load(ctx->conf_path, &fresh, collect_error, &ce);
	if (ret != 0) {
		snprintf(err, errlen, "reload: %s%s; the running configuration is unchanged",
			 ce.count ? ce.first : strerror(-ret),
			 ce.count > 1 ? " (and more errors: run switchd --check)" : "");
		notify_ready(ctx);
		return -EINVAL;
	}
	/* the socket path cannot move under a running daemon */
	snprintf(fresh.socket_path, sizeof(fresh.socket_path), "%s", ctx->conf.socket_path);
	old = ctx->conf;
	ctx->conf = fresh;
	if (runtime_rebuild(&ctx->rt, &ctx->conf) < 0)
		log_warnx("reload: out of memory for failover state");
	poll_restart(ctx);
	ret = apply_config(ctx, &old); /* old: what left the config is undone */
	announce_seed(ctx);
	conf_free(&old);
	arp_watch_update(ctx);
	notify_ready(ctx);
	if (ret > 0) {
		snprintf(err, errlen,
			 "reload: %d part(s) of the configuration failed to apply (see the log)", ret);
		return -EIO;
	}
	return 0;
}

/* ---- observations ------------------------------------------------------- */

static int event_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sw_ctx *ctx = data;
	int ifindex;

	/* rp_filter, proxy_arp or forwarding changed (by us or anyone) */
	if (nlp_netconf(nlh, &ifindex) == 0)
		arp_kick(ctx);
	linkdb_handle_msg(&ctx->db, nlh);
	return MNL_CB_OK;
}

static int discard_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

void reconcile_sync(struct sw_ctx *ctx)
{
	char err[256];
	int ret = nl_event_read(&ctx->nl, event_msg_cb, ctx);

	if (ret == -ENOBUFS) {
		log_warnx("netlink: events were lost (ENOBUFS): resynchronising");
		/* Drain first: what is queued is older than the dump (applied after
		 * it, it would resurrect the past), and the kernel reports no new
		 * ENOBUFS while the socket stays congested. */
		while (nl_event_read(&ctx->nl, discard_cb, NULL) == -ENOBUFS)
			;
		ret = linkdb_resync(&ctx->db, &ctx->nl, err, sizeof(err));
		if (ret < 0)
			log_warnx("netlink: resync failed: %s", err);
		else
			sw_event(ctx, "resync", NULL, "netlink: resynchronised after lost events");
	} else if (ret < 0 && ret != -EAGAIN) {
		errno = -ret;
		log_warn("netlink: reading events");
	}
	for (size_t i = 0; i < ctx->rt.nbridges; i++) {
		const struct sw_link *bl;

		if (ctx->rt.bridges[i].neigh_retry &&
		    (bl = linkdb_by_name(&ctx->db, ctx->rt.bridges[i].name)))
			neigh_retry(ctx, bl);
		ctx->rt.bridges[i].neigh_retry = false;
	}
	if (ctx->rt.replan && !ctx->rt.busy && ctx->rt.bridges) {
		ctx->rt.replan = false;
		ctx->rt.busy = true; /* the plan's own events wait for its end */
		log_info("a configured NIC appeared: applying the configuration");
		reconcile_apply_config(ctx);
		ctx->rt.busy = false;
		ctx->rt.dirty = true;
	}
	if (ctx->rt.dirty && !ctx->rt.busy && ctx->rt.bridges)
		failover_run(ctx);
}

static bool is_configured_nic(struct sw_ctx *ctx, const struct sw_link *l)
{
	for (size_t i = 0; i < ctx->conf.nnics; i++)
		if (plan_find_nic(&ctx->conf, &ctx->db, &ctx->conf.nics[i]) == l)
			return true;
	return false;
}

/* A device that matches a bridge's guests patterns is attached when it appears. */
static void attach_guest(struct sw_ctx *ctx, const struct sw_link *seen)
{
	const struct sw_conf_bridge *br = conf_bridge_of_guest(&ctx->conf, seen->name);
	struct sw_action a = { .kind = ACT_ENSLAVE };
	struct sw_link now;
	char err[256];

	if (!br || seen->master || strcmp(seen->kind, "bridge") == 0 ||
	    conf_find_tap(&ctx->conf, seen->name) || is_configured_nic(ctx, seen))
		return;
	/* the event may be older than the device: act on its state now */
	if (nl_link_get(&ctx->nl, seen->ifindex, NULL, &now, err, sizeof(err)) < 0)
		return;
	if (now.master || strcmp(now.alias, "switchd") == 0 || strcmp(now.name, seen->name))
		return;
	a.ifindex = now.ifindex;
	snprintf(a.dev, sizeof(a.dev), "%s", now.name);
	snprintf(a.arg, sizeof(a.arg), "%s", br->name);
	if (apply_action(&ctx->nl, &a, err, sizeof(err)) < 0) {
		sw_event(ctx, "error", json_pack("{s:s,s:s}", "bridge", br->name, "port", now.name),
			 "bridge %s: cannot attach guest %s: %s", br->name, now.name, err);
		return;
	}
	sw_event(ctx, "attach", json_pack("{s:s,s:s,s:s}", "bridge", br->name, "port", now.name,
					  "reason", "guest appeared"),
		 "bridge %s: attached guest %s", br->name, now.name);
}

static const struct sw_conf_bridge *bridge_of_link(struct sw_ctx *ctx, int ifindex)
{
	const struct sw_link *m = linkdb_by_index(&ctx->db, ifindex);

	return m ? conf_find_bridge(&ctx->conf, m->name) : NULL;
}

static void on_link_event(void *arg, const struct link_event *ev)
{
	struct sw_ctx *ctx = arg;
	const struct sw_link *l = ev->link;

	/* anything about links may concern failover: decide after this batch */
	if (ev->type == LINK_ADDED || ev->type == LINK_REMOVED || ev->type == DB_RESYNCED ||
	    (ev->type == LINK_CHANGED && (ev->changed & (LC_CARRIER | LC_MASTER | LC_NAME | LC_FLAGS))))
		ctx->rt.dirty = true;

	/* new devices take conf/default (and udev may rewrite them); a new
	 * address may need hiding from ARP: check the policy soon */
	if (ev->type == LINK_ADDED || ev->type == ADDR_ADDED || ev->type == ADDR_REMOVED ||
	    ev->type == DB_RESYNCED || (ev->type == LINK_CHANGED && (ev->changed & LC_NAME)))
		arp_kick(ctx);

	switch (ev->type) {
	case LINK_ADDED:
		/* a card put back (or replaced with one of the configured MAC):
		 * the plan gives it its service name and role again */
		if (is_configured_nic(ctx, l) && !conf_find_nic(&ctx->conf, l->name))
			ctx->rt.replan = true;
		else if (plan_claimable(&ctx->conf, &ctx->db, l) && ctx->rt.bridges) {
			/* give udev / a network manager claim_delay to take it */
			ev_timer_stop(ctx->loop, &ctx->rt.claim);
			ev_timer_set(&ctx->rt.claim, ctx->conf.claim_delay, 0);
			ev_timer_start(ctx->loop, &ctx->rt.claim);
		}
		attach_guest(ctx, l);
		break;
	case LINK_CHANGED:
		if (ev->changed & LC_NAME)
			attach_guest(ctx, l);
		if ((ev->changed & LC_CARRIER) && (l->master || conf_find_bridge(&ctx->conf, l->name))) {
			const struct sw_conf_bridge *br =
				conf_find_bridge(&ctx->conf, l->name) ?: bridge_of_link(ctx, l->master);

			if (br)
				sw_event(ctx, "carrier",
					 json_pack("{s:s,s:s,s:b}", "bridge", br->name, "port", l->name,
						   "carrier", l->carrier),
					 "%s: carrier %s", l->name, l->carrier ? "on" : "off");
			/* the bridge, or its attached uplink, has carrier again
			 * (the event comes after the kernel restarted its queue):
			 * requests wait for the end of the batch */
			if (br && l->carrier && (!l->master || is_configured_nic(ctx, l))) {
				struct sw_bridge_rt *b = runtime_bridge(&ctx->rt, br->name);

				if (b)
					b->neigh_retry = true;
			}
		}
		break;
	case LINK_REMOVED: {
		const struct sw_conf_bridge *br = l->master ? bridge_of_link(ctx, l->master) : NULL;

		if (br)
			sw_event(ctx, "link-removed",
				 json_pack("{s:s,s:s}", "bridge", br->name, "port", l->name),
				 "bridge %s: port %s disappeared", br->name, l->name);
		break;
	}
	case FDB_LEARNED:
		announce_learned(ctx, ev->fdb);
		break;
	case DB_RESYNCED:
		/* FDB events may have been lost with the others */
		announce_seed(ctx);
		for (size_t i = 0; i < ctx->db.nlinks; i++)
			attach_guest(ctx, &ctx->db.links[i]);
		break;
	default:
		break;
	}
}

int reconcile_init(struct sw_ctx *ctx)
{
	return linkdb_subscribe(&ctx->db, on_link_event, ctx);
}

/* ---- failover: observations -> fo_decide() -> actions ------------------- */

static double now_seconds(struct sw_ctx *ctx)
{
	return ev_now(ctx->loop);
}

void failover_suspend(struct sw_ctx *ctx, const char *bridge, bool suspended)
{
	struct sw_bridge_rt *b = runtime_bridge(&ctx->rt, bridge);

	if (b)
		b->suspended = suspended;
}

void failover_note_swap(struct sw_ctx *ctx, const char *bridge, const char *port,
			const char *reason, int replayed)
{
	struct sw_bridge_rt *b = runtime_bridge(&ctx->rt, bridge);
	const struct sw_conf_bridge *br = conf_find_bridge(&ctx->conf, bridge);

	if (!b)
		return;
	b->swaps++;
	iso_time(b->last_swap, sizeof(b->last_swap));
	sw_strlcpy(b->last_reason, reason, sizeof(b->last_reason));
	for (size_t i = 0; br && i < br->nports && i < b->nports; i++) {
		struct sw_port_stats *ps = &b->pstats[i];

		if (strcmp(br->ports[i], port))
			continue;
		ps->swaps++;
		memcpy(ps->last_swap, b->last_swap, sizeof(ps->last_swap));
		memcpy(ps->last_reason, b->last_reason, sizeof(ps->last_reason));
		ps->replayed += (unsigned long)(replayed > 0 ? replayed : 0);
	}
}

int runtime_port_index(struct sw_ctx *ctx, const char *bridge, int ifindex)
{
	const struct sw_conf_bridge *br = conf_find_bridge(&ctx->conf, bridge);

	for (size_t i = 0; br && i < br->nports; i++) {
		const struct sw_conf_nic *nic = conf_find_nic(&ctx->conf, br->ports[i]);
		const struct sw_link *l = nic ? plan_find_nic(&ctx->conf, &ctx->db, nic) : NULL;

		if (l && l->ifindex == ifindex)
			return (int)i;
	}
	return -1;
}

static struct fo_params fo_params_of(const struct sw_conf_bridge *br)
{
	struct fo_params p = { br->preempt, br->updelay, br->hold_down, br->flap_window,
			       br->flap_limit };
	return p;
}

/* Fill the policy's view of a bridge's ports from the model (and a fresher
 * carrier reading for one port, from the poll). */
static void observe_ports(struct sw_ctx *ctx, const struct sw_conf_bridge *br,
			  struct sw_bridge_rt *b, const struct sw_link *bl,
			  const struct sw_link **links, int fresh_ifindex, bool fresh_carrier)
{
	struct fo_params params = fo_params_of(br);
	double now = now_seconds(ctx);

	for (size_t i = 0; i < br->nports; i++) {
		const struct sw_conf_nic *nic = conf_find_nic(&ctx->conf, br->ports[i]);
		const struct sw_link *l = nic ? plan_find_nic(&ctx->conf, &ctx->db, nic) : NULL;
		struct fo_port *p = &b->ports[i];
		bool carrier = l && (l->ifindex == fresh_ifindex ? fresh_carrier : l->carrier);

		links[i] = l;
		if (carrier && !p->carrier)
			p->carrier_up_since = now;
		p->present = l != NULL;
		p->carrier = carrier;
		p->attached = l && l->master == bl->ifindex;
		p->operator_held = runtime_is_held(&ctx->rt, br->name, br->ports[i]);
		if (!l)
			continue;
		/* the kernel's counter sees bounces that coalesced events hide */
		if (b->seen[i] && l->carrier_changes > b->seen_changes[i] &&
		    fo_note_flaps(p, &params, l->carrier_changes - b->seen_changes[i], now))
			sw_event(ctx, "hold-down",
				 json_pack("{s:s,s:s,s:f}", "bridge", br->name, "port", br->ports[i],
					   "seconds", br->hold_down),
				 "bridge %s: %s flaps (more than %d carrier changes in %gs): kept out "
				 "for %gs",
				 br->name, br->ports[i], br->flap_limit, br->flap_window, br->hold_down);
		b->seen_changes[i] = l->carrier_changes;
		b->seen[i] = true;
	}
}

static void arm_deadline(struct sw_ctx *ctx, double at)
{
	double now = now_seconds(ctx);

	if (at <= 0)
		return;
	if (ev_is_active(&ctx->rt.deadline) && ev_timer_remaining(ctx->loop, &ctx->rt.deadline) <= at - now)
		return;
	ev_timer_stop(ctx->loop, &ctx->rt.deadline);
	ev_timer_set(&ctx->rt.deadline, at - now > 0 ? at - now + 0.001 : 0.001, 0);
	ev_timer_start(ctx->loop, &ctx->rt.deadline);
}

static const char *fmt_replayed(int n)
{
	static char buf[48];

	snprintf(buf, sizeof(buf), ", %d frame%s replayed", n, n == 1 ? "" : "s");
	return buf;
}

int plan_report_errors(struct sw_ctx *ctx, const struct sw_plan *plan)
{
	int failed = 0;

	for (size_t g = 0; g < plan->ngroups; g++) {
		if (!plan->groups[g].error[0])
			continue;
		failed++;
		sw_event(ctx, "error",
			 json_pack("{s:s,s:s}", "group", plan->groups[g].name, "error",
				   plan->groups[g].error),
			 "%s: %s", plan->groups[g].name, plan->groups[g].error);
	}
	return failed;
}

/* Decide and act for one bridge. Returns true if it changed something. */
static bool failover_bridge(struct sw_ctx *ctx, size_t bi, int fresh_ifindex, bool fresh_carrier)
{
	const struct sw_conf_bridge *br = &ctx->conf.bridges[bi];
	struct sw_bridge_rt *b = runtime_bridge(&ctx->rt, br->name);
	const struct sw_link *bl = linkdb_by_name(&ctx->db, br->name);
	const struct sw_link *links[br->nports + 1];
	struct fo_params params = fo_params_of(br);
	struct sw_action acts[2];
	struct fo_decision d;
	char err[512], reason[96];
	size_t n = 0;

	if (!b || !br->nports || !bl || strcmp(bl->kind, "bridge"))
		return false;
	observe_ports(ctx, br, b, bl, links, fresh_ifindex, fresh_carrier);
	fo_decide(&params, b->ports, (int)br->nports, b->suspended, now_seconds(ctx), &d);
	arm_deadline(ctx, d.next_deadline);
	/* the poll reads the active port's carrier fresh and says when it was
	 * alive; without it the model (events) is all there is */
	for (size_t i = 0; br->carrier_poll <= 0 && i < br->nports; i++)
		if (b->ports[i].attached && b->ports[i].carrier)
			replay_alive(ctx, br->name, replay_now());
	if (d.kind == FO_NOTHING)
		return false;

	const struct sw_link *to = links[d.to];
	const struct sw_link *from = d.from >= 0 ? links[d.from] : NULL;

	memset(acts, 0, sizeof(acts));
	if (!(to->flags & IFF_UP)) {
		acts[n].kind = ACT_SET_UP;
		acts[n].ifindex = to->ifindex;
		sw_strlcpy(acts[n++].dev, br->ports[d.to], SW_IFNAMSIZ);
	}
	/* attach before detach: the bridge keeps a forwarding port throughout */
	acts[n].kind = from && from->master == bl->ifindex ? ACT_SWAP : ACT_ENSLAVE;
	acts[n].ifindex = to->ifindex;
	acts[n].master = bl->ifindex; /* no lookup on the way */
	sw_strlcpy(acts[n].dev, br->ports[d.to], SW_IFNAMSIZ);
	sw_strlcpy(acts[n].arg, br->name, sizeof(acts[n].arg));
	if (acts[n].kind == ACT_SWAP) {
		acts[n].from_ifindex = from->ifindex;
		sw_strlcpy(acts[n].old, br->ports[d.from], SW_IFNAMSIZ);
	}
	n++;
	if (d.from >= 0)
		snprintf(reason, sizeof(reason), "%s %s", br->ports[d.from],
			 strcmp(d.reason, "preempt") ? d.reason : "was standing in for the preferred port");
	else
		snprintf(reason, sizeof(reason), "%s", d.reason);
	/* a failure (not a preempt): what reached the new port before it could
	 * forward is delivered, in order, before and right after the attach */
	bool failed = strcmp(d.reason, "preempt") != 0;
	int replayed = 0, k;

	/* until the standby is quiet: writing takes time, more may arrive */
	for (int round = 0; failed && round < 4; round++) {
		replayed += k = replay_flush(ctx, br->name, to->ifindex, 0);
		if (!k)
			break;
	}
	double t_send = replay_now();

	if (apply_group(&ctx->nl, "failover", acts, n, err, sizeof(err)) < 0) {
		sw_event(ctx, "error", json_pack("{s:s,s:s}", "bridge", br->name, "error", err),
			 "bridge %s: failover to %s failed: %s", br->name, br->ports[d.to], err);
		return false;
	}
	if (failed)
		replayed += replay_flush(ctx, br->name, to->ifindex, t_send);
	failover_note_swap(ctx, br->name, br->ports[d.to], reason, replayed);
	uplink_active(ctx, br->name, to->ifindex);
	sw_event(ctx, "swap",
		 json_pack("{s:s,s:s,s:s?,s:s,s:i}", "bridge", br->name, "port", br->ports[d.to],
			   "old", d.from >= 0 ? br->ports[d.from] : NULL, "reason", reason,
			   "replayed", replayed),
		 "bridge %s: %s is now the active port (%s)%s", br->name, br->ports[d.to], reason,
		 replayed ? fmt_replayed(replayed) : "");
	return true;
}

static void failover_pass(struct sw_ctx *ctx, int fresh_ifindex, bool fresh_carrier)
{
	if (ctx->rt.busy) {
		ctx->rt.dirty = true;
		return;
	}
	ctx->rt.busy = true;
	for (int round = 0; round < 4; round++) {
		bool acted = false;

		ctx->rt.dirty = false;
		for (size_t i = 0; i < ctx->conf.nbridges; i++)
			acted |= failover_bridge(ctx, i, fresh_ifindex, fresh_carrier);
		fresh_ifindex = 0;
		/* our own changes come back as events: take them in before deciding again */
		reconcile_sync(ctx);
		if (!acted && !ctx->rt.dirty)
			break;
	}
	replay_sync(ctx);
	ctx->rt.busy = false;
}

void failover_run(struct sw_ctx *ctx)
{
	failover_pass(ctx, 0, false);
}

static void on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sw_ctx *ctx = w->data;

	(void)loop;
	(void)revents;
	failover_run(ctx);
}

/*
 * A NIC's carrier loss reaches us through linkwatch, which batches the
 * events of plain NICs to one per second (kernel-reference.md §2.4); a GET
 * of the active uplink reads netif_carrier_ok() directly. So the active
 * uplinks (only those, and guests never) are read on a short timer, as
 * bonding's miimon does.
 */
/* The carrier as the driver says it now: ETHTOOL_GLINK, one ioctl on a
 * socket of our namespace (what bonding's miimon asks in the kernel; a few
 * microseconds, against ~50 for an RTM_GETLINK round trip with the whole
 * link). 1/0, or -errno when the device's driver has no get_link. */
static int carrier_read(struct sw_ctx *ctx, const struct sw_link *l)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_GLINK };
	struct ifreq ifr;

	if (ctx->rt.ethtool_fd < 0) {
		ctx->rt.ethtool_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (ctx->rt.ethtool_fd < 0)
			return -errno;
	}
	memset(&ifr, 0, sizeof(ifr));
	sw_strlcpy(ifr.ifr_name, l->name, sizeof(ifr.ifr_name));
	ifr.ifr_data = (char *)&ev;
	if (ioctl(ctx->rt.ethtool_fd, SIOCETHTOOL, &ifr) < 0)
		return -errno;
	return ev.data ? 1 : 0;
}

static void on_poll(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sw_ctx *ctx = w->data;

	(void)loop;
	(void)revents;
	for (size_t i = 0; i < ctx->conf.nbridges; i++) {
		const struct sw_conf_bridge *br = &ctx->conf.bridges[i];
		const struct sw_link *bl = linkdb_by_name(&ctx->db, br->name);
		struct sw_link now;
		char err[128];

		if (!bl || br->carrier_poll <= 0)
			continue;
		for (size_t k = 0; k < br->nports; k++) {
			const struct sw_conf_nic *nic = conf_find_nic(&ctx->conf, br->ports[k]);
			const struct sw_link *l = nic ? plan_find_nic(&ctx->conf, &ctx->db, nic) : NULL;

			if (!l || l->master != bl->ifindex || !l->carrier)
				continue;
			/* the time before the read: switchd may be descheduled
			 * between the read and a clock read after it, and the
			 * port was alive when the read began, not when it ended */
			double t_read = replay_now();
			int carrier = carrier_read(ctx, l);

			/* no get_link (or renamed under us): ask netlink */
			if (carrier < 0)
				carrier = nl_link_get(&ctx->nl, l->ifindex, NULL, &now, err,
						      sizeof(err)) == 0 ? now.carrier : 1;
			if (carrier)
				replay_alive(ctx, br->name, t_read);
			if (!carrier) {
				log_debug("%s: carrier loss seen by the poll before its event", l->name);
				failover_pass(ctx, l->ifindex, false);
				return;
			}
		}
	}
}

static void poll_restart(struct sw_ctx *ctx)
{
	double period = 0;

	for (size_t i = 0; i < ctx->conf.nbridges; i++) {
		double p = ctx->conf.bridges[i].carrier_poll;

		if (ctx->conf.bridges[i].nports && p > 0 && (period == 0 || p < period))
			period = p;
	}
	ev_timer_stop(ctx->loop, &ctx->rt.poll);
	if (period > 0) {
		ev_timer_set(&ctx->rt.poll, period, period);
		ev_timer_start(ctx->loop, &ctx->rt.poll);
	}
}

static void on_claim(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sw_ctx *ctx = w->data;
	bool any = false;

	(void)loop;
	(void)revents;
	reconcile_sync(ctx);
	for (size_t i = 0; i < ctx->db.nlinks; i++)
		any |= claim_nic(ctx, &ctx->db.links[i]);
	if (any) {
		ctx->rt.replan = true;
		reconcile_sync(ctx);
	}
}

int reconcile_start_failover(struct sw_ctx *ctx)
{
	int ret = runtime_rebuild(&ctx->rt, &ctx->conf);

	if (ret)
		return ret;
	ev_init(&ctx->rt.poll, on_poll);
	ctx->rt.poll.data = ctx;
	ev_init(&ctx->rt.deadline, on_deadline);
	ctx->rt.deadline.data = ctx;
	ctx->rt.ethtool_fd = -1;
	ev_init(&ctx->rt.claim, on_claim);
	ctx->rt.claim.data = ctx;
	poll_restart(ctx);
	/* who is behind each bridge already; later ones come as FDB events */
	announce_seed(ctx);
	failover_run(ctx);
	return arp_start(ctx);
}

void reconcile_stop_failover(struct sw_ctx *ctx)
{
	arp_stop(ctx);
	announce_stop_all(ctx);
	replay_stop_all(ctx);
	ev_timer_stop(ctx->loop, &ctx->rt.poll);
	ev_timer_stop(ctx->loop, &ctx->rt.deadline);
	ev_timer_stop(ctx->loop, &ctx->rt.claim);
	if (ctx->rt.ethtool_fd >= 0)
		close(ctx->rt.ethtool_fd);
	ctx->rt.ethtool_fd = -1;
}
