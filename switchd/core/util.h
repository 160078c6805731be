#ifndef SWITCHD_UTIL_H
#define SWITCHD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SW_IFNAMSIZ 16 /* IFNAMSIZ: 15 bytes and the NUL */
#define SW_MACSTR 18

/* <net/if.h> lacks it and <linux/if.h> clashes with it */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#endif

/* An address with its prefix length: 198.18.0.1/24, 2001:db8::1/64. */
struct sw_cidr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
	uint8_t prefixlen;
};

/* Copy with truncation; returns strlen(src) (>= size means truncated). */
size_t sw_strlcpy(char *dst, const char *src, size_t size);

/* 0 if name is a valid interface name (the kernel's rules, no '%', printable
 * ASCII only: switchd.conf(5)), else -EINVAL with the reason in why. */
int ifname_check(const char *name, const char **why);

/* "02:00:c6:12:00:10" <-> 6 bytes. parse: 0 or -EINVAL. */
int mac_parse(const char *s, uint8_t mac[6]);
char *mac_format(const uint8_t mac[6], char buf[SW_MACSTR]);
bool mac_is_zero(const uint8_t mac[6]);

/* "198.18.0.1/24" or "2001:db8::1/64"; a missing /len means a host prefix. */
int cidr_parse(const char *s, struct sw_cidr *out);
/* buf needs INET6_ADDRSTRLEN + 4 */
char *cidr_format(const struct sw_cidr *c, char *buf, size_t len);
/* address only */
char *addr_format(int family, const void *addr, char *buf, size_t len);

#endif
