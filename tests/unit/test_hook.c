/*
 * hook.c: which names are hooks, the events and their environment, the
 * per-bridge queue, a hook's output cut into lines.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "hook.h"

Test(hook, names_follow_run_parts)
{
	const char *ok[] = { "10-nftables", "a", "A_b-9", "50_swap" };
	const char *bad[] = { "", "10-fw~", "10-fw.dpkg-old", "10-fw.dpkg-dist", ".10-fw.swp",
			      "10-fw.sh", "10 fw", "#10-fw#", "10-fw.ucf-old", "fw/x" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		cr_assert(hook_name_ok(ok[i]), "%s", ok[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert(!hook_name_ok(bad[i]), "\"%s\" is no hook", bad[i]);
	cr_assert(!hook_name_ok(NULL));
}

Test(hook, names_are_filtered_and_sorted_in_the_c_locale)
{
	const char *in[] = { "50-b", "10-a~", "Z9", "10-a", "a1", "20.conf", "_x" };
	char *v[7];

	for (int i = 0; i < 7; i++)
		v[i] = strdup(in[i]);
	size_t n = hook_names_filter(v, 7);

	cr_assert_eq(n, 5);
	/* strcmp order: digits, upper case, '_', lower case */
	cr_assert_str_eq(v[0], "10-a");
	cr_assert_str_eq(v[1], "50-b");
	cr_assert_str_eq(v[2], "Z9");
	cr_assert_str_eq(v[3], "_x");
	cr_assert_str_eq(v[4], "a1");
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}

static const char *env_get(char **env, const char *key)
{
	size_t len = strlen(key);

	for (; *env; env++)
		if (!strncmp(*env, key, len) && (*env)[len] == '=')
			return *env + len + 1;
	return NULL;
}

Test(hook, a_swap_event_becomes_its_environment)
{
	json_t *ev = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "bridge", "eth0", "port", "hweth1",
			       "old", "hweth0", "reason", "hweth0 carrier lost", "message",
			       "bridge eth0: hweth1 is now the active port", "time",
			       "2026-12-02T01:02:03.456Z");
	struct hook_event e;
	char *base[] = { "PATH=/usr/bin:/bin", "SWITCHD_PORT=stale", "HOME=/", NULL };

	cr_assert_eq(hook_event_from("swap", ev, &e), 0);
	snprintf(e.addresses, sizeof(e.addresses), "198.18.0.2/24 2001:db8::2/64");
	e.dropped = 2;
	char **env = hook_env(&e, base);

	cr_assert_not_null(env);
	cr_assert_str_eq(env_get(env, "SWITCHD_EVENT"), "swap");
	cr_assert_str_eq(env_get(env, "SWITCHD_BRIDGE"), "eth0");
	cr_assert_str_eq(env_get(env, "SWITCHD_PORT"), "hweth1", "switchd's own value, not the stale one");
	cr_assert_str_eq(env_get(env, "SWITCHD_OLD_PORT"), "hweth0");
	cr_assert_str_eq(env_get(env, "SWITCHD_REASON"), "hweth0 carrier lost");
	cr_assert_str_eq(env_get(env, "SWITCHD_ADDRESSES"), "198.18.0.2/24 2001:db8::2/64");
	cr_assert_str_eq(env_get(env, "SWITCHD_EVIDENCE"), "");
	cr_assert_str_eq(env_get(env, "SWITCHD_TIME"), "2026-12-02T01:02:03.456Z");
	cr_assert_str_eq(env_get(env, "SWITCHD_DROPPED"), "2");
	cr_assert_str_eq(env_get(env, "PATH"), "/usr/bin:/bin", "switchd's environment is kept");
	int n = 0, stale = 0;

	for (char **p = env; *p; p++) {
		n++;
		stale += !strcmp(*p, "SWITCHD_PORT=stale");
	}
	cr_assert_eq(stale, 0);
	cr_assert_eq(n, 2 + 10);
	free(env);
	json_decref(ev);
}

