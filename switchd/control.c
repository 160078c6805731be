/*
 * The control socket (see control.h): non-blocking, one buffer pair per
 * connection, write methods only for root or our own uid (SO_PEERCRED).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <ev.h>

#include <switchd/proto.h>

#include "control.h"
#include "ctl_methods.h"
#include "log.h"
#include "switchd.h"

#define CONTROL_MAX_CONNS 64
#define CONTROL_IDLE_SECONDS 60.0
#define CONTROL_MAX_OUTPUT (1024 * 1024)

struct control_conn {
	struct control *ctl;
	struct control_conn *next;
	ev_io rio, wio;
	ev_timer idle;
	int fd;
	uid_t uid;
	bool monitor;
	bool closing; /* close once the output is written */
	char *in;
	size_t inlen;
	char *out;
	size_t outlen;
};

struct control {
	struct sw_ctx *ctx;
	ev_io accept_io;
	int fd;
	char path[108];
	struct control_conn *conns;
	int nconns;
};

static void conn_close(struct control_conn *c)
{
	struct control *ctl = c->ctl;
	struct ev_loop *loop = ctl->ctx->loop;

	for (struct control_conn **pp = &ctl->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	ctl->nconns--;
	ev_io_stop(loop, &c->rio);
	ev_io_stop(loop, &c->wio);
	ev_timer_stop(loop, &c->idle);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

static void conn_flush(struct control_conn *c)
{
	while (c->outlen) {
		ssize_t n = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			conn_close(c); /* EPIPE, ECONNRESET: the client left */
			return;
		}
		memmove(c->out, c->out + n, c->outlen - (size_t)n);
		c->outlen -= (size_t)n;
	}
	if (c->outlen) {
		ev_io_start(c->ctl->ctx->loop, &c->wio);
		return;
	}
	ev_io_stop(c->ctl->ctx->loop, &c->wio);
	if (c->closing)
		conn_close(c);
}

/* Queue a line (takes it). Returns false if the connection was dropped. */
static bool conn_queue(struct control_conn *c, char *line)
{
	size_t n;
	char *out;

	if (!line)
		return true;
	n = strlen(line);
	if (c->outlen + n > CONTROL_MAX_OUTPUT) {
		log_warnx("control: dropping a client that does not read its replies");
		free(line);
		conn_close(c);
		return false;
	}
	out = realloc(c->out, c->outlen + n);
	if (!out) {
		free(line);
		conn_close(c);
		return false;
	}
	memcpy(out + c->outlen, line, n);
	c->out = out;
	c->outlen += n;
	free(line);
	return true;
}

static void handle_request(struct control_conn *c, const char *line, size_t len)
{
	struct proto_request req;
	const struct ctl_method *m;
	char err[512] = "";
	json_t *result = NULL;

	if (proto_parse_request(line, len, &req, err, sizeof(err)) < 0) {
		conn_queue(c, proto_reply_error(req.id, err));
		return;
	}
	m = ctl_method_find(req.method);
	if (!m) {
		snprintf(err, sizeof(err), "unknown method \"%s\"", req.method);
		conn_queue(c, proto_reply_error(req.id, err));
	} else if (m->needs_write && c->uid != 0 && c->uid != geteuid()) {
		snprintf(err, sizeof(err), "%s: permission denied (needs root)", req.method);
		conn_queue(c, proto_reply_error(req.id, err));
	} else if (m->handler(c->ctl->ctx, req.params, &result, err, sizeof(err)) < 0) {
		json_decref(result);
		conn_queue(c, proto_reply_error(req.id, err[0] ? err : "failed"));
	} else {
		if (conn_queue(c, proto_reply_ok(req.id, result)) && m->subscribes) {
			c->monitor = true;
			ev_timer_stop(c->ctl->ctx->loop, &c->idle);
		}
	}
	proto_request_free(&req);
}

static void on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct control_conn *c = container_of(w, struct control_conn, rio);
	char buf[4096];
	ssize_t n;

	(void)revents;
	n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	if (!c->monitor)
		ev_timer_again(loop, &c->idle);
	if (c->inlen + (size_t)n > SW_MSG_MAX) {
		c->closing = true;
		ev_io_stop(loop, &c->rio);
		conn_queue(c, proto_reply_error(0, "request too large (max 65536 bytes)"));
		conn_flush(c);
		return;
	}
	char *in = realloc(c->in, c->inlen + (size_t)n);
	if (!in) {
		conn_close(c);
		return;
	}
	c->in = in;
	memcpy(c->in + c->inlen, buf, (size_t)n);
	c->inlen += (size_t)n;

	/* every complete line is one request; a handler may close c */
	struct control *ctl = c->ctl;
	int fd = c->fd;
	char *nl;

	while (c->inlen && (nl = memchr(c->in, '\n', c->inlen))) {
		size_t len = (size_t)(nl - c->in);
		char *line = malloc(len + 1);

		if (!line) {
			conn_close(c);
			return;
		}
		memcpy(line, c->in, len);
		line[len] = '\0';
		memmove(c->in, nl + 1, c->inlen - len - 1);
		c->inlen -= len + 1;
		handle_request(c, line, len);
		free(line);
		/* still there? (a full output buffer drops the connection) */
		bool alive = false;
		for (struct control_conn *x = ctl->conns; x; x = x->next)
			alive |= x == c && x->fd == fd;
		if (!alive)
			return;
	}
	conn_flush(c);
}

