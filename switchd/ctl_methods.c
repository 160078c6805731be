/*
 * The control methods. Each handler checks its parameters, builds a small
 * plan and applies it through apply.c (the same path as start-up: logging,
 * rollback), and answers with a result object or a one-line error that names
 * the object and the reason.
 */
#include <errno.h>
#include <grp.h>
#include <net/if.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_addr.h>

#include "announce.h"
#include "apply.h"
#include "arp.h"
#include "conf.h"
#include "ctl_methods.h"
#include "log.h"
#include "replay.h"
#include "reconcile.h"
#include "switchd.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.0"
#endif

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

/* A string parameter; missing or not a string -> error naming it. */
static int param_str(const char *method, json_t *params, const char *key, bool required,
		     const char **out, char *err, size_t errlen)
{
	json_t *v = json_object_get(params, key);

	*out = NULL;
	if (!v) {
		if (required)
			return fail(err, errlen, -EINVAL, "%s: missing parameter \"%s\"", method, key);
		return 0;
	}
	if (!json_is_string(v))
		return fail(err, errlen, -EINVAL, "%s: parameter \"%s\" must be a string", method,
			    key);
	*out = json_string_value(v);
	if (strlen(*out) >= SW_IFNAMSIZ * 4)
		return fail(err, errlen, -EINVAL, "%s: parameter \"%s\" is too long", method, key);
	return 0;
}

static const struct sw_link *bridge_link(struct sw_ctx *ctx, const char *name)
{
	const struct sw_link *l = linkdb_by_name(&ctx->db, name);

	return l && strcmp(l->kind, "bridge") == 0 ? l : NULL;
}

static json_t *link_mac_json(const struct sw_link *l)
{
	char mac[SW_MACSTR];

	return l && l->has_mac ? json_string(mac_format(l->mac, mac)) : json_null();
}

static json_t *addresses_json(struct sw_ctx *ctx, int ifindex)
{
	json_t *arr = json_array();

	/* IPv4 first, then IPv6, each in the kernel's order */
	for (size_t i = 0; i < 2 * ctx->db.naddrs; i++) {
		const struct sw_addr *a = &ctx->db.addrs[i % ctx->db.naddrs];
		struct sw_cidr c = { .family = a->family, .prefixlen = a->prefixlen };
		char buf[80];

		if (a->ifindex != ifindex || (a->family == AF_INET) != (i < ctx->db.naddrs))
			continue;
		/* the kernel makes the link-local one itself; show what the host uses */
		if (a->family == AF_INET6 && a->scope == RT_SCOPE_LINK)
			continue;
		memcpy(c.addr, a->has_local ? a->local : a->address, 16);
		json_array_append_new(arr, json_string(cidr_format(&c, buf, sizeof(buf))));
	}
	return arr;
}

/* The configured ports of a bridge that are attached to it now. */
static const struct sw_link *active_port(struct sw_ctx *ctx, const struct sw_conf_bridge *br,
					 const struct sw_link *bl, const char **name)
{
	for (size_t i = 0; bl && i < br->nports; i++) {
		const struct sw_conf_nic *nic = conf_find_nic(&ctx->conf, br->ports[i]);
		const struct sw_link *l = nic ? plan_find_nic(&ctx->conf, &ctx->db, nic) : NULL;

		if (l && l->master == bl->ifindex) {
			if (name)
				*name = br->ports[i];
			return l;
		}
	}
	return NULL;
}

