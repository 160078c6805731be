/*
 * See neigh.h. What the host sent while its bridge could not reach the
 * network went nowhere, its ARP/ND requests among it: those neighbours wait
 * for the 1 s retransmit although they are reachable now (measured 500 ms
 * vs 30 ms after all cables were out).
 */
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "link.h"
#include "log.h"
#include "neigh.h"
#include "nl.h"
#include "runtime.h"
#include "switchd.h"

/* this feature's slot in the run-time state */
#define SLOT feature_slot(&neigh_feature)

struct ng_bridge {
	bool retry; /* carrier came back: ask again after the batch */
};

static struct ng_bridge *ng(struct rt_bridge *b)
{
	return b ? rt_bridge_priv(b, SLOT) : NULL;
}

static void retry(struct sw_ctx *ctx, struct rt_bridge *b)
{
	const struct sw_link *bl = linkdb_by_name(&ctx->db, b->name);
	char err[160], addrs[160];
	int n;

	ng(b)->retry = false; /* done now: not again after the batch */
	if (!bl)
		return;
	n = nl_neigh_forget_unresolved(&ctx->nl, bl->ifindex, addrs, sizeof(addrs), err,
				       sizeof(err));
	if (n < 0)
		log_warnx("bridge %s: reading its unresolved neighbours: %s", b->name, err);
	else if (n > 0)
		log_info("bridge %s: %d unresolved neighbour%s asked again (%s)", b->name, n,
			 n == 1 ? "" : "s", addrs);
}

static void ng_link_event(struct sw_ctx *ctx, const struct link_event *ev)
{
	const struct sw_link *l = ev->link;
	struct rt_bridge *b;

	if (ev->type != LINK_CHANGED || !(ev->changed & LC_CARRIER) || !l->carrier)
		return;
	/* the bridge, or its attached uplink, has carrier again (the event
	 * comes after the kernel restarted its queue): requests wait for the
	 * end of the batch */
	b = rt_bridge(&ctx->rt, l->name);
	if (!b && l->master) {
		const struct sw_link *m = linkdb_by_index(&ctx->db, l->master);

		b = m ? rt_bridge(&ctx->rt, m->name) : NULL;
		if (b && !rt_port_of_link(ctx, b, l->ifindex))
			b = NULL; /* a guest's carrier says nothing of the network */
	}
	if (ng(b))
		ng(b)->retry = true;
}

static void ng_settle(struct sw_ctx *ctx)
{
	for (size_t i = 0; i < ctx->rt.nbridges; i++)
		if (ng(&ctx->rt.bridges[i]) && ng(&ctx->rt.bridges[i])->retry)
			retry(ctx, &ctx->rt.bridges[i]);
}

static void ng_uplink_active(struct sw_ctx *ctx, struct rt_bridge *b, struct uplink_change *ch)
{
	(void)ch;
	if (ng(b))
		retry(ctx, b);
}

const struct sw_feature neigh_feature = {
	.name = "neigh",
	.bridge_priv_size = sizeof(struct ng_bridge),
	.link_event = ng_link_event,
	.settle = ng_settle,
	.uplink_active = ng_uplink_active,
};
