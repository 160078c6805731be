/* The config contract: what parses, and every error with its line. */
#include <criterion/criterion.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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
