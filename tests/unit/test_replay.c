/* Which frames a standby caught are delivered after a swap (replay.h). */
#include <criterion/criterion.h>
#include <string.h>

#include <arpa/inet.h>
#include <endian.h>
#include <linux/virtio_net.h>

#include "replay.h"

static const uint8_t BR[6] = { 0x02, 0x00, 0xc6, 0x12, 0x05, 0x10 };
static const uint8_t GUESTS[2][6] = { { 0x02, 0x00, 0xc6, 0x12, 0x05, 0x77 },
				      { 0x02, 0x00, 0xc6, 0x12, 0x05, 0x78 } };

static const uint8_t PORT[6] = { 0x02, 0x00, 0xc6, 0x12, 0x05, 0x11 };

static size_t frame(uint8_t *f, const uint8_t dst[6])
{
	memset(f, 0, 60);
	memcpy(f, dst, 6);
	f[6] = 0x02;
	f[12] = 0x08;
	return 60;
}

Test(replay, frames_for_the_host_and_its_guests_inside_the_window)
{
	uint8_t f[60];

	cr_assert(replay_wanted(f, frame(f, BR), 10.5, 10, 11, PORT, BR, GUESTS, 2), "to the bridge");
	cr_assert(replay_wanted(f, frame(f, GUESTS[1]), 10.5, 10, 11, PORT, BR, GUESTS, 2),
		  "to a guest behind the bridge");
	cr_assert(replay_wanted(f, frame(f, BR), 10, 10, 11, PORT, BR, GUESTS, 2), "the cut is inclusive");
}

Test(replay, nothing_from_before_the_failure_or_after_the_attach)
{
	uint8_t f[60];

	/* before the cut the active port still delivered: a copy would be a duplicate */
	cr_assert_not(replay_wanted(f, frame(f, BR), 9.999, 10, 11, PORT, BR, GUESTS, 2));
	/* from `until` on the bridge forwards them itself */
	cr_assert_not(replay_wanted(f, frame(f, BR), 11, 10, 11, PORT, BR, GUESTS, 2));
}

Test(replay, never_what_the_bridge_would_flood_upstream)
{
	uint8_t f[60];
	const uint8_t other[6] = { 0x02, 0x00, 0xc6, 0x12, 0x05, 0x01 };
	const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

	/* an unknown destination would be flooded back out of the uplink */
	cr_assert_not(replay_wanted(f, frame(f, other), 10.5, 10, 11, PORT, BR, GUESTS, 2));
	cr_assert_not(replay_wanted(f, frame(f, bcast), 10.5, 10, 11, PORT, BR, GUESTS, 2));
	cr_assert_not(replay_wanted(f, frame(f, mcast), 10.5, 10, 11, PORT, BR, GUESTS, 2));
	cr_assert_not(replay_wanted(f, 13, 10.5, 10, 11, PORT, BR, GUESTS, 2), "shorter than a header");
}

Test(replay, not_what_the_standby_took_itself)
{
	uint8_t f[60];

	/* the NIC whose MAC the bridge has: its own stack accepted the frame */
	cr_assert_not(replay_wanted(f, frame(f, BR), 10.5, 10, 11, BR, BR, GUESTS, 2));
	cr_assert_not(replay_wanted(f, frame(f, PORT), 10.5, 10, 11, PORT, BR, GUESTS, 2));
}

Test(replay, a_stripped_vlan_tag_is_put_back)
{
	uint8_t buf[sizeof(struct virtio_net_hdr) + 64 + 4] = { 0 };
	struct virtio_net_hdr vh = { .flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
				     .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
				     .hdr_len = htole16(54), .csum_start = htole16(34) };
	uint8_t *f = buf + sizeof(vh);
	size_t n;

	memcpy(buf, &vh, sizeof(vh));
	frame(f, BR);
	n = replay_retag(buf, sizeof(vh) + 60, sizeof(buf), 0x8100, 42);
	cr_assert_eq(n, sizeof(vh) + 64);
	cr_assert_eq(memcmp(f, BR, 6), 0, "addresses stay in front");
	cr_assert_eq(f[12], 0x81);
	cr_assert_eq(f[13], 0x00);
	cr_assert_eq(f[14] << 8 | f[15], 42, "the TCI");
	cr_assert_eq(f[16], 0x08, "then the original ethertype");
	memcpy(&vh, buf, sizeof(vh));
	cr_assert_eq(le16toh(vh.csum_start), 38, "checksum offset moved with the frame");
	cr_assert_eq(le16toh(vh.hdr_len), 58);
	cr_assert_eq(replay_retag(buf, sizeof(buf) - 2, sizeof(buf), 0x8100, 42), sizeof(buf) - 2,
		     "no room: left as it is");
}
