/*
 * See runtime.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "events.h"
#include "link.h"
#include "link_sync.h"
#include "log.h"
#include "plan.h"
#include "runtime.h"
#include "switchd.h"

static void on_resync_retry(struct ev_loop *loop, ev_timer *w, int revents);

void runtime_init(struct sw_runtime *rt, const struct sw_feature *const *features, size_t n)
{
	ev_init(&rt->resync_retry, on_resync_retry);
	rt->features = features;
	rt->nfeatures = n < SW_FEATURES_MAX ? n : SW_FEATURES_MAX;
}

static void port_free(struct sw_ctx *ctx, struct rt_port *p)
{
	for (size_t f = 0; f < ctx->rt.nfeatures; f++) {
		const struct sw_feature *ft = ctx->rt.features[f];

		if (p->priv[f] && ft->port_priv_free)
			ft->port_priv_free(ctx, p->priv[f]);
		free(p->priv[f]);
		p->priv[f] = NULL;
	}
}

static void bridge_free(struct sw_ctx *ctx, struct rt_bridge *b)
{
	for (size_t i = 0; i < b->nports; i++)
		port_free(ctx, &b->ports[i]);
	free(b->ports);
	for (size_t f = 0; f < ctx->rt.nfeatures; f++) {
		const struct sw_feature *ft = ctx->rt.features[f];

		if (b->priv[f] && ft->bridge_priv_free)
			ft->bridge_priv_free(ctx, b->priv[f]);
		free(b->priv[f]);
		b->priv[f] = NULL;
	}
	b->ports = NULL;
	b->nports = 0;
}

/* A fresh port: zeroed private slots for every feature that has one. */
static int port_new(struct sw_ctx *ctx, struct rt_port *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	sw_strlcpy(p->name, name, sizeof(p->name));
	for (size_t f = 0; f < ctx->rt.nfeatures; f++) {
		const struct sw_feature *ft = ctx->rt.features[f];

		if (!ft->port_priv_size)
			continue;
		p->priv[f] = calloc(1, ft->port_priv_size);
		if (!p->priv[f]) {
			port_free(ctx, p);
			return -ENOMEM;
		}
	}
	return 0;
}

static int bridge_new(struct sw_ctx *ctx, struct rt_bridge *b, const char *name)
{
	memset(b, 0, sizeof(*b));
	sw_strlcpy(b->name, name, sizeof(b->name));
	for (size_t f = 0; f < ctx->rt.nfeatures; f++) {
		const struct sw_feature *ft = ctx->rt.features[f];

		if (!ft->bridge_priv_size)
			continue;
		b->priv[f] = calloc(1, ft->bridge_priv_size);
		if (!b->priv[f]) {
			bridge_free(ctx, b);
			return -ENOMEM;
		}
	}
	return 0;
}

struct rt_bridge *rt_bridge(struct sw_runtime *rt, const char *name)
{
	for (size_t i = 0; i < rt->nbridges; i++)
		if (!strcmp(rt->bridges[i].name, name))
			return &rt->bridges[i];
	return NULL;
}

struct rt_port *rt_port(struct rt_bridge *b, const char *name)
{
	for (size_t i = 0; b && i < b->nports; i++)
		if (!strcmp(b->ports[i].name, name))
			return &b->ports[i];
	return NULL;
}

/* The new state of one bridge: what the old one had for each port of the
 * same name is moved over, the rest starts fresh. Fresh ports are made
 * first, so that running out of memory leaves the old state whole. */
static int bridge_rebuild(struct sw_ctx *ctx, struct rt_bridge *nb, struct rt_bridge *old,
			  const struct sw_conf_bridge *br)
{
	struct rt_port *ports = calloc(br->nports + 1, sizeof(*ports));
	int ret = 0;

	if (!ports)
		return -ENOMEM;
	for (size_t i = 0; i < br->nports && !ret; i++)
		if (!rt_port(old, br->ports[i]))
			ret = port_new(ctx, &ports[i], br->ports[i]);
	if (!ret && !old)
		ret = bridge_new(ctx, nb, br->name);
	if (ret) {
		for (size_t i = 0; i < br->nports; i++)
			if (ports[i].name[0])
				port_free(ctx, &ports[i]);
		free(ports);
		return ret;
	}
	if (old) {
		*nb = *old;
		memset(old->priv, 0, sizeof(old->priv)); /* moved */
	}
	for (size_t i = 0; i < br->nports; i++) {
		struct rt_port *op = rt_port(old, br->ports[i]);

		if (!op)
			continue;
		ports[i] = *op;
		op->name[0] = '\0'; /* moved: not freed with the old bridge */
		memset(op->priv, 0, sizeof(op->priv));
	}
	nb->ports = ports;
	nb->nports = br->nports;
	return 0;
}

