/*
 * The only libmnl user. Two NETLINK_ROUTE sockets: one for requests and dumps
 * (synchronous, matched by sequence number, every request with NLM_F_ACK), one
 * subscribed to events (link, neigh, IPv4/IPv6 addresses and routes, netconf).
 *
 * Every function that talks to the kernel returns 0 or -errno and, on error,
 * writes the kernel's extended-ACK text (or strerror) into err.
 */
#ifndef SWITCHD_NL_H
#define SWITCHD_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <libmnl/libmnl.h>
#include "nl_parse.h"

#define NL_BUFSIZE (64 * 1024)

struct sw_nl {
	struct mnl_socket *req;
	struct mnl_socket *ev;
	unsigned int req_portid;
	uint32_t seq;
	char *buf;   /* NL_BUFSIZE receive buffer for replies to requests */
	char *evbuf; /* NL_BUFSIZE, for events: an event callback may make requests */
	long fault_at, changes; /* fault injection (test builds): see nl_fault() */
	bool paused;		/* the event socket left its groups: see nl_events_pause() */
};

#ifdef SW_FAULT_INJECTION
/*
 * Test builds (configure --enable-fault-injection): with SWITCHD_FAULT_NL=N
 * in the environment, the N-th request that changes something (RTM_GET* are
 * not counted: the carrier poll would make the count depend on timing; tap
 * creation is) fails with EIO before it is sent, as if the kernel refused it.
 * Returns 0, or -EIO with err set. Without the option it compiles away.
 */
int nl_fault(struct sw_nl *nl, const char *what, char *err, size_t errlen);
#else
static inline int nl_fault(struct sw_nl *nl, const char *what, char *err, size_t errlen)
{
	return 0;
}
#endif

/* ev_rcvbuf: receive buffer of the event socket in bytes; 0 = a large default
 * (SO_RCVBUFFORCE, 8 MiB). Tests shrink it to provoke ENOBUFS. */
int nl_open(struct sw_nl *nl, int ev_rcvbuf);
void nl_close(struct sw_nl *nl);
int nl_event_fd(const struct sw_nl *nl);

/*
 * Read everything queued on the (non-blocking) event socket and pass each
 * message to cb. Returns 0 when drained, -ENOBUFS when the kernel dropped
 * events (the caller must resync: state is unknown), or another -errno.
 */
int nl_event_read(struct sw_nl *nl, mnl_cb_t cb, void *data);

/*
 * A bulk change (a thousand taps at start) makes the kernel build and queue
 * several notifications per device for the event socket, which costs more
 * than reading the result once. Pause: the event socket leaves its groups.
 * Resume: it joins them again and drops what was queued (older than the
 * state the caller must now read with a dump). Returns 0 or -errno.
 */
int nl_events_pause(struct sw_nl *nl);
int nl_events_resume(struct sw_nl *nl);

/*
 * Send one request (NLM_F_ACK is added, seq assigned) and wait for its ack.
 * cb (may be NULL) receives non-error replies, e.g. NLM_F_ECHO or a GET.
 */
int nl_talk(struct sw_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	    char *err, size_t errlen);

/*
 * Several requests in one sendmsg(): the kernel runs them in order, one by
 * one, with no rollback. Returns 0 if all succeeded; else -errno of the first
 * failure, *failed = its index (requests after it were still attempted).
 */
int nl_talk_batch(struct sw_nl *nl, struct nlmsghdr **msgs, int n, int *failed,
		  char *err, size_t errlen);

/*
 * A batch built up by the caller and sent at once: the messages are copied
 * into one buffer, sent in one sendmsg() (the kernel runs them in order,
 * each on its own, a failure does not stop the ones after it) and the acks
 * are read after, matched by sequence number (nlp_batch_acks). The request
 * socket's receive buffer holds the acks of a full batch (NL_BATCH_MAX), its
 * send buffer a full batch's bytes.
 *
 * 4096 requests: a bring-up of 1000 taps is one batch (an RTM_GETLINK and
 * an RTM_NEWLINK a tap, see nl_msg_link_sync), so every tap is created (by
 * ioctl, while the queue fills) before the first attach. With 256 the
 * creations and attach rounds alternated: 1000 taps 356 -> 330 ms (medians
 * of 7, alternated; docs/performance.md).
 */
