#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tap.h"

int tap_create(const char *name, bool has_uid, uid_t uid, bool has_gid, gid_t gid, char *err,
	       size_t errlen)
{
	struct ifreq ifr;
	int fd, ret = 0;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "/dev/net/tun: %s", strerror(errno));
		return ret;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	/* IFF_TUN_EXCL: never take over a device of the same name */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		ret = -errno;
		snprintf(err, errlen, "tap %s: %s", name,
			 errno == EBUSY ? "a device with this name exists" : strerror(errno));
		goto out;
	}
	if (has_uid && ioctl(fd, TUNSETOWNER, (unsigned long)uid) < 0) {
		ret = -errno;
		snprintf(err, errlen, "tap %s: set owner %u: %s", name, (unsigned)uid, strerror(errno));
		goto out;
	}
	if (has_gid && ioctl(fd, TUNSETGROUP, (unsigned long)gid) < 0) {
		ret = -errno;
		snprintf(err, errlen, "tap %s: set group %u: %s", name, (unsigned)gid, strerror(errno));
		goto out;
	}
	if (ioctl(fd, TUNSETPERSIST, 1UL) < 0) {
		ret = -errno;
		snprintf(err, errlen, "tap %s: make persistent: %s", name, strerror(errno));
	}
out:
	/* without TUNSETPERSIST, closing the last fd unregisters the device */
	close(fd);
	return ret;
}
