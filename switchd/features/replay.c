/* Replay of frames that reached a standby before its swap: see replay.h. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#include "conf.h"
#include "log.h"
#include "plan.h"
#include "announce.h"
#include "runtime.h"
#include "replay.h"
#include "switchd.h"
#include "util.h"

/* this feature's slot in the run-time state */
#define SLOT feature_slot(&replay_feature)

#define RP_RING 256		/* frames kept per standby */
#define RP_BYTES (1u << 20)	/* bytes kept per standby */
#define RP_FRAME_MAX 65536	/* a GRO'd frame at most */
#define VHDR sizeof(struct virtio_net_hdr)

struct rp_frame {
	double ts;	 /* CLOCK_REALTIME, from the kernel (SO_TIMESTAMPNS) */
	uint32_t len;	 /* virtio_net_hdr + frame */
	uint8_t *data;
};

struct rp_port {
	struct rp_port *next;
	struct sw_ctx *ctx;
	int ifindex, fd;
	char name[SW_IFNAMSIZ], bridge[SW_IFNAMSIZ];
	uint8_t mac[6];
	ev_io io;
	struct rp_frame ring[RP_RING];
	unsigned int head, count; /* oldest at head */
	size_t bytes;
	bool keep;
};

struct rp_bridge {
	struct rp_bridge *next;
	char name[SW_IFNAMSIZ], tap[SW_IFNAMSIZ];
	int tapfd, tap_ifindex, bridge_ifindex;
	double alive; /* CLOCK_REALTIME: the active port last seen with carrier */
	unsigned long replayed;
	bool keep, failed; /* failed: said once, not retried until the bridge changes */
};

struct replay_rt {
	struct rp_port *ports;
	struct rp_bridge *bridges;
};

static uint8_t rxbuf[VHDR + RP_FRAME_MAX + 4];

double replay_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

bool replay_wanted(const uint8_t *frame, size_t len, double ts, double cut, double until,
		   const uint8_t port_mac[6], const uint8_t bridge_mac[6], const uint8_t (*macs)[6],
		   size_t nmacs)
{
	if (len < ETH_HLEN || ts < cut || ts >= until || (frame[0] & 1))
		return false;
	/* addressed to the standby itself: its own stack took it (the NIC
	 * whose MAC the bridge has: weak host), a copy would be a duplicate */
	if (!memcmp(frame, port_mac, 6))
		return false;
	if (!memcmp(frame, bridge_mac, 6))
		return true;
	for (size_t i = 0; i < nmacs; i++)
		if (!memcmp(frame, macs[i], 6))
			return true;
	return false;
}

static struct replay_rt *rt_of(struct sw_ctx *ctx, bool create)
{
	(void)create;
	return ctx->rt.priv[SLOT];
}

/* Per configured port: frames that reached it as a standby, delivered. */
struct rp_port_stats {
	unsigned long replayed;
};

static struct rp_bridge *find_bridge(struct replay_rt *r, const char *name)
{
	for (struct rp_bridge *b = r ? r->bridges : NULL; b; b = b->next)
		if (!strcmp(b->name, name))
			return b;
	return NULL;
}

static struct rp_port *find_port(struct replay_rt *r, int ifindex)
{
	for (struct rp_port *p = r ? r->ports : NULL; p; p = p->next)
		if (p->ifindex == ifindex)
			return p;
	return NULL;
}

/* ---- the standby's frames ------------------------------------------------- */

static void ring_drop_oldest(struct rp_port *p)
{
	struct rp_frame *f = &p->ring[p->head];

	p->bytes -= f->len;
	free(f->data);
	f->data = NULL;
	p->head = (p->head + 1) % RP_RING;
	p->count--;
}

static void ring_put(struct rp_port *p, const uint8_t *data, size_t len, double ts)
{
	uint8_t *copy = malloc(len);

	if (!copy)
		return;
	while (p->count && (p->count == RP_RING || p->bytes + len > RP_BYTES))
		ring_drop_oldest(p);
	memcpy(copy, data, len);
	struct rp_frame *f = &p->ring[(p->head + p->count) % RP_RING];
	f->ts = ts;
	f->len = (uint32_t)len;
	f->data = copy;
	p->count++;
	p->bytes += len;
}