static json_t *bridge_json(struct sw_ctx *ctx, const struct sw_conf_bridge *br)
{
	const struct sw_link *bl = bridge_link(ctx, br->name);
	json_t *o = json_object(), *ports = json_array(), *taps = json_array(),
	       *guests = json_array();
	uint8_t pinned[6];
	const char *why;

	json_object_set_new(o, "name", json_string(br->name));
	json_object_set_new(o, "present", json_boolean(bl != NULL));
	json_object_set_new(o, "stp", json_boolean(bl ? bl->br_stp : br->stp));
	json_object_set_new(o, "address", json_string(br->addr_mode == SW_ADDR_NONE ? "none" :
						      br->addr_mode == SW_ADDR_KEEP ? "keep" : "static"));
	if (bl) {
		plan_bridge_mac(&ctx->conf, &ctx->db, br, pinned, &why);
		json_object_set_new(o, "ifindex", json_integer(bl->ifindex));
		json_object_set_new(o, "mac", link_mac_json(bl));
		json_object_set_new(o, "mac_pinned",
				    json_boolean(bl->has_mac && !memcmp(bl->mac, pinned, 6)));
		json_object_set_new(o, "up", json_boolean(bl->flags & IFF_UP));
		json_object_set_new(o, "carrier", json_boolean(bl->carrier));
		json_object_set_new(o, "addresses", addresses_json(ctx, bl->ifindex));
	}
	for (size_t i = 0; i < br->nports; i++) {
		const struct sw_conf_nic *nic = conf_find_nic(&ctx->conf, br->ports[i]);
		const struct sw_link *l = nic ? plan_find_nic(&ctx->conf, &ctx->db, nic) : NULL;
		json_t *p = json_object();
		const char *role = "missing";

		if (l && bl && l->master == bl->ifindex)
			role = "active";
		else if (l && runtime_is_held(&ctx->rt, br->name, br->ports[i]))
			role = "detached";
		else if (l)
			role = "standby";
		json_object_set_new(p, "name", json_string(br->ports[i]));
		json_object_set_new(p, "role", json_string(role));
		json_object_set_new(p, "present", json_boolean(l != NULL));
		if (l) {
			json_object_set_new(p, "ifindex", json_integer(l->ifindex));
			json_object_set_new(p, "carrier", json_boolean(l->carrier));
			json_object_set_new(p, "mac", link_mac_json(l));
			json_object_set_new(p, "carrier_changes", json_integer(l->carrier_changes));
		}
		struct sw_bridge_rt *brt = runtime_bridge(&ctx->rt, br->name);
		if (brt && i < brt->nports) {
			const struct sw_port_stats *ps = &brt->pstats[i];

			json_object_set_new(p, "swaps", json_integer(ps->swaps));
			json_object_set_new(p, "announced", json_integer((json_int_t)ps->announced));
			json_object_set_new(p, "replayed", json_integer((json_int_t)ps->replayed));
			if (ps->last_swap[0]) {
				json_object_set_new(p, "last_swap", json_string(ps->last_swap));
				json_object_set_new(p, "last_swap_reason", json_string(ps->last_reason));
			}
		}
		json_array_append_new(ports, p);
	}
	/* everything else attached: taps and guests */
	for (size_t i = 0; bl && i < ctx->db.nlinks; i++) {
		const struct sw_link *l = &ctx->db.links[i];
		bool configured = false;

		if (l->master != bl->ifindex)
			continue;
		for (size_t k = 0; k < br->nports; k++)
			configured |= strcmp(l->name, br->ports[k]) == 0;
		if (configured || replay_is_tap(ctx, l->ifindex))
			continue;
		json_t *d = json_pack("{s:s,s:i,s:b,s:o,s:b}", "name", l->name, "ifindex", l->ifindex,
				      "carrier", l->carrier, "mac", link_mac_json(l), "attached", 1);
		if (strcmp(l->kind, "tun") == 0) {
			const struct sw_conf_tap *t = conf_find_tap(&ctx->conf, l->name);

			if (t && t->has_owner)
				json_object_set_new(d, "owner", json_string(t->owner));
			json_object_set_new(d, "created_by_switchd",
					    json_boolean(strcmp(l->alias, "switchd") == 0));
			json_array_append_new(taps, d);
		} else {
			json_array_append_new(guests, d);
		}
	}
	/* configured taps that are missing or attached elsewhere */
	for (size_t i = 0; i < ctx->conf.ntaps; i++) {
		const struct sw_conf_tap *t = &ctx->conf.taps[i];
		const struct sw_link *l = linkdb_by_name(&ctx->db, t->name);

		if (strcmp(t->bridge, br->name) || (l && bl && l->master == bl->ifindex))
			continue;
		json_array_append_new(taps, json_pack("{s:s,s:b,s:b}", "name", t->name, "present",
						      l != NULL, "attached", 0));
	}
	struct sw_bridge_rt *rt = runtime_bridge(&ctx->rt, br->name);
	if (rt) {
		json_object_set_new(o, "swaps", json_integer(rt->swaps));
		json_object_set_new(o, "announced", json_integer((json_int_t)rt->announced));
		json_object_set_new(o, "replayed",
				    json_integer((json_int_t)replay_count(ctx, br->name)));
		if (replay_tap(ctx, br->name))
			json_object_set_new(o, "replay_tap", json_string(replay_tap(ctx, br->name)));
		if (rt->last_swap[0]) {
			json_object_set_new(o, "last_swap", json_string(rt->last_swap));
			json_object_set_new(o, "last_swap_reason", json_string(rt->last_reason));
		}
		json_object_set_new(o, "failover_suspended", json_boolean(rt->suspended));
	}
	json_object_set_new(o, "ports", ports);
	json_object_set_new(o, "taps", taps);
	json_object_set_new(o, "guests", guests);
	return o;
}

