/*
 * The control connection state machine (see control_conn.h): framing,
 * limits, permissions and the decisions to close, without sockets.
 */
#include <errno.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <switchd/proto.h>

#include "control_conn.h"
#include "ctl_methods.h"

const struct control_limits control_conn_default_limits = {
    .max_output = 1024 * 1024,
    .request_timeout = 60.0,
    .max_shared = 64,
    .max_per_uid = 8,
    /* root can stop switchd anyway: this only keeps a runaway script from
     * using up switchd's file descriptors */
    .max_privileged = 256,
};

void control_conn_set_init(struct control_conns *set, struct sw_ctx *ctx,
			   const struct ctl_method *(*find)(const char *name), uid_t self_uid,
			   const struct control_limits *limits)
{
	memset(set, 0, sizeof(*set));
	set->ctx = ctx;
	set->find = find;
	set->self_uid = self_uid;
	set->limits = limits ? *limits : control_conn_default_limits;
}

void control_conn_set_group(struct control_conns *set, const char *name, gid_t gid)
{
	set->has_group = name && name[0];
	set->group = gid;
	snprintf(set->group_name, sizeof(set->group_name), "%s", set->has_group ? name : "");
}

static bool is_privileged(const struct control_conns *set, uid_t uid)
{
	return uid == 0 || uid == set->self_uid;
}

static enum control_access access_of(const struct control_conns *set,
				     const struct control_peer *peer)
{
	if (is_privileged(set, peer->uid))
		return CONTROL_ACCESS_WRITE;
	if (!set->has_group)
		return CONTROL_ACCESS_NONE;
	if (peer->gid == set->group)
		return CONTROL_ACCESS_READ;
	for (size_t i = 0; i < peer->ngroups; i++)
		if (peer->groups[i] == set->group)
			return CONTROL_ACCESS_READ;
	return CONTROL_ACCESS_NONE;
}

static void kill_conn(struct control_conn *c, const char *why)
{
	if (c->dead)
		return;
	c->dead = true;
	c->why = why;
	free(c->in);
	c->in = NULL;
	c->inlen = 0;
}

/* The privileged connection to give up for a new one: the oldest that is not
 * a monitor, else the oldest (the list is newest first). */
static struct control_conn *privileged_victim(struct control_conns *set)
{
	struct control_conn *oldest = NULL, *oldest_plain = NULL;

	for (struct control_conn *c = set->head; c; c = c->next) {
		if (c->dead || !c->privileged)
			continue;
		oldest = c;
		if (!c->monitor)
			oldest_plain = c;
	}
	return oldest_plain ? oldest_plain : oldest;
}

int control_conn_admit(struct control_conns *set, const struct control_peer *peer, char *err,
		       size_t errlen)
{
	unsigned mine = 0;

	if (is_privileged(set, peer->uid)) {
		unsigned live = 0;

		for (const struct control_conn *c = set->head; c; c = c->next)
			live += !c->dead && c->privileged;
		/* root must always get in, even past its own runaway scripts */
		if (live >= set->limits.max_privileged && privileged_victim(set))
			kill_conn(privileged_victim(set), "room for a new connection of root");
		return 0;
	}
	for (const struct control_conn *c = set->head; c; c = c->next)
		mine += !c->dead && c->uid == peer->uid;
	if (mine >= set->limits.max_per_uid) {
		snprintf(err, errlen, "uid %u: too many connections (%u per user)",
			 (unsigned)peer->uid, set->limits.max_per_uid);
		return -EUSERS;
	}
	if (set->nshared >= set->limits.max_shared) {
		snprintf(err, errlen, "uid %u: too many connections (%u for all users but root)",
			 (unsigned)peer->uid, set->limits.max_shared);
		return -EUSERS;
	}
	return 0;
}

