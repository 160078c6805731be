/*
 * The features, in the order their ops are called: udev first (a device it
 * releases is seen by the others as it changes), replay before announce
 * (frames that waited are delivered before the upstream is told to move),
 * the ARP policy after the bridges, claim before guests; cable after them
 * (it judges what the others left), hooks last (the others' events are
 * queued for them as they come). A new feature is its
 * own file and one line here.
 */
#include "announce.h"
#include "arp.h"
#include "cable.h"
#include "claim.h"
#include "failover_exec.h"
#include "guard.h"
#include "guests.h"
#include "hooks.h"
#include "neigh.h"
#include "replay.h"
#include "udev.h"

const struct sw_feature *const sw_features[] = {
	&udev_feature,
	&claim_feature,
	&failover_feature,
	&replay_feature,
	&announce_feature,
	&neigh_feature,
	&guests_feature,
	&guard_feature,
	&arp_feature,
	&cable_feature,
	&hooks_feature,
};

const size_t sw_nfeatures = sizeof(sw_features) / sizeof(sw_features[0]);

int feature_slot(const struct sw_feature *ft)
{
	for (size_t i = 0; i < sw_nfeatures; i++)
		if (sw_features[i] == ft)
			return (int)i;
	return -1;
}
