/* [switchd] socket_group and socket_mode: who may reach the control socket. */
#include <criterion/criterion.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

static char first_error[256];

static void keep_first(void *arg, const char *file, int line, const char *msg)
{
	int *n = arg;

	(void)file;
	(void)line;
	if (!(*n)++)
		snprintf(first_error, sizeof(first_error), "%s", msg);
}

static int load(const char *text, struct sw_conf *c)
{
	int n = 0, ret = conf_load_string(text, "t.conf", c, keep_first, &n);

	first_error[0] = n ? first_error[0] : '\0';
	return ret;
}

Test(conf_socket, defaults_to_owner_only_and_no_group)
{
	struct sw_conf c;

	cr_assert_eq(load("[switchd]\n", &c), 0);
	cr_assert_eq(c.socket_mode, 0600);
	cr_assert_str_eq(c.socket_group, "");
	conf_free(&c);
}

Test(conf_socket, group_and_mode_parse_and_print_back)
{
	struct group *gr = getgrgid(0);
	char text[256], *printed = NULL;
	size_t len = 0;
	struct sw_conf c, again;
	FILE *f;

	cr_assert(gr, "no group 0 on this system");
	snprintf(text, sizeof(text), "[switchd]\nsocket_group = %s\nsocket_mode = 0660\n", gr->gr_name);
	cr_assert_eq(load(text, &c), 0, "%s", first_error);
	cr_assert_str_eq(c.socket_group, gr->gr_name);
	cr_assert_eq(c.socket_mode, 0660);
	f = open_memstream(&printed, &len);
	conf_print(f, &c);
	fclose(f);
	cr_assert(strstr(printed, "socket_mode = 0660\n"), "%s", printed);
	cr_assert_eq(load(printed, &again), 0, "print-back does not parse: %s", first_error);
	cr_assert_str_eq(again.socket_group, c.socket_group);
	cr_assert_eq(again.socket_mode, c.socket_mode);
	conf_free(&again);
	conf_free(&c);
	free(printed);
}

Test(conf_socket, world_accessible_and_odd_modes_are_refused)
{
	static const char *bad[] = { "0666", "0777", "0606", "0662", "rw", "0o660", "1660" };
	struct sw_conf c;
	char text[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[switchd]\nsocket_mode = %s\n", bad[i]);
		cr_assert_eq(load(text, &c), 1, "socket_mode %s accepted", bad[i]);
		cr_assert(strstr(first_error, "socket_mode") && strstr(first_error, bad[i]),
			  "%s", first_error);
	}
}

Test(conf_socket, unknown_group_is_refused)
{
	struct sw_conf c;

	cr_assert_eq(load("[switchd]\nsocket_group = no-such-group-here\n", &c), 1);
	cr_assert_str_eq(first_error, "socket_group no-such-group-here: no such group");
}
