/* Rename ordering: every produced step must be valid when it runs, and the
 * devices must end with the names asked for. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rename.h"

struct dev {
	int ifindex;
	char name[SW_IFNAMSIZ];
};

/* Replay steps against a name table; fail the test on an invalid step. */
static void replay(struct dev *devs, size_t ndevs, const struct rename_step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct dev *d = NULL;

		for (size_t k = 0; k < ndevs; k++) {
			cr_assert(strcmp(devs[k].name, steps[i].to) != 0,
				  "step %zu renames %s to %s while %s is still in use", i,
				  steps[i].from, steps[i].to, steps[i].to);
			if (devs[k].ifindex == steps[i].ifindex)
				d = &devs[k];
		}
		cr_assert_not_null(d, "step %zu names unknown ifindex %d", i, steps[i].ifindex);
		cr_assert_str_eq(d->name, steps[i].from, "step %zu: device is called %s, not %s", i,
				 d->name, steps[i].from);
		snprintf(d->name, sizeof(d->name), "%s", steps[i].to);
	}
}

static size_t taken_of(struct dev *devs, size_t n, const char **taken)
{
	for (size_t i = 0; i < n; i++)
		taken[i] = devs[i].name;
	return n;
}

Test(rename, simple)
{
	struct dev devs[] = { { 1, "lo" }, { 2, "eth0" } };
	struct rename_step req[] = { { 2, "eth0", "hweth0" } }, out[2];
	const char *taken[2];
	size_t n;
	char err[128];

	cr_assert_eq(rename_order(req, 1, taken, taken_of(devs, 2, taken), out, &n, err, sizeof(err)), 0);
	cr_assert_eq(n, 1);
	replay(devs, 2, out, n);
	cr_assert_str_eq(devs[1].name, "hweth0");
}

Test(rename, chain_frees_the_name_first)
{
	/* hweth0 is held by the card that must become hweth1 */
	struct dev devs[] = { { 2, "eth0" }, { 3, "hweth0" } };
	struct rename_step req[] = { { 2, "eth0", "hweth0" }, { 3, "hweth0", "hweth1" } }, out[4];
	const char *taken[2];
	size_t n;
	char err[128];

	cr_assert_eq(rename_order(req, 2, taken, taken_of(devs, 2, taken), out, &n, err, sizeof(err)), 0);
	cr_assert_eq(n, 2);
	cr_assert_eq(out[0].ifindex, 3, "hweth0 must move away first");
	replay(devs, 2, out, n);
	cr_assert_str_eq(devs[0].name, "hweth0");
	cr_assert_str_eq(devs[1].name, "hweth1");
}

Test(rename, cycle_goes_through_a_temporary_name)
{
	/* two cards whose names were swapped */
	struct dev devs[] = { { 2, "hweth1" }, { 3, "hweth0" }, { 4, "swtmp2-0" } };
	struct rename_step req[] = { { 2, "hweth1", "hweth0" }, { 3, "hweth0", "hweth1" } }, out[4];
	const char *taken[3];
	size_t n;
	char err[128];

	cr_assert_eq(rename_order(req, 2, taken, taken_of(devs, 3, taken), out, &n, err, sizeof(err)), 0);
	cr_assert_eq(n, 3);
	replay(devs, 3, out, n);
	cr_assert_str_eq(devs[0].name, "hweth0");
	cr_assert_str_eq(devs[1].name, "hweth1");
	cr_assert_str_eq(devs[2].name, "swtmp2-0", "the temporary name must avoid names in use");
}

Test(rename, three_cycle)
{
	struct dev devs[] = { { 2, "a" }, { 3, "b" }, { 4, "c" } };
	struct rename_step req[] = { { 2, "a", "b" }, { 3, "b", "c" }, { 4, "c", "a" } }, out[6];
	const char *taken[3];
	size_t n;
	char err[128];

	cr_assert_eq(rename_order(req, 3, taken, taken_of(devs, 3, taken), out, &n, err, sizeof(err)), 0);
	replay(devs, 3, out, n);
	cr_assert_str_eq(devs[0].name, "b");
	cr_assert_str_eq(devs[1].name, "c");
	cr_assert_str_eq(devs[2].name, "a");
}

Test(rename, target_held_by_a_foreign_device)
{
	struct dev devs[] = { { 2, "eth0" }, { 7, "hweth0" } };
	struct rename_step req[] = { { 2, "eth0", "hweth0" } }, out[2];
	const char *taken[2];
	size_t n;
	char err[128];

	cr_assert_eq(rename_order(req, 1, taken, taken_of(devs, 2, taken), out, &n, err, sizeof(err)),
		     -EEXIST);
	cr_assert(strstr(err, "hweth0") && strstr(err, "eth0"), "message: %s", err);
}

Test(rename, two_devices_one_target)
{
	struct dev devs[] = { { 2, "eth0" }, { 3, "eth1" } };
	struct rename_step req[] = { { 2, "eth0", "hw" }, { 3, "eth1", "hw" } }, out[4];
	const char *taken[2];
	size_t n;
	char err[128];

	cr_assert_eq(rename_order(req, 2, taken, taken_of(devs, 2, taken), out, &n, err, sizeof(err)),
		     -EINVAL);
	cr_assert(strstr(err, "hw"), "message: %s", err);
}

Test(rename, nothing_to_do)
{
	struct dev devs[] = { { 2, "hweth0" } };
	struct rename_step req[] = { { 2, "hweth0", "hweth0" } }, out[2];
	const char *taken[1];
	size_t n = 9;
	char err[128];

	cr_assert_eq(rename_order(req, 1, taken, taken_of(devs, 1, taken), out, &n, err, sizeof(err)), 0);
	cr_assert_eq(n, 0);
}
