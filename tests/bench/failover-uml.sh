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
# Peers (PEERS=, default all but teamdv6, one after the other in one guest):
#   bond100   bonding active-backup, miimon=100, bond0 under a bridge br0 that
#             carries the host address and vnet0
#   bond10    the same with miimon=10
#   teamd     teamd, activebackup runner, link_watch ethtool, team0 under
#             br0; the ports' IPv6 address generation is off (addrgenmode
#             none), as bond slaves and switchd's NICs have it
#   teamdv6   (not in the default list) the same with the ports' IPv6 left
#             on: each port then sends router solicitations and MLD reports
#             with the team's MAC, the upstream switch learns that MAC on the
#             backup port, and traffic to the host's own address is lost
#             there (the team drops what arrives on the backup port) until
#             the next pull flushes the entry -- seconds, not a failover time
#   switchd   switchd with its defaults, config as failover.sh's
# Pulls alternate NICs: DOWN s down (default 0.6), UP s up (default 0.6)
# plus a random 0..JITTER_MS ms (default 100; 0 for failover.sh's fixed
# cadence, which here walks through miimon's 100 ms phase in order).
# Prints min/median/p90/max outage per peer and target, the packets lost per
# pull, and the ratios peer/switchd of the medians and of the losses. A pull
# without a hole counts 1 ms, as in failover.sh; holes shorter than the send
# interval (about 1.3-1.7 ms here, see the rates printed) are not seen. Timings are comparable only within this guest, not
# with failover.sh's native numbers.
#
# usage (root): [PEERS="bond100 bond10 teamd teamdv6 switchd"] [KEEP=DIR]
#               tests/bench/failover-uml.sh [PULLS]  (needs a build in ./build)
# Prints a SKIP line and exits 0 when user-mode-linux is not available.
# The guest's init is tests/uml-init.sh; this script runs again inside
# the guest as "failover-uml.sh guest" with its parameters from the kernel
# command line. Nothing is done in the host's network namespace.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SELF=$TOP/tests/bench/failover-uml.sh
ALL_PEERS="bond100 bond10 teamd teamdv6 switchd"
DEFAULT_PEERS="bond100 bond10 teamd switchd"

