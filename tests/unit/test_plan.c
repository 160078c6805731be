/*
 * The planner, with no kernel: a config and a hand-made link model in, the
 * actions out. What a user would see as --plan output and as the order in
 * which the host is changed.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <net/if.h>
#include <linux/if_addr.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "plan_fixture.h"

static void link_add(int ifindex, const char *name, const uint8_t *mac, const char *kind,
		     int master, unsigned int flags)
{
	link_put(ifindex, name, mac, kind, master, flags, NULL);
}

static void build(void)
{
	struct plan_input in = { .conf = &conf, .db = &db };

	cr_assert_eq(plan_build(&in, &plan), 0);
}

/* Index of the first action of a kind on a device (-1: none). */
static int find(enum sw_action_kind kind, const char *dev)
{
	for (size_t i = 0; i < plan.n; i++)
		if (plan.v[i].kind == kind && (!dev || strcmp(plan.v[i].dev, dev) == 0))
			return (int)i;
	return -1;
}

static int count(enum sw_action_kind kind, const char *dev)
{
	int n = 0;

	for (size_t i = 0; i < plan.n; i++)
		n += plan.v[i].kind == kind && (!dev || strcmp(plan.v[i].dev, dev) == 0);
	return n;
}

static char *plan_text(void)
{
	static char buf[8192];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	plan_print(f, &plan);
	fclose(f);
	return buf;
}

static const char *LAB =
	"[nic hweth0]\nmac = 02:00:c6:12:00:10\n"
	"[nic hweth1]\nmac = 02:00:c6:12:00:11\n"
	"[bridge eth0]\nports = hweth0 hweth1\naddress = keep\n";

#define UP_CARRIER (IFF_UP | IFF_LOWER_UP)

/* a fresh host: eth0 with addresses and a default route, eth1 spare */
static void fresh_host(void)
{
	link_add(1, "lo", NULL, "", 0, IFF_UP);
	link_add(2, "eth0", MAC_A, "veth", 0, UP_CARRIER);
	link_add(3, "eth1", MAC_B, "veth", 0, UP_CARRIER);
	addr_add(2, "198.18.0.2/24", RT_SCOPE_UNIVERSE);
	addr_add(2, "2001:db8::2/64", RT_SCOPE_UNIVERSE);
	addr_add(2, "fe80::c6ff:fe12:10/64", RT_SCOPE_LINK);
	addr_add(3, "fe80::c6ff:fe12:11/64", RT_SCOPE_LINK);
	route_add(2, "198.18.0.1");
}

TestSuite(plan, .init = setup, .fini = teardown);

Test(plan, converts_a_fresh_host_without_an_outage)
{
	load(LAB);
	fresh_host();
	build();
	cr_assert_eq(plan_print(fopen("/dev/null", "w"), &plan), 0, "%s", plan_text());

	int rename = find(ACT_RENAME, "eth0"), create = find(ACT_BRIDGE_CREATE, "eth0");
	int up = find(ACT_SET_UP, "eth0"), enslave = find(ACT_ENSLAVE, "hweth0");
	int route_add_br = find(ACT_ROUTE_ADD, "eth0"), route_del = find(ACT_ROUTE_DEL, "hweth0");
	int addr_del = find(ACT_ADDR_DEL, "hweth0");

	cr_assert(rename >= 0 && create > rename, "NIC renamed before the bridge takes its name\n%s",
		  plan_text());
	cr_assert_str_eq(plan.v[rename].arg, "hweth0");
	cr_assert(memcmp(plan.v[create].mac, MAC_A, 6) == 0, "bridge MAC pinned to the NIC's");
	/* the NIC joins the bridge before the bridge comes up: the bridge has
	 * carrier when it comes up, so its transmit queue works at once (not
	 * only when the kernel's linkwatch has run) */
	cr_assert(enslave > create && up > enslave, "%s", plan_text());
	/* addresses and routes go on the bridge once it is up ... */
	cr_assert_eq(count(ACT_ADDR_ADD, "eth0"), 2, "IPv4 and global IPv6, not link-local\n%s",
		     plan_text());
	cr_assert(find(ACT_ADDR_ADD, "eth0") > up, "%s", plan_text());
	cr_assert(route_add_br > up, "%s", plan_text());
	cr_assert_eq(plan.v[route_add_br].from_ifindex, 2);
	/* ... and leave the NIC only once they are there */
	cr_assert(route_del > route_add_br && addr_del > find(ACT_ADDR_ADD, "eth0"), "%s",
		  plan_text());
	cr_assert_eq(count(ACT_ADDR_DEL, "hweth0"), 3, "all three of the NIC's addresses go");
	/* the standby: renamed, silent, not attached */
	cr_assert(find(ACT_RENAME, "eth1") >= 0);
	cr_assert_eq(count(ACT_ENSLAVE, "hweth1"), 0, "a standby is not attached");
	cr_assert(find(ACT_ADDR_GEN_NONE, "hweth1") >= 0, "a standby sends no IPv6");
}

