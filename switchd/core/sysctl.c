/*
 * IPv4 ARP / reverse-path sysctls. See sysctl.h and kernel-reference.md 1.1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sysctl.h"

enum sk_rule sk_rule_of(int key)
{
	switch (key) {
	case SK_ARP_IGNORE:
	case SK_ARP_ANNOUNCE:
	case SK_RP_FILTER:
		return SK_RULE_MAX;
	case SK_ARP_FILTER:
	case SK_PROXY_ARP:
		return SK_RULE_OR;
	default:
		return SK_RULE_DEV; /* forwarding, proxy_delay, disable_ipv6 */
	}
}

char *sk_rule_text(int key, const char *dev, char *buf, size_t len)
{
	switch (sk_rule_of(key)) {
	case SK_RULE_MAX:
		snprintf(buf, len, "max(all, %s)", dev);
		break;
	case SK_RULE_OR:
		snprintf(buf, len, "all || %s", dev);
		break;
	default:
		snprintf(buf, len, "%s only", dev);
		break;
	}
	return buf;
}

int sk_effective(int key, int all, int dev)
{
	switch (sk_rule_of(key)) {
	case SK_RULE_MAX:
		return all > dev ? all : dev;
	case SK_RULE_OR:
		return all || dev;
	default:
		return dev;
	}
}

void sk_snapshot_free(struct sk_snapshot *s)
{
	free(s->devs);
	memset(s, 0, sizeof(*s));
}

const struct sk_dev *sk_find(const struct sk_snapshot *s, const char *name)
{
	if (!strcmp(name, "all"))
		return &s->all;
	if (!strcmp(name, "default"))
		return &s->dflt;
	for (size_t i = 0; i < s->ndevs; i++)
		if (!strcmp(s->devs[i].name, name))
			return &s->devs[i];
	return NULL;
}

int sk_dev_effective(const struct sk_snapshot *s, const char *name, int key)
{
	const struct sk_dev *d = sk_find(s, name);

	if (!d)
		d = &s->dflt;
	return sk_effective(key, s->all.v[key], d->v[key]);
}
