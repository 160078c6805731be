/* The ARP-flux watch's pure core: frames in, verdicts out. */
#include <criterion/criterion.h>
#include <ev.h>
#include <math.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

#define W 30.0 /* the window, seconds */

static const uint8_t MAC_A[6] = {0x02, 0x00, 0xc6, 0x12, 0x0a, 0x01};
static const uint8_t MAC_B[6] = {0x02, 0x00, 0xc6, 0x12, 0x0a, 0x02};
static const uint8_t MAC_C[6] = {0x02, 0x00, 0xc6, 0x12, 0x0a, 0x03};
static const uint8_t ETH_SRC[6] = {0x02, 0x00, 0xc6, 0x12, 0x0a, 0xee};
static const uint8_t IP_X[4] = {198, 18, 0, 10};
static const uint8_t IP_Y[4] = {198, 18, 0, 1};

/* An ARP frame as on the wire: Ethernet header then the 28-byte payload,
 * padded to the 60-byte minimum. Returns 42, the unpadded length. */
static size_t arp_frame(uint8_t f[60], int oper, const uint8_t sha[6], const uint8_t spa[4],
			const uint8_t tpa[4])
{
	memset(f, 0, 60);
	memset(f, 0xff, 6);	    /* to: broadcast */
	memcpy(f + 6, ETH_SRC, 6);  /* from: not the sender below */
	f[12] = 0x08, f[13] = 0x06; /* ARP */
	f[14] = 0x00, f[15] = 0x01; /* Ethernet */
	f[16] = 0x08, f[17] = 0x00; /* IPv4 */
	f[18] = 6, f[19] = 4;
	f[20] = 0x00, f[21] = (uint8_t)oper;
	memcpy(f + 22, sha, 6);
	memcpy(f + 28, spa, 4);
	memcpy(f + 38, tpa, 4);
	if (oper == 2)
		memcpy(f + 32, ETH_SRC, 6); /* target MAC of a reply */
	return 42;
}

static uint32_t ip4(const uint8_t b[4])
{
	uint32_t ip;

	memcpy(&ip, b, 4);
	return ip;
}

/* 198.18.x.y for n, network order */
static uint32_t nth_ip(int n)
{
	uint8_t b[4] = {198, 18 + (n >> 16 & 1), n >> 8 & 0xff, n & 0xff};

	return ip4(b);
}

Test(probe_parse, a_reply_gives_the_sender_fields)
{
	uint8_t f[60], mac[6];
	uint32_t ip = 0;

	arp_frame(f, 2, MAC_A, IP_X, IP_Y);
	cr_assert_eq(arpwatch_parse(f, 60, &ip, mac), 0);
	cr_assert_eq(ip, ip4(IP_X));
	cr_assert_eq(memcmp(mac, MAC_A, 6), 0, "the ARP sender, not the Ethernet source");
	/* unpadded, as a capture may hand it over */
	cr_assert_eq(arpwatch_parse(f, 42, &ip, mac), 0);
}

Test(probe_parse, a_request_is_not_an_answer)
{
	uint8_t f[60], mac[6];
	uint32_t ip;

	arp_frame(f, 1, MAC_A, IP_X, IP_Y);
	cr_assert_eq(arpwatch_parse(f, 60, &ip, mac), -1);
}

Test(probe_parse, a_gratuitous_request_is_an_announcement)
{
	uint8_t f[60], mac[6];
	uint32_t ip = 0;

	arp_frame(f, 1, MAC_B, IP_X, IP_X);
	cr_assert_eq(arpwatch_parse(f, 60, &ip, mac), 0);
	cr_assert_eq(ip, ip4(IP_X));
	cr_assert_eq(memcmp(mac, MAC_B, 6), 0);
}

Test(probe_parse, a_probe_from_0_0_0_0_claims_nothing)
{
	static const uint8_t zero[4] = {0, 0, 0, 0};
	uint8_t f[60], mac[6];
	uint32_t ip;

	arp_frame(f, 2, MAC_A, zero, IP_Y);
	cr_assert_eq(arpwatch_parse(f, 60, &ip, mac), -1);
	arp_frame(f, 1, MAC_A, zero, zero);
	cr_assert_eq(arpwatch_parse(f, 60, &ip, mac), -1);
}