void control_conn_open(struct control_conns *set, struct control_conn *c,
		       const struct control_peer *peer, double now)
{
	c->set = set;
	c->uid = peer->uid;
	c->access = access_of(set, peer);
	c->privileged = is_privileged(set, peer->uid);
	c->deadline = now + set->limits.request_timeout;
	if (c->privileged)
		set->nprivileged++;
	else
		set->nshared++;
	c->next = set->head;
	set->head = c;
}

/* Queue a line (takes it). A client that lets too much pile up is dropped. */
static void queue_line(struct control_conn *c, char *line)
{
	size_t n, pending;
	char *out;

	if (!line) {
		kill_conn(c, "out of memory");
		return;
	}
	if (c->dead) {
		free(line);
		return;
	}
	n = strlen(line);
	pending = c->outlen - c->outhead;
	if (pending + n > c->set->limits.max_output) {
		free(line);
		kill_conn(c, "it does not read its replies (output buffer full)");
		c->overflowed = true;
		return;
	}
	if (!pending) { /* the usual case: the line is the buffer, not copied */
		free(c->out);
		c->out = line;
		c->outhead = 0;
		c->outlen = n;
		return;
	}
	if (c->outhead) { /* what was written goes: the buffer is at most a cap long */
		memmove(c->out, c->out + c->outhead, pending);
		c->outhead = 0;
		c->outlen = pending;
	}
	out = realloc(c->out, pending + n);
	if (!out) {
		free(line);
		kill_conn(c, "out of memory");
		return;
	}
	memcpy(out + pending, line, n);
	c->out = out;
	c->outlen = pending + n;
	free(line);
}

static void start_closing(struct control_conn *c, const char *why, double now)
{
	c->closing = true;
	if (!c->dead)
		c->why = why;
	free(c->in);
	c->in = NULL;
	c->inlen = 0;
	/* even a monitor must read what is left within the timeout */
	c->deadline = now + c->set->limits.request_timeout;
	if (!c->dead && c->outhead == c->outlen)
		kill_conn(c, why);
}

static const char *refusal(const struct control_conn *c, const struct ctl_method *m, char *buf,
			   size_t len)
{
	if (m->needs_write && c->access != CONTROL_ACCESS_WRITE) {
		snprintf(buf, len,
			 "%s: permission denied (changes state: root or switchd's user only)",
			 m->name);
		return buf;
	}
	if (c->access == CONTROL_ACCESS_NONE) {
		if (c->set->has_group)
			snprintf(buf, len,
				 "%s: permission denied (uid %u is not in socket_group %s)",
				 m->name, (unsigned)c->uid, c->set->group_name);
		else
			snprintf(
			    buf, len,
			    "%s: permission denied (no socket_group: root or switchd's user only)",
			    m->name);
		return buf;
	}
	return NULL;
}

static void handle_request(struct control_conn *c, const char *line, size_t len)
{
	struct proto_request req;
	const struct ctl_method *m;
	char err[512] = "";
	json_t *result = NULL;

	if (proto_parse_request(line, len, &req, err, sizeof(err)) < 0) {
		queue_line(c, proto_reply_error(req.id, err));
		return;
	}
	m = c->set->find(req.method);
	if (!m) {
		snprintf(err, sizeof(err), "unknown method \"%s\"", req.method);
		queue_line(c, proto_reply_error(req.id, err));
	} else if (refusal(c, m, err, sizeof(err))) {
		queue_line(c, proto_reply_error(req.id, err));
	} else if (m->handler(c->set->ctx, req.params, &result, err, sizeof(err)) < 0) {
		json_decref(result);
		queue_line(c, proto_reply_error(req.id, err[0] ? err : "failed"));
	} else {
		/* the handler may have dropped c (an event it sent filled c's
		 * buffer): c is dead then, not freed, and takes no reply */
		queue_line(c, proto_reply_ok(req.id, result));
		if (m->subscribes && !c->dead) {
			c->monitor = true;
			c->deadline = 0;
		}
	}
	proto_request_free(&req);
}

