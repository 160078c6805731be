#!/bin/bash
# The conversion is live: a TCP connection and a ping every 5 ms from the
# upstream namespace to the NIC's address survive it. Prints the longest gap.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
command -v socat >/dev/null || skip "needs socat"
command -v ping >/dev/null || skip "needs ping (iputils-ping)"
topo_uplink

# an echo server on the host, a client upstream writing a line every 10 ms
ip netns exec "$HOST" socat TCP-LISTEN:5000,reuseaddr,fork EXEC:cat &
defer "kill $! 2>/dev/null"
busywait 3000 bash -c "ip netns exec $HOST ss -ltn | grep -q :5000"
tcp_client() {
	coproc CLIENT { ip netns exec "$UP" socat -T 30 - TCP:198.18.0.2:5000; }
	local i line
	for ((i = 1; i <= 300; i++)); do
		echo "$i" >&"${CLIENT[1]}" || { echo "write $i failed"; return 1; }
		read -r -t 3 line <&"${CLIENT[0]}" || { echo "no echo for $i"; return 1; }
		[ "$line" = "$i" ] || { echo "echo $line for $i"; return 1; }
		sleep 0.01
	done
	echo "tcp: 300 lines echoed"
}
tcp_client >"$TESTDIR/tcp.out" 2>&1 &
tcp_pid=$!
ip netns exec "$UP" ping -D -i 0.005 -W 1 -w 6 198.18.0.2 >"$TESTDIR/ping.out" 2>&1 &
ping_pid=$!
sleep 1
# ARP flux: eth0 and eth1 both answered the client's request; either won
before=$(ip -n "$UP" neigh show 198.18.0.2 | awk '{print $5}')
switchd_start "$HOST" "$CONF" -v
wait "$tcp_pid"
tcp_rc=$?
wait "$ping_pid"

check_eq "the bridge took over" "eth0" "$(link_master "$HOST" hweth0)"
check_eq "the TCP connection survived" "0 tcp: 300 lines echoed" "$tcp_rc $(cat "$TESTDIR/tcp.out")"
# longest gap between two replies, in ms
gap=$(awk -F'[][]' '/bytes from/ { t = $2 * 1000; if (last && t - last > max) max = t - last; last = t }
	END { printf "%d", max }' "$TESTDIR/ping.out")
received=$(grep -c 'bytes from' "$TESTDIR/ping.out")
echo "ping every 5 ms during the conversion: $received replies, longest gap $gap ms" \
	"(the client had the host at $before before)"
check_cmd "pings were answered" test "$received" -gt 500
check_cmd "the longest gap stays under 100 ms" test "$gap" -lt 100
if [ "$gap" -ge 100 ]; then
	echo "the replies before and after each gap of 100 ms or more, other lines, switchd's log:"
	awk -F'[][]' '/bytes from/ { t = $2 * 1000; if (last && t - last >= 100) print prev "\n" $0; last = t; prev = $0 }' \
		"$TESTDIR/ping.out"
	grep -v "bytes from" "$TESTDIR/ping.out"
	cat "$LOG"
fi
check_match "the client has the host at the bridge's MAC (announced)" "02:00:c6:12:00:10" \
	"$(ip -n "$UP" neigh show 198.18.0.2)"
report
