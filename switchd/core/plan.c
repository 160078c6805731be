/*
 * The planner (pure): config + link model -> actions. See plan.h.
 *
 * Conversion of a bridge whose preferred NIC is eth0 (service name hweth0):
 *   rename eth0 -> hweth0        live on >= 6.2, keeps addresses and routes
 *   create bridge eth0           CREATE|EXCL, MAC pinned to the NIC's
 *   bring eth0 up
 *   copy addresses and routes    the same address may sit on two devices
 *   attach hweth0 to eth0        from now on frames reach eth0's stack
 *   remove hweth0's routes and addresses, and its IPv6 link-local
 * so the host keeps answering throughout (kernel-reference.md §2.10).
 * Anything already as configured is left alone: a second run plans nothing.
 */
#include <errno.h>
#include <fnmatch.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>

#include "plan.h"
#include "rename.h"


static bool is_bridge(const struct sw_link *l)
{
	return l && strcmp(l->kind, "bridge") == 0;
}

static bool is_tap(const struct sw_link *l)
{
	return l && strcmp(l->kind, "tun") == 0;
}

const struct sw_link *plan_find_nic(const struct sw_conf *conf, const struct sw_linkdb *db,
				    const struct sw_conf_nic *nic)
{
	const struct sw_link *l;

	(void)conf;
	/* one udev is still naming is not there yet (link_sync.h) */
	if (nic->has_mac)
		return (l = linkdb_by_mac(db, nic->mac)) && !l->udev_pending ? l : NULL;
	if (nic->path[0]) {
		/* the slot, whatever card is in it: IFLA_PARENT_DEV_BUS_NAME-NAME */
		for (size_t i = 0; i < db->nlinks; i++) {
			char path[96];

			l = &db->links[i];
			if (!l->parent_bus[0] || is_bridge(l) || is_tap(l) || l->udev_pending)
				continue;
			snprintf(path, sizeof(path), "%s-%s", l->parent_bus, l->parent_dev);
			if (!strcmp(path, nic->path))
				return l;
		}
		return NULL;
	}
	/* already converted: the NIC carries its service name. A tap named
	 * explicitly is taken (a NIC stand-in); taps are never matched by MAC. */
	l = linkdb_by_name(db, nic->name);
	if (l && !is_bridge(l) && !l->udev_pending)
		return l;
	l = linkdb_by_name(db, nic->match_name);
	if (l && !is_bridge(l) && !l->udev_pending)
		return l;
	return NULL;
}

/* ---- claim = yes -------------------------------------------------------- */

static bool name_is_configured(const struct sw_conf *conf, const char *name)
{
	return conf_find_nic(conf, name) || conf_find_bridge(conf, name) ||
	       conf_find_tap(conf, name);
}

bool plan_claimable(const struct sw_conf *conf, const struct sw_linkdb *db,
		    const struct sw_link *l)
{
	bool matched = false;

	if (!conf->claim || l->udev_pending || (l->flags & IFF_LOOPBACK) || l->master || is_bridge(l) ||
	    !strcmp(l->alias, "switchd") || name_is_configured(conf, l->name) ||
	    conf_bridge_of_guest(conf, l->name))
		return false;
	for (size_t i = 0; i < conf->nclaim_match; i++)
		matched |= fnmatch(conf->claim_match[i], l->name, 0) == 0;
	if (!matched && (!l->parent_bus[0] || l->kind[0]))
		return false; /* not on a bus: virtual (veth, tun, vxlan, ...) */
	for (size_t i = 0; i < conf->nnics; i++)
		if (plan_find_nic(conf, db, &conf->nics[i]) == l)
			return false;
	for (size_t i = 0; i < db->naddrs; i++) {
		const struct sw_addr *a = &db->addrs[i];

		if (a->ifindex == l->ifindex && a->scope == RT_SCOPE_UNIVERSE)
			return false; /* someone uses it */
	}
	return true;
}

void plan_claim_name(const struct sw_conf *conf, const struct sw_linkdb *db,
		     const struct sw_link *l, char name[SW_IFNAMSIZ])
{
	unsigned int n;
	char tail;

	if (sscanf(l->name, "hweth%u%c", &n, &tail) == 1 && !name_is_configured(conf, l->name)) {
		sw_strlcpy(name, l->name, SW_IFNAMSIZ);
		return;
	}
	for (n = 0;; n++) {
		const struct sw_link *taken;

		snprintf(name, SW_IFNAMSIZ, "hweth%u", n);
		taken = linkdb_name_taken(db, name);
		if (!name_is_configured(conf, name) && (!taken || taken == l))
			return;
	}
}

/* ---- plan storage ------------------------------------------------------- */

struct sw_action *plan_add(struct sw_plan *p, enum sw_action_kind kind, int group)
{
	struct sw_action *a;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 32;
		struct sw_action *v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		p->v = v;
		p->cap = cap;
	}
	a = &p->v[p->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->group = group;
	return a;
}

int plan_group(struct sw_plan *p, const char *kind, const char *name)
{
	struct sw_plan_group *g = realloc(p->groups, (p->ngroups + 1) * sizeof(*g));

	if (!g)
		return -ENOMEM;
	p->groups = g;
	g = &p->groups[p->ngroups];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s %s", kind, name);
	return (int)p->ngroups++;
}

void plan_free(struct sw_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++)
		free(plan->v[i].route);
	free(plan->v);
	free(plan->groups);
	memset(plan, 0, sizeof(*plan));
}

