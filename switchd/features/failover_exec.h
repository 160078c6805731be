/*
 * The failover executor: feeds the pure policy (failover.c) with what the
 * link model and a short carrier poll of the active uplinks say, and carries
 * its decisions out as planned swaps. Owns the poll and deadline timers and
 * each port's flap history.
 */
#ifndef SWITCHD_FAILOVER_EXEC_H
#define SWITCHD_FAILOVER_EXEC_H

#include "feature.h"

extern const struct sw_feature failover_feature;

#endif
