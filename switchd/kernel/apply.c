/*
 * Plan -> kernel, with undo. See apply.h.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_addr.h>

#include "apply.h"
#include "events.h"
#include "log.h"
#include "nl.h"
#include "sysctl.h"
#include "tap.h"

#define IN6_GEN_EUI64 0
#define IN6_GEN_NONE 1

struct undo {
	struct sw_action a; /* the inverse action, with ifindex resolved */
	char what[160];	    /* the action it undoes, for the log */
	bool done;
};

struct apply_undo {
	struct undo u;
};

/* Requests of a plan waiting to be sent together (see apply_plan_log). */
struct pending {
	size_t action;	      /* index in the plan */
	struct sw_action inv; /* its inverse, as do_action leaves it */
	int msg;	      /* index in the batch; -1: failed before it was sent */
	bool shared;	      /* its request carries other actions of the device too */
	bool skipped;	      /* an injected fault failed its request: reported on the first */
	int ret;
	char err[256];
};

/* The link changes of one device queued in a row (alias, attach, up: one
 * RTM_NEWLINK with all three, as `ip link set X master B alias A up`),
 * not yet in the batch. */
struct stage {
	bool active;
	int ifindex, group;
	bool has_alias;
	char alias[64];
	int master, up; /* -1: not set */
	bool fresh;	 /* a tap made by this apply (struct names) */
	size_t first, n; /* its entries in pend */
};

struct apply_state {
	struct sw_nl *nl;
	struct undo *undo;
	size_t nundo, cap;
	struct nl_batch *batch; /* NULL: every action on its own (out of memory) */
	struct pending *pend; /* NL_BATCH_MAX */
	size_t npend;
	struct stage stage;
};

/* The devices named by one apply, by name: what a plan creates is then
 * acted on without asking the kernel for its ifindex again (a tap takes
 * three more actions, each of which looked it up: 3N RTM_GETLINKs for N
 * taps). Renames keep the ifindex and update the name. */
struct names {
	struct name_slot {
		char name[SW_IFNAMSIZ];
		int ifindex; /* 0: empty, -1: deleted */
		bool fresh;  /* a tap this apply made: its link-watch event pends */
	} *v;
	size_t cap, used; /* cap: a power of two; used: slots not empty */
};

