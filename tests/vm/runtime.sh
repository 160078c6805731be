# Run-time checks of t-vm.sh, in the last boot (sourced; the VM is up and
# converted): failover by link and by unplug, a replacement card in the same
# slot, an unknown card, a guest's tap, restart and reload.

# wait_active NOT...: until eth0's active port is none of NOT; prints it
wait_active_not() {
	local a i
	for i in $(seq 60); do
		a=$(vm_active)
		if [ -n "$a" ] && [[ " $* " != *" $a "* ]]; then
			echo "$a"
			return 0
		fi
		sleep 0.5
	done
	echo "${a:-none}"
	return 1
}
# qdev id of the card behind a port name: by its MAC
declare -A QDEV=([$MAC0]=nic0 [$MAC1]=nic1 [$MAC2]=nic2 [$MAC_REPL]=nic3 [$MAC_UNKNOWN]=nic4 [$MAC_HOT]=nic5)
qdev_of() {
	local m
	m=$(vm_link "$1" .address)
	[ -z "$m" ] || echo "${QDEV[$m]:-}"
}
reachable() { busywait 20000 ip netns exec "$CL" ping -c 1 -W 1 "$HOST_ADDR"; }

# -- set_link off on the active NIC: carrier loss on a real driver
t0=$(now_ms)
old=$(vm_active)
hmp "set_link $(qdev_of "$old") off" >/dev/null
new=$(wait_active_not "$old")
check_cmd "set_link off on the active NIC ($old): failover to a standby (now $new)" test "$new" != "$old" -a "$new" != none
check_cmd "after the failover by link the client reaches the host" reachable
hmp "set_link $(qdev_of "$old") on" >/dev/null
note_time "failover by set_link off" "$t0"

# -- device_del of the active NIC: PCI hot-unplug
t0=$(now_ms)
old=$(vm_active)
gone=$(qdev_of "$old")
qmp device_del "{\"id\":\"$gone\"}" >/dev/null
new=$(wait_active_not "$old")
check_cmd "device_del of the active NIC ($old, $gone): failover (now $new)" test "$new" != "$old" -a "$new" != none
check_cmd "the unplugged card is gone" vm_wait 30 "! ip link show dev $old"
check_cmd "after the unplug the client reaches the host" reachable
# its close comes before it is unlisted: a swap whose detach finds no such
# device is done, not failed and made again (switchd before 2026-12-02)
check_eq "no failed failover in switchd's journal" "" \
	"$(vm_run "journalctl -b -u switchd -o cat --no-pager | grep 'failover to .* failed'")"
note_time "failover by device_del" "$t0"

# -- a replacement card in hweth0's slot (00:03.0), another MAC: path =
t0=$(now_ms)
if [ "$gone" != nic0 ]; then
	# hweth0 is still there: take it out too, so that its slot is free
	qmp device_del '{"id":"nic0"}' >/dev/null
	vm_wait 30 "! ip link show dev hweth0" || fail "hweth0 did not go on device_del"
fi
qmp netdev_add '{"type":"tap","id":"n3","ifname":"vmt3","script":"no","downscript":"no"}' >/dev/null
out=$(qmp device_add "{\"driver\":\"virtio-net-pci\",\"netdev\":\"n3\",\"mac\":\"$MAC_REPL\",\"id\":\"nic3\",\"addr\":\"3\"}")
check_eq "QMP device_add of a replacement card in slot 3" '{"return":{}}' "$out"
check_cmd "the replacement card (another MAC, same slot) gets the name hweth0" \
	vm_wait 60 "ip link show dev hweth0 | grep -q $MAC_REPL"
check_match "and its role back: a port of eth0 again" '"(active|standby)"' \
	"$(vm_run "switchctl -j show eth0" | jq -c '.bridges[0].ports[] | select(.name == "hweth0") | .role')"
note_time "replacement card by path" "$t0"

# -- an unknown card in a free slot: claimed (claim = yes, spares = any)
t0=$(now_ms)
qmp netdev_add '{"type":"tap","id":"n4","ifname":"vmt4","script":"no","downscript":"no"}' >/dev/null
out=$(qmp device_add "{\"driver\":\"virtio-net-pci\",\"netdev\":\"n4\",\"mac\":\"$MAC_UNKNOWN\",\"id\":\"nic4\",\"addr\":\"6\"}")
check_eq "QMP device_add of an unknown card in slot 6" '{"return":{}}' "$out"
# the log names the card's PCI device: a real bus parent, unlike a veth's
check_cmd "the unknown card is claimed as a standby of eth0, its PCI device named (journal)" \
	vm_wait 60 "journalctl -b -u switchd --no-pager | grep -q 'claimed unknown NIC [^ ]* ($MAC_UNKNOWN, 0000:00:06.0) as hweth[0-9]*, a standby of bridge eth0'"
name=$(vm_run "ip -j link show" | jq -r ".[] | select(.address == \"$MAC_UNKNOWN\") | .ifname")
check_match "it is named hwethN ($name)" '^hweth[0-9]+$' "$name"
note_time "unknown card claimed" "$t0"

# -- a guest: a tap made by a hypervisor-like process (taprelay -v opens
# vnet0 as QEMU's -netdev tap,ifname=vnet0,script=no does, IFF_VNET_HDR
# included, and leaves it down), whose other end is a namespace g1 in the
# VM: the guest
t0=$(now_ms)
vm_run "ip netns add g1 && systemd-run --unit=vnetguest /usr/local/sbin/taprelay -v vnet0 g1 gtap" >/dev/null
check_cmd "the guest's tap vnet0 appears" vm_wait 30 "ip link show dev vnet0"
check_cmd "vnet0 (guests = vnet*) is attached to eth0" vm_wait 30 "ip link show dev vnet0 | grep -q 'master eth0'"
check_cmd "switchd brings the guest's tap up" vm_wait 30 "ip link show dev vnet0 | grep -q '<[^>]*,UP'"
vm_run "ip -n g1 link set gtap up && ip -n g1 addr add 198.18.0.60/24 dev gtap" >/dev/null
check_cmd "the guest reaches the client through the bridge" \
	vm_run "ip netns exec g1 ping -c 3 -W 2 -w 30 $CLIENT_IP"
