/* Every decoder of nl_parse.c on every message of the input; and the
 * whole input as one received buffer of a batch's acks. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nlstream.h"

static void decode_all(const struct nlmsghdr *nlh, void *arg)
{
	struct sw_link l;
	struct sw_brport p;
	struct sw_addr a;
	struct sw_route *r = arg;
	struct sw_fdb f;
	struct sw_proxy px;
	struct sw_neigh ne;
	char text[256];
	int ifindex, ret;

	if (nlp_link(nlh, &l) == 0) {
		FUZZ_ASSERT(memchr(l.name, '\0', sizeof(l.name)));
		FUZZ_ASSERT(l.naltnames <= SW_MAX_ALTNAMES);
	}
	nlp_brport(nlh, &p);
	nlp_addr(nlh, &a);
	if (nlp_route(nlh, r) == 0) {
		FUZZ_ASSERT(r->attrs_len <= sizeof(r->attrs));
		/* what the conversion does with a route: find its device, move it */
		if (nlp_route_uses_ifindex(r, r->oif))
			nlp_route_retarget(r, r->oif, r->oif == INT_MAX ? 1 : r->oif + 1);
		nlp_route_uses_ifindex(r, 1);
	}
	nlp_fdb(nlh, &f);
	nlp_proxy(nlh, &px);
	nlp_neigh(nlh, &ne);
	nlp_netconf(nlh, &ifindex);
	ret = nlp_error(nlh, text, sizeof(text));
	FUZZ_ASSERT(ret <= 0);
	FUZZ_ASSERT(memchr(text, '\0', sizeof(text)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw_route *r = malloc(sizeof(*r));

	if (!r)
		return 0;
	nlstream_walk(data, size, decode_all, r);
	free(r);
	if (size < 65536) {
		/* aligned, as a receive buffer is */
		void *buf = malloc(size + 1);
		struct nlp_ack acks[8];
		int got;

		if (!buf)
			return 0;
		memcpy(buf, data, size);
		memset(acks, 0, sizeof(acks));
		got = nlp_batch_acks(buf, (int)size, 0, acks, 8);
		FUZZ_ASSERT(got >= 0 && got <= 8);
		for (int i = 0; i < 8; i++)
			if (acks[i].seen) {
				FUZZ_ASSERT(acks[i].ret <= 0);
				FUZZ_ASSERT(memchr(acks[i].text, '\0', sizeof(acks[i].text)));
			}
		free(buf);
	}
	return 0;
}
