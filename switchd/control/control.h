/*
 * The control socket: a UNIX stream socket, one JSON request per line (see
 * include/switchd/proto.h). Non-blocking; each connection has its own buffers,
 * limits and request timeout (control_conn.h), so a client that sends nothing
 * or garbage, or does not read, stalls nobody. Write methods need the peer
 * (SO_PEERCRED) to be root or the daemon's own uid; members of socket_group
 * may use the others.
 */
#ifndef SWITCHD_CONTROL_H
#define SWITCHD_CONTROL_H

#include <stddef.h>
#include <sys/types.h>
#include <jansson.h>

struct sw_ctx;
struct control;

/* Create the socket (stale-socket check; bound privately, given group (NULL
 * or "": none) and mode, then moved into place) and start watching it on
 * ctx->loop. A world-accessible mode is refused. 0 or -errno with err set. */
int control_init(struct sw_ctx *ctx, const char *path, mode_t mode, const char *group,
		 char *err, size_t errlen);
void control_fini(struct sw_ctx *ctx);

/* Send an event to every connection that asked for "monitor". Steals event. */
void control_broadcast(struct sw_ctx *ctx, json_t *event);

#endif
