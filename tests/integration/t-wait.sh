#!/bin/bash
# switchctl wait: 0 once the bridges are up with carrier and addresses (an
# address = none bridge needs none), 1 with a line naming what is missing
# when the time is up, and it waits: a cable plugged in meanwhile ends it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
topo_uplink
# a second network the host reaches through a NIC of no address
cable "$HOST" eth2 "$UP" up2 02:00:c6:12:00:12
cat >>"$CONF" <<EOF2
[nic hweth2]
mac = 02:00:c6:12:00:12
[bridge san0]
ports = hweth2
address = none
EOF2
SOCK=$TESTDIR/switchd-$HOST.sock
wait_cmd() { ip netns exec "$HOST" "$SWITCHCTL" -s "$SOCK" wait "$@"; }

# before switchd runs: it waits for it, then gives up naming why
out=$(wait_cmd --timeout 300ms 2>&1); rc=$?
check_eq "no switchd: exit 1" "1" "$rc"
check_match "no switchd: says so" "^switchctl: wait: not ready after 0.3s: .*switchd-.*sock: .*\(is switchd running\?\)$" "$out"

switchd_start "$HOST" "$CONF"
check_cmd "all bridges ready" wait_cmd --timeout 10s
check_cmd "a named bridge ready" wait_cmd eth0 --timeout=10s
check_cmd "an address = none bridge counts without addresses" wait_cmd san0 -t 5

# the uplink's cable is pulled: no carrier on eth0 (hweth1's too)
ip -n "$UP" link set up0 down
ip -n "$UP" link set up1 down
busywait 5000 sh -c "! ip netns exec $HOST $SWITCHCTL -s $SOCK wait eth0 --timeout 0"
out=$(wait_cmd --timeout 500ms 2>&1); rc=$?
check_eq "no carrier: exit 1" "1" "$rc"
check_eq "no carrier: one line naming the bridge and why" \
	"switchctl: wait: not ready after 0.5s: eth0 has no carrier" "$out"
check_cmd "the other bridge is still ready" wait_cmd san0 --timeout 0

# it waits: the cable comes back while it runs
(sleep 0.5; ip -n "$UP" link set up1 up; ip -n "$UP" link set up0 up) &
plug=$!
check_cmd "it returns once the cable is back" wait_cmd eth0 --timeout 20s
wait "$plug"

# addresses: a bridge that should have one and has none
ip -n "$HOST" addr flush dev eth0 scope global
out=$(wait_cmd eth0 --timeout 200ms 2>&1); rc=$?
check_eq "no address: exit 1" "1" "$rc"
check_eq "no address: says so" "switchctl: wait: not ready after 0.2s: eth0 has no address" "$out"

# bad input
out=$(wait_cmd nosuch --timeout 1s 2>&1); rc=$?
check_eq "unknown bridge: exit 2" "2" "$rc"
check_eq "unknown bridge: named" "switchctl: wait: bridge nosuch: no such bridge in the config" "$out"
out=$(wait_cmd --timeout soon 2>&1); rc=$?
check_eq "bad timeout: exit 2" "2" "$rc"
check_eq "bad timeout: named" "switchctl: wait: --timeout \"soon\": not a duration (30s, 500ms)" "$out"
out=$(wait_cmd --frobnicate 2>&1); rc=$?
check_eq "unknown option: exit 2" "2" "$rc"
report
