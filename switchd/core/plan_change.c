/*
 * The planner's run-time changes: what switchctl and the failover executor
 * ask for, built as plan actions like the start-up plan, so they go through
 * apply_plan() with the same log lines and the same undo. Pure.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "plan.h"

static struct sw_action *port_action(struct sw_plan *p, int group, enum sw_action_kind kind,
				     const struct sw_link *l, const char *name, const char *bridge)
{
	struct sw_action *a = plan_add(p, kind, group);

	if (!a)
		return NULL;
	a->ifindex = l ? l->ifindex : 0;
	sw_strlcpy(a->dev, name, sizeof(a->dev));
	if (bridge)
		sw_strlcpy(a->arg, bridge, sizeof(a->arg));
	return a;
}

/* A port must be up to forward; a standby normally is (its carrier is watched). */
static int bring_up(struct sw_plan *p, int group, const struct sw_link *l, const char *name,
		    const char *why)
{
	struct sw_action *a;

	if (l && (l->flags & IFF_UP))
		return 0;
	a = port_action(p, group, ACT_SET_UP, l, name, NULL);
	if (!a)
		return -ENOMEM;
	sw_strlcpy(a->why, why, sizeof(a->why));
	return 0;
}

int plan_swap(struct sw_plan *p, const struct plan_port *bridge, const struct plan_port *to,
	      const struct plan_port *from, const char *why)
{
	int g = plan_group(p, "bridge", bridge->name);
	struct sw_action *a;

	if (g < 0 || bring_up(p, g, to->link, to->name, "a port forwards only when up") < 0)
		return -ENOMEM;
	/* attach before detach, in one batch: the bridge keeps a forwarding
	 * port (and its carrier) throughout */
	a = port_action(p, g, from && from->link ? ACT_SWAP : ACT_ENSLAVE, to->link, to->name,
			bridge->name);
	if (!a)
		return -ENOMEM;
	a->master = bridge->link ? bridge->link->ifindex : 0; /* no lookup on the way */
	if (from && from->link) {
		a->from_ifindex = from->link->ifindex;
		sw_strlcpy(a->old, from->name, sizeof(a->old));
	}
	sw_strlcpy(a->why, why, sizeof(a->why));
	return 0;
}

int plan_detach(struct sw_plan *p, const struct plan_port *bridge, const struct plan_port *port,
		const char *why)
{
	int g = plan_group(p, "bridge", bridge->name);
	struct sw_action *a;

	if (g < 0 || !(a = port_action(p, g, ACT_RELEASE, port->link, port->name, bridge->name)))
		return -ENOMEM;
	sw_strlcpy(a->why, why, sizeof(a->why));
	return 0;
}

int plan_guest_attach(struct sw_plan *p, const struct plan_port *bridge,
		      const struct plan_port *guest, const char *why)
{
	int g = plan_group(p, "guest", guest->name);
	struct sw_action *a;

	if (g < 0)
		return -ENOMEM;
	sw_strlcpy(p->groups[g].depends, bridge->name, sizeof(p->groups[g].depends));
	a = port_action(p, g, ACT_ENSLAVE, guest->link, guest->name, bridge->name);
	if (!a)
		return -ENOMEM;
	a->master = bridge->link ? bridge->link->ifindex : 0;
	sw_strlcpy(a->why, why, sizeof(a->why));
	/* the hypervisor leaves a tap it made without a script down: the
	 * guest has no network until someone brings it up, and switchd took
	 * the place of that script */
	return bring_up(p, g, guest->link, guest->name, "a guest's device forwards only when up");
}

int plan_tap_add(struct sw_plan *p, const char *name, const char *bridge,
		 const struct plan_owner *owner)
{
	int g = plan_group(p, "tap", name);
	static const enum sw_action_kind kinds[] = { ACT_TAP_CREATE, ACT_SET_ALIAS, ACT_ENSLAVE,
						     ACT_SET_UP };
	struct sw_action *a;

	if (g < 0)
		return -ENOMEM;
	sw_strlcpy(p->groups[g].depends, bridge, sizeof(p->groups[g].depends));
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		a = port_action(p, g, kinds[i], NULL, name, NULL);
		if (!a)
			return -ENOMEM;
		switch (kinds[i]) {
		case ACT_TAP_CREATE:
			a->has_uid = owner && owner->has_uid;
			a->uid = owner ? owner->uid : 0;
			a->has_gid = owner && owner->has_gid;
			a->gid = owner ? owner->gid : 0;
			break;
		case ACT_SET_ALIAS:
			sw_strlcpy(a->arg, SW_ALIAS, sizeof(a->arg));
			sw_strlcpy(a->why, "so a restart knows switchd made it", sizeof(a->why));
			break;
		case ACT_ENSLAVE:
			sw_strlcpy(a->arg, bridge, sizeof(a->arg));
			break;
		default:
			break;
		}
	}
	return 0;
}

int plan_tap_del(struct sw_plan *p, const struct sw_link *tap)
{
	int g = plan_group(p, "tap", tap->name);

	if (g < 0 || !port_action(p, g, ACT_LINK_DELETE, tap, tap->name, NULL))
		return -ENOMEM;
	return 0;
}