Test(plan, a_converted_host_plans_nothing)
{
	load(LAB);
	link_add(1, "lo", NULL, "", 0, IFF_UP);
	link_add(2, "hweth0", MAC_A, "veth", 5, UP_CARRIER);
	link_add(3, "hweth1", MAC_B, "veth", 0, UP_CARRIER);
	link_add(5, "eth0", MAC_A, "bridge", 0, UP_CARRIER);
	addr_add(5, "198.18.0.2/24", RT_SCOPE_UNIVERSE);
	route_add(5, "198.18.0.1");
	build();
	cr_assert_eq(plan.n, 0, "expected no steps, got:\n%s", plan_text());
	cr_assert(strstr(plan_text(), "nothing to do"));
}

/* switchd killed in the middle of a conversion: the NIC is already the
 * bridge's port, but still has an IPv4 address (the bridge has it too, or not
 * yet). The host would answer for it on both MACs: the port's copy goes. */
Test(plan, an_address_left_on_an_attached_port_is_moved_or_removed)
{
	load(LAB);
	link_add(1, "lo", NULL, "", 0, IFF_UP);
	link_add(2, "hweth0", MAC_A, "veth", 5, UP_CARRIER);
	link_add(3, "hweth1", MAC_B, "veth", 0, UP_CARRIER);
	link_add(5, "eth0", MAC_A, "bridge", 0, UP_CARRIER);
	addr_add(2, "198.18.0.2/24", RT_SCOPE_UNIVERSE); /* on the port and the bridge */
	addr_add(5, "198.18.0.2/24", RT_SCOPE_UNIVERSE);
	addr_add(2, "198.18.0.3/24", RT_SCOPE_UNIVERSE); /* not yet moved */
	route_add(2, "198.18.0.1");
	build();
	cr_assert_eq(count(ACT_ADDR_DEL, "hweth0"), 2, "both leave the port\n%s", plan_text());
	cr_assert_eq(count(ACT_ADDR_ADD, "eth0"), 1, "only the one the bridge lacks is added\n%s",
		     plan_text());
	cr_assert_eq(count(ACT_ROUTE_ADD, "eth0"), 1, "the port's route moves\n%s", plan_text());
	cr_assert_eq(count(ACT_ROUTE_DEL, "hweth0"), 1, "%s", plan_text());
	cr_assert(find(ACT_ADDR_DEL, "hweth0") > find(ACT_ADDR_ADD, "eth0"),
		  "the address is on the bridge before it leaves the port\n%s", plan_text());
	cr_assert_eq(count(ACT_ENSLAVE, NULL), 0, "the port stays attached\n%s", plan_text());
}

/* The kernel deletes a primary IPv4 address's secondaries with it (unless
 * promote_secondaries): removed first, the primary took the secondary along,
 * its own removal failed and the rollback lost it. */
