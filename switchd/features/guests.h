/*
 * Guests: a device that appears (or is renamed) with a name matched by a
 * bridge's `guests =` patterns — a tap a hypervisor made, a container's veth
 * — is attached to that bridge and brought up, as the hypervisor's ifup
 * script would. show lists it with the pattern that matched.
 */
#ifndef SWITCHD_GUESTS_H
#define SWITCHD_GUESTS_H

#include <stdbool.h>
#include "feature.h"

struct sw_conf_bridge;

/* The pattern of br that matches ifname, or NULL. */
const char *guests_pattern(const struct sw_conf_bridge *br, const char *ifname);

extern const struct sw_feature guests_feature;

#endif
