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
#include "runtime.h"
#include "switchd.h"

/* this feature's slot in the run-time state */
#define SLOT feature_slot(&announce_feature)

struct announce_job {
	struct announce_job *next;
	struct sw_ctx *ctx;
	ev_timer timer;
	int fd;
	int ifindex;
	char bridge[SW_IFNAMSIZ];
	char port[SW_IFNAMSIZ]; /* the configured port it announces out of ("" if none) */
	int round, nrounds;
	size_t pos; /* the round's next frame: a round goes out in bursts */
	double at[SW_ANNOUNCE_MAX]; /* the bridge's announce schedule, seconds after the swap */
	size_t nframes;
	uint8_t (*frames)[ANNOUNCE_FRAME_MAX];
	size_t *lens;
};

/* ---- state ---------------------------------------------------------------- */

/* Per bridge: the MACs seen behind it (guests), what was announced. */
struct an_bridge {
	uint8_t (*macs)[6];
	size_t nmacs;
	unsigned long announced; /* frames sent after swaps and attaches */
	bool seeded; /* its forwarding database read since start, reload, resync */
};

struct an_port {
	unsigned long announced; /* frames announced out of it */
};

struct an_state {
	struct announce_job *jobs;
};

static struct an_state *an(struct sw_ctx *ctx)
{
	return ctx->rt.priv[SLOT];
}

static struct an_bridge *an_bridge(struct rt_bridge *b)
{
	return b ? rt_bridge_priv(b, SLOT) : NULL;
}

const uint8_t (*announce_guest_macs(struct rt_bridge *b, size_t *n))[6]
{
	struct an_bridge *ab = an_bridge(b);

	*n = ab ? ab->nmacs : 0;
	return ab ? (const uint8_t(*)[6])ab->macs : NULL;
}

/* ---- collecting what to announce ---------------------------------------- */

struct collect {
	struct sw_ctx *ctx;
	int bridge;
	struct rt_bridge *b;
};

static void remember_mac(struct an_bridge *ab, const uint8_t mac[6])
{
	for (size_t i = 0; i < ab->nmacs; i++)
		if (!memcmp(ab->macs[i], mac, 6))
			return;
	if (ab->nmacs >= 4096)
		return;
	uint8_t (*v)[6] = realloc(ab->macs, (ab->nmacs + 1) * sizeof(*v));
	if (!v)
		return;
	ab->macs = v;
	memcpy(ab->macs[ab->nmacs++], mac, 6);
}

/* A learned entry of the bridge, from an event or a dump. Behind one of its
 * configured uplinks it is the upstream's own MAC: announcing it from here
 * would pull its traffic to us. */
static void note_fdb(struct sw_ctx *ctx, struct rt_bridge *b, const struct sw_fdb *f)
{
	struct an_bridge *ab = an_bridge(b);

	if (!ab)
		return;
	if (!rt_port_of_link(ctx, b, f->port)) {
		remember_mac(ab, f->mac);
		return;
	}
	/* learned upstream now (a guest that moved to another host): announcing
	 * it from here would pull its traffic back to us */
	for (size_t i = 0; i < ab->nmacs; i++)
		if (!memcmp(ab->macs[i], f->mac, 6)) {
			memmove(ab->macs[i], ab->macs[i + 1],
				(ab->nmacs - i - 1) * sizeof(ab->macs[0]));
			ab->nmacs--;
			return;
		}
}

static int fdb_cb(const struct nlmsghdr *nlh, void *data)
{
	struct collect *c = data;
	struct sw_fdb e;

	/* learned entries (not the bridge's own), as link.c's FDB_LEARNED */
	if (nlp_fdb(nlh, &e) == 0 && !(e.state & NUD_PERMANENT) && e.port != c->bridge &&
	    !(e.mac[0] & 1))
		note_fdb(c->ctx, c->b, &e);
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
	for (struct announce_job **pp = &an(ctx)->jobs; *pp; pp = &(*pp)->next)
		if (*pp == j) {
			*pp = j->next;
			return;
		}
}

/* Frames per loop iteration: a bridge with thousands of guests announces
 * them in bursts, the host's own addresses first, so no round keeps the
 * loop (a carrier poll, the next failover) waiting for thousands of
 * sendto()s. */
#define ANNOUNCE_BURST 256

