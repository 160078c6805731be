#!/bin/bash
# How fast does switchd see a NIC's carrier loss? NIC stand-ins are taps whose
# carrier is dropped with TUNSETCARRIER (their events go through linkwatch
# like a real NIC's, not at once like veth's). Another link changes 100 ms
# before each pull, which is when linkwatch delays the event up to a second.
# The same runs with carrier_poll = 10ms, 5ms (the default), 2ms and 0 (netlink events only), side
# by side; the result is printed as a table and a ratio. Not a pass/fail test.
#
# usage (root): tests/bench/failover-detect.sh [PULLS]   (needs a build in ./build)
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SWITCHD=${SWITCHD:-$TOP/build/switchd/switchd}
SWITCHCTL=${SWITCHCTL:-$TOP/build/ctl/switchctl}
PULLS=${1:-10}
NS=swbench-$$
DIR=$(mktemp -d /tmp/swbench.XXXXXX)
cleanup() {
	ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null || true
	sleep 0.2
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
cc -O2 -o "$DIR/tapcarrier" "$TOP/tests/bench/tapcarrier.c"
ip netns add "$NS"
ip -n "$NS" link set lo up

start_tap() { # NAME -> fd 3x writes its carrier
	mkfifo "$DIR/$1.in"
	ip netns exec "$NS" "$DIR/tapcarrier" "$1" <"$DIR/$1.in" >"$DIR/$1.out" &
	eval "exec {fd_$1}>\"$DIR/$1.in\""
	while ! grep -q ready "$DIR/$1.out" 2>/dev/null; do sleep 0.01; done
}
carrier() { # NAME 0|1 -> prints the ms it was set
	local fd="fd_$1" n
	n=$(wc -l <"$DIR/$1.out")
	echo "$2" >&"${!fd}"
	while [ "$(wc -l <"$DIR/$1.out")" = "$n" ]; do sleep 0.001; done
	tail -1 "$DIR/$1.out"
}
for t in eth0 eth1 noise0; do start_tap $t; done
ip -n "$NS" link set noise0 up

run_mode() { # POLL -> one latency (ms) per line in $DIR/lat-POLL
	local poll=$1 sock=$DIR/sw.sock
	cat >"$DIR/sw.conf" <<-EOF
		[nic hweth0]
		name = eth0
		[nic hweth1]
		name = eth1
		[bridge br0]
		ports = hweth0 hweth1
		address = 198.18.9.2/24
		carrier_poll = $poll
		hold_down = 1s
		flap_limit = 100
	EOF
	ip netns exec "$NS" "$SWITCHD" -c "$DIR/sw.conf" -s "$sock" -l stderr >"$DIR/sw-$poll.log" 2>&1 &
	local pid=$!
	while ! ip netns exec "$NS" "$SWITCHCTL" -s "$sock" status >/dev/null 2>&1; do sleep 0.05; done
	ip netns exec "$NS" "$SWITCHCTL" -s "$sock" -j monitor >"$DIR/ev-$poll" &
	local mon=$!
	sleep 0.3
	: >"$DIR/lat-$poll"
	local active=hweth0 next
	for i in $(seq "$PULLS"); do
		# the other tap is the standby; find which tap carries the active name
		if [ "$active" = hweth0 ]; then next=hweth1; else next=hweth0; fi
		carrier noise0 0 >/dev/null; sleep 0.05; carrier noise0 1 >/dev/null
		sleep 0.1
		local n0 t0 t1
		n0=$(grep -c '"type":"swap"' "$DIR/ev-$poll" || true)
		t0=$(carrier "$(tapname "$active")" 0)
		while [ "$(grep -c '"type":"swap"' "$DIR/ev-$poll" || true)" = "$n0" ]; do sleep 0.001; done
		t1=$(date -d "$(grep '"type":"swap"' "$DIR/ev-$poll" | tail -1 | jq -r .time)" +%s%3N)
		echo $((t1 - t0)) >>"$DIR/lat-$poll"
		carrier "$(tapname "$active")" 1 >/dev/null
		active=$next
		sleep 1.2
	done
	kill "$mon" "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
	# the taps keep their service names: the next run adopts them
}
tapname() { [ "$1" = hweth0 ] && echo eth0 || echo eth1; } # the stand-in behind a service name
run_mode 10ms
run_mode 5ms
run_mode 2ms
run_mode 0
stats() { sort -n "$1" | awk '{a[NR]=$1} END {printf "%d %d %d %d\n", a[1], a[int((NR+1)/2)], a[int(NR*0.9+0.5)], a[NR]}'; }
read -r pmin pmed pp90 pmax < <(stats "$DIR/lat-10ms")
read -r fmin fmed fp90 fmax < <(stats "$DIR/lat-5ms")
read -r qmin qmed qp90 qmax < <(stats "$DIR/lat-2ms")
read -r emin emed ep90 emax < <(stats "$DIR/lat-0")
echo
echo "carrier loss -> swap event, $PULLS pulls each (ms; taps as NICs, kernel $(uname -r))"
printf '%-28s %6s %6s %6s %6s\n' mode min median p90 max
printf '%-28s %6s %6s %6s %6s\n' "carrier_poll = 10ms" "$pmin" "$pmed" "$pp90" "$pmax"
printf '%-28s %6s %6s %6s %6s\n' "carrier_poll = 5ms (default)" "$fmin" "$fmed" "$fp90" "$fmax"
printf '%-28s %6s %6s %6s %6s\n' "carrier_poll = 2ms" "$qmin" "$qmed" "$qp90" "$qmax"
printf '%-28s %6s %6s %6s %6s\n' "events only (poll off)" "$emin" "$emed" "$ep90" "$emax"
echo "ratio of medians (events only / default poll): $(awk -v a="$emed" -v b="$fmed" 'BEGIN { printf "%.1f", b ? a / b : 0 }')"
