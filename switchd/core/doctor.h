/*
 * `switchctl doctor` / `switchd --doctor`: what the kernel will actually do
 * with the current ARP and reverse-path settings, and every hazard with the
 * rule behind it and the fix. Pure: the caller gathers the kernel's state
 * (arp.c), doctor_run() judges it, doctor_text.c prints the JSON.
 */
#ifndef SWITCHD_DOCTOR_H
#define SWITCHD_DOCTOR_H

#include <stddef.h>
#include <jansson.h>
#include "conf.h"
#include "link.h"
#include "nl_parse.h"
#include "plan.h"
#include "sysctl.h"

/* Where the kernel routes a proxy entry's target. */
struct doctor_route {
	uint32_t ip;
	int oif;  /* 0: none */
	int type; /* RTN_* */
};

/* IFLA has no addr_assign_type; sysfs does (-1: unknown). */
struct doctor_mac {
	int ifindex;
	int assign_type; /* NET_ADDR_SET = 3: pinned */
};

struct doctor_input {
	const struct sw_linkdb *db;
	const struct sk_snapshot *sk;
	const struct sw_proxy *proxies;
	size_t nproxies;
	const struct doctor_route *routes; /* routes[i]: where proxies[i]'s target goes */
	size_t nroutes;
	const struct doctor_mac *macs;
	size_t nmacs;
	const struct sw_conf *conf; /* NULL: no config to compare with */
	const struct sw_plan *drift; /* the policy plan against now (what differs), or NULL */
};

/* {"hazards": [{"id","object","problem","rule","fix"}...],
 *  "interfaces": [{"name", "addresses": [...], "sysctl": {KEY: {"all","dev","effective","rule"}}}]}
 * NULL on out of memory. */
json_t *doctor_run(const struct doctor_input *in);

/* Add cable identification's findings (features/cable.c: [{"nic", "bridge",
 * "network", "evidence", "verdict"}]) to a report as hazards: "hweth1 is
 * cabled to the network of eth1" with the evidence. 0 or -ENOMEM. */
int doctor_add_cable(json_t *report, const json_t *findings);

/* Text for humans (shared by switchd --doctor and switchctl doctor). */
void doctor_print(FILE *f, const json_t *report);

#endif
