/*
 * See failover_exec.h.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>

#include "apply.h"
#include "failover.h"
#include "failover_exec.h"
#include "log.h"
#include "plan.h"
#include "replay.h"
#include "runtime.h"
#include "switchd.h"

/* this feature's slot in the run-time state */
#define SLOT feature_slot(&failover_feature)

/* Per configured port. */
struct fx_port {
	struct fo_port fo;
	uint32_t seen_changes; /* the kernel's carrier_changes last seen */
	bool seen;
};

struct fx_state {
	struct sw_ctx *ctx;
	ev_timer poll;	   /* carrier poll of the active uplinks */
	ev_timer deadline; /* updelay / hold-down ends */
	int ethtool_fd;	   /* ETHTOOL_GLINK, -1 until first used */
	bool dirty;	   /* something changed: decide again after the batch */
};

static struct fx_state *fx(struct sw_ctx *ctx)
{
	return ctx->rt.priv[SLOT];
}

static struct fx_port *fx_port(struct rt_port *p)
{
	return rt_port_priv(p, SLOT);
}

bool failover_port_held_down(struct sw_ctx *ctx, struct rt_port *p)
{
	struct fx_port *xp = p ? fx_port(p) : NULL;

	return xp && xp->fo.hold_until > ev_now(ctx->loop);
}

static struct fo_params fo_params_of(const struct sw_conf_bridge *br)
{
	struct fo_params p = { br->preempt, br->updelay, br->hold_down, br->flap_window,
			       br->flap_limit };
	return p;
}

/* Fill the policy's view of a bridge's ports from the model (and a fresher
 * carrier reading for one port, from the poll). */
static void observe_ports(struct sw_ctx *ctx, const struct sw_conf_bridge *br,
			  struct rt_bridge *b, const struct sw_link *bl,
			  const struct sw_link **links, struct fo_port *view, int fresh_ifindex,
			  bool fresh_carrier)
{
	struct fo_params params = fo_params_of(br);
	double now = ev_now(ctx->loop);

	for (size_t i = 0; i < b->nports; i++) {
		struct rt_port *rp = &b->ports[i];
		struct fx_port *xp = fx_port(rp);
		const struct sw_link *l = rt_port_link(ctx, rp);
		struct fo_port *p = &xp->fo;
		/* A port that is down cannot forward, whatever its carrier says:
		 * a card being removed is closed first (its bridge port disabled
		 * at once) and unregistered long after, and drivers such as
		 * virtio_net leave netif_carrier_ok() set when closed. The flags
		 * change is an event of its own, with no linkwatch delay. */
		bool carrier = l && (l->flags & IFF_UP) &&
			       (l->ifindex == fresh_ifindex ? fresh_carrier : l->carrier);

		/* someone else attached it elsewhere: theirs now, left alone like
		 * an operator's detach (swap refuses it too); if it was our
		 * active port, the bridge is off its network by their hand */
		if (l && l->master && l->master != bl->ifindex && !rp->held) {
			const struct sw_link *m = linkdb_by_index(&ctx->db, l->master);
			bool was_active = p->attached;

			runtime_port_moved(&ctx->rt, br->name, rp->name, was_active);
			sw_event(ctx, "moved",
				 json_pack("{s:s,s:s,s:s,s:b}", "bridge", br->name, "port", rp->name,
					   "master", m ? m->name : "?", "was_active", was_active),
				 "bridge %s: %s (%s) was attached to %s by someone else: left alone%s",
				 br->name, rp->name, was_active ? "its active port" : "a standby",
				 m ? m->name : "another device",
				 was_active ? "; failover suspended until attach or swap" : "");
		}
		links[i] = l;
		if (carrier && !p->carrier)
			p->carrier_up_since = now;
		p->present = l != NULL;
		p->carrier = carrier;
		p->attached = l && l->master == bl->ifindex;
		p->operator_held = rp->held;
		if (l) {
			/* the kernel's counter sees bounces that coalesced events hide */
			if (xp->seen && l->carrier_changes > xp->seen_changes &&
			    fo_note_flaps(p, &params, l->carrier_changes - xp->seen_changes, now))
				sw_event(ctx, "hold-down",
					 json_pack("{s:s,s:s,s:f}", "bridge", br->name, "port",
						   rp->name, "seconds", br->hold_down),
					 "bridge %s: %s flaps (more than %d carrier changes in %gs): "
					 "kept out for %gs",
					 br->name, rp->name, br->flap_limit, br->flap_window,
					 br->hold_down);
			xp->seen_changes = l->carrier_changes;
			xp->seen = true;
		}
		view[i] = *p;
	}
}