void plan_keep_bridges(struct sw_plan *plan, const char (*bridges)[SW_IFNAMSIZ], size_t n)
{
	bool *keep = calloc(plan->ngroups + 1, sizeof(*keep));
	size_t w = 0;

	for (size_t g = 0; keep && g < plan->ngroups; g++) {
		const char *name = plan->groups[g].name;

		for (size_t i = 0; i < n && !keep[g]; i++)
			keep[g] = !strncmp(name, "bridge ", 7) && !strcmp(name + 7, bridges[i]);
		if (!keep[g])
			plan->groups[g].error[0] = 0;
	}
	for (size_t i = 0; i < plan->n; i++) {
		int g = plan->v[i].group;

		if (!keep || g < 0 || (size_t)g >= plan->ngroups || !keep[g]) {
			free(plan->v[i].route);
			continue;
		}
		plan->v[w++] = plan->v[i];
	}
	plan->n = w;
	free(keep);
}

/* ---- bridge MAC --------------------------------------------------------- */

void plan_bridge_mac(const struct sw_conf *conf, const struct sw_linkdb *db,
		     const struct sw_conf_bridge *br, uint8_t mac[6], const char **why)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < br->nports; i++) {
		const struct sw_conf_nic *nic = conf_find_nic(conf, br->ports[i]);
		const struct sw_link *l = nic ? plan_find_nic(conf, db, nic) : NULL;

		if (!l)
			continue;
		if (l->has_perm_mac && !mac_is_zero(l->perm_mac)) {
			memcpy(mac, l->perm_mac, 6);
			*why = "permanent MAC of its preferred NIC";
		} else {
			memcpy(mac, l->mac, 6);
			*why = "MAC of its preferred NIC";
		}
		return;
	}
	for (size_t i = 0; i < br->nports; i++) {
		const struct sw_conf_nic *nic = conf_find_nic(conf, br->ports[i]);

		if (nic && nic->has_mac) {
			memcpy(mac, nic->mac, 6);
			*why = "configured MAC of its preferred NIC";
			return;
		}
	}
	/* no NIC: a stable MAC, so guests' ARP caches survive a restart */
	for (const char *c = br->name; *c; c++)
		h = (h ^ (uint8_t)*c) * 16777619u;
	mac[0] = 0x02; /* locally administered, unicast */
	mac[1] = 0x73;
	mac[2] = 0x77;
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
	*why = "derived from the bridge's name";
}

/* ---- renames ------------------------------------------------------------ */

struct nic_slot {
	const struct sw_conf_nic *nic;
	const struct sw_link *link; /* NULL: absent */
	int group;
};

static int group_of_nic(const struct sw_plan *p, const struct sw_conf *conf,
			const char *nicname, int *nic_groups)
{
	const struct sw_conf_bridge *br = conf_bridge_of_port(conf, nicname);

	(void)p;
	if (!br)
		return nic_groups[conf_find_nic(conf, nicname) - conf->nics];
	return (int)(br - conf->bridges);
}

/* Who holds name at plan time, other than devices we rename? */
static const struct sw_link *foreign_holder(const struct sw_linkdb *db, const char *name,
					    const struct nic_slot *slots, size_t nslots,
					    const bool *renamed)
{
	for (size_t i = 0; i < db->nlinks; i++) {
		const struct sw_link *l = &db->links[i];
		bool holds = strcmp(l->name, name) == 0;

		for (int k = 0; k < l->naltnames && !holds; k++)
			holds = strcmp(l->altnames[k], name) == 0;
		if (!holds)
			continue;
		for (size_t s = 0; s < nslots; s++)
			if (slots[s].link && slots[s].link->ifindex == l->ifindex && renamed[s] &&
			    strcmp(l->name, name) == 0)
				holds = false; /* it moves away (altnames stay) */
		if (holds)
			return l;
	}
	return NULL;
}

static int plan_renames(const struct plan_input *in, struct sw_plan *p, struct nic_slot *slots,
			size_t nslots)
{
	const struct sw_linkdb *db = in->db;
	bool renamed[nslots ? nslots : 1];
	bool changed = true;

	for (size_t s = 0; s < nslots; s++)
		renamed[s] = slots[s].link && strcmp(slots[s].link->name, slots[s].nic->name) != 0;

	/* A rename whose target a foreign device holds fails its group; that may
	 * keep its own name busy for another rename: repeat until stable. */
	while (changed) {
		changed = false;
		for (size_t s = 0; s < nslots; s++) {
			const struct sw_link *h;

			if (!renamed[s] || p->groups[slots[s].group].error[0])
				continue;
			h = foreign_holder(db, slots[s].nic->name, slots, nslots, renamed);
			if (!h || h->ifindex == slots[s].link->ifindex)
				continue;
			snprintf(p->groups[slots[s].group].error, sizeof(p->groups[0].error),
				 "cannot rename %s to %s: the name is taken by %s (ifindex %d), "
				 "which is not in the config",
				 slots[s].link->name, slots[s].nic->name, h->name, h->ifindex);
			changed = true;
		}
		for (size_t s = 0; s < nslots; s++) {
			if (renamed[s] && p->groups[slots[s].group].error[0]) {
				renamed[s] = false;
				changed = true;
			}
		}
	}

	/* order the rest */
	struct rename_step reqs[nslots ? nslots : 1], out[2 * nslots + 1];
	const char **taken = calloc(db->nlinks * (SW_MAX_ALTNAMES + 1) + 1, sizeof(*taken));
	size_t nreq = 0, ntaken = 0, nout = 0;
	char err[256];
	int ret;

	if (!taken)
		return -ENOMEM;
	for (size_t i = 0; i < db->nlinks; i++) {
		taken[ntaken++] = db->links[i].name;
		for (int k = 0; k < db->links[i].naltnames; k++)
			taken[ntaken++] = db->links[i].altnames[k];
	}
	for (size_t s = 0; s < nslots; s++) {
		if (!renamed[s])
			continue;
		reqs[nreq].ifindex = slots[s].link->ifindex;
		snprintf(reqs[nreq].from, SW_IFNAMSIZ, "%s", slots[s].link->name);
		snprintf(reqs[nreq].to, SW_IFNAMSIZ, "%s", slots[s].nic->name);
		nreq++;
	}
	ret = rename_order(reqs, nreq, taken, ntaken, out, &nout, err, sizeof(err));
	free(taken);
	if (ret) {
		/* cannot happen after the checks above; fail every group involved */
		for (size_t s = 0; s < nslots; s++)
			if (renamed[s])
				snprintf(p->groups[slots[s].group].error,
					 sizeof(p->groups[0].error), "%s", err);
		return 0;
	}
	for (size_t i = 0; i < nout; i++) {
		int group = -1;
		struct sw_action *a;

		for (size_t s = 0; s < nslots; s++)
			if (slots[s].link && slots[s].link->ifindex == out[i].ifindex)
				group = slots[s].group;
		a = plan_add(p, ACT_RENAME, group);
		if (!a)
			return -ENOMEM;
		a->ifindex = out[i].ifindex;
		snprintf(a->dev, sizeof(a->dev), "%s", out[i].from);
		snprintf(a->arg, sizeof(a->arg), "%s", out[i].to);
		snprintf(a->why, sizeof(a->why), "the NIC's service name is %s", out[i].to);
		if (strncmp(out[i].to, "swtmp", 5) == 0)
			snprintf(a->why, sizeof(a->why), "%s is still in use: park it", out[i].to);
	}
	return 0;
}