Test(hook, which_events_are_hook_events)
{
	struct hook_event e;
	json_t *br = json_pack("{s:s,s:s}", "bridge", "eth0", "port", "hweth0");
	json_t *cable = json_pack("{s:s,s:s,s:s,s:s}", "bridge", "eth1", "port", "hweth1", "reason",
				  "miswired", "evidence", "LLDP chassis 02:00:00:00:00:01");
	json_t *reload = json_pack("{s:s}", "config", "/etc/switchd/switchd.conf");
	json_t *nobridge = json_pack("{s:s}", "port", "hweth0");

	cr_assert_eq(hook_event_from("attach", br, &e), 0);
	cr_assert_eq(e.kind, HOOK_ATTACH);
	cr_assert_eq(hook_event_from("detach", br, &e), 0);
	cr_assert_eq(e.kind, HOOK_DETACH);
	cr_assert_eq(hook_event_from("up", br, &e), 0);
	cr_assert_eq(e.kind, HOOK_UP);
	cr_assert_eq(hook_event_from("down", br, &e), 0);
	cr_assert_str_eq(hook_kind_name(e.kind), "down");
	cr_assert_eq(hook_event_from("cable", cable, &e), 0);
	cr_assert_eq(e.kind, HOOK_CABLE);
	cr_assert_str_eq(e.evidence, "LLDP chassis 02:00:00:00:00:01");
	cr_assert_str_eq(e.reason, "miswired");
	json_t *cable2 = json_pack("{s:s,s:s,s:{s:s,s:[s]}}", "bridge", "eth1", "port", "hweth1",
				   "evidence", "lldp", "02:00:00:00:00:01", "arp", "198.18.1.0/24");

	cr_assert_eq(hook_event_from("cable", cable2, &e), 0);
	cr_assert_str_eq(e.evidence, "{\"lldp\":\"02:00:00:00:00:01\",\"arp\":[\"198.18.1.0/24\"]}",
			 "evidence that is not a string: as JSON");
	json_decref(cable2);
	cr_assert_eq(hook_event_from("reload", reload, &e), 0);
	cr_assert_str_eq(e.bridge, "", "reload is of no bridge");
	/* not hook events: the rest, and a bridge event without its bridge */
	cr_assert_eq(hook_event_from("carrier", br, &e), -1, "carrier comes from the link model");
	cr_assert_eq(hook_event_from("error", br, &e), -1);
	cr_assert_eq(hook_event_from("reloading", reload, &e), -1);
	cr_assert_eq(hook_event_from("swap", nobridge, &e), -1);
	cr_assert_eq(hook_event_from(NULL, br, &e), -1);
	cr_assert_eq(hook_event_from("swap", NULL, &e), -1);
	json_decref(br);
	json_decref(cable);
	json_decref(reload);
	json_decref(nobridge);
}

Test(hook, the_queue_keeps_order_and_drops_the_oldest_when_full)
{
	static struct hook_queue q;
	struct hook_event e = { .kind = HOOK_CARRIER }, out;

	for (int i = 0; i < HOOK_QUEUE_MAX; i++) {
		snprintf(e.reason, sizeof(e.reason), "%d", i);
		cr_assert(!hook_queue_push(&q, &e));
	}
	snprintf(e.reason, sizeof(e.reason), "last");
	cr_assert(hook_queue_push(&q, &e), "full: one is dropped");
	cr_assert(hook_queue_pop(&q, &out));
	cr_assert_str_eq(out.reason, "1", "the oldest (0) went");
	cr_assert_eq(out.dropped, 1, "the next run is told");
	for (int i = 2; i < HOOK_QUEUE_MAX; i++) {
		cr_assert(hook_queue_pop(&q, &out));
		cr_assert_eq(atoi(out.reason), i);
		cr_assert_eq(out.dropped, 0);
	}
	cr_assert(hook_queue_pop(&q, &out));
	cr_assert_str_eq(out.reason, "last");
	cr_assert(!hook_queue_pop(&q, &out));
	/* it wraps around */
	for (int i = 0; i < 3 * HOOK_QUEUE_MAX; i++) {
		snprintf(e.reason, sizeof(e.reason), "%d", i);
		hook_queue_push(&q, &e);
		cr_assert(hook_queue_pop(&q, &out));
		cr_assert_eq(atoi(out.reason), i);
	}
}

static char got[8][600];
static int ngot;

static void collect(void *arg, const char *line)
{
	(void)arg;
	if (ngot < 8)
		snprintf(got[ngot++], sizeof(got[0]), "%s", line);
}

Test(hook, output_is_cut_into_lines)
{
	static struct hook_lines l;
	char longline[700];

	ngot = 0;
	hook_lines_feed(&l, "one\ntw", 6, collect, NULL);
	hook_lines_feed(&l, "o\r\nthr", 6, collect, NULL);
	cr_assert_eq(ngot, 2);
	cr_assert_str_eq(got[0], "one");
	cr_assert_str_eq(got[1], "two", "a CRLF's \\r is not part of the line");
	hook_lines_flush(&l, collect, NULL);
	cr_assert_str_eq(got[2], "thr", "the end without a newline");
	hook_lines_flush(&l, collect, NULL);
	cr_assert_eq(ngot, 3, "nothing is left");
	memset(longline, 'x', sizeof(longline));
	hook_lines_feed(&l, longline, sizeof(longline), collect, NULL);
	hook_lines_feed(&l, "\n", 1, collect, NULL);
	cr_assert_eq(ngot, 5, "a long line in pieces");
	cr_assert_eq(strlen(got[3]) + strlen(got[4]), sizeof(longline));
	hook_lines_feed(&l, "a\0b\n", 4, collect, NULL);
	cr_assert_str_eq(got[5], "a b", "a NUL does not cut the line");
}
