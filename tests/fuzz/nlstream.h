/*
 * The input as a receive buffer of netlink messages: copied to an aligned
 * buffer (the kernel's are) and walked as nl.c walks what it receives.
 */
#ifndef TESTS_FUZZ_NLSTREAM_H
#define TESTS_FUZZ_NLSTREAM_H

#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>

#include "nl_parse.h"

/* Calls fn(nlh, arg) for each whole message; the copy is exactly size
 * bytes (rounded up to 4 for alignment), so ASan sees reads past it. */
static inline void nlstream_walk(const uint8_t *data, size_t size,
				 void (*fn)(const struct nlmsghdr *, void *), void *arg)
{
	const struct nlmsghdr *nlh;
	void *buf;
	int len;

	if (size > 1 << 20)
		return;
	buf = aligned_alloc(4, NLMSG_ALIGN(size ? size : 1));
	if (!buf)
		return;
	memcpy(buf, data, size);
	len = (int)size;
	for (nlh = buf; nlp_msg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
		fn(nlh, arg);
	free(buf);
}

#endif