/* ---- addresses and routes ---------------------------------------------- */

static bool addr_is_link_local6(const struct sw_addr *a)
{
	return a->family == AF_INET6 && a->local[0] == 0xfe && (a->local[1] & 0xc0) == 0x80;
}

static const uint8_t *addr_key(const struct sw_addr *a)
{
	return a->has_local ? a->local : a->address;
}

static bool link_has_addr(const struct sw_linkdb *db, int ifindex, int family,
			  const uint8_t *addr, uint8_t prefixlen)
{
	size_t alen = family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < db->naddrs; i++) {
		const struct sw_addr *a = &db->addrs[i];

		if (a->ifindex == ifindex && a->family == family && a->prefixlen == prefixlen &&
		    memcmp(addr_key(a), addr, alen) == 0)
			return true;
	}
	return false;
}

static bool link_has_ipv6(const struct sw_linkdb *db, int ifindex)
{
	for (size_t i = 0; i < db->naddrs; i++)
		if (db->addrs[i].ifindex == ifindex && db->addrs[i].family == AF_INET6)
			return true;
	return false;
}

struct port_ctx {
	const struct plan_input *in;
	struct sw_plan *p;
	int group;
	const struct sw_conf_bridge *br;
	const struct sw_link *bridge; /* NULL: created by this plan */
};

static int bridge_ifindex(const struct port_ctx *c)
{
	return c->bridge ? c->bridge->ifindex : 0;
}

static struct sw_action *add_on_bridge(struct port_ctx *c, enum sw_action_kind kind)
{
	struct sw_action *a = plan_add(c->p, kind, c->group);

	if (a) {
		a->ifindex = bridge_ifindex(c);
		snprintf(a->dev, sizeof(a->dev), "%s", c->br->name);
	}
	return a;
}

static struct sw_action *add_on_port(struct port_ctx *c, enum sw_action_kind kind,
				     const struct sw_link *port, const char *name)
{
	struct sw_action *a = plan_add(c->p, kind, c->group);

	if (a) {
		a->ifindex = port->ifindex;
		snprintf(a->dev, sizeof(a->dev), "%s", name);
	}
	return a;
}

/* The NIC's label "eth0:1" (or "hweth0:1") becomes the bridge's "eth0:1". */
static void relabel(struct sw_addr *a, const char *portname, const char *oldname,
		    const char *brname)
{
	const char *suffix = NULL;
	size_t pl = strlen(portname), ol = strlen(oldname);

	if (!a->label[0])
		return;
	if (strncmp(a->label, portname, pl) == 0)
		suffix = a->label + pl;
	else if (strncmp(a->label, oldname, ol) == 0)
		suffix = a->label + ol;
	if (suffix && strlen(brname) + strlen(suffix) < SW_IFNAMSIZ) {
		char label[2 * SW_IFNAMSIZ];

		snprintf(label, sizeof(label), "%s%s", brname, suffix);
		sw_strlcpy(a->label, label, sizeof(a->label));
	} else {
		a->label[0] = '\0'; /* the kernel uses the device name */
	}
}

static int copy_addresses(struct port_ctx *c, const struct sw_link *port, const char *portname)
{
	const struct sw_linkdb *db = c->in->db;

	for (size_t i = 0; i < db->naddrs; i++) {
		const struct sw_addr *a = &db->addrs[i];
		struct sw_action *act;

		if (a->ifindex != port->ifindex || addr_is_link_local6(a))
			continue;
		if (c->bridge && link_has_addr(db, c->bridge->ifindex, a->family, addr_key(a),
					       a->prefixlen))
			continue;
		act = add_on_bridge(c, ACT_ADDR_ADD);
		if (!act)
			return -ENOMEM;
		act->addr = *a;
		relabel(&act->addr, portname, port->name, c->br->name);
		snprintf(act->why, sizeof(act->why), "address = keep: moved from %s", portname);
	}
	return 0;
}

/* Has the bridge this route already (same destination, table, metric,
 * gateway)? The kernel refuses a duplicate even with NLM_F_APPEND. */
static bool route_on_bridge(const struct port_ctx *c, const struct sw_route *r)
{
	const struct sw_linkdb *db = c->in->db;
	size_t alen = r->rtm.rtm_family == AF_INET ? 4 : 16;

	if (!c->bridge)
		return false;
	for (size_t i = 0; i < db->nroutes; i++) {
		const struct sw_route *b = &db->routes[i];

		if (b != r && nlp_route_uses_ifindex(b, c->bridge->ifindex) &&
		    b->rtm.rtm_family == r->rtm.rtm_family && b->rtm.rtm_dst_len == r->rtm.rtm_dst_len &&
		    b->table == r->table && b->priority == r->priority &&
		    b->has_dst == r->has_dst && !memcmp(b->dst, r->dst, alen) &&
		    b->has_gateway == r->has_gateway && !memcmp(b->gateway, r->gateway, alen))
			return true;
	}
	return false;
}

