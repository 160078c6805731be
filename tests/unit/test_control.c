/*
 * The control connection state machine, driven with no socket and no event
 * loop: bytes in, replies out, limits, closes, permissions, the timeout.
 * Run under ASan (--enable-sanitizers) the use-after-free cases crash if a
 * connection is ever freed while a call on it is running.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <switchd/proto.h>


#include "../fuzz/fake_methods.h"

static const struct ctl_method fake_methods[] = {
    {"pad", m_pad, false, false},   {"event", m_event, false, false},
    {"status", m_ok, false, false}, {"monitor", m_ok, false, true},
    {"swap", m_ok, true, false},    {"fail", m_fail, false, false},
};

static const struct ctl_method *fake_find(const char *name)
{
	return fake_find_in(fake_methods, sizeof(fake_methods) / sizeof(fake_methods[0]), name);
}

#define SELF_UID 4242
#define GROUP 700
static const struct control_peer ROOT = {.uid = 0, .gid = 0};
static const struct control_peer MEMBER = {.uid = 1000, .gid = GROUP};
static const struct control_peer STRANGER = {.uid = 1001, .gid = 1001};
static struct control_limits limits;

static void setup(void)
{
	limits = control_conn_default_limits;
	limits.max_output = 4096;
	control_conn_set_init(&set, NULL, fake_find, SELF_UID, &limits);
	control_conn_set_group(&set, "switchd", GROUP);
}

static void teardown(void)
{
	struct control_conn *c;

	for (c = set.head; c; c = c->next)
		control_conn_fail(c, "test over");
	while ((c = control_conn_reap(&set)))
		free(c);
}

TestSuite(control, .init = setup, .fini = teardown);

static struct control_conn *open_conn(const struct control_peer *peer)
{
	struct control_conn *c = calloc(1, sizeof(*c));

	cr_assert_eq(control_conn_admit(&set, peer, (char[128]){0}, 128), 0);
	control_conn_open(&set, c, peer, 0);
	return c;
}

static void send_str(struct control_conn *c, const char *s)
{
	control_conn_input(c, s, strlen(s), 1);
}

static size_t pending(struct control_conn *c)
{
	const char *d;

	return control_conn_output(c, &d);
}

/* Take all queued output as a string (caller frees). */
static char *drain(struct control_conn *c)
{
	const char *d;
	size_t n = control_conn_output(c, &d);
	char *s = strndup(d ? d : "", n);

	control_conn_written(c, n);
	return s;
}

/* Free whatever died; true if c was among them. */
static bool reaped(struct control_conn *c)
{
	struct control_conn *x;
	bool found = false;

	while ((x = control_conn_reap(&set))) {
		found |= x == c;
		free(x);
	}
	return found;
}

static size_t pad_reply_len(json_int_t id, size_t n)
{
	char *s = calloc(1, n + 1);
	char *line;
	size_t len;

	memset(s, 'x', n);
	line = proto_reply_ok(id, json_pack("{s:s}", "s", s));
	len = strlen(line);
	free(line);
	free(s);
	return len;
}

/* Fill c's output with one "pad" reply to exactly `target` bytes queued. */
static void fill_to(struct control_conn *c, size_t target)
{
	size_t base = pad_reply_len(9, 0), have = pending(c);
	char req[128];

	cr_assert_geq(target, have + base);
	snprintf(req, sizeof(req), "{\"v\":1,\"id\":9,\"method\":\"pad\",\"params\":{\"n\":%zu}}\n",
		 target - have - base);
	send_str(c, req);
	cr_assert_eq(pending(c), target, "queued %zu, wanted %zu", pending(c), target);
}

Test(control, a_request_split_over_reads_is_answered_once_complete)
{
	struct control_conn *c = open_conn(&ROOT);
	const char *req = "{\"v\":1,\"id\":3,\"method\":\"status\"}\n";
	char *out;

	for (size_t i = 0; i + 1 < strlen(req); i++) {
		control_conn_input(c, req + i, 1, 1);
		cr_assert_eq(pending(c), 0, "a reply after %zu bytes", i + 1);
	}
	control_conn_input(c, "\n", 1, 1);
	out = drain(c);
	cr_assert_str_eq(out, "{\"v\":1,\"id\":3,\"ok\":true,\"result\":{\"message\":\"done\"}}\n");
	free(out);
	cr_assert(!c->dead && !c->closing);
}

