#!/bin/bash
# Scale benchmark of issue 12: switchd against `ip -batch`, a per-command
# `ip` loop and the libmnl floor (mnlfloor.c), all methods in the same rounds,
# a fresh namespace for every method and round, medians over the rounds.
# Not a pass/fail test. Prints markdown tables on stdout, every sample in a
# raw log (RAW=, default /tmp/scale-raw.PID.log).
#
# 1. bring-up: N taps as [tap tI] sections (owner 65534, bridge intK, PER taps
#    a bridge) from exec to ready. switchd: until its log says "ready:" (it
#    logs that once the first plan is applied). ip -batch and the loop: the
#    same work (bridges with forward delay 0, STP off, addrgenmode none,
#    alias switchd, up; taps with owner, attached, alias switchd, up). The
#    loop only at N=LOOPN (100). Every method runs under `ip netns exec`.
# 2. guests: GUESTS taps created by `ip -batch` in one burst while switchd
#    runs with guests = gK_* on intK (PER a bridge: a bridge takes at most
#    1023 ports, BR_MAX_PORTS; the 1024th attach fails with EXFULL): time
#    from the burst until all are attached and up (polled with a dump every
#    20 ms; given up after GWAIT s, 120), against `ip -batch` creating them
#    and then attaching them itself.
# 3. idle: after bring-up with N taps (and N=0), first the transient (until
#    switchd's wakeups stop: its length, CPU and context switches), then
#    over IDLE s: CPU
#    (utime+stime from /proc/PID/stat), context switches (voluntary +
#    nonvoluntary from /proc/PID/status: each wakeup from a sleep is one
#    voluntary switch), VmRSS, and the latency of switchctl status / show /
#    show -j / show int0 (median of LAT runs, bash's $EPOCHREALTIME around
#    the exec; "no daemon" is switchctl failing to connect, the exec cost).
#
# usage (root): [N="100 1000 4000"] [ROUNDS=5] [PER=1000] [GUESTS=4000]
#               [IDLE=20] [LAT=20] [LOOPN=100] [PARTS="bringup guests idle"]
#               [SETTLE=0.2] [SWITCHD=...] [SWITCHCTL=...] tests/bench/scale.sh
# SETTLE: seconds to wait at least after a namespace is deleted (then until
# RTNL answers fast: rtnl_quiet)
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SWITCHD=${SWITCHD:-$TOP/build/switchd/switchd}
SWITCHCTL=${SWITCHCTL:-$TOP/build/ctl/switchctl}
NLIST=${N:-100 1000 4000}
ROUNDS=${ROUNDS:-5}
PER=${PER:-1000}
GUESTS=${GUESTS:-4000}
IDLE=${IDLE:-20}
LAT=${LAT:-20}
LOOPN=${LOOPN:-100}
PARTS=${PARTS:-bringup guests idle}
OWNER=65534
P=swsc$$
DIR=$(mktemp -d /tmp/swsc.XXXXXX)
RAW=${RAW:-/tmp/scale-raw.$$.log}
NS=
SWPID=
CATPID=
SW_MS=
BU_MS=
seq_ns=0

