/* The link model: what observers are told for each kernel message. */
#include <criterion/criterion.h>
#include <errno.h>

#include "link.h"
#include "nlmsgs.h"

static const uint8_t MAC[6] = { 0x02, 0x00, 0xc6, 0x12, 0x00, 0x10 };
static const uint8_t MAC2[6] = { 0x02, 0x00, 0xc6, 0x12, 0x00, 0x11 };

struct seen {
	int n;
	enum link_event_type type[16];
	unsigned int changed[16];
	char name[16][16];
};

static void observe(void *arg, const struct link_event *ev)
{
	struct seen *s = arg;

	if (s->n >= 16)
		return;
	s->type[s->n] = ev->type;
	s->changed[s->n] = ev->changed;
	if (ev->link)
		snprintf(s->name[s->n], 16, "%s", ev->link->name);
	s->n++;
}

static struct sw_linkdb db;
static struct seen seen;
static char buf[8192];

static void setup(void)
{
	linkdb_init(&db);
	memset(&seen, 0, sizeof(seen));
	linkdb_subscribe(&db, observe, &seen);
}

static void teardown(void)
{
	linkdb_free(&db);
}

TestSuite(link, .init = setup, .fini = teardown);

Test(link, add_change_remove)
{
	linkdb_handle_msg(&db, msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 2, "eth0", MAC, IFF_UP, 0, "veth"));
	cr_assert_eq(seen.type[0], LINK_ADDED);
	/* the same state again: nothing to tell */
	linkdb_handle_msg(&db, msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 2, "eth0", MAC, IFF_UP, 0, "veth"));
	cr_assert_eq(seen.n, 1);
	/* renamed by someone else: same ifindex, new name */
	linkdb_handle_msg(&db, msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 2, "hweth0", MAC, IFF_UP, 0, "veth"));
	cr_assert_eq(seen.type[1], LINK_CHANGED);
	cr_assert(seen.changed[1] & LC_NAME);
	cr_assert_null(linkdb_by_name(&db, "eth0"));
	cr_assert_not_null(linkdb_by_name(&db, "hweth0"));
	/* carrier and master */
	linkdb_handle_msg(&db, msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 2, "hweth0", MAC,
					IFF_UP | 0x10000, 5, "veth"));
	cr_assert(seen.changed[2] & LC_CARRIER);
	cr_assert(seen.changed[2] & LC_MASTER);
	cr_assert_eq(linkdb_by_index(&db, 2)->master, 5);
	/* the bridge's "port left" message is not a device removal */
	linkdb_handle_msg(&db, msg_link(buf, RTM_DELLINK, AF_BRIDGE, 2, "hweth0", MAC, 0, 5, NULL));
	cr_assert_not_null(linkdb_by_index(&db, 2));
	cr_assert_eq(seen.n, 3);
	/* the device is gone */
	linkdb_handle_msg(&db, msg_link(buf, RTM_DELLINK, AF_UNSPEC, 2, "hweth0", MAC, 0, 0, NULL));
	cr_assert_eq(seen.type[3], LINK_REMOVED);
	cr_assert_str_eq(seen.name[3], "hweth0", "observers get the last known state");
	cr_assert_null(linkdb_by_index(&db, 2));
}

Test(link, addresses_and_routes_follow_their_device)
{
	linkdb_handle_msg(&db, msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 2, "eth0", MAC, IFF_UP, 0, "veth"));
	linkdb_handle_msg(&db, msg_addr4(buf, RTM_NEWADDR, 2, "198.18.0.2", 24, NULL));
	cr_assert_eq(db.naddrs, 1);
	cr_assert_eq(seen.type[1], ADDR_ADDED);
	linkdb_handle_msg(&db, msg_route4(buf, RTM_NEWROUTE, 2, NULL, 0, "198.18.0.1", 0,
					  RTPROT_BOOT, RT_TABLE_MAIN));
	cr_assert_eq(db.nroutes, 1);
	/* the kernel's own prefix routes and the local table are not kept */
	linkdb_handle_msg(&db, msg_route4(buf, RTM_NEWROUTE, 2, "198.18.0.0", 24, NULL, 0,
					  RTPROT_KERNEL, RT_TABLE_MAIN));
	linkdb_handle_msg(&db, msg_route4(buf, RTM_NEWROUTE, 2, "198.18.0.2", 32, NULL, 0,
					  RTPROT_BOOT, RT_TABLE_LOCAL));
	cr_assert_eq(db.nroutes, 1);
	linkdb_handle_msg(&db, msg_addr4(buf, RTM_DELADDR, 2, "198.18.0.2", 24, NULL));
	cr_assert_eq(db.naddrs, 0);
	/* a device that goes takes its addresses and routes with it */
	linkdb_handle_msg(&db, msg_addr4(buf, RTM_NEWADDR, 2, "198.18.0.2", 24, NULL));
	linkdb_handle_msg(&db, msg_link(buf, RTM_DELLINK, AF_UNSPEC, 2, "eth0", MAC, 0, 0, NULL));
	cr_assert_eq(db.naddrs, 0);
	cr_assert_eq(db.nroutes, 0);
}

