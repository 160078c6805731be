#!/bin/bash
# Failover: cable pull, card removal, all ports down, a flapping port, and
# preempt on and off. Cables are veth pairs; pulling one = its peer down.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
command -v ping >/dev/null || skip "needs ping (iputils-ping)"
topo_uplink
switchd_start "$HOST" "$CONF"
sctl "$HOST" -j monitor >"$TESTDIR/events" 2>&1 &
defer "kill $! 2>/dev/null"
sleep 0.2
attached() { [ "$(link_master "$HOST" "$1")" = eth0 ]; }
reachable() { ip netns exec "$UP" ping -c 1 -W 1 198.18.0.2 >/dev/null; }
swaps() { jq -s '[.[] | select(.type == "swap")] | length' "$TESTDIR/events"; }

# the unattached standby is up but answers no ARP with its own MAC (a client
# that cached it would lose the host when the standby's cable goes)
check_eq "only the bridge answers ARP for the host; the standby is silent" "02:00:c6:12:00:10" \
	"$(arp_replies "$UP" sw 198.18.0.2)"
check_eq "the ports' arp_ignore is 8 (never)" "8 8" \
	"$(ip netns exec "$HOST" cat /proc/sys/net/ipv4/conf/hweth0/arp_ignore /proc/sys/net/ipv4/conf/hweth1/arp_ignore | tr '\n' ' ' | sed 's/ $//')"

# cable pull on the active port
t0=$(date +%s%3N)
ip -n "$UP" link set up0 down
check_cmd "cable pull: the standby takes over" busywait 2000 attached hweth1
echo "cable pull -> standby attached after $(( $(date +%s%3N) - t0 )) ms (veth; see docs/performance.md)"
check_eq "the dead port is detached" "" "$(link_master "$HOST" hweth0)"
check_cmd "the host is reachable again" busywait 2000 reachable
check_cmd "a swap event with its reason" busywait 1000 bash -c \
	"jq -s -e 'any(.[]; .type == \"swap\" and .port == \"hweth1\" and .reason == \"hweth0 carrier lost\")' $TESTDIR/events"
check_match "show: last swap and reason" "last swap .*\(hweth0 carrier lost\), 1 swaps" "$(sctl "$HOST" show eth0)"

# the cable comes back: preempt is off, nothing moves
ip -n "$UP" link set up0 up
sleep 0.5
check_cmd "preempt off: the working standby stays active" attached hweth1

# card removal (the device disappears)
ip -n "$HOST" link del hweth1
check_cmd "card removal: the other port takes over" busywait 2000 attached hweth0
check_cmd "reachable through it" busywait 2000 reachable
check_match "show: the removed card is missing" "hweth1 +missing" "$(sctl "$HOST" show eth0)"

# the card is put back (a new device with the old MAC, named by the kernel)
ip -n "$HOST" link add eth7 address 02:00:c6:12:00:11 type veth peer name up1 netns "$UP"
ip -n "$UP" link set up1 master sw up
check_cmd "card re-inserted: it gets its service name back" busywait 2000 link_exists "$HOST" hweth1
check_eq "same card (MAC)" "02:00:c6:12:00:11" "$(link_mac "$HOST" hweth1)"
check_cmd "as a standby: up" busywait 2000 link_up "$HOST" hweth1
check_eq "as a standby: not attached" "" "$(link_master "$HOST" hweth1)"
check_match "show: standby again" "hweth1 +standby" "$(sctl "$HOST" show eth0)"
check_cmd "and silent again (arp_ignore 8 on the new device)" busywait 3000 \
	bash -c "[ \$(ip netns exec $HOST cat /proc/sys/net/ipv4/conf/hweth1/arp_ignore) = 8 ]"

# all ports down: the bridge keeps its addresses and waits; the host keeps
# sending to the client meanwhile (its ARP requests go nowhere)
ip -n "$UP" link set up0 down
ip -n "$UP" link set up1 down
# (a bridge without carrier flushes its ARP cache; this one keeps carrier
# through switchd's replay tap: flush it as the kernel would)
ip -n "$HOST" neigh flush dev eth0
ip netns exec "$HOST" bash -c 'for i in $(seq 300); do echo >/dev/udp/198.18.0.1/9; sleep 0.01; done' \
	>/dev/null 2>&1 &
sender=$!
sleep 0.3
check_eq "all down: the bridge is still there" "bridge" "$(link_kind "$HOST" eth0)"
sleep 0.3
check_eq "all down: the addresses stay" "198.18.0.2/24 2001:db8::2/64" "$(addrs_of "$HOST" eth0)"
ip -n "$UP" link set up1 up
check_cmd "the first port to regain carrier becomes active" busywait 2000 attached hweth1
check_cmd "carrier returns: reachable again" busywait 3000 reachable
# the host's unresolved neighbour would wait for its 1 s ARP retransmit
check_cmd "carrier back: the host's unresolved neighbour is asked again at once" busywait 1000 \
	grep -Eq "bridge eth0: [0-9]+ unresolved neighbours? asked again \(.*198\.18\.0\.1" "$LOG"
kill "$sender" 2>/dev/null
ip -n "$UP" link set up0 up
switchd_stop

# preempt on, and a flapping preferred port (a second, separate lab)
topo_uplink 2
H2=$HOST
U2=$UP
cat >>"$CONF" <<EOF2
preempt = yes
updelay = 500ms
hold_down = 3s
flap_limit = 4
flap_window = 10s
EOF2
switchd_start "$H2" "$CONF"
sctl "$H2" -j monitor >"$TESTDIR/events2" 2>&1 &
defer "kill $! 2>/dev/null"
sleep 0.2
ip -n "$U2" link set up0 down
attached2() { [ "$(link_master "$H2" "$1")" = eth0 ]; }
check_cmd "preempt: the standby took over" busywait 2000 attached2 hweth1
ip -n "$U2" link set up0 up
sleep 0.2
check_cmd "preempt: not before updelay" attached2 hweth1
check_cmd "preempt: back on the preferred port after updelay" busywait 2000 attached2 hweth0
# 50 carrier changes in about a second
for i in $(seq 25); do ip -n "$U2" link set up0 down; sleep 0.02; ip -n "$U2" link set up0 up; sleep 0.02; done
sleep 0.5
holds=$(jq -s '[.[] | select(.type == "hold-down" and .port == "hweth0")] | length' "$TESTDIR/events2")
nswaps=$(jq -s '[.[] | select(.type == "swap")] | length' "$TESTDIR/events2")
echo "flapping: $nswaps swaps in all, $holds hold-downs"
check_eq "the flapping port is held down once" "1" "$holds"
check_cmd "swaps stay bounded ($nswaps)" test "$nswaps" -le 8
check_cmd "during the hold-down the standby carries the traffic" attached2 hweth1
check_cmd "after the hold-down the preferred port returns" busywait 6000 attached2 hweth0

# A restart after a failover, preempt on: the standby is still active and
# the preferred port is back. The first plan changes a link (it attaches a
# guest), so the first failover decision, which arms the updelay timer, is
# taken during that plan: the timer must exist by then.
ip -n "$U2" link set up0 down
check_cmd "preempt: the standby took over again" busywait 2000 attached2 hweth1
switchd_stop
ip -n "$U2" link set up0 up
echo "guests = vnet*" >>"$CONF"
ip -n "$H2" link add vnet0 type veth peer name vnet0p
ip -n "$H2" link set vnet0 up
switchd_start "$H2" "$CONF"
check_cmd "after the restart, back on the preferred port after updelay" busywait 3000 attached2 hweth0
check_cmd "and switchd is still running" sctl "$H2" status
report
