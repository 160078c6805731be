#!/bin/bash
# switchd as the boot-time network of a real Debian 12 host: a QEMU VM (TCG)
# with virtio NICs cabled to an upstream switch namespace here (lib-vm.sh).
# Two boots, one per network stack, each with a static address and a DHCP
# lease on the bridge, one per naming scheme; the run-time checks (failover
# by link and by unplug, replacement and unknown cards, guests, restart,
# reload) share the last boot.
# Times are printed, never asserted: under TCG they are noise.
. "$(dirname "$0")/../integration/lib.sh"
. "$(dirname "$0")/lib-vm.sh"
require_root
require_vm
TAPRELAY=${TAPRELAY:-$(dirname "$SWITCHD")/../tests/bench/taprelay}
[ -x "$TAPRELAY" ] || skip "no taprelay binary at $TAPRELAY"
VM_LOGS=${VM_LOGS:-$VM_CACHE/../logs}
rm -rf "$VM_LOGS"

vm_image
vm_net

# ready_checks NAME STACK-UNIT: switchd ready (journal, systemd) before the
# network stack started
ready_checks() {
	local name=$1 stack=$2 ready sw_active pre_active stack_start
	vm_wait 120 "systemctl is-active switchd.service && systemctl is-active $stack" ||
		fail "$name: switchd or $stack never became active: $(vm_run "systemctl --no-pager status switchd $stack" | head -20)"
	# switchd logs "ready:" once the bridges are converted, then says
	# READY=1. The time of that line (us since the kernel started) is when
	# switchd sent it: journald's monotonic time of the entry is when it got
	# round to reading it, which under load can come after PID 1 handled
	# the READY=1 sent later; the kernel's receive time of the datagram
	# (_SOURCE_REALTIME_TIMESTAMP) moved onto the monotonic clock is not.
	local lag
	read -r ready lag < <(vm_run "journalctl -b -u switchd -o json --no-pager" | jq -r 'select(.MESSAGE | test("^ready:")) |
		(if ._SOURCE_REALTIME_TIMESTAMP then (.__REALTIME_TIMESTAMP | tonumber) - (._SOURCE_REALTIME_TIMESTAMP | tonumber)
		 else "none" end) as $lag |
		"\((.__MONOTONIC_TIMESTAMP | tonumber) - (if $lag == "none" then 0 else $lag end)) \($lag)"' | head -1)
	echo "$name: the journal read switchd's ready line ${lag:-?} us after it was sent (none: no source timestamp)"
	sw_active=$(unit_time switchd.service ActiveEnterTimestampMonotonic)
	pre_active=$(unit_time network-pre.target ActiveEnterTimestampMonotonic)
	stack_start=$(unit_time "$stack" InactiveExitTimestampMonotonic)
	echo "$name: boot timeline (s since kernel start): switchd ready ${ready:-?}, switchd.service active $sw_active," \
		"network-pre.target $pre_active, $stack started $stack_start" |
		awk '{for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) { c = ($i ~ /,$/); $i = sprintf("%.3f%s", $i / 1e6, c ? "," : "") } print}'
	READY=$ready
	if [ -z "$ready" ]; then
		fail "$name: no \"ready:\" line of switchd in the journal"
		return
	fi
	check_cmd "$name: switchd converted the NICs before $stack started (journal order)" \
		test "$ready" -lt "$stack_start"
	check_cmd "$name: systemd saw switchd.service start only once it was ready (Type=notify)" \
		test "$sw_active" -ge "$ready"
	check_cmd "$name: network-pre.target was reached after switchd was ready" \
		test "$pre_active" -ge "$ready"
	TIMES+=("$(printf '%-44s %7d ms' "$name: kernel start to switchd ready (guest)" $((ready / 1000)))")
}

# jfirst ARGS REGEX: journal time (us since kernel start) of the first
# message of journalctl -b ARGS that matches REGEX (the kernel's own time of
# a kernel message: journald stamps those it read at start-up late)
jfirst() {
	vm_run "journalctl -b $1 -o json --no-pager" |
		jq -r --arg re "$2" 'select((.MESSAGE | type) == "string" and (.MESSAGE | test($re))) |
			(._SOURCE_MONOTONIC_TIMESTAMP // .__MONOTONIC_TIMESTAMP)' 2>/dev/null | head -1
}
secs() { [ -n "$1" ] && awk -v u="$1" 'BEGIN {printf "%.3f", u / 1e6}' || echo "?"; }

# boot_checks NAME STACK: what every boot must show. eth0 has the static
# address and a DHCP lease at once (guest/eth0.network, guest/vm-setup).
boot_checks() {
	local name=$1 stack=$2 t0 lease out late hot
	t0=$(now_ms)
	ready_checks "$name" "$stack"
	out=$(vm_run "journalctl -b -u switchd -p warning -o cat --no-pager")
	check_eq "$name: switchd logged no warning or error during boot (journal)" "" "$out"
	check_eq "$name: eth0 is a bridge" "bridge" "$(vm_link eth0 .linkinfo.info_kind)"
	check_eq "$name: the bridge has the pinned MAC (hweth0's)" "$MAC0" "$(vm_link eth0 .address)"
	check_eq "$name: hweth0 (found by path) is the active port" "eth0" "$(vm_master hweth0)"
	check_eq "$name: hweth1 (found by MAC) is a standby" "" "$(vm_master hweth1)"
	check_cmd "$name: the late NIC (vmxnet3, driver loaded after switchd) is converted to hweth2, a standby" \
		vm_wait 60 "ip link show hweth2 && [ -z \"\$(ip -j link show hweth2 | grep -o '\"master\"')\" ]"
	# the driver really came after switchd was ready (the initrd must not load it)
	late=$(jfirst -k '^vmxnet3 0000:00:05\.0')
	echo "$name: the late NIC's driver bound at $(secs "$late") s, switchd ready at $(secs "$READY") s"
	check_cmd "$name: the late NIC's driver was loaded after switchd was ready (journal)" \
		test "${late:-0}" -gt "${READY:-0}"
	# the card hot-plugged during boot (hot_plug): converted when it appeared
	hot=$(jfirst -k '^pci 0000:00:07\.0: \[1af4:1000\]')
	echo "$name: the card hot-plugged during boot appeared at $(secs "$hot") s ($HOT_WHEN), switchd ready at $(secs "$READY") s"
	check_cmd "$name: the card hot-plugged during boot ($MAC_HOT) is converted to hweth3, a standby" \
		vm_wait 60 "ip link show hweth3 | grep -q $MAC_HOT && [ -z \"\$(ip -j link show hweth3 | grep -o '\"master\"')\" ]"
	check_match "$name: hweth3 is a standby port of eth0 (switchctl show)" '"standby"' \
		"$(vm_run "switchctl -j show eth0" | jq -c '.bridges[0].ports[] | select(.name == "hweth3") | .role')"
	check_cmd "$name: the static address lands on the bridge" \
		vm_wait 60 "ip -4 addr show dev eth0 | grep -q 'inet $HOST_IP/24'"
	check_cmd "$name: a DHCP lease lands on the bridge" \
		vm_wait 90 "ip -4 addr show dev eth0 | grep -q 'inet 198.18.0.1[0-9][0-9]/24'"
	lease=$(vm_addrs eth0 | grep -o '198\.18\.0\.1[0-9][0-9]' | head -1)
	check_eq "$name: the lease ($lease) is for the pinned MAC" "$MAC0" \
		"$(awk -v ip="$lease" '$3 == ip {print $2}' "$LEASES" | tail -1)"
	check_eq "$name: no address on the NICs themselves" "" "$(vm_addrs hweth0)$(vm_addrs hweth1)$(vm_addrs hweth2)$(vm_addrs hweth3)"
	check_cmd "$name: the client reaches the host's static address" \
		busywait 20000 ip netns exec "$CL" ping -c 1 -W 1 "$HOST_IP"
	check_cmd "$name: the client reaches the host's leased address" \
		busywait 20000 ip netns exec "$CL" ping -c 1 -W 1 "${lease:-198.18.0.100}"
	out=$(vm_run_t 60 "switchctl wait --timeout 30 2>&1; echo rc=\$?")
	check_match "$name: switchctl wait returns 0" "rc=0" "$out"
	HOST_ADDR=$HOST_IP
	note_time "$name: boot checks" "$t0"
}

# silence_checks NAME: the standbys' taps from power-on until now
silence_checks() {
	local name=$1 tap mac n6 nmac all master
	for tap in vmt1 vmt2 vmt5; do
		capture_stop "$tap"
		case $tap in vmt1) mac=$MAC1 ;; vmt2) mac=$MAC2 ;; vmt5) mac=$MAC_HOT ;; esac
		nmac=$(capture_count "$tap" ether src "$mac")
		n6=$(capture_count "$tap" ip6)
		all=$(capture_count "$tap")
		echo "$name: $tap ($mac) sent $all frames during boot: $nmac with its MAC, $n6 IPv6"
		[ "$all" = 0 ] || tcpdump -r "$TESTDIR/$tap.pcap" -nn -e 2>/dev/null | head -5
		# an attached NIC carries the bridge's frames: only a standby must be silent
		master=$(vm_run "ip -j link show" | jq -r ".[] | select(.address == \"$mac\" and .ifname != \"eth0\") | .master // \"\"")
		if [ -n "$master" ]; then
			fail "$name: $mac is attached to $master in this boot, not a standby: its silence is not judged"
			continue
		fi
		check_eq "$name: standby $mac sent no frame with its own MAC during boot" 0 "$nmac"
		check_eq "$name: standby $mac sent no IPv6 during boot" 0 "$n6"
	done
}

