/* The control protocol's lines, and switchctl's rendering of results. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <switchd/proto.h>

#include "ctl_methods.h"
#include "output.h"
#include "show_text.h"

Test(proto, request_roundtrip)
{
	char *line = proto_request_line(7, "swap", json_pack("{s:s,s:s}", "bridge", "eth0", "port", "hweth1"));
	struct proto_request req;
	char err[256];

	cr_assert_not_null(line);
	cr_assert_eq(line[strlen(line) - 1], '\n', "one line per message");
	cr_assert_eq(proto_parse_request(line, strlen(line) - 1, &req, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(req.id, 7);
	cr_assert_str_eq(req.method, "swap");
	cr_assert_str_eq(json_string_value(json_object_get(req.params, "port")), "hweth1");
	proto_request_free(&req);
	free(line);
}

static void bad(const char *line, const char *needle)
{
	struct proto_request req;
	char err[256] = "";

	cr_assert_lt(proto_parse_request(line, strlen(line), &req, err, sizeof(err)), 0, "%s", line);
	cr_assert(strstr(err, needle), "\"%s\" -> \"%s\", expected \"%s\"", line, err, needle);
}

Test(proto, malformed_requests)
{
	bad("hello", "not JSON");
	bad("[1,2]", "not a JSON object");
	bad("{\"method\":\"show\"}", "no protocol version");
	bad("{\"v\":1}", "no \"method\"");
	bad("{\"v\":1,\"method\":7}", "no \"method\"");
	bad("{\"v\":1,\"method\":\"show\",\"params\":[]}", "must be an object");
	bad("{\"v\":2,\"method\":\"show\"}", "version 2 not supported");
	bad("{\"v\":1,\"method\":\"show\",\"method\":\"swap\"}", "not JSON");
}

Test(proto, replies_and_events)
{
	json_t *res;
	char err[256];
	char *ok = proto_reply_ok(3, json_pack("{s:s}", "message", "done"));
	char *ko = proto_reply_error(3, "bridge eth9: no such bridge in the config");
	char *ev = proto_event_line(json_pack("{s:s}", "type", "swap"));

	cr_assert_eq(proto_parse_reply(ok, strlen(ok), &res, err, sizeof(err)), 0);
	cr_assert_str_eq(json_string_value(json_object_get(res, "message")), "done");
	json_decref(res);
	cr_assert_eq(proto_parse_reply(ko, strlen(ko), &res, err, sizeof(err)), -1);
	cr_assert_str_eq(err, "bridge eth9: no such bridge in the config");
	cr_assert_eq(proto_parse_reply(ev, strlen(ev), &res, err, sizeof(err)), 1);
	json_decref(res);
	cr_assert_eq(proto_parse_reply("garbage", 7, &res, err, sizeof(err)), -EPROTO);
	free(ok);
	free(ko);
	free(ev);
}

static char *render(const char *method, const char *json, bool as_json)
{
	static char buf[4096];
	json_t *r = json_loads(json, 0, NULL);
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	cr_assert_not_null(r);
	output_result(f, method, r, as_json);
	fclose(f);
	json_decref(r);
	return buf;
}

Test(output, show_is_a_tree_with_roles)
{
	const char *show =
		"{\"bridges\":[{\"name\":\"eth0\",\"present\":true,\"mac\":\"02:00:c6:12:00:10\","
		"\"mac_pinned\":true,\"up\":true,\"carrier\":true,\"addresses\":[\"198.18.0.2/24\"],"
		"\"ports\":[{\"name\":\"hweth0\",\"role\":\"active\",\"carrier\":true,\"mac\":\"02:00:c6:12:00:10\"},"
		"{\"name\":\"hweth1\",\"role\":\"missing\",\"present\":false}],"
		"\"taps\":[{\"name\":\"tap0\",\"carrier\":false,\"mac\":\"fe:00:00:00:00:01\",\"owner\":\"nobody\"}],"
		"\"guests\":[]}]}";
	char *text = render("show", show, false);

	cr_assert(strstr(text, "eth0  bridge  02:00:c6:12:00:10 (pinned)  up, carrier  198.18.0.2/24"),
		  "%s", text);
	cr_assert(strstr(text, "├─ hweth0          active   carrier"), "%s", text);
	cr_assert(strstr(text, "hweth1          missing") && strstr(text, "(not present)"), "%s", text);
	cr_assert(strstr(text, "└─ tap0            tap      no-carrier fe:00:00:00:00:01  owner nobody"),
		  "%s", text);
	text = render("show", show, true);
	cr_assert(strstr(text, "\"role\": \"active\""), "-j gives the JSON: %s", text);
}

Test(output, messages_and_status)
{
	cr_assert_str_eq(render("swap", "{\"message\":\"eth0: hweth1 is now the active port\"}", false),
			 "eth0: hweth1 is now the active port\n");
	char *text = render("status", "{\"version\":\"0.1.0\",\"pid\":12,\"config\":\"/x\",\"uptime\":3,"
				      "\"bridges\":2,\"links\":9,\"events\":5,\"resyncs\":1}", false);
	cr_assert(strstr(text, "resyncs after lost events: 1"), "%s", text);
}

/* The daemon's table and the protocol's list agree: a write method is never
 * served to a read-only client because the two disagreed. */
Test(proto, daemon_methods_match_the_protocol)
{
	size_t n = 0;

	for (const struct proto_method *pm = proto_methods; pm->name; pm++, n++) {
		const struct ctl_method *m = ctl_method_find(pm->name);

		cr_assert_not_null(m, "switchd does not serve \"%s\"", pm->name);
		cr_assert_eq(m->needs_write, pm->writes, "%s: write flag differs", pm->name);
		cr_assert_eq(proto_method_find(pm->name), pm);
	}
	cr_assert_eq(n, 12);
	cr_assert(!proto_method_find(SW_M_CABLE)->writes, "cable only reads");
	cr_assert(proto_method_find(SW_M_SWAP)->writes);
	cr_assert(!proto_method_find(SW_M_MONITOR)->writes);
	cr_assert_null(proto_method_find("reboot"));
}

