/*
 * See doctor.h. Each check names the kernel rule (kernel-reference.md) that
 * makes it a hazard and the switchd.conf line that fixes it.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "doctor.h"

static int eff(const struct doctor_input *in, const char *dev, int key)
{
	return sk_dev_effective(in->sk, dev, key);
}

static bool is_loopback(const struct sw_link *l)
{
	return l->flags & IFF_LOOPBACK;
}

/* A device that takes part in ARP with addresses of its own. */
static bool arp_device(const struct doctor_input *in, const struct sw_link *l)
{
	if (l->flags & (IFF_NOARP | IFF_LOOPBACK) || !(l->flags & IFF_UP))
		return false;
	for (size_t i = 0; i < in->db->naddrs; i++)
		if (in->db->addrs[i].ifindex == l->ifindex && in->db->addrs[i].family == AF_INET)
			return true;
	return false;
}

static bool has_ipv4(const struct doctor_input *in, int ifindex)
{
	for (size_t i = 0; i < in->db->naddrs; i++)
		if (in->db->addrs[i].ifindex == ifindex && in->db->addrs[i].family == AF_INET)
			return true;
	return false;
}

static const char *ifname(const struct doctor_input *in, int ifindex, char *buf)
{
	const struct sw_link *l = linkdb_by_index(in->db, ifindex);

	if (l)
		return l->name;
	snprintf(buf, 16, "ifindex %d", ifindex);
	return buf;
}

static void hazard(json_t *list, const char *id, const char *object, const char *rule,
		   const char *fix, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void hazard(json_t *list, const char *id, const char *object, const char *rule,
		   const char *fix, const char *fmt, ...)
{
	char problem[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	json_array_append_new(list, json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", id, "object", object,
					      "problem", problem, "rule", rule, "fix", fix));
}

static uint32_t mask(int prefixlen)
{
	return prefixlen ? htonl(~0u << (32 - prefixlen)) : 0;
}

static bool subnet_of(const struct doctor_input *in, const struct sw_addr *a, uint32_t *net)
{
	const struct sw_link *l = linkdb_by_index(in->db, a->ifindex);
	uint32_t ip;

	if (a->family != AF_INET || !l || !arp_device(in, l))
		return false;
	memcpy(&ip, a->local, 4);
	*net = ip & mask(a->prefixlen);
	return true;
}

/* Several interfaces in one subnet that answer ARP for each other. */
static void check_flux(const struct doctor_input *in, json_t *hz)
{
	const struct sw_linkdb *db = in->db;

	for (size_t i = 0; i < db->naddrs; i++) {
		const struct sw_addr *a = &db->addrs[i];
		char names[200] = "", sub[32], ipbuf[16];
		int seen[32], nlinks = 0, open = 0;
		uint32_t net, n2;
		bool earlier = false;

		if (!subnet_of(in, a, &net))
			continue;
		for (size_t j = 0; j < i && !earlier; j++)
			earlier = subnet_of(in, &db->addrs[j], &n2) && n2 == net &&
				  db->addrs[j].prefixlen == a->prefixlen;
		if (earlier)
			continue; /* this subnet was judged already */
		for (size_t k = i; k < db->naddrs && nlinks < 32; k++) {
			const struct sw_addr *b = &db->addrs[k];
			const struct sw_link *lb = linkdb_by_index(db, b->ifindex);
			bool dup = false;

			if (!subnet_of(in, b, &n2) || n2 != net || b->prefixlen != a->prefixlen)
				continue;
			for (int m = 0; m < nlinks; m++)
				dup |= seen[m] == b->ifindex;
			if (dup)
				continue;
			seen[nlinks++] = b->ifindex;
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 names[0] ? " " : "", lb->name);
			if (eff(in, lb->name, SK_ARP_IGNORE) == 0 &&
			    eff(in, lb->name, SK_ARP_FILTER) == 0)
				open++;
		}
		if (nlinks < 2 || !open)
			continue;
		snprintf(sub, sizeof(sub), "%s/%d", inet_ntop(AF_INET, &net, ipbuf, sizeof(ipbuf)),
			 a->prefixlen);
		hazard(hz, "arp-flux", names,
		       "arp_ignore 0 (max(all, dev)): a device answers ARP for every address of the "
		       "host, not only its own",
		       "[sysctl] arp_ignore = 1 and arp_announce = 2",
		       "%s are all in %s and %d of them answer%s ARP for the others' addresses: a "
		       "client learns a different MAC for the same IP (ARP flux)",
		       names, sub, open, open == 1 ? "s" : "");
	}
}

