/*
 * The only libmnl user: sockets, sequence numbers and acks, extended-ACK
 * text, dumps, batches, request builders. See nl.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/neighbour.h>

#include "log.h"
#include "nl.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define NL_EV_RCVBUF_DEFAULT (8 * 1024 * 1024)

static void set_err(char *err, size_t errlen, int e)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", strerror(e));
}

#ifdef SW_FAULT_INJECTION
int nl_fault(struct sw_nl *nl, const char *what, char *err, size_t errlen)
{
	if (++nl->changes != nl->fault_at)
		return 0;
	log_warnx("fault injection: request %ld (%s) fails", nl->changes, what);
	if (err && errlen)
		snprintf(err, errlen, "fault injected (SWITCHD_FAULT_NL=%ld)", nl->fault_at);
	return -EIO;
}
#endif

/* A request the fault injection counts: RTM_NEW*, DEL*, SET*, not GET*. */
static int request_fault(struct sw_nl *nl, const struct nlmsghdr *nlh, char *err, size_t errlen)
{
#ifdef SW_FAULT_INJECTION
	static const char *const verbs[] = { "new", "del", "get", "set" };
	char what[32];

	if (nlh->nlmsg_type < RTM_BASE || (nlh->nlmsg_type & 3) == 2)
		return 0;
	snprintf(what, sizeof(what), "rtnetlink type %u, a %s", nlh->nlmsg_type,
		 verbs[nlh->nlmsg_type & 3]);
	return nl_fault(nl, what, err, errlen);
#else
	return 0;
#endif
}

static const unsigned int ev_groups[] = {
	RTNLGRP_LINK,	    RTNLGRP_NEIGH,	 RTNLGRP_IPV4_IFADDR,  RTNLGRP_IPV6_IFADDR,
	RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_NETCONF,
};
#define NGROUPS (sizeof(ev_groups) / sizeof(ev_groups[0]))

static int ev_membership(struct sw_nl *nl, int opt)
{
	for (size_t i = 0; i < NGROUPS; i++)
		if (mnl_socket_setsockopt(nl->ev, opt, (void *)&ev_groups[i], sizeof(ev_groups[i])) < 0)
			return -errno;
	return 0;
}

int nl_events_pause(struct sw_nl *nl)
{
	int ret = ev_membership(nl, NETLINK_DROP_MEMBERSHIP);

	if (ret == 0)
		nl->paused = true;
	return ret;
}

static int discard_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

int nl_events_resume(struct sw_nl *nl)
{
	int ret;

	if (!nl->paused)
		return 0;
	if ((ret = ev_membership(nl, NETLINK_ADD_MEMBERSHIP)) < 0)
		return ret;
	nl->paused = false;
	/* what is queued is older than the dump the caller makes now */
	while ((ret = nl_event_read(nl, discard_cb, NULL)) == -ENOBUFS)
		;
	return ret;
}

