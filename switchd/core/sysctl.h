/*
 * The IPv4 ARP and reverse-path sysctls: how the kernel combines conf/all
 * with a device's own value (include/linux/inetdevice.h), and reading and
 * writing them under /proc/sys/net/ipv4 (per network namespace).
 *
 * The combining rules are pure and unit-tested; sk_read/sk_write are the
 * only file I/O (sysctl_io.c).
 */
#ifndef SWITCHD_SYSCTL_H
#define SWITCHD_SYSCTL_H

#include <stddef.h>
#include "conf.h"

enum sk_rule {
	SK_RULE_MAX, /* IN_DEV_MAXCONF: max(all, dev) */
	SK_RULE_OR,  /* IN_DEV_ORCONF: all || dev */
	SK_RULE_DEV, /* IN_DEV_CONF_GET: the device's own value; all is ignored */
};

enum sk_rule sk_rule_of(int key);
/* "max(all, eth0)", "all || eth0", "eth0 only" */
char *sk_rule_text(int key, const char *dev, char *buf, size_t len);
/* What the kernel uses on a device. */
int sk_effective(int key, int all, int dev);

/* One device's values (-1: unknown / not readable). */
struct sk_dev {
	char name[SW_IFNAMSIZ];
	int v[SK_NKEYS];
};

/* All of them: conf/all, conf/default and every device. */
struct sk_snapshot {
	struct sk_dev all, dflt;
	struct sk_dev *devs;
	size_t ndevs;
};

/* Read /proc/sys/net/ipv4 (root; tests pass another tree). 0 or -errno. */
int sk_read(const char *root, struct sk_snapshot *s);
/* Only conf/all, conf/default and the devices named (those that exist):
 * with thousands of taps, what a policy looks at is a handful of them. */
int sk_read_devs(const char *root, struct sk_snapshot *s, const char (*names)[SW_IFNAMSIZ],
		 size_t n);
void sk_snapshot_free(struct sk_snapshot *s);
const struct sk_dev *sk_find(const struct sk_snapshot *s, const char *name);
/* The effective value on a device (its own value, or default's when the
 * device is not in the snapshot yet). */
int sk_dev_effective(const struct sk_snapshot *s, const char *name, int key);

/* Write one value: dev is "all", "default" or a link name. 0 or -errno,
 * with "conf/eth0/rp_filter: <reason>" in err. */
int sk_write(const char *root, const char *dev, int key, int value, char *err, size_t errlen);
int sk_read_one(const char *root, const char *dev, int key, int *value);

#define SK_ROOT "/proc/sys/net/ipv4"

#endif
