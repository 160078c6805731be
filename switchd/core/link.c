/*
 * The kernel model, kept current from netlink events. See link.h.
 *
 * Keys: links by ifindex (names change); addresses by (ifindex, family,
 * local, prefixlen); routes by (family, table, dst, dst_len, tos, priority,
 * oif). Routes of the local table and the kernel's own routes (prefix routes
 * it derives from addresses) are not kept: switchd never moves them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "link.h"

void linkdb_init(struct sw_linkdb *db)
{
	memset(db, 0, sizeof(*db));
}

void linkdb_free(struct sw_linkdb *db)
{
	free(db->pos);
	free(db->names);
	free(db->links);
	free(db->addrs);
	free(db->routes);
	memset(db, 0, sizeof(*db));
}

int linkdb_subscribe(struct sw_linkdb *db, link_observer_fn fn, void *arg)
{
	if (db->nobservers >= LINKDB_MAX_OBSERVERS)
		return -ENOSPC;
	db->observers[db->nobservers].fn = fn;
	db->observers[db->nobservers].arg = arg;
	db->nobservers++;
	return 0;
}

static void publish(struct sw_linkdb *db, const struct link_event *ev)
{
	for (int i = 0; i < db->nobservers; i++)
		db->observers[i].fn(db->observers[i].arg, ev);
}

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	size_t ncap = *cap ? *cap * 2 : 16;
	void *nv = realloc(v, ncap * size);

	if (nv)
		*cap = ncap;
	return nv;
}

/* ---- lookups ------------------------------------------------------------ */

/* ifindexes grow by one per device made in a namespace; beyond this they
 * are not indexed (the walk finds them) */
#define POS_MAX (1u << 22)

static void pos_set(struct sw_linkdb *db, int ifindex, size_t at_plus1)
{
	if (ifindex <= 0 || (unsigned)ifindex >= POS_MAX || db->pos_lost)
		return;
	if ((size_t)ifindex >= db->pos_cap) {
		size_t cap = db->pos_cap ? db->pos_cap : 256;
		uint32_t *v;

		while (cap <= (size_t)ifindex)
			cap *= 2;
		v = realloc(db->pos, cap * sizeof(*v));
		if (!v) {
			db->pos_lost = true;
			return;
		}
		memset(v + db->pos_cap, 0, (cap - db->pos_cap) * sizeof(*v));
		db->pos = v;
		db->pos_cap = cap;
	}
	db->pos[ifindex] = (uint32_t)at_plus1;
}

/* The position of a link, or -1. */
static long find_index(const struct sw_linkdb *db, int ifindex)
{
	if (!db->pos_lost && ifindex > 0 && (unsigned)ifindex < POS_MAX) {
		size_t p = (size_t)ifindex < db->pos_cap ? db->pos[ifindex] : 0;

		return p && db->links[p - 1].ifindex == ifindex ? (long)p - 1 : -1;
	}
	for (size_t i = 0; i < db->nlinks; i++)
		if (db->links[i].ifindex == ifindex)
			return (long)i;
	return -1;
}

const struct sw_link *linkdb_by_index(const struct sw_linkdb *db, int ifindex)
{
	long i = find_index(db, ifindex);

	return i >= 0 ? &db->links[i] : NULL;
}