int nl_open(struct sw_nl *nl, int ev_rcvbuf)
{
	int one = 1, fd, size;

	memset(nl, 0, sizeof(*nl));
	nl->buf = malloc(NL_BUFSIZE);
	nl->evbuf = malloc(NL_BUFSIZE);
	nl->req = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	nl->ev = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!nl->buf || !nl->evbuf || !nl->req || !nl->ev)
		goto fail;
	if (mnl_socket_bind(nl->req, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    mnl_socket_bind(nl->ev, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	nl->req_portid = mnl_socket_get_portid(nl->req);
	nl->seq = (uint32_t)time(NULL);
#ifdef SW_FAULT_INJECTION
	if (getenv("SWITCHD_FAULT_NL"))
		nl->fault_at = strtol(getenv("SWITCHD_FAULT_NL"), NULL, 10);
#endif
	/* error text from the kernel, and no copy of our request in errors */
	mnl_socket_setsockopt(nl->req, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->req, NETLINK_CAP_ACK, &one, sizeof(one));
	/* a batch's answers are all queued before the first is read: room for
	 * NL_BATCH_MAX of them (an ack is a small skb of ~1 KiB truesize, a
	 * link sync's reply a few KiB; the default buffer drops them past ~200) */
	fd = mnl_socket_get_fd(nl->req);
	size = NL_BATCH_MAX * 4096;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	/* a sendmsg longer than the send buffer is refused (EMSGSIZE): room
	 * for a full batch whatever net.core.wmem_default says */
	size = NL_BATCH_BYTES + 4096;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (ev_membership(nl, NETLINK_ADD_MEMBERSHIP) < 0)
		goto fail;
	/* FDB learning floods RTNLGRP_NEIGH: a large buffer makes ENOBUFS rare.
	 * NETLINK_NO_ENOBUFS is not set: losing events silently is worse. */
	fd = mnl_socket_get_fd(nl->ev);
	size = ev_rcvbuf > 0 ? ev_rcvbuf : NL_EV_RCVBUF_DEFAULT;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return 0;
fail:
	{
		int e = errno ? errno : ENOMEM;

		nl_close(nl);
		return -e;
	}
}

void nl_close(struct sw_nl *nl)
{
	if (nl->req)
		mnl_socket_close(nl->req);
	if (nl->ev)
		mnl_socket_close(nl->ev);
	free(nl->buf);
	free(nl->evbuf);
	memset(nl, 0, sizeof(*nl));
}

int nl_event_fd(const struct sw_nl *nl)
{
	return mnl_socket_get_fd(nl->ev);
}

int nl_event_read(struct sw_nl *nl, mnl_cb_t cb, void *data)
{
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->ev, nl->evbuf, NL_BUFSIZE);
		const struct nlmsghdr *nlh;
		int len;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)nl->evbuf; nlp_msg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len))
			cb(nlh, data);
	}
}

/* Read replies to seq until its ack (or DONE for a dump). */
static int wait_reply(struct sw_nl *nl, uint32_t seq, bool dump, mnl_cb_t cb, void *data,
		      bool *intr, char *err, size_t errlen)
{
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->req, nl->buf, NL_BUFSIZE);
		const struct nlmsghdr *nlh;
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			set_err(err, errlen, errno);
			return -errno;
		}
		len = (int)n;
		for (nlh = (const struct nlmsghdr *)nl->buf; nlp_msg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq)
				continue; /* a late reply to an earlier request */
			if (intr && (nlh->nlmsg_flags & NLM_F_DUMP_INTR))
				*intr = true;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				char text[256];
				int ret = nlp_error(nlh, text, sizeof(text));

				if (ret && err && errlen)
					snprintf(err, errlen, "%s", text);
				if (ret || !dump)
					return ret;
				continue;
			}
			if (cb && cb(nlh, data) < MNL_CB_OK) {
				set_err(err, errlen, EINVAL);
				return -EINVAL;
			}
		}
	}
}

int nl_talk(struct sw_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, char *err,
	    size_t errlen)
{
	int ret = request_fault(nl, nlh, err, errlen);

	if (ret)
		return ret;
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->req, nlh, nlh->nlmsg_len) < 0) {
		set_err(err, errlen, errno);
		return -errno;
	}
	return wait_reply(nl, nlh->nlmsg_seq, false, cb, data, NULL, err, errlen);
}

