#!/bin/bash
# Proxy ARP only where it belongs (seed: openvz-arp-flux.txt): a guest's IP,
# routed behind an internal address-less bridge, is answered on the uplink
# bridge that lists it and on no other device; the guest reaches the client
# through the proxy entry on its own bridge. Removing a line removes its entry.
. "$(dirname "$0")/lib.sh"
require_root
command -v tcpdump >/dev/null && command -v arping >/dev/null || skip "needs tcpdump and arping"
HOST=$(ns_name host)
UP=$(ns_name up)
UP2=$(ns_name up2)
GUEST=$(ns_name guest)
ns_create "$HOST" "$UP" "$UP2" "$GUEST"
for u in "$UP:sw:0" "$UP2:sw2:1"; do
	IFS=: read -r ns br i <<<"$u"
	ip -n "$ns" link add "$br" type bridge
	ip -n "$ns" link set "$br" up
	ip -n "$ns" addr add 198.18.7.1/24 dev "$br"
	nic_add "$HOST" eth$i "$ns" up$i "02:00:c6:12:07:1$i"
	ip -n "$ns" link set up$i master "$br"
done
ip -n "$HOST" addr add 198.18.7.2/24 dev eth0
ip -n "$HOST" link add vnet0 type veth peer name eth0 netns "$GUEST"
ip -n "$GUEST" link set eth0 up
ip -n "$HOST" link set vnet0 up
ip -n "$GUEST" addr add 198.18.7.50/24 dev eth0
# the host's distribution filters reverse paths loosely everywhere (systemd)
ip netns exec "$HOST" sysctl -qw net.ipv4.conf.all.rp_filter=2

CONF=$TESTDIR/switchd.conf
write_conf() {
	cat >"$CONF" <<EOF2
[nic hweth0]
mac = 02:00:c6:12:07:10
[nic hweth1]
mac = 02:00:c6:12:07:11

[bridge eth0]
ports = hweth0
proxy_arp = 198.18.7.50

[bridge eth1]
ports = hweth1
address = none

[bridge int0]
address = none
guests = vnet*
$1
EOF2
}
write_conf "proxy_arp = 198.18.7.1"
switchd_start "$HOST" "$CONF"
check_match "an entry whose target has no route yet is flagged at start" \
	"bridge eth0: proxy_arp 198.18.7.50 is not answered until 198.18.7.50 is routed out of another device \(its route leaves through this bridge\)" \
	"$(cat "$LOG")"
ip -n "$HOST" route add 198.18.7.50/32 dev int0

proxies() { ip -n "$HOST" neigh show proxy | sort | tr '\n' ';'; }
check_eq "proxy entries exactly on the bridges that list them" \
	"198.18.7.1 dev int0 proxy ;198.18.7.50 dev eth0 proxy ;" "$(proxies)"
sys() { ip netns exec "$HOST" cat /proc/sys/net/ipv4/$1; }
check_eq "forwarding on the proxy bridges only (eth0 int0 eth1)" "1 1 0" \
	"$(sys conf/eth0/forwarding) $(sys conf/int0/forwarding) $(sys conf/eth1/forwarding)"
check_eq "proxy_delay 0 on them" "0 0" "$(sys neigh/eth0/proxy_delay) $(sys neigh/int0/proxy_delay)"
check_eq "rp_filter: all lowered to 0 so the address-less int0 gets 0" "0 0" \
	"$(sys conf/all/rp_filter) $(sys conf/int0/rp_filter)"
check_eq "and the other devices keep effective 2 through their own value" "2 2" \
	"$(sys conf/eth0/rp_filter) $(sys conf/eth1/rp_filter)"
check_eq "conf/all/proxy_arp stays 0 (no proxying everywhere)" 0 "$(sys conf/all/proxy_arp)"

check_eq "the client's request for the guest is answered by eth0's MAC" "02:00:c6:12:07:10" \
	"$(arp_replies "$UP" sw 198.18.7.50)"
check_eq "the same request on eth1's segment is not answered" "" \
	"$(arp_replies "$UP2" sw2 198.18.7.50)"
check_eq "the guest's request for the client is answered by int0's MAC" \
	"$(link_mac "$HOST" int0)" "$(arp_replies "$GUEST" eth0 198.18.7.1)"
