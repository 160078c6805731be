/*
 * The file I/O of sysctl.h: /proc/sys/net/ipv4 (per network namespace).
 * Apart from the pure rules in sysctl.c so the unit tests can link an
 * in-memory /proc/sys in its place and never touch the host's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysctl.h"

/* Where a key lives, relative to the IPv4 root */
static const char *sk_dir(int key)
{
	return key == SK_PROXY_DELAY ? "neigh" : key == SK_DISABLE_IPV6 ? "../ipv6/conf" : "conf";
}

/* conf/DEV/KEY, neigh/DEV/proxy_delay or ../ipv6/conf/DEV/disable_ipv6 */
static void sk_path(const char *root, const char *dev, int key, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s/%s/%s", root, sk_dir(key), dev, conf_sysctl_name(key));
}

int sk_read_one(const char *root, const char *dev, int key, int *value)
{
	char path[256], buf[32];
	ssize_t n;
	int fd, ret = 0;

	sk_path(root, dev, key, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0) {
		ret = n < 0 ? -errno : -EIO;
	} else {
		buf[n] = '\0';
		*value = atoi(buf);
	}
	close(fd);
	return ret;
}

int sk_write(const char *root, const char *dev, int key, int value, char *err, size_t errlen)
{
	char path[256], buf[16];
	int fd, len, ret = 0;

	sk_path(root, dev, key, path, sizeof(path));
	len = snprintf(buf, sizeof(buf), "%d\n", value);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, buf, (size_t)len) != len)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	if (ret)
		snprintf(err, errlen, "%s: %s", path + strlen(root) + 1, strerror(-ret));
	return ret;
}

static void read_dev(const char *root, const char *name, struct sk_dev *d)
{
	snprintf(d->name, sizeof(d->name), "%s", name);
	for (int k = 0; k < SK_NKEYS; k++)
		if (sk_read_one(root, name, k, &d->v[k]) < 0)
			d->v[k] = -1;
}

int sk_read_devs(const char *root, struct sk_snapshot *s, const char (*names)[SW_IFNAMSIZ],
		 size_t n)
{
	memset(s, 0, sizeof(*s));
	read_dev(root, "all", &s->all);
	read_dev(root, "default", &s->dflt);
	s->devs = calloc(n + 1, sizeof(*s->devs));
	if (!s->devs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct sk_dev *d = &s->devs[s->ndevs];
		char path[256];

		snprintf(path, sizeof(path), "%s/conf/%s", root, names[i]);
		if (!strcmp(names[i], "all") || !strcmp(names[i], "default") ||
		    strchr(names[i], '/') || access(path, F_OK) < 0 || sk_find(s, names[i]))
			continue; /* absent (or twice): not in the snapshot, as sk_read */
		read_dev(root, names[i], d);
		s->ndevs++;
	}
	return 0;
}

int sk_read(const char *root, struct sk_snapshot *s)
{
	char path[256];
	struct dirent *e;
	DIR *dir;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "%s/conf", root);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		struct sk_dev *v;

		if (e->d_name[0] == '.' || strlen(e->d_name) >= SW_IFNAMSIZ)
			continue;
		if (!strcmp(e->d_name, "all")) {
			read_dev(root, "all", &s->all);
			continue;
		}
		if (!strcmp(e->d_name, "default")) {
			read_dev(root, "default", &s->dflt);
			continue;
		}
		v = realloc(s->devs, (s->ndevs + 1) * sizeof(*v));
		if (!v) {
			closedir(dir);
			sk_snapshot_free(s);
			return -ENOMEM;
		}
		s->devs = v;
		read_dev(root, e->d_name, &s->devs[s->ndevs++]);
	}
	closedir(dir);
	return 0;
}
