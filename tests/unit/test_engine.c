/*
 * The stateful engine (engine.c, runtime.c and the features) driven with a
 * fake kernel (fake_kernel.c): a real libev loop, a config from a string,
 * the control method table, and netlink events the fake queues as the
 * kernel would. Every test runs in its own process (Criterion) and, when
 * allowed, in a network namespace of its own, so that even a feature that
 * opened a real socket could not reach the host's devices.
 */
#include <net/if.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <ev.h>

#include "ctl_methods.h"
#include "engine.h"
#include "events.h"
#include "fake_kernel.h"
#include "link.h"
#include "link_sync.h"
#include "log.h"
#include "runtime.h"
#include "show_text.h"
#include "switchd.h"

/* Features that would open packet sockets or poll real devices are off in
 * every config here (announce, replay, the carrier poll): the fake has no
 * frames. */
#define QUIET "announce = no\nreplay = no\ncarrier_poll = 0\n"

#define NICS2                                 \
	"[nic hweth0]\nmac = 02:00:c6:12:00:10\n" \
	"[nic hweth1]\nmac = 02:00:c6:12:00:11\n"
#define NICS3 NICS2 "[nic hweth2]\nmac = 02:00:c6:12:00:12\n"

static struct sw_ctx ctx;
static bool started;
static json_t *events;	   /* every event emitted, in order */
static int resyncs_seen;   /* DB_RESYNCED published by the link model */
static char conf_path_buf[64]; /* for reloads */

static void sink(void *arg, const char *type, const char *message, json_t *ev)
{
	(void)arg;
	(void)type;
	(void)message;
	if (ev)
		json_array_append(events, ev);
}

static void observer(void *arg, const struct link_event *ev)
{
	(void)arg;
	if (ev->type == DB_RESYNCED)
		resyncs_seen++;
}

static void setup(void)
{
	/* belt and braces: nothing here may touch the host's network */
	if (unshare(CLONE_NEWNET) < 0)
		(void)unshare(CLONE_NEWUSER | CLONE_NEWNET);
	log_init(true, false);
	fk_reset();
	events = json_array();
	memset(&ctx, 0, sizeof(ctx));
	started = false;
	resyncs_seen = 0;
	snprintf(conf_path_buf, sizeof(conf_path_buf), "/tmp/test_engine.XXXXXX");
	close(mkstemp(conf_path_buf));
}

static void stop(void)
{
	if (!started)
		return;
	engine_fini(&ctx);
	ev_loop_destroy(ctx.loop);
	linkdb_free(&ctx.db);
	conf_free(&ctx.conf);
	nl_close(&ctx.nl);
	started = false;
}

static void teardown(void)
{
	stop();
	json_decref(events);
	fk_free();
	unlink(conf_path_buf);
}

TestSuite(engine, .init = setup, .fini = teardown);

static void print_error(void *arg, const char *file, int line, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%s:%d: %s\n", file, line, msg);
}

static void write_conf(const char *text)
{
	FILE *f = fopen(conf_path_buf, "w");

	cr_assert(f);
	fputs(text, f);
	fclose(f);
}

/* The daemon's start-up (main.c) against the fake kernel, up to the first
 * plan, then one settle (the first loop iteration). */
static void start_engine(const char *conf)
{
	char err[256];

	cr_assert_eq(conf_load_string(conf, "test.conf", &ctx.conf, print_error, NULL), 0,
		     "the test's config must parse");
	write_conf(conf);
	ctx.conf_path = conf_path_buf;
	ctx.loop = ev_loop_new(EVFLAG_AUTO);
	cr_assert(ctx.loop);
	cr_assert_eq(nl_open(&ctx.nl, 0), 0);
	linkdb_init(&ctx.db);
	cr_assert_eq(linkdb_resync(&ctx.db, &ctx.nl, err, sizeof(err)), 0, "%s", err);
	linkdb_subscribe(&ctx.db, observer, NULL);
	events_subscribe(&ctx.events, sink, NULL);
	cr_assert_eq(engine_init(&ctx), 0);
	started = true;
	engine_start(&ctx);
	engine_settle(&ctx);
}

static bool timed_out;

static void on_guard(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	timed_out = true;
}

/* Run the loop (timers, and the engine's settle before each sleep) until
 * cond holds; max only keeps a broken build from hanging. */
#define WAIT_FOR(cond, max)                                  \
	({                                                   \
		ev_timer guard_;                             \
		ev_timer_init(&guard_, on_guard, (max), 0);  \
		ev_timer_start(ctx.loop, &guard_);           \
		timed_out = false;                           \
		while (!(cond) && !timed_out) {              \
			/* the daemon's event-socket watcher */ \
			engine_refresh(&ctx);                \
			ev_run(ctx.loop, EVRUN_ONCE);        \
		}                                            \
		ev_timer_stop(ctx.loop, &guard_);            \
		(cond);                                      \
	})

/* A control method through the same table control.c uses. */
static int call(const char *method, json_t *params, json_t **result, char *err, size_t errlen)
{
	const struct ctl_method *m = ctl_method_find(method);
	int ret;

	cr_assert(m, "no method %s", method);
	*result = NULL;
	ret = m->handler(&ctx, params, result, err, errlen);
	json_decref(params);
	return ret;
}

static json_t *show_bridge(const char *bridge)
{
	json_t *res, *b;
	char err[256];

	cr_assert_eq(call("show", json_pack("{s:s}", "bridge", bridge), &res, err, sizeof(err)), 0,
		     "show: %s", err);
	b = json_incref(json_array_get(json_object_get(res, "bridges"), 0));
	json_decref(res);
	cr_assert(b);
	return b;
}

