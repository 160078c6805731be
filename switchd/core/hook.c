/*
 * See hook.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hook.h"

static const char *const kind_names[HOOK_NKINDS] = {
	[HOOK_PRE_UP] = "pre-up", [HOOK_UP] = "up",	      [HOOK_DOWN] = "down",
	[HOOK_SWAP] = "swap",	  [HOOK_ATTACH] = "attach",   [HOOK_DETACH] = "detach",
	[HOOK_CARRIER] = "carrier", [HOOK_CABLE] = "cable", [HOOK_RELOAD] = "reload",
};

const char *hook_kind_name(enum hook_kind k)
{
	return (unsigned)k < HOOK_NKINDS ? kind_names[k] : "?";
}

bool hook_name_ok(const char *name)
{
	if (!name || !*name)
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			return false;
	return true;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t hook_names_filter(char **names, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++) {
		if (hook_name_ok(names[i]))
			names[w++] = names[i];
		else
			free(names[i]);
	}
	if (w > 1)
		qsort(names, w, sizeof(*names), name_cmp);
	return w;
}

/* A string field as it is; anything else (the cable evidence may be an
 * object) as compact JSON. */
static void copy_field(char *dst, size_t len, json_t *ev, const char *key)
{
	json_t *v = json_object_get(ev, key);
	char *dump;

	dst[0] = 0;
	if (!v || json_is_null(v))
		return;
	if (json_is_string(v)) {
		sw_strlcpy(dst, json_string_value(v), len);
		return;
	}
	dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
	if (dump)
		sw_strlcpy(dst, dump, len);
	free(dump);
}

int hook_event_from(const char *type, json_t *ev, struct hook_event *out)
{
	/* carrier is not here: the hooks feature takes it from the link model,
	 * which also sees the standbys' (no event reports those) */
	static const struct {
		const char *type;
		enum hook_kind kind;
	} map[] = {
		{ "up", HOOK_UP },	 { "down", HOOK_DOWN },	    { "swap", HOOK_SWAP },
		{ "attach", HOOK_ATTACH }, { "detach", HOOK_DETACH }, { "cable", HOOK_CABLE },
		{ "reload", HOOK_RELOAD },
	};
	size_t i;

	if (!type || !ev)
		return -1;
	for (i = 0; i < ARRAY_SIZE(map) && strcmp(map[i].type, type); i++)
		;
	if (i == ARRAY_SIZE(map))
		return -1;
	memset(out, 0, sizeof(*out));
	out->kind = map[i].kind;
	copy_field(out->bridge, sizeof(out->bridge), ev, "bridge");
	copy_field(out->port, sizeof(out->port), ev, "port");
	copy_field(out->old_port, sizeof(out->old_port), ev, "old");
	copy_field(out->reason, sizeof(out->reason), ev, "reason");
	copy_field(out->evidence, sizeof(out->evidence), ev, "evidence");
	copy_field(out->message, sizeof(out->message), ev, "message");
	copy_field(out->time, sizeof(out->time), ev, "time");
	if (out->kind == HOOK_RELOAD) {
		out->bridge[0] = 0; /* every bridge's: one run, not one per bridge */
		return 0;
	}
	return out->bridge[0] ? 0 : -1;
}

static const char *const env_keys[] = {
	"SWITCHD_EVENT",   "SWITCHD_BRIDGE",   "SWITCHD_PORT",	  "SWITCHD_OLD_PORT",
	"SWITCHD_REASON",  "SWITCHD_ADDRESSES", "SWITCHD_EVIDENCE", "SWITCHD_MESSAGE",
	"SWITCHD_TIME",	   "SWITCHD_DROPPED",
};

char **hook_env(const struct hook_event *e, char *const *base)
{
	char dropped[16];
	const char *vals[ARRAY_SIZE(env_keys)] = {
		hook_kind_name(e->kind), e->bridge, e->port, e->old_port, e->reason,
		e->addresses, e->evidence, e->message, e->time, dropped,
	};
	size_t nbase = 0, bytes = 0, n = 0;
	char **env, *p;

	snprintf(dropped, sizeof(dropped), "%u", e->dropped);
	for (; base && base[nbase]; nbase++)
		if (strncmp(base[nbase], "SWITCHD_", 8))
			bytes += strlen(base[nbase]) + 1;
	for (size_t i = 0; i < ARRAY_SIZE(env_keys); i++)
		bytes += strlen(env_keys[i]) + 1 + strlen(vals[i]) + 1;
	env = malloc((nbase + ARRAY_SIZE(env_keys) + 1) * sizeof(*env) + bytes);
	if (!env)
		return NULL;
	p = (char *)(env + nbase + ARRAY_SIZE(env_keys) + 1);
	for (size_t i = 0; i < nbase; i++) {
		if (!strncmp(base[i], "SWITCHD_", 8))
			continue;
		env[n++] = p;
		p = stpcpy(p, base[i]) + 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(env_keys); i++) {
		env[n++] = p;
		p += sprintf(p, "%s=%s", env_keys[i], vals[i]) + 1;
	}
	env[n] = NULL;
	return env;
}

bool hook_queue_push(struct hook_queue *q, const struct hook_event *e)
{
	bool dropped = false;

	if (q->n == HOOK_QUEUE_MAX) {
		/* the newest state matters most to a hook (carrier on after
		 * off): the oldest waiting event goes */
		q->head = (q->head + 1) % HOOK_QUEUE_MAX;
		q->n--;
		q->dropped++;
		dropped = true;
	}
	q->v[(q->head + q->n) % HOOK_QUEUE_MAX] = *e;
	q->n++;
	return dropped;
}

bool hook_queue_pop(struct hook_queue *q, struct hook_event *out)
{
	if (!q->n)
		return false;
	*out = q->v[q->head];
	out->dropped = q->dropped;
	q->dropped = 0;
	q->head = (q->head + 1) % HOOK_QUEUE_MAX;
	q->n--;
	return true;
}

static void emit_line(struct hook_lines *l, hook_line_fn fn, void *arg)
{
	if (l->n && l->buf[l->n - 1] == '\r')
		l->n--;
	l->buf[l->n] = 0;
	fn(arg, l->buf);
	l->n = 0;
}

void hook_lines_feed(struct hook_lines *l, const char *data, size_t len, hook_line_fn fn,
		     void *arg)
{
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n') {
			emit_line(l, fn, arg);
			continue;
		}
		if (l->n == sizeof(l->buf) - 1)
			emit_line(l, fn, arg);
		l->buf[l->n++] = data[i] ? data[i] : ' ';
	}
}

void hook_lines_flush(struct hook_lines *l, hook_line_fn fn, void *arg)
{
	if (l->n)
		emit_line(l, fn, arg);
}
