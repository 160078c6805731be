/*
 * See engine.h.
 */
#include <errno.h>
#include <malloc.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "engine.h"
#include "feature.h"
#include "link_sync.h"
#include "log.h"
#include "plan.h"
#include "runtime.h"
#include "switchd.h"

static void confirm_free(struct sw_ctx *ctx);

#define FEATURES_EACH(ctx, f) \
	for (size_t _i = 0; _i < (ctx)->rt.nfeatures && ((f) = (ctx)->rt.features[_i]); _i++)

void engine_refresh(struct sw_ctx *ctx)
{
	runtime_refresh(ctx);
}

/* The uplinks a plan attaches (a conversion, a replaced card put back):
 * their bridge and configured port name, as "bridge\0port" pairs. */
struct attached {
	char bridge[SW_IFNAMSIZ], port[SW_IFNAMSIZ];
};

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
static void attached_active(struct sw_ctx *ctx, const struct attached *at, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct sw_link *bl = linkdb_by_name(&ctx->db, at[i].bridge);
		const struct sw_link *pl = linkdb_by_name(&ctx->db, at[i].port);
		struct rt_bridge *b = rt_bridge(&ctx->rt, at[i].bridge);
		struct uplink_change ch = { .port = at[i].port, .reason = "attached" };

		if (!b || !bl || !pl || pl->master != bl->ifindex)
			continue;
		ch.port_ifindex = pl->ifindex;
		runtime_uplink_active(ctx, b, &ch, false);
	}
}

/* The bridges kept from forwarding: those held back by a failed pre-up,
 * and (when a feature has a pre-up to run) every configured bridge that is
 * missing or down, which this plan would bring up for the first time.
 * *fresh: how many of them (at the end of the list) wait for their pre-up. */
static size_t gated_bridges(struct sw_ctx *ctx, char (**out)[SW_IFNAMSIZ], size_t *fresh)
{
	const struct sw_feature *f;
	bool pre_up = false;
	size_t n = 0;

	*fresh = 0;
	*out = calloc(ctx->conf.nbridges + 1, sizeof(**out));
	if (!*out)
		return 0;
	FEATURES_EACH(ctx, f)
		if (f->has_pre_up && f->has_pre_up(ctx))
			pre_up = true;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < ctx->conf.nbridges; i++) {
			const char *name = ctx->conf.bridges[i].name;
			struct rt_bridge *b = rt_bridge(&ctx->rt, name);
			const struct sw_link *l = linkdb_by_name(&ctx->db, name);
			bool down = !l || strcmp(l->kind, "bridge") || !(l->flags & IFF_UP);

			if (pass == 0 ? !(b && b->held_back) : (b && b->held_back) || !down || !pre_up)
				continue;
			sw_strlcpy((*out)[n++], name, SW_IFNAMSIZ);
			*fresh += pass == 1;
		}
	return n;
}

static int plan_with(struct sw_ctx *ctx, const char (*gated)[SW_IFNAMSIZ], size_t ngated,
		     struct sw_plan *plan)
{
	struct plan_input in = { .conf = &ctx->conf, .db = &ctx->db, .gated = gated,
				 .ngated = ngated };
	struct sw_port_hold *held = NULL;
	char (*suspended)[SW_IFNAMSIZ] = NULL;
	int ret = runtime_plan_holds(&ctx->rt, &held, &in.nheld, &suspended, &in.nsuspended);

	if (ret == 0) {
		in.held = held;
		in.suspended = (const char(*)[SW_IFNAMSIZ])suspended;
		ret = plan_build(&in, plan);
	}
	free(held);
	free(suspended);
	return ret;
}

/* The first of the two passes for bridges that wait for their pre-up: their
 * own groups only (renames, the bridge, static addresses), kept down and
 * with no uplink; then each one's pre-up. A bridge let through leaves the
 * list (the pass that follows brings it up); one held back stays in it. */
