/*
 * Pure decoders: one rtnetlink message -> one struct. No socket I/O here, so
 * the unit tests feed them canned messages.
 */
#ifndef SWITCHD_NL_PARSE_H
#define SWITCHD_NL_PARSE_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include "util.h"

#define SW_MAX_ALTNAMES 4

struct sw_link {
	int ifindex;
	char name[SW_IFNAMSIZ];
	bool has_mac, has_perm_mac;
	uint8_t mac[6];
	uint8_t perm_mac[6];		/* IFLA_PERM_ADDRESS (5.6+, drivers that fill it) */
	int master;			/* IFLA_MASTER, 0 = none */
	unsigned int flags;		/* ifi_flags: IFF_UP, IFF_LOWER_UP, ... */
	uint8_t operstate;		/* IF_OPER_* */
	bool carrier;			/* IFLA_CARRIER, else IFF_LOWER_UP */
	uint32_t carrier_changes;	/* IFLA_CARRIER_CHANGES */
	uint32_t mtu;
	char kind[16];			/* IFLA_INFO_KIND: "bridge", "veth", "tun", "" */
	char slave_kind[16];		/* IFLA_INFO_SLAVE_KIND: "bridge" for a port */
	char alias[64];			/* IFLA_IFALIAS */
	char parent_bus[16];		/* IFLA_PARENT_DEV_BUS_NAME: "pci" */
	char parent_dev[64];		/* IFLA_PARENT_DEV_NAME: "0000:03:00.0" */
	char altnames[SW_MAX_ALTNAMES][SW_IFNAMSIZ];
	int naltnames;
	/* bridge only (IFLA_INFO_DATA) */
	bool br_stp;
	bool has_br_info;
	/* not from netlink: udev has not finished with the device's add yet
	 * (link_sync.c); plans leave it alone until it has (since: when it
	 * was first seen so, CLOCK_MONOTONIC seconds) */
	bool udev_pending;
	double udev_since;
};

/* Bridge-port view (family AF_BRIDGE): RTM_NEWLINK/RTM_DELLINK from the bridge. */
struct sw_brport {
	int ifindex;
	int master;
	uint8_t state;  /* BR_STATE_*, from IFLA_PROTINFO/IFLA_BRPORT_STATE */
	bool has_state;
};

struct sw_addr {
	int family;
	int ifindex;
	uint8_t prefixlen;
	uint8_t scope;
	uint32_t flags;	/* IFA_FLAGS if present, else ifa_flags */
	bool has_local, has_address, has_broadcast, has_cacheinfo, has_rt_priority;
	uint8_t local[16];
	uint8_t address[16];
	uint8_t broadcast[4];
	char label[SW_IFNAMSIZ];
	uint32_t valid_lft, preferred_lft; /* IFA_CACHEINFO; 0xffffffff = forever */
	uint32_t rt_priority;
	uint8_t proto;	/* IFA_PROTO, 0 if absent */
};

#define SW_ROUTE_ATTRS_MAX 1024
struct sw_route {
	struct rtmsg rtm;
	uint32_t table;		/* RTA_TABLE, else rtm_table */
	int oif;		/* RTA_OIF, 0 if none */
	bool has_dst, has_gateway, has_prefsrc, has_multipath;
	uint8_t dst[16];
	uint8_t gateway[16];
	uint8_t prefsrc[16];
	uint32_t priority;
	uint32_t nh_id;		/* RTA_NH_ID: a nexthop object (cannot be moved) */
	/* The attributes as the kernel sent them, so the route can be re-added
	 * on another device without losing metrics, multipath weights, etc. */
	uint16_t attrs_len;
	uint8_t attrs[SW_ROUTE_ATTRS_MAX] __attribute__((aligned(4))); /* NLA_ALIGNTO */
};

/* A bridge FDB entry (RTM_NEWNEIGH, family AF_BRIDGE). */
struct sw_fdb {
	int port;	/* ndm_ifindex: the port, or the bridge for its own entries */
	int master;	/* NDA_MASTER */
	uint8_t mac[6];
	uint16_t state; /* NUD_PERMANENT: a local (own) address */
	uint8_t flags;	/* NTF_* */
};

int nlp_fdb(const struct nlmsghdr *nlh, struct sw_fdb *out);

/* An IPv4 proxy-ARP entry (RTM_NEWNEIGH, AF_INET, NTF_PROXY). */
struct sw_proxy {
	int ifindex; /* 0: device-less, answers on every device */
	uint32_t ip; /* network order */
};
int nlp_proxy(const struct nlmsghdr *nlh, struct sw_proxy *out);

/* A host neighbour entry (RTM_NEWNEIGH, AF_INET or AF_INET6, not a proxy). */
struct sw_neigh {
	int family, ifindex;
	uint16_t state; /* NUD_* */
	uint8_t dst[16];
};
int nlp_neigh(const struct nlmsghdr *nlh, struct sw_neigh *out);

/* RTNLGRP_IPV4_NETCONF: which device (NETCONFA_IFINDEX_ALL -1, _DEFAULT -2). */
int nlp_netconf(const struct nlmsghdr *nlh, int *ifindex);

/* Each returns 0, or -EINVAL for a malformed message / wrong type or family,
 * or -E2BIG (route) when the attributes do not fit. */
int nlp_link(const struct nlmsghdr *nlh, struct sw_link *out);
int nlp_brport(const struct nlmsghdr *nlh, struct sw_brport *out);
int nlp_addr(const struct nlmsghdr *nlh, struct sw_addr *out);
int nlp_route(const struct nlmsghdr *nlh, struct sw_route *out);

/* Does the route leave through ifindex (RTA_OIF or a multipath nexthop)? */
bool nlp_route_uses_ifindex(const struct sw_route *r, int ifindex);

/* Move the route's nexthops from one device to another (RTA_OIF and the
 * nexthops inside RTA_MULTIPATH), in place. */
void nlp_route_retarget(struct sw_route *r, int from_ifindex, int to_ifindex);

/* Is there a whole message at nlh, in the len bytes left of a receive
 * buffer? libmnl 1.0.4's mnl_nlmsg_ok casts nlmsg_len to int, so a length
 * of 2^31 or more passes it; walk with this and mnl_nlmsg_next. */
bool nlp_msg_ok(const struct nlmsghdr *nlh, int len);

/* Text of an NLMSG_ERROR: the extended-ACK message if any, else strerror.
 * Returns the error (negative errno, 0 for an ack). */
int nlp_error(const struct nlmsghdr *nlh, char *buf, size_t len);

/*
 * The acks of a batch: n requests sent in one sendmsg with sequence numbers
 * first, first + 1, ... (wrapping), each with NLM_F_ACK. nlp_batch_acks
 * records the NLMSG_ERROR messages (acks and errors) found in one received
 * buffer: acks[i] for the request of seq first + i. Messages of other
 * sequence numbers (a late reply to an earlier request), replies that are
 * not acks and a second ack of the same request are ignored. Returns how
 * many requests got their ack from this buffer.
 */
struct nlp_ack {
	bool seen;
	int ret;	/* 0 or -errno */
	char text[200]; /* nlp_error's text when ret < 0 */
};
int nlp_batch_acks(const void *buf, int len, uint32_t first, struct nlp_ack *acks, int n);

#endif
