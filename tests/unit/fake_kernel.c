/*
 * See fake_kernel.h. Messages are laid out as the kernel's (the decoders in
 * nl_parse.c read them as they read the real ones).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>

#include "fake_kernel.h"
#include "nlmsgs.h"
#include "nl.h"
#include "sysctl.h"
#include "tap.h"

struct fake_kernel fk;

/* room for one message; a page, as the kernel sends them */
#define FK_MSG_SIZE 4096
/* RFC 2863 operstates (linux/if.h, which clashes with net/if.h) */
#define FK_OPER_DOWN 2
#define FK_OPER_UP 6

struct fk_msg {
	struct fk_msg *next;
	char buf[FK_MSG_SIZE];
};

#define FK_LO 1

static struct nlmsghdr *addr_msg(char *buf, uint16_t type, const struct sw_addr *a);
static struct nlmsghdr *route_msg(char *buf, uint16_t type, const struct sw_route *r);

/* ---- the table -------------------------------------------------------- */

static void fk_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fk_log(const char *fmt, ...)
{
	size_t used = strlen(fk.log);
	va_list ap;

	if (used + 160 >= sizeof(fk.log))
		return;
	va_start(ap, fmt);
	vsnprintf(fk.log + used, sizeof(fk.log) - used, fmt, ap);
	va_end(ap);
	strcat(fk.log, "\n");
}

struct fk_link *fk_link_by_index(int ifindex)
{
	for (size_t i = 0; i < fk.nlinks; i++)
		if (fk.links[i].ifindex == ifindex)
			return &fk.links[i];
	return NULL;
}

struct fk_link *fk_link(const char *name)
{
	for (size_t i = 0; i < fk.nlinks; i++)
		if (!strcmp(fk.links[i].s.name, name))
			return &fk.links[i];
	return NULL;
}

const char *fk_master_of(const char *name)
{
	struct fk_link *l = fk_link(name), *m = l ? fk_link_by_index(l->s.master) : NULL;

	return m ? m->s.name : "";
}

int fk_nports(const char *bridge)
{
	struct fk_link *b = fk_link(bridge);
	int n = 0;

	for (size_t i = 0; b && i < fk.nlinks; i++)
		n += fk.links[i].s.master == b->ifindex;
	return n;
}

static bool is_bridge(const struct fk_link *l)
{
	return !strcmp(l->s.kind, "bridge");
}

static void queue(const struct nlmsghdr *nlh)
{
	struct fk_msg *m;

	if (fk.paused)
		return; /* the event socket is in no group */
	m = calloc(1, sizeof(*m));
	if (!m)
		abort();
	memcpy(m->buf, nlh, nlh->nlmsg_len);
	*fk.queue_tail = m;
	fk.queue_tail = &m->next;
	fk.queued++;
}

static struct nlmsghdr *link_msg(char *buf, uint16_t type, const struct fk_link *l)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct fk_link *m = l->s.master ? fk_link_by_index(l->s.master) : NULL;
	struct nlattr *info;

	memset(buf, 0, FK_MSG_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = l->ifindex;
	ifi->ifi_flags = (l->s.up ? IFF_UP : 0) | (l->s.carrier ? IFF_RUNNING | IFF_LOWER_UP : 0) |
			 (l->ifindex == FK_LO ? IFF_LOOPBACK : IFF_BROADCAST | IFF_MULTICAST);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, l->s.name);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, l->s.mac);
	if (l->s.has_perm_mac)
		mnl_attr_put(nlh, IFLA_PERM_ADDRESS, 6, l->s.perm_mac);
	mnl_attr_put_u32(nlh, IFLA_MTU, l->s.mtu);
	if (l->s.master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)l->s.master);
	mnl_attr_put_u8(nlh, IFLA_OPERSTATE, l->s.carrier ? FK_OPER_UP : FK_OPER_DOWN);
	mnl_attr_put_u8(nlh, IFLA_CARRIER, l->s.carrier);
	mnl_attr_put_u32(nlh, IFLA_CARRIER_CHANGES, l->s.carrier_changes);
	if (l->s.alias[0])
		mnl_attr_put(nlh, IFLA_IFALIAS, strlen(l->s.alias), l->s.alias);
	if (l->s.parent_bus[0]) {
		mnl_attr_put_strz(nlh, IFLA_PARENT_DEV_BUS_NAME, l->s.parent_bus);
		mnl_attr_put_strz(nlh, IFLA_PARENT_DEV_NAME, l->s.parent_dev);
	}
	if (l->s.kind[0] || (m && is_bridge(m))) {
		info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		if (l->s.kind[0])
			mnl_attr_put_strz(nlh, IFLA_INFO_KIND, l->s.kind);
		if (is_bridge(l)) {
			struct nlattr *d = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);

			mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, 0);
			mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, l->s.stp);
			mnl_attr_nest_end(nlh, d);
		}
		if (m && is_bridge(m))
			mnl_attr_put_strz(nlh, IFLA_INFO_SLAVE_KIND, "bridge");
		mnl_attr_nest_end(nlh, info);
	}
	return nlh;
}

/* A bridge has carrier while one of its ports is up with carrier (STP off:
 * a port forwards at once); a device that is down has none. */
static bool carrier_now(const struct fk_link *l)
{
	if (!l->s.up)
		return false;
	if (!is_bridge(l))
		return l->cable;
	for (size_t i = 0; i < fk.nlinks; i++) {
		const struct fk_link *p = &fk.links[i];

		if (p->s.master == l->ifindex && p->s.up && p->cable)
			return true;
	}
	return false;
}

/* After every change: carriers follow, and each device that looks different
 * now is multicast as the kernel does (one RTM_NEWLINK with everything). */
