/*
 * The switchd control protocol, shared by switchd and switchctl.
 *
 * Transport: a UNIX stream socket. Framing: one JSON object per line, terminated
 * by '\n'; a line longer than SW_MSG_MAX bytes is a protocol error and closes
 * the connection.
 *
 *   request  {"v":1,"id":7,"method":"show","params":{"bridge":"eth0"}}
 *   reply    {"v":1,"id":7,"ok":true,"result":{...}}
 *            {"v":1,"id":7,"ok":false,"error":"bridge eth9: no such bridge"}
 *   event    {"v":1,"event":{"type":"swap",...}}   (only after "monitor")
 *
 * A request whose "v" is higher than SW_PROTO_VERSION is refused with an error
 * reply, so an old daemon tells a new client clearly what is wrong. Unknown
 * parameters are ignored: show's "format": "text" (with "verbose": true for
 * what each NIC hears) gets {"text":"..."}, the tree switchctl prints, from a
 * switchd that renders it, and the JSON from one that does not.
 */
#ifndef SWITCHD_PROTO_H
#define SWITCHD_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#define SW_PROTO_VERSION 1
#define SW_MSG_MAX 65536

#ifndef SW_RUNDIR
#define SW_RUNDIR "/run/switchd"
#endif
#define SW_DEFAULT_SOCKET SW_RUNDIR "/switchd.sock"
#define SW_DEFAULT_CONF "/etc/switchd/switchd.conf"
#define SW_DEFAULT_HOOKS "/etc/switchd/hooks.d"

/*
 * The methods, named once for switchd and switchctl. SW_WRITES(SW_M_X) says
 * whether a method changes state: those are refused to anyone but root and
 * switchd's own uid; the others need only read access (socket_group).
 */
#define SW_M_STATUS "status"
#define SW_M_STATUS_WRITES false
#define SW_M_SHOW "show"
#define SW_M_SHOW_WRITES false
#define SW_M_DOCTOR "doctor"
#define SW_M_DOCTOR_WRITES false
#define SW_M_MONITOR "monitor"
#define SW_M_MONITOR_WRITES false
#define SW_M_SWAP "swap"
#define SW_M_SWAP_WRITES true
#define SW_M_ATTACH "attach"
#define SW_M_ATTACH_WRITES true
#define SW_M_DETACH "detach"
#define SW_M_DETACH_WRITES true
#define SW_M_TAP_ADD "tap-add"
#define SW_M_TAP_ADD_WRITES true
#define SW_M_TAP_DEL "tap-del"
#define SW_M_TAP_DEL_WRITES true
#define SW_M_RELOAD "reload"
#define SW_M_RELOAD_WRITES true
#define SW_M_CONFIRM "confirm" /* keep a change made with "confirm": seconds */
#define SW_M_CONFIRM_WRITES true
#define SW_M_CABLE "cable" /* what each NIC hears, and the network it reaches */
#define SW_M_CABLE_WRITES false
#define SW_WRITES(method) method##_WRITES

struct proto_method {
	const char *name;
	bool writes;
};

/* Every method above, in that order; ends with {NULL}. */
extern const struct proto_method proto_methods[];
/* The method called name, or NULL. */
const struct proto_method *proto_method_find(const char *name);

struct proto_request {
	json_int_t id;
	char method[32];
	json_t *params; /* an object, never NULL after a successful parse */
};

/* Build a request line ("...\n", malloc'd). Steals params (may be NULL). */
char *proto_request_line(json_int_t id, const char *method, json_t *params);

/* Parse one request line (without the '\n'). 0, or -EINVAL with err set. */
int proto_parse_request(const char *line, size_t len, struct proto_request *req,
			char *err, size_t errlen);
void proto_request_free(struct proto_request *req);

/* Reply and event lines ("...\n", malloc'd). Steal result/event. */
char *proto_reply_ok(json_int_t id, json_t *result);
char *proto_reply_error(json_int_t id, const char *msg);
char *proto_event_line(json_t *event);

/*
 * Parse a line from the daemon. Returns 0 for {"ok":true} (result set, owned
 * by the caller), 1 for an event (result = the event object), -1 for
 * {"ok":false} (err = the daemon's message), -EPROTO for garbage (err set).
 */
int proto_parse_reply(const char *line, size_t len, json_t **result, char *err,
		      size_t errlen);

#endif