static size_t name_hash(const char *s)
{
	size_t h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void names_insert(struct sw_linkdb *db, size_t pos)
{
	size_t mask = db->names_cap - 1;

	for (size_t i = name_hash(db->links[pos].name) & mask;; i = (i + 1) & mask)
		if (!db->names[i]) {
			db->names[i] = (uint32_t)(pos + 1);
			return;
		}
}

/* (Re)build the name index for every link: false without memory. */
static bool names_build(struct sw_linkdb *db)
{
	size_t cap = 64;

	while (cap < db->nlinks * 2 + 2)
		cap *= 2;
	if (cap != db->names_cap) {
		uint32_t *v = realloc(db->names, cap * sizeof(*v));

		if (!v) {
			free(db->names);
			db->names = NULL;
			db->names_cap = 0;
			return false;
		}
		db->names = v;
		db->names_cap = cap;
	}
	memset(db->names, 0, cap * sizeof(*db->names));
	for (size_t i = 0; i < db->nlinks; i++)
		names_insert(db, i);
	db->names_stale = false;
	return true;
}

/* A link was appended at pos: into the index, or the index is stale. */
static void names_added(struct sw_linkdb *db, size_t pos)
{
	if (db->names_stale || !db->names || (db->nlinks + 1) * 2 > db->names_cap)
		db->names_stale = true;
	else
		names_insert(db, pos);
}

const struct sw_link *linkdb_by_name(const struct sw_linkdb *db, const char *name)
{
	struct sw_linkdb *w = (struct sw_linkdb *)db; /* the index is a cache */

	if ((db->names_stale || !db->names) && db->nlinks && !names_build(w)) {
		for (size_t i = 0; i < db->nlinks; i++)
			if (strcmp(db->links[i].name, name) == 0)
				return &db->links[i];
		return NULL;
	}
	if (!db->names)
		return NULL; /* no links */
	for (size_t i = name_hash(name) & (db->names_cap - 1);; i = (i + 1) & (db->names_cap - 1)) {
		uint32_t p = db->names[i];

		if (!p)
			return NULL;
		if (p <= db->nlinks && strcmp(db->links[p - 1].name, name) == 0)
			return &db->links[p - 1];
	}
}

const struct sw_link *linkdb_name_taken(const struct sw_linkdb *db, const char *name)
{
	for (size_t i = 0; i < db->nlinks; i++) {
		if (strcmp(db->links[i].name, name) == 0)
			return &db->links[i];
		for (int k = 0; k < db->links[i].naltnames; k++)
			if (strcmp(db->links[i].altnames[k], name) == 0)
				return &db->links[i];
	}
	return NULL;
}

static bool matchable(const struct sw_link *l)
{
	/* a bridge carries its NIC's MAC, a tap is a guest: neither is the NIC */
	return strcmp(l->kind, "bridge") && strcmp(l->kind, "tun");
}

const struct sw_link *linkdb_by_mac(const struct sw_linkdb *db, const uint8_t mac[6])
{
	for (size_t i = 0; i < db->nlinks; i++) {
		const struct sw_link *l = &db->links[i];

		if (matchable(l) && l->has_perm_mac && !mac_is_zero(l->perm_mac) &&
		    !memcmp(l->perm_mac, mac, 6))
			return l;
	}
	for (size_t i = 0; i < db->nlinks; i++) {
		const struct sw_link *l = &db->links[i];

		if (matchable(l) && (!l->has_perm_mac || mac_is_zero(l->perm_mac)) && l->has_mac &&
		    !memcmp(l->mac, mac, 6))
			return l;
	}
	return NULL;
}

/* ---- links -------------------------------------------------------------- */

static unsigned int link_diff(const struct sw_link *a, const struct sw_link *b)
{
	unsigned int c = 0;

	if (strcmp(a->name, b->name))
		c |= LC_NAME;
	if (a->master != b->master)
		c |= LC_MASTER;
	if (a->carrier != b->carrier || a->carrier_changes != b->carrier_changes)
		c |= LC_CARRIER;
	if (a->flags != b->flags)
		c |= LC_FLAGS;
	if (a->has_mac != b->has_mac || memcmp(a->mac, b->mac, 6))
		c |= LC_MAC;
	if (memcmp(a, b, sizeof(*a)) && !c)
		c |= LC_OTHER;
	return c;
}

int linkdb_virtio_slot(const char *devpath, char bus[16], char dev[64])
{
	const char *end = strrchr(devpath, '/'), *start;
	size_t n;

	if (!end || strncmp(end + 1, "virtio", 6))
		return -EINVAL;
	for (start = end; start > devpath && start[-1] != '/'; start--)
		;
	n = (size_t)(end - start);
	/* a PCI address: DDDD:BB:SS.F */
	if (n != 12 || start[4] != ':' || start[7] != ':' || start[10] != '.')
		return -EINVAL;
	snprintf(bus, 16, "pci");
	snprintf(dev, 64, "%.*s", (int)n, start);
	return 0;
}

int linkdb_put_link(struct sw_linkdb *db, const struct sw_link *in)
{
	struct sw_link completed = *in, *l = &completed;

	if (db->complete)
		db->complete(db->complete_arg, &completed);
	long at = find_index(db, l->ifindex);

	if (at >= 0) {
		size_t i = (size_t)at;
		struct sw_link old = db->links[i];
		unsigned int changed = link_diff(&old, l);

		db->links[i] = *l;
		if (changed & LC_NAME)
			db->names_stale = true;
		if (changed) {
			struct link_event ev = { .type = LINK_CHANGED, .link = &db->links[i],
						 .old = &old, .changed = changed };
			publish(db, &ev);
		}
		return 0;
	}
	struct sw_link *v = grow(db->links, &db->links_cap, db->nlinks, sizeof(*v));

	if (!v)
		return -ENOMEM;
	db->links = v;
	db->links[db->nlinks++] = *l;
	pos_set(db, l->ifindex, db->nlinks);
	names_added(db, db->nlinks - 1);
	struct link_event ev = { .type = LINK_ADDED, .link = &db->links[db->nlinks - 1] };
	publish(db, &ev);
	return 0;
}

void linkdb_udev_settled(struct sw_linkdb *db, int ifindex)
{
	long at = find_index(db, ifindex);

	if (at < 0 || !db->links[at].udev_pending)
		return;
	struct sw_link old = db->links[at];

	db->links[at].udev_pending = false;
	struct link_event ev = { .type = LINK_CHANGED, .link = &db->links[at], .old = &old,
				 .changed = LC_UDEV };
	publish(db, &ev);
}

static void remove_addrs_of(struct sw_linkdb *db, int ifindex, bool notify);
static void remove_routes_of(struct sw_linkdb *db, int ifindex, bool notify);

static void remove_link(struct sw_linkdb *db, int ifindex)
{
	long at = find_index(db, ifindex);

	if (at >= 0) {
		size_t i = (size_t)at;
		struct sw_link gone = db->links[i];

		db->links[i] = db->links[--db->nlinks];
		db->names_stale = true;
		pos_set(db, ifindex, 0);
		if (i < db->nlinks)
			pos_set(db, db->links[i].ifindex, i + 1);
		/* the kernel drops them with the device, without telling us (IPv4) */
		remove_addrs_of(db, ifindex, false);
		remove_routes_of(db, ifindex, false);
		struct link_event ev = { .type = LINK_REMOVED, .link = &gone };
		publish(db, &ev);
		return;
	}
}

/* ---- addresses ---------------------------------------------------------- */

static size_t alen(int family)
{
	return family == AF_INET ? 4 : 16;
}

static bool addr_same(const struct sw_addr *a, const struct sw_addr *b)
{
	return a->ifindex == b->ifindex && a->family == b->family && a->prefixlen == b->prefixlen &&
	       !memcmp(a->local, b->local, alen(a->family));
}

int linkdb_put_addr(struct sw_linkdb *db, const struct sw_addr *a)
{
	for (size_t i = 0; i < db->naddrs; i++)
		if (addr_same(&db->addrs[i], a)) {
			db->addrs[i] = *a; /* flags/lifetimes: no event */
			return 0;
		}
	struct sw_addr *v = grow(db->addrs, &db->addrs_cap, db->naddrs, sizeof(*v));

	if (!v)
		return -ENOMEM;
	db->addrs = v;
	db->addrs[db->naddrs++] = *a;
	struct link_event ev = { .type = ADDR_ADDED, .addr = &db->addrs[db->naddrs - 1] };
	publish(db, &ev);
	return 0;
}

static void remove_addr(struct sw_linkdb *db, const struct sw_addr *a)
{
	for (size_t i = 0; i < db->naddrs; i++) {
		if (!addr_same(&db->addrs[i], a))
			continue;
		struct sw_addr gone = db->addrs[i];

		db->addrs[i] = db->addrs[--db->naddrs];
		struct link_event ev = { .type = ADDR_REMOVED, .addr = &gone };
		publish(db, &ev);
		return;
	}
}

static void remove_addrs_of(struct sw_linkdb *db, int ifindex, bool notify)
{
	for (size_t i = db->naddrs; i-- > 0;) {
		if (db->addrs[i].ifindex != ifindex)
			continue;
		struct sw_addr gone = db->addrs[i];

		db->addrs[i] = db->addrs[--db->naddrs];
		if (notify) {
			struct link_event ev = { .type = ADDR_REMOVED, .addr = &gone };
			publish(db, &ev);
		}
	}
}

/* ---- routes ------------------------------------------------------------- */

static bool route_kept(const struct sw_route *r)
{
	return r->table != RT_TABLE_LOCAL && r->rtm.rtm_protocol != RTPROT_KERNEL &&
	       !(r->rtm.rtm_flags & RTM_F_CLONED) && r->rtm.rtm_type == RTN_UNICAST;
}

static bool route_same(const struct sw_route *a, const struct sw_route *b)
{
	return a->rtm.rtm_family == b->rtm.rtm_family && a->table == b->table &&
	       a->rtm.rtm_dst_len == b->rtm.rtm_dst_len && a->rtm.rtm_tos == b->rtm.rtm_tos &&
	       a->priority == b->priority && a->oif == b->oif &&
	       !memcmp(a->dst, b->dst, alen(a->rtm.rtm_family)) &&
	       a->has_gateway == b->has_gateway &&
	       !memcmp(a->gateway, b->gateway, alen(a->rtm.rtm_family));
}

int linkdb_put_route(struct sw_linkdb *db, const struct sw_route *r)
{
	for (size_t i = 0; i < db->nroutes; i++)
		if (route_same(&db->routes[i], r)) {
			db->routes[i] = *r;
			return 0;
		}
	struct sw_route *v = grow(db->routes, &db->routes_cap, db->nroutes, sizeof(*v));

	if (!v)
		return -ENOMEM;
	db->routes = v;
	db->routes[db->nroutes++] = *r;
	struct link_event ev = { .type = ROUTE_ADDED, .route = &db->routes[db->nroutes - 1] };
	publish(db, &ev);
	return 0;
}

static void remove_route(struct sw_linkdb *db, const struct sw_route *r)
{
	for (size_t i = 0; i < db->nroutes; i++) {
		if (!route_same(&db->routes[i], r))
			continue;
		db->routes[i] = db->routes[--db->nroutes];
		struct link_event ev = { .type = ROUTE_REMOVED, .route = r };
		publish(db, &ev);
		return;
	}
}

static void remove_routes_of(struct sw_linkdb *db, int ifindex, bool notify)
{
	for (size_t i = db->nroutes; i-- > 0;) {
		if (!nlp_route_uses_ifindex(&db->routes[i], ifindex))
			continue;
		struct sw_route gone = db->routes[i];

		db->routes[i] = db->routes[--db->nroutes];
		if (notify) {
			struct link_event ev = { .type = ROUTE_REMOVED, .route = &gone };
			publish(db, &ev);
		}
	}
}

/* ---- events ------------------------------------------------------------- */

int linkdb_handle_msg(struct sw_linkdb *db, const struct nlmsghdr *nlh)
{
	db->events++;
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK: {
		const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
		struct sw_link l;

		/* AF_BRIDGE messages are the bridge's port view: RTM_DELLINK there
		 * means "left the bridge", not "device gone"; the AF_UNSPEC
		 * message that follows carries the new master. */
		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)) || ifi->ifi_family != AF_UNSPEC)
			return 0;
		if (nlh->nlmsg_type == RTM_DELLINK) {
			remove_link(db, ifi->ifi_index);
			return 0;
		}
		if (nlp_link(nlh, &l) < 0)
			return -EINVAL;
		return linkdb_put_link(db, &l);
	}
	case RTM_NEWADDR:
	case RTM_DELADDR: {
		struct sw_addr a;

		if (nlp_addr(nlh, &a) < 0)
			return -EINVAL;
		if (nlh->nlmsg_type == RTM_DELADDR)
			remove_addr(db, &a);
		else
			return linkdb_put_addr(db, &a);
		return 0;
	}
	case RTM_NEWROUTE:
	case RTM_DELROUTE: {
		struct sw_route *r = malloc(sizeof(*r));
		int ret = 0;

		if (!r)
			return -ENOMEM;
		if (nlp_route(nlh, r) < 0 || !route_kept(r))
			goto out;
		if (nlh->nlmsg_type == RTM_DELROUTE)
			remove_route(db, r);
		else
			ret = linkdb_put_route(db, r);
out:
		free(r);
		return ret;
	}
	case RTM_NEWNETCONF: {
		struct link_event ev = { .type = NETCONF_CHANGED };

		if (nlp_netconf(nlh, &ev.ifindex) == 0)
			publish(db, &ev);
		return 0;
	}
	case RTM_NEWNEIGH: {
		struct sw_fdb f;
		struct link_event ev = { .type = FDB_LEARNED, .fdb = &f };

		/* learned (not local) entries of a bridge port: who is behind it */
		if (nlp_fdb(nlh, &f) == 0 && f.master && f.port != f.master &&
		    !(f.state & NUD_PERMANENT) && !(f.mac[0] & 1))
			publish(db, &ev);
		return 0;
	}
	default:
		return 0;
	}
}

