/*
 * The undo planner, with no kernel: a converted host's link model in, the
 * steps that give it its plain NICs back out, in an order that keeps the
 * host reachable as long as it can.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "plan_fixture.h"
#include "undo.h"

static const uint8_t MAC_T[6] = { 0xfe, 0x00, 0xc6, 0x12, 0x00, 0x99 };

/* a converted host: every link up with carrier */
static void link_add(int ifindex, const char *name, const uint8_t *mac, const char *kind,
		     int master, const char *alias)
{
	link_put(ifindex, name, mac, kind, master, IFF_UP | IFF_LOWER_UP, alias);
}

static char *plan_text(void)
{
	static char buf[8192];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	plan_print(f, &plan);
	fclose(f);
	return buf;
}

/* Index of the first action of a kind on a device (-1: none). */
static int find(enum sw_action_kind kind, const char *dev)
{
	for (size_t i = 0; i < plan.n; i++)
		if (plan.v[i].kind == kind && strcmp(plan.v[i].dev, dev) == 0)
			return (int)i;
	return -1;
}

static int count(enum sw_action_kind kind)
{
	int n = 0;

	for (size_t i = 0; i < plan.n; i++)
		n += plan.v[i].kind == kind;
	return n;
}

static const char *CONF =
	"[nic hweth0]\nmac = 02:00:c6:12:00:10\n"
	"[nic hweth1]\nname = eth1\n"
	"[bridge eth0]\nports = hweth0 hweth1\naddress = keep\n"
	"[bridge int0]\naddress = 198.18.254.1/24\n"
	"[tap tap0]\nbridge = int0\n";

/* what switchd leaves: bridges eth0 (hweth0 attached, hweth1 standby) and
 * int0 with its tap */
static void converted_host(void)
{
	link_add(1, "lo", NULL, "", 0, "");
	link_add(2, "hweth0", MAC_A, "veth", 4, "");
	link_add(3, "hweth1", MAC_B, "veth", 0, "");
	link_add(4, "eth0", MAC_A, "bridge", 0, "switchd");
	link_add(5, "int0", NULL, "bridge", 0, "switchd");
	link_add(6, "tap0", MAC_T, "tun", 5, "switchd");
	addr_add(4, "198.18.0.2/24", RT_SCOPE_UNIVERSE);
	addr_add(4, "2001:db8::2/64", RT_SCOPE_UNIVERSE);
	addr_add(4, "fe80::c6ff:fe12:10/64", RT_SCOPE_LINK);
	addr_add(5, "198.18.254.1/24", RT_SCOPE_UNIVERSE);
	route_add(4, "198.18.0.1");
}

TestSuite(undo, .init = setup, .fini = teardown);

Test(undo, gives_the_host_its_plain_nics_back)
{
	load(CONF);
	converted_host();
	cr_assert_eq(undo_plan_build(&conf, &db, &plan), 0);
	cr_assert_eq(plan_print(fopen("/dev/null", "w"), &plan), 0, "%s", plan_text());

	int v6 = -1, release = find(ACT_RELEASE, "hweth0"), addr = find(ACT_ADDR_ADD, "hweth0");
	int route = find(ACT_ROUTE_ADD, "hweth0"), del = find(ACT_LINK_DELETE, "eth0");
	int rename = find(ACT_RENAME, "hweth0");

	for (size_t i = 0; i < plan.n; i++)
		if (plan.v[i].kind == ACT_SYSCTL && plan.v[i].sk_key == SK_DISABLE_IPV6 &&
		    !strcmp(plan.v[i].dev, "hweth0") && v6 < 0)
			v6 = (int)i;
	cr_assert(v6 >= 0 && v6 < addr, "IPv6 back on the NIC before its addresses\n%s",
		  plan_text());
	cr_assert_eq(plan.v[v6].sk_value, 0);
	cr_assert(find(ACT_ADDR_GEN_EUI64, "hweth0") >= 0 && find(ACT_ADDR_GEN_EUI64, "hweth0") < v6,
		  "its link-local comes back with IPv6\n%s", plan_text());
	cr_assert(release >= 0 && release < addr, "%s", plan_text());
	cr_assert_eq(count(ACT_ADDR_ADD), 2, "IPv4 and global IPv6, not the link-local\n%s",
		     plan_text());
	cr_assert(route > addr && plan.v[route].from_ifindex == 4, "%s", plan_text());
	cr_assert(del > route && rename > del, "the bridge goes before the NIC takes its name\n%s",
		  plan_text());
	cr_assert_str_eq(plan.v[rename].arg, "eth0");
	cr_assert(find(ACT_LINK_DELETE, "tap0") >= 0 && find(ACT_LINK_DELETE, "int0") >= 0,
		  "%s", plan_text());
	cr_assert(find(ACT_LINK_DELETE, "tap0") < find(ACT_LINK_DELETE, "int0"));
	cr_assert_str_eq(plan.v[find(ACT_RENAME, "hweth1")].arg, "eth1", "name = eth1: back");
	cr_assert_eq(find(ACT_RELEASE, "hweth1"), -1, "a standby is no port");
}

Test(undo, leaves_alone_what_is_not_switchds)
{
	load(CONF);
	link_add(2, "hweth0", MAC_A, "veth", 4, "");
	link_add(4, "eth0", MAC_A, "bridge", 0, ""); /* someone else's bridge */
	addr_add(4, "198.18.0.2/24", RT_SCOPE_UNIVERSE);
	cr_assert_eq(undo_plan_build(&conf, &db, &plan), 0);
	cr_assert_eq(plan.n, 0, "%s", plan_text());
	cr_assert(strstr(plan_text(), "undo bridge eth0: error: eth0 is not a bridge switchd made"),
		  "%s", plan_text());
	cr_assert(strstr(plan_text(), "undo bridge int0: as configured, nothing to do"),
		  "a bridge that was never made: nothing to undo\n%s", plan_text());
}

Test(undo, without_an_active_port_the_first_present_one_takes_over)
{
	load(CONF);
	link_add(3, "hweth1", MAC_B, "veth", 0, "");
	link_add(4, "eth0", MAC_A, "bridge", 0, "switchd");
	addr_add(4, "198.18.0.2/24", RT_SCOPE_UNIVERSE);
	cr_assert_eq(undo_plan_build(&conf, &db, &plan), 0);
	cr_assert_eq(count(ACT_RELEASE), 0, "%s", plan_text());
	cr_assert(find(ACT_ADDR_ADD, "hweth1") >= 0, "%s", plan_text());
	cr_assert_str_eq(plan.v[find(ACT_RENAME, "hweth1")].arg, "eth0", "%s", plan_text());
}
