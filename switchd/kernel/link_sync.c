/*
 * See link_sync.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "link.h"
#include "link_sync.h"
#include "log.h"
#include "nl.h"

static int fill_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sw_linkdb *fresh = data;

	linkdb_handle_msg(fresh, nlh);
	return MNL_CB_OK;
}

/* A virtio NIC: its PCI slot from sysfs (this namespace's: /sys is
 * mounted for it by ip netns exec and by the unit alike). */
static void complete_link(void *arg, struct sw_link *l)
{
	char path[96], real[PATH_MAX];

	(void)arg;
	if (strcmp(l->parent_bus, "virtio"))
		return;
	snprintf(path, sizeof(path), "/sys/class/net/%s/device", l->name);
	if (!realpath(path, real))
		return;
	linkdb_virtio_slot(real, l->parent_bus, l->parent_dev);
}

void linkdb_sync_init(struct sw_linkdb *db)
{
	db->complete = complete_link;
}

int linkdb_resync(struct sw_linkdb *db, struct sw_nl *nl, char *err, size_t errlen)
{
	struct sw_linkdb fresh;
	int ret;

	linkdb_init(&fresh);
	fresh.complete = db->complete;
	if ((ret = nl_dump_links(nl, fill_cb, &fresh, err, errlen)) ||
	    (ret = nl_dump_addrs(nl, AF_INET, fill_cb, &fresh, err, errlen)) ||
	    (ret = nl_dump_addrs(nl, AF_INET6, fill_cb, &fresh, err, errlen)) ||
	    (ret = nl_dump_routes(nl, AF_INET, fill_cb, &fresh, err, errlen)) ||
	    (ret = nl_dump_routes(nl, AF_INET6, fill_cb, &fresh, err, errlen))) {
		linkdb_free(&fresh);
		return ret;
	}
	linkdb_replace(db, &fresh);
	return 0;
}

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	linkdb_handle_msg(data, nlh);
	return MNL_CB_OK;
}

static int discard_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

int linkdb_sync(struct sw_linkdb *db, struct sw_nl *nl, char *err, size_t errlen)
{
	int ret = nl_event_read(nl, event_cb, db);

	if (ret == -ENOBUFS) {
		/* Drain first: what is queued is older than the dump (applied after
		 * it, it would resurrect the past), and the kernel reports no new
		 * ENOBUFS while the socket stays congested. */
		while (nl_event_read(nl, discard_cb, NULL) == -ENOBUFS)
			;
		log_warnx("netlink: events were lost (ENOBUFS): resynchronising");
		ret = linkdb_resync(db, nl, err, errlen);
		return ret < 0 ? ret : 1;
	}
	if (ret < 0 && ret != -EAGAIN) {
		snprintf(err, errlen, "reading events: %s", strerror(-ret));
		return ret;
	}
	return 0;
}
