/*
 * See reconcile.h.
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "apply.h"
#include "control.h"
#include "log.h"
#include "reconcile.h"
#include "switchd.h"

void runtime_free(struct sw_runtime *rt)
{
	free(rt->held);
	memset(rt, 0, sizeof(*rt));
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

static void report_failure(void *arg, int group, const char *msg)
{
	struct sw_ctx *ctx = arg;

	(void)group;
	sw_event(ctx, "error", json_pack("{s:s}", "error", msg), "%s", msg);
}

int reconcile_apply_config(struct sw_ctx *ctx)
{
	struct plan_input in = { &ctx->conf, &ctx->db, ctx->rt.held, ctx->rt.nheld };
	struct sw_plan plan;
	int failed;

	reconcile_sync(ctx);
	if (plan_build(&in, &plan) < 0) {
		log_warnx("cannot plan: out of memory");
		return -ENOMEM;
	}
	failed = 0;
	for (size_t g = 0; g < plan.ngroups; g++) {
		if (!plan.groups[g].error[0])
			continue;
		failed++;
		report_failure(ctx, (int)g, plan.groups[g].error);
		sw_event(ctx, "error", json_pack("{s:s}", "group", plan.groups[g].name), "%s: %s",
			 plan.groups[g].name, plan.groups[g].error);
	}
	failed += apply_plan(&ctx->nl, &plan, report_failure, ctx);
	if (plan.n)
		log_info("applied the configuration: %zu steps, %d groups failed", plan.n, failed);
	ctx->rt.failed_groups = (unsigned)failed;
	plan_free(&plan);
	reconcile_sync(ctx);
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
	struct sw_conf fresh;
	struct conf_errors ce = { "", 0 };
	int ret = conf_load(ctx->conf_path, &fresh, collect_error, &ce);

	if (ret != 0) {
		snprintf(err, errlen, "reload: %s%s; the running configuration is unchanged",
			 ce.count ? ce.first : strerror(-ret),
			 ce.count > 1 ? " (and more errors: run switchd --check)" : "");
		return -EINVAL;
	}
	/* the socket path cannot move under a running daemon */
	snprintf(fresh.socket_path, sizeof(fresh.socket_path), "%s", ctx->conf.socket_path);
	conf_free(&ctx->conf);
	ctx->conf = fresh;
	ret = reconcile_apply_config(ctx);
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

	switch (ev->type) {
	case LINK_ADDED:
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
	case DB_RESYNCED:
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