Test(probe_parse, truncated_frames_are_rejected_without_reading_past_them)
{
	uint8_t f[60], mac[6];
	uint32_t ip;

	arp_frame(f, 2, MAC_A, IP_X, IP_Y);
	cr_assert_eq(arpwatch_parse(NULL, 0, &ip, mac), -1);
	for (size_t len = 0; len <= 42; len++) {
		/* exactly len bytes on the heap: ASan/valgrind see any over-read */
		uint8_t *p = malloc(len ? len : 1);

		cr_assert_not_null(p);
		memcpy(p, f, len);
		cr_assert_eq(arpwatch_parse(p, len, &ip, mac), len < 42 ? -1 : 0, "len %zu", len);
		free(p);
	}
}

Test(probe_parse, other_protocols_and_shapes_are_rejected)
{
	static const struct {
		int off;
		uint8_t val;
		const char *what;
	} bad[] = {
	    {13, 0x00, "ethertype 0x0800"},
	    {12, 0x86, "ethertype 0x8606"},
	    {15, 0x06, "htype 6"},
	    {14, 0x01, "htype 257"},
	    {16, 0x86, "ptype 0x86dd"},
	    {18, 8, "hlen 8"},
	    {19, 16, "plen 16"},
	    {21, 3, "oper 3"},
	    {21, 4, "oper 4"},
	    {20, 1, "oper 258"},
	};
	uint8_t f[60], mac[6];
	uint32_t ip;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		arp_frame(f, 2, MAC_A, IP_X, IP_Y);
		f[bad[i].off] = bad[i].val;
		cr_assert_eq(arpwatch_parse(f, 60, &ip, mac), -1, "%s", bad[i].what);
	}
	/* RARP, same payload layout, other ethertype */
	arp_frame(f, 2, MAC_A, IP_X, IP_Y);
	f[12] = 0x80, f[13] = 0x35;
	cr_assert_eq(arpwatch_parse(f, 60, &ip, mac), -1, "RARP");
	/* an 802.1Q tag in front of ARP: not looked at (see probe.h) */
	arp_frame(f, 2, MAC_A, IP_X, IP_Y);
	memmove(f + 16, f + 12, 44);
	f[12] = 0x81, f[13] = 0x00, f[14] = 0x00, f[15] = 0x0a;
	cr_assert_eq(arpwatch_parse(f, 60, &ip, mac), -1, "802.1Q");
}

Test(probe_table, a_window_must_be_positive)
{
	cr_assert_null(arpwatch_table_new(0));
	cr_assert_null(arpwatch_table_new(-1));
	cr_assert_null(arpwatch_table_new(NAN));
	arpwatch_table_free(NULL);
}

Test(probe_note, one_mac_repeating_is_never_flux)
{
	struct arpwatch_table *t = arpwatch_table_new(W);
	uint8_t macs[8][6];

	cr_assert_not_null(t);
	for (int i = 0; i < 100; i++) {
		cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_A, 100 + i, macs, 8), 1);
		cr_assert_eq(memcmp(macs[0], MAC_A, 6), 0);
	}
	arpwatch_table_free(t);
}

Test(probe_note, two_macs_within_the_window_are_reported_once)
{
	struct arpwatch_table *t = arpwatch_table_new(W);
	uint8_t macs[8][6];

	arpwatch_note(t, ip4(IP_X), MAC_A, 100, macs, 8);
	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_B, 110, macs, 8), 2);
	cr_assert_eq(memcmp(macs[0], MAC_B, 6), 0, "this one first");
	cr_assert_eq(memcmp(macs[1], MAC_A, 6), 0);
	/* still fluxing, nothing new: the caller has logged it already */
	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_A, 111, macs, 8), 1);
	cr_assert_eq(memcmp(macs[0], MAC_A, 6), 0);
	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_B, 112, macs, 8), 1);
	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_A, 113, macs, 8), 1);
	/* a third MAC within the window: a new finding, with everyone */
	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_C, 120, macs, 8), 3);
	cr_assert_eq(memcmp(macs[0], MAC_C, 6), 0);
	cr_assert_eq(memcmp(macs[1], MAC_A, 6), 0, "then the most recent: A at 113");
	cr_assert_eq(memcmp(macs[2], MAC_B, 6), 0);
	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_B, 121, macs, 8), 1);
	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_C, 122, macs, 8), 1);
	/* another address is another story */
	cr_assert_eq(arpwatch_note(t, ip4(IP_Y), MAC_A, 123, macs, 8), 1);
	arpwatch_table_free(t);
}