static void arm_deadline(struct sw_ctx *ctx, double at)
{
	struct fx_state *s = fx(ctx);
	double now = ev_now(ctx->loop);

	if (at <= 0)
		return;
	if (ev_is_active(&s->deadline) && ev_timer_remaining(ctx->loop, &s->deadline) <= at - now)
		return;
	ev_timer_stop(ctx->loop, &s->deadline);
	ev_timer_set(&s->deadline, at - now > 0 ? at - now + 0.001 : 0.001, 0);
	ev_timer_start(ctx->loop, &s->deadline);
}

/* Decide and act for one bridge. Returns true if it changed something. */
static bool failover_bridge(struct sw_ctx *ctx, const struct sw_conf_bridge *br,
			    int fresh_ifindex, bool fresh_carrier)
{
	struct rt_bridge *b = rt_bridge(&ctx->rt, br->name);
	const struct sw_link *bl = linkdb_by_name(&ctx->db, br->name);
	struct fo_params params = fo_params_of(br);
	struct fo_decision d;
	char err[512], reason[96];

	/* a bridge that is down forwards nothing (one being deleted goes down
	 * after it released its ports: they are not to be put back) */
	if (!b || !b->nports || !bl || strcmp(bl->kind, "bridge") || !(bl->flags & IFF_UP))
		return false;

	const struct sw_link *links[b->nports + 1];
	struct fo_port view[b->nports + 1];

	observe_ports(ctx, br, b, bl, links, view, fresh_ifindex, fresh_carrier);
	fo_decide(&params, view, (int)b->nports, b->suspended || b->held_back, ev_now(ctx->loop), &d);
	arm_deadline(ctx, d.next_deadline);
	/* the poll reads the active port's carrier fresh and says when it was
	 * alive; without it the model (events) is all there is */
	for (size_t i = 0; br->carrier_poll <= 0 && i < b->nports; i++)
		if (view[i].attached && view[i].carrier)
			runtime_uplink_alive(ctx, b, replay_now());
	if (d.kind == FO_NOTHING)
		return false;

	struct rt_port *to = &b->ports[d.to], *from = d.from >= 0 ? &b->ports[d.from] : NULL;
	struct plan_port pb = { br->name, bl }, pto = { to->name, links[d.to] },
			 pfrom = { from ? from->name : NULL,
				   from && links[d.from] && links[d.from]->master == bl->ifindex
					   ? links[d.from]
					   : NULL };
	struct sw_plan plan = { 0 };

	if (from && links[d.from] && !(links[d.from]->flags & IFF_UP) && strcmp(d.reason, "preempt"))
		snprintf(reason, sizeof(reason), "%s went down", from->name);
	else if (from)
		snprintf(reason, sizeof(reason), "%s %s", from->name,
			 strcmp(d.reason, "preempt") ? d.reason : "was standing in for the preferred port");
	else
		snprintf(reason, sizeof(reason), "%s", d.reason);

	struct uplink_change ch = { .port_ifindex = links[d.to]->ifindex, .port = to->name,
				    .old = from ? from->name : NULL, .reason = reason,
				    .failure = strcmp(d.reason, "preempt") != 0 };

	if (plan_swap(&plan, &pb, &pto, &pfrom, reason) < 0) {
		plan_free(&plan);
		log_warnx("bridge %s: failover: out of memory", br->name);
		return false;
	}
	/* a failure (not a preempt): what reached the new port before it could
	 * forward is delivered, in order, before and right after the attach */
	if (ch.failure)
		runtime_before_swap(ctx, b, &ch);
	ch.t_attach = replay_now();
	int ret = apply_change(&ctx->nl, &plan, err, sizeof(err), NULL);

	plan_free(&plan);
	if (ret < 0) {
		sw_event(ctx, "error", json_pack("{s:s,s:s}", "bridge", br->name, "error", err),
			 "bridge %s: failover to %s failed: %s", br->name, to->name, err);
		return false;
	}
	runtime_uplink_active(ctx, b, &ch, true);

	char replayed[48] = "";

	if (ch.replayed)
		snprintf(replayed, sizeof(replayed), ", %d frame%s replayed", ch.replayed,
			 ch.replayed == 1 ? "" : "s");
	sw_event(ctx, "swap",
		 json_pack("{s:s,s:s,s:s?,s:s,s:i}", "bridge", br->name, "port", to->name, "old",
			   ch.old, "reason", reason, "replayed", ch.replayed),
		 "bridge %s: %s is now the active port (%s)%s", br->name, to->name, reason, replayed);
	return true;
}

