/*
 * See frames.h. Layouts: kernel-reference.md §4.
 */
#include <net/ethernet.h>
#include <string.h>

#include "frames.h"

static void put_eth(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	buf[12] = (uint8_t)(type >> 8);
	buf[13] = (uint8_t)type;
}

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* ARP-shaped payload: htype 1, ptype IPv4, hlen 6, plen 4, op, sha, spa, tha, tpa */
static void put_arp(uint8_t *p, uint16_t op, const uint8_t sha[6], const uint8_t spa[4],
		    const uint8_t tha[6], const uint8_t tpa[4])
{
	p[0] = 0, p[1] = 1, p[2] = 0x08, p[3] = 0x00, p[4] = 6, p[5] = 4;
	p[6] = (uint8_t)(op >> 8), p[7] = (uint8_t)op;
	memcpy(p + 8, sha, 6);
	memcpy(p + 14, spa, 4);
	memcpy(p + 18, tha, 6);
	memcpy(p + 24, tpa, 4);
}

size_t announce_garp(uint8_t *buf, const uint8_t mac[6], const uint8_t ip[4])
{
	static const uint8_t zero[6];

	memset(buf, 0, 60);
	put_eth(buf, BCAST, mac, ETH_P_ARP);
	/* request form, spa = tpa, as Linux sends it */
	put_arp(buf + 14, 1, mac, ip, zero, ip);
	return 60;
}

size_t announce_rarp(uint8_t *buf, const uint8_t mac[6])
{
	static const uint8_t zero[4];

	memset(buf, 0, 60);
	put_eth(buf, BCAST, mac, ETH_P_RARP);
	put_arp(buf + 14, 3, mac, zero, mac, zero); /* op 3: request reverse */
	return 60;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

size_t announce_na(uint8_t *buf, const uint8_t mac[6], const uint8_t ip6[16])
{
	static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 1 };
	static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 1 };
	uint8_t *ip = buf + 14, *icmp = ip + 40;
	uint32_t sum = 0;
	uint16_t c;
	const size_t icmp_len = 32; /* NA 24 + target link-layer option 8 */

	memset(buf, 0, 14 + 40 + icmp_len);
	put_eth(buf, all_nodes_mac, mac, ETH_P_IPV6);
	ip[0] = 0x60;
	ip[5] = (uint8_t)icmp_len;
	ip[6] = 58;  /* ICMPv6 */
	ip[7] = 255; /* hop limit: receivers drop ND with less */
	memcpy(ip + 8, ip6, 16);
	memcpy(ip + 24, all_nodes, 16);
	icmp[0] = 136; /* neighbour advertisement */
	icmp[4] = 0x20; /* O: override caches; not solicited */
	memcpy(icmp + 8, ip6, 16);
	icmp[24] = 2; /* target link-layer address */
	icmp[25] = 1;
	memcpy(icmp + 26, mac, 6);
	/* checksum over the pseudo-header and the message */
	sum = csum_add(sum, ip + 8, 32);
	sum += (uint32_t)icmp_len;
	sum += 58;
	sum = csum_add(sum, icmp, icmp_len);
	c = csum_fold(sum);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	return 14 + 40 + icmp_len;
}

