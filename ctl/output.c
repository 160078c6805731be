/*
 * switchctl's rendering: every result goes through output_result(), which
 * picks JSON or the text form of its method.
 */
#include <stdlib.h>
#include <string.h>

#include <switchd/proto.h>

#include "doctor.h"
#include "output.h"

/*
 * The daemon's strings carry names the kernel and users chose: a device or
 * bridge name, an error message quoting a config value. Printed raw, an ESC
 * in one is a terminal escape sequence. Control characters (C0, DEL and the
 * C1 range, which some terminals take as 8-bit CSI) become \xHH or \u00HH,
 * and the backslash is doubled so the escapes stay unambiguous. jansson has
 * already refused invalid UTF-8.
 */
char *output_escape(const char *s)
{
	char *out, *o;

	/* at most 4 bytes for each byte of s: "\\x1b" for 1, "\\u0080" for 2 */
	out = o = malloc(strlen(s) * 4 + 1);
	if (!out)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			o += sprintf(o, "\\x%02x", *p);
		} else if (*p == '\\') {
			*o++ = '\\';
			*o++ = '\\';
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0) {
			o += sprintf(o, "\\u00%02x", p[1]);
			p++;
		} else {
			*o++ = (char)*p;
		}
	}
	*o = '\0';
	return out;
}

/* Would output_escape change s? */
static bool needs_escape(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '\\' || (*p == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0))
			return true;
	return false;
}

/* Does any string or key in v need escaping? */
static bool json_needs_escape(const json_t *v)
{
	const char *key;
	json_t *x;
	size_t i;

	if (json_is_string(v))
		return needs_escape(json_string_value(v));
	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (json_needs_escape(x))
				return true;
		return false;
	}
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, x)
			if (needs_escape(key) || json_needs_escape(x))
				return true;
	}
	return false;
}

json_t *output_escape_json(const json_t *v)
{
	const char *key;
	json_t *x, *copy;
	size_t i;

	/* nothing to escape (the usual case): the same value, not a copy of
	 * thousands of ports */
	if (!json_needs_escape(v))
		return json_incref((json_t *)v);
	if (json_is_string(v)) {
		char *e = output_escape(json_string_value(v));

		copy = e ? json_string(e) : NULL;
		free(e);
		return copy;
	}
	if (json_is_array(v)) {
		copy = json_array();
		json_array_foreach(v, i, x)
			json_array_append_new(copy, output_escape_json(x));
		return copy;
	}
	if (json_is_object(v)) {
		copy = json_object();
		json_object_foreach((json_t *)v, key, x) {
			char *e = output_escape(key);

			if (e)
				json_object_set_new(copy, e, output_escape_json(x));
			free(e);
		}
		return copy;
	}
	return json_deep_copy(v);
}

static bool verbose;

void output_verbose(bool on)
{
	verbose = on;
}

static const char *str(json_t *o, const char *key, const char *dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : dflt;
}