static void commit(void)
{
	for (size_t i = 0; i < fk.nlinks; i++) {
		struct fk_link *l = &fk.links[i];
		bool c = carrier_now(l);

		if (c != l->s.carrier) {
			l->s.carrier = c;
			l->s.carrier_changes++;
		}
	}
	for (size_t i = 0; i < fk.nlinks; i++) {
		struct fk_link *l = &fk.links[i];
		char buf[FK_MSG_SIZE];

		if (!memcmp(&l->s, &l->told, sizeof(l->s)))
			continue;
		l->told = l->s;
		queue(link_msg(buf, RTM_NEWLINK, l));
	}
}

static struct fk_link *new_link(const char *name, const char *kind, const char *mac)
{
	struct fk_link *l;
	unsigned int m[6];

	if (fk.nlinks == FK_MAX_LINKS || fk_link(name))
		return NULL;
	l = &fk.links[fk.nlinks++];
	memset(l, 0, sizeof(*l));
	l->ifindex = fk.next_ifindex++;
	sw_strlcpy(l->s.name, name, sizeof(l->s.name));
	sw_strlcpy(l->s.kind, kind, sizeof(l->s.kind));
	l->s.mtu = 1500;
	if (mac && sscanf(mac, "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) == 6) {
		for (int i = 0; i < 6; i++)
			l->s.mac[i] = (uint8_t)m[i];
	} else {
		/* a random local MAC, as the kernel gives a tap or a bridge */
		uint8_t r[6] = { 0x02, 0xfe, 0, 0, 0, (uint8_t)l->ifindex };

		memcpy(l->s.mac, r, 6);
	}
	for (int k = 0; k < SK_NKEYS; k++)
		l->sysctl[k] = -1;
	l->lw_pending = true;
	/* told stays zeroed: the first commit announces the device */
	return l;
}

static void remove_link(struct fk_link *l)
{
	char buf[FK_MSG_SIZE];
	int ifindex = l->ifindex;

	/* its ports leave it, its addresses and routes go with it */
	for (size_t i = 0; i < fk.nlinks; i++)
		if (fk.links[i].s.master == ifindex)
			fk.links[i].s.master = 0;
	for (size_t i = fk.naddrs; i-- > 0;)
		if (fk.addrs[i].ifindex == ifindex)
			fk.addrs[i] = fk.addrs[--fk.naddrs];
	for (size_t i = fk.nroutes; i-- > 0;)
		if (nlp_route_uses_ifindex(&fk.routes[i], ifindex))
			fk.routes[i] = fk.routes[--fk.nroutes];
	queue(link_msg(buf, RTM_DELLINK, l));
	*l = fk.links[--fk.nlinks];
	commit();
}

void fk_reset(void)
{
	struct fk_link *lo;

	fk_free();
	fk.queue_tail = &fk.queue;
	fk.next_ifindex = FK_LO;
	fk.routes = calloc(FK_MAX_ROUTES, sizeof(*fk.routes));
	if (!fk.routes)
		abort();
	for (int k = 0; k < SK_NKEYS; k++)
		fk.sk_all[k] = fk.sk_default[k] = 0;
	fk.sk_default[SK_PROXY_DELAY] = fk.sk_all[SK_PROXY_DELAY] = 80;
	lo = new_link("lo", "", "00:00:00:00:00:00");
	lo->s.up = lo->cable = true;
	commit();
}

void fk_free(void)
{
	while (fk.queue) {
		struct fk_msg *m = fk.queue;

		fk.queue = m->next;
		free(m);
	}
	free(fk.routes);
	memset(&fk, 0, sizeof(fk));
	fk.queue_tail = &fk.queue;
}

static struct fk_link *nic(const char *name, const char *mac, bool up, bool cable)
{
	struct fk_link *l = new_link(name, "", mac);

