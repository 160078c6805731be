# Integration test library (sourced). Each test builds its own network
# namespaces with veth pairs standing in for NICs and cables, runs the real
# switchd there, checks the kernel's state, and removes everything on exit.
# Nothing here touches the root namespace.
#
# Environment (set by `make check`): SWITCHD, SWITCHCTL, TOP_SRCDIR;
# VALGRIND_TESTS=1 runs every switchd under valgrind.
set -u

SWITCHD=${SWITCHD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/switchd/switchd}
SWITCHCTL=${SWITCHCTL:-$(dirname "$SWITCHD")/../ctl/switchctl}
TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
TEST_NAME=$(basename "$0" .sh)
NS_PREFIX="swt-$$-"
CHECKS=0
FAILS=0
CLEANUPS=()
NAMESPACES=()

skip() { echo "SKIP: $TEST_NAME: $*" >&2; exit 77; }

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	for t in ip jq unshare; do
		command -v "$t" >/dev/null || skip "needs $t (tests/setup-debian.sh installs it)"
	done
	[ -x "$SWITCHD" ] || skip "no switchd binary at $SWITCHD"
}

# the switches' chatter (LLDP, ARP, DHCP discovers) of the cable tests
require_cable_send() {
	CABLE_SEND=${CABLE_SEND:-$(dirname "$SWITCHD")/../tests/integration/cable-send}
	[ -x "$CABLE_SEND" ] || skip "no cable-send helper at $CABLE_SEND"
}

defer() { CLEANUPS+=("$*"); }

run_cleanups() {
	local i
	for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${CLEANUPS[$i]}" >/dev/null 2>&1 || true
	done
}

on_exit() {
	local rc=$?
	run_cleanups
	exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT TERM

TESTDIR=$(mktemp -d "/tmp/$TEST_NAME.XXXXXX")
defer "rm -rf '$TESTDIR'"

ns_name() { echo "$NS_PREFIX$1"; }

ns_create() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns" || { echo "cannot create namespace $ns" >&2; exit 1; }
		defer "ns_destroy '$ns'"
		ip -n "$ns" link set lo up
		NAMESPACES+=("$ns")
	done
}

ns_destroy() {
	local pids
	pids=$(ip netns pids "$1" 2>/dev/null)
	[ -n "$pids" ] && kill $pids 2>/dev/null
	sleep 0.05
	pids=$(ip netns pids "$1" 2>/dev/null)
	[ -n "$pids" ] && kill -9 $pids 2>/dev/null
	ip netns del "$1"
}

# nic_add HOSTNS NAME PEERNS PEERNAME [MAC]: a NIC and its cable (both ends up).
nic_add() {
	local hns=$1 name=$2 pns=$3 peer=$4 mac=${5:-}
	ip -n "$hns" link add "$name" ${mac:+address $mac} type veth peer name "$peer" netns "$pns"
	ip -n "$hns" link set "$name" up
	ip -n "$pns" link set "$peer" up
}

# switch_add NS ADDR/LEN: the upstream switch of a test, a bridge "sw" (up)
# that also carries a client's address. Its MAC is set, as a switch's is:
# otherwise a bridge takes its smallest port's, and a port added later with a
# smaller (random) MAC changes it, which flushes the client's ARP cache.
switch_add() {
	ip -n "$1" link add sw address 02:00:c6:12:ff:fe type bridge
	ip -n "$1" link set sw up
	ip -n "$1" addr add "$2" dev sw
}

# cable HOSTNS NIC SWITCHNS PORT [MAC]: a NIC cabled to a port of switch sw.
cable() {
	nic_add "$@"
	ip -n "$3" link set "$4" master sw
}

# busywait TIMEOUT_MS CMD...: until CMD succeeds (0) or the time is up (1).
busywait() {
	local timeout=$1; shift
	local start now
	start=$(date +%s%3N)
	while true; do
		"$@" >/dev/null 2>&1 && return 0
		now=$(date +%s%3N)
		[ $((now - start)) -ge "$timeout" ] && return 1
		sleep 0.02
	done
}