static int m_show(struct sw_ctx *ctx, json_t *params, json_t **result, char *err, size_t errlen)
{
	const char *name;
	json_t *arr;
	int ret = param_str("show", params, "bridge", false, &name, err, errlen);

	if (ret)
		return ret;
	reconcile_sync(ctx);
	if (name && !conf_find_bridge(&ctx->conf, name))
		return fail(err, errlen, -ENOENT, "bridge %s: no such bridge in the config", name);
	arr = json_array();
	for (size_t i = 0; i < ctx->conf.nbridges; i++)
		if (!name || strcmp(name, ctx->conf.bridges[i].name) == 0)
			json_array_append_new(arr, bridge_json(ctx, &ctx->conf.bridges[i]));
	*result = json_pack("{s:o}", "bridges", arr);
	return 0;
}

static int m_status(struct sw_ctx *ctx, json_t *params, json_t **result, char *err,
		    size_t errlen)
{
	reconcile_sync(ctx);
	*result = json_pack("{s:s,s:i,s:s,s:I,s:i,s:i,s:I,s:I,s:i}", "version", PACKAGE_VERSION,
			    "pid", (int)getpid(), "config", ctx->conf_path ? ctx->conf_path : "",
			    "uptime", (json_int_t)(time(NULL) - ctx->started), "bridges",
			    (int)ctx->conf.nbridges, "links", (int)ctx->db.nlinks, "events",
			    (json_int_t)ctx->db.events, "resyncs", (json_int_t)ctx->db.resyncs,
			    "failed_groups", (int)ctx->rt.failed_groups);
	return 0;
}

static int m_doctor(struct sw_ctx *ctx, json_t *params, json_t **result, char *err,
		    size_t errlen)
{
	(void)params;
	reconcile_sync(ctx);
	*result = arp_doctor(&ctx->nl, &ctx->conf, &ctx->db, err, errlen);
	return *result ? 0 : -EIO;
}

/* Common checks of swap/attach/detach: a configured bridge, present, and one
 * of its configured ports, present. */
struct port_args {
	const struct sw_conf_bridge *br;
	const struct sw_link *bl;
	const char *port;
	const struct sw_link *pl;
};

static int port_args(struct sw_ctx *ctx, const char *method, json_t *params,
		     struct port_args *pa, char *err, size_t errlen)
{
	const char *bridge, *owner_name;
	const struct sw_conf_bridge *owner;
	int ret;

	if ((ret = param_str(method, params, "bridge", true, &bridge, err, errlen)) ||
	    (ret = param_str(method, params, "port", true, &pa->port, err, errlen)))
		return ret;
	reconcile_sync(ctx);
	pa->br = conf_find_bridge(&ctx->conf, bridge);
	if (!pa->br)
		return fail(err, errlen, -ENOENT, "bridge %s: no such bridge in the config", bridge);
	if (!conf_find_nic(&ctx->conf, pa->port))
		return fail(err, errlen, -ENOENT, "port %s: not a [nic] in the config", pa->port);
	owner = conf_bridge_of_port(&ctx->conf, pa->port);
	if (owner != pa->br) {
		owner_name = owner ? owner->name : NULL;
		if (owner_name)
			return fail(err, errlen, -EINVAL, "port %s: a port of bridge %s, not of %s",
				    pa->port, owner_name, bridge);
		return fail(err, errlen, -EINVAL, "port %s: not a port of any bridge", pa->port);
	}
	pa->bl = bridge_link(ctx, bridge);
	if (!pa->bl)
		return fail(err, errlen, -ENODEV, "bridge %s: not present", bridge);
	pa->pl = plan_find_nic(&ctx->conf, &ctx->db, conf_find_nic(&ctx->conf, pa->port));
	if (!pa->pl)
		return fail(err, errlen, -ENODEV, "port %s: no such device (NIC missing)", pa->port);
	if (pa->pl->master && pa->pl->master != pa->bl->ifindex)
		return fail(err, errlen, -EBUSY, "port %s: attached to another device (ifindex %d)",
			    pa->port, pa->pl->master);
	return 0;
}

