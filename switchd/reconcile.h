/* placeholder: the bridge reconciler's runtime state (owned by the lead) */
#ifndef SWITCHD_RECONCILE_H
#define SWITCHD_RECONCILE_H
struct sw_runtime {
	int placeholder;
};
#endif
