/* Build rtnetlink messages in the kernel's layout, for the decoder tests. */
#ifndef TESTS_NLMSGS_H
#define TESTS_NLMSGS_H

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>

static inline struct nlmsghdr *msg_link(char *buf, uint16_t type, int family, int ifindex,
					const char *name, const uint8_t *mac, unsigned int flags,
					int master, const char *kind)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	nlh->nlmsg_type = type;
	ifi->ifi_family = (unsigned char)family;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	if (master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	mnl_attr_put_u8(nlh, IFLA_CARRIER, (flags & 0x10000) ? 1 : 0);
	mnl_attr_put_u32(nlh, IFLA_CARRIER_CHANGES, 2);
	if (kind) {
		struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
		if (!strcmp(kind, "bridge")) {
			struct nlattr *d = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
			mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, 0);
			mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, 0);
			mnl_attr_nest_end(nlh, d);
		}
		mnl_attr_nest_end(nlh, li);
	}
	return nlh;
}

/* RTM_NEWNEIGH: dst is an IPv4 or IPv6 text address (NULL: no NDA_DST) */
static inline struct nlmsghdr *msg_neigh(char *buf, int family, int ifindex, uint16_t state,
					 uint8_t flags, const char *dst)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	uint8_t a[16];

	nlh->nlmsg_type = RTM_NEWNEIGH;
	ndm->ndm_family = (uint8_t)family;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = state;
	ndm->ndm_flags = flags;
	if (dst && inet_pton(family, dst, a) == 1)
		mnl_attr_put(nlh, NDA_DST, family == AF_INET ? 4 : 16, a);
	return nlh;
}

static inline struct nlmsghdr *msg_addr4(char *buf, uint16_t type, int ifindex, const char *ip,
					 uint8_t plen, const char *label)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	uint32_t a;
	struct ifa_cacheinfo ci = { .ifa_prefered = 0xffffffff, .ifa_valid = 0xffffffff };

	nlh->nlmsg_type = type;
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_index = (uint32_t)ifindex;
	inet_pton(AF_INET, ip, &a);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, &a);
	mnl_attr_put(nlh, IFA_LOCAL, 4, &a);
	if (label)
		mnl_attr_put_strz(nlh, IFA_LABEL, label);
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_PERMANENT);
	mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
	return nlh;
}

static inline struct nlmsghdr *msg_route4(char *buf, uint16_t type, int oif, const char *dst,
					  uint8_t dst_len, const char *gw, uint32_t metric,
					  uint8_t protocol, uint32_t table)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	uint32_t a;

	nlh->nlmsg_type = type;
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = dst_len;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = protocol;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (dst) {
		inet_pton(AF_INET, dst, &a);
		mnl_attr_put(nlh, RTA_DST, 4, &a);
	}
	if (metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, metric);
	if (gw) {
		inet_pton(AF_INET, gw, &a);
		mnl_attr_put(nlh, RTA_GATEWAY, 4, &a);
	}
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	return nlh;
}

#endif
