/*
 * The ARP / reverse-path policy with no kernel: config + a hand-made sysctl
 * snapshot and link model in, the sysctl writes, proxy entries and VIP
 * addresses out; the config checks that refuse values the kernel would
 * override; and the doctor's verdicts on crafted hosts.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "doctor.h"
#include "link.h"
#include "plan.h"
#include "policy.h"
#include "sysctl.h"

static struct sw_conf conf;
static struct sw_linkdb db;
static struct sw_plan plan;
static struct sk_snapshot sk;
static struct sw_proxy proxies[8];
static size_t nproxies;

static void setup(void)
{
	memset(&conf, 0, sizeof(conf));
	memset(&plan, 0, sizeof(plan));
	memset(&sk, 0, sizeof(sk));
	nproxies = 0;
	linkdb_init(&db);
	for (int k = 0; k < SK_NKEYS; k++)
		sk.all.v[k] = sk.dflt.v[k] = 0;
	sk.dflt.v[SK_PROXY_DELAY] = 80;
	snprintf(sk.all.name, sizeof(sk.all.name), "all");
	snprintf(sk.dflt.name, sizeof(sk.dflt.name), "default");
}

static void teardown(void)
{
	plan_free(&plan);
	conf_free(&conf);
	linkdb_free(&db);
	sk_snapshot_free(&sk);
}

TestSuite(policy, .init = setup, .fini = teardown);

static void load(const char *text)
{
	int errors = conf_load_string(text, "test.conf", &conf, NULL, NULL);

	cr_assert_eq(errors, 0, "config has %d errors", errors);
}

static char errbuf[2048];
static void keep(void *arg, const char *file, int line, const char *msg)
{
	(void)arg;
	snprintf(errbuf + strlen(errbuf), sizeof(errbuf) - strlen(errbuf), "%s:%d: %s\n", file,
		 line, msg);
}

static int load_bad(const char *text)
{
	struct sw_conf c;

	errbuf[0] = '\0';
	return conf_load_string(text, "bad.conf", &c, keep, NULL);
}

/* a device in the model and in the sysctl snapshot (values as default's) */
static void dev(int ifindex, const char *name, unsigned int flags, const char *kind)
{
	struct sw_link l = { .ifindex = ifindex, .flags = flags | IFF_UP };
	struct sk_dev *v = realloc(sk.devs, (sk.ndevs + 1) * sizeof(*v));

	snprintf(l.name, sizeof(l.name), "%s", name);
	snprintf(l.kind, sizeof(l.kind), "%s", kind);
	cr_assert_eq(linkdb_put_link(&db, &l), 0);
	cr_assert(v);
	sk.devs = v;
	v[sk.ndevs] = sk.dflt;
	snprintf(v[sk.ndevs].name, sizeof(v[0].name), "%s", name);
	sk.ndevs++;
}

static struct sk_dev *skd(const char *name)
{
	return (struct sk_dev *)sk_find(&sk, name);
}

static void addr4(int ifindex, const char *ip, int prefixlen)
{
	struct sw_addr a = { .family = AF_INET, .ifindex = ifindex, .prefixlen = prefixlen,
			     .has_local = true, .has_address = true };

	inet_pton(AF_INET, ip, a.local);
	memcpy(a.address, a.local, 4);
	cr_assert_eq(linkdb_put_addr(&db, &a), 0);
}

static void run(void)
{
	struct policy_input in = { &conf, NULL, &db, &sk, proxies, nproxies, NULL, 0, false };

	cr_assert_eq(policy_plan(&in, &plan), 0);
}

/* the plan as text, one action per line: "sysctl: set conf/all/rp_filter = 0 (was 2)" */
static const char *plan_text(void)
{
	static char buf[8192];

	buf[0] = '\0';
	for (size_t i = 0; i < plan.n; i++) {
		char t[256];

		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s: %s\n",
			 plan.groups[plan.v[i].group].name, action_describe(&plan.v[i], t, sizeof(t)));
	}
	return buf;
}

