/* Decoders fed canned messages; malformed ones are refused, never overread. */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "nl_parse.h"
#include "nlmsgs.h"

static const uint8_t MAC[6] = { 0x02, 0x00, 0xc6, 0x12, 0x00, 0x10 };

Test(nl_parse, link)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 5, "eth0", MAC,
					IFF_UP | 0x10000, 7, "bridge");
	struct sw_link l;

	mnl_attr_put(nlh, IFLA_PERM_ADDRESS, 6, MAC);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, "switchd");
	struct nlattr *pl = mnl_attr_nest_start(nlh, IFLA_PROP_LIST);
	mnl_attr_put_strz(nlh, IFLA_ALT_IFNAME, "enp3s0");
	mnl_attr_nest_end(nlh, pl);
	cr_assert_eq(nlp_link(nlh, &l), 0);
	cr_assert_eq(l.ifindex, 5);
	cr_assert_str_eq(l.name, "eth0");
	cr_assert(l.has_mac && !memcmp(l.mac, MAC, 6));
	cr_assert(l.has_perm_mac && !memcmp(l.perm_mac, MAC, 6));
	cr_assert_eq(l.master, 7);
	cr_assert(l.carrier);
	cr_assert_eq(l.carrier_changes, 2);
	cr_assert_str_eq(l.kind, "bridge");
	cr_assert(l.has_br_info && !l.br_stp);
	cr_assert_str_eq(l.alias, "switchd");
	cr_assert_eq(l.naltnames, 1);
	cr_assert_str_eq(l.altnames[0], "enp3s0");
}

Test(nl_parse, link_refuses_other_families_and_types)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct sw_link l;
	struct sw_brport p;

	cr_assert_eq(nlp_link(msg_link(buf, RTM_NEWLINK, AF_BRIDGE, 5, "eth0", MAC, 0, 7, NULL), &l),
		     -EINVAL, "an AF_BRIDGE message is the port view, not a device");
	cr_assert_eq(nlp_brport(msg_link(buf, RTM_DELLINK, AF_BRIDGE, 5, "eth0", MAC, 0, 7, NULL), &p),
		     0);
	cr_assert_eq(p.master, 7);
	cr_assert_eq(nlp_link(msg_addr4(buf, RTM_NEWADDR, 2, "198.18.0.2", 24, NULL), &l), -EINVAL);
	/* no name: not a usable link */
	cr_assert_eq(nlp_link(msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 5, NULL, MAC, 0, 0, NULL), &l),
		     -EINVAL);
}

Test(nl_parse, truncated_messages)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 5, "eth0", MAC, IFF_UP, 0, "veth");
	uint32_t full = nlh->nlmsg_len;
	struct sw_link l;

	/* every truncation either decodes what is there or is refused: never a crash */
	for (uint32_t len = NLMSG_HDRLEN; len < full; len++) {
		char *copy = malloc(len);

		memcpy(copy, buf, len);
		((struct nlmsghdr *)copy)->nlmsg_len = len;
		int ret = nlp_link((struct nlmsghdr *)copy, &l);
		cr_assert(ret == 0 || ret == -EINVAL);
		free(copy);
	}
	/* an attribute claiming more than the message holds */
	struct nlattr *a = (struct nlattr *)((char *)mnl_nlmsg_get_payload(nlh) +
					     NLMSG_ALIGN(sizeof(struct ifinfomsg)));
	a->nla_len = 4000;
	cr_assert_eq(nlp_link(nlh, &l), -EINVAL);
}

Test(nl_parse, neighbour)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct sw_neigh n;

	cr_assert_eq(nlp_neigh(msg_neigh(buf, AF_INET, 5, NUD_INCOMPLETE, 0, "198.18.0.1"), &n), 0);
	cr_assert_eq(n.family, AF_INET);
	cr_assert_eq(n.ifindex, 5);
	cr_assert_eq(n.state, NUD_INCOMPLETE);
	cr_assert_eq(memcmp(n.dst, "\xc6\x12\x00\x01", 4), 0);
	cr_assert_eq(nlp_neigh(msg_neigh(buf, AF_INET6, 5, NUD_REACHABLE, 0, "2001:db8::1"), &n), 0);
	cr_assert_eq(n.family, AF_INET6);
	cr_assert_eq(n.state, NUD_REACHABLE);
	cr_assert_eq(memcmp(n.dst, "\x20\x01\x0d\xb8", 4), 0);
	cr_assert_eq(n.dst[15], 1);
	/* not a host neighbour: a proxy entry, a bridge FDB entry, no address */
	cr_assert_eq(nlp_neigh(msg_neigh(buf, AF_INET, 5, NUD_PERMANENT, NTF_PROXY, "198.18.0.1"), &n),
		     -EINVAL);
	cr_assert_eq(nlp_neigh(msg_neigh(buf, AF_BRIDGE, 5, NUD_REACHABLE, 0, NULL), &n), -EINVAL);
	cr_assert_eq(nlp_neigh(msg_neigh(buf, AF_INET, 5, NUD_INCOMPLETE, 0, NULL), &n), -EINVAL);
	/* an IPv6 entry whose address is IPv4-sized is refused, not overread */
	struct nlmsghdr *nlh = msg_neigh(buf, AF_INET, 5, NUD_INCOMPLETE, 0, "198.18.0.1");
	((struct ndmsg *)mnl_nlmsg_get_payload(nlh))->ndm_family = AF_INET6;
	cr_assert_eq(nlp_neigh(nlh, &n), -EINVAL);
}

