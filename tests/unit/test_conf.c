/* The config contract: what parses, and every error with its line. */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include <glob.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "conf.h"

struct errs {
	int n;
	int line[32];
	char msg[32][256];
};

static void collect(void *arg, const char *file, int line, const char *msg)
{
	struct errs *e = arg;

	(void)file;
	if (e->n < 32) {
		e->line[e->n] = line;
		snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s", msg);
	}
	e->n++;
}

/* Parse text; expect exactly one error, on line, containing needle. */
static void expect_error(const char *text, int line, const char *needle)
{
	struct sw_conf c;
	struct errs e = { 0 };
	int ret = conf_load_string(text, "t.conf", &c, collect, &e);

	cr_assert_eq(ret, 1, "expected 1 error for \"%s\" (%s), got %d: %s", needle, text, ret,
		     e.n ? e.msg[0] : "");
	cr_assert_eq(e.line[0], line, "error \"%s\" on line %d, expected %d", e.msg[0], e.line[0],
		     line);
	cr_assert(strstr(e.msg[0], needle), "message \"%s\" lacks \"%s\"", e.msg[0], needle);
}

static const char *NICS = "[nic hweth0]\nmac = 02:00:c6:12:00:10\n[nic hweth1]\nname = eth1\n";

static char *with_nics(const char *rest)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf), "%s%s", NICS, rest);
	return buf;
}

Test(conf, unknown_section_and_key)
{
	expect_error("[bogus x]\n", 1, "unknown section [bogus]");
	expect_error("[nic a]\nmac = 02:00:c6:12:00:10\ncolour = red\n", 3, "unknown key \"colour\"");
	expect_error("[switchd]\nsockets = /x\n", 2, "unknown key");
}

Test(conf, duplicate_section_and_key)
{
	expect_error("[nic a]\nname = x\n[nic a]\nname = y\n", 3, "defined twice");
	expect_error("[bridge b]\n[bridge b]\n", 2, "defined twice");
	expect_error("[nic a]\nname = x\nname = y\n", 3, "given twice");
}

Test(conf, key_outside_a_section_and_garbage_line)
{
	expect_error("socket = /run/x.sock\n", 1, "outside any section");
	expect_error("[bridge b]\nthis is not a key\n", 2, "expected \"key = value\"");
}

Test(conf, bad_values)
{
	expect_error("[nic a]\nmac = 02:00:c6:12:00\n", 2, "not a MAC");
	expect_error("[nic a]\nmac = 02:00:c6:12:00:zz\n", 2, "not a MAC");
	expect_error("[bridge b]\naddress = 198.18.0.300/24\n", 2, "not an address");
	expect_error("[bridge b]\naddress = 198.18.0.1/33\n", 2, "not an address");
	expect_error("[bridge b]\nstp = maybe\n", 2, "not yes or no");
	expect_error("[bridge b]\naddress = none 198.18.0.1/24\n", 2, "cannot be mixed");
	expect_error("[bridge b]\naddress = keep\n", 2, "needs ports");
}

Test(conf, failover_keys)
{
	struct sw_conf c;
	const struct sw_conf_bridge *b;

	cr_assert_eq(conf_load_string(with_nics("[bridge eth0]\nports = hweth0 hweth1\npreempt = yes\n"
						"updelay = 500ms\nhold_down = 1.5s\nflap_limit = 7\n"
						"flap_window = 20s\ncarrier_poll = 0\nreplay = 250ms\n"),
				      "t", &c, NULL, NULL),
		     0);
	b = conf_find_bridge(&c, "eth0");
	cr_assert(b->preempt);
	cr_assert_float_eq(b->updelay, 0.5, 1e-9);
	cr_assert_float_eq(b->hold_down, 1.5, 1e-9);
	cr_assert_eq(b->flap_limit, 7);
	cr_assert_float_eq(b->flap_window, 20, 1e-9);
	cr_assert_float_eq(b->carrier_poll, 0, 1e-9, "0: events only");
	cr_assert_float_eq(b->replay, 0.25, 1e-9);
	conf_free(&c);
	cr_assert_eq(conf_load_string(with_nics("[bridge eth0]\nports = hweth0\n"), "t", &c, NULL,
				      NULL),
		     0);
	b = conf_find_bridge(&c, "eth0");
	cr_assert_not(b->preempt, "default: no preempt");
	cr_assert_float_eq(b->updelay, 2, 1e-9);
	cr_assert_float_eq(b->carrier_poll, 0.005, 1e-9);
	cr_assert_float_eq(b->replay, 0.1, 1e-9, "default: replay the last 100 ms");
	conf_free(&c);
	cr_assert_eq(conf_load_string(with_nics("[bridge eth0]\nports = hweth0\nreplay = no\n"), "t",
				      &c, NULL, NULL),
		     0);
	cr_assert_float_eq(conf_find_bridge(&c, "eth0")->replay, 0, 1e-9, "no: off");
	conf_free(&c);
	cr_assert_eq(conf_load_string(with_nics("[bridge eth0]\nports = hweth0\n"), "t", &c, NULL,
				      NULL),
		     0);
	b = conf_find_bridge(&c, "eth0");
	cr_assert_eq(b->nannounce, 5, "default: QEMU's five rounds");
	cr_assert_float_eq(b->announce[4], 0.8, 1e-9);
	conf_free(&c);
	cr_assert_eq(conf_load_string(with_nics("[bridge eth0]\nports = hweth0\n"
						"announce = 0 100 1s\n"),
				      "t", &c, NULL, NULL),
		     0);
	b = conf_find_bridge(&c, "eth0");
	cr_assert_eq(b->nannounce, 3);
	cr_assert_float_eq(b->announce[1], 0.1, 1e-9, "a bare number is milliseconds");
	cr_assert_float_eq(b->announce[2], 1, 1e-9);
	conf_free(&c);
	cr_assert_eq(conf_load_string(with_nics("[bridge eth0]\nports = hweth0\nannounce = no\n"),
				      "t", &c, NULL, NULL),
		     0);
	cr_assert_eq(conf_find_bridge(&c, "eth0")->nannounce, 0, "no: none");
	conf_free(&c);
	expect_error("[bridge b]\nannounce = 0 200 50\n", 2,
		     "bridge b: announce: 50 comes before the round ahead of it");
	expect_error("[bridge b]\nannounce = 0 soon\n", 2, "announce: \"soon\" is not a time");
	expect_error("[bridge b]\nannounce = 61s\n", 2, "announce: \"61s\" is not a time");
	expect_error("[bridge b]\nannounce = 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n", 2,
		     "more than 16 rounds");
	expect_error("[bridge b]\nreplay = 2s\n", 2, "replay: \"2s\" is not yes, no or a duration up to 1s");
	expect_error("[bridge b]\nreplay = lots\n", 2, "bridge b: replay");
	expect_error("[bridge b]\nupdelay = 2\n", 2, "not a duration");
	expect_error("[bridge b]\nhold_down = soon\n", 2, "not a duration");
	expect_error("[bridge b]\nflap_limit = -1\n", 2, "not a number");
	expect_error("[bridge b]\npreempt = sometimes\n", 2, "not yes or no");
}