/* The show object of one port (borrowed from b). */
static json_t *port_of(json_t *b, const char *port)
{
	size_t i;
	json_t *p;

	json_array_foreach(json_object_get(b, "ports"), i, p)
		if (!strcmp(json_string_value(json_object_get(p, "name")), port))
			return p;
	cr_assert_fail("show has no port %s", port);
	return NULL;
}

static int port_swaps(json_t *b, const char *port)
{
	return (int)json_integer_value(json_object_get(port_of(b, port), "swaps"));
}

static const char *port_str(json_t *b, const char *port, const char *key)
{
	const char *s = json_string_value(json_object_get(port_of(b, port), key));

	return s ? s : "";
}

static int nactive(json_t *b)
{
	size_t i;
	json_t *p;
	int n = 0;

	json_array_foreach(json_object_get(b, "ports"), i, p)
		n += !strcmp(json_string_value(json_object_get(p, "role")), "active");
	return n;
}

/* The last event of this type (borrowed), or NULL. */
static json_t *last_event(const char *type)
{
	for (size_t i = json_array_size(events); i-- > 0;) {
		json_t *e = json_array_get(events, i);

		if (!strcmp(json_string_value(json_object_get(e, "type")), type))
			return e;
	}
	return NULL;
}

static int count_events(const char *type)
{
	size_t i;
	json_t *e;
	int n = 0;

	json_array_foreach(events, i, e)
		n += !strcmp(json_string_value(json_object_get(e, "type")), type);
	return n;
}

static const char *ev_str(json_t *e, const char *key)
{
	const char *s = e ? json_string_value(json_object_get(e, key)) : NULL;

	return s ? s : "";
}

static bool is_master(const char *port, const char *bridge)
{
	return !strcmp(fk_master_of(port), bridge);
}

/* A host switchd converted before (a restart): bridge eth0 with the NIC's
 * MAC, hweth0 attached, the other NICs up and free. */
static void converted(int nnics, const char *active)
{
	char name[16], mac[24];

	for (int i = 0; i < nnics; i++) {
		snprintf(name, sizeof(name), "hweth%d", i);
		snprintf(mac, sizeof(mac), "02:00:c6:12:00:1%d", i);
		fk_add_nic(name, mac, true, true);
	}
	fk_add_bridge("eth0", "02:00:c6:12:00:10");
	fk_set_master(active, "eth0");
}

/* ---- the fake itself, through the engine's first plan ------------------- */

Test(engine, converts_a_nic_into_a_bridge_of_its_name)
{
	const struct sw_link *bl;
	bool on_bridge = false, on_nic = false, route_on_bridge = false;

	fk_add_nic("eth0", "02:00:c6:12:00:10", true, true);
	fk_add_nic("eth1", "02:00:c6:12:00:11", true, true);
	fk_add_addr4("eth0", "198.18.0.10", 24);
	fk_add_route4("eth0", NULL, 0, "198.18.0.1");
	start_engine(NICS2 "[bridge eth0]\nports = hweth0 hweth1\naddress = keep\n" QUIET);

	cr_assert(fk_link("hweth0") && fk_link("hweth1"), "the NICs get their service names");
	cr_assert_str_eq(fk_link("eth0")->s.kind, "bridge");
	cr_assert(is_master("hweth0", "eth0"), "the preferred NIC is the active port");
	cr_assert_str_eq(fk_master_of("hweth1"), "", "the standby stays outside the bridge");
	cr_assert(fk_link("hweth1")->s.up, "a standby is up, so its carrier is seen");
	cr_assert(!memcmp(fk_link("eth0")->s.mac, fk_link("hweth0")->s.mac, 6),
		  "the bridge has the NIC's MAC");
	cr_assert_eq(count_events("error"), 0);
	cr_assert_eq(ctx.rt.failed_groups, 0);

	/* the host keeps its address and default route, now on the bridge */
	bl = linkdb_by_name(&ctx.db, "eth0");
	for (size_t i = 0; i < fk.naddrs; i++) {
		on_bridge |= fk.addrs[i].ifindex == bl->ifindex;
		on_nic |= fk.addrs[i].ifindex == fk_link("hweth0")->ifindex;
	}
	cr_assert(on_bridge, "198.18.0.10/24 is on the bridge");
	cr_assert(!on_nic, "and no longer on the NIC");
	cr_assert_eq(fk.nroutes, 1, "one default route");
	route_on_bridge = fk.routes[0].oif == bl->ifindex;
	cr_assert(route_on_bridge, "the default route leaves through the bridge");
}

/* What the engine tests rely on: the fake's events keep a model as the
 * kernel's would (a bridge's carrier follows its ports, a rename keeps the
 * ifindex, a deleted bridge releases its ports). */
