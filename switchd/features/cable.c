/*
 * See cable.h. The decisions are fingerprint.c's (pure); this file keeps one
 * capture and one table per NIC, builds each bridge's network, asks the
 * rules when something new was heard (and every CABLE_TICK) and carries out
 * what they say: a log line and a "cable" event, or a move of the NIC to the
 * bridge of its network in the running configuration, which the next plan
 * applies like a claim.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "cable.h"
#include "cable_capture.h"
#include "capture.h"
#include "conf.h"
#include "failover_exec.h"
#include "fingerprint.h"
#include "link.h"
#include "log.h"
#include "plan.h"
#include "runtime.h"
#include "switchd.h"

#define SLOT feature_slot(&cable_feature)
#define CAPTURE_RETRY 5.0 /* seconds before a failed capture is tried again */

/* One NIC: a configured port (its private slot) or a NIC of no bridge. */
struct cb_nic {
	struct sw_ctx *ctx;
	struct cable_capture *cap;
	int ifindex;	 /* the device the capture listens on */
	double retry_at; /* a failed capture: not before then */
	double next_probe;
	unsigned int probe_turn;     /* which bridge's neighbour is asked next */
	enum cable_verdict reported; /* last reported verdict, not repeated */
	char reported_target[SW_IFNAMSIZ];
	enum cable_verdict verdict; /* the last judgement, for show */
	char target[SW_IFNAMSIZ];
	char evidence[FP_EVIDENCE_MAX];
	char name[SW_IFNAMSIZ]; /* a NIC of no bridge: its device name */
	struct fp_table fp;
};

struct cb_bridge {
	char last_active[SW_IFNAMSIZ]; /* the port whose table is its network */
	struct fp_table net;	       /* built each tick: see cable.h */
};

struct cb_state {
	struct sw_ctx *ctx;
	ev_timer tick;
	ev_timer gather; /* something new was heard: judge once the burst is in */
	bool judge;	 /* judge in the next settle (not in a watcher's callback) */
	bool dirty;	 /* links changed: start and stop captures */
	struct cb_nic *spares[CABLE_SPARES_MAX];
	size_t nspares;
	bool no_pcap; /* libpcap could not be loaded: said once, not every retry */
};

static struct cb_state *cs(struct sw_ctx *ctx)
{
	return SLOT < 0 ? NULL : ctx->rt.priv[SLOT];
}

static struct cb_nic *nic_of(struct rt_port *p)
{
	return rt_port_priv(p, SLOT);
}

static struct cb_bridge *br_of(struct rt_bridge *b)
{
	return rt_bridge_priv(b, SLOT);
}

bool cable_enabled(struct sw_ctx *ctx)
{
	for (size_t i = 0; i < ctx->conf.nbridges; i++)
		if (conf_cable_check(&ctx->conf, &ctx->conf.bridges[i]) != CABLE_MODE_OFF)
			return true;
	return false;
}

/* ---- captures ---------------------------------------------------------- */

/* Judge CABLE_GATHER from now (unless already due sooner): what a switch
 * sends comes in a burst, and links change in batches. */
static void judge_soon(struct sw_ctx *ctx)
{
	struct cb_state *s = cs(ctx);

	if (ev_is_active(&s->gather))
		return;
	ev_timer_set(&s->gather, CABLE_GATHER, 0);
	ev_timer_start(ctx->loop, &s->gather);
}

static void capture_stop(struct cb_nic *n)
{
	cable_capture_stop(n->cap);
	n->cap = NULL;
	n->ifindex = 0;
}

static void on_frame(void *arg, const uint8_t *frame, size_t len)
{
	struct cb_nic *n = arg;
	struct fp_obs obs[FP_OBS_MAX];
	double now = ev_now(n->ctx->loop);
	int k;

	if (!frame) {
		log_warnx("cable: %s; listening again in %gs",
			  cable_capture_error(n->cap) ?: "capture failed", CAPTURE_RETRY);
		capture_stop(n);
		n->retry_at = now + CAPTURE_RETRY;
		return;
	}
	k = fp_decode(frame, len, CABLE_ARP_PLEN, obs, FP_OBS_MAX);
	for (int i = 0; i < k; i++)
		if (fp_table_note(&n->fp, &obs[i], now) && fp_distinctive(obs[i].kind))
			judge_soon(n->ctx); /* something new identifies a network */
}

