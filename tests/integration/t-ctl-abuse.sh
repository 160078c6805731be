#!/bin/bash
# A hostile client on the control socket crashes nothing and locks nobody
# out: a request longer than the limit when switchd's output buffer for it
# is just under its cap; a monitor whose own swap request broadcasts an
# event that does not fit; 70 connections held open by root's scripts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
CTLCLIENT=${CTLCLIENT:-$(dirname "$SWITCHD")/../tests/integration/ctlclient}
[ -x "$CTLCLIENT" ] || skip "no ctlclient at $CTLCLIENT (make check builds it)"
topo_uplink
switchd_start "$HOST" "$CONF"
client() { ip netns exec "$HOST" timeout 120 "$CTLCLIENT" "$SOCK" "$@"; }
alive() { kill -0 "$PID" 2>/dev/null && sctl "$HOST" status >/dev/null; }
# after a crash (the defects did crash it), a new daemon for the next part
again() { alive || { switchd_stop; switchd_start "$HOST" "$CONF"; }; }

# defect 2: "request too large" does not fit; switchd used the freed connection
out=$(client oversized-at-cap 2>&1); echo "$out"
check_match "the buffer was filled to just under the cap" "switchd holds [0-9]+ of 1048576 bytes" "$out"
check_match "the client is dropped (no room for the error)" "closed by switchd$" "$out"
check_cmd "switchd survives an oversized request at the cap" alive
check_match "and says why it dropped the client" "dropping the connection of uid 0: it does not read" "$(cat "$LOG")"

again
# defect 1: the event of a monitor's own request drops it, then its reply came
out=$(client monitor-at-cap eth0 hweth1 2>&1); echo "$out"
check_match "the monitor's buffer was filled" "switchd holds [0-9]+ of 1048576 bytes" "$out"
check_match "the monitor is dropped" "closed by switchd" "$out"
check_cmd "switchd survives a monitor dropped by its own request's event" alive
check_eq "the swap itself was done" "eth0" "$(link_master "$HOST" hweth1)"

again
# defect 3: connections held open lock nobody out, root least of all
ip netns exec "$HOST" "$CTLCLIENT" "$SOCK" hold 70 >"$TESTDIR/hold.out" 2>&1 &
holder=$!
defer "kill $holder 2>/dev/null"
busywait 20000 grep -q '^ready' "$TESTDIR/hold.out"
check_eq "all 70 of root's connections are served" 70 "$(grep -c '"ok":true' "$TESTDIR/hold.out")"
check_cmd "root still gets in past them" sctl "$HOST" status
rc=0; timeout 1 ip netns exec "$HOST" "$SWITCHCTL" -s "$SOCK" monitor >/dev/null 2>&1 || rc=$?
check_eq "a monitor still gets in (and runs until stopped)" 124 "$rc"
kill "$holder" 2>/dev/null
check_cmd "switchd is still fine" alive
report
