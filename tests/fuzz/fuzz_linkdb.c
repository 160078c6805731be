/*
 * The link model fed the input as a stream of netlink messages (events or
 * dump parts), then every lookup; the model must stay consistent.
 */
#include <string.h>

#include "fuzz.h"
#include "link.h"
#include "nlstream.h"

/* Observers see events that make sense: a link, an address, a route. */
static void observe(void *arg, const struct link_event *ev)
{
	unsigned long *events = arg;

	++*events;
	switch (ev->type) {
	case LINK_ADDED:
	case LINK_REMOVED:
		FUZZ_ASSERT(ev->link && memchr(ev->link->name, '\0', sizeof(ev->link->name)));
		break;
	case LINK_CHANGED:
		FUZZ_ASSERT(ev->link && ev->old && ev->changed);
		FUZZ_ASSERT(ev->link->ifindex == ev->old->ifindex);
		break;
	case ADDR_ADDED:
	case ADDR_REMOVED:
		FUZZ_ASSERT(ev->addr);
		FUZZ_ASSERT(ev->addr->family == AF_INET || ev->addr->family == AF_INET6);
		break;
	case ROUTE_ADDED:
	case ROUTE_REMOVED:
		FUZZ_ASSERT(ev->route);
		break;
	case FDB_LEARNED:
		FUZZ_ASSERT(ev->fdb && !(ev->fdb->mac[0] & 1));
		break;
	case DB_RESYNCED:
	case NETCONF_CHANGED:
		break;
	}
}

static void feed(const struct nlmsghdr *nlh, void *arg)
{
	linkdb_handle_msg(arg, nlh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw_linkdb db;
	unsigned long events = 0;

	linkdb_init(&db);
	linkdb_subscribe(&db, observe, &events);
	nlstream_walk(data, size, feed, &db);
	for (size_t i = 0; i < db.nlinks; i++) {
		const struct sw_link *l = &db.links[i];

		FUZZ_ASSERT(linkdb_by_index(&db, l->ifindex) == l); /* one link per ifindex */
		FUZZ_ASSERT(linkdb_by_name(&db, l->name));
		FUZZ_ASSERT(linkdb_name_taken(&db, l->name));
		for (int k = 0; k < l->naltnames; k++)
			FUZZ_ASSERT(linkdb_name_taken(&db, l->altnames[k]));
		if (l->has_mac)
			linkdb_by_mac(&db, l->mac);
		if (l->has_perm_mac)
			linkdb_by_mac(&db, l->perm_mac);
	}
	for (size_t i = 0; i < db.nroutes; i++)
		nlp_route_uses_ifindex(&db.routes[i], db.routes[i].oif);
	linkdb_by_name(&db, "");
	linkdb_by_index(&db, 0);
	linkdb_free(&db);
	return 0;
}