/* Send the round's next burst. True when the round is complete. */
static bool send_burst(struct announce_job *j)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = j->ifindex, .sll_halen = 6 };
	struct rt_bridge *b = rt_bridge(&j->ctx->rt, j->bridge);
	struct rt_port *p = rt_port(b, j->port);
	size_t sent = 0, end = j->pos + ANNOUNCE_BURST < j->nframes ? j->pos + ANNOUNCE_BURST
								      : j->nframes;

	for (size_t i = j->pos; i < end; i++) {
		memcpy(sll.sll_addr, j->frames[i], 6);
		if (sendto(j->fd, j->frames[i], j->lens[i], MSG_DONTWAIT, (struct sockaddr *)&sll,
			   sizeof(sll)) == (ssize_t)j->lens[i])
			sent++;
	}
	if (an_bridge(b))
		an_bridge(b)->announced += sent;
	if (p)
		((struct an_port *)rt_port_priv(p, SLOT))->announced += sent;
	if (sent < end - j->pos)
		log_debug("bridge %s: announce round %d: %zu of %zu frames sent", j->bridge, j->round,
			  sent, end - j->pos);
	j->pos = end;
	if (j->pos < j->nframes)
		return false;
	j->pos = 0;
	return true;
}

/* After a burst: the rest of the round at the next loop iteration, or the
 * next round on the schedule. False when the job is done (freed). */
static bool schedule(struct ev_loop *loop, struct announce_job *j, bool round_done)
{
	if (!round_done) {
		ev_timer_set(&j->timer, 0, 0);
		ev_timer_start(loop, &j->timer);
		return true;
	}
	if (++j->round >= j->nrounds) {
		unlink_job(j->ctx, j);
		job_free(j);
		return false;
	}
	ev_timer_set(&j->timer, j->at[j->round] - j->at[j->round - 1], 0);
	ev_timer_start(loop, &j->timer);
	return true;
}

static void on_round(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct announce_job *j = container_of(w, struct announce_job, timer);

	(void)revents;
	schedule(loop, j, send_burst(j));
}