/* Listen on l (NULL, or down: stop). A new device (a card replaced) starts
 * with an empty table. */
static void capture_sync(struct sw_ctx *ctx, struct cb_nic *n, const struct sw_link *l)
{
	char err[256];
	double now = ev_now(ctx->loop);

	n->ctx = ctx;
	if (!l || !(l->flags & IFF_UP)) {
		capture_stop(n);
		return;
	}
	if (n->cap && n->ifindex == l->ifindex)
		return;
	if (n->cap) {
		capture_stop(n);
		memset(&n->fp, 0, sizeof(n->fp));
	}
	if (now < n->retry_at)
		return;
	/* without the library every NIC's every retry would say the same */
	if (capture_available(err, sizeof(err)) < 0) {
		if (!cs(ctx)->no_pcap)
			log_warnx("cable: identification is off: %s (tried again every %gs)", err,
				  CAPTURE_RETRY);
		cs(ctx)->no_pcap = true;
		n->retry_at = now + CAPTURE_RETRY;
		return;
	}
	if (cs(ctx)->no_pcap)
		log_info("cable: libpcap loaded: identification is on");
	cs(ctx)->no_pcap = false;
	n->cap = cable_capture_start(ctx->loop, l->name, on_frame, n, err, sizeof(err));
	if (!n->cap) {
		log_warnx("cable: %s", err);
		n->retry_at = now + CAPTURE_RETRY;
		return;
	}
	n->ifindex = l->ifindex;
	log_debug("cable: listening on %s", l->name);
}

static struct cb_nic *spare_find(struct cb_state *s, int ifindex)
{
	for (size_t i = 0; i < s->nspares; i++)
		if (s->spares[i]->ifindex == ifindex)
			return s->spares[i];
	return NULL;
}

static void spare_remove(struct cb_state *s, size_t i)
{
	capture_stop(s->spares[i]);
	free(s->spares[i]);
	s->spares[i] = s->spares[--s->nspares];
}

/* NICs claim would take: listened to from the moment they appear, so claim
 * knows where they belong when claim_delay is over. */
static void spares_sync(struct sw_ctx *ctx, struct cb_state *s)
{
	for (size_t i = 0; i < s->nspares;) {
		const struct sw_link *l = linkdb_by_index(&ctx->db, s->spares[i]->ifindex);

		if (!ctx->conf.claim || !l || !plan_claimable(&ctx->conf, &ctx->db, l) ||
		    !(l->flags & IFF_UP))
			spare_remove(s, i);
		else
			i++;
	}
	if (!ctx->conf.claim)
		return;
	for (size_t i = 0; i < ctx->db.nlinks && s->nspares < CABLE_SPARES_MAX; i++) {
		const struct sw_link *l = &ctx->db.links[i];
		struct cb_nic *n;

		if (!(l->flags & IFF_UP) || spare_find(s, l->ifindex) ||
		    !plan_claimable(&ctx->conf, &ctx->db, l))
			continue;
		n = calloc(1, sizeof(*n));
		if (!n)
			return;
		sw_strlcpy(n->name, l->name, sizeof(n->name));
		capture_sync(ctx, n, l);
		if (!n->cap) {
			free(n);
			continue;
		}
		s->spares[s->nspares++] = n;
	}
}

/* The tick runs only while something listens: a host with nothing to
 * identify (taps only, cable_check = off) never wakes for it. */
static void tick_sync(struct sw_ctx *ctx)
{
	struct cb_state *s = cs(ctx);
	bool any = s->nspares > 0;

	for (size_t i = 0; i < ctx->rt.nbridges && !any; i++)
		for (size_t k = 0; k < ctx->rt.bridges[i].nports && !any; k++)
			any = nic_of(&ctx->rt.bridges[i].ports[k]) &&
			      nic_of(&ctx->rt.bridges[i].ports[k])->cap;
	if (any && !ev_is_active(&s->tick))
		ev_timer_again(ctx->loop, &s->tick);
	else if (!any && ev_is_active(&s->tick))
		ev_timer_stop(ctx->loop, &s->tick);
}

