#!/bin/bash
# Taps and guests: switchctl tap add/del, guests attached when they appear,
# left alone when they go, and nothing switchd did not create is deleted.
. "$(dirname "$0")/lib.sh"
require_root
HOST=$(ns_name host)
ns_create "$HOST"
# a guest that exists before switchd starts
ip -n "$HOST" link add vnet0 type veth peer name vm0-inside
CONF=$TESTDIR/switchd.conf
cat >"$CONF" <<EOF2
[bridge int0]
address = 198.18.254.1/24
guests = vnet* veth-ct*
EOF2
switchd_start "$HOST" "$CONF"
check_eq "a guest present at start-up is attached" "int0" "$(link_master "$HOST" vnet0)"
check_eq "its peer does not match and is left alone" "" "$(link_master "$HOST" vm0-inside)"

ip -n "$HOST" link add veth-ct1 type veth peer name ct1-inside
check_cmd "a guest that appears is attached" busywait 2000 bash -c "[ \"\$(ip -n $HOST -j link show veth-ct1 | jq -r '.[0].master')\" = int0 ]"
ip -n "$HOST" link del veth-ct1
check_cmd "a guest that goes is left alone" sctl "$HOST" status
check_match "show lists the guest" "vnet0 +guest" "$(sctl "$HOST" show)"
check_cmd "the guest present at start-up was brought up" link_up "$HOST" vnet0

# a tap a hypervisor made (QEMU -netdev tap,ifname=vnet1,script=no leaves it
# down and attached to nothing): switchd takes the place of its ifup script
ip -n "$HOST" tuntap add dev vnet1 mode tap
check_cmd "a hypervisor's tap that appears is attached" busywait 2000 \
	bash -c "[ \"\$(ip -n $HOST -j link show vnet1 | jq -r '.[0].master')\" = int0 ]"
check_cmd "and brought up" busywait 1000 link_up "$HOST" vnet1
check_eq "show lists it as a guest, with the pattern that matched" "vnet1 vnet* true" \
	"$(sctl "$HOST" -j show int0 | jq -r '.bridges[0].guests[] | select(.name == "vnet1") | "\(.name) \(.pattern) \(.up)"')"
check_eq "and not as a tap" "" "$(sctl "$HOST" -j show int0 | jq -r '.bridges[0].taps[] | select(.name == "vnet1") | .name')"
check_match "the attach event names the pattern" "attached guest vnet1 \(guests = vnet\*\)" "$(cat "$LOG")"
ip -n "$HOST" link del vnet1

check_eq "tap add" "tap tap1 created on int0" "$(sctl "$HOST" tap add tap1 int0 owner nobody)"
check_eq "the tap is attached" "int0" "$(link_master "$HOST" tap1)"
check_eq "persistent, owned by nobody" "true nobody" "$(ip -n "$HOST" -d -j link show tap1 | jq -r '.[0].linkinfo.info_data | "\(.persist) \(.user)"')"
check_match "show lists the tap" "tap1 +tap" "$(sctl "$HOST" show int0)"
rc=0; out=$(sctl "$HOST" tap add tap1 int0 2>&1) || rc=$?
check_eq "tap add of an existing name" "1 switchctl: tap tap1: a device with this name exists" "$rc $out"
rc=0; out=$(sctl "$HOST" tap add tap2 int0 owner no-such-user 2>&1) || rc=$?
check_eq "tap add with an unknown owner" "1 switchctl: tap tap2: owner no-such-user: no such user" "$rc $out"
check_cmd "and no tap2 was left behind" bash -c "! ip -n $HOST link show tap2"
rc=0; out=$(sctl "$HOST" tap add tap2 int0 owner 4294967296 2>&1) || rc=$?
check_match "a numeric owner out of range is refused (it was uid 0)" "^1 switchctl: tap tap2: owner 4294967296: " "$rc $out"
check_cmd "and no tap2 was made" bash -c "! ip -n $HOST link show tap2"
rc=0; out=$(sctl "$HOST" tap add tap3 eth9 2>&1) || rc=$?
check_eq "tap add on an unknown bridge" "1 switchctl: bridge eth9: no such bridge in the config" "$rc $out"
check_eq "tap del" "tap tap1 deleted" "$(sctl "$HOST" tap del tap1)"
check_cmd "the tap is gone" bash -c "! ip -n $HOST link show tap1"
ip -n "$HOST" tuntap add dev foreign0 mode tap
rc=0; out=$(sctl "$HOST" tap del foreign0 2>&1) || rc=$?
check_eq "a tap switchd did not create is not deleted" "1 switchctl: tap foreign0: not created by switchd; refusing to delete it" "$rc $out"
check_cmd "it is still there" ip -n "$HOST" link show foreign0
rc=0; out=$(sctl "$HOST" tap del vnet0 2>&1) || rc=$?
check_eq "a guest is not a tap" "1 switchctl: vnet0: not a tap" "$rc $out"
report
