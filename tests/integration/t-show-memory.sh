#!/bin/bash
# The memory a big show took is given back (issue 12): with 1000 taps, ten
# `show` and ten `show -j` leave switchd's RSS where it was after the
# start-up, not at the peak of the biggest reply it built. And the start-up
# itself stays small: under 4 MiB with 1000 taps of a numeric owner (no NSS
# module loaded for it, libpcap and what it pulls in only at a first capture,
# no libsystemd).
. "$(dirname "$0")/lib.sh"
require_root
if ldd "$SWITCHD" 2>/dev/null | grep -q libasan; then
	skip "RSS is not judged in an ASan build (its quarantine keeps freed memory)"
fi
[ "${VALGRIND_TESTS:-0}" = 1 ] && skip "RSS is not judged under valgrind"
HOST=$(ns_name host)
ns_create "$HOST"
CONF=$TESTDIR/switchd.conf
{
	echo "[bridge int0]"
	for i in $(seq 0 999); do printf '[tap t%d]\nbridge = int0\nowner = 65534\n' "$i"; done
} >"$CONF"
switchd_start "$HOST" "$CONF"
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$PID/status"; }
sleep 0.5
rss0=$(rss) # before any show
libs=$(awk '$6 ~ /libnss_|libsystemd|libpcap|libdbus/ { print $6 }' "/proc/$PID/maps" | sort -u | xargs -r -n1 basename | tr '\n' ' ')
check_eq "no NSS module, libsystemd, libpcap or libdbus mapped" "" "$libs"
check_cmd "1000 taps: RSS under 4 MiB after the start-up (${rss0} kB)" test "$rss0" -lt 4096
check_eq "1000 taps on int0" 1000 "$(sctl "$HOST" -j show int0 | jq '.bridges[0].taps | length')"
for i in $(seq 10); do
	sctl "$HOST" show >/dev/null
	sctl "$HOST" -j show >/dev/null
done
rss1=$(rss)
echo "# RSS ${rss0} kB after the start-up, ${rss1} kB after 20 shows"
check_cmd "the shows' memory is given back (${rss0} -> ${rss1} kB)" test "$rss1" -le $((rss0 + 512))
report
