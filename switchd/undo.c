/*
 * switchd --undo: the plan that turns the bridges back into plain NICs.
 */

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "apply.h"
#include "switchd.h"
#include "undo.h"
#include "util.h"

#define UNDO_ALIAS "switchd" /* what switchd marks its devices with */

struct undo_ctx {
	const struct sw_conf *conf;
	const struct sw_linkdb *db;
	struct sw_plan *p;
	int group;
};

static struct sw_action *undo_add(struct undo_ctx *u, enum sw_action_kind kind,
				  const struct sw_link *l, const char *why)
{
	struct sw_action *a = plan_add(u->p, kind, u->group);

	if (a) {
		a->ifindex = l->ifindex;
		sw_strlcpy(a->dev, l->name, sizeof(a->dev));
		snprintf(a->why, sizeof(a->why), "%s", why);
	}
	return a;
}

static bool undo_is_link_local6(const struct sw_addr *a)
{
	return a->family == AF_INET6 && a->local[0] == 0xfe && (a->local[1] & 0xc0) == 0x80;
}

/* A port had IPv6 and ARP answers off (policy.c, plan.c): a plain NIC has
 * them on. The address generation first, so IPv6 coming back makes the
 * link-local the NIC had. */
static int undo_port_voice(struct undo_ctx *u, const struct sw_link *l)
{
	static const int keys[] = { SK_DISABLE_IPV6, SK_ARP_IGNORE };
	struct sw_action *a = undo_add(u, ACT_ADDR_GEN_EUI64, l, "a plain NIC has its link-local");

	if (!a)
		return -ENOMEM;
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		a = undo_add(u, ACT_SYSCTL, l, keys[k] == SK_DISABLE_IPV6 ?
					   "a plain NIC speaks IPv6" : "a plain NIC answers ARP");
		if (!a)
			return -ENOMEM;
		a->sk_key = keys[k];
		a->sk_value = 0; /* the kernel's default; conf/all still applies (max) */
		a->sk_old = -1;	 /* read when it runs */
	}
	return 0;
}

/* The bridge's label "eth0:1" on the NIC as "hweth0:1": renaming the NIC
 * to eth0 then makes it "eth0:1" again (the kernel renames labels). */
static void undo_relabel(struct sw_addr *a, const char *bridge, const char *nic)
{
	size_t bl = strlen(bridge);
	char label[2 * SW_IFNAMSIZ];

	if (!a->label[0])
		return;
	if (strncmp(a->label, bridge, bl) || strlen(nic) + strlen(a->label + bl) >= SW_IFNAMSIZ) {
		a->label[0] = '\0';
		return;
	}
	snprintf(label, sizeof(label), "%s%s", nic, a->label + bl);
	sw_strlcpy(a->label, label, sizeof(a->label));
}

static int undo_move_addresses(struct undo_ctx *u, const struct sw_link *br,
			       const struct sw_link *nic)
{
	for (size_t i = 0; i < u->db->naddrs; i++) {
		const struct sw_addr *addr = &u->db->addrs[i];
		struct sw_action *a;

		if (addr->ifindex != br->ifindex || undo_is_link_local6(addr))
			continue;
		a = undo_add(u, ACT_ADDR_ADD, nic, "");
		if (!a)
			return -ENOMEM;
		a->addr = *addr;
		undo_relabel(&a->addr, br->name, nic->name);
		snprintf(a->why, sizeof(a->why), "moved back from %s", br->name);
	}
	for (size_t i = 0; i < u->db->nroutes; i++) {
		const struct sw_route *r = &u->db->routes[i];
		struct sw_action *a;

		/* the kernel's own (prefix routes) follow the addresses; RA
		 * routes are learned again on the NIC */
		if (!nlp_route_uses_ifindex(r, br->ifindex) || r->rtm.rtm_protocol == RTPROT_RA)
			continue;
		a = undo_add(u, ACT_ROUTE_ADD, nic, "");
		if (!a || !(a->route = malloc(sizeof(*a->route))))
			return -ENOMEM;
		*a->route = *r;
		a->from_ifindex = br->ifindex;
		snprintf(a->why, sizeof(a->why), "moved back from %s", br->name);
	}
	return 0;
}