sc_stop() {
	[ -n "$SWPID" ] && { kill "$SWPID" 2>/dev/null || true; wait "$SWPID" 2>/dev/null || true; }
	[ -n "$CATPID" ] && { wait "$CATPID" 2>/dev/null || true; }
	SWPID= CATPID=
	if [ -n "$NS" ]; then
		ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null || true
		ip netns del "$NS" 2>/dev/null || true
		NS=
		rtnl_quiet
	fi
}
# The deleted namespace's devices go in a kernel worker that holds RTNL
# (kernel-notes 35: ~0.4 s for 1000 taps): wait until one RTNL request in
# a fresh namespace of our own answers fast twice in a row (SETTLE s at
# least, 30 s at most), so no method is timed behind its predecessor's
# teardown.
rtnl_quiet() {
	local t0 t1 ok=0 end=$((${EPOCHREALTIME%.*} + 30))
	sleep "${SETTLE:-0.2}"
	while [ "$ok" -lt 2 ] && [ "${EPOCHREALTIME%.*}" -lt "$end" ]; do
		t0=$EPOCHREALTIME
		unshare -n ip link set lo up
		t1=$EPOCHREALTIME
		if [ "$(ms "$t0" "$t1" | cut -d. -f1)" -lt 20 ]; then ok=$((ok + 1)); else ok=0; fi
		sleep 0.05
	done
}
cleanup() {
	sc_stop
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
[ "$(id -u)" = 0 ] || { echo "scale.sh: needs root" >&2; exit 1; }
for v in $NLIST $ROUNDS $PER $GUESTS $IDLE $LAT; do
	case $v in '' | *[!0-9]*) echo "scale.sh: N, ROUNDS, PER, GUESTS, IDLE, LAT: numbers, not '$v'" >&2; exit 2 ;; esac
done
[ "$PER" -ge 1 ] && [ "$PER" -le 1023 ] || { echo "scale.sh: PER=$PER: a bridge takes 1 to 1023 ports" >&2; exit 2; }
for b in "$SWITCHD" "$SWITCHCTL"; do
	[ -x "$b" ] || { echo "scale.sh: $b: not an executable (build first or set SWITCHD/SWITCHCTL)" >&2; exit 1; }
done
cc -O2 -Wall -Wextra -o "$DIR/mnlfloor" "$TOP/tests/bench/mnlfloor.c" -lmnl
# switchd's "ready" as its service manager sees it (sd_notify READY=1)
cc -O2 -Wall -Wextra -o "$DIR/notify-recv" "$TOP/tests/integration/notify-recv.c"
HZ=$(getconf CLK_TCK)
: >"$RAW"
raw() { echo "$*" >>"$RAW"; }
raw "# scale.sh $(date -u +%FT%TZ) kernel $(uname -r) load $(cut -d' ' -f1-3 /proc/loadavg)"
raw "# N=\"$NLIST\" ROUNDS=$ROUNDS PER=$PER GUESTS=$GUESTS IDLE=$IDLE LAT=$LAT SWITCHD=$SWITCHD"

sc_ns() { # -> $NS, a new empty namespace
	NS=$P-$((++seq_ns))
	ip netns add "$NS"
	ip -n "$NS" link set lo up
}
nbridges() { local n=$1; [ "$n" -eq 0 ] && echo 1 || echo $(((n + PER - 1) / PER)); }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'; }

# the work of N taps as ip commands, one a line (for -batch and the loop)
ipwork() { # N
	local n=$1 k i nb
	nb=$(nbridges "$n")
	for ((k = 0; k < nb; k++)); do
		echo "link add int$k type bridge forward_delay 0 stp_state 0"
		echo "link set int$k addrgenmode none alias switchd up"
	done
	for ((i = 0; i < n; i++)); do
		echo "tuntap add t$i mode tap user $OWNER"
		echo "link set t$i master int$((i / PER)) alias switchd up"
	done
}
swconf() { # N [GUESTS: the bridges for them, guests = gK_* on intK]
	local n=$1 k i nb
	nb=$(nbridges "$n")
	[ -n "${2:-}" ] && nb=$(nbridges "$2")
	for ((k = 0; k < nb; k++)); do
		echo "[bridge int$k]"
		[ -n "${2:-}" ] && echo "guests = g${k}_*"
	done
	for ((i = 0; i < n; i++)); do
		printf '[tap t%d]\nbridge = int%d\nowner = %d\n' "$i" $((i / PER)) "$OWNER"
	done
}

