/*
 * Unresolved neighbours asked again: when a bridge can reach its network
 * again (an uplink became active, came back, or the bridge regained
 * carrier), the host's NUD_INCOMPLETE entries on it are deleted, so the next
 * packet asks at once instead of on the kernel's 1 s retransmit.
 */
#ifndef SWITCHD_NEIGH_H
#define SWITCHD_NEIGH_H

#include "feature.h"

extern const struct sw_feature neigh_feature;

#endif
