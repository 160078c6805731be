/*
 * Pure rtnetlink decoders: tb[] tables filled by validating callbacks (the
 * libmnl examples' pattern). No socket here; unit tests feed canned messages.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <libmnl/libmnl.h>

#include <linux/netconf.h>
#include <linux/neighbour.h>

#include "nl_parse.h"

/* Bytes of an address of this family; 0 for a family we do not handle. */
static size_t family_addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

struct attr_table {
	const struct nlattr **tb;
	int max;
	const char *end; /* first byte past the message (NULL: trust libmnl) */
};

/* Keep attributes in range; reject ones whose length cannot hold their type. */
static int table_cb(const struct nlattr *attr, void *data)
{
	struct attr_table *t = data;
	int type = mnl_attr_get_type(attr);

	/* libmnl checks against the aligned message length: an attribute cut
	 * in the last padding bytes would still be read */
	if (t->end && (const char *)attr + attr->nla_len > t->end)
		return MNL_CB_ERROR;
	if (mnl_attr_type_valid(attr, t->max) < 0)
		return MNL_CB_OK; /* newer than us: skip */
	t->tb[type] = attr;
	return MNL_CB_OK;
}

static int parse_table(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		       int max)
{
	struct attr_table t = { tb, max, (const char *)nlh + nlh->nlmsg_len };

	memset(tb, 0, (size_t)(max + 1) * sizeof(*tb));
	if (nlh->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen))
		return -EINVAL;
	/* not mnl_attr_parse(): it walks to the aligned end, and a message
	 * whose length is not a multiple of 4 would have up to 3 bytes past
	 * it read as an attribute header */
	return mnl_attr_parse_payload((const char *)nlh + NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen),
				      nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(hdrlen), table_cb,
				      &t) < 0 ?
		       -EINVAL :
		       0;
}

static int parse_nested(const struct nlattr *nest, const struct nlattr **tb, int max)
{
	struct attr_table t = { tb, max, (const char *)nest + nest->nla_len };

	memset(tb, 0, (size_t)(max + 1) * sizeof(*tb));
	return mnl_attr_parse_nested(nest, table_cb, &t) < 0 ? -EINVAL : 0;
}

static bool attr_len_ok(const struct nlattr *a, size_t min)
{
	return a && mnl_attr_get_payload_len(a) >= min;
}

static void copy_str(char *dst, size_t size, const struct nlattr *a)
{
	size_t n = mnl_attr_get_payload_len(a);

	if (n >= size)
		n = size - 1;
	memcpy(dst, mnl_attr_get_payload(a), n);
	dst[n] = '\0';
	dst[strnlen(dst, size)] = '\0';
}

static void parse_linkinfo(const struct nlattr *nest, struct sw_link *out)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1], *br[IFLA_BR_MAX + 1];

	if (parse_nested(nest, tb, IFLA_INFO_MAX) < 0)
		return;
	if (tb[IFLA_INFO_KIND])
		copy_str(out->kind, sizeof(out->kind), tb[IFLA_INFO_KIND]);
	if (tb[IFLA_INFO_SLAVE_KIND])
		copy_str(out->slave_kind, sizeof(out->slave_kind), tb[IFLA_INFO_SLAVE_KIND]);
	if (strcmp(out->kind, "bridge") == 0 && tb[IFLA_INFO_DATA] &&
	    parse_nested(tb[IFLA_INFO_DATA], br, IFLA_BR_MAX) == 0) {
		out->has_br_info = true;
		if (attr_len_ok(br[IFLA_BR_STP_STATE], 4))
			out->br_stp = mnl_attr_get_u32(br[IFLA_BR_STP_STATE]) != 0;
	}
}

static void parse_altnames(const struct nlattr *nest, struct sw_link *out)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) != IFLA_ALT_IFNAME || out->naltnames >= SW_MAX_ALTNAMES)
			continue;
		copy_str(out->altnames[out->naltnames++], SW_IFNAMSIZ, a);
	}
}

