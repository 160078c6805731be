/*
 * The failover policy (pure, like mstpd's MSTP_IN/MSTP_OUT split): the state
 * of a bridge's configured ports and the time in, one decision out. No
 * netlink, no clock of its own: the reconciler feeds it observations and
 * carries out what it decides.
 */
#ifndef SWITCHD_FAILOVER_H
#define SWITCHD_FAILOVER_H

#include <stdbool.h>

#define FO_FLAP_MAX 64

struct fo_params {
	bool preempt;	   /* return to the preferred port once it is stable */
	double updelay;	   /* seconds of carrier before preempting back */
	double hold_down;  /* seconds a flapping port is kept out */
	double flap_window;
	int flap_limit;	   /* more carrier changes than this in flap_window: hold down */
};

/* One configured port, in preference order. */
struct fo_port {
	bool present, carrier, attached;
	bool operator_held;	 /* detached by an operator: never chosen */
	double carrier_up_since; /* when carrier last came up */
	double hold_until;	 /* kept out until then (flapping) */
	double flaps[FO_FLAP_MAX];
	int nflaps;
};

enum fo_kind { FO_NOTHING, FO_SWAP, FO_ATTACH };

struct fo_decision {
	enum fo_kind kind;
	int to, from;		/* port indexes; from = -1 for FO_ATTACH */
	const char *reason;	/* "carrier lost", "port gone", "preempt", "no active port" */
	double next_deadline;	/* 0, or when to decide again (updelay, hold-down end) */
};

/* Record carrier transitions seen on a port (from the kernel's
 * carrier_changes counter, which counts bounces that events coalesce).
 * Returns true when this puts the port into hold-down. */
bool fo_note_flaps(struct fo_port *p, const struct fo_params *params, unsigned int transitions,
		   double now);

/* What to do now. suspended: an operator took the bridge off its network. */
void fo_decide(const struct fo_params *params, const struct fo_port *ports, int n, bool suspended,
	       double now, struct fo_decision *d);

#endif
