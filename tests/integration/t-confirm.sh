#!/bin/bash
# Safe remote changes: a change made with "confirm": T is undone unless
# confirmed within T seconds — exactly what it did, in reverse — and while
# it waits, other changes are refused. The way back for an administrator
# who cut off their own session.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
command -v socat >/dev/null || skip "needs socat"
topo_uplink 0
switchd_start "$HOST" "$CONF"
# a raw request line on the control socket: prints the reply
req() { echo "$1" | ip netns exec "$HOST" socat -t 5 - "UNIX-CONNECT:$SOCK"; }
ok() { jq -e '.ok' >/dev/null <<<"$1"; }
before=$(addrs_of "$HOST" eth0)
routes_before=$(routes_of "$HOST" eth0)

# a reload that changes the bridge's addresses: not confirmed, undone
cp "$CONF" "$TESTDIR/good.conf"
sed -i 's/^address = keep/address = 198.18.0.3\/24/' "$CONF"
out=$(req '{"v":1,"id":1,"method":"reload","params":{"confirm":1.5}}')
check_cmd "reload with confirm 1.5 s is applied" ok "$out"
check_match "the reply says it waits" "undone in 1.5s unless confirmed" "$out"
check_match "the new address is on the bridge" "198.18.0.3/24" "$(addrs_of "$HOST" eth0)"
out=$(req '{"v":1,"id":2,"method":"swap","params":{"bridge":"eth0","port":"hweth1"}}')
check_match "another change is refused while it waits" "swap: reload awaits confirmation; run switchctl confirm first" "$out"
check_cmd "not confirmed: undone" busywait 4000 bash -c "[ \"\$(ip -n $HOST -j addr show dev eth0 | jq -r '[.[0].addr_info[] | select(.scope != \"link\") | \"\\(.local)/\\(.prefixlen)\"] | sort | join(\" \")')\" = '$before' ]"
check_eq "the routes are back" "$routes_before" "$(routes_of "$HOST" eth0)"
check_match "and it says so" "reload was not confirmed within 1.5s: undone" "$(cat "$LOG")"
check_cmd "the host is reachable again" ip netns exec "$UP" ping -c 1 -W 1 198.18.0.2
out=$(req '{"v":1,"id":3,"method":"swap","params":{"bridge":"eth0","port":"hweth1"}}')
check_cmd "changes are accepted again (swap)" ok "$out"
out=$(req '{"v":1,"id":4,"method":"swap","params":{"bridge":"eth0","port":"hweth0"}}')
# the running configuration is the old one again: a plain reload changes nothing
out=$(req '{"v":1,"id":5,"method":"confirm"}')
check_match "confirm with nothing waiting" "confirm: no change awaits confirmation" "$out"

# the same reload, confirmed: kept
out=$(req '{"v":1,"id":6,"method":"reload","params":{"confirm":2}}')
check_cmd "reload with confirm 2 s" ok "$out"
out=$(req '{"v":1,"id":7,"method":"confirm"}')
check_match "confirmed" "reload confirmed: kept" "$out"
sleep 2.5
check_match "kept after the time" "198.18.0.3/24" "$(addrs_of "$HOST" eth0)"
cp "$TESTDIR/good.conf" "$CONF"
check_cmd "back to the first configuration" sctl "$HOST" reload

# a swap, not confirmed: the old port is active again, and announced
announced() { sctl "$HOST" -j show eth0 | jq ".bridges[0].ports[] | select(.name == \"$1\") | .announced"; }
sleep 1
a0=$(announced hweth0)
out=$(req '{"v":1,"id":8,"method":"swap","params":{"bridge":"eth0","port":"hweth1","confirm":1}}')
check_cmd "swap with confirm" ok "$out"
check_eq "hweth1 active" "eth0" "$(link_master "$HOST" hweth1)"
check_cmd "not confirmed: hweth0 active again" busywait 3000 bash -c "[ \"\$(ip -n $HOST -j link show hweth0 | jq -r '.[0].master')\" = eth0 ]"
check_eq "and hweth1 a standby" "" "$(link_master "$HOST" hweth1)"
check_cmd "hweth0 announced again" busywait 2000 bash -c "[ \"\$(ip netns exec $HOST $SWITCHCTL -s $SOCK -j show eth0 | jq '.bridges[0].ports[] | select(.name == \"hweth0\") | .announced')\" -gt $a0 ]"

# a detach of the active port, not confirmed: attached again, failover on
out=$(req '{"v":1,"id":9,"method":"detach","params":{"bridge":"eth0","port":"hweth0","confirm":1}}')
check_cmd "detach with confirm" ok "$out"
check_eq "suspended meanwhile" "true" "$(sctl "$HOST" -j show eth0 | jq .bridges[0].failover_suspended)"
check_cmd "not confirmed: attached again" busywait 3000 bash -c "[ \"\$(ip -n $HOST -j link show hweth0 | jq -r '.[0].master')\" = eth0 ]"
check_eq "failover no longer suspended" "false" "$(sctl "$HOST" -j show eth0 | jq .bridges[0].failover_suspended)"
check_eq "hweth0 is active, not detached" "active" "$(sctl "$HOST" -j show eth0 | jq -r '.bridges[0].ports[] | select(.name == "hweth0") | .role')"
# the same from switchctl
check_match "switchctl swap --confirm" "eth0: hweth1 is now the active port" "$(sctl "$HOST" swap eth0 hweth1 --confirm 2s)"
check_match "switchctl confirm" "swap of eth0 to hweth1 confirmed: kept" "$(sctl "$HOST" confirm)"
sleep 2.5
check_eq "kept" "eth0" "$(link_master "$HOST" hweth1)"
rc=0; out=$(sctl "$HOST" tap del tapx --confirm 5s 2>&1) || rc=$?
check_eq "--confirm where it does not apply" "2 switchctl: tap del: --confirm is for reload, swap, attach and detach" "$rc $out"
rc=0; out=$(sctl "$HOST" reload --confirm soon 2>&1) || rc=$?
check_eq "--confirm without a time" "2 switchctl: reload: --confirm needs a time, 0 < T <= 24h (60s, 2m)" "$rc $out"
out=$(req '{"v":1,"id":10,"method":"reload","params":{"confirm":"soon"}}')
check_match "a bad confirm time is refused" "reload: parameter \\\\\"confirm\\\\\" must be a number of seconds" "$out"
report
