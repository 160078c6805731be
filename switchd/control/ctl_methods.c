/*
 * The control methods. Each handler checks its parameters, builds a small
 * plan and applies it through apply.c (the same path as start-up: logging,
 * rollback), and answers with a result object or a one-line error that names
 * the object and the reason.
 */
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_addr.h>

#include <switchd/proto.h>

#include "arp.h"
#include "cable.h"
#include "conf.h"
#include "ctl_methods.h"
#include "doctor.h"
#include "engine.h"
#include "feature.h"
#include "guests.h"
#include "log.h"
#include "plan.h"
#include "runtime.h"
#include "show_text.h"
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

/* A change may ask to be confirmed ("confirm": seconds); while one awaits
 * confirmation every other change is refused (its undo would be wrong).
 * 0 with *seconds (0: no confirmation), or -errno with err set. */
static int confirm_gate(struct sw_ctx *ctx, const char *method, json_t *params, double *seconds,
			char *err, size_t errlen)
{
	json_t *v = json_object_get(params, "confirm");

	*seconds = 0;
	if (engine_confirm_pending(ctx))
		return fail(err, errlen, -EBUSY,
			    "%s: %s awaits confirmation; run switchctl confirm first, or wait "
			    "until it is undone",
			    method, engine_confirm_pending(ctx));
	if (!v)
		return 0;
	if (!json_is_number(v) || json_number_value(v) <= 0 || json_number_value(v) > 86400)
		return fail(err, errlen, -EINVAL,
			    "%s: parameter \"confirm\" must be a number of seconds, 0 < T <= 86400",
			    method);
	*seconds = json_number_value(v);
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

/* Is this device one of a feature's own (the replay tap): not a guest. */
static bool feature_device(struct sw_ctx *ctx, int ifindex)
{
	for (size_t i = 0; i < ctx->rt.nfeatures; i++)
		if (ctx->rt.features[i]->owns_device && ctx->rt.features[i]->owns_device(ctx, ifindex))
			return true;
	return false;
}

static json_t *port_json(struct sw_ctx *ctx, struct rt_bridge *b, struct rt_port *rp,
			 const struct sw_link *bl)
{
	const struct sw_link *l = rt_port_link(ctx, rp);
	json_t *p = json_object();
	const char *role = "missing";

	if (l && bl && l->master == bl->ifindex)
		role = "active";
	else if (l && l->master)
		role = "elsewhere"; /* someone else attached it: not ours to use */
	else if (l && rp->held)
		role = "detached";
	else if (l)
		role = "standby";
	json_object_set_new(p, "name", json_string(rp->name));
	json_object_set_new(p, "role", json_string(role));
	json_object_set_new(p, "present", json_boolean(l != NULL));
	if (l) {
		json_object_set_new(p, "ifindex", json_integer(l->ifindex));
		json_object_set_new(p, "carrier", json_boolean(l->carrier));
		json_object_set_new(p, "mac", link_mac_json(l));
		json_object_set_new(p, "carrier_changes", json_integer(l->carrier_changes));
		if (l->master && (!bl || l->master != bl->ifindex)) {
			const struct sw_link *m = linkdb_by_index(&ctx->db, l->master);

			json_object_set_new(p, "master", m ? json_string(m->name) : json_null());
		}
	}
	for (size_t f = 0; f < ctx->rt.nfeatures; f++)
		if (ctx->rt.features[f]->show_port)
			ctx->rt.features[f]->show_port(ctx, b, rp, p);
	return p;
}

/* The devices attached to the bridge that are not its configured ports:
 * switchd's taps (and configured ones) under taps, the rest under guests. */
static void attached_json(struct sw_ctx *ctx, const struct sw_conf_bridge *br,
			  const struct sw_link *bl, json_t *taps, json_t *guests)
{
	/* thousands of links a bridge: the cheap tests first, the lookups
	 * (config taps, features' devices, guests patterns) only for its own */
	for (size_t i = 0; i < ctx->db.nlinks; i++) {
		const struct sw_link *l = &ctx->db.links[i];
		const struct sw_conf_tap *t;
		bool mine, configured = false;
		const char *pattern;
		json_t *d;

		if (l->master != bl->ifindex)
			continue;
		for (size_t k = 0; k < br->nports; k++)
			configured |= strcmp(l->name, br->ports[k]) == 0;
		if (configured || feature_device(ctx, l->ifindex))
			continue;
		t = conf_find_tap(&ctx->conf, l->name);
		mine = strcmp(l->alias, SW_ALIAS) == 0;
		d = json_object();
		json_object_set_new(d, "name", json_string(l->name));
		json_object_set_new(d, "ifindex", json_integer(l->ifindex));
		json_object_set_new(d, "carrier", json_boolean(l->carrier));
		json_object_set_new(d, "mac", link_mac_json(l));
		json_object_set_new(d, "attached", json_true());
		pattern = guests_pattern(br, l->name);
		/* a tap a hypervisor made and guests = matched is a guest */
		if (strcmp(l->kind, "tun") == 0 && (t || mine || !pattern)) {
			if (t && t->has_owner)
				json_object_set_new(d, "owner", json_string(t->owner));
			json_object_set_new(d, "created_by_switchd", json_boolean(mine));
			json_array_append_new(taps, d);
		} else {
			json_object_set_new(d, "up", json_boolean(l->flags & IFF_UP));
			if (pattern)
				json_object_set_new(d, "pattern", json_string(pattern));
			json_array_append_new(guests, d);
		}
	}
}

static json_t *bridge_json(struct sw_ctx *ctx, const struct sw_conf_bridge *br)
{
	const struct sw_link *bl = bridge_link(ctx, br->name);
	struct rt_bridge *b = rt_bridge(&ctx->rt, br->name);
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
	for (size_t i = 0; b && i < b->nports; i++)
		json_array_append_new(ports, port_json(ctx, b, &b->ports[i], bl));
	if (bl)
		attached_json(ctx, br, bl, taps, guests);
	/* configured taps that are missing or attached elsewhere */
	for (size_t i = 0; i < ctx->conf.ntaps; i++) {
		const struct sw_conf_tap *t = &ctx->conf.taps[i];
		const struct sw_link *l;
		json_t *d;

		if (strcmp(t->bridge, br->name))
			continue;
		l = linkdb_by_name(&ctx->db, t->name);
		if (l && bl && l->master == bl->ifindex)
			continue;
		d = json_object();
		json_object_set_new(d, "name", json_string(t->name));
		json_object_set_new(d, "present", json_boolean(l != NULL));
		json_object_set_new(d, "attached", json_false());
		json_array_append_new(taps, d);
	}
	if (b && b->held_back)
		json_object_set_new(o, "held_back", json_string(b->held_back_why));
	for (size_t f = 0; b && f < ctx->rt.nfeatures; f++)
		if (ctx->rt.features[f]->show_bridge)
			ctx->rt.features[f]->show_bridge(ctx, b, o);
	json_object_set_new(o, "ports", ports);
	json_object_set_new(o, "taps", taps);
	json_object_set_new(o, "guests", guests);
	return o;
}

/*
 * show's text, rendered here (params "format": "text", "verbose": true for
 * what each NIC hears): the client prints one string instead of parsing the
 * JSON of every port (at 4000 ports half a megabyte, most of the time of a
 * text show). The same renderer as switchctl's own, from the same result.
 * NULL when the text is not valid UTF-8 (a name the kernel allows but JSON
 * does not carry): the caller replies with the JSON, switchctl renders it.
 */
static json_t *show_as_text(json_t *result, bool verbose)
{
	json_t *clean = text_escape_json(result), *text = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = clean ? open_memstream(&buf, &len) : NULL;

	if (f) {
		show_text(f, clean, verbose);
		if (fclose(f) == 0)
			text = json_stringn(buf, len);
	}
	free(buf);
	json_decref(clean);
	return text ? json_pack("{s:o}", "text", text) : NULL;
}

static int m_show(struct sw_ctx *ctx, json_t *params, json_t **result, char *err, size_t errlen)
{
	const char *name, *format;
	json_t *arr, *verbose = json_object_get(params, "verbose"), *text;
	int ret = param_str("show", params, "bridge", false, &name, err, errlen);

	if (!ret)
		ret = param_str("show", params, "format", false, &format, err, errlen);
	if (ret)
		return ret;
	if (format && strcmp(format, "json") && strcmp(format, "text"))
		return fail(err, errlen, -EINVAL,
			    "show: parameter \"format\" must be \"json\" or \"text\", not \"%s\"",
			    format);
	if (verbose && !json_is_boolean(verbose))
		return fail(err, errlen, -EINVAL, "show: parameter \"verbose\" must be true or false");
	engine_refresh(ctx);
	if (name && !conf_find_bridge(&ctx->conf, name))
		return fail(err, errlen, -ENOENT, "bridge %s: no such bridge in the config", name);
	arr = json_array();
	for (size_t i = 0; i < ctx->conf.nbridges; i++)
		if (!name || strcmp(name, ctx->conf.bridges[i].name) == 0)
			json_array_append_new(arr, bridge_json(ctx, &ctx->conf.bridges[i]));
	*result = json_pack("{s:o}", "bridges", arr);
	if (format && !strcmp(format, "text") && *result &&
	    (text = show_as_text(*result, json_is_true(verbose)))) {
		json_decref(*result);
		*result = text;
	}
	return 0;
}

static int m_status(struct sw_ctx *ctx, json_t *params, json_t **result, char *err,
		    size_t errlen)
{
	engine_refresh(ctx);
	*result = json_pack("{s:s,s:i,s:s,s:I,s:i,s:i,s:I,s:I,s:i}", "version", PACKAGE_VERSION,
			    "pid", (int)getpid(), "config", ctx->conf_path ? ctx->conf_path : "",
			    "uptime", (json_int_t)(time(NULL) - ctx->started), "bridges",
			    (int)ctx->conf.nbridges, "links", (int)ctx->db.nlinks, "events",
			    (json_int_t)ctx->db.events, "resyncs", (json_int_t)ctx->db.resyncs,
			    "failed_groups", (int)ctx->rt.failed_groups);
	json_t *held = json_array();

	for (size_t i = 0; i < ctx->rt.nbridges; i++)
		if (ctx->rt.bridges[i].held_back)
			json_array_append_new(held, json_pack("{s:s,s:s}", "bridge",
							      ctx->rt.bridges[i].name, "why",
							      ctx->rt.bridges[i].held_back_why));
	json_object_set_new(*result, "held_back", held);
	return 0;
}

static int m_doctor(struct sw_ctx *ctx, json_t *params, json_t **result, char *err,
		    size_t errlen)
{
	(void)params;
	engine_refresh(ctx);
	*result = arp_doctor(&ctx->nl, &ctx->conf, &ctx->db, err, errlen);
	if (!*result)
		return -EIO;
	json_t *cable = cable_findings(ctx);

	doctor_add_cable(*result, cable);
	json_decref(cable);
	/* what only the daemon knows: bridges a pre-up hook holds back */
	json_t *hz = json_object_get(*result, "hazards");

	for (size_t i = 0; json_is_array(hz) && i < ctx->rt.nbridges; i++) {
		const struct rt_bridge *b = &ctx->rt.bridges[i];

		if (!b->held_back)
			continue;
		json_array_append_new(
			hz, json_pack("{s:s,s:s,s:s,s:s,s:s}", "id", "pre-up-failed", "object", b->name,
				      "problem", b->held_back_why, "rule",
				      "a bridge forwards only after its pre-up hooks succeeded "
				      "(hook_failure = block)",
				      "fix", "fix the hook (its output is in the log), then "
					     "switchctl reload; or set hook_failure = ignore"));
	}
	return 0;
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
	engine_refresh(ctx);
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
	/* an uplink would go into a bridge kept down: it forwards only after
	 * its pre-up passed (a reload runs it again) */
	struct rt_bridge *rb = rt_bridge(&ctx->rt, bridge);

	if (rb && rb->held_back && strcmp(method, "detach"))
		return fail(err, errlen, -EBUSY, "%s", rb->held_back_why);
	pa->pl = plan_find_nic(&ctx->conf, &ctx->db, conf_find_nic(&ctx->conf, pa->port));
	if (!pa->pl)
		return fail(err, errlen, -ENODEV, "port %s: no such device (NIC missing)", pa->port);
	if (pa->pl->master && pa->pl->master != pa->bl->ifindex)
		return fail(err, errlen, -EBUSY, "port %s: attached to another device (ifindex %d)",
			    pa->port, pa->pl->master);
	return 0;
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
	engine_refresh(ctx);
}

/* Make the port active (swap from the active one, or attach), then what
 * every new active uplink gets: announcements, neighbours asked again. */
static int make_active(struct sw_ctx *ctx, const struct port_args *pa, const struct sw_link *old,
		       const char *old_name, bool count_swap, char *err, size_t errlen)
{
	struct plan_port pb = { pa->br->name, pa->bl }, pto = { pa->port, pa->pl },
			 pfrom = { old_name, old };
	struct uplink_change ch = { .port_ifindex = pa->pl->ifindex, .port = pa->port,
				    .old = old_name, .reason = "operator" };
	struct sw_plan plan = { 0 };
	int ret = plan_swap(&plan, &pb, &pto, old ? &pfrom : NULL, "operator");

	if (ret == 0)
		ret = engine_change(ctx, &plan, err, errlen);
	else
		fail(err, errlen, ret, "bridge %s: out of memory", pa->br->name);
	plan_free(&plan);
	if (ret)
		return ret;
	runtime_operator_resume(&ctx->rt, pa->br->name, pa->port);
	struct rt_bridge *b = rt_bridge(&ctx->rt, pa->br->name);

	if (b)
		runtime_uplink_active(ctx, b, &ch, count_swap);
	return 0;
}

static int detach_port(struct sw_ctx *ctx, const struct port_args *pa, char *err, size_t errlen)
{
	struct plan_port pb = { pa->br->name, pa->bl }, pp = { pa->port, pa->pl };
	struct sw_plan plan = { 0 };
	int ret = plan_detach(&plan, &pb, &pp, "operator");

	if (ret == 0)
		ret = engine_change(ctx, &plan, err, errlen);
	else
		fail(err, errlen, ret, "bridge %s: out of memory", pa->br->name);
	plan_free(&plan);
	return ret;
}

enum port_op { OP_SWAP, OP_ATTACH, OP_DETACH };
static const char *const port_op_method[] = { "swap", "attach", "detach" };

/* An operator's swap, attach or detach, inside a confirm transaction when
 * params has "confirm" (what: the transaction's description). */
static int port_op(struct sw_ctx *ctx, enum port_op op, json_t *params, const struct port_args *pa,
		   const char *what, const struct sw_link *old, const char *old_name, char *err,
		   size_t errlen)
{
	double confirm;
	int ret = confirm_gate(ctx, port_op_method[op], params, &confirm, err, errlen);

	if (ret)
		return ret;
	if (confirm && (ret = engine_confirm_begin(ctx, confirm, what, err, errlen)))
		return ret;
	if (op == OP_DETACH)
		ret = detach_port(ctx, pa, err, errlen);
	else /* attach: back on the network, neighbours relearn the bridge now, not on expiry */
		ret = make_active(ctx, pa, old, old_name, op == OP_SWAP, err, errlen);
	if (confirm)
		engine_confirm_started(ctx, ret == 0, NULL);
	return ret;
}

static int m_swap(struct sw_ctx *ctx, json_t *params, json_t **result, char *err, size_t errlen)
{
	struct port_args pa;
	const struct sw_link *old;
	const char *old_name = NULL;
	char msg[160];
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
	snprintf(msg, sizeof(msg), "swap of %s to %s", pa.br->name, pa.port);
	if ((ret = port_op(ctx, OP_SWAP, params, &pa, msg, old, old_name, err, errlen)))
		return ret;
	snprintf(msg, sizeof(msg), "%s: %s is now the active port%s%s%s", pa.br->name, pa.port,
		 old ? " (was " : "", old ? old_name : "", old ? ")" : "");
	port_change_done(ctx, &pa, "swap", old_name, msg, result);
	return 0;
}

static int m_attach(struct sw_ctx *ctx, json_t *params, json_t **result, char *err,
		    size_t errlen)
{
	struct port_args pa;
	const struct sw_link *old;
	const char *old_name = NULL;
	char msg[160];
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
	snprintf(msg, sizeof(msg), "attach of %s to %s", pa.port, pa.br->name);
	if ((ret = port_op(ctx, OP_ATTACH, params, &pa, msg, NULL, NULL, err, errlen)))
		return ret;
	snprintf(msg, sizeof(msg), "%s: attached %s", pa.br->name, pa.port);
	port_change_done(ctx, &pa, "attach", NULL, msg, result);
	return 0;
}

static int m_detach(struct sw_ctx *ctx, json_t *params, json_t **result, char *err,
		    size_t errlen)
{
	struct port_args pa;
	char msg[160];
	int ret = port_args(ctx, "detach", params, &pa, err, errlen);

	if (ret)
		return ret;
	if (pa.pl->master != pa.bl->ifindex)
		return fail(err, errlen, -ENOENT, "port %s: not attached to %s", pa.port,
			    pa.br->name);
	snprintf(msg, sizeof(msg), "detach of %s from %s", pa.port, pa.br->name);
	if ((ret = port_op(ctx, OP_DETACH, params, &pa, msg, NULL, NULL, err, errlen)))
		return ret;
	/* an operator's detach holds: nothing re-attaches it, and failover does
	 * not put another port in its place, until attach or swap */
	runtime_operator_detach(&ctx->rt, pa.br->name, pa.port);
	snprintf(msg, sizeof(msg), "%s: detached %s; addresses stay on %s", pa.br->name, pa.port,
		 pa.br->name);
	port_change_done(ctx, &pa, "detach", NULL, msg, result);
	return 0;
}

static int m_tap_add(struct sw_ctx *ctx, json_t *params, json_t **result, char *err,
		     size_t errlen)
{
	const char *name, *bridge, *owner, *group, *why;
	struct plan_owner own = { 0 };
	struct sw_plan plan = { 0 };
	char msg[160];
	int ret;

	if ((ret = param_str("tap-add", params, "name", true, &name, err, errlen)) ||
	    (ret = param_str("tap-add", params, "bridge", true, &bridge, err, errlen)) ||
	    (ret = param_str("tap-add", params, "owner", false, &owner, err, errlen)) ||
	    (ret = param_str("tap-add", params, "group", false, &group, err, errlen)))
		return ret;
	if (ifname_check(name, &why) < 0)
		return fail(err, errlen, -EINVAL, "tap %s: invalid name: %s", name, why);
	double confirm;

	if ((ret = confirm_gate(ctx, "tap-add", params, &confirm, err, errlen)))
		return ret;
	if (confirm)
		return fail(err, errlen, -EINVAL, "tap-add: \"confirm\" is for reload, swap, attach and detach");
	engine_refresh(ctx);
	if (linkdb_name_taken(&ctx->db, name))
		return fail(err, errlen, -EEXIST, "tap %s: a device with this name exists", name);
	if (!conf_find_bridge(&ctx->conf, bridge))
		return fail(err, errlen, -ENOENT, "bridge %s: no such bridge in the config", bridge);
	if (!bridge_link(ctx, bridge))
		return fail(err, errlen, -ENODEV, "bridge %s: not present", bridge);
	/* the same lookup and range checks as [tap] owner = / group = */
	char reason[160];

	if (owner) {
		if ((ret = conf_resolve_owner(owner, &own.uid, reason, sizeof(reason))) < 0)
			return fail(err, errlen, ret, "tap %s: %s", name, reason);
		own.has_uid = true;
	}
	if (group) {
		if ((ret = conf_resolve_group(group, &own.gid, reason, sizeof(reason))) < 0)
			return fail(err, errlen, ret, "tap %s: %s", name, reason);
		own.has_gid = true;
	}
	ret = plan_tap_add(&plan, name, bridge, &own);
	if (ret == 0)
		ret = engine_change(ctx, &plan, err, errlen);
	else
		fail(err, errlen, ret, "tap %s: out of memory", name);
	plan_free(&plan);
	if (ret)
		return ret;
	snprintf(msg, sizeof(msg), "tap %s created on %s", name, bridge);
	sw_event(ctx, "tap-add", json_pack("{s:s,s:s}", "tap", name, "bridge", bridge), "%s", msg);
	*result = json_pack("{s:s}", "message", msg);
	return 0;
}

static int m_tap_del(struct sw_ctx *ctx, json_t *params, json_t **result, char *err,
		     size_t errlen)
{
	const char *name;
	const struct sw_link *l;
	struct sw_plan plan = { 0 };
	char msg[160];
	int ret = param_str("tap-del", params, "name", true, &name, err, errlen);

	if (ret)
		return ret;
	double confirm;

	if ((ret = confirm_gate(ctx, "tap-del", params, &confirm, err, errlen)))
		return ret;
	if (confirm)
		return fail(err, errlen, -EINVAL, "tap-del: \"confirm\" is for reload, swap, attach and detach");
	engine_refresh(ctx);
	l = linkdb_by_name(&ctx->db, name);
	if (!l)
		return fail(err, errlen, -ENODEV, "tap %s: no such device", name);
	if (strcmp(l->kind, "tun"))
		return fail(err, errlen, -EINVAL, "%s: not a tap", name);
	/* never delete what switchd did not create */
	if (strcmp(l->alias, SW_ALIAS) && !conf_find_tap(&ctx->conf, name))
		return fail(err, errlen, -EPERM, "tap %s: not created by switchd; refusing to delete it",
			    name);
	bool configured = conf_find_tap(&ctx->conf, name) != NULL;

	ret = plan_tap_del(&plan, l);
	if (ret == 0)
		ret = engine_change(ctx, &plan, err, errlen);
	else
		fail(err, errlen, ret, "tap %s: out of memory", name);
	plan_free(&plan);
	if (ret)
		return ret;
	snprintf(msg, sizeof(msg), "tap %s deleted", name);
	if (configured)
		snprintf(msg, sizeof(msg), "tap %s deleted (it is in the config: a reload creates it again)",
			 name);
	sw_event(ctx, "tap-del", json_pack("{s:s}", "tap", name), "%s", msg);
	*result = json_pack("{s:s}", "message", msg);
	return 0;
}

static int m_reload(struct sw_ctx *ctx, json_t *params, json_t **result, char *err,
		    size_t errlen)
{
	struct sw_conf old;
	double confirm;
	bool kept = false;
	int ret = confirm_gate(ctx, "reload", params, &confirm, err, errlen);

	if (ret)
		return ret;
	if (confirm && (ret = engine_confirm_begin(ctx, confirm, "reload", err, errlen)))
		return ret;
	ret = confirm ? engine_reload_keep(ctx, err, errlen, &old, &kept)
		      : engine_reload(ctx, err, errlen);
	/* applied in part (-EIO) is applied: what was done can be undone */
	if (confirm)
		engine_confirm_started(ctx, kept, kept ? &old : NULL);
	if (ret)
		return ret;
	if (confirm) {
		char msg[160];

		snprintf(msg, sizeof(msg),
			 "configuration reloaded; undone in %gs unless confirmed (switchctl confirm)",
			 confirm);
		*result = json_pack("{s:s}", "message", msg);
	} else {
		*result = json_pack("{s:s}", "message", "configuration reloaded");
	}
	return 0;
}

static int m_confirm(struct sw_ctx *ctx, json_t *params, json_t **result, char *err,
		     size_t errlen)
{
	char msg[160];
	int ret = engine_confirm(ctx, msg, sizeof(msg));

	(void)params;
	if (ret)
		return fail(err, errlen, ret, "%s", msg);
	*result = json_pack("{s:s}", "message", msg);
	return 0;
}

static int m_monitor(struct sw_ctx *ctx, json_t *params, json_t **result, char *err,
		     size_t errlen)
{
	*result = json_pack("{s:s}", "message", "monitoring events");
	return 0;
}

static int m_cable(struct sw_ctx *ctx, json_t *params, json_t **result, char *err, size_t errlen)
{
	const char *nic;
	int ret = param_str("cable", params, "nic", false, &nic, err, errlen);

	if (ret)
		return ret;
	engine_refresh(ctx);
	*result = cable_json(ctx, nic, err, errlen);
	return *result ? 0 : -ENOENT;
}

static const struct ctl_method methods[] = {
	{ SW_M_STATUS, m_status, SW_WRITES(SW_M_STATUS), false },
	{ SW_M_DOCTOR, m_doctor, SW_WRITES(SW_M_DOCTOR), false },
	{ SW_M_SHOW, m_show, SW_WRITES(SW_M_SHOW), false },
	{ SW_M_MONITOR, m_monitor, SW_WRITES(SW_M_MONITOR), true },
	{ SW_M_SWAP, m_swap, SW_WRITES(SW_M_SWAP), false },
	{ SW_M_ATTACH, m_attach, SW_WRITES(SW_M_ATTACH), false },
	{ SW_M_DETACH, m_detach, SW_WRITES(SW_M_DETACH), false },
	{ SW_M_TAP_ADD, m_tap_add, SW_WRITES(SW_M_TAP_ADD), false },
	{ SW_M_TAP_DEL, m_tap_del, SW_WRITES(SW_M_TAP_DEL), false },
	{ SW_M_RELOAD, m_reload, SW_WRITES(SW_M_RELOAD), false },
	{ SW_M_CONFIRM, m_confirm, SW_WRITES(SW_M_CONFIRM), false },
	{ SW_M_CABLE, m_cable, SW_WRITES(SW_M_CABLE), false },
};

const struct ctl_method *ctl_method_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(methods); i++)
		if (strcmp(methods[i].name, name) == 0)
			return &methods[i];
	return NULL;
}