static int copy_routes(struct port_ctx *c, const struct sw_link *port, const char *portname)
{
	const struct sw_linkdb *db = c->in->db;

	for (size_t i = 0; i < db->nroutes; i++) {
		const struct sw_route *r = &db->routes[i];
		struct sw_action *act;

		if (!nlp_route_uses_ifindex(r, port->ifindex) || route_on_bridge(c, r))
			continue;
		/* routes from router advertisements are learned again on the bridge */
		if (r->rtm.rtm_protocol == RTPROT_RA)
			continue;
		act = add_on_bridge(c, ACT_ROUTE_ADD);
		if (!act)
			return -ENOMEM;
		act->route = malloc(sizeof(*act->route));
		if (!act->route)
			return -ENOMEM;
		*act->route = *r;
		act->from_ifindex = port->ifindex;
		snprintf(act->why, sizeof(act->why), "address = keep: moved from %s", portname);
	}
	return 0;
}

static int clear_port(struct port_ctx *c, const struct sw_link *port, const char *portname,
		      const char *why)
{
	const struct sw_linkdb *db = c->in->db;
	struct sw_action *act;

	for (size_t i = 0; i < db->nroutes; i++) {
		const struct sw_route *r = &db->routes[i];

		if (!nlp_route_uses_ifindex(r, port->ifindex))
			continue;
		act = add_on_port(c, ACT_ROUTE_DEL, port, portname);
		if (!act || !(act->route = malloc(sizeof(*act->route))))
			return -ENOMEM;
		*act->route = *r;
		snprintf(act->why, sizeof(act->why), "%s", why);
	}
	if (link_has_ipv6(db, port->ifindex)) {
		act = add_on_port(c, ACT_ADDR_GEN_NONE, port, portname);
		if (!act)
			return -ENOMEM;
		snprintf(act->why, sizeof(act->why), "a port carries no IPv6 of its own");
	}
	/* secondaries first: removing a primary IPv4 address removes its
	 * secondaries too (promote_secondaries is off by default), and their
	 * own removal would then fail and roll the whole bridge back */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < db->naddrs; i++) {
			const struct sw_addr *a = &db->addrs[i];

			if (a->ifindex != port->ifindex ||
			    !(a->flags & IFA_F_SECONDARY) != (pass == 1))
				continue;
			act = add_on_port(c, ACT_ADDR_DEL, port, portname);
			if (!act)
				return -ENOMEM;
			act->addr = *a;
			snprintf(act->why, sizeof(act->why), "%s",
				 addr_is_link_local6(a) ? "a port carries no IPv6 of its own" : why);
		}
	}
	return 0;
}

static int add_static_addresses(struct port_ctx *c)
{
	for (size_t i = 0; i < c->br->naddrs; i++) {
		const struct sw_cidr *cidr = &c->br->addrs[i];
		struct sw_action *act;

		if (c->bridge && link_has_addr(c->in->db, c->bridge->ifindex, cidr->family,
					       cidr->addr, cidr->prefixlen))
			continue;
		act = add_on_bridge(c, ACT_ADDR_ADD);
		if (!act)
			return -ENOMEM;
		act->addr.family = cidr->family;
		act->addr.prefixlen = cidr->prefixlen;
		act->addr.has_local = act->addr.has_address = true;
		memcpy(act->addr.local, cidr->addr, 16);
		memcpy(act->addr.address, cidr->addr, 16);
		if (cidr->family == AF_INET && cidr->prefixlen < 31) {
			/* netlink does not compute the broadcast address for us */
			uint32_t host = cidr->prefixlen ? 0xffffffffu >> cidr->prefixlen : 0xffffffffu;
			uint32_t net;

			memcpy(&net, cidr->addr, 4);
			net = htonl(ntohl(net) | host);
			memcpy(act->addr.broadcast, &net, 4);
			act->addr.has_broadcast = true;
		}
		snprintf(act->why, sizeof(act->why), "configured address");
	}
	return 0;
}

/* A port the plan brings up is silent from its first moment: the policy
 * (policy.c) writes a port's arp_ignore 8 and disable_ipv6 1 only after the
 * bridge plan, and a NIC that comes up before them gets an IPv6 link-local
 * at once (addrconf on NETDEV_UP), sends DAD, MLD and router solicitations
 * with its own MAC and answers ARP for the host's addresses (on a slow
 * boot, for 4 s). So the policy's values go first; its own pass then finds
 * them set. The old values are read when the actions run (apply.c). */
static int silence_port(struct port_ctx *c, const struct sw_link *port, const char *portname)
{
	const struct sw_conf_nic *nic = conf_find_nic(c->in->conf, portname);
	static const int keys[] = { SK_ARP_IGNORE, SK_DISABLE_IPV6 };

	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		struct sw_action *act = add_on_port(c, ACT_SYSCTL, port, portname);

		if (!act)
			return -ENOMEM;
		act->sk_key = keys[k];
		act->sk_old = -1;
		if (keys[k] == SK_DISABLE_IPV6)
			act->sk_value = 1;
		else
			act->sk_value = nic && nic->sysctl.v[SK_ARP_IGNORE] >= 0 ?
						nic->sysctl.v[SK_ARP_IGNORE] : 8;
		snprintf(act->why, sizeof(act->why), "%s is silent before it comes up", portname);
	}
	return 0;
}

