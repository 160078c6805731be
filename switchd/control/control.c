/*
 * The control socket (see control.h): the accept loop and the socket I/O
 * around control_conn.c's state machine, which decides everything else.
 */
#include <errno.h>
#include <ev.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <switchd/proto.h>

#include "control.h"
#include "control_conn.h"
#include "ctl_methods.h"
#include "log.h"
#include "switchd.h"

#define CONTROL_PEER_GROUPS 64 /* a first guess; the kernel says if more */

struct control_client {
	struct control_conn conn;
	struct control *ctl;
	ev_io rio, wio;
	ev_timer timer;
	int fd;
};

struct control {
	struct sw_ctx *ctx;
	ev_io accept_io;
	int fd;
	char path[108];
	struct control_conns conns;
	int busy; /* inside a client's callback: its memory must stay */
};

static struct control_client *client_of(struct control_conn *c)
{
	return container_of(c, struct control_client, conn);
}

static void client_free(struct control_client *cl)
{
	struct ev_loop *loop = cl->ctl->ctx->loop;

	if (cl->conn.why)
		log_debug("control: closing the connection of uid %u: %s", (unsigned)cl->conn.uid,
			  cl->conn.why);
	ev_io_stop(loop, &cl->rio);
	ev_io_stop(loop, &cl->wio);
	ev_timer_stop(loop, &cl->timer);
	close(cl->fd);
	free(cl);
}

/* Free the connections that died, unless one of them may be on the stack. */
static void control_reap(struct control *ctl)
{
	struct control_conn *c;

	if (ctl->busy)
		return;
	while ((c = control_conn_reap(&ctl->conns))) {
		if (c->overflowed)
			log_warnx("control: dropping the connection of uid %u: %s",
				  (unsigned)c->uid, c->why);
		client_free(client_of(c));
	}
}

/* Write what is queued and set the watchers to what the connection needs. */
static void client_sync(struct control_client *cl)
{
	struct control_conn *c = &cl->conn;
	struct ev_loop *loop = cl->ctl->ctx->loop;
	const char *data;
	size_t len;

	while (!c->dead && (len = control_conn_output(c, &data))) {
		ssize_t n = send(cl->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			control_conn_fail(c, "the client left"); /* EPIPE, ECONNRESET */
			break;
		}
		control_conn_written(c, (size_t)n);
	}
	if (c->dead) {
		ev_io_stop(loop, &cl->rio);
		ev_io_stop(loop, &cl->wio);
		ev_timer_stop(loop, &cl->timer);
		return;
	}
	if (control_conn_output(c, &data))
		ev_io_start(loop, &cl->wio);
	else
		ev_io_stop(loop, &cl->wio);
	if (c->closing)
		ev_io_stop(loop, &cl->rio);
	ev_timer_stop(loop, &cl->timer);
	if (c->deadline) {
		double in = c->deadline - ev_now(loop);

		ev_timer_set(&cl->timer, in > 0 ? in : 0, 0);
		ev_timer_start(loop, &cl->timer);
	}
}

static void on_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct control_client *cl = container_of(w, struct control_client, rio);
	char buf[16384];
	ssize_t n;

	(void)revents;
	n = recv(cl->fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	cl->ctl->busy++;
	if (n < 0)
		control_conn_fail(&cl->conn, "read error");
	else if (n == 0)
		control_conn_eof(&cl->conn, ev_now(loop));
	else
		control_conn_input(&cl->conn, buf, (size_t)n, ev_now(loop));
	client_sync(cl);
	cl->ctl->busy--;
	control_reap(cl->ctl);
}

static void on_write(struct ev_loop *loop, ev_io *w, int revents)
{
	struct control_client *cl = container_of(w, struct control_client, wio);

	(void)loop;
	(void)revents;
	client_sync(cl);
	control_reap(cl->ctl);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct control_client *cl = container_of(w, struct control_client, timer);

	(void)revents;
	control_conn_tick(&cl->conn, ev_now(loop) + 0.001); /* libev may fire a hair early */
	client_sync(cl);
	control_reap(cl->ctl);
}

/* The peer's uid, gid and supplementary groups (for socket_group); *groups
 * is malloc'd (NULL if there are none or the kernel cannot tell). */
static int peer_of(int fd, struct control_peer *peer, gid_t **groups)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	*groups = NULL;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	peer->uid = cred.uid;
	peer->gid = cred.gid;
	peer->groups = NULL;
	peer->ngroups = 0;
	/* Linux >= 4.13; without it only the primary group counts. ERANGE
	 * tells the size needed. */
	len = CONTROL_PEER_GROUPS * sizeof(gid_t);
	for (int tries = 0; tries < 2; tries++) {
		gid_t *g = malloc(len ? len : 1);

		if (!g)
			return 0;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == 0) {
			*groups = g;
			peer->groups = g;
			peer->ngroups = len / sizeof(gid_t);
			return 0;
		}
		free(g);
		if (errno != ERANGE)
			break;
	}
	return 0;
}

