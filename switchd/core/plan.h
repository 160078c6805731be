/*
 * The planner: desired state (config) + observed state (the link model) ->
 * a list of actions. Pure: it reads its inputs and writes a plan, nothing
 * else, so `switchd --plan`, the daemon and the unit tests run the same code.
 *
 * Actions are grouped: one group per bridge (its NICs' renames, the bridge,
 * addresses, routes, ports) and one per tap. A failing group is undone on its
 * own (apply.c); the others still run.
 */
#ifndef SWITCHD_PLAN_H
#define SWITCHD_PLAN_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include "conf.h"
#include "link.h"
#include "nl_parse.h"

/* The alias of every device switchd creates (IFLA_IFALIAS survives a restart). */
#define SW_ALIAS "switchd"

enum sw_action_kind {
	ACT_RENAME,	   /* ifindex: from dev to arg */
	ACT_SET_UP,	   /* dev */
	ACT_BRIDGE_CREATE, /* dev, mac (has_mac), stp */
	ACT_SET_ALIAS,	   /* dev, arg = alias */
	ACT_ADDR_GEN_NONE, /* dev: no IPv6 link-local (stays silent / invisible) */
	ACT_ADDR_ADD,	   /* addr on dev */
	ACT_ADDR_DEL,	   /* addr (addr.ifindex) */
	ACT_ROUTE_ADD,	   /* route moved from from_ifindex to dev */
	ACT_ROUTE_DEL,	   /* route as it is */
	ACT_ENSLAVE,	   /* dev into bridge arg */
	ACT_RELEASE,	   /* dev out of its bridge arg */
	ACT_TAP_CREATE,	   /* dev, uid/gid */
	ACT_SWAP,	   /* attach dev to bridge arg, then detach from_ifindex, in one batch */
	ACT_LINK_DELETE,   /* dev (a tap switchd made): cannot be undone, so always last */
	ACT_SYSCTL,	   /* dev ("all", "default" or a link): sk_key = sk_value (was sk_old) */
	ACT_PROXY_ADD,	   /* NTF_PROXY entry for ip on dev */
	ACT_PROXY_DEL,
	ACT_ADDR_GEN_EUI64, /* dev: IPv6 link-local from the MAC again (switchd --undo) */
};

/* A device is named by ifindex when it exists at plan time, else (a bridge or
 * tap to be created) by its name, resolved when the action runs. */
struct sw_action {
	enum sw_action_kind kind;
	int group;
	int ifindex;
	char dev[SW_IFNAMSIZ];
	char arg[64];
	char old[SW_IFNAMSIZ]; /* ACT_SWAP: the port that leaves */
	bool has_mac, stp, has_uid, has_gid;
	uint8_t mac[6];
	uid_t uid;
	gid_t gid;
	int from_ifindex;
	int master; /* filled in when applied: the bridge's ifindex */
	struct sw_addr addr;
	struct sw_route *route; /* owned by the plan */
	int sk_key, sk_value, sk_old; /* ACT_SYSCTL */
	uint32_t ip;		      /* ACT_PROXY_*: network order */
	char why[96];		/* shown by --plan and in logs */
};

struct sw_plan_group {
	char name[40]; /* "bridge eth0", "tap tap0" */
	char error[256]; /* set when the group cannot be planned: it is skipped */
	char depends[SW_IFNAMSIZ]; /* a tap's bridge: fails with it */
};

struct sw_plan {
	struct sw_action *v;
	size_t n, cap;
	struct sw_plan_group *groups;
	size_t ngroups;
};

/* Ports an operator detached at run time: the planner must not re-attach them. */
struct sw_port_hold {
	char bridge[SW_IFNAMSIZ];
	char port[SW_IFNAMSIZ];
};

