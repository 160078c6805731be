/*
 * udev_wait: a device udev has not finished with (link_sync.h: stored
 * udev_pending, so plans take it for absent) is looked at again every
 * UDEV_POLL seconds; once udev's database has it, or after udev_wait
 * seconds (said as a warning), it is released (LC_UDEV) and, if a [nic]
 * matches it or claim is on, the configuration is applied again.
 */
#ifndef SWITCHD_UDEV_H
#define SWITCHD_UDEV_H

#include <stdbool.h>

#include "feature.h"

struct sw_ctx;

extern const struct sw_feature udev_feature;

/* Is any device still left to udev? (the first plan waits for them) */
bool udev_any_pending(const struct sw_ctx *ctx);

#endif
