/*
 * See hookrun.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hookrun.h"

void hookrun_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int hookrun_list(const char *dir, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t cap = 0;
	int err = 0;

	*names = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		struct stat st;

		if (!hook_name_ok(de->d_name))
			continue;
		/* follows symlinks, as run-parts does; a directory or a file
		 * without an execute bit is no hook */
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode) ||
		    !(st.st_mode & 0111))
			continue;
		if (*n == cap) {
			char **v = realloc(*names, (cap = cap ? 2 * cap : 8) * sizeof(*v));

			if (!v) {
				err = -ENOMEM;
				break;
			}
			*names = v;
		}
		if (!((*names)[*n] = strdup(de->d_name))) {
			err = -ENOMEM;
			break;
		}
		(*n)++;
	}
	closedir(d);
	if (err) {
		hookrun_names_free(*names, *n);
		*names = NULL;
		*n = 0;
		return err;
	}
	*n = hook_names_filter(*names, *n);
	return 0;
}

static void close_from(int lowest)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowest, ~0U, 0) == 0)
		return;
#endif
	for (int fd = lowest; fd < 65536; fd++)
		close(fd);
}

/* In the child: only async-signal-safe calls until exec. */
static void child(const char *path, const char *name, char *const envp[], int out)
{
	char *const argv[] = { (char *)name, NULL };
	static const char msg[] = "cannot execute: ";
	const char *why;
	sigset_t none;
	int null = open("/dev/null", O_RDONLY);

	setpgid(0, 0);
	/* libev blocks the signals it watches (signalfd) and switchd ignores
	 * SIGPIPE: a hook starts with neither */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	/* none of switchd's sockets (netlink, packet, control) */
	close_from(3);
	/* a path, not fexecve(): a script's interpreter opens it by name */
	execve(path, argv, envp);
	why = strerror(errno);
	(void)!write(2, msg, sizeof(msg) - 1);
	(void)!write(2, why, strlen(why));
	(void)!write(2, "\n", 1);
	_exit(127);
}

int hookrun_spawn(const char *dir, const char *name, char *const envp[], pid_t *pid, int *fd)
{
	char path[4096];
	int p[2], err;
	pid_t c;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	c = fork();
	if (c < 0) {
		err = -errno;
		close(p[0]);
		close(p[1]);
		return err;
	}
	if (c == 0)
		child(path, name, envp, p[1]);
	/* also here: a kill before the child ran setpgid still reaches it */
	setpgid(c, c);
	close(p[1]);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	*pid = c;
	*fd = p[0];
	return 0;
}

bool hookrun_read(int fd, struct hook_lines *l, hook_line_fn fn, void *arg)
{
	char buf[4096];

	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r > 0) {
			hook_lines_feed(l, buf, (size_t)r, fn, arg);
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return true;
		hook_lines_flush(l, fn, arg);
		return false;
	}
}

void hookrun_kill(pid_t pid, int sig)
{
	if (pid > 0 && kill(-pid, sig) < 0 && errno == ESRCH)
		kill(pid, sig);
}

void hookrun_describe(const struct hookrun_result *r, char *buf, size_t len)
{
	if (!r->reaped)
		snprintf(buf, len, "ended");
	else if (WIFEXITED(r->status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(r->status));
	else if (WIFSIGNALED(r->status))
		snprintf(buf, len, "signal %d", WTERMSIG(r->status));
	else
		snprintf(buf, len, "status %d", r->status);
	if (r->timed_out)
		snprintf(buf + strlen(buf), len - strlen(buf), ", killed at its timeout");
}

bool hookrun_ok(const struct hookrun_result *r)
{
	return !r->timed_out && (!r->reaped || (WIFEXITED(r->status) && !WEXITSTATUS(r->status)));
}

static double now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void hookrun_wait(pid_t pid, int fd, double timeout, struct hook_lines *l, hook_line_fn fn,
		  void *arg, struct hookrun_result *r)
{
	double start = now_mono(), deadline = start + timeout;
	int sig = 0;

	memset(r, 0, sizeof(*r));
	for (;;) {
		pid_t w = waitpid(pid, &r->status, WNOHANG);

		if (w == pid || (w < 0 && errno == ECHILD)) {
			r->reaped = w == pid;
			break;
		}
		double left = deadline - now_mono();

		if (left <= 0) {
			/* SIGTERM at the timeout, SIGKILL after the grace */
			if (sig == SIGKILL) {
				waitpid(pid, &r->status, 0);
				r->reaped = true;
				break;
			}
			sig = sig ? SIGKILL : SIGTERM;
			r->timed_out = true;
			hookrun_kill(pid, sig);
			deadline = now_mono() + HOOKRUN_KILL_GRACE;
			continue;
		}
		/* the child's exit is seen by polling waitpid: its output may stay
		 * open in a process it left behind */
		struct pollfd pfd = { fd, POLLIN, 0 };
		int ms = left > 0.05 ? 50 : (int)(left * 1000) + 1;

		if (fd >= 0 && poll(&pfd, 1, ms) > 0 && !hookrun_read(fd, l, fn, arg)) {
			close(fd);
			fd = -1;
		} else if (fd < 0) {
			poll(NULL, 0, ms);
		}
	}
	if (fd >= 0) {
		hookrun_read(fd, l, fn, arg);
		hook_lines_flush(l, fn, arg);
		close(fd);
	}
}