Test(plan, secondary_addresses_leave_the_port_before_their_primary)
{
	load(LAB);
	fresh_host();
	addr_add(2, "198.18.0.5/24", RT_SCOPE_UNIVERSE);
	db.addrs[db.naddrs - 1].flags |= IFA_F_SECONDARY;
	build();
	int primary = -1, secondary = -1;

	for (size_t i = 0; i < plan.n; i++) {
		if (plan.v[i].kind != ACT_ADDR_DEL || plan.v[i].addr.family != AF_INET)
			continue;
		if (plan.v[i].addr.local[3] == 2)
			primary = (int)i;
		if (plan.v[i].addr.local[3] == 5)
			secondary = (int)i;
	}
	cr_assert(primary >= 0 && secondary >= 0, "%s", plan_text());
	cr_assert_lt(secondary, primary, "%s", plan_text());
	cr_assert_eq(count(ACT_ADDR_ADD, "eth0"), 3, "both IPv4 and the IPv6 move\n%s", plan_text());
}

Test(plan, a_route_already_on_the_bridge_is_not_added_again)
{
	load(LAB);
	link_add(1, "lo", NULL, "", 0, IFF_UP);
	link_add(2, "hweth0", MAC_A, "veth", 5, UP_CARRIER);
	link_add(3, "hweth1", MAC_B, "veth", 0, UP_CARRIER);
	link_add(5, "eth0", MAC_A, "bridge", 0, UP_CARRIER);
	addr_add(5, "198.18.0.2/24", RT_SCOPE_UNIVERSE);
	route_add(5, "198.18.0.1");
	route_add(2, "198.18.0.1");
	build();
	cr_assert_eq(count(ACT_ROUTE_ADD, NULL), 0, "%s", plan_text());
	cr_assert_eq(count(ACT_ROUTE_DEL, "hweth0"), 1, "%s", plan_text());
}

Test(plan, bridge_name_held_by_a_stranger_fails_only_that_bridge)
{
	load("[nic hweth0]\nmac = 02:00:c6:12:00:10\n"
	     "[bridge lan]\nports = hweth0\n"
	     "[bridge int0]\naddress = 198.18.254.1/24\n");
	link_add(2, "eth0", MAC_A, "veth", 0, UP_CARRIER);
	link_add(9, "lan", NULL, "veth", 0, UP_CARRIER);
	build();
	cr_assert(strstr(plan.groups[0].error, "lan"), "%s", plan.groups[0].error);
	cr_assert_eq(find(ACT_RENAME, "eth0"), -1, "a failed bridge renames nothing");
	cr_assert(find(ACT_BRIDGE_CREATE, "int0") >= 0, "the other bridge still comes up");
	cr_assert_eq(plan_print(fopen("/dev/null", "w"), &plan), 1);
}

Test(plan, port_of_a_foreign_bridge_is_refused)
{
	load(LAB);
	link_add(2, "eth0", MAC_A, "veth", 8, UP_CARRIER);
	link_add(8, "br-other", NULL, "bridge", 0, UP_CARRIER);
	build();
	cr_assert(strstr(plan.groups[0].error, "br-other"), "%s", plan.groups[0].error);
	cr_assert_eq(plan.n, 0);
}

Test(plan, internal_bridge_with_static_address_and_tap)
{
	load("[bridge int0]\naddress = 198.18.254.1/24\n[tap tap0]\nbridge = int0\n");
	build();
	int create = find(ACT_BRIDGE_CREATE, "int0"), addr = find(ACT_ADDR_ADD, "int0");
	int tap = find(ACT_TAP_CREATE, "tap0"), enslave = find(ACT_ENSLAVE, "tap0");

	cr_assert(create >= 0 && addr > create && tap > create && enslave > tap, "%s", plan_text());
	cr_assert_eq(plan.v[addr].addr.prefixlen, 24);
	cr_assert(plan.v[addr].addr.has_broadcast);
	cr_assert_eq(memcmp(plan.v[addr].addr.broadcast, "\xc6\x12\xfe\xff", 4), 0,
		     "broadcast 198.18.254.255");
	cr_assert_eq(plan.v[create].mac[0], 0x02, "locally administered MAC for a port-less bridge");

	/* the derived MAC is stable: a restart gives guests the same gateway MAC */
	uint8_t again[6];
	const char *why;
	plan_bridge_mac(&conf, &db, conf_find_bridge(&conf, "int0"), again, &why);
	cr_assert_eq(memcmp(again, plan.v[create].mac, 6), 0);
}