size_t replay_retag(uint8_t *buf, size_t len, size_t cap, uint16_t tpid, uint16_t tci)
{
	uint8_t *eth = buf + VHDR;
	uint16_t t = htons(tpid), c = htons(tci);
	struct virtio_net_hdr vh;

	if (len + 4 > cap || len < VHDR + 2 * ETH_ALEN)
		return len;
	memmove(eth + 2 * ETH_ALEN + 4, eth + 2 * ETH_ALEN, len - VHDR - 2 * ETH_ALEN);
	memcpy(eth + 2 * ETH_ALEN, &t, 2);
	memcpy(eth + 2 * ETH_ALEN + 2, &c, 2);
	/* the header's offsets count from the frame's start: 4 bytes later now
	 * (little-endian: a packet socket's virtio header on this host) */
	memcpy(&vh, buf, sizeof(vh));
	if (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
		vh.csum_start = htole16((uint16_t)(le16toh(vh.csum_start) + 4));
	if (vh.gso_type != VIRTIO_NET_HDR_GSO_NONE && vh.hdr_len)
		vh.hdr_len = htole16((uint16_t)(le16toh(vh.hdr_len) + 4));
	memcpy(buf, &vh, sizeof(vh));
	return len + 4;
}

/* Put the VLAN tag the driver took off back into the frame. */
static size_t retag(uint8_t *buf, size_t len, const struct tpacket_auxdata *aux)
{
	if (!(aux->tp_status & TP_STATUS_VLAN_VALID))
		return len;
	return replay_retag(buf, len, sizeof(rxbuf), aux->tp_vlan_tpid ? aux->tp_vlan_tpid : ETH_P_8021Q,
			    aux->tp_vlan_tci);
}

static void drain(struct rp_port *p)
{
	while (p->fd >= 0) {
		union {
			char buf[CMSG_SPACE(sizeof(struct timespec)) +
				 CMSG_SPACE(sizeof(struct tpacket_auxdata))];
			struct cmsghdr align;
		} cbuf;
		struct iovec iov = { rxbuf, sizeof(rxbuf) - 4 };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.buf,
				      .msg_controllen = sizeof(cbuf.buf) };
		struct tpacket_auxdata aux = { 0 };
		double ts = 0;
		ssize_t n = recvmsg(p->fd, &msg, MSG_DONTWAIT);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_debug("replay %s: %s", p->name, strerror(errno));
			return;
		}
		if (msg.msg_flags & MSG_TRUNC || (size_t)n < VHDR + ETH_HLEN)
			continue;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
				struct timespec t;

				memcpy(&t, CMSG_DATA(c), sizeof(t));
				ts = (double)t.tv_sec + t.tv_nsec / 1e9;
			} else if (c->cmsg_level == SOL_PACKET && c->cmsg_type == PACKET_AUXDATA) {
				memcpy(&aux, CMSG_DATA(c), sizeof(aux));
			}
		}
		if (!ts)
			ts = replay_now();
		ring_put(p, rxbuf, retag(rxbuf, (size_t)n, &aux), ts);
	}
}

static void on_frames(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	drain(w->data);
}