static size_t pre_up_pass(struct sw_ctx *ctx, char (*gated)[SW_IFNAMSIZ], size_t ngated,
			  size_t fresh)
{
	const struct sw_feature *f;
	struct sw_plan plan;
	size_t first = ngated - fresh, w = first;

	if (plan_with(ctx, (const char(*)[SW_IFNAMSIZ])gated, ngated, &plan) < 0)
		return ngated;
	plan_keep_bridges(&plan, (const char(*)[SW_IFNAMSIZ])gated + first, fresh);
	apply_plan_log(&ctx->nl, &plan, apply_report_event, &ctx->events, ctx->rt.capture);
	plan_free(&plan);
	runtime_refresh(ctx);
	for (size_t i = first; i < ngated; i++) {
		const struct sw_link *l = linkdb_by_name(&ctx->db, gated[i]);
		struct rt_bridge *b = rt_bridge(&ctx->rt, gated[i]);
		char err[256] = "";
		int ret = 0;

		/* not created (the next pass says why): it stays down */
		if (!l || strcmp(l->kind, "bridge") || !b) {
			sw_strlcpy(gated[w++], gated[i], SW_IFNAMSIZ);
			continue;
		}
		FEATURES_EACH(ctx, f)
			if (!ret && f->pre_up)
				ret = f->pre_up(ctx, gated[i], err, sizeof(err));
		if (ret == 0)
			continue;
		b->held_back = true;
		sw_strlcpy(b->held_back_why, err, sizeof(b->held_back_why));
		sw_event(ctx, "error", json_pack("{s:s,s:s}", "bridge", gated[i], "error", err), "%s",
			 err);
		sw_strlcpy(gated[w++], gated[i], SW_IFNAMSIZ);
	}
	return w;
}

static int apply_config(struct sw_ctx *ctx, const struct sw_conf *old)
{
	const struct sw_feature *f;
	char (*gated)[SW_IFNAMSIZ] = NULL;
	size_t ngated, fresh;
	struct attached *attached;
	size_t nattached;
	struct sw_plan plan;
	bool was_busy = ctx->rt.busy, quiet;
	int failed;

	ctx->rt.busy = true; /* the plan's own events wait for its end */
	runtime_refresh(ctx);
	FEATURES_EACH(ctx, f)
		if (f->before_plan)
			f->before_plan(ctx);
	ngated = gated_bridges(ctx, &gated, &fresh);
	if (fresh)
		ngated = pre_up_pass(ctx, gated, ngated, fresh);
	if (!gated || plan_with(ctx, (const char(*)[SW_IFNAMSIZ])gated, ngated, &plan) < 0) {
		free(gated);
		ctx->rt.busy = was_busy;
		log_warnx("cannot plan: out of memory");
		return -ENOMEM;
	}
	free(gated);
	failed = apply_report_plan_errors(&ctx->events, &plan);
	quiet = runtime_quiet_begin(ctx, plan.n);
	failed += apply_plan_log(&ctx->nl, &plan, apply_report_event, &ctx->events, ctx->rt.capture);
	if (plan.n)
		log_info("applied the configuration: %zu steps, %d groups failed", plan.n, failed);
	if (quiet)
		runtime_quiet_end(ctx);
	nattached = plan_attached(ctx, &plan, &attached);
	plan_free(&plan);
	runtime_refresh(ctx);
	/* then the features' own (the ARP policy), on the bridges that exist now */
	FEATURES_EACH(ctx, f)
		if (f->apply)
			failed += f->apply(ctx, old, old ? "reload" : "start");
	ctx->rt.failed_groups = (unsigned)failed;
	runtime_refresh(ctx);
	attached_active(ctx, attached, nattached);
	free(attached);
	ctx->rt.busy = was_busy;
	/* a plan of thousands of taps leaves megabytes of freed actions and
	 * undo records that glibc keeps: give them back */
	malloc_trim(0);
	return failed;
}