# ---------------------------------------------------------------- in the guest
# Starting a process costs about 0.3 s in this guest (more under the UDP
# load), so the pull loop starts none: pulls and plugs go to one
# "ip -batch" on a fifo, sleeps are "read -t" on a fifo nobody writes, and
# the active NIC is read from a sysfs of the host namespace (mounted from
# within it with nsenter) -- except teamd's, which only teamdctl tells; that
# query runs right after the plug, in the up phase.
guest() {
	local OUT=/tmp/out W=/tmp/w P=sw
	local PULLS=$SWUML_PULLS DOWN=$SWUML_DOWN UP=$SWUML_UP JITTER=${SWUML_JITTER_MS:-0}
	local PEERS=${SWUML_PEERS//,/ }
	local SWITCHD=$SWUML_SWITCHD SWITCHCTL=$SWUML_SWITCHCTL
	local UDPSEQ=$OUT/udpseq SYSH=$W/sys-h
	local SWARGS=${SWUML_SWITCHD_ARGS:-}
	local ACTIVE SLP IPU
	SWARGS=${SWARGS//,/ }
	mkdir -p $W $SYSH
	mkfifo $W/never $W/ipu
	exec {SLP}<>$W/never
	log() { echo "  uml: $*" | tee -a $OUT/progress >&2; }
	nap() { read -r -t "$1" -u "$SLP" _ || true; }

	cleanup_lab() {
		local ns
		[ -n "${IPU:-}" ] && { exec {IPU}>&-; IPU=; }
		mountpoint -q $SYSH && umount $SYSH
		for ns in $P-h $P-u $P-c $P-g; do
			ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
		done
		sleep 0.3
		for ns in $P-h $P-u $P-c $P-g; do ip netns del "$ns" 2>/dev/null || true; done
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
		# sysfs as the host namespace sees it (unmounted before the netns goes)
		nsenter --net=/run/netns/$P-h mount -t sysfs sysfs $SYSH
		# the cable puller: one ip in the switch namespace
		ip -force -n $P-u -batch - <$W/ipu >>$OUT/ip-batch.log 2>&1 &
		exec {IPU}>$W/ipu
	}

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
	wait_active() { # PEER
		for _ in $(seq 100); do
			ACTIVE=
			"${1}_active"
			[ -n "$ACTIVE" ] && return 0
			sleep 0.05
		done
		return 1
	}
	bond_start() { # MIIMON_MS
		ip -n $P-h link add bond0 type bond mode active-backup miimon "$1"
		ip -n $P-h link set eth0 down
		ip -n $P-h link set eth1 down
		ip -n $P-h link set eth0 master bond0
		ip -n $P-h link set eth1 master bond0
		bridge_over bond0
		wait_active bond || { echo "no active bond slave"; return 1; }
	}
	bond_active() {
		local s=
		read -r s <$SYSH/class/net/bond0/bonding/active_slave || true
		case $s in eth0) ACTIVE=0 ;; eth1) ACTIVE=1 ;; esac
	}
	bond100_active() { bond_active; }
	bond10_active() { bond_active; }

	teamd_start() { # [v6]: leave the ports' IPv6 on
		command -v teamd >/dev/null || { echo "teamd not found (apt-get install libteam-utils)"; return 1; }
		cat >$W/team0.conf <<-EOF
			{
				"device": "team0",
				"runner": { "name": "activebackup" },
				"link_watch": { "name": "ethtool" },
				"ports": { "eth0": {}, "eth1": {} }
			}
		EOF
		# the team driver of 6.1 takes only ports that are down
		ip -n $P-h addr flush dev eth0
		ip -n $P-h link set eth0 down
		ip -n $P-h link set eth1 down
		if [ "${1:-}" != v6 ]; then
			# team ports are not IFF_SLAVE (bond slaves are), so IPv6 would
			# give each one a link-local address and let it send RS/MLD with
			# the team's MAC; see teamdv6
			ip -n $P-h link set eth0 addrgenmode none
			ip -n $P-h link set eth1 addrgenmode none
		fi
		ip netns exec $P-h teamd -d -U -f $W/team0.conf -l stderr 2>$W/teamd.log || { cat $W/teamd.log; return 1; }
		bridge_over team0
		wait_active teamd || { echo "no active team port"; cat $W/teamd.log; return 1; }
	}
	teamd_active() { # forks: teamd tells its active port only over its socket
		local s
		s=$(ip netns exec $P-h teamdctl -U team0 state item get runner.active_port 2>/dev/null) || true
		case $s in eth0) ACTIVE=0 ;; eth1) ACTIVE=1 ;; esac
	}
	teamdv6_active() { teamd_active; }

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
		# shellcheck disable=SC2086 # SWARGS: words
		ip netns exec $P-h "$SWITCHD" -c $W/sw.conf -s $W/sw.sock -l stderr $SWARGS >$W/switchd.log 2>&1 &
		local pid=$!
		for _ in $(seq 200); do
			ip netns exec $P-h "$SWITCHCTL" -s $W/sw.sock status >/dev/null 2>&1 && break
			kill -0 $pid 2>/dev/null || { echo "switchd exited:"; cat $W/switchd.log; return 1; }
			sleep 0.05
		done
		ip netns exec $P-h "$SWITCHCTL" -s $W/sw.sock status >/dev/null 2>&1 || {
			echo "switchctl status does not answer after 10 s"; cat $W/switchd.log; return 1; }
		wait_active switchd || {
			echo "no hweth port under bridge eth0 after 5 s:"
			ip -n $P-h -br link
			ip -n $P-h -br addr
			cat $W/switchd.log
			return 1
		}
	}
	switchd_active() { # the hweth port under switchd's bridge
		if [ -e $SYSH/class/net/hweth0/brport ]; then ACTIVE=0
		elif [ -e $SYSH/class/net/hweth1/brport ]; then ACTIVE=1
		fi
	}

	counters() { # -> "client-tx guest-rx" packets
		echo "$(ip -n $P-c -s -j link show eth0 | jq '.[0].stats64.tx.packets')" \
			"$(ip -n $P-g -s -j link show eth0 | jq '.[0].stats64.rx.packets')"
	}
	traffic() { # NAME: receivers in the host and the guest, two senders
		ip netns exec $P-h "$UDPSEQ" recv 9000 >"$W/$1-host" &
		ip netns exec $P-g "$UDPSEQ" recv 9000 >"$W/$1-guest" &
		sleep 0.3
		ip netns exec $P-c "$UDPSEQ" send 198.18.5.2 9000 1000 &
		ip netns exec $P-c "$UDPSEQ" send 198.18.5.77 9000 1000 &
		sleep 1
	}
	rate() { # NAME T0 C0: the packets per stream and s actually achieved
		local t1 c1
		t1=$EPOCHREALTIME
		c1=$(counters)
		echo "$1 $2 $t1 $3 $c1" >>$OUT/rates
	}

	run() { # PEER -> $OUT/veth-PEER-{host,guest}, or returns 1 (skipped)
		local peer=$1 a i j t0 t1 t2 c0
		lab
		case $peer in
		bond100) bond_start 100 ;;
		bond10) bond_start 10 ;;
		teamd) teamd_start ;;
		teamdv6) teamd_start v6 ;;
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
		traffic "$peer"
		t0=$EPOCHREALTIME
		c0=$(counters)
		for i in $(seq "$PULLS"); do
			ACTIVE=
			"${peer}_active"
			a=$ACTIVE
			if [ -z "$a" ]; then
				echo "$peer pull $i: no active NIC found, pulling up0" >>$OUT/notes
				a=0
			fi
			t1=$EPOCHREALTIME
			echo "link set up$a down" >&"$IPU"
			nap "$DOWN"
			t2=$EPOCHREALTIME
			echo "link set up$a up" >&"$IPU"
			echo "$peer $i up$a $t1 $t2" >>$OUT/pulls
			nap "$UP"
			# a random 0..JITTER ms more, else the steady cadence walks
			# through bonding's miimon phase in order (see the notes)
			if [ "$JITTER" -gt 0 ]; then
				printf -v j '0.%03d' $((RANDOM % JITTER))
				nap "$j"
			fi
		done
		nap 0.5
		rate "$peer" "$t0" "$c0"
		cp "$W/$peer-host" "$OUT/veth-$peer-host"
		cp "$W/$peer-guest" "$OUT/veth-$peer-guest"
		case $peer in
		switchd) cp $W/switchd.log $OUT/switchd.log ;;
		teamd*) cp $W/teamd.log "$OUT/$peer.log" ;;
		esac
		cleanup_lab
		echo "$peer" >>$OUT/ran
		log "$peer done ($(grep -c ^gap "$OUT/veth-$peer-host") + $(grep -c ^gap "$OUT/veth-$peer-guest") holes)"
	}

	[ -s $OUT/modprobe.failed ] && cat $OUT/modprobe.failed >>$OUT/notes
	# the noise floor: the same traffic through a plain bridge, no pulls
	lab
	bridge_over eth0
	traffic idle
	t0=$EPOCHREALTIME
	c0=$(counters)
	nap 10
	rate idle "$t0" "$c0"
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
PEERS=${PEERS:-$DEFAULT_PEERS}
DOWN=${DOWN:-0.6}
UP=${UP:-0.6}
JITTER_MS=${JITTER_MS:-100}
case $JITTER_MS in [0-9] | [0-9][0-9] | [0-9][0-9][0-9]) ;; *) echo "JITTER_MS: 0..999" >&2; exit 2 ;; esac
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
UMLPID='' TAILPID=''
cleanup() {
	[ -n "$UMLPID" ] && kill -- -"$UMLPID" 2>/dev/null || true
	[ -n "$TAILPID" ] && kill "$TAILPID" 2>/dev/null || true
	if [ -n "${KEEP:-}" ]; then
		mkdir -p "$KEEP" && cp -r "$DIR"/. "$KEEP"/ && echo "kept in $KEEP"
	fi
	rm -rf "$DIR"
}
trap cleanup EXIT
cc -O2 -o "$DIR/udpseq" "$TOP/tests/bench/udpseq.c"
# the guest has its own /tmp (the tree may be in the host's): it runs this
# script from the shared directory
cp "$SELF" "$DIR/failover-uml.sh"
# the guest sees the host's / except /tmp, /run and /dev (its own there): it
# runs copies from the shared directory, mounted at /tmp/out
case " $PEERS " in *" switchd "*)
	cp "$SWITCHD" "$DIR/switchd"
	cp "$SWITCHCTL" "$DIR/switchctl" ;;