Test(conf, interface_names)
{
	expect_error("[bridge abcdefghijklmnop]\n", 1, "longer than 15 bytes");
	expect_error("[bridge a/b]\n", 1, "'/'");
	expect_error("[bridge a:b]\n", 1, "':'");
	expect_error("[bridge a b]\n", 1, "white space");
	expect_error("[bridge ..]\n", 1, "\"..\"");
	expect_error("[nic a]\nname = eth0:1\n", 2, "invalid interface name");
	/* exactly 15 bytes is fine */
	struct sw_conf c;
	cr_assert_eq(conf_load_string("[bridge abcdefghijklmno]\n", "t", &c, NULL, NULL), 0);
	conf_free(&c);
}

Test(conf, nic_needs_mac_or_name)
{
	expect_error("[nic a]\n", 1, "exactly one of mac =, path = or name =");
	expect_error("[nic a]\npath = pci-0000:03:00.0\nname = eth0\n", 1, "exactly one");
	expect_error("[nic a]\npath = 0000:03:00.0\n", 2, "not a bus path");
	expect_error("[nic a]\npath = pci-0000:03:00.0\n[nic b]\npath = pci-0000:03:00.0\n", 4,
		     "same path");
	expect_error("[nic a]\nmac = 02:00:c6:12:00:10\nname = eth0\n", 1, "exactly one");
	expect_error("[nic a]\nmac = 02:00:c6:12:00:10\n[nic b]\nmac = 02:00:c6:12:00:10\n", 4,
		     "same MAC");
}

Test(conf, ports_and_names_across_sections)
{
	expect_error(with_nics("[bridge eth0]\nports = hweth0 hweth7\n"), 6,
		     "port hweth7 is not a [nic]");
	expect_error(with_nics("[bridge eth0]\nports = hweth0\n[bridge eth1]\nports = hweth0\n"), 8,
		     "already a port of bridge eth0");
	expect_error(with_nics("[bridge eth0]\nports = hweth0 hweth0\n"), 6, "listed twice");
	expect_error(with_nics("[bridge hweth1]\naddress = none\n"), 5, "a [nic] has the same name");
	expect_error(with_nics("[bridge int0]\n[tap int0]\nbridge = int0\n"), 6, "same name");
	expect_error("[tap t0]\nbridge = int9\n", 2, "bridge int9 is not a [bridge]");
	expect_error("[tap t0]\n", 1, "needs bridge =");
	expect_error("[bridge int0]\n[tap t0]\nbridge = int0\nowner = no-such-user-here\n", 4,
		     "no such user");
}

Test(conf, all_errors_in_one_run)
{
	struct sw_conf c;
	struct errs e = { 0 };
	int ret = conf_load_string("[nic a]\nmac = zz\n[bogus]\n[bridge b]\nports = a c\n", "t", &c,
				   collect, &e);

	cr_assert_eq(ret, 3, "every error is reported, got %d", ret);
}

Test(conf, boot_wait)
{
	struct sw_conf c;

	cr_assert_eq(conf_load_string("[switchd]\nboot_wait = 30s\n", "t", &c, NULL, NULL), 0);
	cr_assert_float_eq(c.boot_wait, 30, 1e-9);
	conf_free(&c);
	cr_assert_eq(conf_load_string("[switchd]\n", "t", &c, NULL, NULL), 0);
	cr_assert_float_eq(c.boot_wait, 0, 1e-9, "default: no wait");
	conf_free(&c);
	expect_error("[switchd]\nboot_wait = soon\n", 2, "boot_wait: \"soon\" is not a duration");
}

Test(conf, udev_wait)
{
	struct sw_conf c;

	cr_assert_eq(conf_load_string("[switchd]\n", "t", &c, NULL, NULL), 0);
	cr_assert_float_eq(c.udev_wait, 5, 1e-9, "default: 5 s for udev");
	conf_free(&c);
	cr_assert_eq(conf_load_string("[switchd]\nudev_wait = 0\n", "t", &c, NULL, NULL), 0);
	cr_assert_float_eq(c.udev_wait, 0, 1e-9, "0: do not wait for udev");
	conf_free(&c);
	expect_error("[switchd]\nudev_wait = -1s\n", 2, "udev_wait");
}

Test(conf, defaults)
{
	struct sw_conf c;

	cr_assert_eq(conf_load_string(with_nics("[bridge eth0]\nports = hweth0 hweth1\n[bridge int0]\n"),
				      "t", &c, NULL, NULL),
		     0);
	cr_assert_str_eq(c.socket_path, "/run/switchd/switchd.sock");
	cr_assert_eq(conf_find_bridge(&c, "eth0")->addr_mode, SW_ADDR_KEEP, "ports: keep");
	cr_assert_eq(conf_find_bridge(&c, "int0")->addr_mode, SW_ADDR_NONE, "no ports: none");
	cr_assert_not(conf_find_bridge(&c, "eth0")->stp);
	conf_free(&c);
}

Test(conf, lookups)
{
	struct sw_conf c;

	cr_assert_eq(conf_load_string(with_nics("[bridge eth0]\nports = hweth0 hweth1\n"
						"guests = vnet* veth-ct*\n[bridge int0]\n"
						"[tap tap0]\nbridge = int0\n"),
				      "t", &c, NULL, NULL),
		     0);
	cr_assert_str_eq(conf_bridge_of_port(&c, "hweth1")->name, "eth0");
	cr_assert_null(conf_bridge_of_port(&c, "hweth9"));
	cr_assert_str_eq(conf_bridge_of_guest(&c, "vnet12")->name, "eth0");
	cr_assert_str_eq(conf_bridge_of_guest(&c, "veth-ct1")->name, "eth0");
	cr_assert_null(conf_bridge_of_guest(&c, "veth0"));
	cr_assert_str_eq(conf_find_tap(&c, "tap0")->bridge, "int0");
	cr_assert_str_eq(conf_find_nic(&c, "hweth1")->match_name, "eth1");
	conf_free(&c);
}

