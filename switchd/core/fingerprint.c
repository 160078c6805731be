/*
 * See fingerprint.h. Every read is checked against caplen before it is
 * made: the decoder sees whatever arrives on a cable (tests/fuzz/fuzz_cable.c).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"

static const char *const kind_names[FP_NKINDS] = {
    [FP_LLDP_CHASSIS] = "lldp-chassis",
    [FP_LLDP_PORT] = "lldp-port",
    [FP_LLDP_SYSNAME] = "lldp-sysname",
    [FP_LLDP_PVID] = "lldp-pvid",
    [FP_CDP_DEVICE] = "cdp-device",
    [FP_CDP_PORT] = "cdp-port",
    [FP_STP_ROOT] = "stp-root",
    [FP_ARP_NET] = "arp-net",
    [FP_RA_PREFIX] = "ra-prefix",
    [FP_DHCP_SERVER] = "dhcp-server",
    [FP_VLAN] = "vlan",
};

/* How the evidence names each kind. */
static const char *const kind_words[FP_NKINDS] = {
    [FP_LLDP_CHASSIS] = "LLDP chassis",
    [FP_LLDP_PORT] = "LLDP port",
    [FP_LLDP_SYSNAME] = "LLDP system",
    [FP_LLDP_PVID] = "LLDP port VLAN",
    [FP_CDP_DEVICE] = "CDP device",
    [FP_CDP_PORT] = "CDP port",
    [FP_STP_ROOT] = "STP root",
    [FP_ARP_NET] = "ARP from",
    [FP_RA_PREFIX] = "RA prefix",
    [FP_DHCP_SERVER] = "DHCP server",
    [FP_VLAN] = "VLAN",
};

const char *fp_kind_name(enum fp_kind k)
{
	return (unsigned)k < FP_NKINDS ? kind_names[k] : "?";
}

bool fp_distinctive(enum fp_kind k)
{
	switch (k) {
	case FP_LLDP_CHASSIS:
	case FP_LLDP_SYSNAME:
	case FP_CDP_DEVICE:
	case FP_STP_ROOT:
	case FP_ARP_NET:
	case FP_RA_PREFIX:
	case FP_DHCP_SERVER:
		return true;
	default:
		return false;
	}
}

/* ---- decoders -------------------------------------------------------------- */

struct out {
	struct fp_obs *obs;
	int n, max;
};

static unsigned int be16(const uint8_t *p)
{
	return (unsigned int)p[0] << 8 | p[1];
}

static struct fp_obs *emit(struct out *o, enum fp_kind kind)
{
	struct fp_obs *ob;

	if (o->n >= o->max)
		return NULL;
	ob = &o->obs[o->n++];
	memset(ob, 0, sizeof(*ob));
	ob->kind = kind;
	return ob;
}

static void format_mac(char *buf, size_t len, const uint8_t *m)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* An identifier that is text by the standard (a name, a port): printable
 * ASCII kept, anything else as '?', so a log line stays one line. */
static void format_text(char *buf, size_t len, const uint8_t *p, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 1 < len; i++)
		buf[k++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	buf[k] = '\0';
}

static void format_hex(char *buf, size_t len, const uint8_t *p, size_t n)
{
	size_t k = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && k + 3 < len; i++)
		k += (size_t)snprintf(buf + k, len - k, "%02x", p[i]);
}

static void emit_text(struct out *o, enum fp_kind kind, const uint8_t *p, size_t n)
{
	struct fp_obs *ob;

	if (!n || !(ob = emit(o, kind)))
		return;
	format_text(ob->value, sizeof(ob->value), p, n);
}