Test(engine, the_fake_kernel_keeps_the_model_as_the_kernel_would)
{
	const struct sw_link *l;
	char err[256];
	int nic, br;

	converted(1, "hweth0");
	start_engine("[nic hweth0]\nmac = 02:00:c6:12:00:10\n[bridge eth0]\nports = hweth0\n" QUIET);
	nic = fk_link("hweth0")->ifindex;
	br = fk_link("eth0")->ifindex;
	cr_assert(linkdb_by_index(&ctx.db, br)->carrier, "a bridge with a live port has carrier");

	fk_cable("hweth0", false);
	engine_refresh(&ctx);
	cr_assert(!linkdb_by_index(&ctx.db, nic)->carrier);
	cr_assert(!linkdb_by_index(&ctx.db, br)->carrier, "and loses it with the port");
	cr_assert_gt(linkdb_by_index(&ctx.db, nic)->carrier_changes, 0);

	cr_assert_eq(nl_link_rename(&ctx.nl, nic, "hweth9", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(nl_link_delete(&ctx.nl, br, err, sizeof(err)), 0, "%s", err);
	engine_refresh(&ctx);
	l = linkdb_by_index(&ctx.db, nic);
	cr_assert(l);
	cr_assert_str_eq(l->name, "hweth9");
	cr_assert_eq(l->master, 0, "a deleted bridge releases its ports");
	cr_assert_null(linkdb_by_index(&ctx.db, br));
	cr_assert_eq(nl_link_set_master(&ctx.nl, nic, nic, err, sizeof(err)), -EOPNOTSUPP,
		     "only a bridge takes ports");
}

/* ---- failover executor ------------------------------------------------- */

Test(engine, carrier_lost_swaps_to_the_standby)
{
	json_t *b, *e;

	converted(2, "hweth0");
	start_engine(NICS2 "[bridge eth0]\nports = hweth0 hweth1\n" QUIET);
	cr_assert(is_master("hweth0", "eth0"));

	fk_cable("hweth0", false);
	engine_settle(&ctx);

	cr_assert(is_master("hweth1", "eth0"), "the standby takes over");
	cr_assert_str_eq(fk_master_of("hweth0"), "", "the dead port leaves the bridge");
	cr_assert_eq(fk_nports("eth0"), 1, "never two uplinks");
	e = last_event("swap");
	cr_assert(e, "a swap event");
	cr_assert_str_eq(ev_str(e, "port"), "hweth1");
	cr_assert_str_eq(ev_str(e, "old"), "hweth0");
	b = show_bridge("eth0");
	cr_assert_eq(json_integer_value(json_object_get(b, "swaps")), 1);
	cr_assert_eq(port_swaps(b, "hweth1"), 1);
	cr_assert_eq(port_swaps(b, "hweth0"), 0);
	cr_assert(strstr(port_str(b, "hweth1", "last_swap_reason"), "carrier lost"),
		  "reason: %s", port_str(b, "hweth1", "last_swap_reason"));
	cr_assert_str_eq(port_str(b, "hweth1", "role"), "active");
	cr_assert_str_eq(port_str(b, "hweth0", "role"), "standby");
	json_decref(b);
}

/* show "format": "text" is the tree switchctl would print from the JSON
 * (the daemon renders it so a client of 4000 ports does not parse the JSON) */
Test(engine, show_text_is_the_tree_of_the_json)
{
	json_t *res, *json;
	char err[256], *buf;
	size_t len;
	FILE *f;

	converted(2, "hweth0");
	start_engine(NICS2 "[bridge eth0]\nports = hweth0 hweth1\n" QUIET);
	fk_cable("hweth0", false);
	engine_settle(&ctx);
	for (int verbose = 0; verbose < 2; verbose++) {
		cr_assert_eq(call("show", json_pack("{s:s}", "bridge", "eth0"), &json, err, sizeof(err)), 0,
			     "show: %s", err);
		cr_assert_eq(call("show", json_pack("{s:s,s:s,s:b}", "bridge", "eth0", "format", "text",
						    "verbose", verbose),
				  &res, err, sizeof(err)),
			     0, "show text: %s", err);
		cr_assert(json_is_string(json_object_get(res, "text")), "a text result");
		cr_assert_null(json_object_get(res, "bridges"), "the text instead of the JSON");
		f = open_memstream(&buf, &len);
		show_text(f, json, verbose);
		fclose(f);
		cr_assert_str_eq(json_string_value(json_object_get(res, "text")), buf);
		cr_assert(strstr(buf, "hweth1") && strstr(buf, "active") && strstr(buf, "carrier lost"),
			  "the tree after the swap:\n%s", buf);
		cr_assert_eq(strstr(buf, "heard:") != NULL, verbose == 1, "-v adds what NICs hear:\n%s",
			     buf);
		free(buf);
		json_decref(res);
		json_decref(json);
	}
	cr_assert_eq(call("show", json_pack("{s:s}", "format", "xml"), &res, err, sizeof(err)),
		     -EINVAL);
	cr_assert(strstr(err, "\"format\" must be \"json\" or \"text\", not \"xml\""), "%s", err);
	cr_assert_eq(call("show", json_pack("{s:s,s:i}", "format", "text", "verbose", 1), &res, err,
			  sizeof(err)),
		     -EINVAL);
	cr_assert(strstr(err, "\"verbose\" must be true or false"), "%s", err);
	cr_assert_eq(call("show", json_pack("{s:s}", "format", "json"), &res, err, sizeof(err)), 0);
	cr_assert(json_is_array(json_object_get(res, "bridges")), "format json is the JSON");
	json_decref(res);
}

Test(engine, preempt_waits_updelay_then_returns)
{
	converted(2, "hweth0");
	start_engine(NICS2 "[bridge eth0]\nports = hweth0 hweth1\npreempt = yes\n"
			   "updelay = 300ms\n" QUIET);
	fk_cable("hweth0", false);
	engine_settle(&ctx);
	cr_assert(is_master("hweth1", "eth0"));

	fk_cable("hweth0", true);
	engine_settle(&ctx);
	cr_assert(is_master("hweth1", "eth0"), "no preempt before updelay");

	cr_assert(WAIT_FOR(is_master("hweth0", "eth0"), 10), "preempt after updelay");
	cr_assert_eq(fk_nports("eth0"), 1);
	cr_assert(strstr(ev_str(last_event("swap"), "reason"), "standing in"), "reason: %s",
		  ev_str(last_event("swap"), "reason"));
}

Test(engine, a_flapping_standby_is_held_down)
{
	json_t *e;

	converted(3, "hweth0");
	start_engine(NICS3 "[bridge eth0]\nports = hweth0 hweth1 hweth2\nflap_limit = 2\n"
			   "flap_window = 10s\nhold_down = 30s\n" QUIET);
	fk_flap("hweth1", 2); /* 4 carrier changes in one event */
	engine_settle(&ctx);
	e = last_event("hold-down");
	cr_assert(e, "a hold-down event");
	cr_assert_str_eq(ev_str(e, "port"), "hweth1");

	fk_cable("hweth0", false);
	engine_settle(&ctx);
	cr_assert(is_master("hweth2", "eth0"), "the held-down port is passed over");
	cr_assert_str_eq(fk_master_of("hweth1"), "");
}

Test(engine, an_operator_detach_suspends_failover)
{
	json_t *res, *b;
	char err[256];

	converted(2, "hweth0");
	start_engine(NICS2 "[bridge eth0]\nports = hweth0 hweth1\n" QUIET);
	cr_assert_eq(call("detach", json_pack("{s:s,s:s}", "bridge", "eth0", "port", "hweth0"),
			  &res, err, sizeof(err)),
		     0, "detach: %s", err);
	json_decref(res);
	engine_settle(&ctx);
	cr_assert_eq(fk_nports("eth0"), 0, "nothing takes the detached port's place");

	/* a carrier change would make failover decide again */
	fk_cable("hweth1", false);
	engine_settle(&ctx);
	fk_cable("hweth1", true);
	engine_settle(&ctx);
	cr_assert_eq(fk_nports("eth0"), 0, "failover stays suspended");
	b = show_bridge("eth0");
	cr_assert(json_is_true(json_object_get(b, "failover_suspended")));
	cr_assert_str_eq(port_str(b, "hweth0", "role"), "detached");
	json_decref(b);
}

Test(engine, an_operator_attach_resumes_failover)
{
	json_t *res, *b;
	char err[256];

	converted(2, "hweth0");
	start_engine(NICS2 "[bridge eth0]\nports = hweth0 hweth1\n" QUIET);
	cr_assert_eq(call("detach", json_pack("{s:s,s:s}", "bridge", "eth0", "port", "hweth0"),
			  &res, err, sizeof(err)),
		     0, "detach: %s", err);
	json_decref(res);
	cr_assert_eq(call("attach", json_pack("{s:s,s:s}", "bridge", "eth0", "port", "hweth0"),
			  &res, err, sizeof(err)),
		     0, "attach: %s", err);
	json_decref(res);
	engine_settle(&ctx);
	cr_assert(is_master("hweth0", "eth0"));
	b = show_bridge("eth0");
	cr_assert(json_is_false(json_object_get(b, "failover_suspended")));
	cr_assert_str_eq(port_str(b, "hweth0", "role"), "active");
	json_decref(b);

	fk_cable("hweth0", false);
	engine_settle(&ctx);
	cr_assert(is_master("hweth1", "eth0"), "failover works again");
}

Test(engine, a_failed_failover_swap_is_reported_and_not_counted)
{
	json_t *b, *e;

	converted(2, "hweth0");
	start_engine(NICS2 "[bridge eth0]\nports = hweth0 hweth1\n" QUIET);
	fk_fail_request(1, EBUSY); /* the attach of hweth1 */
	fk_cable("hweth0", false);
	engine_settle(&ctx);

	e = last_event("error");
	cr_assert(e, "an error event");
	cr_assert(strstr(ev_str(e, "message"), "failover to hweth1 failed"), "%s",
		  ev_str(e, "message"));
	cr_assert_null(last_event("swap"));
	cr_assert(is_master("hweth0", "eth0"), "the bridge keeps what it had");
	cr_assert_eq(fk_nports("eth0"), 1);
	b = show_bridge("eth0");
	cr_assert_eq(json_integer_value(json_object_get(b, "swaps")), 0);
	cr_assert_eq(port_swaps(b, "hweth1"), 0, "a swap that failed is not in the history");
	json_decref(b);
}

/* A card pulled from the bus (QMP device_del in tests/vm): the kernel closes
 * it (the event switchd swaps on) and only later unlists it, so the swap's
 * detach of the old port finds no such device. The new port is in and the
 * old one is in no bridge: that is a swap, not a failure to undo. */
Test(engine, a_swap_away_from_a_vanished_port_is_a_swap)
{
	json_t *e;

	converted(2, "hweth0");
	start_engine(NICS2 "[bridge eth0]\nports = hweth0 hweth1\n" QUIET);
	fk_fail_request(2, ENODEV); /* the detach of hweth0, after the attach of hweth1 */
	fk_cable("hweth0", false);
	engine_settle(&ctx);

	cr_assert_null(last_event("error"), "no error: %s",
		       last_event("error") ? ev_str(last_event("error"), "message") : "");
	e = last_event("swap");
	cr_assert(e, "a swap event");
	cr_assert(is_master("hweth1", "eth0"), "the new port stays attached");
}

/* ---- claim ------------------------------------------------------------- */

static bool claimed(const char *name)
{
	struct fk_link *l = fk_link(name);

	return l && l->s.up;
}

Test(engine, unknown_nics_are_claimed_each_with_its_own_state)
{
	json_t *b;

	converted(1, "hweth0");
	start_engine("[switchd]\nclaim = yes\nclaim_delay = 50ms\n"
		     "[nic hweth0]\nmac = 02:00:c6:12:00:10\n"
		     "[bridge eth0]\nports = hweth0\nspares = any\n" QUIET);

	fk_add_bus_nic("eth5", "02:00:c6:12:00:55", "pci", "0000:03:00.0");
	engine_settle(&ctx);
	cr_assert(fk_link("eth5"), "not claimed before claim_delay");
	cr_assert(WAIT_FOR(claimed("hweth1"), 10), "claimed as hweth1 after claim_delay");
	cr_assert_null(fk_link("eth5"));
	cr_assert_str_eq(fk_master_of("hweth1"), "", "a standby");
	cr_assert_str_eq(ev_str(last_event("claim"), "name"), "hweth1");

	fk_add_bus_nic("eth6", "02:00:c6:12:00:66", "pci", "0000:04:00.0");
	cr_assert(WAIT_FOR(claimed("hweth2"), 10), "the second one as hweth2");

	/* each claimed port fails over and counts on its own */
	fk_cable("hweth0", false);
	engine_settle(&ctx);
	cr_assert(is_master("hweth1", "eth0"));
	fk_cable("hweth1", false);
	engine_settle(&ctx);
	cr_assert(is_master("hweth2", "eth0"));
	cr_assert_eq(fk_nports("eth0"), 1);

	b = show_bridge("eth0");
	cr_assert_eq(json_array_size(json_object_get(b, "ports")), 3);
	cr_assert_eq(port_swaps(b, "hweth0"), 0);
	cr_assert_eq(port_swaps(b, "hweth1"), 1);
	cr_assert_eq(port_swaps(b, "hweth2"), 1);
	cr_assert(strstr(port_str(b, "hweth2", "last_swap_reason"), "hweth1"));
	cr_assert_str_eq(port_str(b, "hweth2", "role"), "active");
	json_decref(b);
}

/* ---- guests ------------------------------------------------------------ */

Test(engine, a_guest_device_is_attached_and_brought_up)
{
	json_t *e;

	converted(2, "hweth0");
	start_engine(NICS2 "[bridge eth0]\nports = hweth0 hweth1\nguests = vnet*\n" QUIET);
	fk_add_veth("vnet0", "02:00:c6:12:00:99", false);
	engine_settle(&ctx);

	cr_assert(is_master("vnet0", "eth0"), "attached");
	cr_assert(fk_link("vnet0")->s.up, "brought up");
	e = last_event("attach");
	cr_assert(e);
	cr_assert_str_eq(ev_str(e, "port"), "vnet0");
	cr_assert_eq(fk_nports("eth0"), 2, "the uplink and the guest");
	cr_assert(is_master("hweth0", "eth0"), "the uplink is untouched");
}

Test(engine, a_failed_guest_attach_is_rolled_back_and_reported)
{
	json_t *e, *b;

	converted(2, "hweth0");
	start_engine(NICS2 "[bridge eth0]\nports = hweth0 hweth1\nguests = vnet*\n" QUIET);
	fk_fail_match("set_up vnet0", EPERM);
	fk_add_veth("vnet0", "02:00:c6:12:00:99", false);
	engine_settle(&ctx);

	cr_assert_str_eq(fk_master_of("vnet0"), "", "the attach is undone");
	cr_assert(!fk_link("vnet0")->s.up);
	cr_assert(strstr(fk.log, "set_master vnet0 -"), "rolled back by a release:\n%s", fk.log);
	e = last_event("error");
	cr_assert(e, "an error event");
	cr_assert_str_eq(ev_str(e, "port"), "vnet0");
	cr_assert(strstr(ev_str(e, "error"), "Operation not permitted"), "%s",
		  ev_str(e, "error"));
	/* switchd's own state is intact: the uplink, show, failover */
	cr_assert(is_master("hweth0", "eth0"));
	b = show_bridge("eth0");
	cr_assert_eq(nactive(b), 1);
	json_decref(b);
	fk_cable("hweth0", false);
	engine_settle(&ctx);
	cr_assert(is_master("hweth1", "eth0"), "failover still works");
}

/* ---- batched bring-up ------------------------------------------------------- */

#define TAPS4                                                                              \
	"[bridge int0]\n" QUIET "[tap t0]\nbridge = int0\n[tap t1]\nbridge = int0\n[tap t2]\nbridge = int0\n" \
	"[tap t3]\nbridge = int0\n"

/* an error event whose text contains both */
static bool error_with(const char *a, const char *b)
{
	size_t i;
	json_t *e;

	json_array_foreach(events, i, e)
		if (!strcmp(ev_str(e, "type"), "error") && strstr(ev_str(e, "error"), a) &&
		    strstr(ev_str(e, "error"), b))
			return true;
	return false;
}

Test(engine, taps_are_brought_up_in_shared_batches)
{
	start_engine(TAPS4);

	for (int i = 0; i < 4; i++) {
		char t[8];

		snprintf(t, sizeof(t), "t%d", i);
		cr_assert(is_master(t, "int0"), "%s attached", t);
		cr_assert(fk_link(t)->s.up, "%s up", t);
	}
	/* bridge: alias, addrgen, up; each tap: alias, attach, up */
	/* bridge: alias, addrgen, up; each tap: alias, attach and up in one */
	cr_assert_geq(fk.batched, 3 + 4, "the requests went in batches: %lu", fk.batched);
	cr_assert_geq(fk.combined, 4, "a tap's three changes in one request: %lu", fk.combined);
	cr_assert_lt(fk.batches, 3, "in few sendmsgs, not one a request: %lu", fk.batches);
	/* a new tap's link-watch event is run (an RTM_GETLINK in the batch)
	 * before its attach: else the bridge forwards on it without a carrier */
	cr_assert_eq(fk.unsynced_attach, 0, "every tap attached after its link-watch event ran: %lu",
		     fk.unsynced_attach);
}

/* A bring-up of many taps (>= 256 steps) runs with the event socket out of
 * its groups: no event is queued for it, and the model is read afterwards
 * with one dump, so it knows every tap attached and up all the same. */
Test(engine, a_bulk_bring_up_is_applied_without_events_and_read_back)
{
	char conf[8192];
	size_t len = (size_t)snprintf(conf, sizeof(conf), "[bridge int0]\n" QUIET);
	unsigned long dumps;

	for (int i = 0; i < 80; i++)
		len += (size_t)snprintf(conf + len, sizeof(conf) - len, "[tap t%d]\nbridge = int0\n", i);
	dumps = fk.dumps;
	start_engine(conf);
	cr_assert_eq(fk.pauses, 1, "the event socket left its groups once: %lu", fk.pauses);
	cr_assert(!fk.paused, "and joined them again");
	cr_assert_gt(fk.dumps, dumps + 1, "the result was read with a dump");
	const struct sw_link *br = linkdb_by_name(&ctx.db, "int0");

	cr_assert(br, "the model has the bridge");
	for (int i = 0; i < 80; i++) {
		char t[8];
		const struct sw_link *l;

		snprintf(t, sizeof(t), "t%d", i);
		cr_assert(is_master(t, "int0") && fk_link(t)->s.up, "%s attached and up", t);
		l = linkdb_by_name(&ctx.db, t);
		cr_assert(l && l->master == br->ifindex && (l->flags & IFF_UP),
			  "the model knows %s attached and up", t);
	}
}

/* More than one batch (NL_BATCH_MAX actions: 1400 taps queue 4200): the
 * full queue is sent and the plan goes on, every tap attached and up. */
Test(engine, a_bring_up_larger_than_a_batch_is_sent_in_several)
{
	static char conf[64 * 1024];
	size_t len = (size_t)snprintf(conf, sizeof(conf), "[bridge int0]\n" QUIET);
	unsigned long batches = fk.batches;

	for (int i = 0; i < 1400; i++)
		len += (size_t)snprintf(conf + len, sizeof(conf) - len, "[tap t%d]\nbridge = int0\n", i);
	cr_assert_lt(len, sizeof(conf) - 1);
	start_engine(conf);
	cr_assert_geq(fk.batches - batches, 2, "a full queue was sent before the rest: %lu",
		      fk.batches - batches);
	cr_assert_lt(fk.batches - batches, 10, "in a few sendmsgs: %lu", fk.batches - batches);
	for (int i = 0; i < 1400; i++) {
		char t[8];

		snprintf(t, sizeof(t), "t%d", i);
		cr_assert(is_master(t, "int0") && fk_link(t)->s.up, "%s attached and up", t);
	}
	cr_assert_eq(ctx.rt.failed_groups, 0);
	cr_assert_eq(fk.unsynced_attach, 0, "two requests a tap fit the batches: %lu",
		     fk.unsynced_attach);
}

Test(engine, a_small_plan_keeps_listening)
{
	start_engine(TAPS4);
	cr_assert_eq(fk.pauses, 0, "four taps: no pause");
	cr_assert(linkdb_by_name(&ctx.db, "t3"), "the model has t3 from its events");
}

Test(engine, a_failed_request_in_a_batch_undoes_its_tap_alone)
{
	/* the attach of t1 fails: its request (alias, attach, up) is run again
	 * one action at a time, which finds the failing one; its up ran */
	fk_fail_match("set_master t1 int0", EBUSY);
	start_engine(TAPS4);

	cr_assert(error_with("tap t1: attach t1 to int0", "Device or resource busy"),
		  "the failing request is reported with the kernel's reason");
	cr_assert_null(fk_link("t1"), "t1 is rolled back (deleted):\n%s", fk.log);
	cr_assert(strstr(fk.log, "set_up t1\n"), "its up ran in the batch:\n%s", fk.log);
	cr_assert(strstr(fk.log, "set_down t1\n"), "and is undone first:\n%s", fk.log);
	cr_assert(strstr(fk.log, "set_down t1\n") < strstr(fk.log, "set_alias t1 \"\""),
		  "newest first:\n%s", fk.log);
	for (int i = 0; i < 4; i++) {
		char t[8];

		if (i == 1)
			continue;
		snprintf(t, sizeof(t), "t%d", i);
		cr_assert(is_master(t, "int0") && fk_link(t)->s.up, "%s is untouched", t);
	}
	cr_assert_eq(count_events("error"), 1, "one error");
}

Test(engine, a_bridge_failing_in_a_batch_takes_its_taps_back)
{
	/* the bridge's up is in the batch its taps' requests share */
	fk_fail_match("set_up int0", EPERM);
	start_engine(TAPS4);

	cr_assert(error_with("bridge int0: bring int0 up", "Operation not permitted"), "reported");
	cr_assert_null(fk_link("int0"), "the bridge is rolled back:\n%s", fk.log);
	for (int i = 0; i < 4; i++) {
		char t[8];

		snprintf(t, sizeof(t), "t%d", i);
		cr_assert_null(fk_link(t), "%s is taken back", t);
		snprintf(t, sizeof(t), "tap t%d", i);
		cr_assert(error_with(t, "skipped: bridge int0 failed"), "%s reported skipped", t);
	}
}

Test(engine, a_burst_of_guests_is_attached_in_one_batch_each_on_its_own)
{
	unsigned long batches;

	converted(2, "hweth0");
	start_engine(NICS2 "[bridge eth0]\nports = hweth0 hweth1\nguests = vnet*\n" QUIET);
	fk_fail_match("set_master vnet2 eth0", EBUSY);
	fk_add_veth("vnet0", "02:00:c6:12:00:90", false);
	fk_add_veth("vnet1", "02:00:c6:12:00:91", false);
	fk_add_veth("vnet2", "02:00:c6:12:00:92", false);
	fk_add_veth("vnet3", "02:00:c6:12:00:93", false);
	batches = fk.batches;
	engine_settle(&ctx);

	for (int i = 0; i < 4; i++) {
		char g[8];

		snprintf(g, sizeof(g), "vnet%d", i);
		if (i == 2) {
			cr_assert_str_eq(fk_master_of(g), "", "the failed one is not attached");
			continue;
		}
		cr_assert(is_master(g, "eth0") && fk_link(g)->s.up, "%s attached and up", g);
	}
	cr_assert_eq(fk.batches - batches, 1, "one sendmsg for the settle's 4 guests");
	cr_assert_eq(fk.unsynced_attach, 0, "a hypervisor's new tap: link-watch run before the attach");
	cr_assert(error_with("vnet2", "Device or resource busy"), "the failure is reported");
	cr_assert_eq(count_events("attach"), 3);
}

/* A burst of guests that outnumbers what the model knows (300 guests, 600
 * steps) is attached with the event socket out of its groups, as a bulk
 * bring-up: read back with one dump, the model knows them all attached. */
Test(engine, a_large_burst_of_guests_is_attached_without_events_and_read_back)
{
	unsigned long pauses;

	start_engine("[bridge int0]\nguests = vnet*\n" QUIET);
	pauses = fk.pauses;
	for (int i = 0; i < 300; i++) {
		char g[16], mac[24];

		snprintf(g, sizeof(g), "vnet%d", i);
		snprintf(mac, sizeof(mac), "02:00:c6:13:%02x:%02x", i / 256, i % 256);
		fk_add_veth(g, mac, false);
	}
	engine_settle(&ctx);
	cr_assert_eq(fk.pauses - pauses, 1, "the event socket left its groups once: %lu",
		     fk.pauses - pauses);
	cr_assert(!fk.paused, "and joined them again");
	const struct sw_link *br = linkdb_by_name(&ctx.db, "int0");

	for (int i = 0; i < 300; i++) {
		char g[16];
		const struct sw_link *l;

		snprintf(g, sizeof(g), "vnet%d", i);
		cr_assert(is_master(g, "int0") && fk_link(g)->s.up, "%s attached and up", g);
		l = linkdb_by_name(&ctx.db, g);
		cr_assert(l && br && l->master == br->ifindex && (l->flags & IFF_UP),
			  "the model knows %s attached and up", g);
	}
	cr_assert_eq(count_events("attach"), 300);
}

/* ---- reload by name -------------------------------------------------------- */

static void reload(const char *conf)
{
	char err[256];
	json_t *res;

	write_conf(conf);
	cr_assert_eq(call("reload", json_object(), &res, err, sizeof(err)), 0, "reload: %s", err);
	json_decref(res);
	engine_settle(&ctx);
}

Test(engine, reload_keeps_swap_history_with_the_port_name)
{
	json_t *b;

	converted(2, "hweth0");
	start_engine(NICS2 "[bridge eth0]\nports = hweth0 hweth1\n" QUIET);
	fk_cable("hweth0", false);
	engine_settle(&ctx);
	cr_assert(is_master("hweth1", "eth0"));
	fk_cable("hweth0", true);
	engine_settle(&ctx);

	reload(NICS2 "[bridge eth0]\nports = hweth1 hweth0\n" QUIET);
	b = show_bridge("eth0");
	cr_assert_eq(port_swaps(b, "hweth1"), 1, "hweth1 keeps its swap");
	cr_assert_eq(port_swaps(b, "hweth0"), 0, "hweth0 was never swapped in");
	cr_assert_str_eq(port_str(b, "hweth0", "last_swap"), "");
	cr_assert(strstr(port_str(b, "hweth1", "last_swap_reason"), "hweth0 carrier lost"));
	json_decref(b);
}

Test(engine, reload_keeps_a_hold_down_with_the_port_name)
{
	converted(3, "hweth0");
	start_engine(NICS3 "[bridge eth0]\nports = hweth0 hweth1 hweth2\nflap_limit = 2\n"
			   "hold_down = 30s\n" QUIET);
	fk_flap("hweth1", 2);
	engine_settle(&ctx);
	cr_assert(last_event("hold-down"));

	reload(NICS3 "[bridge eth0]\nports = hweth0 hweth2 hweth1\nflap_limit = 2\n"
		     "hold_down = 30s\n" QUIET);
	fk_cable("hweth0", false);
	engine_settle(&ctx);
	/* by position, hweth2 would have hweth1's hold-down and hweth1 none */
	cr_assert(is_master("hweth2", "eth0"), "hweth1 is still held down, hweth2 is not");
	cr_assert_str_eq(fk_master_of("hweth1"), "");
}

Test(engine, reload_leaves_a_suspended_bridge_off_its_network)
{
	json_t *res, *b;
	char err[256];

	converted(2, "hweth0");
	start_engine(NICS2 "[bridge eth0]\nports = hweth0 hweth1\n" QUIET);
	cr_assert_eq(call("detach", json_pack("{s:s,s:s}", "bridge", "eth0", "port", "hweth0"),
			  &res, err, sizeof(err)),
		     0, "detach: %s", err);
	json_decref(res);

	reload(NICS2 "[bridge eth0]\nports = hweth1 hweth0\n" QUIET);
	cr_assert_eq(fk_nports("eth0"), 0, "no port attached after the reload");
	b = show_bridge("eth0");
	cr_assert(json_is_true(json_object_get(b, "failover_suspended")));
	cr_assert_str_eq(port_str(b, "hweth0", "role"), "detached");
	cr_assert_eq(port_swaps(b, "hweth1"), 0);
	json_decref(b);
}

/* ---- a swap requested while a failover pass runs ---------------------------- */

static int in_swap_call;	 /* inside the operator's swap */
static int swaps_inside_call;	 /* failover swaps emitted meanwhile */
static bool swap_requested;
static int swap_ret = 1;
static char swap_err[256];

/* When the failover pass announces its swap (it is still running: rt.busy),
 * an operator's swap to hweth2 arrives. */
static void swap_while_busy(void *arg, const char *type, const char *message, json_t *ev)
{
	json_t *res = NULL;

	(void)arg;
	(void)message;
	if (strcmp(type, "swap"))
		return;
	if (in_swap_call && strcmp(ev_str(ev, "reason"), "operator"))
		swaps_inside_call++;
	if (swap_requested)
		return;
	swap_requested = true;
	cr_assert(ctx.rt.busy, "the failover pass is still running");
	in_swap_call++;
	swap_ret = call("swap", json_pack("{s:s,s:s}", "bridge", "eth0", "port", "hweth2"), &res,
			swap_err, sizeof(swap_err));
	in_swap_call--;
	json_decref(res);
}

Test(engine, a_swap_during_a_failover_pass_does_not_nest)
{
	json_t *b;

	converted(3, "hweth0");
	start_engine(NICS3 "[bridge eth0]\nports = hweth0 hweth1 hweth2\n" QUIET);
	events_subscribe(&ctx.events, swap_while_busy, NULL);
	fk_cable("hweth0", false);
	engine_settle(&ctx);

	cr_assert(swap_requested);
	cr_assert_eq(swap_ret, 0, "swap: %s", swap_err);
	cr_assert_eq(swaps_inside_call, 0, "no failover pass ran inside the operator's swap");
	cr_assert_eq(fk_nports("eth0"), 1, "one uplink");
	cr_assert(is_master("hweth2", "eth0"), "the operator's choice stands");
	b = show_bridge("eth0");
	cr_assert_eq(nactive(b), 1);
	cr_assert_eq(port_swaps(b, "hweth1"), 1);
	cr_assert_eq(port_swaps(b, "hweth2"), 1);
	cr_assert_str_eq(port_str(b, "hweth2", "last_swap_reason"), "operator");
	json_decref(b);
	/* and the engine settles there: nothing swaps it back */
	engine_settle(&ctx);
	cr_assert(is_master("hweth2", "eth0"));
	cr_assert_eq(fk_nports("eth0"), 1);
}

/* ---- ENOBUFS --------------------------------------------------------------- */

Test(engine, lost_events_resync_and_a_lost_carrier_is_acted_on)
{
	unsigned long dumps;

	converted(2, "hweth0");
	start_engine(NICS2 "[bridge eth0]\nports = hweth0 hweth1\n" QUIET);
	dumps = fk.dumps;
	resyncs_seen = 0;

	fk_cable("hweth0", false);
	fk_lose_events(); /* its event is among the lost */
	engine_settle(&ctx);

	cr_assert_gt(fk.dumps, dumps, "the model is dumped again");
	cr_assert_eq(resyncs_seen, 1, "observers see DB_RESYNCED");
	cr_assert(last_event("resync"), "a resync event");
	cr_assert(is_master("hweth1", "eth0"), "the carrier loss is acted on");
	cr_assert_eq(fk_nports("eth0"), 1);
}

/* A burst of changes (thousands of guests) overflows the event socket and
 * keeps interrupting the re-dump: nl_dump gives up. The model is re-read
 * until it succeeds, and what the lost events said is acted on. */
Test(engine, a_failed_resync_is_retried_until_it_succeeds)
{
	converted(2, "hweth0");
	start_engine(NICS2 "[bridge eth0]\nports = hweth0 hweth1\n" QUIET);
	resyncs_seen = 0;

	fk_cable("hweth0", false);
	fk_lose_events();
	fk_fail_dumps(3);
	engine_settle(&ctx);
	cr_assert(is_master("hweth0", "eth0"), "the model is stale: nothing known yet");
	cr_assert(WAIT_FOR(resyncs_seen == 1, 10), "the re-dump is tried again until it works");
	cr_assert(WAIT_FOR(is_master("hweth1", "eth0"), 10), "and the carrier loss acted on");
	cr_assert(last_event("resync"));
}

/* ---- defect 4: timers exist before the first plan ----------------------------- */

Test(engine, the_first_decision_arms_a_timer_that_fires)
{
	/* a restart after a failover: hweth1 stands in, hweth0 is back */
	converted(2, "hweth1");
	start_engine(NICS2 "[bridge eth0]\nports = hweth0 hweth1\npreempt = yes\n"
			   "updelay = 200ms\n" QUIET);
	cr_assert(is_master("hweth1", "eth0"), "updelay first");
	cr_assert(WAIT_FOR(is_master("hweth0", "eth0"), 10),
		  "the deadline armed by the first decision fires and acts");
	cr_assert_eq(fk_nports("eth0"), 1);
}

Test(engine, an_early_stop_closes_nothing_it_did_not_open)
{
	char err[256];

	/* fd 0 is what the daemon got as stdin */
	if (fcntl(0, F_GETFD) < 0)
		cr_assert_eq(open("/dev/null", O_RDONLY), 0);
	converted(2, "hweth0");
	cr_assert_eq(conf_load_string(NICS2 "[bridge eth0]\nports = hweth0 hweth1\n" QUIET, "t",
				      &ctx.conf, print_error, NULL),
		     0);
	ctx.loop = ev_loop_new(EVFLAG_AUTO);
	nl_open(&ctx.nl, 0);
	linkdb_init(&ctx.db);
	cr_assert_eq(linkdb_resync(&ctx.db, &ctx.nl, err, sizeof(err)), 0);
	cr_assert_eq(engine_init(&ctx), 0);
	engine_fini(&ctx); /* stopped before the first plan */
	cr_assert_geq(fcntl(0, F_GETFD), 0, "stdin is still open");
	ev_loop_destroy(ctx.loop);
	linkdb_free(&ctx.db);
	conf_free(&ctx.conf);
}