#define NL_BATCH_MAX 4096
#define NL_BATCH_BYTES (128 * 1024)
struct nl_batch {
	char buf[NL_BATCH_BYTES];
	size_t len;
	int n;
	struct nlp_ack acks[NL_BATCH_MAX];
};
/* Would one more message of len bytes not fit? */
bool nl_batch_full(const struct nl_batch *b, size_t len);
/* Copy a request into the batch (NLM_F_REQUEST | NLM_F_ACK are added).
 * Returns its index in the batch, or -errno with err set: -EIO from the
 * fault injection (nl_fault: counted here, in the order requests are
 * added, as for nl_talk), -ENOSPC when full (nothing is added then). */
int nl_batch_add(struct sw_nl *nl, struct nl_batch *b, const struct nlmsghdr *nlh, char *err,
		 size_t errlen);
/* Send the batch and wait for every ack: b->acks[i] is the outcome of the
 * i-th request. Returns 0 when every request was answered (whatever each
 * answer), or -errno when sending or receiving failed: the requests without
 * an answer then have ret -errno and that text. The batch is then empty
 * again for nl_batch_add (b->acks are kept until then). */
int nl_batch_send(struct sw_nl *nl, struct nl_batch *b);

/* A dump; repeated (up to 5 times) while the kernel flags NLM_F_DUMP_INTR. */
int nl_dump(struct sw_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data,
	    char *err, size_t errlen);

/* Dumps with each message passed to cb. family: AF_UNSPEC / AF_INET / AF_INET6. */
int nl_dump_links(struct sw_nl *nl, mnl_cb_t cb, void *data, char *err, size_t errlen);
int nl_dump_addrs(struct sw_nl *nl, int family, mnl_cb_t cb, void *data, char *err, size_t errlen);
int nl_dump_routes(struct sw_nl *nl, int family, mnl_cb_t cb, void *data, char *err, size_t errlen);
/* The forwarding database of one bridge (family AF_BRIDGE, NDA_MASTER filter). */
int nl_dump_fdb(struct sw_nl *nl, int bridge, mnl_cb_t cb, void *data, char *err, size_t errlen);

/* IPv4 proxy-ARP entries (NTF_PROXY), each passed to cb (decode with nlp_proxy). */
int nl_dump_proxies(struct sw_nl *nl, mnl_cb_t cb, void *data, char *err, size_t errlen);
/* Add / remove an NTF_PROXY entry for ip (network order) on ifindex. */
int nl_proxy_add(struct sw_nl *nl, int ifindex, uint32_t ip, char *err, size_t errlen);
int nl_proxy_del(struct sw_nl *nl, int ifindex, uint32_t ip, char *err, size_t errlen);
/* Forget the unresolved (NUD_INCOMPLETE) IPv4/IPv6 neighbours of ifindex, so
 * that the next packet to each asks again at once rather than on the 1 s
 * retransmit timer. The first ones are written to addrs ("a, b, ..."); returns
 * how many were forgotten, or -errno. */
int nl_neigh_forget_unresolved(struct sw_nl *nl, int ifindex, char *addrs, size_t addrslen,
			       char *err, size_t errlen);
/* Where the kernel routes an IPv4 destination: *oif (0 if none) and *type
 * (RTN_UNICAST, RTN_LOCAL, ...). -ENETUNREACH etc. when there is no route. */
int nl_route_get4(struct sw_nl *nl, uint32_t dst, int *oif, int *type, char *err, size_t errlen);

/* The ifindex of a device by name: one SIOCGIFINDEX ioctl on the request
 * socket (if_nametoindex opens a socket each time). > 0, or -errno. */
int nl_ifindex(struct sw_nl *nl, const char *name);

