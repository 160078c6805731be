/*
 * The control protocol's parsers: the input as a request line (switchd's
 * side) and as a reply line (switchctl's side). A request that parses is
 * written back and must parse again to the same id, method and params.
 */
#include <errno.h>
#include <string.h>
#include <switchd/proto.h>

#include "fuzz.h"

static void request_round_trip(const struct proto_request *req)
{
	struct proto_request again;
	char err[256], *line;

	line = proto_request_line(req->id, req->method, json_incref(req->params));
	FUZZ_ASSERT(line);
	FUZZ_ASSERT(line[strlen(line) - 1] == '\n');
	FUZZ_ASSERT(proto_parse_request(line, strlen(line) - 1, &again, err, sizeof(err)) == 0);
	FUZZ_ASSERT(again.id == req->id);
	FUZZ_ASSERT(strcmp(again.method, req->method) == 0);
	FUZZ_ASSERT(json_equal(again.params, req->params));
	proto_request_free(&again);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_request req;
	json_t *result;
	char err[256];
	int ret;

	if (size > SW_MSG_MAX)
		return 0; /* the transport refuses longer lines */
	err[0] = '\0';
	if (proto_parse_request((const char *)data, size, &req, err, sizeof(err)) == 0) {
		FUZZ_ASSERT(req.params && json_is_object(req.params));
		FUZZ_ASSERT(req.method[0]);
		request_round_trip(&req);
		proto_request_free(&req);
	} else {
		FUZZ_ASSERT(err[0]); /* every refusal says why */
	}
	err[0] = '\0';
	ret = proto_parse_reply((const char *)data, size, &result, err, sizeof(err));
	FUZZ_ASSERT(ret == 0 || ret == 1 || ret == -1 || ret == -EPROTO);
	FUZZ_ASSERT((ret >= 0) == (result != NULL));
	if (ret < 0)
		FUZZ_ASSERT(memchr(err, '\0', sizeof(err)));
	json_decref(result);
	return 0;
}