static int enslave_port(struct port_ctx *c, const struct sw_link *port, const char *portname)
{
	struct sw_action *act = add_on_port(c, ACT_ENSLAVE, port, portname);

	if (!act)
		return -ENOMEM;
	snprintf(act->arg, sizeof(act->arg), "%s", c->br->name);
	snprintf(act->why, sizeof(act->why), "preferred present port of %s", c->br->name);
	if (!(port->flags & IFF_UP)) {
		if (silence_port(c, port, portname))
			return -ENOMEM;
		act = add_on_port(c, ACT_SET_UP, port, portname);
		if (!act)
			return -ENOMEM;
		snprintf(act->why, sizeof(act->why), "an uplink must be up");
	}
	return 0;
}

/* Make port the bridge's active port, moving what must move. enslaved: it
 * already is a port (of a bridge that was down until now). */
static int attach_port(struct port_ctx *c, const struct sw_link *port, const char *portname,
		       bool enslaved)
{
	int ret = 0;

	if (c->br->addr_mode == SW_ADDR_KEEP) {
		ret = copy_addresses(c, port, portname);
		if (!ret)
			ret = copy_routes(c, port, portname);
	}
	if (!ret && !enslaved)
		ret = enslave_port(c, port, portname);
	if (ret)
		return ret;
	return clear_port(c, port, portname,
			  c->br->addr_mode == SW_ADDR_KEEP
				  ? "moved to the bridge"
				  : "the bridge's addresses are configured; a port's cannot work");
}

static bool port_held(const struct plan_input *in, const char *bridge, const char *port)
{
	for (size_t i = 0; i < in->nheld; i++)
		if (strcmp(in->held[i].bridge, bridge) == 0 && strcmp(in->held[i].port, port) == 0)
			return true;
	return false;
}

static bool bridge_suspended(const struct plan_input *in, const char *bridge)
{
	for (size_t i = 0; i < in->nsuspended; i++)
		if (strcmp(in->suspended[i], bridge) == 0)
			return true;
	return false;
}

static bool bridge_gated(const struct plan_input *in, const char *bridge)
{
	for (size_t i = 0; i < in->ngated; i++)
		if (strcmp(in->gated[i], bridge) == 0)
			return true;
	return false;
}

static int plan_guests(struct port_ctx *c, const struct nic_slot *slots, size_t nslots)
{
	const struct sw_linkdb *db = c->in->db;

	for (size_t i = 0; i < db->nlinks; i++) {
		const struct sw_link *l = &db->links[i];
		bool configured = false;
		struct sw_action *act;

		if (l->master || is_bridge(l) || conf_bridge_of_guest(c->in->conf, l->name) != c->br)
			continue;
		for (size_t s = 0; s < nslots; s++)
			if (slots[s].link && slots[s].link->ifindex == l->ifindex)
				configured = true;
		if (configured || conf_find_tap(c->in->conf, l->name))
			continue;
		act = add_on_port(c, ACT_ENSLAVE, l, l->name);
		if (!act)
			return -ENOMEM;
		snprintf(act->arg, sizeof(act->arg), "%s", c->br->name);
		snprintf(act->why, sizeof(act->why), "matches guests of %s", c->br->name);
		/* a hypervisor that made the tap without a script left it down:
		 * switchd stands in for that script */
		if (!(l->flags & IFF_UP)) {
			act = add_on_port(c, ACT_SET_UP, l, l->name);
			if (!act)
				return -ENOMEM;
			snprintf(act->why, sizeof(act->why), "a guest's device forwards only when up");
		}
	}
	return 0;
}

