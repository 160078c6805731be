/*
 * The failover executor: feeds the pure policy (failover.c) with what the
 * link model and a short carrier poll of the active uplinks say, and carries
 * its decisions out as planned swaps. Owns the poll and deadline timers and
 * each port's flap history.
 */
#ifndef SWITCHD_FAILOVER_EXEC_H
#define SWITCHD_FAILOVER_EXEC_H

#include <stdbool.h>
#include "feature.h"

extern const struct sw_feature failover_feature;

struct sw_ctx;
struct rt_port;
/* Is the port kept out for flapping (hold-down) now? */
bool failover_port_held_down(struct sw_ctx *ctx, struct rt_port *p);

#endif
