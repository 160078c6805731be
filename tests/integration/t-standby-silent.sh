#!/bin/bash
# A standby is silent from the moment switchd first touches it: at start-up
# and when a replacement card appears, its arp_ignore and disable_ipv6 are
# written before it is brought up, so the switch side of its cable sees no
# frame with its MAC and no IPv6 at all (no link-local, DAD, MLD or router
# solicitation of its own), and the kernel never gives it an IPv6 address,
# not even for a moment (`ip monitor` from before switchd starts: on a slow
# boot such an address lived 4 s and spoke with the standby's MAC).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
command -v tcpdump >/dev/null || skip "needs tcpdump"
STANDBY_MAC=02:00:c6:12:00:11

# capture_start NS IFACE NAME: what the host side sends into IFACE; sets CAP, CAP_PID
capture_start() {
	CAP=$TESTDIR/$3.cap
	ip netns exec "$1" tcpdump -i "$2" -Q in -e -n -l -U "ether src $STANDBY_MAC or ip6" \
		>"$CAP" 2>"$CAP.err" &
	CAP_PID=$!
	defer "kill $CAP_PID"
	busywait 3000 grep -q "listening on" "$CAP.err" || fail "tcpdump on $2 did not start"
}
capture_stop() {
	kill "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
}

# monitor_start: every address the host's devices get, from now on
monitor_start() {
	MON=$TESTDIR/addr.mon
	ip -n "$HOST" -o monitor address >"$MON" 2>&1 &
	defer "kill $!"
	sleep 0.2 # ip monitor has no ready signal; it subscribes at once
}
# standby_addrs: the standby's link-local (EUI-64 of its MAC), added or
# deleted: ip monitor names devices from a cache that renames outdate, and
# prints a tentative address only when it goes
# (from line ${1:-1} of the monitor's output on)
standby_addrs() { tail -n "+${1:-1}" "$MON" | grep -F "inet6 fe80::c6ff:fe12:11/" | sed 's/  */ /g'; }

topo_uplink
# at boot the standby is down and nothing has configured it yet
ip -n "$HOST" link set eth1 down
monitor_start
capture_start "$UP" up1 boot
switchd_start "$HOST" "$CONF"
busywait 5000 link_up "$HOST" hweth1
check_cmd "the standby is up (its carrier is watched)" link_up "$HOST" hweth1
check_eq "the standby is not attached" "" "$(link_master "$HOST" hweth1)"
# IPv6 would speak within about a second of the up: DAD after up to
# rtr_solicit_delay (1 s), router solicitations after it
sleep 1.5
capture_stop
check_eq "start-up: nothing from the standby, no IPv6 on its cable" "" "$(grep -v '^$' "$CAP")"
check_eq "start-up: the standby never had an IPv6 address" "" "$(standby_addrs)"
check_eq "the standby has IPv6 off" "1" "$(ip netns exec "$HOST" cat /proc/sys/net/ipv6/conf/hweth1/disable_ipv6)"
check_eq "the standby answers no ARP" "8" "$(ip netns exec "$HOST" cat /proc/sys/net/ipv4/conf/hweth1/arp_ignore)"

# the standby's card is pulled and a replacement with its MAC is plugged
# in: its cable (and the capture) exist before the card appears to the host
ip -n "$HOST" link del hweth1
from=$(($(wc -l <"$MON") + 1))
ip -n "$UP" link add up2 type veth peer name eth5 address "$STANDBY_MAC"
ip -n "$UP" link set up2 master sw
ip -n "$UP" link set up2 up
capture_start "$UP" up2 replace
ip -n "$UP" link set eth5 netns "$HOST"
busywait 5000 link_exists "$HOST" hweth1
busywait 5000 link_up "$HOST" hweth1
check_cmd "the replacement is the standby hweth1 again" link_up "$HOST" hweth1
check_eq "the replacement is not attached" "" "$(link_master "$HOST" hweth1)"
sleep 1.5
capture_stop
check_eq "replacement: nothing from it, no IPv6 on its cable" "" "$(grep -v '^$' "$CAP")"
check_eq "replacement: it never had an IPv6 address" "" "$(standby_addrs "$from")"
check_eq "the replacement has IPv6 off" "1" "$(ip netns exec "$HOST" cat /proc/sys/net/ipv6/conf/hweth1/disable_ipv6)"
check_cmd "the host still answers through the bridge" ip netns exec "$UP" ping -c 1 -W 2 198.18.0.2
report
