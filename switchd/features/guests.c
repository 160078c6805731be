/*
 * See guests.h.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "conf.h"
#include "guests.h"
#include "link.h"
#include "log.h"
#include "plan.h"
#include "runtime.h"
#include "switchd.h"

/* this feature's slot in the run-time state */
#define SLOT feature_slot(&guests_feature)

#define GUESTS_PENDING_MAX 4096

struct gu_state {
	int *pending; /* ifindexes to look at after the batch */
	size_t npending;
	bool all;     /* after a resync: every device */
};

static struct gu_state *gu(struct sw_ctx *ctx)
{
	return ctx->rt.priv[SLOT];
}

const char *guests_pattern(const struct sw_conf_bridge *br, const char *ifname)
{
	for (size_t i = 0; br && i < br->nguests; i++)
		if (fnmatch(br->guests[i], ifname, 0) == 0)
			return br->guests[i];
	return NULL;
}

static bool is_configured_nic(struct sw_ctx *ctx, const struct sw_link *l)
{
	for (size_t i = 0; i < ctx->conf.nnics; i++)
		if (plan_find_nic(&ctx->conf, &ctx->db, &ctx->conf.nics[i]) == l)
			return true;
	return false;
}

/* Is this device, as the model has it, a guest to attach? */
static const struct sw_conf_bridge *guest_bridge(struct sw_ctx *ctx, const struct sw_link *l)
{
	const struct sw_conf_bridge *br = conf_bridge_of_guest(&ctx->conf, l->name);

	if (!br || l->master || strcmp(l->kind, "bridge") == 0 ||
	    conf_find_tap(&ctx->conf, l->name) || strcmp(l->alias, SW_ALIAS) == 0 ||
	    is_configured_nic(ctx, l))
		return NULL;
	return br;
}

/* One guest of a settle's plan (its group's index in the plan is its own). */
struct gu_attach {
	char name[SW_IFNAMSIZ];
	const char *bridge, *pattern;
	char err[512]; /* the group's failure, if it failed */
};

struct gu_batch {
	struct gu_attach *v;
	size_t n;
};

static void keep_failure(void *arg, int group, const char *msg)
{
	struct gu_batch *b = arg;

	if (group >= 0 && (size_t)group < b->n && !b->v[group].err[0])
		snprintf(b->v[group].err, sizeof(b->v[group].err), "%s", msg);
}

/* Plan the attach of one guest into plan (a group of its own), if it is
 * still one: 1 when planned, 0 when not, -ENOMEM. */
