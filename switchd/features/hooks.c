/*
 * Hooks: the executables of `hooks = DIR` run in step with the bridges.
 *
 * pre-up runs synchronously from the engine's pre_up op, while the bridge
 * is still down with no uplink attached: nothing passes the bridge before
 * the hooks returned. Its failure holds the bridge back (hook_failure =
 * block) until a reload runs it again.
 *
 * Every other hook event comes from the event sink list (events.h): the
 * sink only queues it on its bridge's lane, and a zero timer starts the
 * lane's next hook on the following loop iteration, after the engine's
 * settle: a failover never waits for a hook, not even for its fork. A lane
 * runs one hook at a time, the events in the order they came, each through
 * every hook in run-parts order; its queue holds HOOK_QUEUE_MAX events and
 * drops the oldest waiting one beyond that (logged; the next run's
 * SWITCHD_DROPPED says how many). A hook's end is seen by a libev child
 * watcher, its output by an ev_io, its timeout by an ev_timer.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/rtnetlink.h>

#include "hook.h"
#include "hookrun.h"
#include "hooks.h"
#include "log.h"
#include "runtime.h"
#include "switchd.h"

extern char **environ;

#define SLOT feature_slot(&hooks_feature)

struct hook_lane;

/* The hook a lane runs now. */
struct hook_proc {
	struct hook_lane *lane;
	ev_child child;
	ev_io out;
	ev_timer timer;
	pid_t pid;
	int fd;
	int sent;	/* 0, SIGTERM, SIGKILL */
	bool exited, timed_out;
	int status;
	struct hook_lines lines;
	char name[256];
};

/* One bridge's hooks ("" for events of no bridge: reload). */
struct hook_lane {
	struct hooks_state *h;
	char bridge[SW_IFNAMSIZ];
	struct hook_queue q;
	struct hook_event cur; /* the event its hooks run for now */
	char **names;	       /* cur's hooks, in run-parts order */
	size_t nnames, next;
	struct hook_proc *proc; /* NULL: none runs */
};

struct hooks_state {
	struct sw_ctx *ctx;
	ev_timer kick; /* starts waiting lanes on the next iteration */
	struct hook_lane **lanes;
	size_t nlanes;
};

static struct hooks_state *hs(struct sw_ctx *ctx)
{
	return ctx->rt.priv[SLOT];
}

/* The waiting lanes start on the next loop iteration: after the engine's
 * settle, whatever failover it has to do. */
static void kick(struct hooks_state *h)
{
	if (!ev_is_active(&h->kick)) {
		ev_timer_set(&h->kick, 0, 0);
		ev_timer_start(h->ctx->loop, &h->kick);
	}
}

/* The addresses the bridge carries (or, while it is still down with its
 * uplinks outside, the ones its ports carry: those it will be given). */
static void bridge_addresses(struct sw_ctx *ctx, const char *bridge, char *buf, size_t len)
{
	const struct sw_conf_bridge *br = conf_find_bridge(&ctx->conf, bridge);
	const struct sw_link *bl = linkdb_by_name(&ctx->db, bridge);
	size_t used = 0;

	buf[0] = 0;
	if (!br)
		return;
	/* pass 0, 1: the bridge's IPv4, IPv6; 2, 3: its ports' (none of its own) */
	for (size_t pass = 0; pass < 4 && !(pass == 2 && used); pass++)
		for (size_t i = 0; i < ctx->db.naddrs; i++) {
			const struct sw_addr *a = &ctx->db.addrs[i];
			const struct sw_link *l = linkdb_by_index(&ctx->db, a->ifindex);
			struct sw_cidr c = { .family = a->family, .prefixlen = a->prefixlen };
			bool mine = bl && a->ifindex == bl->ifindex;
			char text[80];

			if (!l || (a->family == AF_INET6 && a->scope == RT_SCOPE_LINK))
				continue;
			if ((a->family == AF_INET) != (pass % 2 == 0) || (pass < 2 && !mine))
				continue;
			if (pass >= 2) {
				bool port = false;

				for (size_t k = 0; k < br->nports && !port; k++)
					port = !strcmp(br->ports[k], l->name);
				if (!port)
					continue;
			}
			memcpy(c.addr, a->has_local ? a->local : a->address, 16);
			cidr_format(&c, text, sizeof(text));
			if (used + strlen(text) + 2 >= len)
				return;
			used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " " : "", text);
		}
}

static void log_line(void *arg, const char *line)
{
	const struct hook_proc *p = arg;

	log_info("hook %s (%s%s): %s", p->name, p->lane->bridge[0] ? "bridge " : "",
		 p->lane->bridge[0] ? p->lane->bridge : "no bridge", line);
}