int nl_talk_batch(struct sw_nl *nl, struct nlmsghdr **msgs, int n, int *failed, char *err,
		  size_t errlen)
{
	char *buf;
	size_t len = 0;
	uint32_t first = nl->seq + 1;
	int ret = 0, fault = 0;
	char fault_err[128];

	*failed = -1;
	/* an injected fault: the messages before it are sent, it fails */
	for (int i = 0; i < n && !fault; i++)
		if ((fault = request_fault(nl, msgs[i], fault_err, sizeof(fault_err))))
			n = i;
	if (fault && !n)
		goto injected;
	for (int i = 0; i < n; i++)
		len += NLMSG_ALIGN(msgs[i]->nlmsg_len);
	buf = calloc(1, len); /* alignment padding is sent too */
	if (!buf) {
		set_err(err, errlen, ENOMEM);
		return -ENOMEM;
	}
	len = 0;
	for (int i = 0; i < n; i++) {
		msgs[i]->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
		msgs[i]->nlmsg_seq = ++nl->seq;
		memcpy(buf + len, msgs[i], msgs[i]->nlmsg_len);
		len += NLMSG_ALIGN(msgs[i]->nlmsg_len);
	}
	/* one sendmsg: the kernel runs them back to back */
	if (mnl_socket_sendto(nl->req, buf, len) < 0) {
		ret = -errno;
		set_err(err, errlen, errno);
		free(buf);
		return ret;
	}
	free(buf);
	for (int i = 0; i < n; i++) {
		char e[256] = "";
		int r = wait_reply(nl, first + (uint32_t)i, false, NULL, NULL, NULL, e, sizeof(e));

		if (r && !ret) {
			ret = r;
			*failed = i;
			if (err && errlen)
				snprintf(err, errlen, "%s", e);
		}
	}
	if (ret || !fault)
		return ret;
injected:
	*failed = n;
	if (err && errlen)
		snprintf(err, errlen, "%s", fault_err);
	return fault;
}

bool nl_batch_full(const struct nl_batch *b, size_t len)
{
	return b->n >= NL_BATCH_MAX || b->len + NLMSG_ALIGN(len) > sizeof(b->buf);
}

int nl_batch_add(struct sw_nl *nl, struct nl_batch *b, const struct nlmsghdr *nlh, char *err,
		 size_t errlen)
{
	struct nlmsghdr *copy;
	int ret;

	if (nl_batch_full(b, nlh->nlmsg_len)) {
		set_err(err, errlen, ENOSPC);
		return -ENOSPC;
	}
	if ((ret = request_fault(nl, nlh, err, errlen)))
		return ret;
	copy = (struct nlmsghdr *)(b->buf + b->len);
	memcpy(copy, nlh, nlh->nlmsg_len);
	/* alignment padding is sent too: zeroed */
	memset(b->buf + b->len + nlh->nlmsg_len, 0, NLMSG_ALIGN(nlh->nlmsg_len) - nlh->nlmsg_len);
	copy->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	return b->n++;
}

int nl_batch_send(struct sw_nl *nl, struct nl_batch *b)
{
	uint32_t first = nl->seq + 1;
	int n = b->n, left = b->n, ret = 0;
	size_t off = 0;

	memset(b->acks, 0, (size_t)n * sizeof(b->acks[0]));
	for (int i = 0; i < n; i++) {
		struct nlmsghdr *nlh = (struct nlmsghdr *)(b->buf + off);

		nlh->nlmsg_seq = ++nl->seq;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	b->n = 0;
	b->len = 0;
	if (!n)
		return 0;
	if (mnl_socket_sendto(nl->req, b->buf, off) < 0) {
		ret = -errno;
		left = n;
	}
	while (!ret && left > 0) {
		ssize_t got = mnl_socket_recvfrom(nl->req, nl->buf, NL_BUFSIZE);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			/* ENOBUFS: acks were dropped; which is not known */
			ret = -errno;
			break;
		}
		left -= nlp_batch_acks(nl->buf, (int)got, first, b->acks, n);
	}
	for (int i = 0; ret && i < n; i++)
		if (!b->acks[i].seen) {
			b->acks[i].seen = true;
			b->acks[i].ret = ret;
			snprintf(b->acks[i].text, sizeof(b->acks[i].text), "%s%s", strerror(-ret),
				 ret == -ENOBUFS ? " (acks of a batch lost)" : "");
		}
	return ret;
}

int nl_dump(struct sw_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, char *err,
	    size_t errlen)
{
	for (int attempt = 0; attempt < 5; attempt++) {
		bool intr = false;
		int ret;

		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		nlh->nlmsg_seq = ++nl->seq;
		if (mnl_socket_sendto(nl->req, nlh, nlh->nlmsg_len) < 0) {
			set_err(err, errlen, errno);
			return -errno;
		}
		ret = wait_reply(nl, nlh->nlmsg_seq, true, cb, data, &intr, err, errlen);
		/* the table changed during the dump: the caller's cb must cope with
		 * seeing objects again; it replaces them by key */
		if (ret || !intr)
			return ret;
	}
	snprintf(err, errlen, "dump kept being interrupted by changes");
	return -EAGAIN;
}