static void roundtrip(const char *path)
{
	struct sw_conf a, b;
	struct errs e = { 0 };
	char *text = NULL, *again = NULL;
	size_t len;
	FILE *f;

	cr_assert_eq(conf_load(path, &a, collect, &e), 0, "%s: %s (line %d)", path, e.msg[0],
		     e.line[0]);
	f = open_memstream(&text, &len);
	conf_print(f, &a);
	fclose(f);
	cr_assert_eq(conf_load_string(text, "printed", &b, collect, &e), 0, "printed %s: %s", path,
		     e.msg[0]);
	f = open_memstream(&again, &len);
	conf_print(f, &b);
	fclose(f);
	cr_assert_str_eq(text, again, "printing is stable for %s", path);
	free(text);
	free(again);
	conf_free(&a);
	conf_free(&b);
}

Test(conf, shipped_configs_parse_and_print_back)
{
	glob_t g;
	int n = 0;

	roundtrip(SRCDIR "/conf/switchd.conf");
	roundtrip(SRCDIR "/conf/lab.conf");
	if (glob(SRCDIR "/conf/examples/*.conf", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++, n++)
			roundtrip(g.gl_pathv[i]);
		globfree(&g);
	}
	cr_assert_geq(n, 2, "the examples are tested too");
}

Test(conf, the_shipped_example_says_what_the_manual_says)
{
	struct sw_conf c;
	const struct sw_conf_bridge *b;

	cr_assert_eq(conf_load(SRCDIR "/conf/switchd.conf", &c, NULL, NULL), 0);
	b = conf_find_bridge(&c, "eth0");
	cr_assert_eq(b->nports, 2);
	cr_assert_str_eq(b->ports[0], "hweth0", "preferred first");
	cr_assert_eq(b->nguests, 2);
	cr_assert_eq(conf_find_bridge(&c, "int0")->addr_mode, SW_ADDR_STATIC);
	cr_assert(conf_find_tap(&c, "tap0")->has_owner);
	cr_assert_eq(conf_find_tap(&c, "tap0")->uid, 65534);
	conf_free(&c);
}

Test(conf, missing_file)
{
	struct sw_conf c;
	struct errs e = { 0 };

	cr_assert_lt(conf_load("/nonexistent/switchd.conf", &c, collect, &e), 0);
	cr_assert(strstr(e.msg[0], "cannot read"));
}

/* ---- util --------------------------------------------------------------- */

Test(util, mac)
{
	uint8_t m[6];
	char buf[SW_MACSTR];

	cr_assert_eq(mac_parse("02:00:C6:12:00:1f", m), 0);
	cr_assert_str_eq(mac_format(m, buf), "02:00:c6:12:00:1f");
	cr_assert_lt(mac_parse("02:00:c6:12:00", m), 0);
	cr_assert_lt(mac_parse("02:00:c6:12:00:1f:00", m), 0);
	cr_assert_lt(mac_parse("02-00-c6-12-00-1f", m), 0);
}

Test(util, cidr)
{
	struct sw_cidr c;
	char buf[64];

	cr_assert_eq(cidr_parse("198.18.0.2/24", &c), 0);
	cr_assert_str_eq(cidr_format(&c, buf, sizeof(buf)), "198.18.0.2/24");
	cr_assert_eq(cidr_parse("2001:db8::2/64", &c), 0);
	cr_assert_eq(c.family, AF_INET6);
	cr_assert_eq(cidr_parse("198.18.0.9", &c), 0);
	cr_assert_eq(c.prefixlen, 32, "no length: a host");
	cr_assert_lt(cidr_parse("198.18.0.2/", &c), 0);
	cr_assert_lt(cidr_parse("2001:db8::2/129", &c), 0);
	cr_assert_lt(cidr_parse("eth0", &c), 0);
}

/* ---- issue 11: hostile input --------------------------------------------- */

/* Parse text; expect it to be valid. */
static void expect_ok(const char *text)
{
	struct sw_conf c;
	struct errs e = { 0 };
	int ret = conf_load_string(text, "t.conf", &c, collect, &e);

	cr_assert_eq(ret, 0, "expected no error, got %d: line %d: %s", ret, e.line[0],
		     e.n ? e.msg[0] : "");
	conf_free(&c);
}

Test(hostile, percent_in_names)
{
	const char *why;

	/* the kernel expands tap%d; the name switchd asked for never exists */
	cr_assert_lt(ifname_check("tap%d", &why), 0);
	cr_assert(strstr(why, "'%'"), "reason: %s", why);
	expect_error("[bridge int0]\n[tap tap%d]\nbridge = int0\n", 2, "'%'");
	expect_error("[nic a]\nname = eth%d\n", 2, "'%'");
}

Test(hostile, names_are_printable)
{
	const char *why;

	expect_error("[bridge b\xff\xfe]\n", 1, "not valid UTF-8");
	expect_error("[bridge caf\xc3\xa9]\n", 1, "printable ASCII");
	expect_error("[bridge x\x1b[31m]\n", 1, "control character");
	expect_error("[bridge b]\nguests = vnet*\n[vip 198.18.9.10]\ndevice = lo\x7f\n", 4,
		     "control character");
	cr_assert_lt(ifname_check("e\xc0\xae", &why), 0, "an overlong '.'");
	cr_assert_lt(ifname_check("e\xed\xa0\x80", &why), 0, "a surrogate");
	cr_assert_eq(ifname_check("veth-ct_1.2@x", &why), 0, "punctuation is fine");
}

