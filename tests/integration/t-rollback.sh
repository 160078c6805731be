#!/bin/bash
# A step the kernel refuses rolls back that bridge: names, addresses and
# routes as they were; the failure names the step and the kernel's reason;
# the other bridges still come up and the daemon keeps running.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
topo_uplink
cat >>"$CONF" <<EOF2
[bridge int0]
address = 198.18.254.1/24
[bridge lan9]
address = none
EOF2
# a device switchd does not own already has the name of a configured bridge
ip -n "$HOST" link add lan9 type veth peer name lan9-peer
# New devices get IPv6 disabled: the bridge will refuse eth0's IPv6 address.
ip netns exec "$HOST" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
before_addrs=$(addrs_of "$HOST" eth0)
before_routes=$(routes_of "$HOST" eth0)

switchd_start "$HOST" "$CONF"
check_match "the failure names the step and the reason" \
	"bridge eth0: add address 2001:db8::2/64 to eth0: .*" "$(cat "$LOG")"
check_match "then rolls back" "undone: rename eth0 \(ifindex [0-9]+\) to hweth0" "$(cat "$LOG")"
check_eq "eth0 is the NIC again" "veth" "$(link_kind "$HOST" eth0)"
check_eq "its addresses are as they were" "$before_addrs" "$(addrs_of "$HOST" eth0)"
check_eq "its routes are as they were" "$before_routes" "$(routes_of "$HOST" eth0)"
check_cmd "no half-made hweth0" bash -c "! ip -n $HOST link show hweth0"
check_eq "the standby got its name back too" "veth" "$(link_kind "$HOST" eth1)"
check_cmd "the host still answers" ip netns exec "$UP" ping -c 1 -W 2 198.18.0.2
check_eq "the other bridge came up" "bridge" "$(link_kind "$HOST" int0)"
check_eq "a name held by a stranger: one clear line" "1" \
	"$(grep -c 'bridge lan9: the name lan9 is taken by veth device (ifindex [0-9]*) that is not in the config' "$LOG")"
check_eq "the stranger is untouched" "veth" "$(link_kind "$HOST" lan9)"
check_eq "status counts both failures" "2" "$(sctl "$HOST" -j status | jq -r .failed_groups)"
check_match "show says the bridge is missing" "eth0  bridge  \(not present\)" "$(sctl "$HOST" show eth0)"
report