int engine_apply_config(struct sw_ctx *ctx)
{
	return apply_config(ctx, NULL);
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

static int reload(struct sw_ctx *ctx, char *err, size_t errlen, struct sw_conf *keep_old);

int engine_reload(struct sw_ctx *ctx, char *err, size_t errlen)
{
	return reload(ctx, err, errlen, NULL);
}

int engine_reload_keep(struct sw_ctx *ctx, char *err, size_t errlen, struct sw_conf *old,
		       bool *kept)
{
	old->nbridges = (size_t)-1; /* marks "not taken over" */
	int ret = reload(ctx, err, errlen, old);

	*kept = old->nbridges != (size_t)-1;
	return ret;
}

static int reload(struct sw_ctx *ctx, char *err, size_t errlen, struct sw_conf *keep_old)
{
	struct sw_conf fresh, old;
	struct conf_errors ce = { "", 0 };
	const struct sw_feature *f;
	int ret;

	/* "reloading" then "reload" (or "reload-failed"): the service manager's
	 * RELOADING=1 / READY=1 subscribe to these like any sink */
	sw_event(ctx, "reloading", json_pack("{s:s}", "config", ctx->conf_path),
		 "reloading the configuration from %s", ctx->conf_path);
	ret = conf_load(ctx->conf_path, &fresh, collect_error, &ce);
	if (ret != 0) {
		snprintf(err, errlen, "reload: %s%s; the running configuration is unchanged",
			 ce.count ? ce.first : strerror(-ret),
			 ce.count > 1 ? " (and more errors: run switchd --check)" : "");
		sw_event(ctx, "reload-failed", json_pack("{s:s}", "error", err), "%s", err);
		return -EINVAL;
	}
	/* the socket path cannot move under a running daemon */
	snprintf(fresh.socket_path, sizeof(fresh.socket_path), "%s", ctx->conf.socket_path);
	old = ctx->conf;
	ctx->conf = fresh;
	if (runtime_rebuild(ctx) < 0)
		log_warnx("reload: out of memory for the run-time state");
	/* a bridge a pre-up hook held back gets its pre-up again */
	for (size_t i = 0; i < ctx->rt.nbridges; i++)
		ctx->rt.bridges[i].held_back = false;
	ret = apply_config(ctx, &old); /* old: what left the config is undone */
	FEATURES_EACH(ctx, f)
		if (f->reload)
			f->reload(ctx, &old);
	ctx->rt.pending = true;
	if (keep_old)
		*keep_old = old; /* the way back of a reload to be confirmed */
	else
		conf_free(&old);
	if (ret > 0) {
		snprintf(err, errlen,
			 "reload: %d part(s) of the configuration failed to apply (see the log)", ret);
		sw_event(ctx, "reload-failed", json_pack("{s:s,s:i}", "error", err, "failed", ret),
			 "%s", err);
		return -EIO;
	}
	sw_event(ctx, "reload", json_pack("{s:s}", "config", ctx->conf_path),
		 "configuration reloaded from %s", ctx->conf_path);
	return 0;
}

int engine_change(struct sw_ctx *ctx, const struct sw_plan *plan, char *err, size_t errlen)
{
	bool was_busy = ctx->rt.busy;
	int ret;

	ctx->rt.busy = true;
	ret = apply_change(&ctx->nl, plan, err, errlen, ctx->rt.capture);
	runtime_refresh(ctx);
	ctx->rt.busy = was_busy;
	return ret;
}

/* ---- observations ------------------------------------------------------- */

static bool is_configured_nic(struct sw_ctx *ctx, const struct sw_link *l)
{
	for (size_t i = 0; i < ctx->conf.nnics; i++)
		if (plan_find_nic(&ctx->conf, &ctx->db, &ctx->conf.nics[i]) == l)
			return true;
	return false;
}

static const struct sw_conf_bridge *bridge_of_link(struct sw_ctx *ctx, int ifindex)
{
	const struct sw_link *m = linkdb_by_index(&ctx->db, ifindex);

	return m ? conf_find_bridge(&ctx->conf, m->name) : NULL;
}

/* What the operator sees of a change (log and monitor). */
static void report(struct sw_ctx *ctx, const struct link_event *ev)
{
	const struct sw_link *l = ev->link;
	const struct sw_conf_bridge *br;

	if (ev->type == LINK_CHANGED && (ev->changed & LC_CARRIER) &&
	    (br = conf_find_bridge(&ctx->conf, l->name) ?: (l->master ? bridge_of_link(ctx, l->master) : NULL)))
		sw_event(ctx, "carrier",
			 json_pack("{s:s,s:s,s:b}", "bridge", br->name, "port", l->name, "carrier",
				   l->carrier),
			 "%s: carrier %s", l->name, l->carrier ? "on" : "off");
	else if (ev->type == LINK_REMOVED && l->master && (br = bridge_of_link(ctx, l->master)))
		sw_event(ctx, "link-removed", json_pack("{s:s,s:s}", "bridge", br->name, "port", l->name),
			 "bridge %s: port %s disappeared", br->name, l->name);
}

static void on_link_event(void *arg, const struct link_event *ev)
{
	struct sw_ctx *ctx = arg;
	const struct sw_feature *f;

	ctx->rt.pending = true;
	/* a card put back (or replaced with one of the configured MAC): the
	 * plan gives it its service name and role again */
	if (link_appeared(ev) && is_configured_nic(ctx, ev->link) &&
	    !conf_find_nic(&ctx->conf, ev->link->name))
		ctx->rt.replan = true;
	report(ctx, ev);
	FEATURES_EACH(ctx, f)
		if (f->link_event)
			f->link_event(ctx, ev);
}

static void settle(struct sw_ctx *ctx);

void engine_settle(struct sw_ctx *ctx)
{
	/* called from outside the loop (tests, a caller that made changes):
	 * what the kernel has queued counts as well */
	if (!ctx->rt.busy)
		runtime_refresh(ctx);
	settle(ctx);
}

static void settle(struct sw_ctx *ctx)
{
	const struct sw_feature *f;

	/* nothing happened since the last settle: nothing to do (the loop
	 * wakes for every frame a replay socket reads) */
	/* nothing before the first plan (a boot_wait may hold it back) */
	if (!ctx->rt.started || ctx->rt.busy || (!ctx->rt.pending && !ctx->rt.replan))
		return;
	ctx->rt.busy = true;
	for (int round = 0; round < 4 && (ctx->rt.pending || ctx->rt.replan); round++) {
		ctx->rt.pending = false;
		runtime_refresh(ctx);
		if (ctx->rt.replan) {
			ctx->rt.replan = false;
			log_info("a configured NIC appeared: applying the configuration");
			apply_config(ctx, NULL);
		}
		FEATURES_EACH(ctx, f)
			if (f->settle)
				f->settle(ctx);
		/* what the features did comes back as events (pending again):
		 * another round takes them in, until nothing is left */
	}
	ctx->rt.busy = false;
}

static void on_prepare(struct ev_loop *loop, ev_prepare *w, int revents)
{
	(void)loop;
	(void)revents;
	/* the event socket's watcher read what was queued */
	settle(container_of(w, struct sw_ctx, settle));
}

int engine_init(struct sw_ctx *ctx)
{
	size_t i;
	int ret;

	runtime_init(&ctx->rt, sw_features, sw_nfeatures);
	ctx->rt.ctx = ctx;
	if ((ret = runtime_rebuild(ctx)) < 0)
		return ret;
	if ((ret = linkdb_subscribe(&ctx->db, on_link_event, ctx)) < 0) {
		runtime_free(ctx);
		return ret;
	}
	for (i = 0; i < sw_nfeatures; i++) {
		if (!sw_features[i]->init || (ret = sw_features[i]->init(ctx)) == 0)
			continue;
		log_warnx("%s: cannot start: %s", sw_features[i]->name, strerror(-ret));
		goto unwind;
	}
	ev_prepare_init(&ctx->settle, on_prepare);
	ev_prepare_start(ctx->loop, &ctx->settle);
	return 0;
unwind:
	while (i-- > 0)
		if (sw_features[i]->fini)
			sw_features[i]->fini(ctx);
	runtime_free(ctx);
	return ret;
}

int engine_start(struct sw_ctx *ctx)
{
	const struct sw_feature *f;
	int failed = apply_config(ctx, NULL);

	ctx->rt.started = true;
	FEATURES_EACH(ctx, f)
		if (f->start)
			f->start(ctx);
	ctx->rt.pending = true; /* the first settle: the first failover decision */
	return failed;
}

void engine_fini(struct sw_ctx *ctx)
{
	/* a change still unconfirmed at exit stays as it is (said in the log) */
	if (engine_confirm_pending(ctx))
		log_warnx("exiting with %s unconfirmed: it stays applied", engine_confirm_pending(ctx));
	confirm_free(ctx);
	ev_prepare_stop(ctx->loop, &ctx->settle);
	for (size_t i = ctx->rt.nfeatures; i-- > 0;)
		if (ctx->rt.features[i]->fini)
			ctx->rt.features[i]->fini(ctx);
	runtime_free(ctx);
}

/* ---- changes to be confirmed ------------------------------------------------ */

struct confirm_hold {
	char bridge[SW_IFNAMSIZ], port[SW_IFNAMSIZ];
	bool held;
};

struct engine_confirm {
	struct sw_ctx *ctx;
	ev_timer timer;
	char what[96];
	double seconds;
	struct apply_log log;
	bool armed;
	bool has_conf;
	struct sw_conf old;	  /* a reload's previous configuration */
	struct confirm_hold *holds; /* operator holds and suspensions before */
	size_t nholds;
};

static void confirm_free(struct sw_ctx *ctx)
{
	struct engine_confirm *c = ctx->rt.confirm;

	if (!c)
		return;
	ev_timer_stop(ctx->loop, &c->timer);
	apply_log_free(&c->log);
	if (c->has_conf)
		conf_free(&c->old);
	free(c->holds);
	free(c);
	ctx->rt.confirm = NULL;
	ctx->rt.capture = NULL;
}

/* The operator's holds as they were ("" port: the bridge's suspension). */
static int holds_save(struct sw_ctx *ctx, struct engine_confirm *c)
{
	size_t n = 0;

	for (size_t i = 0; i < ctx->rt.nbridges; i++)
		n += ctx->rt.bridges[i].nports + 1;
	c->holds = calloc(n + 1, sizeof(*c->holds));
	if (!c->holds)
		return -ENOMEM;
	for (size_t i = 0; i < ctx->rt.nbridges; i++) {
		struct rt_bridge *b = &ctx->rt.bridges[i];
		struct confirm_hold *h = &c->holds[c->nholds++];

		sw_strlcpy(h->bridge, b->name, sizeof(h->bridge));
		h->held = b->suspended;
		for (size_t k = 0; k < b->nports; k++) {
			h = &c->holds[c->nholds++];
			sw_strlcpy(h->bridge, b->name, sizeof(h->bridge));
			sw_strlcpy(h->port, b->ports[k].name, sizeof(h->port));
			h->held = b->ports[k].held;
		}
	}
	return 0;
}

static void holds_restore(struct sw_ctx *ctx, const struct engine_confirm *c)
{
	for (size_t i = 0; i < c->nholds; i++) {
		const struct confirm_hold *h = &c->holds[i];
		struct rt_bridge *b = rt_bridge(&ctx->rt, h->bridge);
		struct rt_port *p = h->port[0] ? rt_port(b, h->port) : NULL;

		if (b && !h->port[0])
			b->suspended = h->held;
		else if (p)
			p->held = h->held;
	}
}

/* The bridge's active uplink now (0: none). */
static int active_ifindex(struct sw_ctx *ctx, struct rt_bridge *b)
{
	const struct sw_link *bl = linkdb_by_name(&ctx->db, b->name);

	for (size_t i = 0; bl && i < b->nports; i++) {
		const struct sw_link *l = rt_port_link(ctx, &b->ports[i]);

		if (l && l->master == bl->ifindex)
			return l->ifindex;
	}
	return 0;
}

static void on_confirm_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct engine_confirm *c = container_of(w, struct engine_confirm, timer);
	struct sw_ctx *ctx = c->ctx;
	const struct sw_feature *f;
	size_t steps = c->log.n;
	int failed;

	(void)loop;
	(void)revents;
	ctx->rt.busy = true;
	runtime_refresh(ctx);
	int *was = calloc(ctx->rt.nbridges + 1, sizeof(*was));

	for (size_t i = 0; was && i < ctx->rt.nbridges; i++)
		was[i] = active_ifindex(ctx, &ctx->rt.bridges[i]);
	failed = apply_log_undo(&ctx->nl, &c->log, apply_report_event, &ctx->events);
	runtime_refresh(ctx);
	/* an uplink that is active again is announced like any other */
	for (size_t i = 0; was && i < ctx->rt.nbridges; i++) {
		struct rt_bridge *b = &ctx->rt.bridges[i];
		int now = active_ifindex(ctx, b);
		struct rt_port *p = now ? rt_port_of_link(ctx, b, now) : NULL;
		struct uplink_change ch = { .port_ifindex = now, .reason = "undone" };

		if (!p || now == was[i])
			continue;
		ch.port = p->name;
		runtime_uplink_active(ctx, b, &ch, false);
	}
	free(was);
	if (c->has_conf) {
		struct sw_conf now = ctx->conf;

		/* the socket path cannot move under a running daemon */
		snprintf(c->old.socket_path, sizeof(c->old.socket_path), "%s", now.socket_path);
		ctx->conf = c->old;
		c->has_conf = false;
		if (runtime_rebuild(ctx) < 0)
			log_warnx("confirm: out of memory for the run-time state");
		FEATURES_EACH(ctx, f)
			if (f->reload)
				f->reload(ctx, &now);
		conf_free(&now);
	}
	holds_restore(ctx, c);
	runtime_refresh(ctx);
	ctx->rt.busy = false;
	ctx->rt.pending = true;
	sw_event(ctx, "confirm-timeout",
		 json_pack("{s:s,s:f,s:i,s:i}", "change", c->what, "seconds", c->seconds, "undone",
			   (int)steps - failed, "failed", failed),
		 "%s was not confirmed within %gs: undone (%zu step%s%s)", c->what, c->seconds,
		 steps, steps == 1 ? "" : "s", failed ? ", some failed: see the errors" : "");
	confirm_free(ctx);
}

