/*
 * Hook processes: the hooks directory read in run-parts order, one hook
 * started in a process group of its own (stdin /dev/null, stdout and stderr
 * into one pipe, no descriptor of switchd's), and a synchronous wait with a
 * timeout after which the group gets SIGTERM, then SIGKILL. The event loop's
 * asynchronous runs are features/hooks.c's (libev child watchers).
 */
#ifndef SWITCHD_HOOKRUN_H
#define SWITCHD_HOOKRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "hook.h"

/* After SIGTERM, how long a hook's group has before SIGKILL. */
#define HOOKRUN_KILL_GRACE 1.0

/* The executable regular files of dir that pass hook_name_ok, in run-parts
 * order (malloc'd strings in a malloc'd array: hookrun_names_free). A missing
 * directory is no hook: 0 with *n = 0. 0 or -errno (the directory cannot be
 * read). */
int hookrun_list(const char *dir, char ***names, size_t *n);
void hookrun_names_free(char **names, size_t n);

/* Start dir/name with envp; *pid (also its process group) and *fd (the read
 * end of its output, non-blocking, close-on-exec). 0 or -errno. */
int hookrun_spawn(const char *dir, const char *name, char *const envp[], pid_t *pid, int *fd);

/* Read what fd has now into l (lines to fn). Returns false at EOF or on an
 * error (the caller closes fd), true while it stays open. */
bool hookrun_read(int fd, struct hook_lines *l, hook_line_fn fn, void *arg);

/* Signal the hook's process group (ESRCH is no error). */
void hookrun_kill(pid_t pid, int sig);

/* How a hook ended, as the log says it: "exit 0", "exit 3", "signal 9". */
struct hookrun_result {
	int status;	/* waitpid's */
	bool timed_out; /* killed at its timeout */
	bool reaped;	/* false: someone else reaped it (status unknown) */
};
void hookrun_describe(const struct hookrun_result *r, char *buf, size_t len);
bool hookrun_ok(const struct hookrun_result *r);

/* Wait for pid, reading fd into lines for fn, at most timeout seconds; then
 * SIGTERM to its group, HOOKRUN_KILL_GRACE later SIGKILL. Closes fd. The
 * loop does not run meanwhile: pre-up and shutdown only. */
void hookrun_wait(pid_t pid, int fd, double timeout, struct hook_lines *l, hook_line_fn fn,
		  void *arg, struct hookrun_result *r);

#endif
