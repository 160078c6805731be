/*
 * switchctl's rendering: every result goes through output_result(), which
 * picks JSON or the text form of its method.
 */
#include <stdlib.h>
#include <string.h>

#include <switchd/proto.h>

#include "doctor.h"
#include "output.h"
#include "show_text.h"

static bool verbose;

void output_verbose(bool on)
{
	verbose = on;
}

static void print_status(FILE *f, json_t *r)
{
	fprintf(f, "switchd %s, pid %lld, up %llds\n", text_str(r, "version", "?"),
		(long long)json_integer_value(json_object_get(r, "pid")),
		(long long)json_integer_value(json_object_get(r, "uptime")));
	fprintf(f, "config:   %s\n", text_str(r, "config", "?"));
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
		fprintf(f, "held:     %s\n", text_str(h, "why", "?"));
}

static void print_result(FILE *f, const char *method, json_t *result)
{
	if (!strcmp(method, SW_M_STATUS))
		print_status(f, result);
	else if (!strcmp(method, SW_M_SHOW))
		show_text(f, result, verbose);
	else if (!strcmp(method, SW_M_DOCTOR))
		doctor_print(f, result);
	else if (!strcmp(method, SW_M_CABLE))
		cable_text(f, result);
	else if (text_str(result, "message", NULL))
		fprintf(f, "%s\n", text_str(result, "message", ""));
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
	clean = text_escape_json(result);
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

	fprintf(f, "%s %s", text_str(ev, "time", "-"), text_str(ev, "type", "event"));
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
	if (text_str(ev, "message", NULL))
		fprintf(f, "  %s", text_str(ev, "message", ""));
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
	clean = text_escape_json(ev);
	if (clean)
		print_event(f, clean);
	json_decref(clean);
	fflush(f);
}
