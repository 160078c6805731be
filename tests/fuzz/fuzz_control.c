/*
 * libFuzzer target: the control connection state machine (control_conn.c)
 * with no socket. The input is a script of steps for up to four connections:
 * bytes read, the client closing, a socket error, output drained, time
 * passing, a connection opened, an event broadcast, the dead reaped. Fake
 * methods answer with replies of chosen sizes, broadcast events from inside
 * a request, subscribe, or need write access, so full buffers, drops inside
 * a broadcast and oversized requests all happen. ASan catches a connection
 * used after its owner freed it; the asserts catch broken invariants.
 *
 *   clang -fsanitize=fuzzer,address -include build/config.h -Iinclude -Iswitchd \
 *     tests/fuzz/fuzz_control.c build/switchd/libswitchd.a -ljansson
 * with libswitchd.a built by clang with -fsanitize=fuzzer-no-link,address.
 * Seeds: tests/fuzz/corpus/control/; dictionary: tests/fuzz/control.dict.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <switchd/proto.h>


#define MAX_CONNS 4

#include "fake_methods.h"

static const struct ctl_method methods[] = {
    {"p", m_pad, false, false},	  {"e", m_event, false, false}, {"s", m_ok, false, false},
    {"m", m_ok, false, true},	  {"w", m_ok, true, false},	{"f", m_fail, false, false},
    {"we", m_event, true, false},
};

static const struct ctl_method *find(const char *name)
{
	return fake_find_in(methods, sizeof(methods) / sizeof(methods[0]), name);
}

static const gid_t member_groups[] = {3, 700};
static const struct control_peer peers[4] = {
    {.uid = 0, .gid = 0},
    {.uid = 1000, .gid = 700},
    {.uid = 1001, .gid = 1001, .groups = member_groups, .ngroups = 2},
    {.uid = 1002, .gid = 1002},
};

static const unsigned repeats[8] = {1, 2, 3, 16, 64, 256, 512, 1024};

static void check(const struct control_conn *c)
{
	const char *d;
	size_t n = control_conn_output(c, &d);

	assert(n <= set.limits.max_output);
	assert(!c->dead || n == 0);
	assert(c->inlen <= SW_MSG_MAX);
	if (n)
		assert(d[n - 1] == '\n'); /* only whole lines are queued */
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct control_limits limits = control_conn_default_limits;
	struct control_conn *conns[MAX_CONNS] = {NULL};
	struct control_conn *c;
	double now = 0;
	size_t i = 0;

	if (n < 2)
		return 0;
	/* small caps, so that fuzzed inputs reach them */
	limits.max_output = 256 + (size_t)d[0] * 64;
	limits.max_per_uid = 1 + (d[1] & 3);
	limits.max_shared = 2 + (d[1] >> 2 & 3);
	limits.max_privileged = 2;
	control_conn_set_init(&set, NULL, find, 4242, &limits);
	control_conn_set_group(&set, d[1] & 0x80 ? "switchd" : NULL, 700);
	for (i = 2; i < n;) {
		uint8_t op = d[i++];
		unsigned k = (op >> 3) % MAX_CONNS;
		size_t len;
		char err[128];

		c = conns[k];
		switch (op & 7) {
		case 0: /* reads: the next byte's count of bytes, repeated (a
			 * request longer than SW_MSG_MAX from a short input) */
			if (i >= n)
				break;
			len = d[i++];
			if (len > n - i)
				len = n - i;
			for (unsigned r = 0; c && r < repeats[op >> 5]; r++)
				control_conn_input(c, d + i, len, now);
			i += len;
			break;
		case 1:
			if (c)
				control_conn_eof(c, now);
			break;
		case 2:
			if (c)
				control_conn_fail(c, "fuzz");
			break;
		case 3: /* the socket took some or all */
			if (c) {
				const char *out;
				size_t have = control_conn_output(c, &out);

				len = i < n ? d[i++] : 0;
				control_conn_written(c, len == 255 ? have : len * 16);
			}
			break;
		case 4:
			now += op >> 3;
			for (unsigned j = 0; j < MAX_CONNS; j++)
				if (conns[j])
					control_conn_tick(conns[j], now);
			break;
		case 5:
			if (!c &&
			    control_conn_admit(&set, &peers[op >> 6], err, sizeof(err)) == 0) {
				c = calloc(1, sizeof(*c));
				assert(c);
				control_conn_open(&set, c, &peers[op >> 6], now);
				conns[k] = c;
			}
			break;
		case 6:
			control_conn_broadcast(&set,
					       json_pack("{s:s,s:i}", "type", "tick", "n", op));
			break;
		case 7:
			while ((c = control_conn_reap(&set))) {
				for (unsigned j = 0; j < MAX_CONNS; j++)
					if (conns[j] == c)
						conns[j] = NULL;
				free(c);
			}
			break;
		}
		for (unsigned j = 0; j < MAX_CONNS; j++)
			if (conns[j])
				check(conns[j]);
	}
	for (c = set.head; c; c = c->next)
		control_conn_fail(c, "done");
	while ((c = control_conn_reap(&set)))
		free(c);
	assert(set.nshared == 0 && set.nprivileged == 0);
	return 0;
}
