/*
 * A NIC stand-in whose carrier we control: a tap held open (so it has a
 * queue and TUNSETCARRIER works), carrier set from stdin ("0" / "1"), each
 * change acknowledged on stdout with its CLOCK_REALTIME time in ms.
 * Unlike veth, a tap's carrier changes go through linkwatch like a plain
 * NIC's, batched to one per second (kernel-reference.md §2.4).
 */
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct ifreq ifr;
	char line[16];
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: tapcarrier NAME\n");
		return 2;
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) {
		perror(argv[1]);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		int on = line[0] == '1';
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		if (ioctl(fd, TUNSETCARRIER, &on) < 0) {
			perror("TUNSETCARRIER");
			return 1;
		}
		printf("%lld\n", (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	}
	return 0;
}
