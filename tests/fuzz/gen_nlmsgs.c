/*
 * Writes the canned netlink messages of tests/unit/nlmsgs.h as seed files
 * for fuzz_nl_parse and fuzz_linkdb: gen_nlmsgs DIR (make fuzz-seeds).
 * Single messages for the decoders, and for the link model streams as the
 * kernel sends them during a conversion.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_bridge.h>
#include <linux/neighbour.h>
#include <linux/netconf.h>

#include "../unit/nlmsgs.h"

static const uint8_t MAC[6] = { 0x02, 0x00, 0xc6, 0x12, 0x00, 0x10 };
static const uint8_t MAC2[6] = { 0x02, 0x00, 0xc6, 0x12, 0x00, 0x11 };

static char stream[65536] __attribute__((aligned(4)));
static size_t used;

static void add(const struct nlmsghdr *nlh)
{
	memcpy(stream + used, nlh, nlh->nlmsg_len);
	used += NLMSG_ALIGN(nlh->nlmsg_len);
}

static int write_out(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "wb")) || fwrite(stream, 1, used, f) != used || fclose(f) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(1);
	}
	used = 0;
	return 0;
}

static struct nlmsghdr *error_msg(char *buf, int error, const char *text)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED | (text ? NLM_F_ACK_TLVS : 0);
	e->error = error;
	e->msg.nlmsg_len = 32;
	if (text)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	return nlh;
}

static struct nlmsghdr *fdb_msg(char *buf, int port, int master, const uint8_t *mac)
{
	struct nlmsghdr *nlh = msg_neigh(buf, AF_BRIDGE, port, NUD_REACHABLE, NTF_MASTER, NULL);

	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	mnl_attr_put_u32(nlh, NDA_MASTER, (uint32_t)master);
	return nlh;
}

static struct nlmsghdr *netconf_msg(char *buf, int ifindex)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct netconfmsg *ncm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ncm));

	nlh->nlmsg_type = RTM_NEWNETCONF;
	ncm->ncm_family = AF_INET;
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, (uint32_t)ifindex);
	return nlh;
}

static struct nlmsghdr *multipath_msg(char *buf)
{
	struct nlmsghdr *nlh = msg_route4(buf, RTM_NEWROUTE, 0, "198.19.0.0", 16, NULL, 10,
					  RTPROT_BOOT, RT_TABLE_MAIN);
	struct nlattr *mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);

	for (int i = 0; i < 2; i++) {
		struct rtnexthop *nh = mnl_nlmsg_put_extra_header(nlh, sizeof(*nh));

		nh->rtnh_len = sizeof(*nh);
		nh->rtnh_ifindex = i ? 3 : 2;
	}
	mnl_attr_nest_end(nlh, mp);
	return nlh;
}

int main(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(4)));
	const char *nl, *db;

	if (argc != 3) {
		fprintf(stderr, "usage: gen_nlmsgs NL_PARSE_DIR LINKDB_DIR\n");
		return 2;
	}
	nl = argv[1];
	db = argv[2];
	/* one message per seed: each decoder's own kind */
	add(msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 2, "eth0", MAC, IFF_UP | 0x10000, 0, "veth"));
	write_out(nl, "link-veth");
	add(msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 5, "eth0", MAC, IFF_UP | 0x10000, 0, "bridge"));
	write_out(nl, "link-bridge");
	add(msg_link(buf, RTM_DELLINK, AF_BRIDGE, 2, "hweth0", MAC, 0, 5, NULL));
	write_out(nl, "brport-del");
	add(msg_addr4(buf, RTM_NEWADDR, 2, "198.18.0.2", 24, "eth0:1"));
	write_out(nl, "addr4");
	add(msg_route4(buf, RTM_NEWROUTE, 2, "198.19.0.0", 24, "198.18.0.1", 50, RTPROT_BOOT,
		       RT_TABLE_MAIN));
	write_out(nl, "route4");
	add(multipath_msg(buf));
	write_out(nl, "route4-multipath");
	add(msg_neigh(buf, AF_INET, 5, NUD_INCOMPLETE, 0, "198.18.0.1"));
	write_out(nl, "neigh4");
	add(msg_neigh(buf, AF_INET6, 5, NUD_REACHABLE, 0, "2001:db8::1"));
	write_out(nl, "neigh6");
	add(msg_neigh(buf, AF_INET, 5, NUD_PERMANENT, NTF_PROXY, "198.18.0.9"));
	write_out(nl, "proxy");
	add(fdb_msg(buf, 2, 5, MAC2));
	write_out(nl, "fdb");
	add(netconf_msg(buf, NETCONFA_IFINDEX_ALL));
	write_out(nl, "netconf");
	add(error_msg(buf, -EBUSY, "Device is already a port"));
	write_out(nl, "error-ext-ack");
	add(error_msg(buf, 0, NULL));
	write_out(nl, "ack");

	/* streams for the link model: a conversion as the events show it */
	add(msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 2, "eth0", MAC, IFF_UP | 0x10000, 0, "veth"));
	add(msg_addr4(buf, RTM_NEWADDR, 2, "198.18.0.2", 24, NULL));
	add(msg_route4(buf, RTM_NEWROUTE, 2, NULL, 0, "198.18.0.1", 0, RTPROT_BOOT, RT_TABLE_MAIN));
	add(msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 2, "hweth0", MAC, IFF_UP | 0x10000, 0, "veth"));
	add(msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 5, "eth0", MAC, IFF_UP | 0x10000, 0, "bridge"));
	add(msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 2, "hweth0", MAC, IFF_UP | 0x10000, 5, "veth"));
	add(msg_addr4(buf, RTM_NEWADDR, 5, "198.18.0.2", 24, NULL));
	add(msg_route4(buf, RTM_NEWROUTE, 5, NULL, 0, "198.18.0.1", 0, RTPROT_BOOT, RT_TABLE_MAIN));
	add(msg_addr4(buf, RTM_DELADDR, 2, "198.18.0.2", 24, NULL));
	add(msg_route4(buf, RTM_DELROUTE, 2, NULL, 0, "198.18.0.1", 0, RTPROT_BOOT, RT_TABLE_MAIN));
	add(fdb_msg(buf, 2, 5, MAC2));
	write_out(db, "conversion");
	/* a swap and the old port gone */
	add(msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 5, "eth0", MAC, IFF_UP | 0x10000, 0, "bridge"));
	add(msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 2, "hweth0", MAC, IFF_UP | 0x10000, 5, "veth"));
	add(msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 3, "hweth1", MAC2, IFF_UP | 0x10000, 0, "veth"));
	add(msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 3, "hweth1", MAC2, IFF_UP | 0x10000, 5, "veth"));
	add(msg_link(buf, RTM_DELLINK, AF_BRIDGE, 2, "hweth0", MAC, 0, 5, NULL));
	add(msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 2, "hweth0", MAC, IFF_UP, 0, "veth"));
	add(multipath_msg(buf));
	add(msg_link(buf, RTM_DELLINK, AF_UNSPEC, 2, "hweth0", MAC, 0, 0, NULL));
	write_out(db, "swap");
	return 0;
}