static size_t name_hash(const char *s)
{
	size_t h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static struct name_slot *names_find(struct names *nm, const char *name)
{
	if (!nm || !nm->cap)
		return NULL;
	for (size_t i = name_hash(name) & (nm->cap - 1);; i = (i + 1) & (nm->cap - 1)) {
		struct name_slot *sl = &nm->v[i];

		if (!sl->ifindex)
			return NULL;
		if (sl->ifindex > 0 && !strcmp(sl->name, name))
			return sl;
	}
}

/* Forget a device (by ifindex: renamed or deleted). A linear pass, but only
 * on renames, deletions and failures, never per action. */
static void names_forget(struct names *nm, int ifindex)
{
	for (size_t i = 0; nm && i < nm->cap; i++)
		if (nm->v[i].ifindex == ifindex)
			nm->v[i].ifindex = -1;
}

static void names_put(struct names *nm, const char *name, int ifindex)
{
	struct name_slot *sl;

	if (!nm || ifindex <= 0)
		return;
	if ((sl = names_find(nm, name))) {
		sl->ifindex = ifindex;
		return;
	}
	if ((nm->used + 1) * 2 > nm->cap) {
		struct names bigger = { calloc(nm->cap ? nm->cap * 2 : 64, sizeof(*nm->v)),
					nm->cap ? nm->cap * 2 : 64, 0 };

		if (!bigger.v)
			return; /* a cache: looked up again next time */
		for (size_t i = 0; i < nm->cap; i++)
			if (nm->v[i].ifindex > 0) {
				names_put(&bigger, nm->v[i].name, nm->v[i].ifindex);
				names_find(&bigger, nm->v[i].name)->fresh = nm->v[i].fresh;
			}
		free(nm->v);
		*nm = bigger;
	}
	for (size_t i = name_hash(name) & (nm->cap - 1);; i = (i + 1) & (nm->cap - 1)) {
		if (nm->v[i].ifindex > 0)
			continue;
		if (!nm->v[i].ifindex)
			nm->used++;
		sw_strlcpy(nm->v[i].name, name, sizeof(nm->v[i].name));
		nm->v[i].ifindex = ifindex;
		nm->v[i].fresh = false;
		return;
	}
}

static void names_clear(struct names *nm)
{
	if (nm->v)
		memset(nm->v, 0, nm->cap * sizeof(*nm->v));
	nm->used = 0;
}

/* A device named by the plan: its ifindex now (renames keep the ifindex). */
static int resolve(struct sw_nl *nl, struct names *nm, int ifindex, const char *name, char *err,
		   size_t errlen)
{
	struct sw_link l;
	int ret;

	struct name_slot *sl;

	if (ifindex > 0)
		return ifindex;
	if ((sl = names_find(nm, name)))
		return sl->ifindex;
	ret = nl_link_get(nl, 0, name, &l, err, errlen);
	if (ret < 0) {
		if (ret == -ENODEV)
			snprintf(err, errlen, "%s: no such device", name);
		return ret;
	}
	names_put(nm, name, l.ifindex);
	return l.ifindex;
}

static int do_action(struct sw_nl *nl, struct names *nm, const struct sw_action *a,
		     struct sw_action *inv, char *err, size_t errlen)
{
	int ifindex = 0, master, ret;

	*inv = *a;
	inv->route = NULL; /* the caller keeps its own copy */
	if (a->kind != ACT_BRIDGE_CREATE && a->kind != ACT_TAP_CREATE && a->kind != ACT_SYSCTL) {
		ifindex = resolve(nl, nm, a->ifindex, a->dev, err, errlen);
		if (ifindex < 0)
			return ifindex;
	}
	inv->ifindex = ifindex;

	switch (a->kind) {
	case ACT_RENAME:
		ret = nl_link_rename(nl, ifindex, a->arg, err, errlen);
		/* < 6.2 kernels refuse to rename a device that is up */
		if (ret == -EBUSY) {
			ret = nl_link_set_up(nl, ifindex, false, err, errlen);
			if (!ret)
				ret = nl_link_rename(nl, ifindex, a->arg, err, errlen);
			if (!nl_link_set_up(nl, ifindex, true, err, errlen) && !ret)
				log_info("%s: renamed while down (kernel < 6.2)", a->arg);
		}
		sw_strlcpy(inv->dev, a->arg, sizeof(inv->dev));
		snprintf(inv->arg, sizeof(inv->arg), "%s", a->dev);
		names_forget(nm, ifindex);
		if (!ret)
			names_put(nm, a->arg, ifindex);
		return ret;
	case ACT_SET_UP:
		inv->kind = ACT_SET_UP; /* marked below: the inverse brings it down */
		return nl_link_set_up(nl, ifindex, true, err, errlen);
	case ACT_BRIDGE_CREATE:
		ret = nl_bridge_create(nl, a->dev, a->has_mac ? a->mac : NULL, a->stp, &inv->ifindex,
				       err, errlen);
		if (!ret)
			names_put(nm, a->dev, inv->ifindex);
		return ret;
	case ACT_SET_ALIAS:
		return nl_link_set_alias(nl, ifindex, a->arg, err, errlen);
	case ACT_ADDR_GEN_NONE:
		return nl_link_set_addr_gen_mode(nl, ifindex, IN6_GEN_NONE, err, errlen);
	case ACT_ADDR_GEN_EUI64:
		return nl_link_set_addr_gen_mode(nl, ifindex, IN6_GEN_EUI64, err, errlen);
	case ACT_ADDR_ADD:
		inv->addr.ifindex = ifindex;
		return nl_addr_add(nl, &a->addr, ifindex, err, errlen);
	case ACT_ADDR_DEL:
		return nl_addr_del(nl, &a->addr, err, errlen);
	case ACT_ROUTE_ADD:
		inv->from_ifindex = a->from_ifindex;
		return nl_route_add(nl, a->route, a->from_ifindex, ifindex, err, errlen);
	case ACT_ROUTE_DEL:
		return nl_route_del(nl, a->route, err, errlen);
	case ACT_ENSLAVE:
	case ACT_RELEASE:
		master = a->master > 0 && a->kind == ACT_ENSLAVE ? a->master
								   : resolve(nl, nm, 0, a->arg, err, errlen);
		if (master < 0)
			return master;
		inv->master = master;
		return nl_link_set_master(nl, ifindex, a->kind == ACT_ENSLAVE ? master : 0, err,
					  errlen);
	case ACT_SWAP:
		master = a->master > 0 ? a->master : resolve(nl, nm, 0, a->arg, err, errlen);
		if (master < 0)
			return master;
		inv->master = master;
		return nl_bridge_swap_ports(nl, master, ifindex, a->from_ifindex, err, errlen);
	case ACT_TAP_CREATE:
		if ((ret = nl_fault(nl, "tap create", err, errlen)))
			return ret;
		ret = tap_create(a->dev, a->has_uid, a->uid, a->has_gid, a->gid, err, errlen);
		if (!ret) {
			/* one ioctl, not a netlink round trip with the whole link;
			 * its link-watch event is run in the batch (commit_stage) */
			int idx = nl_ifindex(nl, a->dev);
			struct name_slot *sl;

			inv->ifindex = idx > 0 ? idx : resolve(nl, nm, 0, a->dev, err, errlen);
			names_put(nm, a->dev, inv->ifindex);
			if ((sl = names_find(nm, a->dev)))
				sl->fresh = true;
		}
		return ret;
	case ACT_LINK_DELETE:
		names_forget(nm, ifindex);
		return nl_link_delete(nl, ifindex, err, errlen);
	case ACT_SYSCTL:
		inv->sk_value = a->sk_old;
		inv->sk_old = a->sk_value;
		/* planned without a snapshot (a port silenced before its up):
		 * the undo restores what is there now */
		if (a->sk_old < 0 && (ret = sk_read_one(SK_ROOT, a->dev, a->sk_key, &inv->sk_value)) < 0) {
			snprintf(err, errlen, "%s: reading %s: %s", a->dev, conf_sysctl_name(a->sk_key),
				 strerror(-ret));
			return ret;
		}
		return sk_write(SK_ROOT, a->dev, a->sk_key, a->sk_value, err, errlen);
	case ACT_PROXY_ADD:
		return nl_proxy_add(nl, ifindex, a->ip, err, errlen);
	case ACT_PROXY_DEL:
		return nl_proxy_del(nl, ifindex, a->ip, err, errlen);
	}
	snprintf(err, errlen, "unknown action %d", a->kind);
	return -EINVAL;
}

/*
 * The actions that go into a batch: one netlink request each, no reply
 * but the ack, nothing to look at in between, and no name they change. A
 * device still to be created is created synchronously before (a bridge by
 * netlink, a tap by ioctl), so its ifindex is known when its alias, attach
 * and up are queued; everything else (renames, creation, addresses, routes,
 * sysctls, swaps, deletion) runs on its own after the queue is flushed.
 */
static bool batchable(const struct sw_action *a)
{
	switch (a->kind) {
	case ACT_SET_UP:
	case ACT_SET_ALIAS:
	case ACT_ADDR_GEN_NONE:
	case ACT_ADDR_GEN_EUI64:
	case ACT_ENSLAVE:
	case ACT_RELEASE:
		return true;
	default:
		return false;
	}
}

/* Does it run (synchronously) without the batch flushed first? A tap is
 * created by ioctl: it needs nothing queued, and nothing queued renames or
 * frees a name. */
static bool runs_past_batch(const struct sw_action *a)
{
	return a->kind == ACT_TAP_CREATE;
}

/* The request of a batchable action into buf, its inverse into inv;
 * NULL with err set when a device cannot be resolved. */
static struct nlmsghdr *action_msg(struct sw_nl *nl, struct names *nm, const struct sw_action *a,
				   struct sw_action *inv, char *buf, int *ret, char *err,
				   size_t errlen)
{
	int ifindex, master;

	*inv = *a;
	inv->route = NULL;
	ifindex = resolve(nl, nm, a->ifindex, a->dev, err, errlen);
	if (ifindex < 0) {
		*ret = ifindex;
		return NULL;
	}
	inv->ifindex = ifindex;
	switch (a->kind) {
	case ACT_SET_UP:
		return nl_msg_set_up(buf, ifindex, true);
	case ACT_SET_ALIAS:
		return nl_msg_set_alias(buf, ifindex, a->arg);
	case ACT_ADDR_GEN_NONE:
		return nl_msg_set_addr_gen_mode(buf, ifindex, IN6_GEN_NONE);
	case ACT_ADDR_GEN_EUI64:
		return nl_msg_set_addr_gen_mode(buf, ifindex, IN6_GEN_EUI64);
	case ACT_ENSLAVE:
	case ACT_RELEASE:
		master = a->master > 0 && a->kind == ACT_ENSLAVE ? a->master
								   : resolve(nl, nm, 0, a->arg, err, errlen);
		if (master < 0) {
			*ret = master;
			return NULL;
		}
		inv->master = master;
		return nl_msg_set_master(buf, ifindex, a->kind == ACT_ENSLAVE ? master : 0);
	default:
		break;
	}
	snprintf(err, errlen, "%s: not batchable", a->dev);
	*ret = -EINVAL;
	return NULL;
}

int apply_action(struct sw_nl *nl, const struct sw_action *a, char *err, size_t errlen)
{
	struct sw_action inv;

	return do_action(nl, NULL, a, &inv, err, errlen);
}

/* Run the inverse of a done action. */
static int undo_action(struct sw_nl *nl, const struct sw_action *d, char *err, size_t errlen)
{
	struct sw_route moved;

	switch (d->kind) {
	case ACT_RENAME:
		return nl_link_rename(nl, d->ifindex, d->arg, err, errlen);
	case ACT_SET_UP:
		return nl_link_set_up(nl, d->ifindex, false, err, errlen);
	case ACT_BRIDGE_CREATE:
	case ACT_TAP_CREATE:
		return d->ifindex > 0 ? nl_link_delete(nl, d->ifindex, err, errlen) : 0;
	case ACT_SET_ALIAS:
		return nl_link_set_alias(nl, d->ifindex, "", err, errlen);
	case ACT_ADDR_GEN_NONE:
		return nl_link_set_addr_gen_mode(nl, d->ifindex, IN6_GEN_EUI64, err, errlen);
	case ACT_ADDR_GEN_EUI64:
		return nl_link_set_addr_gen_mode(nl, d->ifindex, IN6_GEN_NONE, err, errlen);
	case ACT_ADDR_ADD:
		return nl_addr_del(nl, &d->addr, err, errlen);
	case ACT_ADDR_DEL:
		return nl_addr_add(nl, &d->addr, d->addr.ifindex, err, errlen);
	case ACT_ROUTE_ADD:
		moved = *d->route;
		nlp_route_retarget(&moved, d->from_ifindex, d->ifindex);
		return nl_route_del(nl, &moved, err, errlen);
	case ACT_ROUTE_DEL:
		return nl_route_add(nl, d->route, 0, 0, err, errlen);
	case ACT_ENSLAVE:
		return nl_link_set_master(nl, d->ifindex, 0, err, errlen);
	case ACT_RELEASE:
		return nl_link_set_master(nl, d->ifindex, d->master, err, errlen);
	case ACT_SWAP:
		/* put the previous port back first: the bridge keeps carrier */
		return nl_bridge_swap_ports(nl, d->master, d->from_ifindex, d->ifindex, err, errlen);
	case ACT_LINK_DELETE:
		return 0;
	case ACT_SYSCTL:
		return sk_write(SK_ROOT, d->dev, d->sk_key, d->sk_value, err, errlen);
	case ACT_PROXY_ADD:
		return nl_proxy_del(nl, d->ifindex, d->ip, err, errlen);
	case ACT_PROXY_DEL:
		return nl_proxy_add(nl, d->ifindex, d->ip, err, errlen);
	}
	return 0;
}

static int push_undo(struct apply_state *st, const struct sw_action *inv, const struct sw_action *a)
{
	struct undo *u;

	if (st->nundo == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 32;
		struct undo *v = realloc(st->undo, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		st->undo = v;
		st->cap = cap;
	}
	u = &st->undo[st->nundo++];
	u->a = *inv;
	u->a.route = NULL;
	u->done = true;
	action_describe(a, u->what, sizeof(u->what));
	if (a->route) {
		u->a.route = malloc(sizeof(*u->a.route));
		if (!u->a.route) {
			st->nundo--;
			return -ENOMEM;
		}
		*u->a.route = *a->route;
	}
	return 0;
}

static void rollback_group(struct apply_state *st, int group, const char *gname)
{
	for (size_t i = st->nundo; i-- > 0;) {
		struct undo *u = &st->undo[i];
		char err[256] = "";

		if (u->a.group != group || !u->done)
			continue;
		u->done = false;
		if (undo_action(st->nl, &u->a, err, sizeof(err)) < 0)
			log_warnx("%s: rollback of \"%s\" failed: %s", gname, u->what, err);
		else
			log_info("%s: undone: %s", gname, u->what);
	}
}

/* For each group that fails with a bridge (a tap, a guest: depends), the
 * index of that bridge's group, or -1. Found once, among the bridge groups
 * only: a plan of thousands of taps asked it for every action. */
static int *dependencies(const struct sw_plan *plan)
{
	int *dep = malloc((plan->ngroups + 1) * sizeof(*dep));
	size_t nbridges = 0;
	int *bridges = malloc((plan->ngroups + 1) * sizeof(*bridges));

	if (!dep || !bridges) {
		free(dep);
		free(bridges);
		return NULL;
	}
	for (size_t i = 0; i < plan->ngroups; i++)
		if (strncmp(plan->groups[i].name, "bridge ", 7) == 0)
			bridges[nbridges++] = (int)i;
	for (size_t i = 0; i < plan->ngroups; i++) {
		dep[i] = -1;
		for (size_t k = 0; plan->groups[i].depends[0] && k < nbridges; k++)
			if (!strcmp(plan->groups[bridges[k]].name + 7, plan->groups[i].depends))
				dep[i] = bridges[k];
	}
	free(bridges);
	return dep;
}

static bool group_failed(const struct sw_plan *plan, const bool *failed, const int *dep,
			 int group)
{
	if (group < 0)
		return false;
	if (failed[group])
		return true;
	if (dep)
		return dep[group] >= 0 && failed[dep[group]];
	/* out of memory for the table: the walk */
	const struct sw_plan_group *g = &plan->groups[group];

	if (!g->depends[0])
		return false;
	for (size_t i = 0; i < plan->ngroups; i++) {
		const char *name = plan->groups[i].name;

		if (failed[i] && strncmp(name, "bridge ", 7) == 0 && strcmp(name + 7, g->depends) == 0)
			return true;
	}
	return false;
}

int apply_plan(struct sw_nl *nl, const struct sw_plan *plan, apply_report_fn report, void *arg)
{
	return apply_plan_log(nl, plan, report, arg, NULL);
}

/* Move the inverses of the groups that succeeded into log (the rest are
 * freed by the caller). */
static void keep_undo(struct apply_state *st, const bool *failed, struct apply_log *log)
{
	for (size_t i = 0; i < st->nundo; i++) {
		struct undo *u = &st->undo[i];

		if (!u->done || (u->a.group >= 0 && failed[u->a.group]))
			continue;
		if (u->a.kind == ACT_LINK_DELETE) {
			log->irreversible++;
			continue;
		}
		if (log->n == log->cap) {
			size_t cap = log->cap ? log->cap * 2 : 32;
			struct apply_undo *v = realloc(log->v, cap * sizeof(*v));

			if (!v) {
				log->irreversible++;
				continue;
			}
			log->v = v;
			log->cap = cap;
		}
		log->v[log->n++].u = *u;
		u->a.route = NULL; /* owned by the log now */
	}
}

int apply_log_undo(struct sw_nl *nl, struct apply_log *log, apply_report_fn report, void *arg)
{
	int failed = 0;

	for (size_t i = log->n; i-- > 0;) {
		struct undo *u = &log->v[i].u;
		char err[256] = "", msg[600];

		if (undo_action(nl, &u->a, err, sizeof(err)) < 0) {
			snprintf(msg, sizeof(msg), "undo of \"%s\" failed: %s", u->what, err);
			log_warnx("%s", msg);
			if (report)
				report(arg, -1, msg);
			failed++;
		} else {
			log_info("undone: %s", u->what);
		}
		free(u->a.route);
		u->a.route = NULL;
	}
	log->n = 0;
	return failed;
}

void apply_log_free(struct apply_log *log)
{
	for (size_t i = 0; i < log->n; i++)
		free(log->v[i].u.a.route);
	free(log->v);
	memset(log, 0, sizeof(*log));
}

/* The plan-wide state of apply_plan_log. */
struct run {
	const struct sw_plan *plan;
	const int *dep;
	bool *failed;
	int nfailed;
	struct names *names;
	apply_report_fn report;
	void *arg;
};

static const char *group_name(const struct sw_plan *plan, int group)
{
	return group >= 0 ? plan->groups[group].name : "switchd";
}

/* An action failed: log and report it; its group fails (the caller rolls
 * it back). A second failure of a group already failed is only logged. */
static void action_failed(struct run *r, const struct sw_action *a, int ret, const char *err)
{
	char what[256], msg[600];

	action_describe(a, what, sizeof(what));
	snprintf(msg, sizeof(msg), "%s: %s: %s", group_name(r->plan, a->group), what,
		 err[0] ? err : strerror(-ret));
	log_warnx("%s", msg);
	if (a->group >= 0 && r->failed[a->group])
		return;
	if (r->report)
		r->report(r->arg, a->group, msg);
	if (a->group >= 0) {
		r->failed[a->group] = true;
		r->nfailed++;
	}
}

/*
 * Send the queued requests and settle each in plan order: a success joins
 * the undo log; the first failure of a group fails it. Then, as when every
 * action ran on its own: a group that depends on a bridge that failed here
 * and did something in this batch is rolled back and reported as skipped;
 * each group that failed here is rolled back, which undoes what of it
 * succeeded before the failure, in this batch or earlier, and after it in
 * this batch (the kernel ran those too), newest first.
 */
static void commit_stage(struct apply_state *st);

static void flush(struct apply_state *st, struct run *r)
{
	size_t np = st->npend, nbad = 0;
	int bad[NL_BATCH_MAX];

	commit_stage(st);
	if (!np)
		return;
	st->npend = 0;
	if (st->batch->n)
		nl_batch_send(st->nl, st->batch);
	for (size_t i = 0; i < np; i++) {
		struct pending *p = &st->pend[i];
		const struct sw_action *a = &r->plan->v[p->action];
		bool was_failed = a->group >= 0 && r->failed[a->group];

		if (p->skipped)
			continue;
		if (p->msg >= 0) {
			p->ret = st->batch->acks[p->msg].ret;
			snprintf(p->err, sizeof(p->err), "%s", st->batch->acks[p->msg].text);
		}
		/* a request of several actions failed: which one, and what of it
		 * the kernel did, is found by running each on its own (again:
		 * what the request did is a no-op the second time) */
		if (p->shared && p->msg >= 0 && p->ret < 0) {
			p->err[0] = '\0';
			p->ret = do_action(st->nl, r->names, a, &p->inv, p->err, sizeof(p->err));
		}
		if (p->ret == 0 && push_undo(st, &p->inv, a) == 0) {
			char what[256];

			log_info("%s: %s", group_name(r->plan, a->group),
				 action_describe(a, what, sizeof(what)));
			continue;
		}
		if (p->ret == 0) {
			p->ret = -ENOMEM;
			snprintf(p->err, sizeof(p->err), "out of memory");
		}
		action_failed(r, a, p->ret, p->err);
		if (a->group >= 0 && !was_failed)
			bad[nbad++] = a->group;
	}
	if (!nbad)
		return;
	for (size_t i = 0; i < np; i++) {
		int g = r->plan->v[st->pend[i].action].group;
		char msg[600];

		if (g < 0 || r->failed[g] || !group_failed(r->plan, r->failed, r->dep, g))
			continue;
		r->failed[g] = true;
		r->nfailed++;
		snprintf(msg, sizeof(msg), "%s: skipped: bridge %s failed", r->plan->groups[g].name,
			 r->plan->groups[g].depends);
		log_warnx("%s", msg);
		if (r->report)
			r->report(r->arg, g, msg);
		rollback_group(st, g, r->plan->groups[g].name);
	}
	for (size_t i = 0; i < nbad; i++)
		rollback_group(st, bad[i], r->plan->groups[bad[i]].name);
	names_clear(r->names); /* the rollback renamed and deleted behind it */
}

/* The staged link changes into the batch as one request. */
static void commit_stage(struct apply_state *st)
{
	struct stage *sg = &st->stage;
	char buf[MNL_SOCKET_BUFFER_SIZE], err[256] = "";
	int msg;

	if (!sg->active)
		return;
	sg->active = false;
	/* A tap made a moment ago gets its pending link-watch event run before
	 * it is attached or brought up, in the same batch: left with operstate
	 * UNKNOWN, the bridge takes the port for up, forwards on it without a
	 * carrier until link-watch runs (up to N/100 s), and every such port
	 * it adds walks all the others (br_port_state_selection): 1000 taps
	 * attached in ~470 ms instead of ~250 (kernel-notes 38). (A guest's
	 * tap was looked up by guests.c already; a NIC is not new.) Its
	 * answer is not looked at: a device that is gone fails the request
	 * after it. */
	if (sg->fresh && (sg->master > 0 || sg->up == 1))
		nl_batch_add(st->nl, st->batch, nl_msg_link_sync(buf, sg->ifindex), err, sizeof(err));
	msg = nl_batch_add(st->nl, st->batch,
			   nl_msg_link_set(buf, sg->ifindex, sg->has_alias ? sg->alias : NULL,
					   sg->master, sg->up),
			   err, sizeof(err));
	for (size_t i = sg->first; i < sg->first + sg->n; i++) {
		struct pending *p = &st->pend[i];

		p->shared = sg->n > 1;
		if (msg >= 0) {
			p->msg = msg;
			continue;
		}
		/* refused before it was sent (the fault injection): the first
		 * action fails, the others of the request were not tried */
		p->ret = msg;
		snprintf(p->err, sizeof(p->err), "%s", err);
		p->skipped = i > sg->first;
	}
}

/* Queue a batchable action (the caller flushed a full batch). */
static void enqueue(struct apply_state *st, struct run *r, size_t i)
{
	const struct sw_action *a = &r->plan->v[i];
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct pending *p = &st->pend[st->npend];
	struct stage *sg = &st->stage;

	memset(p, 0, sizeof(*p));
	p->action = i;
	p->msg = -1;
	nlh = action_msg(st->nl, r->names, a, &p->inv, buf, &p->ret, p->err, sizeof(p->err));
	if (nlh && (a->kind == ACT_SET_UP || a->kind == ACT_SET_ALIAS || a->kind == ACT_ENSLAVE ||
		    a->kind == ACT_RELEASE)) {
		int master = a->kind == ACT_ENSLAVE ? p->inv.master : a->kind == ACT_RELEASE ? 0 : -1;
		bool fits = sg->active && sg->ifindex == p->inv.ifindex && sg->group == a->group &&
			    !(a->kind == ACT_SET_ALIAS && sg->has_alias) &&
			    !(master >= 0 && sg->master >= 0) && !(a->kind == ACT_SET_UP && sg->up >= 0);

		if (!fits) {
			struct name_slot *sl = names_find(r->names, a->dev);

			commit_stage(st);
			*sg = (struct stage){ .active = true, .ifindex = p->inv.ifindex,
					      .group = a->group, .master = -1, .up = -1,
					      .fresh = sl && sl->fresh && sl->ifindex == p->inv.ifindex,
					      .first = st->npend };
		}
		if (a->kind == ACT_SET_ALIAS) {
			sg->has_alias = true;
			sw_strlcpy(sg->alias, a->arg, sizeof(sg->alias));
		} else if (master >= 0) {
			sg->master = master;
		} else {
			sg->up = 1;
		}
		sg->n++;
		st->npend++;
		return;
	}
	commit_stage(st);
	st->npend++;
	if (nlh) {
		p->msg = nl_batch_add(st->nl, st->batch, nlh, p->err, sizeof(p->err));
		if (p->msg < 0) {
			p->ret = p->msg;
			p->msg = -1;
		}
	}
}

int apply_plan_log(struct sw_nl *nl, const struct sw_plan *plan, apply_report_fn report,
		   void *arg, struct apply_log *log)
{
	int *dep = dependencies(plan);
	struct names names = { 0 };
	struct apply_state st = { .nl = nl };
	bool failed[plan->ngroups + 1];
	struct run r = { plan, dep, failed, 0, &names, report, arg };

	memset(failed, 0, sizeof(failed));
	/* many requests per sendmsg: one round trip for up to NL_BATCH_MAX
	 * actions rather than one each (without memory: one at a time) */
	st.batch = malloc(sizeof(*st.batch));
	/* a queue of at most NL_BATCH_MAX (a swap's plan needs a few) */
	st.pend = malloc((plan->n < NL_BATCH_MAX ? plan->n + 1 : NL_BATCH_MAX) * sizeof(*st.pend));
	if (!st.batch || !st.pend) {
		free(st.batch);
		free(st.pend);
		st.batch = NULL;
		st.pend = NULL;
	} else {
		st.batch->n = 0;
		st.batch->len = 0;
	}
	log_hold(); /* a line an action: a few KiB a write (log.c) */
	for (size_t i = 0; i < plan->n; i++) {
		const struct sw_action *a = &plan->v[i];
		const char *gname = group_name(plan, a->group);
		struct sw_action inv;
		char err[256] = "", what[256], msg[600];
		bool queue = st.batch && batchable(a);
		int ret;

		if (st.batch && !queue)
			commit_stage(&st); /* its request is counted (nl_fault) before this */
		/* room for the staged request and one more: two messages each */
		if (st.batch && (!queue || st.npend == NL_BATCH_MAX || st.batch->n + 4 > NL_BATCH_MAX ||
				 st.batch->len + 1024 > sizeof(st.batch->buf)) &&
		    !runs_past_batch(a))
			flush(&st, &r);
		if (group_failed(plan, failed, dep, a->group)) {
			if (a->group >= 0 && !failed[a->group]) {
				failed[a->group] = true;
				r.nfailed++;
				snprintf(msg, sizeof(msg), "%s: skipped: bridge %s failed", gname,
					 plan->groups[a->group].depends);
				/* the held lines before it first (switchd --undo
				 * prints reports on stderr itself); the other
				 * reports follow a warning, which writes them */
				if (report) {
					log_flush();
					report(arg, a->group, msg);
				}
			}
			continue;
		}
		if (queue) {
			enqueue(&st, &r, i);
			continue;
		}
		action_describe(a, what, sizeof(what));
		ret = do_action(nl, &names, a, &inv, err, sizeof(err));
		if (ret == 0 && push_undo(&st, &inv, a) == 0) {
			log_info("%s: %s", gname, what);
			continue;
		}
		if (st.batch)
			flush(&st, &r); /* what was queued before it settles first */
		if (ret == 0)
			snprintf(err, sizeof(err), "out of memory");
		action_failed(&r, a, ret, err);
		if (a->group >= 0) {
			rollback_group(&st, a->group, gname);
			names_clear(&names); /* the rollback renamed and deleted behind it */
		}
	}
	if (st.batch)
		flush(&st, &r);
	log_release();
	free(st.batch);
	free(st.pend);
	free(names.v);
	free(dep);
	if (log)
		keep_undo(&st, failed, log);
	for (size_t i = 0; i < st.nundo; i++)
		free(st.undo[i].a.route);
	free(st.undo);
	return r.nfailed;
}

struct err_sink {
	char *err;
	size_t len;
};

static void keep_error(void *arg, int group, const char *msg)
{
	struct err_sink *sink = arg;

	(void)group;
	snprintf(sink->err, sink->len, "%s", msg);
}

int apply_group(struct sw_nl *nl, const char *gname, struct sw_action *acts, size_t n, char *err,
		size_t errlen)
{
	struct sw_plan_group group = { 0 };
	struct sw_plan plan = { .v = acts, .n = n, .cap = n, .groups = &group, .ngroups = 1 };
	struct err_sink sink = { err, errlen };

	sw_strlcpy(group.name, gname, sizeof(group.name));
	for (size_t i = 0; i < n; i++)
		acts[i].group = 0;
	return apply_plan(nl, &plan, keep_error, &sink) > 0 ? -EIO : 0;
}

int apply_change(struct sw_nl *nl, const struct sw_plan *plan, char *err, size_t errlen,
		 struct apply_log *log)
{
	struct err_sink sink = { err, errlen };

	if (errlen)
		err[0] = '\0';
	return apply_plan_log(nl, plan, keep_error, &sink, log) > 0 ? -EIO : 0;
}

void apply_report_event(void *arg, int group, const char *msg)
{
	(void)group;
	events_emit(arg, "error", json_pack("{s:s}", "error", msg), "%s", msg);
}

int apply_report_plan_errors(struct sw_events *evs, const struct sw_plan *plan)
{
	int failed = 0;

	for (size_t g = 0; g < plan->ngroups; g++) {
		if (!plan->groups[g].error[0])
			continue;
		failed++;
		events_emit(evs, "error",
			    json_pack("{s:s,s:s}", "group", plan->groups[g].name, "error",
				      plan->groups[g].error),
			    "%s: %s", plan->groups[g].name, plan->groups[g].error);
	}
	return failed;
}