/* ---- message helpers ---------------------------------------------------- */

/* Buffers are zeroed whole: the kernel copies attribute padding too. */
static struct nlmsghdr *new_msg(char *buf)
{
	memset(buf, 0, MNL_SOCKET_BUFFER_SIZE);
	return mnl_nlmsg_put_header(buf);
}

static struct nlmsghdr *link_msg(char *buf, uint16_t type, int ifindex)
{
	struct nlmsghdr *nlh = new_msg(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

static int dump_simple(struct sw_nl *nl, uint16_t type, int family, size_t hdrlen, mnl_cb_t cb,
		       void *data, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = new_msg(buf);
	struct rtgenmsg *g;

	nlh->nlmsg_type = type;
	g = mnl_nlmsg_put_extra_header(nlh, hdrlen);
	g->rtgen_family = (unsigned char)family;
	return nl_dump(nl, nlh, cb, data, err, errlen);
}

int nl_dump_links(struct sw_nl *nl, mnl_cb_t cb, void *data, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0);

	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return nl_dump(nl, nlh, cb, data, err, errlen);
}

int nl_dump_addrs(struct sw_nl *nl, int family, mnl_cb_t cb, void *data, char *err, size_t errlen)
{
	return dump_simple(nl, RTM_GETADDR, family, sizeof(struct ifaddrmsg), cb, data, err, errlen);
}

int nl_dump_routes(struct sw_nl *nl, int family, mnl_cb_t cb, void *data, char *err,
		   size_t errlen)
{
	return dump_simple(nl, RTM_GETROUTE, family, sizeof(struct rtmsg), cb, data, err, errlen);
}

int nl_dump_fdb(struct sw_nl *nl, int bridge, mnl_cb_t cb, void *data, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = new_msg(buf);
	struct ndmsg *ndm;

	nlh->nlmsg_type = RTM_GETNEIGH;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	mnl_attr_put_u32(nlh, NDA_MASTER, (uint32_t)bridge);
	return nl_dump(nl, nlh, cb, data, err, errlen);
}

int nl_dump_proxies(struct sw_nl *nl, mnl_cb_t cb, void *data, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = new_msg(buf);
	struct ndmsg *ndm;

	nlh->nlmsg_type = RTM_GETNEIGH;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_INET;
	ndm->ndm_flags = NTF_PROXY; /* the kernel dumps the proxy table only */
	return nl_dump(nl, nlh, cb, data, err, errlen);
}

static int proxy_msg(struct sw_nl *nl, uint16_t type, int ifindex, uint32_t ip, char *err,
		     size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = new_msg(buf);
	struct ndmsg *ndm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | (type == RTM_NEWNEIGH ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_INET;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_flags = NTF_PROXY;
	ndm->ndm_state = NUD_PERMANENT;
	mnl_attr_put(nlh, NDA_DST, 4, &ip);
	return nl_talk(nl, nlh, NULL, NULL, err, errlen);
}

int nl_proxy_add(struct sw_nl *nl, int ifindex, uint32_t ip, char *err, size_t errlen)
{
	return proxy_msg(nl, RTM_NEWNEIGH, ifindex, ip, err, errlen);
}

int nl_proxy_del(struct sw_nl *nl, int ifindex, uint32_t ip, char *err, size_t errlen)
{
	return proxy_msg(nl, RTM_DELNEIGH, ifindex, ip, err, errlen);
}

#define UNRESOLVED_MAX 64

struct unresolved {
	int ifindex;
	size_t n;
	struct sw_neigh v[UNRESOLVED_MAX];
};

static int unresolved_cb(const struct nlmsghdr *nlh, void *data)
{
	struct unresolved *u = data;
	struct sw_neigh ne;

	if (nlp_neigh(nlh, &ne) == 0 && ne.ifindex == u->ifindex && ne.state == NUD_INCOMPLETE &&
	    u->n < UNRESOLVED_MAX)
		u->v[u->n++] = ne;
	return MNL_CB_OK;
}

int nl_neigh_forget_unresolved(struct sw_nl *nl, int ifindex, char *addrs, size_t addrslen,
			       char *err, size_t errlen)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct unresolved *u = calloc(1, sizeof(*u));
	int ret = 0, forgotten = 0;
	size_t used = 0;

	if (!u)
		return -ENOMEM;
	u->ifindex = ifindex;
	if (addrslen)
		addrs[0] = '\0';
	for (size_t f = 0; f < 2 && !ret; f++) {
		char buf[MNL_SOCKET_BUFFER_SIZE];
		struct nlmsghdr *nlh = new_msg(buf);
		struct ndmsg *ndm;

		nlh->nlmsg_type = RTM_GETNEIGH;
		ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
		ndm->ndm_family = (uint8_t)families[f];
		ret = nl_dump(nl, nlh, unresolved_cb, u, err, errlen);
	}
	/* a request may not be sent from inside the dump: delete afterwards */
	for (size_t i = 0; i < u->n && !ret; i++) {
		char buf[MNL_SOCKET_BUFFER_SIZE], ip[INET6_ADDRSTRLEN];
		struct nlmsghdr *nlh = new_msg(buf);
		struct ndmsg *ndm;

		nlh->nlmsg_type = RTM_DELNEIGH;
		ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
		ndm->ndm_family = (uint8_t)u->v[i].family;
		ndm->ndm_ifindex = ifindex;
		mnl_attr_put(nlh, NDA_DST, u->v[i].family == AF_INET ? 4 : 16, u->v[i].dst);
		/* gone meanwhile (resolved, or the kernel's own GC): not an error */
		if (nl_talk(nl, nlh, NULL, NULL, err, errlen) < 0)
			continue;
		forgotten++;
		if (used < addrslen && inet_ntop(u->v[i].family, u->v[i].dst, ip, sizeof(ip))) {
			int k = snprintf(addrs + used, addrslen - used, "%s%s", used ? ", " : "", ip);

			used = k < 0 ? addrslen : used + (size_t)k;
		}
	}
	free(u);
	return ret ? ret : forgotten;
}

struct route_get {
	int oif, type;
	bool found;
};

static int route_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_get *g = data;
	struct sw_route r;

