/*
 * Readiness: sd_notify messages and the boot wait for configured NICs.
 *
 * Our own sender of the notify datagram rather than libsystemd's
 * sd_notify: linking libsystemd maps it and what it pulls in (libgcrypt,
 * libgpg-error, liblzma, libzstd, liblz4, libcap: about 1 MiB of RSS,
 * docs/performance.md) for one sendmsg. The protocol is a documented,
 * stable interface that systemd says may be reimplemented (sd_notify(3),
 * NOTES; systemd.io/PORTABILITY_AND_STABILITY): one datagram of
 * newline-separated VAR=value to the AF_UNIX socket named by
 * $NOTIFY_SOCKET, a path or, with a leading '@', an abstract name.
 * Credentials are the kernel's (the receiver sets SO_PASSCRED), as with
 * sd_notify(0, ...). $WATCHDOG_USEC applies only to the process named by
 * $WATCHDOG_PID when that is set, as sd_watchdog_enabled() does. Not
 * supported: the vsock: addresses of systemd >= 254 (VMs talking to the
 * host's manager), which no switchd unit uses.
 */

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "plan.h"
#include "events.h"
#include "switchd.h"
#include "udev.h"
#include "util.h"

/* sd_notify(0, msg): < 0 an error, 0 no $NOTIFY_SOCKET, > 0 sent */
static int notify_send(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len, mlen = strlen(msg);
	socklen_t salen;
	ssize_t n;
	int fd, err;

	if (!path || !*path)
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len < 2 || len > sizeof(sa.sun_path))
		return -EAFNOSUPPORT;
	if (path[0] == '/' && len == sizeof(sa.sun_path))
		return -EINVAL;	/* no room for the NUL */
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';	/* abstract: the length, not a NUL, ends it */
	salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/'));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, msg, mlen, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	err = errno;
	close(fd);
	if (n < 0)
		return -err;
	return (size_t)n == mlen ? 1 : -EMSGSIZE;
}

static int notify_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int notify_sendf(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return notify_send(msg);
}

/* watchdog_usec(&usec): > 0 with the interval, 0 not for us */
static int watchdog_usec(uint64_t *usec)
{
	const char *s = getenv("WATCHDOG_USEC"), *p = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || !v || s[0] == '-')
		return -EINVAL;
	if (p && *p) {
		unsigned long long pid;

		errno = 0;
		pid = strtoull(p, &end, 10);
		if (errno || *end || !pid || p[0] == '-')
			return -EINVAL;
		if (pid != (unsigned long long)getpid())
			return 0;
	}
	*usec = v;
	return 1;
}

void notify_status(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "STATUS=");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	notify_send(msg);
}

void notify_ready(struct sw_ctx *ctx)
{
	unsigned int failed = ctx->rt.failed_groups;

	if (failed)
		notify_sendf("READY=1\nSTATUS=running: %zu bridges, %u part%s failed to apply "
			     "(see the log)", ctx->conf.nbridges, failed, failed == 1 ? "" : "s");
	else
		notify_sendf("READY=1\nSTATUS=running: %zu bridges as configured",
			     ctx->conf.nbridges);
}