Test(plan, address_none_moves_nothing_and_hides_the_host)
{
	load("[nic hweth0]\nmac = 02:00:c6:12:00:10\n[bridge eth0]\nports = hweth0\naddress = none\n");
	fresh_host();
	build();
	cr_assert_eq(count(ACT_ADDR_ADD, "eth0"), 0, "%s", plan_text());
	cr_assert_eq(count(ACT_ROUTE_ADD, "eth0"), 0);
	cr_assert(find(ACT_ADDR_GEN_NONE, "eth0") >= 0, "no IPv6 link-local on the bridge");
	cr_assert(find(ACT_ADDR_GEN_NONE, "eth0") < find(ACT_SET_UP, "eth0"),
		  "before it comes up, or the kernel makes one");
}

Test(plan, operator_detached_port_is_not_reattached)
{
	struct sw_port_hold hold = { "eth0", "hweth0" };
	struct plan_input in = { .conf = &conf, .db = &db, .held = &hold, .nheld = 1 };

	load(LAB);
	link_add(2, "hweth0", MAC_A, "veth", 0, UP_CARRIER);
	link_add(3, "hweth1", MAC_B, "veth", 0, UP_CARRIER);
	link_add(5, "eth0", MAC_A, "bridge", 0, UP_CARRIER);
	cr_assert_eq(plan_build(&in, &plan), 0);
	cr_assert_eq(count(ACT_ENSLAVE, "hweth0"), 0, "%s", plan_text());
	cr_assert(find(ACT_ENSLAVE, "hweth1") >= 0, "the next port takes over\n%s", plan_text());
}

/* A bridge whose pre-up has not passed: created, its NICs renamed, but
 * kept down with no uplink; the NIC keeps the addresses meanwhile. */
Test(plan, a_gated_bridge_is_created_down_with_no_uplink)
{
	const char gated[][SW_IFNAMSIZ] = { "eth0" };
	struct plan_input in = { .conf = &conf, .db = &db, .gated = gated, .ngated = 1 };

	load(LAB);
	fresh_host();
	cr_assert_eq(plan_build(&in, &plan), 0);
	cr_assert(find(ACT_RENAME, "eth0") >= 0, "%s", plan_text());
	cr_assert(find(ACT_BRIDGE_CREATE, "eth0") >= 0, "%s", plan_text());
	cr_assert_eq(count(ACT_SET_UP, "eth0"), 0, "the bridge stays down\n%s", plan_text());
	cr_assert_eq(count(ACT_ENSLAVE, NULL), 0, "no uplink attached\n%s", plan_text());
	cr_assert_eq(count(ACT_ADDR_ADD, "eth0"), 0, "the addresses stay on the NIC\n%s",
		     plan_text());
}

/* The first pass of a pre-up: only the gated bridges' groups. */
Test(plan, keep_bridges_drops_the_other_groups)
{
	const char keep[][SW_IFNAMSIZ] = { "int0" };

	load("[nic hweth0]\nmac = 02:00:c6:12:00:10\n"
	     "[bridge eth0]\nports = hweth0\n[bridge int0]\naddress = 198.18.254.1/24\n");
	fresh_host();
	build();
	cr_assert(find(ACT_BRIDGE_CREATE, "eth0") >= 0, "%s", plan_text());
	plan_keep_bridges(&plan, keep, 1);
	cr_assert_eq(find(ACT_BRIDGE_CREATE, "eth0"), -1, "%s", plan_text());
	cr_assert_eq(find(ACT_RENAME, "eth0"), -1, "%s", plan_text());
	cr_assert(find(ACT_BRIDGE_CREATE, "int0") >= 0, "%s", plan_text());
}