# start switchd in $NS with CONF; sets SWPID and SW_MS, exec -> ready.
# Ready is switchd's sd_notify READY=1 (sent right after its "ready:" log
# line), received by notify-recv --ready, which then exits: bash sees that
# exit as it sees ip -batch's. (Until 2026-12-04 the end was the log line
# seen by tail -F | grep -m1, which added ~2 ms of its own: inotify, tail,
# the pipe, grep; measured with time stamps in switchd, see
# docs/performance.md. Before that a bash `read` loop on a FIFO, a byte a
# syscall, which switchd waited on at 16000 lines.)
sw_start() { # CONF
	local t0 t1 ok= rpid i
	rm -f "$DIR/sw.sock" "$DIR/notify.sock"
	: >"$DIR/sw.log"
	"$DIR/notify-recv" --ready "$DIR/notify.sock" >"$DIR/notify.out" 2>&1 &
	rpid=$!
	for ((i = 0; i < 200; i++)); do
		[ -S "$DIR/notify.sock" ] && break
		sleep 0.01
	done
	t0=$EPOCHREALTIME
	NOTIFY_SOCKET="$DIR/notify.sock" ip netns exec "$NS" "$SWITCHD" -c "$1" -s "$DIR/sw.sock" \
		-l stderr >>"$DIR/sw.log" 2>&1 &
	SWPID=$!
	(sleep 120; kill "$rpid" 2>/dev/null) &
	wait "$rpid" && ok=1
	t1=$EPOCHREALTIME
	kill $! 2>/dev/null || true
	if [ -z "$ok" ] || ! grep -q "ready:" "$DIR/sw.log"; then
		echo "scale.sh: switchd did not get ready: $(tail -3 "$DIR/sw.log" | tr '\n' ' ')" >&2
		exit 1
	fi
	SW_MS=$(ms "$t0" "$t1")
}
# the taps of N are all attached and up (a check of every method's work)
check_taps() { # N METHOD
	local got
	got=$(ip -n "$NS" -o link show up | grep -c ' master int' || true)
	if [ "$got" != "$1" ]; then
		echo "scale.sh: $2 with N=$1: $got taps attached and up, not $1" >&2
		exit 1
	fi
	# no tap has a carrier: a forwarding port is one attached before its
	# link-watch event ran (operstate UNKNOWN), work left for later
	# (kernel-notes 38); link-watch may mend it before this looks
	got=$(ip -n "$NS" -d -o link show | grep -c 'bridge_slave state forwarding' || true)
	if [ "$got" != 0 ]; then
		echo "scale.sh: $2 with N=$1: $got ports forwarding without a carrier" >&2
		exit 1
	fi
}

bringup_one() { # METHOD N -> BU_MS
	local m=$1 n=$2 t0 t1 v
	sc_ns
	case $m in
	switchd)
		swconf "$n" >"$DIR/sw.conf"
		: >"$DIR/sw.log"
		sw_start "$DIR/sw.conf"
		v=$SW_MS
		;;
	ipbatch)
		ipwork "$n" >"$DIR/batch"
		t0=$EPOCHREALTIME
		ip netns exec "$NS" ip -batch "$DIR/batch"
		t1=$EPOCHREALTIME
		v=$(ms "$t0" "$t1")
		;;
	iploop)
		ipwork "$n" | sed 's/^/ip /' >"$DIR/loop"
		t0=$EPOCHREALTIME
		ip netns exec "$NS" bash -e "$DIR/loop"
		t1=$EPOCHREALTIME
		v=$(ms "$t0" "$t1")
		;;
	floor)
		t0=$EPOCHREALTIME
		ip netns exec "$NS" "$DIR/mnlfloor" "$n" "$PER" "$OWNER" >"$DIR/floor.out"
		t1=$EPOCHREALTIME
		v=$(ms "$t0" "$t1")
		raw "floor N=$n phases: $(cat "$DIR/floor.out")"
		;;
	esac
	check_taps "$n" "$m"
	BU_MS=$v
}

