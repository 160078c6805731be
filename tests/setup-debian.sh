#!/bin/bash
# Set up a Debian 12 machine for switchd: install what the build, the tests
# and the demo use (only what is missing), then configure and build in
# BUILDDIR (default ./build). Run as root from the source tree. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILDDIR=${BUILDDIR:-build}
PACKAGES=(build-essential autoconf automake libtool pkg-config
	libmnl-dev libev-dev libpcap-dev libjansson-dev libinih-dev libcriterion-dev
	iproute2 iputils-ping socat jq valgrind procps kmod arping tcpdump user-mode-linux)
# tests/vm: a Debian 12 VM under QEMU (TCG), its image (mmdebstrap, mkfs.ext4 -d),
# its kernel (only the files: it is not booted here) and DHCP on the upstream side
PACKAGES+=(qemu-system-x86 mmdebstrap linux-image-cloud-amd64 dnsmasq-base e2fsprogs)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
	echo "setup: all packages present"
fi
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	echo "setup: autoreconf"
	autoreconf -fi >/dev/null 2>&1
fi
mkdir -p "$BUILDDIR"
cd "$BUILDDIR"
if [ ! -f Makefile ] || [ ../configure -nt Makefile ]; then
	echo "setup: configure in $BUILDDIR"
	../configure -q
fi
echo "setup: make"
make -s -j"$(nproc)"