Test(control, several_requests_in_one_read_are_answered_in_order)
{
	struct control_conn *c = open_conn(&ROOT);
	char *out;

	send_str(c, "{\"v\":1,\"id\":1,\"method\":\"status\"}\njunk\n{\"v\":1,\"id\":3,\"method\":"
		    "\"fail\"}\n{\"v\":1,\"id\":4,\"meth");
	out = drain(c);
	cr_assert(strstr(out, "\"id\":1,\"ok\":true"), "%s", out);
	cr_assert(strstr(out, "\"id\":0,\"ok\":false,\"error\":\"malformed request: not JSON"),
		  "%s", out);
	cr_assert(strstr(out, "\"id\":3,\"ok\":false,\"error\":\"bridge eth9: no such bridge\""),
		  "%s", out);
	cr_assert(strstr(out, "\"id\":1") < strstr(out, "\"id\":0") &&
		      strstr(out, "\"id\":0") < strstr(out, "\"id\":3"),
		  "out of order: %s", out);
	free(out);
	send_str(c, "od\":\"status\"}\n");
	out = drain(c);
	cr_assert(strstr(out, "\"id\":4,\"ok\":true"), "the partial fourth: %s", out);
	free(out);
}

Test(control, output_is_taken_in_pieces)
{
	struct control_conn *c = open_conn(&ROOT);
	const char *d;
	size_t n;

	send_str(c, "{\"v\":1,\"id\":1,\"method\":\"status\"}\n");
	n = pending(c);
	control_conn_written(c, 5);
	cr_assert_eq(control_conn_output(c, &d), n - 5);
	cr_assert(!strncmp(d, "1,\"id\":1,", 8), "%.*s", (int)(n - 5), d);
	send_str(c, "{\"v\":1,\"id\":2,\"method\":\"status\"}\n");
	cr_assert_eq(pending(c), 2 * n - 5, "the second reply goes after the rest of the first");
	control_conn_written(c, 2 * n - 5);
	cr_assert_eq(pending(c), 0);
}

Test(control, a_client_that_does_not_read_is_dropped_at_the_cap)
{
	struct control_conn *c = open_conn(&ROOT), *other = open_conn(&ROOT);

	for (int i = 0; i < 1000 && !c->dead; i++)
		send_str(c, "{\"v\":1,\"id\":1,\"method\":\"status\"}\n");
	cr_assert(c->dead, "still open with %zu bytes queued", pending(c));
	cr_assert_eq(pending(c), 0, "a dead connection has nothing to write");
	send_str(c, "{\"v\":1,\"id\":2,\"method\":\"status\"}\n");
	cr_assert_eq(pending(c), 0, "and answers nothing more");
	cr_assert(reaped(c));
	send_str(other, "{\"v\":1,\"id\":2,\"method\":\"status\"}\n");
	cr_assert_gt(pending(other), 0, "the other client is served");
}

/* defect 1: the event a request causes fills its own connection's buffer */
Test(control, a_monitor_dropped_by_the_event_of_its_own_request)
{
	struct control_conn *c = open_conn(&ROOT), *m2 = open_conn(&ROOT);
	char *out;

	send_str(c, "{\"v\":1,\"id\":1,\"method\":\"monitor\"}\n");
	send_str(m2, "{\"v\":1,\"id\":1,\"method\":\"monitor\"}\n");
	cr_assert(c->monitor && m2->monitor);
	free(drain(m2));
	fill_to(c, limits.max_output - 64);
	send_str(c, "{\"v\":1,\"id\":2,\"method\":\"event\",\"params\":{\"n\":200}}\n"
		    "{\"v\":1,\"id\":3,\"method\":\"status\"}\n");
	cr_assert(c->dead, "the monitor that cannot take the event is dropped");
	cr_assert_eq(pending(c), 0, "and gets neither the reply nor anything after it");
	out = drain(m2);
	cr_assert(strstr(out, "\"type\":\"test\""), "the other monitor got the event: %s", out);
	free(out);
	cr_assert(reaped(c));
	cr_assert(!reaped(m2));
}

