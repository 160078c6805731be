/*
 * Hooks, the pure part: which file names in the hooks directory are hooks
 * (run-parts' rule), which events are hook events and their environment,
 * the bounded per-bridge queue, and the splitting of a hook's output into
 * log lines. The processes are kernel/hookrun.c's; the feature that runs
 * them in step with the bridges is features/hooks.c.
 */
#ifndef SWITCHD_HOOK_H
#define SWITCHD_HOOK_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "util.h"

enum hook_kind {
	HOOK_PRE_UP,  /* a bridge is about to forward for the first time (synchronous) */
	HOOK_UP,      /* the bridge forwards: an uplink attached, with carrier */
	HOOK_DOWN,    /* it no longer does: no uplink attached has carrier */
	HOOK_SWAP,    /* another uplink became the active one */
	HOOK_ATTACH,  /* a port was attached (an operator, a guest) */
	HOOK_DETACH,  /* an operator detached a port */
	HOOK_CARRIER, /* a port's carrier came or went */
	HOOK_CABLE,   /* a miswired cable was found or corrected */
	HOOK_RELOAD,  /* the configuration was reloaded (no bridge) */
	HOOK_NKINDS,
};

/* Events queued for a bridge beyond this drop the oldest waiting one. */
#define HOOK_QUEUE_MAX 16

struct hook_event {
	enum hook_kind kind;
	char bridge[SW_IFNAMSIZ]; /* "" for reload */
	char port[SW_IFNAMSIZ];
	char old_port[SW_IFNAMSIZ];
	char reason[160];
	char evidence[256];	/* cable only */
	char addresses[512];	/* the bridge's, space-separated CIDRs */
	char message[256];
	char time[40];
	unsigned int dropped; /* events of this bridge dropped before this one */
};

/* "pre-up", "swap", ... */
const char *hook_kind_name(enum hook_kind k);

/* run-parts' rule: a non-empty name of [A-Za-z0-9_-] only. That leaves out
 * editor backups (name~, .name.swp), package leftovers (name.dpkg-old,
 * name.dpkg-dist, name.ucf-old) and anything with a dot. */
bool hook_name_ok(const char *name);
/* Keep the names that pass hook_name_ok, in run-parts order (C-locale
 * strcmp); returns how many are kept, in names[0..]. Dropped ones are freed. */
size_t hook_names_filter(char **names, size_t n);

/* A switchd event (events.h: its type and JSON object) as a hook event:
 * up, down, swap, attach, detach, cable, reload (carrier comes from the
 * link model). 0, or -1 if it is no hook event. addresses and dropped are
 * left empty. */
int hook_event_from(const char *type, json_t *ev, struct hook_event *out);

/* The hook's environment: base (switchd's own, NULL-terminated; its SWITCHD_*
 * entries are left out) then SWITCHD_EVENT, SWITCHD_BRIDGE, SWITCHD_PORT,
 * SWITCHD_OLD_PORT, SWITCHD_REASON, SWITCHD_ADDRESSES, SWITCHD_EVIDENCE,
 * SWITCHD_MESSAGE, SWITCHD_TIME, SWITCHD_DROPPED (every one set, empty if
 * unknown). A NULL-terminated array in one allocation (free() it), or NULL. */
char **hook_env(const struct hook_event *e, char *const *base);

/* A bridge's waiting events, oldest first. */
struct hook_queue {
	struct hook_event v[HOOK_QUEUE_MAX];
	size_t head, n;
	unsigned int dropped; /* dropped since the last pop */
};

/* Append; when full, the oldest waiting event is dropped (and counted: the
 * next popped event carries the count). Returns true if one was dropped. */
bool hook_queue_push(struct hook_queue *q, const struct hook_event *e);
/* The oldest waiting event into out; false if there is none. */
bool hook_queue_pop(struct hook_queue *q, struct hook_event *out);

/* A hook's output, cut into lines for the log: a line longer than the
 * buffer is passed on in pieces; \r and the \n are not part of a line. */
struct hook_lines {
	char buf[512];
	size_t n;
};
typedef void (*hook_line_fn)(void *arg, const char *line);
void hook_lines_feed(struct hook_lines *l, const char *data, size_t len, hook_line_fn fn,
		     void *arg);
/* What is left without a newline (the end of the output). */
void hook_lines_flush(struct hook_lines *l, hook_line_fn fn, void *arg);

#endif
