/* The libmnl floor of tests/bench/scale.sh: the least a daemon has to do
 * to bring up N persistent taps on internal bridges, PER taps a bridge
 * (int0, int1, ...), so switchd's bring-up can be compared with what the
 * kernel itself costs. Per bridge one sendmsg creates it (forward delay 0,
 * STP off, alias, up) and sets its IPv6 address generation to none; each
 * tap is TUNSETIFF + TUNSETOWNER + TUNSETPERSIST; then per bridge one
 * sendmsg carries, per tap, an RTM_GETLINK and an RTM_NEWLINK (IFLA_MASTER,
 * IFLA_IFALIAS, IFF_UP), and the acks are read after it (the GETLINK
 * replies skipped). The GETLINK is what makes the result right: it runs
 * the new tap's pending link-watch event (rtnl_getlink ->
 * linkwatch_sync_dev), so the tap is attached with operstate DOWN and its
 * port stays disabled; without it the bridge takes the port for up
 * (operstate still UNKNOWN), forwards on it without a carrier until
 * link-watch runs, and every port added walks the others: slower, not
 * less work (kernel-notes 38). Taps are named tN, N from 0.
 * Prints the time of each phase in ms on stdout; exit 1 on any error.
 *
 * usage: mnlfloor NTAPS [PER [UID]]   (in the namespace to fill)
 */
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define ALIAS "switchd"

static double mf_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static struct nlmsghdr *mf_link_msg(char *buf, unsigned int seq, const char *name, int create)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (create ? NLM_F_CREATE | NLM_F_EXCL : 0);
	nlh->nlmsg_seq = seq;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

static void mf_up(struct nlmsghdr *nlh)
{
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
}

/* send the batch in one sendmsg, then read every ack: nmsg of them */
static int mf_batch(struct mnl_socket *nl, struct mnl_nlmsg_batch *b, unsigned int nmsg)
{
	char rbuf[1 << 16];
	unsigned int acks = 0;

	if (mnl_socket_sendto(nl, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)) < 0) {
		fprintf(stderr, "mnlfloor: sendmsg of %u messages: %s\n", nmsg, strerror(errno));
		return -1;
	}
	while (acks < nmsg) {
		ssize_t n = mnl_socket_recvfrom(nl, rbuf, sizeof(rbuf));
		struct nlmsghdr *nlh = (struct nlmsghdr *)rbuf;
		int len = (int)n;

		if (n < 0) {
			fprintf(stderr, "mnlfloor: reading acks (%u of %u): %s\n", acks, nmsg,
				strerror(errno));
			return -1;
		}
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			acks++;
			if (e->error) {
				fprintf(stderr, "mnlfloor: message %u: %s\n", nlh->nlmsg_seq,
					strerror(-e->error));
				return -1;
			}
		}
	}
	mnl_nlmsg_batch_reset(b);
	return 0;
}

static int mf_tap(const char *name, unsigned long uid)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "mnlfloor: /dev/net/tun: %s\n", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETOWNER, uid) < 0 ||
	    ioctl(fd, TUNSETPERSIST, 1UL) < 0) {
		fprintf(stderr, "mnlfloor: tap %s: %s\n", name, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int ntaps = argc > 1 ? atoi(argv[1]) : 0, per = argc > 2 ? atoi(argv[2]) : 1000;
	unsigned long uid = argc > 3 ? strtoul(argv[3], NULL, 10) : 65534;
	int nbr, i, k;
	unsigned int seq = 0;
	/* room for one bridge's taps: well under 256 bytes a tap */
	size_t bsize = (size_t)(per > 0 ? per : 1) * 256 + MNL_SOCKET_BUFFER_SIZE;
	char *buf, name[IFNAMSIZ];
	struct mnl_socket *nl;
	struct mnl_nlmsg_batch *b;
	double t0 = mf_now(), t1, t2, t3;
	int rcv = 64 << 20;

	if (argc < 2 || ntaps < 0 || ntaps > 1000000 || per < 1 || per > 1000000) {
		fprintf(stderr, "usage: mnlfloor NTAPS [PER [UID]]\n");
		return 2;
	}
	nbr = ntaps ? (ntaps + per - 1) / per : 1;
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("mnlfloor: netlink");
		return 1;
	}
	/* a batch's acks are all queued before the first read: the default
	 * receive buffer (~208 KiB of skb truesize) drops them past ~200 */
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)) < 0)
		perror("mnlfloor: SO_RCVBUFFORCE");
	buf = malloc(bsize * 2);
	if (!buf)
		return 1;
	b = mnl_nlmsg_batch_start(buf, bsize);

	for (k = 0; k < nbr; k++) {
		struct nlmsghdr *nlh;
		struct nlattr *info, *data, *spec, *in6;

		snprintf(name, sizeof(name), "int%d", k);
		nlh = mf_link_msg(mnl_nlmsg_batch_current(b), ++seq, name, 1);
		mf_up(nlh);
		mnl_attr_put(nlh, IFLA_IFALIAS, strlen(ALIAS), ALIAS);
		info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, 0);
		mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, 0);
		mnl_attr_nest_end(nlh, data);
		mnl_attr_nest_end(nlh, info);
		mnl_nlmsg_batch_next(b);
		/* address generation is not taken at creation: a second message */
		nlh = mf_link_msg(mnl_nlmsg_batch_current(b), ++seq, name, 0);
		spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
		in6 = mnl_attr_nest_start(nlh, AF_INET6);
		mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
		mnl_attr_nest_end(nlh, in6);
		mnl_attr_nest_end(nlh, spec);
		mnl_nlmsg_batch_next(b);
	}
	if (mf_batch(nl, b, (unsigned int)nbr * 2) < 0)
		return 1;
	t1 = mf_now();
	for (i = 0; i < ntaps; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		if (mf_tap(name, uid) < 0)
			return 1;
	}
	t2 = mf_now();
	for (k = 0; k < nbr && ntaps; k++) {
		unsigned int n = 0;
		int master;

		snprintf(name, sizeof(name), "int%d", k);
		master = (int)if_nametoindex(name);
		if (!master) {
			fprintf(stderr, "mnlfloor: bridge %s: %s\n", name, strerror(errno));
			return 1;
		}
		for (i = k * per; i < ntaps && i < (k + 1) * per; i++, n++) {
			struct nlmsghdr *nlh;

			snprintf(name, sizeof(name), "t%d", i);
			/* the reply is an RTM_NEWLINK, no ack: mf_batch skips it */
			nlh = mf_link_msg(mnl_nlmsg_batch_current(b), ++seq, name, 0);
			nlh->nlmsg_type = RTM_GETLINK;
			nlh->nlmsg_flags = NLM_F_REQUEST;
			mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
			mnl_nlmsg_batch_next(b);
			nlh = mf_link_msg(mnl_nlmsg_batch_current(b), ++seq, name, 0);
			mf_up(nlh);
			mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
			mnl_attr_put(nlh, IFLA_IFALIAS, strlen(ALIAS), ALIAS);
			mnl_nlmsg_batch_next(b);
		}
		if (mf_batch(nl, b, n) < 0)
			return 1;
	}
	t3 = mf_now();
	printf("bridges %.1f ms, tap ioctls %.1f ms, attach batches %.1f ms, total %.1f ms\n",
	       t1 - t0, t2 - t1, t3 - t2, t3 - t0);
	mnl_socket_close(nl);
	free(buf);
	return 0;
}
