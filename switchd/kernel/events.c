/*
 * See events.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "events.h"
#include "log.h"

int events_subscribe(struct sw_events *evs, event_sink_fn fn, void *arg)
{
	if (evs->nsinks >= EVENTS_MAX_SINKS)
		return -ENOSPC;
	evs->sinks[evs->nsinks].fn = fn;
	evs->sinks[evs->nsinks].arg = arg;
	evs->nsinks++;
	return 0;
}

void events_unsubscribe(struct sw_events *evs, event_sink_fn fn, void *arg)
{
	for (int i = 0; i < evs->nsinks; i++) {
		if (evs->sinks[i].fn != fn || evs->sinks[i].arg != arg)
			continue;
		memmove(&evs->sinks[i], &evs->sinks[i + 1],
			(size_t)(evs->nsinks - i - 1) * sizeof(evs->sinks[0]));
		evs->nsinks--;
		return;
	}
}

void events_log_sink(void *arg, const char *type, const char *message, json_t *ev)
{
	(void)arg;
	(void)type;
	(void)ev;
	log_info("%s", message);
}

void events_iso_time(char *buf, size_t len)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), len - strlen(buf), ".%03ldZ", (long)tv.tv_usec / 1000);
}

void events_emit(struct sw_events *evs, const char *type, json_t *fields, const char *fmt, ...)
{
	char msg[512], stamp[40];
	va_list ap;
	json_t *ev = fields ? fields : json_object();

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ev) {
		events_iso_time(stamp, sizeof(stamp));
		json_object_set_new(ev, "type", json_string(type));
		json_object_set_new(ev, "time", json_string(stamp));
		json_object_set_new(ev, "message", json_string(msg));
	}
	/* a sink may unsubscribe itself (or another): walk a copy */
	struct sw_events now = *evs;

	for (int i = 0; i < now.nsinks; i++)
		now.sinks[i].fn(now.sinks[i].arg, type, msg, ev);
	json_decref(ev);
}
