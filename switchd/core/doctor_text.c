/*
 * Text of a doctor report (switchd --doctor and switchctl doctor).
 */
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "doctor.h"

void doctor_print(FILE *f, const json_t *report)
{
	const json_t *hz = json_object_get(report, "hazards");
	const json_t *ifs = json_object_get(report, "interfaces");
	size_t i, n = json_array_size(hz);
	const json_t *v;

	fprintf(f, "effective values (the kernel combines conf/all with each device's own):\n");
	fprintf(f, "  %-15s %-12s %-12s %-12s %-12s %-10s %s\n", "interface", "arp_ignore",
		"arp_announce", "arp_filter", "rp_filter", "proxy_arp", "forwarding");
	json_array_foreach(ifs, i, v) {
		static const char *keys[] = { "arp_ignore", "arp_announce", "arp_filter",
					      "rp_filter", "proxy_arp", "forwarding" };
		const json_t *sc = json_object_get(v, "sysctl");

		if (!json_object_size(sc))
			continue;
		fprintf(f, "  %-15s", json_string_value(json_object_get(v, "name")));
		for (size_t k = 0; k < 6; k++) {
			const json_t *e = json_object_get(sc, keys[k]);
			char cell[24] = "-";

			if (e && json_integer_value(json_object_get(e, "all")) >= 0)
				snprintf(cell, sizeof(cell), "%lld (%lld/%lld)",
					 json_integer_value(json_object_get(e, "effective")),
					 json_integer_value(json_object_get(e, "all")),
					 json_integer_value(json_object_get(e, "dev")));
			else if (e)
				snprintf(cell, sizeof(cell), "%lld",
					 json_integer_value(json_object_get(e, "effective")));
			fprintf(f, " %-12s", cell);
		}
		fputc('\n', f);
	}
	fprintf(f, "  (effective (all/device): max(all, dev) for arp_ignore, arp_announce, "
		   "rp_filter; all || dev for arp_filter, proxy_arp; forwarding is per device)\n\n");
	if (!n) {
		fprintf(f, "no hazards found\n");
		return;
	}
	fprintf(f, "%zu hazard%s:\n", n, n == 1 ? "" : "s");
	json_array_foreach(hz, i, v) {
		fprintf(f, "- [%s] %s: %s\n", json_string_value(json_object_get(v, "id")),
			json_string_value(json_object_get(v, "object")),
			json_string_value(json_object_get(v, "problem")));
		fprintf(f, "    rule: %s\n", json_string_value(json_object_get(v, "rule")));
		fprintf(f, "    fix:  %s\n", json_string_value(json_object_get(v, "fix")));
	}
}
