#!/bin/bash
# udev_wait: a device udev has not finished with is left alone, so no rename
# of switchd's races udev's (the boot race kernel-notes 39 describes): at
# start-up the first plan waits for it; a card that appears later is
# converted once udev is done; after udev_wait switchd goes ahead anyway and
# says so. udev is played by the test: SWITCHD_UDEV_DIR stands for /run/udev,
# and data/nIFINDEX is the mark udevd writes when it has handled a device.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
topo_uplink
UDEV=$TESTDIR/udev
mkdir -p "$UDEV/data"
: >"$UDEV/control"
export SWITCHD_UDEV_DIR=$UDEV
udev_done() { : >"$UDEV/data/n$(link_ifindex "$HOST" "$1")"; }
cat >"$CONF" <<EOF2
[switchd]
udev_wait = 2s
claim = yes
claim_match = vclaim*
claim_delay = 300ms
[nic hweth0]
mac = 02:00:c6:12:00:10
[nic hweth1]
mac = 02:00:c6:12:00:11
[nic hweth2]
mac = 02:00:c6:12:00:12
[nic hweth3]
mac = 02:00:c6:12:00:13
[bridge eth0]
ports = hweth0 hweth1 hweth2 hweth3
address = keep
spares = any
EOF2
before_addrs=$(addrs_of "$HOST" eth0)

# ---- start-up: eth0 and eth1 are not in udev's database yet --------------
switchd_start "$HOST" "$CONF"
sleep 0.5
check_eq "start-up waits for udev: eth0 is not converted yet" veth "$(link_kind "$HOST" eth0)"
check_match "and says why" "udev_wait: waiting up to 2s for udev" "$(cat "$LOG")"
# udev names one of them meanwhile (its NamePolicy): switchd does not fight
# it. udevd writes the device's entry with ID_RENAMING just before its
# rename, and again without it once done: not done before that
udev_done eth0
printf 'I:1234\nE:ID_RENAMING=1\n' >"$UDEV/data/n$(link_ifindex "$HOST" eth1)"
sleep 0.5
check_cmd "udev renaming it: eth1 keeps its name, switchd does not rename it" link_exists "$HOST" eth1
check_eq "and the bridge waits for it" veth "$(link_kind "$HOST" eth0)"
ip -n "$HOST" link set eth1 name ens4
printf 'I:1234\nE:ID_NET_NAME=ens4\n' >"$UDEV/data/n$(link_ifindex "$HOST" ens4)"
busywait 3000 test "$(link_kind "$HOST" eth0)" = bridge
check_eq "once udev is done: eth0 is a bridge" bridge "$(link_kind "$HOST" eth0)"
check_eq "hweth0 (udev's eth0) is attached" eth0 "$(link_master "$HOST" hweth0)"
check_eq "the addresses moved to the bridge" "$before_addrs" "$(addrs_of "$HOST" eth0)"
check_cmd "udev's ens4 became hweth1 after udev had named it" link_exists "$HOST" hweth1
check_match "the log says when udev was done with it" "ens4: udev is done with it" "$(cat "$LOG")"
check_eq "no warning: udev finished in time" "" "$(grep -c 'after 2s (udev_wait)' "$LOG" | sed 's/^0$//')"

# ---- a card that appears later ---------------------------------------------
cable "$HOST" eth2 "$UP" up2 02:00:c6:12:00:12
sleep 0.5
check_cmd "a new card udev is at keeps its name" link_exists "$HOST" eth2
ip -n "$HOST" link set eth2 name ens5
udev_done ens5
busywait 3000 link_exists "$HOST" hweth2
check_cmd "once udev is done with it (as ens5) it is converted to hweth2" link_exists "$HOST" hweth2
check_eq "ens5 is gone: renamed, not copied" "" "$(ip -n "$HOST" -o link show ens5 2>/dev/null)"
check_cmd "hweth2 is up, a standby" link_up "$HOST" hweth2

# ---- an unknown card (claim = yes): claimed once udev is done ---------------
ip -n "$HOST" link add vclaim1 address 02:00:c6:12:00:14 type veth peer name vclaim1p
sleep 1
check_cmd "an unknown card udev is at is not claimed (1 s, claim_delay 300ms)" link_exists "$HOST" vclaim1
udev_done vclaim1
busywait 3000 bash -c "! ip -n '$HOST' link show vclaim1 >/dev/null 2>&1"
check_match "once udev is done it is claimed" "claimed unknown NIC vclaim1 \(02:00:c6:12:00:14\) as hweth[0-9]+" "$(cat "$LOG")"

# ---- udev never finishes: taken as it is after udev_wait -------------------
cable "$HOST" eth3 "$UP" up3 02:00:c6:12:00:13
sleep 1
check_cmd "1 s later it is still left to udev" link_exists "$HOST" eth3
busywait 4000 link_exists "$HOST" hweth3
check_cmd "after udev_wait (2s) it is converted anyway" link_exists "$HOST" hweth3
check_match "with a warning naming it" "eth3: udev has not finished with it after 2s \(udev_wait\): taken as it is" "$(cat "$LOG")"
check_cmd "switchd still answers" ip netns exec "$HOST" "$SWITCHCTL" -s "$SOCK" status
report