# median and range of the samples in FILE: "median (min-max)"
summ() {
	[ -s "$1" ] || { echo "-"; return; }
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		if (NR > 1) printf "%.0f (%.0f-%.0f)", m, v[1], v[NR]; else printf "%.0f", m }'
}
med() { [ -s "$1" ] && sort -n "$1" | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }' || echo 0; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

part_bringup() {
	local r n m order
	for ((r = 1; r <= ROUNDS; r++)); do
		for n in $NLIST; do
			order="switchd ipbatch floor"
			[ "$n" = "$LOOPN" ] && order="$order iploop"
			# alternate the order so no method always runs first
			[ $((r % 2)) = 0 ] && order=$(echo "$order" | tr ' ' '\n' | tac | tr '\n' ' ')
			for m in $order; do
				bringup_one "$m" "$n"
				sc_stop
				echo "$BU_MS" >>"$DIR/bu-$m-$n"
				raw "bringup round=$r N=$n method=$m ms=$BU_MS load=$(cut -d' ' -f1 /proc/loadavg)"
			done
		done
	done
	echo
	echo "Bring-up, exec to ready (ms, median (min-max) of $ROUNDS rounds; $PER taps a bridge)"
	echo
	echo "| N taps | switchd start -> ready | \`ip -batch\`, same work | \`ip\` per command | libmnl floor | switchd / ip -batch | switchd / floor |"
	echo "|---|---|---|---|---|---|---|"
	for n in $NLIST; do
		echo "| $n | $(summ "$DIR/bu-switchd-$n") | $(summ "$DIR/bu-ipbatch-$n") |" \
			"$([ "$n" = "$LOOPN" ] && summ "$DIR/bu-iploop-$n" || echo -) | $(summ "$DIR/bu-floor-$n") |" \
			"$(ratio "$(med "$DIR/bu-switchd-$n")" "$(med "$DIR/bu-ipbatch-$n")") |" \
			"$(ratio "$(med "$DIR/bu-switchd-$n")" "$(med "$DIR/bu-floor-$n")") |"
	done
}

# all GUESTS gK_I taps attached to a bridge intK and up
guests_done() { [ "$(ip -n "$NS" -o link show up | grep -c ': g[0-9]*_[0-9]*:.* master int' || true)" = "$GUESTS" ]; }
guests_wait() { # ROUND: until all are attached; 1 after GWAIT s without
	local end=$((${EPOCHREALTIME%.*} + ${GWAIT:-120})) got
	until guests_done; do
		if [ "${EPOCHREALTIME%.*}" -gt "$end" ]; then
			got=$(ip -n "$NS" -o link show up | grep -c ' master int' || true)
			cp "$DIR/sw.log" "${RAW%.log}.switchd-$1.log"
			echo "round $1: $got of $GUESTS after ${GWAIT:-120} s" >>"$DIR/g-sw-missed"
			echo "scale.sh: round $1: switchd attached $got of $GUESTS guests in ${GWAIT:-120} s (its log: ${RAW%.log}.switchd-$1.log)" >&2
			return 1
		fi
		sleep 0.02
	done
}

