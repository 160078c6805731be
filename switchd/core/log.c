/*
 * Logging split by kind, as OpenBSD daemons do: warn adds errno, warnx does
 * not, info/debug are plain, fatal exits. stderr in the foreground, syslog
 * otherwise.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static bool log_to_stderr = true;
static bool log_verbose;

/*
 * Held lines (log_hold): a plan of 1000 taps logs 4000 lines, and one
 * write(2) each was 5% of the bring-up (17 ms at 1000 taps). While held,
 * stderr lines collect here and go out a few KiB a write, in order; a
 * warning (fatal too) and the last log_release write them at once. Held for the length of
 * one plan's apply only, so a crash loses at most what is here (< 8 KiB),
 * never more than the lines of the apply it interrupted. syslog() is a
 * datagram a line and is not held.
 */
static char held[8192];
static size_t nheld;
static int holds;

static void held_write(void)
{
	size_t off = 0;

	while (off < nheld) {
		ssize_t n = write(STDERR_FILENO, held + off, nheld - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* nowhere to say it: drop, as fprintf would */
		off += (size_t)n;
	}
	nheld = 0;
}

void log_hold(void)
{
	holds++;
}

void log_flush(void)
{
	if (nheld)
		held_write();
}

void log_release(void)
{
	if (holds > 0 && --holds == 0)
		log_flush();
}

void log_init(bool to_stderr, bool verbose)
{
	log_to_stderr = to_stderr;
	log_verbose = verbose;
	if (!to_stderr)
		openlog("switchd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static void log_vwrite(int prio, const char *suffix, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_to_stderr) {
		struct timespec ts;
		struct tm tm;
		char stamp[32], line[sizeof(msg) + 320];
		int n;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
		n = snprintf(line, sizeof(line), "%s.%03ld switchd: %s%s%s\n", stamp,
			     ts.tv_nsec / 1000000, msg, suffix ? ": " : "", suffix ? suffix : "");
		if (n < 0)
			return;
		if ((size_t)n >= sizeof(line)) {
			n = sizeof(line) - 1;
			line[n - 1] = '\n';
		}
		if (nheld + (size_t)n > sizeof(held))
			log_flush();
		memcpy(held + nheld, line, (size_t)n);
		nheld += (size_t)n;
		/* a warning is said now, after what led to it */
		if (!holds || prio <= LOG_WARNING)
			log_flush();
	} else {
		syslog(prio, "%s%s%s", msg, suffix ? ": " : "", suffix ? suffix : "");
	}
}

void log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, NULL, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