Test(nl_parse, address)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct sw_addr a;

	cr_assert_eq(nlp_addr(msg_addr4(buf, RTM_NEWADDR, 2, "198.18.0.2", 24, "eth0:1"), &a), 0);
	cr_assert_eq(a.family, AF_INET);
	cr_assert_eq(a.ifindex, 2);
	cr_assert_eq(a.prefixlen, 24);
	cr_assert_eq(memcmp(a.local, "\xc6\x12\x00\x02", 4), 0);
	cr_assert_str_eq(a.label, "eth0:1");
	cr_assert(a.has_cacheinfo && a.valid_lft == 0xffffffff);
	cr_assert(a.flags & IFA_F_PERMANENT);
}

Test(nl_parse, route_keeps_its_attributes_and_moves)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct sw_route r;

	cr_assert_eq(nlp_route(msg_route4(buf, RTM_NEWROUTE, 2, "198.19.0.0", 24, "198.18.0.1", 50,
					  RTPROT_BOOT, RT_TABLE_MAIN),
			       &r),
		     0);
	cr_assert_eq(r.oif, 2);
	cr_assert_eq(r.priority, 50);
	cr_assert_eq(r.table, RT_TABLE_MAIN);
	cr_assert(r.has_gateway && r.has_dst);
	cr_assert_gt(r.attrs_len, 0);
	cr_assert(nlp_route_uses_ifindex(&r, 2));
	cr_assert_not(nlp_route_uses_ifindex(&r, 5));
	nlp_route_retarget(&r, 2, 5);
	cr_assert(nlp_route_uses_ifindex(&r, 5), "moved to the bridge");
	cr_assert_not(nlp_route_uses_ifindex(&r, 2));
	/* the raw RTA_OIF moved too: decode the attributes again */
	char buf2[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf2);
	nlh->nlmsg_type = RTM_NEWROUTE;
	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(r.rtm)), &r.rtm, sizeof(r.rtm));
	memcpy(mnl_nlmsg_put_extra_header(nlh, r.attrs_len), r.attrs, r.attrs_len);
	struct sw_route again;
	cr_assert_eq(nlp_route(nlh, &again), 0);
	cr_assert_eq(again.oif, 5);
	cr_assert_eq(again.priority, 50, "metric kept");
}

Test(nl_parse, multipath_route_moves_only_the_nexthop_of_that_device)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = msg_route4(buf, RTM_NEWROUTE, 0, NULL, 0, NULL, 0, RTPROT_BOOT,
					  RT_TABLE_MAIN);
	struct nlattr *mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	struct rtnexthop *nh;
	struct sw_route r;

	for (int i = 0; i < 2; i++) {
		nh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nh));
		nh->rtnh_len = sizeof(*nh);
		nh->rtnh_ifindex = i ? 3 : 2;
	}
	mnl_attr_nest_end(nlh, mp);
	cr_assert_eq(nlp_route(nlh, &r), 0);
	cr_assert(r.has_multipath);
	cr_assert(nlp_route_uses_ifindex(&r, 3));
	nlp_route_retarget(&r, 3, 9);
	cr_assert(nlp_route_uses_ifindex(&r, 9));
	cr_assert(nlp_route_uses_ifindex(&r, 2), "the other nexthop stays");
	cr_assert_not(nlp_route_uses_ifindex(&r, 3));
}