void notify_reloading(void)
{
	struct timespec ts;

	/* systemd >= 253 wants the time with it (Type=notify-reload); older
	 * ones ignore the field */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	notify_sendf("RELOADING=1\nSTATUS=reloading the configuration\nMONOTONIC_USEC=%llu",
		     (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
}

int notify_missing_nics(struct sw_ctx *ctx, char *buf, size_t len)
{
	size_t used = 0;
	int n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ctx->conf.nnics; i++) {
		const struct sw_conf_nic *nic = &ctx->conf.nics[i];
		char how[40];
		int w;

		if (plan_find_nic(&ctx->conf, &ctx->db, nic))
			continue;
		if (nic->has_mac)
			mac_format(nic->mac, how);
		else
			snprintf(how, sizeof(how), "%s", nic->match_name[0] ? nic->match_name : nic->name);
		if (used < len) {
			w = snprintf(buf + used, len - used, "%s%s (%s)", n ? ", " : "", nic->name, how);
			used += w > 0 ? (size_t)w : 0;
		}
		n++;
	}
	return n;
}

/* udev is still at some device (udev.h): the first plan waits for it */
static bool udev_wait(struct sw_ctx *ctx)
{
	return ctx->conf.udev_wait > 0 && udev_any_pending(ctx);
}

static void on_watchdog(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	/* from the loop itself: a loop stuck in a callback stops these */
	notify_send("WATCHDOG=1");
}

static void convert_now(struct notify *n)
{
	n->waiting = false;
	ev_timer_stop(n->ctx->loop, &n->wait);
	notify_status("converting: %zu bridges", n->ctx->conf.nbridges);
	n->convert(n->ctx);
}

static void on_wait(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct notify *n = container_of(w, struct notify, wait);
	char missing[256];

	(void)loop;
	(void)revents;
	if (!n->waiting)
		return;
	if (n->ctx->conf.boot_wait > 0 && notify_missing_nics(n->ctx, missing, sizeof(missing)))
		log_warnx("boot_wait: %gs passed, still missing: %s; converting without them "
			  "(they are converted when they appear)",
			  n->ctx->conf.boot_wait, missing);
	convert_now(n);
}

/* The link model changed: is the last missing NIC there now? Converting
 * from inside the event callback would re-enter the event read, so the
 * loop does it next (a 0 s timer). */
static void on_link(void *arg, const struct link_event *ev)
{
	struct notify *n = arg;
	char missing[256];

	if (!n->waiting || (ev->type != LINK_ADDED && ev->type != LINK_CHANGED &&
			    ev->type != DB_RESYNCED))
		return;
	if (n->ctx->conf.boot_wait > 0 && notify_missing_nics(n->ctx, missing, sizeof(missing))) {
		if (ev->type == LINK_ADDED)
			notify_status("waiting up to %gs for NICs: %s", n->ctx->conf.boot_wait,
				      missing);
		return;
	}
	if (udev_wait(n->ctx))
		return;
	if (n->ctx->conf.boot_wait > 0)
		log_info("boot_wait: every configured NIC is present");
	ev_timer_stop(n->ctx->loop, &n->wait);
	ev_timer_set(&n->wait, 0, 0);
	ev_timer_start(n->ctx->loop, &n->wait);
}

/* Reloads, from whichever path (SIGHUP, switchctl reload, a confirm that ran
 * out): the engine says when one starts and ends. */
static void on_event(void *arg, const char *type, const char *message, json_t *ev)
{
	struct notify *n = arg;

	(void)message;
	(void)ev;
	if (!strcmp(type, "reloading"))
		notify_reloading();
	else if (!strcmp(type, "reload") || !strcmp(type, "reload-failed"))
		notify_ready(n->ctx);
}

int notify_start(struct notify *n, struct sw_ctx *ctx, notify_convert_fn convert)
{
	char missing[256] = "";
	uint64_t usec = 0;
	bool nics, udev;
	double wait;
	int ret;

	*n = (struct notify){ .ctx = ctx, .convert = convert };
	events_subscribe(&ctx->events, on_event, n);
	ev_timer_init(&n->watchdog, on_watchdog, 0, 0);
	ev_timer_init(&n->wait, on_wait, 0, 0);
	if (watchdog_usec(&usec) > 0 && usec) {
		ev_timer_set(&n->watchdog, 0, usec / 2 / 1e6);
		ev_timer_start(ctx->loop, &n->watchdog);
		log_info("watchdog: every %gs", usec / 2 / 1e6);
	}
	nics = ctx->conf.boot_wait > 0 && notify_missing_nics(ctx, missing, sizeof(missing));
	udev = udev_wait(ctx);
	if (!nics && !udev) {
		convert_now(n);
		return 0;
	}
	ret = linkdb_subscribe(&ctx->db, on_link, n);
	if (ret < 0) {
		log_warnx("boot_wait: cannot watch the links (%s): converting now", strerror(-ret));
		convert_now(n);
		return 0;
	}
	n->waiting = true;
	if (nics) {
		log_info("boot_wait: waiting up to %gs for %s", ctx->conf.boot_wait, missing);
		notify_status("waiting up to %gs for NICs: %s", ctx->conf.boot_wait, missing);
	} else {
		/* the udev feature releases them by udev_wait at the latest */
		log_info("udev_wait: waiting up to %gs for udev to finish with new devices",
			 ctx->conf.udev_wait);
		notify_status("waiting up to %gs for udev", ctx->conf.udev_wait);
	}
	wait = nics ? ctx->conf.boot_wait : 0;
	if (udev && ctx->conf.udev_wait + 1 > wait)
		wait = ctx->conf.udev_wait + 1;
	ev_timer_set(&n->wait, wait, 0);
	ev_timer_start(ctx->loop, &n->wait);
	return 0;
}

void notify_stop(struct notify *n)
{
	notify_send("STOPPING=1\nSTATUS=stopping; bridges, ports and taps stay as they are");
	ev_timer_stop(n->ctx->loop, &n->watchdog);
	ev_timer_stop(n->ctx->loop, &n->wait);
	n->waiting = false;
	events_unsubscribe(&n->ctx->events, on_event, n);
}
