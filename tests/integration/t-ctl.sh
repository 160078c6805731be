#!/bin/bash
# switchctl at run time: swap (the bridge keeps carrier), detach and attach,
# every error a one-line message with a non-zero exit, and clients that send
# nothing or garbage stall nobody.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
topo_uplink
cat >>"$CONF" <<EOF2
[nic hweth2]
name = eth2
[bridge eth2]
ports = hweth2
EOF2
H2=$(ns_name up2)
ns_create "$H2"
nic_add "$HOST" eth2 "$H2" peer2
switchd_start "$HOST" "$CONF"

carrier() { ip netns exec "$HOST" cat /sys/class/net/eth0/carrier_changes; }
sctl "$HOST" monitor >"$TESTDIR/monitor.out" 2>&1 &
monitor=$!
defer "kill $monitor 2>/dev/null"
sctl "$HOST" -j monitor >"$TESTDIR/monitor.json" 2>&1 &
defer "kill $! 2>/dev/null"
sleep 0.3
c0=$(carrier)
out=$(sctl "$HOST" swap eth0 hweth1)
check_eq "swap reports" "eth0: hweth1 is now the active port (was hweth0)" "$out"
check_eq "hweth1 is attached" "eth0" "$(link_master "$HOST" hweth1)"
check_eq "hweth0 is detached" "" "$(link_master "$HOST" hweth0)"
check_eq "the bridge never lost carrier" "$c0" "$(carrier)"
check_cmd "the host is reachable through hweth1" ip netns exec "$UP" ping -c 1 -W 2 198.18.0.2
check_match "show: roles after the swap" "hweth0 +standby.*hweth1 +active" "$(sctl "$HOST" show eth0 | tr '\n' ' ')"
check_cmd "monitor shows the swap" busywait 2000 grep -q "swap bridge=eth0 port=hweth1 old=hweth0 reason=operator" "$TESTDIR/monitor.out"
check_cmd "monitor -j gives JSON lines" busywait 2000 bash -c "jq -s -e 'any(.[]; .type == \"swap\" and .port == \"hweth1\")' $TESTDIR/monitor.json"
check_match "the log names both ports" "attach hweth1 to eth0, then detach hweth0" "$(cat "$LOG")"
check_eq "swap to the active port is harmless" "eth0: hweth1 is already the active port" "$(sctl "$HOST" swap eth0 hweth1)"

# take the host off the network: addresses stay
check_eq "detach" "eth0: detached hweth1; addresses stay on eth0" "$(sctl "$HOST" detach eth0 hweth1)"
check_eq "nothing attached" "" "$(link_master "$HOST" hweth1)$(link_master "$HOST" hweth0)"
check_eq "addresses stay" "198.18.0.2/24 2001:db8::2/64" "$(addrs_of "$HOST" eth0)"
check_match "show: detached" "hweth1 +detached" "$(sctl "$HOST" show eth0)"
# while the host was away its address went elsewhere upstream; attach announces it
ip -n "$UP" neigh replace 198.18.0.2 lladdr 02:00:c6:12:00:99 dev sw nud reachable
announced() { sctl "$HOST" -j show eth0 | jq '.bridges[0].ports[] | select(.name == "hweth1") | .announced'; }
a1=$(announced)
check_eq "attach" "eth0: attached hweth1" "$(sctl "$HOST" attach eth0 hweth1)"
check_eq "hweth1 back" "eth0" "$(link_master "$HOST" hweth1)"
check_cmd "attach announced out of hweth1 (had sent $a1 frames)" test "$(announced)" -gt "$a1"
check_cmd "attach announces: upstream has 198.18.0.2 at the bridge's MAC again" busywait 1000 \
	bash -c "ip -n $UP neigh show 198.18.0.2 | grep -q 02:00:c6:12:00:10"