static int plan_one(struct sw_ctx *ctx, int ifindex, struct sw_plan *plan, struct gu_attach *g)
{
	const struct sw_link *seen = linkdb_by_index(&ctx->db, ifindex);
	const struct sw_conf_bridge *br = seen ? guest_bridge(ctx, seen) : NULL;
	const struct sw_link *bl = br ? linkdb_by_name(&ctx->db, br->name) : NULL;
	struct sw_link now;
	char err[512];

	if (!br || !bl || strcmp(bl->kind, "bridge"))
		return 0;
	/* the event may be older than the device: act on its state now */
	if (nl_link_get(&ctx->nl, ifindex, NULL, &now, err, sizeof(err)) < 0)
		return 0;
	if (now.master || strcmp(now.alias, SW_ALIAS) == 0 || strcmp(now.name, seen->name))
		return 0;

	struct plan_port pb = { br->name, bl }, pg = { now.name, &now };
	const char *pattern = guests_pattern(br, now.name);
	char why[96];

	snprintf(why, sizeof(why), "matches guests = %s of %s", pattern ? pattern : "?", br->name);
	if (plan_guest_attach(plan, &pb, &pg, why) < 0) {
		log_warnx("guest %s: out of memory", now.name);
		return -ENOMEM;
	}
	memset(g, 0, sizeof(*g));
	sw_strlcpy(g->name, now.name, sizeof(g->name));
	g->bridge = br->name;
	g->pattern = pattern;
	return 1;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/*
 * Attach the guests among these devices, all in one plan: a group each
 * (one fails, the others go on), their requests batched (apply.c: a burst
 * of thousands is a few sendmsgs, not two round trips a guest).
 */
static void attach_all(struct sw_ctx *ctx, int *ifindexes, size_t n)
{
	struct sw_plan plan = { 0 };
	struct gu_batch b = { calloc(n + 1, sizeof(*b.v)), 0 };

	if (!b.v) {
		log_warnx("guests: out of memory");
		return;
	}
	qsort(ifindexes, n, sizeof(*ifindexes), cmp_int);
	for (size_t i = 0; i < n; i++) {
		if (i && ifindexes[i] == ifindexes[i - 1])
			continue; /* noted twice */
		/* plan_guest_attach adds one group a guest: b.v[group] is it */
		if (plan_one(ctx, ifindexes[i], &plan, &b.v[plan.ngroups]) > 0)
			b.n = plan.ngroups;
	}
	if (b.n) {
		/* a burst of thousands: read back once, not notified of each */
		bool quiet = runtime_quiet_begin(ctx, plan.n);

		apply_plan(&ctx->nl, &plan, keep_failure, &b);
		if (quiet)
			runtime_quiet_end(ctx);
	}
	for (size_t g = 0; g < b.n; g++) {
		const struct gu_attach *a = &b.v[g];

		if (a->err[0])
			sw_event(ctx, "error",
				 json_pack("{s:s,s:s,s:s}", "bridge", a->bridge, "port", a->name,
					   "error", a->err),
				 "bridge %s: cannot attach guest %s: %s", a->bridge, a->name, a->err);
		else
			sw_event(ctx, "attach",
				 json_pack("{s:s,s:s,s:s,s:s?}", "bridge", a->bridge, "port", a->name,
					   "reason", "guest appeared", "pattern", a->pattern),
				 "bridge %s: attached guest %s (guests = %s)", a->bridge, a->name,
				 a->pattern ? a->pattern : "?");
	}
	free(b.v);
	plan_free(&plan);
}

static void note(struct gu_state *s, int ifindex)
{
	int *v;

	for (size_t i = 0; i < s->npending; i++)
		if (s->pending[i] == ifindex)
			return;
	if (s->npending >= GUESTS_PENDING_MAX) {
		s->all = true; /* a burst: look at every device instead */
		return;
	}
	v = realloc(s->pending, (s->npending + 1) * sizeof(*v));
	if (!v) {
		s->all = true;
		return;
	}
	s->pending = v;
	s->pending[s->npending++] = ifindex;
}

static void gu_link_event(struct sw_ctx *ctx, const struct link_event *ev)
{
	struct gu_state *s = gu(ctx);

	if (ev->type == DB_RESYNCED)
		s->all = true;
	else if ((ev->type == LINK_ADDED || (ev->type == LINK_CHANGED && (ev->changed & LC_NAME))) &&
		 guest_bridge(ctx, ev->link))
		note(s, ev->link->ifindex);
}

static void gu_settle(struct sw_ctx *ctx)
{
	struct gu_state *s = gu(ctx);
	int *pending = s->pending, *v;
	size_t n = s->npending, nv = 0;
	bool all = s->all;

	s->pending = NULL;
	s->npending = 0;
	s->all = false;
	if (!all && !n)
		return;
	/* indexes first: attaching changes the model under the walk */
	v = calloc((all ? ctx->db.nlinks : 0) + n + 1, sizeof(*v));
	if (!v) {
		free(pending);
		s->all = true; /* tried again at the next settle */
		return;
	}
	for (size_t i = 0; all && i < ctx->db.nlinks; i++)
		if (guest_bridge(ctx, &ctx->db.links[i]))
			v[nv++] = ctx->db.links[i].ifindex;
	for (size_t i = 0; i < n; i++)
		v[nv++] = pending[i];
	free(pending);
	attach_all(ctx, v, nv);
	free(v);
}

static int gu_init(struct sw_ctx *ctx)
{
	ctx->rt.priv[SLOT] = calloc(1, sizeof(struct gu_state));
	return ctx->rt.priv[SLOT] ? 0 : -ENOMEM;
}

static void gu_fini(struct sw_ctx *ctx)
{
	struct gu_state *s = gu(ctx);

	if (!s)
		return;
	free(s->pending);
	free(s);
	ctx->rt.priv[SLOT] = NULL;
}

const struct sw_feature guests_feature = {
	.name = "guests",
	.init = gu_init,
	.fini = gu_fini,
	.link_event = gu_link_event,
	.settle = gu_settle,
};
