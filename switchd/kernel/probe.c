/*
 * ARP-flux watch: see probe.h.
 *
 * The table is a dense array of addresses with a parallel array of just the
 * addresses, so a lookup is one linear scan over 16 KiB at worst: cheap at
 * any ARP rate a LAN survives, and no hash to get wrong. Each address keeps
 * the MACs heard within the window and the MACs already reported in the
 * current episode; both are bounded by ARPWATCH_MAX_MACS.
 */
#include <ev.h>
#include <math.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "probe.h"
#include "util.h"

#define AW_INITIAL 64		/* addresses; the table doubles up to ARPWATCH_MAX_IPS */
#define AW_SNAPLEN 64		/* Ethernet + ARP is 42 bytes */
#define AW_BUFSIZE (256 * 1024) /* capture ring: ARP only, a small one will do */

struct aw_sighting {
	uint8_t mac[6];
	double seen;
};

struct aw_entry {
	double last; /* last reply for this address, from any MAC */
	int nmacs;   /* heard within the window (as of the last reply) */
	int nrep;    /* reported in the current episode; 0: not flagged */
	struct aw_sighting macs[ARPWATCH_MAX_MACS];
	uint8_t rep[ARPWATCH_MAX_MACS][6];
};

struct arpwatch_table {
	double window;
	int n, cap;
	uint32_t *ips; /* ips[i] is ents[i]'s address, for the scan */
	struct aw_entry *ents;
};

struct arpwatch_table *arpwatch_table_new(double window_s)
{
	struct arpwatch_table *t;

	if (!isfinite(window_s) || window_s <= 0)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->window = window_s;
	t->cap = AW_INITIAL;
	t->ips = calloc(t->cap, sizeof(*t->ips));
	t->ents = calloc(t->cap, sizeof(*t->ents));
	if (!t->ips || !t->ents) {
		arpwatch_table_free(t);
		return NULL;
	}
	return t;
}

void arpwatch_table_free(struct arpwatch_table *t)
{
	if (!t)
		return;
	free(t->ips);
	free(t->ents);
	free(t);
}

/* Room for one more address; false if the table cannot grow. */
static bool table_grow(struct arpwatch_table *t)
{
	int cap = t->cap * 2;
	uint32_t *ips;
	struct aw_entry *ents;

	if (cap > ARPWATCH_MAX_IPS)
		cap = ARPWATCH_MAX_IPS;
	if (cap <= t->cap)
		return false;
	/* each realloc keeps the old block on failure, so nothing is lost */
	ips = realloc(t->ips, cap * sizeof(*ips));
	if (!ips)
		return false;
	t->ips = ips;
	ents = realloc(t->ents, cap * sizeof(*ents));
	if (!ents)
		return false;
	t->ents = ents;
	t->cap = cap;
	return true;
}

/* The entry for ip, created if new: full, the least recently heard goes. */
static struct aw_entry *table_get(struct arpwatch_table *t, uint32_t ip)
{
	int i, oldest = 0;

	for (i = 0; i < t->n; i++)
		if (t->ips[i] == ip)
			return &t->ents[i];
	if (t->n < t->cap || table_grow(t)) {
		i = t->n++;
	} else {
		for (i = 1; i < t->n; i++)
			if (t->ents[i].last < t->ents[oldest].last)
				oldest = i;
		i = oldest;
	}
	t->ips[i] = ip;
	memset(&t->ents[i], 0, sizeof(t->ents[i]));
	return &t->ents[i];
}

static bool mac_in(const uint8_t mac[6], const uint8_t (*set)[6], int n)
{
	for (int i = 0; i < n; i++)
		if (!memcmp(set[i], mac, 6))
			return true;
	return false;
}

/* Forget MACs not heard within the window ending now (or heard "after" now:
 * the clock stepped back). */
static void entry_expire(struct aw_entry *e, double window, double now)
{
	int w = 0;

	for (int i = 0; i < e->nmacs; i++)
		if (e->macs[i].seen <= now && now - e->macs[i].seen <= window)
			e->macs[w++] = e->macs[i];
	e->nmacs = w;
}