/* The NIC that takes the bridge's place: its active port, else its first
 * present port (in the config's order). */
static const struct sw_link *undo_pick_nic(struct undo_ctx *u, const struct sw_conf_bridge *cb,
					   const struct sw_link *br)
{
	const struct sw_link *first = NULL;

	for (size_t i = 0; i < cb->nports; i++) {
		const struct sw_conf_nic *nic = conf_find_nic(u->conf, cb->ports[i]);
		const struct sw_link *l = nic ? plan_find_nic(u->conf, u->db, nic) : NULL;

		if (!l)
			continue;
		if (l->master == br->ifindex)
			return l;
		if (!first && !l->master)
			first = l;
	}
	return first;
}

/* Is name free once this plan's renames and deletions have run? */
static bool undo_name_free(struct undo_ctx *u, const char *name)
{
	const struct sw_link *l = linkdb_by_name(u->db, name);

	if (!l)
		return !conf_find_bridge(u->conf, name);
	for (size_t i = 0; i < u->p->n; i++)
		if (u->p->v[i].ifindex == l->ifindex &&
		    (u->p->v[i].kind == ACT_LINK_DELETE || u->p->v[i].kind == ACT_RENAME))
			return true;
	return false;
}

static int undo_bridge(struct undo_ctx *u, const struct sw_conf_bridge *cb)
{
	struct sw_plan_group *g = &u->p->groups[u->group];
	const struct sw_link *br = linkdb_by_name(u->db, cb->name), *nic;
	struct sw_action *a;

	if (!br)
		return 0; /* never converted: nothing to undo */
	if (strcmp(br->kind, "bridge") || strcmp(br->alias, UNDO_ALIAS)) {
		snprintf(g->error, sizeof(g->error),
			 "%s is not a bridge switchd made (no alias \"%s\"): left alone", cb->name,
			 UNDO_ALIAS);
		return 0;
	}
	nic = undo_pick_nic(u, cb, br);
	if (!nic && cb->nports) {
		snprintf(g->error, sizeof(g->error),
			 "bridge %s: none of its ports (%s...) is present to take its addresses back",
			 cb->name, cb->ports[0]);
		return 0;
	}
	/* IPv6 and ARP back on every port, before the NIC carries addresses */
	for (size_t i = 0; i < cb->nports; i++) {
		const struct sw_conf_nic *cn = conf_find_nic(u->conf, cb->ports[i]);
		const struct sw_link *l = cn ? plan_find_nic(u->conf, u->db, cn) : NULL;

		if (l && undo_port_voice(u, l))
			return -ENOMEM;
	}
	if (nic && nic->master == br->ifindex) {
		a = undo_add(u, ACT_RELEASE, nic, "the NIC carries the host again");
		if (!a)
			return -ENOMEM;
		sw_strlcpy(a->arg, br->name, sizeof(a->arg));
	}
	if (nic && !(nic->flags & IFF_UP) && !undo_add(u, ACT_SET_UP, nic, "it carries the host"))
		return -ENOMEM;
	if (nic && undo_move_addresses(u, br, nic))
		return -ENOMEM;
	/* the taps switchd made on it (persistent; nobody else deletes them) */
	for (size_t i = 0; i < u->db->nlinks; i++) {
		const struct sw_link *l = &u->db->links[i];

		if (strcmp(l->kind, "tun") || strcmp(l->alias, UNDO_ALIAS))
			continue;
		if (l->master != br->ifindex) {
			const struct sw_conf_tap *t = conf_find_tap(u->conf, l->name);

			if (l->master || !t || strcmp(t->bridge, cb->name))
				continue;
		}
		if (!undo_add(u, ACT_LINK_DELETE, l, "a tap switchd made"))
			return -ENOMEM;
	}
	if (!undo_add(u, ACT_LINK_DELETE, br, "the bridge switchd made"))
		return -ENOMEM;
	if (nic) {
		a = undo_add(u, ACT_RENAME, nic, "");
		if (!a)
			return -ENOMEM;
		sw_strlcpy(a->arg, cb->name, sizeof(a->arg));
		snprintf(a->why, sizeof(a->why), "the NIC takes the bridge's name back");
	}
	/* standbys configured by their old name get it back */
	for (size_t i = 0; i < cb->nports; i++) {
		const struct sw_conf_nic *cn = conf_find_nic(u->conf, cb->ports[i]);
		const struct sw_link *l = cn ? plan_find_nic(u->conf, u->db, cn) : NULL;

		if (!l || l == nic || !cn->match_name[0] || !strcmp(l->name, cn->match_name) ||
		    !undo_name_free(u, cn->match_name))
			continue;
		a = undo_add(u, ACT_RENAME, l, "");
		if (!a)
			return -ENOMEM;
		sw_strlcpy(a->arg, cn->match_name, sizeof(a->arg));
		snprintf(a->why, sizeof(a->why), "its name before switchd (name = %s)",
			 cn->match_name);
	}
	return 0;
}