Test(nl_parse, error_with_extended_ack)
{
	char buf[MNL_SOCKET_BUFFER_SIZE], text[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	e->error = -EBUSY;
	e->msg.nlmsg_len = 64;
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "Device is already a port");
	cr_assert_eq(nlp_error(nlh, text, sizeof(text)), -EBUSY);
	cr_assert(strstr(text, "Device or resource busy") && strstr(text, "already a port"), "%s",
		  text);
	e->error = 0;
	cr_assert_eq(nlp_error(nlh, text, sizeof(text)), 0, "an ack");
}

/* Copy len bytes of a message into a buffer of exactly that size, so ASan
 * sees any read past what the kernel would have sent. */
static struct nlmsghdr *exact_copy(const void *msg, size_t len, uint32_t nlmsg_len)
{
	struct nlmsghdr *copy = malloc(len);

	cr_assert_not_null(copy);
	memcpy(copy, msg, len);
	copy->nlmsg_len = nlmsg_len;
	return copy;
}

static struct nlmsghdr *error_msg(char *buf, int error, uint16_t flags, uint32_t req_len)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = flags;
	e->error = error;
	e->msg.nlmsg_len = req_len;
	return nlh;
}

Test(nl_parse, error_with_a_request_copy_shorter_than_a_header)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(4))), text[256];
	struct nlmsghdr *nlh;

	/* not capped, ACK TLVs, but the embedded request claims 0..15 bytes:
	 * its length is garbage, not an offset to read TLVs at */
	for (uint32_t req_len = 0; req_len < NLMSG_HDRLEN; req_len++) {
		nlh = error_msg(buf, -EINVAL, NLM_F_ACK_TLVS, req_len);
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "some text");
		cr_assert_eq(nlp_error(nlh, text, sizeof(text)), -EINVAL);
		cr_assert(strstr(text, "Invalid argument"), "%s", text);
	}
}

Test(nl_parse, error_tlvs_after_an_unaligned_request_copy)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(4))), text[256];
	struct nlmsghdr *nlh = error_msg(buf, -EEXIST, NLM_F_ACK_TLVS, NLMSG_HDRLEN + 5);
	struct nlmsghdr *copy;

	/* the kernel pads the request copy to 4 bytes before the TLVs */
	memset(mnl_nlmsg_put_extra_header(nlh, NLMSG_ALIGN(5)), 0, NLMSG_ALIGN(5));
	mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, "File exists here");
	copy = exact_copy(nlh, nlh->nlmsg_len, nlh->nlmsg_len);
	cr_assert_eq(nlp_error(copy, text, sizeof(text)), -EEXIST);
	cr_assert(strstr(text, "File exists here"), "the message after the padding: %s", text);
	free(copy);
}

Test(nl_parse, error_of_int_min_is_malformed)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(4))), text[256];

	cr_assert_eq(nlp_error(error_msg(buf, INT_MIN, 0, 0), text, sizeof(text)), -EPROTO);
	cr_assert(strstr(text, "malformed"), "%s", text);
	cr_assert_eq(nlp_error(error_msg(buf, 5, 0, 0), text, sizeof(text)), -EPROTO,
		     "a positive error is no errno either");
}

Test(nl_parse, error_message_without_nul)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(4))), text[256];
	struct nlmsghdr *nlh = error_msg(buf, -EBUSY, NLM_F_CAPPED | NLM_F_ACK_TLVS, 64);
	struct nlmsghdr *copy;

	/* "busyX" with no terminating NUL, the message ends with the attribute */
	mnl_attr_put(nlh, NLMSGERR_ATTR_MSG, 8, "busybusy");
	/* what follows the message in the buffer is not part of the text */
	memset((char *)nlh + nlh->nlmsg_len, 'X', 8);
	copy = exact_copy(nlh, nlh->nlmsg_len + 8, nlh->nlmsg_len);
	cr_assert_eq(nlp_error(copy, text, sizeof(text)), -EBUSY);
	cr_assert(strstr(text, "(kernel: busybusy)"), "%s", text);
	free(copy);
}

/* The message ends cut (1..3) bytes into what would be an attribute header;
 * the bytes after it (not part of the message) look like an attribute that
 * runs past the end. Decoders must stop at nlmsg_len, not at its alignment. */
static struct nlmsghdr *cut_copy(const struct nlmsghdr *nlh, uint32_t cut)
{
	uint32_t full = nlh->nlmsg_len;
	struct nlmsghdr *copy = exact_copy(nlh, full + NLA_ALIGNTO, full + cut);
	struct nlattr *past = (struct nlattr *)((char *)copy + full);

	past->nla_len = sizeof(*past);
	past->nla_type = IFLA_IFNAME;
	return copy;
}

