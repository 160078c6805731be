#!/bin/bash
# cable_probe = arp (issue 13): a quiet network — no LLDP, no ARP, nothing a
# standby could hear — is identified only by asking. eth0's standby hweth1 is
# cabled to eth1's quiet network Q: without the probe it stays "unknown" and
# nothing is reported; with cable_probe = arp it sends RFC 5227 probes
# (sender 0.0.0.0) for eth1's gateway, the gateway's reply identifies Q, and
# the miswire is reported.
. "$(dirname "$0")/lib.sh"
require_root
command -v tcpdump >/dev/null || skip "needs tcpdump"

HOST=$(ns_name host)
A=$(ns_name swa)
Q=$(ns_name swq)
ns_create "$HOST" "$A" "$Q"
for ns in "$HOST" "$A" "$Q"; do # nothing but what the test sends
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
switch_add "$A" 198.18.30.1/24
switch_add "$Q" 198.18.31.1/24
cable "$HOST" eth0 "$A" a0 02:00:c6:12:1e:10
cable "$HOST" eth1 "$Q" q1 02:00:c6:12:1e:11
cable "$HOST" eth2 "$Q" q0 02:00:c6:12:1e:12
ip -n "$HOST" addr add 198.18.30.2/24 dev eth0
ip -n "$HOST" addr add 198.18.31.2/24 dev eth2
ip -n "$HOST" route add 198.19.31.0/24 via 198.18.31.1 dev eth2 # eth1's gateway
CONF=$TESTDIR/switchd.conf
cat >"$CONF" <<EOF2
[nic hweth0]
mac = 02:00:c6:12:1e:10
[nic hweth1]
mac = 02:00:c6:12:1e:11
[nic hweth2]
mac = 02:00:c6:12:1e:12
[bridge eth0]
ports = hweth0 hweth1
announce = no
[bridge eth1]
ports = hweth2
announce = no
EOF2
ip netns exec "$Q" tcpdump -i q1 -n -l -U arp >"$TESTDIR/q1.txt" 2>"$TESTDIR/q1.err" &
busywait 3000 grep -q "listening on" "$TESTDIR/q1.err"
switchd_start "$HOST" "$CONF"
cable_of() { sctl "$HOST" -j cable hweth1 | jq -r '.nics[0] | "\(.verdict) \(.network // "-")"'; }

# without the probe: nothing to hear, nothing sent
sleep 4
check_eq "without the probe the quiet network stays unknown" "unknown -" "$(cable_of)"
check_eq "and nothing is reported" 0 "$(grep -c "hweth1 (standby of eth0) sees" "$LOG")"
check_eq "and nothing is sent on the quiet network" 0 "$(grep -c "ARP" "$TESTDIR/q1.txt")"

# with it
sed -i '1i [switchd]\ncable_probe = arp' "$CONF"
check_cmd "reload with cable_probe = arp" sctl "$HOST" reload
check_cmd "the probe identifies the quiet network" busywait 8000 \
	bash -c "[ \"\$(ip netns exec $HOST $SWITCHCTL -s $SOCK -j cable hweth1 | jq -r '.nics[0].verdict + \" \" + .nics[0].network')\" = 'miswired eth1' ]"
check_match "and the miswire is reported with the reply as evidence" \
	"hweth1 \(standby of eth0\) sees ARP from 198.18.31.0/24: the network of eth1, not eth0" "$(cat "$LOG")"
check_cmd "the probe is an RFC 5227 probe for eth1's gateway" busywait 2000 \
	grep -q "Request who-has 198.18.31.1 tell 0.0.0.0" "$TESTDIR/q1.txt"
sleep 1
check_eq "one probe: none once the reply identified the network" 1 \
	"$(grep -c "who-has 198.18.31.1 tell 0.0.0.0" "$TESTDIR/q1.txt")"
check_eq "hweth1 stays eth0's standby (report)" "" "$(link_master "$HOST" hweth1)"
report