static void set_port_action(struct sw_action *a, enum sw_action_kind kind, const struct sw_link *l,
			    const char *name, const char *bridge)
{
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->ifindex = l->ifindex;
	snprintf(a->dev, sizeof(a->dev), "%s", name);
	snprintf(a->arg, sizeof(a->arg), "%s", bridge);
}

static int run_bridge_actions(struct sw_ctx *ctx, const struct sw_conf_bridge *br,
			      struct sw_action *acts, size_t n, char *err, size_t errlen)
{
	char gname[40];

	snprintf(gname, sizeof(gname), "bridge %s", br->name);
	return apply_group(&ctx->nl, gname, acts, n, err, errlen);
}

/* An operator's change is done: event, log line, reply. */
static void port_change_done(struct sw_ctx *ctx, const struct port_args *pa, const char *type,
			     const char *old, const char *msg, json_t **result)
{
	sw_event(ctx, type,
		 json_pack("{s:s,s:s,s:s?,s:s}", "bridge", pa->br->name, "port", pa->port, "old",
			   old, "reason", "operator"),
		 "%s (operator)", msg);
	*result = json_pack("{s:s}", "message", msg);
	reconcile_sync(ctx);
}

static int m_swap(struct sw_ctx *ctx, json_t *params, json_t **result, char *err, size_t errlen)
{
	struct port_args pa;
	struct sw_action acts[2];
	const struct sw_link *old;
	const char *old_name = NULL;
	char msg[160];
	size_t n = 0;
	int ret = port_args(ctx, "swap", params, &pa, err, errlen);

	if (ret)
		return ret;
	old = active_port(ctx, pa.br, pa.bl, &old_name);
	if (old == pa.pl) {
		snprintf(msg, sizeof(msg), "%s: %s is already the active port", pa.br->name, pa.port);
		*result = json_pack("{s:s}", "message", msg);
		return 0;
	}
	if (!pa.pl->carrier)
		return fail(err, errlen, -ENOLINK,
			    "port %s: no carrier; refusing to make a dead link active", pa.port);
	if (!(pa.pl->flags & IFF_UP))
		set_port_action(&acts[n++], ACT_SET_UP, pa.pl, pa.port, pa.br->name);
	set_port_action(&acts[n], old ? ACT_SWAP : ACT_ENSLAVE, pa.pl, pa.port, pa.br->name);
	acts[n].from_ifindex = old ? old->ifindex : 0;
	if (old_name)
		sw_strlcpy(acts[n].old, old_name, sizeof(acts[n].old));
	n++;
	ret = run_bridge_actions(ctx, pa.br, acts, n, err, errlen);
	if (ret)
		return ret;
	runtime_unhold(&ctx->rt, pa.br->name, pa.port);
	failover_suspend(ctx, pa.br->name, false);
	failover_note_swap(ctx, pa.br->name, pa.port, "operator", 0);
	uplink_active(ctx, pa.br->name, pa.pl->ifindex);
	snprintf(msg, sizeof(msg), "%s: %s is now the active port%s%s%s", pa.br->name, pa.port,
		 old ? " (was " : "", old ? old_name : "", old ? ")" : "");
	port_change_done(ctx, &pa, "swap", old_name, msg, result);
	return 0;
}

