/*
 * After a swap, make the upstream switches relearn every MAC behind the
 * bridge: frames sent out of the new port only (AF_PACKET on the port, not
 * through the bridge), repeated on QEMU's announce schedule.
 *   - gratuitous ARP (request form) for each IPv4 address of the bridge
 *   - unsolicited neighbour advertisement for each IPv6 address
 *   - RARP "announce-self" for every MAC learned on the bridge's other ports
 *     (guests), including ones seen before that have aged out since
 */
#ifndef SWITCHD_ANNOUNCE_H
#define SWITCHD_ANNOUNCE_H

#include <stddef.h>
#include <stdint.h>
#include "feature.h"

#include "frames.h"

struct sw_ctx;

struct rt_bridge;

/* Announce the bridge's MACs out of port now and on the back-off schedule.
 * Returns the number of frames in one round. */
int announce_start(struct sw_ctx *ctx, struct rt_bridge *b, int port_ifindex);
/* The MACs seen behind the bridge (not behind its uplinks), for replay. */
const uint8_t (*announce_guest_macs(struct rt_bridge *b, size_t *n))[6];

extern const struct sw_feature announce_feature;

#endif