Test(probe_note, macs_farther_apart_than_the_window_are_a_move_not_flux)
{
	struct arpwatch_table *t = arpwatch_table_new(W);
	uint8_t macs[8][6];

	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_A, 100, macs, 8), 1);
	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_B, 100 + W + 0.5, macs, 8), 1);
	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_A, 100 + 3 * W, macs, 8), 1);
	/* exactly the window apart still counts */
	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_B, 100 + 4 * W, macs, 8), 2);
	arpwatch_table_free(t);
}

Test(probe_note, a_new_episode_after_a_quiet_window_is_reported_again)
{
	struct arpwatch_table *t = arpwatch_table_new(W);
	uint8_t macs[8][6];

	arpwatch_note(t, ip4(IP_X), MAC_A, 100, macs, 8);
	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_B, 101, macs, 8), 2);
	/* B falls silent; A alone for longer than the window */
	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_A, 120, macs, 8), 1);
	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_A, 140, macs, 8), 1);
	/* B is back: flux again, worth a line again */
	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_B, 150, macs, 8), 2);
	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_A, 151, macs, 8), 1);
	arpwatch_table_free(t);
}

Test(probe_note, a_short_macs_array_is_respected)
{
	struct arpwatch_table *t = arpwatch_table_new(W);
	uint8_t macs[2][6];

	memset(macs, 0x55, sizeof(macs));
	arpwatch_note(t, ip4(IP_X), MAC_A, 100, NULL, 0);
	arpwatch_note(t, ip4(IP_X), MAC_B, 101, NULL, 0); /* reported, to nowhere */
	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_C, 102, macs, 1), 3);
	cr_assert_eq(memcmp(macs[0], MAC_C, 6), 0);
	for (int i = 0; i < 6; i++)
		cr_assert_eq(macs[1][i], 0x55, "wrote past max");
	arpwatch_table_free(t);
}

Test(probe_note, at_most_8_macs_per_address)
{
	struct arpwatch_table *t = arpwatch_table_new(W);
	uint8_t macs[ARPWATCH_MAX_MACS][6], mac[6] = {0x02, 0x00, 0xc6, 0x12, 0x0b, 0x00};

	for (int i = 0; i < 40; i++) {
		int n;

		mac[5] = (uint8_t)i;
		n = arpwatch_note(t, ip4(IP_X), mac, 100 + i * 0.1, macs, ARPWATCH_MAX_MACS);
		/* every MAC is news; the set never grows past the bound */
		cr_assert_eq(n, i < ARPWATCH_MAX_MACS ? i + 1 : ARPWATCH_MAX_MACS, "reply %d", i);
		cr_assert_eq(memcmp(macs[0], mac, 6), 0);
		if (n > 1) /* the least recent went: the one before is there */
			cr_assert_eq(macs[1][5], (uint8_t)(i - 1));
	}
	arpwatch_table_free(t);
}

Test(probe_note, a_clock_stepping_back_makes_up_no_flux)
{
	struct arpwatch_table *t = arpwatch_table_new(W);
	uint8_t macs[8][6];

	arpwatch_note(t, ip4(IP_X), MAC_A, 1000, macs, 8);
	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_B, 10, macs, 8), 1);
	cr_assert_eq(arpwatch_note(t, ip4(IP_X), MAC_A, 11, macs, 8), 2);
	arpwatch_table_free(t);
}

