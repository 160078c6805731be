/*
 * Failover policy: see failover.h.
 *
 * - The active port keeps its place while it has carrier (no swap away from
 *   a working link), unless preempt is on and the preferred port has had
 *   carrier for updelay.
 * - The active port lost carrier or is gone: the first eligible port in
 *   preference order takes over at once (attach-before-detach is the
 *   executor's job). None eligible: wait; the first to regain carrier wins.
 * - Eligible: present, carrier, not held by an operator, not in hold-down.
 */
#include <string.h>

#include "failover.h"

bool fo_note_flaps(struct fo_port *p, const struct fo_params *params, unsigned int transitions,
		   double now)
{
	int recent = 0, w = 0;

	if (!transitions)
		return false;
	/* forget what fell out of the window */
	for (int i = 0; i < p->nflaps; i++)
		if (now - p->flaps[i] <= params->flap_window)
			p->flaps[w++] = p->flaps[i];
	p->nflaps = w;
	for (unsigned int i = 0; i < transitions; i++) {
		if (p->nflaps == FO_FLAP_MAX) {
			memmove(p->flaps, p->flaps + 1, (FO_FLAP_MAX - 1) * sizeof(p->flaps[0]));
			p->nflaps--;
		}
		p->flaps[p->nflaps++] = now;
	}
	recent = p->nflaps;
	if (params->flap_limit > 0 && recent > params->flap_limit && now >= p->hold_until) {
		p->hold_until = now + params->hold_down;
		p->nflaps = 0;
		return true;
	}
	return false;
}

static bool eligible(const struct fo_port *p, double now)
{
	return p->present && p->carrier && !p->operator_held && now >= p->hold_until;
}

static void later(struct fo_decision *d, double t)
{
	if (t > 0 && (d->next_deadline == 0 || t < d->next_deadline))
		d->next_deadline = t;
}

void fo_decide(const struct fo_params *params, const struct fo_port *ports, int n, bool suspended,
	       double now, struct fo_decision *d)
{
	int active = -1, best = -1;

	memset(d, 0, sizeof(*d));
	d->from = d->to = -1;
	if (suspended)
		return;
	for (int i = 0; i < n; i++) {
		if (ports[i].attached && active < 0)
			active = i;
		if (best < 0 && eligible(&ports[i], now))
			best = i;
		/* a held-down port with carrier becomes eligible when the hold ends */
		if (ports[i].present && ports[i].carrier && !ports[i].operator_held &&
		    now < ports[i].hold_until)
			later(d, ports[i].hold_until);
	}
	if (active >= 0 && ports[active].present && ports[active].carrier) {
		if (!params->preempt || best < 0 || best >= active)
			return;
		if (now - ports[best].carrier_up_since < params->updelay) {
			later(d, ports[best].carrier_up_since + params->updelay);
			return;
		}
		d->kind = FO_SWAP;
		d->to = best;
		d->from = active;
		d->reason = "preempt";
		return;
	}
	if (best < 0)
		return; /* nothing has carrier: wait, the bridge keeps its addresses */
	d->to = best;
	if (active >= 0) {
		d->kind = FO_SWAP;
		d->from = active;
		d->reason = ports[active].present ? "carrier lost" : "port gone";
	} else {
		d->kind = FO_ATTACH;
		d->reason = "no active port";
	}
}
