/*
 * A pluggable cable for the failover benchmark: a tap in this network
 * namespace (the host's NIC stand-in) and a tap in another namespace (the
 * upstream switch's port), frames copied both ways in a poll loop.
 *
 *   taprelay [-o] [-v] HOSTTAP NETNS UPTAP    run inside the host's
 *                                        namespace (ip netns exec); NETNS is
 *                                        a name in /var/run/netns
 *
 * SIGUSR1 pulls the cable: carrier off (TUNSETCARRIER) on both taps, as both
 * ends of a real cable lose link, and frames are dropped; with -o only the
 * host's tap loses carrier. SIGUSR2 plugs it back in. Prints "ready" once
 * both taps exist, then "pull MS" / "plug MS" (CLOCK_REALTIME) for each
 * change. SIGTERM or SIGINT ends it; the taps go with it.
 * A tap's carrier events go through linkwatch like a physical NIC's (batched
 * to about one a second), unlike a veth's, which are reported at once.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

static int vnet_hdr; /* -v */

/* the tap is made in the namespace /dev/net/tun is opened in */
static int tap_open(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		perror("/dev/net/tun");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (vnet_hdr ? IFF_VNET_HDR : 0);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		perror(name);
		close(fd);
		return -1;
	}
	return fd;
}

static int carrier(int fd, int on)
{
	if (ioctl(fd, TUNSETCARRIER, &on) < 0) {
		perror("TUNSETCARRIER");
		return -1;
	}
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* up to 64 frames from one tap to the other (or nowhere, unplugged) */
static void copy(int from, int to, int plugged)
{
	static unsigned char buf[65536];

	for (int i = 0; i < 64; i++) {
		ssize_t n = read(from, buf, sizeof(buf));

		if (n <= 0)
			return;
		if (plugged && write(to, buf, (size_t)n) < 0 && errno != EAGAIN && errno != EIO)
			perror("write");
	}
}

int main(int argc, char **argv)
{
	int one_sided = 0, host, up, nsfd, here, sfd, plugged = 1;
	char path[256];
	sigset_t set;

	for (; argc > 1 && argv[1][0] == '-'; argv++, argc--) {
		if (!strcmp(argv[1], "-o"))
			one_sided = 1;
		else if (!strcmp(argv[1], "-v"))
			vnet_hdr = 1;
		else
			break;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: taprelay [-o] [-v] HOSTTAP NETNS UPTAP\n");
		return 2;
	}
	host = tap_open(argv[1]);
	if (host < 0)
		return 1;
	snprintf(path, sizeof(path), "/var/run/netns/%s", argv[2]);
	here = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (here < 0 || nsfd < 0 || setns(nsfd, CLONE_NEWNET) < 0) {
		perror(path);
		return 1;
	}
	up = tap_open(argv[3]);
	/* back home: the process belongs to the host's namespace */
	if (up < 0 || setns(here, CLONE_NEWNET) < 0)
		return 1;
	close(nsfd);
	close(here);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		perror("signalfd");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");

	for (;;) {
		struct pollfd p[3] = {
			{ .fd = host, .events = POLLIN },
			{ .fd = up, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};

		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			return 1;
		}
		if (p[2].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
				return 0;
			int on = si.ssi_signo == SIGUSR2;

			if (on == plugged)
				continue;
			/* drop first, then the link: nothing gets through after the pull */
			plugged = on;
			if (carrier(host, on) < 0 || (!one_sided && carrier(up, on) < 0))
				return 1;
			printf("%s %lld\n", on ? "plug" : "pull", now_ms());
		}
		if (p[0].revents & POLLIN)
			copy(host, up, plugged);
		if (p[1].revents & POLLIN)
			copy(up, host, plugged);
	}
}