Test(hostile, numeric_owner_in_range)
{
	expect_error("[bridge int0]\n[tap t0]\nbridge = int0\nowner = 4294967296\n", 4,
		     "out of range");
	expect_error("[bridge int0]\n[tap t0]\nbridge = int0\nowner = 4294967295\n", 4,
		     "out of range");
	expect_error("[bridge int0]\n[tap t0]\nbridge = int0\ngroup = 18446744073709551617\n", 4,
		     "out of range");
	expect_error("[bridge int0]\n[tap t0]\nbridge = int0\nowner = -1\n", 4, "no such user");
	expect_error("[bridge int0]\n[tap t0]\nbridge = int0\nowner = 12x\n", 4, "no such user");
	expect_ok("[bridge int0]\n[tap t0]\nbridge = int0\nowner = 4294967294\ngroup = 0\n");
}

Test(hostile, long_lines)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);
	struct sw_conf c;
	struct errs e = { 0 };
	const struct sw_conf_bridge *b;

	for (int i = 0; i < 320; i++)
		fprintf(f, "[nic n%d]\nname = e%d\n", i, i);
	fprintf(f, "[bridge br0]\nports =");
	for (int i = 0; i < 320; i++)
		fprintf(f, " n%d", i);
	fprintf(f, "\nguests =");
	for (int i = 0; i < 320; i++)
		fprintf(f, " vm%d-*", i);
	fprintf(f, "\n");
	fclose(f);
	cr_assert_gt(strlen(strstr(text, "ports =")), 2000);
	cr_assert_eq(conf_load_string(text, "t.conf", &c, collect, &e), 0, "line %d: %s",
		     e.line[0], e.msg[0]);
	b = conf_find_bridge(&c, "br0");
	cr_assert_eq(b->nports, 320);
	cr_assert_eq(b->nguests, 320);
	cr_assert_str_eq(b->guests[319], "vm319-*");
	conf_free(&c);
	free(text);
}

Test(hostile, too_long_line)
{
	char *text = malloc(6000);

	strcpy(text, "[bridge b]\nguests =");
	for (int i = 0; i < 1100; i++)
		strcat(text, " vm*");
	strcat(text, "\n");
	expect_error(text, 2, "line longer than 4096 bytes");
	free(text);
}

Test(hostile, dev_zero_is_refused, .timeout = 60)
{
	struct sw_conf c;
	struct errs e = { 0 };

	cr_assert_lt(conf_load("/dev/zero", &c, collect, &e), 0);
	cr_assert(strstr(e.msg[0], "larger than"), "%s", e.msg[0]);
}

Test(hostile, errors_reported_are_capped)
{
	char *text = malloc(20000);
	struct sw_conf c;
	struct errs e = { 0 };
	int ret;

	text[0] = '\0';
	for (int i = 0; i < 1000; i++)
		strcat(text, "garbage\n");
	ret = conf_load_string(text, "t.conf", &c, collect, &e);
	cr_assert_eq(ret, 1000, "every error is counted");
	cr_assert_lt(e.n, 60, "but not every one printed: %d", e.n);
	cr_assert_lt(e.n, 32);
	cr_assert_eq(e.line[e.n - 1], 0);
	cr_assert(strstr(e.msg[e.n - 1], "and "), "%s", e.msg[e.n - 1]);
	cr_assert(strstr(e.msg[e.n - 1], " more errors"), "%s", e.msg[e.n - 1]);
	free(text);
}

Test(hostile, a_directory_or_unreadable_file)
{
	struct sw_conf c;
	struct errs e = { 0 };

	cr_assert_lt(conf_load(SRCDIR "/conf", &c, collect, &e), 0, "a directory is no config");
	cr_assert(strstr(e.msg[0], "directory"), "%s", e.msg[0]);
	memset(&e, 0, sizeof(e));
	/* reading /proc/self/mem at offset 0 fails with EIO: not an empty file */
	cr_assert_lt(conf_load("/proc/self/mem", &c, collect, &e), 0, "a read error is no EOF");
	cr_assert(strstr(e.msg[0], "cannot read"), "%s", e.msg[0]);
}

Test(hostile, durations_are_numbers)
{
	expect_error("[bridge b]\ncarrier_poll = nanms\n", 2, "not a duration");
	expect_error("[bridge b]\nupdelay = nans\n", 2, "not a duration");
	expect_error("[bridge b]\nhold_down = infs\n", 2, "not a duration");
	expect_error("[switchd]\nclaim_delay = -nanms\n", 2, "not a duration");
	expect_error("[bridge b]\nannounce = 0 nan\n", 2, "not a time");
	expect_error("[bridge b]\nreplay = nanms\n", 2, "replay");
}

Test(hostile, second_switchd_section)
{
	expect_error("[switchd]\nclaim = no\n[bridge b]\n[switchd]\nsocket = /run/x\n", 4,
		     "[switchd] is given twice (first at line 1)");
}

Test(hostile, byte_order_mark)
{
	expect_ok("\xef\xbb\xbf[bridge b]\naddress = none\n");
	expect_error("[bridge b]\n\xef\xbb\xbf[bridge c]\n", 2, "expected");
}

Test(hostile, values_that_read_back_as_comments)
{
	expect_error("[bridge b]\nguests =#vm*\n", 2, "'#'");
	expect_error("[bridge int0]\n[tap t0]\nbridge = int0\nowner =;x\n", 4, "';'");
}

/* ---- issue 9: the key tables ---------------------------------------------- */

/* Every key of every table, each section once. */
static const char *EVERY_KEY =
	"[switchd]\nsocket = /run/sw-test/s.sock\nsocket_group = 4242\nsocket_mode = 0660\n"
	"boot_wait = 3s\nudev_wait = 250ms\nclaim = yes\nclaim_delay = 1234.5678ms\n"
	"claim_match = veth-x* dummy?\n"
	"hooks = /srv/hooks.d\nhook_timeout = 2.5s\nhook_failure = ignore\n"
	"cable_check = attach\ncable_probe = arp\n"
	"[sysctl]\narp_ignore = 1\narp_announce = 2\narp_filter = 0\nrp_filter = 1\n"
	"proxy_arp = 0\n"
	"[vip 198.18.9.10]\nmode = tun\ndevice = tunl1\n"
	"[nic hweth0]\nmac = 02:00:c6:12:00:10\narp_ignore = 2\narp_announce = 2\n"
	"arp_filter = 1\nrp_filter = 2\nproxy_arp = 1\n"
	"[nic hweth1]\npath = pci-0000:03:00.0\n"
	"[nic hweth2]\nname = eth2\n"
	"[bridge eth0]\nports = hweth0 hweth1\nspares = any\n"
	"address = 198.18.0.2/24 2001:db8::2/64\nstp = on\npreempt = yes\nupdelay = 500ms\n"
	"hold_down = 1.5s\nflap_limit = 7\nflap_window = 20s\ncarrier_poll = 2ms\n"
	"announce = 0 100 1s\nreplay = 250ms\nguests = vnet* ct-*\narp_ignore = 1\n"
	"arp_announce = 2\narp_filter = 1\nrp_filter = 2\nproxy_arp = 198.18.0.50 198.18.0.51\n"
	"watch_arp = yes\nwatch_window = 30s\ncable_check = off\n"
	"[bridge eth2]\nports = hweth2\nproxy_arp = 1\nannounce = no\nreplay = no\n"
	"[tap tap0]\nbridge = eth0\nowner = 4243\ngroup = 4244\n";