int undo_plan_build(const struct sw_conf *conf, const struct sw_linkdb *db, struct sw_plan *plan)
{
	struct undo_ctx u = { conf, db, plan, 0 };

	memset(plan, 0, sizeof(*plan));
	for (size_t b = 0; b < conf->nbridges; b++) {
		u.group = plan_group(plan, "undo bridge", conf->bridges[b].name);
		if (u.group < 0 || undo_bridge(&u, &conf->bridges[b]) < 0) {
			plan_free(plan);
			return -ENOMEM;
		}
	}
	/* a group that cannot be undone plans nothing */
	size_t w = 0;

	for (size_t i = 0; i < plan->n; i++) {
		if (plan->groups[plan->v[i].group].error[0]) {
			free(plan->v[i].route);
			continue;
		}
		plan->v[w++] = plan->v[i];
	}
	plan->n = w;
	return 0;
}

/* A daemon on the socket would convert the host again at once. */
static bool undo_daemon_running(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool up;

	sw_strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	up = fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	if (fd >= 0)
		close(fd);
	return up;
}

static void undo_report(void *arg, int group, const char *msg)
{
	(void)arg;
	(void)group;
	fprintf(stderr, "switchd: undo: %s\n", msg);
}

int undo_run(struct sw_ctx *ctx, bool print_only)
{
	struct sw_plan plan;
	int failed = 0;

	if (!print_only && undo_daemon_running(ctx->conf.socket_path)) {
		fprintf(stderr,
			"switchd: undo: switchd is running (socket %s) and would convert the host "
			"again: stop it first (systemctl stop switchd)\n",
			ctx->conf.socket_path);
		return 1;
	}
	if (undo_plan_build(&ctx->conf, &ctx->db, &plan) < 0) {
		fprintf(stderr, "switchd: undo: cannot plan: out of memory\n");
		return 1;
	}
	if (print_only) {
		int errors = plan_print(stdout, &plan);

		if (!plan.n)
			printf("nothing to undo\n");
		plan_free(&plan);
		return errors ? 1 : 0;
	}
	for (size_t g = 0; g < plan.ngroups; g++)
		if (plan.groups[g].error[0])
			fprintf(stderr, "switchd: undo: %s\n", plan.groups[g].error);
	if (plan.n)
		failed = apply_plan(&ctx->nl, &plan, undo_report, NULL);
	if (!failed)
		printf("undone: %zu steps; the host has its plain NICs back\n", plan.n);
	plan_free(&plan);
	return failed ? 1 : 0;
}
