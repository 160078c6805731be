/*
 * switchd.conf -> struct sw_conf. Parsing has no side effects: it reads the
 * file, its drop-ins (FILE.d/NAME.conf) and the user/group databases to check
 * owner/group names, nothing else.
 *
 * The *line fields are locations: conf_line() is the line, conf_file() the
 * file (the main file or a drop-in) it is in; 0 means not given.
 */
#ifndef SWITCHD_CONF_H
#define SWITCHD_CONF_H

#define SW_ANNOUNCE_MAX 16 /* rounds of announcements after a swap */
#define SW_CONF_MAXKEYS 24 /* keys of one section (conf.c's tables) */
/* A config file larger than this is refused: the largest real one (a
 * thousand NICs and bridges) is ~100 KiB, and /dev/zero or a disk image
 * given by mistake must not take the memory and time to read it all. */
#define SW_CONF_MAX_SIZE (1 << 20)
#define SW_CONF_MAX_LINE 4096 /* bytes of one line, without its "\r\n" */
#define SW_CONF_MAX_ERRORS 20 /* reported; the rest are counted ("and N more errors") */

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include "util.h"

enum sw_addr_mode {
	SW_ADDR_KEEP,	/* move the NIC's addresses and routes to the bridge */
	SW_ADDR_NONE,	/* the bridge has no address at all */
	SW_ADDR_STATIC, /* the CIDRs listed */
};

/* The IPv4 ARP / reverse-path sysctls switchd manages (sysctl.h has their
 * combining rules). -1 = not set. */
enum sw_sysctl_key {
	SK_ARP_IGNORE,
	SK_ARP_ANNOUNCE,
	SK_ARP_FILTER,
	SK_RP_FILTER,
	SK_PROXY_ARP,
	SK_NCONF, /* the keys a config can set; below: set only by switchd itself */
	SK_FORWARDING = SK_NCONF,
	SK_PROXY_DELAY, /* net.ipv4.neigh.IF.proxy_delay */
	SK_DISABLE_IPV6, /* net.ipv6.conf.IF.disable_ipv6 */
	SK_NKEYS,
};

/* cable_check = (issue 13) */
enum sw_cable_mode {
	CABLE_MODE_DEFAULT, /* [bridge] without cable_check: [switchd]'s */
	CABLE_MODE_REPORT,
	CABLE_MODE_ATTACH,
	CABLE_MODE_OFF,
};

struct sw_sysctl_set {
	int v[SK_NCONF];    /* -1: not set */
	int line[SK_NCONF]; /* where it was set */
};

struct sw_conf_nic {
	char name[SW_IFNAMSIZ];	      /* service name: [nic hweth0] */
	bool has_mac;
	uint8_t mac[6];		      /* mac = ...: permanent MAC, else current MAC */
	char match_name[SW_IFNAMSIZ]; /* name = ...: its name when first seen */
	char path[80];		      /* path = pci-0000:03:00.0: the slot it sits in */
	struct sw_sysctl_set sysctl;  /* arp_ignore = ... on this NIC */
	bool claimed;		      /* not in the file: claimed at run time (claim = yes) */
	int line, mac_line, name_line, path_line;
	int where[SW_CONF_MAXKEYS]; /* of each key of conf.c's table, 0: default */
};

struct sw_conf_bridge {
	char name[SW_IFNAMSIZ];
	char (*ports)[SW_IFNAMSIZ]; /* [nic] names, preferred first */
	size_t nports;
	enum sw_addr_mode addr_mode;
	struct sw_cidr *addrs; /* SW_ADDR_STATIC */
	size_t naddrs;
	bool stp;
	char **guests; /* fnmatch(3) patterns */
	size_t nguests;
	bool has_address;
	/* failover (see failover.h) */
	bool preempt;
	double updelay, hold_down, flap_window, carrier_poll; /* seconds */
	int flap_limit;
	double replay; /* replay frames that reached a standby this long before a swap; 0: off */
	double announce[SW_ANNOUNCE_MAX]; /* rounds, seconds after a swap, ascending */
	int nannounce;			  /* 0: announce = no */
	/* ARP policy */
	struct sw_sysctl_set sysctl;
	uint32_t *proxy; /* proxy_arp = IP...: NTF_PROXY entries on this bridge (network order) */
	size_t nproxy;
	bool watch_arp;	 /* libpcap ARP-flux watch */
	bool spares_any; /* spares = any: claimed NICs become its standbys */
	double watch_window;
	int cable_check; /* enum sw_cable_mode; DEFAULT: [switchd]'s */
	int line, ports_line, address_line, proxy_line;
	int where[SW_CONF_MAXKEYS];
};

enum sw_vip_mode { SW_VIP_DR, SW_VIP_TUN };

/* [vip 198.18.9.10]: an LVS real server's virtual IP. */
struct sw_conf_vip {
	uint32_t ip; /* network order */
	char text[16];
	enum sw_vip_mode mode;
	char device[SW_IFNAMSIZ]; /* lo (dr) or tunl0 (tun) unless device = */
	int line, mode_line;
	int where[SW_CONF_MAXKEYS];
};

struct sw_conf_tap {
	char name[SW_IFNAMSIZ];
	char bridge[SW_IFNAMSIZ];
	bool has_owner, has_group;
	char owner[33], group[33];
	uid_t uid; /* resolved from owner */
	gid_t gid; /* resolved from group */
	int line, bridge_line, owner_line, group_line;
	int where[SW_CONF_MAXKEYS];
};

