#!/bin/bash
# Failover outage, switchd and a naive peer side by side in one run (veth
# cables). A client on the upstream switch sends sequence-numbered UDP every
# 1 ms to the host and to a guest behind the host's bridge; each cable pull
# of the active NIC is one outage = the longest hole in what arrives.
# Peers: switchd (defaults), and "naive": a bridge plus a shell loop on
# `ip monitor link` that re-attaches on carrier loss. Prints a table and the
# ratio of medians. Not a pass/fail test.
#
# usage (root): tests/bench/failover.sh [PULLS]   (needs a build in ./build)
# Not yet here (issue 3): the tap-relay NIC stand-in cables, Open vSwitch
# active-backup, and bonding/teamd under user-mode-linux.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SWITCHD=${SWITCHD:-$TOP/build/switchd/switchd}
SWITCHCTL=${SWITCHCTL:-$TOP/build/ctl/switchctl}
PULLS=${1:-20}
P=swfb$$
DIR=$(mktemp -d /tmp/swfb.XXXXXX)
cleanup() {
	for ns in $P-h $P-u $P-c $P-g; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
	done
	sleep 0.2
	for ns in $P-h $P-u $P-c $P-g; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$DIR"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
cc -O2 -o "$DIR/udpseq" "$TOP/tests/bench/udpseq.c"

lab() {
	for ns in $P-h $P-u $P-c $P-g; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
	ip -n $P-u link add sw type bridge
	ip -n $P-u link set sw up
	ip -n $P-h link add eth0 address 02:00:c6:12:05:10 type veth peer name up0 netns $P-u
	ip -n $P-h link add eth1 address 02:00:c6:12:05:11 type veth peer name up1 netns $P-u
	ip -n $P-c link add eth0 type veth peer name upc netns $P-u
	for p in up0 up1 upc; do ip -n $P-u link set $p master sw up; done
	ip -n $P-h link set eth0 up
	ip -n $P-h link set eth1 up
	ip -n $P-h addr add 198.18.5.2/24 dev eth0
	ip -n $P-c link set eth0 up
	ip -n $P-c addr add 198.18.5.1/24 dev eth0
	ip -n $P-h link add vnet0 type veth peer name eth0 netns $P-g
	ip -n $P-h link set vnet0 up
	ip -n $P-g link set eth0 up
	ip -n $P-g addr add 198.18.5.77/24 dev eth0
}

naive_start() {
	# the naive way: the bridge by hand, then re-attach on carrier loss
	ip netns exec $P-h bash -c '
		ip link set eth0 name hweth0; ip link set eth1 name hweth1
		ip link add eth0 address 02:00:c6:12:05:10 type bridge
		ip link set eth0 up; ip link set vnet0 master eth0
		ip addr del 198.18.5.2/24 dev hweth0; ip addr add 198.18.5.2/24 dev eth0
		ip link set hweth0 master eth0'
	ip netns exec $P-h bash -c '
		ip monitor link | while read -r line; do
			case $line in *hweth[01]*NO-CARRIER*master\ eth0*) ;; *) continue ;; esac
			dead=$(echo "$line" | grep -o "hweth[01]" | head -1)
			[ "$dead" = hweth0 ] && other=hweth1 || other=hweth0
			ip link set "$other" master eth0; ip link set "$dead" nomaster
		done' &
}

switchd_start() {
	cat >"$DIR/sw.conf" <<-EOF
		[nic hweth0]
		mac = 02:00:c6:12:05:10
		[nic hweth1]
		mac = 02:00:c6:12:05:11
		[bridge eth0]
		ports = hweth0 hweth1
		guests = vnet*
	EOF
	ip netns exec $P-h "$SWITCHD" -c "$DIR/sw.conf" -s "$DIR/sw.sock" -l stderr ${SWITCHD_ARGS:-} >"$DIR/sw.log" 2>&1 &
	while ! ip netns exec $P-h "$SWITCHCTL" -s "$DIR/sw.sock" status >/dev/null 2>&1; do sleep 0.05; done
}

active() { ip -n $P-h -j link show master eth0 | jq -r '.[].ifname' | grep hweth | head -1; }

run() { # PEER
	lab
	"$1"_start
	sleep 0.5
	ip netns exec $P-h "$DIR/udpseq" recv 9000 >"$DIR/$1-host" &
	ip netns exec $P-g "$DIR/udpseq" recv 9000 >"$DIR/$1-guest" &
	ip netns exec $P-c "$DIR/udpseq" send 198.18.5.2 9000 1000 &
	ip netns exec $P-c "$DIR/udpseq" send 198.18.5.77 9000 1000 &
	sleep 1
	for i in $(seq "$PULLS"); do
		a=$(active)
		[ "$a" = hweth0 ] && cable=up0 || cable=up1
		ip -n $P-u link set $cable down
		sleep 0.6
		ip -n $P-u link set $cable up
		sleep 0.6
	done
	sleep 0.5
	cleanup_lab
}
cleanup_lab() {
	[ -n "${KEEP:-}" ] && { cp "$DIR"/*-guest "$DIR"/*-host /tmp/ 2>/dev/null; cp "$DIR/sw.log" /tmp/bench-sw.log 2>/dev/null; }
	for ns in $P-h $P-u $P-c $P-g; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
	done
	sleep 0.3
	for ns in $P-h $P-u $P-c $P-g; do ip netns del "$ns" 2>/dev/null || true; done
}

# per-pull outage: the gaps > 2 ms (a pull without one counts 1 ms)
stats() {
	awk -v n="$PULLS" '/^gap/ { g[++k] = $2 } END {
		for (i = k + 1; i <= n; i++) g[i] = 1
		m = n; for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (g[j] < g[i]) { t = g[i]; g[i] = g[j]; g[j] = t }
		printf "%.0f %.0f %.0f %.0f %d\n", g[1], g[int((m + 1) / 2)], g[int(m * 0.9 + 0.5)], g[m], k }' "$1"
}

run switchd
run naive
echo
echo "failover outage per cable pull, $PULLS pulls, veth cables, UDP every 1 ms (ms)"
printf '%-18s %-6s %6s %6s %6s %6s %s\n' peer target min median p90 max holes
for peer in switchd naive; do
	for t in host guest; do
		read -r mn md p9 mx k < <(stats "$DIR/$peer-$t")
		printf '%-18s %-6s %6s %6s %6s %6s %s\n' "$peer" "$t" "$mn" "$md" "$p9" "$mx" "$k"
		eval "med_${peer}_$t=$md"
	done
done
echo "ratio of medians naive/switchd: host $(awk -v a="$med_naive_host" -v b="$med_switchd_host" 'BEGIN{printf "%.1f", a/(b?b:1)}'), guest $(awk -v a="$med_naive_guest" -v b="$med_switchd_guest" 'BEGIN{printf "%.1f", a/(b?b:1)}')"