/* Record mac as heard now; returns its index. */
static int entry_hear(struct aw_entry *e, const uint8_t mac[6], double now)
{
	int i, oldest = 0;

	for (i = 0; i < e->nmacs; i++)
		if (!memcmp(e->macs[i].mac, mac, 6))
			break;
	if (i == e->nmacs) {
		if (e->nmacs < ARPWATCH_MAX_MACS) {
			e->nmacs++;
		} else {
			for (i = 1; i < e->nmacs; i++)
				if (e->macs[i].seen < e->macs[oldest].seen)
					oldest = i;
			i = oldest;
		}
		memcpy(e->macs[i].mac, mac, 6);
	}
	e->macs[i].seen = now;
	e->last = now;
	return i;
}

/* Does the set heard within the window hold a MAC not yet reported? Then
 * count them all as reported. */
static bool entry_news(struct aw_entry *e)
{
	int fresh = 0;

	for (int i = 0; i < e->nmacs; i++)
		if (!mac_in(e->macs[i].mac, e->rep, e->nrep))
			fresh++;
	if (!fresh)
		return false;
	/* more MACs came and went than we keep: start over from the current
	 * set (at worst one report more) */
	if (e->nrep + fresh > ARPWATCH_MAX_MACS)
		e->nrep = 0;
	for (int i = 0; i < e->nmacs; i++)
		if (!mac_in(e->macs[i].mac, e->rep, e->nrep))
			memcpy(e->rep[e->nrep++], e->macs[i].mac, 6);
	return true;
}

/* macs[0] = the one just heard (index self), then the rest, most recent
 * first. */
static void entry_list(const struct aw_entry *e, int self, uint8_t (*macs)[6], int max)
{
	bool done[ARPWATCH_MAX_MACS] = {false};
	int k = 0;

	if (max <= 0 || !macs)
		return;
	memcpy(macs[k++], e->macs[self].mac, 6);
	done[self] = true;
	while (k < max && k < e->nmacs) {
		int best = -1;

		for (int i = 0; i < e->nmacs; i++)
			if (!done[i] && (best < 0 || e->macs[i].seen > e->macs[best].seen))
				best = i;
		done[best] = true;
		memcpy(macs[k++], e->macs[best].mac, 6);
	}
}

int arpwatch_note(struct arpwatch_table *t, uint32_t ip, const uint8_t mac[6], double now,
		  uint8_t (*macs)[6], int max)
{
	struct aw_entry *e = table_get(t, ip);
	int self;

	entry_expire(e, t->window, now);
	self = entry_hear(e, mac, now);
	if (e->nmacs <= 1)
		e->nrep = 0; /* one MAC answers: any episode is over */
	if (e->nmacs <= 1 || !entry_news(e)) {
		if (max > 0 && macs)
			memcpy(macs[0], mac, 6);
		return 1;
	}
	entry_list(e, self, macs, max);
	return e->nmacs;
}

/* Byte offsets in an untagged Ethernet frame carrying ARP for IPv4. */
enum {
	ETH_TYPE = 12,
	ARP_HTYPE = 14,
	ARP_PTYPE = 16,
	ARP_HLEN = 18,
	ARP_PLEN = 19,
	ARP_OPER = 20,
	ARP_SHA = 22,
	ARP_SPA = 28,
	ARP_THA = 32,
	ARP_TPA = 38,
	ARP_END = 42,
};

static unsigned int be16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

int arpwatch_parse(const uint8_t *frame, size_t caplen, uint32_t *ip, uint8_t mac[6])
{
	uint32_t spa, tpa;
	unsigned int oper;

	if (!frame || caplen < ARP_END)
		return -1;
	if (be16(frame + ETH_TYPE) != 0x0806 || be16(frame + ARP_HTYPE) != 1 ||
	    be16(frame + ARP_PTYPE) != 0x0800 || frame[ARP_HLEN] != 6 || frame[ARP_PLEN] != 4)
		return -1;
	/* the addresses stay in network order: copy the bytes as they are */
	memcpy(&spa, frame + ARP_SPA, 4);
	memcpy(&tpa, frame + ARP_TPA, 4);
	oper = be16(frame + ARP_OPER);
	if (!spa)
		return -1; /* a probe (RFC 5227) claims nothing */
	if (oper != 2 && !(oper == 1 && spa == tpa))
		return -1;
	*ip = spa;
	memcpy(mac, frame + ARP_SHA, 6);
	return 0;
}

