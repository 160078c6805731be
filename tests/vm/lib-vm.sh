# tests/vm library (sourced after tests/integration/lib.sh): a Debian 12 VM
# under QEMU TCG whose NICs' taps sit in an "upstream switch" namespace of
# this machine, with a client namespace (and dnsmasq) behind the switch.
#
#   host (root namespace: untouched)
#   +- namespace SW: bridge sw, taps vmt0..vmt4 (the VM's NICs), qemu itself
#   |                veth sw-cl --- namespace CL: c0 198.18.0.1/24, dnsmasq
#   +- the VM: nic0 virtio slot 3 (vmt0), nic1 virtio slot 4 (vmt1),
#              nic2 vmxnet3 slot 5 (vmt2, driver loaded late); vmt5 for a
#              card hot-plugged during boot (slot 7), vmt3 and vmt4 for cards
#              hot-plugged at run time
#
# The VM is driven through QMP (qmp, hmp) and a command agent on a
# virtio-serial port (vm_run: a shell command in the VM, its output and exit
# status back). Env: VM_CACHE (image cache).
VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
UML=$(command -v linux.uml || true)
SW=$(ns_name sw)
CL=$(ns_name cl)
CLIENT_IP=198.18.0.1
HOST_IP=198.18.0.10
MAC0=52:54:00:12:00:10 MAC1=52:54:00:12:00:11 MAC2=52:54:00:12:00:12
MAC_REPL=52:54:00:12:00:20 MAC_UNKNOWN=52:54:00:12:00:30 MAC_HOT=52:54:00:12:00:40
MAC_UML=52:54:00:12:00:61
VM_T0=$(date +%s%3N)
TIMES=()

now_ms() { date +%s%3N; }
# note_time WHAT START_MS: print and remember how long WHAT took
note_time() {
	local ms=$(($(now_ms) - $2))
	TIMES+=("$(printf '%-44s %7d ms' "$1" "$ms")")
	echo "time: $1: $ms ms"
}

require_vm() {
	[ "${SKIP_VM:-0}" = 1 ] && skip "SKIP_VM=1 (the VM tests run in the plain build only)"
	command -v qemu-system-x86_64 >/dev/null || skip "needs qemu-system-x86_64 (tests/setup-debian.sh installs qemu-system-x86)"
	local t
	for t in mmdebstrap mkfs.ext4 dnsmasq socat tcpdump base64 jq; do
		command -v "$t" >/dev/null || skip "needs $t (tests/setup-debian.sh installs it)"
	done
	[ -n "${VM_CACHE:-}" ] || VM_CACHE=$(dirname "$SWITCHD")/../tests/vm/cache
	mkdir -p "$VM_CACHE"
	VM_CACHE=$(cd "$VM_CACHE" && pwd)
}

