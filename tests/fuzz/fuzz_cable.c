/*
 * Cable identification's decoder (core/fingerprint.c): any frame a cable
 * brings, at any prefix length. Every observation is NUL-terminated text,
 * and a table fed with them stays within its bounds.
 */
#include <string.h>

#include "fingerprint.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fp_table t;
	struct fp_obs obs[FP_OBS_MAX];
	int plen = size ? 1 + data[0] % 32 : 24;
	int n = fp_decode(data, size, plen, obs, FP_OBS_MAX);

	FUZZ_ASSERT(n >= 0 && n <= FP_OBS_MAX);
	for (int i = 0; i < n; i++) {
		FUZZ_ASSERT((unsigned)obs[i].kind < FP_NKINDS);
		FUZZ_ASSERT(memchr(obs[i].value, '\0', sizeof(obs[i].value)));
		FUZZ_ASSERT(!strchr(obs[i].value, '\n'));
		fp_table_note(&t, &obs[i], (double)size);
	}
	FUZZ_ASSERT(t.n >= 0 && t.n <= FP_TABLE_MAX);
	fp_table_age(&t, (double)size, 1000);
	return 0;
}