int nlp_link(const struct nlmsghdr *nlh, struct sw_link *out)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return -EINVAL;
	if (parse_table(nlh, sizeof(*ifi), tb, IFLA_MAX) < 0)
		return -EINVAL;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_family != AF_UNSPEC || ifi->ifi_index <= 0 || !tb[IFLA_IFNAME])
		return -EINVAL;
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	copy_str(out->name, sizeof(out->name), tb[IFLA_IFNAME]);
	if (attr_len_ok(tb[IFLA_ADDRESS], 6) && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6) {
		memcpy(out->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
		out->has_mac = true;
	}
	if (attr_len_ok(tb[IFLA_PERM_ADDRESS], 6) &&
	    mnl_attr_get_payload_len(tb[IFLA_PERM_ADDRESS]) == 6) {
		memcpy(out->perm_mac, mnl_attr_get_payload(tb[IFLA_PERM_ADDRESS]), 6);
		out->has_perm_mac = true;
	}
	if (attr_len_ok(tb[IFLA_MASTER], 4))
		out->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (attr_len_ok(tb[IFLA_OPERSTATE], 1))
		out->operstate = mnl_attr_get_u8(tb[IFLA_OPERSTATE]);
	out->carrier = (ifi->ifi_flags & IFF_LOWER_UP) != 0;
	if (attr_len_ok(tb[IFLA_CARRIER], 1))
		out->carrier = mnl_attr_get_u8(tb[IFLA_CARRIER]) != 0;
	/* a device that is down reports no carrier through IFLA_CARRIER either */
	if (attr_len_ok(tb[IFLA_CARRIER_CHANGES], 4))
		out->carrier_changes = mnl_attr_get_u32(tb[IFLA_CARRIER_CHANGES]);
	if (attr_len_ok(tb[IFLA_MTU], 4))
		out->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_IFALIAS])
		copy_str(out->alias, sizeof(out->alias), tb[IFLA_IFALIAS]);
	if (tb[IFLA_PARENT_DEV_BUS_NAME])
		copy_str(out->parent_bus, sizeof(out->parent_bus), tb[IFLA_PARENT_DEV_BUS_NAME]);
	if (tb[IFLA_PARENT_DEV_NAME])
		copy_str(out->parent_dev, sizeof(out->parent_dev), tb[IFLA_PARENT_DEV_NAME]);
	if (tb[IFLA_LINKINFO])
		parse_linkinfo(tb[IFLA_LINKINFO], out);
	if (tb[IFLA_PROP_LIST])
		parse_altnames(tb[IFLA_PROP_LIST], out);
	return 0;
}

int nlp_brport(const struct nlmsghdr *nlh, struct sw_brport *out)
{
	const struct nlattr *tb[IFLA_MAX + 1], *pt[IFLA_BRPORT_MAX + 1];
	const struct ifinfomsg *ifi;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return -EINVAL;
	if (parse_table(nlh, sizeof(*ifi), tb, IFLA_MAX) < 0)
		return -EINVAL;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_family != AF_BRIDGE || ifi->ifi_index <= 0)
		return -EINVAL;
	out->ifindex = ifi->ifi_index;
	if (attr_len_ok(tb[IFLA_MASTER], 4))
		out->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_PROTINFO] && (tb[IFLA_PROTINFO]->nla_type & NLA_F_NESTED) &&
	    parse_nested(tb[IFLA_PROTINFO], pt, IFLA_BRPORT_MAX) == 0 &&
	    attr_len_ok(pt[IFLA_BRPORT_STATE], 1)) {
		out->state = mnl_attr_get_u8(pt[IFLA_BRPORT_STATE]);
		out->has_state = true;
	}
	return 0;
}