struct arpwatch {
	ev_io io;
	struct ev_loop *loop;
	pcap_t *pcap;
	struct arpwatch_table *table;
	arpwatch_cb cb;
	void *arg;
	bool dispatching; /* inside pcap_dispatch(): stopping must wait */
	bool dead;	  /* stopped from the callback: free once dispatch returns */
	char ifname[IFNAMSIZ];
	char error[PCAP_ERRBUF_SIZE + IFNAMSIZ + 32];
};

static void destroy(struct arpwatch *w)
{
	ev_io_stop(w->loop, &w->io);
	if (w->pcap)
		pcap_close(w->pcap);
	arpwatch_table_free(w->table);
	free(w);
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct arpwatch *w = (struct arpwatch *)(void *)user;
	uint8_t mac[6], macs[ARPWATCH_MAX_MACS][6];
	uint32_t ip;
	int n;

	if (w->dead)
		return;
	if (arpwatch_parse(bytes, h->caplen, &ip, mac))
		return;
	n = arpwatch_note(w->table, ip, mac, ev_now(w->loop), macs, ARPWATCH_MAX_MACS);
	if (n > 1)
		w->cb(w->arg, w->ifname, ip, (const uint8_t(*)[6])macs, n);
}

static void on_readable(struct ev_loop *loop, ev_io *io, int revents)
{
	struct arpwatch *w = container_of(io, struct arpwatch, io);
	int n;

	(void)revents;
	w->dispatching = true;
	n = pcap_dispatch(w->pcap, -1, on_frame, (u_char *)(void *)w);
	w->dispatching = false;
	if (w->dead) {
		destroy(w);
		return;
	}
	if (n != PCAP_ERROR)
		return;
	/* A failed read fails again: stop before the loop spins on it. */
	ev_io_stop(loop, &w->io);
	capture_seterr(w->error, sizeof(w->error), "%s: capture: %s", w->ifname, pcap_geterr(w->pcap));
	w->cb(w->arg, w->ifname, 0, NULL, 0); /* last: it may free w */
}

static const struct capture_opts arpwatch_capture = {
	.what = "arp watch",
	.filter = ARPWATCH_FILTER,
	.snaplen = AW_SNAPLEN,
	.bufsize = AW_BUFSIZE,
	.promisc = true,
};

struct arpwatch *arpwatch_start(struct ev_loop *loop, const char *ifname, double window_s,
				arpwatch_cb cb, void *arg, char *err, size_t errlen)
{
	struct arpwatch *w;
	int fd;

	if (!ifname || !*ifname || strlen(ifname) >= IFNAMSIZ) {
		capture_seterr(err, errlen, "%s: arp watch: bad interface name",
		       ifname ? ifname : "(null)");
		return NULL;
	}
	if (!loop || !cb) {
		capture_seterr(err, errlen, "%s: arp watch: no event loop or callback", ifname);
		return NULL;
	}
	if (!isfinite(window_s) || window_s <= 0) {
		capture_seterr(err, errlen, "%s: arp watch: window must be a positive number of seconds",
		       ifname);
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		capture_seterr(err, errlen, "%s: arp watch: out of memory", ifname);
		return NULL;
	}
	w->loop = loop;
	w->cb = cb;
	w->arg = arg;
	snprintf(w->ifname, sizeof(w->ifname), "%s", ifname);
	ev_io_init(&w->io, on_readable, -1, EV_READ); /* destroy() may stop it */
	w->table = arpwatch_table_new(window_s);
	if (!w->table) {
		capture_seterr(err, errlen, "%s: arp watch: out of memory", ifname);
		goto fail;
	}
	w->pcap = capture_open(ifname, &arpwatch_capture, &fd, err, errlen);
	if (!w->pcap)
		goto fail;
	ev_io_set(&w->io, fd, EV_READ);
	ev_io_start(loop, &w->io);
	return w;
fail:
	destroy(w);
	return NULL;
}

void arpwatch_stop(struct arpwatch *w)
{
	if (!w)
		return;
	if (w->dispatching) {
		/* called from the callback: pcap_dispatch() still holds the
		 * handle; on_readable() frees it on the way out */
		w->dead = true;
		ev_io_stop(w->loop, &w->io);
		pcap_breakloop(w->pcap);
		return;
	}
	destroy(w);
}

const char *arpwatch_ifname(const struct arpwatch *w)
{
	return w ? w->ifname : NULL;
}

const char *arpwatch_error(const struct arpwatch *w)
{
	return w && w->error[0] ? w->error : NULL;
}
