/*
 * ARP and reverse-path policy planner. See policy.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

/* ---- requirements ------------------------------------------------------- */

struct reqs {
	struct policy_req *v;
	size_t n;
	int err;
};

static void req(struct reqs *r, const char *dev, int key, int lo, int hi, const char *why)
{
	struct policy_req *v;

	for (size_t i = 0; i < r->n; i++) {
		struct policy_req *q = &r->v[i];

		if (strcmp(q->dev, dev) || q->key != key)
			continue;
		/* two reasons for one device: both must hold (conf.c refuses the
		 * contradictions a user can write; lo > hi marks any other) */
		q->lo = lo > q->lo ? lo : q->lo;
		q->hi = hi < q->hi ? hi : q->hi;
		return;
	}
	v = realloc(r->v, (r->n + 1) * sizeof(*v));
	if (!v) {
		r->err = -ENOMEM;
		return;
	}
	r->v = v;
	v = &r->v[r->n++];
	memset(v, 0, sizeof(*v));
	snprintf(v->dev, sizeof(v->dev), "%s", dev);
	v->key = key;
	v->lo = lo;
	v->hi = hi;
	snprintf(v->why, sizeof(v->why), "%s", why);
}

static void reqf(struct reqs *r, const char *dev, int key, int lo, int hi, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
static void reqf(struct reqs *r, const char *dev, int key, int lo, int hi, const char *fmt, ...)
{
	char why[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	req(r, dev, key, lo, hi, why);
}

static void conf_reqs(struct reqs *r, const char *dev, const struct sw_sysctl_set *set)
{
	for (int k = 0; k < SK_NCONF; k++)
		if (set->v[k] >= 0)
			reqf(r, dev, k, set->v[k], set->v[k], "%s: configured", dev);
}

static void conf_requirements(struct reqs *rp, const struct sw_conf *c, const struct sw_linkdb *db);

int policy_requirements(const struct sw_conf *c, struct policy_req **out, size_t *n)
{
	struct reqs r = { 0 };

	conf_requirements(&r, c, NULL);
	*out = r.v;
	*n = r.n;
	return r.err;
}

static void route_requirements(struct reqs *r, const struct policy_input *in);

int policy_input_requirements(const struct policy_input *in, struct policy_req **out, size_t *n)
{
	struct reqs r = { 0 };

	conf_requirements(&r, in->conf, in->db);
	route_requirements(&r, in);
	*out = r.v;
	*n = r.n;
	return r.err;
}

/* A proxied address routed out of another device: the requests come in on
 * the bridge and are forwarded there, the replies come back through that
 * device and are forwarded to the bridge. IPv4 forwards only what arrives on
 * a device with forwarding on (IN_DEV_FORWARD of the input device): without
 * it on the route's device every reply is dropped and the proxy answers for
 * an address nobody can reach. */
static void route_requirements(struct reqs *r, const struct policy_input *in)
{
	for (size_t i = 0; i < in->nroutes; i++) {
		const struct policy_route *pr = &in->routes[i];
		const struct sw_link *out = pr->oif ? linkdb_by_index(in->db, pr->oif) : NULL;
		char ip[16];

		if (!out || !strcmp(out->name, pr->bridge))
			continue;
		inet_ntop(AF_INET, &pr->ip, ip, sizeof(ip));
		reqf(r, out->name, SK_FORWARDING, 1, 1, "replies from %s (proxied on %s) come back through %s",
		     ip, pr->bridge, out->name);
	}
}

static void conf_requirements(struct reqs *rp, const struct sw_conf *c, const struct sw_linkdb *db)
{
	struct reqs r = *rp;

	for (size_t i = 0; i < c->nbridges; i++) {
		const struct sw_conf_bridge *b = &c->bridges[i];

		conf_reqs(&r, b->name, &b->sysctl);
		/* an invisible bridge answers no ARP for the host's other
		 * addresses (arp_ignore 0 would, on any device) */
		if (!b->nproxy && b->addr_mode == SW_ADDR_NONE && b->sysctl.v[SK_ARP_IGNORE] < 0)
			reqf(&r, b->name, SK_ARP_IGNORE, 1, 8,
			     "%s has no address: it answers no ARP for the host", b->name);
		if (!b->nproxy)
			continue;
		reqf(&r, b->name, SK_FORWARDING, 1, 1, "%s answers proxy ARP (forwarding 1)",
		    b->name);
		reqf(&r, b->name, SK_PROXY_DELAY, 0, 0, "%s answers proxy ARP at once", b->name);
		if (b->addr_mode == SW_ADDR_NONE) {
			reqf(&r, b->name, SK_RP_FILTER, 0, 0,
			    "%s is an address-less ARP proxy (rp_filter 0)", b->name);
			reqf(&r, b->name, SK_ARP_IGNORE, 0, 0,
			    "%s is an address-less ARP proxy (arp_ignore 0)", b->name);
		}
	}
	for (size_t i = 0; i < c->nnics; i++) {
		const struct sw_conf_nic *nic = &c->nics[i];
		const struct sw_conf_bridge *b = conf_bridge_of_port(c, nic->name);
		const struct sw_link *same = db ? linkdb_by_name(db, nic->name) : NULL;

		/* named like a bridge of this host (the plan refuses it): a
		 * port's sysctls on that bridge would hide the host */
		if (same && !strcmp(same->kind, "bridge"))
			continue;

		conf_reqs(&r, nic->name, &nic->sysctl);
		/* A port answers no ARP of its own: attached, the bridge does;
		 * a standby, unattached and up, would otherwise answer for the
		 * host's addresses with its own MAC (arp_ignore 0 answers for any
		 * local address), and a client that caches that MAC loses the
		 * host when the standby's cable goes. */
		if (b && nic->sysctl.v[SK_ARP_IGNORE] < 0)
			reqf(&r, nic->name, SK_ARP_IGNORE, 8, 8,
			     "a port of %s answers no ARP itself", b->name);
		/* nor IPv6: a standby's own MLD reports carry its MAC, which for
		 * one of them is the bridge's, and move the host upstream */
		if (b)
			reqf(&r, nic->name, SK_DISABLE_IPV6, 1, 1,
			     "a port of %s sends no IPv6 of its own", b->name);
	}
	for (size_t i = 0; i < c->nvips; i++)
		if (c->vips[i].mode == SW_VIP_TUN)
			reqf(&r, c->vips[i].device, SK_RP_FILTER, 2, 2,
			    "vip %s arrives through a tunnel: loose rp_filter", c->vips[i].text);
	*rp = r;
}

/* ---- sysctl writes ------------------------------------------------------ */

struct ctx {
	const struct policy_input *in;
	struct sw_plan *plan;
	int group;
	int err;
	bool dry;	/* only find out whether every device is needed */
	bool need_all;	/* ... it is: sk_partial does not do */
};

static void write_sk(struct ctx *c, const char *dev, int key, int value, int old, const char *fmt,
		     ...) __attribute__((format(printf, 6, 7)));
static void write_sk(struct ctx *c, const char *dev, int key, int value, int old, const char *fmt,
		     ...)
{
	struct sw_action *a;
	va_list ap;

	if (c->dry)
		return;
	if (c->group < 0) {
		c->group = plan_group(c->plan, "sysctl", "policy");
		if (c->group < 0) {
			c->err = c->group;
			return;
		}
		snprintf(c->plan->groups[c->group].name, sizeof(c->plan->groups[0].name),
			 "sysctl");
	}
	a = plan_add(c->plan, ACT_SYSCTL, c->group);
	if (!a) {
		c->err = -ENOMEM;
		return;
	}
	snprintf(a->dev, sizeof(a->dev), "%s", dev);
	a->sk_key = key;
	a->sk_value = value;
	a->sk_old = old;
	va_start(ap, fmt);
	vsnprintf(a->why, sizeof(a->why), fmt, ap);
	va_end(ap);
}

static const struct sw_link *link_of(const struct policy_input *in, const char *dev)
{
	return linkdb_by_name(in->db, dev);
}

static bool has_family(const struct sw_linkdb *db, int ifindex, int family)
{
	for (size_t i = 0; i < db->naddrs; i++)
		if (db->addrs[i].ifindex == ifindex && db->addrs[i].family == family)
			return true;
	return false;
}

/* A device that receives and sends ARP with addresses of its own. */
static bool arp_host_device(const struct sw_linkdb *db, const struct sw_link *l)
{
	return !(l->flags & (IFF_NOARP | IFF_LOOPBACK)) && has_family(db, l->ifindex, AF_INET);
}

static const struct policy_req *find_req(const struct policy_req *r, size_t n, const char *dev,
					 int key)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].key == key && !strcmp(r[i].dev, dev))
			return &r[i];
	return NULL;
}

