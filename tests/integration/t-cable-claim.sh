#!/bin/bash
# claim = yes with cable identification (issue 13): an unknown NIC goes to
# the bridge whose network it reaches, not to the first spares = any bridge;
# one that reaches no known network goes there as before.
. "$(dirname "$0")/lib.sh"
require_root
require_cable_send

HOST=$(ns_name host)
A=$(ns_name swa)
B=$(ns_name swb)
X=$(ns_name swx)
ns_create "$HOST" "$A" "$B" "$X"
switch_add "$A" 198.18.40.1/24
switch_add "$B" 198.18.41.1/24
switch_add "$X" 198.18.42.1/24
cable "$HOST" eth0 "$A" a0 02:00:c6:12:28:10
cable "$HOST" eth1 "$B" b0 02:00:c6:12:28:11
ip -n "$HOST" addr add 198.18.40.2/24 dev eth0
ip -n "$HOST" addr add 198.18.41.2/24 dev eth1
CONF=$TESTDIR/switchd.conf
cat >"$CONF" <<EOF2
[switchd]
claim = yes
claim_match = ext*
claim_delay = 2s
[nic hweth0]
mac = 02:00:c6:12:28:10
[nic hweth1]
mac = 02:00:c6:12:28:11
[bridge eth0]
ports = hweth0
spares = any
[bridge eth1]
ports = hweth1
EOF2
ip netns exec "$A" "$CABLE_SEND" -a 198.18.40.1 sw &
ip netns exec "$B" "$CABLE_SEND" -a 198.18.41.1 sw &
ip netns exec "$X" "$CABLE_SEND" -a 198.18.42.1 sw &
# a NIC that is there when switchd starts, cabled to network B: claimed
# after claim_delay, like one that appears later, so its network is heard
cable "$HOST" ext9 "$B" b9 02:00:c6:12:28:29
switchd_start "$HOST" "$CONF"
check_cmd "a NIC there at start-up is claimed" busywait 6000 ip -n "$HOST" link show hweth2
check_match "onto eth1, the bridge of its network, not the spares = any bridge" \
	"claimed unknown NIC ext9 \(02:00:c6:12:28:29\) as hweth2, a standby of bridge eth1: it sees ARP from 198.18.41.0/24, the network of eth1" \
	"$(cat "$LOG")"

cable "$HOST" ext0 "$B" b5 02:00:c6:12:28:20
check_cmd "a NIC plugged into network B is claimed" busywait 6000 ip -n "$HOST" link show hweth3
check_match "onto eth1, the bridge of its network, with the evidence" \
	"claimed unknown NIC ext0 \(02:00:c6:12:28:20\) as hweth3, a standby of bridge eth1: it sees ARP from 198.18.41.0/24, the network of eth1" \
	"$(cat "$LOG")"
check_eq "show lists it under eth1" "hweth1 hweth2 hweth3" \
	"$(sctl "$HOST" -j show eth1 | jq -r '[.bridges[0].ports[].name] | join(" ")')"
check_eq "and not under the spares = any bridge" "hweth0" \
	"$(sctl "$HOST" -j show eth0 | jq -r '[.bridges[0].ports[].name] | join(" ")')"
# a NIC on a network no bridge knows: the first spares = any bridge, as before
cable "$HOST" ext1 "$X" x5 02:00:c6:12:28:21
check_cmd "a NIC on an unknown network is claimed too" busywait 6000 ip -n "$HOST" link show hweth4
check_match "onto the spares = any bridge" \
	"claimed unknown NIC ext1 \(02:00:c6:12:28:21\) as hweth4, a standby of bridge eth0$" \
	"$(grep "claimed unknown NIC ext1" "$LOG")"
# pull eth1's cable: the claimed NIC carries the host to network B
ip -n "$B" link set b0 down
check_cmd "a claimed NIC takes over eth1 when eth1's cable is pulled" busywait 5000 \
	bash -c "ip -n $HOST -j link show master eth1 | jq -r '.[].ifname' | grep -qx 'hweth[23]'"
check_cmd "and the host reaches network B through it" ip netns exec "$HOST" ping -c 1 -W 2 198.18.41.1
report
