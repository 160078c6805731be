#!/bin/bash
# Cable identification (issue 13): a host with two bridges, cabled crosswise.
#
#   host                          switch A (198.18.20.1/24, LLDP chassis aa:01)
#   hweth0 (eth0's active) ------ a0
#   hweth1 (eth0's standby) --+   switch B (198.18.21.1/24, LLDP chassis bb:01)
#                             +-- b1   <- the miswired cable
#   hweth2 (eth1's active) ------ b0
#   hweth3 (eth0's standby) ----- a NIC that hears both networks (mix)
#
# report (the default): the miswire is logged and is a cable event with the
# evidence, and nothing moves; attach: hweth1 becomes a standby of eth1, and
# takes over eth1 when hweth2's cable is pulled (the host reaches network B
# through it); the NIC that hears both networks is never moved.
. "$(dirname "$0")/lib.sh"
require_root
require_cable_send

HOST=$(ns_name host)
A=$(ns_name swa)
B=$(ns_name swb)
MIX=$(ns_name mix)
ns_create "$HOST" "$A" "$B" "$MIX"
switch_add "$A" 198.18.20.1/24
switch_add "$B" 198.18.21.1/24
cable "$HOST" eth0 "$A" a0 02:00:c6:12:14:10
cable "$HOST" eth1 "$B" b1 02:00:c6:12:14:11
cable "$HOST" eth2 "$B" b0 02:00:c6:12:14:12
nic_add "$HOST" eth3 "$MIX" mix0 02:00:c6:12:14:13
ip -n "$HOST" addr add 198.18.20.2/24 dev eth0
ip -n "$HOST" addr add 198.18.21.2/24 dev eth2
# a hook that keeps the cable events it is run for
mkdir "$TESTDIR/hooks.d"
cat >"$TESTDIR/hooks.d/50-cable" <<EOF2
#!/bin/sh
[ "\$SWITCHD_EVENT" = cable ] || exit 0
echo "\$SWITCHD_BRIDGE \$SWITCHD_PORT \$SWITCHD_REASON: \$SWITCHD_EVIDENCE" >>"$TESTDIR/cable-hook"
EOF2
chmod +x "$TESTDIR/hooks.d/50-cable"
CONF=$TESTDIR/switchd.conf
cat >"$CONF" <<EOF2
[switchd]
hooks = $TESTDIR/hooks.d
[nic hweth0]
mac = 02:00:c6:12:14:10
[nic hweth1]
mac = 02:00:c6:12:14:11
[nic hweth2]
mac = 02:00:c6:12:14:12
[nic hweth3]
mac = 02:00:c6:12:14:13
[bridge eth0]
ports = hweth0 hweth1 hweth3
updelay = 200ms
[bridge eth1]
ports = hweth2
updelay = 200ms
EOF2
# the switches' chatter: LLDP on each port, ARP from the switch's address
ip netns exec "$A" "$CABLE_SEND" -l 02:00:c6:12:aa:01 1 sw-a a0 &
ip netns exec "$A" "$CABLE_SEND" -a 198.18.20.1 sw &
ip netns exec "$B" "$CABLE_SEND" -l 02:00:c6:12:bb:01 1 sw-b b0 &
ip netns exec "$B" "$CABLE_SEND" -l 02:00:c6:12:bb:01 7 sw-b b1 &
ip netns exec "$B" "$CABLE_SEND" -a 198.18.21.1 sw &
ip netns exec "$B" "$CABLE_SEND" -q 7 -a 198.18.21.1 -i 500 b1 & # a tagged frame now and then
# a DHCP server on network B and a client that asks it (broadcast offers)
ip netns exec "$B" dnsmasq --no-daemon --conf-file=/dev/null --port=0 --interface=sw \
	--bind-interfaces --dhcp-range=198.18.21.100,198.18.21.150,1m --dhcp-broadcast \
	--pid-file="$TESTDIR/dnsmasq.pid" --dhcp-leasefile="$TESTDIR/leases" 2>"$TESTDIR/dnsmasq.log" &
