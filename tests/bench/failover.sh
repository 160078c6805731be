#!/bin/bash
# Failover outage, switchd and its peers side by side in one run. A client on
# the upstream switch sends sequence-numbered UDP every 1 ms to the host and
# to a guest behind the host's bridge; each cable pull of the active NIC is
# one outage = the longest hole in what arrives. Not a pass/fail test.
#
# Cables (CABLE=, default both, one after the other):
#   veth      the NICs eth0/eth1 are veths; a pull is the switch end going
#             down, and the NIC's carrier loss is reported at once (linkwatch
#             treats veth as urgent).
#   taprelay  the NICs are taps, each cabled to a tap on the upstream switch
#             by taprelay.c; a pull is TUNSETCARRIER 0 on both taps plus the
#             relay dropping frames. Tap carrier events go through linkwatch
#             like a physical NIC's (batched to about one a second).
# Peers (PEERS=, default all):
#   switchd   switchd with its defaults (carrier_poll 5ms)
#   naive     a bridge plus a shell loop on `ip monitor link` that re-attaches
#             on carrier loss
#   ovs       Open vSwitch active-backup bond, userspace datapath
#             (datapath_type=netdev), bond-detect-mode carrier (the default);
#             ovsdb-server and ovs-vswitchd run inside the host namespace with
#             their own db/run/log dirs. Skipped with a message when OVS is
#             not installed or does not start.
#   ovsmii    the same with bond-detect-mode=miimon, miimon interval 10 ms
#             (the same period as switchd's carrier_poll)
# Pulls alternate NICs: DOWN s down (default 0.6), UP s up (default 0.6).
# Prints, per cable, min/median/p90/max outage per peer and target and the
# ratio of medians peer/switchd. Every peer's NICs get arp_ignore 1 (what
# switchd's ports get and any multi-NIC host needs): without it a NIC
# outside the bridge, or an OVS bond member, answers ARP for the host's
# address with its own MAC (weak host model), and a client that caches that
# MAC is unaffected by half the pulls and loses the host for the whole
# cable-down time (or until its ARP entry expires) on the other half.
# KEEP=1 leaves the hole lists and daemon/relay logs in /tmp.
# TAPS=N puts N persistent taps (ft0...) on the failover bridge eth0 as
# [tap] sections of switchd (switchd peer only; issue 12): the outage with
# a bridge of N ports. Nothing opens them, so they have no carrier and add
# no FDB entries; what they cost is switchd's own work per port. A bridge
# takes at most 1023 ports (BR_MAX_PORTS), so TAPS is at most 1020 here
# (eth0 also carries the active NIC and vnet0).
# SLOW_HOOK=S gives switchd (switchd peer only; issue 13) a hooks directory
# whose hook sleeps S seconds on every swap event and logs every event it
# ran for: a failover must not wait for it (docs/performance.md).
#
# GUEST_MACS=N (at most 4000) adds N dynamic FDB entries behind vnet0 on
# eth0 after switchd is up: N more guests for switchd to announce at each
# swap (issue 12: the swap is not delayed by thousands of announcements).
# UPSTREAM_FLUSH=1 flushes the upstream switch's FDB entries of the port about
# to be pulled 0.1 s before each pull (outside the measured hole): with
# GUEST_MACS, what is left of the outage without the lab switch deleting
# thousands of entries on link down on the CPUs the host shares (a real
# switch does that in its own silicon; docs/performance.md).
# usage (root): [CABLE=veth|taprelay] [PEERS="switchd naive ovs ovsmii"]
#               [TAPS=N] [GUEST_MACS=N] [SLOW_HOOK=S] [UPSTREAM_FLUSH=1]
#               tests/bench/failover.sh [PULLS]
#               (needs a build in ./build)
# Bonding and teamd: tests/bench/failover-uml.sh (user-mode-linux).
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SWITCHD=${SWITCHD:-$TOP/build/switchd/switchd}
SWITCHCTL=${SWITCHCTL:-$TOP/build/ctl/switchctl}
PULLS=${1:-20}
CABLES=${CABLE:-veth taprelay}
PEERS=${PEERS:-switchd naive ovs ovsmii}
DOWN=${DOWN:-0.6}
UP=${UP:-0.6}
TAPS=${TAPS:-0}
GUEST_MACS=${GUEST_MACS:-0}
case $GUEST_MACS in '' | *[!0-9]*) echo "GUEST_MACS: a number of MACs, not '$GUEST_MACS'" >&2; exit 2 ;; esac
[ "$GUEST_MACS" -le 4000 ] || { echo "GUEST_MACS: at most 4000 (switchd remembers 4096 a bridge)" >&2; exit 2; }
case $TAPS in '' | *[!0-9]*) echo "TAPS: a number of taps, not '$TAPS'" >&2; exit 2 ;; esac
[ "$TAPS" -le 1020 ] || { echo "TAPS: $TAPS taps do not fit on bridge eth0 (a bridge takes 1023 ports)" >&2; exit 2; }
P=swfb$$
DIR=$(mktemp -d /tmp/swfb.XXXXXX)
OVS=$DIR/ovs
cleanup_lab() {
	ovs_stop
	for ns in $P-h $P-u $P-c $P-g; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
	done
	sleep 0.3
	for ns in $P-h $P-u $P-c $P-g; do ip netns del "$ns" 2>/dev/null || true; done
}
cleanup() {
	cleanup_lab
	rm -rf "$DIR"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
for c in $CABLES; do
	case $c in veth | taprelay) ;; *) echo "CABLE: veth or taprelay, not $c" >&2; exit 2 ;; esac