struct sw_conf {
	char socket_path[108];
	char socket_group[64]; /* socket_group = GROUP (name or number); empty: none */
	unsigned int socket_mode; /* socket_mode = 0600 (default) or 0660: never for others */
	double boot_wait; /* seconds to wait at start-up for configured NICs; 0: do not */
	double udev_wait; /* seconds a new device is left to udev at most; 0: not at all */
	bool claim;	     /* claim = yes: unknown NICs become hwethN spares */
	char **claim_match;  /* claim_match = PATTERN...: also these names (fnmatch) */
	size_t nclaim_match;
	double claim_delay;  /* seconds a new NIC must stay unused before it is claimed */
	int claim_line;
	char hooks_dir[256];	    /* hooks = DIR: executables run on bridge events */
	double hook_timeout;	    /* seconds a hook may run before it is killed */
	bool hook_failure_ignore; /* hook_failure = ignore: a failed pre-up does not hold a bridge */
	int cable_check;  /* enum sw_cable_mode, never DEFAULT: the bridges' default */
	bool cable_probe; /* cable_probe = arp */
	struct sw_conf_nic *nics;
	size_t nnics;
	struct sw_conf_bridge *bridges;
	size_t nbridges;
	struct sw_conf_tap *taps;
	size_t ntaps;
	size_t *tap_order; /* taps by name, for conf_find_tap (thousands of them) */
	struct sw_sysctl_set sysctl; /* [sysctl]: conf/all and conf/default */
	struct sw_conf_vip *vips;
	size_t nvips;
	int switchd_where[SW_CONF_MAXKEYS], sysctl_where[SW_CONF_MAXKEYS];
	char **files; /* read in this order: the main file, then its drop-ins */
	size_t nfiles;
};

/* Where a location (a *line field) is: its line, and its file (or NULL). */
static inline int conf_line(int loc)
{
	return loc & ((1 << 21) - 1);
}
const char *conf_file(const struct sw_conf *conf, int loc);

/* Called once per error; line 0 means the error is about the whole file. */
typedef void (*conf_error_fn)(void *arg, const char *file, int line, const char *msg);

/*
 * Parse a file (and the files ending in .conf in the directory PATH.d, in
 * C-locale name order) / a string. Returns the number of errors (0: conf is
 * valid and must be released with conf_free), or -errno if the main file
 * cannot be read. Errors are passed to errfn (may be NULL) as FILE:LINE:
 * message, the first SW_CONF_MAX_ERRORS of them and then one "and N more
 * errors" (line 0). On errors conf is left empty (nothing to free).
 */
int conf_load(const char *path, struct sw_conf *conf, conf_error_fn errfn, void *arg);
int conf_load_string(const char *text, const char *name, struct sw_conf *conf,
		     conf_error_fn errfn, void *arg);
void conf_free(struct sw_conf *conf);

/* Print back in canonical form (re-parses to the same struct). With
 * drop-ins, each section and key set in a file says where: # from FILE:LINE. */
void conf_print(FILE *f, const struct sw_conf *conf);
/* true if a and b configure the same (every key of every section; not where
 * they were written). Else false, with the first difference in why. */
bool conf_equal(const struct sw_conf *a, const struct sw_conf *b, char *why, size_t len);
/* Every key of every section's table, in order: section is "switchd", "nic",
 * "bridge", "tap", "sysctl" or "vip"; def is the default in config syntax
 * (NULL: none or computed). */
void conf_each_key(void (*fn)(void *arg, const char *section, const char *key, const char *def,
			      const char *help),
		   void *arg);

/* A user / group by name or number (0-4294967294: (uid_t)-1 means "no
 * change" to chown(2)). 0, or -ENOENT / -ERANGE with "owner X: why" in err. */
int conf_resolve_owner(const char *owner, uid_t *uid, char *err, size_t errlen);
int conf_resolve_group(const char *group, gid_t *gid, char *err, size_t errlen);

const struct sw_conf_nic *conf_find_nic(const struct sw_conf *conf, const char *name);
const struct sw_conf_bridge *conf_find_bridge(const struct sw_conf *conf, const char *name);
const struct sw_conf_tap *conf_find_tap(const struct sw_conf *conf, const char *name);
/* Add a NIC claimed at run time: [nic name] with mac, appended to the ports
 * of bridge (a standby). 0 or -ENOMEM. Pointers into conf may move. */
int conf_add_claimed(struct sw_conf *conf, const char *bridge, const char *name,
		     const uint8_t mac[6]);

/* A bridge's cable_check, its own or [switchd]'s. */
enum sw_cable_mode conf_cable_check(const struct sw_conf *conf, const struct sw_conf_bridge *br);
/* The config's word for a mode conf_cable_check returns ("report"). */
const char *conf_cable_mode_name(enum sw_cable_mode m);
/* The first setting that needs libpcap captures (watch_arp = yes; cable
 * identification on NICs the config names or claims), as "bridge eth0:
 * watch_arp = yes" into buf; NULL when none does. */
const char *conf_capture_user(const struct sw_conf *conf, char *buf, size_t len);
/* Move a [nic] from the ports of one bridge to the end of another's (cable
 * identification found it cabled there). 0, -ENOENT or -ENOMEM (then
 * nothing changed). */
int conf_move_port(struct sw_conf *conf, const char *from, const char *to, const char *nic);

/* The key's name ("arp_ignore"), or NULL. */
const char *conf_sysctl_name(enum sw_sysctl_key k);
/* The sysctl settings that apply to a device by its service name (a [bridge]
 * or [nic]), or NULL. */
const struct sw_sysctl_set *conf_sysctl_of(const struct sw_conf *conf, const char *dev);

/* The bridge whose ports list names this [nic], or NULL. */
const struct sw_conf_bridge *conf_bridge_of_port(const struct sw_conf *conf, const char *nic);
/* The first bridge whose guests patterns match ifname, or NULL. */
const struct sw_conf_bridge *conf_bridge_of_guest(const struct sw_conf *conf, const char *ifname);

#endif
