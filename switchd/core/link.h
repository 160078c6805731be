/*
 * The kernel model: links (keyed by ifindex), their addresses and non-kernel
 * routes, kept current from netlink events (link_sync.c reads them; this file
 * is pure: messages in, model and observer calls out). Observers are told
 * what changed.
 * ENOBUFS on the event socket -> linkdb_resync(): a full re-dump, replaced
 * into the model by linkdb_replace, so observers see the events they missed.
 */
#ifndef SWITCHD_LINK_H
#define SWITCHD_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nl_parse.h"


enum link_event_type {
	LINK_ADDED,
	LINK_REMOVED,	/* the device is gone (RTM_DELLINK, AF_UNSPEC) */
	LINK_CHANGED,	/* see link_event.changed */
	ADDR_ADDED,
	ADDR_REMOVED,
	ROUTE_ADDED,
	ROUTE_REMOVED,
	DB_RESYNCED,	/* after a full resync: observers may re-check everything */
	FDB_LEARNED,	/* a bridge learned a MAC on a port (not kept in the model) */
	NETCONF_CHANGED, /* rp_filter, proxy_arp or forwarding of a device (ifindex) */
};

/* link_event.changed bits */
#define LC_NAME    0x01
#define LC_MASTER  0x02
#define LC_CARRIER 0x04
#define LC_FLAGS   0x08
#define LC_MAC     0x10
#define LC_OTHER   0x20
#define LC_UDEV    0x40 /* udev is done with it (link_sync.h): plans may take it now */

struct link_event {
	enum link_event_type type;
	const struct sw_link *link;  /* LINK_*: current state (for REMOVED: last known) */
	const struct sw_link *old;   /* LINK_CHANGED: the previous state */
	unsigned int changed;	     /* LINK_CHANGED: LC_* */
	const struct sw_addr *addr;  /* ADDR_* */
	const struct sw_route *route; /* ROUTE_* */
	const struct sw_fdb *fdb;     /* FDB_LEARNED */
	int ifindex;		      /* NETCONF_CHANGED (or NETCONFA_IFINDEX_ALL/DEFAULT) */
};

typedef void (*link_observer_fn)(void *arg, const struct link_event *ev);

#define LINKDB_MAX_OBSERVERS 8

struct sw_linkdb {
	struct sw_link *links;
	size_t nlinks, links_cap;
	/* position + 1 of each link by ifindex (0: none), so that a host with
	 * thousands of devices is not searched for every event */
	uint32_t *pos;
	size_t pos_cap;
	bool pos_lost; /* out of memory once: lookups walk the links */
	/* position + 1 of each link by name (open addressing, a power of two
	 * of slots, 0: empty): show looks up every port by name. A new link is
	 * added to it; a rename or removal marks it stale, and the next lookup
	 * builds it again. Out of memory: lookups walk the links. */
	uint32_t *names;
	size_t names_cap;
	bool names_stale;
	struct sw_addr *addrs;
	size_t naddrs, addrs_cap;
	struct sw_route *routes; /* tables other than local (255), protocol != kernel */
	size_t nroutes, routes_cap;
	uint64_t resyncs;
	uint64_t events;
	struct {
		link_observer_fn fn;
		void *arg;
	} observers[LINKDB_MAX_OBSERVERS];
	int nobservers;
	/* called on each link before it is stored (the kernel layer completes
	 * what netlink does not say: a virtio NIC's PCI slot); may be NULL */
	void (*complete)(void *arg, struct sw_link *l);
	void *complete_arg;
};

void linkdb_init(struct sw_linkdb *db);
void linkdb_free(struct sw_linkdb *db);
int linkdb_subscribe(struct sw_linkdb *db, link_observer_fn fn, void *arg);

/* Apply one netlink message (event or dump part); publishes the change. */
int linkdb_handle_msg(struct sw_linkdb *db, const struct nlmsghdr *nlh);

/* Replace the model by fresh (taken over: emptied), publishing the
 * differences and then DB_RESYNCED, as the events that were missed would
 * have (link_sync.c dumps the kernel into fresh). */
void linkdb_replace(struct sw_linkdb *db, struct sw_linkdb *fresh);

const struct sw_link *linkdb_by_index(const struct sw_linkdb *db, int ifindex);
const struct sw_link *linkdb_by_name(const struct sw_linkdb *db, const char *name);
/* The link whose permanent MAC is mac, else (no permanent MAC known) whose
 * current MAC is mac; bridges and taps are never matched. */
const struct sw_link *linkdb_by_mac(const struct sw_linkdb *db, const uint8_t mac[6]);
/* Is name used by any link, as its name or an alternative name? */
const struct sw_link *linkdb_name_taken(const struct sw_linkdb *db, const char *name);

/* A virtio NIC's parent device is the virtio device ("virtio" /
 * "virtio3", renumbered with every card), not the PCI slot that udev's
 * ID_PATH and path = name: given the realpath of the NIC's sysfs device
 * ("/sys/devices/pci0000:00/0000:00:03.0/virtio3"), the slot it sits in.
 * Pure. 0 with bus "pci" and dev "0000:00:03.0", or -EINVAL. */
int linkdb_virtio_slot(const char *devpath, char bus[16], char dev[64]);

/* Test helpers for the pure modules: put a link/address/route in the model. */
int linkdb_put_link(struct sw_linkdb *db, const struct sw_link *l);
/* udev is done with a device stored udev_pending: clear it and publish
 * LINK_CHANGED with LC_UDEV. */
void linkdb_udev_settled(struct sw_linkdb *db, int ifindex);
/* Is this event a device showing up for the plans: added, or released by
 * udev (LC_UDEV: as if it appeared now)? */
static inline bool link_appeared(const struct link_event *ev)
{
	return ev->type == LINK_ADDED || (ev->type == LINK_CHANGED && (ev->changed & LC_UDEV));
}
int linkdb_put_addr(struct sw_linkdb *db, const struct sw_addr *a);
int linkdb_put_route(struct sw_linkdb *db, const struct sw_route *r);

#endif