done
cc -O2 -o "$DIR/udpseq" "$TOP/tests/bench/udpseq.c"
cc -O2 -o "$DIR/taprelay" "$TOP/tests/bench/taprelay.c"

declare -A RELAY # switch-side cable name -> relay pid

start_relay() { # NIC CABLE: the tap NIC in the host, its peer tap on the switch
	ip netns exec $P-h "$DIR/taprelay" "$1" $P-u "$2" >"$DIR/relay-$2" 2>&1 &
	RELAY[$2]=$!
	for _ in $(seq 200); do grep -q ready "$DIR/relay-$2" 2>/dev/null && return; sleep 0.01; done
	echo "taprelay $1/$2 did not start: $(cat "$DIR/relay-$2")" >&2
	exit 1
}

lab() { # CABLE
	for ns in $P-h $P-u $P-c $P-g; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
	ip -n $P-u link add sw type bridge
	ip -n $P-u link set sw up
	if [ "$1" = veth ]; then
		ip -n $P-h link add eth0 address 02:00:c6:12:05:10 type veth peer name up0 netns $P-u
		ip -n $P-h link add eth1 address 02:00:c6:12:05:11 type veth peer name up1 netns $P-u
	else
		start_relay eth0 up0
		start_relay eth1 up1
		ip -n $P-h link set eth0 address 02:00:c6:12:05:10
		ip -n $P-h link set eth1 address 02:00:c6:12:05:11
	fi
	ip -n $P-c link add eth0 type veth peer name upc netns $P-u
	for p in up0 up1 upc; do ip -n $P-u link set $p master sw up; done
	ip -n $P-h link set eth0 up
	ip -n $P-h link set eth1 up
	# no NIC answers ARP for an address it does not carry, for every peer
	# (switchd sets this on its ports itself): else the client may cache a
	# NIC's own MAC for the host and the host numbers measure ARP caching
	ip netns exec $P-h sysctl -qw net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth1.arp_ignore=1
	ip -n $P-h addr add 198.18.5.2/24 dev eth0
	ip -n $P-c link set eth0 up
	ip -n $P-c addr add 198.18.5.1/24 dev eth0
	ip -n $P-h link add vnet0 type veth peer name eth0 netns $P-g
	ip -n $P-h link set vnet0 up
	ip -n $P-g link set eth0 up
	ip -n $P-g addr add 198.18.5.77/24 dev eth0
}

pull() { # CABLE up0|up1
	if [ "$1" = veth ]; then ip -n $P-u link set "$2" down; else kill -USR1 "${RELAY[$2]}"; fi
}
plug() { # CABLE up0|up1
	if [ "$1" = veth ]; then ip -n $P-u link set "$2" up; else kill -USR2 "${RELAY[$2]}"; fi
}

