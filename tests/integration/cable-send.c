/*
 * A switch's chatter for the cable tests: LLDP frames (chassis MAC, port ID,
 * system name) and/or gratuitous ARP requests from an IPv4 address, sent out
 * of one interface every INTERVAL ms until killed (or COUNT rounds).
 *
 *   cable-send [-l CHASSIS-MAC PORT SYSNAME] [-a IP] [-i MS] [-c COUNT] IFACE
 *
 * Run only inside the test's own namespaces.
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static size_t tlv(uint8_t *p, unsigned int type, const void *v, size_t len)
{
	p[0] = (uint8_t)(type << 1 | (len >> 8));
	p[1] = (uint8_t)len;
	memcpy(p + 2, v, len);
	return 2 + len;
}

static size_t lldp(uint8_t *f, const uint8_t src[6], const uint8_t chassis[6], const char *port,
		   const char *name)
{
	static const uint8_t dst[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e };
	uint8_t v[300];
	size_t n = 14;

	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88, f[13] = 0xcc;
	v[0] = 4; /* chassis ID: MAC */
	memcpy(v + 1, chassis, 6);
	n += tlv(f + n, 1, v, 7);
	v[0] = 7; /* port ID: locally assigned */
	memcpy(v + 1, port, strlen(port));
	n += tlv(f + n, 2, v, 1 + strlen(port));
	v[0] = 0, v[1] = 120;
	n += tlv(f + n, 3, v, 2);
	n += tlv(f + n, 5, name, strlen(name));
	n += tlv(f + n, 0, v, 0);
	return n < 60 ? 60 : n;
}

static size_t garp(uint8_t *f, const uint8_t src[6], uint32_t ip)
{
	static const uint8_t head[] = { 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1 };

	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, src, 6);
	memcpy(f + 12, head, sizeof(head));
	memcpy(f + 22, src, 6);
	memcpy(f + 28, &ip, 4);
	memcpy(f + 38, &ip, 4);
	return 60;
}

int main(int argc, char **argv)
{
	uint8_t chassis[6], src[6], frame[400];
	const char *port = NULL, *name = NULL;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	struct ifreq ifr = { 0 };
	uint32_t ip = 0;
	long interval = 200, count = -1;
	int have_lldp = 0;
	int c, fd;

	while ((c = getopt(argc, argv, "l:a:i:c:")) != -1) {
		switch (c) {
		case 'l':
			if (optind + 1 >= argc ||
			    sscanf(optarg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &chassis[0], &chassis[1],
				   &chassis[2], &chassis[3], &chassis[4], &chassis[5]) != 6)
				goto usage;
			port = argv[optind++];
			name = argv[optind++];
			have_lldp = 1;
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &ip) != 1)
				goto usage;
			break;
		case 'i':
			interval = atol(optarg);
			break;
		case 'c':
			count = atol(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || (!have_lldp && !ip))
		goto usage;
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[optind]);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		perror(argv[optind]);
		return 1;
	}
	memcpy(src, ifr.ifr_hwaddr.sa_data, 6);
	sll.sll_ifindex = (int)if_nametoindex(argv[optind]);
	for (long round = 0; count < 0 || round < count; round++) {
		struct timespec ts = { interval / 1000, (interval % 1000) * 1000000L };
		size_t n;

		if (have_lldp) {
			n = lldp(frame, src, chassis, port, name);
			if (sendto(fd, frame, n, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0)
				perror("send lldp");
		}
		if (ip) {
			n = garp(frame, src, ip);
			if (sendto(fd, frame, n, 0, (struct sockaddr *)&sll, sizeof(sll)) < 0)
				perror("send arp");
		}
		nanosleep(&ts, NULL);
	}
	return 0;
usage:
	fprintf(stderr, "usage: cable-send [-l CHASSIS-MAC PORT SYSNAME] [-a IP] [-i MS] [-c COUNT] IFACE\n");
	return 2;
}