static int dev_value(const struct sk_snapshot *sk, const char *dev, int key)
{
	const struct sk_dev *d = sk_find(sk, dev);

	return d ? d->v[key] : -1;
}

static void plan_key(struct ctx *c, int key, const struct policy_req *reqs, size_t nreqs)
{
	const struct policy_input *in = c->in;
	const struct sk_snapshot *sk = in->sk;
	const char *name = conf_sysctl_name(key);
	int G = key < SK_NCONF ? in->conf->sysctl.v[key] : -1;
	int cur = sk->all.v[key], A, H = INT_MAX, glo = -1, ghi = -1;
	bool dflt_changes = false;
	char rule[48];

	/* the device-only keys: just the devices */
	if (sk_rule_of(key) == SK_RULE_DEV) {
		for (size_t i = 0; i < nreqs; i++) {
			const struct policy_req *q = &reqs[i];
			int v = dev_value(sk, q->dev, key);

			if (q->key != key || !link_of(in, q->dev) || v < 0)
				continue;
			/* a NIC whose IPv6 addresses did not reach the bridge
			 * keeps them: disabling IPv6 would drop them */
			if (key == SK_DISABLE_IPV6 && has_family(in->db, link_of(in, q->dev)->ifindex,
								 AF_INET6))
				continue;
			if (v < q->lo || v > q->hi)
				write_sk(c, q->dev, key, q->lo, v, "%s", q->why);
		}
		return;
	}
	if (cur < 0)
		return; /* not readable: nothing to base a decision on */
	if (in->conf->nvips && key == SK_ARP_IGNORE) {
		glo = 1;
		ghi = 2;
	} else if (in->conf->nvips && key == SK_ARP_ANNOUNCE) {
		glo = ghi = 2;
	}
	for (size_t i = 0; i < nreqs; i++)
		if (reqs[i].key == key && link_of(in, reqs[i].dev) && reqs[i].hi < H)
			H = reqs[i].hi;

	if (G >= 0) {
		A = G;
		dflt_changes = sk->dflt.v[key] >= 0 && sk->dflt.v[key] != G;
	} else if (glo >= 0 && glo <= H) {
		int lim = ghi < H ? ghi : H;

		A = cur < glo ? glo : cur > lim ? lim : cur;
	} else {
		A = cur < H ? cur : H;
	}
	if (G < 0 && A < cur && sk->dflt.v[key] >= 0 && sk->dflt.v[key] < cur)
		dflt_changes = true;

	/* the devices' own values first: while all is still high, lowering
	 * them changes nothing yet */
	for (size_t i = 0; i < nreqs; i++) {
		const struct policy_req *q = &reqs[i];
		int v = dev_value(sk, q->dev, key), eff;

		if (q->key != key || !link_of(in, q->dev) || v < 0)
			continue;
		eff = sk_effective(key, A, v);
		if (q->lo > q->hi)
			continue; /* contradictory: conf.c refuses those */
		/* a device never written follows conf/default when that is
		 * written (devinet_copy_dflt_conf): pin it first */
		if (eff >= q->lo && eff <= q->hi && !(dflt_changes && v == q->lo))
			continue;
		if (A > q->hi)
			continue; /* cannot take effect: conf.c refused it, or all was pinned */
		write_sk(c, q->dev, key, q->lo, v, "%s; effective %s", q->why,
			 sk_rule_text(key, q->dev, rule, sizeof(rule)));
	}
	/* lowering all: the other devices keep their effective value */
	if (A < cur && in->sk_partial) {
		c->need_all = true;
		return;
	}
	if (A < cur) {
		for (size_t i = 0; i < sk->ndevs; i++) {
			const struct sk_dev *d = &sk->devs[i];

			if (!strcmp(d->name, "lo") || d->v[key] < 0 || d->v[key] >= cur ||
			    find_req(reqs, nreqs, d->name, key))
				continue;
			write_sk(c, d->name, key, cur, d->v[key],
				 "keeps its effective %s %d while all is lowered to %d", name, cur, A);
		}
		if (G < 0 && sk->dflt.v[key] >= 0 && sk->dflt.v[key] < cur)
			write_sk(c, "default", key, cur, sk->dflt.v[key],
				 "new devices keep %s %d while all is lowered to %d", name, cur, A);
	}
	if (A != cur)
		write_sk(c, "all", key, A, cur, "%s",
			 G >= 0 ? "[sysctl]"
			 : A < cur ? "a device needs less, and the kernel takes the larger"
				   : "[vip]: hide the VIPs from ARP");
	if (G >= 0 && sk->dflt.v[key] >= 0 && sk->dflt.v[key] != G)
		write_sk(c, "default", key, G, sk->dflt.v[key], "[sysctl]");

	/* VIPs hidden on each device with addresses when all cannot do it */
	if (glo >= 0 && A < glo) {
		for (size_t i = 0; i < in->db->nlinks; i++) {
			const struct sw_link *l = &in->db->links[i];
			int v = dev_value(sk, l->name, key);

			if (!arp_host_device(in->db, l) || v < 0 || find_req(reqs, nreqs, l->name, key) ||
			    sk_effective(key, A, v) >= glo)
				continue;
			write_sk(c, l->name, key, glo, v, "hides vip %s from ARP on %s",
				 in->conf->vips[0].text, l->name);
		}
	}
}