/* Unicast only: what a standby sees of broadcasts also reached the active port. */
static int filter_unicast(int fd)
{
	static struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),	       /* first byte of the destination */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1, 1, 0), /* group bit: drop */
		BPF_STMT(BPF_RET | BPF_K, 0x7fffffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

static int port_open(struct sw_ctx *ctx, struct rp_port *p)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL),
				   .sll_ifindex = p->ifindex };
	/* a real NIC drops unicast for other MACs in hardware unless it is
	 * promiscuous (as a bridge port is); the membership goes with the socket */
	struct packet_mreq promisc = { .mr_ifindex = p->ifindex, .mr_type = PACKET_MR_PROMISC };
	int one = 1, rcvbuf = 1 << 20;

	/* protocol 0: nothing arrives before the filter is in place and bind() */
	p->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return -errno;
	if (filter_unicast(p->fd) < 0 ||
	    setsockopt(p->fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) < 0 ||
	    setsockopt(p->fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof(one)) < 0 ||
	    setsockopt(p->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0 ||
	    setsockopt(p->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0 ||
	    bind(p->fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ||
	    setsockopt(p->fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &promisc, sizeof(promisc)) < 0) {
		int e = -errno;

		close(p->fd);
		p->fd = -1;
		return e;
	}
	setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	ev_io_init(&p->io, on_frames, p->fd, EV_READ);
	p->io.data = p;
	ev_io_start(ctx->loop, &p->io);
	return 0;
}

static void port_free(struct sw_ctx *ctx, struct rp_port *p)
{
	if (p->fd >= 0) {
		ev_io_stop(ctx->loop, &p->io);
		close(p->fd);
	}
	while (p->count)
		ring_drop_oldest(p);
	free(p);
}

/* ---- the bridge's replay tap --------------------------------------------- */

static int tap_open(struct sw_ctx *ctx, struct rp_bridge *b, const struct sw_link *bl, char *err,
		    size_t errlen)
{
	struct ifreq ifr;
	unsigned int off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
	struct sw_link tl;
	int ret;

	snprintf(b->tap, sizeof(b->tap), "swreplay%d", bl->ifindex);
	b->tapfd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (b->tapfd < 0) {
		snprintf(err, errlen, "/dev/net/tun: %s", strerror(errno));
		return -errno;
	}
	memset(&ifr, 0, sizeof(ifr));
	sw_strlcpy(ifr.ifr_name, b->tap, sizeof(ifr.ifr_name));
	/* not persistent: the tap goes when switchd does */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_TUN_EXCL;
	if (ioctl(b->tapfd, TUNSETIFF, &ifr) < 0) {
		ret = -errno;
		snprintf(err, errlen, "tap %s: %s", b->tap,
			 errno == EBUSY ? "a device with this name exists" : strerror(errno));
		return ret;
	}
	/* full offloads, so the bridge keeps its features with this port */
	ioctl(b->tapfd, TUNSETOFFLOAD, off);
	if ((ret = nl_link_get(&ctx->nl, 0, b->tap, &tl, err, errlen)) < 0)
		return ret;
	b->tap_ifindex = tl.ifindex;
	/* the largest MTU, so the bridge's (the minimum of its ports') stays;
	 * no IPv6 link-local: the tap says nothing; learning and flooding off:
	 * nothing is ever forwarded to it */
	if ((ret = nl_link_set_mtu(&ctx->nl, tl.ifindex, 65521, err, errlen)) < 0 ||
	    (ret = nl_link_set_addr_gen_mode(&ctx->nl, tl.ifindex, 1 /* none */, err, errlen)) < 0 ||
	    (ret = nl_link_set_master(&ctx->nl, tl.ifindex, bl->ifindex, err, errlen)) < 0 ||
	    (ret = nl_brport_quiet(&ctx->nl, tl.ifindex, err, errlen)) < 0 ||
	    (ret = nl_link_set_up(&ctx->nl, tl.ifindex, true, err, errlen)) < 0)
		return ret;
	b->bridge_ifindex = bl->ifindex;
	log_info("bridge %s: replay tap %s ready", b->name, b->tap);
	return 0;
}

static void bridge_free(struct rp_bridge *b)
{
	if (b->tapfd >= 0)
		close(b->tapfd); /* a non-persistent tap goes with its last fd */
	free(b);
}

/* ---- sync ------------------------------------------------------------------ */

static void want_bridge(struct sw_ctx *ctx, struct replay_rt *r, const struct sw_conf_bridge *br,
			const struct sw_link *bl)
{
	struct rp_bridge *b = find_bridge(r, br->name);
	char err[256];

	if (b && b->bridge_ifindex && b->bridge_ifindex != bl->ifindex) {
		b->keep = false; /* the bridge was re-created: a new tap */
		return;
	}
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b)
			return;
		sw_strlcpy(b->name, br->name, sizeof(b->name));
		b->tapfd = -1;
		b->next = r->bridges;
		r->bridges = b;
		if (tap_open(ctx, b, bl, err, sizeof(err)) < 0) {
			b->failed = true;
			b->bridge_ifindex = bl->ifindex;
			log_warnx("bridge %s: no replay (frames that reach a standby before a swap "
				  "are lost): %s",
				  br->name, err);
		}
	}
	b->keep = true;
}