/* LLDP chassis / port ID: a subtype byte, then the ID. */
static void lldp_id(struct out *o, enum fp_kind kind, const uint8_t *v, size_t n)
{
	struct fp_obs *ob;
	unsigned int sub;

	if (n < 2)
		return;
	sub = v[0];
	v++;
	n--;
	/* chassis subtype 4 and port subtype 3 are a MAC address */
	if (((kind == FP_LLDP_CHASSIS && sub == 4) || (kind == FP_LLDP_PORT && sub == 3)) &&
	    n == 6) {
		if ((ob = emit(o, kind)))
			format_mac(ob->value, sizeof(ob->value), v);
		return;
	}
	/* network address: IANA family 1 (IPv4) or 2 (IPv6) */
	if ((kind == FP_LLDP_CHASSIS && sub == 5) || (kind == FP_LLDP_PORT && sub == 4)) {
		if (n == 5 && v[0] == 1 && (ob = emit(o, kind)))
			inet_ntop(AF_INET, v + 1, ob->value, sizeof(ob->value));
		else if (n == 17 && v[0] == 2 && (ob = emit(o, kind)))
			inet_ntop(AF_INET6, v + 1, ob->value, sizeof(ob->value));
		return;
	}
	/* chassis component / interface alias / port component / interface
	 * name / locally assigned, agent circuit ID: text, else hex */
	if (sub >= 1 && sub <= 7) {
		emit_text(o, kind, v, n);
		return;
	}
	if ((ob = emit(o, kind)))
		format_hex(ob->value, sizeof(ob->value), v, n);
}

static void decode_lldp(struct out *o, const uint8_t *p, size_t n)
{
	while (n >= 2) {
		unsigned int type = p[0] >> 1, len = (unsigned int)(p[0] & 1) << 8 | p[1];
		const uint8_t *v = p + 2;
		struct fp_obs *ob;

		if (len > n - 2)
			return; /* truncated: what came before counts */
		switch (type) {
		case 0:
			return; /* end of LLDPDU */
		case 1:
			lldp_id(o, FP_LLDP_CHASSIS, v, len);
			break;
		case 2:
			lldp_id(o, FP_LLDP_PORT, v, len);
			break;
		case 5:
			emit_text(o, FP_LLDP_SYSNAME, v, len);
			break;
		case 127:
			/* IEEE 802.1 (00-80-c2) subtype 1: port VLAN ID */
			if (len == 6 && v[0] == 0x00 && v[1] == 0x80 && v[2] == 0xc2 && v[3] == 1 &&
			    be16(v + 4) && (ob = emit(o, FP_LLDP_PVID)))
				snprintf(ob->value, sizeof(ob->value), "%u", be16(v + 4));
			break;
		default:
			break;
		}
		p += 2 + len;
		n -= 2 + len;
	}
}

/* CDP after its SNAP header: version, ttl, checksum, then TLVs whose length
 * counts their own 4-byte header. */
static void decode_cdp(struct out *o, const uint8_t *p, size_t n)
{
	if (n < 4)
		return;
	p += 4;
	n -= 4;
	while (n >= 4) {
		unsigned int type = be16(p), len = be16(p + 2);

		if (len < 4 || len > n)
			return;
		if (type == 0x0001)
			emit_text(o, FP_CDP_DEVICE, p + 4, len - 4);
		else if (type == 0x0003)
			emit_text(o, FP_CDP_PORT, p + 4, len - 4);
		p += len;
		n -= len;
	}
}

/* A configuration or RST BPDU after its LLC header: protocol 0, then the
 * root identifier (priority + system ID extension, MAC) at offset 5. */
static void decode_bpdu(struct out *o, const uint8_t *p, size_t n)
{
	struct fp_obs *ob;
	char mac[18];

	if (n < 13 || be16(p) != 0 || (p[3] != 0x00 && p[3] != 0x02))
		return; /* a TCN BPDU carries no root */
	if (!(ob = emit(o, FP_STP_ROOT)))
		return;
	format_mac(mac, sizeof(mac), p + 7);
	snprintf(ob->value, sizeof(ob->value), "%u.%s", be16(p + 5), mac);
}

