/*
 * The text of show and cable results, and the escaping of what the kernel
 * and users named: switchctl prints them, and switchd renders show's text
 * itself when asked ("format": "text"), so that a show of thousands of ports
 * is not half a megabyte of JSON for the client to parse only to print.
 */
#include <stdlib.h>
#include <string.h>

#include "show_text.h"

/*
 * The daemon's strings carry names the kernel and users chose: a device or
 * bridge name, an error message quoting a config value. Printed raw, an ESC
 * in one is a terminal escape sequence. Control characters (C0, DEL and the
 * C1 range, which some terminals take as 8-bit CSI) become \xHH or \u00HH,
 * and the backslash is doubled so the escapes stay unambiguous. jansson has
 * already refused invalid UTF-8.
 */
char *text_escape(const char *s)
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

json_t *text_escape_json(const json_t *v)
{
	const char *key;
	json_t *x, *copy;
	size_t i;

	/* nothing to escape (the usual case): the same value, not a copy of
	 * thousands of ports */
	if (!json_needs_escape(v))
		return json_incref((json_t *)v);
	if (json_is_string(v)) {
		char *e = text_escape(json_string_value(v));

		copy = e ? json_string(e) : NULL;
		free(e);
		return copy;
	}
	if (json_is_array(v)) {
		copy = json_array();
		json_array_foreach(v, i, x)
			json_array_append_new(copy, text_escape_json(x));
		return copy;
	}
	if (json_is_object(v)) {
		copy = json_object();
		json_object_foreach((json_t *)v, key, x) {
			char *e = text_escape(key);

			if (e)
				json_object_set_new(copy, e, text_escape_json(x));
			free(e);
		}
		return copy;
	}
	return json_deep_copy(v);
}

const char *text_str(const json_t *o, const char *key, const char *dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : dflt;
}

bool text_flag(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
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
		fprintf(f, "%s %s %s (%lldx, %.0fs ago)", i ? "," : "", text_str(e, "kind", "?"),
			text_str(e, "value", "?"), (long long)json_integer_value(json_object_get(e, "count")),
			json_number_value(json_object_get(e, "age")));
	fputc('\n', f);
}

static void print_cable(FILE *f, const char *indent, json_t *c)
{
	const char *verdict = text_str(c, "verdict", NULL);

	if (verdict) {
		fprintf(f, "%scable: %s", indent, verdict);
		if (text_str(c, "network", NULL))
			fprintf(f, ", the network of %s", text_str(c, "network", ""));
		if (text_str(c, "evidence", NULL))
			fprintf(f, ": %s", text_str(c, "evidence", ""));
		fputc('\n', f);
	}
	print_heard(f, indent, "heard", json_object_get(c, "heard"));
}

static void print_member(FILE *f, json_t *m, const char *role, bool last, bool verbose)
{
	const char *carrier = json_object_get(m, "carrier") ? (text_flag(m, "carrier") ? "carrier" : "no-carrier")
							       : "-";

	fprintf(f, "%s %-15s %-8s %-10s %s", last ? "└─" : "├─", text_str(m, "name", "?"), role,
		carrier, text_str(m, "mac", ""));
	if (text_str(m, "owner", NULL))
		fprintf(f, "  owner %s", text_str(m, "owner", ""));
	if (json_integer_value(json_object_get(m, "carrier_changes")))
		fprintf(f, "  %lld carrier changes",
			(long long)json_integer_value(json_object_get(m, "carrier_changes")));
	if (text_str(m, "last_swap", NULL))
		fprintf(f, "  swapped in %lldx, last %s (%s); %lld frames announced, %lld replayed",
			(long long)json_integer_value(json_object_get(m, "swaps")),
			text_str(m, "last_swap", ""), text_str(m, "last_swap_reason", ""),
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

static void print_bridge(FILE *f, json_t *b, bool verbose)
{
	json_t *ports = json_object_get(b, "ports"), *taps = json_object_get(b, "taps"),
	       *guests = json_object_get(b, "guests"), *addrs = json_object_get(b, "addresses"), *v;
	size_t i, total, n = 0;

	fprintf(f, "%s  bridge", text_str(b, "name", "?"));
	if (!text_flag(b, "present")) {
		fprintf(f, "  (not present)\n");
	} else {
		fprintf(f, "  %s%s  %s, %s", text_str(b, "mac", "?"), text_flag(b, "mac_pinned") ? " (pinned)" : "",
			text_flag(b, "up") ? "up" : "down", text_flag(b, "carrier") ? "carrier" : "no-carrier");
		json_array_foreach(addrs, i, v)
			fprintf(f, "%s%s", i ? " " : "  ", json_string_value(v));
		if (!json_array_size(addrs))
			fprintf(f, "  (no address)");
		fputc('\n', f);
	}
	if (text_str(b, "last_swap", NULL))
		fprintf(f, "   last swap %s (%s), %lld swaps, %lld frames announced, %lld replayed\n",
			text_str(b, "last_swap", ""), text_str(b, "last_swap_reason", ""),
			(long long)json_integer_value(json_object_get(b, "swaps")),
			(long long)json_integer_value(json_object_get(b, "announced")),
			(long long)json_integer_value(json_object_get(b, "replayed")));
	if (text_str(b, "held_back", NULL))
		fprintf(f, "   held back: %s\n", text_str(b, "held_back", ""));
	if (text_flag(b, "failover_suspended"))
		fprintf(f, "   failover suspended: an operator detached its port\n");
	if (verbose && json_object_get(b, "network")) {
		char what[64];

		snprintf(what, sizeof(what), "network (cable_check %s)", text_str(b, "cable_check", "?"));
		print_heard(f, "   ", what, json_object_get(b, "network"));
	}
	total = json_array_size(ports) + json_array_size(taps) + json_array_size(guests);
	json_array_foreach(ports, i, v)
		print_member(f, v, text_str(v, "role", "?"), ++n == total, verbose);
	json_array_foreach(taps, i, v)
		print_member(f, v, "tap", ++n == total, verbose);
	json_array_foreach(guests, i, v)
		print_member(f, v, "guest", ++n == total, verbose);
}

void show_text(FILE *f, json_t *r, bool verbose)
{
	json_t *bridges = json_object_get(r, "bridges"), *b;
	size_t i;

	if (!json_array_size(bridges))
		fprintf(f, "no bridges configured\n");
	json_array_foreach(bridges, i, b) {
		if (i)
			fputc('\n', f);
		print_bridge(f, b, verbose);
	}
}

/* switchctl cable: each bridge's network, then each NIC. */
void cable_text(FILE *f, json_t *r)
{
	json_t *v;
	size_t i;

	if (!text_flag(r, "enabled"))
		fprintf(f, "cable identification is off (cable_check = off everywhere)\n");
	json_array_foreach(json_object_get(r, "bridges"), i, v) {
		char what[96];

		snprintf(what, sizeof(what), "bridge %s (uplink %s, cable_check %s)", text_str(v, "name", "?"),
			 text_str(v, "uplink", "none"), text_str(v, "cable_check", "?"));
		print_heard(f, "", what, json_object_get(v, "network"));
	}
	json_array_foreach(json_object_get(r, "nics"), i, v) {
		fprintf(f, "%s  %s%s%s%s\n", text_str(v, "name", "?"), text_str(v, "role", "?"),
			text_str(v, "bridge", NULL) ? " of " : "", text_str(v, "bridge", ""),
			text_flag(v, "listening") ? "" : "  (not listening)");
		print_cable(f, "   ", v);
	}
}