int nlp_addr(const struct nlmsghdr *nlh, struct sw_addr *out)
{
	const struct nlattr *tb[IFA_MAX + 1];
	const struct ifaddrmsg *ifa;
	size_t alen;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return -EINVAL;
	if (parse_table(nlh, sizeof(*ifa), tb, IFA_MAX) < 0)
		return -EINVAL;
	ifa = mnl_nlmsg_get_payload(nlh);
	alen = family_addr_len(ifa->ifa_family);
	if (!alen)
		return -EINVAL;
	out->family = ifa->ifa_family;
	out->ifindex = (int)ifa->ifa_index;
	out->prefixlen = ifa->ifa_prefixlen;
	out->scope = ifa->ifa_scope;
	out->flags = ifa->ifa_flags;
	if (attr_len_ok(tb[IFA_FLAGS], 4))
		out->flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
	if (attr_len_ok(tb[IFA_LOCAL], alen)) {
		memcpy(out->local, mnl_attr_get_payload(tb[IFA_LOCAL]), alen);
		out->has_local = true;
	}
	if (attr_len_ok(tb[IFA_ADDRESS], alen)) {
		memcpy(out->address, mnl_attr_get_payload(tb[IFA_ADDRESS]), alen);
		out->has_address = true;
	}
	if (!out->has_local && !out->has_address)
		return -EINVAL;
	/* IPv6 sends only IFA_ADDRESS for a plain address: that is the local one */
	if (!out->has_local) {
		memcpy(out->local, out->address, alen);
		out->has_local = true;
	}
	if (alen == 4 && attr_len_ok(tb[IFA_BROADCAST], 4)) {
		memcpy(out->broadcast, mnl_attr_get_payload(tb[IFA_BROADCAST]), 4);
		out->has_broadcast = true;
	}
	if (tb[IFA_LABEL])
		copy_str(out->label, sizeof(out->label), tb[IFA_LABEL]);
	if (attr_len_ok(tb[IFA_CACHEINFO], sizeof(struct ifa_cacheinfo))) {
		const struct ifa_cacheinfo *ci = mnl_attr_get_payload(tb[IFA_CACHEINFO]);

		out->valid_lft = ci->ifa_valid;
		out->preferred_lft = ci->ifa_prefered;
		out->has_cacheinfo = true;
	}
	if (attr_len_ok(tb[IFA_RT_PRIORITY], 4)) {
		out->rt_priority = mnl_attr_get_u32(tb[IFA_RT_PRIORITY]);
		out->has_rt_priority = true;
	}
#ifdef IFA_PROTO
	if (attr_len_ok(tb[IFA_PROTO], 1))
		out->proto = mnl_attr_get_u8(tb[IFA_PROTO]);
#endif
	return 0;
}

int nlp_route(const struct nlmsghdr *nlh, struct sw_route *out)
{
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm;
	size_t alen, attrs_len;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE)
		return -EINVAL;
	if (parse_table(nlh, sizeof(*rtm), tb, RTA_MAX) < 0)
		return -EINVAL;
	rtm = mnl_nlmsg_get_payload(nlh);
	alen = family_addr_len(rtm->rtm_family);
	if (!alen)
		return -EINVAL;
	out->rtm = *rtm;
	out->table = rtm->rtm_table;
	if (attr_len_ok(tb[RTA_TABLE], 4))
		out->table = mnl_attr_get_u32(tb[RTA_TABLE]);
	if (attr_len_ok(tb[RTA_OIF], 4))
		out->oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	if (attr_len_ok(tb[RTA_DST], alen)) {
		memcpy(out->dst, mnl_attr_get_payload(tb[RTA_DST]), alen);
		out->has_dst = true;
	}
	if (attr_len_ok(tb[RTA_GATEWAY], alen)) {
		memcpy(out->gateway, mnl_attr_get_payload(tb[RTA_GATEWAY]), alen);
		out->has_gateway = true;
	}
	if (attr_len_ok(tb[RTA_PREFSRC], alen)) {
		memcpy(out->prefsrc, mnl_attr_get_payload(tb[RTA_PREFSRC]), alen);
		out->has_prefsrc = true;
	}
	if (attr_len_ok(tb[RTA_PRIORITY], 4))
		out->priority = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	if (attr_len_ok(tb[RTA_NH_ID], 4))
		out->nh_id = mnl_attr_get_u32(tb[RTA_NH_ID]);
	out->has_multipath = tb[RTA_MULTIPATH] != NULL;
	attrs_len = nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(sizeof(*rtm));
	if (attrs_len > sizeof(out->attrs))
		return -E2BIG;
	memcpy(out->attrs, (const char *)rtm + NLMSG_ALIGN(sizeof(*rtm)), attrs_len);
	out->attrs_len = (uint16_t)attrs_len;
	return 0;
}

/* RTM_NEWNEIGH/RTM_DELNEIGH: its header, its attributes in tb (NULL if not one). */
static const struct ndmsg *neigh_table(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	if (nlh->nlmsg_type != RTM_NEWNEIGH && nlh->nlmsg_type != RTM_DELNEIGH)
		return NULL;
	if (parse_table(nlh, sizeof(struct ndmsg), tb, NDA_MAX) < 0)
		return NULL;
	return mnl_nlmsg_get_payload(nlh);
}

