#ifndef SWITCHD_TAP_H
#define SWITCHD_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * A persistent tap for a guest (UML/Xen/KVM): created with TUNSETIFF,
 * owner/group set so an unprivileged hypervisor may attach, TUNSETPERSIST so it
 * outlives our fd. rtnetlink cannot create taps; it can delete them
 * (nl_link_delete). 0 or -errno with err set. An existing device -> -EBUSY.
 */
int tap_create(const char *name, bool has_uid, uid_t uid, bool has_gid, gid_t gid, char *err,
	       size_t errlen);

#endif
