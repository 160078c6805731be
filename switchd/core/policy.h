/*
 * The ARP and reverse-path policy planner: config + the kernel's current
 * sysctls, proxy entries and links -> actions (sysctl writes, proxy-ARP
 * entries, VIP addresses). Pure, like plan.c, and its output goes through
 * the same apply/undo path.
 *
 * How values are combined (documented in switchd.conf(5)):
 *  - [sysctl] KEY sets conf/all and conf/default.
 *  - A device's requirement (its [bridge]/[nic] line, or what switchd needs
 *    for it: an address-less proxy bridge needs rp_filter 0 and arp_ignore 0,
 *    a proxy bridge forwarding 1 and proxy_delay 0, the device a proxied
 *    address is routed out of forwarding 1 (its replies are forwarded back),
 *    a tunnel VIP device loose rp_filter) is written to the device.
 *  - For max/or keys a device can only raise what all says. When [sysctl]
 *    does not set the key and all is above what a device needs, all is
 *    lowered to that, and every other device whose own value is lower is
 *    raised to the old all first, so its effective value does not change
 *    (default too, for devices that appear later). When [sysctl] sets it, a
 *    device value below it is refused (conf.c reports it with its line).
 *  - A [vip] needs arp_ignore 1 and arp_announce 2 wherever the host has
 *    addresses: set in all when nothing needs less, else on each device with
 *    an IPv4 address.
 */
#ifndef SWITCHD_POLICY_H
#define SWITCHD_POLICY_H

#include <stdint.h>
#include "conf.h"
#include "link.h"
#include "plan.h"
#include "sysctl.h"

/* Where the kernel routes a configured proxy_arp address now. */
struct policy_route {
	uint32_t ip;		     /* network order */
	int oif;		     /* 0: no unicast route */
	char bridge[SW_IFNAMSIZ];    /* the bridge that proxies it */
};

struct policy_input {
	const struct sw_conf *conf;
	const struct sw_conf *old; /* the config before a reload, or NULL */
	const struct sw_linkdb *db;
	const struct sk_snapshot *sk;
	const struct sw_proxy *proxies;
	size_t nproxies;
	const struct policy_route *routes; /* of the configured proxy addresses */
	size_t nroutes;
	/* sk holds only the devices of policy_sk_devices (and all, default):
	 * policy_plan returns -EAGAIN, planning nothing, when it needs every
	 * device's values (when it lowers conf/all, the others keep theirs) */
	bool sk_partial;
};

/* Append the policy's groups and actions to plan. 0 or -ENOMEM (or
 * -EAGAIN with sk_partial, above). */
int policy_plan(const struct policy_input *in, struct sw_plan *plan);
/* The devices whose sysctls the policy reads unless it lowers conf/all:
 * those of policy_input_requirements and the ARP host devices (an IPv4
 * address, ARP on). in->sk is not used. *names is freed by the caller. */
int policy_sk_devices(const struct policy_input *in, char (**names)[SW_IFNAMSIZ], size_t *n);

/* The range a device needs for key (lo > hi: nothing), with the reason.
 * Exposed for `doctor`, which reports the same requirements. */
struct policy_req {
	char dev[SW_IFNAMSIZ];
	int key, lo, hi;
	char why[96];
};
int policy_requirements(const struct sw_conf *conf, struct policy_req **out, size_t *n);
/* The same for a whole input: the config's and the proxied routes' (the
 * devices whose values the daemon keeps watching). */
int policy_input_requirements(const struct policy_input *in, struct policy_req **out, size_t *n);

#endif
