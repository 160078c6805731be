/*
 * What the libpcap captures have in common (probe.c's ARP-flux watch,
 * cable_capture.c's cable identification): a handle on one Ethernet device,
 * activated with its options, a BPF filter, non-blocking, ready for libev;
 * errors as one line "<ifname>: <step>: <why>".
 */
#ifndef SWITCHD_CAPTURE_H
#define SWITCHD_CAPTURE_H

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stddef.h>

struct capture_opts {
	const char *what;   /* "arp watch", "cable capture": in error messages */
	const char *filter; /* BPF, pcap syntax */
	int snaplen;
	int bufsize; /* the kernel ring, bytes */
	bool promisc;
	bool in_only; /* received frames only (PCAP_D_IN) */
};

/* An activated handle with the filter set, non-blocking, with a selectable
 * descriptor (*fd); NULL with err set. */
pcap_t *capture_open(const char *ifname, const struct capture_opts *o, int *fd, char *err,
		     size_t errlen);

/* 0 when libpcap can be loaded (it is, by this call), -1 with the reason in
 * why: the library the daemon dlopen()s (PCAP_SONAME, or $SWITCHD_LIBPCAP)
 * is missing or not libpcap. */
int capture_available(char *why, size_t len);

/* snprintf into err (NULL-safe), newlines made spaces: one line */
void capture_seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