static void check_proxies(const struct doctor_input *in, json_t *hz)
{
	char ipbuf[16], nb[16], obj[64];

	if (in->sk->all.v[SK_PROXY_ARP] == 1)
		hazard(hz, "proxy-everywhere", "all",
		       "proxy_arp is or-combined (all || dev): all = 1 turns it on everywhere",
		       "[sysctl] proxy_arp = 0; put proxy_arp = IP... on the bridge that needs it",
		       "conf/all/proxy_arp is 1: every interface answers ARP for whatever it "
		       "routes elsewhere");
	for (size_t i = 0; i < in->nproxies; i++) {
		const struct sw_proxy *p = &in->proxies[i];
		char devs[160] = "";
		int n = 0;
		bool first = true, devless = false;

		for (size_t k = 0; k < in->nproxies; k++) {
			if (in->proxies[k].ip != p->ip)
				continue;
			if (k < i)
				first = false;
			devless |= in->proxies[k].ifindex == 0;
			n++;
			snprintf(devs + strlen(devs), sizeof(devs) - strlen(devs), "%s%s",
				 devs[0] ? ", " : "",
				 in->proxies[k].ifindex ? ifname(in, in->proxies[k].ifindex, nb)
							: "every device");
		}
		inet_ntop(AF_INET, &p->ip, ipbuf, sizeof(ipbuf));
		if (first && (n > 1 || devless))
			hazard(hz, "proxy-multi", ipbuf,
			       "a proxy entry answers on its device; one without a device answers on "
			       "all of them (pneigh_lookup)",
			       "keep the IP in the proxy_arp line of one bridge only",
			       "proxy ARP entries for %s on %s: more than one device answers for it "
			       "(the OpenVZ flaw)",
			       ipbuf, devs);
		if (!p->ifindex)
			continue;
		const char *dev = ifname(in, p->ifindex, nb);

		snprintf(obj, sizeof(obj), "%s %s", dev, ipbuf);
		const struct sk_dev *d = sk_find(in->sk, dev);

		if (d && d->v[SK_FORWARDING] == 0)
			hazard(hz, "proxy-dead", obj,
			       "proxy ARP is answered only where forwarding is on (IN_DEV_FORWARD, "
			       "device only)",
			       "let switchd manage the entry (proxy_arp = on the bridge)",
			       "the proxy entry for %s on %s cannot answer: forwarding is 0 on %s",
			       ipbuf, dev, dev);
		/* routes[i] is where the kernel routes proxies[i]'s target */
		if (i < in->nroutes) {
			const struct doctor_route *r = &in->routes[i];

			if (r->type != RTN_UNICAST || !r->oif)
				hazard(hz, "proxy-dead", obj,
				       "a proxy answer needs a unicast route to the target",
				       "add a route to the target through the device behind which it "
				       "lives",
				       "the proxy entry for %s on %s cannot answer: no unicast route to "
				       "%s",
				       ipbuf, dev, ipbuf);
			else if (r->oif == p->ifindex)
				hazard(hz, "proxy-dead", obj,
				       "a proxy entry answers only if the route to the target leaves "
				       "through another device (arp_process)",
				       "route the target through the device it sits behind",
				       "the proxy entry for %s on %s cannot answer: the route to it "
				       "leaves through %s itself",
				       ipbuf, dev, dev);
			else {
				char ob[SW_IFNAMSIZ];
				const char *odev = ifname(in, r->oif, ob);
				const struct sk_dev *o = sk_find(in->sk, odev);

				if (o && o->v[SK_FORWARDING] == 0)
					hazard(hz, "proxy-oneway", obj,
					       "IPv4 forwards only what arrives on a device with "
					       "forwarding on (IN_DEV_FORWARD of the input device)",
					       "set forwarding 1 on the route's device (switchd does "
					       "for the proxy_arp it manages)",
					       "the proxy entry for %s on %s answers, but the replies "
					       "from %s come back through %s, whose forwarding is 0: "
					       "they are dropped",
					       ipbuf, dev, ipbuf, odev);
			}
		}
		if (d && d->v[SK_PROXY_DELAY] > 0)
			hazard(hz, "proxy-slow", obj,
			       "broadcast requests wait a random part of neigh/DEV/proxy_delay",
			       "let switchd manage the entry (it sets proxy_delay 0)",
			       "proxy answers for %s on %s are delayed by up to %d jiffies "
			       "(neigh/%s/proxy_delay)",
			       ipbuf, dev, d->v[SK_PROXY_DELAY], dev);
		if (!has_ipv4(in, p->ifindex)) {
			if (eff(in, dev, SK_RP_FILTER) != 0)
				hazard(hz, "proxy-rpfilter", dev,
				       "requests on a device without addresses pass the reverse-path "
				       "check only with rp_filter 0 (max(all, dev))",
				       "address = none on the bridge lets switchd set it (all must be 0 "
				       "too)",
				       "%s has no address and rp_filter %d: the requests its proxy "
				       "entries should answer are dropped",
				       dev, eff(in, dev, SK_RP_FILTER));
			if (eff(in, dev, SK_ARP_IGNORE) != 0)
				hazard(hz, "proxy-arpignore", dev,
				       "arp_ignore above 0 answers only for addresses on the receiving "
				       "device, and this one has none (max(all, dev))",
				       "arp_ignore = 0 on the bridge, and not above 0 in [sysctl]",
				       "%s has no address and arp_ignore %d: requests for this host's "
				       "own addresses are not answered there",
				       dev, eff(in, dev, SK_ARP_IGNORE));
		}
	}
}

