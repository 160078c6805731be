/*
 * Apply a plan through netlink, one action at a time with its ack. Each done
 * action records its inverse; when an action fails, the inverses of its group
 * run in reverse order (rollback), the group and the groups that depend on it
 * are skipped, and the other groups go on.
 */
#ifndef SWITCHD_APPLY_H
#define SWITCHD_APPLY_H

#include <stddef.h>
#include "plan.h"

struct sw_nl;

/* Called for each failed group with "bridge eth0: attach hweth0 to eth0: <reason>". */
typedef void (*apply_report_fn)(void *arg, int group, const char *msg);

/* Returns the number of groups that failed (0: everything applied). */
int apply_plan(struct sw_nl *nl, const struct sw_plan *plan, apply_report_fn report, void *arg);

/*
 * The inverses of what was applied, kept after the apply (a change that
 * must be confirmed: switchctl reload --confirm). Undone in reverse order,
 * across plans, as one rollback. Actions that cannot be undone (a deleted
 * tap) are counted.
 */
struct apply_log {
	struct apply_undo *v;
	size_t n, cap;
	unsigned int irreversible;
};
/* As apply_plan; the inverses of every group that succeeded are appended
 * to log (NULL: not kept). */
int apply_plan_log(struct sw_nl *nl, const struct sw_plan *plan, apply_report_fn report,
		   void *arg, struct apply_log *log);
/* Undo everything in log, newest first; each failure is reported. Returns
 * the number of steps that could not be undone. The log is emptied. */
int apply_log_undo(struct sw_nl *nl, struct apply_log *log, apply_report_fn report, void *arg);
void apply_log_free(struct apply_log *log);

/* Run a few actions as one group (rolled back together on failure);
 * err gets the failure. 0 or -EIO. */
int apply_group(struct sw_nl *nl, const char *gname, struct sw_action *acts, size_t n, char *err,
		size_t errlen);

/* Apply a plan of one group (a run-time change): 0, or -EIO with the
 * failure in err (the group was rolled back). */
struct apply_log;
int apply_change(struct sw_nl *nl, const struct sw_plan *plan, char *err, size_t errlen,
		 struct apply_log *log);

struct sw_events;
/* An apply_report_fn that emits each failure as an "error" event (arg: the
 * struct sw_events). */
void apply_report_event(void *arg, int group, const char *msg);
/* One "error" event per plan group that could not be planned; their number. */
int apply_report_plan_errors(struct sw_events *evs, const struct sw_plan *plan);

/* Run one action (no rollback bookkeeping): for callers with one-step plans. */
int apply_action(struct sw_nl *nl, const struct sw_action *a, char *err, size_t errlen);

#endif
