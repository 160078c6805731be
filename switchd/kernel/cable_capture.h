/*
 * The captures of cable identification (issue 13): one libpcap handle per
 * NIC, driven by libev like the ARP-flux watch (probe.c), with a BPF filter
 * that lets through only what fingerprint.c decodes: LLDP, CDP, STP BPDUs,
 * ARP, DHCP replies, IPv6 router advertisements and 802.1Q-tagged frames.
 * Received frames only (PCAP_D_IN): what the host sends says nothing about
 * the network. Not promiscuous: the multicast groups of LLDP, STP, CDP and
 * IPv6 all-nodes are joined on the socket instead. Nothing is sent, except the optional ARP probe
 * through cable_capture_send().
 */
#ifndef SWITCHD_CABLE_CAPTURE_H
#define SWITCHD_CABLE_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#define CABLE_FILTER                                                                               \
	"ether proto 0x88cc or ether dst 01:80:c2:00:00:00 or ether dst 01:00:0c:cc:cc:cc or "     \
	"arp or (udp src port 67 and udp dst port 68) or (icmp6 and ip6[40] = 134) or vlan"
#define CABLE_SNAPLEN 600	  /* LLDP's TLVs, DHCP's options after 282 bytes of headers */
#define CABLE_BUFSIZE (64 * 1024) /* per NIC: the filter lets little through, read at once */

struct ev_loop;
struct cable_capture;

/* One frame (frame != NULL), or the capture failed (frame NULL, len 0):
 * cable_capture_error() says why and the owner should stop it. The callback
 * may stop its own capture. */
typedef void (*cable_frame_cb)(void *arg, const uint8_t *frame, size_t len);

/* NULL on failure with err set to "<ifname>: <what failed>: <why>". */
struct cable_capture *cable_capture_start(struct ev_loop *loop, const char *ifname,
					  cable_frame_cb cb, void *arg, char *err, size_t errlen);
void cable_capture_stop(struct cable_capture *c); /* NULL-safe */
const char *cable_capture_ifname(const struct cable_capture *c);
const char *cable_capture_error(const struct cable_capture *c);
/* Send one frame out of the NIC: 0 or -1 with err set. */
int cable_capture_send(struct cable_capture *c, const uint8_t *frame, size_t len, char *err,
		       size_t errlen);

#endif