static void decode_arp(struct out *o, const uint8_t *p, size_t n, int plen)
{
	struct fp_obs *ob;
	uint32_t spa, mask, net;
	char ip[INET_ADDRSTRLEN];

	if (n < 28 || be16(p) != 1 || be16(p + 2) != 0x0800 || p[4] != 6 || p[5] != 4)
		return;
	if (be16(p + 6) != 1 && be16(p + 6) != 2)
		return;
	memcpy(&spa, p + 14, 4);
	if (!spa)
		return; /* a probe (RFC 5227) is from no network */
	if (plen < 1 || plen > 32)
		plen = 24;
	mask = plen == 32 ? 0xffffffffu : ~(0xffffffffu >> plen);
	net = htonl(ntohl(spa) & mask);
	if (!(ob = emit(o, FP_ARP_NET)))
		return;
	inet_ntop(AF_INET, &net, ip, sizeof(ip));
	snprintf(ob->value, sizeof(ob->value), "%s/%d", ip, plen);
	ob->ip = spa;
}

/* DHCP offer or ack (UDP 67 -> 68): the server identifier, option 54. */
static void decode_dhcp(struct out *o, const uint8_t *p, size_t n)
{
	static const uint8_t cookie[4] = {99, 130, 83, 99};
	const uint8_t *server = NULL;
	int type = 0;
	size_t i;
	struct fp_obs *ob;

	if (n < 240 || p[0] != 2 || memcmp(p + 236, cookie, 4))
		return;
	for (i = 240; i < n;) {
		unsigned int code = p[i], len;

		if (code == 255)
			break;
		if (code == 0) {
			i++;
			continue;
		}
		if (i + 2 > n)
			break;
		len = p[i + 1];
		if (i + 2 + len > n)
			break;
		if (code == 53 && len == 1)
			type = p[i + 2];
		else if (code == 54 && len == 4)
			server = p + i + 2;
		i += 2 + len;
	}
	if (!server || (type != 2 && type != 5) || !(ob = emit(o, FP_DHCP_SERVER)))
		return;
	inet_ntop(AF_INET, server, ob->value, sizeof(ob->value));
}

static void decode_ipv4(struct out *o, const uint8_t *p, size_t n)
{
	size_t ihl, total;

	if (n < 20 || (p[0] >> 4) != 4 || p[9] != 17)
		return;
	ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < 20 || (be16(p + 6) & 0x3fff))
		return; /* a fragment: not a whole DHCP message */
	total = be16(p + 2);
	if (total < ihl + 8 || n < ihl + 8)
		return;
	if (total < n)
		n = total; /* Ethernet padding is no option */
	p += ihl;
	n -= ihl;
	if (be16(p) != 67 || be16(p + 2) != 68)
		return;
	decode_dhcp(o, p + 8, n - 8);
}

/* A router advertisement without extension headers: its prefix options. */
static void decode_ipv6(struct out *o, const uint8_t *p, size_t n)
{
	size_t i;

	if (n < 40 + 16 || (p[0] >> 4) != 6 || p[6] != 58 || p[40] != 134 || p[41] != 0)
		return;
	if (be16(p + 4) + 40u < n)
		n = be16(p + 4) + 40u;
	for (i = 40 + 16; i + 2 <= n;) {
		size_t len = (size_t)p[i + 1] * 8;
		struct fp_obs *ob;
		char text[INET6_ADDRSTRLEN];
		uint8_t prefix[16];
		unsigned int plen;

		if (!len || i + len > n)
			return;
		if (p[i] == 3 && len == 32) {
			plen = p[i + 2];
			if (plen > 128)
				plen = 128;
			/* only the prefix's bits: the rest is garbage by RFC 4861 */
			memset(prefix, 0, sizeof(prefix));
			memcpy(prefix, p + i + 16, (plen + 7) / 8);
			if (plen % 8)
				prefix[plen / 8] &= (uint8_t)(0xff << (8 - plen % 8));
			if ((ob = emit(o, FP_RA_PREFIX))) {
				inet_ntop(AF_INET6, prefix, text, sizeof(text));
				snprintf(ob->value, sizeof(ob->value), "%s/%u", text, plen);
			}
		}
		i += len;
	}
}