# switchd_start NS CONF [ARGS...]: start the daemon in NS; sets SOCK, LOG, PID.
switchd_start() {
	local ns=$1 conf=$2; shift 2
	SOCK=$TESTDIR/switchd-$ns.sock
	LOG=$TESTDIR/switchd-$ns.log
	VGLOG=$TESTDIR/valgrind-$ns.log
	local pre=()
	if [ "${VALGRIND_TESTS:-0}" = 1 ]; then
		pre=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect
		     --show-leak-kinds=definite,indirect --error-exitcode=99 --log-file="$VGLOG")
	fi
	ip netns exec "$ns" "${pre[@]}" "$SWITCHD" -c "$conf" -s "$SOCK" -l stderr "$@" >"$LOG" 2>&1 &
	PID=$!
	defer "switchd_stop"
	if ! busywait 20000 ip netns exec "$ns" "$SWITCHCTL" -s "$SOCK" status; then
		echo "switchd did not come up; its log:" >&2
		cat "$LOG" >&2
		fail "switchd start in $ns"
		return 1
	fi
}

# switchd_stop: TERM, wait, and check valgrind's verdict.
switchd_stop() {
	[ -n "${PID:-}" ] || return 0
	kill -TERM "$PID" 2>/dev/null
	local rc=0
	wait "$PID" 2>/dev/null || rc=$?
	PID=
	if [ "${VALGRIND_TESTS:-0}" = 1 ] && [ -s "${VGLOG:-/dev/null}" ]; then
		echo "valgrind found errors in switchd:" >&2
		cat "$VGLOG" >&2
		FAILS=$((FAILS + 1))
	fi
	if [ "$rc" != 0 ] && [ "$rc" != 143 ]; then
		echo "switchd exited with $rc; its log:" >&2
		cat "$LOG" >&2
		FAILS=$((FAILS + 1))
	fi
	return 0
}

# arp_replies NS IFACE IP: send one ARP request for IP out of IFACE and print
# the MACs that answered (a capture on IFACE; sorted, space separated).
arp_replies() {
	local ns=$1 ifc=$2 ip=$3 cap=$TESTDIR/arp-$RANDOM
	ip netns exec "$ns" timeout 5 tcpdump -i "$ifc" -e -n -l -U "arp[6:2] = 2" >"$cap" 2>"$cap.err" &
	local tpid=$!
	busywait 3000 grep -q "listening on" "$cap.err"
	ip netns exec "$ns" arping -q -c 1 -w 1 -I "$ifc" "$ip" >/dev/null 2>&1
	sleep 0.3
	kill "$tpid" 2>/dev/null; wait "$tpid" 2>/dev/null
	grep -o "Reply $ip is-at [0-9a-f:]*" "$cap" | awk '{print $4}' | sort -u | tr '\n' ' ' | sed 's/ $//'
}

sctl() { local ns=$1; shift; ip netns exec "$ns" "$SWITCHCTL" -s "$SOCK" "$@"; }

pass() { CHECKS=$((CHECKS + 1)); echo "ok - $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL - $*" >&2; }

check_eq() { # check_eq WHAT EXPECTED ACTUAL
	if [ "$2" == "$3" ]; then pass "$1"; else fail "$1: expected '$2', got '$3'"; fi
}
check_match() { # check_match WHAT REGEX TEXT
	if [[ $3 =~ $2 ]]; then pass "$1"; else fail "$1: expected /$2/ in: $3"; fi
}
check_cmd() { # check_cmd WHAT CMD... (must succeed)
	local what=$1; shift
	if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what: '$*' failed"; fi
}

report() {
	switchd_stop
	echo "$TEST_NAME: $CHECKS checks, $FAILS failed"
	[ "$FAILS" = 0 ]
	exit $?
}

# Kernel state through ip -j / jq.
link_master() { ip -n "$1" -j link show dev "$2" 2>/dev/null | jq -r '.[0].master // ""'; }
link_mac() { ip -n "$1" -j link show dev "$2" | jq -r '.[0].address'; }
link_kind() { ip -n "$1" -d -j link show dev "$2" | jq -r '.[0].linkinfo.info_kind // ""'; }
link_ifindex() { ip -n "$1" -j link show dev "$2" | jq -r '.[0].ifindex'; }
link_exists() { ip -n "$1" link show dev "$2" >/dev/null 2>&1; }
link_up() { ip -n "$1" -j link show dev "$2" | jq -e '.[0].flags | index("UP")' >/dev/null; }
addrs_of() { # global addresses, sorted, one line
	ip -n "$1" -j addr show dev "$2" |
		jq -r '.[0].addr_info[] | select(.scope != "link") | "\(.local)/\(.prefixlen)"' | sort | tr '\n' ' ' | sed 's/ $//'
}
routes_of() { # non-kernel routes through a device
	ip -n "$1" -j route show dev "$2" |
		jq -r '.[] | select(.protocol != "kernel") | "\(.dst) \(.gateway // "") \(.metric // 0)"' | sort | tr '\n' ';'
}
