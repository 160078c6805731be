#!/bin/bash
# switchd --undo gives the host back its plain NICs: after convert + undo
# the host is as before (names, MACs, addresses, routes, its IPv6
# link-local), the bridges and taps switchd made are gone, a ping still
# works. --undo --plan changes nothing; --undo refuses while switchd runs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
topo_uplink
cat >"$CONF" <<EOF2
[nic hweth0]
mac = 02:00:c6:12:00:10
[nic hweth1]
name = eth1
[bridge eth0]
ports = hweth0 hweth1
address = keep
[bridge int0]
address = 198.18.254.1/24
[tap tap0]
bridge = int0
EOF2
links() { # name, MAC and kind of every device but lo, sorted
	ip -n "$HOST" -d -j link show | jq -r '.[] | select(.ifname != "lo") |
		"\(.ifname) \(.address) \(.linkinfo.info_kind // "")"' | sort | tr '\n' ';'
}
lladdr() { ip -n "$HOST" -j addr show dev "$1" | jq -r '[.[0].addr_info[] | select(.scope == "link") | .local] | join(" ")'; }

before_links=$(links)
before_addrs=$(addrs_of "$HOST" eth0)
before_routes=$(routes_of "$HOST" eth0)
before_ll=$(lladdr eth0)

switchd_start "$HOST" "$CONF"
check_eq "converted: eth0 is a bridge" "bridge" "$(link_kind "$HOST" eth0)"
out=$(ip netns exec "$HOST" "$SWITCHD" -c "$CONF" -s "$SOCK" --undo 2>&1); rc=$?
check_eq "--undo while switchd runs: exit 1" "1" "$rc"
check_match "--undo while switchd runs: says why" "switchd is running .* stop it first" "$out"
check_eq "and changes nothing" "bridge" "$(link_kind "$HOST" eth0)"
switchd_stop

plan=$(ip netns exec "$HOST" "$SWITCHD" -c "$CONF" -s "$SOCK" --undo --plan 2>&1); rc=$?
check_eq "--undo --plan: exit 0" "0" "$rc"
check_match "--undo --plan: the addresses go back to the NIC" "add address 198.18.0.2/24 to hweth0" "$plan"
check_match "--undo --plan: the NIC takes the bridge's name" "rename hweth0 \(ifindex [0-9]+\) to eth0" "$plan"
check_match "--undo --plan: the tap goes" "delete tap0" "$plan"
check_eq "--undo --plan changed nothing" "bridge" "$(link_kind "$HOST" eth0)"

out=$(ip netns exec "$HOST" "$SWITCHD" -c "$CONF" -s "$SOCK" --undo -l stderr 2>&1); rc=$?
check_eq "--undo: exit 0" "0" "$rc" || echo "$out" >&2
check_match "--undo: says it" "undone: [0-9]+ steps" "$out"
check_eq "names, MACs and kinds as before" "$before_links" "$(links)"
check_eq "addresses as before" "$before_addrs" "$(addrs_of "$HOST" eth0)"
check_eq "routes as before" "$before_routes" "$(routes_of "$HOST" eth0)"
busywait 3000 test "$(lladdr eth0)" = "$before_ll"
check_eq "the NIC has its link-local again" "$before_ll" "$(lladdr eth0)"
check_eq "it answers ARP again" "0" "$(ip netns exec "$HOST" cat /proc/sys/net/ipv4/conf/eth0/arp_ignore)"
check_eq "the other NIC has IPv6 again" "0" "$(ip netns exec "$HOST" cat /proc/sys/net/ipv6/conf/eth1/disable_ipv6)"
check_cmd "a ping still works" ip netns exec "$UP" ping -c 1 -W 2 198.18.0.2
check_cmd "and over IPv6" ip netns exec "$UP" ping -6 -c 1 -W 3 2001:db8::2
check_cmd "the host reaches beyond its gateway's network (the moved route)" \
	sh -c "ip -n $HOST route get 198.19.0.9 | grep -q 'dev eth0'"
check_match "a second undo has nothing to do" "nothing to undo" \
	"$(ip netns exec "$HOST" "$SWITCHD" -c "$CONF" -s "$SOCK" --undo --plan 2>&1)"
# and switchd converts it again, as on the first day
switchd_start "$HOST" "$CONF"
check_eq "converted again" "eth0" "$(link_master "$HOST" hweth0)"
check_eq "with the addresses" "$before_addrs" "$(addrs_of "$HOST" eth0)"
report
