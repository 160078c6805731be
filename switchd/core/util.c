#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"

size_t sw_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/* Length of the UTF-8 sequence at s (a well-formed one: no overlong forms,
 * no surrogates, at most U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	uint32_t cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * The kernel's dev_valid_name() (1..15 bytes, not "." or "..", no '/', ':'
 * or white space), and what switchd adds: no '%', which the kernel expands
 * (tap%d becomes tap0, so the name asked for never exists and its undo
 * deletes nothing), and printable ASCII only. The kernel takes any other
 * byte, but a name with control characters or non-ASCII text cannot be
 * shown safely on a terminal or typed back to delete it, and bytes that are
 * not UTF-8 do not survive JSON at all.
 */
int ifname_check(const char *name, const char **why)
{
	size_t len = strlen(name);

	if (len == 0) {
		*why = "empty name";
		return -EINVAL;
	}
	if (len >= SW_IFNAMSIZ) {
		*why = "longer than 15 bytes";
		return -EINVAL;
	}
	if (!strcmp(name, ".") || !strcmp(name, "..")) {
		*why = "\".\" and \"..\" are not names";
		return -EINVAL;
	}
	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		if (*c == '/' || *c == ':' || *c == ' ' || *c == '\t' || *c == '\n' || *c == '\r' ||
		    *c == '\v' || *c == '\f') {
			*why = "contains '/', ':' or white space";
			return -EINVAL;
		}
		if (*c == '%') {
			*why = "contains '%', which the kernel replaces with a number";
			return -EINVAL;
		}
		if (*c < 0x20 || *c == 0x7f) {
			*why = "contains a control character";
			return -EINVAL;
		}
		if (*c >= 0x80) {
			*why = utf8_len(c) ? "contains a character that is not printable ASCII"
					   : "is not valid UTF-8";
			return -EINVAL;
		}
	}
	return 0;
}

int mac_parse(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char end;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (s[i * 3] == ' ' || s[i * 3] == '+' || s[i * 3] == '-')
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

/* By hand, not snprintf: show formats one for every port (4000 snprintf
 * calls were a tenth of the daemon's time for a show of 4000 ports). */
char *mac_format(const uint8_t mac[6], char buf[SW_MACSTR])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 6; i++) {
		buf[3 * i] = hex[mac[i] >> 4];
		buf[3 * i + 1] = hex[mac[i] & 0xf];
		buf[3 * i + 2] = i < 5 ? ':' : '\0';
	}
	return buf;
}

bool mac_is_zero(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return memcmp(mac, zero, 6) == 0;
}

int cidr_parse(const char *s, struct sw_cidr *out)
{
	char ip[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t iplen = slash ? (size_t)(slash - s) : strlen(s);
	int max;

	memset(out, 0, sizeof(*out));
	if (iplen == 0 || iplen >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, iplen);
	ip[iplen] = '\0';
	if (inet_pton(AF_INET, ip, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, ip, out->addr) == 1)
		out->family = AF_INET6;
	else
		return -EINVAL;
	max = out->family == AF_INET ? 32 : 128;
	if (!slash) {
		out->prefixlen = (uint8_t)max;
		return 0;
	}
	char *end;
	long len = strtol(slash + 1, &end, 10);

	if (!slash[1] || *end || len < 0 || len > max)
		return -EINVAL;
	out->prefixlen = (uint8_t)len;
	return 0;
}

char *addr_format(int family, const void *addr, char *buf, size_t len)
{
	if (!inet_ntop(family, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

char *cidr_format(const struct sw_cidr *c, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", addr_format(c->family, c->addr, ip, sizeof(ip)), c->prefixlen);
	return buf;
}
