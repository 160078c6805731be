/*
 * ARP-flux watch (watch_arp = yes): listen for ARP replies on a bridge and
 * flag an IPv4 address answered by more than one MAC within a window. The
 * classic cause is a multi-NIC host with arp_ignore = 0 answering for one
 * address from every NIC; a moving VIP (VRRP, keepalived) or a duplicate
 * address looks the same and is worth a log line too.
 *
 * Two layers, like failover.h: a pure core (frame in, verdict out; no I/O,
 * no clock of its own) and a libpcap capture on the bridge driven by libev
 * that feeds it. The watch only reports; it never changes anything.
 */
#ifndef SWITCHD_PROBE_H
#define SWITCHD_PROBE_H

#include <stddef.h>
#include <stdint.h>

#define ARPWATCH_MAX_IPS 4096 /* addresses tracked; the least recently heard goes first */
#define ARPWATCH_MAX_MACS 8   /* MACs kept per address; the least recently heard goes first */

/*
 * What the capture lets through to userspace: ARP replies and gratuitous
 * requests (sender IP == target IP), so an ordinary who-has storm costs
 * nothing above the kernel. arpwatch_parse() checks the same again.
 */
#define ARPWATCH_FILTER "arp and (arp[6:2] = 2 or (arp[6:2] = 1 and arp[14:4] = arp[24:4]))"

struct ev_loop;
struct arpwatch_table;
struct arpwatch;

/* window_s: how long a MAC counts as answering for an address after it was
 * last heard (> 0). NULL on a bad window or no memory. */
struct arpwatch_table *arpwatch_table_new(double window_s);
void arpwatch_table_free(struct arpwatch_table *t); /* NULL-safe */

/*
 * Record one ARP reply for ip (network order) from mac, heard at now
 * (seconds, any epoch; meant to be non-decreasing). Returns how many distinct MACs
 * answered for ip within the window ending now, this one included, and
 * fills macs (at most max of them; macs may be NULL when max is 0) with this
 * one first, then the others, most recently heard first.
 *
 * It returns more than 1 once per flux episode and set of MACs: while the
 * address stays flagged, a reply from a MAC already reported in this
 * episode returns 1 (and macs[0] = mac), so the caller logs each finding
 * once. A MAC not yet reported in the episode reports the whole set again.
 * The episode ends, and the next second MAC starts a new one, once the
 * window passes with only one MAC answering.
 *
 * A time earlier than a MAC's last sighting (the clock stepped back) counts
 * that sighting as expired: a clock step never makes up flux.
 */
int arpwatch_note(struct arpwatch_table *t, uint32_t ip, const uint8_t mac[6], double now,
		  uint8_t (*macs)[6], int max);

/*
 * Parse one captured Ethernet frame (untagged; caplen bytes of it). 0 with ip
 * (network order) and mac set from the ARP sender fields, not the Ethernet
 * source, if it is an Ethernet/IPv4 ARP reply or a gratuitous request
 * (sender IP == target IP, the announcement form) with a nonzero sender IP;
 * -1 for anything else, a truncated frame included.
 */
int arpwatch_parse(const uint8_t *frame, size_t caplen, uint32_t *ip, uint8_t mac[6]);

/*
 * Flux found: ip (network order) was answered by nmacs MACs within the
 * window (2 to ARPWATCH_MAX_MACS), all of them in macs, the one just heard
 * first.
 *
 * nmacs == 0 (ip 0, macs NULL): the capture failed (the bridge went away,
 * say) and the watch has stopped listening; arpwatch_error() says why. The
 * owner should arpwatch_stop() it and may start a new one.
 *
 * The callback may call arpwatch_stop() on its own watch.
 */
typedef void (*arpwatch_cb)(void *arg, const char *ifname, uint32_t ip, const uint8_t (*macs)[6],
			    int nmacs);

/*
 * Watch ARP on ifname (a bridge). The capture is promiscuous: on a Linux
 * bridge that only means the bridge device also receives what it forwards
 * between its ports, so replies between other hosts are seen too;
 * forwarding is unchanged. Needs CAP_NET_RAW. Frames tagged with an 802.1Q
 * header are not looked at.
 *
 * NULL on failure with err set to one line: "<ifname>: <what failed>: <why>".
 */
struct arpwatch *arpwatch_start(struct ev_loop *loop, const char *ifname, double window_s,
				arpwatch_cb cb, void *arg, char *err, size_t errlen);
/* Stop listening, close the capture, free. NULL-safe. */
void arpwatch_stop(struct arpwatch *w);
const char *arpwatch_ifname(const struct arpwatch *w);
/* Why the capture stopped (see arpwatch_cb), or NULL while it runs. */
const char *arpwatch_error(const struct arpwatch *w);

#endif
