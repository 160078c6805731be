/*
 * The ARP and reverse-path policy in the daemon: gathers what the planner
 * (policy.c) needs from the kernel, applies its plan through apply.c, and
 * keeps it applied: re-run on new devices and addresses, on netconf events
 * (rp_filter, proxy_arp, forwarding), and every few seconds for the keys
 * the kernel announces to nobody (arp_ignore, arp_announce, arp_filter).
 * Also owns the libpcap ARP-flux watchers (watch_arp = yes).
 */
#ifndef SWITCHD_ARP_H
#define SWITCHD_ARP_H

#include <stddef.h>
#include <jansson.h>
#include "conf.h"
#include "feature.h"
#include "nl.h"
#include "plan.h"
#include "sysctl.h"

struct sw_ctx;
struct sw_linkdb;

/* Seconds between re-reads of the sysctls that have no notification. */
#define ARP_RECHECK_PERIOD 2.0

/* The kernel's sysctls (of the devices named; names NULL: of every
 * device) and proxy entries. 0 or -errno (err set). */
int arp_gather(struct sw_nl *nl, const char (*names)[SW_IFNAMSIZ], size_t nnames,
	       struct sk_snapshot *sk, struct sw_proxy **proxies, size_t *n, char *err,
	       size_t errlen);

/* Plan (not apply) the policy for conf against the kernel now. */
int arp_plan(struct sw_nl *nl, const struct sw_conf *conf, const struct sw_conf *old,
	     const struct sw_linkdb *db, struct sw_plan *plan, char *err, size_t errlen);

/* The doctor's report on the kernel now (conf may be NULL); NULL with err. */
json_t *arp_doctor(struct sw_nl *nl, const struct sw_conf *conf, const struct sw_linkdb *db,
		   char *err, size_t errlen);

/* Apply the policy now. why: "start", "reload", "re-assert". Returns the
 * number of failed groups. */
int arp_apply(struct sw_ctx *ctx, const struct sw_conf *old, const char *why);

extern const struct sw_feature arp_feature;

#endif