	if (nlh->nlmsg_type == RTM_NEWROUTE && nlp_route(nlh, &r) == 0) {
		g->oif = r.oif;
		g->type = r.rtm.rtm_type;
		g->found = true;
	}
	return MNL_CB_OK;
}

int nl_route_get4(struct sw_nl *nl, uint32_t dst, int *oif, int *type, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = new_msg(buf);
	struct route_get g = { 0 };
	struct rtmsg *rtm;
	int ret;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 32;
	mnl_attr_put(nlh, RTA_DST, 4, &dst);
	ret = nl_talk(nl, nlh, route_get_cb, &g, err, errlen);
	if (ret)
		return ret;
	*oif = g.found ? g.oif : 0;
	*type = g.found ? g.type : RTN_UNREACHABLE;
	return 0;
}

int nl_ifindex(struct sw_nl *nl, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (strlen(name) >= sizeof(ifr.ifr_name))
		return -ENODEV;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(mnl_socket_get_fd(nl->req), SIOCGIFINDEX, &ifr) < 0)
		return -errno;
	return ifr.ifr_ifindex;
}

struct get_link {
	struct sw_link *out;
	bool found;
};

static int get_link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct get_link *g = data;

	if (nlh->nlmsg_type == RTM_NEWLINK && nlp_link(nlh, g->out) == 0)
		g->found = true;
	return MNL_CB_OK;
}

int nl_link_get(struct sw_nl *nl, int ifindex, const char *name, struct sw_link *out, char *err,
		size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, ifindex > 0 ? ifindex : 0);
	struct get_link g = { out, false };
	int ret;

	if (ifindex <= 0)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	ret = nl_talk(nl, nlh, get_link_cb, &g, err, errlen);
	if (ret == -ENODEV || (!ret && !g.found)) {
		snprintf(err, errlen, "%s: no such device", ifindex > 0 ? "ifindex" : name);
		return -ENODEV;
	}
	return ret;
}

