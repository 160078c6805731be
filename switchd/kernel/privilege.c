/*
 * See privilege.h. libcap-ng (Debian's libcap-ng0): the capability sets and
 * the bounding set through one small, well-kept API instead of raw capset()
 * and prctl(PR_CAPBSET_DROP) loops.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <cap-ng.h>
#include <linux/capability.h>

#include "privilege.h"

/* no capability but CAP_NET_ADMIN and CAP_NET_RAW is effective or
 * permitted (after capng_get_caps_process) */
static int only_net_caps(void)
{
	for (int c = 0; c <= CAP_LAST_CAP; c++) {
		if (c == CAP_NET_ADMIN || c == CAP_NET_RAW)
			continue;
		if (capng_have_capability(CAPNG_EFFECTIVE, c) ||
		    capng_have_capability(CAPNG_PERMITTED, c))
			return 0;
	}
	return 1;
}

int privilege_drop(char *err, size_t errlen)
{
	/* the bounding set can be narrowed only with CAP_SETPCAP: without it
	 * (the unit already narrowed it) the sets are enough */
	capng_select_t what = CAPNG_SELECT_CAPS;

	capng_get_caps_process();
	if (capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP))
		what = CAPNG_SELECT_BOTH;
	if (!capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN) ||
	    !capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_RAW)) {
		snprintf(err, errlen, "capabilities: CAP_NET_ADMIN and CAP_NET_RAW are needed, and "
				      "this process lacks %s",
			 capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN) ? "CAP_NET_RAW"
										: "CAP_NET_ADMIN");
		return -EPERM;
	}
	/* started with only the two (the unit: CapabilityBoundingSet=, and a
	 * SystemCallFilter= that makes capset(2) fail): nothing to drop */
	if (what == CAPNG_SELECT_CAPS && only_net_caps())
		return 0;
	capng_clear(what);
	if (capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
					     (what == CAPNG_SELECT_BOTH ? CAPNG_BOUNDING_SET : 0),
			  CAP_NET_ADMIN, CAP_NET_RAW, -1) < 0) {
		snprintf(err, errlen, "capabilities: cannot prepare the set");
		return -EINVAL;
	}
	if (capng_apply(what) < 0) {
		snprintf(err, errlen, "capabilities: cannot drop the others: %s", strerror(errno));
		return -EPERM;
	}
	return 0;
}