int nlp_fdb(const struct nlmsghdr *nlh, struct sw_fdb *out)
{
	const struct nlattr *tb[NDA_MAX + 1];
	const struct ndmsg *ndm;

	memset(out, 0, sizeof(*out));
	if (!(ndm = neigh_table(nlh, tb)))
		return -EINVAL;
	if (ndm->ndm_family != AF_BRIDGE || !tb[NDA_LLADDR] ||
	    mnl_attr_get_payload_len(tb[NDA_LLADDR]) != 6)
		return -EINVAL;
	out->port = ndm->ndm_ifindex;
	out->state = ndm->ndm_state;
	out->flags = ndm->ndm_flags;
	memcpy(out->mac, mnl_attr_get_payload(tb[NDA_LLADDR]), 6);
	if (attr_len_ok(tb[NDA_MASTER], 4))
		out->master = (int)mnl_attr_get_u32(tb[NDA_MASTER]);
	return 0;
}

int nlp_proxy(const struct nlmsghdr *nlh, struct sw_proxy *out)
{
	const struct nlattr *tb[NDA_MAX + 1];
	const struct ndmsg *ndm;

	memset(out, 0, sizeof(*out));
	if (!(ndm = neigh_table(nlh, tb)))
		return -EINVAL;
	if (ndm->ndm_family != AF_INET || !(ndm->ndm_flags & NTF_PROXY) ||
	    !attr_len_ok(tb[NDA_DST], 4))
		return -EINVAL;
	out->ifindex = ndm->ndm_ifindex;
	memcpy(&out->ip, mnl_attr_get_payload(tb[NDA_DST]), 4);
	return 0;
}

int nlp_neigh(const struct nlmsghdr *nlh, struct sw_neigh *out)
{
	const struct nlattr *tb[NDA_MAX + 1];
	const struct ndmsg *ndm;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (!(ndm = neigh_table(nlh, tb)))
		return -EINVAL;
	if (ndm->ndm_family != AF_INET && ndm->ndm_family != AF_INET6)
		return -EINVAL;
	len = ndm->ndm_family == AF_INET ? 4 : 16;
	if ((ndm->ndm_flags & NTF_PROXY) || !attr_len_ok(tb[NDA_DST], len))
		return -EINVAL;
	out->family = ndm->ndm_family;
	out->ifindex = ndm->ndm_ifindex;
	out->state = ndm->ndm_state;
	memcpy(out->dst, mnl_attr_get_payload(tb[NDA_DST]), len);
	return 0;
}

int nlp_netconf(const struct nlmsghdr *nlh, int *ifindex)
{
	const struct nlattr *tb[NETCONFA_MAX + 1];

	if (nlh->nlmsg_type != RTM_NEWNETCONF && nlh->nlmsg_type != RTM_DELNETCONF)
		return -EINVAL;
	if (parse_table(nlh, sizeof(struct netconfmsg), tb, NETCONFA_MAX) < 0)
		return -EINVAL;
	if (((const struct netconfmsg *)mnl_nlmsg_get_payload(nlh))->ncm_family != AF_INET ||
	    !attr_len_ok(tb[NETCONFA_IFINDEX], 4))
		return -EINVAL;
	*ifindex = (int)mnl_attr_get_u32(tb[NETCONFA_IFINDEX]);
	return 0;
}

/* Walk the nexthops of an RTA_MULTIPATH payload. */
#define for_each_rtnh(nh, start, len)                                              \
	for (nh = (struct rtnexthop *)(start); RTNH_OK(nh, (int)(len));             \
	     len -= RTNH_ALIGN(nh->rtnh_len), nh = RTNH_NEXT(nh))

bool nlp_route_uses_ifindex(const struct sw_route *r, int ifindex)
{
	const struct nlattr *a;
	size_t off = 0;

	if (r->oif == ifindex)
		return true;
	if (!r->has_multipath)
		return false;
	while (off + sizeof(struct nlattr) <= r->attrs_len) {
		a = (const struct nlattr *)(r->attrs + off);
		if (a->nla_len < sizeof(*a) || off + a->nla_len > r->attrs_len)
			break;
		if (mnl_attr_get_type(a) == RTA_MULTIPATH) {
			struct rtnexthop *nh;
			long len = (long)mnl_attr_get_payload_len(a);

			for_each_rtnh(nh, mnl_attr_get_payload(a), len)
				if (nh->rtnh_ifindex == ifindex)
					return true;
		}
		off += NLA_ALIGN(a->nla_len);
	}
	return false;
}