/* parse -> print -> parse: the two configs are equal, field by field. */
static void roundtrip_equal(const char *what, struct sw_conf *a)
{
	struct sw_conf b;
	struct errs e = { 0 };
	char *text = NULL, why[256] = "";
	size_t len;
	FILE *f = open_memstream(&text, &len);

	conf_print(f, a);
	fclose(f);
	cr_assert_eq(conf_load_string(text, "printed", &b, collect, &e), 0,
		     "%s printed back does not parse: line %d: %s\n%s", what, e.line[0], e.msg[0],
		     text);
	cr_assert(conf_equal(a, &b, why, sizeof(why)), "%s printed back: %s\n%s", what, why, text);
	conf_free(&b);
	free(text);
}

struct key_check {
	const char *text;
	int missing;
};

static void key_is_used(void *arg, const char *section, const char *key, const char *def,
			const char *help)
{
	struct key_check *kc = arg;
	char hdr[32], line[48];
	const char *s, *end;

	(void)def;
	cr_assert(help && *help, "[%s] %s has no help text", section, key);
	snprintf(hdr, sizeof(hdr), "[%s", section);
	snprintf(line, sizeof(line), "\n%s = ", key);
	cr_assert(strstr(kc->text, hdr), "no [%s] in the every-key config", section);
	/* in any section of that type */
	for (s = strstr(kc->text, hdr); s; s = strstr(s + 1, hdr)) {
		const char *k = strstr(s, line);

		end = strstr(s + 1, "\n[");
		if (k && (!end || k < end))
			return;
	}
	cr_log_error("[%s] %s is not in the every-key config", section, key);
	kc->missing++;
}

Test(keys, every_key_prints_back_to_the_same_config)
{
	struct key_check kc = { EVERY_KEY, 0 };
	struct sw_conf a;
	struct errs e = { 0 };

	conf_each_key(key_is_used, &kc);
	cr_assert_eq(kc.missing, 0, "the every-key config misses %d keys", kc.missing);
	cr_assert_eq(conf_load_string(EVERY_KEY, "every.conf", &a, collect, &e), 0,
		     "line %d: %s", e.line[0], e.msg[0]);
	cr_assert_eq(a.socket_mode, 0660);
	cr_assert_str_eq(a.socket_group, "4242");
	cr_assert_float_eq(a.boot_wait, 3, 1e-9);
	cr_assert_eq(conf_find_tap(&a, "tap0")->uid, 4243);
	cr_assert_eq(conf_find_bridge(&a, "eth2")->sysctl.v[SK_PROXY_ARP], 1);
	roundtrip_equal("every.conf", &a);
	conf_free(&a);
}

Test(keys, shipped_configs_print_back_to_the_same_config)
{
	glob_t g;
	int n = 0;
	const char *pats[] = { SRCDIR "/conf/*.conf", SRCDIR "/conf/examples/*.conf" };

	for (size_t p = 0; p < 2; p++) {
		if (glob(pats[p], 0, NULL, &g) != 0)
			continue;
		for (size_t i = 0; i < g.gl_pathc; i++, n++) {
			struct sw_conf a;
			struct errs e = { 0 };

			cr_assert_eq(conf_load(g.gl_pathv[i], &a, collect, &e), 0, "%s:%d: %s",
				     g.gl_pathv[i], e.line[0], e.msg[0]);
			roundtrip_equal(g.gl_pathv[i], &a);
			conf_free(&a);
		}
		globfree(&g);
	}
	cr_assert_geq(n, 6, "every shipped config, found %d", n);
}

Test(keys, conf_equal_sees_every_key)
{
	/* change one value at a time: each must make the configs differ */
	static const char *const changes[][2] = {
		{ "socket_mode = 0660", "socket_mode = 0600" },
		{ "boot_wait = 3s", "boot_wait = 4s" },
		{ "udev_wait = 250ms", "udev_wait = 0" },
		{ "socket_group = 4242", "socket_group = 4241" },
		{ "claim_match = veth-x* dummy?", "claim_match = veth-x*" },
		{ "mode = tun", "mode = dr" },
		{ "arp_filter = 1\nrp_filter = 2\nproxy_arp = 1", "arp_filter = 1\nrp_filter = 2\nproxy_arp = 0" },
		{ "updelay = 500ms", "updelay = 501ms" },
		{ "announce = 0 100 1s", "announce = 0 100 2s" },
		{ "198.18.0.51", "198.18.0.52" },
		{ "2001:db8::2/64", "2001:db8::2/65" },
		{ "ports = hweth0 hweth1", "ports = hweth1 hweth0" },
		{ "owner = 4243", "owner = 4245" },
		{ "watch_window = 30s", "watch_window = 31s" },
	};
	struct sw_conf a, b;
	char why[256];

	cr_assert_eq(conf_load_string(EVERY_KEY, "a", &a, NULL, NULL), 0);
	for (size_t i = 0; i < ARRAY_SIZE(changes); i++) {
		char text[4096], *at;

		snprintf(text, sizeof(text), "%s", EVERY_KEY);
		at = strstr(text, changes[i][0]);
		cr_assert(at, "%s", changes[i][0]);
		memmove(at + strlen(changes[i][1]), at + strlen(changes[i][0]),
			strlen(at + strlen(changes[i][0])) + 1);
		memcpy(at, changes[i][1], strlen(changes[i][1]));
		cr_assert_eq(conf_load_string(text, "b", &b, NULL, NULL), 0, "%s", changes[i][1]);
		cr_assert_not(conf_equal(&a, &b, why, sizeof(why)), "%s -> %s: still equal",
			      changes[i][0], changes[i][1]);
		conf_free(&b);
	}
	conf_free(&a);
}

