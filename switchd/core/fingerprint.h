/*
 * A network's fingerprint, learnt passively (issue 13): what the frames a NIC
 * receives say about the network behind its cable. Pure: frames in,
 * observations out; a bounded, aged table per NIC; the rules that say which
 * bridge's network a NIC reaches and what to do about it.
 *
 * Decoded: LLDP (chassis ID, port ID, system name, port VLAN ID), CDP
 * (device ID, port ID), STP/RSTP BPDUs (root bridge ID), ARP senders (as
 * their IPv4 network), IPv6 router advertisements (prefixes), DHCP offers and
 * acks (server identifier, option 54), 802.1Q tags (VLAN IDs).
 */
#ifndef SWITCHD_FINGERPRINT_H
#define SWITCHD_FINGERPRINT_H

#include "conf.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fp_kind {
	FP_LLDP_CHASSIS,
	FP_LLDP_PORT,
	FP_LLDP_SYSNAME,
	FP_LLDP_PVID,
	FP_CDP_DEVICE,
	FP_CDP_PORT,
	FP_STP_ROOT,
	FP_ARP_NET,
	FP_RA_PREFIX,
	FP_DHCP_SERVER,
	FP_VLAN,
	FP_NKINDS,
};

#define FP_VALUE_MAX 64 /* an identifier as text, NUL included */
#define FP_OBS_MAX 16	/* observations from one frame */
#define FP_TABLE_MAX 48 /* entries per NIC: ~5 KiB */
#define FP_KIND_MAX 8	/* entries of one kind per NIC */
#define FP_EVIDENCE_MAX 256

struct fp_obs {
	enum fp_kind kind;
	char value[FP_VALUE_MAX];
	uint32_t ip; /* FP_ARP_NET: the sender (network order), a neighbour to probe */
};

/* "lldp-chassis", "arp-net", ... (JSON keys and log words) */
const char *fp_kind_name(enum fp_kind k);

/*
 * Decode one received Ethernet frame (caplen bytes; 802.1Q/802.1ad tags in
 * the frame, as libpcap on Linux puts back a tag the driver stripped).
 * plen (1-32) is the prefix length ARP senders are grouped by. Returns the
 * number of observations written to obs (at most max); 0 for a frame that
 * says nothing, a truncated or malformed one included.
 */
int fp_decode(const uint8_t *frame, size_t caplen, int plen, struct fp_obs *obs, int max);

struct fp_entry {
	enum fp_kind kind;
	char value[FP_VALUE_MAX];
	uint32_t ip;
	unsigned long count;
	double first, last; /* seconds, any epoch */
};

/* Zeroed is empty. */
struct fp_table {
	int n;
	struct fp_entry e[FP_TABLE_MAX];
};

/* Count one observation heard at now. Full (FP_KIND_MAX of its kind, or
 * FP_TABLE_MAX in all): the least recently heard of its kind (else of all)
 * makes room, so a flood of one kind never pushes out another. */
bool fp_table_note(struct fp_table *t, const struct fp_obs *o, double now);
/* (note: true when the identifier is new to the table.) Forget entries not
 * heard for max_age seconds (or heard "after" now); how many went. */
int fp_table_age(struct fp_table *t, double now, double max_age);
/* Does it hold anything that identifies a network (fp_distinctive)? */
bool fp_table_identifies(const struct fp_table *t);
/* A neighbour heard on it (an ARP sender), network order, or 0. */
uint32_t fp_table_neighbour(const struct fp_table *t);
/* [{"kind":..., "value":..., "count":N, "age":seconds since last}, ...] */
json_t *fp_table_json(const struct fp_table *t, double now);

/* Kinds that identify a network by themselves: LLDP chassis and system
 * name, CDP device, STP root, ARP network, RA prefix, DHCP server. Port IDs
 * and VLAN IDs only add to the evidence. */
bool fp_distinctive(enum fp_kind k);

/*
 * Every bridge's network, indexed: nets[i] is bridge i's fingerprint (NULL:
 * none known). Sorted by identifier, so judging a NIC costs a lookup per
 * entry whatever the number of bridges. The tables must outlive the index.
 * NULL on out of memory.
 */
struct fp_index;
struct fp_index *fp_index_new(const struct fp_table *const *nets, size_t n);
void fp_index_free(struct fp_index *ix); /* NULL-safe */

#define FP_HITS_MAX 4 /* bridges a NIC is shown to reach, with evidence */

struct fp_hit {
	size_t bridge; /* index in nets */
	char evidence[FP_EVIDENCE_MAX];
};

struct fp_matches {
	/* bridges identified, the first FP_HITS_MAX of them in hit; beyond
	 * that, only "more than FP_HITS_MAX" is exact */
	int n;
	struct fp_hit hit[FP_HITS_MAX];
};

/*
 * Which networks does a NIC reach? An entry of the NIC identifies bridge i
 * when nets[i] holds it and no other bridge's does (a chassis two bridges
 * share — one switch, two VLANs — identifies neither); a table that is the
 * NIC's own identifies nothing. Hits are in bridge order; each says by what ("LLDP chassis
 * 02:00:00:00:00:01 port 7 and ARP from 198.18.1.0/24"). Returns m->n.
 */
int fp_match(const struct fp_index *ix, const struct fp_table *nic, struct fp_matches *m);

/* The verdict on one NIC that is not a bridge's active uplink. */
enum cable_verdict {
	CABLE_UNKNOWN,	 /* nothing identifiable: it stays where it is */
	CABLE_OK,	 /* it reaches the network of its own bridge, only */
	CABLE_MISWIRED,	 /* it reaches one other bridge's network, not its own */
	CABLE_AMBIGUOUS, /* it reaches two or more (a loop, a trunk): never moved */
	CABLE_FOUND,	 /* a NIC of no bridge that reaches one bridge's network */
};

/* own: the bridge the NIC is configured for, or -1 (a NIC of no bridge);
 * *target: the bridge it reaches (MISWIRED, FOUND, OK), else -1. */
enum cable_verdict cable_judge(int own, const struct fp_matches *m, int *target);
const char *cable_verdict_name(enum cable_verdict v);

enum cable_action {
	CABLE_NOTHING,
	CABLE_REPORT, /* log and event, change nothing */
	CABLE_MOVE,   /* move it to the target bridge as a standby */
};

/*
 * What to do about a verdict. blocked: an operator detach or a hold-down
 * applies to the NIC (or an operator took either bridge off its network):
 * reported, never moved. A NIC that reaches two networks is reported, never
 * moved; one that reaches nothing identifiable stays.
 */
enum cable_action cable_decide(enum cable_verdict v, enum sw_cable_mode mode, bool blocked);

/* An RFC 5227 ARP probe (sender IP 0.0.0.0) from mac for ip (network
 * order), broadcast. Returns the frame's length (60). */
size_t fp_arp_probe(uint8_t *buf, const uint8_t mac[6], uint32_t ip);

#endif