# hot_plug: VM_BOOT_HOOK of a boot; once the serial console shows a line
# that matches $HOT_AT (a unit starting or started), a virtio card (MAC_HOT,
# tap vmt5) goes into slot 7 by QMP while the guest boots on
hot_plug() {
	local t0
	t0=$(now_ms)
	serial_wait "${VM_BOOT_TIMEOUT:-480}" "$HOT_AT"
	case $? in
	2) return ;; # the guest hung: vm_boot powers it off and boots again
	1)
		fail "no line matching \"$HOT_AT\" in the serial log: no hot-plug during boot"
		return
		;;
	esac
	qmp netdev_add '{"type":"tap","id":"n5","ifname":"vmt5","script":"no","downscript":"no"}' >/dev/null
	local out
	out=$(qmp device_add "{\"driver\":\"virtio-net-pci\",\"netdev\":\"n5\",\"mac\":\"$MAC_HOT\",\"id\":\"nic5\",\"addr\":\"7\"}")
	check_eq "QMP device_add of a card during boot (on \"$HOT_AT\")" '{"return":{}}' "$out"
	HOT_WHEN="device_add on \"$HOT_AT\", $(($(now_ms) - BOOT_T0)) ms after power-on"
}

# boot NAME STACK HOT_AT CMDLINE...: one boot with its checks; a card is
# hot-plugged when the serial console shows HOT_AT
boot() {
	local name=$1 stack=$2; shift 2
	HOT_AT=$1; shift
	capture_start vmt1
	capture_start vmt2
	capture_start vmt5
	VM_BOOT_HOOK=hot_plug vm_boot "$name" "$@" || { capture_stop vmt1; capture_stop vmt2; capture_stop vmt5; return 1; }
	boot_checks "$name" "$stack"
	silence_checks "$name"
}

# Two boots cover both stacks, static and DHCP (at once on eth0), both
# naming schemes, and a card hot-plugged before switchd starts and once it
# is ready, while the network stack starts:
#   networkd  net.ifnames=0      hot-plug as udev's coldplug starts
#   ifupdown  predictable names  hot-plug once systemd says switchd started
#                                (= ready, Type=notify); run-time checks
# VM_BOOTS="NAME ..." runs only those boots (while working on one)
wanted() { [ -z "${VM_BOOTS:-}" ] || [[ " $VM_BOOTS " == *" $1 "* ]]; }
if wanted networkd; then
	boot networkd systemd-networkd.service 'Starting.*systemd-udev-trig' vm.net=networkd net.ifnames=0 && vm_stop
fi
if wanted ifupdown; then
	if boot ifupdown networking.service 'Started.*switchd\.service' vm.net=ifupdown; then
		. "$(dirname "$0")/runtime.sh"
		vm_stop
	fi
fi

print_times
report
