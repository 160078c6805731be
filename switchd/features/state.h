/*
 * The run-time state's types (runtime.c owns and changes it): one struct per
 * configured bridge and per configured port, each with one private slot per
 * feature. Apart from runtime.h so the daemon's context (switchd.h) can hold
 * it without depending on the functions that use the context.
 */
#ifndef SWITCHD_STATE_H
#define SWITCHD_STATE_H

#include <stdbool.h>
#include <ev.h>
#include <stddef.h>
#include "feature.h"
#include "util.h"

struct apply_log;
struct engine_confirm;

struct rt_port {
	char name[SW_IFNAMSIZ];
	bool held;		/* detached by an operator: never re-attached */
	unsigned int swaps;	/* times it became the active port */
	char last_swap[40];	/* ISO time of the last of those */
	char last_reason[96];
	void *priv[SW_FEATURES_MAX];
};

struct rt_bridge {
	char name[SW_IFNAMSIZ];
	struct rt_port *ports;	/* in the configured order */
	size_t nports;
	bool suspended;		/* an operator took the bridge off its network */
	/* a pre-up hook failed: the bridge stays down, no uplink attached,
	 * until a reload runs the hook again (why: one line, for show/doctor) */
	bool held_back;
	char held_back_why[256];
	unsigned int swaps;
	char last_swap[40];
	char last_reason[96];
	void *priv[SW_FEATURES_MAX];
};

struct sw_runtime {
	struct rt_bridge *bridges;
	size_t nbridges;
	const struct sw_feature *const *features;
	size_t nfeatures;
	unsigned int failed_groups; /* of the last plan */
	bool busy;	/* a pass (apply, failover) runs: other work waits for its end */
	bool replan;	/* a configured NIC appeared or a NIC was claimed */
	bool pending;	/* something changed: the features' settle runs */
	bool started;	/* the first plan ran (engine_start) */
	bool resync;	/* the model is stale (events lost, re-dump failed): retry */
	ev_timer resync_retry;
	struct sw_ctx *ctx;
	void *priv[SW_FEATURES_MAX]; /* each feature's own global state */
	struct apply_log *capture; /* while a change to be confirmed runs: its undo */
	struct engine_confirm *confirm; /* the change that awaits confirmation */
};

#endif