static void captures_sync(struct sw_ctx *ctx)
{
	struct cb_state *s = cs(ctx);
	bool on = cable_enabled(ctx);

	for (size_t i = 0; i < ctx->rt.nbridges; i++) {
		struct rt_bridge *b = &ctx->rt.bridges[i];

		for (size_t k = 0; k < b->nports; k++) {
			struct cb_nic *n = nic_of(&b->ports[k]);

			if (n)
				capture_sync(ctx, n, on ? rt_port_link(ctx, &b->ports[k]) : NULL);
		}
	}
	if (on)
		spares_sync(ctx, s);
	else
		while (s->nspares)
			spare_remove(s, 0);
	tick_sync(ctx);
}

/* ---- networks ---------------------------------------------------------- */

static const struct sw_link *bridge_link(struct sw_ctx *ctx, const char *name)
{
	const struct sw_link *l = linkdb_by_name(&ctx->db, name);

	return l && !strcmp(l->kind, "bridge") ? l : NULL;
}

/* The bridge's active uplink (attached to it), or NULL. */
static struct rt_port *active_port(struct sw_ctx *ctx, struct rt_bridge *b)
{
	const struct sw_link *bl = bridge_link(ctx, b->name);

	for (size_t k = 0; bl && k < b->nports; k++) {
		const struct sw_link *l = rt_port_link(ctx, &b->ports[k]);

		if (l && l->master == bl->ifindex)
			return &b->ports[k];
	}
	return NULL;
}

/* Has the bridge an active uplink with carrier? */
static bool working_uplink(struct sw_ctx *ctx, struct rt_bridge *b)
{
	struct rt_port *p = active_port(ctx, b);
	const struct sw_link *l = p ? rt_port_link(ctx, p) : NULL;

	return l && l->carrier;
}

/* The port whose table is the bridge's network: the active one, else the
 * last active one while it is still a port of the bridge. */
static struct rt_port *network_port(struct sw_ctx *ctx, struct rt_bridge *b)
{
	struct rt_port *p = active_port(ctx, b);
	struct cb_bridge *cb = br_of(b);

	if (p) {
		sw_strlcpy(cb->last_active, p->name, sizeof(cb->last_active));
		return p;
	}
	return cb->last_active[0] ? rt_port(b, cb->last_active) : NULL;
}

/* The bridge's network: its network port's table and its own IPv4
 * networks (the host is on them: a NIC that hears them is there too). */
static void network_build(struct sw_ctx *ctx, struct rt_bridge *b)
{
	struct cb_bridge *cb = br_of(b);
	struct rt_port *p = network_port(ctx, b);
	const struct sw_link *bl = bridge_link(ctx, b->name);
	double now = ev_now(ctx->loop);

	if (p && nic_of(p))
		cb->net = nic_of(p)->fp;
	else
		memset(&cb->net, 0, sizeof(cb->net));
	for (size_t i = 0; bl && i < ctx->db.naddrs; i++) {
		const struct sw_addr *a = &ctx->db.addrs[i];
		struct fp_obs o = {.kind = FP_ARP_NET};
		uint32_t ip, net, mask = ~(0xffffffffu >> CABLE_ARP_PLEN);
		char text[INET_ADDRSTRLEN];

		if (a->ifindex != bl->ifindex || a->family != AF_INET || !a->has_local)
			continue;
		memcpy(&ip, a->local, 4);
		net = htonl(ntohl(ip) & mask);
		inet_ntop(AF_INET, &net, text, sizeof(text));
		snprintf(o.value, sizeof(o.value), "%s/%d", text, CABLE_ARP_PLEN);
		fp_table_note(&cb->net, &o, now);
	}
}

