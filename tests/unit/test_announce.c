/* The frames that make switches relearn: their exact layout. */
#include <criterion/criterion.h>
#include <string.h>

#include "announce.h"

static const uint8_t MAC[6] = { 0x02, 0x00, 0xc6, 0x12, 0x00, 0x10 };

Test(announce, gratuitous_arp_request_form)
{
	uint8_t f[ANNOUNCE_FRAME_MAX];
	const uint8_t ip[4] = { 198, 18, 0, 2 };

	cr_assert_eq(announce_garp(f, MAC, ip), 60, "padded to the minimum frame");
	cr_assert_eq(memcmp(f, "\xff\xff\xff\xff\xff\xff", 6), 0, "broadcast");
	cr_assert_eq(memcmp(f + 6, MAC, 6), 0, "switches learn the source MAC");
	cr_assert_eq(f[12], 0x08);
	cr_assert_eq(f[13], 0x06);
	cr_assert_eq(f[21], 1, "request");
	cr_assert_eq(memcmp(f + 22, MAC, 6), 0, "sha");
	cr_assert_eq(memcmp(f + 28, ip, 4), 0, "spa");
	cr_assert_eq(memcmp(f + 38, ip, 4), 0, "tpa = spa: gratuitous");
}

Test(announce, rarp_announce_self)
{
	uint8_t f[ANNOUNCE_FRAME_MAX];

	cr_assert_eq(announce_rarp(f, MAC), 60);
	cr_assert_eq(f[12], 0x80);
	cr_assert_eq(f[13], 0x35, "RARP");
	cr_assert_eq(f[21], 3, "request reverse");
	cr_assert_eq(memcmp(f + 22, MAC, 6), 0);
	cr_assert_eq(memcmp(f + 32, MAC, 6), 0, "tha = sha");
}

Test(announce, unsolicited_na_checksum_and_fields)
{
	uint8_t f[ANNOUNCE_FRAME_MAX];
	const uint8_t ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	size_t len = announce_na(f, MAC, ip6);
	uint32_t sum = 0;

	cr_assert_eq(len, 86);
	cr_assert_eq(memcmp(f, "\x33\x33\x00\x00\x00\x01", 6), 0, "all-nodes");
	cr_assert_eq(f[14 + 7], 255, "hop limit 255 or receivers drop it");
	cr_assert_eq(f[54], 136, "neighbour advertisement");
	cr_assert_eq(f[58] & 0x20, 0x20, "override");
	cr_assert_eq(f[58] & 0x40, 0, "not solicited");
	cr_assert_eq(memcmp(f + 62, ip6, 16), 0, "target");
	cr_assert_eq(memcmp(f + 80, MAC, 6), 0, "target link-layer address");
	/* a correct checksum sums to 0xffff over pseudo-header + message */
	for (int i = 22; i < 54; i += 2)
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	sum += 32 + 58;
	for (int i = 54; i < 86; i += 2)
		sum += (uint32_t)(f[i] << 8 | f[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	cr_assert_eq(sum, 0xffff);
}