CLI=$(ns_name cli)
ns_create "$CLI"
cable "$CLI" c0 "$B" b9 02:00:c6:12:14:99
ip netns exec "$CLI" "$CABLE_SEND" -d -i 500 c0 &
# a trunk or a loop: both networks' ARP on one cable
ip netns exec "$MIX" "$CABLE_SEND" -a 198.18.20.9 mix0 &
ip netns exec "$MIX" "$CABLE_SEND" -a 198.18.21.9 mix0 &

switchd_start "$HOST" "$CONF"
# is EXPECTED CMD...: CMD prints EXPECTED (busywait retries it)
is() { [ "$("${@:2}")" = "$1" ]; }
heard_of() { sctl "$HOST" -j cable "$1" | jq -c "[.nics[0].heard[] | select(.kind == \"$2\") | .value]"; }
ports_of() { sctl "$HOST" -j show "$1" | jq -r '[.bridges[0].ports[].name] | join(" ")'; }
check_eq "hweth0 is eth0's active port" eth0 "$(link_master "$HOST" hweth0)"
check_eq "hweth2 is eth1's active port" eth1 "$(link_master "$HOST" hweth2)"

# ---- report (the default)
MSG="hweth1 \(standby of eth0\) sees LLDP chassis 02:00:c6:12:bb:01 port 7 and LLDP system sw-b and ARP from 198.18.21.0/24: the network of eth1, not eth0"
busywait 8000 grep -q "hweth1 (standby of eth0) sees" "$LOG"
busywait 3000 grep -q "hweth3 (standby of eth0) sees" "$LOG"
check_match "report: the miswired standby is logged with the evidence" "$MSG" \
	"$(grep "hweth1 (standby of eth0) sees" "$LOG")"
check_eq "report: switchctl cable says so" "miswired eth1" \
	"$(sctl "$HOST" -j cable hweth1 | jq -r '.nics[0] | "\(.verdict) \(.network)"')"
check_match "report: the NIC that hears both networks is reported, not moved" \
	"hweth3 \(standby of eth0\) sees the network of eth0 \(ARP from 198.18.20.0/24\) and the network of eth1 \(ARP from 198.18.21.0/24\): two networks" \
	"$(cat "$LOG")"
check_eq "report: hweth1 stays a standby of eth0" "hweth0 hweth1 hweth3" \
	"$(sctl "$HOST" -j show eth0 | jq -r '[.bridges[0].ports[].name] | join(" ")')"
check_eq "report: the correctly cabled active ports are ok, standbys judged" "ok" \
	"$(sctl "$HOST" -j cable | jq -r '[.nics[] | select(.name == "hweth1" or .name == "hweth3") | .verdict] | if . == ["miswired","ambiguous"] then "ok" else tostring end')"
check_match "show -v prints what a NIC hears" "lldp-chassis 02:00:c6:12:bb:01" \
	"$(sctl "$HOST" show -v eth0)"
check_match "show -v prints a bridge's network" "network \(cable_check report\):.*arp-net 198.18.21.0/24" \
	"$(sctl "$HOST" show -v eth1)"
check_match "doctor says where hweth1 is cabled, with the evidence" \
	"hweth1 is cabled to the network of eth1, not eth0 \(its bridge\): it sees LLDP chassis 02:00:c6:12:bb:01 port 7" \
	"$(sctl "$HOST" doctor)"
check_cmd "report: the tagged frames' VLAN is heard" busywait 3000 \
	is '["7"]' heard_of hweth1 vlan
check_cmd "report: the DHCP server of network B is heard on its NICs" busywait 5000 \
	is '["198.18.21.1"]' heard_of hweth1 dhcp-server
check_eq "the report is said once" 1 "$(grep -cE "$MSG" "$LOG")"
check_cmd "report: the cable hook runs with the bridge, port, reason and evidence" busywait 3000 \
	grep -q "^eth0 hweth1 miswired: .*LLDP chassis 02:00:c6:12:bb:01 port 7" "$TESTDIR/cable-hook"