struct keylist {
	char k[128][64];
	int n;
};

static void add_table_key(void *arg, const char *section, const char *key, const char *def,
			  const char *help)
{
	struct keylist *l = arg;

	(void)def;
	(void)help;
	cr_assert_lt(l->n, 128);
	snprintf(l->k[l->n++], sizeof(l->k[0]), "%s.%s", section, key);
}

static bool in_list(const struct keylist *l, const char *k)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->k[i], k))
			return true;
	return false;
}

/* The manual documents a key as .BI key " = ..." under .SS [section ...]. */
Test(keys, the_manual_documents_exactly_the_keys_of_the_tables)
{
	static struct keylist table, man;
	char line[1024], section[32] = "";
	FILE *f = fopen(SRCDIR "/docs/switchd.conf.5", "r");
	int bad = 0;

	cr_assert(f);
	conf_each_key(add_table_key, &table);
	while (fgets(line, sizeof(line), f)) {
		char key[40];

		if (!strncmp(line, ".SH", 3) || !strncmp(line, ".SS", 3))
			section[0] = '\0';
		if (!strncmp(line, ".SS [", 5)) {
			sscanf(line + 5, "%31[a-z]", section);
			continue;
		}
		if (!*section || strncmp(line, ".BI ", 4) ||
		    sscanf(line + 4, "%39[a-z_] \" =", key) != 1 || !strstr(line, "\" ="))
			continue;
		cr_assert_lt(man.n, 128);
		snprintf(man.k[man.n++], sizeof(man.k[0]), "%s.%s", section, key);
	}
	fclose(f);
	for (int i = 0; i < table.n; i++)
		if (!in_list(&man, table.k[i])) {
			cr_log_error("%s is not in switchd.conf(5)", table.k[i]);
			bad++;
		}
	for (int i = 0; i < man.n; i++)
		if (!in_list(&table, man.k[i])) {
			cr_log_error("%s is in switchd.conf(5) but no key of the tables", man.k[i]);
			bad++;
		}
	cr_assert_eq(bad, 0, "the manual and the tables differ in %d keys", bad);
}

/* ---- issue 11: drop-ins ---------------------------------------------------- */

static char dropin_dir[64];

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

/* DIR/switchd.conf with text, and DIR/switchd.conf.d/ */
static void make_config(const char *text)
{
	char d[128];

	snprintf(dropin_dir, sizeof(dropin_dir), "/tmp/switchd-test-conf.XXXXXX");
	cr_assert(mkdtemp(dropin_dir));
	write_file(dropin_dir, "switchd.conf", text);
	snprintf(d, sizeof(d), "%s/switchd.conf.d", dropin_dir);
	cr_assert_eq(mkdir(d, 0755), 0);
}

static void dropin(const char *name, const char *text)
{
	char d[128];

	snprintf(d, sizeof(d), "%s/switchd.conf.d", dropin_dir);
	write_file(d, name, text);
}

static void remove_config(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dropin_dir);
	cr_assert_eq(system(cmd), 0);
}

static int load_config(struct sw_conf *c, struct errs *e)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/switchd.conf", dropin_dir);
	return conf_load(path, c, collect, e);
}

static const char *MAIN_CONF = "[nic hweth0]\nmac = 02:00:c6:12:00:10\n"
			       "[nic hweth1]\nmac = 02:00:c6:12:00:11\n"
			       "[bridge eth0]\nports = hweth0 hweth1\nupdelay = 1s\n"
			       "guests = vnet*\n";

Test(dropins, override_add_and_order, .fini = remove_config)
{
	struct sw_conf c;
	struct errs e = { 0 };
	const struct sw_conf_bridge *b;

	make_config(MAIN_CONF);
	/* C order: "10-..." before "9-..."; the later file wins */
	dropin("10-site.conf", "[bridge eth0]\nupdelay = 3s\nports = hweth1 hweth0\n"
			       "[bridge int0]\naddress = 198.18.254.1/24\n");
	dropin("9-local.conf", "[bridge eth0]\nupdelay = 4s\n[switchd]\nboot_wait = 5s\n");
	dropin("8-off.conf.bak", "this is not read\n");
	dropin(".7-hidden.conf", "neither is this\n");
	cr_assert_eq(load_config(&c, &e), 0, "%d: %s", e.line[0], e.msg[0]);
	b = conf_find_bridge(&c, "eth0");
	cr_assert_float_eq(b->updelay, 4, 1e-9, "9-local.conf is read last");
	cr_assert_eq(b->nports, 2, "a list given again replaces the old one");
	cr_assert_str_eq(b->ports[0], "hweth1");
	cr_assert_eq(b->nguests, 1, "keys not given keep their value");
	cr_assert(conf_find_bridge(&c, "int0"), "a new section is added");
	cr_assert_float_eq(c.boot_wait, 5, 1e-9);
	cr_assert_eq(c.nfiles, 3);
	roundtrip_equal("the merged config", &c);
	conf_free(&c);
}

struct where_errs {
	int n;
	char file[4][256];
	int line[4];
	char msg[4][256];
};

static void collect_where(void *arg, const char *file, int line, const char *msg)
{
	struct where_errs *e = arg;

	if (e->n < 4) {
		snprintf(e->file[e->n], sizeof(e->file[0]), "%s", file);
		e->line[e->n] = line;
		snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s", msg);
	}
	e->n++;
}

Test(dropins, errors_name_the_dropin_and_its_line, .fini = remove_config)
{
	struct sw_conf c;
	struct where_errs e = { 0 };
	char path[128];

	make_config(MAIN_CONF);
	dropin("50-bad.conf", "[bridge eth0]\n\nupdelay = soon\n");
	snprintf(path, sizeof(path), "%s/switchd.conf", dropin_dir);
	cr_assert_eq(conf_load(path, &c, collect_where, &e), 1);
	cr_assert(strstr(e.file[0], "switchd.conf.d/50-bad.conf"), "%s", e.file[0]);
	cr_assert_eq(e.line[0], 3);
	cr_assert(strstr(e.msg[0], "updelay: \"soon\" is not a duration"), "%s", e.msg[0]);
}

