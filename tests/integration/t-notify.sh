#!/bin/bash
# Readiness under a service manager (sd_notify, as systemd's Type=notify
# reads it, without systemd): with boot_wait, nothing is converted and no
# READY=1 is sent while a configured NIC is missing; READY=1 comes once the
# bridge exists with its addresses; RELOADING=1 then READY=1 around
# `switchctl reload` and SIGHUP; WATCHDOG=1 when WATCHDOG_USEC is set;
# STOPPING=1 on TERM. A NIC that comes after boot_wait is converted when it
# appears, and the bridge made without it is not bounced. An abstract
# NOTIFY_SOCKET (@name) works; WATCHDOG_USEC for another WATCHDOG_PID is not
# switchd's (switchd sends the datagram itself, not through libsystemd).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
NOTIFY_RECV=${NOTIFY_RECV:-$(dirname "$SWITCHD")/../tests/integration/notify-recv}
[ -x "$NOTIFY_RECV" ] || skip "no notify-recv helper at $NOTIFY_RECV (make check builds it)"

# notify_listen NAME: a datagram socket the test reads; sets NSOCK, NOUT.
notify_listen() {
	NSOCK=$TESTDIR/$1.sock
	NOUT=$TESTDIR/$1.out
	"$NOTIFY_RECV" "$NSOCK" >"$NOUT" 2>&1 &
	defer "kill $!"
	busywait 3000 test -S "$NSOCK" || fail "notify-recv did not bind $NSOCK"
}
# late_nic NAME PEER MAC: a NIC appears in the host, its cable already in
# the switch (created there and moved: switchd takes it from its first event)
late_nic() {
	ip -n "$UP" link add "$2" type veth peer name "$1" address "$3"
	ip -n "$UP" link set "$2" master sw
	ip -n "$UP" link set "$2" up
	ip -n "$UP" link set "$1" netns "$HOST"
}
# line_of REGEX: the first line of the messages matching it (0: none)
line_of() { grep -n -m1 -E "$1" "$NOUT" | cut -d: -f1 | grep . || echo 0; }
# line_after N REGEX: the first matching line after line N (0: none)
line_after() { awk -v n="$1" -v re="$2" 'NR > n && $0 ~ re { print NR; exit }' "$NOUT" | grep . || echo 0; }

# ---- boot_wait and READY=1 ----------------------------------------------
topo_uplink
ip -n "$HOST" link del eth1 # its driver has not loaded yet
{ printf '[switchd]\nboot_wait = 30s\n'; cat "$CONF"; } >"$CONF.new" && mv "$CONF.new" "$CONF"
before_addrs=$(addrs_of "$HOST" eth0)
notify_listen boot
NOTIFY_SOCKET=$NSOCK WATCHDOG_USEC=100000 switchd_start "$HOST" "$CONF"

busywait 5000 grep -q "STATUS=waiting up to 30s for NICs: hweth1" "$NOUT"
check_match "STATUS says which NIC it waits for" "STATUS=waiting up to 30s for NICs: hweth1 \(02:00:c6:12:00:11\)" "$(cat "$NOUT")"
check_eq "no READY=1 while a configured NIC is missing" "0" "$(line_of '^READY=1')"
check_eq "nothing converted while waiting" "veth" "$(link_kind "$HOST" eth0)"
busywait 3000 grep -q "WATCHDOG=1" "$NOUT"
check_match "WATCHDOG=1 from the loop while it waits" "WATCHDOG=1" "$(cat "$NOUT")"

late_nic eth1 up1 02:00:c6:12:00:11 # the late driver loads
busywait 10000 grep -q "^READY=1" "$NOUT"
# read the kernel at once: READY=1 means the bridge is there with its addresses
kind=$(link_kind "$HOST" eth0)
addrs=$(addrs_of "$HOST" eth0)
check_eq "at READY=1 eth0 is a bridge" "bridge" "$kind"
check_eq "at READY=1 the bridge has the host's addresses" "$before_addrs" "$addrs"
check_eq "at READY=1 the late NIC is a standby" "hweth1 " "$(link_exists "$HOST" hweth1 && echo hweth1) $(link_master "$HOST" hweth1)"
check_match "READY=1 comes with a STATUS" "READY=1 STATUS=running: 1 bridges as configured" "$(cat "$NOUT")"
check_cmd "the host answers on its address" ip netns exec "$UP" ping -c 1 -W 2 198.18.0.2

