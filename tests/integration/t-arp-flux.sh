#!/bin/bash
# ARP flux (seeds: arp-flux articles): a host with three NICs in one subnet
# and default sysctls answers a client's request for one address from all
# three MACs. With switchd's policy ([sysctl] arp_ignore 1, arp_announce 2)
# exactly one MAC answers. doctor sees the flux before and none after; the
# libpcap watch (watch_arp) flags an IP answered by two MACs.
. "$(dirname "$0")/lib.sh"
require_root
command -v tcpdump >/dev/null && command -v arping >/dev/null || skip "needs tcpdump and arping"
HOST=$(ns_name host)
UP=$(ns_name up)
FLUX=$(ns_name flux)
ns_create "$HOST" "$UP" "$FLUX"
switch_add "$UP" 198.18.9.1/24
for i in 0 1 2; do
	cable "$HOST" eth$i "$UP" up$i "02:00:c6:12:09:1$i"
	ip -n "$HOST" addr add 198.18.9.1$i/24 dev eth$i
done
# another multi-NIC host with default sysctls, for the watch
for i in 0 1; do
	cable "$FLUX" f$i "$UP" fx$i "02:00:c6:12:09:5$i"
	ip -n "$FLUX" addr add 198.18.9.5$i/24 dev f$i
done
sleep 0.3

macs=$(arp_replies "$UP" sw 198.18.9.10)
check_eq "default sysctls: three MACs answer for 198.18.9.10 (ARP flux)" \
	"02:00:c6:12:09:10 02:00:c6:12:09:11 02:00:c6:12:09:12" "$macs"

rc=0; out=$(ip netns exec "$HOST" "$SWITCHD" --doctor -c /nonexistent) || rc=$?
check_eq "switchd --doctor exits 1 on a hazard" 1 "$rc"
check_match "and names the flux, the interfaces and the fix" \
	"\[arp-flux\] eth0 eth1 eth2: .* all in 198.18.9.0/24 .*fix: +\[sysctl\] arp_ignore = 1" \
	"$(echo "$out" | tr '\n' ' ')"
check_match "doctor -j lists it" '"arp-flux"' \
	"$(ip netns exec "$HOST" "$SWITCHD" --doctor -j -c /nonexistent | jq -c '[.hazards[].id]')"

CONF=$TESTDIR/switchd.conf
cat >"$CONF" <<EOF2
[sysctl]
arp_ignore = 1
arp_announce = 2

[nic hweth0]
mac = 02:00:c6:12:09:10
[nic hweth1]
mac = 02:00:c6:12:09:11
[nic hweth2]
mac = 02:00:c6:12:09:12

[bridge eth0]
ports = hweth0
watch_arp = yes
watch_window = 5s
[bridge eth1]
ports = hweth1
[bridge eth2]
ports = hweth2
EOF2
# the flux left the upstream's cache pointing at eth2's MAC for eth0's address
ip -n "$UP" neigh replace 198.18.9.10 lladdr 02:00:c6:12:09:12 dev sw nud reachable
switchd_start "$HOST" "$CONF"
check_cmd "the conversion announces: upstream has 198.18.9.10 at bridge eth0's MAC" busywait 1000 \
	bash -c "ip -n $UP neigh show 198.18.9.10 | grep -q 02:00:c6:12:09:10"
check_eq "conf/all/arp_ignore" 1 "$(ip netns exec "$HOST" cat /proc/sys/net/ipv4/conf/all/arp_ignore)"
check_eq "conf/all/arp_announce" 2 "$(ip netns exec "$HOST" cat /proc/sys/net/ipv4/conf/all/arp_announce)"
ip -n "$UP" neigh flush dev sw
macs=$(arp_replies "$UP" sw 198.18.9.10)
check_eq "with switchd's policy exactly one MAC answers (the bridge eth0's)" "02:00:c6:12:09:10" "$macs"
macs=$(arp_replies "$UP" sw 198.18.9.12)
check_eq "and for eth2's address only eth2's" "02:00:c6:12:09:12" "$macs"

rc=0; out=$(sctl "$HOST" doctor) || rc=$?
check_eq "switchctl doctor: clean, exit 0" "0" "$rc"
check_match "no hazards found" "no hazards found" "$out"
check_match "it explains the effective values: max(all 1, eth0 0) = 1" "eth0 +1 \(1/0\)" "$out"

# someone lowers it behind switchd's back: put back (no notification for
# arp_ignore: the periodic re-check, within 2 s)
ip netns exec "$HOST" sysctl -qw net.ipv4.conf.all.arp_ignore=0
check_cmd "all/arp_ignore is re-asserted" busywait 4000 \
	bash -c "[ \$(ip netns exec $HOST cat /proc/sys/net/ipv4/conf/all/arp_ignore) = 1 ]"
check_match "and the change is logged" "changed outside switchd: set conf/all/arp_ignore = 1 \(was 0\)" "$(cat "$LOG")"

# the watch: the host asks for 198.18.9.50; the flux host answers from f0 and f1
sctl "$HOST" monitor >"$TESTDIR/monitor" 2>&1 &
MON=$!
defer "kill $MON 2>/dev/null"
sleep 0.3
ip netns exec "$HOST" arping -q -c 2 -w 2 -I eth0 198.18.9.50 >/dev/null 2>&1 || true
check_cmd "watch_arp flags 198.18.9.50 answered by two MACs" busywait 3000 \
	grep -q "ARP flux: 198.18.9.50 answered by 2 MACs" "$LOG"
check_match "in the log, with both MACs" "02:00:c6:12:09:5[01], 02:00:c6:12:09:5[01]" "$(grep 'ARP flux' "$LOG")"
check_match "and as a monitor event" "arp-flux" "$(cat "$TESTDIR/monitor")"
check_eq "once, not per reply" 1 "$(grep -c 'ARP flux: 198.18.9.50' "$LOG")"

# eth2's only card is replaced: while it is out the client's cache goes
# elsewhere; the new card, put back to work by the plan, announces
announced2() { sctl "$HOST" -j show eth2 | jq '.bridges[0].ports[] | select(.name == "hweth2") | .announced'; }
a2=$(announced2)
ip -n "$HOST" link del hweth2
ip -n "$UP" neigh replace 198.18.9.12 lladdr 02:00:c6:12:09:11 dev sw nud reachable
# the new card arrives cabled to a switch port that is up (made in the
# switch's namespace, then moved into the host's, as a hotplug)
ip -n "$UP" link add eth7 address 02:00:c6:12:09:12 type veth peer name up2
ip -n "$UP" link set up2 master sw up
ip -n "$UP" link set eth7 netns "$HOST"
back2() { [ "$(link_master "$HOST" hweth2)" = eth2 ]; }
more2() { [ "$(announced2)" -gt "$a2" ]; }
check_cmd "the replaced card is eth2's port again" busywait 3000 back2
check_cmd "it announced (had sent $a2 frames)" busywait 1000 more2
check_cmd "the client has 198.18.9.12 at eth2's MAC again" busywait 1000 \
	bash -c "ip -n $UP neigh show 198.18.9.12 | grep -q 02:00:c6:12:09:12"
report
