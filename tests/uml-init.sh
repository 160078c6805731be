#!/bin/bash
# PID 1 of a user-mode-linux guest whose root is the host's / (hostfs), as
# booted by tests/bench/failover-uml.sh and tests/integration/t-vip-tunl0.sh.
# Parameters come from the kernel command line (the kernel hands unknown
# NAME=VALUE words to init as
# environment variables):
#   SWUML_OUT      host directory, mounted (hostfs) at /tmp/out in the guest;
#                  results go there, and "rc" with the exit code of the run
#   SWUML_RUN      program to run (a host path), called with the argument "guest"
#   SWUML_MODULES  comma-separated modules to load from the UML modules
#                  (/usr/lib/uml/modules/<uml version>)
# Anything else (SWUML_PULLS, ...) is left in the environment for SWUML_RUN.
# The guest has no network device to the outside; everything it builds
# (namespaces, veths, bridges, bonds) lives and dies with it. Private tmpfs on
# /run and /tmp keep sockets and netns bind mounts inside the guest.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
rc=1
finish() {
	[ -d /tmp/out ] && [ -w /tmp/out ] && echo "$rc" >/tmp/out/rc
	sync
	poweroff -f
	# not reached; PID 1 must not return
	while :; do sleep 60; done
}
if [ $$ != 1 ]; then
	echo "uml-init.sh: not PID 1; it is the init of a UML guest (see failover-uml.sh)" >&2
	exit 2
fi
trap finish EXIT
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
# the host's /dev (hostfs) opens no device of the guest: switchd's replay
# tap needs the guest's /dev/net/tun
if ! mount -t devtmpfs devtmpfs /dev 2>/dev/null; then
	mount -t tmpfs -o mode=755 tmpfs /dev
	mknod -m 666 /dev/null c 1 3
	mknod -m 666 /dev/zero c 1 5
	mknod -m 444 /dev/urandom c 1 9
fi
mkdir -p /dev/net
[ -e /dev/net/tun ] || mknod -m 666 /dev/net/tun c 10 200
if [ -z "${SWUML_OUT:-}" ] || [ -z "${SWUML_RUN:-}" ]; then
	echo "uml-init: SWUML_OUT and SWUML_RUN must be on the kernel command line" >&2
	exit 2
fi
mkdir -p /tmp/out
mount -t hostfs -o "$SWUML_OUT" hostfs /tmp/out || exit 2
echo started >/tmp/out/started
ip link set lo up
# modprobe -d DIR wants DIR/lib/modules/<version>
kver=$(uname -r)
mkdir -p /tmp/modroot/lib/modules
ln -s "/usr/lib/uml/modules/$kver" "/tmp/modroot/lib/modules/$kver"
for m in ${SWUML_MODULES//,/ }; do
	if ! modprobe -d /tmp/modroot "$m" 2>>/tmp/out/modprobe.err; then
		echo "modprobe $m failed: $(tail -1 /tmp/out/modprobe.err)" >>/tmp/out/modprobe.failed
	fi
done
echo "$kver" >/tmp/out/uname
cd /tmp || exit 2
"$SWUML_RUN" guest
rc=$?
exit "$rc"
