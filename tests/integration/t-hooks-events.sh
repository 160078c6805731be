#!/bin/bash
# Hook events: each fires with its environment, per bridge one hook at a
# time in event order (a slow swap hook holds the next events back, not the
# bridge), each event through the hooks in run-parts order; a hook that
# hangs is killed with its process group at hook_timeout, and logged.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
topo_uplink
HOOKS=$TESTDIR/hooks.d
mkdir -p "$HOOKS"
cat >>"$CONF" <<EOF2
[switchd]
hooks = $HOOKS
hook_timeout = 2s
EOF2
OUT=$TESTDIR/events
cat >"$HOOKS/10-env" <<EOF2
#!/bin/sh
[ "\$SWITCHD_EVENT" = swap ] && sleep 1
echo "\$SWITCHD_EVENT|\$SWITCHD_BRIDGE|\$SWITCHD_PORT|\$SWITCHD_OLD_PORT|\$SWITCHD_REASON|\$SWITCHD_ADDRESSES" >>$OUT
EOF2
cat >"$HOOKS/20-next" <<EOF2
#!/bin/sh
echo "  then 20-next" >>$OUT
EOF2
# on reload: a hang that ignores SIGTERM (so SIGKILL ends it), with a
# child that would outlive it, in its process group
cat >"$HOOKS/30-hang" <<EOF2
#!/bin/sh
[ "\$SWITCHD_EVENT" = reload ] || exit 0
trap '' TERM
sleep 60 &
echo \$! >$TESTDIR/hang.pid
echo "hanging" 
wait
EOF2
chmod +x "$HOOKS"/*
events() { grep -v '^  then' "$OUT" 2>/dev/null; }
since() { events | tail -n +$(($1 + 1)); }
last() { events | tail -1; }

switchd_start "$HOST" "$CONF"
check_cmd "up: the bridge got carrier" busywait 3000 bash -c "grep -q '^up|' $OUT"
check_eq "pre-up then up, with their environment" \
	"pre-up|eth0|||the bridge is about to forward for the first time|198.18.0.2/24 2001:db8::2/64 up|eth0|hweth0||an uplink attached, with carrier|198.18.0.2/24 2001:db8::2/64" \
	"$(events | head -2 | tr '\n' ' ' | sed 's/ $//')"
n=$(events | wc -l)

# swap (slow hook: 1 s), then at once a detach and an attach: their hooks
# wait for the swap's and run in the order the events came
sctl "$HOST" swap eth0 hweth1 >/dev/null
sctl "$HOST" detach eth0 hweth1 >/dev/null
sctl "$HOST" attach eth0 hweth0 >/dev/null
check_eq "the changes did not wait for the swap hook" "eth0 10-env" \
	"$(link_master "$HOST" hweth0) $(sctl "$HOST" -j show eth0 | jq -r '.bridges[0].hook_running')"
check_eq "which is still running" "" "$(since "$n")"
check_cmd "their hooks ran" busywait 4000 bash -c "grep -v '^  then' $OUT | tail -n +$((n + 1)) | grep -q '^up|'"
check_eq "in event order, each with its environment" \
	"swap|eth0|hweth1|hweth0|operator|198.18.0.2/24 2001:db8::2/64
detach|eth0|hweth1||operator|198.18.0.2/24 2001:db8::2/64
down|eth0|||no uplink attached has carrier|198.18.0.2/24 2001:db8::2/64
attach|eth0|hweth0||operator|198.18.0.2/24 2001:db8::2/64
up|eth0|hweth0||an uplink attached, with carrier|198.18.0.2/24 2001:db8::2/64" \
	"$(since "$n" | grep -v '^carrier|')"
check_eq "every event went through both hooks, in run-parts order" "" \
	"$(awk 'NR % 2 == 0 && $0 != "  then 20-next" { print "line " NR ": " $0 }' "$OUT")"

# a standby's cable: carrier
ip -n "$UP" link set up1 down
check_cmd "carrier: a standby lost its cable" busywait 3000 bash -c \
	"grep -q '^carrier|eth0|hweth1||carrier off|198.18.0.2/24 2001:db8::2/64$' $OUT"

# reload: no bridge; 30-hang gets SIGTERM at its 2 s timeout, SIGKILL 1 s later, with its child
sctl "$HOST" reload >/dev/null
check_cmd "reload: a run of no bridge" busywait 3000 bash -c "grep -q '^reload|||||$' $OUT"
check_cmd "the hanging hook is killed at its timeout" busywait 5000 grep -q \
	"hook 30-hang (no bridge): reload did not finish within 2s: killed" "$LOG"
check_cmd "its end is logged" busywait 3000 grep -q "hook 30-hang (no bridge): reload: signal 9, killed at its timeout" "$LOG"
check_match "its output is logged" "hook 30-hang \(no bridge\): hanging" "$(cat "$LOG")"
# (a zombie: this host's init may be slow to reap the orphan)
gone() { [ ! -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status"; }
check_cmd "its child went with its process group" gone "$(cat "$TESTDIR/hang.pid")"
check_cmd "the daemon is fine" sctl "$HOST" status

# exit while a hook runs: it is waited for (the swap hook's 1 s < its timeout)
ip -n "$UP" link set up1 up
busywait 3000 bash -c "grep -q '^carrier|eth0|hweth1||carrier on|' $OUT"
sctl "$HOST" swap eth0 hweth1 >/dev/null
busywait 2000 bash -c "$SWITCHCTL -s $SOCK -j show eth0 2>/dev/null | jq -e '.bridges[0].hook_running == \"10-env\"'" >/dev/null
switchd_stop # with VALGRIND_TESTS=1: its verdict
check_match "on exit the running hook is waited for" "hook 10-env \(eth0\): exiting: waiting up to" "$(cat "$LOG")"
check_match "until it ends" "hook 10-env \(eth0\): exit 0" "$(cat "$LOG")"
report