/* Stop and free the jobs of a bridge (NULL: all). */
static void stop_jobs(struct sw_ctx *ctx, const char *bridge)
{
	for (struct announce_job **pp = &an(ctx)->jobs; *pp;) {
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

static void seed_bridge(struct sw_ctx *ctx, struct rt_bridge *b);

int announce_start(struct sw_ctx *ctx, struct rt_bridge *b, int port_ifindex)
{
	struct an_bridge *ab = an_bridge(b);
	const struct sw_link *bl = linkdb_by_name(&ctx->db, b->name);
	const struct sw_conf_bridge *cb = conf_find_bridge(&ctx->conf, b->name);
	struct rt_port *port = rt_port_of_link(ctx, b, port_ifindex);
	struct announce_job *j;
	uint8_t frame[ANNOUNCE_FRAME_MAX];

	/* a job still running for this bridge announces out of a port that is
	 * no longer active: its next rounds would pull everything back there */
	stop_jobs(ctx, b->name);
	/* announce = no: the bridge's upstream relearns by itself */
	if (!ab || !bl || !bl->has_mac || !cb || cb->nannounce <= 0)
		return 0;
	/* an attach before the first settle (the start's plan re-attaching an
	 * uplink) names the guests the bridge already knows */
	if (!ab->seeded)
		seed_bridge(ctx, b);
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->nrounds = cb->nannounce;
	if (port)
		sw_strlcpy(j->port, port->name, sizeof(j->port));
	memcpy(j->at, cb->announce, sizeof(j->at));
	j->ctx = ctx;
	j->ifindex = port_ifindex;
	sw_strlcpy(j->bridge, b->name, sizeof(j->bridge));
	/* protocol 0: this socket only sends */
	j->fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (j->fd < 0) {
		int ret = -errno;

		log_warn("bridge %s: announce socket", b->name);
		job_free(j);
		return ret;
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
	 * after a resync, no dump on the way */
	for (size_t i = 0; i < ab->nmacs; i++)
		if (memcmp(ab->macs[i], bl->mac, 6))
			add_frame(j, frame, announce_rarp(frame, ab->macs[i]));
	j->next = an(ctx)->jobs;
	an(ctx)->jobs = j;
	ev_init(&j->timer, on_round);
	int n = (int)j->nframes;

	if (j->at[0] <= 0) {
		/* the first burst now, not after a loop iteration */
		schedule(ctx->loop, j, send_burst(j));
		return n;
	}
	ev_timer_set(&j->timer, j->at[0], 0);
	ev_timer_start(ctx->loop, &j->timer);
	return n;
}

/* Read a bridge's forwarding database into what is remembered; events keep
 * it after that. */
static void seed_bridge(struct sw_ctx *ctx, struct rt_bridge *b)
{
	const struct sw_link *bl = linkdb_by_name(&ctx->db, b->name);
	struct an_bridge *ab = an_bridge(b);
	char err[128];

	if (!ab || !bl)
		return;
	ab->seeded = true;
	struct collect c = { ctx, bl->ifindex, b };
	if (nl_dump_fdb(&ctx->nl, bl->ifindex, fdb_cb, &c, err, sizeof(err)) < 0)
		log_warnx("bridge %s: reading its forwarding database: %s", b->name, err);
}

/* Every bridge not read since the start, a reload or a resync. In the
 * settle, not at start: the host is ready without it (a dump of 1000 ports'
 * entries, ~7 ms), and an announcement before it reads its bridge itself. */
static void seed(struct sw_ctx *ctx)
{
	for (size_t i = 0; i < ctx->rt.nbridges; i++)
		if (an_bridge(&ctx->rt.bridges[i]) && !an_bridge(&ctx->rt.bridges[i])->seeded)
			seed_bridge(ctx, &ctx->rt.bridges[i]);
}

static void unseed(struct sw_ctx *ctx)
{
	for (size_t i = 0; i < ctx->rt.nbridges; i++)
		if (an_bridge(&ctx->rt.bridges[i]))
			an_bridge(&ctx->rt.bridges[i])->seeded = false;
}

/* ---- ops ------------------------------------------------------------------ */

static int an_init(struct sw_ctx *ctx)
{
	ctx->rt.priv[SLOT] = calloc(1, sizeof(struct an_state));
	return ctx->rt.priv[SLOT] ? 0 : -ENOMEM;
}

static void an_fini(struct sw_ctx *ctx)
{
	if (!an(ctx))
		return;
	stop_jobs(ctx, NULL);
	free(an(ctx));
	ctx->rt.priv[SLOT] = NULL;
}

static void an_bridge_free(struct sw_ctx *ctx, void *priv)
{
	struct an_bridge *ab = priv;

	(void)ctx;
	free(ab->macs);
}

static void an_link_event(struct sw_ctx *ctx, const struct link_event *ev)
{
	if (ev->type == FDB_LEARNED) {
		const struct sw_link *bl = linkdb_by_index(&ctx->db, ev->fdb->master);

		if (bl)
			note_fdb(ctx, rt_bridge(&ctx->rt, bl->name), ev->fdb);
	} else if (ev->type == DB_RESYNCED) {
		/* FDB events may have been lost with the others */
		unseed(ctx);
	}
}

/* who is behind each bridge (new ones: the start's, a reload's); later
 * ones come as FDB events */
static void an_settle(struct sw_ctx *ctx)
{
	seed(ctx);
}

static void an_reload(struct sw_ctx *ctx, const struct sw_conf *old)
{
	(void)old;
	unseed(ctx);
	seed(ctx);
}

static void an_uplink_active(struct sw_ctx *ctx, struct rt_bridge *b, struct uplink_change *ch)
{
	announce_start(ctx, b, ch->port_ifindex);
}

static void an_show_bridge(struct sw_ctx *ctx, struct rt_bridge *b, json_t *o)
{
	json_object_set_new(o, "announced", json_integer((json_int_t)an_bridge(b)->announced));
}

static void an_show_port(struct sw_ctx *ctx, struct rt_bridge *b, struct rt_port *p, json_t *o)
{
	struct an_port *ap = rt_port_priv(p, SLOT);

	json_object_set_new(o, "announced", json_integer((json_int_t)ap->announced));
}

const struct sw_feature announce_feature = {
	.name = "announce",
	.bridge_priv_size = sizeof(struct an_bridge),
	.port_priv_size = sizeof(struct an_port),
	.bridge_priv_free = an_bridge_free,
	.init = an_init,
	.fini = an_fini,
	.link_event = an_link_event,
	.settle = an_settle,
	.reload = an_reload,
	.uplink_active = an_uplink_active,
	.show_bridge = an_show_bridge,
	.show_port = an_show_port,
};
