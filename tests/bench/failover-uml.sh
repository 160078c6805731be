#!/bin/bash
# Failover outage of Linux bonding and teamd next to switchd, all inside one
# user-mode-linux guest (Debian's user-mode-linux, a 6.1 kernel with bonding
# and team as modules; the development kernel has neither). The lab is the
# veth lab of failover.sh: a host namespace with two veth NICs eth0/eth1
# cabled to a bridge in an upstream-switch namespace, a client namespace on
# that switch, a guest namespace behind a veth (vnet0) on the host. The client
# sends sequence-numbered UDP every 1 ms to the host and to the guest; each
# cable pull (the switch end of the active NIC going down) is one outage =
# the longest hole in what arrives. Not a pass/fail test.
#
# Peers (PEERS=, default all, one after the other in the same guest):
#   bond100   bonding active-backup, miimon=100, bond0 under a bridge br0 that
#             carries the host address and vnet0
#   bond10    the same with miimon=10
#   teamd     teamd, activebackup runner, link_watch ethtool, team0 under br0
#   switchd   switchd with its defaults, config as failover.sh's
# Pulls alternate NICs: DOWN s down (default 0.6), UP s up (default 0.6).
# Prints min/median/p90/max outage per peer and target and the ratio of
# medians peer/switchd. Timings are comparable only within this guest, not
# with failover.sh's native numbers.
#
# usage (root): [PEERS="bond100 bond10 teamd switchd"] [KEEP=DIR]
#               tests/bench/failover-uml.sh [PULLS]  (needs a build in ./build)
# Prints a SKIP line and exits 0 when user-mode-linux is not available.
# The guest's init is tests/bench/uml-init.sh; this script runs again inside
# the guest as "failover-uml.sh guest" with its parameters from the kernel
# command line. Nothing is done in the host's network namespace.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SELF=$TOP/tests/bench/failover-uml.sh
ALL_PEERS="bond100 bond10 teamd switchd"