Test(dropins, checks_across_files_name_the_right_file, .fini = remove_config)
{
	struct sw_conf c;
	struct where_errs e = { 0 };
	char path[128];

	make_config(MAIN_CONF);
	dropin("50-x.conf", "[bridge eth0]\n[bridge eth0]\n# a comment\n[bridge eth1]\n"
			    "ports = hweth7\n");
	snprintf(path, sizeof(path), "%s/switchd.conf", dropin_dir);
	cr_assert_eq(conf_load(path, &c, collect_where, &e), 2);
	cr_assert(strstr(e.file[0], "switchd.conf.d/50-x.conf"), "%s", e.file[0]);
	cr_assert_eq(e.line[0], 2);
	cr_assert(strstr(e.msg[0], "[bridge eth0] is defined twice (first at line 1)"), "%s",
		  e.msg[0]);
	cr_assert(strstr(e.file[1], "switchd.conf.d/50-x.conf"), "%s", e.file[1]);
	cr_assert_eq(e.line[1], 5);
	cr_assert(strstr(e.msg[1], "port hweth7 is not a [nic]"), "%s", e.msg[1]);
}

Test(dropins, print_says_where_each_value_came_from, .fini = remove_config)
{
	struct sw_conf c;
	struct errs e = { 0 };
	char *text = NULL, want[256];
	size_t len;
	FILE *f;

	make_config(MAIN_CONF);
	dropin("10-site.conf", "[bridge eth0]\n# slower\nupdelay = 3s\n");
	cr_assert_eq(load_config(&c, &e), 0, "%s", e.msg[0]);
	f = open_memstream(&text, &len);
	conf_print(f, &c);
	fclose(f);
	snprintf(want, sizeof(want), "# from %s/switchd.conf.d/10-site.conf:3\nupdelay = 3000ms\n",
		 dropin_dir);
	cr_assert(strstr(text, want), "no \"%s\" in\n%s", want, text);
	snprintf(want, sizeof(want), "# from %s/switchd.conf:5\n[bridge eth0]\n", dropin_dir);
	cr_assert(strstr(text, want), "no \"%s\" in\n%s", want, text);
	snprintf(want, sizeof(want), "# from %s/switchd.conf:8\nguests = vnet*\n", dropin_dir);
	cr_assert(strstr(text, want), "no \"%s\" in\n%s", want, text);
	cr_assert(strstr(text, "\nhold_down = 30000ms\n"), "a default has no origin:\n%s", text);
	cr_assert_not(strstr(text, "# from printed"));
	free(text);
	conf_free(&c);
}

Test(dropins, an_unreadable_dropin_is_an_error, .fini = remove_config)
{
	struct sw_conf c;
	struct errs e = { 0 };
	char d[160];

	make_config(MAIN_CONF);
	snprintf(d, sizeof(d), "%s/switchd.conf.d/20-dir.conf", dropin_dir);
	cr_assert_eq(mkdir(d, 0755), 0);
	cr_assert_eq(load_config(&c, &e), 1);
	cr_assert(strstr(e.msg[0], "directory"), "%s", e.msg[0]);
}

/* ---- the owner/group lookup the control methods share ---------------------- */

/* getpwnam/getgrnam of this binary: counted, then libc's. A lookup loads the
 * NSS modules (libnss_systemd and libm here: half a MiB of RSS). */
static int name_lookups;

struct passwd *getpwnam(const char *name)
{
	struct passwd *(*real)(const char *) = (struct passwd *(*)(const char *))dlsym(RTLD_NEXT, "getpwnam");

	name_lookups++;
	return real(name);
}

struct group *getgrnam(const char *name)
{
	struct group *(*real)(const char *) = (struct group *(*)(const char *))dlsym(RTLD_NEXT, "getgrnam");

	name_lookups++;
	return real(name);
}

Test(resolve, a_number_is_not_looked_up)
{
	char err[160];
	uid_t uid = 7;
	gid_t gid = 7;

	name_lookups = 0;
	cr_assert_eq(conf_resolve_owner("65534", &uid, err, sizeof(err)), 0);
	cr_assert_eq(uid, 65534);
	cr_assert_eq(conf_resolve_group("100", &gid, err, sizeof(err)), 0);
	cr_assert_eq(gid, 100);
	cr_assert_eq(conf_resolve_owner("4294967295", &uid, err, sizeof(err)), -ERANGE);
	cr_assert_eq(name_lookups, 0, "a number went to the name service");
	cr_assert_eq(conf_resolve_owner("nobody", &uid, err, sizeof(err)), 0);
	cr_assert_eq(uid, 65534);
	cr_assert_eq(name_lookups, 1, "a name is looked up");
}

Test(resolve, a_config_of_numeric_taps_does_no_lookup)
{
	struct sw_conf c;
	struct errs e = {0};
	char text[4096];
	int n = snprintf(text, sizeof(text), "[bridge int0]\n");

	for (int i = 0; i < 50; i++)
		n += snprintf(text + n, sizeof(text) - n, "[tap t%d]\nbridge = int0\nowner = 65534\ngroup = 100\n", i);
	name_lookups = 0;
	cr_assert_eq(conf_load_string(text, "t", &c, collect, &e), 0, "%s", e.msg[0]);
	cr_assert_eq(name_lookups, 0, "%d lookups for numeric owners", name_lookups);
	conf_free(&c);
}

Test(resolve, owner_and_group)
{
	char err[160];
	uid_t uid = 7;
	gid_t gid = 7;

	cr_assert_eq(conf_resolve_owner("root", &uid, err, sizeof(err)), 0);
	cr_assert_eq(uid, 0);
	cr_assert_eq(conf_resolve_owner("4294967294", &uid, err, sizeof(err)), 0);
	cr_assert_eq(uid, 4294967294u);
	cr_assert_eq(conf_resolve_owner("4294967296", &uid, err, sizeof(err)), -ERANGE,
		     "2^32 is no uid 0");
	cr_assert_str_eq(err, "owner 4294967296: uid out of range (0-4294967294)");
	cr_assert_eq(conf_resolve_owner("4294967295", &uid, err, sizeof(err)), -ERANGE,
		     "(uid_t)-1 means no change to chown()");
	cr_assert_eq(conf_resolve_owner("no-such-user-here", &uid, err, sizeof(err)), -ENOENT);
	cr_assert_str_eq(err, "owner no-such-user-here: no such user");
	cr_assert_eq(conf_resolve_owner("", &uid, err, sizeof(err)), -ENOENT);
	cr_assert_eq(conf_resolve_owner(" 5", &uid, err, sizeof(err)), -ENOENT);
	cr_assert_eq(conf_resolve_group("0", &gid, err, sizeof(err)), 0);
	cr_assert_eq(gid, 0);
	cr_assert_eq(conf_resolve_group("99999999999999999999999", &gid, err, sizeof(err)), -ERANGE);
	cr_assert_str_eq(err, "group 99999999999999999999999: gid out of range (0-4294967294)");
	cr_assert_eq(conf_resolve_group("no-such-group-here", &gid, err, sizeof(err)), -ENOENT);
	cr_assert_str_eq(err, "group no-such-group-here: no such group");
}

