/*
 * The run-time state switchd keeps beside the kernel's: one struct per
 * configured bridge and per configured port, owned here and nowhere else.
 * Rebuilt from the configuration on reload by name: a port keeps its state
 * (operator hold, swap history, each feature's private slot) as long as the
 * port of that name stays in that bridge, whatever its position.
 *
 * Also the notifications every feature shares: an uplink became active, the
 * active uplink was seen alive, a swap is about to be made.
 */
#ifndef SWITCHD_RUNTIME_H
#define SWITCHD_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include "feature.h"
#include "state.h"
#include "util.h"

struct sw_conf;
struct sw_port_hold;
struct sw_link;

/* The features whose private slots the runtime allocates (kept, not copied). */
void runtime_init(struct sw_runtime *rt, const struct sw_feature *const *features, size_t n);
/* Match the configuration's bridges and ports, by name; 0 or -ENOMEM (the
 * previous state is then unchanged). */
int runtime_rebuild(struct sw_ctx *ctx);
void runtime_free(struct sw_ctx *ctx);

struct rt_bridge *rt_bridge(struct sw_runtime *rt, const char *name);
struct rt_port *rt_port(struct rt_bridge *b, const char *name);
static inline void *rt_bridge_priv(struct rt_bridge *b, int slot)
{
	return b->priv[slot];
}
static inline void *rt_port_priv(struct rt_port *p, int slot)
{
	return p->priv[slot];
}

/* The configured port of the bridge that is this device now (by [nic]), or NULL. */
struct rt_port *rt_port_of_link(struct sw_ctx *ctx, struct rt_bridge *b, int ifindex);
/* The device a configured port is now, or NULL if it is missing. */
const struct sw_link *rt_port_link(struct sw_ctx *ctx, const struct rt_port *p);

/* A claimed NIC was appended to a bridge's ports. 0 or -errno. */
int runtime_add_port(struct sw_ctx *ctx, const char *bridge, const char *port);

/* Operator holds (detach): kept by name; for the planner as a list. */
bool runtime_is_held(struct sw_runtime *rt, const char *bridge, const char *port);
/* Holds and suspensions as the planner's input (malloc'd; free both). */
int runtime_plan_holds(struct sw_runtime *rt, struct sw_port_hold **held, size_t *nheld,
		       char (**suspended)[SW_IFNAMSIZ], size_t *nsuspended);

/* An operator took the bridge off its network through port (detach), or put
 * it back (attach, swap). */
void runtime_operator_detach(struct sw_runtime *rt, const char *bridge, const char *port);
void runtime_operator_resume(struct sw_runtime *rt, const char *bridge, const char *port);
/* Someone else attached the port to another device: held like a detach; if
 * it was the active one, the bridge is suspended too. */
void runtime_port_moved(struct sw_runtime *rt, const char *bridge, const char *port,
			bool was_active);

/* Take in the kernel's queued events now (the link model and every
 * feature's link_event see them; nothing acts until the engine's settle). */
void runtime_refresh(struct sw_ctx *ctx);

/* A change of many devices at once (a bring-up of a thousand taps, a burst
 * of guests): with steps >= 256 that outnumber the devices known, the event
 * socket leaves its groups for it (true), and runtime_quiet_end reads the
 * result back with one dump, publishing the differences as the events that
 * were not sent (kernel-notes 34). */
bool runtime_quiet_begin(struct sw_ctx *ctx, size_t steps);
void runtime_quiet_end(struct sw_ctx *ctx);

/* The notifications, to every feature in order. uplink_active also keeps
 * the swap history (counts, time, reason) when ch->reason is a swap's. */
void runtime_before_swap(struct sw_ctx *ctx, struct rt_bridge *b, struct uplink_change *ch);
void runtime_uplink_active(struct sw_ctx *ctx, struct rt_bridge *b, struct uplink_change *ch,
			   bool count_swap);
void runtime_uplink_alive(struct sw_ctx *ctx, struct rt_bridge *b, double at);

#endif
