/*
 * See claim.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cable.h"
#include "claim.h"
#include "conf.h"
#include "fingerprint.h"
#include "link.h"
#include "log.h"
#include "plan.h"
#include "runtime.h"
#include "switchd.h"

/* this feature's slot in the run-time state */
#define SLOT feature_slot(&claim_feature)

struct cl_state {
	struct sw_ctx *ctx;
	ev_timer delay; /* claim_delay after an unknown NIC appeared */
	bool scan;	/* the delay is over: claim after the batch */
};

static struct cl_state *cl(struct sw_ctx *ctx)
{
	return ctx->rt.priv[SLOT];
}

static bool claim_nic(struct sw_ctx *ctx, const struct sw_link *l)
{
	const struct sw_conf_bridge *br = NULL;
	char name[SW_IFNAMSIZ], mac[SW_MACSTR], bname[SW_IFNAMSIZ], why[FP_EVIDENCE_MAX + 64] = "";
	char evidence[FP_EVIDENCE_MAX];
	const uint8_t *m;

	if (!plan_claimable(&ctx->conf, &ctx->db, l))
		return false;
	/* the bridge whose network it reaches, else the first spares = any */
	if (cable_bridge_for(ctx, l, bname, evidence, sizeof(evidence)) == 0) {
		br = conf_find_bridge(&ctx->conf, bname);
		snprintf(why, sizeof(why), ": it sees %s, the network of %s", evidence, bname);
	}
	for (size_t i = 0; i < ctx->conf.nbridges && !br; i++)
		if (ctx->conf.bridges[i].spares_any)
			br = &ctx->conf.bridges[i];
	if (!br)
		return false;
	m = l->has_perm_mac ? l->perm_mac : l->mac;
	plan_claim_name(&ctx->conf, &ctx->db, l, name);
	sw_strlcpy(bname, br->name, sizeof(bname)); /* conf_add_claimed moves bridges */
	if (conf_add_claimed(&ctx->conf, bname, name, m) < 0 ||
	    runtime_add_port(ctx, bname, name) < 0) {
		log_warnx("claim %s: out of memory", l->name);
		return false;
	}
	sw_event(ctx, "claim",
		 json_pack("{s:s,s:s,s:s,s:s,s:s}", "nic", l->name, "name", name, "mac",
			   mac_format(m, mac), "bridge", bname, "evidence", why[0] ? evidence : ""),
		 "claimed unknown NIC %s (%s%s%s) as %s, a standby of bridge %s%s", l->name, mac,
		 l->parent_bus[0] ? ", " : "", l->parent_bus[0] ? l->parent_dev : "", name, bname,
		 why);
	return true;
}

static void scan(struct sw_ctx *ctx)
{
	bool any = false;

	for (size_t i = 0; i < ctx->db.nlinks; i++)
		any |= claim_nic(ctx, &ctx->db.links[i]);
	if (any)
		ctx->rt.replan = true; /* the plan renames and keeps them up */
}

static void on_delay(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct cl_state *s = container_of(w, struct cl_state, delay);

	(void)loop;
	(void)revents;
	s->scan = true; /* in the settle after this callback */
	s->ctx->rt.pending = true;
}

static int cl_init(struct sw_ctx *ctx)
{
	struct cl_state *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->ctx = ctx;
	ev_init(&s->delay, on_delay);
	ctx->rt.priv[SLOT] = s;
	return 0;
}

static void cl_fini(struct sw_ctx *ctx)
{
	struct cl_state *s = cl(ctx);

	if (!s)
		return;
	ev_timer_stop(ctx->loop, &s->delay);
	free(s);
	ctx->rt.priv[SLOT] = NULL;
}

/* NICs that are there now: claimed before a plan (start-up, reload). At
 * start-up with cable identification on they wait claim_delay, as a NIC
 * that appears later does: time for their captures to hear the network
 * they reach, so each goes to the bridge of that network. */
static void cl_before_plan(struct sw_ctx *ctx)
{
	struct cl_state *s = cl(ctx);

	if (!ctx->conf.claim)
		return;
	if (!ctx->rt.started && cable_enabled(ctx)) {
		for (size_t i = 0; i < ctx->db.nlinks; i++)
			if (plan_claimable(&ctx->conf, &ctx->db, &ctx->db.links[i])) {
				ev_now_update(ctx->loop);
				ev_timer_stop(ctx->loop, &s->delay);
				ev_timer_set(&s->delay, ctx->conf.claim_delay, 0);
				ev_timer_start(ctx->loop, &s->delay);
				break;
			}
		return;
	}
	for (size_t i = 0; i < ctx->db.nlinks; i++)
		claim_nic(ctx, &ctx->db.links[i]);
}

static void cl_link_event(struct sw_ctx *ctx, const struct link_event *ev)
{
	struct cl_state *s = cl(ctx);

	if (!link_appeared(ev) || !plan_claimable(&ctx->conf, &ctx->db, ev->link))
		return;
	/* give udev / a network manager claim_delay to take it */
	ev_timer_stop(ctx->loop, &s->delay);
	ev_timer_set(&s->delay, ctx->conf.claim_delay, 0);
	ev_timer_start(ctx->loop, &s->delay);
}

static void cl_settle(struct sw_ctx *ctx)
{
	struct cl_state *s = cl(ctx);

	if (!s->scan)
		return;
	s->scan = false;
	if (ctx->conf.claim)
		scan(ctx);
}

const struct sw_feature claim_feature = {
	.name = "claim",
	.init = cl_init,
	.before_plan = cl_before_plan,
	.fini = cl_fini,
	.link_event = cl_link_event,
	.settle = cl_settle,
};