/* One pass over every bridge; our own changes come back as events: take
 * them in before deciding again. */
static void failover_pass(struct sw_ctx *ctx, int fresh_ifindex, bool fresh_carrier)
{
	struct fx_state *s = fx(ctx);

	for (int round = 0; round < 4; round++) {
		bool acted = false;

		s->dirty = false;
		for (size_t i = 0; i < ctx->conf.nbridges; i++)
			acted |= failover_bridge(ctx, &ctx->conf.bridges[i], fresh_ifindex,
						 fresh_carrier);
		fresh_ifindex = 0;
		runtime_refresh(ctx);
		if (!acted && !s->dirty)
			break;
	}
}

static void on_deadline(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fx_state *s = container_of(w, struct fx_state, deadline);

	(void)loop;
	(void)revents;
	s->dirty = true; /* decided in the settle after this callback */
	s->ctx->rt.pending = true;
}

/*
 * A NIC's carrier loss reaches us through linkwatch, which batches the
 * events of plain NICs to one per second (kernel-reference.md §2.4); a GET
 * of the active uplink reads netif_carrier_ok() directly. So the active
 * uplinks (only those, and guests never) are read on a short timer, as
 * bonding's miimon does.
 *
 * The carrier as the driver says it now: ETHTOOL_GLINK, one ioctl on a
 * socket of our namespace (what bonding's miimon asks in the kernel; a few
 * microseconds, against ~50 for an RTM_GETLINK round trip with the whole
 * link). 1/0, or -errno when the device's driver has no get_link.
 */
static int carrier_read(struct fx_state *s, const struct sw_link *l)
{
	struct ethtool_value ev = { .cmd = ETHTOOL_GLINK };
	struct ifreq ifr;

	if (s->ethtool_fd < 0) {
		s->ethtool_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s->ethtool_fd < 0)
			return -errno;
	}
	memset(&ifr, 0, sizeof(ifr));
	sw_strlcpy(ifr.ifr_name, l->name, sizeof(ifr.ifr_name));
	ifr.ifr_data = (char *)&ev;
	if (ioctl(s->ethtool_fd, SIOCETHTOOL, &ifr) < 0)
		return -errno;
	return ev.data ? 1 : 0;
}

static void on_poll(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct fx_state *s = container_of(w, struct fx_state, poll);
	struct sw_ctx *ctx = s->ctx;

	(void)loop;
	(void)revents;
	if (ctx->rt.busy)
		return; /* cannot happen from the loop; the next tick reads again */
	for (size_t i = 0; i < ctx->conf.nbridges; i++) {
		const struct sw_conf_bridge *br = &ctx->conf.bridges[i];
		const struct sw_link *bl = linkdb_by_name(&ctx->db, br->name);
		struct rt_bridge *b = rt_bridge(&ctx->rt, br->name);
		struct sw_link now;
		char err[128];

		if (!bl || !b || br->carrier_poll <= 0)
			continue;
		for (size_t k = 0; k < b->nports; k++) {
			const struct sw_link *l = rt_port_link(ctx, &b->ports[k]);

			if (!l || l->master != bl->ifindex || !l->carrier)
				continue;
			/* the time before the read: switchd may be descheduled
			 * between the read and a clock read after it, and the
			 * port was alive when the read began, not when it ended */
			double t_read = replay_now();
			int carrier = carrier_read(s, l);

			/* no get_link (or renamed under us): ask netlink */
			if (carrier < 0)
				carrier = nl_link_get(&ctx->nl, l->ifindex, NULL, &now, err,
						      sizeof(err)) == 0 ? now.carrier : 1;
			if (carrier) {
				runtime_uplink_alive(ctx, b, t_read);
				continue;
			}
			log_debug("%s: carrier loss seen by the poll before its event", l->name);
			ctx->rt.busy = true;
			failover_pass(ctx, l->ifindex, false);
			ctx->rt.busy = false;
			ctx->rt.pending = true; /* replay follows the new roles */
			return;
		}
	}
}