esac

# a bound on the guest's life: boot, the idle run, and per peer its pulls
# plus start and stop, all at UML speed
LIMIT=$(awk -v n="$(wc -w <<<"$PEERS")" -v p="$PULLS" -v d="$DOWN" -v u="$UP" \
	'BEGIN { printf "%d", 90 + n * (60 + 2 * p * (d + u)) }')
peers_csv=$(tr -s ' ' ',' <<<"$PEERS" | sed 's/^,//; s/,$//')
# shellcheck disable=SC2054 # con0=fd:0,fd:1 is one word
cmdline=(mem=768M root=/dev/root rootfstype=hostfs rootflags=/ rw quiet
	init="$TOP/tests/uml-init.sh" con=null con0=fd:0,fd:1
	SWUML_OUT="$DIR" SWUML_RUN=/tmp/out/failover-uml.sh
	SWUML_MODULES=veth,bridge,tun,bonding,team,team_mode_activebackup
	SWUML_PULLS="$PULLS" SWUML_DOWN="$DOWN" SWUML_UP="$UP" SWUML_JITTER_MS="$JITTER_MS" SWUML_PEERS="$peers_csv"
	SWUML_SWITCHD=/tmp/out/switchd SWUML_SWITCHCTL=/tmp/out/switchctl)