struct plan_input {
	const struct sw_conf *conf;
	const struct sw_linkdb *db;
	const struct sw_port_hold *held;
	size_t nheld;
	/* bridges an operator took off their network (detach of the active
	 * port): no port of theirs is attached until attach or swap */
	const char (*suspended)[SW_IFNAMSIZ];
	size_t nsuspended;
	/* bridges that must not forward yet (a pre-up hook has not passed):
	 * created and given their ports' renames, addresses and taps, but kept
	 * down and with no uplink attached */
	const char (*gated)[SW_IFNAMSIZ];
	size_t ngated;
};

/* Build the plan. 0 (group errors are in plan->groups[i].error), or -ENOMEM. */
int plan_build(const struct plan_input *in, struct sw_plan *plan);
void plan_free(struct sw_plan *plan);
/* Keep only the actions of the groups of these bridges ("bridge NAME"); the
 * other groups' errors are cleared (a later full plan reports them). */
void plan_keep_bridges(struct sw_plan *plan, const char (*bridges)[SW_IFNAMSIZ], size_t n);
/* Building blocks for the other planners (policy.c): a zeroed action in
 * group; a new group "KIND NAME" (its index, or -ENOMEM). */
struct sw_action *plan_add(struct sw_plan *p, enum sw_action_kind kind, int group);
int plan_group(struct sw_plan *p, const char *kind, const char *name);

/* ---- run-time changes (plan_change.c) ----------------------------------
 * Each adds one group to p: "bridge NAME" (swap, attach, detach), "guest
 * NAME" or "tap NAME" (which fail with their bridge). 0 or -ENOMEM. */
struct plan_port {
	const char *name;	   /* configured (or device) name */
	const struct sw_link *link; /* the device now; NULL for one still to be created */
};

struct plan_owner {
	bool has_uid, has_gid;
	uid_t uid;
	gid_t gid;
};

/* Make `to` the bridge's active port; from (may be NULL) leaves in the same
 * batch. Without from it is an attach. */
int plan_swap(struct sw_plan *p, const struct plan_port *bridge, const struct plan_port *to,
	      const struct plan_port *from, const char *why);
int plan_detach(struct sw_plan *p, const struct plan_port *bridge, const struct plan_port *port,
		const char *why);
/* A device matched by guests = : attached and brought up. */
int plan_guest_attach(struct sw_plan *p, const struct plan_port *bridge,
		      const struct plan_port *guest, const char *why);
int plan_tap_add(struct sw_plan *p, const char *name, const char *bridge,
		 const struct plan_owner *owner);
int plan_tap_del(struct sw_plan *p, const struct sw_link *tap);

/* One line per action, grouped; group errors as "error: ..." lines.
 * Returns the number of groups with errors. */
int plan_print(FILE *f, const struct sw_plan *plan);
/* One action as text (for logs): "rename eth0 -> hweth0" */
char *action_describe(const struct sw_action *a, char *buf, size_t len);

/* Which link is this [nic] now? NULL if absent. */
const struct sw_link *plan_find_nic(const struct sw_conf *conf, const struct sw_linkdb *db,
				    const struct sw_conf_nic *nic);

/* claim = yes: is this link an unknown NIC to claim? A NIC is a device on a
 * bus (IFLA_PARENT_DEV_BUS_NAME: pci, usb, virtio...) or one whose name
 * matches claim_match; it is claimed only when nothing else has it: no
 * [nic] matches it, it is no bridge port, guest, tap or bridge, not made by
 * switchd, and carries no address of its own. */
bool plan_claimable(const struct sw_conf *conf, const struct sw_linkdb *db,
		    const struct sw_link *l);
/* The name a claimed NIC gets: its own if it is already hwethN and free,
 * else the lowest free hwethN. */
void plan_claim_name(const struct sw_conf *conf, const struct sw_linkdb *db,
		     const struct sw_link *l, char name[SW_IFNAMSIZ]);

/* The MAC a bridge is pinned to: its preferred present NIC's permanent MAC
 * (else current MAC), else the first [nic] mac= of its ports, else a stable
 * locally administered MAC derived from the bridge's name. */
void plan_bridge_mac(const struct sw_conf *conf, const struct sw_linkdb *db,
		     const struct sw_conf_bridge *br, uint8_t mac[6], const char **why);

#endif
