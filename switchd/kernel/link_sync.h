/*
 * The link model kept current from the kernel: a full dump (start-up, and
 * after the kernel dropped events), and the queued events read into it.
 */
#ifndef SWITCHD_LINK_SYNC_H
#define SWITCHD_LINK_SYNC_H

#include <stdbool.h>
#include <stddef.h>

struct sw_link;
struct sw_linkdb;
struct sw_nl;

/* What netlink does not say of a link, from sysfs: a virtio NIC's PCI slot
 * (path = matches it). Before the first resync. */
void linkdb_sync_init(struct sw_linkdb *db);

/* udev handles the devices of this namespace and keeps its database in dir
 * (/run/udev; NULL or "": it does not). A device that is new to the model
 * and not yet in udev's database (dir/data/nIFINDEX without ID_RENAMING,
 * written when udev is done with its add: renamed, .link applied) is stored with
 * udev_pending: plans leave it alone, so no rename of switchd's races
 * udev's (kernel-notes 39). lo, bridges and taps are not asked. */
void linkdb_sync_udev(const char *dir);
/* Where udev keeps its database if it handles this namespace's devices:
 * /run/udev when its control socket is there and this is the host's
 * network namespace (the one PID 1 is in, or PID 1's cannot be looked at:
 * a service without CAP_SYS_PTRACE), else NULL. SWITCHD_UDEV_DIR overrides
 * it ("": none): a test's stand-in for udev inside its own namespace. */
const char *linkdb_udev_probe(void);
/* Has udev finished with this device? (true when udev does not apply) */
bool linkdb_udev_done(int ifindex);
/* Seconds since a device stored udev_pending was first seen. */
double linkdb_udev_waited(const struct sw_link *l);

/* Dump links, addresses and routes; replace the model; publish the
 * differences and then DB_RESYNCED. The first call fills an empty model. */
int linkdb_resync(struct sw_linkdb *db, struct sw_nl *nl, char *err, size_t errlen);

/* Take in every event queued on nl's event socket (observers run for each).
 * When the kernel dropped some (ENOBUFS), drain and resync. Returns 0, 1
 * after a resync, or -errno (err set). */
int linkdb_sync(struct sw_linkdb *db, struct sw_nl *nl, char *err, size_t errlen);

#endif
