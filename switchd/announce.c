/*
 * See announce.h. Frame layouts: kernel-reference.md §4.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <linux/neighbour.h>
#include <net/ethernet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "announce.h"
#include "log.h"
#include "nl.h"
#include "plan.h"
#include "reconcile.h"
#include "switchd.h"

struct announce_job {
	struct announce_job *next;
	struct sw_ctx *ctx;
	ev_timer timer;
	int fd;
	int ifindex;
	char bridge[SW_IFNAMSIZ];
	int round, nrounds;
	int port; /* index of the port among the bridge's configured ones, or -1 */
	double at[SW_ANNOUNCE_MAX]; /* the bridge's announce schedule, seconds after the swap */
	size_t nframes;
	uint8_t (*frames)[ANNOUNCE_FRAME_MAX];
	size_t *lens;
};

static void put_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	buf[12] = (uint8_t)(type >> 8);
	buf[13] = (uint8_t)type;
}

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* ARP-shaped payload: htype 1, ptype IPv4, hlen 6, plen 4, op, sha, spa, tha, tpa */
static void put_arp(uint8_t *p, uint16_t op, const uint8_t sha[6], const uint8_t spa[4],
		    const uint8_t tha[6], const uint8_t tpa[4])
{
	p[0] = 0, p[1] = 1, p[2] = 0x08, p[3] = 0x00, p[4] = 6, p[5] = 4;
	p[6] = (uint8_t)(op >> 8), p[7] = (uint8_t)op;
	memcpy(p + 8, sha, 6);
	memcpy(p + 14, spa, 4);
	memcpy(p + 18, tha, 6);
	memcpy(p + 24, tpa, 4);
}

size_t announce_garp(uint8_t *buf, const uint8_t mac[6], const uint8_t ip[4])
{
	static const uint8_t zero[6];

	memset(buf, 0, 60);
	put_eth(buf, BCAST, mac, ETH_P_ARP);
	/* request form, spa = tpa, as Linux sends it */
	put_arp(buf + 14, 1, mac, ip, zero, ip);
	return 60;
}