static void want_port(struct sw_ctx *ctx, struct replay_rt *r, const struct sw_conf_bridge *br,
		      const struct sw_link *l)
{
	struct rp_port *p = find_port(r, l->ifindex);
	int ret;

	if (!p) {
		p = calloc(1, sizeof(*p));
		if (!p)
			return;
		p->ctx = ctx;
		p->ifindex = l->ifindex;
		sw_strlcpy(p->bridge, br->name, sizeof(p->bridge));
		/* kept even when it fails (fd -1): said once, not retried each pass */
		ret = port_open(ctx, p);
		if (ret == 0)
			log_debug("replay %s: watching the standby", l->name);
		if (ret < 0)
			log_warnx("replay %s: cannot watch the standby (frames that reach it before a "
				  "swap are lost): %s",
				  l->name, strerror(-ret));
		p->next = r->ports;
		r->ports = p;
	}
	sw_strlcpy(p->name, l->name, sizeof(p->name));
	memcpy(p->mac, l->mac, 6);
	p->keep = true;
}

static void replay_sync(struct sw_ctx *ctx)
{
	struct replay_rt *r = rt_of(ctx, true);

	if (!r)
		return;
	for (struct rp_port *p = r->ports; p; p = p->next)
		p->keep = false;
	for (struct rp_bridge *b = r->bridges; b; b = b->next)
		b->keep = false;
	for (size_t i = 0; i < ctx->conf.nbridges; i++) {
		const struct sw_conf_bridge *br = &ctx->conf.bridges[i];
		const struct sw_link *bl = linkdb_by_name(&ctx->db, br->name);
		struct rt_bridge *rb = rt_bridge(&ctx->rt, br->name);
		struct rp_bridge *b;

		if (br->replay <= 0 || br->nports < 2 || !bl || strcmp(bl->kind, "bridge") || !rb ||
		    rb->suspended)
			continue;
		want_bridge(ctx, r, br, bl);
		b = find_bridge(r, br->name);
		if (!b || b->failed || !b->keep)
			continue;
		for (size_t k = 0; k < rb->nports; k++) {
			const struct sw_link *l = rt_port_link(ctx, &rb->ports[k]);

			/* a standby: up, outside the bridge */
			if (l && (l->flags & IFF_UP) && l->master != bl->ifindex && !rb->ports[k].held)
				want_port(ctx, r, br, l);
		}
	}
	for (struct rp_port **pp = &r->ports; *pp;) {
		struct rp_port *p = *pp;

		if (p->keep) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		port_free(ctx, p);
	}
	for (struct rp_bridge **bp = &r->bridges; *bp;) {
		struct rp_bridge *b = *bp;

		if (b->keep) {
			bp = &b->next;
			continue;
		}
		*bp = b->next;
		bridge_free(b);
	}
}

static void replay_alive(struct sw_ctx *ctx, const char *bridge, double at)
{
	struct rp_bridge *b = find_bridge(rt_of(ctx, false), bridge);

	if (b && at > b->alive)
		b->alive = at;
}

static int replay_flush(struct sw_ctx *ctx, const char *bridge, int to, double until)
{
	struct replay_rt *r = rt_of(ctx, false);
	struct rp_bridge *b = find_bridge(r, bridge);
	struct rp_port *p = find_port(r, to);
	const struct sw_conf_bridge *br = conf_find_bridge(&ctx->conf, bridge);
	const struct sw_link *bl = linkdb_by_name(&ctx->db, bridge);
	struct rt_bridge *rb = rt_bridge(&ctx->rt, bridge);
	const uint8_t (*macs)[6];
	size_t nmacs;
	int sent = 0;

	if (!b || b->tapfd < 0 || !p || !br || !bl || !bl->has_mac || !rb)
		return 0;
	macs = announce_guest_macs(rb, &nmacs);
	drain(p);
	/* "now" only after reading: a frame the kernel did not stamp on arrival
	 * (timestamps are switched on lazily, by a work item) is stamped when
	 * read, and must still count as before now */
	if (until <= 0)
		until = replay_now();
	double cut = until - br->replay;

	if (b->alive > cut)
		cut = b->alive;
	log_debug("replay %s: %u frames kept, the oldest %.1f ms before the swap, cut %.1f ms "
		  "before it",
		  p->name, p->count, p->count ? (until - p->ring[p->head].ts) * 1000 : 0,
		  (until - cut) * 1000);
	/* oldest first; what is written (or too old) leaves the ring */
	while (p->count) {
		struct rp_frame *f = &p->ring[p->head];

		if (f->ts >= until)
			break;
		if (replay_wanted(f->data + VHDR, f->len - VHDR, f->ts, cut, until, p->mac, bl->mac,
				  macs, nmacs)) {
			if (write(b->tapfd, f->data, f->len) == (ssize_t)f->len)
				sent++;
			else
				log_debug("replay %s: write: %s", b->tap, strerror(errno));
		}
		ring_drop_oldest(p);
	}
	b->replayed += (unsigned long)sent;
	return sent;
}

