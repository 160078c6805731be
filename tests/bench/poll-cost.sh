#!/bin/bash
# What the carrier poll costs: switchd's CPU time over 10 s, idle, one bridge
# with an active uplink and a standby (veth), for several carrier_poll
# values, in one run (from /proc/PID/schedstat: time on CPU in ns).
# usage (root): tests/bench/poll-cost.sh [SECONDS]   (needs a build in ./build)
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SWITCHD=${SWITCHD:-$TOP/build/switchd/switchd}
SECS=${1:-10}
NS=swpc$$
DIR=$(mktemp -d /tmp/swpc.XXXXXX)
cleanup() {
	ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null || true
	sleep 0.2
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add eth0 address 02:00:c6:12:07:10 type veth peer name up0
ip -n "$NS" link add eth1 address 02:00:c6:12:07:11 type veth peer name up1
for d in eth0 eth1 up0 up1; do ip -n "$NS" link set "$d" up; done
echo "switchd CPU time, idle, ${SECS} s, one active uplink (kernel $(uname -r))"
for p in 0 10ms 5ms 2ms 1ms; do
	cat >"$DIR/pc.conf" <<-EOC
		[nic hweth0]
		mac = 02:00:c6:12:07:10
		[nic hweth1]
		mac = 02:00:c6:12:07:11
		[bridge eth0]
		ports = hweth0 hweth1
		carrier_poll = $p
	EOC
	ip netns exec "$NS" "$SWITCHD" -c "$DIR/pc.conf" -s "$DIR/pc.sock" -l stderr >/dev/null 2>&1 &
	pid=$!
	sleep 3
	a=$(awk '{print $1}' "/proc/$pid/schedstat")
	sleep "$SECS"
	b=$(awk '{print $1}' "/proc/$pid/schedstat")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	awk -v p="$p" -v d=$((b - a)) -v s="$SECS" \
		'BEGIN { printf "carrier_poll = %-5s %7.1f ms CPU  (%.2f%% of a core)\n", p, d / 1e6, d / 1e7 / s }'
done