# vm_image: the cached root (built if missing) plus this build's switchd, its
# unit and the test's guest files, as one ext4 image; sets IMG.
vm_image() {
	local t0 root stage=$TESTDIR/stage g=$VM_DIR/guest
	t0=$(now_ms)
	root=$("$VM_DIR/image.sh" "$VM_CACHE") || { fail "image build"; report; }
	# the cloud kernel unpacked in the root (image.sh) boots the VM
	KERNEL=$(compgen -G "$root/boot/vmlinuz-*" | head -1)
	note_time "image (cached root: built or found)" "$t0"
	t0=$(now_ms)
	# hard links: the cached root is never written; every file we change is
	# removed and written anew
	cp -al "$root" "$stage"
	put() { # put SRC DEST MODE
		rm -f "$stage$2"
		mkdir -p "$(dirname "$stage$2")"
		cp "$1" "$stage$2"
		chmod "$3" "$stage$2"
	}
	put "$SWITCHD" /usr/sbin/switchd 755
	put "$SWITCHCTL" /usr/sbin/switchctl 755
	put "$TOP_SRCDIR/conf/switchd.service" /etc/systemd/system/switchd.service 644
	put "${VM_CONF:-$g/switchd.conf}" /etc/switchd/switchd.conf 644
	put "$TAPRELAY" /usr/local/sbin/taprelay 755
	put "$g/vm-agent" /usr/local/sbin/vm-agent 755
	put "$g/vm-setup" /usr/local/sbin/vm-setup 755
	# the user-mode-linux guest: the host's UML kernel (it links only libc)
	if [ -n "$UML" ]; then
		put "$UML" /usr/local/bin/linux.uml 755
		put "$g/uml-guest" /usr/local/sbin/uml-guest 755
	fi
	[ -z "${VM_DEBUG_HOOK:-}" ] || eval "$VM_DEBUG_HOOK"
	local u
	for u in vm-agent.service vm-setup.service vm-late-nic.service; do
		put "$g/$u" "/etc/systemd/system/$u" 644
	done
	put "$g/eth0.network" /etc/systemd/network/50-eth0.network 644
	# one stack per boot, chosen on the kernel command line
	printf '[Unit]\nConditionKernelCommandLine=vm.net=ifupdown\n' >"$TESTDIR/ifupdown.conf"
	printf '[Unit]\nConditionKernelCommandLine=vm.net=networkd\n' >"$TESTDIR/networkd.conf"
	put "$TESTDIR/ifupdown.conf" /etc/systemd/system/networking.service.d/vm.conf 644
	put "$TESTDIR/networkd.conf" /etc/systemd/system/systemd-networkd.service.d/vm.conf 644
	put "$TESTDIR/networkd.conf" /etc/systemd/system/systemd-networkd.socket.d/vm.conf 644
	# enable: what `systemctl enable` would link
	local w=/etc/systemd/system
	mkdir -p "$stage$w/sysinit.target.wants" "$stage$w/multi-user.target.wants"
	ln -sf ../vm-agent.service "$stage$w/sysinit.target.wants/vm-agent.service"
	ln -sf ../vm-setup.service "$stage$w/sysinit.target.wants/vm-setup.service"
	ln -sf ../vm-late-nic.service "$stage$w/multi-user.target.wants/vm-late-nic.service"
	ln -sf ../switchd.service "$stage$w/multi-user.target.wants/switchd.service"
	# every library the binaries need must be in the image
	local lib missing=
	for lib in $(ldd "$SWITCHD" "$SWITCHCTL" "$TAPRELAY" | awk '/=>/ {print $1}' | sort -u); do
		compgen -G "$stage/usr/lib/x86_64-linux-gnu/$lib" >/dev/null ||
			compgen -G "$stage/lib/x86_64-linux-gnu/$lib" >/dev/null || missing+=" $lib"
	done
	[ -z "$missing" ] || { fail "the image lacks libraries of switchd:$missing (add their packages to tests/vm/image.sh)"; report; }
	IMG=$TESTDIR/root.ext4
	mkfs.ext4 -q -L root -d "$stage" "$IMG" 1G || { fail "mkfs.ext4 of the image"; report; }
	rm -rf "$stage"
	note_time "image of this run (switchd copied in, mkfs)" "$t0"
}

# vm_net: the upstream switch, its taps, the client and dnsmasq
vm_net() {
	ns_create "$SW" "$CL"
	switch_add "$SW" 198.18.0.254/24
	ip -n "$SW" link add sw-cl type veth peer name c0 netns "$CL"
	ip -n "$SW" link set sw-cl master sw up
	ip -n "$CL" link set c0 up
	ip -n "$CL" addr add "$CLIENT_IP/24" dev c0
	local k
	for k in 0 1 2 3 4 5; do
		ip -n "$SW" tuntap add vmt$k mode tap vnet_hdr
		ip -n "$SW" link set vmt$k master sw up
	done
	LEASES=$TESTDIR/dnsmasq.leases
	: >"$LEASES"
	ip netns exec "$CL" dnsmasq -k -C /dev/null -u root -p 0 -i c0 --bind-interfaces \
		-F 198.18.0.100,198.18.0.199,255.255.255.0,1h -l "$LEASES" -x "$TESTDIR/dnsmasq.pid" \
		--log-dhcp --log-facility="$TESTDIR/dnsmasq.log" &
	defer "kill $! 2>/dev/null"
}

