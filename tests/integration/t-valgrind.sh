#!/bin/bash
# Leak- and error-free under valgrind: the unit tests, and switchd itself
# through bring-up, run-time commands, taps and guests, the ARP policy,
# doctor, the libpcap flux watch, and readiness (sd_notify, boot_wait).
. "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || skip "needs valgrind"
[ "${SKIP_VALGRIND:-0}" = 1 ] && skip "sanitizer build: valgrind cannot run ASan binaries"
[ -x "$SWITCHD" ] || skip "no switchd binary"
units=$(dirname "$SWITCHD")/../tests/unit
for t in "$units"/test_*; do
	[ -x "$t" ] || continue
	case $t in *.c|*.o|*.log|*.trs) continue ;; esac
	rc=0
	valgrind -q --trace-children=yes --leak-check=full --errors-for-leak-kinds=definite \
		--error-exitcode=99 "$t" -j1 >"$TESTDIR/unit.log" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then pass "valgrind: $(basename "$t")"; else
		fail "valgrind: $(basename "$t") (exit $rc)"; tail -30 "$TESTDIR/unit.log" >&2; fi
done
if [ "$(id -u)" = 0 ]; then
	for t in t-bringup t-ctl t-guests t-proxy-arp t-arp-flux t-replay t-notify; do
		rc=0
		VALGRIND_TESTS=1 bash "$(dirname "$0")/$t.sh" >"$TESTDIR/$t.log" 2>&1 || rc=$?
		if [ "$rc" = 0 ]; then pass "valgrind: switchd in $t"; else
			fail "valgrind: switchd in $t (exit $rc)"; tail -40 "$TESTDIR/$t.log" >&2; fi
	done
else
	echo "SKIP: switchd under valgrind needs root (network namespaces)" >&2
fi
report
