/*
 * The bridge reconciler: runs the plan at start-up and on reload, attaches
 * guests when they appear, keeps the run-time state (ports an operator
 * detached), and turns what happens into log lines and monitor events.
 */
#ifndef SWITCHD_RECONCILE_H
#define SWITCHD_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>
#include <ev.h>
#include <jansson.h>
#include "failover.h"
#include "plan.h"

struct sw_ctx;
struct arp_rt;

/* Failover state of one bridge, parallel to its configured ports. */
/* Per configured port of a bridge: what show says of it. */
struct sw_port_stats {
	unsigned int swaps;	  /* times it became the active port */
	char last_swap[40];	  /* ISO time of the last of those */
	char last_reason[96];
	unsigned long announced;  /* frames announced out of it */
	unsigned long replayed;	  /* frames that reached it as a standby, delivered */
};

struct sw_bridge_rt {
	char name[SW_IFNAMSIZ];
	struct fo_port *ports;
	uint32_t *seen_changes; /* kernel carrier_changes last seen, per port */
	bool *seen;
	struct sw_port_stats *pstats; /* per port, like ports */
	size_t nports;
	bool suspended;		/* an operator took the bridge off its network */
	bool neigh_retry;	/* carrier came back: unresolved neighbours, after the batch */
	unsigned int swaps;
	unsigned long announced;	/* frames sent after swaps */
	uint8_t (*macs)[6];	/* guest MACs seen behind the bridge (to announce) */
	size_t nmacs;
	char last_swap[40];	/* ISO time */
	char last_reason[96];
};

struct sw_runtime {
	struct sw_port_hold *held; /* detached by an operator: never re-attached */
	size_t nheld;
	unsigned int failed_groups; /* of the last plan */
	struct sw_bridge_rt *bridges;
	size_t nbridges;
	bool busy, dirty;	/* failover running / something changed meanwhile */
	bool replan;		/* a configured NIC appeared */
	ev_timer poll;		/* carrier poll of active uplinks */
	ev_timer deadline;	/* updelay / hold-down ends */
	ev_timer claim;		/* claim_delay after an unknown NIC appeared */
	int ethtool_fd;		/* for ETHTOOL_GLINK (carrier poll), -1 until used */
	void *announce_jobs;	/* struct announce_job list (announce.c) */
	struct arp_rt *arp;	/* ARP policy timers and watchers (arp.c) */
	void *replay;		/* struct replay_rt (replay.c) */
};

void runtime_free(struct sw_runtime *rt);
bool runtime_is_held(const struct sw_runtime *rt, const char *bridge, const char *port);
int runtime_hold(struct sw_runtime *rt, const char *bridge, const char *port);
void runtime_unhold(struct sw_runtime *rt, const char *bridge, const char *port);

/* Subscribe to the link model. */
int reconcile_init(struct sw_ctx *ctx);
/* One error event per plan group that could not be planned; their number. */
int plan_report_errors(struct sw_ctx *ctx, const struct sw_plan *plan);

/* Plan against the current model and apply. Returns the number of failed
 * groups; each failure is logged. */
int reconcile_apply_config(struct sw_ctx *ctx);

/* Re-read the config file; on errors keep the running one. Then apply. */
int reconcile_reload(struct sw_ctx *ctx, char *err, size_t errlen);

/* Process whatever netlink events are queued now, so a query answers from
 * the kernel's current state (a change we just made may not be read yet). */
void reconcile_sync(struct sw_ctx *ctx);

/* The failover state of a bridge (NULL if it has none). */
struct sw_bridge_rt *runtime_bridge(struct sw_runtime *rt, const char *name);

/* Re-evaluate failover for every bridge (after a change or an operator's
 * command); suspend/resume a bridge on operator detach/attach. */
void failover_run(struct sw_ctx *ctx);
/* Timers and state; the first evaluation. Stop before the loop ends. */
int reconcile_start_failover(struct sw_ctx *ctx);
void reconcile_stop_failover(struct sw_ctx *ctx);
void failover_suspend(struct sw_ctx *ctx, const char *bridge, bool suspended);
/* A swap to port (configured name) happened: counters and times for show. */
void failover_note_swap(struct sw_ctx *ctx, const char *bridge, const char *port,
			const char *reason, int replayed);
/* An uplink of the bridge became its active port (attach, swap, failover):
 * announce it, and ask again for the host's unresolved neighbours. */
void uplink_active(struct sw_ctx *ctx, const char *bridge, int port_ifindex);
/* The index of a configured port of the bridge by its ifindex now, or -1. */
int runtime_port_index(struct sw_ctx *ctx, const char *bridge, int ifindex);

/* Log a line and send a monitor event {"type":type,"time":...,<fields>}.
 * Steals fields (may be NULL). */
void sw_event(struct sw_ctx *ctx, const char *type, json_t *fields, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