# capture_start TAP: from before power-on, what the VM sends on this NIC
capture_start() {
	ip netns exec "$SW" tcpdump -i "$1" -Q in -nn -U -w "$TESTDIR/$1.pcap" 2>"$TESTDIR/$1.tcpdump" &
	eval "CAP_$1=$!"
	busywait 5000 grep -q "listening on" "$TESTDIR/$1.tcpdump"
}
capture_stop() {
	local v="CAP_$1"
	kill "${!v}" 2>/dev/null
	wait "${!v}" 2>/dev/null || true
}
# capture_count TAP FILTER: frames of the capture that match FILTER
capture_count() {
	tcpdump -r "$TESTDIR/$1.pcap" -nn "${@:2}" 2>/dev/null | wc -l
}

# vm_boot NAME CMDLINE...: power on (qemu in the switch namespace, under nice)
# and wait for the agent; sets VMD (this boot's files). VM_BOOT_HOOK, if set,
# is run once qemu is up, before the wait for the agent (a hot-plug during
# boot). No initrd: the root is an NVMe disk, built into the cloud kernel
# (virtio-blk is a module). The late NIC's driver is blacklisted on the
# kernel command line for udev (modprobe by name still loads it).
vm_boot() {
	local try rc
	for try in 1 2; do
		VM_STALLED=0
		vm_boot_once "$@" && return 0
		rc=$?
		[ "$VM_STALLED" = 1 ] || return "$rc"
		# seen 2026-12-04: the guest's kernel stopped at "clocksource:
		# Switched to clocksource hpet" (0.99 s) and qemu spun at 150% CPU
		# with nothing more on the console: a TCG hang, not switchd's
		echo "$1: the guest's console has been silent for ${VM_STALL:-90} s during boot" \
			"(a TCG hang; its last lines below): powering it off$([ "$try" = 1 ] && echo ", booting again")" >&2
		tail -5 "$VMD/serial.log" >&2
		local pid
		pid=$(cat "$VMD/qemu.pid" 2>/dev/null) || pid=
		vm_kill "$VMD"
		# its taps and sockets are free for the next qemu once it is gone
		[ -z "$pid" ] || busywait 10000 bash -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid"
		rm -f "$VMD/agent.sock" "$VMD/qmp.sock"
	done
	fail "$1: the VM hung twice during boot (serial log: $VMD/serial.log)"
	return 1
}

# serial_stalled: no new console output for VM_STALL (90) s? Sets VM_STALLED.
# Call it in a wait loop; it keeps its state in SERIAL_SIZE / SERIAL_SINCE.
serial_stalled() {
	local size
	size=$(stat -c %s "$VMD/serial.log" 2>/dev/null || echo 0)
	if [ "$size" != "${SERIAL_SIZE:-}" ]; then
		SERIAL_SIZE=$size
		SERIAL_SINCE=$(date +%s)
		return 1
	fi
	[ $(($(date +%s) - SERIAL_SINCE)) -ge "${VM_STALL:-90}" ] || return 1
	VM_STALLED=1
}

# serial_wait TIMEOUT_S REGEX: until the console shows a line matching REGEX
# (0), TIMEOUT_S passed (1), or the console stalled (2, VM_STALLED=1)
serial_wait() {
	local end=$(($(date +%s) + $1))
	SERIAL_SIZE=
	while [ "$(date +%s)" -lt "$end" ]; do
		grep -aq "$2" "$VMD/serial.log" 2>/dev/null && return 0
		serial_stalled && return 2
		sleep 0.2
	done
	return 1
}

