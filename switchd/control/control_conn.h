/*
 * One control connection as a state machine with no socket and no event
 * loop: bytes in -> framed requests -> permission check -> dispatch ->
 * replies and events queued -> bytes out, with the limits and the decisions
 * to close. control.c does the I/O around it; the unit tests and the fuzzer
 * drive the same functions directly.
 *
 * No function here frees a connection. One that must go is marked dead and
 * its owner frees it (control_conn_reap) once no call is running on it: an
 * event broadcast from inside a request may drop the requesting connection
 * itself, and the reply to that request must still find valid memory.
 */
#ifndef SWITCHD_CONTROL_CONN_H
#define SWITCHD_CONTROL_CONN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sw_ctx;
struct ctl_method;

enum control_access {
	CONTROL_ACCESS_NONE,  /* neither privileged nor in socket_group */
	CONTROL_ACCESS_READ,  /* socket_group: the methods that change nothing */
	CONTROL_ACCESS_WRITE, /* root or switchd's own uid: every method */
};

/* Who is on the other end (SO_PEERCRED, SO_PEERGROUPS). */
struct control_peer {
	uid_t uid;
	gid_t gid;
	const gid_t *groups;
	size_t ngroups;
};

struct control_limits {
	size_t max_output;	 /* bytes queued for a client; beyond, it is dropped */
	double request_timeout;	 /* s from connect or the last request to the end of the next */
	unsigned max_shared;	 /* connections of all unprivileged uids together */
	unsigned max_per_uid;	 /* connections of one unprivileged uid */
	unsigned max_privileged; /* connections of root and switchd's uid */
};

/* The defaults control.c uses. */
extern const struct control_limits control_conn_default_limits;

struct control_conns {
	struct control_conn *head;
	struct control_limits limits;
	uid_t self_uid; /* switchd's effective uid: as privileged as root */
	bool has_group; /* socket_group is set */
	gid_t group;
	char group_name[64];
	const struct ctl_method *(*find)(const char *name);
	struct sw_ctx *ctx; /* handed to the method handlers */
	unsigned nshared, nprivileged;
};

/* a drained output buffer this big is freed and the heap trimmed */
#define CONTROL_TRIM_BYTES (64 * 1024)

struct control_conn {
	struct control_conns *set;
	struct control_conn *next;
	uid_t uid;
	enum control_access access;
	bool privileged;
	bool monitor;	 /* receives events; never times out */
	bool closing;	 /* write out what is queued, then close */
	bool dead;	 /* close now; the owner frees it */
	bool overflowed; /* dead because its output hit the cap (worth a warning) */
	const char *why; /* why it is dead or closing (a static string) */
	char *in;	 /* a partial request */
	size_t inlen;
	char *out; /* queued output: out[outhead .. outlen) */
	size_t outhead, outlen;
	double deadline; /* dead at this time unless a request completes; 0: never */
};

/* An empty set. find looks methods up; ctx goes to their handlers. */
void control_conn_set_init(struct control_conns *set, struct sw_ctx *ctx,
			   const struct ctl_method *(*find)(const char *name), uid_t self_uid,
			   const struct control_limits *limits);
/* Give socket_group's members read access; name NULL or "": nobody. */
void control_conn_set_group(struct control_conns *set, const char *name, gid_t gid);

/* May this peer open one more connection? 0, or -EUSERS with a one-line
 * reason in err. Root and switchd's uid always may: at their limit, the
 * oldest of their connections (not a monitor, if there is one) is marked
 * dead to make room. */
int control_conn_admit(struct control_conns *set, const struct control_peer *peer, char *err,
		       size_t errlen);
/* Start c (zeroed by the caller, which owns its memory) for peer at time now. */
void control_conn_open(struct control_conns *set, struct control_conn *c,
		       const struct control_peer *peer, double now);

/* Bytes from the client. Complete lines are requests, answered in order. */
void control_conn_input(struct control_conn *c, const void *buf, size_t len, double now);
/* The client shut down its side: write what is queued, then close. */
void control_conn_eof(struct control_conn *c, double now);
/* The socket failed (EPIPE, ECONNRESET...): close now. */
void control_conn_fail(struct control_conn *c, const char *why);
/* The deadline passed? Then close (a client that idles or trickles). */
void control_conn_tick(struct control_conn *c, double now);

/* The bytes waiting to be written: *data and the count (0: nothing). */
size_t control_conn_output(const struct control_conn *c, const char **data);
/* n of them were written. */
void control_conn_written(struct control_conn *c, size_t n);

/* Queue an event for every monitor connection. Steals event. */
void control_conn_broadcast(struct control_conns *set, json_t *event);

/* Unlink a dead connection and free its buffers; returns it (for its owner
 * to free), or NULL when none is dead. */
struct control_conn *control_conn_reap(struct control_conns *set);

#endif