static void has(const char *line)
{
	cr_expect(strstr(plan_text(), line), "missing \"%s\" in:\n%s", line, plan_text());
}

static void hasnt(const char *line)
{
	cr_expect(!strstr(plan_text(), line), "unexpected \"%s\" in:\n%s", line, plan_text());
}

Test(policy, combining_rules)
{
	cr_expect_eq(sk_effective(SK_RP_FILTER, 2, 0), 2, "rp_filter: max(all, dev)");
	cr_expect_eq(sk_effective(SK_RP_FILTER, 0, 1), 1);
	cr_expect_eq(sk_effective(SK_ARP_IGNORE, 1, 2), 2);
	cr_expect_eq(sk_effective(SK_PROXY_ARP, 1, 0), 1, "proxy_arp: all || dev");
	cr_expect_eq(sk_effective(SK_ARP_FILTER, 0, 0), 0);
	cr_expect_eq(sk_effective(SK_FORWARDING, 1, 0), 0, "forwarding: the device only");
}

Test(policy, config_refuses_values_all_overrides)
{
	cr_assert_eq(load_bad("[sysctl]\nrp_filter = 2\n[bridge int0]\naddress = none\n"
			      "rp_filter = 0\n"),
		     1);
	cr_expect(strstr(errbuf, "bad.conf:5: bridge int0: rp_filter = 0 cannot take effect: "
				 "[sysctl] rp_filter = 2 (line 2) and the kernel uses max(all, int0)"),
		  "%s", errbuf);
	cr_assert_eq(load_bad("[sysctl]\nproxy_arp = 1\n[bridge int0]\nproxy_arp = 0\n"), 1);
	cr_expect(strstr(errbuf, "kernel uses or(all, int0)"), "%s", errbuf);
	/* an address-less proxy bridge needs rp_filter and arp_ignore 0 */
	cr_assert_eq(load_bad("[sysctl]\nrp_filter = 1\narp_ignore = 1\n[bridge int0]\n"
			      "address = none\nproxy_arp = 198.18.7.50\n"),
		     2);
	cr_expect(strstr(errbuf, "bad.conf:2: [sysctl] rp_filter = 1: bridge int0 is an "
				 "address-less ARP proxy"),
		  "%s", errbuf);
	/* a VIP must not be answered or announced */
	cr_assert_eq(load_bad("[vip 198.18.7.100]\n[nic hweth0]\nmac = 02:00:c6:12:07:10\n"
			      "[bridge eth0]\nports = hweth0\narp_ignore = 0\narp_announce = 1\n"),
		     2);
	cr_expect(strstr(errbuf, "bad.conf:6: bridge eth0: arp_ignore = 0 makes the host answer "
				 "ARP for vip 198.18.7.100"),
		  "%s", errbuf);
}

Test(policy, config_refuses_bad_values)
{
	cr_expect_eq(load_bad("[sysctl]\narp_ignore = 5\n"), 1);
	cr_expect(strstr(errbuf, "bad.conf:2: sysctl: arp_ignore: \"5\" is not a valid value "
				 "(0-3 or 8)"),
		  "%s", errbuf);
	cr_expect_eq(load_bad("[sysctl]\nrp_filter = loose\n"), 1);
	cr_expect_eq(load_bad("[sysctl]\nfoo = 1\n"), 1);
	cr_expect(strstr(errbuf, "unknown key \"foo\" in [sysctl]"), "%s", errbuf);
	cr_expect_eq(load_bad("[bridge int0]\nproxy_arp = 198.18.7.300\n"), 1);
	cr_expect(strstr(errbuf, "bridge int0: proxy_arp: \"198.18.7.300\" is not an IPv4"),
		  "%s", errbuf);
	cr_expect_eq(load_bad("[bridge int0]\nproxy_arp = 198.18.7.5 198.18.7.5\n"), 1);
	cr_expect_eq(load_bad("[vip 2001:db8::1]\n"), 1);
	cr_expect_eq(load_bad("[vip 198.18.7.1]\nmode = nat\n"), 1);
	cr_expect(strstr(errbuf, "vip 198.18.7.1: mode: \"nat\" is not dr or tun"), "%s", errbuf);
	cr_expect_eq(load_bad("[sysctl]\n[sysctl]\n"), 1);
}