static void on_write(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	conn_flush(container_of(w, struct control_conn, wio));
}

static void on_idle(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct control_conn *c = container_of(w, struct control_conn, idle);

	(void)loop;
	(void)revents;
	log_debug("control: closing a connection idle for %.0f s", CONTROL_IDLE_SECONDS);
	conn_close(c);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct control *ctl = container_of(w, struct control, accept_io);
	struct control_conn *c;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd;

	(void)revents;
	fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (ctl->nconns >= CONTROL_MAX_CONNS) {
		char *line = proto_reply_error(0, "too many connections");

		if (line) {
			send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
			free(line);
		}
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->ctl = ctl;
	c->fd = fd;
	c->uid = (uid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		c->uid = cred.uid;
	ev_io_init(&c->rio, on_read, fd, EV_READ);
	ev_io_init(&c->wio, on_write, fd, EV_WRITE);
	ev_init(&c->idle, on_idle);
	c->idle.repeat = CONTROL_IDLE_SECONDS;
	ev_timer_again(loop, &c->idle);
	ev_io_start(loop, &c->rio);
	c->next = ctl->conns;
	ctl->conns = c;
	ctl->nconns++;
}

/* Does a daemon answer on path? */
static bool socket_alive(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	alive = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return alive;
}

int control_init(struct sw_ctx *ctx, const char *path, mode_t mode, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct control *ctl;
	char dir[108];
	char *slash;
	int ret;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			ret = -errno;
			snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
			return ret;
		}
	}
	if (socket_alive(path)) {
		snprintf(err, errlen, "%s: another switchd is running", path);
		return -EADDRINUSE;
	}
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ctl->ctx = ctx;
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0)
		goto fail;
	unlink(path); /* stale: nobody answered on it */
	if (bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || chmod(path, mode) < 0 ||
	    listen(ctl->fd, 16) < 0)
		goto fail;
	ev_io_init(&ctl->accept_io, on_accept, ctl->fd, EV_READ);
	ev_io_start(ctx->loop, &ctl->accept_io);
	ctx->control = ctl;
	return 0;
fail:
	ret = -errno;
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (ctl->fd >= 0)
		close(ctl->fd);
	free(ctl);
	return ret;
}

void control_fini(struct sw_ctx *ctx)
{
	struct control *ctl = ctx->control;

	if (!ctl)
		return;
	while (ctl->conns)
		conn_close(ctl->conns);
	ev_io_stop(ctx->loop, &ctl->accept_io);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
	ctx->control = NULL;
}

void control_broadcast(struct sw_ctx *ctx, json_t *event)
{
	struct control *ctl = ctx->control;
	struct control_conn *c, *next;

	if (!ctl) {
		json_decref(event);
		return;
	}
	for (c = ctl->conns; c; c = next) {
		next = c->next;
		if (!c->monitor)
			continue;
		if (conn_queue(c, proto_event_line(json_incref(event))))
			conn_flush(c);
	}
	json_decref(event);
}
