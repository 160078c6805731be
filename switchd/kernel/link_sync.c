/*
 * See link_sync.h.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

/* udev's run directory when udev handles this namespace's devices, else "" */
static char udev_dir[PATH_MAX];

void linkdb_sync_udev(const char *dir)
{
	snprintf(udev_dir, sizeof(udev_dir), "%s", dir ? dir : "");
}

const char *linkdb_udev_probe(void)
{
	const char *dir = getenv("SWITCHD_UDEV_DIR");
	struct stat self, init;

	if (dir)
		return dir[0] ? dir : NULL;
	if (access("/run/udev/control", F_OK) < 0 || stat("/proc/self/ns/net", &self) < 0)
		return NULL;
	/* udevd sees the uevents of the host's namespace only. PID 1's
	 * namespace can be looked at only with all of PID 1's capabilities
	 * (ptrace access): the unit's two do not, and a service is in the
	 * host's namespace; a test under `ip netns exec` is root and can */
	if (stat("/proc/1/ns/net", &init) < 0)
		return errno == EACCES || errno == EPERM ? "/run/udev" : NULL;
	return self.st_ino == init.st_ino && self.st_dev == init.st_dev ? "/run/udev" : NULL;
}

bool linkdb_udev_done(int ifindex)
{
	char path[PATH_MAX + 32], buf[8192];
	size_t n;
	FILE *f;

	if (!udev_dir[0])
		return true;
	/* written by udevd once the device's event is handled (its rules and
	 * .link applied): what sd_device_get_is_initialized reads. In tests/vm
	 * it was there 23 ms before udevd's rename: an entry with ID_RENAMING
	 * (what networkd's device_is_renaming reads) is not done (inferred
	 * from that timing, kernel-notes 39) */
	snprintf(path, sizeof(path), "%s/data/n%d", udev_dir, ifindex);
	if (!(f = fopen(path, "re")))
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strncmp(buf, "E:ID_RENAMING=", 14) != 0 && !strstr(buf, "\nE:ID_RENAMING=");
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double linkdb_udev_waited(const struct sw_link *l)
{
	return mono_now() - l->udev_since;
}

/* A virtio NIC: its PCI slot from sysfs (this namespace's: /sys is
 * mounted for it by ip netns exec and by the unit alike). A device seen for
 * the first time: is udev still at it? (lo, bridges and taps: switchd's
 * own or guests', never renamed by switchd, not asked) */
static void complete_link(void *arg, struct sw_link *l)
{
	const struct sw_linkdb *db = arg;
	const struct sw_link *known = db ? linkdb_by_index(db, l->ifindex) : NULL;
	char path[96], real[PATH_MAX];

	if (known) {
		/* decided when first seen; only the udev feature clears it */
		l->udev_pending = known->udev_pending;
		l->udev_since = known->udev_since;
	} else if (udev_dir[0] && !(l->flags & IFF_LOOPBACK) && strcmp(l->kind, "bridge") &&
		   strcmp(l->kind, "tun") && !linkdb_udev_done(l->ifindex)) {
		l->udev_pending = true;
		l->udev_since = mono_now();
	}
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
	db->complete_arg = db;
}

int linkdb_resync(struct sw_linkdb *db, struct sw_nl *nl, char *err, size_t errlen)
{
	struct sw_linkdb fresh;
	int ret;

	linkdb_init(&fresh);
	fresh.complete = db->complete;
	fresh.complete_arg = db->complete_arg; /* the model: what is known stays so */
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