int nl_link_rename(struct sw_nl *nl, int ifindex, const char *name, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	/* the ifindex must be given: with index 0 the name would select the device */
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, ifindex);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_talk(nl, nlh, NULL, NULL, err, errlen);
}

struct nlmsghdr *nl_msg_set_up(char *buf, int ifindex, bool up)
{
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	return nlh;
}

struct nlmsghdr *nl_msg_link_set(char *buf, int ifindex, const char *alias, int master, int up)
{
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (up >= 0) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = up ? IFF_UP : 0;
	}
	if (master >= 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	if (alias)
		mnl_attr_put(nlh, IFLA_IFALIAS, strlen(alias), alias);
	return nlh;
}

struct nlmsghdr *nl_msg_link_sync(char *buf, int ifindex)
{
	struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, ifindex);

	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return nlh;
}

int nl_link_set_up(struct sw_nl *nl, int ifindex, bool up, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return nl_talk(nl, nl_msg_set_up(buf, ifindex, up), NULL, NULL, err, errlen);
}

static struct nlmsghdr *master_msg(char *buf, int ifindex, int master)
{
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, ifindex);

	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	return nlh;
}

struct nlmsghdr *nl_msg_set_master(char *buf, int ifindex, int master)
{
	return master_msg(buf, ifindex, master);
}

int nl_link_set_master(struct sw_nl *nl, int ifindex, int master, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return nl_talk(nl, master_msg(buf, ifindex, master), NULL, NULL, err, errlen);
}

int nl_link_set_mtu(struct sw_nl *nl, int ifindex, unsigned int mtu, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, ifindex);

	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nl_talk(nl, nlh, NULL, NULL, err, errlen);
}

int nl_brport_quiet(struct sw_nl *nl, int ifindex, char *err, size_t errlen)
{
	static const uint16_t off[] = { IFLA_BRPORT_LEARNING, IFLA_BRPORT_UNICAST_FLOOD,
					IFLA_BRPORT_MCAST_FLOOD, IFLA_BRPORT_BCAST_FLOOD };
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_SETLINK, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct nlattr *nest;

	/* AF_BRIDGE + IFLA_PROTINFO: the port's own settings in its bridge */
	ifi->ifi_family = AF_BRIDGE;
	nest = mnl_attr_nest_start(nlh, IFLA_PROTINFO);
	nest->nla_type |= NLA_F_NESTED; /* else the bridge reads an old-style port state */
	for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++)
		mnl_attr_put_u8(nlh, off[i], 0);
	mnl_attr_nest_end(nlh, nest);
	return nl_talk(nl, nlh, NULL, NULL, err, errlen);
}

struct nlmsghdr *nl_msg_set_alias(char *buf, int ifindex, const char *alias)
{
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, ifindex);

	mnl_attr_put(nlh, IFLA_IFALIAS, strlen(alias), alias);
	return nlh;
}

int nl_link_set_alias(struct sw_nl *nl, int ifindex, const char *alias, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return nl_talk(nl, nl_msg_set_alias(buf, ifindex, alias), NULL, NULL, err, errlen);
}

int nl_link_set_mac(struct sw_nl *nl, int ifindex, const uint8_t mac[6], char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, ifindex);

	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	return nl_talk(nl, nlh, NULL, NULL, err, errlen);
}

struct nlmsghdr *nl_msg_set_addr_gen_mode(char *buf, int ifindex, uint8_t mode)
{
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, ifindex);
	struct nlattr *spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	struct nlattr *inet6 = mnl_attr_nest_start(nlh, AF_INET6);

	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, mode);
	mnl_attr_nest_end(nlh, inet6);
	mnl_attr_nest_end(nlh, spec);
	return nlh;
}

int nl_link_set_addr_gen_mode(struct sw_nl *nl, int ifindex, uint8_t mode, char *err,
			      size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return nl_talk(nl, nl_msg_set_addr_gen_mode(buf, ifindex, mode), NULL, NULL, err, errlen);
}

