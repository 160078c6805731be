#!/bin/bash
# kill -9 at any point of a conversion, then a restart: the host always ends
# converted, its addresses only on the bridge, its routes kept. First the
# state such a kill leaves most often, made by hand: an address left on the
# attached port (issue 11, defect 9).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
command -v perl >/dev/null || skip "needs perl (perl-base)"
RUNS=20

lab() {
	[ -n "${HOST:-}" ] && { ns_destroy "$HOST"; ns_destroy "$UP"; }
	topo_uplink
	BEFORE_ADDRS=$(addrs_of "$HOST" eth0)
	BEFORE_ROUTES=$(routes_of "$HOST" eth0)
}

# Global addresses of every device but eth0, one line (should be none).
addrs_elsewhere() {
	ip -n "$HOST" -j addr show | jq -r '.[] | select(.ifname != "eth0" and .ifname != "lo") |
		.ifname as $d | .addr_info[] | select(.scope != "link") | "\($d):\(.local)"' | tr '\n' ' '
}

converted() { # prints what is wrong
	[ "$(link_kind "$HOST" eth0)" = bridge ] || { echo "eth0 is '$(link_kind "$HOST" eth0)'"; return 1; }
	[ "$(link_master "$HOST" hweth0)" = eth0 ] || { echo "hweth0 is not attached"; return 1; }
	[ "$(addrs_of "$HOST" eth0)" = "$BEFORE_ADDRS" ] || { echo "eth0 has '$(addrs_of "$HOST" eth0)'"; return 1; }
	[ -z "$(addrs_elsewhere)" ] || { echo "addresses elsewhere: $(addrs_elsewhere)"; return 1; }
	[ "$(routes_of "$HOST" eth0)" = "$BEFORE_ROUTES" ] || { echo "eth0 routes '$(routes_of "$HOST" eth0)'"; return 1; }
	[ -z "$(routes_of "$HOST" hweth0)" ] || { echo "hweth0 routes '$(routes_of "$HOST" hweth0)'"; return 1; }
}

# ---- an address left on the attached port --------------------------------
lab
switchd_start "$HOST" "$CONF"
switchd_stop
# as a kill between "add address to eth0" and "remove it from hweth0" leaves it
ip -n "$HOST" addr add 198.18.0.2/24 dev hweth0
ip -n "$HOST" addr add 198.18.0.5/24 dev hweth0
switchd_start "$HOST" "$CONF"
check_eq "restart: the port's addresses are gone from it" "" "$(addrs_of "$HOST" hweth0)"
check_eq "restart: the bridge has both" "198.18.0.2/24 198.18.0.5/24 2001:db8::2/64" "$(addrs_of "$HOST" eth0)"
check_eq "restart: routes kept" "$BEFORE_ROUTES" "$(routes_of "$HOST" eth0)"
check_match "the log says why" "remove address 198.18.0.2/24 from hweth0" "$(cat "$LOG")"
switchd_stop

# ---- kill -9 during conversions ------------------------------------------
# how many lines a whole conversion logs with -v: the kills are spread over them
lab
switchd_start "$HOST" "$CONF" -v
steps=$(grep -n "applied the configuration" "$LOG" | head -1 | cut -d: -f1)
switchd_stop
check_cmd "a conversion logs its steps ($steps lines)" test "${steps:-0}" -gt 5

# The daemon logs into a FIFO read by perl, which kills it with SIGKILL as
# soon as line K has arrived (a few microseconds, while the next steps run)
# and keeps what came before its death.
killer='
	my ($k, $pid) = @ARGV; my $n = 0;
	while (my $line = <STDIN>) { print $line; kill("KILL", $pid) if ++$n == $k; }
'
landed=()
ok=0
for ((i = 0; i < RUNS; i++)); do
	k=$((1 + i * steps / RUNS))
	lab
	fifo=$TESTDIR/log.fifo
	rm -f "$fifo"
	mkfifo "$fifo"
	SOCK=$TESTDIR/kill9.sock
	ip netns exec "$HOST" "$SWITCHD" -c "$CONF" -s "$SOCK" -l stderr -v >"$fifo" 2>&1 &
	pid=$!
	perl -e "$killer" "$k" "$pid" <"$fifo" >"$TESTDIR/killed-$i.log" &
	reader=$!
	wait "$pid" 2>/dev/null
	rc=$?
	wait "$reader"
	landed+=("$(grep -c "bridge eth0: " "$TESTDIR/killed-$i.log")")
	if [ "$rc" != 137 ]; then
		fail "run $i: switchd was not killed (exit $rc) at line $k"
		continue
	fi
	switchd_start "$HOST" "$CONF"
	why=
	if why=$(converted) || { busywait 3000 converted && why=$(converted); }; then
		ok=$((ok + 1))
	else
		fail "run $i (killed after line $k): $why"
		echo "--- log before the kill:" >&2; cat "$TESTDIR/killed-$i.log" >&2
		echo "--- log of the restart:" >&2; cat "$LOG" >&2
	fi
	switchd_stop
done
echo "steps done when the kill landed (of $steps): ${landed[*]}"
check_eq "every killed conversion ends converted after a restart" "$RUNS" "$ok"
# how far apart the kills land depends on the machine's load; that one landed
# inside the conversion does not (else this test tested nothing)
distinct=$(printf '%s\n' "${landed[@]}" | sort -u | wc -l)
first=$(printf '%s\n' "${landed[@]}" | sort -n | head -1)
check_cmd "a kill landed in the middle of a conversion (at $distinct different steps in all)" \
	test "$first" -lt "$steps"
report
