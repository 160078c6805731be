/*
 * Ordering interface renames (pure). A NIC may hold a name that a bridge or
 * another NIC is about to take (eth0 -> hweth0 while bridge eth0 is waiting;
 * two cards whose names were swapped). Renames run so that every target name
 * is free when its rename runs; a cycle is broken through a temporary name.
 */
#ifndef SWITCHD_RENAME_H
#define SWITCHD_RENAME_H

#include <stddef.h>
#include "util.h"

struct rename_step {
	int ifindex;
	char from[SW_IFNAMSIZ];
	char to[SW_IFNAMSIZ];
};

/*
 * reqs: the renames wanted (from = current name). taken: every name in use
 * now (names and alternative names of all links), reqs' own names included.
 * out must hold 2 * n steps. Returns 0, or -EEXIST when a target is held by a
 * device that is not being renamed (err names both), -EINVAL for two
 * requests with the same target or the same device.
 */
int rename_order(const struct rename_step *reqs, size_t n, const char *const *taken,
		 size_t ntaken, struct rename_step *out, size_t *nout, char *err,
		 size_t errlen);

#endif