int runtime_rebuild(struct sw_ctx *ctx)
{
	struct sw_runtime *rt = &ctx->rt;
	const struct sw_conf *conf = &ctx->conf;
	struct rt_bridge *v = calloc(conf->nbridges + 1, sizeof(*v));
	bool *taken = calloc(rt->nbridges + 1, sizeof(*taken));

	if (!v || !taken) {
		free(v);
		free(taken);
		return -ENOMEM;
	}
	for (size_t i = 0; i < conf->nbridges; i++) {
		struct rt_bridge *old = rt_bridge(rt, conf->bridges[i].name);

		if (old && bridge_rebuild(ctx, &v[i], old, &conf->bridges[i]) == 0) {
			taken[old - rt->bridges] = true;
			continue;
		}
		if (!old && bridge_rebuild(ctx, &v[i], NULL, &conf->bridges[i]) == 0)
			continue;
		/* out of memory: a fresh state for it is all that is left; the
		 * old bridge's is freed below */
		log_warnx("bridge %s: out of memory for its run-time state", conf->bridges[i].name);
		memset(&v[i], 0, sizeof(v[i]));
		sw_strlcpy(v[i].name, conf->bridges[i].name, sizeof(v[i].name));
	}
	for (size_t i = 0; i < rt->nbridges; i++) {
		struct rt_bridge *b = &rt->bridges[i];

		if (taken[i]) {
			/* its ports that moved have empty names; the others left
			 * the config */
			for (size_t k = 0; k < b->nports; k++)
				if (b->ports[k].name[0])
					port_free(ctx, &b->ports[k]);
			free(b->ports);
			continue;
		}
		bridge_free(ctx, b);
	}
	free(taken);
	free(rt->bridges);
	rt->bridges = v;
	rt->nbridges = conf->nbridges;
	return 0;
}

void runtime_free(struct sw_ctx *ctx)
{
	if (ctx->loop)
		ev_timer_stop(ctx->loop, &ctx->rt.resync_retry);
	for (size_t i = 0; i < ctx->rt.nbridges; i++)
		bridge_free(ctx, &ctx->rt.bridges[i]);
	free(ctx->rt.bridges);
	ctx->rt.bridges = NULL;
	ctx->rt.nbridges = 0;
}

const struct sw_link *rt_port_link(struct sw_ctx *ctx, const struct rt_port *p)
{
	const struct sw_conf_nic *nic = conf_find_nic(&ctx->conf, p->name);

	return nic ? plan_find_nic(&ctx->conf, &ctx->db, nic) : NULL;
}

struct rt_port *rt_port_of_link(struct sw_ctx *ctx, struct rt_bridge *b, int ifindex)
{
	for (size_t i = 0; b && i < b->nports; i++) {
		const struct sw_link *l = rt_port_link(ctx, &b->ports[i]);

		if (l && l->ifindex == ifindex)
			return &b->ports[i];
	}
	return NULL;
}