int fp_decode(const uint8_t *frame, size_t caplen, int plen, struct fp_obs *obs, int max)
{
	static const uint8_t stp_dst[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00};
	static const uint8_t cdp_dst[6] = {0x01, 0x00, 0x0c, 0xcc, 0xcc, 0xcc};
	static const uint8_t cdp_snap[8] = {0xaa, 0xaa, 0x03, 0x00, 0x00, 0x0c, 0x20, 0x00};
	struct out o = {obs, 0, max};
	size_t off = 12;
	unsigned int type;
	struct fp_obs *ob;

	if (!frame || !obs || max <= 0 || caplen < 14)
		return 0;
	type = be16(frame + off);
	/* 802.1ad and 802.1Q tags: at most two (QinQ), each a VLAN seen */
	for (int tags = 0; (type == 0x8100 || type == 0x88a8) && tags < 2; tags++) {
		if (caplen < off + 6)
			return o.n;
		if ((be16(frame + off + 2) & 0x0fff) && (ob = emit(&o, FP_VLAN)))
			snprintf(ob->value, sizeof(ob->value), "%u",
				 be16(frame + off + 2) & 0x0fff);
		off += 4;
		type = be16(frame + off);
	}
	off += 2;
	frame += off;
	caplen -= off;
	if (type <= 1500) {
		/* 802.3 length: LLC. BPDUs and CDP go to their own groups */
		if (caplen > type)
			caplen = type;
		if (!memcmp(frame - off, stp_dst, 6) && caplen >= 3 && frame[0] == 0x42 &&
		    frame[1] == 0x42 && frame[2] == 0x03)
			decode_bpdu(&o, frame + 3, caplen - 3);
		else if (!memcmp(frame - off, cdp_dst, 6) && caplen >= 8 &&
			 !memcmp(frame, cdp_snap, 8))
			decode_cdp(&o, frame + 8, caplen - 8);
		return o.n;
	}
	switch (type) {
	case 0x88cc:
		decode_lldp(&o, frame, caplen);
		break;
	case 0x0806:
		decode_arp(&o, frame, caplen, plen);
		break;
	case 0x0800:
		decode_ipv4(&o, frame, caplen);
		break;
	case 0x86dd:
		decode_ipv6(&o, frame, caplen);
		break;
	default:
		break;
	}
	return o.n;
}

/* ---- the table ------------------------------------------------------------- */

static void table_remove(struct fp_table *t, int i)
{
	t->e[i] = t->e[--t->n];
}

bool fp_table_note(struct fp_table *t, const struct fp_obs *o, double now)
{
	int i, same = 0, oldest = -1, oldest_kind = -1;
	struct fp_entry *e;

	for (i = 0; i < t->n; i++) {
		e = &t->e[i];
		if (e->kind == o->kind && !strcmp(e->value, o->value)) {
			e->count++;
			e->last = now;
			if (o->ip)
				e->ip = o->ip;
			return false;
		}
		if (e->kind == o->kind) {
			same++;
			if (oldest_kind < 0 || e->last < t->e[oldest_kind].last)
				oldest_kind = i;
		}
		if (oldest < 0 || e->last < t->e[oldest].last)
			oldest = i;
	}
	if (same >= FP_KIND_MAX)
		i = oldest_kind;
	else if (t->n >= FP_TABLE_MAX)
		i = oldest;
	else
		i = t->n++;
	e = &t->e[i];
	memset(e, 0, sizeof(*e));
	e->kind = o->kind;
	memcpy(e->value, o->value, sizeof(e->value));
	e->value[FP_VALUE_MAX - 1] = '\0';
	e->ip = o->ip;
	e->count = 1;
	e->first = e->last = now;
	return true;
}

int fp_table_age(struct fp_table *t, double now, double max_age)
{
	int gone = 0;

	for (int i = 0; i < t->n;) {
		if (t->e[i].last > now || now - t->e[i].last > max_age) {
			table_remove(t, i);
			gone++;
		} else {
			i++;
		}
	}
	return gone;
}

bool fp_table_identifies(const struct fp_table *t)
{
	for (int i = 0; t && i < t->n; i++)
		if (fp_distinctive(t->e[i].kind))
			return true;
	return false;
}

uint32_t fp_table_neighbour(const struct fp_table *t)
{
	const struct fp_entry *best = NULL;

	for (int i = 0; t && i < t->n; i++)
		if (t->e[i].kind == FP_ARP_NET && t->e[i].ip &&
		    (!best || t->e[i].count > best->count))
			best = &t->e[i];
	return best ? best->ip : 0;
}

