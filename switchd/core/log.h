#ifndef SWITCHD_LOG_H
#define SWITCHD_LOG_H

#include <stdbool.h>

/* to_stderr: log to stderr (else syslog); verbose: also log_debug(). */
void log_init(bool to_stderr, bool verbose);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* adds ": strerror(errno)" */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Hold stderr lines (nested) and write them a few KiB at a time, until the
 * last log_release; log_flush writes what is held now. */
void log_hold(void);
void log_release(void);
void log_flush(void);
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
