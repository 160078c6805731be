/*
 * The control protocol's lines (see include/switchd/proto.h). Shared by the
 * daemon and switchctl.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <switchd/proto.h>

#define METHOD(m) { m, m##_WRITES } /* not SW_WRITES(m): m would expand first */
const struct proto_method proto_methods[] = {
	METHOD(SW_M_STATUS), METHOD(SW_M_SHOW),	  METHOD(SW_M_DOCTOR),	METHOD(SW_M_MONITOR),
	METHOD(SW_M_SWAP),   METHOD(SW_M_ATTACH), METHOD(SW_M_DETACH),	METHOD(SW_M_TAP_ADD),
	METHOD(SW_M_TAP_DEL), METHOD(SW_M_RELOAD), METHOD(SW_M_CONFIRM), METHOD(SW_M_CABLE),
	{ NULL, false },
};
#undef METHOD

const struct proto_method *proto_method_find(const char *name)
{
	for (const struct proto_method *m = proto_methods; m->name; m++)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

struct line_buf {
	char *s;
	size_t n, cap;
};

static int line_append(const char *buf, size_t size, void *data)
{
	struct line_buf *b = data;

	if (b->n + size + 2 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *s;

		while (cap < b->n + size + 2)
			cap *= 2;
		s = realloc(b->s, cap);
		if (!s)
			return -1;
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->n, buf, size);
	b->n += size;
	return 0;
}

/* obj's compact dump and a newline, in one buffer (a show of thousands of
 * ports is half a megabyte: json_dumps would copy it twice more) */
static char *to_line(json_t *obj)
{
	struct line_buf b = { 0 };
	int ret = obj ? json_dump_callback(obj, line_append, &b, JSON_COMPACT) : -1;

	json_decref(obj);
	if (ret || !b.s) {
		free(b.s);
		return NULL;
	}
	b.s[b.n] = '\n';
	b.s[b.n + 1] = '\0';
	return b.s;
}

char *proto_request_line(json_int_t id, const char *method, json_t *params)
{
	return to_line(json_pack("{s:i,s:I,s:s,s:o}", "v", SW_PROTO_VERSION, "id", id, "method",
				 method, "params", params ? params : json_object()));
}

int proto_parse_request(const char *line, size_t len, struct proto_request *req, char *err,
			size_t errlen)
{
	json_error_t jerr;
	json_t *root, *v, *id, *method, *params;

	memset(req, 0, sizeof(*req));
	root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root) {
		snprintf(err, errlen, "malformed request: not JSON (%s)", jerr.text);
		return -EINVAL;
	}
	if (!json_is_object(root)) {
		snprintf(err, errlen, "malformed request: not a JSON object");
		goto bad;
	}
	id = json_object_get(root, "id");
	if (json_is_integer(id))
		req->id = json_integer_value(id);
	v = json_object_get(root, "v");
	if (!json_is_integer(v)) {
		snprintf(err, errlen, "malformed request: no protocol version \"v\"");
		goto bad;
	}
	if (json_integer_value(v) > SW_PROTO_VERSION || json_integer_value(v) < 1) {
		snprintf(err, errlen, "protocol version %lld not supported (this switchd speaks %d)",
			 (long long)json_integer_value(v), SW_PROTO_VERSION);
		goto bad;
	}
	method = json_object_get(root, "method");
	if (!json_is_string(method) || !json_string_length(method)) {
		snprintf(err, errlen, "malformed request: no \"method\"");
		goto bad;
	}
	if (json_string_length(method) >= sizeof(req->method)) {
		snprintf(err, errlen, "unknown method (name too long)");
		goto bad;
	}
	params = json_object_get(root, "params");
	if (params && !json_is_object(params)) {
		snprintf(err, errlen, "malformed request: \"params\" must be an object");
		goto bad;
	}
	snprintf(req->method, sizeof(req->method), "%s", json_string_value(method));
	req->params = params ? json_incref(params) : json_object();
	json_decref(root);
	return 0;
bad:
	json_decref(root);
	return -EINVAL;
}

void proto_request_free(struct proto_request *req)
{
	json_decref(req->params);
	req->params = NULL;
}

char *proto_reply_ok(json_int_t id, json_t *result)
{
	return to_line(json_pack("{s:i,s:I,s:b,s:o}", "v", SW_PROTO_VERSION, "id", id, "ok", 1,
				 "result", result ? result : json_object()));
}

char *proto_reply_error(json_int_t id, const char *msg)
{
	return to_line(json_pack("{s:i,s:I,s:b,s:s}", "v", SW_PROTO_VERSION, "id", id, "ok", 0,
				 "error", msg));
}

char *proto_event_line(json_t *event)
{
	return to_line(json_pack("{s:i,s:o}", "v", SW_PROTO_VERSION, "event", event));
}

int proto_parse_reply(const char *line, size_t len, json_t **result, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_loadb(line, len, 0, &jerr), *v;
	int ret;

	*result = NULL;
	if (!root || !json_is_object(root)) {
		snprintf(err, errlen, "garbled reply from switchd");
		json_decref(root);
		return -EPROTO;
	}
	if ((v = json_object_get(root, "event"))) {
		*result = json_incref(v);
		ret = 1;
	} else if (json_is_true(json_object_get(root, "ok"))) {
		v = json_object_get(root, "result");
		*result = v ? json_incref(v) : json_object();
		ret = 0;
	} else if (json_is_false(json_object_get(root, "ok"))) {
		v = json_object_get(root, "error");
		snprintf(err, errlen, "%s", json_is_string(v) ? json_string_value(v) : "error");
		ret = -1;
	} else {
		snprintf(err, errlen, "garbled reply from switchd");
		ret = -EPROTO;
	}
	json_decref(root);
	return ret;
}
