#!/bin/bash
# LVS-TUN real server with the real tunl0: a director encapsulates a
# client's request (IPIP) to the server; tunl0 decapsulates it, and the reply
# to the client leaves through the uplink. Strict rp_filter drops it; with a
# [vip ... mode = tun] switchd sets loose filtering on tunl0 and it passes.
# This kernel has no ipip: the test boots Debian's user-mode-linux (a 6.1
# kernel with ipip as a module, tests/uml-init.sh) and runs itself inside;
# without it, it is skipped with the reason. t-vip covers the same policy
# with a veth standing in for the tunnel.
. "$(dirname "$0")/lib.sh"
command -v tcpdump >/dev/null || skip "needs tcpdump"

scenario() {
	HOST=$(ns_name host)
	UP=$(ns_name up)
	DIR=$(ns_name director)
	ns_create "$HOST" "$UP" "$DIR"
	switch_add "$UP" 198.18.6.1/24
	cable "$HOST" eth0 "$UP" up0 "02:00:c6:12:06:10"
	cable "$DIR" d0 "$UP" up1 "02:00:c6:12:06:30"
	ip -n "$HOST" addr add 198.18.6.2/24 dev eth0
	ip -n "$DIR" addr add 198.18.6.3/24 dev d0
	ip -n "$DIR" link add t0 type ipip local 198.18.6.3 remote 198.18.6.2
	ip -n "$DIR" link set t0 up
	ip -n "$DIR" addr add 198.18.6.1/32 dev t0 # the client's address, as LVS forwards it
	ip -n "$DIR" route add 198.18.6.101/32 dev t0
	if ! ip -n "$HOST" link show tunl0 >/dev/null 2>&1; then
		fail "no tunl0 in the host namespace although ipip is loaded"
		return
	fi
	ip netns exec "$HOST" sysctl -qw net.ipv4.conf.all.rp_filter=1 \
		net.ipv4.conf.default.rp_filter=1 net.ipv4.conf.tunl0.rp_filter=1
	ip -n "$HOST" addr add 198.18.6.101/32 dev tunl0
	ip -n "$HOST" link set tunl0 up
	replies() {
		local cap=$TESTDIR/icmp-$RANDOM
		ip netns exec "$UP" timeout 6 tcpdump -i sw -n -l -U \
			"icmp[icmptype] = icmp-echoreply and src 198.18.6.101" >"$cap" 2>"$cap.err" &
		local tpid=$!
		busywait 4000 grep -q "listening on" "$cap.err"
		ip netns exec "$DIR" ping -c 3 -i 0.2 -W 1 -I 198.18.6.1 198.18.6.101 >/dev/null 2>&1
		sleep 0.5
		kill "$tpid" 2>/dev/null
		wait "$tpid" 2>/dev/null
		grep -c "echo reply" "$cap"
	}
	check_eq "strict rp_filter drops the decapsulated requests on tunl0" 0 "$(replies)"
	CONF=$TESTDIR/switchd.conf
	cat >"$CONF" <<EOF2
[nic hweth0]
mac = 02:00:c6:12:06:10
[bridge eth0]
ports = hweth0
[vip 198.18.6.101]
mode = tun
EOF2
	switchd_start "$HOST" "$CONF"
	case $(uname -r) in
	[0-5].* | 6.[01].*)
		check_match "kernel < 6.2: the NIC was renamed while down" \
			"hweth0: renamed while down \(kernel < 6.2\)" "$(cat "$LOG")" ;;
	esac
	check_eq "switchd: tunl0 rp_filter 2 (all stays 1)" "1 2" \
		"$(ip netns exec "$HOST" cat /proc/sys/net/ipv4/conf/all/rp_filter) $(ip netns exec "$HOST" cat /proc/sys/net/ipv4/conf/tunl0/rp_filter)"
	check_eq "the replies now reach the client (3 of 3)" 3 "$(replies)"
	check_cmd "doctor: clean" sctl "$HOST" doctor
}

