#!/bin/bash
# Lost netlink events (ENOBUFS) lead to a full resync, not to stale state:
# with a tiny event buffer, a burst of 100 new guests still ends up attached.
. "$(dirname "$0")/lib.sh"
require_root
HOST=$(ns_name host)
ns_create "$HOST"
CONF=$TESTDIR/switchd.conf
printf '[bridge int0]\naddress = none\nguests = vg*\n' >"$CONF"
switchd_start "$HOST" "$CONF" --nl-rcvbuf 1

for i in $(seq 1 100); do echo "link add vg$i type veth peer name pg$i"; done >"$TESTDIR/batch"
ip -n "$HOST" -batch "$TESTDIR/batch"
attached() { [ "$(ip -n "$HOST" -j link show master int0 | jq length)" = 100 ]; }
check_cmd "all 100 guests are attached" busywait 20000 attached
resyncs=$(sctl "$HOST" -j status | jq -r .resyncs)
check_cmd "events were lost and the model was re-read ($resyncs resyncs)" test "$resyncs" -ge 1
check_match "the log says so" "events were lost \(ENOBUFS\): resynchronising" "$(cat "$LOG")"
check_eq "the model matches the kernel" "$(ip -n "$HOST" -j link show | jq length)" "$(sctl "$HOST" -j status | jq -r .links)"
report
