#!/bin/bash
# Build (once) the Debian 12 root of the VM tests, cached in the build tree.
#
#   image.sh CACHEDIR    prints the path of the cached root directory
#
# The root is a minbase system with systemd, udev, ifupdown, isc-dhcp-client
# and systemd-networkd (both stacks are installed; the kernel command line
# picks one at boot, see guest/), plus Debian's cloud kernel (6.1) that boots
# it: its package is unpacked into the root (its files, then depmod), not
# installed, so no initrd is made (none is needed: the root is on NVMe, which
# this kernel has built in) and nothing of the host's /boot changes. The VM
# boots ROOT/boot/vmlinuz-*. It is keyed by the package list, the mirror and
# IMAGE_VERSION: nothing of switchd is in it, so a rebuild of switchd never
# rebuilds it (the binaries, unit and configs are copied in per run, see
# lib-vm.sh).
set -euo pipefail

IMAGE_VERSION=3
PACKAGES=systemd,systemd-sysv,udev,iproute2,kmod,procps,iputils-ping,ifupdown,isc-dhcp-client
PACKAGES+=,libev4,libmnl0,libpcap0.8,libjansson4,libinih1,libsystemd0
KERNEL=linux-image-cloud-amd64
MIRROR=${VM_MIRROR:-http://deb.debian.org/debian}

cache=$1
key=$(printf '%s\n' "$IMAGE_VERSION" "$PACKAGES" "$KERNEL" "$MIRROR" | sha256sum | cut -c1-12)
root=$cache/root-$key
if [ -f "$root.done" ]; then
	echo "$root"
	exit 0
fi
mkdir -p "$cache"
rm -rf "$root" "$root.tmp"
start=$(date +%s%N)
echo "vm: building the image (mmdebstrap bookworm minbase and $KERNEL, key $key)" >&2
# the kernel: the versioned package the metapackage depends on, downloaded
# by the chroot's apt and unpacked; the VM's own name and an empty
# machine-id: every boot (-snapshot) is a first boot
mmdebstrap --quiet --variant=minbase --include="$PACKAGES" \
	--customize-hook="chroot \"\$1\" sh -c 'cd /tmp && apt-get download -q=2 \$(apt-cache depends $KERNEL | sed -n \"s/^ *Depends: \\(linux-image-[0-9].*\\)/\\1/p\" | head -1)'" \
	--customize-hook='dpkg-deb --fsys-tarfile "$1"/tmp/linux-image-*.deb | tar -x --keep-directory-symlink -C "$1" && rm -f "$1"/tmp/linux-image-*.deb' \
	--customize-hook='for m in "$1"/lib/modules/*; do chroot "$1" /sbin/depmod -a "${m##*/}"; done' \
	--customize-hook='chroot "$1" systemctl enable systemd-networkd.service >/dev/null 2>&1' \
	--customize-hook='echo switchd-vm >"$1/etc/hostname"; : >"$1/etc/machine-id"' \
	--customize-hook='rm -rf "$1/var/cache/apt/"* "$1/var/lib/apt/lists/"*' \
	bookworm "$root.tmp" "$MIRROR" >&2
compgen -G "$root.tmp/boot/vmlinuz-*" >/dev/null || { echo "vm: no kernel in the image ($KERNEL)" >&2; exit 1; }
mv "$root.tmp" "$root"
touch "$root.done"
# older roots of other keys are of no use any more
find "$cache" -maxdepth 1 -name 'root-*' ! -name "root-$key*" -exec rm -rf {} + 2>/dev/null || true
echo "vm: image built in $(( ($(date +%s%N) - start) / 1000000 )) ms ($(du -sh "$root" | cut -f1), kernel $(ls "$root/boot" | sed -n 's/^vmlinuz-//p'))" >&2
echo "$root"
