/*
 * Replay: frames that reach a standby NIC before switchd has made it the
 * active port are delivered after the swap instead of being lost.
 *
 * When an uplink fails, the upstream switch often notices first (its port
 * goes down in the same instant) and floods the host's and the guests'
 * unicast to every other port, so frames reach the standby NIC while it is
 * still outside the bridge, and a kernel bridge drops them. switchd keeps a
 * packet socket on each standby (unicast only, a few hundred frames, the
 * last `replay` seconds); on a swap caused by a failure it writes the frames
 * that arrived since the failed port was last seen with carrier, and that
 * are addressed to the bridge or to a MAC behind one of its non-uplink
 * ports, into the bridge through a tap of its own ("swreplayN": learning
 * and flooding off, so it never draws traffic), in their order, before and
 * right after the swap.
 */
#ifndef SWITCHD_REPLAY_H
#define SWITCHD_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sw_ctx;

#include "feature.h"

/* The replay clock (CLOCK_REALTIME seconds, as the kernel's packet
 * timestamps): take it before a carrier read, not after. */
double replay_now(void);

extern const struct sw_feature replay_feature;

/* Pure: is this frame one to replay? dst unicast, the bridge's or a MAC
 * behind it, not the standby's own (its stack took those); ts in
 * [cut, until). */
bool replay_wanted(const uint8_t *frame, size_t len, double ts, double cut, double until,
		   const uint8_t port_mac[6], const uint8_t bridge_mac[6], const uint8_t (*macs)[6],
		   size_t nmacs);

/* Pure: put an 802.1Q/802.1ad tag (the driver stripped it) back after the
 * MAC addresses of buf = virtio_net_hdr + frame, fixing the header's
 * offsets. Returns the new length (len unchanged if it does not fit cap). */
size_t replay_retag(uint8_t *buf, size_t len, size_t cap, uint16_t tpid, uint16_t tci);

#endif