static int m_attach(struct sw_ctx *ctx, json_t *params, json_t **result, char *err,
		    size_t errlen)
{
	struct port_args pa;
	struct sw_action acts[2];
	const struct sw_link *old;
	const char *old_name = NULL;
	char msg[160];
	size_t n = 0;
	int ret = port_args(ctx, "attach", params, &pa, err, errlen);

	if (ret)
		return ret;
	if (pa.pl->master == pa.bl->ifindex)
		return fail(err, errlen, -EALREADY, "port %s: already attached to %s", pa.port,
			    pa.br->name);
	old = active_port(ctx, pa.br, pa.bl, &old_name);
	if (old)
		return fail(err, errlen, -EBUSY,
			    "bridge %s: %s is already active; two uplinks would make a loop "
			    "(use swap)",
			    pa.br->name, old_name);
	if (!(pa.pl->flags & IFF_UP))
		set_port_action(&acts[n++], ACT_SET_UP, pa.pl, pa.port, pa.br->name);
	set_port_action(&acts[n++], ACT_ENSLAVE, pa.pl, pa.port, pa.br->name);
	ret = run_bridge_actions(ctx, pa.br, acts, n, err, errlen);
	if (ret)
		return ret;
	runtime_unhold(&ctx->rt, pa.br->name, pa.port);
	failover_suspend(ctx, pa.br->name, false);
	/* back on the network: neighbours relearn the bridge now, not on expiry */
	uplink_active(ctx, pa.br->name, pa.pl->ifindex);
	snprintf(msg, sizeof(msg), "%s: attached %s", pa.br->name, pa.port);
	port_change_done(ctx, &pa, "attach", NULL, msg, result);
	return 0;
}

static int m_detach(struct sw_ctx *ctx, json_t *params, json_t **result, char *err,
		    size_t errlen)
{
	struct port_args pa;
	struct sw_action act;
	char msg[160];
	int ret = port_args(ctx, "detach", params, &pa, err, errlen);

	if (ret)
		return ret;
	if (pa.pl->master != pa.bl->ifindex)
		return fail(err, errlen, -ENOENT, "port %s: not attached to %s", pa.port,
			    pa.br->name);
	set_port_action(&act, ACT_RELEASE, pa.pl, pa.port, pa.br->name);
	ret = run_bridge_actions(ctx, pa.br, &act, 1, err, errlen);
	if (ret)
		return ret;
	/* an operator's detach holds: nothing re-attaches it, and failover does
	 * not put another port in its place, until attach or swap */
	runtime_hold(&ctx->rt, pa.br->name, pa.port);
	failover_suspend(ctx, pa.br->name, true);
	snprintf(msg, sizeof(msg), "%s: detached %s; addresses stay on %s", pa.br->name, pa.port,
		 pa.br->name);
	port_change_done(ctx, &pa, "detach", NULL, msg, result);
	return 0;
}

static int m_tap_add(struct sw_ctx *ctx, json_t *params, json_t **result, char *err,
		     size_t errlen)
{
	const char *name, *bridge, *owner, *group, *why;
	struct sw_action acts[4];
	char msg[160];
	int ret;

	if ((ret = param_str("tap-add", params, "name", true, &name, err, errlen)) ||
	    (ret = param_str("tap-add", params, "bridge", true, &bridge, err, errlen)) ||
	    (ret = param_str("tap-add", params, "owner", false, &owner, err, errlen)) ||
	    (ret = param_str("tap-add", params, "group", false, &group, err, errlen)))
		return ret;
	if (ifname_check(name, &why) < 0)
		return fail(err, errlen, -EINVAL, "tap %s: invalid name: %s", name, why);
	reconcile_sync(ctx);
	if (linkdb_name_taken(&ctx->db, name))
		return fail(err, errlen, -EEXIST, "tap %s: a device with this name exists", name);
	if (!conf_find_bridge(&ctx->conf, bridge))
		return fail(err, errlen, -ENOENT, "bridge %s: no such bridge in the config", bridge);
	if (!bridge_link(ctx, bridge))
		return fail(err, errlen, -ENODEV, "bridge %s: not present", bridge);
	memset(acts, 0, sizeof(acts));
	acts[0].kind = ACT_TAP_CREATE;
	if (owner) {
		struct passwd *pw = getpwnam(owner);
		char *end;
		unsigned long id = strtoul(owner, &end, 10);

		if (!pw && (*end || !*owner))
			return fail(err, errlen, -ENOENT, "tap %s: owner %s: no such user", name, owner);
		acts[0].has_uid = true;
		acts[0].uid = pw ? pw->pw_uid : (uid_t)id;
	}
	if (group) {
		struct group *gr = getgrnam(group);
		char *end;
		unsigned long id = strtoul(group, &end, 10);

		if (!gr && (*end || !*group))
			return fail(err, errlen, -ENOENT, "tap %s: group %s: no such group", name, group);
		acts[0].has_gid = true;
		acts[0].gid = gr ? gr->gr_gid : (gid_t)id;
	}
	acts[1].kind = ACT_SET_ALIAS;
	snprintf(acts[1].arg, sizeof(acts[1].arg), "switchd");
	acts[2].kind = ACT_ENSLAVE;
	snprintf(acts[2].arg, sizeof(acts[2].arg), "%s", bridge);
	acts[3].kind = ACT_SET_UP;
	for (int i = 0; i < 4; i++)
		snprintf(acts[i].dev, sizeof(acts[i].dev), "%s", name);
	snprintf(msg, sizeof(msg), "tap %s", name);
	ret = apply_group(&ctx->nl, msg, acts, 4, err, errlen);
	if (ret)
		return ret;
	snprintf(msg, sizeof(msg), "tap %s created on %s", name, bridge);
	sw_event(ctx, "tap-add", json_pack("{s:s,s:s}", "tap", name, "bridge", bridge), "%s", msg);
	*result = json_pack("{s:s}", "message", msg);
	reconcile_sync(ctx);
	return 0;
}