check_eq "switchctl cable on an unknown NIC fails" 1 \
	"$(sctl "$HOST" cable nosuch >/dev/null 2>&1; echo $?)"

# ---- attach
sctl "$HOST" -j monitor >"$TESTDIR/monitor" 2>&1 &
MON=$!
sleep 0.3 # the monitor subscribed
sed -i '/^\[bridge eth0\]/a cable_check = attach' "$CONF"
sed -i '/^\[bridge eth1\]/a cable_check = attach' "$CONF"
check_cmd "reload with cable_check = attach" sctl "$HOST" reload
check_cmd "attach: hweth1 moves to eth1" busywait 8000 \
	is "hweth2 hweth1" ports_of eth1
check_match "attach: logged with the evidence" \
	"hweth1 \(standby of eth0\) sees LLDP chassis 02:00:c6:12:bb:01 port 7 .*: the network of eth1, not eth0; moved to eth1 as a standby" \
	"$(cat "$LOG")"
kill "$MON" 2>/dev/null
check_eq "attach: a cable event for monitors and hooks, with the evidence" \
	"eth0 hweth1 miswired attach eth1 LLDP chassis 02:00:c6:12:bb:01 port 7" \
	"$(jq -r 'select(.type == "cable" and .action == "attach") | "\(.bridge) \(.port) \(.reason) \(.action) \(.network) \(.evidence)"' "$TESTDIR/monitor" | cut -d' ' -f1-10)"
check_eq "attach: a standby there, not forwarding (eth1 has a working uplink)" "" \
	"$(link_master "$HOST" hweth1)"
check_eq "attach: eth1's uplink is unchanged" eth1 "$(link_master "$HOST" hweth2)"
check_eq "attach: the NIC on both networks stays with eth0" "hweth0 hweth3" \
	"$(sctl "$HOST" -j show eth0 | jq -r '[.bridges[0].ports[].name] | join(" ")')"
check_cmd "attach: and the moved NIC is ok where it is now" busywait 3000 bash -c \
	"[ \"\$(ip netns exec $HOST $SWITCHCTL -s $SOCK -j cable hweth1 | jq -r '.nics[0].verdict + \" \" + .nics[0].bridge')\" = 'ok eth1' ]"
# eth1's cable is pulled: hweth1, now eth1's, takes over
ip -n "$B" link set b0 down
check_cmd "attach: hweth1 becomes eth1's active port when its uplink fails" busywait 5000 \
	bash -c "[ \"\$(ip -n $HOST -j link show hweth1 | jq -r '.[0].master')\" = eth1 ]"
check_cmd "attach: the host reaches network B through it" \
	ip netns exec "$HOST" ping -c 1 -W 2 198.18.21.1
check_eq "attach: and never two uplinks of eth0" "eth0" "$(link_master "$HOST" hweth0)"
check_eq "attach: hweth3 was never attached anywhere" "" "$(link_master "$HOST" hweth3)"

# without libpcap (SWITCHD_LIBPCAP names a library that is not there) the
# network still comes up and cable identification says once that it is
# off, not at every NIC's every retry (5 s)
switchd_stop
export SWITCHD_LIBPCAP=$TESTDIR/no-libpcap.so.0.8
switchd_start "$HOST" "$CONF"
unset SWITCHD_LIBPCAP
check_eq "no libpcap: the bridge is up with its port" eth0 "$(link_master "$HOST" hweth0)"
sleep 6
check_eq "no libpcap: said once in two retry periods, with why" 1 \
	"$(grep -c 'cable: identification is off: cannot load .*no-libpcap.so.0.8: cannot open shared object file: No such file or directory (tried again every 5s)$' "$LOG")"
check_eq "no libpcap: no per-NIC capture failures" 0 "$(grep -c 'pcap_create' "$LOG")"
report