/* One link by ifindex (> 0) or by name (ifindex 0). -ENODEV if none. */
int nl_link_get(struct sw_nl *nl, int ifindex, const char *name, struct sw_link *out,
		char *err, size_t errlen);

/* Request builders. */
int nl_link_rename(struct sw_nl *nl, int ifindex, const char *name, char *err, size_t errlen);
int nl_link_set_up(struct sw_nl *nl, int ifindex, bool up, char *err, size_t errlen);
int nl_link_set_master(struct sw_nl *nl, int ifindex, int master, char *err, size_t errlen);
int nl_link_set_mtu(struct sw_nl *nl, int ifindex, unsigned int mtu, char *err, size_t errlen);
/* A bridge port that never learns and is never flooded to (replay tap). */
int nl_brport_quiet(struct sw_nl *nl, int ifindex, char *err, size_t errlen);
int nl_link_set_alias(struct sw_nl *nl, int ifindex, const char *alias, char *err, size_t errlen);
int nl_link_set_mac(struct sw_nl *nl, int ifindex, const uint8_t mac[6], char *err, size_t errlen);
/* IFLA_INET6_ADDR_GEN_MODE: IN6_ADDR_GEN_MODE_NONE (1) stops link-local generation */
int nl_link_set_addr_gen_mode(struct sw_nl *nl, int ifindex, uint8_t mode, char *err, size_t errlen);
int nl_link_delete(struct sw_nl *nl, int ifindex, char *err, size_t errlen);

/* The messages of nl_link_set_up, _set_master, _set_alias and
 * _set_addr_gen_mode, built into buf (MNL_SOCKET_BUFFER_SIZE bytes) for
 * nl_batch_add rather than sent. */
struct nlmsghdr *nl_msg_set_up(char *buf, int ifindex, bool up);
struct nlmsghdr *nl_msg_set_master(char *buf, int ifindex, int master);
struct nlmsghdr *nl_msg_set_alias(char *buf, int ifindex, const char *alias);
struct nlmsghdr *nl_msg_set_addr_gen_mode(char *buf, int ifindex, uint8_t mode);
/* Several of them in one request: alias (NULL: unchanged), master (-1:
 * unchanged, 0: none), up (-1: unchanged, 1: up, 0: down). */
struct nlmsghdr *nl_msg_link_set(char *buf, int ifindex, const char *alias, int master, int up);
/* An RTM_GETLINK of one device (no statistics), for a batch: its reply is
 * skipped, what it is for is its side effect. rtnl_getlink runs the
 * device's pending link-watch event at once (linkwatch_sync_dev), so a
 * device created a moment ago has its operstate (DOWN without a carrier)
 * before the next request attaches it or brings it up (kernel-notes 38). */
struct nlmsghdr *nl_msg_link_sync(char *buf, int ifindex);

/* A bridge, CREATE|EXCL, with a pinned MAC (NULL: kernel's choice), STP on/off
 * (off: forward delay 0). *ifindex receives the new ifindex. */
int nl_bridge_create(struct sw_nl *nl, const char *name, const uint8_t *mac, bool stp,
		     int *ifindex, char *err, size_t errlen);

/* Enslave new_port to bridge and release old_port, in one batch, so the bridge
 * never lacks a forwarding port (it keeps carrier). */
int nl_bridge_swap_ports(struct sw_nl *nl, int bridge, int new_port, int old_port,
			 char *err, size_t errlen);

/* Add a (copy of an) address on ifindex; IPv6 addresses get IFA_F_NODAD. */
int nl_addr_add(struct sw_nl *nl, const struct sw_addr *a, int ifindex, char *err, size_t errlen);
int nl_addr_del(struct sw_nl *nl, const struct sw_addr *a, char *err, size_t errlen);

/* Re-add a route, every nexthop through from_ifindex moved to to_ifindex
 * (both 0: as it was). */
int nl_route_add(struct sw_nl *nl, const struct sw_route *r, int from_ifindex,
		 int to_ifindex, char *err, size_t errlen);
int nl_route_del(struct sw_nl *nl, const struct sw_route *r, char *err, size_t errlen);

#endif