# ---------------------------------------------------------------- in the guest
guest() {
	local OUT=/tmp/out W=/tmp/w P=sw
	local PULLS=$SWUML_PULLS DOWN=$SWUML_DOWN UP=$SWUML_UP
	local PEERS=${SWUML_PEERS//,/ }
	local SWITCHD=$SWUML_SWITCHD SWITCHCTL=$SWUML_SWITCHCTL
	local UDPSEQ=$OUT/udpseq
	local SWARGS=${SWUML_SWITCHD_ARGS:-}
	SWARGS=${SWARGS//,/ }
	mkdir -p $W
	log() { echo "uml: $*" | tee -a $OUT/progress >&2; }

	cleanup_lab() {
		local ns
		for ns in $P-h $P-u $P-c $P-g; do
			ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
		done
		sleep 0.3
		for ns in $P-h $P-u $P-c $P-g; do ip netns del "$ns" 2>/dev/null || true; done
		# bond0/team0/br0 die with the host namespace; wait until they are gone
		for _ in $(seq 50); do
			[ -z "$(ip netns list)" ] && break
			sleep 0.1
		done
	}
	lab() {
		local ns
		for ns in $P-h $P-u $P-c $P-g; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
		ip -n $P-u link add sw type bridge
		ip -n $P-u link set sw up
		ip -n $P-h link add eth0 address 02:00:c6:12:05:10 type veth peer name up0 netns $P-u
		ip -n $P-h link add eth1 address 02:00:c6:12:05:11 type veth peer name up1 netns $P-u
		ip -n $P-c link add eth0 type veth peer name upc netns $P-u
		for p in up0 up1 upc; do ip -n $P-u link set $p master sw up; done
		ip -n $P-h link set eth0 up
		ip -n $P-h link set eth1 up
		ip -n $P-h addr add 198.18.5.2/24 dev eth0
		ip -n $P-c link set eth0 up
		ip -n $P-c addr add 198.18.5.1/24 dev eth0
		ip -n $P-h link add vnet0 type veth peer name eth0 netns $P-g
		ip -n $P-h link set vnet0 up
		ip -n $P-g link set eth0 up
		ip -n $P-g addr add 198.18.5.77/24 dev eth0
	}
	pull() { ip -n $P-u link set "$1" down; }
	plug() { ip -n $P-u link set "$1" up; }

	# a bridge br0 over the aggregate device AGG, with vnet0 and the host
	# address, as switchd has it (the guest behind the bridge)
	bridge_over() { # AGG
		ip -n $P-h addr flush dev eth0
		ip -n $P-h link add br0 address 02:00:c6:12:05:10 type bridge
		ip -n $P-h link set "$1" master br0
		ip -n $P-h link set vnet0 master br0
		ip -n $P-h link set "$1" up
		ip -n $P-h link set br0 up
		ip -n $P-h addr add 198.18.5.2/24 dev br0
	}
	bond_start() { # MIIMON_MS
		ip -n $P-h link add bond0 type bond mode active-backup miimon "$1"
		ip -n $P-h link set eth0 down
		ip -n $P-h link set eth1 down
		ip -n $P-h link set eth0 master bond0
		ip -n $P-h link set eth1 master bond0
		bridge_over bond0
		for _ in $(seq 100); do [ -n "$(bond_active)" ] && return 0; sleep 0.05; done
		echo "no active bond slave"
		return 1
	}
	bond_active() {
		ip netns exec $P-h cat /sys/class/net/bond0/bonding/active_slave 2>/dev/null | sed -n 's/^eth\([01]\)$/\1/p'
	}
	bond100_active() { bond_active; }
	bond10_active() { bond_active; }

	teamd_start() {
		command -v teamd >/dev/null || { echo "teamd not found (apt-get install libteam-utils)"; return 1; }
		cat >$W/team0.conf <<-EOF
			{
				"device": "team0",
				"runner": { "name": "activebackup" },
				"link_watch": { "name": "ethtool" },
				"ports": { "eth0": {}, "eth1": {} }
			}
		EOF
		ip -n $P-h addr flush dev eth0
		ip netns exec $P-h teamd -d -U -f $W/team0.conf -l stderr 2>$W/teamd.log || { cat $W/teamd.log; return 1; }
		bridge_over team0
		for _ in $(seq 100); do [ -n "$(teamd_active)" ] && return 0; sleep 0.05; done
		echo "no active team port"
		cat $W/teamd.log
		return 1
	}
	teamd_active() {
		ip netns exec $P-h teamdctl -U team0 state item get runner.active_port 2>/dev/null | sed -n 's/^eth\([01]\)$/\1/p'
	}

	switchd_start() {
		cat >$W/sw.conf <<-EOF
			[nic hweth0]
			mac = 02:00:c6:12:05:10
			[nic hweth1]
			mac = 02:00:c6:12:05:11
			[bridge eth0]
			ports = hweth0 hweth1
			guests = vnet*
		EOF
		ip netns exec $P-h "$SWITCHD" -c $W/sw.conf -s $W/sw.sock -l stderr $SWARGS >$W/switchd.log 2>&1 &
		local pid=$!
		for _ in $(seq 200); do
			ip netns exec $P-h "$SWITCHCTL" -s $W/sw.sock status >/dev/null 2>&1 && break
			kill -0 $pid 2>/dev/null || { echo "switchd exited:"; cat $W/switchd.log; return 1; }
			sleep 0.05
		done
		ip netns exec $P-h "$SWITCHCTL" -s $W/sw.sock status >/dev/null 2>&1 || {
			echo "switchctl status does not answer after 10 s"; cat $W/switchd.log; return 1; }
		for _ in $(seq 100); do [ -n "$(switchd_active)" ] && return 0; sleep 0.05; done
		echo "no hweth port under bridge eth0 after 5 s:"
		ip -n $P-h -br link
		ip -n $P-h -br addr
		cat $W/switchd.log
		return 1
	}
	switchd_active() {
		ip -n $P-h -j link show master eth0 2>/dev/null | jq -r '.[].ifname' | sed -n 's/^hweth\([01]\)$/\1/p' | head -1
	}

	run() { # PEER -> $OUT/veth-PEER-{host,guest}, or returns 1 (skipped)
		local peer=$1 a i
		lab
		case $peer in
		bond100) bond_start 100 ;;
		bond10) bond_start 10 ;;
		teamd) teamd_start ;;
		switchd) switchd_start ;;
		esac >$W/start.out 2>&1 || {
			echo "SKIP $peer: cannot start: $(tr '\n' ' ' <$W/start.out)" >>$OUT/skipped
			log "SKIP $peer (see skipped)"
			[ "$peer" = switchd ] && cp $W/switchd.log $OUT/switchd.log
			{ echo "== $peer"; ip -n $P-h -d link; ip -n $P-h addr; } >>$OUT/state-at-skip 2>&1 || true
			cleanup_lab
			return 1
		}
		sleep 0.5
		{ echo "== $peer after start"; ip -n $P-h -br link; ip -n $P-h -br addr; } >>$OUT/state 2>&1
		ip netns exec $P-h "$UDPSEQ" recv 9000 >$W/$peer-host &
		ip netns exec $P-g "$UDPSEQ" recv 9000 >$W/$peer-guest &
		ip netns exec $P-c "$UDPSEQ" send 198.18.5.2 9000 1000 &
		ip netns exec $P-c "$UDPSEQ" send 198.18.5.77 9000 1000 &
		sleep 1
		for i in $(seq "$PULLS"); do
			a=$("${peer}_active" || true)
			if [ -z "$a" ]; then
				echo "$peer pull $i: no active NIC found, pulling up0" >>$OUT/notes
				a=0
			fi
			echo "$peer pull $i up$a $(date +%s.%N)" >>$OUT/pulls
			pull "up$a"
			sleep "$DOWN"
			plug "up$a"
			sleep "$UP"
		done
		sleep 0.5
		cp $W/$peer-host $OUT/veth-$peer-host
		cp $W/$peer-guest $OUT/veth-$peer-guest
		case $peer in
		switchd) cp $W/switchd.log $OUT/switchd.log ;;
		teamd) cp $W/teamd.log $OUT/teamd.log ;;
		esac
		cleanup_lab
		echo "$peer" >>$OUT/ran
		log "$peer done ($(grep -c ^gap $OUT/veth-$peer-host) + $(grep -c ^gap $OUT/veth-$peer-guest) holes)"
	}

	[ -s $OUT/modprobe.failed ] && cat $OUT/modprobe.failed >>$OUT/notes
	# the noise floor: the same traffic through a plain bridge, no pulls
	lab
	ip -n $P-h addr del 198.18.5.2/24 dev eth0
	ip -n $P-h link add br0 type bridge
	ip -n $P-h link set eth0 master br0
	ip -n $P-h link set vnet0 master br0
	ip -n $P-h link set br0 up
	ip -n $P-h addr add 198.18.5.2/24 dev br0
	ip netns exec $P-h "$UDPSEQ" recv 9000 >$W/idle-host &
	ip netns exec $P-g "$UDPSEQ" recv 9000 >$W/idle-guest &
	sleep 0.3
	ip netns exec $P-c "$UDPSEQ" send 198.18.5.2 9000 1000 &
	ip netns exec $P-c "$UDPSEQ" send 198.18.5.77 9000 1000 &
	sleep 10
	cp $W/idle-host $OUT/idle-host
	cp $W/idle-guest $OUT/idle-guest
	cleanup_lab
	log "idle (no pulls, 10 s) done"
	for peer in $PEERS; do
		log "$peer: $PULLS pulls"
		run "$peer" || true
	done
	return 0
}

