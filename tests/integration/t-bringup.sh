#!/bin/bash
# Bring-up: NICs renamed, bridges named like them with the NIC's MAC, the
# addresses and routes moved, standbys up and detached; a restart adopts all.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
topo_uplink
cat >>"$CONF" <<EOF2
[bridge int0]
address = 198.18.254.1/24 2001:db8:fe::1/64
[tap tap0]
bridge = int0
owner = nobody
EOF2
for i in $(seq 1 16); do printf '[tap tq%d]\nbridge = int0\n' "$i" >>"$CONF"; done

before_addrs=$(addrs_of "$HOST" eth0)
before_routes=$(routes_of "$HOST" eth0)

# --plan prints the steps and changes nothing
plan=$(ip netns exec "$HOST" "$SWITCHD" -c "$CONF" --plan)
check_match "plan renames the NIC" "rename eth0 \(ifindex [0-9]+\) to hweth0" "$plan"
check_match "plan pins the bridge MAC" "create bridge eth0, MAC 02:00:c6:12:00:10" "$plan"
check_eq "--plan changed nothing" "veth" "$(link_kind "$HOST" eth0)"

switchd_start "$HOST" "$CONF"

check_eq "eth0 is a bridge" "bridge" "$(link_kind "$HOST" eth0)"
check_eq "bridge MAC is the NIC's" "02:00:c6:12:00:10" "$(link_mac "$HOST" eth0)"
check_eq "hweth0 is the NIC" "02:00:c6:12:00:10" "$(link_mac "$HOST" hweth0)"
check_eq "hweth0 is attached" "eth0" "$(link_master "$HOST" hweth0)"
check_eq "hweth1 is a standby: not attached" "" "$(link_master "$HOST" hweth1)"
check_cmd "hweth1 is up" link_up "$HOST" hweth1
check_eq "addresses moved to the bridge" "$before_addrs" "$(addrs_of "$HOST" eth0)"
check_eq "routes moved to the bridge" "$before_routes" "$(routes_of "$HOST" eth0)"
check_eq "no address left on the NIC" "" "$(ip -n "$HOST" -j addr show dev hweth0 | jq -r '.[0].addr_info | length' | sed 's/^0$//')"
check_eq "int0 has its addresses" "198.18.254.1/24 2001:db8:fe::1/64" "$(addrs_of "$HOST" int0)"
check_eq "tap0 is on int0" "int0" "$(link_master "$HOST" tap0)"
# no guest has opened a tap: no carrier, so its port is disabled from the
# start; attached before the kernel's link-watch had run for the new tap
# (operstate still "unknown"), the bridge would forward on it for up to a
# second, and add such ports at O(ports) each (kernel-notes 38)
check_eq "taps without a guest: 17 ports disabled at ready, none forwarding" "17 disabled" \
	"$(ip -n "$HOST" -d -j link show master int0 | jq -r '[.[] | select(.linkinfo.info_kind == "tun") | .linkinfo.info_slave_data.state] | "\(length) \(unique | join(" "))"')"
check_eq "tap0 is persistent, owned by nobody" "true nobody" "$(ip -n "$HOST" -d -j link show tap0 | jq -r '.[0].linkinfo.info_data | "\(.persist) \(.user)"')"
check_cmd "the host answers on its address" ip netns exec "$UP" ping -c 1 -W 2 198.18.0.2
check_cmd "and on IPv6" ip netns exec "$UP" ping -6 -c 1 -W 2 2001:db8::2

show=$(sctl "$HOST" show)
check_match "show: bridge line" "eth0  bridge  02:00:c6:12:00:10 \(pinned\)  up, carrier  198.18.0.2/24 2001:db8::2/64" "$show"
check_match "show: active port" "hweth0 +active +carrier" "$show"
check_match "show: standby port" "hweth1 +standby +carrier" "$show"
check_match "show: tap" "tap0 +tap" "$show"
check_eq "show -j: roles" "active standby" "$(sctl "$HOST" -j show eth0 | jq -r '[.bridges[0].ports[].role] | join(" ")')"
check_eq "status" "2" "$(sctl "$HOST" -j status | jq -r .bridges)"

# a restart adopts everything: nothing planned, nothing bounced
br_index=$(link_ifindex "$HOST" eth0)
carrier_before=$(ip netns exec "$HOST" cat /sys/class/net/eth0/carrier_changes)
switchd_stop
check_eq "bridges stay when switchd stops" "eth0" "$(link_master "$HOST" hweth0)"
check_match "a second --plan has nothing to do" "nothing to do: the host is as configured" \
	"$(ip netns exec "$HOST" "$SWITCHD" -c "$CONF" --plan)"
switchd_start "$HOST" "$CONF"
check_eq "the bridge was adopted, not re-created" "$br_index" "$(link_ifindex "$HOST" eth0)"
check_eq "the bridge did not bounce" "$carrier_before" "$(ip netns exec "$HOST" cat /sys/class/net/eth0/carrier_changes)"
check_eq "the restart changed nothing" "0" "$(grep -c "applied the configuration" "$LOG")"
report
