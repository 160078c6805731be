#!/bin/bash
# switchd --check: the shipped configs are valid; a broken one gets every
# error as FILE:LINE: message and exit 1. Needs no namespace.
. "$(dirname "$0")/lib.sh"
[ -x "$SWITCHD" ] || skip "no switchd binary"
for f in "$TOP_SRCDIR"/conf/switchd.conf "$TOP_SRCDIR"/conf/lab.conf "$TOP_SRCDIR"/conf/examples/*.conf; do
	check_eq "--check $(basename "$f")" "$f: configuration OK" "$("$SWITCHD" -c "$f" --check 2>&1)"
done
cat >"$TESTDIR/bad.conf" <<EOF2
[nic hweth0]
mac = 02:00:c6:12:00:1
[bridge eth0]
ports = hweth0 hweth9
EOF2
rc=0; out=$("$SWITCHD" -c "$TESTDIR/bad.conf" --check 2>&1) || rc=$?
check_eq "exit 1 on errors" "1" "$rc"
check_match "bad MAC with its line" "bad.conf:2: nic hweth0: \"02:00:c6:12:00:1\" is not a MAC" "$out"
check_match "unknown port with its line" "bad.conf:4: bridge eth0: port hweth9 is not a \[nic\]" "$out"
check_match "the count" "bad.conf: 2 errors" "$out"
rc=0; out=$("$SWITCHD" -c "$TESTDIR/missing.conf" --check 2>&1) || rc=$?
check_eq "a missing file" "1 $TESTDIR/missing.conf: cannot read: No such file or directory" "$rc $out"
check_match "-v prints the configuration back" "\[bridge eth0\]" "$("$SWITCHD" -c "$TOP_SRCDIR/conf/switchd.conf" --check -v)"
rc=0; out=$("$SWITCHD" --bogus 2>&1) || rc=$?
check_eq "bad usage exits 2" "2" "$rc"
report