/* nets[i]: bridge i's network (the runtime's order). */
static const struct fp_table **networks(struct sw_ctx *ctx)
{
	const struct fp_table **nets = calloc(ctx->rt.nbridges + 1, sizeof(*nets));

	for (size_t i = 0; nets && i < ctx->rt.nbridges; i++)
		nets[i] = br_of(&ctx->rt.bridges[i]) ? &br_of(&ctx->rt.bridges[i])->net : NULL;
	return nets;
}

/* ---- the probe --------------------------------------------------------- */

/* A neighbour of the bridge to ask: its default gateway, else the gateway
 * of another route through it, else an address its network port heard.
 * Network order, or 0. */
static uint32_t neighbour_of(struct sw_ctx *ctx, struct rt_bridge *b)
{
	const struct sw_link *bl = bridge_link(ctx, b->name);
	uint32_t gw = 0;

	for (size_t i = 0; bl && i < ctx->db.nroutes; i++) {
		const struct sw_route *r = &ctx->db.routes[i];

		if (r->rtm.rtm_family != AF_INET || r->oif != bl->ifindex || !r->has_gateway)
			continue;
		if (r->rtm.rtm_dst_len == 0 || !gw)
			memcpy(&gw, r->gateway, 4);
		if (r->rtm.rtm_dst_len == 0)
			break;
	}
	return gw ? gw : fp_table_neighbour(&br_of(b)->net);
}

/* cable_probe = arp: a NIC that heard nothing identifiable asks the next
 * bridge's neighbour, at most every CABLE_PROBE_EVERY. */
static void probe(struct sw_ctx *ctx, struct cb_nic *n, const struct sw_link *l)
{
	double now = ev_now(ctx->loop);
	uint8_t frame[60];
	char err[256], ip[INET_ADDRSTRLEN];
	uint32_t target = 0;
	struct rt_bridge *b = NULL;

	if (!ctx->conf.cable_probe || !n->cap || !l || !l->has_mac || now < n->next_probe ||
	    fp_table_identifies(&n->fp) || !ctx->rt.nbridges)
		return;
	n->next_probe = now + CABLE_PROBE_EVERY;
	for (size_t tries = 0; tries < ctx->rt.nbridges && !target; tries++) {
		b = &ctx->rt.bridges[n->probe_turn++ % ctx->rt.nbridges];
		target = neighbour_of(ctx, b);
	}
	if (!target)
		return;
	fp_arp_probe(frame, l->mac, target);
	if (cable_capture_send(n->cap, frame, sizeof(frame), err, sizeof(err)) < 0) {
		log_warnx("cable: probe: %s", err);
		return;
	}
	log_debug("cable: %s asks who has %s (a neighbour of bridge %s)", l->name,
		  inet_ntop(AF_INET, &target, ip, sizeof(ip)), b->name);
}

/* ---- judgement --------------------------------------------------------- */

static void report_event(struct sw_ctx *ctx, struct rt_bridge *b, struct rt_port *p,
			 struct cb_nic *n, const char *reason, const char *action,
			 const char *target, const char *msg)
{
	sw_event(ctx, "cable",
		 json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "bridge", b->name, "port", p->name,
			   "reason", reason, "evidence", n->evidence, "network",
			   target ? target : "", "action", action),
		 "%s", msg);
}

/* The NIC's evidence for every bridge it reaches, as one phrase. */
static void evidence_all(struct sw_ctx *ctx, const struct fp_matches *m, char *out, size_t len)
{
	size_t k = 0;

	out[0] = '\0';
	for (int i = 0; i < m->n && i < FP_HITS_MAX && k + 1 < len; i++)
		k +=
		    (size_t)snprintf(out + k, len - k, "%sthe network of %s (%s)", k ? " and " : "",
				     ctx->rt.bridges[m->hit[i].bridge].name, m->hit[i].evidence);
	if (m->n > FP_HITS_MAX && k + 1 < len)
		snprintf(out + k, len - k, " and more");
}

/* Move the NIC to bridge `to` in the running configuration; the plan keeps
 * it a standby there (failover makes it active if `to` has no working
 * uplink). Its table goes with it. */