json_t *fp_table_json(const struct fp_table *t, double now)
{
	json_t *a = json_array();

	for (int k = 0; a && k < FP_NKINDS; k++)
		for (int i = 0; t && i < t->n; i++) {
			const struct fp_entry *e = &t->e[i];

			if ((int)e->kind != k)
				continue;
			json_array_append_new(a, json_pack("{s:s,s:s,s:I,s:f}", "kind",
							   fp_kind_name(e->kind), "value", e->value,
							   "count", (json_int_t)e->count, "age",
							   now > e->last ? now - e->last : 0.0));
		}
	return a;
}

/* ---- matching and the rules ------------------------------------------------ */

struct fp_key {
	const struct fp_entry *e;
	size_t bridge;
	bool shared; /* in more than one bridge's network */
};

struct fp_index {
	const struct fp_table *const *nets;
	size_t n, nkeys;
	struct fp_key *keys; /* sorted by (kind, value), one per identifier */
};

static int key_cmp(const enum fp_kind ka, const char *va, const enum fp_kind kb, const char *vb)
{
	if (ka != kb)
		return ka < kb ? -1 : 1;
	return strcmp(va, vb);
}

static int key_sort(const void *a, const void *b)
{
	const struct fp_key *x = a, *y = b;
	int c = key_cmp(x->e->kind, x->e->value, y->e->kind, y->e->value);

	if (c)
		return c;
	return x->bridge < y->bridge ? -1 : x->bridge > y->bridge;
}

struct fp_index *fp_index_new(const struct fp_table *const *nets, size_t n)
{
	struct fp_index *ix = calloc(1, sizeof(*ix));
	size_t total = 0, w = 0;

	if (!ix)
		return NULL;
	ix->nets = nets;
	ix->n = n;
	for (size_t b = 0; b < n; b++)
		for (int i = 0; nets[b] && i < nets[b]->n; i++)
			total += fp_distinctive(nets[b]->e[i].kind);
	ix->keys = calloc(total + 1, sizeof(*ix->keys));
	if (!ix->keys) {
		free(ix);
		return NULL;
	}
	for (size_t b = 0; b < n; b++)
		for (int i = 0; nets[b] && i < nets[b]->n; i++)
			if (fp_distinctive(nets[b]->e[i].kind))
				ix->keys[ix->nkeys++] = (struct fp_key){&nets[b]->e[i], b, false};
	if (ix->nkeys)
		qsort(ix->keys, ix->nkeys, sizeof(*ix->keys), key_sort);
	/* one key per identifier: the first bridge's, shared if others have it */
	for (size_t r = 0; r < ix->nkeys; r++) {
		if (w && !key_cmp(ix->keys[w - 1].e->kind, ix->keys[w - 1].e->value,
				  ix->keys[r].e->kind, ix->keys[r].e->value)) {
			ix->keys[w - 1].shared = true;
			continue;
		}
		ix->keys[w++] = ix->keys[r];
	}
	ix->nkeys = w;
	return ix;
}

void fp_index_free(struct fp_index *ix)
{
	if (!ix)
		return;
	free(ix->keys);
	free(ix);
}

