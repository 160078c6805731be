#!/bin/bash
# What switchd keeps, kept against others: a bridge deleted behind its back
# is re-created at once with its ports, the taps switchd made on it and the
# addresses and routes it carried (nobody else has a copy: address = keep
# moved them there). Changes to what it manages are reported: an address on
# a standby, a port attached elsewhere (left alone), a bridge renamed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
topo_uplink 0
switchd_start "$HOST" "$CONF"
check_cmd "tap add" sctl "$HOST" tap add tap7 eth0
before_addrs=$(addrs_of "$HOST" eth0)
before_routes=$(routes_of "$HOST" eth0)
check_eq "the bridge carries the host's addresses" "198.18.0.2/24 2001:db8::2/64" "$before_addrs"

ip -n "$HOST" link del eth0
check_cmd "the deleted bridge is re-created" busywait 3000 \
	bash -c "[ \"\$(ip -n $HOST -d -j link show eth0 2>/dev/null | jq -r '.[0].linkinfo.info_kind')\" = bridge ]"
check_cmd "with its active port" busywait 2000 bash -c "[ \"\$(ip -n $HOST -j link show hweth0 | jq -r '.[0].master')\" = eth0 ]"
check_cmd "and its addresses" busywait 2000 bash -c "[ \"\$(ip -n $HOST -j addr show dev eth0 | jq -r '[.[0].addr_info[] | select(.scope != \"link\") | \"\\(.local)/\\(.prefixlen)\"] | sort | join(\" \")')\" = '$before_addrs' ]"
check_eq "and its routes" "$before_routes" "$(routes_of "$HOST" eth0)"
check_eq "and the tap switchd made on it" "eth0" "$(link_master "$HOST" tap7)"
check_cmd "the host is reachable again" busywait 3000 ip netns exec "$UP" ping -c 1 -W 1 198.18.0.2
check_match "the log says why" "bridge eth0 was deleted by someone else: re-creating it with its ports, 2 addresses, 2 routes and 1 tap" "$(cat "$LOG")"
check_eq "hweth1 still a standby" "" "$(link_master "$HOST" hweth1)"

# an address on a standby: it answers on its own MAC
ip -n "$HOST" addr add 198.18.0.99/24 dev hweth1
check_cmd "an address on a standby is reported" busywait 2000 \
	grep -q "someone gave its standby hweth1 the address 198.18.0.99" "$LOG"
ip -n "$HOST" addr del 198.18.0.99/24 dev hweth1

# a standby attached elsewhere: left alone, and never taken back
ip -n "$HOST" link add other0 type bridge
ip -n "$HOST" link set hweth1 master other0
check_cmd "a standby attached elsewhere is reported" busywait 2000 \
	grep -q "hweth1 (a standby) was attached to other0 by someone else: left alone" "$LOG"
check_eq "show: it is elsewhere" "elsewhere other0" \
	"$(sctl "$HOST" -j show eth0 | jq -r '.bridges[0].ports[] | select(.name == "hweth1") | "\(.role) \(.master)"')"
ip -n "$UP" link set up0 down
sleep 0.5
check_eq "a failover does not take it back" "other0" "$(link_master "$HOST" hweth1)"
check_cmd "a reload leaves it alone too" sctl "$HOST" reload
check_eq "still other0's" "other0" "$(link_master "$HOST" hweth1)"
ip -n "$UP" link set up0 up

# the bridge renamed by someone else
ip -n "$HOST" link set eth0 name eth0x
check_cmd "a renamed bridge is reported" busywait 2000 \
	grep -q "bridge eth0 was renamed to eth0x by someone else" "$LOG"
report
