#!/bin/bash
# claim = yes: an unknown NIC that appears is renamed to the next free hwethN
# and becomes a standby of the bridge that says spares = any (and takes over
# when the active port's cable is pulled); with claim off it is left alone.
# On this kernel no test NIC sits on a bus (no netdevsim), so the veths are
# named ext* and claim_match = ext* makes them count as NICs; a device on a
# bus (pci, usb, virtio) counts without it (unit-tested in test_plan).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
topo_uplink 4
cat >"$CONF" <<EOF2
[switchd]
claim = yes
claim_match = ext*
claim_delay = 300ms
[nic hweth0]
mac = 02:00:c6:12:04:10
[bridge eth0]
ports = hweth0
spares = any
EOF2
ip -n "$HOST" link del eth1 # only hweth0 is configured
switchd_start "$HOST" "$CONF"
check_eq "the configured NIC is the active port" "eth0" "$(link_master "$HOST" hweth0)"

# a card is plugged in at run time
cable "$HOST" ext0 "$UP" upx "02:00:c6:12:04:20"
check_cmd "the unknown NIC is renamed to the next free name, hweth1" busywait 3000 \
	ip -n "$HOST" link show hweth1
check_eq "it is the same device (MAC)" "02:00:c6:12:04:20" "$(link_mac "$HOST" hweth1)"
check_eq "a standby: up, not attached" "" "$(link_master "$HOST" hweth1)"
link_up "$HOST" hweth1 && pass "the standby is up" || fail "the standby is up"
check_match "logged, with what it was" "claimed unknown NIC ext0 \(02:00:c6:12:04:20\) as hweth1, a standby of bridge eth0" "$(cat "$LOG")"
check_match "show lists it as a standby" "hweth1 +standby" "$(sctl "$HOST" show eth0)"
# the active cable is pulled: the claimed NIC takes over
ip -n "$UP" link set up0 down
check_cmd "the claimed NIC takes over when the active cable is pulled" busywait 3000 \
	bash -c "[ \"\$(ip -n $HOST -j link show hweth1 | jq -r '.[0].master')\" = eth0 ]"
check_cmd "and the host is reachable through it" ip netns exec "$UP" ping -c 1 -W 1 198.18.4.2
ip -n "$UP" link set up0 up

# a second card claimed onto the same bridge: its run-time state (counters,
# swap history) exists like the others' — show, a swap to it and its
# announcements read and write it (an ASan build caught a read past the end)
cable "$HOST" ext3 "$UP" upw "02:00:c6:12:04:23"
check_cmd "a second unknown NIC becomes hweth2" busywait 3000 ip -n "$HOST" link show hweth2
check_match "show lists both claimed NICs" "hweth2 +standby" "$(sctl "$HOST" show eth0)"
check_cmd "swap to the second claimed NIC" sctl "$HOST" swap eth0 hweth2
check_eq "show counts its swap" "1 operator" \
	"$(sctl "$HOST" -j show eth0 | jq -r '.bridges[0].ports[] | select(.name == "hweth2") | "\(.swaps) \(.last_swap_reason)"')"
check_cmd "its announcements are counted" busywait 2000 \
	bash -c "[ \"\$(ip netns exec $HOST $SWITCHCTL -s $SOCK -j show eth0 | jq -r '.bridges[0].ports[] | select(.name == \"hweth2\") | .announced')\" -gt 0 ]"
check_eq "the other ports' history is their own" "0 1" \
	"$(sctl "$HOST" -j show eth0 | jq -r '[.bridges[0].ports[] | select(.name != "hweth2") | .swaps] | map(tostring) | join(" ")')"

# a device with an address of its own is someone else's: left alone
nic_add "$HOST" ext1 "$UP" upy "02:00:c6:12:04:21"
ip -n "$HOST" addr add 198.18.5.9/24 dev ext1
sleep 0.5
check_cmd "a NIC in use (with an address) is not claimed" ip -n "$HOST" link show ext1

# claim off: a new NIC is left alone
sed -i 's/^claim = yes/claim = no/; /^claim_match/d; /^spares/d' "$CONF"
check_cmd "reload with claim = no" sctl "$HOST" reload
nic_add "$HOST" ext2 "$UP" upz "02:00:c6:12:04:22"
sleep 0.5
check_cmd "with claim off an unknown NIC keeps its name" ip -n "$HOST" link show ext2
check_eq "and is not attached" "" "$(link_master "$HOST" ext2)"
report
