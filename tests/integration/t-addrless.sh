#!/bin/bash
# An address-less bridge (address = none): the host has no address on that
# segment and answers nothing there, not even for its addresses elsewhere;
# the guests behind it are reachable from the client on the uplink.
. "$(dirname "$0")/lib.sh"
require_root
command -v tcpdump >/dev/null && command -v arping >/dev/null || skip "needs tcpdump and arping"
HOST=$(ns_name host)
UP=$(ns_name up)
GUEST=$(ns_name guest)
ns_create "$HOST" "$UP" "$GUEST"
switch_add "$UP" 198.18.6.1/24
cable "$HOST" eth0 "$UP" up0 "02:00:c6:12:06:10"
# the host's own address lives elsewhere (here on lo)
ip -n "$HOST" addr add 198.18.6.2/32 dev lo
ip -n "$HOST" link add vnet0 type veth peer name eth0 netns "$GUEST"
ip -n "$HOST" link set vnet0 up
ip -n "$GUEST" link set eth0 address 02:00:c6:12:06:50 up
ip -n "$GUEST" addr add 198.18.6.50/24 dev eth0

CONF=$TESTDIR/switchd.conf
cat >"$CONF" <<EOF2
[nic hweth0]
mac = 02:00:c6:12:06:10
[bridge eth0]
ports = hweth0
address = none
guests = vnet*
[tap tap0]
bridge = eth0
EOF2
# before: the NIC itself, with arp_ignore 0, answers for the host's lo address
check_eq "without switchd the host answers for its address on this segment" "02:00:c6:12:06:10" \
	"$(arp_replies "$UP" sw 198.18.6.2)"
switchd_start "$HOST" "$CONF"
check_eq "bridge eth0 has no address at all (IPv4 or IPv6)" "" "$(ip -n "$HOST" -o addr show dev eth0)"
check_eq "the tap and the guest are its ports" "eth0 eth0" \
	"$(link_master "$HOST" tap0) $(link_master "$HOST" vnet0)"
check_eq "arp_ignore 1 on it (nothing on it to answer for)" 1 \
	"$(ip netns exec "$HOST" cat /proc/sys/net/ipv4/conf/eth0/arp_ignore)"
ip -n "$UP" neigh flush dev sw
check_eq "the host does not answer on this segment" "" "$(arp_replies "$UP" sw 198.18.6.2)"
check_cmd "and is not reachable there" bash -c "! ip netns exec $UP ping -c 1 -W 1 198.18.6.2"
check_eq "the guest answers for itself" "02:00:c6:12:06:50" "$(arp_replies "$UP" sw 198.18.6.50)"
check_cmd "the client reaches the guest through the bridge" \
	ip netns exec "$UP" ping -c 2 -i 0.2 -W 1 198.18.6.50
check_cmd "doctor: clean" sctl "$HOST" doctor
report