/* The index of the first sysctl action for key on dev (-1: none). */
static int find_sysctl(const char *dev, int key)
{
	for (size_t i = 0; i < plan.n; i++)
		if (plan.v[i].kind == ACT_SYSCTL && plan.v[i].sk_key == key &&
		    strcmp(plan.v[i].dev, dev) == 0)
			return (int)i;
	return -1;
}

/* At boot the NICs are down: a port is silenced before it comes up, or it
 * gets an IPv6 link-local and answers ARP with its own MAC until the
 * policy's pass after the plan. */
Test(plan, ports_are_silent_before_they_come_up)
{
	load("[nic hweth0]\nmac = 02:00:c6:12:00:10\n"
	     "[nic hweth1]\nmac = 02:00:c6:12:00:11\narp_ignore = 2\n"
	     "[bridge eth0]\nports = hweth0 hweth1\naddress = keep\n");
	link_add(1, "lo", NULL, "", 0, IFF_UP);
	link_add(2, "eth0", MAC_A, "veth", 0, 0);
	link_add(3, "eth1", MAC_B, "veth", 0, 0);
	build();
	for (int p = 0; p < 2; p++) {
		const char *dev = p ? "hweth1" : "hweth0";
		int up = find(ACT_SET_UP, dev), v6 = find_sysctl(dev, SK_DISABLE_IPV6);
		int arp = find_sysctl(dev, SK_ARP_IGNORE);

		cr_assert(up >= 0, "%s is brought up\n%s", dev, plan_text());
		cr_assert(v6 >= 0 && v6 < up, "%s: disable_ipv6 before the up\n%s", dev, plan_text());
		cr_assert(arp >= 0 && arp < up, "%s: arp_ignore before the up\n%s", dev, plan_text());
		cr_assert(find(ACT_RENAME, p ? "eth1" : "eth0") < v6, "by its service name");
		cr_assert_eq(plan.v[v6].sk_value, 1);
		cr_assert_eq(plan.v[arp].sk_value, p ? 2 : 8, "the NIC's own arp_ignore if it has one");
	}
	cr_assert(strstr(plan_text(), "set ipv6/conf/hweth1/disable_ipv6 = 1\n") ||
			  strstr(plan_text(), "set ipv6/conf/hweth1/disable_ipv6 = 1 "),
		  "no invented old value\n%s", plan_text());
}

Test(plan, missing_preferred_nic_uses_the_standby)
{
	load(LAB);
	link_add(3, "eth1", MAC_B, "veth", 0, UP_CARRIER);
	build();
	cr_assert(find(ACT_ENSLAVE, "hweth1") >= 0, "%s", plan_text());
	int create = find(ACT_BRIDGE_CREATE, "eth0");
	cr_assert(memcmp(plan.v[create].mac, MAC_B, 6) == 0, "pinned to the NIC it carries");
}

/* udev has not finished with eth1 (link_sync.h): it is left alone, as if
 * absent, so no rename of ours races udev's; once udev is done (LC_UDEV)
 * the next plan takes it. */
Test(plan, a_nic_udev_is_still_naming_is_left_alone)
{
	load(LAB);
	fresh_host();
	((struct sw_link *)linkdb_by_index(&db, 3))->udev_pending = true;
	build();
	cr_assert(find(ACT_RENAME, "eth0") >= 0, "eth0 is converted:\n%s", plan_text());
	cr_assert_eq(find(ACT_RENAME, "eth1"), -1, "eth1 is not touched:\n%s", plan_text());
	cr_assert_null(plan_find_nic(&conf, &db, conf_find_nic(&conf, "hweth1")),
		       "hweth1 counts as absent");
	plan_free(&plan);
	linkdb_udev_settled(&db, 3);
	cr_assert(!linkdb_by_index(&db, 3)->udev_pending);
	build();
	cr_assert(find(ACT_RENAME, "eth1") >= 0, "udev is done: eth1 becomes hweth1:\n%s",
		  plan_text());
}