vm_boot_once() {
	local name=$1; shift
	VMD=$TESTDIR/$name
	mkdir -p "$VMD"
	BOOT_T0=$(now_ms)
	ip netns exec "$SW" nice -n 10 qemu-system-x86_64 -name "switchd-vm-$name" -nodefaults \
		-machine pc -accel tcg,thread=multi -cpu max -smp 2 -m 1024 \
		-kernel "$KERNEL" \
		-append "root=/dev/nvme0n1 rw console=ttyS0 modprobe.blacklist=vmxnet3 $*" \
		-drive file="$IMG",format=raw,if=none,id=root,cache=unsafe -snapshot \
		-device nvme,drive=root,serial=vmroot,addr=8 \
		-netdev tap,id=n0,ifname=vmt0,script=no,downscript=no \
		-device virtio-net-pci,netdev=n0,mac=$MAC0,id=nic0,addr=3 \
		-netdev tap,id=n1,ifname=vmt1,script=no,downscript=no \
		-device virtio-net-pci,netdev=n1,mac=$MAC1,id=nic1,addr=4 \
		-netdev tap,id=n2,ifname=vmt2,script=no,downscript=no \
		-device vmxnet3,netdev=n2,mac=$MAC2,id=nic2,addr=5 \
		-device virtio-serial-pci,addr=9 \
		-chardev socket,id=agent,path="$VMD/agent.sock",server=on,wait=off \
		-device virtserialport,chardev=agent,name=vmagent \
		-serial file:"$VMD/serial.log" -qmp unix:"$VMD/qmp.sock",server=on,wait=off \
		-display none -daemonize -pidfile "$VMD/qemu.pid" || { fail "$name: qemu did not start"; return 1; }
	defer "vm_kill '$VMD'"
	[ -z "${VM_BOOT_HOOK:-}" ] || $VM_BOOT_HOOK
	[ "$VM_STALLED" = 0 ] || return 1
	coproc AGENT { socat - UNIX-CONNECT:"$VMD/agent.sock"; }
	# plain copies of the coprocess's pipes: bash does not hand a
	# coprocess's own descriptors to subshells (pipelines, $(...))
	exec {AG_OUT}>&"${AGENT[1]}" {AG_IN}<&"${AGENT[0]}"
	AGENT_ID=0
	# TCG on 2 shared cores: 40 s on a quiet machine, minutes on a busy one
	# Requests sent before the agent runs wait in the port, and each costs
	# the agent seconds under load: a ping every 30 s, any answer will do
	local up=0 line end=$(($(date +%s) + ${VM_BOOT_TIMEOUT:-480})) next=0
	SERIAL_SIZE=
	while [ "$up" = 0 ] && [ "$(date +%s)" -lt "$end" ]; do
		if [ "$(date +%s)" -ge "$next" ]; then
			printf 'ping %s\n' "$(printf true | base64 -w0)" >&"$AG_OUT"
			next=$(($(date +%s) + 30))
		fi
		IFS= read -r -t 2 line <&"$AG_IN" && [[ $line == "@@ping "* ]] && up=1
		[ "$up" = 1 ] || ! serial_stalled || break
	done
	if [ "$VM_STALLED" = 1 ]; then
		exec {AG_OUT}>&- {AG_IN}<&-
		kill "${AGENT_PID:-}" 2>/dev/null
		return 1
	fi
	# the other pings' answers are read (and skipped) by the next vm_run
	if [ "$up" = 0 ]; then
		fail "$name: the VM's agent never answered (serial log: $VMD/serial.log)"
		tail -30 "$VMD/serial.log" >&2
		return 1
	fi
	note_time "$name: power-on to agent" "$BOOT_T0"
}

vm_kill() {
	[ -f "$1/qemu.pid" ] || return 0
	kill "$(cat "$1/qemu.pid")" 2>/dev/null
	rm -f "$1/qemu.pid"
}