if [ "${1:-}" = guest ]; then
	# inside user-mode-linux (tests/uml-init.sh), as root, ipip loaded
	SWITCHD=$SWUML_SWITCHD
	SWITCHCTL=$SWUML_SWITCHCTL
	scenario
	report
fi

require_root
probe=$(ns_name probe)
ns_create "$probe"
if ip -n "$probe" link show tunl0 >/dev/null 2>&1; then
	scenario # this kernel has ipip
	report
fi
UML=$(command -v linux.uml || true)
[ -n "$UML" ] || skip "this kernel has no ipip (no tunl0) and user-mode-linux is not installed"
[ "${SKIP_VALGRIND:-0}" = 1 ] && skip "sanitizer build: the UML run uses the plain build only"
OUT=$(mktemp -d /tmp/swuml.XXXXXX)
defer "rm -rf '$OUT'"
# the guest has its own /tmp (the tree may live in the host's): the binaries
# and this test go where it sees them, /tmp/out
cp "$SWITCHD" "$SWITCHCTL" "$0" "$(dirname "$0")/lib.sh" "$OUT/"
uml_run() {
	TMPDIR=/dev/shm setsid timeout -k 5 120 "$UML" mem=512M root=/dev/root rootfstype=hostfs \
		rootflags=/ rw quiet init="$TOP_SRCDIR/tests/uml-init.sh" con=null con0=fd:0,fd:1 \
		SWUML_OUT="$OUT" SWUML_RUN="/tmp/out/$(basename "$0")" \
		SWUML_MODULES=veth,bridge,ipip SWUML_SWITCHD=/tmp/out/switchd SWUML_SWITCHCTL=/tmp/out/switchctl \
		</dev/null >"$OUT/console" 2>&1
}
uml_run || true
# The guest's kernel panicked before its init ran a single check: can this
# host run user-mode-linux at all? On some hosts UML 6.1 kills every process
# it starts with SIGSEGV (seen 2026-12-02 on a 6.18 host: "Attempted to kill
# init! exitcode=0x0000000b", fatal_sigsegv after put_fp_registers, even for
# an init that only echoes): that is the host, not switchd, so skip and say so.
if [ ! -e "$OUT/rc" ] && grep -qE "Kernel panic|Attempted to kill init" "$OUT/console" &&
	! grep -qE "^(ok|FAIL) - " "$OUT/console"; then
	printf '#!/bin/sh\necho SWUML-PROBE-RAN\necho o >/proc/sysrq-trigger\n' >"$OUT/probe-init"
	chmod +x "$OUT/probe-init"
	TMPDIR=/dev/shm timeout -k 5 30 "$UML" mem=128M root=/dev/root rootfstype=hostfs \
		rootflags=/ rw quiet init="$OUT/probe-init" con=null con0=fd:0,fd:1 \
		</dev/null >"$OUT/probe-console" 2>&1 || true
	grep -q SWUML-PROBE-RAN "$OUT/probe-console" ||
		skip "user-mode-linux cannot run a process on this host: its init, even one that only echoes, is killed ($(grep -m1 -E 'Kernel panic|kill init' "$OUT/probe-console" || echo 'no output'))"
	echo "UML runs a trivial init on this host, but the scenario's init died:" >&2
fi
rc=$(cat "$OUT/rc" 2>/dev/null || echo none)
grep -E "^(ok|FAIL) - |checks" "$OUT/console" | sed 's/^/uml: /'
[ -s "$OUT/modprobe.failed" ] && cat "$OUT/modprobe.failed" >&2
if [ "$rc" = none ]; then
	echo "the UML guest did not finish; its console:" >&2
	tail -30 "$OUT/console" >&2
	fail "run the scenario under user-mode-linux"
else
	check_eq "the scenario under user-mode-linux $(cat "$OUT/uname" 2>/dev/null) passed" 0 "$rc"
	[ "$rc" = 0 ] || { echo "its console:" >&2; grep -v "^uml: " "$OUT/console" | tail -40 >&2; }
fi
report