Test(policy, config_round_trips)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct sw_conf again;

	load("[sysctl]\narp_announce = 2\nproxy_arp = no\n[vip 198.18.7.100]\nmode = tun\n"
	     "device = tun9\n[bridge int0]\naddress = none\nproxy_arp = 198.18.7.50 198.18.7.51\n"
	     "arp_ignore = 0\nwatch_arp = yes\nwatch_window = 5s\n");
	conf_print(f, &conf);
	fclose(f);
	cr_assert_eq(conf_load_string(text, "again", &again, NULL, NULL), 0, "%s", text);
	cr_expect_eq(again.sysctl.v[SK_ARP_ANNOUNCE], 2);
	cr_expect_eq(again.sysctl.v[SK_PROXY_ARP], 0);
	cr_expect_eq(again.sysctl.v[SK_RP_FILTER], -1);
	cr_expect_eq(again.nvips, 1);
	cr_expect_eq(again.vips[0].mode, SW_VIP_TUN);
	cr_expect_str_eq(again.vips[0].device, "tun9");
	cr_expect_eq(again.bridges[0].nproxy, 2);
	cr_expect_eq(again.bridges[0].sysctl.v[SK_ARP_IGNORE], 0);
	cr_expect(again.bridges[0].watch_arp);
	cr_expect_eq(again.bridges[0].watch_window, 5);
	conf_free(&again);
	free(text);
}

/* systemd's all/rp_filter = 2 and an address-less proxy bridge: all is
 * lowered to 0, and every other device keeps effective 2 through its own value. */
Test(policy, lowering_all_keeps_the_others)
{
	load("[bridge int0]\naddress = none\nproxy_arp = 198.18.7.50\n");
	dev(1, "lo", IFF_LOOPBACK, "");
	dev(2, "eth0", 0, "bridge");
	dev(3, "int0", 0, "bridge");
	addr4(2, "198.18.7.2", 24);
	sk.all.v[SK_RP_FILTER] = 2;
	skd("eth0")->v[SK_RP_FILTER] = 1; /* below all: effective 2, must stay 2 */
	run();
	has("sysctl: set conf/eth0/rp_filter = 2 (was 1)");
	has("sysctl: set conf/default/rp_filter = 2 (was 0)");
	has("sysctl: set conf/all/rp_filter = 0 (was 2)");
	/* 0 already, but never written: it would follow default's new 2
	 * (devinet_copy_dflt_conf), so it is pinned before default changes */
	has("sysctl: set conf/int0/rp_filter = 0 (was 0)");
	cr_expect(strstr(plan_text(), "conf/int0/rp_filter") <
		  strstr(plan_text(), "conf/default/rp_filter"));
	hasnt("conf/lo/rp_filter");
	has("sysctl: set conf/int0/forwarding = 1 (was 0)");
	has("sysctl: set neigh/int0/proxy_delay = 0 (was 80)");
	has("proxy int0: add proxy-ARP entry 198.18.7.50 on int0");
	hasnt("forwarding = 1 (was 0)\nsysctl: set conf/eth0/forwarding");
	/* the raise comes before the lowering: no moment with less filtering */
	cr_expect(strstr(plan_text(), "conf/eth0/rp_filter") <
		  strstr(plan_text(), "conf/all/rp_filter"));
}

Test(policy, sysctl_section_sets_all_and_default)
{
	load("[sysctl]\narp_ignore = 1\narp_announce = 2\n[bridge eth0]\naddress = none\n"
	     "arp_ignore = 2\n");
	dev(2, "eth0", 0, "bridge");
	run();
	has("set conf/all/arp_ignore = 1 (was 0)");
	has("set conf/default/arp_ignore = 1 (was 0)");
	has("set conf/all/arp_announce = 2 (was 0)");
	has("set conf/eth0/arp_ignore = 2 (was 0)");
	/* applied: nothing more to do */
	plan_free(&plan);
	sk.all.v[SK_ARP_IGNORE] = sk.dflt.v[SK_ARP_IGNORE] = 1;
	sk.all.v[SK_ARP_ANNOUNCE] = sk.dflt.v[SK_ARP_ANNOUNCE] = 2;
	skd("eth0")->v[SK_ARP_IGNORE] = 2;
	run();
	cr_expect_eq(plan.n, 0, "%s", plan_text());
}