int runtime_add_port(struct sw_ctx *ctx, const char *bridge, const char *port)
{
	struct rt_bridge *b = rt_bridge(&ctx->rt, bridge);
	struct rt_port *v;

	if (!b || rt_port(b, port))
		return 0;
	v = realloc(b->ports, (b->nports + 2) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	b->ports = v;
	if (port_new(ctx, &b->ports[b->nports], port) < 0)
		return -ENOMEM;
	b->nports++;
	return 0;
}

bool runtime_is_held(struct sw_runtime *rt, const char *bridge, const char *port)
{
	struct rt_port *p = rt_port(rt_bridge(rt, bridge), port);

	return p && p->held;
}

int runtime_plan_holds(struct sw_runtime *rt, struct sw_port_hold **held, size_t *nheld,
		       char (**suspended)[SW_IFNAMSIZ], size_t *nsuspended)
{
	size_t nports = 0;

	for (size_t i = 0; i < rt->nbridges; i++)
		nports += rt->bridges[i].nports;
	*held = calloc(nports + 1, sizeof(**held));
	*suspended = calloc(rt->nbridges + 1, sizeof(**suspended));
	*nheld = *nsuspended = 0;
	if (!*held || !*suspended) {
		free(*held);
		free(*suspended);
		*held = NULL;
		*suspended = NULL;
		return -ENOMEM;
	}
	for (size_t i = 0; i < rt->nbridges; i++) {
		struct rt_bridge *b = &rt->bridges[i];

		if (b->suspended)
			sw_strlcpy((*suspended)[(*nsuspended)++], b->name, SW_IFNAMSIZ);
		for (size_t k = 0; k < b->nports; k++) {
			if (!b->ports[k].held)
				continue;
			sw_strlcpy((*held)[*nheld].bridge, b->name, SW_IFNAMSIZ);
			sw_strlcpy((*held)[*nheld].port, b->ports[k].name, SW_IFNAMSIZ);
			(*nheld)++;
		}
	}
	return 0;
}

void runtime_operator_detach(struct sw_runtime *rt, const char *bridge, const char *port)
{
	struct rt_bridge *b = rt_bridge(rt, bridge);
	struct rt_port *p = rt_port(b, port);

	if (p)
		p->held = true;
	if (b)
		b->suspended = true;
}

void runtime_operator_resume(struct sw_runtime *rt, const char *bridge, const char *port)
{
	struct rt_bridge *b = rt_bridge(rt, bridge);
	struct rt_port *p = rt_port(b, port);

	if (p)
		p->held = false;
	if (b)
		b->suspended = false;
}

void runtime_port_moved(struct sw_runtime *rt, const char *bridge, const char *port,
			bool was_active)
{
	struct rt_bridge *b = rt_bridge(rt, bridge);
	struct rt_port *p = rt_port(b, port);

	if (p)
		p->held = true;
	if (b && was_active)
		b->suspended = true;
}

void runtime_before_swap(struct sw_ctx *ctx, struct rt_bridge *b, struct uplink_change *ch)
{
	for (size_t f = 0; f < ctx->rt.nfeatures; f++)
		if (ctx->rt.features[f]->before_swap)
			ctx->rt.features[f]->before_swap(ctx, b, ch);
}

void runtime_uplink_active(struct sw_ctx *ctx, struct rt_bridge *b, struct uplink_change *ch,
			   bool count_swap)
{
	struct rt_port *p = rt_port(b, ch->port);

	if (count_swap) {
		b->swaps++;
		events_iso_time(b->last_swap, sizeof(b->last_swap));
		sw_strlcpy(b->last_reason, ch->reason, sizeof(b->last_reason));
		if (p) {
			p->swaps++;
			memcpy(p->last_swap, b->last_swap, sizeof(p->last_swap));
			memcpy(p->last_reason, b->last_reason, sizeof(p->last_reason));
		}
	}
	for (size_t f = 0; f < ctx->rt.nfeatures; f++)
		if (ctx->rt.features[f]->uplink_active)
			ctx->rt.features[f]->uplink_active(ctx, b, ch);
}

void runtime_uplink_alive(struct sw_ctx *ctx, struct rt_bridge *b, double at)
{
	for (size_t f = 0; f < ctx->rt.nfeatures; f++)
		if (ctx->rt.features[f]->uplink_alive)
			ctx->rt.features[f]->uplink_alive(ctx, b, at);
}

/* A re-dump during a burst of changes (thousands of guests appearing) is
 * interrupted again and again (NLM_F_DUMP_INTR) and nl_dump gives up; the
 * model stays stale, and what the lost events said (a guest to attach)
 * would be lost for good. So it is tried again: at the next refresh, and
 * at the latest after RESYNC_RETRY, until it succeeds. */
#define RESYNC_RETRY 0.1

static void on_resync_retry(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct sw_runtime *rt = container_of(w, struct sw_runtime, resync_retry);

	(void)loop;
	(void)revents;
	runtime_refresh(rt->ctx);
}

void runtime_refresh(struct sw_ctx *ctx)
{
	char err[256];
	int ret;

	if (ctx->rt.resync) {
		ret = linkdb_resync(&ctx->db, &ctx->nl, err, sizeof(err));
		ret = ret < 0 ? ret : 1;
	} else {
		ret = linkdb_sync(&ctx->db, &ctx->nl, err, sizeof(err));
	}
	if (ret == 1) {
		ctx->rt.resync = false;
		ctx->rt.pending = true;
		if (ctx->loop)
			ev_timer_stop(ctx->loop, &ctx->rt.resync_retry);
		sw_event(ctx, "resync", NULL, "netlink: resynchronised after lost events");
	} else if (ret < 0) {
		if (!ctx->rt.resync)
			log_warnx("netlink: %s; the model is re-read until it succeeds", err);
		ctx->rt.resync = true;
		if (ctx->loop && !ev_is_active(&ctx->rt.resync_retry)) {
			ev_timer_set(&ctx->rt.resync_retry, RESYNC_RETRY, 0);
			ev_timer_start(ctx->loop, &ctx->rt.resync_retry);
		}
	}
}

/* A plan of hundreds of steps that outnumber the devices there are: reading
 * the result with one dump costs less than the kernel's notifications of
 * every step (measured: kernel-notes 34). */
#define BULK_STEPS 256

bool runtime_quiet_begin(struct sw_ctx *ctx, size_t steps)
{
	return steps >= BULK_STEPS && steps >= ctx->db.nlinks && nl_events_pause(&ctx->nl) == 0;
}

/* What the kernel has now, read at once (the published differences are the
 * events that were not sent) */
void runtime_quiet_end(struct sw_ctx *ctx)
{
	char err[256];
	int ret = nl_events_resume(&ctx->nl);

	if (ret == 0)
		ret = linkdb_resync(&ctx->db, &ctx->nl, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "rejoining the event groups: %s", strerror(-ret));
	if (ret < 0) {
		/* as after lost events: the model is re-read until it succeeds */
		log_warnx("netlink: %s", err);
		ctx->rt.resync = true;
	}
	ctx->rt.pending = true;
}