void nlp_route_retarget(struct sw_route *r, int from_ifindex, int to_ifindex)
{
	size_t off = 0;

	if (from_ifindex == to_ifindex)
		return;
	while (off + sizeof(struct nlattr) <= r->attrs_len) {
		struct nlattr *a = (struct nlattr *)(r->attrs + off);

		if (a->nla_len < sizeof(*a) || off + a->nla_len > r->attrs_len)
			break;
		if (mnl_attr_get_type(a) == RTA_OIF && mnl_attr_get_payload_len(a) == 4 &&
		    *(uint32_t *)mnl_attr_get_payload(a) == (uint32_t)from_ifindex)
			*(uint32_t *)mnl_attr_get_payload(a) = (uint32_t)to_ifindex;
		if (mnl_attr_get_type(a) == RTA_MULTIPATH) {
			struct rtnexthop *nh;
			long len = (long)mnl_attr_get_payload_len(a);

			for_each_rtnh(nh, mnl_attr_get_payload(a), len)
				if (nh->rtnh_ifindex == from_ifindex)
					nh->rtnh_ifindex = to_ifindex;
		}
		off += NLA_ALIGN(a->nla_len);
	}
	if (r->oif == from_ifindex)
		r->oif = to_ifindex;
}

/* The extended-ACK text in the TLVs from off to total, with its length
 * (the kernel NUL-terminates it, a corrupt message may not). */
static const char *ack_text(const struct nlmsgerr *e, size_t off, size_t total, int *textlen)
{
	const char *msg = NULL;

	while (off + sizeof(struct nlattr) <= total) {
		const struct nlattr *a = (const struct nlattr *)((const char *)e + off);

		if (a->nla_len < sizeof(*a) || a->nla_len > total - off)
			break;
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG && mnl_attr_get_payload_len(a) > 1) {
			msg = mnl_attr_get_payload(a);
			*textlen = (int)strnlen(msg, mnl_attr_get_payload_len(a));
		}
		off += NLA_ALIGN(a->nla_len);
	}
	return msg;
}

int nlp_error(const struct nlmsghdr *nlh, char *buf, size_t len)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const char *msg = NULL;
	size_t total, off = sizeof(*e);
	int textlen = 0;

	/* -e->error below: INT_MIN has no negation, and a positive "error"
	 * would reach callers that take any non-zero return for -errno */
	if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e) ||
	    e->error > 0 || e->error < -4095) {
		snprintf(buf, len, "malformed netlink error message");
		return -EPROTO;
	}
	if (e->error == 0) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	total = nlh->nlmsg_len - NLMSG_HDRLEN;
	/* extended ACK TLVs follow the request copy (none when capped), which
	 * the kernel pads to 4 bytes (nlmsg_append); a copy claiming less than
	 * its own header is corrupt: no TLVs are looked for then */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			off = total;
		else
			off += NLMSG_ALIGN((size_t)e->msg.nlmsg_len - NLMSG_HDRLEN);
	}
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < total)
		msg = ack_text(e, off, total, &textlen);
	if (msg)
		snprintf(buf, len, "%s (kernel: %.*s)", strerror(-e->error),
			 textlen < 200 ? textlen : 200, msg);
	else
		snprintf(buf, len, "%s", strerror(-e->error));
	return e->error;
}

int nlp_batch_acks(const void *buf, int len, uint32_t first, struct nlp_ack *acks, int n)
{
	const struct nlmsghdr *nlh;
	int got = 0;

	for (nlh = buf; nlp_msg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		uint32_t i = nlh->nlmsg_seq - first; /* unsigned: wraps with the seq */

		if (nlh->nlmsg_type != NLMSG_ERROR || n <= 0 || i >= (uint32_t)n || acks[i].seen)
			continue;
		acks[i].seen = true;
		acks[i].ret = nlp_error(nlh, acks[i].text, sizeof(acks[i].text));
		got++;
	}
	return got;
}

bool nlp_msg_ok(const struct nlmsghdr *nlh, int len)
{
	return len >= (int)sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) &&
	       nlh->nlmsg_len <= (unsigned int)len;
}
