/* Cable identification's pure core: canned frames in, observations, tables,
 * matches and decisions out. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fingerprint.h"

static const uint8_t SRC[6] = {0x02, 0x00, 0xc6, 0x12, 0x0a, 0xee};

/* Ethernet header to dst with ethertype (or 802.3 length) type. */
static size_t eth(uint8_t *f, const uint8_t *dst, unsigned int type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, SRC, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
	return 14;
}

static size_t tlv(uint8_t *p, unsigned int type, const void *v, size_t len)
{
	p[0] = (uint8_t)(type << 1 | (len >> 8));
	p[1] = (uint8_t)len;
	memcpy(p + 2, v, len);
	return 2 + len;
}

static const uint8_t LLDP_DST[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* LLDP: chassis MAC 02:00:c6:12:aa:01, port "7" (local), system "sw-a",
 * port VLAN 42. */
static size_t lldp_frame(uint8_t *f)
{
	static const uint8_t chassis[] = {4, 0x02, 0x00, 0xc6, 0x12, 0xaa, 0x01};
	static const uint8_t port[] = {7, '7'};
	static const uint8_t ttl[] = {0, 120};
	static const uint8_t pvid[] = {0x00, 0x80, 0xc2, 1, 0, 42};
	size_t n = eth(f, LLDP_DST, 0x88cc);

	n += tlv(f + n, 1, chassis, sizeof(chassis));
	n += tlv(f + n, 2, port, sizeof(port));
	n += tlv(f + n, 3, ttl, sizeof(ttl));
	n += tlv(f + n, 5, "sw-a", 4);
	n += tlv(f + n, 127, pvid, sizeof(pvid));
	n += tlv(f + n, 0, "", 0);
	return n;
}

static size_t arp_frame(uint8_t *f, int oper, const char *spa)
{
	static const uint8_t head[] = {0, 1, 8, 0, 6, 4};
	size_t n = eth(f, BCAST, 0x0806);
	uint32_t ip;

	memset(f + n, 0, 46);
	memcpy(f + n, head, 6);
	f[n + 7] = (uint8_t)oper;
	memcpy(f + n + 8, SRC, 6);
	inet_pton(AF_INET, spa, &ip);
	memcpy(f + n + 14, &ip, 4);
	return 60;
}

static int decode(const uint8_t *f, size_t n, struct fp_obs *o)
{
	return fp_decode(f, n, 24, o, FP_OBS_MAX);
}

static const struct fp_obs *find(const struct fp_obs *o, int n, enum fp_kind k)
{
	for (int i = 0; i < n; i++)
		if (o[i].kind == k)
			return &o[i];
	return NULL;
}

Test(decode, lldp)
{
	uint8_t f[256];
	struct fp_obs o[FP_OBS_MAX];
	size_t len = lldp_frame(f);
	int n = decode(f, len, o);

	cr_assert_eq(n, 4);
	cr_assert_str_eq(find(o, n, FP_LLDP_CHASSIS)->value, "02:00:c6:12:aa:01");
	cr_assert_str_eq(find(o, n, FP_LLDP_PORT)->value, "7");
	cr_assert_str_eq(find(o, n, FP_LLDP_SYSNAME)->value, "sw-a");
	cr_assert_str_eq(find(o, n, FP_LLDP_PVID)->value, "42");
	/* cut anywhere: never more than what is whole, never a crash */
	for (size_t cut = 0; cut < len; cut++)
		cr_assert_leq(decode(f, cut, o), 4);
	cr_assert_eq(decode(f, 14 + 9, o), 1, "the chassis TLV alone is whole");
}

Test(decode, lldp_text_is_one_line)
{
	uint8_t f[128];
	struct fp_obs o[FP_OBS_MAX];
	static const uint8_t port[] = {5, 'e', '\n', 'x'};
	size_t n = eth(f, LLDP_DST, 0x88cc);

	n += tlv(f + n, 2, port, sizeof(port));
	cr_assert_eq(decode(f, n, o), 1);
	cr_assert_str_eq(o[0].value, "e?x");
}

Test(decode, vlan_tag_then_arp)
{
	uint8_t f[80], g[80];
	struct fp_obs o[FP_OBS_MAX];
	size_t n = arp_frame(g, 1, "198.18.1.7");
	int k;

	/* the tag libpcap puts back: 81 00, TCI with VID 100 */
	memcpy(f, g, 12);
	f[12] = 0x81, f[13] = 0x00, f[14] = 0x20, f[15] = 100;
	memcpy(f + 16, g + 12, n - 12);
	k = decode(f, n + 4, o);
	cr_assert_eq(k, 2);
	cr_assert_str_eq(find(o, k, FP_VLAN)->value, "100");
	cr_assert_str_eq(find(o, k, FP_ARP_NET)->value, "198.18.1.0/24");
}

Test(decode, arp_networks_and_probes)
{
	uint8_t f[80];
	struct fp_obs o[FP_OBS_MAX];
	uint32_t ip;

	cr_assert_eq(decode(f, arp_frame(f, 2, "198.18.3.77"), o), 1);
	cr_assert_str_eq(o[0].value, "198.18.3.0/24");
	inet_pton(AF_INET, "198.18.3.77", &ip);
	cr_assert_eq(o[0].ip, ip, "the sender is kept: a neighbour to probe");
	cr_assert_eq(fp_decode(f, 60, 23, o, FP_OBS_MAX), 1);
	cr_assert_str_eq(o[0].value, "198.18.2.0/23", "the bridge's prefix length");
	cr_assert_eq(decode(f, arp_frame(f, 1, "0.0.0.0"), o), 0, "an RFC 5227 probe");
	cr_assert_eq(decode(f, arp_frame(f, 3, "198.18.3.77"), o), 0, "RARP is no ARP sender");
	cr_assert_eq(decode(f, 41, o), 0, "truncated");
}

Test(decode, arp_probe_builder_decodes_as_nothing)
{
	uint8_t f[60];
	struct fp_obs o[FP_OBS_MAX];
	uint32_t ip;

	inet_pton(AF_INET, "198.18.1.1", &ip);
	cr_assert_eq(fp_arp_probe(f, SRC, ip), 60);
	cr_assert_eq(f[21], 1, "a request");
	cr_assert_eq(memcmp(f + 38, &ip, 4), 0, "for the gateway");
	cr_assert_eq(f[28] | f[29] | f[30] | f[31], 0, "from 0.0.0.0");
	cr_assert_eq(decode(f, 60, o), 0, "it claims no network");
}

Test(decode, stp_and_rstp_root)
{
	uint8_t f[64] = {0};
	struct fp_obs o[FP_OBS_MAX];
	static const uint8_t dst[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00};
	static const uint8_t bpdu[] = {0x42, 0x42, 0x03, 0,    0,    2,	   2,	 0x3c,
				       0x80, 0x01, 0x02, 0x00, 0xc6, 0x12, 0xbb, 0x01};
	size_t n = eth(f, dst, 39);

	memcpy(f + n, bpdu, sizeof(bpdu));
	cr_assert_eq(decode(f, 60, o), 1);
	cr_assert_eq(o[0].kind, FP_STP_ROOT);
	cr_assert_str_eq(o[0].value, "32769.02:00:c6:12:bb:01");
	f[n + 6] = 0x00; /* config BPDU (STP) */
	cr_assert_eq(decode(f, 60, o), 1);
	f[n + 6] = 0x80; /* TCN: no root */
	cr_assert_eq(decode(f, 60, o), 0);
	f[n + 6] = 0x02;
	cr_assert_eq(decode(f, n + 3 + 12, o), 0, "truncated root");
}

Test(decode, cdp)
{
	uint8_t f[128];
	struct fp_obs o[FP_OBS_MAX];
	static const uint8_t dst[6] = {0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc};
	static const uint8_t body[] = {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00, 2,   180,
				       0,    0,	   0,	 1,    0,    9,	   's',	 'w',  '-', 'b',
				       '1',  0,	   3,	 0,    9,    'G',  'i',	 '0',  '/', '3'};
	size_t n = eth(f, dst, sizeof(body));
	int k;

	memcpy(f + n, body, sizeof(body));
	k = decode(f, n + sizeof(body), o);
	cr_assert_eq(k, 2);
	cr_assert_str_eq(find(o, k, FP_CDP_DEVICE)->value, "sw-b1");
	cr_assert_str_eq(find(o, k, FP_CDP_PORT)->value, "Gi0/3");
}

/* IPv4/UDP 67->68 with a BOOTP reply and options. */
static size_t dhcp_frame(uint8_t *f, int type, bool server)
{
	size_t n = eth(f, BCAST, 0x0800), ip = n, opt;

	memset(f + n, 0, 600);
	f[n] = 0x45;
	f[n + 9] = 17;
	n += 20;
	f[n + 1] = 67;
	f[n + 3] = 68;
	n += 8;
	f[n] = 2; /* BOOTREPLY */
	f[n + 236] = 99, f[n + 237] = 130, f[n + 238] = 83, f[n + 239] = 99;
	opt = n + 240;
	f[opt++] = 53, f[opt++] = 1, f[opt++] = (uint8_t)type;
	f[opt++] = 0; /* pad */
	if (server) {
		f[opt++] = 54, f[opt++] = 4;
		f[opt++] = 198, f[opt++] = 18, f[opt++] = 1, f[opt++] = 1;
	}
	f[opt++] = 255;
	f[ip + 2] = (uint8_t)((opt - ip) >> 8);
	f[ip + 3] = (uint8_t)(opt - ip);
	return opt;
}

Test(decode, dhcp_server_identifier)
{
	uint8_t f[700];
	struct fp_obs o[FP_OBS_MAX];
	size_t n = dhcp_frame(f, 2, true);

	cr_assert_eq(decode(f, n, o), 1, "an offer");
	cr_assert_eq(o[0].kind, FP_DHCP_SERVER);
	cr_assert_str_eq(o[0].value, "198.18.1.1");
	cr_assert_eq(decode(f, dhcp_frame(f, 5, true), o), 1, "an ack");
	cr_assert_eq(decode(f, dhcp_frame(f, 6, true), o), 0, "a nak says nothing");
	cr_assert_eq(decode(f, dhcp_frame(f, 2, false), o), 0, "no option 54");
	n = dhcp_frame(f, 2, true);
	cr_assert_eq(decode(f, n - 2, o), 0, "option 54 cut");
}

Test(decode, router_advertisement_prefixes)
{
	uint8_t f[200] = {0};
	struct fp_obs o[FP_OBS_MAX];
	static const uint8_t dst[6] = {0x33, 0x33, 0, 0, 0, 1};
	size_t n = eth(f, dst, 0x86dd), ip6 = n;
	uint8_t prefix[16];

	f[n] = 0x60;
	f[n + 6] = 58;
	n += 40;
	f[n] = 134;
	n += 16;
	/* source link-layer option, then a prefix option 2001:db8:1::/64 */
	f[n] = 1, f[n + 1] = 1;
	n += 8;
	f[n] = 3, f[n + 1] = 4, f[n + 2] = 64;
	inet_pton(AF_INET6, "2001:db8:1::ff", prefix); /* bits past /64 are ignored */
	memcpy(f + n + 16, prefix, 16);
	n += 32;
	f[ip6 + 4] = 0;
	f[ip6 + 5] = (uint8_t)(n - ip6 - 40);
	cr_assert_eq(decode(f, n, o), 1);
	cr_assert_eq(o[0].kind, FP_RA_PREFIX);
	cr_assert_str_eq(o[0].value, "2001:db8:1::/64");
	cr_assert_eq(decode(f, n - 1, o), 0, "truncated option");
	f[ip6 + 40] = 135; /* a neighbour solicitation */
	cr_assert_eq(decode(f, n, o), 0);
}

Test(decode, nothing_from_other_frames)
{
	uint8_t f[60] = {0};
	struct fp_obs o[FP_OBS_MAX];

	eth(f, BCAST, 0x0800); /* IPv4 but not UDP */
	f[14] = 0x45;
	f[23] = 6;
	cr_assert_eq(decode(f, 60, o), 0);
	cr_assert_eq(decode(NULL, 60, o), 0);
	cr_assert_eq(fp_decode(f, 60, 24, o, 0), 0);
}

static void note(struct fp_table *t, enum fp_kind k, const char *v, double now)
{
	struct fp_obs o = {.kind = k};

	snprintf(o.value, sizeof(o.value), "%s", v);
	fp_table_note(t, &o, now);
}

Test(table, counts_bounds_and_ageing)
{
	static struct fp_table t;
	char v[32];

	struct fp_obs o = {.kind = FP_LLDP_CHASSIS, .value = "02:00:c6:12:aa:01"};
	int before;

	cr_assert(fp_table_note(&t, &o, 1), "new");
	cr_assert_not(fp_table_note(&t, &o, 2), "heard again");
	cr_assert_eq(t.n, 1);
	cr_assert_eq(t.e[0].count, 2);
	cr_assert_eq(t.e[0].first, 1);
	cr_assert_eq(t.e[0].last, 2);
	/* a flood of ARP networks keeps FP_KIND_MAX of them and the chassis */
	for (int i = 0; i < 1000; i++) {
		snprintf(v, sizeof(v), "198.18.%d.0/24", i % 250);
		note(&t, FP_ARP_NET, v, 10 + i);
	}
	cr_assert_eq(t.n, 1 + FP_KIND_MAX);
	cr_assert(fp_table_identifies(&t));
	cr_assert_str_eq(t.e[0].value, "02:00:c6:12:aa:01", "a flood of one kind keeps the others");
	fp_table_age(&t, 1009, 5);
	for (int i = 0; i < t.n; i++)
		cr_assert_geq(t.e[i].last, 1004);
	before = t.n;
	/* the clock stepped back: nothing "from the future" */
	cr_assert_eq(fp_table_age(&t, 0, 5), before);
	cr_assert_eq(t.n, 0);
	cr_assert_not(fp_table_identifies(&t));
}

Test(table, only_vlans_identify_nothing)
{
	static struct fp_table t;

	note(&t, FP_VLAN, "100", 1);
	note(&t, FP_LLDP_PORT, "7", 1);
	cr_assert_not(fp_table_identifies(&t));
}

Test(table, json)
{
	static struct fp_table t;
	json_t *j;

	note(&t, FP_ARP_NET, "198.18.1.0/24", 1);
	j = fp_table_json(&t, 3);
	cr_assert_eq(json_array_size(j), 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "kind")),
			 "arp-net");
	cr_assert_float_eq(json_real_value(json_object_get(json_array_get(j, 0), "age")), 2.0,
			   1e-9);
	json_decref(j);
}