static int plan_bridge(const struct plan_input *in, struct sw_plan *p, int group,
		       const struct sw_conf_bridge *br, const struct nic_slot *slots,
		       size_t nslots)
{
	const struct sw_linkdb *db = in->db;
	const struct sw_link *existing = linkdb_by_name(db, br->name);
	struct port_ctx c = { in, p, group, br, NULL };
	const struct sw_link *active = NULL;
	const char *active_name = NULL;
	struct sw_action *act;
	int ret;

	/* the name is still the NIC's (it is renamed first) unless it is a bridge */
	if (is_bridge(existing))
		c.bridge = existing;

	if (c.bridge && c.bridge->master) {
		snprintf(p->groups[group].error, sizeof(p->groups[0].error),
			 "%s is itself a port of another device (ifindex %d)", br->name,
			 c.bridge->master);
		return 0;
	}
	/* ports: which one is (or becomes) active */
	for (size_t i = 0; i < br->nports; i++) {
		const struct sw_link *l = NULL, *same = linkdb_by_name(db, br->ports[i]);

		/* a [nic] named like a bridge of this host: its port sysctls
		 * would land on that bridge */
		if (is_bridge(same)) {
			snprintf(p->groups[group].error, sizeof(p->groups[0].error),
				 "port %s: a bridge of this host has that name; a [nic] must name a NIC",
				 br->ports[i]);
			return 0;
		}

		for (size_t s = 0; s < nslots; s++)
			if (strcmp(slots[s].nic->name, br->ports[i]) == 0)
				l = slots[s].link;
		if (!l)
			continue;
		/* a port someone else took (switchd saw it move) is left alone */
		if (l->master && (!c.bridge || l->master != c.bridge->ifindex) &&
		    port_held(in, br->name, br->ports[i]))
			continue;
		if (l->master && (!c.bridge || l->master != c.bridge->ifindex)) {
			const struct sw_link *m = linkdb_by_index(db, l->master);

			snprintf(p->groups[group].error, sizeof(p->groups[0].error),
				 "port %s is attached to %s, which is not bridge %s; detach it first",
				 br->ports[i], m ? m->name : "another device", br->name);
			return 0;
		}
		if (c.bridge && l->master == c.bridge->ifindex && !active) {
			active = l;
			active_name = br->ports[i];
		}
	}

	if (!c.bridge) {
		act = add_on_bridge(&c, ACT_BRIDGE_CREATE);
		if (!act)
			return -ENOMEM;
		const char *why;
		plan_bridge_mac(in->conf, db, br, act->mac, &why);
		act->has_mac = true;
		act->stp = br->stp;
		snprintf(act->why, sizeof(act->why), "MAC pinned: %s", why);
		act = add_on_bridge(&c, ACT_SET_ALIAS);
		if (!act)
			return -ENOMEM;
		snprintf(act->arg, sizeof(act->arg), SW_ALIAS);
		snprintf(act->why, sizeof(act->why), "so a restart knows switchd made it");
		if (br->addr_mode == SW_ADDR_NONE) {
			act = add_on_bridge(&c, ACT_ADDR_GEN_NONE);
			if (!act)
				return -ENOMEM;
			snprintf(act->why, sizeof(act->why), "address = none: no IPv6 link-local");
		}
	} else if (br->addr_mode == SW_ADDR_NONE && link_has_ipv6(db, c.bridge->ifindex)) {
		act = add_on_bridge(&c, ACT_ADDR_GEN_NONE);
		if (!act)
			return -ENOMEM;
		snprintf(act->why, sizeof(act->why), "address = none: no IPv6 link-local");
	}
	/* no port attached yet: the first present port that no operator detached */
	const struct sw_link *attach = NULL;
	const char *attach_name = NULL;
	bool gated = bridge_gated(in, br->name);

	for (size_t i = 0; i < br->nports && !active && !gated && !bridge_suspended(in, br->name);
	     i++) {
		for (size_t s = 0; s < nslots && !active; s++) {
			if (strcmp(slots[s].nic->name, br->ports[i]) || !slots[s].link)
				continue;
			if (port_held(in, br->name, br->ports[i]))
				continue;
			active = attach = slots[s].link;
			active_name = attach_name = br->ports[i];
		}
	}
	(void)active_name;
	bool bridge_up = c.bridge && (c.bridge->flags & IFF_UP);

	/* A bridge brought up with its port gets carrier inside the up, which
	 * starts its transmit queue there and then. Brought up first, it gets
	 * carrier at the attach, and its queue starts only when the kernel's
	 * linkwatch work runs (it needs RTNL): meanwhile whatever the host sends
	 * through it is dropped, the first ARP request among it, and the host's
	 * replies wait a second for its retry (seen: a 1 s gap in t-survive). */
	if (attach && !bridge_up && (ret = enslave_port(&c, attach, attach_name)))
		return ret;
	/* a gated bridge stays down: a down bridge's ports are disabled, so
	 * not even its taps and guests reach each other through it */
	if (!bridge_up && !gated) {
		act = add_on_bridge(&c, ACT_SET_UP);
		if (!act)
			return -ENOMEM;
		snprintf(act->why, sizeof(act->why), "the bridge carries the host's traffic");
	}
	if (br->addr_mode == SW_ADDR_STATIC && (ret = add_static_addresses(&c)))
		return ret;
	if (attach && (ret = attach_port(&c, attach, attach_name, !bridge_up)))
		return ret;
	/* Already attached but still holding addresses or routes: a conversion
	 * cut short (switchd killed between the copy and the removal). Left so,
	 * the host answers ARP for the address on both MACs. Finish the move:
	 * copy what the bridge lacks, then clear the port. */
	if (!attach && active && (ret = attach_port(&c, active, active_name, true)))
		return ret;
	/* the others are standbys: up (so their carrier is known), silent, unattached */
	for (size_t i = 0; i < br->nports; i++) {
		const struct sw_link *l = NULL;

		for (size_t s = 0; s < nslots; s++)
			if (strcmp(slots[s].nic->name, br->ports[i]) == 0)
				l = slots[s].link;
		if (!l || l == active)
			continue;
		/* someone else's now (held, see above): not touched */
		if (l->master && (!c.bridge || l->master != c.bridge->ifindex))
			continue;
		if (c.bridge && l->master == c.bridge->ifindex) {
			act = add_on_port(&c, ACT_RELEASE, l, br->ports[i]);
			if (!act)
				return -ENOMEM;
			snprintf(act->arg, sizeof(act->arg), "%s", br->name);
			snprintf(act->why, sizeof(act->why),
				 "only one uplink may forward (%s is active)", active->name);
		}
		if (!(l->flags & IFF_UP)) {
			if (silence_port(&c, l, br->ports[i]))
				return -ENOMEM;
			act = add_on_port(&c, ACT_SET_UP, l, br->ports[i]);
			if (!act)
				return -ENOMEM;
			snprintf(act->why, sizeof(act->why), "a standby is kept up to see its carrier");
		}
		if (link_has_ipv6(db, l->ifindex)) {
			act = add_on_port(&c, ACT_ADDR_GEN_NONE, l, br->ports[i]);
			if (!act)
				return -ENOMEM;
			snprintf(act->why, sizeof(act->why), "a standby must stay silent");
			for (size_t k = 0; k < db->naddrs; k++) {
				if (db->addrs[k].ifindex != l->ifindex ||
				    !addr_is_link_local6(&db->addrs[k]))
					continue;
				act = add_on_port(&c, ACT_ADDR_DEL, l, br->ports[i]);
				if (!act)
					return -ENOMEM;
				act->addr = db->addrs[k];
				snprintf(act->why, sizeof(act->why), "a standby must stay silent");
			}
		}
	}
	return plan_guests(&c, slots, nslots);
}

