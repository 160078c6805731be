/*
 * claim = yes: an unknown NIC (on a bus, or matching claim_match) that stays
 * free for claim_delay is added to the running configuration as a [nic] with
 * its MAC and appended to the ports of the first `spares = any` bridge; the
 * next plan renames it and failover treats it like any standby.
 */
#ifndef SWITCHD_CLAIM_H
#define SWITCHD_CLAIM_H

#include "feature.h"

extern const struct sw_feature claim_feature;

#endif
