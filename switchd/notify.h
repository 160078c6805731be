/*
 * Readiness: what the service manager is told (sd_notify(3): STATUS,
 * READY, RELOADING, STOPPING, WATCHDOG), and the bounded boot wait for the
 * configured NICs that comes before the conversion and READY. Without
 * NOTIFY_SOCKET (not started by systemd) every message is a no-op.
 */
#ifndef SWITCHD_NOTIFY_H
#define SWITCHD_NOTIFY_H

#include <stdbool.h>
#include <ev.h>

struct sw_ctx;

typedef void (*notify_convert_fn)(struct sw_ctx *ctx);

struct notify {
	struct sw_ctx *ctx;
	notify_convert_fn convert;
	ev_timer watchdog;	/* WATCHDOG=1 at half of WatchdogSec */
	ev_timer wait;		/* boot_wait's end; then 0 s: the last NIC appeared */
	bool waiting;		/* converting waits for configured NICs */
};

/* Start the watchdog if the manager asked for one, then either convert
 * (convert(ctx) at once) or, with boot_wait and configured NICs missing,
 * wait for them: convert runs from the loop when the last one appears or
 * boot_wait has passed. 0 or -errno. */
int notify_start(struct notify *n, struct sw_ctx *ctx, notify_convert_fn convert);
/* STOPPING=1; the timers stop. */
void notify_stop(struct notify *n);

/* READY=1 with a STATUS= line saying how the configuration applied. */
void notify_ready(struct sw_ctx *ctx);
/* RELOADING=1: a reload starts (READY=1 again when it ends). */
void notify_reloading(void);
void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The configured NICs not present now, as "hweth1 (name eth1), ..." in buf;
 * their number. */
int notify_missing_nics(struct sw_ctx *ctx, char *buf, size_t len);

#endif