static int move_port(struct sw_ctx *ctx, struct rt_bridge *from, struct rt_port *p,
		     struct rt_bridge *to)
{
	char fname[SW_IFNAMSIZ], tname[SW_IFNAMSIZ], pname[SW_IFNAMSIZ];
	struct fp_table *saved = malloc(sizeof(*saved));
	struct rt_port *np;
	int ret;

	if (!saved)
		return -ENOMEM;
	*saved = nic_of(p)->fp;
	sw_strlcpy(fname, from->name, sizeof(fname));
	sw_strlcpy(tname, to->name, sizeof(tname));
	sw_strlcpy(pname, p->name, sizeof(pname));
	ret = conf_move_port(&ctx->conf, fname, tname, pname);
	if (!ret && (ret = runtime_rebuild(ctx)) < 0)
		conf_move_port(&ctx->conf, tname, fname, pname); /* back as it was */
	if (!ret && (np = rt_port(rt_bridge(&ctx->rt, tname), pname)) && nic_of(np))
		nic_of(np)->fp = *saved;
	free(saved);
	if (!ret)
		ctx->rt.replan = true;
	return ret;
}

/* One configured port that is not its bridge's network port. Returns true
 * when it was moved (the runtime was rebuilt: stop walking it). */
static bool judge_port(struct sw_ctx *ctx, size_t bi, struct rt_port *p, const struct fp_index *ix)
{
	struct fp_matches m;
	struct rt_bridge *b = &ctx->rt.bridges[bi];
	const struct sw_conf_bridge *br = conf_find_bridge(&ctx->conf, b->name);
	struct cb_nic *n = nic_of(p);
	const struct sw_link *l = rt_port_link(ctx, p);
	enum sw_cable_mode mode = conf_cable_check(&ctx->conf, br);
	enum cable_verdict v;
	enum cable_action act;
	struct rt_bridge *to;
	int target;
	bool blocked;
	char msg[512], all[FP_EVIDENCE_MAX * 2];
	const char *role = p->held ? "detached" : "standby";

	/* attached to another device by someone else: not ours to judge */
	if (!n || !l || l->master || mode == CABLE_MODE_OFF)
		return false;
	fp_match(ix, &n->fp, &m);
	v = cable_judge((int)bi, &m, &target);
	n->verdict = v;
	n->target[0] = '\0';
	n->evidence[0] = '\0';
	if (target >= 0) {
		sw_strlcpy(n->target, ctx->rt.bridges[target].name, sizeof(n->target));
		sw_strlcpy(n->evidence, m.hit[0].evidence, sizeof(n->evidence));
	} else if (v == CABLE_AMBIGUOUS) {
		evidence_all(ctx, &m, all, sizeof(all));
		sw_strlcpy(n->evidence, all, sizeof(n->evidence));
	}
	if (v == CABLE_UNKNOWN)
		probe(ctx, n, l);
	to = target >= 0 ? &ctx->rt.bridges[target] : NULL;
	blocked =
	    p->held || b->suspended || (to && to->suspended) || failover_port_held_down(ctx, p);
	act = cable_decide(v, mode, blocked);
	if (act == CABLE_NOTHING) {
		n->reported = CABLE_UNKNOWN;
		n->reported_target[0] = '\0';
		return false;
	}
	if (act == CABLE_REPORT && n->reported == v && !strcmp(n->reported_target, n->target))
		return false; /* said already */
	n->reported = v;
	sw_strlcpy(n->reported_target, n->target, sizeof(n->reported_target));
	if (v == CABLE_AMBIGUOUS) {
		snprintf(msg, sizeof(msg),
			 "%s (%s of %s) sees %s: two networks (a loop or a "
			 "trunk), left where it is",
			 l->name, role, b->name, n->evidence);
		report_event(ctx, b, p, n, "two networks", "report", NULL, msg);
		return false;
	}
	if (act == CABLE_REPORT) {
		snprintf(msg, sizeof(msg), "%s (%s of %s) sees %s: the network of %s, not %s%s",
			 l->name, role, b->name, n->evidence, to->name, b->name,
			 mode == CABLE_MODE_ATTACH
			     ? (p->held ? "; detached by an operator: not moved"
					: "; held down or off its network: not moved")
			     : "");
		report_event(ctx, b, p, n, "miswired", "report", to->name, msg);
		return false;
	}
	/* never two forwarding uplinks on one segment: only a port that does
	 * not forward is moved, and it arrives as a standby */
	snprintf(msg, sizeof(msg),
		 "%s (%s of %s) sees %s: the network of %s, not %s; moved to "
		 "%s %s",
		 l->name, role, b->name, n->evidence, to->name, b->name, to->name,
		 working_uplink(ctx, to) ? "as a standby"
					 : "as its active port (it has no working uplink)");
	{
		char bname[SW_IFNAMSIZ], tname[SW_IFNAMSIZ], pname[SW_IFNAMSIZ];
		char evidence[FP_EVIDENCE_MAX];
		int ret;

		sw_strlcpy(bname, b->name, sizeof(bname));
		sw_strlcpy(tname, to->name, sizeof(tname));
		sw_strlcpy(pname, p->name, sizeof(pname));
		sw_strlcpy(evidence, n->evidence, sizeof(evidence));
		ret = move_port(ctx, b, p, to);
		/* b, p, n and to are gone if the runtime was rebuilt */
		if (ret < 0) {
			log_warnx("cable: %s: cannot move to bridge %s: %s", pname, tname,
				  strerror(-ret));
			return false;
		}
		sw_event(ctx, "cable",
			 json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "bridge", bname, "port", pname,
				   "reason", "miswired", "evidence", evidence, "network", tname,
				   "action", "attach"),
			 "%s", msg);
	}
	return true;
}

