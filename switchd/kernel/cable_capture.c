/*
 * See cable_capture.h. The shape of probe.c's watch: a non-blocking pcap
 * handle whose selectable descriptor an ev_io watches; stopping from the
 * callback waits until pcap_dispatch() returns.
 */
#include <errno.h>
#include <ev.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cable_capture.h"
#include "capture.h"
#include "util.h"

struct cable_capture {
	ev_io io;
	struct ev_loop *loop;
	pcap_t *pcap;
	cable_frame_cb cb;
	void *arg;
	bool dispatching, dead;
	char ifname[IFNAMSIZ];
	char error[PCAP_ERRBUF_SIZE + IFNAMSIZ + 32];
};

static void destroy(struct cable_capture *c)
{
	ev_io_stop(c->loop, &c->io);
	if (c->pcap)
		pcap_close(c->pcap);
	free(c);
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct cable_capture *c = (struct cable_capture *)(void *)user;

	if (!c->dead)
		c->cb(c->arg, bytes, h->caplen);
}

static void on_readable(struct ev_loop *loop, ev_io *io, int revents)
{
	struct cable_capture *c = container_of(io, struct cable_capture, io);
	int n;

	(void)revents;
	c->dispatching = true;
	/* a bounded batch per wake-up: a busy trunk never starves the loop */
	n = pcap_dispatch(c->pcap, 64, on_frame, (u_char *)(void *)c);
	c->dispatching = false;
	if (c->dead) {
		destroy(c);
		return;
	}
	if (n != PCAP_ERROR)
		return;
	ev_io_stop(loop, &c->io);
	capture_seterr(c->error, sizeof(c->error), "%s: capture: %s", c->ifname, pcap_geterr(c->pcap));
	c->cb(c->arg, NULL, 0); /* last: it may free c */
}

/* The link-local groups a NIC outside a bridge drops in its filter: LLDP's
 * and STP's (802.1D reserved), CDP's, and IPv6 all-nodes for router
 * advertisements (a standby has IPv6 off, so nobody joined it). A
 * membership lasts as long as the socket. */
static int join_groups(pcap_t *p, const char *ifname, char *err, size_t errlen)
{
	static const uint8_t groups[][6] = {
	    {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e}, /* LLDP nearest bridge */
	    {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}, /* STP */
	    {0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc}, /* CDP */
	    {0x33, 0x33, 0x00, 0x00, 0x00, 0x01}, /* IPv6 all-nodes */
	};
	struct packet_mreq mr = {.mr_type = PACKET_MR_MULTICAST, .mr_alen = 6};
	int fd = pcap_fileno(p);

	mr.mr_ifindex = (int)if_nametoindex(ifname);
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		memcpy(mr.mr_address, groups[i], 6);
		if (setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) {
			capture_seterr(err, errlen,
			       "%s: cable capture: join %02x:%02x:%02x:%02x:%02x:%02x: %s", ifname,
			       groups[i][0], groups[i][1], groups[i][2], groups[i][3], groups[i][4],
			       groups[i][5], strerror(errno));
			return -1;
		}
	}
	return 0;
}

static const struct capture_opts cable_capture_opts = {
	.what = "cable capture",
	.filter = CABLE_FILTER,
	.snaplen = CABLE_SNAPLEN,
	.bufsize = CABLE_BUFSIZE,
	.in_only = true,
};

struct cable_capture *cable_capture_start(struct ev_loop *loop, const char *ifname,
					  cable_frame_cb cb, void *arg, char *err, size_t errlen)
{
	struct cable_capture *c;
	int fd;

	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ || !loop || !cb) {
		capture_seterr(err, errlen, "%s: cable capture: bad arguments",
			       ifname ? ifname : "(null)");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		capture_seterr(err, errlen, "%s: cable capture: out of memory", ifname);
		return NULL;
	}
	c->loop = loop;
	c->cb = cb;
	c->arg = arg;
	snprintf(c->ifname, sizeof(c->ifname), "%s", ifname);
	ev_io_init(&c->io, on_readable, -1, EV_READ);
	/* not promiscuous (a standby would take in every unicast frame of the
	 * segment, and replay = no promises it is not): the groups are joined
	 * instead */
	c->pcap = capture_open(ifname, &cable_capture_opts, &fd, err, errlen);
	if (!c->pcap || join_groups(c->pcap, ifname, err, errlen) < 0)
		goto fail;
	ev_io_set(&c->io, fd, EV_READ);
	ev_io_start(loop, &c->io);
	return c;
fail:
	destroy(c);
	return NULL;
}

void cable_capture_stop(struct cable_capture *c)
{
	if (!c)
		return;
	if (c->dispatching) {
		c->dead = true;
		ev_io_stop(c->loop, &c->io);
		pcap_breakloop(c->pcap);
		return;
	}
	destroy(c);
}

const char *cable_capture_ifname(const struct cable_capture *c)
{
	return c ? c->ifname : NULL;
}

const char *cable_capture_error(const struct cable_capture *c)
{
	return c && c->error[0] ? c->error : NULL;
}

int cable_capture_send(struct cable_capture *c, const uint8_t *frame, size_t len, char *err,
		       size_t errlen)
{
	if (pcap_inject(c->pcap, frame, len) != (int)len) {
		capture_seterr(err, errlen, "%s: pcap_inject: %s", c->ifname, pcap_geterr(c->pcap));
		return -1;
	}
	return 0;
}