naive_start() {
	# the naive way: the bridge by hand, then re-attach on carrier loss
	ip netns exec $P-h bash -c '
		ip link set eth0 name hweth0; ip link set eth1 name hweth1
		ip link add eth0 address 02:00:c6:12:05:10 type bridge
		ip link set eth0 up; ip link set vnet0 master eth0
		ip addr del 198.18.5.2/24 dev hweth0; ip addr add 198.18.5.2/24 dev eth0
		ip link set hweth0 master eth0'
	ip netns exec $P-h bash -c '
		ip monitor link | while read -r line; do
			case $line in *hweth[01]*NO-CARRIER*master\ eth0*) ;; *) continue ;; esac
			dead=$(echo "$line" | grep -o "hweth[01]" | head -1)
			[ "$dead" = hweth0 ] && other=hweth1 || other=hweth0
			ip link set "$other" master eth0; ip link set "$dead" nomaster
		done' &
}
naive_active() { ip -n $P-h -j link show master eth0 | jq -r '.[].ifname' | sed -n 's/^hweth\([01]\)$/\1/p' | head -1; }

switchd_start() { # CABLE
	local i
	# veths are found by MAC; switchd never takes a tap for a MAC, a tap
	# NIC stand-in is named explicitly (switchd.conf(5), [nic])
	if [ "$1" = veth ]; then
		m0='mac = 02:00:c6:12:05:10' m1='mac = 02:00:c6:12:05:11'
	else
		m0='name = eth0' m1='name = eth1'
	fi
	cat >"$DIR/sw.conf" <<-EOF
		[nic hweth0]
		$m0
		[nic hweth1]
		$m1
		[bridge eth0]
		ports = hweth0 hweth1
		guests = vnet*
	EOF
	for ((i = 0; i < TAPS; i++)); do printf '[tap ft%d]\nbridge = eth0\n' "$i"; done >>"$DIR/sw.conf"
	if [ -n "${SLOW_HOOK:-}" ]; then
		mkdir -p "$DIR/hooks.d"
		cat >"$DIR/hooks.d/50-slow" <<-EOF
			#!/bin/sh
			[ "\$SWITCHD_EVENT" = swap ] && sleep $SLOW_HOOK
			echo "\$(date +%s.%N) \$SWITCHD_EVENT \$SWITCHD_PORT dropped \$SWITCHD_DROPPED" >>$DIR/$1-hook-runs
		EOF
		chmod +x "$DIR/hooks.d/50-slow"
		printf '[switchd]\nhooks = %s/hooks.d\n' "$DIR" >>"$DIR/sw.conf"
	fi
	ip netns exec $P-h "$SWITCHD" -c "$DIR/sw.conf" -s "$DIR/sw.sock" -l stderr ${SWITCHD_ARGS:-} >"$DIR/$1-switchd.log" 2>&1 &
	while ! ip netns exec $P-h "$SWITCHCTL" -s "$DIR/sw.sock" status >/dev/null 2>&1; do sleep 0.05; done
	guest_macs
}
# GUEST_MACS=N: N more guests behind vnet0, as dynamic FDB entries of eth0
# (learned entries as far as switchd can tell: it hears them as FDB events
# and announces each after every swap, a RARP each, 256 frames a burst)
guest_macs() {
	local i
	[ "$GUEST_MACS" -gt 0 ] || return 0
	for ((i = 0; i < GUEST_MACS; i++)); do
		printf 'fdb add 02:00:c6:13:%02x:%02x dev vnet0 master dynamic\n' $((i / 256)) $((i % 256))
	done >"$DIR/fdb.batch"
	bridge -n $P-h -batch "$DIR/fdb.batch"
}
switchd_active() { naive_active; }