int nl_link_delete(struct sw_nl *nl, int ifindex, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return nl_talk(nl, link_msg(buf, RTM_DELLINK, ifindex), NULL, NULL, err, errlen);
}

int nl_bridge_create(struct sw_nl *nl, const char *name, const uint8_t *mac, bool stp,
		     int *ifindex, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0);
	struct nlattr *info, *data;
	struct sw_link l;
	int ret;

	/* EXCL: without it an existing device of that name would be modified */
	nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	/* a MAC given at creation is NET_ADDR_SET: ports never change it */
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	/* forward delay before STP state: STP start clamps it to >= 2 s */
	if (!stp)
		mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, 0);
	mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, stp ? 1 : 0);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	ret = nl_talk(nl, nlh, NULL, NULL, err, errlen);
	if (ret)
		return ret;
	ret = nl_link_get(nl, 0, name, &l, err, errlen);
	if (ret)
		return ret;
	*ifindex = l.ifindex;
	return 0;
}

int nl_bridge_swap_ports(struct sw_nl *nl, int bridge, int new_port, int old_port, char *err,
			 size_t errlen)
{
	char b1[MNL_SOCKET_BUFFER_SIZE], b2[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *msgs[2] = { master_msg(b1, new_port, bridge), master_msg(b2, old_port, 0) };
	int failed, ret;

	/* attach before detach, in one sendmsg: the bridge always has a
	 * forwarding port, so it keeps carrier (no linkdown routes, no ARP flush) */
	ret = nl_talk_batch(nl, msgs, 2, &failed, err, errlen);
	/* the old port is gone: a card pulled from the bus is closed (the event
	 * the swap was decided on) and unlisted later, under the same RTNL hold
	 * the attach waited for. It is in no bridge: the swap is done */
	if (ret == -ENODEV && failed == 1)
		return 0;
	if (ret && failed == 1) {
		/* the new port is in, the old one would not leave: undo the attach so
		 * there are never two uplinks */
		char e2[128];

		nl_link_set_master(nl, new_port, 0, e2, sizeof(e2));
	}
	return ret;
}

/* ---- addresses ---------------------------------------------------------- */

static struct nlmsghdr *addr_msg(char *buf, uint16_t type, const struct sw_addr *a, int ifindex)
{
	struct nlmsghdr *nlh = new_msg(buf);
	struct ifaddrmsg *ifa;
	size_t alen = a->family == AF_INET ? 4 : 16;

	nlh->nlmsg_type = type;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = a->prefixlen;
	ifa->ifa_scope = a->scope;
	ifa->ifa_index = (uint32_t)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, alen, a->local);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, a->has_address ? a->address : a->local);
	return nlh;
}

int nl_addr_add(struct sw_nl *nl, const struct sw_addr *a, int ifindex, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = addr_msg(buf, RTM_NEWADDR, a, ifindex);
	uint32_t flags = a->flags;

	nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	/* the address is moving, not new: no DAD (a bridge without a
	 * forwarding port has no carrier and would keep it tentative) */
	flags &= ~(uint32_t)(IFA_F_TENTATIVE | IFA_F_DADFAILED | IFA_F_DEPRECATED |
			     IFA_F_OPTIMISTIC | IFA_F_SECONDARY | IFA_F_PERMANENT);
	if (a->family == AF_INET6)
		flags |= IFA_F_NODAD;
	mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	if (a->has_broadcast)
		mnl_attr_put(nlh, IFA_BROADCAST, 4, a->broadcast);
	if (a->label[0] && a->family == AF_INET)
		mnl_attr_put_strz(nlh, IFA_LABEL, a->label);
	if (a->has_cacheinfo && a->valid_lft != 0xffffffffu) {
		struct ifa_cacheinfo ci = { .ifa_valid = a->valid_lft, .ifa_prefered = a->preferred_lft };

		mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
	}
	if (a->has_rt_priority)
		mnl_attr_put_u32(nlh, IFA_RT_PRIORITY, a->rt_priority);
#ifdef IFA_PROTO
	if (a->proto)
		mnl_attr_put_u8(nlh, IFA_PROTO, a->proto);
#endif
	return nl_talk(nl, nlh, NULL, NULL, err, errlen);
}

