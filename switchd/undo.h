/*
 * switchd --undo: give the host back its plain NICs. A pure planner
 * (config + link model -> a plan, unit-tested) and its runner, which
 * applies the plan through apply_plan like every other change.
 *
 * For each configured bridge that switchd made: its addresses and routes
 * go to the NIC that is its active port (else its first present port),
 * that NIC gets the bridge's name back, the taps switchd made on it and
 * the bridge are deleted. Every configured port gets IPv6 and ARP back
 * (a port had them off); a port configured with name = gets that name
 * back when it is free. What is not switchd's is left alone.
 */
#ifndef SWITCHD_UNDO_H
#define SWITCHD_UNDO_H

#include <stdbool.h>
#include "plan.h"

struct sw_ctx;

/* Build the undo plan: one group per configured bridge. 0 (group errors
 * are in plan->groups[i].error), or -ENOMEM. */
int undo_plan_build(const struct sw_conf *conf, const struct sw_linkdb *db, struct sw_plan *plan);

/* switchd --undo [--plan]: refuses while a daemon runs on the control
 * socket (it would convert the host again). The exit code. */
int undo_run(struct sw_ctx *ctx, bool print_only);

#endif