Test(nl_parse, unaligned_length_is_not_read_past)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(4)));
	struct nlmsghdr *nlh, *copy;
	struct sw_link l;
	struct sw_addr a;
	struct sw_route r;

	for (uint32_t cut = 1; cut < NLA_ALIGNTO; cut++) {
		nlh = msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 5, "eth0", MAC, IFF_UP, 0, NULL);
		copy = cut_copy(nlh, cut);
		int ret = nlp_link(copy, &l);

		free(copy);
		cr_assert_eq(ret, 0, "cut %u: the padding was read", cut);
		cr_assert_str_eq(l.name, "eth0");

		nlh = msg_addr4(buf, RTM_NEWADDR, 2, "198.18.0.2", 24, NULL);
		copy = cut_copy(nlh, cut);
		ret = nlp_addr(copy, &a);
		free(copy);
		cr_assert_eq(ret, 0, "cut %u: the padding was read", cut);

		nlh = msg_route4(buf, RTM_NEWROUTE, 2, "198.19.0.0", 24, NULL, 0, RTPROT_BOOT,
				 RT_TABLE_MAIN);
		copy = cut_copy(nlh, cut);
		ret = nlp_route(copy, &r);
		free(copy);
		cr_assert_eq(ret, 0, "cut %u: the padding was read", cut);
		cr_assert(nlp_route_uses_ifindex(&r, 2));
	}
}

Test(nl_parse, message_walk_refuses_lengths_past_the_buffer)
{
	char buf[64] __attribute__((aligned(4))) = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

	nlh->nlmsg_len = 0x80000010u; /* libmnl's (int) cast makes it negative */
	cr_assert_not(nlp_msg_ok(nlh, sizeof(buf)), "longer than what was received");
	nlh->nlmsg_len = 8;
	cr_assert_not(nlp_msg_ok(nlh, sizeof(buf)), "shorter than its own header");
	nlh->nlmsg_len = 20;
	cr_assert(nlp_msg_ok(nlh, sizeof(buf)));
	cr_assert_not(nlp_msg_ok(nlh, 12), "the header itself was cut");
	cr_assert_not(nlp_msg_ok(nlh, 18));
}

/* an ack (error 0) or an error of seq, with an extended-ACK text */
static int put_ack(char *buf, uint32_t seq, int error, const char *text)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_flags = NLM_F_CAPPED | (text ? NLM_F_ACK_TLVS : 0);
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_len = NLMSG_HDRLEN;
	e->msg.nlmsg_seq = seq;
	if (text)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	return (int)NLMSG_ALIGN(nlh->nlmsg_len);
}

Test(nl_parse, batch_acks_are_matched_by_sequence_number)
{
	static char buf[4096];
	struct nlp_ack acks[3];
	int len = 0;

	memset(acks, 0, sizeof(acks));
	/* out of order, a late reply to an earlier request, a repeat */
	len += put_ack(buf + len, 102, 0, NULL);
	len += put_ack(buf + len, 99, -EINVAL, NULL);
	len += put_ack(buf + len, 101, -EBUSY, "Device is already in use");
	len += put_ack(buf + len, 101, 0, NULL);
	cr_assert_eq(nlp_batch_acks(buf, len, 100, acks, 3), 2);
	cr_assert(!acks[0].seen);
	cr_assert(acks[1].seen && acks[1].ret == -EBUSY);
	cr_assert(strstr(acks[1].text, "Device is already in use"), "%s", acks[1].text);
	cr_assert(acks[2].seen && acks[2].ret == 0);
	len = put_ack(buf, 100, 0, NULL);
	cr_assert_eq(nlp_batch_acks(buf, len, 100, acks, 3), 1, "the rest in a later buffer");
	cr_assert(acks[0].seen && acks[0].ret == 0);
}

Test(nl_parse, batch_acks_follow_the_sequence_number_across_its_wrap)
{
	static char buf[4096];
	struct nlp_ack acks[3];
	int len = 0;

	memset(acks, 0, sizeof(acks));
	len += put_ack(buf + len, 0xffffffffu, 0, NULL);
	len += put_ack(buf + len, 0, -ENODEV, NULL);
	len += put_ack(buf + len, 1, 0, NULL);
	len += put_ack(buf + len, 2, 0, NULL); /* not of this batch */
	cr_assert_eq(nlp_batch_acks(buf, len, 0xffffffffu, acks, 3), 3);
	cr_assert_eq(acks[1].ret, -ENODEV);
	cr_assert_eq(nlp_batch_acks(buf, len, 5, acks, 0), 0, "an empty batch takes nothing");
}