/* Wait here for a lane's running hook, up to the rest of its timeout (then
 * it is killed), outside the loop: on exit, and before a pre-up of its
 * bridge (one hook at a time per bridge, pre-up included). */
static void proc_wait(struct hook_proc *p, const char *why)
{
	struct hook_lane *lane = p->lane;
	struct sw_ctx *ctx = lane->h->ctx;
	struct hookrun_result r;
	double left;

	ev_now_update(ctx->loop); /* another hook may have been waited for just now */
	left = p->sent ? 0 : ev_timer_remaining(ctx->loop, &p->timer);
	char how[80];

	ev_child_stop(ctx->loop, &p->child);
	ev_timer_stop(ctx->loop, &p->timer);
	if (p->fd >= 0)
		ev_io_stop(ctx->loop, &p->out);
	log_info("hook %s (%s): %s: waiting up to %.1fs for it", p->name,
		 lane->bridge[0] ? lane->bridge : "no bridge", why, left);
	hookrun_wait(p->pid, p->fd, left, &p->lines, log_line, p, &r);
	hookrun_describe(&r, how, sizeof(how));
	log_info("hook %s (%s): %s", p->name, lane->bridge[0] ? lane->bridge : "no bridge", how);
	lane->proc = NULL;
	free(p);
}

/* ---- pre-up: synchronous ----------------------------------------------- */

struct sync_line {
	const char *hook, *bridge;
};

static void sync_log_line(void *arg, const char *line)
{
	const struct sync_line *s = arg;

	log_info("hook %s (bridge %s): %s", s->hook, s->bridge, line);
}

static int hooks_pre_up(struct sw_ctx *ctx, const char *bridge, char *err, size_t errlen)
{
	struct hook_event e = { .kind = HOOK_PRE_UP };
	char **names = NULL, **env;
	size_t n = 0;
	int ret = hookrun_list(ctx->conf.hooks_dir, &names, &n);

	if (ret < 0) {
		snprintf(err, errlen, "bridge %s: pre-up: cannot read the hooks directory %s: %s",
			 bridge, ctx->conf.hooks_dir, strerror(-ret));
		return ctx->conf.hook_failure_ignore ? 0 : ret;
	}
	for (size_t i = 0; hs(ctx) && i < hs(ctx)->nlanes; i++) {
		struct hook_lane *lane = hs(ctx)->lanes[i];

		if (lane->proc && !strcmp(lane->bridge, bridge)) {
			proc_wait(lane->proc, "pre-up of its bridge");
			kick(hs(ctx)); /* the rest of its event's hooks, later */
		}
	}
	sw_strlcpy(e.bridge, bridge, sizeof(e.bridge));
	snprintf(e.reason, sizeof(e.reason), "the bridge is about to forward for the first time");
	snprintf(e.message, sizeof(e.message), "bridge %s: pre-up", bridge);
	events_iso_time(e.time, sizeof(e.time));
	bridge_addresses(ctx, bridge, e.addresses, sizeof(e.addresses));
	env = hook_env(&e, environ);
	for (size_t i = 0; i < n && env && !ret; i++) {
		struct sync_line sl = { names[i], bridge };
		struct hook_lines lines = { .n = 0 };
		struct hookrun_result r;
		char how[80];
		pid_t pid;
		int fd;

		ret = hookrun_spawn(ctx->conf.hooks_dir, names[i], env, &pid, &fd);
		if (ret < 0) {
			snprintf(err, errlen, "bridge %s: pre-up hook %s cannot start: %s", bridge,
				 names[i], strerror(-ret));
		} else {
			hookrun_wait(pid, fd, ctx->conf.hook_timeout, &lines, sync_log_line, &sl, &r);
			hookrun_describe(&r, how, sizeof(how));
			if (hookrun_ok(&r)) {
				log_info("hook %s (bridge %s): pre-up: %s", names[i], bridge, how);
				continue;
			}
			ret = -EIO;
			if (r.timed_out)
				snprintf(err, errlen,
					 "bridge %s: pre-up hook %s did not finish within %gs: killed",
					 bridge, names[i], ctx->conf.hook_timeout);
			else
				snprintf(err, errlen, "bridge %s: pre-up hook %s failed (%s)", bridge,
					 names[i], how);
		}
		if (ctx->conf.hook_failure_ignore) {
			log_warnx("%s; hook_failure = ignore: the bridge forwards", err);
			ret = 0;
			continue;
		}
		/* the hooks after it may build on what it did: they do not run */
		snprintf(err + strlen(err), errlen - strlen(err),
			 "; the bridge stays down (fix it, then switchctl reload)");
	}
	if (!env && n) {
		snprintf(err, errlen, "bridge %s: pre-up: out of memory", bridge);
		ret = ctx->conf.hook_failure_ignore ? 0 : -ENOMEM;
	}
	free(env);
	hookrun_names_free(names, n);
	return ret;
}