Test(policy, vip_dr_hides_through_all)
{
	load("[vip 198.18.7.100]\nmode = dr\n");
	dev(1, "lo", IFF_LOOPBACK, "");
	dev(2, "eth0", 0, "bridge");
	addr4(2, "198.18.7.2", 24);
	run();
	has("vip 198.18.7.100: add address 198.18.7.100/32 to lo");
	has("set conf/all/arp_ignore = 1 (was 0)");
	has("set conf/all/arp_announce = 2 (was 0)");
	hasnt("conf/eth0/arp_ignore");
}

/* A VIP and an address-less proxy bridge: all must stay 0 for the bridge,
 * so the VIP is hidden on each device with an address instead. */
Test(policy, vip_with_proxy_bridge_per_device)
{
	load("[vip 198.18.7.100]\n[bridge int0]\naddress = none\nproxy_arp = 198.18.7.50\n");
	dev(1, "lo", IFF_LOOPBACK, "");
	dev(2, "eth0", 0, "bridge");
	dev(3, "int0", 0, "bridge");
	dev(4, "hweth0", 0, "veth"); /* a port: no address, not touched */
	addr4(2, "198.18.7.2", 24);
	run();
	hasnt("conf/all/arp_ignore");
	has("set conf/eth0/arp_ignore = 1 (was 0)");
	hasnt("conf/int0/arp_ignore");
	hasnt("conf/hweth0/arp_ignore");
	has("set conf/all/arp_announce = 2 (was 0)");
}

Test(policy, vip_tun_loose_rp_filter)
{
	load("[sysctl]\nrp_filter = 1\n[vip 198.18.7.100]\nmode = tun\ndevice = tun9\n");
	dev(5, "tun9", IFF_NOARP, "veth");
	sk.all.v[SK_RP_FILTER] = 1;
	sk.dflt.v[SK_RP_FILTER] = 1;
	skd("tun9")->v[SK_RP_FILTER] = 1;
	run();
	has("vip 198.18.7.100: add address 198.18.7.100/32 to tun9");
	has("set conf/tun9/rp_filter = 2 (was 1)");
}

Test(policy, vip_missing_device_is_an_error)
{
	load("[vip 198.18.7.100]\nmode = tun\n");
	run();
	cr_assert_str_eq(plan.groups[0].name, "vip 198.18.7.100");
	cr_expect_str_eq(plan.groups[0].error,
			 "device tunl0 does not exist (the ipip module is not loaded)");
}

Test(policy, proxy_table_is_exactly_the_line)
{
	struct sw_conf old;

	load("[bridge int0]\naddress = none\nproxy_arp = 198.18.7.50\n");
	dev(3, "int0", 0, "bridge");
	dev(4, "eth0", 0, "bridge");
	proxies[0] = (struct sw_proxy){ 3, inet_addr("198.18.7.50") };
	proxies[1] = (struct sw_proxy){ 3, inet_addr("198.18.7.51") }; /* left over */
	proxies[2] = (struct sw_proxy){ 4, inet_addr("198.18.7.52") }; /* not ours: eth0 */
	nproxies = 3;
	run();
	has("proxy int0: remove proxy-ARP entry 198.18.7.51 from int0");
	hasnt("198.18.7.50 on int0");
	hasnt("198.18.7.52");
	/* the bridge leaves the config: its entries go */
	plan_free(&plan);
	cr_assert_eq(conf_load_string("[bridge int0]\naddress = none\nproxy_arp = 198.18.7.50\n",
				      "old", &old, NULL, NULL),
		     0);
	conf_free(&conf);
	load("[sysctl]\n");
	nproxies = 1;
	{
		struct policy_input in = { &conf, &old, &db, &sk, proxies, nproxies, NULL, 0, false };

		cr_assert_eq(policy_plan(&in, &plan), 0);
	}
	has("proxy int0: remove proxy-ARP entry 198.18.7.50 from int0");
	conf_free(&old);
}