static void check_vips(const struct doctor_input *in, json_t *hz)
{
	const struct sw_linkdb *db = in->db;

	for (size_t i = 0; i < db->naddrs; i++) {
		const struct sw_addr *a = &db->addrs[i];
		const struct sw_link *lo = linkdb_by_index(db, a->ifindex);
		char ipbuf[16], obj[48];

		if (a->family != AF_INET || !lo || !is_loopback(lo) || a->local[0] == 127)
			continue;
		inet_ntop(AF_INET, a->local, ipbuf, sizeof(ipbuf));
		for (size_t k = 0; k < db->nlinks; k++) {
			const struct sw_link *l = &db->links[k];
			int ig, an;

			if (!arp_device(in, l))
				continue;
			ig = eff(in, l->name, SK_ARP_IGNORE);
			an = eff(in, l->name, SK_ARP_ANNOUNCE);
			snprintf(obj, sizeof(obj), "%s %s", l->name, ipbuf);
			if (ig == 0 || ig == 3)
				hazard(hz, "vip-answered", obj,
				       "arp_ignore 0 answers for any local address; 3 for any not of "
				       "host scope (max(all, dev))",
				       "a [vip] section, or [sysctl] arp_ignore = 1",
				       "the VIP %s on %s is answered by ARP on %s (effective arp_ignore "
				       "%d): the router sends the VIP's traffic here, not to the "
				       "director",
				       ipbuf, lo->name, l->name, ig);
			if (an < 2)
				hazard(hz, "vip-announced", obj,
				       "arp_announce below 2 may use any local address as the ARP "
				       "source (max(all, dev))",
				       "a [vip] section, or [sysctl] arp_announce = 2",
				       "the VIP %s may be announced on %s as the source of ARP requests "
				       "(effective arp_announce %d): neighbours learn the VIP at this "
				       "host's MAC",
				       ipbuf, l->name, an);
		}
	}
}

static bool is_tunnel(const struct doctor_input *in, const struct sw_link *l)
{
	static const char *kinds[] = { "ipip", "gre", "sit", "ip6tnl", "vti", "ipip6" };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(l->kind, kinds[i]))
			return true;
	if (!strcmp(l->name, "tunl0"))
		return true;
	for (size_t i = 0; in->conf && i < in->conf->nvips; i++)
		if (in->conf->vips[i].mode == SW_VIP_TUN && !strcmp(in->conf->vips[i].device, l->name))
			return true;
	return false;
}

static void check_rpfilter(const struct doctor_input *in, json_t *hz)
{
	for (size_t i = 0; i < in->db->nlinks; i++) {
		const struct sw_link *l = &in->db->links[i];

		if (!is_tunnel(in, l) || !has_ipv4(in, l->ifindex) ||
		    eff(in, l->name, SK_RP_FILTER) != 1)
			continue;
		hazard(hz, "rpfilter-strict", l->name,
		       "strict rp_filter drops a packet whose reply would leave through another "
		       "device (fib_validate_source); max(all, dev)",
		       "mode = tun in the [vip] section (switchd sets rp_filter 2 there)",
		       "%s receives tunnelled requests but the replies leave through another "
		       "device, and its effective rp_filter is 1 (strict): they are dropped",
		       l->name);
	}
}

static void check_macs(const struct doctor_input *in, json_t *hz)
{
	for (size_t i = 0; i < in->nmacs; i++) {
		const struct sw_link *l = linkdb_by_index(in->db, in->macs[i].ifindex);

		if (!l || strcmp(l->kind, "bridge") || in->macs[i].assign_type < 0 ||
		    in->macs[i].assign_type == 3)
			continue;
		hazard(hz, "mac-unpinned", l->name,
		       "a bridge whose MAC was not set takes the lowest MAC of its ports, and "
		       "changes it when ports come and go",
		       "make it a [bridge] of switchd (it pins the MAC)",
		       "bridge %s has no pinned MAC: a port change changes its MAC and every "
		       "neighbour's ARP entry goes stale",
		       l->name);
	}
}

