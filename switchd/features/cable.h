/*
 * Cable identification (issue 13): the network behind every NIC switchd
 * knows, learnt from what each one receives (core/fingerprint.c decodes,
 * kernel/cable_capture.c captures), and what follows from it:
 * cable_check = report | attach | off per bridge, cable_probe = arp, the
 * bridge a claimed NIC goes to.
 *
 * A bridge's network is what its active uplink hears (or, while it has none,
 * what its last active uplink heard, until that ages out), plus the IPv4
 * networks of its own addresses. Every other NIC of a bridge, and every NIC
 * claim would take, is compared with those networks CABLE_GATHER after a
 * NIC heard an identifier new to it (what a switch sends comes in a burst:
 * one report with all of it), when the links or the configuration change,
 * and every CABLE_TICK while something listens (ageing, probes).
 */
#ifndef SWITCHD_CABLE_H
#define SWITCHD_CABLE_H

#include "feature.h"
#include "util.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct sw_link;

extern const struct sw_feature cable_feature;

#define CABLE_TICK 5.0	      /* seconds: ageing and probes, while something listens */
#define CABLE_GATHER 1.0      /* seconds from something new heard to the judgement */
#define CABLE_MAX_AGE 600.0   /* what was not heard for this long is forgotten */
#define CABLE_PROBE_EVERY 5.0 /* at most one ARP probe per NIC this often */
#define CABLE_SPARES_MAX 64   /* NICs of no bridge listened to (claim candidates) */
#define CABLE_ARP_PLEN 24     /* ARP senders are grouped by /24 */

/* Some bridge's cable_check is not off: captures run. */
bool cable_enabled(struct sw_ctx *ctx);

/* The bridge whose network this NIC of no bridge reaches (claim), one
 * alone: 0 with bridge and evidence set, or -ENOENT. */
int cable_bridge_for(struct sw_ctx *ctx, const struct sw_link *l, char bridge[SW_IFNAMSIZ],
		     char *evidence, size_t len);

/* switchctl cable [NIC]: every NIC's fingerprint and verdict, and every
 * bridge's network. NULL with err set when nic is named and unknown. */
json_t *cable_json(struct sw_ctx *ctx, const char *nic, char *err, size_t errlen);

/* doctor: one finding per NIC that reaches another bridge's network than
 * its own, or two networks: [{"nic","bridge","network","evidence","verdict"}] */
json_t *cable_findings(struct sw_ctx *ctx);

#endif