/* ---- doctor ------------------------------------------------------------- */

static json_t *doctor(void)
{
	struct doctor_input in = { .db = &db, .sk = &sk, .proxies = proxies,
				   .nproxies = nproxies, .conf = NULL };

	return doctor_run(&in);
}

static int count(json_t *r, const char *id)
{
	size_t i;
	json_t *h;
	int n = 0;

	json_array_foreach(json_object_get(r, "hazards"), i, h)
		n += !strcmp(json_string_value(json_object_get(h, "id")), id);
	return n;
}

Test(policy, doctor_flux_then_clean)
{
	json_t *r;

	for (int i = 0; i < 3; i++) {
		char name[8], ip[16];

		snprintf(name, sizeof(name), "eth%d", i);
		snprintf(ip, sizeof(ip), "198.18.9.1%d", i);
		dev(2 + i, name, 0, "veth");
		addr4(2 + i, ip, 24);
	}
	r = doctor();
	cr_expect_eq(count(r, "arp-flux"), 1);
	cr_expect(strstr(json_string_value(json_object_get(
				 json_array_get(json_object_get(r, "hazards"), 0), "object")),
			 "eth0 eth1 eth2"));
	json_decref(r);
	sk.all.v[SK_ARP_IGNORE] = 1;
	r = doctor();
	cr_expect_eq(json_array_size(json_object_get(r, "hazards")), 0);
	json_decref(r);
}

Test(policy, doctor_proxy_and_vip_hazards)
{
	json_t *r;

	dev(1, "lo", IFF_LOOPBACK, "");
	dev(2, "eth0", 0, "bridge");
	dev(3, "int0", 0, "bridge");
	addr4(1, "198.18.7.100", 32);
	addr4(2, "198.18.7.2", 24);
	proxies[0] = (struct sw_proxy){ 3, inet_addr("198.18.7.50") };
	proxies[1] = (struct sw_proxy){ 0, inet_addr("198.18.7.50") };
	nproxies = 2;
	sk.all.v[SK_RP_FILTER] = 2;
	r = doctor();
	cr_expect_eq(count(r, "proxy-multi"), 1, "one IP, a device and every device");
	cr_expect_eq(count(r, "proxy-dead"), 1, "forwarding 0 on int0");
	cr_expect_eq(count(r, "proxy-rpfilter"), 1, "int0 has no address and rp_filter 2");
	cr_expect_eq(count(r, "vip-answered"), 1);
	cr_expect_eq(count(r, "vip-announced"), 1);
	json_decref(r);
	/* fixed as switchd would */
	nproxies = 1;
	sk.all.v[SK_RP_FILTER] = 0;
	sk.all.v[SK_ARP_IGNORE] = 1;
	sk.all.v[SK_ARP_ANNOUNCE] = 2;
	skd("int0")->v[SK_FORWARDING] = 1;
	skd("int0")->v[SK_PROXY_DELAY] = 0;
	skd("int0")->v[SK_ARP_IGNORE] = 0;
	r = doctor();
	/* int0 still answers nothing for local targets: arp_ignore max(1, 0) = 1 */
	cr_expect_eq(count(r, "proxy-arpignore"), 1);
	cr_expect_eq(count(r, "vip-answered") + count(r, "vip-announced") + count(r, "proxy-dead") +
			     count(r, "proxy-multi") + count(r, "proxy-rpfilter"),
		     0, "%s", json_dumps(r, 0));
	json_decref(r);
}