static void check_drift(const struct doctor_input *in, json_t *hz)
{
	for (size_t i = 0; in->drift && i < in->drift->n; i++) {
		const struct sw_action *a = &in->drift->v[i];
		char what[200];

		action_describe(a, what, sizeof(what));
		hazard(hz, "config-drift", a->dev, "switchd.conf says otherwise",
		       "start switchd (or run switchctl reload): it applies the config",
		       "differs from the config: switchd would %s", what);
	}
}

static json_t *interfaces(const struct doctor_input *in)
{
	json_t *arr = json_array();
	char rule[48], ab[64];

	for (size_t i = 0; arr && i < in->db->nlinks; i++) {
		const struct sw_link *l = &in->db->links[i];
		const struct sk_dev *d = sk_find(in->sk, l->name);
		json_t *o = json_object(), *sc = json_object(), *addrs = json_array();

		for (size_t k = 0; k < in->db->naddrs; k++)
			if (in->db->addrs[k].ifindex == l->ifindex && in->db->addrs[k].family == AF_INET) {
				char ip[16];

				inet_ntop(AF_INET, in->db->addrs[k].local, ip, sizeof(ip));
				snprintf(ab, sizeof(ab), "%s/%d", ip, in->db->addrs[k].prefixlen);
				json_array_append_new(addrs, json_string(ab));
			}
		for (int k = 0; d && k < SK_NKEYS; k++) {
			if (d->v[k] < 0)
				continue;
			json_object_set_new(
				sc, conf_sysctl_name(k),
				json_pack("{s:i,s:i,s:i,s:s}", "all",
					  sk_rule_of(k) == SK_RULE_DEV ? -1 : in->sk->all.v[k], "dev",
					  d->v[k], "effective", sk_effective(k, in->sk->all.v[k], d->v[k]),
					  "rule", sk_rule_text(k, l->name, rule, sizeof(rule))));
		}
		json_object_set_new(o, "name", json_string(l->name));
		json_object_set_new(o, "kind", json_string(l->kind));
		json_object_set_new(o, "addresses", addrs);
		json_object_set_new(o, "sysctl", sc);
		json_array_append_new(arr, o);
	}
	return arr;
}

json_t *doctor_run(const struct doctor_input *in)
{
	json_t *hz = json_array(), *r;

	if (!hz)
		return NULL;
	check_flux(in, hz);
	check_proxies(in, hz);
	check_vips(in, hz);
	check_rpfilter(in, hz);
	check_macs(in, hz);
	check_drift(in, hz);
	r = json_pack("{s:o,s:o}", "hazards", hz, "interfaces", interfaces(in));
	return r;
}

int doctor_add_cable(json_t *report, const json_t *findings)
{
	json_t *hz = json_object_get(report, "hazards");
	const json_t *f;
	size_t i;
	char fix[200];

	if (!hz)
		return -ENOMEM;
	json_array_foreach(findings, i, f) {
		const char *nic = json_string_value(json_object_get(f, "nic"));
		const char *bridge = json_string_value(json_object_get(f, "bridge"));
		const char *net = json_string_value(json_object_get(f, "network"));
		const char *ev = json_string_value(json_object_get(f, "evidence"));
		const char *verdict = json_string_value(json_object_get(f, "verdict"));

		if (!nic || !bridge || !net || !ev || !verdict)
			continue;
		if (!strcmp(verdict, "miswired")) {
			snprintf(fix, sizeof(fix), "move the cable to %s's network, or put %s in "
				 "[bridge %s] ports (cable_check = attach does that at run time)",
				 bridge, nic, net);
			hazard(hz, "cable-miswired", nic,
			       "a NIC reaches the network whose identifiers (LLDP, STP root, ARP "
			       "senders, RA prefixes, DHCP servers) it hears, and no other bridge's",
			       fix, "%s is cabled to the network of %s, not %s (its bridge): it sees %s",
			       nic, net, bridge, ev);
		} else if (!strcmp(verdict, "ambiguous")) {
			hazard(hz, "cable-two-networks", nic,
			       "a NIC that hears two bridges' networks is on a loop or a trunk: "
			       "it never takes over, it is only reported",
			       "find the loop (a switch that bridges both networks) or the trunk",
			       "%s (of bridge %s) sees %s", nic, bridge, ev);
		}
	}
	return 0;
}