part_guests() {
	local r t0 t1 t2 i
	local k nb
	nb=$(nbridges "$GUESTS")
	for ((i = 0; i < GUESTS; i++)); do echo "tuntap add g$((i / PER))_$i mode tap"; done >"$DIR/gcreate"
	for ((i = 0; i < GUESTS; i++)); do echo "link set g$((i / PER))_$i master int$((i / PER)) up"; done >"$DIR/gattach"
	for ((r = 1; r <= ROUNDS; r++)); do
		sc_ns
		swconf 0 "$GUESTS" >"$DIR/sw.conf"
		: >"$DIR/sw.log"
		sw_start "$DIR/sw.conf"
		sleep 1
		t0=$EPOCHREALTIME
		ip netns exec "$NS" ip -batch "$DIR/gcreate"
		t1=$EPOCHREALTIME
		if guests_wait "$r"; then
			t2=$EPOCHREALTIME
			ms "$t0" "$t1" >>"$DIR/g-sw-create"
			ms "$t0" "$t2" >>"$DIR/g-sw-all"
			ms "$t1" "$t2" >>"$DIR/g-sw-after"
			raw "guests round=$r switchd create=$(ms "$t0" "$t1") all=$(ms "$t0" "$t2") after-create=$(ms "$t1" "$t2")"
		else
			raw "guests round=$r switchd create=$(ms "$t0" "$t1") incomplete: $(tail -1 "$DIR/g-sw-missed")"
		fi
		sc_stop

		sc_ns
		for ((k = 0; k < nb; k++)); do
			ip -n "$NS" link add int$k type bridge forward_delay 0 stp_state 0
			ip -n "$NS" link set int$k up
		done
		t0=$EPOCHREALTIME
		ip netns exec "$NS" ip -batch "$DIR/gcreate"
		t1=$EPOCHREALTIME
		ip netns exec "$NS" ip -batch "$DIR/gattach"
		t2=$EPOCHREALTIME
		guests_done || { echo "scale.sh: ip -batch did not attach all $GUESTS guests" >&2; exit 1; }
		sc_stop
		ms "$t0" "$t1" >>"$DIR/g-ip-create"
		ms "$t1" "$t2" >>"$DIR/g-ip-attach"
		ms "$t0" "$t2" >>"$DIR/g-ip-all"
		raw "guests round=$r ipbatch create=$(ms "$t0" "$t1") attach=$(ms "$t1" "$t2") all=$(ms "$t0" "$t2")"
	done
	echo
	echo "$GUESTS guests created in one burst (\`ip -batch\` of tuntap add), matched by guests = gK_* of bridge intK, $PER a bridge (ms, median (min-max) of $ROUNDS rounds)"
	echo
	echo "| | create burst | burst -> all attached and up | after the burst | \`ip -batch\` attach+up alone | switchd after burst / ip attach | switchd all / ip create+attach |"
	echo "|---|---|---|---|---|---|---|"
	echo "| switchd | $(summ "$DIR/g-sw-create") | $(summ "$DIR/g-sw-all") | $(summ "$DIR/g-sw-after") | - |" \
		"$(ratio "$(med "$DIR/g-sw-after")" "$(med "$DIR/g-ip-attach")") |" \
		"$(ratio "$(med "$DIR/g-sw-all")" "$(med "$DIR/g-ip-all")") |"
	echo "| ip -batch | $(summ "$DIR/g-ip-create") | $(summ "$DIR/g-ip-all") | - | $(summ "$DIR/g-ip-attach") | - | - |"
	if [ -s "$DIR/g-sw-missed" ]; then
		echo
		echo "switchd rounds without all guests attached (left out of its figures): $(paste -sd';' "$DIR/g-sw-missed")"
	fi
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ctxsw() { awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { print s }' "/proc/$1/status"; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
lat() { # FILE ARGS...: LAT runs of switchctl ARGS
	local f=$1 t0 t1 i
	shift
	: >"$f"
	for ((i = 0; i < LAT; i++)); do
		t0=$EPOCHREALTIME
		"$SWITCHCTL" "$@" >/dev/null 2>&1 || true
		t1=$EPOCHREALTIME
		ms "$t0" "$t1" >>"$f"
	done
}
lat_ms() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.1f (%.1f-%.1f)", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[1], v[NR] }'; }

# After ready: until switchd's context switches grow by <= 3 in each of 2
# consecutive seconds (120 s at most). TR_S: seconds until the quiet began,
# TR_TICKS / TR_CTX: switchd's CPU ticks and context switches until then.
transient() {
	local c0 x0 x xp t=0 quiet=0 tq=0 cq xq
	c0=$(cpu_ticks "$SWPID") x0=$(ctxsw "$SWPID") xp=$x0 cq=$c0 xq=$x0
	while [ "$quiet" -lt 2 ] && [ "$t" -lt 120 ]; do
		sleep 1
		t=$((t + 1))
		x=$(ctxsw "$SWPID")
		if [ $((x - xp)) -le 3 ]; then
			[ "$quiet" = 0 ] && { tq=$((t - 1)) cq=$(cpu_ticks "$SWPID") xq=$xp; }
			quiet=$((quiet + 1))
		else
			quiet=0
		fi
		xp=$x
	done
	TR_S=$tq TR_TICKS=$((cq - c0)) TR_CTX=$((xq - x0))
}
part_idle() {
	local n c0 c1 x0 x1 rss row
	lat "$DIR/lat-none" -s "$DIR/no.sock" status
	echo
	echo "Idle over ${IDLE} s after bring-up, and switchctl latency (ms, median (min-max) of $LAT runs; switchctl to no daemon: $(lat_ms "$DIR/lat-none") ms)"
	echo
	echo "The transient: from ready until switchd's context switches stay <= 3 a second for 2 s (the kernel's"
	echo "linkwatch reports the new carrier-less taps at ~100 devices a second, kernel-notes 36); the idle window starts after it."
	echo
	echo "| N taps | transient after ready | its CPU | its context switches | idle CPU over ${IDLE} s | context switches / ${IDLE} s | RSS | \`switchctl status\` | \`switchctl show\` | \`show -j\` | \`show int0\` |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	for n in 0 $NLIST; do
		sc_ns
		swconf "$n" >"$DIR/sw.conf"
		: >"$DIR/sw.log"
		sw_start "$DIR/sw.conf"
		[ "$(cat "/proc/$SWPID/comm")" = switchd ] || { echo "scale.sh: pid $SWPID is not switchd" >&2; exit 1; }
		transient
		c0=$(cpu_ticks "$SWPID") x0=$(ctxsw "$SWPID")
		sleep "$IDLE"
		c1=$(cpu_ticks "$SWPID") x1=$(ctxsw "$SWPID")
		rss=$(rss_kb "$SWPID")
		lat "$DIR/lat-st" -s "$DIR/sw.sock" status
		lat "$DIR/lat-sh" -s "$DIR/sw.sock" show
		lat "$DIR/lat-sj" -s "$DIR/sw.sock" show -j
		lat "$DIR/lat-sb" -s "$DIR/sw.sock" show int0
		"$SWITCHCTL" -s "$DIR/sw.sock" show int0 >/dev/null || echo "scale.sh: switchctl show int0 failed at N=$n" >&2
		row="| $n | $TR_S s | $TR_TICKS ticks ($((TR_TICKS * 1000 / HZ)) ms) | $TR_CTX | $((c1 - c0)) ticks ($(((c1 - c0) * 1000 / HZ)) ms) | $((x1 - x0)) | $(awk -v k="$rss" 'BEGIN { printf "%.1f MiB", k / 1024 }') |"
		row="$row $(lat_ms "$DIR/lat-st") | $(lat_ms "$DIR/lat-sh") | $(lat_ms "$DIR/lat-sj") | $(lat_ms "$DIR/lat-sb") |"
		echo "$row"
		raw "idle N=$n transient_s=$TR_S transient_ticks=$TR_TICKS transient_ctxsw=$TR_CTX ticks=$((c1 - c0)) ctxsw=$((x1 - x0)) rss_kb=$rss status=[$(tr '\n' ' ' <"$DIR/lat-st")] show=[$(tr '\n' ' ' <"$DIR/lat-sh")] show-j=[$(tr '\n' ' ' <"$DIR/lat-sj")] show-int0=[$(tr '\n' ' ' <"$DIR/lat-sb")]"
		sc_stop
	done
}

echo "scale.sh: kernel $(uname -r), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at start; raw log $RAW"
for part in $PARTS; do
	case $part in
	bringup | guests | idle) "part_$part" ;;
	*) echo "scale.sh: PARTS: bringup, guests or idle, not $part" >&2; exit 2 ;;
	esac
done
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
