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
# issue 11: hostile files. Each must end (timeout only keeps a hang from
# stalling the suite) with one clear error and exit 1.
rc=0; out=$(timeout 60 "$SWITCHD" -c /dev/zero --check 2>&1) || rc=$?
check_eq "/dev/zero is refused, not read forever" "1" "$rc"
check_match "/dev/zero: why" "^/dev/zero: cannot read: larger than 1048576 bytes" "$out"
rc=0; out=$("$SWITCHD" -c "$TESTDIR" --check 2>&1) || rc=$?
check_eq "a directory is no configuration" "1" "$rc"
check_match "a directory: why" "Is a directory" "$out"
head -c 200000 /dev/urandom >"$TESTDIR/random.conf"
rc=0; out=$("$SWITCHD" -c "$TESTDIR/random.conf" --check 2>&1) || rc=$?
check_eq "random bytes: exit 1" "1" "$rc"
check_eq "random bytes: at most 20 errors and a summary" "yes" \
	"$([ "$(printf '%s\n' "$out" | wc -l)" -le 22 ] && echo yes || echo "no: $(printf '%s\n' "$out" | wc -l) lines")"
check_match "random bytes: how many were left out" "random.conf: and [0-9]+ more errors" "$out"
{
	for i in $(seq 0 299); do printf '[nic n%d]\nname = e%d\n' "$i" "$i"; done
	printf '[bridge br0]\nports ='
	for i in $(seq 0 299); do printf ' n%d' "$i"; done
	printf '\n'
} >"$TESTDIR/long.conf"
check_eq "a ports list of 300 NICs" "$TESTDIR/long.conf: configuration OK" \
	"$("$SWITCHD" -c "$TESTDIR/long.conf" --check 2>&1)"
printf '\xef\xbb\xbf[bridge int0]\naddress = none\n' >"$TESTDIR/bom.conf"
check_eq "a byte-order mark" "$TESTDIR/bom.conf: configuration OK" \
	"$("$SWITCHD" -c "$TESTDIR/bom.conf" --check 2>&1)"

# drop-ins: FILE.d/*.conf, errors with the drop-in's FILE:LINE, -v says where
mkdir -p "$TESTDIR/sw.conf.d"
cp "$TOP_SRCDIR/conf/lab.conf" "$TESTDIR/sw.conf"
printf '[bridge eth0]\nupdelay = 3s\n' >"$TESTDIR/sw.conf.d/10-site.conf"
out=$("$SWITCHD" -c "$TESTDIR/sw.conf" --check -v 2>&1)
check_match "-v: a drop-in's value, with where it came from" \
	"# from $TESTDIR/sw.conf.d/10-site.conf:2
updelay = 3000ms" "$out"
printf '[bridge eth0]\npreempt = maybe\n' >"$TESTDIR/sw.conf.d/20-bad.conf"
rc=0; out=$("$SWITCHD" -c "$TESTDIR/sw.conf" --check 2>&1) || rc=$?
check_eq "an error in a drop-in" "1 $TESTDIR/sw.conf.d/20-bad.conf:2: bridge eth0: preempt: \"maybe\" is not yes or no
$TESTDIR/sw.conf: 1 error" "$rc $out"
rc=0; out=$("$SWITCHD" --bogus 2>&1) || rc=$?
check_eq "bad usage exits 2" "2" "$rc"
# a valid config whose captures could not run (libpcap missing): --check
# still passes (the network comes up without them) and says so, naming the
# setting; SWITCHD_LIBPCAP stands in for a host without the library
printf '[nic hweth0]\nmac = 02:00:c6:12:00:10\n[bridge eth0]\nports = hweth0\n' >"$TESTDIR/cap.conf"
rc=0; out=$(SWITCHD_LIBPCAP=$TESTDIR/no-libpcap.so.0.8 "$SWITCHD" -c "$TESTDIR/cap.conf" --check 2>&1) || rc=$?
check_eq "no libpcap: --check still passes" 0 "$rc"
check_match "no libpcap: the default cable_check is named, with why" \
	"warning: bridge eth0: cable_check = report \(the default\) needs libpcap: cannot load .*no-libpcap.so.0.8: cannot open shared object file" "$out"
printf '[bridge br0]\nwatch_arp = yes\ncable_check = off\n' >"$TESTDIR/watch.conf"
out=$(SWITCHD_LIBPCAP=libc.so.6 "$SWITCHD" -c "$TESTDIR/watch.conf" --check 2>&1)
check_match "a library that is not libpcap: watch_arp is named" \
	"warning: bridge br0: watch_arp = yes needs libpcap: libc.so.6 is not libpcap \(no pcap_activate\)" "$out"
check_eq "with libpcap there: no warning" "$TESTDIR/watch.conf: configuration OK" \
	"$("$SWITCHD" -c "$TESTDIR/watch.conf" --check 2>&1)"
check_eq "no capture asked for (cable_check = off, no watch_arp): no warning" \
	"$TESTDIR/bad-lib.conf: configuration OK" \
	"$(printf '[nic hweth0]\nmac = 02:00:c6:12:00:10\n[bridge eth0]\nports = hweth0\ncable_check = off\n' >"$TESTDIR/bad-lib.conf"; SWITCHD_LIBPCAP=/nonexistent.so "$SWITCHD" -c "$TESTDIR/bad-lib.conf" --check 2>&1)"
report
