/*
 * The link model kept current from the kernel: a full dump (start-up, and
 * after the kernel dropped events), and the queued events read into it.
 */
#ifndef SWITCHD_LINK_SYNC_H
#define SWITCHD_LINK_SYNC_H

#include <stddef.h>

struct sw_linkdb;
struct sw_nl;

/* What netlink does not say of a link, from sysfs: a virtio NIC's PCI slot
 * (path = matches it). Before the first resync. */
void linkdb_sync_init(struct sw_linkdb *db);

/* Dump links, addresses and routes; replace the model; publish the
 * differences and then DB_RESYNCED. The first call fills an empty model. */
int linkdb_resync(struct sw_linkdb *db, struct sw_nl *nl, char *err, size_t errlen);

/* Take in every event queued on nl's event socket (observers run for each).
 * When the kernel dropped some (ENOBUFS), drain and resync. Returns 0, 1
 * after a resync, or -errno (err set). */
int linkdb_sync(struct sw_linkdb *db, struct sw_nl *nl, char *err, size_t errlen);

#endif