static int plan_tap(const struct plan_input *in, struct sw_plan *p, int group,
		    const struct sw_conf_tap *tap)
{
	const struct sw_link *l = linkdb_by_name(in->db, tap->name);
	const struct sw_link *br = linkdb_by_name(in->db, tap->bridge);
	struct sw_action *act;

	snprintf(p->groups[group].depends, sizeof(p->groups[0].depends), "%s", tap->bridge);
	if (l && !is_tap(l)) {
		snprintf(p->groups[group].error, sizeof(p->groups[0].error),
			 "a device named %s exists and is not a tap", tap->name);
		return 0;
	}
	if (l && l->master && (!is_bridge(br) || l->master != br->ifindex)) {
		const struct sw_link *m = linkdb_by_index(in->db, l->master);

		snprintf(p->groups[group].error, sizeof(p->groups[0].error),
			 "tap %s is attached to %s, not to %s", tap->name, m ? m->name : "another device",
			 tap->bridge);
		return 0;
	}
	if (!l) {
		act = plan_add(p, ACT_TAP_CREATE, group);
		if (!act)
			return -ENOMEM;
		snprintf(act->dev, sizeof(act->dev), "%s", tap->name);
		act->has_uid = tap->has_owner;
		act->uid = tap->uid;
		act->has_gid = tap->has_group;
		act->gid = tap->gid;
		snprintf(act->why, sizeof(act->why), "persistent, for a guest to open");
		act = plan_add(p, ACT_SET_ALIAS, group);
		if (!act)
			return -ENOMEM;
		snprintf(act->dev, sizeof(act->dev), "%s", tap->name);
		snprintf(act->arg, sizeof(act->arg), SW_ALIAS);
		snprintf(act->why, sizeof(act->why), "so a restart knows switchd made it");
	}
	if (!l || !l->master) {
		act = plan_add(p, ACT_ENSLAVE, group);
		if (!act)
			return -ENOMEM;
		act->ifindex = l ? l->ifindex : 0;
		snprintf(act->dev, sizeof(act->dev), "%s", tap->name);
		snprintf(act->arg, sizeof(act->arg), "%s", tap->bridge);
		snprintf(act->why, sizeof(act->why), "tap of %s", tap->bridge);
	}
	if (!l || !(l->flags & IFF_UP)) {
		act = plan_add(p, ACT_SET_UP, group);
		if (!act)
			return -ENOMEM;
		act->ifindex = l ? l->ifindex : 0;
		snprintf(act->dev, sizeof(act->dev), "%s", tap->name);
		snprintf(act->why, sizeof(act->why), "ready for its guest");
	}
	return 0;
}

int plan_build(const struct plan_input *in, struct sw_plan *p)
{
	const struct sw_conf *conf = in->conf;
	struct nic_slot *slots = calloc(conf->nnics + 1, sizeof(*slots));
	int nic_groups[conf->nnics + 1];
	int ret = -ENOMEM;

	memset(p, 0, sizeof(*p));
	if (!slots)
		return -ENOMEM;
	for (size_t b = 0; b < conf->nbridges; b++)
		if (plan_group(p, "bridge", conf->bridges[b].name) < 0)
			goto out;
	for (size_t n = 0; n < conf->nnics; n++) {
		nic_groups[n] = -1;
		if (conf_bridge_of_port(conf, conf->nics[n].name))
			continue;
		nic_groups[n] = plan_group(p, "nic", conf->nics[n].name);
		if (nic_groups[n] < 0)
			goto out;
	}
	for (size_t n = 0; n < conf->nnics; n++) {
		slots[n].nic = &conf->nics[n];
		slots[n].link = plan_find_nic(conf, in->db, &conf->nics[n]);
		slots[n].group = group_of_nic(p, conf, conf->nics[n].name, nic_groups);
	}
	/* a device found for two [nic]s (one by MAC, one by name) is an error */
	for (size_t a = 0; a < conf->nnics; a++)
		for (size_t b = a + 1; b < conf->nnics; b++)
			if (slots[a].link && slots[a].link == slots[b].link) {
				snprintf(p->groups[slots[b].group].error, sizeof(p->groups[0].error),
					 "%s matches both [nic %s] and [nic %s]", slots[a].link->name,
					 slots[a].nic->name, slots[b].nic->name);
				slots[b].link = NULL;
			}
	ret = plan_renames(in, p, slots, conf->nnics);
	if (ret)
		goto out;
	/* the bridge's name must be free once the NICs are renamed */
	for (size_t b = 0; b < conf->nbridges; b++) {
		const struct sw_link *h = linkdb_by_name(in->db, conf->bridges[b].name);
		bool moves = false;

		if (!h || is_bridge(h) || p->groups[b].error[0])
			continue;
		for (size_t s = 0; s < conf->nnics; s++)
			if (slots[s].link == h && strcmp(h->name, slots[s].nic->name) != 0 &&
			    !p->groups[slots[s].group].error[0])
				moves = true;
		if (!moves)
			snprintf(p->groups[b].error, sizeof(p->groups[0].error),
				 "the name %s is taken by %s device (ifindex %d) that is not in the config",
				 conf->bridges[b].name, h->kind[0] ? h->kind : "a", h->ifindex);
	}
	for (size_t b = 0; b < conf->nbridges; b++) {
		if (p->groups[b].error[0])
			continue;
		ret = plan_bridge(in, p, (int)b, &conf->bridges[b], slots, conf->nnics);
		if (ret)
			goto out;
	}
	for (size_t t = 0; t < conf->ntaps; t++) {
		int g = plan_group(p, "tap", conf->taps[t].name);

		if (g < 0 || (ret = plan_tap(in, p, g, &conf->taps[t])))
			goto out;
	}
	/* a failed group plans nothing: drop what was queued for it (renames) */
	size_t w = 0;
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].group >= 0 && p->groups[p->v[i].group].error[0]) {
			free(p->v[i].route);
			continue;
		}
		p->v[w++] = p->v[i];
	}
	p->n = w;
	ret = 0;
out:
	free(slots);
	if (ret)
		plan_free(p);
	return ret;
}

/* ---- text --------------------------------------------------------------- */

