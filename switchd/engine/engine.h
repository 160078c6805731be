/*
 * The engine: applies the configuration (start-up, reload, a configured NIC
 * that appeared), turns every link-model change into the features'
 * link_event calls, and runs their deferred work (settle) once per loop
 * iteration, before the loop sleeps, never nested in another pass.
 *
 *   main -> control -> engine -> features -> kernel I/O -> pure core
 */
#ifndef SWITCHD_ENGINE_H
#define SWITCHD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

struct sw_ctx;
struct sw_conf;
struct sw_plan;

/* Features' state and timers, the link model's observer, the settle
 * watcher: everything the first plan may reach. 0 or -errno. */
int engine_init(struct sw_ctx *ctx);
/* The first plan, then each feature's start. Returns the failed groups. */
int engine_start(struct sw_ctx *ctx);
void engine_fini(struct sw_ctx *ctx);

/* Plan against the current model and apply. Returns the number of failed
 * groups; each failure is an event. */
int engine_apply_config(struct sw_ctx *ctx);
/* Re-read the config file; on errors keep the running one. Then apply. */
int engine_reload(struct sw_ctx *ctx, char *err, size_t errlen);
/* The same, the previous configuration handed to *old (a reload to be
 * confirmed keeps it) instead of freed; *kept says whether it was (not
 * when the new file did not load). */
int engine_reload_keep(struct sw_ctx *ctx, char *err, size_t errlen, struct sw_conf *old,
		       bool *kept);

/* Take in the queued netlink events, so a query answers from the kernel's
 * current state (a change just made may not be read yet). */
void engine_refresh(struct sw_ctx *ctx);
/* Run what the features noted (failover, guests, claim, ...) until nothing
 * is left; a no-op while another pass runs. */
void engine_settle(struct sw_ctx *ctx);

/* Apply a run-time change (one group, from plan_change.c) and take in its
 * events. 0 or -EIO with err. */
int engine_change(struct sw_ctx *ctx, const struct sw_plan *plan, char *err, size_t errlen);

/*
 * Changes that must be confirmed (switchctl reload/swap/attach/detach
 * --confirm T): what the change does is kept as an undo log, and unless
 * engine_confirm() comes within T seconds it is undone — the kernel side in
 * reverse order, the configuration and the operator's holds as they were.
 * The way back for an administrator who cut off their own session. One at
 * a time; other changes wait until it is confirmed or undone.
 */
/* Before the change. -EBUSY (err set) if another one awaits confirmation. */
int engine_confirm_begin(struct sw_ctx *ctx, double seconds, const char *what, char *err,
			 size_t errlen);
/* After it: ok -> the timer runs (old: the previous configuration, taken
 * over, for a reload; NULL otherwise); failed -> nothing is kept. */
void engine_confirm_started(struct sw_ctx *ctx, bool ok, struct sw_conf *old);
/* switchctl confirm: keep it. -ENOENT if nothing awaits confirmation. */
int engine_confirm(struct sw_ctx *ctx, char *msg, size_t msglen);
/* Is a change awaiting confirmation? (its description, else NULL) */
const char *engine_confirm_pending(struct sw_ctx *ctx);

#endif