static bool flag(json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

static void print_status(FILE *f, json_t *r)
{
	fprintf(f, "switchd %s, pid %lld, up %llds\n", str(r, "version", "?"),
		(long long)json_integer_value(json_object_get(r, "pid")),
		(long long)json_integer_value(json_object_get(r, "uptime")));
	fprintf(f, "config:   %s\n", str(r, "config", "?"));
	fprintf(f, "bridges:  %lld\n", (long long)json_integer_value(json_object_get(r, "bridges")));
	fprintf(f, "links:    %lld\n", (long long)json_integer_value(json_object_get(r, "links")));
	fprintf(f, "events:   %lld (resyncs after lost events: %lld)\n",
		(long long)json_integer_value(json_object_get(r, "events")),
		(long long)json_integer_value(json_object_get(r, "resyncs")));
	if (json_integer_value(json_object_get(r, "failed_groups")))
		fprintf(f, "failed:   %lld part(s) of the configuration (see the log)\n",
			(long long)json_integer_value(json_object_get(r, "failed_groups")));
	json_t *held = json_object_get(r, "held_back"), *h;
	size_t i;

	json_array_foreach(held, i, h)
		fprintf(f, "held:     %s\n", str(h, "why", "?"));
}

/* What a NIC heard (cable identification): "lldp-chassis 02:.. (12x, 3s ago)". */
static void print_heard(FILE *f, const char *indent, const char *what, json_t *heard)
{
	json_t *e;
	size_t i;

	fprintf(f, "%s%s:", indent, what);
	if (!json_array_size(heard))
		fprintf(f, " nothing");
	json_array_foreach(heard, i, e)
		fprintf(f, "%s %s %s (%lldx, %.0fs ago)", i ? "," : "", str(e, "kind", "?"),
			str(e, "value", "?"), (long long)json_integer_value(json_object_get(e, "count")),
			json_number_value(json_object_get(e, "age")));
	fputc('\n', f);
}

static void print_cable(FILE *f, const char *indent, json_t *c)
{
	const char *verdict = str(c, "verdict", NULL);

	if (verdict) {
		fprintf(f, "%scable: %s", indent, verdict);
		if (str(c, "network", NULL))
			fprintf(f, ", the network of %s", str(c, "network", ""));
		if (str(c, "evidence", NULL))
			fprintf(f, ": %s", str(c, "evidence", ""));
		fputc('\n', f);
	}
	print_heard(f, indent, "heard", json_object_get(c, "heard"));
}

static void print_member(FILE *f, json_t *m, const char *role, bool last)
{
	const char *carrier = json_object_get(m, "carrier") ? (flag(m, "carrier") ? "carrier" : "no-carrier")
							       : "-";

	fprintf(f, "%s %-15s %-8s %-10s %s", last ? "└─" : "├─", str(m, "name", "?"), role,
		carrier, str(m, "mac", ""));
	if (str(m, "owner", NULL))
		fprintf(f, "  owner %s", str(m, "owner", ""));
	if (json_integer_value(json_object_get(m, "carrier_changes")))
		fprintf(f, "  %lld carrier changes",
			(long long)json_integer_value(json_object_get(m, "carrier_changes")));
	if (str(m, "last_swap", NULL))
		fprintf(f, "  swapped in %lldx, last %s (%s); %lld frames announced, %lld replayed",
			(long long)json_integer_value(json_object_get(m, "swaps")),
			str(m, "last_swap", ""), str(m, "last_swap_reason", ""),
			(long long)json_integer_value(json_object_get(m, "announced")),
			(long long)json_integer_value(json_object_get(m, "replayed")));
	else if (json_integer_value(json_object_get(m, "announced")))
		fprintf(f, "  %lld frames announced",
			(long long)json_integer_value(json_object_get(m, "announced")));
	if (json_is_false(json_object_get(m, "present")))
		fprintf(f, "  (not present)");
	else if (json_is_false(json_object_get(m, "attached")))
		fprintf(f, "  (not attached)");
	fputc('\n', f);
	if (verbose && json_object_get(m, "cable"))
		print_cable(f, last ? "     " : "│    ", json_object_get(m, "cable"));
}

static void print_bridge(FILE *f, json_t *b)
{
	json_t *ports = json_object_get(b, "ports"), *taps = json_object_get(b, "taps"),
	       *guests = json_object_get(b, "guests"), *addrs = json_object_get(b, "addresses"), *v;
	size_t i, total, n = 0;

	fprintf(f, "%s  bridge", str(b, "name", "?"));
	if (!flag(b, "present")) {
		fprintf(f, "  (not present)\n");
	} else {
		fprintf(f, "  %s%s  %s, %s", str(b, "mac", "?"), flag(b, "mac_pinned") ? " (pinned)" : "",
			flag(b, "up") ? "up" : "down", flag(b, "carrier") ? "carrier" : "no-carrier");
		json_array_foreach(addrs, i, v)
			fprintf(f, "%s%s", i ? " " : "  ", json_string_value(v));
		if (!json_array_size(addrs))
			fprintf(f, "  (no address)");
		fputc('\n', f);
	}
	if (str(b, "last_swap", NULL))
		fprintf(f, "   last swap %s (%s), %lld swaps, %lld frames announced, %lld replayed\n",
			str(b, "last_swap", ""), str(b, "last_swap_reason", ""),
			(long long)json_integer_value(json_object_get(b, "swaps")),
			(long long)json_integer_value(json_object_get(b, "announced")),
			(long long)json_integer_value(json_object_get(b, "replayed")));
	if (str(b, "held_back", NULL))
		fprintf(f, "   held back: %s\n", str(b, "held_back", ""));
	if (flag(b, "failover_suspended"))
		fprintf(f, "   failover suspended: an operator detached its port\n");
	if (verbose && json_object_get(b, "network")) {
		char what[64];

		snprintf(what, sizeof(what), "network (cable_check %s)", str(b, "cable_check", "?"));
		print_heard(f, "   ", what, json_object_get(b, "network"));
	}
	total = json_array_size(ports) + json_array_size(taps) + json_array_size(guests);
	json_array_foreach(ports, i, v)
		print_member(f, v, str(v, "role", "?"), ++n == total);
	json_array_foreach(taps, i, v)
		print_member(f, v, "tap", ++n == total);
	json_array_foreach(guests, i, v)
		print_member(f, v, "guest", ++n == total);
}

static void print_show(FILE *f, json_t *r)
{
	json_t *bridges = json_object_get(r, "bridges"), *b;
	size_t i;

	if (!json_array_size(bridges))
		fprintf(f, "no bridges configured\n");
	json_array_foreach(bridges, i, b) {
		if (i)
			fputc('\n', f);
		print_bridge(f, b);
	}
}

/* switchctl cable: each bridge's network, then each NIC. */
static void print_cable_result(FILE *f, json_t *r)
{
	json_t *v;
	size_t i;

	if (!flag(r, "enabled"))
		fprintf(f, "cable identification is off (cable_check = off everywhere)\n");
	json_array_foreach(json_object_get(r, "bridges"), i, v) {
		char what[96];

		snprintf(what, sizeof(what), "bridge %s (uplink %s, cable_check %s)", str(v, "name", "?"),
			 str(v, "uplink", "none"), str(v, "cable_check", "?"));
		print_heard(f, "", what, json_object_get(v, "network"));
	}
	json_array_foreach(json_object_get(r, "nics"), i, v) {
		fprintf(f, "%s  %s%s%s%s\n", str(v, "name", "?"), str(v, "role", "?"),
			str(v, "bridge", NULL) ? " of " : "", str(v, "bridge", ""),
			flag(v, "listening") ? "" : "  (not listening)");
		print_cable(f, "   ", v);
	}
}

static void print_result(FILE *f, const char *method, json_t *result)
{
	if (!strcmp(method, SW_M_STATUS))
		print_status(f, result);
	else if (!strcmp(method, SW_M_SHOW))
		print_show(f, result);
	else if (!strcmp(method, SW_M_DOCTOR))
		doctor_print(f, result);
	else if (!strcmp(method, SW_M_CABLE))
		print_cable_result(f, result);
	else if (str(result, "message", NULL))
		fprintf(f, "%s\n", str(result, "message", ""));
}

void output_result(FILE *f, const char *method, json_t *result, bool json)
{
	json_t *clean;

	if (json) { /* jansson escapes control characters itself */
		char *s = json_dumps(result, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		if (s) {
			fprintf(f, "%s\n", s);
			free(s);
		}
		return;
	}
	clean = output_escape_json(result);
	print_result(f, method, clean ? clean : json_object());
	json_decref(clean);
}

/*
 * show -j of thousands of ports: parsing the reply (half a megabyte) only to
 * dump it again costs more than everything else switchctl does. The daemon's
 * reply is jansson's compact dump, and json_dumps(JSON_INDENT(2)) of the
 * parsed value is that text with only the whitespace changed: so the result's
 * bytes are re-indented as they are. Anything outside what jansson's compact
 * dump produces (non-ASCII bytes, which jansson would check as UTF-8, an
 * escape other than jansson's own, a deep nesting) gives up, and the caller
 * goes the parsing way: the output is the same either way.
 */
struct reindent {
	const char *p, *end;
	char *out;
	size_t n, cap;
	bool bad;
};

static void ri_put(struct reindent *r, const char *s, size_t n)
{
	if (r->bad)
		return;
	if (r->n + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 4096;
		char *o;

		while (cap < r->n + n + 1)
			cap *= 2;
		o = realloc(r->out, cap);
		if (!o) {
			r->bad = true;
			return;
		}
		r->out = o;
		r->cap = cap;
	}
	memcpy(r->out + r->n, s, n);
	r->n += n;
}

static void ri_newline(struct reindent *r, int depth)
{
	static const char spaces[] = "\n                                                                ";

	/* depth is at most RI_MAX_DEPTH: 2 * 32 spaces fit */
	ri_put(r, spaces, 1 + 2 * (size_t)depth);
}

#define RI_MAX_DEPTH 32

static bool ri_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A string as jansson dumps it: printable ASCII, its escapes. */
static void ri_string(struct reindent *r)
{
	const char *s = r->p;

	if (r->p >= r->end || *r->p != '"') {
		r->bad = true;
		return;
	}
	for (r->p++; r->p < r->end && *r->p != '"'; r->p++) {
		unsigned char c = (unsigned char)*r->p;

		if (c < 0x20 || c >= 0x80) {
			r->bad = true;
			return;
		}
		if (c != '\\')
			continue;
		if (++r->p >= r->end || !strchr("\"\\/bfnrtu", *r->p) || !*r->p) {
			r->bad = true;
			return;
		}
		/* \u00XX, a control character other than NUL: nothing else */
		if (*r->p == 'u') {
			if (r->end - r->p < 5 || r->p[1] != '0' || r->p[2] != '0' ||
			    (r->p[3] != '0' && r->p[3] != '1') || !ri_hex(r->p[4]) ||
			    (r->p[3] == '0' && r->p[4] == '0')) {
				r->bad = true;
				return;
			}
			r->p += 4;
		}
	}
	if (r->p >= r->end) {
		r->bad = true;
		return;
	}
	r->p++;
	ri_put(r, s, (size_t)(r->p - s));
}

static bool ri_digits(struct reindent *r)
{
	const char *s = r->p;

	while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
		r->p++;
	return r->p > s;
}

/* An integer as jansson dumps it (no -0, no leading zero); a real is left
 * to the parsing way (its digits are jansson's to choose). */
static void ri_number(struct reindent *r)
{
	const char *s = r->p;

	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p >= r->end || !ri_digits(r) || (r->p - s > 1 && s[*s == '-'] == '0') ||
	    r->p - s > 18 || (r->p < r->end && strchr(".eE", *r->p))) {
		r->bad = true;
		return;
	}
	ri_put(r, s, (size_t)(r->p - s));
}

static void ri_value(struct reindent *r, int depth)
{
	static const char *const words[] = { "true", "false", "null" };
	char open;

	if (r->bad || r->p >= r->end || depth > RI_MAX_DEPTH) {
		r->bad = true;
		return;
	}
	open = *r->p;
	if (open == '"') {
		ri_string(r);
		return;
	}
	if (open == '-' || (open >= '0' && open <= '9')) {
		ri_number(r);
		return;
	}
	if (open != '{' && open != '[') {
		for (size_t i = 0; i < 3; i++) {
			size_t n = strlen(words[i]);

			if ((size_t)(r->end - r->p) >= n && !memcmp(r->p, words[i], n)) {
				ri_put(r, r->p, n);
				r->p += n;
				return;
			}
		}
		r->bad = true;
		return;
	}
	ri_put(r, r->p++, 1);
	if (r->p < r->end && *r->p == (open == '{' ? '}' : ']')) {
		ri_put(r, r->p++, 1);
		return;
	}
	while (!r->bad) {
		ri_newline(r, depth + 1);
		if (open == '{') {
			ri_string(r);
			if (r->bad || r->p >= r->end || *r->p != ':') {
				r->bad = true;
				return;
			}
			r->p++;
			ri_put(r, ": ", 2);
		}
		ri_value(r, depth + 1);
		if (r->bad || r->p >= r->end) {
			r->bad = true;
			return;
		}
		if (*r->p == ',') {
			ri_put(r, r->p++, 1);
			continue;
		}
		if (*r->p != (open == '{' ? '}' : ']')) {
			r->bad = true;
			return;
		}
		ri_newline(r, depth);
		ri_put(r, r->p++, 1);
		return;
	}
}

int output_json_reply(FILE *f, const char *line, size_t len)
{
	char prefix[64];
	size_t n = (size_t)snprintf(prefix, sizeof(prefix), "{\"v\":%d,\"id\":1,\"ok\":true,\"result\":",
				    SW_PROTO_VERSION);
	struct reindent r = { 0 };

	if (len < n + 2 || memcmp(line, prefix, n) || line[len - 1] != '}')
		return -1;
	r.p = line + n;
	r.end = line + len - 1;
	if (*r.p != '{') /* a result is an object */
		return -1;
	ri_value(&r, 0);
	if (r.bad || r.p != r.end) {
		free(r.out);
		return -1;
	}
	ri_put(&r, "\n", 1);
	if (!r.bad)
		fwrite(r.out, 1, r.n, f);
	free(r.out);
	return r.bad ? -1 : 0;
}

static void print_event(FILE *f, json_t *ev)
{
	const char *key;
	json_t *v;

	fprintf(f, "%s %s", str(ev, "time", "-"), str(ev, "type", "event"));
	json_object_foreach(ev, key, v) {
		if (!strcmp(key, "time") || !strcmp(key, "type") || !strcmp(key, "message"))
			continue;
		if (json_is_string(v))
			fprintf(f, " %s=%s", key, json_string_value(v));
		else if (json_is_boolean(v))
			fprintf(f, " %s=%s", key, json_is_true(v) ? "yes" : "no");
		else if (json_is_integer(v))
			fprintf(f, " %s=%lld", key, (long long)json_integer_value(v));
	}
	if (str(ev, "message", NULL))
		fprintf(f, "  %s", str(ev, "message", ""));
	fputc('\n', f);
}

void output_event(FILE *f, json_t *ev, bool json)
{
	json_t *clean;

	if (json) {
		char *s = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);

		if (s) {
			fprintf(f, "%s\n", s);
			free(s);
		}
		fflush(f);
		return;
	}
	clean = output_escape_json(ev);
	if (clean)
		print_event(f, clean);
	json_decref(clean);
	fflush(f);
}