[ -n "${SWITCHD_ARGS:-}" ] && cmdline+=(SWUML_SWITCHD_ARGS="${SWITCHD_ARGS// /,}")
echo "booting $UML ($UMLVER), peers: $PEERS, $PULLS pulls each, limit ${LIMIT}s"
case " $PEERS " in *" switchd "*) echo "switchd: $SWITCHD (md5 $(md5sum <"$SWITCHD" | cut -c1-12))" ;; esac
# setsid: own session and process group (the console is raw fds, no tty);
# timeout kills the whole guest if it hangs
TMPDIR=/dev/shm setsid timeout -k 10 "$LIMIT" "$UML" "${cmdline[@]}" </dev/null >"$DIR/console" 2>&1 &
UMLPID=$!
tail -n +1 -F "$DIR/progress" 2>/dev/null &
TAILPID=$!
rc=0
wait "$UMLPID" || rc=$?
UMLPID=
sleep 1.2 # let tail print the last progress lines
kill "$TAILPID" 2>/dev/null || true
wait "$TAILPID" 2>/dev/null || true
TAILPID=
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
	awk -v n="${2:-$PULLS}" '/^gap/ { g[++k] = $2; lost += $4 } END {
		for (i = k + 1; i <= n; i++) g[i] = 1
		m = k > n ? k : n
		if (!m) { print "- - - - 0 0"; exit }
		for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (g[j] < g[i]) { t = g[i]; g[i] = g[j]; g[j] = t }
		printf "%.0f %.0f %.0f %.0f %d %.1f\n", g[1], g[int((m + 1) / 2)], g[int(m * 0.9 + 0.5)], g[m], k, lost / n }' "$1"
}
ran() { grep -qx "$1" "$DIR/ran" 2>/dev/null; }

echo
echo "noise floor: plain bridge, no pulls, 10 s, UDP every 1 ms (UML $UNAME)"
for t in host guest; do
	printf '  %-6s %d holes > 2 ms, longest %s ms\n' "$t" "$(grep -c ^gap "$DIR/idle-$t" || true)" \
		"$(awk '/^gap/ && $2 > m { m = $2 } END { print m + 0 }' "$DIR/idle-$t")"
done
echo "packets actually sent per stream (the senders ask for 1 every 1 ms; UML's timers and its load stretch that):"
awk '{ d = $3 - $2; printf "  %-8s %5.0f s  sent %4.0f/s per stream (one every %.2f ms), guest received %4.0f/s\n",
	$1, d, ($6 - $4) / 2 / d, d * 2000 / ($6 - $4), ($7 - $5) / d }' "$DIR/rates"
echo
echo "failover outage per cable pull, $PULLS pulls, veth cables, ${DOWN}s down/${UP}s(+0..${JITTER_MS}ms) up, UDP every 1 ms (ms; UML kernel $UNAME)"
printf '%-8s %-6s %6s %6s %6s %6s %6s %9s %s\n' peer target min median p90 max holes lost/pull "median/switchd lost/switchd"
for peer in $PEERS; do
	ran "$peer" || { printf '%-8s skipped\n' "$peer"; continue; }
	for t in host guest; do
		read -r mn md p9 mx k lo < <(stats "$DIR/veth-$peer-$t")
		ratio=- lratio=-
		if ran switchd; then
			read -r _ base _ _ _ blo < <(stats "$DIR/veth-switchd-$t")
			ratio=$(awk -v a="$md" -v b="$base" 'BEGIN { printf "%.1f", a / (b ? b : 1) }')
			lratio=$(awk -v a="$lo" -v b="$blo" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }')
		fi
		printf '%-8s %-6s %6s %6s %6s %6s %6s %9s %14s %s\n' "$peer" "$t" "$mn" "$md" "$p9" "$mx" "$k" "$lo" "$ratio" "$lratio"
	done
done
[ -f "$DIR/skipped" ] && { echo; cat "$DIR/skipped"; }
[ -f "$DIR/notes" ] && { echo; cat "$DIR/notes"; }
[ -f "$DIR/switchd.log" ] && ! ran switchd && { echo; echo "--- switchd log in UML:"; cat "$DIR/switchd.log"; }
exit 0