/* defect 2: "request too large" when the output is nearly full */
Test(control, an_oversized_request_when_the_output_is_nearly_full)
{
	struct control_conn *c = open_conn(&ROOT);
	size_t big = SW_MSG_MAX + 10;
	char *req = malloc(big);

	fill_to(c, limits.max_output - 16);
	memset(req, 'x', big);
	control_conn_input(c, req, big, 1);
	free(req);
	cr_assert(c->dead, "dropped: the error reply does not fit");
	cr_assert_eq(pending(c), 0);
	control_conn_written(c, 0);
	control_conn_eof(c, 2);
	cr_assert(reaped(c));
}

Test(control, an_oversized_request_is_refused_then_closed)
{
	struct control_conn *c = open_conn(&ROOT);
	char *req = malloc(SW_MSG_MAX + 1), *out;

	memset(req, 'x', SW_MSG_MAX);
	control_conn_input(c, req, SW_MSG_MAX, 1);
	cr_assert(!c->closing && !c->dead, "a line of exactly the limit is still taken");
	control_conn_input(c, "y", 1, 1);
	free(req);
	cr_assert(c->closing);
	send_str(c, "{\"v\":1,\"id\":5,\"method\":\"status\"}\n");
	out = drain(c);
	cr_assert_str_eq(out,
			 "{\"v\":1,\"id\":0,\"ok\":false,\"error\":\"request too large (max 65536 "
			 "bytes)\"}\n");
	free(out);
	cr_assert(c->dead, "closed once the error is written");
	cr_assert(reaped(c));
}

Test(control, a_client_that_closes_still_gets_its_replies)
{
	struct control_conn *c = open_conn(&ROOT), *quiet = open_conn(&ROOT);
	char *out;

	send_str(c, "{\"v\":1,\"id\":1,\"method\":\"status\"}\n{\"v\":1,\"id\":2,\"method\":\"sta");
	control_conn_eof(c, 1);
	cr_assert(c->closing && !c->dead);
	out = drain(c);
	cr_assert(strstr(out, "\"id\":1,\"ok\":true") && !strstr(out, "\"id\":2"), "%s", out);
	free(out);
	cr_assert(c->dead);
	control_conn_eof(quiet, 1);
	cr_assert(quiet->dead, "nothing to write: closed at once");
	cr_assert(reaped(c));
}

Test(control, a_socket_error_closes_at_once)
{
	struct control_conn *c = open_conn(&ROOT);

	send_str(c, "{\"v\":1,\"id\":1,\"method\":\"status\"}\n");
	control_conn_fail(c, "the client left");
	cr_assert(c->dead);
	cr_assert_eq(pending(c), 0);
	cr_assert(reaped(c));
}

static char *reply_to(struct control_conn *c, const char *method)
{
	char req[128];

	snprintf(req, sizeof(req), "{\"v\":1,\"id\":1,\"method\":\"%s\"}\n", method);
	send_str(c, req);
	return drain(c);
}

Test(control, write_methods_need_root_or_our_uid)
{
	static const struct control_peer self = {.uid = SELF_UID, .gid = 9};
	struct control_conn *member = open_conn(&MEMBER), *me = open_conn(&self);
	char *out;

	out = reply_to(member, "status");
	cr_assert(strstr(out, "\"ok\":true"), "%s", out);
	free(out);
	out = reply_to(member, "monitor");
	cr_assert(strstr(out, "\"ok\":true") && member->monitor, "%s", out);
	free(out);
	out = reply_to(member, "swap");
	cr_assert(strstr(out, "\"error\":\"swap: permission denied (changes state: root or "
			      "switchd's user only)\""),
		  "%s", out);
	free(out);
	out = reply_to(me, "swap");
	cr_assert(strstr(out, "\"ok\":true"), "switchd's own uid may write: %s", out);
	free(out);
}

