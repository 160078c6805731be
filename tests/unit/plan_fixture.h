/*
 * The fixture the planner's tests share (test_plan.c, test_undo.c): a
 * config, a hand-made link model and the plan made from them, reset around
 * every test. Header-only: each test program includes it once.
 */
#ifndef SWITCHD_TEST_PLAN_FIXTURE_H
#define SWITCHD_TEST_PLAN_FIXTURE_H

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "link.h"
#include "plan.h"

static struct sw_conf conf;
static struct sw_linkdb db;
static struct sw_plan plan;

static const uint8_t MAC_A[6] = { 0x02, 0x00, 0xc6, 0x12, 0x00, 0x10 };
static const uint8_t MAC_B[6] = { 0x02, 0x00, 0xc6, 0x12, 0x00, 0x11 };

static void setup(void)
{
	memset(&conf, 0, sizeof(conf));
	memset(&plan, 0, sizeof(plan));
	linkdb_init(&db);
}

static void teardown(void)
{
	plan_free(&plan);
	conf_free(&conf);
	linkdb_free(&db);
}

static void load(const char *text)
{
	int errors = conf_load_string(text, "test.conf", &conf, NULL, NULL);

	cr_assert_eq(errors, 0, "config has %d errors", errors);
}

/* A link of the model; carrier follows IFF_LOWER_UP in flags. */
static void link_put(int ifindex, const char *name, const uint8_t *mac, const char *kind,
		     int master, unsigned int flags, const char *alias)
{
	struct sw_link l = { .ifindex = ifindex, .master = master, .flags = flags };

	snprintf(l.name, sizeof(l.name), "%s", name);
	snprintf(l.kind, sizeof(l.kind), "%s", kind);
	snprintf(l.alias, sizeof(l.alias), "%s", alias ? alias : "");
	if (mac) {
		memcpy(l.mac, mac, 6);
		l.has_mac = true;
	}
	l.carrier = flags & IFF_LOWER_UP;
	cr_assert_eq(linkdb_put_link(&db, &l), 0);
}

/* An address of the model, "ADDR/LEN". */
static void addr_add(int ifindex, const char *cidr, unsigned char scope)
{
	struct sw_addr a = { .ifindex = ifindex, .scope = scope };
	char ip[64];
	const char *slash = strchr(cidr, '/');

	snprintf(ip, sizeof(ip), "%.*s", (int)(slash - cidr), cidr);
	a.family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	a.prefixlen = (uint8_t)atoi(slash + 1);
	cr_assert_eq(inet_pton(a.family, ip, a.local), 1);
	memcpy(a.address, a.local, 16);
	a.has_local = a.has_address = true;
	cr_assert_eq(linkdb_put_addr(&db, &a), 0);
}

static void route_add(int oif, const char *gw)
{
	struct sw_route r = { .oif = oif, .table = RT_TABLE_MAIN };

	r.rtm.rtm_family = AF_INET;
	r.rtm.rtm_table = RT_TABLE_MAIN;
	r.rtm.rtm_protocol = RTPROT_BOOT;
	r.rtm.rtm_type = RTN_UNICAST;
	r.has_gateway = true;
	inet_pton(AF_INET, gw, r.gateway);
	cr_assert_eq(linkdb_put_route(&db, &r), 0);
}

#endif
