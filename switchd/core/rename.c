/*
 * Rename ordering: a rename can run once its target is free. Freeing happens
 * when the device that holds the target is renamed away itself. Repeatedly
 * run every rename whose target is free; when none can run, every pending
 * rename waits on another pending one: a cycle. Break it by moving one member
 * to a temporary name (the kernel's "%d" is not used: the name must be known
 * in advance to undo it), which frees its name for the next in the cycle.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rename.h"

struct name_set {
	const char *const *taken;
	size_t ntaken;
	const struct rename_step *reqs;
	const bool *done;
	size_t n;
	const char (*moved)[SW_IFNAMSIZ]; /* where each request's device is now */
};

/* Is name currently held by some device? */
static bool name_in_use(const struct name_set *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++) {
		/* a device that moved no longer holds its original name */
		if (strcmp(s->moved[i], name) == 0)
			return true;
	}
	for (size_t i = 0; i < s->ntaken; i++) {
		if (strcmp(s->taken[i], name) != 0)
			continue;
		/* held by one of ours? then only if it is still there */
		bool ours = false;
		for (size_t j = 0; j < s->n; j++)
			if (strcmp(s->reqs[j].from, name) == 0)
				ours = true;
		if (!ours)
			return true;
	}
	return false;
}

static int check_requests(const struct rename_step *reqs, size_t n, const char *const *taken,
			  size_t ntaken, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = i + 1; j < n; j++) {
			if (strcmp(reqs[i].to, reqs[j].to) == 0) {
				snprintf(err, errlen, "%s and %s would both be renamed to %s",
					 reqs[i].from, reqs[j].from, reqs[i].to);
				return -EINVAL;
			}
			if (reqs[i].ifindex == reqs[j].ifindex) {
				snprintf(err, errlen, "%s would be renamed twice", reqs[i].from);
				return -EINVAL;
			}
		}
	}
	/* a target held by a device we do not rename can never become free */
	for (size_t i = 0; i < n; i++) {
		bool held = false, freed = false;

		if (strcmp(reqs[i].from, reqs[i].to) == 0)
			continue; /* nothing to do */
		for (size_t t = 0; t < ntaken; t++)
			if (strcmp(taken[t], reqs[i].to) == 0)
				held = true;
		for (size_t j = 0; j < n; j++)
			if (j != i && strcmp(reqs[j].from, reqs[i].to) == 0)
				freed = true;
		if (held && !freed) {
			snprintf(err, errlen,
				 "cannot rename %s to %s: the name is taken by another device",
				 reqs[i].from, reqs[i].to);
			return -EEXIST;
		}
	}
	return 0;
}

static void temp_name(const struct name_set *s, int ifindex, char out[SW_IFNAMSIZ])
{
	for (unsigned int k = 0;; k++) {
		snprintf(out, SW_IFNAMSIZ, "swtmp%d-%u", ifindex, k);
		if (!name_in_use(s, out))
			return;
	}
}

static void push(struct rename_step *out, size_t *nout, int ifindex, const char *from,
		 const char *to)
{
	struct rename_step *st = &out[(*nout)++];

	st->ifindex = ifindex;
	snprintf(st->from, sizeof(st->from), "%s", from);
	snprintf(st->to, sizeof(st->to), "%s", to);
}

int rename_order(const struct rename_step *reqs, size_t n, const char *const *taken,
		 size_t ntaken, struct rename_step *out, size_t *nout, char *err,
		 size_t errlen)
{
	bool done[n ? n : 1];
	char moved[n ? n : 1][SW_IFNAMSIZ];
	struct name_set s = { taken, ntaken, reqs, done, n, (const char (*)[SW_IFNAMSIZ])moved };
	size_t left = 0;
	int ret;

	*nout = 0;
	ret = check_requests(reqs, n, taken, ntaken, err, errlen);
	if (ret)
		return ret;
	for (size_t i = 0; i < n; i++) {
		done[i] = strcmp(reqs[i].from, reqs[i].to) == 0;
		snprintf(moved[i], SW_IFNAMSIZ, "%s", reqs[i].from);
		left += !done[i];
	}
	while (left) {
		bool progress = false;

		for (size_t i = 0; i < n; i++) {
			if (done[i])
				continue;
			/* our own current name does not block us */
			char saved[SW_IFNAMSIZ];
			snprintf(saved, sizeof(saved), "%s", moved[i]);
			moved[i][0] = '\0';
			bool busy = name_in_use(&s, reqs[i].to);
			snprintf(moved[i], SW_IFNAMSIZ, "%s", saved);
			if (busy)
				continue;
			push(out, nout, reqs[i].ifindex, moved[i], reqs[i].to);
			snprintf(moved[i], SW_IFNAMSIZ, "%s", reqs[i].to);
			done[i] = true;
			left--;
			progress = true;
		}
		if (progress)
			continue;
		/* a cycle: park the first pending device on a temporary name */
		for (size_t i = 0; i < n; i++) {
			if (done[i])
				continue;
			char tmp[SW_IFNAMSIZ];
			temp_name(&s, reqs[i].ifindex, tmp);
			push(out, nout, reqs[i].ifindex, moved[i], tmp);
			snprintf(moved[i], SW_IFNAMSIZ, "%s", tmp);
			break;
		}
	}
	return 0;
}