Test(policy, doctor_strict_rpfilter_on_tunnel)
{
	json_t *r;

	dev(6, "tunl0", IFF_NOARP, "ipip");
	addr4(6, "198.18.7.100", 32);
	sk.all.v[SK_RP_FILTER] = 1;
	r = doctor();
	cr_expect_eq(count(r, "rpfilter-strict"), 1);
	json_decref(r);
	skd("tunl0")->v[SK_RP_FILTER] = 2;
	r = doctor();
	cr_expect_eq(count(r, "rpfilter-strict"), 0);
	json_decref(r);
}

/* A bridge's ports answer no ARP themselves (a standby would, with its own MAC). */
Test(policy, ports_are_silent)
{
	load("[nic hweth0]\nmac = 02:00:c6:12:00:10\n[nic hweth1]\nmac = 02:00:c6:12:00:11\n"
	     "arp_ignore = 1\n[bridge eth0]\nports = hweth0 hweth1\n");
	dev(2, "hweth0", 0, "veth");
	dev(3, "hweth1", 0, "veth");
	dev(4, "eth0", 0, "bridge");
	run();
	has("set conf/hweth0/arp_ignore = 8 (was 0)");
	has("set conf/hweth1/arp_ignore = 1 (was 0)"); /* what the config says wins */
	hasnt("conf/eth0/arp_ignore");
	hasnt("conf/all/arp_ignore");
	/* and no IPv6 of their own (MLD reports with the bridge's MAC) */
	has("set ipv6/conf/hweth0/disable_ipv6 = 1 (was 0)");
	has("set ipv6/conf/hweth1/disable_ipv6 = 1 (was 0)");
	hasnt("ipv6/conf/eth0/disable_ipv6");
}

Test(policy, a_port_keeps_ipv6_addresses_that_did_not_reach_the_bridge)
{
	struct sw_addr a = { .family = AF_INET6, .ifindex = 2, .prefixlen = 64, .has_local = true };

	load("[nic hweth0]\nmac = 02:00:c6:12:00:10\n[bridge eth0]\nports = hweth0\n");
	dev(2, "hweth0", 0, "veth");
	dev(4, "eth0", 0, "bridge");
	inet_pton(AF_INET6, "2001:db8::2", a.local);
	cr_assert_eq(linkdb_put_addr(&db, &a), 0);
	run();
	has("set conf/hweth0/arp_ignore = 8 (was 0)");
	hasnt("disable_ipv6"); /* it would drop 2001:db8::2 */
}

/* An address proxied on int0 but routed out of eth0: requests are forwarded
 * int0 -> eth0, and the replies come back through eth0, which forwards them
 * only with its own forwarding on (IN_DEV_FORWARD of the input device). */
Test(policy, proxied_route_device_forwards_the_replies)
{
	struct policy_route routes[] = { { .oif = 2, .bridge = "int0" } };
	struct policy_input in = { &conf, NULL, &db, &sk, proxies, nproxies, routes, 1, false };

	load("[bridge int0]\naddress = none\nproxy_arp = 198.18.7.50\n");
	dev(1, "lo", IFF_LOOPBACK, "");
	dev(2, "eth0", 0, "bridge");
	dev(3, "int0", 0, "bridge");
	inet_pton(AF_INET, "198.18.7.50", &routes[0].ip);
	cr_assert_eq(policy_plan(&in, &plan), 0);
	has("sysctl: set conf/int0/forwarding = 1 (was 0)");
	has("sysctl: set conf/eth0/forwarding = 1 (was 0)");
}

/* routed out of the proxying bridge itself (a hazard doctor reports): no
 * other device to enable */
Test(policy, proxied_route_through_the_bridge_itself)
{
	struct policy_route routes[] = { { .oif = 3, .bridge = "int0" } };
	struct policy_input in = { &conf, NULL, &db, &sk, proxies, nproxies, routes, 1, false };

	load("[bridge int0]\naddress = none\nproxy_arp = 198.18.7.50\n");
	dev(2, "eth0", 0, "bridge");
	dev(3, "int0", 0, "bridge");
	inet_pton(AF_INET, "198.18.7.50", &routes[0].ip);
	cr_assert_eq(policy_plan(&in, &plan), 0);
	hasnt("conf/eth0/forwarding");
}