size_t announce_rarp(uint8_t *buf, const uint8_t mac[6])
{
	static const uint8_t zero[4];

	memset(buf, 0, 60);
	put_eth(buf, BCAST, mac, ETH_P_RARP);
	put_arp(buf + 14, 3, mac, zero, mac, zero); /* op 3: request reverse */
	return 60;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

size_t announce_na(uint8_t *buf, const uint8_t mac[6], const uint8_t ip6[16])
{
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	uint8_t *ip = buf + 14, *icmp = ip + 40;
	uint32_t sum = 0;
	uint16_t c;
	const size_t icmp_len = 32; /* NA 24 + target link-layer option 8 */

	memset(buf, 0, 14 + 40 + icmp_len);
	put_eth(buf, all_nodes_mac, mac, ETH_P_IPV6);
	ip[0] = 0x60;
	ip[5] = (uint8_t)icmp_len;
	ip[6] = 58;  /* ICMPv6 */
	ip[7] = 255; /* hop limit: receivers drop ND with less */
	memcpy(ip + 8, ip6, 16);
	memcpy(ip + 24, all_nodes, 16);
	icmp[0] = 136; /* neighbour advertisement */
	icmp[4] = 0x20; /* O: override caches; not solicited */
	memcpy(icmp + 8, ip6, 16);
	icmp[24] = 2; /* target link-layer address */
	icmp[25] = 1;
	memcpy(icmp + 26, mac, 6);
	/* checksum over the pseudo-header and the message */
	sum = csum_add(sum, ip + 8, 32);
	sum += (uint32_t)icmp_len;
	sum += 58;
	sum = csum_add(sum, icmp, icmp_len);
	c = csum_fold(sum);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	return 14 + 40 + icmp_len;
}

/* ---- collecting what to announce ---------------------------------------- */

struct collect {
	struct sw_ctx *ctx;
	int bridge;
	const char *name;
	struct sw_bridge_rt *b;
};

static void remember_mac(struct sw_bridge_rt *b, const uint8_t mac[6])
{
	for (size_t i = 0; i < b->nmacs; i++)
		if (!memcmp(b->macs[i], mac, 6))
			return;
	if (b->nmacs >= 4096)
		return;
	uint8_t (*v)[6] = realloc(b->macs, (b->nmacs + 1) * sizeof(*v));
	if (!v)
		return;
	b->macs = v;
	memcpy(b->macs[b->nmacs++], mac, 6);
}

/* A learned entry of the bridge, from an event or a dump. Behind one of its
 * configured uplinks it is the upstream's own MAC: announcing it from here
 * would pull its traffic to us. */
static void note_fdb(struct sw_ctx *ctx, const char *bridge, struct sw_bridge_rt *b,
		     const struct sw_fdb *f)
{
	if (runtime_port_index(ctx, bridge, f->port) < 0) {
		remember_mac(b, f->mac);
		return;
	}
	/* learned upstream now (a guest that moved to another host): announcing
	 * it from here would pull its traffic back to us */
	for (size_t i = 0; i < b->nmacs; i++)
		if (!memcmp(b->macs[i], f->mac, 6)) {
			memmove(b->macs[i], b->macs[i + 1], (b->nmacs - i - 1) * sizeof(b->macs[0]));
			b->nmacs--;
			return;
		}
}

void announce_learned(struct sw_ctx *ctx, const struct sw_fdb *f)
{
	const struct sw_link *bl = linkdb_by_index(&ctx->db, f->master);
	struct sw_bridge_rt *b = bl ? runtime_bridge(&ctx->rt, bl->name) : NULL;

	if (b)
		note_fdb(ctx, bl->name, b, f);
}

static int fdb_cb(const struct nlmsghdr *nlh, void *data)
{
	struct collect *c = data;
	struct sw_fdb e;

	/* learned entries (not the bridge's own), as link.c's FDB_LEARNED */
	if (nlp_fdb(nlh, &e) == 0 && !(e.state & NUD_PERMANENT) && e.port != c->bridge &&
	    !(e.mac[0] & 1))
		note_fdb(c->ctx, c->name, c->b, &e);
	return MNL_CB_OK;
}

static int add_frame(struct announce_job *j, const uint8_t *frame, size_t len)
{
	uint8_t (*f)[ANNOUNCE_FRAME_MAX] = realloc(j->frames, (j->nframes + 1) * sizeof(*f));
	size_t *l;

	if (!f)
		return -ENOMEM;
	j->frames = f;
	l = realloc(j->lens, (j->nframes + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	j->lens = l;
	memcpy(j->frames[j->nframes], frame, len);
	j->lens[j->nframes++] = len;
	return 0;
}

static void job_free(struct announce_job *j)
{
	if (j->fd >= 0)
		close(j->fd);
	free(j->frames);
	free(j->lens);
	free(j);
}

static void unlink_job(struct sw_ctx *ctx, struct announce_job *j)
{
	for (struct announce_job **pp = (struct announce_job **)&ctx->rt.announce_jobs; *pp;
	     pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			return;
		}
}

static void send_round(struct announce_job *j)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = j->ifindex, .sll_halen = 6 };
	struct sw_bridge_rt *b = runtime_bridge(&j->ctx->rt, j->bridge);
	size_t sent = 0;

	for (size_t i = 0; i < j->nframes; i++) {
		memcpy(sll.sll_addr, j->frames[i], 6);
		if (sendto(j->fd, j->frames[i], j->lens[i], MSG_DONTWAIT, (struct sockaddr *)&sll,
			   sizeof(sll)) == (ssize_t)j->lens[i])
			sent++;
	}
	if (b)
		b->announced += sent;
	if (b && j->port >= 0 && (size_t)j->port < b->nports)
		b->pstats[j->port].announced += sent;
	if (sent < j->nframes)
		log_debug("bridge %s: announce round %d: %zu of %zu frames sent", j->bridge, j->round,
			  sent, j->nframes);
}

static void on_round(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct announce_job *j = container_of(w, struct announce_job, timer);

	(void)revents;
	send_round(j);
	if (++j->round >= j->nrounds) {
		unlink_job(j->ctx, j);
		job_free(j);
		return;
	}
	ev_timer_set(w, j->at[j->round] - j->at[j->round - 1], 0);
	ev_timer_start(loop, w);
}

/* Stop and free the jobs of a bridge (NULL: all). */
static void stop_jobs(struct sw_ctx *ctx, const char *bridge)
{
	for (struct announce_job **pp = (struct announce_job **)&ctx->rt.announce_jobs; *pp;) {
		struct announce_job *j = *pp;

		if (bridge && strcmp(j->bridge, bridge)) {
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		ev_timer_stop(ctx->loop, &j->timer);
		job_free(j);
	}
}

int announce_start(struct sw_ctx *ctx, const char *bridge, int port_ifindex)
{
	struct sw_bridge_rt *b = runtime_bridge(&ctx->rt, bridge);
	const struct sw_link *bl = linkdb_by_name(&ctx->db, bridge);
	const struct sw_conf_bridge *cb = conf_find_bridge(&ctx->conf, bridge);
	struct announce_job *j;
	uint8_t frame[ANNOUNCE_FRAME_MAX];

	/* a job still running for this bridge announces out of a port that is
	 * no longer active: its next rounds would pull everything back there */
	stop_jobs(ctx, bridge);
	/* announce = no: the bridge's upstream relearns by itself */
	if (!b || !bl || !bl->has_mac || !cb || cb->nannounce <= 0)
		return 0;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->nrounds = cb->nannounce;
	j->port = runtime_port_index(ctx, bridge, port_ifindex);
	memcpy(j->at, cb->announce, sizeof(j->at));
	j->ctx = ctx;
	j->ifindex = port_ifindex;
	sw_strlcpy(j->bridge, bridge, sizeof(j->bridge));
	/* protocol 0: this socket only sends */
	j->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (j->fd < 0) {
		log_warn("bridge %s: announce socket", bridge);
		job_free(j);
		return -errno;
	}
	for (size_t i = 0; i < ctx->db.naddrs; i++) {
		const struct sw_addr *a = &ctx->db.addrs[i];

		if (a->ifindex != bl->ifindex)
			continue;
		if (a->family == AF_INET)
			add_frame(j, frame, announce_garp(frame, bl->mac, a->local));
		else
			add_frame(j, frame, announce_na(frame, bl->mac, a->local));
	}
	/* the bridge's own MAC even without an address (an ARP-proxy bridge) */
	add_frame(j, frame, announce_rarp(frame, bl->mac));
	/* the MACs behind it: kept from FDB events and dumps at start and
	 * after a resync (announce_learned/announce_seed), no dump on the way */
	for (size_t i = 0; i < b->nmacs; i++)
		if (memcmp(b->macs[i], bl->mac, 6))
			add_frame(j, frame, announce_rarp(frame, b->macs[i]));
	j->next = ctx->rt.announce_jobs;
	ctx->rt.announce_jobs = j;
	ev_init(&j->timer, on_round);
	if (j->at[0] <= 0) {
		/* the first round now, not after a loop iteration */
		send_round(j);
		if (++j->round >= j->nrounds) {
			int n = (int)j->nframes;

			unlink_job(ctx, j);
			job_free(j);
			return n;
		}
	}
	ev_timer_set(&j->timer, j->at[j->round] - (j->round ? j->at[j->round - 1] : 0), 0);
	ev_timer_start(ctx->loop, &j->timer);
	return (int)j->nframes;
}

void announce_seed(struct sw_ctx *ctx)
{
	char err[128];

	for (size_t i = 0; i < ctx->conf.nbridges; i++) {
		const char *bridge = ctx->conf.bridges[i].name;
		struct sw_bridge_rt *b = runtime_bridge(&ctx->rt, bridge);
		const struct sw_link *bl = linkdb_by_name(&ctx->db, bridge);

		if (!b || !bl)
			continue;
		struct collect c = { ctx, bl->ifindex, bridge, b };
		if (nl_dump_fdb(&ctx->nl, bl->ifindex, fdb_cb, &c, err, sizeof(err)) < 0)
			log_warnx("bridge %s: reading its forwarding database: %s", bridge, err);
	}
}

void announce_stop_all(struct sw_ctx *ctx)
{
	stop_jobs(ctx, NULL);
}
