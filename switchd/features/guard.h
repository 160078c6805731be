/*
 * Guard: what switchd keeps, kept against others. A configured bridge
 * deleted behind switchd's back is re-created at once, with its ports (the
 * plan), the taps switchd made on it, and the addresses and routes it
 * carried (address = keep moved them there from the NIC: nobody else has a
 * copy). Changes others make to what switchd manages are reported: an
 * address on a standby (it answers on its own MAC), a bridge renamed.
 */
#ifndef SWITCHD_GUARD_H
#define SWITCHD_GUARD_H

#include "feature.h"

extern const struct sw_feature guard_feature;

#endif
