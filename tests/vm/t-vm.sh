#!/bin/bash
# switchd as the boot-time network of a real Debian 12 host: a QEMU VM (TCG)
# with virtio NICs cabled to an upstream switch namespace here (lib-vm.sh).
# Four boots, one per network stack and addressing, alternating the naming
# scheme; the run-time checks (failover by link and by unplug, replacement
# and unknown cards, a guest, restart, reload) share the last boot.
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
	# switchd logs "ready:" once the bridges are converted; the journal's
	# monotonic time of that line (us since the kernel started)
	ready=$(vm_run "journalctl -b -u switchd -o json --no-pager" | jq -r 'select(.MESSAGE | test("^ready:")) | .__MONOTONIC_TIMESTAMP' | head -1)
	sw_active=$(unit_time switchd.service ActiveEnterTimestampMonotonic)
	pre_active=$(unit_time network-pre.target ActiveEnterTimestampMonotonic)
	stack_start=$(unit_time "$stack" InactiveExitTimestampMonotonic)
	echo "$name: boot timeline (s since kernel start): switchd ready ${ready:-?}, switchd.service active $sw_active," \
		"network-pre.target $pre_active, $stack started $stack_start" |
		awk '{for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) { c = ($i ~ /,$/); $i = sprintf("%.3f%s", $i / 1e6, c ? "," : "") } print}'
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

# boot_checks NAME STACK ADDR: what every boot must show
boot_checks() {
	local name=$1 stack=$2 addr=$3 t0 want out
	t0=$(now_ms)
	ready_checks "$name" "$stack"
	check_eq "$name: eth0 is a bridge" "bridge" "$(vm_link eth0 .linkinfo.info_kind)"
	check_eq "$name: the bridge has the pinned MAC (hweth0's)" "$MAC0" "$(vm_link eth0 .address)"
	check_eq "$name: hweth0 (found by path) is the active port" "eth0" "$(vm_master hweth0)"
	check_eq "$name: hweth1 (found by MAC) is a standby" "" "$(vm_master hweth1)"
	check_cmd "$name: the late NIC (vmxnet3, driver loaded after switchd) is converted to hweth2" \
		vm_wait 60 "ip link show hweth2 && [ -z \"\$(ip -j link show hweth2 | grep -o '\"master\"')\" ]"
	if [ "$addr" = static ]; then
		want=$HOST_IP
		check_cmd "$name: the static address lands on the bridge" \
			vm_wait 60 "ip -4 addr show dev eth0 | grep -q 'inet $HOST_IP/24'"
	else
		check_cmd "$name: a DHCP lease lands on the bridge" \
			vm_wait 90 "ip -4 addr show dev eth0 | grep -q 'inet 198.18.0.1[0-9][0-9]/24'"
		want=$(vm_addrs eth0 | grep -o '198\.18\.0\.1[0-9][0-9]' | head -1)
		check_eq "$name: the lease is for the pinned MAC" "$MAC0" \
			"$(awk -v ip="$want" '$3 == ip {print $2}' "$LEASES" | tail -1)"
	fi
	check_eq "$name: no address on the NICs themselves" "" "$(vm_addrs hweth0)$(vm_addrs hweth1)"
	check_cmd "$name: the client reaches the host" \
		busywait 20000 ip netns exec "$CL" ping -c 1 -W 1 "${want:-$HOST_IP}"
	out=$(vm_run_t 60 "switchctl wait --timeout 30 2>&1; echo rc=\$?")
	check_match "$name: switchctl wait returns 0" "rc=0" "$out"
	HOST_ADDR=${want:-$HOST_IP}
	note_time "$name: boot checks" "$t0"
}

# silence_checks NAME: the standbys' taps from power-on until now
silence_checks() {
	local name=$1 tap mac n6 nmac all master
	for tap in vmt1 vmt2; do
		capture_stop "$tap"
		[ "$tap" = vmt1 ] && mac=$MAC1 || mac=$MAC2
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

# boot NAME STACK ADDR CMDLINE...: one boot with its checks
boot() {
	local name=$1 stack=$2 addr=$3; shift 3
	capture_start vmt1
	capture_start vmt2
	vm_boot "$name" "$@" || { capture_stop vmt1; capture_stop vmt2; return 1; }
	boot_checks "$name" "$stack" "$addr"
	silence_checks "$name"
}

# VM_BOOTS="NAME ..." runs only those boots (while working on one)
wanted() { [ -z "${VM_BOOTS:-}" ] || [[ " $VM_BOOTS " == *" $1 "* ]]; }
if wanted networkd-dhcp; then
	boot networkd-dhcp systemd-networkd.service dhcp vm.net=networkd vm.addr=dhcp && vm_stop
fi
if wanted ifupdown-dhcp; then
	boot ifupdown-dhcp networking.service dhcp vm.net=ifupdown vm.addr=dhcp net.ifnames=0 && vm_stop
fi
if wanted networkd-static; then
	boot networkd-static systemd-networkd.service static vm.net=networkd vm.addr=static net.ifnames=0 && vm_stop
fi
if wanted ifupdown-static; then
	if boot ifupdown-static networking.service static vm.net=ifupdown vm.addr=static; then
		. "$(dirname "$0")/runtime.sh"
		vm_stop
	fi
fi

print_times
report
