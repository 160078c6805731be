/*
 * See engine.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "engine.h"
#include "feature.h"
#include "log.h"
#include "plan.h"
#include "runtime.h"
#include "switchd.h"

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

static int apply_config(struct sw_ctx *ctx, const struct sw_conf *old)
{
	struct plan_input in = { .conf = &ctx->conf, .db = &ctx->db };
	const struct sw_feature *f;
	struct sw_port_hold *held = NULL;
	char (*suspended)[SW_IFNAMSIZ] = NULL;
	struct attached *attached;
	size_t nattached;
	struct sw_plan plan;
	bool was_busy = ctx->rt.busy;
	int failed;

	ctx->rt.busy = true; /* the plan's own events wait for its end */
	runtime_refresh(ctx);
	FEATURES_EACH(ctx, f)
		if (f->before_plan)
			f->before_plan(ctx);
	if (runtime_plan_holds(&ctx->rt, &held, &in.nheld, &suspended, &in.nsuspended) < 0 ||
	    plan_build((in.held = held, in.suspended = (const char(*)[SW_IFNAMSIZ])suspended, &in),
		       &plan) < 0) {
		free(held);
		free(suspended);
		ctx->rt.busy = was_busy;
		log_warnx("cannot plan: out of memory");
		return -ENOMEM;
	}
	free(held);
	free(suspended);
	failed = apply_report_plan_errors(&ctx->events, &plan);
	failed += apply_plan(&ctx->nl, &plan, apply_report_event, &ctx->events);
	if (plan.n)
		log_info("applied the configuration: %zu steps, %d groups failed", plan.n, failed);
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

int engine_reload(struct sw_ctx *ctx, char *err, size_t errlen)
{
	struct sw_conf fresh, old;
	struct conf_errors ce = { "", 0 };
	const struct sw_feature *f;
	int ret = conf_load(ctx->conf_path, &fresh, collect_error, &ce);

	if (ret != 0) {
		snprintf(err, errlen, "reload: %s%s; the running configuration is unchanged",
			 ce.count ? ce.first : strerror(-ret),
			 ce.count > 1 ? " (and more errors: run switchd --check)" : "");
		return -EINVAL;
	}
	/* the socket path cannot move under a running daemon */
	snprintf(fresh.socket_path, sizeof(fresh.socket_path), "%s", ctx->conf.socket_path);
	old = ctx->conf;
	ctx->conf = fresh;
	if (runtime_rebuild(ctx) < 0)
		log_warnx("reload: out of memory for the run-time state");
	ret = apply_config(ctx, &old); /* old: what left the config is undone */
	FEATURES_EACH(ctx, f)
		if (f->reload)
			f->reload(ctx, &old);
	ctx->rt.pending = true;
	conf_free(&old);
	if (ret > 0) {
		snprintf(err, errlen,
			 "reload: %d part(s) of the configuration failed to apply (see the log)", ret);
		return -EIO;
	}
	return 0;
}

int engine_change(struct sw_ctx *ctx, const struct sw_plan *plan, char *err, size_t errlen)
{
	bool was_busy = ctx->rt.busy;
	int ret;

	ctx->rt.busy = true;
	ret = apply_change(&ctx->nl, plan, err, errlen);
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
	if (ev->type == LINK_ADDED && is_configured_nic(ctx, ev->link) &&
	    !conf_find_nic(&ctx->conf, ev->link->name))
		ctx->rt.replan = true;
	report(ctx, ev);
	FEATURES_EACH(ctx, f)
		if (f->link_event)
			f->link_event(ctx, ev);
}

void engine_settle(struct sw_ctx *ctx)
{
	const struct sw_feature *f;

	/* nothing happened since the last settle: nothing to do (the loop
	 * wakes for every frame a replay socket reads) */
	if (ctx->rt.busy || (!ctx->rt.pending && !ctx->rt.replan))
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
	engine_settle(container_of(w, struct sw_ctx, settle));
}

int engine_init(struct sw_ctx *ctx)
{
	size_t i;
	int ret;

	runtime_init(&ctx->rt, sw_features, sw_nfeatures);
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

	FEATURES_EACH(ctx, f)
		if (f->start)
			f->start(ctx);
	ctx->rt.pending = true; /* the first settle: the first failover decision */
	return failed;
}

void engine_fini(struct sw_ctx *ctx)
{
	ev_prepare_stop(ctx->loop, &ctx->settle);
	for (size_t i = ctx->rt.nfeatures; i-- > 0;)
		if (ctx->rt.features[i]->fini)
			ctx->rt.features[i]->fini(ctx);
	runtime_free(ctx);
}