# Open vSwitch, all state under $OVS, daemons inside the host namespace
ovsenv() { env OVS_RUNDIR="$OVS" OVS_DBDIR="$OVS" OVS_LOGDIR="$OVS" OVS_SYSCONFDIR="$OVS" "$@"; }
vsctl() { ovsenv ovs-vsctl --db="unix:$OVS/db.sock" --timeout=20 "$@"; }
ovs_ok() { # -> 0 when OVS can be run; else prints why
	local b
	for b in ovsdb-tool ovsdb-server ovs-vswitchd ovs-vsctl ovs-appctl; do
		command -v "$b" >/dev/null || { echo "$b not found (apt-get install openvswitch-switch)"; return 1; }
	done
	[ -f /usr/share/openvswitch/vswitch.ovsschema ] || { echo "no vswitch.ovsschema"; return 1; }
}
ovs_start() { # CABLE MIIMON_MS (0: carrier, the default detect mode)
	local bondopt=()
	[ "$2" != 0 ] && bondopt=(other_config:bond-detect-mode=miimon "other_config:bond-miimon-interval=$2")
	rm -rf "$OVS"
	mkdir -p "$OVS"
	ovsenv ovsdb-tool create "$OVS/conf.db" /usr/share/openvswitch/vswitch.ovsschema >/dev/null
	ip netns exec $P-h env OVS_RUNDIR="$OVS" OVS_DBDIR="$OVS" OVS_LOGDIR="$OVS" OVS_SYSCONFDIR="$OVS" \
		ovsdb-server "$OVS/conf.db" --remote="punix:$OVS/db.sock" --pidfile="$OVS/ovsdb-server.pid" \
		--unixctl="$OVS/ovsdb-server.ctl" --log-file="$OVS/ovsdb-server.log" --no-chdir --detach || return 1
	vsctl --no-wait init || return 1
	ip netns exec $P-h env OVS_RUNDIR="$OVS" OVS_DBDIR="$OVS" OVS_LOGDIR="$OVS" OVS_SYSCONFDIR="$OVS" \
		ovs-vswitchd "unix:$OVS/db.sock" --pidfile="$OVS/ovs-vswitchd.pid" \
		--unixctl="$OVS/ovs-vswitchd.ctl" --log-file="$OVS/ovs-vswitchd.log" --no-chdir --detach || return 1
	vsctl add-br br0 -- set bridge br0 datapath_type=netdev || return 1
	vsctl add-bond br0 bond0 eth0 eth1 bond_mode=active-backup "${bondopt[@]}" || return 1
	vsctl add-port br0 vnet0 || return 1
	ip -n $P-h addr del 198.18.5.2/24 dev eth0
	ip -n $P-h link set br0 up
	ip -n $P-h addr add 198.18.5.2/24 dev br0
	for _ in $(seq 100); do [ -n "$(ovs_active)" ] && return 0; sleep 0.05; done
	echo "no active bond member"
	return 1
}
ovs_stop() {
	local d
	for d in ovs-vswitchd ovsdb-server; do
		[ -f "$OVS/$d.pid" ] && kill "$(cat "$OVS/$d.pid")" 2>/dev/null || true
		rm -f "$OVS/$d.pid"
	done
}
# the bond's active member: "active-backup primary" is a preference; the
# member with "active member" under it carries the traffic
ovs_active() {
	ovsenv ovs-appctl -t "$OVS/ovs-vswitchd.ctl" bond/show bond0 2>/dev/null |
		awk '/^member eth[01]:/ { m = substr($2, 4, 1) } /active member$/ { print m; exit }'
}
ovsmii_active() { ovs_active; }
peer_start() { # PEER CABLE
	case $1 in
	switchd) switchd_start "$2" ;;
	naive) naive_start ;;
	ovs) ovs_start "$2" 0 ;;
	ovsmii) ovs_start "$2" 10 ;;
	esac
}

run() { # CABLE PEER -> $DIR/CABLE-PEER-{host,guest}, or returns 1 (skipped)
	local c=$1 peer=$2 a i why
	lab "$c"
	if ! peer_start "$peer" "$c" >"$DIR/start.out" 2>&1; then
		echo "SKIP $peer ($c): cannot start: $(tr '\n' ' ' <"$DIR/start.out")" | tee -a "$DIR/skipped" >&2
		[ -f "$OVS/ovs-vswitchd.log" ] && tail -5 "$OVS/ovs-vswitchd.log" >&2
		cleanup_lab
		return 1
	fi
	sleep 0.5
	ip netns exec $P-h "$DIR/udpseq" recv 9000 >"$DIR/$c-$peer-host" &
	ip netns exec $P-g "$DIR/udpseq" recv 9000 >"$DIR/$c-$peer-guest" &
	ip netns exec $P-c "$DIR/udpseq" send 198.18.5.2 9000 1000 &
	ip netns exec $P-c "$DIR/udpseq" send 198.18.5.77 9000 1000 &
	sleep 1
	for i in $(seq "$PULLS"); do
		a=$("${peer}_active" || true)
		if [ -z "$a" ]; then
			echo "$c $peer pull $i: no active NIC found, pulling up0" >>"$DIR/notes"
			a=0
		fi
		if [ -n "${UPSTREAM_FLUSH:-}" ]; then
			ip -n $P-u link set "up$a" type bridge_slave fdb_flush
			sleep 0.1
		fi
		pull "$c" "up$a"
		sleep "$DOWN"
		plug "$c" "up$a"
		sleep "$UP"
	done
	sleep 0.5
	[ "$peer" = switchd ] && echo "$c switchd: $(ip netns exec $P-h "$SWITCHCTL" -s "$DIR/sw.sock" -j show eth0 | jq '.bridges[0].announced') frames announced over the run ($PULLS pulls, GUEST_MACS=$GUEST_MACS)" >>"$DIR/notes"
	if [ -n "${KEEP:-}" ]; then
		cp "$DIR/$c-$peer-host" "$DIR/$c-$peer-guest" /tmp/ 2>/dev/null || true
		[ "$peer" = switchd ] && cp "$DIR/$c-switchd.log" "/tmp/bench-$c-switchd.log"
		[ "$c" = taprelay ] && cat "$DIR/relay-up0" "$DIR/relay-up1" | sort -k2n >"/tmp/bench-$c-$peer-relay.log"
		case $peer in ovs*) cp "$OVS/ovs-vswitchd.log" "/tmp/bench-$c-$peer-vswitchd.log" ;; esac
	fi
	cleanup_lab
}