# reloads: RELOADING=1, then READY=1 again
ready=$(line_of '^READY=1')
sctl "$HOST" reload >/dev/null
busywait 5000 test "$(line_after "$ready" '^READY=1')" != 0
reloading=$(line_after "$ready" '^RELOADING=1')
check_match "switchctl reload: RELOADING=1" "^[1-9]" "$reloading"
check_match "switchctl reload: READY=1 after it" "^[1-9]" "$(line_after "$reloading" '^READY=1')"
ready=$(line_after "$reloading" '^READY=1')
kill -HUP "$PID"
busywait 5000 test "$(line_after "$ready" '^READY=1')" != 0
reloading=$(line_after "$ready" '^RELOADING=1')
check_match "SIGHUP: RELOADING=1" "^[1-9]" "$reloading"
check_match "SIGHUP: READY=1 after it" "^[1-9]" "$(line_after "$reloading" '^READY=1')"
check_match "RELOADING=1 carries MONOTONIC_USEC" "RELOADING=1 STATUS=reloading the configuration MONOTONIC_USEC=[0-9]+" "$(cat "$NOUT")"

switchd_stop
busywait 3000 grep -q "^STOPPING=1" "$NOUT"
check_match "TERM: STOPPING=1" "STOPPING=1" "$(cat "$NOUT")"

# ---- a NIC later than boot_wait ------------------------------------------
topo_uplink 1
ip -n "$HOST" link del eth1
{ printf '[switchd]\nboot_wait = 200ms\n'; cat "$CONF"; } >"$CONF.new" && mv "$CONF.new" "$CONF"
before_addrs=$(addrs_of "$HOST" eth0)
before_routes=$(routes_of "$HOST" eth0)
# an abstract name, in switchd's namespace; a watchdog meant for pid 1
NSOCK=@switchd-t-notify-$$
NOUT=$TESTDIR/late.out
ip netns exec "$HOST" "$NOTIFY_RECV" "$NSOCK" >"$NOUT" 2>&1 &
defer "kill $!"
busywait 3000 sh -c "ip netns exec '$HOST' ss -xl | grep -q '$NSOCK'" || fail "notify-recv did not bind $NSOCK"
NOTIFY_SOCKET=$NSOCK WATCHDOG_USEC=100000 WATCHDOG_PID=1 switchd_start "$HOST" "$CONF"
busywait 5000 grep -q "^READY=1" "$NOUT"
check_match "READY=1 when boot_wait has passed (abstract NOTIFY_SOCKET)" "READY=1" "$(cat "$NOUT")"
check_match "the log names the NIC still missing" "boot_wait: 0.2s passed, still missing: hweth1" "$(cat "$LOG")"
check_eq "the bridge was made without it" "eth0" "$(link_master "$HOST" hweth0)"
br_index=$(link_ifindex "$HOST" eth0)
carrier_before=$(ip netns exec "$HOST" cat /sys/class/net/eth0/carrier_changes)
port_carrier_before=$(ip netns exec "$HOST" cat /sys/class/net/hweth0/carrier_changes)

late_nic eth1 up1 02:00:c6:12:01:11
busywait 10000 link_exists "$HOST" hweth1
check_cmd "the late NIC is converted when it appears" link_exists "$HOST" hweth1
check_eq "it is a standby: not attached" "" "$(link_master "$HOST" hweth1)"
busywait 3000 link_up "$HOST" hweth1
check_cmd "it is up" link_up "$HOST" hweth1
check_eq "the bridge was not re-created" "$br_index" "$(link_ifindex "$HOST" eth0)"
check_eq "the bridge did not bounce" "$carrier_before" "$(ip netns exec "$HOST" cat /sys/class/net/eth0/carrier_changes)"
check_eq "the active port did not bounce" "$port_carrier_before" "$(ip netns exec "$HOST" cat /sys/class/net/hweth0/carrier_changes)"
check_eq "the active port stayed attached" "eth0" "$(link_master "$HOST" hweth0)"
check_eq "the addresses stayed" "$before_addrs" "$(addrs_of "$HOST" eth0)"
check_eq "the routes stayed" "$before_routes" "$(routes_of "$HOST" eth0)"
check_cmd "the host answers on its address" ip netns exec "$UP" ping -c 1 -W 2 198.18.1.2
check_eq "no WATCHDOG=1 when WATCHDOG_PID is another process" "0" "$(line_of '^WATCHDOG=1')"
report
