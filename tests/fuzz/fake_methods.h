/*
 * Fake control methods for driving control_conn.c with no daemon behind
 * it: the unit tests (tests/unit/test_control.c) and the fuzz target
 * (fuzz_control.c) share them. They answer with replies and broadcast
 * events of chosen sizes, succeed or fail; each program keeps its own
 * method table (names and access bits) and finds in it with fake_find_in().
 * Header-only: include once, after nothing that defines `set`.
 */
#ifndef SWITCHD_FAKE_METHODS_H
#define SWITCHD_FAKE_METHODS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_conn.h"
#include "ctl_methods.h"

#define FAKE_MAX_BYTES 8192

static struct control_conns set;

/* params.n (0..FAKE_MAX_BYTES) bytes of c, NUL-terminated; NULL on no memory */
static char *fake_bytes(json_t *params, char c)
{
	json_int_t n = json_integer_value(json_object_get(params, "n"));
	char *s;

	if (n < 0 || n > FAKE_MAX_BYTES)
		n = FAKE_MAX_BYTES;
	s = calloc(1, (size_t)n + 1);
	if (s)
		memset(s, c, (size_t)n);
	return s;
}

/* "pad": a reply of params.n bytes more than with n = 0 */
static int m_pad(struct sw_ctx *ctx, json_t *params, json_t **result, char *err, size_t errlen)
{
	char *s = fake_bytes(params, 'x');

	(void)ctx, (void)err, (void)errlen;
	if (!s)
		return -ENOMEM;
	*result = json_pack("{s:s}", "s", s);
	free(s);
	return 0;
}

/* "event": broadcasts an event of params.n bytes from inside the request, as a swap does */
static int m_event(struct sw_ctx *ctx, json_t *params, json_t **result, char *err, size_t errlen)
{
	char *s = fake_bytes(params, 'e');

	(void)ctx, (void)err, (void)errlen;
	if (!s)
		return -ENOMEM;
	control_conn_broadcast(&set, json_pack("{s:s,s:s}", "type", "test", "s", s));
	free(s);
	*result = json_pack("{s:s}", "message", "sent");
	return 0;
}

static int m_ok(struct sw_ctx *ctx, json_t *params, json_t **result, char *err, size_t errlen)
{
	(void)ctx, (void)params, (void)err, (void)errlen;
	*result = json_pack("{s:s}", "message", "done");
	return 0;
}

static int m_fail(struct sw_ctx *ctx, json_t *params, json_t **result, char *err, size_t errlen)
{
	(void)ctx, (void)params, (void)result;
	snprintf(err, errlen, "bridge eth9: no such bridge");
	return -ENOENT;
}

static const struct ctl_method *fake_find_in(const struct ctl_method *t, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(t[i].name, name))
			return &t[i];
	return NULL;
}

#endif