/* Two networks: eth0's (chassis aa:01, 198.18.0.0/24) and eth1's (chassis
 * aa:02, 198.18.1.0/24). */
static struct fp_table net0, net1, nic;

static void two_networks(void)
{
	memset(&net0, 0, sizeof(net0));
	memset(&net1, 0, sizeof(net1));
	memset(&nic, 0, sizeof(nic));
	note(&net0, FP_LLDP_CHASSIS, "02:00:c6:12:aa:01", 1);
	note(&net0, FP_ARP_NET, "198.18.0.0/24", 1);
	note(&net1, FP_LLDP_CHASSIS, "02:00:c6:12:aa:02", 1);
	note(&net1, FP_ARP_NET, "198.18.1.0/24", 1);
}

static int match(const struct fp_table *const *nets, size_t n, const struct fp_table *t,
		 struct fp_matches *m)
{
	struct fp_index *ix = fp_index_new(nets, n);
	int r;

	cr_assert(ix);
	r = fp_match(ix, t, m);
	fp_index_free(ix);
	return r;
}

Test(match, the_other_network_with_evidence)
{
	const struct fp_table *nets[2] = {&net0, &net1};
	struct fp_matches m;
	int target;

	two_networks();
	note(&nic, FP_LLDP_CHASSIS, "02:00:c6:12:aa:02", 1);
	note(&nic, FP_LLDP_PORT, "7", 1);
	note(&nic, FP_ARP_NET, "198.18.1.0/24", 1);
	note(&nic, FP_VLAN, "5", 1);
	cr_assert_eq(match(nets, 2, &nic, &m), 1);
	cr_assert_eq(m.hit[0].bridge, 1);
	cr_assert_str_eq(m.hit[0].evidence,
			 "LLDP chassis 02:00:c6:12:aa:02 port 7 and ARP from 198.18.1.0/24");
	cr_assert_eq(cable_judge(0, &m, &target), CABLE_MISWIRED);
	cr_assert_eq(target, 1);
	cr_assert_eq(cable_judge(1, &m, &target), CABLE_OK);
	cr_assert_eq(cable_judge(-1, &m, &target), CABLE_FOUND);
	cr_assert_eq(target, 1);
}