static bool hooks_has_pre_up(struct sw_ctx *ctx)
{
	char **names = NULL;
	size_t n = 0;
	int ret = hookrun_list(ctx->conf.hooks_dir, &names, &n);

	hookrun_names_free(names, n);
	/* an unreadable directory is said by pre_up (and may hold bridges) */
	return ret < 0 || n > 0;
}

/* ---- the other events: asynchronous, one at a time per bridge --------- */

static void lane_next(struct hook_lane *lane);

static void proc_done(struct hook_proc *p)
{
	struct hook_lane *lane = p->lane;
	struct sw_ctx *ctx = lane->h->ctx;
	struct hookrun_result r = { p->status, p->timed_out, true };
	char how[80];

	ev_child_stop(ctx->loop, &p->child);
	ev_timer_stop(ctx->loop, &p->timer);
	if (p->fd >= 0) {
		ev_io_stop(ctx->loop, &p->out);
		hookrun_read(p->fd, &p->lines, log_line, p);
		hook_lines_flush(&p->lines, log_line, p);
		close(p->fd);
	}
	hookrun_describe(&r, how, sizeof(how));
	if (hookrun_ok(&r))
		log_debug("hook %s (%s): %s: %s", p->name, lane->bridge[0] ? lane->bridge : "no bridge",
			  hook_kind_name(lane->cur.kind), how);
	else
		log_warnx("hook %s (%s%s): %s: %s", p->name, lane->bridge[0] ? "bridge " : "",
			  lane->bridge[0] ? lane->bridge : "no bridge", hook_kind_name(lane->cur.kind),
			  how);
	lane->proc = NULL;
	free(p);
	lane_next(lane);
}

static void on_child(struct ev_loop *loop, ev_child *w, int revents)
{
	struct hook_proc *p = container_of(w, struct hook_proc, child);

	(void)loop;
	(void)revents;
	p->status = w->rstatus;
	p->exited = true;
	proc_done(p);
}

static void on_output(struct ev_loop *loop, ev_io *w, int revents)
{
	struct hook_proc *p = container_of(w, struct hook_proc, out);

	(void)revents;
	if (!hookrun_read(p->fd, &p->lines, log_line, p)) {
		ev_io_stop(loop, &p->out);
		close(p->fd);
		p->fd = -1;
	}
}

static void on_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct hook_proc *p = container_of(w, struct hook_proc, timer);
	struct hook_lane *lane = p->lane;

	(void)revents;
	if (!p->sent) {
		log_warnx("hook %s (%s%s): %s did not finish within %gs: killed", p->name,
			  lane->bridge[0] ? "bridge " : "", lane->bridge[0] ? lane->bridge : "no bridge",
			  hook_kind_name(lane->cur.kind), lane->h->ctx->conf.hook_timeout);
		p->timed_out = true;
	}
	p->sent = p->sent ? SIGKILL : SIGTERM;
	hookrun_kill(p->pid, p->sent);
	if (p->sent == SIGTERM) {
		ev_timer_set(&p->timer, HOOKRUN_KILL_GRACE, 0);
		ev_timer_start(loop, &p->timer);
	}
}

static bool proc_start(struct hook_lane *lane, const char *name)
{
	struct sw_ctx *ctx = lane->h->ctx;
	struct hook_proc *p = calloc(1, sizeof(*p));
	char **env = hook_env(&lane->cur, environ);
	int ret = -ENOMEM;

	if (p && env)
		ret = hookrun_spawn(ctx->conf.hooks_dir, name, env, &p->pid, &p->fd);
	free(env);
	if (ret < 0) {
		log_warnx("hook %s (%s%s): %s: cannot start: %s", name,
			  lane->bridge[0] ? "bridge " : "", lane->bridge[0] ? lane->bridge : "no bridge",
			  hook_kind_name(lane->cur.kind), strerror(-ret));
		free(p);
		return false;
	}
	p->lane = lane;
	sw_strlcpy(p->name, name, sizeof(p->name));
	ev_child_init(&p->child, on_child, p->pid, 0);
	ev_child_start(ctx->loop, &p->child);
	ev_io_init(&p->out, on_output, p->fd, EV_READ);
	ev_io_start(ctx->loop, &p->out);
	ev_timer_init(&p->timer, on_timeout, ctx->conf.hook_timeout, 0);
	ev_timer_start(ctx->loop, &p->timer);
	lane->proc = p;
	return true;
}