/* ---- resync ------------------------------------------------------------- */

void linkdb_replace(struct sw_linkdb *db, struct sw_linkdb *fresh)
{
	/* publish the differences, as the events we missed would have */
	for (size_t i = db->nlinks; i-- > 0;)
		if (!linkdb_by_index(fresh, db->links[i].ifindex))
			remove_link(db, db->links[i].ifindex);
	for (size_t i = db->naddrs; i-- > 0;) {
		bool found = false;

		for (size_t k = 0; k < fresh->naddrs && !found; k++)
			found = addr_same(&fresh->addrs[k], &db->addrs[i]);
		if (!found) {
			struct sw_addr gone = db->addrs[i];
			remove_addr(db, &gone);
		}
	}
	for (size_t i = db->nroutes; i-- > 0;) {
		bool found = false;

		for (size_t k = 0; k < fresh->nroutes && !found; k++)
			found = route_same(&fresh->routes[k], &db->routes[i]);
		if (!found) {
			struct sw_route *gone = malloc(sizeof(*gone));

			if (gone) {
				*gone = db->routes[i];
				remove_route(db, gone);
				free(gone);
			}
		}
	}
	for (size_t i = 0; i < fresh->nlinks; i++)
		linkdb_put_link(db, &fresh->links[i]);
	for (size_t i = 0; i < fresh->naddrs; i++)
		linkdb_put_addr(db, &fresh->addrs[i]);
	for (size_t i = 0; i < fresh->nroutes; i++)
		linkdb_put_route(db, &fresh->routes[i]);
	linkdb_free(fresh);
	db->resyncs++;
	struct link_event ev = { .type = DB_RESYNCED };
	publish(db, &ev);
}