/* defect 4: a name with a terminal escape sequence in it reaches the screen
 * escaped, in results, events and errors alike */
Test(output, control_characters_are_escaped_in_text)
{
	char *e = text_escape("eth0\x1b]0;owned\x07\\ \xc2\x9b" "31m tab\there é");
	char buf[1024];
	FILE *f;
	json_t *ev;

	cr_assert_str_eq(e, "eth0\\x1b]0;owned\\x07\\\\ \\u009b31m tab\\x09here é");
	free(e);
	cr_assert_str_eq(render("swap", "{\"message\":\"eth0: \\u001b[2Jgone\"}", false),
			 "eth0: \\x1b[2Jgone\n");
	char *text = render("show", "{\"bridges\":[{\"name\":\"br\\u001b[31m\",\"present\":false,"
				    "\"ports\":[{\"name\":\"p\\u0007\",\"role\":\"active\"}]}]}", false);
	cr_assert(!strchr(text, '\x1b') && !strchr(text, '\x07'), "raw control characters: %s", text);
	cr_assert(strstr(text, "br\\x1b[31m  bridge") && strstr(text, "p\\x07"), "%s", text);
	text = render("swap", "{\"message\":\"a\\u001bb\"}", true);
	cr_assert(strcasestr(text, "a\\u001bb"), "-j stays JSON-escaped: %s", text);
	ev = json_pack("{s:s,s:s,s:s}", "type", "swap", "port\x1b", "x\x1b[H", "message", "m\r");
	f = fmemopen(buf, sizeof(buf), "w");
	output_event(f, ev, false);
	fclose(f);
	json_decref(ev);
	cr_assert(!strchr(buf, '\x1b') && !strchr(buf, '\r'), "raw control characters: %s", buf);
	cr_assert(strstr(buf, "port\\x1b=x\\x1b[H") && strstr(buf, "m\\x0d"), "%s", buf);
}

/* show -j prints the reply's bytes re-indented: exactly what parsing the
 * line and json_dumps(JSON_INDENT(2)) of its result prints, or nothing
 * (-1, the caller parses) for what it cannot be sure of. */
static char *reindented(const char *line, int *ret)
{
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);

	*ret = output_json_reply(f, line, strlen(line) - 1);
	fclose(f);
	return out;
}

static void same_as_parsed(json_t *result)
{
	char *line = proto_reply_ok(1, result), *fast, *slow = NULL;
	size_t n = 0;
	json_t *r;
	char err[64];
	int ret;
	FILE *f = open_memstream(&slow, &n);

	cr_assert_eq(proto_parse_reply(line, strlen(line) - 1, &r, err, sizeof(err)), 0);
	output_result(f, "show", r, true);
	fclose(f);
	json_decref(r);
	fast = reindented(line, &ret);
	cr_assert_eq(ret, 0, "not re-indented: %s", line);
	cr_assert_str_eq(fast, slow);
	free(fast);
	free(slow);
	free(line);
}

Test(output, show_json_reindented_is_the_parsed_dump)
{
	same_as_parsed(json_pack("{s:[{s:s,s:b,s:n,s:i,s:i,s:[],s:{},s:[{s:[i,i]},{}],s:s}],s:[]}",
				 "bridges", "name", "br \"0\" \\ \x1b tab\t/x", "present", 1, "mac",
				 "ifindex", -42, "carrier_changes", 0, "addresses", "cable", "taps",
				 "a", 1, 2, "last", "", "empty"));
	same_as_parsed(json_object());
}

Test(output, show_json_reindent_gives_up_on_what_it_cannot_be_sure_of)
{
	static const char *const lines[] = {
		"{\"v\":1,\"id\":1,\"ok\":false,\"error\":\"x\"}\n", /* an error */
		"{\"v\":1,\"event\":{}}\n",
		"{\"v\":1,\"id\":2,\"ok\":true,\"result\":{}}\n", /* not our request */
		"{\"v\":1,\"id\":1,\"ok\":true,\"result\":{\"a\":1.5}}\n", /* jansson's digits */
		"{\"v\":1,\"id\":1,\"ok\":true,\"result\":{\"a\":\"\xc3\xa9\"}}\n", /* UTF-8 check */
		"{\"v\":1,\"id\":1,\"ok\":true,\"result\":{\"a\":\"\\u0000\"}}\n",
		"{\"v\":1,\"id\":1,\"ok\":true,\"result\":{\"a\":01}}\n", /* garbled */
		"{\"v\":1,\"id\":1,\"ok\":true,\"result\":{\"a\":[1,]}}\n",
		"{\"v\":1,\"id\":1,\"ok\":true,\"result\":{\"a\" 1}}\n",
		"{\"v\":1,\"id\":1,\"ok\":true,\"result\":{\"a\":tru}}\n",
		"{\"v\":1,\"id\":1,\"ok\":true,\"result\":{\"a\":1}x}\n",
		"{\"v\":1,\"id\":1,\"ok\":true,\"result\":{\"a\":\"1}}\n",
	};
	int ret;

	for (size_t i = 0; i < sizeof(lines) / sizeof(*lines); i++) {
		char *out = reindented(lines[i], &ret);

		cr_assert_eq(ret, -1, "%s", lines[i]);
		cr_assert_str_eq(out, "", "printed something for %s", lines[i]);
		free(out);
	}
}