static void judge(struct sw_ctx *ctx)
{
	const struct fp_table **nets;
	struct fp_index *ix = NULL;
	double now = ev_now(ctx->loop);
	struct cb_state *s = cs(ctx);

	for (size_t i = 0; i < ctx->rt.nbridges; i++)
		for (size_t k = 0; k < ctx->rt.bridges[i].nports; k++)
			if (nic_of(&ctx->rt.bridges[i].ports[k]))
				fp_table_age(&nic_of(&ctx->rt.bridges[i].ports[k])->fp, now,
					     CABLE_MAX_AGE);
	for (size_t i = 0; i < s->nspares; i++)
		fp_table_age(&s->spares[i]->fp, now, CABLE_MAX_AGE);
	for (size_t i = 0; i < ctx->rt.nbridges; i++)
		if (br_of(&ctx->rt.bridges[i]))
			network_build(ctx, &ctx->rt.bridges[i]);
	nets = networks(ctx);
	if (!nets || !(ix = fp_index_new(nets, ctx->rt.nbridges)))
		goto out;
	for (size_t i = 0; i < ctx->rt.nbridges; i++) {
		struct rt_bridge *b = &ctx->rt.bridges[i];
		struct rt_port *np = network_port(ctx, b);

		for (size_t k = 0; k < b->nports; k++)
			if (&b->ports[k] != np && judge_port(ctx, i, &b->ports[k], ix))
				goto out; /* one move per judgement: the runtime changed */
	}
	/* NICs of no bridge: probed while they say nothing (claim asks) */
	for (size_t i = 0; i < s->nspares; i++)
		probe(ctx, s->spares[i], linkdb_by_index(&ctx->db, s->spares[i]->ifindex));
out:
	fp_index_free(ix);
	free(nets);
}

int cable_bridge_for(struct sw_ctx *ctx, const struct sw_link *l, char bridge[SW_IFNAMSIZ],
		     char *evidence, size_t len)
{
	struct cb_state *s = cs(ctx);
	struct cb_nic *n = s ? spare_find(s, l->ifindex) : NULL;
	const struct fp_table **nets;
	struct fp_index *ix = NULL;
	struct fp_matches m;
	int target = -1, ret = -ENOENT;

	if (!n || !cable_enabled(ctx))
		return -ENOENT;
	for (size_t i = 0; i < ctx->rt.nbridges; i++)
		if (br_of(&ctx->rt.bridges[i]))
			network_build(ctx, &ctx->rt.bridges[i]);
	nets = networks(ctx);
	if (nets && (ix = fp_index_new(nets, ctx->rt.nbridges))) {
		fp_match(ix, &n->fp, &m);
		if (cable_judge(-1, &m, &target) == CABLE_FOUND) {
			sw_strlcpy(bridge, ctx->rt.bridges[target].name, SW_IFNAMSIZ);
			snprintf(evidence, len, "%s", m.hit[0].evidence);
			ret = 0;
		}
	}
	fp_index_free(ix);
	free(nets);
	return ret;
}