check_eq "show lists vnet0 under guests" "vnet0" \
	"$(vm_run "switchctl -j show eth0" | jq -r '.bridges[0].guests[].name' | tr '\n' ' ' | sed 's/ $//')"
note_time "guest tap" "$t0"

# -- a user-mode-linux guest on the tap switchd made ([tap umltap0]): UML
# opens umltap0 (its tuntap transport; HOME: its umid directory goes there), takes 198.18.0.61 and pings the
# client through the bridge; the client has learnt the guest's MAC
t0=$(now_ms)
if [ -z "$UML" ]; then
	fail "no user-mode-linux (linux.uml) on this machine: the UML guest is not run (tests/setup-debian.sh installs user-mode-linux)"
else
	check_match "switchd made the tap umltap0 on eth0" "master eth0" "$(vm_run "ip link show dev umltap0")"
	out=$(vm_run_t "${VM_UML_TIMEOUT:-300}" "cd /tmp && HOME=/tmp TMPDIR=/dev/shm timeout $((${VM_UML_TIMEOUT:-300} - 10)) linux.uml mem=48M uml_dir=/tmp \
		root=/dev/root rootfstype=hostfs rootflags=/ ro quiet init=/usr/local/sbin/uml-guest \
		eth0=tuntap,umltap0,$MAC_UML con=null con0=fd:0,fd:1 UML_ADDR=198.18.0.61/24 UML_PING=$CLIENT_IP \
		</dev/null >/tmp/uml.console 2>&1; echo rc=\$?; grep -a '^uml:' /tmp/uml.console || tail -25 /tmp/uml.console")
	echo "$out" | sed 's/^/uml guest: /'
	check_match "the user-mode-linux guest on switchd's tap reaches the client" "uml: reached $CLIENT_IP" "$out"
	check_match "the client saw the UML guest's MAC behind 198.18.0.61" "lladdr $MAC_UML" \
		"$(ip -n "$CL" neigh show 198.18.0.61)"
fi
note_time "user-mode-linux guest (boot, ping, power-off)" "$t0"

# -- systemctl restart: the new switchd adopts what the old one left
t0=$(now_ms)
act=$(vm_active)
before="$(vm_link eth0 .ifindex) $(vm_link "$act" .ifindex) $(vm_sys eth0 carrier_changes) $(vm_sys "$act" carrier_changes) $(vm_addrs eth0)"
ip netns exec "$CL" ping -i 0.2 -c 150 -W 1 "$HOST_ADDR" >"$TESTDIR/restart-ping.txt" 2>&1 &
pingpid=$!
out=$(vm_run "systemctl restart switchd.service 2>&1; echo rc=\$?")
check_match "systemctl restart switchd" "rc=0" "$out"
check_cmd "switchd is active again" vm_wait 60 "systemctl is-active switchd.service"
after="$(vm_link eth0 .ifindex) $(vm_link "$act" .ifindex) $(vm_sys eth0 carrier_changes) $(vm_sys "$act" carrier_changes) $(vm_addrs eth0)"
check_eq "restart adopts without a bounce (bridge, port ifindex and carrier changes, addresses)" "$before" "$after"
check_eq "the same port is active after the restart" "$act" "$(vm_active)"
kill -INT "$pingpid" 2>/dev/null; wait "$pingpid" 2>/dev/null
echo "restart: client ping every 200 ms meanwhile: $(grep -o '[0-9]* packets transmitted, [0-9]* received' "$TESTDIR/restart-ping.txt")"
note_time "systemctl restart" "$t0"

# -- systemctl reload: a changed config is applied
t0=$(now_ms)
vm_run "printf '\n[bridge int0]\naddress = 198.18.254.1/24\n' >>/etc/switchd/switchd.conf" >/dev/null
cc=$(vm_sys eth0 carrier_changes)
out=$(vm_run "systemctl reload switchd.service 2>&1; echo rc=\$?")
check_match "systemctl reload switchd" "rc=0" "$out"
check_cmd "the reload applied the new bridge int0 with its address" \
	vm_wait 60 "ip -4 addr show dev int0 | grep -q 198.18.254.1/24"
check_eq "eth0 was not bounced by the reload" "$cc" "$(vm_sys eth0 carrier_changes)"
note_time "systemctl reload" "$t0"

# -- a refused reload: systemctl reload fails (ExecReload is switchctl
# reload, which waits for the answer) and what runs stays
t0=$(now_ms)
vm_run "cp /etc/switchd/switchd.conf /run/switchd.conf.good; printf 'no_such_key = 1\n' >>/etc/switchd/switchd.conf" >/dev/null
out=$(vm_run "systemctl reload switchd.service >/dev/null 2>&1; echo rc=\$?; journalctl -b -u switchd.service -n 20 --no-pager")
check_match "a refused reload fails systemctl reload" "rc=[1-9]" "$out"
check_match "the journal says why, naming the key" "no_such_key" "$out"
check_match "the running configuration stays (int0 keeps its address)" "198.18.254.1/24" \
	"$(vm_run "ip -4 addr show dev int0")"
vm_run "cp /run/switchd.conf.good /etc/switchd/switchd.conf" >/dev/null
note_time "refused reload" "$t0"
