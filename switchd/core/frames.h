/*
 * The announcement frames (pure): gratuitous ARP in request form, an
 * unsolicited neighbour advertisement, RARP announce-self.
 */
#ifndef SWITCHD_FRAMES_H
#define SWITCHD_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#define ANNOUNCE_FRAME_MAX 96

/* Each returns the frame's length (>= 60). */
size_t announce_garp(uint8_t *buf, const uint8_t mac[6], const uint8_t ip[4]);
size_t announce_na(uint8_t *buf, const uint8_t mac[6], const uint8_t ip6[16]);
size_t announce_rarp(uint8_t *buf, const uint8_t mac[6]);

#endif
