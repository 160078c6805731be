/*
 * See arp.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "apply.h"
#include "doctor.h"
#include "arp.h"
#include "link.h"
#include "log.h"
#include "policy.h"
#include "probe.h"
#include "runtime.h"
#include "switchd.h"

/* this feature's slot in the run-time state */
#define SLOT feature_slot(&arp_feature)

struct proxy_list {
	struct sw_proxy *v;
	size_t n;
	int err;
};

static int proxy_cb(const struct nlmsghdr *nlh, void *data)
{
	struct proxy_list *l = data;
	struct sw_proxy p, *v;

	if (nlp_proxy(nlh, &p) < 0)
		return MNL_CB_OK;
	v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v) {
		l->err = -ENOMEM;
		return MNL_CB_OK;
	}
	l->v = v;
	l->v[l->n++] = p;
	return MNL_CB_OK;
}

int arp_gather(struct sw_nl *nl, const char (*names)[SW_IFNAMSIZ], size_t nnames,
	       struct sk_snapshot *sk, struct sw_proxy **proxies, size_t *n, char *err,
	       size_t errlen)
{
	struct proxy_list l = { 0 };
	int ret = names ? sk_read_devs(SK_ROOT, sk, names, nnames) : sk_read(SK_ROOT, sk);

	if (ret < 0) {
		snprintf(err, errlen, "reading %s: %s", SK_ROOT, strerror(-ret));
		return ret;
	}
	ret = nl_dump_proxies(nl, proxy_cb, &l, err, errlen);
	if (!ret && l.err) {
		ret = l.err;
		snprintf(err, errlen, "out of memory");
	}
	if (ret) {
		free(l.v);
		sk_snapshot_free(sk);
		return ret;
	}
	*proxies = l.v;
	*n = l.n;
	return 0;
}