# per-pull outage: the gaps > 2 ms (a pull without one counts 1 ms; more
# holes than pulls are all counted)
stats() {
	awk -v n="$PULLS" '/^gap/ { g[++k] = $2 } END {
		for (i = k + 1; i <= n; i++) g[i] = 1
		m = k > n ? k : n
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (g[j] < g[i]) { t = g[i]; g[i] = g[j]; g[j] = t }
		printf "%.0f %.0f %.0f %.0f %d\n", g[1], g[int((m + 1) / 2)], g[int(m * 0.9 + 0.5)], g[m], k }' "$1"
}

declare -A RAN
for c in $CABLES; do
	for peer in $PEERS; do
		case $peer in
		switchd | naive) ;;
		ovs | ovsmii)
			if ! why=$(ovs_ok); then
				echo "SKIP $peer ($c): $why" | tee -a "$DIR/skipped" >&2
				continue
			fi ;;
		*) echo "unknown peer $peer" >&2; exit 2 ;;
		esac
		run "$c" "$peer" && RAN[$c-$peer]=1
	done
done

for c in $CABLES; do
	echo
	echo "failover outage per cable pull, $PULLS pulls, $c cables, ${DOWN}s down/${UP}s up, UDP every 1 ms (ms; kernel $(uname -r)$([ "$TAPS" = 0 ] || echo "; switchd with $TAPS taps on eth0")$([ "$GUEST_MACS" = 0 ] || echo "; $GUEST_MACS more guest MACs behind vnet0")$([ -z "${SLOW_HOOK:-}" ] || echo "; switchd with a ${SLOW_HOOK}s swap hook")$([ -z "${UPSTREAM_FLUSH:-}" ] || echo "; the upstream FDB of the pulled port flushed 0.1 s before each pull"))"
	if [ -n "${SLOW_HOOK:-}" ] && [ -f "$DIR/$c-hook-runs" ]; then
		echo "hook runs: $(wc -l <"$DIR/$c-hook-runs") ($(grep -c ' swap ' "$DIR/$c-hook-runs") swap), events dropped from the queue: $(awk '{ s += $NF } END { print s + 0 }' "$DIR/$c-hook-runs")"
	fi
	printf '%-8s %-6s %6s %6s %6s %6s %6s %s\n' peer target min median p90 max holes "median/switchd"
	for peer in $PEERS; do
		[ -n "${RAN[$c-$peer]:-}" ] || { printf '%-8s skipped\n' "$peer"; continue; }
		for t in host guest; do
			read -r mn md p9 mx k < <(stats "$DIR/$c-$peer-$t")
			ratio=-
			if [ -n "${RAN[$c-switchd]:-}" ]; then
				read -r _ base _ < <(stats "$DIR/$c-switchd-$t")
				ratio=$(awk -v a="$md" -v b="$base" 'BEGIN { printf "%.1f", a / (b ? b : 1) }')
			fi
			printf '%-8s %-6s %6s %6s %6s %6s %6s %s\n' "$peer" "$t" "$mn" "$md" "$p9" "$mx" "$k" "$ratio"
		done
	done
done
[ -f "$DIR/skipped" ] && { echo; cat "$DIR/skipped"; }
[ -f "$DIR/notes" ] && { echo; cat "$DIR/notes"; }
exit 0
