#!/bin/bash
# Every netlink change of a conversion, a reload and a swap made to fail in
# turn (SWITCHD_FAULT_NL=N, a hook of test builds): after each run every
# address and route is where it was or on the bridge, never lost, nothing is
# half-done (the failed group rolled back), and switchd still answers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
grep -q SWITCHD_FAULT_NL "$SWITCHD" ||
	skip "switchd was built without --enable-fault-injection (the sanitizer build in .ci/run has it)"

MAX_RUNS=80
BEFORE_ADDRS="198.18.0.2/24 2001:db8::2/64"

# a fresh lab: eth0 (v4, v6, default route, a route with metric 50), eth1
lab() {
	[ -n "${HOST:-}" ] && { ns_destroy "$HOST"; ns_destroy "$UP"; }
	topo_uplink
	cat >>"$CONF" <<-EOF2
		[bridge int0]
		address = 198.18.254.1/24
		[tap ft0]
		bridge = int0
		[tap ft1]
		bridge = int0
	EOF2
	BEFORE_ROUTES=$(routes_of "$HOST" eth0)
}

# What the host may look like: eth0 untouched (its group rolled back, or
# never reached) or converted, nothing in between. Prints what is wrong.
eth0_whole() {
	local kind addrs routes
	kind=$(link_kind "$HOST" eth0)
	addrs=$(addrs_of "$HOST" eth0)
	routes=$(routes_of "$HOST" eth0)
	[ "$addrs" = "$BEFORE_ADDRS" ] || { echo "eth0 ($kind) has addresses '$addrs'"; return 1; }
	[ "$routes" = "$BEFORE_ROUTES" ] || { echo "eth0 ($kind) has routes '$routes'"; return 1; }
	case $kind in
	veth)
		! link_exists "$HOST" hweth0 || { echo "eth0 is the NIC, but hweth0 exists"; return 1; }
		[ "$(link_kind "$HOST" eth1)" = veth ] || { echo "eth0 rolled back, eth1 not"; return 1; }
		! link_exists "$HOST" hweth1 || { echo "eth0 rolled back, hweth1 exists"; return 1; }
		! link_exists "$HOST" eth0 ||
			[ -z "$(ip -n "$HOST" -j link show type bridge | jq -r '.[].ifname' | grep -v '^int0$')" ] ||
			{ echo "eth0 rolled back, a bridge is left"; return 1; } ;;
	bridge)
		[ -z "$(addrs_of "$HOST" hweth0)" ] || { echo "hweth0 still has $(addrs_of "$HOST" hweth0)"; return 1; }
		[ -z "$(routes_of "$HOST" hweth0)" ] || { echo "hweth0 still has routes"; return 1; }
		local up=0 p
		for p in hweth0 hweth1; do
			[ "$(link_master "$HOST" $p)" = eth0 ] && up=$((up + 1))
		done
		[ "$up" = 1 ] || { echo "bridge eth0 has $up uplinks attached"; return 1; } ;;
	*)
		echo "eth0 is '$kind'"; return 1 ;;
	esac
}

# A bridge with a configured address: absent or whole.
bridge_whole() { # NAME CIDR
	link_exists "$HOST" "$1" || return 0
	[ "$(link_kind "$HOST" "$1")" = bridge ] && [ "$(addrs_of "$HOST" "$1")" = "$2" ] ||
		{ echo "$1: $(link_kind "$HOST" "$1") with '$(addrs_of "$HOST" "$1")'"; return 1; }
}

# A tap (its alias, attach and up share a batch with others): absent, or
# attached to int0, up and switchd's; never without its bridge.
tap_whole() { # NAME
	link_exists "$HOST" "$1" || return 0
	[ "$(link_master "$HOST" "$1")" = int0 ] &&
		ip -n "$HOST" -o link show "$1" | grep -q '<[^>]*\bUP\b' &&
		ip -n "$HOST" -d link show "$1" | grep -q 'alias switchd' ||
		{ echo "tap $1 is half-made: $(ip -n "$HOST" -o link show "$1")"; return 1; }
}

host_whole() {
	eth0_whole && bridge_whole int0 198.18.254.1/24 && bridge_whole int1 198.18.253.1/24 &&
		tap_whole ft0 && tap_whole ft1
}

# After run N of PHASE: switchd alive and answering, the host whole (a
# re-applied config may still be running: wait for it, up to 5 s).
check_run() { # PHASE N
	local why
	if ! kill -0 "$PID" 2>/dev/null || ! sctl "$HOST" status >/dev/null 2>&1; then
		fail "$1, fault $2: switchd is gone or does not answer; log:"
		cat "$LOG" >&2
		return
	fi
	if why=$(host_whole) || { busywait 5000 host_whole && why=$(host_whole); }; then
		RUNS_OK=$((RUNS_OK + 1))
	else
		fail "$1, fault $2: $why"
		grep -E "fault|undone|failed|rollback" "$LOG" >&2
	fi
}

injected() { grep -q "fault injection: request" "$LOG"; }

# runs PHASE: N = 1.. until a run gets no fault (all changes had theirs)
phase_end() { # PHASE RUNS
	check_cmd "$1: every one of its $2 netlink changes failed once, host whole each time ($RUNS_OK runs)" \
		test "$RUNS_OK" = "$2"
}

# ---- a conversion --------------------------------------------------------
RUNS_OK=0
n=1
while [ $n -le $MAX_RUNS ]; do
	lab
	SWITCHD_FAULT_NL=$n switchd_start "$HOST" "$CONF" || break
	injected || { switchd_stop; break; }
	check_run conversion $n
	switchd_stop
	n=$((n + 1))
done
phase_end conversion $((n - 1))
check_cmd "conversion: without a fault left, the host is converted" test "$(link_kind "$HOST" eth0)" = bridge
check_cmd "conversion: without a fault left, the taps are attached" test "$(link_master "$HOST" ft1)" = int0

# ---- a reload that adds a bridge -----------------------------------------
lab
switchd_start "$HOST" "$CONF"
switchd_stop
cp "$CONF" "$TESTDIR/before-reload.conf"
RUNS_OK=0
n=1
while [ $n -le $MAX_RUNS ]; do
	ip -n "$HOST" link del int1 2>/dev/null
	cp "$TESTDIR/before-reload.conf" "$CONF"
	SWITCHD_FAULT_NL=$n switchd_start "$HOST" "$CONF" || break
	printf '[bridge int1]\naddress = 198.18.253.1/24\n' >>"$CONF"
	sctl "$HOST" reload >/dev/null 2>&1
	busywait 3000 bash -c "grep -q 'fault injection: request' '$LOG' || ip -n '$HOST' -4 addr show dev int1 | grep -q 198.18.253.1"
	injected || { switchd_stop; break; }
	check_run reload $n
	switchd_stop
	n=$((n + 1))
done
phase_end reload $((n - 1))

# ---- a swap --------------------------------------------------------------
RUNS_OK=0
n=1
while [ $n -le $MAX_RUNS ]; do
	# back to hweth0 active, as the conversion left it
	ip -n "$HOST" link set hweth1 nomaster 2>/dev/null
	ip -n "$HOST" link set hweth0 master eth0 2>/dev/null
	SWITCHD_FAULT_NL=$n switchd_start "$HOST" "$CONF" || break
	sctl "$HOST" swap eth0 hweth1 >/dev/null 2>&1
	injected || { switchd_stop; break; }
	check_run swap $n
	switchd_stop
	n=$((n + 1))
done
phase_end swap $((n - 1))
check_eq "swap: without a fault left, hweth1 is active" "eth0" "$(link_master "$HOST" hweth1)"
report
