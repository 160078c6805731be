/*
 * The config parser on any text. A config that parses prints back (as
 * --check -v does) to a text that parses again to the same printout.
 */
#include <string.h>

#include "conf.h"
#include "fuzz.h"

/* Larger configs add nothing but time per input. */
#define FUZZ_CONF_MAX 16384

static char *print(const struct sw_conf *conf)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	FUZZ_ASSERT(f);
	conf_print(f, conf);
	FUZZ_ASSERT(fclose(f) == 0);
	return text;
}

static void show_error(void *arg, const char *file, int line, const char *msg)
{
	if (arg)
		fprintf(stderr, "%s:%d: %s\n", file, line, msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sw_conf conf, again;
	char *text, *first, *second;

	if (size > FUZZ_CONF_MAX)
		return 0;
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&conf, 0, sizeof(conf));
	if (conf_load_string(text, "fuzz.conf", &conf, show_error, NULL) != 0) {
		free(text);
		return 0;
	}
	first = print(&conf);
	memset(&again, 0, sizeof(again));
	if (conf_load_string(first, "printed.conf", &again, show_error, NULL) != 0) {
		fprintf(stderr, "the printout of a valid config does not parse:\n%s", first);
		conf_load_string(first, "printed.conf", &again, show_error, "");
		abort();
	}
	second = print(&again);
	if (strcmp(first, second) != 0) {
		fprintf(stderr, "printout changed by a round trip:\n%s---\n%s", first, second);
		abort();
	}
	free(second);
	free(first);
	conf_free(&again);
	conf_free(&conf);
	free(text);
	return 0;
}