Test(match, many_bridges_one_lookup_each)
{
	static struct fp_table nets_v[1000];
	const struct fp_table *nets[1000];
	struct fp_matches m;
	char v[32];
	int target;

	memset(&nic, 0, sizeof(nic));
	for (int b = 0; b < 1000; b++) {
		memset(&nets_v[b], 0, sizeof(nets_v[b]));
		snprintf(v, sizeof(v), "198.%d.%d.0/24", 18 + b / 250, b % 250);
		note(&nets_v[b], FP_ARP_NET, v, 1);
		note(&nets_v[b], FP_LLDP_CHASSIS, "02:00:c6:12:ff:ff", 1); /* one switch */
		nets[b] = &nets_v[b];
	}
	note(&nic, FP_ARP_NET, "198.19.100.0/24", 1); /* bridge 350's */
	note(&nic, FP_LLDP_CHASSIS, "02:00:c6:12:ff:ff", 1);
	cr_assert_eq(match(nets, 1000, &nic, &m), 1);
	cr_assert_eq(cable_judge(7, &m, &target), CABLE_MISWIRED);
	cr_assert_eq(target, 350);
	cr_assert_str_eq(m.hit[0].evidence, "ARP from 198.19.100.0/24",
			 "the shared chassis is no evidence");
	for (int b = 0; b < 6; b++) { /* six networks: more than FP_HITS_MAX kept */
		snprintf(v, sizeof(v), "198.18.%d.0/24", b);
		note(&nic, FP_ARP_NET, v, 1);
	}
	cr_assert_gt(match(nets, 1000, &nic, &m), FP_HITS_MAX);
	cr_assert_eq(cable_judge(7, &m, &target), CABLE_AMBIGUOUS);
}

