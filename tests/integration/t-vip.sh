#!/bin/bash
# LVS real server (seed: lvs articles). Direct routing: the VIP on lo must
# not be answered by ARP from the client's segment, nor used as the source
# of the host's ARP requests, yet traffic to the VIP routed to the server's
# MAC is accepted. IP tunnel: a request arriving on the tunnel whose reply
# leaves through the uplink is dropped by strict rp_filter and passes with
# switchd's loose setting on the tunnel device (a veth stands in for tunl0:
# this kernel lacks ipip; t-vip-tunl0 runs tunl0 itself where it exists).
. "$(dirname "$0")/lib.sh"
require_root
command -v tcpdump >/dev/null && command -v arping >/dev/null || skip "needs tcpdump and arping"
HOST=$(ns_name host)
UP=$(ns_name up)
DIR=$(ns_name director)
ns_create "$HOST" "$UP" "$DIR"
switch_add "$UP" 198.18.6.1/24
cable "$HOST" eth0 "$UP" up0 "02:00:c6:12:06:10"
ip -n "$HOST" addr add 198.18.6.2/24 dev eth0
# the "tunnel" from the director: decapsulated requests appear on tun9 with
# the client's source address
nic_add "$HOST" tun9 "$DIR" tun9
ip -n "$DIR" addr add 198.18.6.1/32 dev tun9
ip -n "$DIR" route add 198.18.6.101/32 dev tun9
# a hardened host: strict reverse-path filtering everywhere
ip netns exec "$HOST" sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1
ip netns exec "$HOST" sysctl -qw net.ipv4.conf.tun9.rp_filter=1
# the VIPs configured by hand first, with the distribution's defaults
ip -n "$HOST" addr add 198.18.6.100/32 dev lo
ip -n "$HOST" addr add 198.18.6.101/32 dev tun9

CONF=$TESTDIR/switchd.conf
cat >"$CONF" <<EOF2
[nic hweth0]
mac = 02:00:c6:12:06:10
[bridge eth0]
ports = hweth0
[vip 198.18.6.100]
mode = dr
[vip 198.18.6.101]
mode = tun
device = tun9
EOF2

# tunnelled request: echo from the "client" address through the tunnel; the
# reply goes out of the uplink to the client (counted there)
echo_replies() {
	local cap=$TESTDIR/icmp-$RANDOM
	ip netns exec "$UP" timeout 4 tcpdump -i sw -n -l -U "icmp[icmptype] = icmp-echoreply and src 198.18.6.101" >"$cap" 2>"$cap.err" &
	local tpid=$!
	busywait 3000 grep -q "listening on" "$cap.err"
	ip netns exec "$DIR" ping -c 3 -i 0.2 -W 1 -I 198.18.6.1 198.18.6.101 >/dev/null 2>&1
	sleep 0.3
	kill "$tpid" 2>/dev/null; wait "$tpid" 2>/dev/null
	grep -c "echo reply" "$cap"
}

check_eq "without the policy the DR VIP on lo is answered by ARP" "02:00:c6:12:06:10" \
	"$(arp_replies "$UP" sw 198.18.6.100)"
check_eq "and strict rp_filter drops the tunnelled requests (no replies)" 0 "$(echo_replies)"
rc=0; out=$(ip netns exec "$HOST" "$SWITCHD" --doctor -j -c "$CONF") || rc=$?
ids=$(echo "$out" | jq -r '[.hazards[] | "\(.id) \(.object)"] | join(";")')
check_eq "doctor: hazards" 1 "$rc"
check_match "the VIP answered on eth0" "vip-answered eth0 198.18.6.100" "$ids"
check_match "the VIP announced on eth0" "vip-announced eth0 198.18.6.100" "$ids"
check_match "strict rp_filter on the tunnel" "rpfilter-strict tun9" "$ids"
check_match "and what differs from the config" "config-drift" "$ids"

switchd_start "$HOST" "$CONF"
sys() { ip netns exec "$HOST" cat /proc/sys/net/ipv4/conf/$1; }
check_eq "all: arp_ignore 1, arp_announce 2" "1 2" "$(sys all/arp_ignore) $(sys all/arp_announce)"
check_eq "tun9: rp_filter 2 (loose; all stays 1: max(1, 2) = 2)" "1 2" "$(sys all/rp_filter) $(sys tun9/rp_filter)"
ip -n "$UP" neigh flush dev sw
macs=$(arp_replies "$UP" sw 198.18.6.100)
check_eq "the DR VIP is not answered from the client's segment" "" "$macs"
check_eq "the host's own address still is" "02:00:c6:12:06:10" "$(arp_replies "$UP" sw 198.18.6.2)"
# the director routes the VIP to the server's MAC
ip -n "$UP" neigh replace 198.18.6.100 lladdr 02:00:c6:12:06:10 dev sw nud permanent
check_cmd "traffic to the VIP sent to the server's MAC is accepted" \
	ip netns exec "$UP" ping -c 2 -i 0.2 -W 1 198.18.6.100
# the server's ARP requests name its own address, not the VIP
cap=$TESTDIR/req
ip -n "$HOST" neigh flush dev eth0
ip netns exec "$UP" timeout 4 tcpdump -i sw -n -l -U "arp[6:2] = 1" >"$cap" 2>"$cap.err" &
busywait 3000 grep -q "listening on" "$cap.err"
ip netns exec "$HOST" ping -c 1 -W 1 -I 198.18.6.100 198.18.6.1 >/dev/null 2>&1 || true
sleep 0.3
check_match "a request from the VIP resolves with the primary address (arp_announce 2)" \
	"who-has 198.18.6.1 tell 198.18.6.2" "$(cat "$cap")"
check_cmd "and never with the VIP" bash -c "! grep -q 'tell 198.18.6.100' $cap"
check_eq "tunnelled requests now get their replies (3 of 3)" 3 "$(echo_replies)"
rc=0; out=$(sctl "$HOST" doctor) || rc=$?
check_eq "doctor: clean" 0 "$rc"
[ "$rc" = 0 ] || echo "$out" >&2
report