Test(keys, hooks)
{
	struct sw_conf c;

	cr_assert_eq(conf_load_string("[switchd]\n", "t", &c, NULL, NULL), 0);
	cr_assert_str_eq(c.hooks_dir, "/etc/switchd/hooks.d", "the default directory");
	cr_assert_float_eq(c.hook_timeout, 5, 1e-9, "default 5 s");
	cr_assert(!c.hook_failure_ignore, "default: block");
	conf_free(&c);
	cr_assert_eq(conf_load_string("[switchd]\nhooks = /srv/h\nhook_timeout = 300ms\n"
				      "hook_failure = block\n",
				      "t", &c, NULL, NULL),
		     0);
	cr_assert_str_eq(c.hooks_dir, "/srv/h");
	cr_assert_float_eq(c.hook_timeout, 0.3, 1e-9);
	conf_free(&c);
	expect_error("[switchd]\nhooks = hooks.d\n", 2, "hooks \"hooks.d\": needs an absolute path");
	expect_error("[switchd]\nhook_timeout = 0\n", 2, "hook_timeout must be more than 0");
	expect_error("[switchd]\nhook_timeout = soon\n", 2, "not a duration");
	expect_error("[switchd]\nhook_failure = maybe\n", 2,
		     "hook_failure: \"maybe\" is not block or ignore");
}

Test(keys, socket_and_boot_wait)
{
	struct sw_conf c;

	cr_assert_eq(conf_load_string("[switchd]\n", "t", &c, NULL, NULL), 0);
	cr_assert_eq(c.socket_mode, 0600, "default 0600");
	cr_assert_str_eq(c.socket_group, "", "default: no group");
	cr_assert_float_eq(c.boot_wait, 0, 1e-9, "default: do not wait");
	conf_free(&c);
	expect_error("[switchd]\nsocket_mode = 0666\n", 2, "socket_mode: 0666 lets every user");
	expect_error("[switchd]\nsocket_mode = 0601\n", 2, "lets every user");
	expect_error("[switchd]\nsocket_mode = 660x\n", 2, "not an octal mode");
	expect_error("[switchd]\nsocket_mode = 01660\n", 2, "not an octal mode");
	expect_error("[switchd]\nsocket_group = no-such-group-here\n", 2,
		     "socket_group no-such-group-here: no such group");
	expect_error("[switchd]\nsocket_group = 4294967295\n", 2, "out of range");
	expect_error("[switchd]\nboot_wait = nans\n", 2, "boot_wait: \"nans\" is not a duration");
	expect_ok("[switchd]\nsocket_mode = 0660\nsocket_group = root\nboot_wait = 30s\n");
}

Test(cable, check_defaults_and_errors)
{
	struct sw_conf c;
	struct errs e = { 0 };

	cr_assert_eq(conf_load_string("[nic hweth0]\nmac = 02:00:c6:12:00:10\n"
				      "[nic hweth1]\nmac = 02:00:c6:12:00:11\n"
				      "[bridge eth0]\nports = hweth0\n"
				      "[bridge eth1]\nports = hweth1\ncable_check = attach\n",
				      "c", &c, collect, &e),
		     0, "%s", e.msg[0]);
	cr_assert_eq(conf_cable_check(&c, conf_find_bridge(&c, "eth0")), CABLE_MODE_REPORT,
		     "report by default");
	cr_assert_eq(conf_cable_check(&c, conf_find_bridge(&c, "eth1")), CABLE_MODE_ATTACH);
	/* show's and --check's word for each: the config's */
	cr_assert_str_eq(conf_cable_mode_name(conf_cable_check(&c, conf_find_bridge(&c, "eth0"))),
			 "report");
	cr_assert_str_eq(conf_cable_mode_name(CABLE_MODE_ATTACH), "attach");
	cr_assert_str_eq(conf_cable_mode_name(CABLE_MODE_OFF), "off");
	cr_assert_not(c.cable_probe, "no probe by default");
	cr_assert_eq(conf_move_port(&c, "eth0", "eth1", "hweth0"), 0);
	cr_assert_eq(conf_find_bridge(&c, "eth0")->nports, 0);
	cr_assert_eq(conf_find_bridge(&c, "eth1")->nports, 2);
	cr_assert_str_eq(conf_find_bridge(&c, "eth1")->ports[1], "hweth0", "as the last standby");
	cr_assert_eq(conf_move_port(&c, "eth0", "eth1", "hweth0"), -ENOENT);
	cr_assert_eq(conf_move_port(&c, "eth1", "eth9", "hweth0"), -ENOENT);
	conf_free(&c);
	cr_assert_eq(conf_load_string("[switchd]\ncable_check = off\n[bridge eth0]\n", "c", &c,
				      NULL, NULL),
		     0);
	cr_assert_eq(conf_cable_check(&c, conf_find_bridge(&c, "eth0")), CABLE_MODE_OFF,
		     "[switchd]'s default");
	conf_free(&c);
	memset(&e, 0, sizeof(e));
	cr_assert_eq(conf_load_string("[bridge eth0]\ncable_check = move\n", "c", &c, collect, &e), 1);
	cr_assert_str_eq(e.msg[0], "bridge eth0: cable_check: \"move\" is not report, attach or off");
	memset(&e, 0, sizeof(e));
	cr_assert_eq(conf_load_string("[switchd]\ncable_probe = lldp\n", "c", &c, collect, &e), 1);
	cr_assert_str_eq(e.msg[0], "cable_probe: \"lldp\" is not arp or off");
}