/* ---- proxy entries ------------------------------------------------------ */

static bool conf_has_proxy(const struct sw_conf_bridge *b, uint32_t ip)
{
	for (size_t i = 0; b && i < b->nproxy; i++)
		if (b->proxy[i] == ip)
			return true;
	return false;
}

static bool kernel_has_proxy(const struct policy_input *in, int ifindex, uint32_t ip)
{
	for (size_t i = 0; i < in->nproxies; i++)
		if (in->proxies[i].ifindex == ifindex && in->proxies[i].ip == ip)
			return true;
	return false;
}

static int add_proxy_action(struct sw_plan *p, int group, enum sw_action_kind kind,
			    const struct sw_link *l, uint32_t ip, const char *why)
{
	struct sw_action *a = plan_add(p, kind, group);

	if (!a)
		return -ENOMEM;
	a->ifindex = l->ifindex;
	snprintf(a->dev, sizeof(a->dev), "%s", l->name);
	a->ip = ip;
	snprintf(a->why, sizeof(a->why), "%s", why);
	return 0;
}

static int plan_proxies(const struct policy_input *in, struct sw_plan *p)
{
	const struct sw_conf *c = in->conf;

	for (size_t i = 0; i < c->nbridges; i++) {
		const struct sw_conf_bridge *b = &c->bridges[i];
		const struct sw_link *l = linkdb_by_name(in->db, b->name);
		int g = -1, ret;

		if (!l)
			continue;
		/* the bridge's proxy table is exactly its proxy_arp line */
		for (size_t k = 0; k < in->nproxies; k++) {
			if (in->proxies[k].ifindex != l->ifindex ||
			    conf_has_proxy(b, in->proxies[k].ip))
				continue;
			if (g < 0 && (g = plan_group(p, "proxy", b->name)) < 0)
				return g;
			ret = add_proxy_action(p, g, ACT_PROXY_DEL, l, in->proxies[k].ip,
					       "not in the config");
			if (ret)
				return ret;
		}
		for (size_t k = 0; k < b->nproxy; k++) {
			if (kernel_has_proxy(in, l->ifindex, b->proxy[k]))
				continue;
			if (g < 0 && (g = plan_group(p, "proxy", b->name)) < 0)
				return g;
			ret = add_proxy_action(p, g, ACT_PROXY_ADD, l, b->proxy[k], "proxy_arp");
			if (ret)
				return ret;
		}
	}
	/* a bridge that left the config: the entries it had go with it */
	for (size_t i = 0; in->old && i < in->old->nbridges; i++) {
		const struct sw_conf_bridge *ob = &in->old->bridges[i];
		const struct sw_link *l = linkdb_by_name(in->db, ob->name);
		int g = -1, ret;

		if (!l || conf_find_bridge(c, ob->name))
			continue;
		for (size_t k = 0; k < ob->nproxy; k++) {
			if (!kernel_has_proxy(in, l->ifindex, ob->proxy[k]))
				continue;
			if (g < 0 && (g = plan_group(p, "proxy", ob->name)) < 0)
				return g;
			ret = add_proxy_action(p, g, ACT_PROXY_DEL, l, ob->proxy[k],
					       "its bridge left the config");
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* ---- VIPs --------------------------------------------------------------- */

static const struct sw_addr *find_addr4(const struct sw_linkdb *db, int ifindex, uint32_t ip)
{
	for (size_t i = 0; i < db->naddrs; i++) {
		const struct sw_addr *a = &db->addrs[i];

		if (a->family == AF_INET && (!ifindex || a->ifindex == ifindex) && a->has_local &&
		    !memcmp(a->local, &ip, 4))
			return a;
	}
	return NULL;
}

static int plan_vips(const struct policy_input *in, struct sw_plan *p)
{
	const struct sw_conf *c = in->conf;

	for (size_t i = 0; i < c->nvips; i++) {
		const struct sw_conf_vip *v = &c->vips[i];
		const struct sw_link *l = linkdb_by_name(in->db, v->device);
		struct sw_action *a;
		int g;

		if (l && find_addr4(in->db, l->ifindex, v->ip) && (l->flags & IFF_UP))
			continue;
		g = plan_group(p, "vip", v->text);
		if (g < 0)
			return g;
		if (!l) {
			snprintf(p->groups[g].error, sizeof(p->groups[g].error),
				 "device %s does not exist%s", v->device,
				 !strcmp(v->device, "tunl0") ? " (the ipip module is not loaded)"
							     : "");
			continue;
		}
		if (!(l->flags & IFF_UP)) {
			a = plan_add(p, ACT_SET_UP, g);
			if (!a)
				return -ENOMEM;
			a->ifindex = l->ifindex;
			snprintf(a->dev, sizeof(a->dev), "%s", l->name);
		}
		if (find_addr4(in->db, l->ifindex, v->ip))
			continue;
		a = plan_add(p, ACT_ADDR_ADD, g);
		if (!a)
			return -ENOMEM;
		a->ifindex = l->ifindex;
		snprintf(a->dev, sizeof(a->dev), "%s", l->name);
		a->addr.family = AF_INET;
		a->addr.ifindex = l->ifindex;
		a->addr.prefixlen = 32;
		a->addr.scope = RT_SCOPE_UNIVERSE;
		a->addr.has_local = a->addr.has_address = true;
		memcpy(a->addr.local, &v->ip, 4);
		memcpy(a->addr.address, &v->ip, 4);
		a->addr.valid_lft = a->addr.preferred_lft = 0xffffffff;
		snprintf(a->why, sizeof(a->why), "vip, mode %s",
			 v->mode == SW_VIP_DR ? "dr" : "tun");
	}
	/* a VIP that left the config goes away */
	for (size_t i = 0; in->old && i < in->old->nvips; i++) {
		const struct sw_conf_vip *v = &in->old->vips[i];
		const struct sw_link *l = linkdb_by_name(in->db, v->device);
		const struct sw_addr *ad;
		struct sw_action *a;
		bool kept = false;
		int g;

		for (size_t k = 0; k < c->nvips; k++)
			kept |= c->vips[k].ip == v->ip && !strcmp(c->vips[k].device, v->device);
		if (kept || !l || !(ad = find_addr4(in->db, l->ifindex, v->ip)))
			continue;
		g = plan_group(p, "vip", v->text);
		if (g < 0)
			return g;
		a = plan_add(p, ACT_ADDR_DEL, g);
		if (!a)
			return -ENOMEM;
		a->ifindex = l->ifindex;
		snprintf(a->dev, sizeof(a->dev), "%s", l->name);
		a->addr = *ad;
		snprintf(a->why, sizeof(a->why), "left the config");
	}
	return 0;
}

int policy_sk_devices(const struct policy_input *in, char (**names)[SW_IFNAMSIZ], size_t *n)
{
	struct policy_req *reqs;
	size_t nreqs, k = 0;
	int ret = policy_input_requirements(in, &reqs, &nreqs);

	*names = NULL;
	*n = 0;
	if (ret) {
		free(reqs);
		return ret;
	}
	*names = calloc(nreqs + in->db->nlinks + 1, sizeof(**names));
	if (!*names) {
		free(reqs);
		return -ENOMEM;
	}
	for (size_t i = 0; i < nreqs; i++)
		sw_strlcpy((*names)[k++], reqs[i].dev, SW_IFNAMSIZ);
	for (size_t i = 0; i < in->db->nlinks; i++)
		if (arp_host_device(in->db, &in->db->links[i]))
			sw_strlcpy((*names)[k++], in->db->links[i].name, SW_IFNAMSIZ);
	free(reqs);
	*n = k;
	return 0;
}

int policy_plan(const struct policy_input *in, struct sw_plan *plan)
{
	struct ctx c = { .in = in, .plan = plan, .group = -1 };
	struct policy_req *reqs;
	size_t nreqs;
	int ret;

	struct reqs r = { 0 };

	conf_requirements(&r, in->conf, in->db);
	route_requirements(&r, in);
	reqs = r.v;
	nreqs = r.n;
	if ((ret = r.err)) {
		free(reqs);
		return ret;
	}
	if (in->sk_partial) {
		struct ctx dry = { .in = in, .plan = plan, .group = -1, .dry = true };

		for (int k = 0; k < SK_NKEYS && !dry.need_all; k++)
			plan_key(&dry, k, reqs, nreqs);
		if (dry.need_all) {
			free(reqs);
			return -EAGAIN;
		}
	}
	/* VIP addresses first: the sysctls that hide them see them */
	ret = plan_vips(in, plan);
	if (ret) {
		free(reqs);
		return ret;
	}
	for (int k = 0; k < SK_NKEYS && !c.err; k++)
		plan_key(&c, k, reqs, nreqs);
	free(reqs);
	if (c.err)
		return c.err;
	return plan_proxies(in, plan);
}