static unsigned long replay_count(struct sw_ctx *ctx, const char *bridge)
{
	struct rp_bridge *b = find_bridge(rt_of(ctx, false), bridge);

	return b ? b->replayed : 0;
}

static const char *replay_tap(struct sw_ctx *ctx, const char *bridge)
{
	struct rp_bridge *b = find_bridge(rt_of(ctx, false), bridge);

	return b && b->tapfd >= 0 ? b->tap : NULL;
}

static bool rp_owns_device(struct sw_ctx *ctx, int ifindex)
{
	struct replay_rt *r = rt_of(ctx, false);

	for (struct rp_bridge *b = r ? r->bridges : NULL; b; b = b->next)
		if (b->tap_ifindex == ifindex && b->tapfd >= 0)
			return true;
	return false;
}

static int rp_init(struct sw_ctx *ctx)
{
	ctx->rt.priv[SLOT] = calloc(1, sizeof(struct replay_rt));
	return ctx->rt.priv[SLOT] ? 0 : -ENOMEM;
}

static void rp_fini(struct sw_ctx *ctx)
{
	struct replay_rt *r = rt_of(ctx, false);

	if (!r)
		return;
	while (r->ports) {
		struct rp_port *p = r->ports;

		r->ports = p->next;
		port_free(ctx, p);
	}
	while (r->bridges) {
		struct rp_bridge *b = r->bridges;

		r->bridges = b->next;
		bridge_free(b);
	}
	free(r);
	ctx->rt.priv[SLOT] = NULL;
}

/* The old port failed: until the standby is quiet (writing takes time,
 * more may arrive), what reached it goes into the bridge before the attach. */
static void rp_before_swap(struct sw_ctx *ctx, struct rt_bridge *b, struct uplink_change *ch)
{
	for (int round = 0; round < 4; round++) {
		int k = replay_flush(ctx, b->name, ch->port_ifindex, 0);

		ch->replayed += k;
		if (!k)
			break;
	}
}

/* and once more right after it, for what came in between; frames from the
 * moment of the attach are left to the bridge (no duplicates) */
static void rp_uplink_active(struct sw_ctx *ctx, struct rt_bridge *b, struct uplink_change *ch)
{
	struct rt_port *p = rt_port(b, ch->port);
	struct rp_port_stats *ps = p ? rt_port_priv(p, SLOT) : NULL;
	int before = ch->replayed;

	if (ch->failure && ch->t_attach > 0)
		ch->replayed += replay_flush(ctx, b->name, ch->port_ifindex, ch->t_attach);
	if (ps && ch->failure)
		ps->replayed += (unsigned long)(ch->replayed > 0 ? ch->replayed : 0);
	(void)before;
}

static void rp_uplink_alive(struct sw_ctx *ctx, struct rt_bridge *b, double at)
{
	replay_alive(ctx, b->name, at);
}

static void rp_show_bridge(struct sw_ctx *ctx, struct rt_bridge *b, json_t *o)
{
	json_object_set_new(o, "replayed", json_integer((json_int_t)replay_count(ctx, b->name)));
	if (replay_tap(ctx, b->name))
		json_object_set_new(o, "replay_tap", json_string(replay_tap(ctx, b->name)));
}

static void rp_show_port(struct sw_ctx *ctx, struct rt_bridge *b, struct rt_port *p, json_t *o)
{
	struct rp_port_stats *ps = rt_port_priv(p, SLOT);

	json_object_set_new(o, "replayed", json_integer((json_int_t)ps->replayed));
}

const struct sw_feature replay_feature = {
	.name = "replay",
	.port_priv_size = sizeof(struct rp_port_stats),
	.init = rp_init,
	.fini = rp_fini,
	.settle = replay_sync,
	.before_swap = rp_before_swap,
	.uplink_active = rp_uplink_active,
	.uplink_alive = rp_uplink_alive,
	.show_bridge = rp_show_bridge,
	.show_port = rp_show_port,
	.owns_device = rp_owns_device,
};