# errors: message, non-zero exit, nothing changed
expect_error() { # WHAT EXPECTED-MESSAGE ARGS...
	local what=$1 msg=$2; shift 2
	local out rc=0
	out=$(sctl "$HOST" "$@" 2>&1) || rc=$?
	if [ "$rc" != 0 ] && [ "$out" = "$msg" ]; then pass "$what"; else fail "$what: rc $rc, '$out', expected '$msg'"; fi
}
expect_error "unknown bridge" "switchctl: bridge eth9: no such bridge in the config" swap eth9 hweth0
expect_error "unknown port" "switchctl: port hweth7: not a [nic] in the config" swap eth0 hweth7
expect_error "port of another bridge" "switchctl: port hweth2: a port of bridge eth2, not of eth0" swap eth0 hweth2
expect_error "second uplink" "switchctl: bridge eth0: hweth1 is already active; two uplinks would make a loop (use swap)" attach eth0 hweth0
expect_error "detach a detached port" "switchctl: port hweth0: not attached to eth0" detach eth0 hweth0
ip -n "$UP" link set up0 down
busywait 2000 bash -c "ip -n $HOST link show hweth0 | grep -q NO-CARRIER"
expect_error "swap to a dead link" "switchctl: port hweth0: no carrier; refusing to make a dead link active" swap eth0 hweth0
check_eq "and nothing moved" "eth0" "$(link_master "$HOST" hweth1)"
# a name is echoed in the error: its escape sequence must not reach the terminal
rc=0; out=$(sctl "$HOST" swap $'eth\e[2J\a' hweth0 2>&1) || rc=$?
check_eq "control characters from switchd are escaped" 'switchctl: bridge eth\x1b[2J\x07: no such bridge in the config' "$out"
check_eq "and it is an error" 1 "$rc"
rc=0; out=$(sctl "$HOST" frobnicate 2>&1) || rc=$?
check_eq "unknown command: usage error" "2" "$rc"
check_match "unknown command: message" 'unknown command "frobnicate"' "$out"
rc=0; out=$(sctl "$HOST" swap eth0 2>&1) || rc=$?
check_eq "missing argument: usage error" "2" "$rc"
rc=0; out=$(ip netns exec "$HOST" "$SWITCHCTL" -s "$TESTDIR/none.sock" status 2>&1) || rc=$?
check_match "no daemon: clear message" "none.sock: No such file or directory \(is switchd running\?\)" "$out"
check_eq "no daemon: exit 1" "1" "$rc"

# the raw socket: garbage, a silent client, an oversized request
raw() { ip netns exec "$HOST" socat -t 2 - UNIX-CONNECT:"$SOCK"; }
check_match "garbage gets an error reply" '"ok":false,"error":"malformed request: not JSON' "$(echo 'hello' | raw)"
check_match "unknown method" '"error":"unknown method \\"reboot\\""' "$(echo '{"v":1,"id":1,"method":"reboot"}' | raw)"
check_match "a newer protocol is refused clearly" 'protocol version 9 not supported' "$(echo '{"v":9,"id":1,"method":"show"}' | raw)"
check_match "garbage then a request on one connection" '"ok":true' "$(printf 'junk\n{"v":1,"id":2,"method":"status"}\n' | raw)"
# text show is rendered by switchd ("format": "text"); a switchd that does
# not know the parameter replies with the JSON, and switchctl renders that
check_match "show format text is the tree" '"result":\{"text":"eth0  bridge' \
	"$(echo '{"v":1,"id":1,"method":"show","params":{"bridge":"eth0","format":"text"}}' | raw)"
check_match "a bad format is refused, named" '"ok":false,"error":"show: parameter \\"format\\" must be \\"json\\" or \\"text\\", not \\"yaml\\""' \
	"$(echo '{"v":1,"id":1,"method":"show","params":{"format":"yaml"}}' | raw)"
echo '{"v":1,"id":1,"method":"show","params":{"bridge":"eth0"}}' | raw >"$TESTDIR/json.reply"
check_match "without format: the JSON" '"result":\{"bridges":\[' "$(cat "$TESTDIR/json.reply")"
ip netns exec "$HOST" socat UNIX-LISTEN:"$TESTDIR/old.sock",fork SYSTEM:"head -n 1 >/dev/null; cat $TESTDIR/json.reply" &
defer "kill $! 2>/dev/null"
busywait 2000 test -S "$TESTDIR/old.sock"
# (its counters are those of the saved reply: announcements may go on)
n=$(jq '.result.bridges[0].announced' "$TESTDIR/json.reply")
out=$(ip netns exec "$HOST" "$SWITCHCTL" -s "$TESTDIR/old.sock" show eth0)
check_match "switchctl renders the JSON of a switchd without text" \
	"^eth0  bridge  02:00:c6:12:00:10 \(pinned\)  up, carrier .* 1 swaps, $n frames announced.*hweth0 +standby.*hweth1 +active" \
	"$(echo "$out" | tr '\n' ' ')"
check_eq "the same tree as switchd renders, but for the counters" \
	"$(sctl "$HOST" show eth0 | sed 's/[0-9]* frames announced/N frames announced/g')" \
	"$(echo "$out" | sed 's/[0-9]* frames announced/N frames announced/g')"
ip netns exec "$HOST" socat -u UNIX-CONNECT:"$SOCK" EXEC:'sleep 30' &
silent=$!
defer "kill $silent 2>/dev/null"
sleep 0.2
check_cmd "a silent client stalls nobody" timeout 3 ip netns exec "$HOST" "$SWITCHCTL" -s "$SOCK" status
big=$(head -c 70000 /dev/zero | tr '\0' 'x')
check_match "oversized request refused" 'request too large' "$(echo "$big" | raw)"
check_cmd "the daemon is still fine" sctl "$HOST" status
check_match "a client that closes its side still gets the replies" '"id":2,"ok":true.*"id":3,"ok":true' \
	"$(printf '{"v":1,"id":2,"method":"status"}\n{"v":1,"id":3,"method":"status"}\n' | raw | tr '\n' ' ')"
report