if [ "${1:-}" = guest ]; then
	guest
	exit $?
fi

# ----------------------------------------------------------------- on the host
PULLS=${1:-20}
PEERS=${PEERS:-$ALL_PEERS}
DOWN=${DOWN:-0.6}
UP=${UP:-0.6}
SWITCHD=${SWITCHD:-$TOP/build/switchd/switchd}
SWITCHCTL=${SWITCHCTL:-$TOP/build/ctl/switchctl}
UML=${UML:-linux.uml}
skip() { echo "SKIP failover-uml: $*"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
for peer in $PEERS; do
	case " $ALL_PEERS " in *" $peer "*) ;; *) echo "unknown peer $peer (one of: $ALL_PEERS)" >&2; exit 2 ;; esac
done
command -v "$UML" >/dev/null || skip "$UML not found (apt-get install user-mode-linux)"
UMLVER=$(ls /usr/lib/uml/modules 2>/dev/null | sort -V | tail -1)
[ -n "$UMLVER" ] && [ -f "/usr/lib/uml/modules/$UMLVER/modules.dep" ] ||
	skip "no UML modules under /usr/lib/uml/modules"
[ -d /dev/shm ] && [ -w /dev/shm ] || skip "/dev/shm (for the guest's RAM file) is not writable"
case " $PEERS " in *" switchd "*)
	[ -x "$SWITCHD" ] && [ -x "$SWITCHCTL" ] || {
		echo "no switchd build ($SWITCHD, $SWITCHCTL): cd $TOP && tests/setup-debian.sh" >&2; exit 1; } ;;
esac
command -v jq >/dev/null || { echo "jq not found (apt-get install jq)" >&2; exit 1; }

DIR=$(mktemp -d /tmp/swuml.XXXXXX)
UMLPID=
cleanup() {
	[ -n "$UMLPID" ] && kill -- -"$UMLPID" 2>/dev/null || true
	if [ -n "${KEEP:-}" ]; then
		mkdir -p "$KEEP" && cp -r "$DIR"/. "$KEEP"/ && echo "kept in $KEEP"
	fi
	rm -rf "$DIR"
}
trap cleanup EXIT
cc -O2 -o "$DIR/udpseq" "$TOP/tests/bench/udpseq.c"

# a bound on the guest's life: boot, the idle run, and per peer its pulls
# plus start and stop, all at UML speed
LIMIT=$(awk -v n="$(wc -w <<<"$PEERS")" -v p="$PULLS" -v d="$DOWN" -v u="$UP" \
	'BEGIN { printf "%d", 90 + n * (60 + 2 * p * (d + u)) }')
