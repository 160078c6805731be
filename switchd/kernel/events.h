/*
 * Events: what switchd did or saw, as one log line and one JSON object
 * {"type":..., "time":..., "message":..., <fields>}. Every event goes through
 * one list of sinks: the log is one, the control socket's monitor clients
 * another (control.c subscribes), hooks the next. Nothing that emits an
 * event knows who listens.
 */
#ifndef SWITCHD_EVENTS_H
#define SWITCHD_EVENTS_H

#include <jansson.h>

#define EVENTS_MAX_SINKS 8

/* ev is borrowed: a sink that keeps it takes a reference. */
typedef void (*event_sink_fn)(void *arg, const char *type, const char *message, json_t *ev);

struct sw_events {
	struct {
		event_sink_fn fn;
		void *arg;
	} sinks[EVENTS_MAX_SINKS];
	int nsinks;
};

int events_subscribe(struct sw_events *evs, event_sink_fn fn, void *arg);
void events_unsubscribe(struct sw_events *evs, event_sink_fn fn, void *arg);

/* The log's sink: log_info of the message. */
void events_log_sink(void *arg, const char *type, const char *message, json_t *ev);

/* Emit an event to every sink. Steals fields (may be NULL). */
void events_emit(struct sw_events *evs, const char *type, json_t *fields, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "2026-12-02T01:02:03.456Z" */
void events_iso_time(char *buf, size_t len);

#endif