/* The lane's next hook: of the current event, else of the next event. */
static void lane_next(struct hook_lane *lane)
{
	struct sw_ctx *ctx = lane->h->ctx;

	while (!lane->proc) {
		if (lane->next < lane->nnames) {
			proc_start(lane, lane->names[lane->next++]);
			continue;
		}
		hookrun_names_free(lane->names, lane->nnames);
		lane->names = NULL;
		lane->nnames = lane->next = 0;
		if (!hook_queue_pop(&lane->q, &lane->cur))
			return;
		/* read for each event: hooks may come and go */
		int ret = hookrun_list(ctx->conf.hooks_dir, &lane->names, &lane->nnames);

		if (ret < 0)
			log_warnx("hooks: %s: cannot read the directory: %s", ctx->conf.hooks_dir,
				  strerror(-ret));
	}
}

static void on_kick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct hooks_state *h = container_of(w, struct hooks_state, kick);

	(void)loop;
	(void)revents;
	for (size_t i = 0; i < h->nlanes; i++)
		lane_next(h->lanes[i]);
}

static struct hook_lane *lane_of(struct hooks_state *h, const char *bridge)
{
	struct hook_lane **v;

	for (size_t i = 0; i < h->nlanes; i++)
		if (!strcmp(h->lanes[i]->bridge, bridge))
			return h->lanes[i];
	v = realloc(h->lanes, (h->nlanes + 1) * sizeof(*v));
	if (!v)
		return NULL;
	h->lanes = v;
	if (!(v[h->nlanes] = calloc(1, sizeof(**v))))
		return NULL;
	v[h->nlanes]->h = h;
	sw_strlcpy(v[h->nlanes]->bridge, bridge, sizeof(v[0]->bridge));
	return v[h->nlanes++];
}

static void queue_event(struct hooks_state *h, struct hook_event *e)
{
	struct hook_lane *lane = lane_of(h, e->bridge);

	if (!lane) {
		log_warnx("hooks: out of memory: the %s hooks of %s do not run",
			  hook_kind_name(e->kind), e->bridge[0] ? e->bridge : "no bridge");
		return;
	}
	if (e->bridge[0])
		bridge_addresses(h->ctx, e->bridge, e->addresses, sizeof(e->addresses));
	if (hook_queue_push(&lane->q, e))
		log_warnx("hooks (%s%s): %d events wait: the oldest is dropped",
			  e->bridge[0] ? "bridge " : "", e->bridge[0] ? e->bridge : "no bridge",
			  HOOK_QUEUE_MAX);
	kick(h);
}

static void hooks_sink(void *arg, const char *type, const char *message, json_t *ev)
{
	struct hook_event e;

	(void)message;
	if (hook_event_from(type, ev, &e) == 0)
		queue_event(arg, &e);
}

static bool owned_device(struct sw_ctx *ctx, int ifindex)
{
	for (size_t i = 0; i < ctx->rt.nfeatures; i++)
		if (ctx->rt.features[i]->owns_device && ctx->rt.features[i]->owns_device(ctx, ifindex))
			return true;
	return false;
}

/* carrier: a configured port's (attached or a standby) or a guest's or
 * tap's on a bridge; not the bridge's own (up and down say that), nor that
 * of a device of switchd's own (a replay tap) */
static void hooks_link_event(struct sw_ctx *ctx, const struct link_event *ev)
{
	const struct sw_link *l = ev->link, *m;
	const struct sw_conf_bridge *br = NULL;
	struct hooks_state *h = hs(ctx);
	struct hook_event e = { .kind = HOOK_CARRIER };

	if (!h || ev->type != LINK_CHANGED || !(ev->changed & LC_CARRIER))
		return;
	if (conf_find_nic(&ctx->conf, l->name))
		br = conf_bridge_of_port(&ctx->conf, l->name);
	if (!br && l->master && (m = linkdb_by_index(&ctx->db, l->master)) &&
	    (br = conf_find_bridge(&ctx->conf, m->name)) && owned_device(ctx, l->ifindex))
		return;
	if (!br || !strcmp(br->name, l->name))
		return;
	sw_strlcpy(e.bridge, br->name, sizeof(e.bridge));
	sw_strlcpy(e.port, l->name, sizeof(e.port));
	snprintf(e.reason, sizeof(e.reason), "carrier %s", l->carrier ? "on" : "off");
	snprintf(e.message, sizeof(e.message), "%s: carrier %s", l->name, l->carrier ? "on" : "off");
	events_iso_time(e.time, sizeof(e.time));
	queue_event(h, &e);
}