Test(plan, two_attached_uplinks_are_reduced_to_one)
{
	load(LAB);
	link_add(2, "hweth0", MAC_A, "veth", 5, UP_CARRIER);
	link_add(3, "hweth1", MAC_B, "veth", 5, UP_CARRIER);
	link_add(5, "eth0", MAC_A, "bridge", 0, UP_CARRIER);
	build();
	cr_assert_eq(count(ACT_RELEASE, "hweth1"), 1, "%s", plan_text());
	cr_assert_eq(count(ACT_RELEASE, "hweth0"), 0);
}

Test(plan, guests_are_attached_when_free)
{
	load("[bridge int0]\naddress = none\nguests = vnet* veth-ct*\n");
	link_add(5, "int0", NULL, "bridge", 0, UP_CARRIER);
	link_add(6, "vnet0", NULL, "tun", 0, UP_CARRIER);
	link_add(7, "veth-ct1", NULL, "veth", 5, UP_CARRIER);
	link_add(8, "other0", NULL, "veth", 0, UP_CARRIER);
	build();
	cr_assert_eq(count(ACT_ENSLAVE, "vnet0"), 1, "%s", plan_text());
	cr_assert_eq(count(ACT_ENSLAVE, "veth-ct1"), 0, "already attached");
	cr_assert_eq(count(ACT_ENSLAVE, "other0"), 0, "not a guest");
}

Test(plan, nic_by_name_is_found_after_conversion)
{
	load("[nic hweth1]\nname = eth1\n[bridge eth1]\nports = hweth1\n");
	link_add(3, "hweth1", MAC_B, "veth", 6, UP_CARRIER);
	link_add(6, "eth1", MAC_B, "bridge", 0, UP_CARRIER);
	build();
	cr_assert_eq(plan.n, 0, "%s", plan_text());
}

Test(plan, swapped_card_names_are_resolved)
{
	/* the cards came back with each other's service names */
	load(LAB);
	link_add(2, "hweth1", MAC_A, "veth", 0, UP_CARRIER);
	link_add(3, "hweth0", MAC_B, "veth", 0, UP_CARRIER);
	build();
	cr_assert_eq(plan_print(fopen("/dev/null", "w"), &plan), 0, "%s", plan_text());
	cr_assert_eq(count(ACT_RENAME, NULL), 3, "one temporary name breaks the cycle\n%s",
		     plan_text());
}

Test(plan, tap_name_held_by_another_device)
{
	load("[bridge int0]\n[tap tap0]\nbridge = int0\n");
	link_add(6, "tap0", NULL, "veth", 0, UP_CARRIER);
	build();
	cr_assert(strstr(plan.groups[1].error, "not a tap"), "%s", plan.groups[1].error);
}

Test(plan, a_replacement_card_in_the_same_slot_is_found_by_path)
{
	struct sw_link l = { .ifindex = 4, .flags = UP_CARRIER, .has_mac = true };

	load("[nic hweth0]\npath = pci-0000:03:00.0\n[bridge eth0]\nports = hweth0\n");
	/* a new card: another MAC, a kernel name, the old slot */
	snprintf(l.name, sizeof(l.name), "eth5");
	memcpy(l.mac, MAC_B, 6);
	snprintf(l.parent_bus, sizeof(l.parent_bus), "pci");
	snprintf(l.parent_dev, sizeof(l.parent_dev), "0000:03:00.0");
	cr_assert_eq(linkdb_put_link(&db, &l), 0);
	link_add(5, "eth6", MAC_A, "veth", 0, UP_CARRIER); /* no slot: not it */
	build();
	int rename = find(ACT_RENAME, "eth5");
	cr_assert(rename >= 0, "%s", plan_text());
	cr_assert_str_eq(plan.v[rename].arg, "hweth0");
	cr_assert(find(ACT_ENSLAVE, "hweth0") >= 0);
}

