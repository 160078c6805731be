#!/bin/bash
# The demo lab: a host with two NICs (eth0, eth1) cabled to an upstream switch,
# and a client on that switch. Everything lives in network namespaces created
# here and removed on exit; the root namespace is never touched.
#
#   lab.sh demo   run the demo: convert the host, swap NICs under a ping
#   lab.sh up     build the lab and leave it (ip netns exec swlab-host bash)
#   lab.sh down   remove it
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
SWITCHD=${SWITCHD:-$TOP/build/switchd/switchd}
SWITCHCTL=${SWITCHCTL:-$TOP/build/ctl/switchctl}
CONF=${CONF:-$TOP/conf/lab.conf}
HOST=swlab-host UP=swlab-switch CLIENT=swlab-client
RUN=/tmp/swlab
SOCK=$RUN/switchd.sock

# bold headings on a terminal only: a log or a pipe gets plain text
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD= PLAIN=; fi
say() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$PLAIN"; }
in_host() { ip netns exec "$HOST" "$@"; }

down() {
	[ -f "$RUN/switchd.pid" ] && kill "$(cat "$RUN/switchd.pid")" 2>/dev/null || true
	for ns in "$CLIENT" "$UP" "$HOST"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$RUN"
}

up() {
	[ "$(id -u)" = 0 ] || { echo "lab.sh: needs root (network namespaces)" >&2; exit 1; }
	down
	mkdir -p "$RUN"
	for ns in "$HOST" "$UP" "$CLIENT"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
	# the upstream switch
	ip -n "$UP" link add sw type bridge
	ip -n "$UP" link set sw up
	# the host's NICs and their cables
	ip -n "$HOST" link add eth0 address 02:00:c6:12:00:10 type veth peer name port1 netns "$UP"
	ip -n "$HOST" link add eth1 address 02:00:c6:12:00:11 type veth peer name port2 netns "$UP"
	# the client
	ip -n "$CLIENT" link add eth0 address 02:00:c6:12:00:99 type veth peer name port3 netns "$UP"
	for p in port1 port2 port3; do ip -n "$UP" link set "$p" master sw up; done
	ip -n "$HOST" link set eth0 up
	ip -n "$HOST" link set eth1 up
	ip -n "$CLIENT" link set eth0 up
	ip -n "$HOST" addr add 198.18.0.2/24 dev eth0
	ip -n "$HOST" addr add 2001:db8::2/64 dev eth0 nodad
	ip -n "$HOST" route add default via 198.18.0.1
	ip -n "$CLIENT" addr add 198.18.0.1/24 dev eth0
	ip -n "$CLIENT" addr add 2001:db8::1/64 dev eth0 nodad
}

start_switchd() {
	in_host "$SWITCHD" -c "$CONF" -s "$SOCK" -l stderr >"$RUN/switchd.log" 2>&1 &
	echo $! >"$RUN/switchd.pid"
	for _ in $(seq 100); do
		in_host "$SWITCHCTL" -s "$SOCK" status >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "lab.sh: switchd did not start; its log:" >&2
	cat "$RUN/switchd.log" >&2
	exit 1
}

demo() {
	[ -x "$SWITCHD" ] || { echo "lab.sh: no switchd at $SWITCHD (build first)" >&2; exit 1; }
	trap down EXIT
	up
	say "The host before switchd: its NIC eth0 carries the address"
	in_host ip -br link show type veth
	in_host ip -br addr show dev eth0
	say "switchd --plan: what it will do (changes nothing)"
	in_host "$SWITCHD" -c "$CONF" --plan
	say "Starting switchd with conf/lab.conf"
	start_switchd
	in_host ip -br link
	in_host ip -br addr show dev eth0
	say "switchctl show"
	in_host "$SWITCHCTL" -s "$SOCK" show
	say "A ping every 10 ms from the client while the bridge moves to hweth1"
	ip netns exec "$CLIENT" ping -i 0.01 -w 3 -W 1 198.18.0.2 >"$RUN/ping.log" 2>&1 &
	ping=$!
	sleep 1
	in_host "$SWITCHCTL" -s "$SOCK" swap eth0 hweth1
	wait "$ping" || true
	tail -2 "$RUN/ping.log"
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$RUN/ping.log")
	got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$RUN/ping.log")
	echo "packets lost during the swap: $((sent - got)) of $sent"
	say "switchctl show, after the swap"
	in_host "$SWITCHCTL" -s "$SOCK" show
	say "switchd's log"
	cat "$RUN/switchd.log"
	say "Cleaning up: stopping switchd and removing the lab's namespaces"
}

case ${1:-demo} in
demo) demo ;;
up) up; start_switchd; echo "lab is up: ip netns exec $HOST bash; switchctl -s $SOCK show" ;;
down) down ;;
*) echo "usage: lab.sh demo|up|down" >&2; exit 2 ;;
esac
