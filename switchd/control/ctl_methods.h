/*
 * The control methods: {name, handler, needs_write}. Handlers know nothing of
 * the transport; control.c parses, checks permission, calls, and replies.
 */
#ifndef SWITCHD_CTL_METHODS_H
#define SWITCHD_CTL_METHODS_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

struct sw_ctx;

/* 0 with *result set (NULL means {}), or -errno with a one-line message in
 * err naming the object and the reason ("bridge eth9: no such bridge"). */
typedef int (*ctl_handler_fn)(struct sw_ctx *ctx, json_t *params, json_t **result,
			      char *err, size_t errlen);

struct ctl_method {
	const char *name;
	ctl_handler_fn handler;
	bool needs_write; /* changes state: root (or the daemon's uid) only */
	bool subscribes;  /* after the reply, the connection receives events */
};

const struct ctl_method *ctl_method_find(const char *name);

#endif