static int m_tap_del(struct sw_ctx *ctx, json_t *params, json_t **result, char *err,
		     size_t errlen)
{
	const char *name;
	const struct sw_link *l;
	struct sw_action act;
	char msg[160];
	int ret = param_str("tap-del", params, "name", true, &name, err, errlen);

	if (ret)
		return ret;
	reconcile_sync(ctx);
	l = linkdb_by_name(&ctx->db, name);
	if (!l)
		return fail(err, errlen, -ENODEV, "tap %s: no such device", name);
	if (strcmp(l->kind, "tun"))
		return fail(err, errlen, -EINVAL, "%s: not a tap", name);
	/* never delete what switchd did not create */
	if (strcmp(l->alias, "switchd") && !conf_find_tap(&ctx->conf, name))
		return fail(err, errlen, -EPERM, "tap %s: not created by switchd; refusing to delete it",
			    name);
	memset(&act, 0, sizeof(act));
	act.kind = ACT_LINK_DELETE;
	act.ifindex = l->ifindex;
	snprintf(act.dev, sizeof(act.dev), "%s", name);
	snprintf(msg, sizeof(msg), "tap %s", name);
	ret = apply_group(&ctx->nl, msg, &act, 1, err, errlen);
	if (ret)
		return ret;
	snprintf(msg, sizeof(msg), "tap %s deleted", name);
	if (conf_find_tap(&ctx->conf, name))
		snprintf(msg, sizeof(msg), "tap %s deleted (it is in the config: a reload creates it again)",
			 name);
	sw_event(ctx, "tap-del", json_pack("{s:s}", "tap", name), "%s", msg);
	*result = json_pack("{s:s}", "message", msg);
	reconcile_sync(ctx);
	return 0;
}

static int m_reload(struct sw_ctx *ctx, json_t *params, json_t **result, char *err,
		    size_t errlen)
{
	int ret = reconcile_reload(ctx, err, errlen);

	if (ret)
		return ret;
	sw_event(ctx, "reload", NULL, "configuration reloaded from %s", ctx->conf_path);
	*result = json_pack("{s:s}", "message", "configuration reloaded");
	return 0;
}

static int m_monitor(struct sw_ctx *ctx, json_t *params, json_t **result, char *err,
		     size_t errlen)
{
	*result = json_pack("{s:s}", "message", "monitoring events");
	return 0;
}

static const struct ctl_method methods[] = {
	{ "status", m_status, false, false },
	{ "doctor", m_doctor, false, false },
	{ "show", m_show, false, false },
	{ "monitor", m_monitor, false, true },
	{ "swap", m_swap, true, false },
	{ "attach", m_attach, true, false },
	{ "detach", m_detach, true, false },
	{ "tap-add", m_tap_add, true, false },
	{ "tap-del", m_tap_del, true, false },
	{ "reload", m_reload, true, false },
};

const struct ctl_method *ctl_method_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
		if (strcmp(methods[i].name, name) == 0)
			return &methods[i];
	return NULL;
}