/* The proxy answers, the route leaves through eth0, whose forwarding is 0:
 * the replies are dropped on their way back. */
Test(policy, doctor_proxy_oneway)
{
	struct doctor_route routes[1] = { { .ip = inet_addr("198.18.7.50"), .oif = 2,
					    .type = RTN_UNICAST } };
	struct doctor_input in = { .db = &db, .sk = &sk, .proxies = proxies, .nproxies = 1,
				   .routes = routes, .nroutes = 1 };
	json_t *r;

	dev(2, "eth0", 0, "bridge");
	dev(3, "int0", 0, "bridge");
	addr4(3, "198.18.7.1", 24);
	proxies[0] = (struct sw_proxy){ 3, inet_addr("198.18.7.50") };
	skd("int0")->v[SK_FORWARDING] = 1;
	r = doctor_run(&in);
	cr_expect_eq(count(r, "proxy-oneway"), 1, "forwarding 0 on eth0, where the replies come in");
	json_decref(r);
	skd("eth0")->v[SK_FORWARDING] = 1;
	r = doctor_run(&in);
	cr_expect_eq(count(r, "proxy-oneway"), 0);
	json_decref(r);
}

/* ... and the policy does not give that bridge a port's sysctls */
Test(policy, nic_named_like_a_bridge_gets_no_port_sysctls)
{
	load("[nic br7]\nname = br7\n[bridge eth0]\nports = br7\n");
	dev(2, "br7", 0, "bridge");
	run();
	hasnt("conf/br7/arp_ignore");
	hasnt("ipv6/conf/br7/disable_ipv6");
}

/* a snapshot of only the devices policy_sk_devices names (what arp_plan
 * reads at start-up rather than every tap's sysctls) */
static int run_partial(void)
{
	struct policy_input in = { &conf, NULL, &db, &sk, proxies, nproxies, NULL, 0, true };
	char(*names)[SW_IFNAMSIZ];
	size_t n;

	cr_assert_eq(policy_sk_devices(&in, &names, &n), 0);
	for (size_t i = 0; i < sk.ndevs;) {
		bool named = false;

		for (size_t k = 0; k < n; k++)
			named = named || !strcmp(names[k], sk.devs[i].name);
		if (named) {
			i++;
			continue;
		}
		sk.devs[i] = sk.devs[--sk.ndevs];
	}
	free(names);
	return policy_plan(&in, &plan);
}

Test(policy, a_partial_snapshot_plans_what_the_whole_one_plans)
{
	char whole[8192];

	load("[nic hweth0]\nmac = 02:00:c6:12:00:10\n[nic hweth1]\nmac = 02:00:c6:12:00:11\n"
	     "arp_ignore = 1\n[bridge eth0]\nports = hweth0 hweth1\n[tap t0]\nbridge = eth0\n");
	dev(2, "hweth0", 0, "veth");
	dev(3, "hweth1", 0, "veth");
	dev(4, "eth0", 0, "bridge");
	dev(5, "t0", 0, "tun");
	dev(6, "t1", 0, "tun");
	run();
	snprintf(whole, sizeof(whole), "%s", plan_text());
	plan_free(&plan);
	memset(&plan, 0, sizeof(plan));
	cr_assert_eq(run_partial(), 0);
	cr_assert_null(sk_find(&sk, "t1"), "the taps are not read");
	cr_assert_str_eq(plan_text(), whole);
}

Test(policy, a_partial_snapshot_is_refused_when_all_is_lowered)
{
	load("[bridge int0]\naddress = none\nproxy_arp = 198.18.7.50\n");
	dev(1, "lo", IFF_LOOPBACK, "");
	dev(2, "eth0", 0, "bridge");
	dev(3, "int0", 0, "bridge");
	dev(4, "t0", 0, "tun");
	sk.all.v[SK_RP_FILTER] = 2;
	cr_assert_eq(run_partial(), -EAGAIN, "every device keeps its value: needs them all");
	cr_assert_eq(plan.n, 0, "and plans nothing");
}