static void request_done(struct control_conn *c, double now)
{
	if (!c->monitor && !c->closing)
		c->deadline = now + c->set->limits.request_timeout;
}

void control_conn_input(struct control_conn *c, const void *buf, size_t len, double now)
{
	const char *p = buf, *end = p + len;

	while (p < end && !c->dead && !c->closing) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t chunk = (size_t)((nl ? nl : end) - p);

		if (c->inlen + chunk > SW_MSG_MAX) {
			char msg[64];

			snprintf(msg, sizeof(msg), "request too large (max %d bytes)", SW_MSG_MAX);
			queue_line(c, proto_reply_error(0, msg));
			start_closing(c, "request too large", now);
			return;
		}
		if (!nl) { /* keep the partial request for the next read */
			char *in = realloc(c->in, c->inlen + chunk);

			if (!in) {
				kill_conn(c, "out of memory");
				return;
			}
			memcpy(in + c->inlen, p, chunk);
			c->in = in;
			c->inlen += chunk;
			return;
		}
		if (c->inlen) {
			char *in = realloc(c->in, c->inlen + chunk);
			char *line;
			size_t linelen;

			if (!in) {
				kill_conn(c, "out of memory");
				return;
			}
			memcpy(in + c->inlen, p, chunk);
			/* the connection owns the line no more: a handler may kill c */
			line = in;
			linelen = c->inlen + chunk;
			c->in = NULL;
			c->inlen = 0;
			handle_request(c, line, linelen);
			free(line);
		} else {
			handle_request(c, p, chunk);
		}
		request_done(c, now);
		p = nl + 1;
	}
}

void control_conn_eof(struct control_conn *c, double now)
{
	if (!c->dead && !c->closing)
		start_closing(c, "the client closed the connection", now);
}

void control_conn_fail(struct control_conn *c, const char *why)
{
	kill_conn(c, why);
}

void control_conn_tick(struct control_conn *c, double now)
{
	if (!c->dead && c->deadline && now >= c->deadline)
		kill_conn(c, c->closing ? "it does not read its replies"
					: "no complete request within the timeout");
}

size_t control_conn_output(const struct control_conn *c, const char **data)
{
	/* no output buffer yet: NULL + 0 is undefined behaviour (clang says so) */
	if (c->dead || !c->out) {
		*data = NULL;
		return 0;
	}
	*data = c->out + c->outhead;
	return c->outlen - c->outhead;
}

void control_conn_written(struct control_conn *c, size_t n)
{
	size_t pending = c->outlen - c->outhead;

	c->outhead += n < pending ? n : pending;
	if (c->outhead == c->outlen) {
		if (c->outlen >= CONTROL_TRIM_BYTES) {
			/* a big reply (show of thousands of ports) is gone: give
			 * its buffer, and the heap its building freed, back to
			 * the system rather than keep the peak for good */
			free(c->out);
			c->out = NULL;
			malloc_trim(0);
		}
		c->outhead = c->outlen = 0;
		if (c->closing)
			kill_conn(c, c->why);
	}
}

void control_conn_broadcast(struct control_conns *set, json_t *event)
{
	for (struct control_conn *c = set->head; c; c = c->next)
		if (c->monitor && !c->dead && !c->closing)
			queue_line(c, proto_event_line(json_incref(event)));
	json_decref(event);
}

struct control_conn *control_conn_reap(struct control_conns *set)
{
	for (struct control_conn **pp = &set->head; *pp; pp = &(*pp)->next) {
		struct control_conn *c = *pp;

		if (!c->dead)
			continue;
		*pp = c->next;
		c->next = NULL;
		if (c->privileged)
			set->nprivileged--;
		else
			set->nshared--;
		free(c->in);
		free(c->out);
		c->in = c->out = NULL;
		c->inlen = c->outlen = c->outhead = 0;
		return c;
	}
	return NULL;
}