/* Per bridge: does it forward (an uplink attached, with carrier)? */
struct hooks_bridge {
	bool known, forwarding;
};

/* up / down: the bridge's forwarding changed (as events: the log and the
 * monitor see them too) */
static void hooks_settle(struct sw_ctx *ctx)
{
	for (size_t i = 0; i < ctx->rt.nbridges; i++) {
		struct rt_bridge *b = &ctx->rt.bridges[i];
		struct hooks_bridge *hb = rt_bridge_priv(b, SLOT);
		const struct sw_link *bl = linkdb_by_name(&ctx->db, b->name);
		const char *port = NULL;

		if (!hb)
			continue;
		for (size_t k = 0; bl && (bl->flags & IFF_UP) && !port && k < b->nports; k++) {
			const struct sw_link *l = rt_port_link(ctx, &b->ports[k]);

			if (l && l->master == bl->ifindex && l->carrier)
				port = b->ports[k].name;
		}
		/* at start-up a bridge that does not forward is no news */
		if ((hb->known && hb->forwarding == (port != NULL)) || (!hb->known && !port)) {
			hb->known = true;
			continue;
		}
		hb->known = true;
		hb->forwarding = port != NULL;
		if (port)
			sw_event(ctx, "up",
				 json_pack("{s:s,s:s,s:s}", "bridge", b->name, "port", port, "reason",
					   "an uplink attached, with carrier"),
				 "bridge %s: up: %s forwards", b->name, port);
		else
			sw_event(ctx, "down",
				 json_pack("{s:s,s:s}", "bridge", b->name, "reason",
					   "no uplink attached has carrier"),
				 "bridge %s: down: no uplink attached has carrier", b->name);
	}
}

static int hooks_init(struct sw_ctx *ctx)
{
	struct hooks_state *h = calloc(1, sizeof(*h));
	int ret;

	if (!h)
		return -ENOMEM;
	h->ctx = ctx;
	ev_timer_init(&h->kick, on_kick, 0, 0);
	if ((ret = events_subscribe(&ctx->events, hooks_sink, h)) < 0) {
		free(h);
		return ret;
	}
	ctx->rt.priv[SLOT] = h;
	return 0;
}

/* Running hooks are waited for up to their timeout, then killed; events
 * still queued are dropped (said in the log). */
static void hooks_fini(struct sw_ctx *ctx)
{
	struct hooks_state *h = hs(ctx);

	if (!h)
		return;
	events_unsubscribe(&ctx->events, hooks_sink, h);
	ev_timer_stop(ctx->loop, &h->kick);
	for (size_t i = 0; i < h->nlanes; i++) {
		struct hook_lane *lane = h->lanes[i];
		struct hook_proc *p = lane->proc;

		if (p)
			proc_wait(p, "exiting");
		if (lane->q.n || lane->next < lane->nnames)
			log_info("hooks (%s): exiting: %zu queued event(s) not run",
				 lane->bridge[0] ? lane->bridge : "no bridge",
				 lane->q.n + (lane->next < lane->nnames));
		hookrun_names_free(lane->names, lane->nnames);
		free(lane);
	}
	free(h->lanes);
	free(h);
	ctx->rt.priv[SLOT] = NULL;
}

static void hooks_show_bridge(struct sw_ctx *ctx, struct rt_bridge *b, json_t *o)
{
	struct hooks_state *h = hs(ctx);

	for (size_t i = 0; h && i < h->nlanes; i++) {
		struct hook_lane *lane = h->lanes[i];

		if (strcmp(lane->bridge, b->name))
			continue;
		if (lane->proc)
			json_object_set_new(o, "hook_running", json_string(lane->proc->name));
		json_object_set_new(o, "hooks_queued", json_integer((json_int_t)lane->q.n));
	}
}

const struct sw_feature hooks_feature = {
	.name = "hooks",
	.bridge_priv_size = sizeof(struct hooks_bridge),
	.init = hooks_init,
	.fini = hooks_fini,
	.link_event = hooks_link_event,
	.settle = hooks_settle,
	.pre_up = hooks_pre_up,
	.has_pre_up = hooks_has_pre_up,
	.show_bridge = hooks_show_bridge,
};