static char *route_describe(const struct sw_route *r, char *buf, size_t len)
{
	char dst[INET6_ADDRSTRLEN], gw[INET6_ADDRSTRLEN];
	int n;

	if (r->has_dst)
		addr_format(r->rtm.rtm_family, r->dst, dst, sizeof(dst));
	n = snprintf(buf, len, "%s", r->rtm.rtm_dst_len || r->has_dst ? dst : "default");
	if (r->rtm.rtm_dst_len && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, "/%u", r->rtm.rtm_dst_len);
	if (r->has_gateway && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, " via %s",
			      addr_format(r->rtm.rtm_family, r->gateway, gw, sizeof(gw)));
	if (r->has_multipath && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, " (multipath)");
	if (r->table != RT_TABLE_MAIN && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, " table %u", r->table);
	if (r->priority && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " metric %u", r->priority);
	return buf;
}

static char *addr_describe(const struct sw_addr *a, char *buf, size_t len)
{
	struct sw_cidr c = { .family = a->family, .prefixlen = a->prefixlen };

	memcpy(c.addr, addr_key(a), a->family == AF_INET ? 4 : 16);
	return cidr_format(&c, buf, len);
}

char *action_describe(const struct sw_action *a, char *buf, size_t len)
{
	char t[160], mac[SW_MACSTR];

	switch (a->kind) {
	case ACT_RENAME:
		snprintf(buf, len, "rename %s (ifindex %d) to %s", a->dev, a->ifindex, a->arg);
		break;
	case ACT_SET_UP:
		snprintf(buf, len, "bring %s up", a->dev);
		break;
	case ACT_BRIDGE_CREATE:
		snprintf(buf, len, "create bridge %s, MAC %s, stp %s", a->dev,
			 a->has_mac ? mac_format(a->mac, mac) : "(kernel's)", a->stp ? "on" : "off");
		break;
	case ACT_SET_ALIAS:
		snprintf(buf, len, "set alias of %s to \"%s\"", a->dev, a->arg);
		break;
	case ACT_ADDR_GEN_NONE:
		snprintf(buf, len, "turn off IPv6 address generation on %s", a->dev);
		break;
	case ACT_ADDR_GEN_EUI64:
		snprintf(buf, len, "turn on IPv6 address generation (EUI-64) on %s", a->dev);
		break;
	case ACT_ADDR_ADD:
		snprintf(buf, len, "add address %s to %s", addr_describe(&a->addr, t, sizeof(t)),
			 a->dev);
		break;
	case ACT_ADDR_DEL:
		snprintf(buf, len, "remove address %s from %s",
			 addr_describe(&a->addr, t, sizeof(t)), a->dev);
		break;
	case ACT_ROUTE_ADD:
		snprintf(buf, len, "add route %s on %s", route_describe(a->route, t, sizeof(t)),
			 a->dev);
		break;
	case ACT_ROUTE_DEL:
		snprintf(buf, len, "remove route %s from %s",
			 route_describe(a->route, t, sizeof(t)), a->dev);
		break;
	case ACT_ENSLAVE:
		snprintf(buf, len, "attach %s to %s", a->dev, a->arg);
		break;
	case ACT_RELEASE:
		snprintf(buf, len, "detach %s from %s", a->dev, a->arg);
		break;
	case ACT_SWAP:
		snprintf(buf, len, "attach %s to %s, then detach %s", a->dev, a->arg,
			 a->old[0] ? a->old : "the previous port");
		break;
	case ACT_LINK_DELETE:
		snprintf(buf, len, "delete %s", a->dev);
		break;
	case ACT_SYSCTL:
		snprintf(buf, len, "set %s/%s/%s = %d", a->sk_key == SK_DISABLE_IPV6 ? "ipv6/conf" :
			 a->sk_key == SK_PROXY_DELAY ? "neigh" : "conf", a->dev,
			 conf_sysctl_name(a->sk_key), a->sk_value);
		if (a->sk_old >= 0) {
			size_t n = strlen(buf);

			snprintf(buf + n, len - n, " (was %d)", a->sk_old);
		}
		break;
	case ACT_PROXY_ADD:
	case ACT_PROXY_DEL:
		inet_ntop(AF_INET, &a->ip, t, sizeof(t));
		snprintf(buf, len, "%s proxy-ARP entry %s %s %s",
			 a->kind == ACT_PROXY_ADD ? "add" : "remove", t,
			 a->kind == ACT_PROXY_ADD ? "on" : "from", a->dev);
		break;
	case ACT_TAP_CREATE:
		snprintf(buf, len, "create tap %s", a->dev);
		if (a->has_uid) {
			size_t l = strlen(buf);
			snprintf(buf + l, len - l, " owner %u", (unsigned)a->uid);
		}
		if (a->has_gid) {
			size_t l = strlen(buf);
			snprintf(buf + l, len - l, " group %u", (unsigned)a->gid);
		}
		break;
	}
	return buf;
}

int plan_print(FILE *f, const struct sw_plan *plan)
{
	int errors = 0, step = 0;

	for (size_t g = 0; g < plan->ngroups; g++) {
		const struct sw_plan_group *grp = &plan->groups[g];
		bool any = false;

		for (size_t i = 0; i < plan->n; i++)
			any |= plan->v[i].group == (int)g;
		if (grp->error[0]) {
			fprintf(f, "%s: error: %s\n", grp->name, grp->error);
			errors++;
		} else if (!any) {
			fprintf(f, "%s: as configured, nothing to do\n", grp->name);
		}
	}
	/* steps in the order they run (renames of all bridges come first) */
	for (size_t i = 0; i < plan->n; i++) {
		const struct sw_action *a = &plan->v[i];
		char text[256];

		fprintf(f, "%3d. %s: %s", ++step,
			a->group >= 0 ? plan->groups[a->group].name : "switchd",
			action_describe(a, text, sizeof(text)));
		if (a->why[0])
			fprintf(f, "  (%s)", a->why);
		fputc('\n', f);
	}
	return errors;
}