int nl_addr_del(struct sw_nl *nl, const struct sw_addr *a, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return nl_talk(nl, addr_msg(buf, RTM_DELADDR, a, a->ifindex), NULL, NULL, err, errlen);
}

/* ---- routes ------------------------------------------------------------- */

/* Attributes that describe a route in a request (not read-only state). */
static bool route_attr_copyable(int type)
{
	switch (type) {
	case RTA_DST:
	case RTA_SRC:
	case RTA_GATEWAY:
	case RTA_PRIORITY:
	case RTA_PREFSRC:
	case RTA_METRICS:
	case RTA_MULTIPATH:
	case RTA_FLOW:
	case RTA_TABLE:
	case RTA_MARK:
	case RTA_VIA:
	case RTA_NEWDST:
	case RTA_PREF:
	case RTA_ENCAP_TYPE:
	case RTA_ENCAP:
	case RTA_EXPIRES:
	case RTA_OIF:
		return true;
	default:
		return false;
	}
}

static int route_msg(char *buf, uint16_t type, const struct sw_route *r, int from, int to,
		     struct nlmsghdr **out, char *err, size_t errlen)
{
	struct sw_route copy = *r;
	struct nlmsghdr *nlh = new_msg(buf);
	struct rtmsg *rtm;
	size_t off = 0;

	if (r->nh_id) {
		snprintf(err, errlen, "route uses nexthop object %u: move it by hand", r->nh_id);
		return -EOPNOTSUPP;
	}
	if (from || to)
		nlp_route_retarget(&copy, from, to);
	nlh->nlmsg_type = type;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	*rtm = r->rtm;
	rtm->rtm_flags &= ~(unsigned int)(RTM_F_CLONED | RTNH_F_LINKDOWN | RTNH_F_DEAD |
					  RTNH_F_OFFLOAD | RTNH_F_TRAP);
	rtm->rtm_flags &= RTNH_F_ONLINK; /* the only flag a request may carry */
	while (off + sizeof(struct nlattr) <= copy.attrs_len) {
		const struct nlattr *a = (const struct nlattr *)(copy.attrs + off);

		if (a->nla_len < sizeof(*a) || off + a->nla_len > copy.attrs_len)
			break;
		if (route_attr_copyable(mnl_attr_get_type(a)) &&
		    !(type == RTM_DELROUTE && mnl_attr_get_type(a) == RTA_EXPIRES))
			mnl_attr_put(nlh, mnl_attr_get_type(a) | (a->nla_type & NLA_F_NESTED),
				     mnl_attr_get_payload_len(a), mnl_attr_get_payload(a));
		off += NLA_ALIGN(a->nla_len);
	}
	*out = nlh;
	return 0;
}

int nl_route_add(struct sw_nl *nl, const struct sw_route *r, int from_ifindex, int to_ifindex,
		 char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret = route_msg(buf, RTM_NEWROUTE, r, from_ifindex, to_ifindex, &nlh, err, errlen);

	if (ret)
		return ret;
	/* The same route stays on the NIC until the NIC is attached. IPv4 with
	 * EXCL refuses a second route of equal prefix/tos/metric even through
	 * another device; APPEND adds it behind the first. IPv6 appends a route
	 * through another device without EXCL (and APPEND would make it a
	 * multipath sibling of the NIC's). */
	nlh->nlmsg_flags |= NLM_F_CREATE;
	if (r->rtm.rtm_family == AF_INET)
		nlh->nlmsg_flags |= NLM_F_APPEND;
	return nl_talk(nl, nlh, NULL, NULL, err, errlen);
}

int nl_route_del(struct sw_nl *nl, const struct sw_route *r, char *err, size_t errlen)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret = route_msg(buf, RTM_DELROUTE, r, 0, 0, &nlh, err, errlen);

	if (ret)
		return ret;
	return nl_talk(nl, nlh, NULL, NULL, err, errlen);
}