Test(probe_note, the_table_is_bounded_and_forgets_the_oldest)
{
	struct arpwatch_table *t = arpwatch_table_new(1e9);
	const int n = 5000;
	uint8_t macs[8][6];

	for (int i = 0; i < n; i++)
		cr_assert_eq(arpwatch_note(t, nth_ip(i), MAC_A, i, macs, 8), 1);
	/* the first n - 4096 were evicted: B alone for them, nothing to compare */
	cr_assert_eq(arpwatch_note(t, nth_ip(0), MAC_B, n, macs, 8), 1);
	cr_assert_eq(arpwatch_note(t, nth_ip(n - ARPWATCH_MAX_IPS - 1), MAC_B, n + 1, macs, 8), 1);
	/* that evicted two more (nth_ip(n - 4096), nth_ip(n - 4095)); the
	 * rest, the newest, are remembered */
	cr_assert_eq(arpwatch_note(t, nth_ip(n - ARPWATCH_MAX_IPS + 2), MAC_B, n + 2, macs, 8), 2);
	cr_assert_eq(arpwatch_note(t, nth_ip(n - 1), MAC_B, n + 3, macs, 8), 2);
	/* and a lot more churn: still bounded, still working */
	for (int i = 0; i < 4 * n; i++)
		arpwatch_note(t, nth_ip(i % 20000 + 10000), MAC_C, 2 * n + i, macs, 8);
	arpwatch_table_free(t);
}

/* The kernel-side filter: the same verdicts as arpwatch_parse(). */
Test(probe_filter, lets_through_replies_and_announcements_only)
{
	pcap_t *p = pcap_open_dead(DLT_EN10MB, 64);
	struct pcap_pkthdr h = {.caplen = 60, .len = 60};
	struct bpf_program prog;
	uint8_t f[60];

	cr_assert_not_null(p);
	cr_assert_eq(pcap_compile(p, &prog, ARPWATCH_FILTER, 1, PCAP_NETMASK_UNKNOWN), 0, "%s",
		     pcap_geterr(p));
	arp_frame(f, 2, MAC_A, IP_X, IP_Y);
	cr_assert_neq(pcap_offline_filter(&prog, &h, f), 0, "reply");
	arp_frame(f, 1, MAC_A, IP_X, IP_X);
	cr_assert_neq(pcap_offline_filter(&prog, &h, f), 0, "gratuitous request");
	arp_frame(f, 1, MAC_A, IP_X, IP_Y);
	cr_assert_eq(pcap_offline_filter(&prog, &h, f), 0, "request");
	f[13] = 0x00;
	cr_assert_eq(pcap_offline_filter(&prog, &h, f), 0, "IPv4");
	pcap_freecode(&prog);
	pcap_close(p);
}

static void never(void *arg, const char *ifname, uint32_t ip, const uint8_t (*macs)[6], int n)
{
	(void)arg, (void)ifname, (void)ip, (void)macs, (void)n;
	cr_assert_fail("no callback expected");
}

/* Failures come back as one line naming the device; nothing is left open. */
Test(probe_start, failures_are_one_line_errors)
{
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	char err[256];

	cr_assert_not_null(loop);
	cr_assert_null(arpwatch_start(loop, "swprobe-none0", W, never, NULL, err, sizeof(err)));
	cr_assert_eq(strncmp(err, "swprobe-none0: ", 15), 0, "%s", err);
	cr_assert_null(strchr(err, '\n'));
	cr_assert_null(arpwatch_start(loop, "a-name-far-too-long-for-linux", W, never, NULL, err,
				      sizeof(err)));
	cr_assert_eq(strncmp(err, "a-name-far-too-long-for-linux: ", 31), 0, "%s", err);
	cr_assert_null(arpwatch_start(loop, "br0", 0, never, NULL, err, sizeof(err)));
	cr_assert_eq(strncmp(err, "br0: ", 5), 0, "%s", err);
	cr_assert_null(arpwatch_start(loop, "br0", -1, never, NULL, NULL, 0));
	arpwatch_stop(NULL);
	cr_assert_null(arpwatch_ifname(NULL));
	cr_assert_eq(ev_run(loop, EVRUN_NOWAIT), 0, "a watcher was left running");
	ev_loop_destroy(loop);
}
