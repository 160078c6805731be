#!/bin/bash
# The active port goes down while its carrier stays on (what a card being
# removed looks like: closed first, unregistered long after, and drivers
# such as virtio_net keep netif_carrier_ok() when closed): the bridge has
# disabled it at once, so the standby takes over at once, not when the
# device finally disappears. A tap held open stands in for such a NIC: its
# carrier is ours (TUNSETCARRIER) and survives "ip link set down"; taps are
# never matched by MAC, so it carries the port's name already. No carrier
# poll: the poll would see it too (ETHTOOL_GLINK is 0 for a device that is
# not running), but the flags event must be enough.
. "$(dirname "$0")/lib.sh"
require_root
TAPCARRIER=${TAPCARRIER:-$(dirname "$SWITCHD")/../tests/bench/tapcarrier}
[ -x "$TAPCARRIER" ] || skip "no tapcarrier helper at $TAPCARRIER (make check builds it)"
HOST=$(ns_name host)
UP=$(ns_name up)
ns_create "$HOST" "$UP"
switch_add "$UP" 198.18.7.1/24
mkfifo "$TESTDIR/car.in"
ip netns exec "$HOST" "$TAPCARRIER" hweth0 <"$TESTDIR/car.in" >"$TESTDIR/car.out" 2>&1 &
defer "kill $! 2>/dev/null"
exec 7>"$TESTDIR/car.in"
defer "exec 7>&-"
busywait 2000 grep -q ready "$TESTDIR/car.out" || { fail "tapcarrier did not start"; report; }
ip -n "$HOST" link set hweth0 address 02:00:c6:12:07:10 up
cable "$HOST" eth1 "$UP" up1 02:00:c6:12:07:11
CONF=$TESTDIR/switchd.conf
cat >"$CONF" <<CONF
[nic hweth0]
name = hweth0
[nic hweth1]
mac = 02:00:c6:12:07:11
[bridge eth0]
ports = hweth0 hweth1
carrier_poll = 0
CONF
switchd_start "$HOST" "$CONF"
check_eq "the tap NIC is the active port" "eth0" "$(link_master "$HOST" hweth0)"
check_eq "its carrier is on" "1" "$(ip netns exec "$HOST" cat /sys/class/net/hweth0/carrier)"
sctl "$HOST" -j monitor >"$TESTDIR/events" 2>&1 &
defer "kill $! 2>/dev/null"
sleep 0.2
t0=$(date +%s%3N)
ip -n "$HOST" link set hweth0 down
check_cmd "the standby takes over when the active port goes down" \
	busywait 2000 bash -c "[ \"\$(ip -n $HOST -j link show hweth1 | jq -r '.[0].master')\" = eth0 ]"
swapped=$(jq -r 'select(.type == "swap") | .time' "$TESTDIR/events" | head -1)
[ -n "$swapped" ] && echo "swap $(($(date -d "$swapped" +%s%3N) - t0)) ms after 'ip link set down' began (its carrier still on)"
check_cmd "the device is still there" link_exists "$HOST" hweth0
check_match "the swap says why" '"reason": *"hweth0 went down"' "$(cat "$TESTDIR/events")"
report
