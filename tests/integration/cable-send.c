/*
 * A switch's chatter for the cable tests: LLDP frames (chassis MAC, port ID,
 * system name) and/or gratuitous ARP requests from an IPv4 address, sent out
 * of one interface every INTERVAL ms until killed (or COUNT rounds).
 *
 *   cable-send [-l CHASSIS-MAC PORT SYSNAME] [-a IP] [-d] [-q VID] [-i MS] [-c COUNT] IFACE
 *
 * -d sends a DHCP discover with the broadcast flag (the server's offer is
 * then broadcast: every NIC on the network hears it); -q tags every frame
 * with VLAN VID.
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
	static const uint8_t dst[6] = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x0e};
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
	static const uint8_t head[] = {0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1};

	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, src, 6);
	memcpy(f + 12, head, sizeof(head));
	memcpy(f + 22, src, 6);
	memcpy(f + 28, &ip, 4);
	memcpy(f + 38, &ip, 4);
	return 60;
}

/* DHCPDISCOVER from src, broadcast flag set, 0.0.0.0:68 -> 255.255.255.255:67. */
static size_t discover(uint8_t *f, const uint8_t src[6])
{
	uint8_t *ip = f + 14, *udp = ip + 20, *bootp = udp + 8, *opt = bootp + 240;
	size_t blen = 240 + 4, ulen = 8 + blen, tlen = 20 + ulen;
	uint32_t sum = 0;

	memset(f, 0, 14 + tlen);
	memset(f, 0xff, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tlen >> 8), ip[3] = (uint8_t)tlen;
	ip[8] = 64, ip[9] = 17;
	memset(ip + 16, 0xff, 4);
	for (int i = 0; i < 20; i += 2)
		sum += (uint32_t)ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8), ip[11] = (uint8_t)~sum;
	udp[1] = 68, udp[3] = 67; /* no UDP checksum: 0 is allowed over IPv4 */
	udp[4] = (uint8_t)(ulen >> 8), udp[5] = (uint8_t)ulen;
	bootp[0] = 1, bootp[1] = 1, bootp[2] = 6;
	bootp[4] = 0x13, bootp[5] = 0x37; /* xid */
	bootp[10] = 0x80;		  /* broadcast */
	memcpy(bootp + 28, src, 6);
	bootp[236] = 99, bootp[237] = 130, bootp[238] = 83, bootp[239] = 99;
	opt[0] = 53, opt[1] = 1, opt[2] = 1, opt[3] = 255;
	return 14 + tlen;
}

/* Insert an 802.1Q tag after the MAC addresses. */
static size_t tag(uint8_t *f, size_t n, int vid)
{
	memmove(f + 16, f + 12, n - 12);
	f[12] = 0x81, f[13] = 0x00;
	f[14] = (uint8_t)(vid >> 8), f[15] = (uint8_t)vid;
	return n + 4;
}

static void send_frame(int fd, struct sockaddr_ll *sll, uint8_t *f, size_t n, int vid,
		       const char *what)
{
	if (vid)
		n = tag(f, n, vid);
	if (sendto(fd, f, n, 0, (struct sockaddr *)sll, sizeof(*sll)) < 0)
		perror(what);
}

int main(int argc, char **argv)
{
	uint8_t chassis[6], src[6], frame[400];
	const char *port = NULL, *name = NULL;
	struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_halen = 6};
	struct ifreq ifr = {0};
	uint32_t ip = 0;
	long interval = 200, count = -1;
	int have_lldp = 0, dhcp = 0, vid = 0;
	int c, fd;

	while ((c = getopt(argc, argv, "l:a:i:c:dq:")) != -1) {
		switch (c) {
		case 'd':
			dhcp = 1;
			break;
		case 'q':
			vid = atoi(optarg) & 0x0fff;
			break;
		case 'l':
			if (optind + 1 >= argc ||
			    sscanf(optarg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &chassis[0],
				   &chassis[1], &chassis[2], &chassis[3], &chassis[4],
				   &chassis[5]) != 6)
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
	if (optind != argc - 1 || (!have_lldp && !ip && !dhcp))
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
		struct timespec ts = {interval / 1000, (interval % 1000) * 1000000L};
		size_t n;

		if (have_lldp) {
			n = lldp(frame, src, chassis, port, name);
			send_frame(fd, &sll, frame, n, vid, "send lldp");
		}
		if (ip) {
			n = garp(frame, src, ip);
			send_frame(fd, &sll, frame, n, vid, "send arp");
		}
		if (dhcp) {
			n = discover(frame, src);
			send_frame(fd, &sll, frame, n, vid, "send dhcp");
		}
		nanosleep(&ts, NULL);
	}
	return 0;
usage:
	fprintf(stderr,
		"usage: cable-send [-l CHASSIS-MAC PORT SYSNAME] [-a IP] [-d] [-q VID] [-i MS] "
		"[-c COUNT] IFACE\n");
	return 2;
}