/* ---- show, switchctl cable, doctor -------------------------------------- */

static json_t *nic_json(struct sw_ctx *ctx, const struct cb_nic *n)
{
	json_t *o = json_object();

	json_object_set_new(o, "listening", json_boolean(n->cap != NULL));
	json_object_set_new(o, "verdict", json_string(cable_verdict_name(n->verdict)));
	if (n->target[0])
		json_object_set_new(o, "network", json_string(n->target));
	if (n->evidence[0])
		json_object_set_new(o, "evidence", json_string(n->evidence));
	json_object_set_new(o, "heard", fp_table_json(&n->fp, ev_now(ctx->loop)));
	return o;
}

static void cb_show_port(struct sw_ctx *ctx, struct rt_bridge *b, struct rt_port *p, json_t *o)
{
	(void)b;
	if (nic_of(p))
		json_object_set_new(o, "cable", nic_json(ctx, nic_of(p)));
}

static void cb_show_bridge(struct sw_ctx *ctx, struct rt_bridge *b, json_t *o)
{
	const struct sw_conf_bridge *br = conf_find_bridge(&ctx->conf, b->name);

	json_object_set_new(o, "cable_check",
			    json_string(conf_cable_mode_name(conf_cable_check(&ctx->conf, br))));
	if (br_of(b))
		json_object_set_new(o, "network", fp_table_json(&br_of(b)->net, ev_now(ctx->loop)));
}

json_t *cable_json(struct sw_ctx *ctx, const char *nic, char *err, size_t errlen)
{
	struct cb_state *s = cs(ctx);
	json_t *nics, *bridges;
	bool found = false;

	if (!s) {
		snprintf(err, errlen, "cable identification is not in this switchd");
		return NULL;
	}
	nics = json_array();
	bridges = json_array();

	for (size_t i = 0; i < ctx->rt.nbridges; i++) {
		struct rt_bridge *b = &ctx->rt.bridges[i];
		struct rt_port *np = network_port(ctx, b);
		json_t *bo = json_object();

		json_object_set_new(bo, "name", json_string(b->name));
		cb_show_bridge(ctx, b, bo);
		json_object_set_new(bo, "uplink", np ? json_string(np->name) : json_null());
		json_array_append_new(bridges, bo);
		for (size_t k = 0; k < b->nports; k++) {
			struct rt_port *p = &b->ports[k];
			const struct sw_link *l = rt_port_link(ctx, p);
			json_t *o;

			if (!nic_of(p) ||
			    (nic && strcmp(nic, p->name) && (!l || strcmp(nic, l->name))))
				continue;
			found = true;
			o = nic_json(ctx, nic_of(p));
			json_object_set_new(o, "name", json_string(p->name));
			json_object_set_new(o, "bridge", json_string(b->name));
			json_object_set_new(o, "role",
					    json_string(p == active_port(ctx, b) ? "active"
							: p->held		 ? "detached"
										 : "standby"));
			if (p == active_port(ctx, b))
				json_object_del(o, "verdict"); /* it defines the network */
			json_array_append_new(nics, o);
		}
	}
	for (size_t i = 0; s && i < s->nspares; i++) {
		json_t *o;

		if (nic && strcmp(nic, s->spares[i]->name))
			continue;
		found = true;
		o = nic_json(ctx, s->spares[i]);
		json_object_del(o, "verdict");
		json_object_set_new(o, "name", json_string(s->spares[i]->name));
		json_object_set_new(o, "bridge", json_null());
		json_object_set_new(o, "role", json_string("unclaimed"));
		json_array_append_new(nics, o);
	}
	if (nic && !found) {
		snprintf(err, errlen,
			 "%s: no such NIC (a port of a bridge, or one claim would take)", nic);
		json_decref(nics);
		json_decref(bridges);
		return NULL;
	}
	return json_pack("{s:b,s:o,s:o}", "enabled", cable_enabled(ctx), "nics", nics, "bridges",
			 bridges);
}

