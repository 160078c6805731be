/*
 * The log on stderr: lines held while a plan applies come out whole and in
 * order, and a warning is written when it happens, after what led to it.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static FILE *out;

static void to_file(void)
{
	out = tmpfile();
	cr_assert(out);
	cr_assert(dup2(fileno(out), STDERR_FILENO) >= 0);
	log_init(true, false);
}

/* what has reached stderr so far, without the time stamps */
static char *written(void)
{
	static char text[1 << 18];
	char line[2048];
	size_t n = 0;

	text[0] = '\0';
	rewind(out);
	while (fgets(line, sizeof(line), out)) {
		const char *s = strstr(line, "switchd: ");

		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", s ? s + 9 : line);
	}
	fseek(out, 0, SEEK_END);
	return text;
}

Test(log, held_lines_are_written_in_order_and_a_warning_at_once, .init = to_file)
{
	log_hold();
	log_info("create tap t0");
	log_info("attach t0 to int0");
	cr_assert_str_eq(written(), "", "held: nothing written yet");
	log_warnx("bring t0 up: No buffer space");
	cr_assert_str_eq(written(),
			 "create tap t0\nattach t0 to int0\nbring t0 up: No buffer space\n",
			 "a warning goes out with what came before it");
	log_hold(); /* nested */
	log_info("undone: attach t0 to int0");
	log_release();
	cr_assert_str_eq(written(),
			 "create tap t0\nattach t0 to int0\nbring t0 up: No buffer space\n",
			 "still held by the outer hold");
	log_release();
	cr_assert(strstr(written(), "No buffer space\nundone: attach t0 to int0\n"),
		  "the last release writes it: %s", written());
	log_info("ready");
	cr_assert(strstr(written(), "undone: attach t0 to int0\nready\n"), "not held: at once");
}

/* 4000 lines (a plan of 1000 taps) held: every one arrives, in order */
Test(log, a_long_hold_loses_no_line, .init = to_file)
{
	char *text, *p;
	int i;

	log_hold();
	for (i = 0; i < 4000; i++)
		log_info("tap t%d: attach t%d to int0", i, i);
	log_release();
	text = written();
	p = text;
	for (i = 0; i < 4000; i++) {
		char want[64];

		snprintf(want, sizeof(want), "tap t%d: attach t%d to int0\n", i, i);
		cr_assert(!strncmp(p, want, strlen(want)), "line %d: %.40s", i, p);
		p += strlen(want);
	}
	cr_assert_str_eq(p, "");
}