static const struct fp_key *index_find(const struct fp_index *ix, const struct fp_entry *e)
{
	size_t lo = 0, hi = ix->nkeys;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(e->kind, e->value, ix->keys[mid].e->kind, ix->keys[mid].e->value);

		if (!c)
			return &ix->keys[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static const struct fp_entry *table_first(const struct fp_table *t, enum fp_kind k)
{
	for (int i = 0; t && i < t->n; i++)
		if (t->e[i].kind == k)
			return &t->e[i];
	return NULL;
}

static void add_phrase(char *ev, const char *fmt_kind, const char *value, const char *extra)
{
	size_t len = strlen(ev);

	snprintf(ev + len, FP_EVIDENCE_MAX - len, "%s%s %s%s", len ? " and " : "", fmt_kind, value,
		 extra);
}

/* The hit for bridge b, or NULL past FP_HITS_MAX. */
static struct fp_hit *hit_for(struct fp_matches *m, size_t b)
{
	int kept = m->n < FP_HITS_MAX ? m->n : FP_HITS_MAX, i;

	for (i = 0; i < kept; i++)
		if (m->hit[i].bridge == b)
			return &m->hit[i];
	m->n++;
	if (kept == FP_HITS_MAX)
		return NULL;
	m->hit[kept].bridge = b;
	m->hit[kept].evidence[0] = '\0';
	return &m->hit[kept];
}

int fp_match(const struct fp_index *ix, const struct fp_table *nic, struct fp_matches *m)
{
	m->n = 0;
	/* in kind order, so the evidence reads LLDP first, then ARP, ... */
	for (int k = 0; ix && nic && k < FP_NKINDS; k++)
		for (int i = 0; i < nic->n; i++) {
			const struct fp_entry *e = &nic->e[i];
			const struct fp_key *key;
			struct fp_hit *h;
			char extra[FP_VALUE_MAX + 8] = "";

			if ((int)e->kind != k || !fp_distinctive(e->kind))
				continue;
			key = index_find(ix, e);
			/* nobody's, shared (identifies no one), or the NIC's own */
			if (!key || key->shared || ix->nets[key->bridge] == nic)
				continue;
			h = hit_for(m, key->bridge);
			if (!h)
				continue;
			if (e->kind == FP_LLDP_CHASSIS) {
				const struct fp_entry *port = table_first(nic, FP_LLDP_PORT);

				if (port)
					snprintf(extra, sizeof(extra), " port %s", port->value);
			}
			if (strlen(h->evidence) + strlen(e->value) + strlen(extra) + 24 <
			    FP_EVIDENCE_MAX)
				add_phrase(h->evidence, kind_words[e->kind], e->value, extra);
		}
	/* the hits kept in bridge order: the same finding reads the same */
	for (int i = 1; i < m->n && i < FP_HITS_MAX; i++)
		for (int j = i; j > 0 && m->hit[j - 1].bridge > m->hit[j].bridge; j--) {
			struct fp_hit t = m->hit[j];

			m->hit[j] = m->hit[j - 1];
			m->hit[j - 1] = t;
		}
	return m->n;
}

enum cable_verdict cable_judge(int own, const struct fp_matches *m, int *target)
{
	*target = -1;
	if (m->n == 0)
		return CABLE_UNKNOWN;
	if (m->n > 1)
		return CABLE_AMBIGUOUS;
	*target = (int)m->hit[0].bridge;
	if (own < 0)
		return CABLE_FOUND;
	return *target == own ? CABLE_OK : CABLE_MISWIRED;
}

const char *cable_verdict_name(enum cable_verdict v)
{
	switch (v) {
	case CABLE_OK:
		return "ok";
	case CABLE_MISWIRED:
		return "miswired";
	case CABLE_AMBIGUOUS:
		return "ambiguous";
	case CABLE_FOUND:
		return "found";
	default:
		return "unknown";
	}
}

enum cable_action cable_decide(enum cable_verdict v, enum sw_cable_mode mode, bool blocked)
{
	if (mode == CABLE_MODE_OFF)
		return CABLE_NOTHING;
	switch (v) {
	case CABLE_MISWIRED:
		return mode == CABLE_MODE_ATTACH && !blocked ? CABLE_MOVE : CABLE_REPORT;
	case CABLE_AMBIGUOUS:
		return CABLE_REPORT;
	default:
		return CABLE_NOTHING;
	}
}

size_t fp_arp_probe(uint8_t *buf, const uint8_t mac[6], uint32_t ip)
{
	static const uint8_t head[] = {0x08, 0x06, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01};

	memset(buf, 0, 60);
	memset(buf, 0xff, 6);
	memcpy(buf + 6, mac, 6);
	memcpy(buf + 12, head, sizeof(head));
	memcpy(buf + 22, mac, 6); /* sender MAC; sender IP 0.0.0.0 */
	memcpy(buf + 38, &ip, 4); /* target MAC 0, target IP */
	return 60;
}