check_cmd "the client reaches the guest through the host" \
	ip netns exec "$UP" ping -c 2 -i 0.2 -W 1 198.18.7.50
check_eq "int0 has no address" "" "$(ip -n "$HOST" -4 -o addr show dev int0)"

rc=0; out=$(sctl "$HOST" doctor) || rc=$?
check_eq "doctor: nothing to report" "0" "$rc"
[ "$rc" = 0 ] || echo "$out" >&2

# rp_filter changes are announced (netconf): put back at once, not after 2 s
t0=$(date +%s%3N)
ip netns exec "$HOST" sysctl -qw net.ipv4.conf.int0.rp_filter=1
check_cmd "int0's rp_filter changed by someone else is put back" busywait 2000 \
	bash -c "[ \$(ip netns exec $HOST cat /proc/sys/net/ipv4/conf/int0/rp_filter) = 0 ]"
echo "# rp_filter restored after $(($(date +%s%3N) - t0)) ms"

# the line goes: its entry goes, the other stays
write_conf ""
check_cmd "reload" sctl "$HOST" reload
check_eq "int0's entry is removed, eth0's stays" "198.18.7.50 dev eth0 proxy ;" "$(proxies)"
check_match "logged" "proxy int0: remove proxy-ARP entry 198.18.7.1 from int0" "$(cat "$LOG")"
# int0 proxies nothing now, but eth0's 198.18.7.50 is routed out of it: the
# guest's replies come in on int0 and are forwarded only with its forwarding on
ip netns exec "$HOST" sysctl -qw net.ipv4.conf.int0.forwarding=0
check_cmd "forwarding is kept on where the proxied address is routed (int0)" busywait 3000 \
	bash -c "[ \$(ip netns exec $HOST cat /proc/sys/net/ipv4/conf/int0/forwarding) = 1 ]"
check_match "and it is said" "policy: changed outside switchd: set conf/int0/forwarding = 1 \(was 0\)" "$(cat "$LOG")"
check_cmd "the client still reaches the guest" ip netns exec "$UP" ping -c 2 -i 0.2 -W 1 198.18.7.50

# someone else adds an entry on a bridge switchd manages: removed on re-check
ip -n "$HOST" neigh add proxy 198.18.7.77 dev eth0
ip -n "$HOST" link set lo mtu 65535 # any netconf-less change; the periodic re-check runs anyway
check_cmd "a foreign entry on a managed bridge goes within the re-check period" busywait 4000 \
	bash -c "[ \"\$(ip -n $HOST neigh show proxy | grep -c 198.18.7.77)\" = 0 ]"

# doctor on a crafted hazard: the same IP proxied on two devices, one
# without forwarding, and a bridge whose MAC nobody pinned
ip -n "$HOST" link add br9 type bridge
ip -n "$HOST" link set br9 up
ip -n "$HOST" neigh add proxy 198.18.7.50 dev br9
ip -n "$HOST" neigh add proxy 198.19.9.9 dev br9 # no route to it at all
rc=0; out=$(ip netns exec "$HOST" "$SWITCHD" --doctor -j -c /nonexistent) || rc=$?
check_eq "switchd --doctor: hazards, exit 1" 1 "$rc"
ids=$(echo "$out" | jq -r '[.hazards[] | "\(.id) \(.object)"] | join(";")')
check_match "the IP proxied on two devices" "proxy-multi 198.18.7.50" "$ids"
check_match "br9 cannot answer: forwarding 0" "proxy-dead br9 198.18.7.50" "$ids"
check_match "br9's MAC is not pinned" "mac-unpinned br9" "$ids"
check_match "an entry with no route to its target cannot answer" "proxy-dead br9 198.19.9.9" "$ids"
check_match "the reason is said" "no unicast route to 198.19.9.9" "$(echo "$out" | jq -r '.hazards[].problem')"
check_match "br9 has no address and took default's rp_filter 2: requests dropped" "proxy-rpfilter br9" "$ids"
ip -n "$HOST" neigh del proxy 198.18.7.50 dev br9
ip -n "$HOST" neigh del proxy 198.19.9.9 dev br9
ip -n "$HOST" link del br9
check_cmd "after the fix doctor is clean again" sctl "$HOST" doctor
report