int engine_confirm_begin(struct sw_ctx *ctx, double seconds, const char *what, char *err,
			 size_t errlen)
{
	struct engine_confirm *c;

	if (ctx->rt.confirm) {
		snprintf(err, errlen, "%s awaits confirmation: run switchctl confirm (or let it be undone) first",
			 ctx->rt.confirm->what);
		return -EBUSY;
	}
	c = calloc(1, sizeof(*c));
	if (!c || holds_save(ctx, c) < 0) {
		free(c);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->ctx = ctx;
	c->seconds = seconds;
	sw_strlcpy(c->what, what, sizeof(c->what));
	ev_init(&c->timer, on_confirm_timeout);
	ctx->rt.confirm = c;
	ctx->rt.capture = &c->log;
	return 0;
}

void engine_confirm_started(struct sw_ctx *ctx, bool ok, struct sw_conf *old)
{
	struct engine_confirm *c = ctx->rt.confirm;

	if (!c)
		return;
	ctx->rt.capture = NULL;
	if (!ok) {
		if (old)
			conf_free(old);
		confirm_free(ctx);
		return;
	}
	if (old) {
		c->old = *old;
		c->has_conf = true;
	}
	ev_timer_set(&c->timer, c->seconds, 0);
	ev_timer_start(ctx->loop, &c->timer);
	c->armed = true;
	sw_event(ctx, "confirm-wait",
		 json_pack("{s:s,s:f,s:i,s:i}", "change", c->what, "seconds", c->seconds, "steps",
			   (int)c->log.n, "irreversible", (int)c->log.irreversible),
		 "%s applied: undone in %gs unless confirmed (switchctl confirm)%s", c->what,
		 c->seconds, c->log.irreversible ? "; some steps (deleted taps) cannot be undone" : "");
}

int engine_confirm(struct sw_ctx *ctx, char *msg, size_t msglen)
{
	struct engine_confirm *c = ctx->rt.confirm;

	if (!c || !c->armed) {
		snprintf(msg, msglen, "confirm: no change awaits confirmation");
		return -ENOENT;
	}
	snprintf(msg, msglen, "%s confirmed: kept", c->what);
	sw_event(ctx, "confirmed", json_pack("{s:s}", "change", c->what), "%s", msg);
	confirm_free(ctx);
	return 0;
}

const char *engine_confirm_pending(struct sw_ctx *ctx)
{
	return ctx->rt.confirm ? ctx->rt.confirm->what : NULL;
}
