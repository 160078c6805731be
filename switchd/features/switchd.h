/*
 * The daemon's one context. All mutable state lives here (no globals).
 */
#ifndef SWITCHD_SWITCHD_H
#define SWITCHD_SWITCHD_H

#include <stdbool.h>
#include <time.h>
#include <ev.h>
#include "conf.h"
#include "events.h"
#include "link.h"
#include "nl.h"
#include "state.h"

struct control;

struct sw_ctx {
	struct ev_loop *loop;
	const char *conf_path;
	struct sw_conf conf;
	struct sw_nl nl;
	ev_io nl_watcher;
	ev_prepare settle; /* the engine's deferred work, before the loop sleeps */
	struct sw_linkdb db;
	struct sw_runtime rt;
	struct sw_events events;
	struct control *control;
	time_t started;
	bool verbose;
	int ev_rcvbuf;
};

/* Log a line and tell every event sink (monitor clients, ...):
 * {"type":type,"time":...,"message":...,<fields>}. Steals fields (may be NULL). */
#define sw_event(ctx, ...) events_emit(&(ctx)->events, __VA_ARGS__)

#endif
