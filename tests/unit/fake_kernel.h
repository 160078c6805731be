/*
 * A fake kernel for the engine's unit tests (as mstpd's tests/common.c
 * drives its core): it defines every function of switchd/nl.h, tap.h's
 * tap_create and sysctl.h's sk_read / sk_write / sk_read_one, so a test
 * linked with it (before libswitchd.a) never opens a netlink socket, never
 * creates a device and never writes the host's /proc/sys.
 *
 * It keeps a table of links, addresses, routes, proxy entries and sysctls.
 * Requests change the table; every change queues the rtnetlink messages the
 * kernel would multicast (RTM_NEWLINK with the whole link, RTM_DELLINK,
 * RTM_NEWADDR, ...), delivered by nl_event_read. Dumps answer from the
 * table. The helpers below inject what happens outside switchd.
 */
#ifndef TESTS_FAKE_KERNEL_H
#define TESTS_FAKE_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "nl_parse.h"

#define FK_MAX_LINKS 2048 /* a bring-up larger than one batch (test_engine) */
#define FK_MAX_ADDRS 64
#define FK_MAX_ROUTES 16
#define FK_MAX_PROXIES 16

/* What a device looks like from netlink. */
struct fk_state {
	char name[SW_IFNAMSIZ];
	char kind[16]; /* "bridge", "tun", "veth", "" (a NIC) */
	uint8_t mac[6];
	bool has_perm_mac;
	uint8_t perm_mac[6];
	int master;
	bool up;
	bool carrier; /* as reported: up and (cable, or a bridge with a live port) */
	uint32_t carrier_changes;
	uint32_t mtu;
	char alias[64];
	char parent_bus[16], parent_dev[64];
	bool stp;
};

struct fk_link {
	int ifindex;
	struct fk_state s;
	struct fk_state told; /* as last multicast: a change queues RTM_NEWLINK */
	bool cable;	      /* a NIC's physical link; ignored for bridges */
	uint8_t addr_gen_mode;
	int sysctl[SK_NKEYS]; /* -1: never written, follows conf/default */
	/* made and not yet looked at: the kernel's link-watch event of a new
	 * device is pending until an RTM_GETLINK of it runs it (or link-watch
	 * does, up to a second later, which the fake never does) */
	bool lw_pending;
};

struct fk_msg;

struct fake_kernel {
	struct fk_link links[FK_MAX_LINKS];
	size_t nlinks;
	int next_ifindex;
	struct sw_addr addrs[FK_MAX_ADDRS];
	size_t naddrs;
	struct sw_route *routes; /* FK_MAX_ROUTES of them */
	size_t nroutes;
	struct sw_proxy proxies[FK_MAX_PROXIES];
	size_t nproxies;
	int sk_all[SK_NKEYS], sk_default[SK_NKEYS];

	struct fk_msg *queue, **queue_tail; /* events not read yet */
	size_t queued;
	bool enobufs; /* the next nl_event_read reports ENOBUFS */
	bool paused;  /* nl_events_pause: no events are queued */
	unsigned long pauses; /* nl_events_pause calls */

	unsigned long requests; /* changing requests so far */
	unsigned long fail_at;	/* this one fails (0: none) */
	int fail_errno;
	char fail_what[64];
	unsigned long dumps; /* link dumps (a resync makes one) */
	unsigned long sk_partial_reads;	/* sysctl snapshots of some devices only */
	unsigned long batched, batches;
	unsigned long combined; /* requests of several link changes */ /* requests that went in a batch; batches sent */
	/* attaches and ups of a device whose link-watch event was pending:
	 * the real bridge then forwards on a port without a carrier */
	unsigned long unsynced_attach;
	char log[8192];	     /* "set_master hweth1 eth0\n" ... */
};

extern struct fake_kernel fk;

/* An empty kernel (lo only), no events queued, nothing to fail. */
void fk_reset(void);
void fk_free(void);

/* Devices that appear (the event is queued). mac "02:00:..."; bus: NULL for a
 * virtual device, else e.g. "pci" with dev "0000:03:00.0". Return the ifindex. */
int fk_add_nic(const char *name, const char *mac, bool up, bool cable);
int fk_add_bus_nic(const char *name, const char *mac, const char *bus, const char *dev);
int fk_add_bridge(const char *name, const char *mac);
int fk_add_veth(const char *name, const char *mac, bool up); /* a guest's device */
/* Configuration made before switchd ran: an IPv4 address, a static route
 * (gw may be NULL) through a device. */
void fk_add_addr4(const char *dev, const char *ip, int prefixlen);
void fk_add_route4(const char *dev, const char *dst, int dst_len, const char *gw);
/* Outside switchd: put a device into a bridge (0: out of it). */
void fk_set_master(const char *name, const char *master);

/* The cable is pulled (false) or put back: carrier and carrier_changes
 * follow, the event is queued. */
void fk_cable(const char *name, bool on);
/* The link bounced n times so fast that one event says so (carrier_changes
 * grows by 2n, the carrier ends as it was). */
void fk_flap(const char *name, int n);
/* The event socket overflowed: what was queued is lost and the next read
 * reports ENOBUFS. */
void fk_lose_events(void);
/* The next n dumps of links fail as a dump interrupted again and again by
 * changes does (nl_dump gives up with -EAGAIN). */
void fk_fail_dumps(int n);
/* The n-th changing request from now (1: the next) fails with -err. */
void fk_fail_request(unsigned long n, int err);
/* Every request whose log line starts with what ("set_up vnet0") fails
 * with -err, as a kernel refuses it each time it is asked. */
void fk_fail_match(const char *what, int err);

struct fk_link *fk_link(const char *name);
struct fk_link *fk_link_by_index(int ifindex);
/* The name of the device's master ("" if none). */
const char *fk_master_of(const char *name);
/* How many devices the bridge has as ports now. */
int fk_nports(const char *bridge);
/* A sysctl as /proc/sys shows it: dev "all", "default" or a device. */
int fk_sysctl(const char *dev, int key);

#endif
