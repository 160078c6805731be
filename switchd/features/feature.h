/*
 * A feature of the runtime: failover executor, announcements, replay, the
 * ARP-policy keeper, claim, guests, neighbour retry (and the coming hooks and
 * cable identification). Each is one file with a const ops table, listed
 * once in features.c, the way teamd lists its link watchers. The engine
 * calls every feature's ops; a feature never calls the engine, and knows the
 * others only through these ops.
 *
 * Per-bridge and per-port private state is allocated by runtime.c (sizes
 * below, zeroed, kept by port name across reloads) and reached through
 * rt_bridge_priv() / rt_port_priv() with the feature's slot.
 */
#ifndef SWITCHD_FEATURE_H
#define SWITCHD_FEATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct sw_ctx;
struct sw_conf;
struct link_event;
struct rt_bridge;
struct rt_port;

/* Features are registered by their place in features.c's list; that place
 * is their slot in the run-time state's private arrays. */
#define SW_FEATURES_MAX 16

/* An uplink of a bridge became its active port. */
struct uplink_change {
	int port_ifindex;
	const char *port;   /* its configured name */
	const char *old;    /* the port it replaced, or NULL */
	const char *reason; /* "operator", "carrier lost", "attached", ... */
	bool failure;	    /* the old port failed (not a preempt or an operator) */
	double t_attach;    /* replay clock just before the attach (failure only) */
	int replayed;	    /* frames replayed so far (features add theirs) */
};

struct sw_feature {
	const char *name;
	size_t bridge_priv_size, port_priv_size;
	/* free what a private slot points to (the slot itself is freed by
	 * runtime.c); may be NULL */
	void (*bridge_priv_free)(struct sw_ctx *ctx, void *priv);
	void (*port_priv_free)(struct sw_ctx *ctx, void *priv);

	/* before the first plan is applied: timers and sockets; 0 or -errno */
	int (*init)(struct sw_ctx *ctx);
	/* after the first plan: first evaluation (seed, first failover pass) */
	void (*start)(struct sw_ctx *ctx);
	void (*fini)(struct sw_ctx *ctx);
	/* start-up and reload: before the bridges are planned */
	void (*before_plan)(struct sw_ctx *ctx);
	/* start-up and reload: after the bridges' plan was applied; the number
	 * of groups that failed. why: "start" or "reload" (old: the previous
	 * configuration, or NULL) */
	int (*apply)(struct sw_ctx *ctx, const struct sw_conf *old, const char *why);
	/* start-up and reload: a bridge is about to forward for the first time
	 * (just created, or found down: still down, no uplink attached).
	 * 0 lets it forward; -errno holds it back, with one line in err.
	 * Synchronous: nothing passes the bridge before it returns */
	int (*pre_up)(struct sw_ctx *ctx, const char *bridge, char *err, size_t errlen);
	/* does pre_up have anything to do now? (else no bridge is held down
	 * for it: the plan runs in one pass, as without the feature) */
	bool (*has_pre_up)(struct sw_ctx *ctx);
	/* one change of the link model: note it, make no kernel request */
	void (*link_event)(struct sw_ctx *ctx, const struct link_event *ev);
	/* after a batch of events: act on what link_event noted (a timer that
	 * leaves work for it sets ctx->rt.pending) */
	void (*settle)(struct sw_ctx *ctx);
	/* the old port failed: the last moment before the attach */
	void (*before_swap)(struct sw_ctx *ctx, struct rt_bridge *b, struct uplink_change *ch);
	void (*uplink_active)(struct sw_ctx *ctx, struct rt_bridge *b, struct uplink_change *ch);
	/* the bridge's active uplink was seen with carrier at `at` (replay clock) */
	void (*uplink_alive)(struct sw_ctx *ctx, struct rt_bridge *b, double at);
	/* the configuration was replaced (old is the previous one) */
	void (*reload)(struct sw_ctx *ctx, const struct sw_conf *old);
	/* show: add this feature's fields to a bridge's / port's object */
	void (*show_bridge)(struct sw_ctx *ctx, struct rt_bridge *b, json_t *o);
	void (*show_port)(struct sw_ctx *ctx, struct rt_bridge *b, struct rt_port *p, json_t *o);
	/* show: is this device attached to the bridge one of the feature's own
	 * (not a guest)? */
	bool (*owns_device)(struct sw_ctx *ctx, int ifindex);
};

/* The list, in the order the ops are called (features.c). */
extern const struct sw_feature *const sw_features[];
extern const size_t sw_nfeatures;
/* A feature's place in that list: its slot in every private array. */
int feature_slot(const struct sw_feature *ft);

#endif