static void refuse(int fd, const char *msg)
{
	char *line = proto_reply_error(0, msg);

	if (line) {
		send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
		free(line);
	}
	close(fd);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct control *ctl = container_of(w, struct control, accept_io);
	gid_t *groups;
	struct control_peer peer;
	struct control_client *cl;
	char err[128];
	int fd;

	(void)revents;
	fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (peer_of(fd, &peer, &groups) < 0) {
		refuse(fd, "cannot tell who is connecting (SO_PEERCRED failed)");
		return;
	}
	if (control_conn_admit(&ctl->conns, &peer, err, sizeof(err)) < 0) {
		log_warnx("control: refusing a connection: %s", err);
		refuse(fd, err);
		free(groups);
		return;
	}
	control_reap(ctl); /* one that made room for root */
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		close(fd);
		free(groups);
		return;
	}
	cl->ctl = ctl;
	cl->fd = fd;
	control_conn_open(&ctl->conns, &cl->conn, &peer, ev_now(loop));
	free(groups); /* the access is decided at open */
	ev_io_init(&cl->rio, on_read, fd, EV_READ);
	ev_io_init(&cl->wio, on_write, fd, EV_WRITE);
	ev_init(&cl->timer, on_timer);
	ev_io_start(loop, &cl->rio);
	client_sync(cl);
}

/* Does a daemon answer on path? */
static bool socket_alive(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool alive;

	if (fd < 0)
		return false;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	alive = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return alive;
}

/*
 * Bind in a fresh directory only we can enter, give the socket its group and
 * mode there, listen, and rename it into place: at no moment can anyone but
 * root reach a socket with looser permissions than it ends with. The rename
 * also replaces a stale socket in one step.
 */
static int bind_private(int fd, const char *dir, const char *path, gid_t gid, mode_t mode,
			char *err, size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char tmpdir[108], tmp[108];
	int ret = 0;

	if (strlen(dir) + sizeof("/.switchd-sock.XXXXXX/s") > sizeof(tmp)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s/.switchd-sock.XXXXXX", dir);
	if (!mkdtemp(tmpdir)) { /* mode 0700 */
		ret = -errno;
		snprintf(err, errlen, "%s: cannot make a private directory: %s", dir,
			 strerror(errno));
		return ret;
	}
	memcpy(tmp, tmpdir, strlen(tmpdir));
	memcpy(tmp + strlen(tmpdir), "/s", 3);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", tmp);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot bind: %s", path, strerror(errno));
	} else if (gid != (gid_t)-1 && chown(tmp, (uid_t)-1, gid) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot give it group %u: %s", path, (unsigned)gid,
			 strerror(errno));
	} else if (chmod(tmp, mode) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot set mode %04o: %s", path, (unsigned)mode,
			 strerror(errno));
	} else if (listen(fd, 16) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot listen: %s", path, strerror(errno));
	} else if (rename(tmp, path) < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot move the socket into place: %s", path,
			 strerror(errno));
	}
	if (ret)
		unlink(tmp);
	rmdir(tmpdir);
	return ret;
}

int control_init(struct sw_ctx *ctx, const char *path, mode_t mode, const char *group, char *err,
		 size_t errlen)
{
	struct sockaddr_un sun;
	struct control *ctl;
	gid_t gid = (gid_t)-1;
	char dir[108];
	char *slash;
	int ret;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -ENAMETOOLONG;
	}
	if (mode & 0007) {
		snprintf(err, errlen, "%s: mode %04o is world-accessible; refusing", path,
			 (unsigned)mode);
		return -EPERM;
	}
	if (group && group[0]) {
		char why[160];

		/* a number as it is, as the config check took it */
		ret = conf_resolve_group(group, &gid, why, sizeof(why));
		if (ret < 0) {
			snprintf(err, errlen, "socket_%s", why);
			return ret;
		}
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	if (slash && slash != dir && mkdir(dir, 0755) < 0 && errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
		return ret;
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
	control_conn_set_init(&ctl->conns, ctx, ctl_method_find, geteuid(), NULL);
	control_conn_set_group(&ctl->conns, group, gid);
	ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctl->fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(ctl);
		return ret;
	}
	ret = bind_private(ctl->fd, dir, path, gid, mode, err, errlen);
	if (ret) {
		close(ctl->fd);
		free(ctl);
		return ret;
	}
	ev_io_init(&ctl->accept_io, on_accept, ctl->fd, EV_READ);
	ev_io_start(ctx->loop, &ctl->accept_io);
	ctx->control = ctl;
	return 0;
}

void control_fini(struct sw_ctx *ctx)
{
	struct control *ctl = ctx->control;

	if (!ctl)
		return;
	for (struct control_conn *c = ctl->conns.head; c; c = c->next)
		control_conn_fail(c, NULL);
	control_reap(ctl);
	ev_io_stop(ctx->loop, &ctl->accept_io);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
	ctx->control = NULL;
}

void control_broadcast(struct sw_ctx *ctx, json_t *event)
{
	struct control *ctl = ctx->control;

	if (!ctl) {
		json_decref(event);
		return;
	}
	control_conn_broadcast(&ctl->conns, event);
	for (struct control_conn *c = ctl->conns.head; c; c = c->next)
		if (c->monitor)
			client_sync(client_of(c));
	control_reap(ctl);
}