/* Where each configured proxy address is routed now (policy_route). */
static int proxy_routes(struct sw_nl *nl, const struct sw_conf *conf, struct policy_route **out,
			size_t *n)
{
	size_t total = 0;

	for (size_t i = 0; i < conf->nbridges; i++)
		total += conf->bridges[i].nproxy;
	*n = 0;
	*out = calloc(total + 1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	for (size_t i = 0; i < conf->nbridges; i++)
		for (size_t k = 0; k < conf->bridges[i].nproxy; k++) {
			struct policy_route *r = &(*out)[(*n)++];
			char err[128];
			int type = 0;

			r->ip = conf->bridges[i].proxy[k];
			sw_strlcpy(r->bridge, conf->bridges[i].name, sizeof(r->bridge));
			if (nl_route_get4(nl, r->ip, &r->oif, &type, err, sizeof(err)) < 0 ||
			    type != RTN_UNICAST)
				r->oif = 0;
		}
	return 0;
}

int arp_plan(struct sw_nl *nl, const struct sw_conf *conf, const struct sw_conf *old,
	     const struct sw_linkdb *db, struct sw_plan *plan, char *err, size_t errlen)
{
	struct sk_snapshot sk;
	struct sw_proxy *proxies = NULL;
	size_t nproxies = 0, nnames = 0;
	char (*names)[SW_IFNAMSIZ] = NULL;
	/* the sysctls of the devices the policy concerns, not of every tap:
	 * all of them only when it lowers conf/all (policy_plan says so) */
	struct policy_input in = { conf, old, db, NULL, NULL, 0, NULL, 0, true };
	struct policy_route *routes;
	size_t n = 0;
	int ret = proxy_routes(nl, conf, &routes, &n);

	if (ret) {
		snprintf(err, errlen, "out of memory");
		return ret;
	}
	in.routes = routes;
	in.nroutes = n;
	if ((ret = policy_sk_devices(&in, &names, &nnames))) {
		free(routes);
		snprintf(err, errlen, "out of memory");
		return ret;
	}
	ret = arp_gather(nl, (const char(*)[SW_IFNAMSIZ])names, nnames, &sk, &proxies, &nproxies,
			 err, errlen);
	free(names);
	if (ret) {
		free(routes);
		return ret;
	}
	in.sk = &sk;
	in.proxies = proxies;
	in.nproxies = nproxies;
	ret = policy_plan(&in, plan);
	if (ret == -EAGAIN) {
		sk_snapshot_free(&sk);
		if ((ret = sk_read(SK_ROOT, &sk)) < 0) {
			snprintf(err, errlen, "reading %s: %s", SK_ROOT, strerror(-ret));
			free(routes);
			free(proxies);
			return ret;
		}
		in.sk_partial = false;
		ret = policy_plan(&in, plan);
	}
	free(routes);
	if (ret)
		snprintf(err, errlen, "out of memory");
	free(proxies);
	sk_snapshot_free(&sk);
	return ret;
}

/* IFLA has no addr_assign_type: sysfs, when it shows this namespace. */
static int assign_type(const struct sw_link *l)
{
	char path[96], buf[16];
	FILE *f;
	int idx = -1, type = -1;

	snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", l->name);
	if ((f = fopen(path, "r"))) {
		if (!fgets(buf, sizeof(buf), f) || atoi(buf) != l->ifindex)
			idx = -1;
		else
			idx = l->ifindex;
		fclose(f);
	}
	if (idx != l->ifindex)
		return -1; /* another namespace's sysfs */
	snprintf(path, sizeof(path), "/sys/class/net/%s/addr_assign_type", l->name);
	if ((f = fopen(path, "r"))) {
		if (fgets(buf, sizeof(buf), f))
			type = atoi(buf);
		fclose(f);
	}
	return type;
}

json_t *arp_doctor(struct sw_nl *nl, const struct sw_conf *conf, const struct sw_linkdb *db,
		   char *err, size_t errlen)
{
	struct sk_snapshot sk;
	struct sw_proxy *proxies = NULL;
	size_t nproxies = 0, nmacs = 0;
	struct doctor_route *routes = NULL;
	struct doctor_mac *macs = NULL;
	struct sw_plan drift = { 0 };
	json_t *report = NULL;
	int ret = arp_gather(nl, NULL, 0, &sk, &proxies, &nproxies, err, errlen);

	if (ret)
		return NULL;
	routes = calloc(nproxies + 1, sizeof(*routes));
	macs = calloc(db->nlinks + 1, sizeof(*macs));
	if (!routes || !macs) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nproxies; i++) {
		char e[256];

		routes[i].ip = proxies[i].ip;
		if (nl_route_get4(nl, proxies[i].ip, &routes[i].oif, &routes[i].type, e,
				  sizeof(e)) < 0) {
			routes[i].oif = 0;
			routes[i].type = RTN_UNREACHABLE;
		}
	}
	for (size_t i = 0; i < db->nlinks; i++)
		if (!strcmp(db->links[i].kind, "bridge")) {
			macs[nmacs].ifindex = db->links[i].ifindex;
			macs[nmacs++].assign_type = assign_type(&db->links[i]);
		}
	if (conf) {
		struct policy_route *proutes = NULL;
		size_t nproutes = 0;
		struct policy_input pin = { conf, NULL, db, &sk, proxies, nproxies, NULL, 0, false };

		if (proxy_routes(nl, conf, &proutes, &nproutes) == 0) {
			pin.routes = proutes;
			pin.nroutes = nproutes;
		}

		int pret = policy_plan(&pin, &drift);

		free(proutes);
		if (pret < 0) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	{
		struct doctor_input din = { db,	     &sk,   proxies, nproxies,		   routes,
					    nproxies, macs, nmacs,   conf,		   conf ? &drift : NULL };

		report = doctor_run(&din);
		if (!report)
			snprintf(err, errlen, "out of memory");
	}
out:
	plan_free(&drift);
	free(routes);
	free(macs);
	free(proxies);
	sk_snapshot_free(&sk);
	return report;
}

/* A proxy entry answers only when the target is routed out of another
 * device (arp_process): say so at start and reload, once per entry. */
static void warn_unanswerable(struct sw_ctx *ctx)
{
	for (size_t i = 0; i < ctx->conf.nbridges; i++) {
		const struct sw_conf_bridge *b = &ctx->conf.bridges[i];
		const struct sw_link *l = linkdb_by_name(&ctx->db, b->name);

		for (size_t k = 0; l && k < b->nproxy; k++) {
			char ip[16], err[128];
			int oif = 0, type = 0;

			inet_ntop(AF_INET, &b->proxy[k], ip, sizeof(ip));
			if (nl_route_get4(&ctx->nl, b->proxy[k], &oif, &type, err, sizeof(err)) < 0)
				type = RTN_UNREACHABLE;
			if (type == RTN_UNICAST && oif && oif != l->ifindex)
				continue;
			sw_event(ctx, "warning",
				 json_pack("{s:s,s:s}", "bridge", b->name, "proxy", ip),
				 "bridge %s: proxy_arp %s is not answered until %s is routed out of "
				 "another device (%s)",
				 b->name, ip, ip,
				 type != RTN_UNICAST ? "there is no route to it"
						     : "its route leaves through this bridge");
		}
	}
}

/* What the periodic re-check watches: each device and key the policy
 * requires (its effective value must stay in range) or wrote (its own value
 * must stay), and the proxy table as it was left. Reading those few files
 * instead of every device's six keeps the idle cost independent of the
 * number of devices (4000 taps: 24000 reads every 2 s, a tenth of a core). */
struct arp_watch_item {
	char dev[SW_IFNAMSIZ];
	int key, lo, hi;
	bool effective; /* a requirement: combine with conf/all by the key's rule */
};

struct arp_rt {
	struct sw_ctx *ctx;
	ev_timer kick;	   /* coalesces bursts of events */
	ev_timer recheck;  /* keys with no notification */
	struct arpwatch **watches;
	size_t nwatches;
	struct arp_watch_item *watch; /* see watch_build */
	size_t nwatch;
	bool watched;		      /* watch is valid (a full check ran) */
	struct sw_proxy *proxies;     /* the proxy table as it was left, sorted */
	size_t nproxies;
};

static struct arp_rt *art(struct sw_ctx *ctx);
static void watch_set(struct sw_ctx *ctx, struct arp_watch_item *v, size_t n,
		      struct sw_proxy *proxies, size_t nproxies);

static int cmp_proxy(const void *a, const void *b)
{
	const struct sw_proxy *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return x->ip < y->ip ? -1 : x->ip > y->ip;
}

/* After a full check: remember what to watch. */
static void watch_build(struct sw_ctx *ctx, const struct sw_plan *plan)
{
	struct sk_snapshot sk = { 0 };
	struct sw_proxy *proxies = NULL;
	size_t nproxies = 0, nreq = 0, n = 0;
	struct policy_route *routes = NULL;
	size_t nroutes = 0;
	struct policy_req *reqs = NULL;
	struct arp_watch_item *v;
	struct proxy_list pl = { 0 };
	char err[128];

	if (nl_dump_proxies(&ctx->nl, proxy_cb, &pl, err, sizeof(err)) == 0 && !pl.err) {
		proxies = pl.v;
		nproxies = pl.n;
		if (nproxies)
			qsort(proxies, nproxies, sizeof(*proxies), cmp_proxy);
	} else {
		free(pl.v);
	}
	if (proxy_routes(&ctx->nl, &ctx->conf, &routes, &nroutes) < 0)
		nroutes = 0;
	struct policy_input in = { &ctx->conf, NULL, &ctx->db, &sk, NULL, 0, routes, nroutes, false };

	if (policy_input_requirements(&in, &reqs, &nreq) < 0)
		nreq = 0;
	free(routes);
	struct arp_rt *a = art(ctx);

	/* what earlier checks wrote stays watched (an empty plan writes
	 * nothing), and [sysctl]'s all and default, until the next reload */
	v = calloc(nreq + plan->n + a->nwatch + 2 * SK_NKEYS + 1, sizeof(*v));
	for (int k = 0; v && k < SK_NCONF; k++) {
		if (ctx->conf.sysctl.v[k] < 0)
			continue;
		for (int d = 0; d < 2; d++) {
			sw_strlcpy(v[n].dev, d ? "default" : "all", sizeof(v[n].dev));
			v[n].key = k;
			v[n].lo = v[n].hi = ctx->conf.sysctl.v[k];
			v[n++].effective = false;
		}
	}
	for (size_t i = 0; v && a->watched && i < a->nwatch; i++) {
		bool rewritten = false;

		if (a->watch[i].effective)
			continue;
		for (size_t k = 0; k < plan->n && !rewritten; k++)
			rewritten = plan->v[k].kind == ACT_SYSCTL && plan->v[k].sk_key == a->watch[i].key &&
				    !strcmp(plan->v[k].dev, a->watch[i].dev);
		if (!rewritten)
			v[n++] = a->watch[i];
	}
	for (size_t i = 0; v && i < nreq; i++) {
		if (reqs[i].lo > reqs[i].hi)
			continue;
		sw_strlcpy(v[n].dev, reqs[i].dev, sizeof(v[n].dev));
		v[n].key = reqs[i].key;
		v[n].lo = reqs[i].lo;
		v[n].hi = reqs[i].hi;
		v[n++].effective = true;
	}
	for (size_t i = 0; v && i < plan->n; i++) {
		const struct sw_action *act = &plan->v[i];

		if (act->kind != ACT_SYSCTL)
			continue;
		sw_strlcpy(v[n].dev, act->dev, sizeof(v[n].dev));
		v[n].key = act->sk_key;
		v[n].lo = v[n].hi = act->sk_value;
		v[n++].effective = false;
	}
	free(reqs);
	watch_set(ctx, v, n, proxies, nproxies);
}

int arp_apply(struct sw_ctx *ctx, const struct sw_conf *old, const char *why)
{
	struct sw_plan plan = { 0 };
	char err[256];
	int failed = 0;
	bool reassert = !strcmp(why, "re-assert");

	if (arp_plan(&ctx->nl, &ctx->conf, old, &ctx->db, &plan, err, sizeof(err)) < 0) {
		sw_event(ctx, "error", json_pack("{s:s}", "error", err), "arp policy: %s", err);
		plan_free(&plan);
		return 1;
	}
	failed += apply_report_plan_errors(&ctx->events, &plan);
	if (reassert && plan.n) {
		/* someone (udev's systemd-sysctl, an admin) changed what we set */
		for (size_t i = 0; i < plan.n; i++) {
			char what[200];

			action_describe(&plan.v[i], what, sizeof(what));
			sw_event(ctx, "policy",
				 json_pack("{s:s,s:s}", "action", what, "reason", "changed outside switchd"),
				 "policy: changed outside switchd: %s", what);
		}
	}
	failed += apply_plan_log(&ctx->nl, &plan, apply_report_event, &ctx->events, ctx->rt.capture);
	if (art(ctx))
		watch_build(ctx, &plan);
	plan_free(&plan);
	if (!reassert)
		warn_unanswerable(ctx);
	return failed;
}

/* ---- keeping it applied ------------------------------------------------- */


static void watch_set(struct sw_ctx *ctx, struct arp_watch_item *v, size_t n,
		      struct sw_proxy *proxies, size_t nproxies)
{
	struct arp_rt *a = art(ctx);

	free(a->watch);
	free(a->proxies);
	a->watch = v;
	a->nwatch = v ? n : 0;
	a->proxies = proxies;
	a->nproxies = nproxies;
	a->watched = v != NULL;
}

/* Does anything watched differ from what the last full check left? */
static bool watch_changed(struct sw_ctx *ctx)
{
	struct arp_rt *a = art(ctx);
	struct proxy_list pl = { 0 };
	int all[SK_NKEYS];
	char err[128];
	bool changed = false;

	if (!a->watched)
		return true;
	for (int k = 0; k < SK_NKEYS; k++)
		if (sk_read_one(SK_ROOT, "all", k, &all[k]) < 0)
			all[k] = 0;
	for (size_t i = 0; i < a->nwatch && !changed; i++) {
		const struct arp_watch_item *w = &a->watch[i];
		int v;

		if (sk_read_one(SK_ROOT, w->dev, w->key, &v) < 0)
			continue; /* gone: its own event re-checks */
		if (w->effective && strcmp(w->dev, "all") && strcmp(w->dev, "default"))
			v = sk_effective(w->key, all[w->key], v);
		changed = v < w->lo || v > w->hi;
	}
	if (changed)
		return true;
	if (nl_dump_proxies(&ctx->nl, proxy_cb, &pl, err, sizeof(err)) < 0 || pl.err) {
		free(pl.v);
		return true;
	}
	if (pl.n)
		qsort(pl.v, pl.n, sizeof(*pl.v), cmp_proxy);
	changed = pl.n != a->nproxies ||
		  (pl.n && memcmp(pl.v, a->proxies, pl.n * sizeof(*pl.v)));
	free(pl.v);
	return changed;
}

static struct arp_rt *art(struct sw_ctx *ctx)
{
	return ctx->rt.priv[SLOT];
}

static void arp_kick(struct sw_ctx *ctx);

static void run_check(struct sw_ctx *ctx)
{
	if (!ctx->rt.started)
		return; /* the first plan applies the policy */
	if (ctx->rt.busy) {
		arp_kick(ctx); /* a pass is running: after it */
		return;
	}
	runtime_refresh(ctx);
	arp_apply(ctx, NULL, "re-assert");
}

static void on_kick(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	run_check(container_of(w, struct arp_rt, kick)->ctx);
}

static void on_recheck(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sw_ctx *ctx = container_of(w, struct arp_rt, recheck)->ctx;

	(void)loop;
	(void)revents;
	/* only what the policy concerns; the full check when that changed */
	if (!ctx->rt.busy && !watch_changed(ctx))
		return;
	run_check(ctx);
}

static void arp_kick(struct sw_ctx *ctx)
{
	struct arp_rt *a = art(ctx);

	if (!a || ev_is_active(&a->kick))
		return;
	/* 50 ms: a burst of netconf / link events makes one check */
	ev_timer_set(&a->kick, 0.05, 0);
	ev_timer_start(ctx->loop, &a->kick);
}

static void on_flux(void *arg, const char *ifname, uint32_t ip, const uint8_t (*macs)[6],
		    int nmacs)
{
	struct sw_ctx *ctx = arg;
	char ipbuf[16], list[200] = "", m[SW_MACSTR];
	json_t *jm;

	if (nmacs == 0) {
		/* the capture died (the bridge went away): stop; the next
		 * re-check after a reload or the bridge's return starts anew */
		struct arp_rt *a = art(ctx);

		for (size_t i = 0; a && i < a->nwatches; i++) {
			if (strcmp(arpwatch_ifname(a->watches[i]), ifname))
				continue;
			sw_event(ctx, "error",
				 json_pack("{s:s,s:s}", "bridge", ifname, "error",
					   arpwatch_error(a->watches[i]) ?: "capture failed"),
				 "bridge %s: ARP-flux watch stopped: %s", ifname,
				 arpwatch_error(a->watches[i]) ?: "capture failed");
			arpwatch_stop(a->watches[i]);
			a->watches[i] = a->watches[--a->nwatches];
			break;
		}
		return;
	}
	jm = json_array();
	inet_ntop(AF_INET, &ip, ipbuf, sizeof(ipbuf));
	for (int i = 0; i < nmacs; i++) {
		mac_format(macs[i], m);
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", m);
		json_array_append_new(jm, json_string(m));
	}
	sw_event(ctx, "arp-flux",
		 json_pack("{s:s,s:s,s:o}", "bridge", ifname, "ip", ipbuf, "macs", jm),
		 "bridge %s: ARP flux: %s answered by %d MACs (%s)", ifname, ipbuf, nmacs, list);
}

static void watch_stop_all(struct sw_ctx *ctx)
{
	struct arp_rt *a = art(ctx);

	for (size_t i = 0; i < a->nwatches; i++)
		arpwatch_stop(a->watches[i]);
	free(a->watches);
	a->watches = NULL;
	a->nwatches = 0;
}

/* Start/stop ARP-flux watchers to match the config. */
static void watch_update(struct sw_ctx *ctx)
{
	struct arp_rt *a = art(ctx);

	if (!a)
		return;
	watch_stop_all(ctx);
	for (size_t i = 0; i < ctx->conf.nbridges; i++) {
		const struct sw_conf_bridge *b = &ctx->conf.bridges[i];
		struct arpwatch **v, *w;
		char err[256];

		if (!b->watch_arp)
			continue;
		w = arpwatch_start(ctx->loop, b->name, b->watch_window, on_flux, ctx, err,
				   sizeof(err));
		if (!w) {
			sw_event(ctx, "error", json_pack("{s:s,s:s}", "bridge", b->name, "error", err),
				 "bridge %s: ARP-flux watch: %s", b->name, err);
			continue;
		}
		v = realloc(a->watches, (a->nwatches + 1) * sizeof(*v));
		if (!v) {
			arpwatch_stop(w);
			continue;
		}
		a->watches = v;
		a->watches[a->nwatches++] = w;
		log_info("bridge %s: watching ARP replies for flux (window %gs)", b->name,
			 b->watch_window);
	}
}

static int arp_init(struct sw_ctx *ctx)
{
	struct arp_rt *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->ctx = ctx;
	ctx->rt.priv[SLOT] = a;
	ev_init(&a->kick, on_kick);
	ev_timer_init(&a->recheck, on_recheck, ARP_RECHECK_PERIOD, ARP_RECHECK_PERIOD);
	return 0;
}

static void arp_start(struct sw_ctx *ctx)
{
	ev_timer_start(ctx->loop, &art(ctx)->recheck);
	watch_update(ctx);
}

static void arp_fini(struct sw_ctx *ctx)
{
	struct arp_rt *a = art(ctx);

	if (!a)
		return;
	ev_timer_stop(ctx->loop, &a->kick);
	ev_timer_stop(ctx->loop, &a->recheck);
	watch_stop_all(ctx);
	free(a->watch);
	free(a->proxies);
	free(a);
	ctx->rt.priv[SLOT] = NULL;
}

static void arp_link_event(struct sw_ctx *ctx, const struct link_event *ev)
{
	/* rp_filter, proxy_arp or forwarding changed (by us or anyone); new
	 * devices take conf/default (and udev may rewrite them); a new address
	 * may need hiding from ARP: check the policy soon */
	if (ev->type == NETCONF_CHANGED || ev->type == LINK_ADDED || ev->type == ADDR_ADDED ||
	    ev->type == ADDR_REMOVED || ev->type == DB_RESYNCED ||
	    (ev->type == LINK_CHANGED && (ev->changed & LC_NAME)))
		arp_kick(ctx);
}

static void arp_reload(struct sw_ctx *ctx, const struct sw_conf *old)
{
	(void)old;
	watch_update(ctx);
	/* the next full check (the reload's apply ran it already: rebuild
	 * from the new configuration only) */
	art(ctx)->watched = false;
}

const struct sw_feature arp_feature = {
	.name = "arp",
	.init = arp_init,
	.start = arp_start,
	.fini = arp_fini,
	.apply = arp_apply,
	.link_event = arp_link_event,
	.reload = arp_reload,
};
