/*
 * Least privilege: once the control socket exists, switchd keeps only the
 * capabilities it uses — CAP_NET_ADMIN (rtnetlink changes, taps and their
 * owners, the namespace's sysctls, a large netlink buffer) and CAP_NET_RAW
 * (packet sockets: announcements, replay, the libpcap watches) — in its
 * effective, permitted and, when it may change it, bounding sets. Started
 * by the unit with only those, this changes nothing.
 */
#ifndef SWITCHD_PRIVILEGE_H
#define SWITCHD_PRIVILEGE_H

#include <stddef.h>

/* 0, or -errno with err set (switchd runs on, with what it had). */
int privilege_drop(char *err, size_t errlen);

#endif