# vm_stop: save the VM's journal next to the other logs and power off
vm_stop() {
	vm_run_t 60 "journalctl -b -o short-monotonic --no-pager" >"$VMD/journal.txt" 2>&1 || true
	if [ -n "${VM_LOGS:-}" ]; then
		mkdir -p "$VM_LOGS"
		cp -r "$VMD" "$VM_LOGS/" 2>/dev/null || true
	fi
	qmp quit >/dev/null 2>&1 || true
	exec {AG_OUT}>&- {AG_IN}<&-
	[ -n "${AGENT_PID:-}" ] && kill "$AGENT_PID" 2>/dev/null
	wait "${AGENT_PID:-}" 2>/dev/null || true
	local pid
	pid=$(cat "$VMD/qemu.pid" 2>/dev/null) || return 0
	busywait 10000 bash -c "! kill -0 $pid" || kill "$pid"
	rm -f "$VMD/qemu.pid"
}

# vm_run_t TIMEOUT CMD: run CMD (a bash command) in the VM; its output on
# stdout, its exit status returned (124: no answer in TIMEOUT s)
vm_run_t() {
	local timeout=$1 cmd=$2 id line rc
	# unique also across subshells, whose counter increments are lost
	AGENT_ID=$((AGENT_ID + 1))
	id=$BASHPID.$AGENT_ID.$RANDOM
	printf '%s %s\n' "$id" "$(printf '%s' "$cmd" | base64 -w0)" >&"$AG_OUT" || return 124
	local end=$(($(date +%s) + timeout))
	while [ "$(date +%s)" -lt "$end" ]; do
		IFS= read -r -t "$((end - $(date +%s) + 1))" line <&"$AG_IN" || return 124
		case $line in
		"@@$id "*)
			line=${line#"@@$id "}
			rc=${line%% *}
			printf '%s' "${line#* }" | base64 -d
			echo
			return "$rc"
			;;
		esac
	done
	return 124
}
vm_run() { vm_run_t 120 "$1"; }
# vm_wait TIMEOUT_S CMD: until CMD succeeds in the VM (polled there, for
# TIMEOUT_S by the guest's clock: a CMD can itself take a second under TCG)
vm_wait() {
	vm_run_t "$(($1 + 30))" "end=\$((SECONDS + $1)); while :; do ($2) >/dev/null 2>&1 && exit 0; [ \$SECONDS -lt \$end ] || exit 1; sleep 0.2; done" >/dev/null
}

# qmp CMD [ARGS-JSON]: one QMP command, its "return" as JSON
qmp() {
	local req="{\"execute\":\"$1\"${2:+,\"arguments\":$2}}"
	printf '{"execute":"qmp_capabilities"}\n%s\n' "$req" |
		socat -t 3 - UNIX-CONNECT:"$VMD/qmp.sock" | jq -c 'select(has("return") or has("error"))' | tail -1
}
hmp() { qmp human-monitor-command "{\"command-line\":\"$1\"}"; }

# VM-side state, parsed here
vm_link() { vm_run "ip -j -d link show dev $1" 2>/dev/null | jq -r ".[0]$2 // \"\"" 2>/dev/null; }
vm_master() { vm_link "$1" .master; }
vm_active() { # the port of bridge eth0 that is attached
	vm_run "switchctl -j show eth0" | jq -r '.bridges[0].ports[] | select(.role == "active") | .name' 2>/dev/null
}
vm_addrs() {
	vm_run "ip -j addr show dev $1" | jq -r '.[0].addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"' 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//'
}
vm_sys() { vm_run "cat /sys/class/net/$1/$2" | tr -d '\n'; }
# unit_time UNIT PROPERTY: a systemd timestamp (us since boot, 0: never)
unit_time() { vm_run "systemctl show -P $2 $1" | tr -d '\n'; }

print_times() {
	echo "---- times (TCG; printed, not asserted)"
	printf '%s\n' "${TIMES[@]}"
	echo "total: $(($(now_ms) - VM_T0)) ms"
}