/* claim = yes: what counts as an unknown NIC, and the name it gets */
Test(plan, claimable_nics)
{
	const uint8_t mac_c[6] = { 0x02, 0x00, 0xc6, 0x12, 0x00, 0x30 };
	struct sw_link pci = { .ifindex = 7, .flags = IFF_UP }, l;

	load("[switchd]\nclaim = yes\n[nic hweth0]\nmac = 02:00:c6:12:00:10\n"
	     "[bridge eth0]\nports = hweth0\nspares = any\n");
	link_add(2, "hweth0", MAC_A, "", 3, IFF_UP);
	link_add(3, "eth0", MAC_A, "bridge", 0, IFF_UP);
	snprintf(pci.name, sizeof(pci.name), "enp3s0");
	snprintf(pci.parent_bus, sizeof(pci.parent_bus), "pci");
	snprintf(pci.parent_dev, sizeof(pci.parent_dev), "0000:03:00.0");
	memcpy(pci.mac, mac_c, 6);
	pci.has_mac = true;
	cr_assert_eq(linkdb_put_link(&db, &pci), 0);
	link_add(8, "veth9", MAC_B, "veth", 0, IFF_UP);

	cr_expect(plan_claimable(&conf, &db, linkdb_by_index(&db, 7)), "a NIC on a bus");
	cr_expect(!plan_claimable(&conf, &db, linkdb_by_index(&db, 8)), "a veth is virtual");
	cr_expect(!plan_claimable(&conf, &db, linkdb_by_index(&db, 2)), "a configured NIC");
	cr_expect(!plan_claimable(&conf, &db, linkdb_by_index(&db, 3)), "a bridge");
	((struct sw_link *)linkdb_by_index(&db, 7))->udev_pending = true;
	cr_expect(!plan_claimable(&conf, &db, linkdb_by_index(&db, 7)), "udev is still at it");
	linkdb_udev_settled(&db, 7);
	char name[SW_IFNAMSIZ];

	plan_claim_name(&conf, &db, linkdb_by_index(&db, 7), name);
	cr_expect_str_eq(name, "hweth1", "the lowest free hwethN");
	addr_add(7, "198.18.0.9/24", RT_SCOPE_UNIVERSE);
	cr_expect(!plan_claimable(&conf, &db, linkdb_by_index(&db, 7)), "in use: has an address");

	conf_free(&conf);
	load("[switchd]\nclaim = yes\nclaim_match = veth*\n[bridge int0]\nspares = any\n");
	l = *linkdb_by_index(&db, 8);
	cr_expect(plan_claimable(&conf, &db, &l), "claim_match makes a veth count");
	conf_free(&conf);
	load("[bridge int0]\nspares = any\n");
	cr_expect(!plan_claimable(&conf, &db, linkdb_by_index(&db, 8)), "claim off");
}

Test(plan, claim_needs_a_bridge_with_spares)
{
	struct sw_conf c;

	cr_expect_eq(conf_load_string("[switchd]\nclaim = yes\n[bridge eth0]\n", "t", &c, NULL, NULL),
		     1);
	cr_expect_eq(conf_load_string("[bridge eth0]\nspares = some\n", "t", &c, NULL, NULL), 1);
}

/* a [nic] whose name is a bridge of this host (issue 11, 17): refused by
 * the plan, with the reason, instead of treating the bridge as a port */
Test(plan, nic_named_like_a_bridge_is_refused)
{
	load("[nic br7]\nname = br7\n[bridge eth0]\nports = br7\n");
	link_add(2, "br7", MAC_A, "bridge", 0, UP_CARRIER);
	build();
	cr_expect(strstr(plan_text(), "port br7: a bridge of this host has that name; a [nic] must name a NIC"),
		  "%s", plan_text());
	cr_expect_eq(count(ACT_BRIDGE_CREATE, NULL), 0);
}