	if (!l)
		abort();
	l->s.has_perm_mac = true;
	memcpy(l->s.perm_mac, l->s.mac, 6);
	l->s.up = up;
	l->cable = cable;
	return l;
}

int fk_add_nic(const char *name, const char *mac, bool up, bool cable)
{
	struct fk_link *l = nic(name, mac, up, cable);

	commit();
	return l->ifindex;
}

int fk_add_bus_nic(const char *name, const char *mac, const char *bus, const char *dev)
{
	struct fk_link *l = nic(name, mac, false, true);

	/* with its parent from the first message on, as a probed card */
	sw_strlcpy(l->s.parent_bus, bus, sizeof(l->s.parent_bus));
	sw_strlcpy(l->s.parent_dev, dev, sizeof(l->s.parent_dev));
	commit();
	return l->ifindex;
}

int fk_add_bridge(const char *name, const char *mac)
{
	struct fk_link *l = new_link(name, "bridge", mac);

	if (!l)
		abort();
	l->s.up = true;
	commit();
	return l->ifindex;
}

int fk_add_veth(const char *name, const char *mac, bool up)
{
	struct fk_link *l = new_link(name, "veth", mac);

	if (!l)
		abort();
	l->s.up = up;
	l->cable = true; /* its peer is up */
	commit();
	return l->ifindex;
}

void fk_add_addr4(const char *dev, const char *ip, int prefixlen)
{
	char buf[FK_MSG_SIZE] = { 0 };
	struct fk_link *l = fk_link(dev);
	struct sw_addr a;

	if (!l || fk.naddrs == FK_MAX_ADDRS ||
	    nlp_addr(msg_addr4(buf, RTM_NEWADDR, l->ifindex, ip, (uint8_t)prefixlen, dev), &a))
		abort();
	fk.addrs[fk.naddrs++] = a;
	queue(addr_msg(buf, RTM_NEWADDR, &a));
}

void fk_add_route4(const char *dev, const char *dst, int dst_len, const char *gw)
{
	char buf[FK_MSG_SIZE] = { 0 };
	struct fk_link *l = fk_link(dev);

	if (!l || fk.nroutes == FK_MAX_ROUTES ||
	    nlp_route(msg_route4(buf, RTM_NEWROUTE, l->ifindex, dst, (uint8_t)dst_len, gw, 0,
				 RTPROT_BOOT, RT_TABLE_MAIN),
		      &fk.routes[fk.nroutes]))
		abort();
	queue(route_msg(buf, RTM_NEWROUTE, &fk.routes[fk.nroutes++]));
}

void fk_set_master(const char *name, const char *master)
{
	struct fk_link *l = fk_link(name), *m = master ? fk_link(master) : NULL;

	if (!l)
		abort();
	l->s.master = m ? m->ifindex : 0;
	commit();
}

void fk_cable(const char *name, bool on)
{
	struct fk_link *l = fk_link(name);

	if (!l)
		abort();
	l->cable = on;
	commit();
}

void fk_flap(const char *name, int n)
{
	struct fk_link *l = fk_link(name);

	if (!l)
		abort();
	l->s.carrier_changes += 2 * (uint32_t)n;
	commit();
}

void fk_lose_events(void)
{
	while (fk.queue) {
		struct fk_msg *m = fk.queue;

		fk.queue = m->next;
		free(m);
	}
	fk.queue_tail = &fk.queue;
	fk.queued = 0;
	fk.enobufs = true;
}

static int fail_dumps;

void fk_fail_dumps(int n)
{
	fail_dumps = n;
}

void fk_fail_match(const char *what, int err)
{
	sw_strlcpy(fk.fail_what, what, sizeof(fk.fail_what));
	fk.fail_errno = err;
}

void fk_fail_request(unsigned long n, int err)
{
	fk.fail_at = fk.requests + n;
	fk.fail_errno = err;
}

/* Every request that changes something passes here: counted, logged, and
 * failed when a test asked for it. */
static int request(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int request(char *err, size_t errlen, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (++fk.requests == fk.fail_at ||
	    (fk.fail_what[0] && !strncmp(what, fk.fail_what, strlen(fk.fail_what)))) {
		fk_log("%s: %s (injected)", what, strerror(fk.fail_errno));
		snprintf(err, errlen, "%s (injected by the test)", strerror(fk.fail_errno));
		return -fk.fail_errno;
	}
	fk_log("%s", what);
	return 0;
}

static int fail(char *err, size_t errlen, int e, const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "%s%s%s", strerror(e), why ? " (kernel: " : "",
			 why ? why : "");
	if (why && err && errlen)
		strncat(err, ")", errlen - strlen(err) - 1);
	return -e;
}

static struct fk_link *dev(int ifindex, char *err, size_t errlen)
{
	struct fk_link *l = fk_link_by_index(ifindex);

