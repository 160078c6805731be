#!/bin/bash
# Set up a Debian 12 machine for switchd: install what the build, the tests
# and the demo use (only what is missing), then configure and build in
# BUILDDIR (default ./build). Run as root from the source tree. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILDDIR=${BUILDDIR:-build}
# What is installed and why, one group a line (PACKAGES is all of them).
GROUPS_=(
	"build:build-essential autoconf automake libtool pkg-config"
	"libraries switchd links with:libmnl-dev libev-dev libpcap-dev libjansson-dev libinih-dev libcap-ng-dev"
	"unit tests:libcriterion-dev"
	"fuzz targets (libFuzzer; the runtime is only recommended by clang):clang libclang-rt-14-dev"
	"integration tests and the demo (namespaces, captures, valgrind):iproute2 iputils-ping socat jq valgrind procps kmod arping tcpdump"
	"the hook tests (a pre-up hook loads a firewall rule; the example hook):nftables"
	"make install's unit and completion directories:systemd bash-completion"
	"tests that need a kernel this one lacks, and the VM tests' UML guest (user-mode-linux):user-mode-linux"
	# (the VM's kernel is unpacked into its image by tests/vm/image.sh, not
	# installed here: nothing in this machine's /boot or boot menu changes)
	"the Debian VM tests, tests/vm (QEMU under TCG, the VM's image, DHCP upstream):qemu-system-x86 mmdebstrap dnsmasq-base e2fsprogs"
)
PACKAGES=()
for g in "${GROUPS_[@]}"; do
	read -r -a pkgs <<<"${g#*:}"
	PACKAGES+=("${pkgs[@]}")
done

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
for g in "${GROUPS_[@]}"; do
	want=()
	read -r -a pkgs <<<"${g#*:}"
	for p in "${pkgs[@]}"; do
		installed "$p" || want+=("$p")
	done
	[ ${#want[@]} -gt 0 ] && echo "setup: for ${g%%:*}: ${want[*]}"
	missing+=("${want[@]}")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${#missing[@]} packages and what they need (about 0.5 GiB on a minimal system)"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	# apt's own progress, one line per step (no terminal needed)
	apt-get install -y --no-install-recommends -o Dpkg::Progress-Fancy=0 "${missing[@]}"
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