static void poll_restart(struct sw_ctx *ctx)
{
	struct fx_state *s = fx(ctx);
	double period = 0;

	for (size_t i = 0; i < ctx->conf.nbridges; i++) {
		double p = ctx->conf.bridges[i].carrier_poll;

		if (ctx->conf.bridges[i].nports && p > 0 && (period == 0 || p < period))
			period = p;
	}
	ev_timer_stop(ctx->loop, &s->poll);
	if (period > 0) {
		ev_timer_set(&s->poll, period, period);
		ev_timer_start(ctx->loop, &s->poll);
	}
}

/* ---- ops ------------------------------------------------------------------ */

static int fx_init(struct sw_ctx *ctx)
{
	struct fx_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->ctx = ctx;
	s->ethtool_fd = -1;
	ev_init(&s->poll, on_poll);
	ev_init(&s->deadline, on_deadline);
	ctx->rt.priv[SLOT] = s;
	return 0;
}

static void fx_start(struct sw_ctx *ctx)
{
	poll_restart(ctx);
	fx(ctx)->dirty = true;
}

static void fx_fini(struct sw_ctx *ctx)
{
	struct fx_state *s = fx(ctx);

	if (!s)
		return;
	ev_timer_stop(ctx->loop, &s->poll);
	ev_timer_stop(ctx->loop, &s->deadline);
	if (s->ethtool_fd >= 0)
		close(s->ethtool_fd);
	free(s);
	ctx->rt.priv[SLOT] = NULL;
}

static void fx_link_event(struct sw_ctx *ctx, const struct link_event *ev)
{
	/* anything about links may concern failover: decide after this batch */
	if (ev->type == LINK_ADDED || ev->type == LINK_REMOVED || ev->type == DB_RESYNCED ||
	    (ev->type == LINK_CHANGED &&
	     (ev->changed & (LC_CARRIER | LC_MASTER | LC_NAME | LC_FLAGS))))
		fx(ctx)->dirty = true;
}

static void fx_settle(struct sw_ctx *ctx)
{
	if (fx(ctx)->dirty)
		failover_pass(ctx, 0, false);
}

static void fx_reload(struct sw_ctx *ctx, const struct sw_conf *old)
{
	(void)old;
	poll_restart(ctx);
	fx(ctx)->dirty = true;
}

static void fx_show_bridge(struct sw_ctx *ctx, struct rt_bridge *b, json_t *o)
{
	json_object_set_new(o, "swaps", json_integer(b->swaps));
	if (b->last_swap[0]) {
		json_object_set_new(o, "last_swap", json_string(b->last_swap));
		json_object_set_new(o, "last_swap_reason", json_string(b->last_reason));
	}
	json_object_set_new(o, "failover_suspended", json_boolean(b->suspended));
}

static void fx_show_port(struct sw_ctx *ctx, struct rt_bridge *b, struct rt_port *p, json_t *o)
{
	json_object_set_new(o, "swaps", json_integer(p->swaps));
	if (p->last_swap[0]) {
		json_object_set_new(o, "last_swap", json_string(p->last_swap));
		json_object_set_new(o, "last_swap_reason", json_string(p->last_reason));
	}
}

const struct sw_feature failover_feature = {
	.name = "failover",
	.port_priv_size = sizeof(struct fx_port),
	.init = fx_init,
	.start = fx_start,
	.fini = fx_fini,
	.link_event = fx_link_event,
	.settle = fx_settle,
	.reload = fx_reload,
	.show_bridge = fx_show_bridge,
	.show_port = fx_show_port,
};