	if (!l)
		fail(err, errlen, ENODEV, NULL);
	return l;
}

int fk_sysctl(const char *name, int key)
{
	struct fk_link *l;

	if (!strcmp(name, "all"))
		return fk.sk_all[key];
	if (!strcmp(name, "default"))
		return fk.sk_default[key];
	l = fk_link(name);
	if (!l)
		return -1;
	return l->sysctl[key] >= 0 ? l->sysctl[key] : fk.sk_default[key];
}

/* ---- sockets and events ------------------------------------------------ */

int nl_open(struct sw_nl *nl, int ev_rcvbuf)
{
	(void)ev_rcvbuf;
	memset(nl, 0, sizeof(*nl));
	return 0;
}

void nl_close(struct sw_nl *nl)
{
	memset(nl, 0, sizeof(*nl));
}

int nl_event_fd(const struct sw_nl *nl)
{
	(void)nl;
	return -1; /* nothing to watch: tests call the engine themselves */
}

int nl_events_pause(struct sw_nl *nl)
{
	(void)nl;
	fk.paused = true;
	fk.pauses++;
	return 0;
}

int nl_events_resume(struct sw_nl *nl)
{
	(void)nl;
	fk.paused = false;
	/* what was queued before the pause is dropped, as nl.c does */
	while (fk.queue) {
		struct fk_msg *m = fk.queue;

		fk.queue = m->next;
		free(m);
	}
	fk.queue_tail = &fk.queue;
	fk.queued = 0;
	return 0;
}

int nl_event_read(struct sw_nl *nl, mnl_cb_t cb, void *data)
{
	(void)nl;
	if (fk.enobufs) {
		fk.enobufs = false;
		return -ENOBUFS;
	}
	/* one at a time: a callback's own requests queue more, read in the
	 * same call as the kernel's socket would have them */
	while (fk.queue) {
		struct fk_msg *m = fk.queue;

		fk.queue = m->next;
		if (!fk.queue)
			fk.queue_tail = &fk.queue;
		fk.queued--;
		cb((const struct nlmsghdr *)m->buf, data);
		free(m);
	}
	return 0;
}

int nl_talk(struct sw_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, char *err,
	    size_t errlen)
{
	(void)nl;
	(void)nlh;
	(void)cb;
	(void)data;
	return fail(err, errlen, EOPNOTSUPP, "raw requests are not simulated by the fake kernel");
}

int nl_talk_batch(struct sw_nl *nl, struct nlmsghdr **msgs, int n, int *failed, char *err,
		  size_t errlen)
{
	(void)nl;
	(void)msgs;
	(void)n;
	*failed = 0;
	return fail(err, errlen, EOPNOTSUPP, "raw requests are not simulated by the fake kernel");
}

int nl_dump(struct sw_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, char *err,
	    size_t errlen)
{
	(void)nl;
	(void)nlh;
	(void)cb;
	(void)data;
	return fail(err, errlen, EOPNOTSUPP, "raw dumps are not simulated by the fake kernel");
}

/* ---- dumps --------------------------------------------------------------- */

static struct nlmsghdr *addr_msg(char *buf, uint16_t type, const struct sw_addr *a)
{
	size_t alen = a->family == AF_INET ? 4 : 16;
	struct fk_link *l = fk_link_by_index(a->ifindex);
	struct ifa_cacheinfo ci = { .ifa_prefered = 0xffffffff, .ifa_valid = 0xffffffff };
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	memset(buf, 0, FK_MSG_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)a->family;
	ifa->ifa_prefixlen = a->prefixlen;
	ifa->ifa_scope = a->scope;
	ifa->ifa_index = (uint32_t)a->ifindex;
	mnl_attr_put(nlh, IFA_ADDRESS, alen, a->has_address ? a->address : a->local);
	if (a->family == AF_INET) {
		mnl_attr_put(nlh, IFA_LOCAL, alen, a->local);
		if (l)
			mnl_attr_put_strz(nlh, IFA_LABEL, l->s.name);
	}
	mnl_attr_put_u32(nlh, IFA_FLAGS, a->flags | IFA_F_PERMANENT);
	mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
	return nlh;
}

static struct nlmsghdr *route_msg(char *buf, uint16_t type, const struct sw_route *r)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	memset(buf, 0, FK_MSG_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	*rtm = r->rtm;
	memcpy((char *)rtm + NLMSG_ALIGN(sizeof(*rtm)), r->attrs, r->attrs_len);
	nlh->nlmsg_len += NLMSG_ALIGN(r->attrs_len);
	return nlh;
}

static int deliver(mnl_cb_t cb, void *data, const struct nlmsghdr *nlh, char *err, size_t errlen)
{
	if (cb && cb(nlh, data) < MNL_CB_OK)
		return fail(err, errlen, EINVAL, NULL);
	return 0;
}

int nl_dump_links(struct sw_nl *nl, mnl_cb_t cb, void *data, char *err, size_t errlen)
{
	(void)nl;
	fk.dumps++;
	if (fail_dumps > 0) {
		fail_dumps--;
		snprintf(err, errlen, "dump kept being interrupted by changes");
		return -EAGAIN;
	}
	for (size_t i = 0; i < fk.nlinks; i++) {
		char buf[FK_MSG_SIZE];
		int ret = deliver(cb, data, link_msg(buf, RTM_NEWLINK, &fk.links[i]), err, errlen);

		if (ret)
			return ret;
	}
	return 0;
}

int nl_dump_addrs(struct sw_nl *nl, int family, mnl_cb_t cb, void *data, char *err,
		  size_t errlen)
{
	(void)nl;
	for (size_t i = 0; i < fk.naddrs; i++) {
		char buf[FK_MSG_SIZE];
		int ret;

		if (family != AF_UNSPEC && fk.addrs[i].family != family)
			continue;
		if ((ret = deliver(cb, data, addr_msg(buf, RTM_NEWADDR, &fk.addrs[i]), err, errlen)))
			return ret;
	}
	return 0;
}

int nl_dump_routes(struct sw_nl *nl, int family, mnl_cb_t cb, void *data, char *err,
		   size_t errlen)
{
	(void)nl;
	for (size_t i = 0; i < fk.nroutes; i++) {
		char buf[FK_MSG_SIZE];
		int ret;

		if (family != AF_UNSPEC && fk.routes[i].rtm.rtm_family != family)
			continue;
		if ((ret = deliver(cb, data, route_msg(buf, RTM_NEWROUTE, &fk.routes[i]), err,
				   errlen)))
			return ret;
	}
	return 0;
}

int nl_dump_fdb(struct sw_nl *nl, int bridge, mnl_cb_t cb, void *data, char *err, size_t errlen)
{
	(void)nl;
	(void)cb;
	(void)data;
	/* no frames flow in the fake: nothing is learned */
	return dev(bridge, err, errlen) ? 0 : -ENODEV;
}

int nl_dump_proxies(struct sw_nl *nl, mnl_cb_t cb, void *data, char *err, size_t errlen)
{
	(void)nl;
	for (size_t i = 0; i < fk.nproxies; i++) {
		char buf[FK_MSG_SIZE];
		struct nlmsghdr *nlh;
		struct ndmsg *ndm;
		int ret;

		memset(buf, 0, sizeof(buf));
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_NEWNEIGH;
		ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
		ndm->ndm_family = AF_INET;
		ndm->ndm_ifindex = fk.proxies[i].ifindex;
		ndm->ndm_flags = NTF_PROXY;
		ndm->ndm_state = NUD_PERMANENT;
		mnl_attr_put(nlh, NDA_DST, 4, &fk.proxies[i].ip);
		if ((ret = deliver(cb, data, nlh, err, errlen)))
			return ret;
	}
	return 0;
}

static struct sw_proxy *proxy_find(int ifindex, uint32_t ip)
{
	for (size_t i = 0; i < fk.nproxies; i++)
		if (fk.proxies[i].ifindex == ifindex && fk.proxies[i].ip == ip)
			return &fk.proxies[i];
	return NULL;
}

int nl_proxy_add(struct sw_nl *nl, int ifindex, uint32_t ip, char *err, size_t errlen)
{
	char a[INET_ADDRSTRLEN];
	int ret;

	(void)nl;
	inet_ntop(AF_INET, &ip, a, sizeof(a));
	if ((ret = request(err, errlen, "proxy_add %d %s", ifindex, a)))
		return ret;
	if (ifindex && !dev(ifindex, err, errlen))
		return -ENODEV;
	if (!proxy_find(ifindex, ip)) {
		if (fk.nproxies == FK_MAX_PROXIES)
			return fail(err, errlen, ENOSPC, NULL);
		fk.proxies[fk.nproxies++] = (struct sw_proxy){ ifindex, ip };
	}
	return 0;
}

int nl_proxy_del(struct sw_nl *nl, int ifindex, uint32_t ip, char *err, size_t errlen)
{
	struct sw_proxy *p;
	char a[INET_ADDRSTRLEN];
	int ret;

	(void)nl;
	inet_ntop(AF_INET, &ip, a, sizeof(a));
	if ((ret = request(err, errlen, "proxy_del %d %s", ifindex, a)))
		return ret;
	if (!(p = proxy_find(ifindex, ip)))
		return fail(err, errlen, ENOENT, NULL);
	*p = fk.proxies[--fk.nproxies];
	return 0;
}

int nl_neigh_forget_unresolved(struct sw_nl *nl, int ifindex, char *addrs, size_t addrslen,
			       char *err, size_t errlen)
{
	(void)nl;
	if (addrslen)
		addrs[0] = '\0';
	/* no traffic, so no neighbour is ever waiting */
	return dev(ifindex, err, errlen) ? 0 : -ENODEV;
}

int nl_route_get4(struct sw_nl *nl, uint32_t dst, int *oif, int *type, char *err, size_t errlen)
{
	(void)nl;
	for (size_t i = 0; i < fk.naddrs; i++) {
		const struct sw_addr *a = &fk.addrs[i];
		uint32_t local, mask;

		if (a->family != AF_INET)
			continue;
		memcpy(&local, a->local, 4);
		mask = a->prefixlen ? htonl(~0u << (32 - a->prefixlen)) : 0;
		if (local == dst) {
			*oif = FK_LO;
			*type = RTN_LOCAL;
			return 0;
		}
		if ((local & mask) == (dst & mask)) {
			*oif = a->ifindex;
			*type = RTN_UNICAST;
			return 0;
		}
	}
	return fail(err, errlen, ENETUNREACH, NULL);
}

/* ---- links ------------------------------------------------------------- */

int nl_link_get(struct sw_nl *nl, int ifindex, const char *name, struct sw_link *out, char *err,
		size_t errlen)
{
	struct fk_link *l = ifindex > 0 ? fk_link_by_index(ifindex) : fk_link(name);
	char buf[FK_MSG_SIZE];

	(void)nl;
	if (!l) {
		snprintf(err, errlen, "%s: no such device", ifindex > 0 ? "ifindex" : name);
		return -ENODEV;
	}
	l->lw_pending = false;
	return nlp_link(link_msg(buf, RTM_NEWLINK, l), out) ? fail(err, errlen, EINVAL, NULL) : 0;
}

int nl_link_rename(struct sw_nl *nl, int ifindex, const char *name, char *err, size_t errlen)
{
	struct fk_link *l = fk_link_by_index(ifindex), *other = fk_link(name);
	int ret;

	(void)nl;
	if ((ret = request(err, errlen, "rename %s %s", l ? l->s.name : "?", name)))
		return ret;
	if (!l)
		return fail(err, errlen, ENODEV, NULL);
	if (other && other != l)
		return fail(err, errlen, EEXIST, NULL);
	sw_strlcpy(l->s.name, name, sizeof(l->s.name));
	commit();
	return 0;
}

int nl_link_set_up(struct sw_nl *nl, int ifindex, bool up, char *err, size_t errlen)
{
	struct fk_link *l = fk_link_by_index(ifindex);
	int ret;

	(void)nl;
	if ((ret = request(err, errlen, "set_%s %s", up ? "up" : "down", l ? l->s.name : "?")))
		return ret;
	if (!l)
		return fail(err, errlen, ENODEV, NULL);
	if (up && l->s.master && l->lw_pending)
		fk.unsynced_attach++;
	l->s.up = up;
	commit();
	return 0;
}

static int set_master(int ifindex, int master, char *err, size_t errlen)
{
	struct fk_link *l = fk_link_by_index(ifindex), *m = master ? fk_link_by_index(master) : NULL;
	int ret;

	if ((ret = request(err, errlen, "set_master %s %s", l ? l->s.name : "?",
			   m ? m->s.name : master ? "?" : "-")))
		return ret;
	if (!l || (master && !m))
		return fail(err, errlen, ENODEV, NULL);
	if (m && !is_bridge(m))
		return fail(err, errlen, EOPNOTSUPP, "Master device does not support enslaving");
	if (m == l)
		return fail(err, errlen, ELOOP, NULL);
	if (m && l->s.master && l->s.master != master)
		return fail(err, errlen, EBUSY, "Device is already in use");
	if (m && l->lw_pending)
		fk.unsynced_attach++;
	l->s.master = master;
	commit();
	return 0;
}

int nl_link_set_master(struct sw_nl *nl, int ifindex, int master, char *err, size_t errlen)
{
	(void)nl;
	return set_master(ifindex, master, err, errlen);
}

int nl_link_set_mtu(struct sw_nl *nl, int ifindex, unsigned int mtu, char *err, size_t errlen)
{
	struct fk_link *l = fk_link_by_index(ifindex);
	int ret;

	(void)nl;
	if ((ret = request(err, errlen, "set_mtu %s %u", l ? l->s.name : "?", mtu)))
		return ret;
	if (!l)
		return fail(err, errlen, ENODEV, NULL);
	l->s.mtu = mtu;
	commit();
	return 0;
}

int nl_brport_quiet(struct sw_nl *nl, int ifindex, char *err, size_t errlen)
{
	struct fk_link *l = fk_link_by_index(ifindex);
	struct fk_link *m = l ? fk_link_by_index(l->s.master) : NULL;
	int ret;

	(void)nl;
	if ((ret = request(err, errlen, "brport_quiet %s", l ? l->s.name : "?")))
		return ret;
	if (!l)
		return fail(err, errlen, ENODEV, NULL);
	if (!m || !is_bridge(m))
		return fail(err, errlen, EOPNOTSUPP, NULL);
	return 0;
}

int nl_link_set_alias(struct sw_nl *nl, int ifindex, const char *alias, char *err, size_t errlen)
{
	struct fk_link *l = fk_link_by_index(ifindex);
	int ret;

	(void)nl;
	if ((ret = request(err, errlen, "set_alias %s \"%s\"", l ? l->s.name : "?", alias)))
		return ret;
	if (!l)
		return fail(err, errlen, ENODEV, NULL);
	sw_strlcpy(l->s.alias, alias, sizeof(l->s.alias));
	commit();
	return 0;
}

int nl_link_set_mac(struct sw_nl *nl, int ifindex, const uint8_t mac[6], char *err, size_t errlen)
{
	struct fk_link *l = fk_link_by_index(ifindex);
	int ret;

	(void)nl;
	if ((ret = request(err, errlen, "set_mac %s", l ? l->s.name : "?")))
		return ret;
	if (!l)
		return fail(err, errlen, ENODEV, NULL);
	memcpy(l->s.mac, mac, 6);
	commit();
	return 0;
}

int nl_link_set_addr_gen_mode(struct sw_nl *nl, int ifindex, uint8_t mode, char *err,
			      size_t errlen)
{
	struct fk_link *l = fk_link_by_index(ifindex);
	int ret;

	(void)nl;
	if ((ret = request(err, errlen, "addr_gen_mode %s %u", l ? l->s.name : "?", mode)))
		return ret;
	if (!l)
		return fail(err, errlen, ENODEV, NULL);
	l->addr_gen_mode = mode;
	return 0;
}

int nl_link_delete(struct sw_nl *nl, int ifindex, char *err, size_t errlen)
{
	struct fk_link *l = fk_link_by_index(ifindex);
	int ret;

	(void)nl;
	if ((ret = request(err, errlen, "delete %s", l ? l->s.name : "?")))
		return ret;
	if (!l)
		return fail(err, errlen, ENODEV, NULL);
	remove_link(l);
	return 0;
}

int nl_bridge_create(struct sw_nl *nl, const char *name, const uint8_t *mac, bool stp,
		     int *ifindex, char *err, size_t errlen)
{
	struct fk_link *l;
	int ret;

	(void)nl;
	if ((ret = request(err, errlen, "bridge_create %s", name)))
		return ret;
	if (fk_link(name))
		return fail(err, errlen, EEXIST, NULL);
	if (!(l = new_link(name, "bridge", NULL)))
		return fail(err, errlen, ENOSPC, NULL);
	if (mac)
		memcpy(l->s.mac, mac, 6);
	l->s.stp = stp;
	*ifindex = l->ifindex;
	commit();
	return 0;
}

int nl_bridge_swap_ports(struct sw_nl *nl, int bridge, int new_port, int old_port, char *err,
			 size_t errlen)
{
	char e2[128];
	int ret;

	(void)nl;
	/* two requests in one batch, as nl.c sends them; the second failing
	 * undoes the first, as nl.c does */
	if ((ret = set_master(new_port, bridge, err, errlen)))
		return ret;
	/* no such old port (a card pulled): done, as nl.c has it */
	if ((ret = set_master(old_port, 0, err, errlen)) == -ENODEV)
		return 0;
	if (ret)
		set_master(new_port, 0, e2, sizeof(e2));
	return ret;
}

/* ---- addresses and routes ---------------------------------------------- */

static size_t addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static struct sw_addr *addr_find(const struct sw_addr *a, int ifindex)
{
	for (size_t i = 0; i < fk.naddrs; i++) {
		struct sw_addr *b = &fk.addrs[i];

		if (b->ifindex == ifindex && b->family == a->family && b->prefixlen == a->prefixlen &&
		    !memcmp(b->local, a->local, addr_len(a->family)))
			return b;
	}
	return NULL;
}

int nl_addr_add(struct sw_nl *nl, const struct sw_addr *a, int ifindex, char *err, size_t errlen)
{
	char buf[FK_MSG_SIZE], text[INET6_ADDRSTRLEN];
	struct sw_addr *n;
	int ret;

	(void)nl;
	inet_ntop(a->family, a->local, text, sizeof(text));
	if ((ret = request(err, errlen, "addr_add %d %s/%u", ifindex, text, a->prefixlen)))
		return ret;
	if (!dev(ifindex, err, errlen))
		return -ENODEV;
	if (addr_find(a, ifindex))
		return fail(err, errlen, EEXIST, NULL);
	if (fk.naddrs == FK_MAX_ADDRS)
		return fail(err, errlen, ENOSPC, NULL);
	n = &fk.addrs[fk.naddrs++];
	*n = *a;
	n->ifindex = ifindex;
	queue(addr_msg(buf, RTM_NEWADDR, n));
	return 0;
}

int nl_addr_del(struct sw_nl *nl, const struct sw_addr *a, char *err, size_t errlen)
{
	char buf[FK_MSG_SIZE], text[INET6_ADDRSTRLEN];
	struct sw_addr *o;
	int ret;

	(void)nl;
	inet_ntop(a->family, a->local, text, sizeof(text));
	if ((ret = request(err, errlen, "addr_del %d %s/%u", a->ifindex, text, a->prefixlen)))
		return ret;
	if (!(o = addr_find(a, a->ifindex)))
		return fail(err, errlen, EADDRNOTAVAIL, NULL);
	queue(addr_msg(buf, RTM_DELADDR, o));
	*o = fk.addrs[--fk.naddrs];
	return 0;
}

static bool route_same(const struct sw_route *a, const struct sw_route *b)
{
	return a->rtm.rtm_family == b->rtm.rtm_family && a->table == b->table &&
	       a->rtm.rtm_dst_len == b->rtm.rtm_dst_len && a->priority == b->priority &&
	       a->oif == b->oif && !memcmp(a->dst, b->dst, addr_len(a->rtm.rtm_family));
}

int nl_route_add(struct sw_nl *nl, const struct sw_route *r, int from_ifindex, int to_ifindex,
		 char *err, size_t errlen)
{
	char buf[FK_MSG_SIZE];
	struct sw_route *n;
	int ret;

	(void)nl;
	if ((ret = request(err, errlen, "route_add %d->%d", from_ifindex, to_ifindex)))
		return ret;
	if (r->nh_id)
		return fail(err, errlen, EOPNOTSUPP, NULL);
	if (fk.nroutes == FK_MAX_ROUTES)
		return fail(err, errlen, ENOSPC, NULL);
	n = &fk.routes[fk.nroutes];
	*n = *r;
	if (from_ifindex || to_ifindex)
		nlp_route_retarget(n, from_ifindex, to_ifindex);
	if (n->oif && !dev(n->oif, err, errlen))
		return -ENODEV;
	for (size_t i = 0; i < fk.nroutes; i++)
		if (route_same(&fk.routes[i], n))
			return fail(err, errlen, EEXIST, NULL);
	fk.nroutes++;
	queue(route_msg(buf, RTM_NEWROUTE, n));
	return 0;
}

int nl_route_del(struct sw_nl *nl, const struct sw_route *r, char *err, size_t errlen)
{
	char buf[FK_MSG_SIZE];
	int ret;

	(void)nl;
	if ((ret = request(err, errlen, "route_del oif %d", r->oif)))
		return ret;
	for (size_t i = 0; i < fk.nroutes; i++) {
		if (!route_same(&fk.routes[i], r))
			continue;
		queue(route_msg(buf, RTM_DELROUTE, &fk.routes[i]));
		fk.routes[i] = fk.routes[--fk.nroutes];
		return 0;
	}
	return fail(err, errlen, ESRCH, NULL);
}

/* ---- taps (tap.h) ------------------------------------------------------ */

int tap_create(const char *name, bool has_uid, uid_t uid, bool has_gid, gid_t gid, char *err,
	       size_t errlen)
{
	int ret;

	(void)has_uid;
	(void)uid;
	(void)has_gid;
	(void)gid;
	if ((ret = request(err, errlen, "tap_create %s", name)))
		return ret;
	if (fk_link(name)) {
		snprintf(err, errlen, "tap %s: a device with this name exists", name);
		return -EBUSY;
	}
	/* persistent, no process has it open: no carrier */
	if (!new_link(name, "tun", NULL))
		return fail(err, errlen, ENOSPC, NULL);
	commit();
	return 0;
}

/* ---- /proc/sys/net/ipv4 in memory (sysctl.h) ----------------------------- */

static int *sysctl_slot(const char *name, int key)
{
	struct fk_link *l;

	if (key < 0 || key >= SK_NKEYS)
		return NULL;
	if (!strcmp(name, "all"))
		return &fk.sk_all[key];
	if (!strcmp(name, "default"))
		return &fk.sk_default[key];
	l = fk_link(name);
	return l ? &l->sysctl[key] : NULL;
}

int sk_read_one(const char *root, const char *name, int key, int *value)
{
	(void)root;
	if (!sysctl_slot(name, key))
		return -ENOENT;
	*value = fk_sysctl(name, key);
	return 0;
}

static void netconf_event(const char *name, int key)
{
	char buf[FK_MSG_SIZE];
	struct nlmsghdr *nlh;
	struct netconfmsg *ncm;
	struct fk_link *l = fk_link(name);
	int ifindex = !strcmp(name, "all") ? NETCONFA_IFINDEX_ALL
		      : !strcmp(name, "default") ? NETCONFA_IFINDEX_DEFAULT
		      : l ? l->ifindex : 0;

	/* the kernel tells netconf listeners of these three only */
	if (key != SK_RP_FILTER && key != SK_PROXY_ARP && key != SK_FORWARDING)
		return;
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWNETCONF;
	ncm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ncm));
	ncm->ncm_family = AF_INET;
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, (uint32_t)ifindex);
	queue(nlh);
}