peers_csv=$(tr -s ' ' ',' <<<"$PEERS" | sed 's/^,//; s/,$//')
cmdline=(mem=768M root=/dev/root rootfstype=hostfs rootflags=/ rw quiet
	init="$TOP/tests/bench/uml-init.sh" con=null con0=fd:0,fd:1
	SWUML_OUT="$DIR" SWUML_RUN="$SELF"
	SWUML_MODULES=veth,bridge,bonding,team,team_mode_activebackup
	SWUML_PULLS="$PULLS" SWUML_DOWN="$DOWN" SWUML_UP="$UP" SWUML_PEERS="$peers_csv"
	SWUML_SWITCHD="$SWITCHD" SWUML_SWITCHCTL="$SWITCHCTL")
[ -n "${SWITCHD_ARGS:-}" ] && cmdline+=(SWUML_SWITCHD_ARGS="${SWITCHD_ARGS// /,}")
echo "booting $UML ($UMLVER), peers: $PEERS, $PULLS pulls each, limit ${LIMIT}s"
# setsid: own session and process group (the console is raw fds, no tty);
# timeout kills the whole guest if it hangs
TMPDIR=/dev/shm setsid timeout -k 10 "$LIMIT" "$UML" "${cmdline[@]}" </dev/null >"$DIR/console" 2>&1 &
UMLPID=$!
tail -n +1 -F "$DIR/progress" 2>/dev/null | sed -u 's/^/  /' &
TAILPID=$!
rc=0
wait "$UMLPID" || rc=$?
UMLPID=
sleep 1.2 # let tail print the last progress lines
kill "$TAILPID" 2>/dev/null || true
wait "$TAILPID" 2>/dev/null || true
if [ ! -f "$DIR/started" ]; then
	echo "--- UML console:"
	tail -20 "$DIR/console"
	skip "the UML guest did not start (exit $rc, see console above)"
fi
if [ ! -f "$DIR/rc" ]; then
	echo "--- UML console:"
	tail -30 "$DIR/console"
	echo "the guest did not finish (exit $rc; 124 = killed after ${LIMIT}s)" >&2
	exit 1
fi
[ "$(cat "$DIR/rc")" = 0 ] || { echo "--- UML console:"; tail -30 "$DIR/console"; echo "guest run failed: rc $(cat "$DIR/rc")" >&2; exit 1; }
UNAME=$(cat "$DIR/uname")

# per-pull outage: the gaps > 2 ms (a pull without one counts 1 ms; more
# holes than pulls are all counted) -- as failover.sh
stats() { # FILE [N]
	awk -v n="${2:-$PULLS}" '/^gap/ { g[++k] = $2 } END {
		for (i = k + 1; i <= n; i++) g[i] = 1
		m = k > n ? k : n
		if (!m) { print "- - - - 0"; exit }
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (g[j] < g[i]) { t = g[i]; g[i] = g[j]; g[j] = t }
		printf "%.0f %.0f %.0f %.0f %d\n", g[1], g[int((m + 1) / 2)], g[int(m * 0.9 + 0.5)], g[m], k }' "$1"
}
ran() { grep -qx "$1" "$DIR/ran" 2>/dev/null; }

echo
echo "noise floor: plain bridge, no pulls, 10 s, UDP every 1 ms (UML $UNAME)"
for t in host guest; do
	printf '  %-6s %d holes > 2 ms, longest %s ms\n' "$t" "$(grep -c ^gap "$DIR/idle-$t" || true)" \
		"$(awk '/^gap/ && $2 > m { m = $2 } END { print m + 0 }' "$DIR/idle-$t")"
done
echo
echo "failover outage per cable pull, $PULLS pulls, veth cables, ${DOWN}s down/${UP}s up, UDP every 1 ms (ms; UML kernel $UNAME)"
printf '%-8s %-6s %6s %6s %6s %6s %6s %s\n' peer target min median p90 max holes "median/switchd"
for peer in $PEERS; do
	ran "$peer" || { printf '%-8s skipped\n' "$peer"; continue; }
	for t in host guest; do
		read -r mn md p9 mx k < <(stats "$DIR/veth-$peer-$t")
		ratio=-
		if ran switchd; then
			read -r _ base _ < <(stats "$DIR/veth-switchd-$t")
			ratio=$(awk -v a="$md" -v b="$base" 'BEGIN { printf "%.1f", a / (b ? b : 1) }')
		fi
		printf '%-8s %-6s %6s %6s %6s %6s %6s %s\n' "$peer" "$t" "$mn" "$md" "$p9" "$mx" "$k" "$ratio"
	done
done
[ -f "$DIR/skipped" ] && { echo; cat "$DIR/skipped"; }
[ -f "$DIR/notes" ] && { echo; cat "$DIR/notes"; }
[ -f "$DIR/switchd.log" ] && ! ran switchd && { echo; echo "--- switchd log in UML:"; cat "$DIR/switchd.log"; }
exit 0