Test(link, by_mac_prefers_the_nic)
{
	/* the bridge carries the NIC's MAC; a tap must never be taken for a NIC */
	linkdb_handle_msg(&db, msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 5, "eth0", MAC, IFF_UP, 0, "bridge"));
	linkdb_handle_msg(&db, msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 6, "tap0", MAC2, IFF_UP, 0, "tun"));
	cr_assert_null(linkdb_by_mac(&db, MAC));
	cr_assert_null(linkdb_by_mac(&db, MAC2));
	linkdb_handle_msg(&db, msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 2, "hweth0", MAC, IFF_UP, 5, "veth"));
	cr_assert_eq(linkdb_by_mac(&db, MAC)->ifindex, 2);
	/* a permanent MAC wins over a current one */
	struct nlmsghdr *nlh = msg_link(buf, RTM_NEWLINK, AF_UNSPEC, 3, "hweth1", MAC2, IFF_UP, 0, "");
	mnl_attr_put(nlh, IFLA_PERM_ADDRESS, 6, MAC);
	linkdb_handle_msg(&db, nlh);
	cr_assert_eq(linkdb_by_mac(&db, MAC)->ifindex, 3);
}

/* path = names the PCI slot; a virtio NIC's kernel parent is its virtio
 * device, whose own parent (in sysfs) is the slot */
Test(link, virtio_nic_slot_from_its_sysfs_device)
{
	char bus[16], dev[64];

	cr_assert_eq(linkdb_virtio_slot("/sys/devices/pci0000:00/0000:00:03.0/virtio3", bus, dev), 0);
	cr_expect_str_eq(bus, "pci");
	cr_expect_str_eq(dev, "0000:00:03.0");
	cr_expect_eq(linkdb_virtio_slot("/sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/virtio0",
					bus, dev), 0);
	cr_expect_str_eq(dev, "0000:01:00.0");
	cr_expect_eq(linkdb_virtio_slot("/sys/devices/pci0000:00/0000:00:03.0", bus, dev), -EINVAL,
		     "not a virtio device");
	cr_expect_eq(linkdb_virtio_slot("/sys/devices/platform/virtio-mmio.0/virtio0", bus, dev),
		     -EINVAL, "not on PCI: left as the kernel says");
}

/* by_name answers from an index: it must follow additions past its size,
 * renames, and removals that move another link into the freed place */
Test(link, by_name_follows_additions_renames_and_removals)
{
	char name[16];

	for (int i = 0; i < 300; i++) {
		struct sw_link l = { .ifindex = 10 + i };

		snprintf(l.name, sizeof(l.name), "t%d", i);
		cr_assert_eq(linkdb_put_link(&db, &l), 0);
		if (i % 7 == 0) /* looked up while it grows */
			cr_assert_eq(linkdb_by_name(&db, l.name)->ifindex, 10 + i);
	}
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		cr_assert_eq(linkdb_by_name(&db, name)->ifindex, 10 + i, "%s", name);
	}
	cr_assert_null(linkdb_by_name(&db, "t300"));
	/* t5 renamed; t0 removed (the last link moves into its place) */
	struct sw_link r = { .ifindex = 15 };

	snprintf(r.name, sizeof(r.name), "guest5");
	cr_assert_eq(linkdb_put_link(&db, &r), 0);
	linkdb_handle_msg(&db, msg_link(buf, RTM_DELLINK, AF_UNSPEC, 10, "t0", MAC, 0, 0, NULL));
	cr_assert_null(linkdb_by_name(&db, "t5"));
	cr_assert_eq(linkdb_by_name(&db, "guest5")->ifindex, 15);
	cr_assert_null(linkdb_by_name(&db, "t0"));
	cr_assert_eq(linkdb_by_name(&db, "t299")->ifindex, 309);
	for (int i = 1; i < 300; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		if (i != 5)
			cr_assert_eq(linkdb_by_name(&db, name)->ifindex, 10 + i, "%s", name);
	}
}
