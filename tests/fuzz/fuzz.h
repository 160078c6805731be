/*
 * Fuzz targets: each file defines the libFuzzer entry point below. Built
 * with clang -fsanitize=fuzzer for `make fuzz`, and with the plain driver
 * replay_main.c (any compiler, no libFuzzer) for `make check`, which feeds
 * it the seed corpus and the regression inputs of crashes found.
 */
#ifndef TESTS_FUZZ_H
#define TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property the target checks failed: report it as a crash. */
#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__,   \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif
