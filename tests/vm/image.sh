#!/bin/bash
# Build (once) the Debian 12 root of the VM tests, cached in the build tree.
#
#   image.sh CACHEDIR KVER    prints the path of the cached root directory
#
# The root is a minbase system with systemd, udev, ifupdown, isc-dhcp-client
# and systemd-networkd (both stacks are installed; the kernel command line
# picks one at boot, see guest/), plus the modules of the cloud kernel KVER
# that boots it. It is keyed by the package list, KVER and IMAGE_VERSION:
# nothing of switchd is in it, so a rebuild of switchd never rebuilds it (the
# binaries, unit and configs are copied in per run, see t-vm.sh).
set -euo pipefail

IMAGE_VERSION=2
PACKAGES=systemd,systemd-sysv,udev,iproute2,kmod,procps,iputils-ping,ifupdown,isc-dhcp-client
PACKAGES+=,libev4,libmnl0,libpcap0.8,libjansson4,libinih1,libsystemd0
MIRROR=${VM_MIRROR:-http://deb.debian.org/debian}

cache=$1 kver=$2
key=$(printf '%s\n' "$IMAGE_VERSION" "$PACKAGES" "$kver" "$MIRROR" | sha256sum | cut -c1-12)
root=$cache/root-$key
if [ -f "$root.done" ]; then
	echo "$root"
	exit 0
fi
mkdir -p "$cache"
rm -rf "$root" "$root.tmp"
start=$(date +%s%N)
echo "vm: building the image (mmdebstrap bookworm minbase, key $key)" >&2
# the VM's own name and an empty machine-id: every boot (-snapshot) is a first boot
mmdebstrap --quiet --variant=minbase --include="$PACKAGES" \
	--customize-hook="mkdir -p \"\$1/lib/modules\" && cp -a /lib/modules/$kver \"\$1/lib/modules/\"" \
	--customize-hook='chroot "$1" systemctl enable systemd-networkd.service >/dev/null 2>&1' \
	--customize-hook='echo switchd-vm >"$1/etc/hostname"; : >"$1/etc/machine-id"' \
	--customize-hook='rm -rf "$1/var/cache/apt/"* "$1/var/lib/apt/lists/"*' \
	bookworm "$root.tmp" "$MIRROR" >&2
mv "$root.tmp" "$root"
touch "$root.done"
# older roots of other keys are of no use any more
find "$cache" -maxdepth 1 -name 'root-*' ! -name "root-$key*" -exec rm -rf {} + 2>/dev/null || true
echo "vm: image built in $(( ($(date +%s%N) - start) / 1000000 )) ms ($(du -sh "$root" | cut -f1))" >&2
echo "$root"