int sk_write(const char *root, const char *name, int key, int value, char *err, size_t errlen)
{
	const char *kname = conf_sysctl_name(key);
	int *slot = sysctl_slot(name, key);
	int ret;

	(void)root;
	if ((ret = request(err, errlen, "sysctl %s/%s = %d", name, kname ? kname : "?", value)))
		return ret;
	if (!slot) {
		snprintf(err, errlen, "conf/%s/%s: %s", name, kname ? kname : "?", strerror(ENOENT));
		return -ENOENT;
	}
	*slot = value;
	netconf_event(name, key);
	return 0;
}

static void read_dev(const char *name, struct sk_dev *d)
{
	sw_strlcpy(d->name, name, sizeof(d->name));
	for (int k = 0; k < SK_NKEYS; k++)
		d->v[k] = fk_sysctl(name, k);
}

int sk_read(const char *root, struct sk_snapshot *s)
{
	(void)root;
	memset(s, 0, sizeof(*s));
	read_dev("all", &s->all);
	read_dev("default", &s->dflt);
	s->devs = calloc(fk.nlinks + 1, sizeof(*s->devs));
	if (!s->devs)
		return -ENOMEM;
	for (size_t i = 0; i < fk.nlinks; i++)
		read_dev(fk.links[i].s.name, &s->devs[s->ndevs++]);
	return 0;
}

