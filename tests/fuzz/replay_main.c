/*
 * Replay driver: runs a fuzz target's LLVMFuzzerTestOneInput on files, without
 * libFuzzer. Arguments are files or directories; without any, the target's
 * seed corpus and regression inputs in the source tree (make check).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	do {
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap = cap ? 2 * cap : 4096);

			if (!nb) {
				fprintf(stderr, "%s: out of memory\n", path);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		fprintf(stderr, "%s: read error\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* an exact-size copy: a read past the input is an ASan report */
	uint8_t *exact = malloc(len ? len : 1);

	if (!exact) {
		free(buf);
		return -1;
	}
	memcpy(exact, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(exact, len);
	free(exact);
	return 0;
}

/* Files of a directory, in name order (reproducible); 0 or -1. *count += files run. */
static int replay_path(const char *path, int *count)
{
	struct dirent **names;
	struct stat st;
	int n, ret = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		++*count;
		return replay_file(path);
	}
	if ((n = scandir(path, &names, NULL, alphasort)) < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char sub[4096];

		if (names[i]->d_name[0] != '.' &&
		    snprintf(sub, sizeof(sub), "%s/%s", path, names[i]->d_name) <
			    (int)sizeof(sub) &&
		    replay_path(sub, count) < 0)
			ret = -1;
		free(names[i]);
	}
	free(names);
	return ret;
}

int main(int argc, char **argv)
{
	int count = 0, ret = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (replay_path(argv[i], &count) < 0)
				ret = 1;
	} else {
		static const char *const kinds[] = { "corpus", "regress" };

		for (size_t k = 0; k < 2; k++) {
			char dir[4096];
			struct stat st;

			snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s/%s", SRCDIR, kinds[k],
				 FUZZ_TARGET);
			if (stat(dir, &st) == 0 && replay_path(dir, &count) < 0)
				ret = 1;
		}
		if (count == 0) {
			fprintf(stderr, "fuzz_%s: no input in %s/tests/fuzz/{corpus,regress}/%s\n",
				FUZZ_TARGET, SRCDIR, FUZZ_TARGET);
			ret = 1;
		}
	}
	printf("fuzz_%s: %d inputs replayed%s\n", FUZZ_TARGET, count,
	       ret ? ", some unreadable" : "");
	return ret;
}
