/*
 * The daemon's one context. All mutable state lives here (no globals).
 */
#ifndef SWITCHD_SWITCHD_H
#define SWITCHD_SWITCHD_H

#include <stdbool.h>
#include <time.h>
#include <ev.h>
#include "conf.h"
#include "link.h"
#include "nl.h"
#include "reconcile.h"

struct control;

struct sw_ctx {
	struct ev_loop *loop;
	const char *conf_path;
	struct sw_conf conf;
	struct sw_nl nl;
	ev_io nl_watcher;
	struct sw_linkdb db;
	struct sw_runtime rt;
	struct control *control;
	time_t started;
	bool verbose;
	int ev_rcvbuf;
};

#endif