Test(match, a_table_never_identifies_itself)
{
	const struct fp_table *nets[2] = {&net0, &net1};
	struct fp_matches m;

	two_networks();
	cr_assert_eq(match(nets, 2, &net1, &m), 0);
}

Test(match, two_networks_is_ambiguous)
{
	const struct fp_table *nets[2] = {&net0, &net1};
	struct fp_matches m;
	int target;

	two_networks();
	note(&nic, FP_ARP_NET, "198.18.0.0/24", 1);
	note(&nic, FP_ARP_NET, "198.18.1.0/24", 1);
	cr_assert_eq(match(nets, 2, &nic, &m), 2);
	cr_assert_eq(m.hit[0].bridge, 0, "in bridge order");
	cr_assert_eq(m.hit[1].bridge, 1);
	cr_assert_eq(cable_judge(0, &m, &target), CABLE_AMBIGUOUS);
	cr_assert_eq(target, -1);
}

Test(match, shared_identifiers_identify_nobody)
{
	const struct fp_table *nets[3] = {&net0, &net1, NULL};
	struct fp_matches m;
	int target;

	two_networks();
	/* one switch carries both networks: its chassis is in both */
	note(&net0, FP_LLDP_CHASSIS, "02:00:c6:12:ff:ff", 1);
	note(&net1, FP_LLDP_CHASSIS, "02:00:c6:12:ff:ff", 1);
	note(&nic, FP_LLDP_CHASSIS, "02:00:c6:12:ff:ff", 1);
	note(&nic, FP_VLAN, "5", 1);
	note(&nic, FP_ARP_NET, "198.18.9.0/24", 1); /* nobody's */
	cr_assert_eq(match(nets, 3, &nic, &m), 0);
	cr_assert_eq(cable_judge(0, &m, &target), CABLE_UNKNOWN);
	cr_assert_eq(match(nets, 3, NULL, &m), 0);
}