json_t *cable_findings(struct sw_ctx *ctx)
{
	json_t *a = json_array();

	for (size_t i = 0; i < ctx->rt.nbridges; i++) {
		struct rt_bridge *b = &ctx->rt.bridges[i];

		for (size_t k = 0; k < b->nports; k++) {
			struct cb_nic *n = nic_of(&b->ports[k]);
			const struct sw_link *l = rt_port_link(ctx, &b->ports[k]);

			if (!n || (n->verdict != CABLE_MISWIRED && n->verdict != CABLE_AMBIGUOUS))
				continue;
			json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:s,s:s}", "nic",
							   l ? l->name : b->ports[k].name, "bridge",
							   b->name, "network", n->target,
							   "evidence", n->evidence, "verdict",
							   cable_verdict_name(n->verdict)));
		}
	}
	return a;
}

/* ---- the feature ------------------------------------------------------- */

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct cb_state *s = container_of(w, struct cb_state, tick);

	(void)loop;
	(void)revents;
	s->judge = true;
	s->dirty = true;
	s->ctx->rt.pending = true;
}

static void on_gather(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct cb_state *s = container_of(w, struct cb_state, gather);

	(void)loop;
	(void)revents;
	s->judge = true;
	s->dirty = true;
	s->ctx->rt.pending = true;
}

static int cb_init(struct sw_ctx *ctx)
{
	struct cb_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->ctx = ctx;
	ev_init(&s->tick, on_tick);
	ev_init(&s->gather, on_gather);
	s->tick.repeat = CABLE_TICK;
	ctx->rt.priv[SLOT] = s;
	return 0;
}

static void cb_start(struct sw_ctx *ctx)
{
	struct cb_state *s = cs(ctx);

	(void)s;
	captures_sync(ctx);
	judge_soon(ctx);
}

static void cb_fini(struct sw_ctx *ctx)
{
	struct cb_state *s = cs(ctx);

	if (!s)
		return;
	ev_timer_stop(ctx->loop, &s->tick);
	ev_timer_stop(ctx->loop, &s->gather);
	while (s->nspares)
		spare_remove(s, 0);
	free(s);
	ctx->rt.priv[SLOT] = NULL;
}

static void cb_port_free(struct sw_ctx *ctx, void *priv)
{
	(void)ctx;
	capture_stop(priv);
}

static void cb_link_event(struct sw_ctx *ctx, const struct link_event *ev)
{
	struct cb_state *s = cs(ctx);

	if (ev->type == LINK_ADDED || ev->type == LINK_REMOVED || ev->type == DB_RESYNCED ||
	    (ev->type == LINK_CHANGED && (ev->changed & (LC_FLAGS | LC_MASTER | LC_NAME)))) {
		s->dirty = true;
		judge_soon(ctx); /* an uplink changed: the networks did */
	}
}

static void cb_settle(struct sw_ctx *ctx)
{
	struct cb_state *s = cs(ctx);

	if (s->dirty) {
		s->dirty = false;
		captures_sync(ctx);
	}
	if (s->judge) {
		s->judge = false;
		if (cable_enabled(ctx))
			judge(ctx);
	}
}

static void cb_reload(struct sw_ctx *ctx, const struct sw_conf *old)
{
	(void)old;
	cs(ctx)->dirty = true;
	ctx->rt.pending = true;
	judge_soon(ctx);
}

const struct sw_feature cable_feature = {
    .name = "cable",
    .bridge_priv_size = sizeof(struct cb_bridge),
    .port_priv_size = sizeof(struct cb_nic),
    .port_priv_free = cb_port_free,
    .init = cb_init,
    .start = cb_start,
    .fini = cb_fini,
    .link_event = cb_link_event,
    .settle = cb_settle,
    .reload = cb_reload,
    .show_bridge = cb_show_bridge,
    .show_port = cb_show_port,
};
