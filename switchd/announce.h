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

#define ANNOUNCE_FRAME_MAX 96

struct sw_ctx;

/* Frame builders (pure). Each returns the frame's length (>= 60). */
size_t announce_garp(uint8_t *buf, const uint8_t mac[6], const uint8_t ip[4]);
size_t announce_na(uint8_t *buf, const uint8_t mac[6], const uint8_t ip6[16]);
size_t announce_rarp(uint8_t *buf, const uint8_t mac[6]);

/* Announce bridge's MACs out of port now and on the back-off schedule.
 * Returns the number of frames in one round. */
int announce_start(struct sw_ctx *ctx, const char *bridge, int port_ifindex);
/* A MAC learned on a bridge port (event): remembered if the port is not an
 * uplink, for announcements and replay. */
struct sw_fdb;
void announce_learned(struct sw_ctx *ctx, const struct sw_fdb *f);
/* Read every bridge's forwarding database into what is remembered (at
 * start, after a reload or a resync; events keep it after that). */
void announce_seed(struct sw_ctx *ctx);
/* Stop and free every scheduled announcement. */
void announce_stop_all(struct sw_ctx *ctx);

#endif