Test(control, others_may_use_nothing)
{
	gid_t groups[] = {5, GROUP};
	struct control_peer supplementary = {
	    .uid = 1002, .gid = 1002, .groups = groups, .ngroups = 2};
	struct control_conn *stranger = open_conn(&STRANGER), *sup = open_conn(&supplementary);
	char *out;

	out = reply_to(stranger, "status");
	cr_assert(strstr(out, "\"error\":\"status: permission denied (uid 1001 is not in "
			      "socket_group switchd)\""),
		  "%s", out);
	free(out);
	out = reply_to(stranger, "monitor");
	cr_assert(!stranger->monitor && strstr(out, "permission denied"), "%s", out);
	free(out);
	out = reply_to(sup, "status");
	cr_assert(strstr(out, "\"ok\":true"), "a supplementary group counts: %s", out);
	free(out);
	control_conn_set_group(&set, NULL, 0);
	struct control_conn *member = open_conn(&MEMBER);

	out = reply_to(member, "status");
	cr_assert(strstr(out, "status: permission denied (no socket_group: root or switchd's "
			      "user only)"),
		  "%s", out);
	free(out);
}

Test(control, per_uid_limits_and_root_always_gets_in)
{
	char err[128];
	unsigned n = 0;
	struct control_peer peer = STRANGER;

	for (; control_conn_admit(&set, &STRANGER, err, sizeof(err)) == 0; n++)
		open_conn(&STRANGER);
	cr_assert_eq(n, limits.max_per_uid);
	cr_assert_str_eq(err, "uid 1001: too many connections (8 per user)");
	/* more users fill the shared pool */
	for (peer.uid = 2000; set.nshared < limits.max_shared; peer.uid++)
		open_conn(&peer);
	cr_assert_eq(control_conn_admit(&set, &MEMBER, err, sizeof(err)), -EUSERS);
	cr_assert_str_eq(err, "uid 1000: too many connections (64 for all users but root)");
	cr_assert_eq(control_conn_admit(&set, &ROOT, err, sizeof(err)), 0, "root is locked out");
	cr_assert_eq(
	    control_conn_admit(&set, &(struct control_peer){.uid = SELF_UID}, err, sizeof(err)), 0,
	    "switchd's user is locked out");
	/* a closed one makes room again */
	control_conn_fail(set.head, "left");
	reaped(NULL);
	cr_assert_eq(control_conn_admit(&set, &MEMBER, err, sizeof(err)), 0, "%s", err);
}

/* defect 3: a byte a second kept a connection forever */
Test(control, the_timeout_is_per_request_not_per_byte)
{
	struct control_conn *trickle = open_conn(&MEMBER), *busy = open_conn(&MEMBER);
	struct control_conn *mon = open_conn(&MEMBER);
	const char *req = "{\"v\":1,\"id\":1,\"method\":\"status\"}\n";
	double t;

	control_conn_input(mon, "{\"v\":1,\"method\":\"monitor\"}\n", 27, 0);
	cr_assert(mon->monitor);
	for (t = 1; t < 200 && !trickle->dead; t += 1) {
		control_conn_input(trickle, "{", 1, t); /* never a whole request */
		control_conn_input(busy, req, strlen(req), t);
		control_conn_written(busy, pending(busy));
		control_conn_tick(trickle, t);
		control_conn_tick(busy, t);
		control_conn_tick(mon, t);
	}
	cr_assert(trickle->dead, "one byte a second kept it open for %.0f s", t);
	cr_assert_eq(t, limits.request_timeout + 1, "closed at %.0f s", t);
	cr_assert(!busy->dead, "a client whose requests complete stays");
	control_conn_tick(busy, t + limits.request_timeout);
	cr_assert(busy->dead, "and is closed after a timeout without any");
	control_conn_tick(mon, 1e9);
	cr_assert(!mon->dead, "a monitor that reads stays");
}

Test(control, root_gets_in_even_past_its_own_connections)
{
	struct control_conn *mon = open_conn(&ROOT), *first = open_conn(&ROOT), *c;
	char err[128];

	send_str(mon, "{\"v\":1,\"id\":1,\"method\":\"monitor\"}\n");
	for (unsigned i = 2; i < limits.max_privileged; i++)
		open_conn(&ROOT);
	cr_assert_eq(control_conn_admit(&set, &ROOT, err, sizeof(err)), 0, "%s", err);
	cr_assert(first->dead, "the oldest that is no monitor made room");
	cr_assert(!mon->dead, "the older monitor stays while a plain connection can go");
	c = calloc(1, sizeof(*c));
	control_conn_open(&set, c, &ROOT, 2);
	cr_assert(reaped(first));
	cr_assert_eq(set.nprivileged, limits.max_privileged);
	cr_assert_eq(set.nshared, 0, "root's connections leave the others' pool alone");
}