Test(decide, the_rules)
{
	/* report mode never moves */
	cr_assert_eq(cable_decide(CABLE_MISWIRED, CABLE_MODE_REPORT, false), CABLE_REPORT);
	cr_assert_eq(cable_decide(CABLE_MISWIRED, CABLE_MODE_ATTACH, false), CABLE_MOVE);
	/* an operator's detach or a hold-down: reported, not moved */
	cr_assert_eq(cable_decide(CABLE_MISWIRED, CABLE_MODE_ATTACH, true), CABLE_REPORT);
	/* two networks: never moved */
	cr_assert_eq(cable_decide(CABLE_AMBIGUOUS, CABLE_MODE_ATTACH, false), CABLE_REPORT);
	/* nothing identifiable, or where it belongs: stays, says nothing */
	cr_assert_eq(cable_decide(CABLE_UNKNOWN, CABLE_MODE_ATTACH, false), CABLE_NOTHING);
	cr_assert_eq(cable_decide(CABLE_OK, CABLE_MODE_ATTACH, false), CABLE_NOTHING);
	cr_assert_eq(cable_decide(CABLE_MISWIRED, CABLE_MODE_OFF, false), CABLE_NOTHING);
	cr_assert_eq(cable_decide(CABLE_AMBIGUOUS, CABLE_MODE_OFF, false), CABLE_NOTHING);
}

#include "doctor.h"

Test(doctor, says_where_a_nic_is_cabled)
{
	json_t *report = json_pack("{s:[]}", "hazards");
	json_t *findings = json_pack(
	    "[{s:s,s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:s,s:s}]", "nic", "hweth1", "bridge", "eth0",
	    "network", "eth1", "evidence", "LLDP chassis 02:00:c6:12:bb:01 port 7", "verdict",
	    "miswired", "nic", "hweth3", "bridge", "eth0", "network", "", "evidence",
	    "the network of eth0 (ARP from 198.18.20.0/24) and ...", "verdict", "ambiguous");
	json_t *hz;

	cr_assert_eq(doctor_add_cable(report, findings), 0);
	hz = json_object_get(report, "hazards");
	cr_assert_eq(json_array_size(hz), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(hz, 0), "problem")),
			 "hweth1 is cabled to the network of eth1, not eth0 (its bridge): it sees "
			 "LLDP chassis 02:00:c6:12:bb:01 port 7");
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(hz, 1), "id")),
			 "cable-two-networks");
	json_decref(report);
	json_decref(findings);
}