int sk_read_devs(const char *root, struct sk_snapshot *s, const char (*names)[SW_IFNAMSIZ],
		 size_t n)
{
	(void)root;
	memset(s, 0, sizeof(*s));
	read_dev("all", &s->all);
	read_dev("default", &s->dflt);
	s->devs = calloc(n + 1, sizeof(*s->devs));
	if (!s->devs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (fk_link(names[i]) && !sk_find(s, names[i]))
			read_dev(names[i], &s->devs[s->ndevs++]);
	fk.sk_partial_reads++;
	return 0;
}

#ifdef SW_FAULT_INJECTION
/* nl.c's fault-injection hook (built with --enable-fault-injection): the
 * fake has its own way to fail a request (fk_fail_nth) */
int nl_fault(struct sw_nl *nl, const char *what, char *err, size_t errlen)
{
	(void)nl;
	(void)what;
	(void)err;
	(void)errlen;
	return 0;
}
#endif

int nl_ifindex(struct sw_nl *nl, const char *name)
{
	const struct fk_link *l = fk_link(name);

	(void)nl;
	return l ? l->ifindex : -ENODEV;
}

/* ---- batches ------------------------------------------------------------
 * The nl_msg_* builders encode the call in a message of the fake's own;
 * nl_batch_add runs it at once (in the order requests are added, as the
 * kernel runs a batch's requests in order, each whatever became of the
 * ones before) and keeps its outcome as the batch's ack; nl_batch_send
 * only hands the acks over. */
enum fk_op { FK_OP_UP, FK_OP_MASTER, FK_OP_ALIAS, FK_OP_GEN_MODE, FK_OP_SET, FK_OP_SYNC };

struct fk_req {
	struct nlmsghdr nlh;
	int op, ifindex, value;
	char alias[64];
	bool has_alias;
	int master, up; /* FK_OP_SET: -1 unchanged */
};

static struct nlmsghdr *fk_req(char *buf, int op, int ifindex, int value, const char *alias)
{
	struct fk_req *r = (struct fk_req *)buf;

	memset(r, 0, sizeof(*r));
	r->nlh.nlmsg_len = sizeof(*r);
	r->nlh.nlmsg_type = RTM_NEWLINK;
	r->op = op;
	r->ifindex = ifindex;
	r->value = value;
	if (alias)
		sw_strlcpy(r->alias, alias, sizeof(r->alias));
	return &r->nlh;
}

struct nlmsghdr *nl_msg_set_up(char *buf, int ifindex, bool up)
{
	return fk_req(buf, FK_OP_UP, ifindex, up, NULL);
}

struct nlmsghdr *nl_msg_set_master(char *buf, int ifindex, int master)
{
	return fk_req(buf, FK_OP_MASTER, ifindex, master, NULL);
}

struct nlmsghdr *nl_msg_set_alias(char *buf, int ifindex, const char *alias)
{
	return fk_req(buf, FK_OP_ALIAS, ifindex, 0, alias);
}

struct nlmsghdr *nl_msg_set_addr_gen_mode(char *buf, int ifindex, uint8_t mode)
{
	return fk_req(buf, FK_OP_GEN_MODE, ifindex, mode, NULL);
}

struct nlmsghdr *nl_msg_link_sync(char *buf, int ifindex)
{
	struct nlmsghdr *nlh = fk_req(buf, FK_OP_SYNC, ifindex, 0, NULL);

	nlh->nlmsg_type = RTM_GETLINK;
	return nlh;
}

struct nlmsghdr *nl_msg_link_set(char *buf, int ifindex, const char *alias, int master, int up)
{
	struct nlmsghdr *nlh = fk_req(buf, FK_OP_SET, ifindex, 0, alias);
	struct fk_req *r = (struct fk_req *)nlh;

	r->has_alias = alias != NULL;
	r->master = master;
	r->up = up;
	return nlh;
}

/* One request of several changes, as the kernel's do_setlink: master,
 * then flags, then alias; the first that fails ends it (what was done
 * before stays done). */
static int fk_link_set(const struct fk_req *r, char *err, size_t errlen)
{
	int ret = 0;

	fk.combined++;
	if (r->master >= 0 && (ret = set_master(r->ifindex, r->master, err, errlen)))
		return ret;
	if (r->up >= 0 && (ret = nl_link_set_up(NULL, r->ifindex, r->up, err, errlen)))
		return ret;
	if (r->has_alias)
		ret = nl_link_set_alias(NULL, r->ifindex, r->alias, err, errlen);
	return ret;
}

bool nl_batch_full(const struct nl_batch *b, size_t len)
{
	return b->n >= NL_BATCH_MAX || b->len + NLMSG_ALIGN(len) > sizeof(b->buf);
}

int nl_batch_add(struct sw_nl *nl, struct nl_batch *b, const struct nlmsghdr *nlh, char *err,
		 size_t errlen)
{
	const struct fk_req *r = (const struct fk_req *)nlh;
	struct nlp_ack *ack;

	if (nl_batch_full(b, nlh->nlmsg_len))
		return fail(err, errlen, ENOSPC, NULL);
	ack = &b->acks[b->n];
	memset(ack, 0, sizeof(*ack));
	ack->seen = true;
	switch (r->op) {
	case FK_OP_UP:
		ack->ret = nl_link_set_up(nl, r->ifindex, r->value, ack->text, sizeof(ack->text));
		break;
	case FK_OP_MASTER:
		ack->ret = set_master(r->ifindex, r->value, ack->text, sizeof(ack->text));
		break;
	case FK_OP_ALIAS:
		ack->ret = nl_link_set_alias(nl, r->ifindex, r->alias, ack->text, sizeof(ack->text));
		break;
	case FK_OP_GEN_MODE:
		ack->ret = nl_link_set_addr_gen_mode(nl, r->ifindex, (uint8_t)r->value, ack->text,
						     sizeof(ack->text));
		break;
	case FK_OP_SET:
		ack->ret = fk_link_set(r, ack->text, sizeof(ack->text));
		break;
	case FK_OP_SYNC: {
		struct fk_link *l = fk_link_by_index(r->ifindex);

		if (l)
			l->lw_pending = false;
		ack->ret = l ? 0 : fail(ack->text, sizeof(ack->text), ENODEV, NULL);
		break;
	}
	default:
		ack->ret = fail(ack->text, sizeof(ack->text), EOPNOTSUPP, "unknown batched request");
	}
	fk.batched++;
	b->len += NLMSG_ALIGN(nlh->nlmsg_len);
	return b->n++;
}

int nl_batch_send(struct sw_nl *nl, struct nl_batch *b)
{
	(void)nl;
	if (b->n)
		fk.batches++;
	b->n = 0;
	b->len = 0;
	return 0;
}
