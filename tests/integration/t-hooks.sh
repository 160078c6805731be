#!/bin/bash
# pre-up hooks: nothing crosses a bridge before its pre-up hook finished (a
# firewall rule it loads counts every frame that crosses); a failing pre-up
# keeps the bridge down and says so (log, status, show, doctor) until a
# reload; hook_failure = ignore lets it forward.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
command -v nft >/dev/null || skip "needs nft (nftables)"
command -v ping >/dev/null || skip "needs ping (iputils-ping)"
topo_uplink
HOOKS=$TESTDIR/hooks.d
mkdir -p "$HOOKS" "$TESTDIR/nft"
export NFT_DIR=$TESTDIR/nft # for the example hook
cat >>"$CONF" <<EOF2
[switchd]
hooks = $HOOKS
hook_timeout = 2s
EOF2
# the probe: every ICMP echo request that crosses any bridge of the host,
# counted from before switchd starts
ip netns exec "$HOST" nft -f - <<'NFT'
table bridge probe {
	chain pre { type filter hook prerouting priority -300; icmp type echo-request counter; }
}
NFT
# the firewall the hook loads only after a second: it drops what it counts
cat >"$HOOKS/10-fw" <<EOF2
#!/bin/sh
[ "\$SWITCHD_EVENT" = pre-up ] || exit 0
echo "pre-up of \$SWITCHD_BRIDGE, addresses \$SWITCHD_ADDRESSES"
sleep 1
nft -f - <<'NFT'
table bridge fw {
	chain pre { type filter hook prerouting priority 0; icmp type echo-request counter drop; }
}
NFT
echo "\$SWITCHD_EVENT \$SWITCHD_BRIDGE" >>$TESTDIR/ran
EOF2
# not hooks: a backup and a package leftover (run-parts' names), a plain file
printf '#!/bin/sh\necho backup >>%s/ran\n' "$TESTDIR" >"$HOOKS/10-fw~"
printf '#!/bin/sh\necho dpkg >>%s/ran\n' "$TESTDIR" >"$HOOKS/10-fw.dpkg-old"
printf '#!/bin/sh\necho plain >>%s/ran\n' "$TESTDIR" >"$HOOKS/05-plain"
chmod +x "$HOOKS/10-fw" "$HOOKS/10-fw~" "$HOOKS/10-fw.dpkg-old"

counter() { ip netns exec "$HOST" nft -j list table bridge "$1" 2>/dev/null |
	jq '[.nftables[] | .rule? // empty | .expr[] | .counter? // empty | .packets] | add // 0'; }
# a client pings the host every 10 ms from before switchd starts to after
ip netns exec "$UP" ping -q -i 0.01 -w 8 198.18.0.2 >"$TESTDIR/ping" 2>&1 &
PING=$!
defer "kill $PING 2>/dev/null"
sleep 0.5
switchd_start "$HOST" "$CONF"
check_eq "the pre-up hook ran once, the others are no hooks" "pre-up eth0" "$(cat "$TESTDIR/ran")"
check_match "its output is in the log, with its name and bridge" \
	"hook 10-fw \(bridge eth0\): pre-up of eth0, addresses 198.18.0.2/24 2001:db8::2/64" "$(cat "$LOG")"
check_eq "then the bridge forwards" "eth0" "$(link_master "$HOST" hweth0)"
sleep 1
kill $PING 2>/dev/null
crossed=$(counter probe) dropped=$(counter fw)
echo "echo requests across the bridge: $crossed, through the firewall: $dropped"
check_cmd "pings crossed the bridge after the conversion" test "$crossed" -gt 20
check_eq "every one of them after the firewall was loaded" "$crossed" "$dropped"
switchd_stop

# a failing pre-up: the bridge stays down, no port attached
ip netns exec "$HOST" "$SWITCHD" --undo -c "$CONF" >/dev/null 2>&1
rm -f "$HOOKS/10-fw" "$TESTDIR/ran"
ip netns exec "$HOST" nft flush ruleset
cat >"$HOOKS/20-fail" <<EOF2
#!/bin/sh
echo "start \$SWITCHD_EVENT" >>$TESTDIR/seq
[ "\$SWITCHD_EVENT" = carrier ] && sleep 1.5
echo "end \$SWITCHD_EVENT" >>$TESTDIR/seq
[ "\$SWITCHD_EVENT" = pre-up ] || exit 0
echo "no ruleset for \$SWITCHD_BRIDGE" >&2
exit 3
EOF2
printf '#!/bin/sh\n[ "$SWITCHD_EVENT" = pre-up ] || exit 0\necho "$SWITCHD_EVENT $SWITCHD_BRIDGE" >>%s/ran\n' "$TESTDIR" >"$HOOKS/30-after"
chmod +x "$HOOKS/20-fail" "$HOOKS/30-after"
check_eq "undone: eth0 is the NIC again" "veth" "$(link_kind "$HOST" eth0)"
switchd_start "$HOST" "$CONF"
check_eq "held back: the bridge is down" "" "$(link_up "$HOST" eth0 && echo up)"
check_eq "held back: no port attached" "" "$(link_master "$HOST" hweth0)$(link_master "$HOST" hweth1)"
check_eq "the hooks after the failed one did not run" "" "$(cat "$TESTDIR/ran" 2>/dev/null)"
check_match "the hook's stderr is logged" "hook 20-fail \(bridge eth0\): no ruleset for eth0" "$(cat "$LOG")"
msg="bridge eth0: pre-up hook 20-fail failed \(exit 3\); the bridge stays down"
check_match "one line names the hook and the bridge" "$msg" "$(cat "$LOG")"
check_match "status says so" "held: +$msg" "$(sctl "$HOST" status)"
check_match "show says so" "held back: $msg" "$(sctl "$HOST" show eth0)"
check_match "doctor says so" "\[pre-up-failed\] eth0: $msg" "$(sctl "$HOST" doctor)"
check_match "an operator's attach is refused" "$msg" "$(sctl "$HOST" attach eth0 hweth0 2>&1)"
ip -n "$UP" link set up0 down
ip -n "$UP" link set up0 up
sleep 0.5
check_eq "failover does not attach a port either" "" "$(link_master "$HOST" hweth0)$(link_master "$HOST" hweth1)"

# hook_failure = ignore, then a reload: pre-up runs again and its failure is
# ignored; the example hook (before the failing one) loads eth0's ruleset
echo "hook_failure = ignore" >>"$CONF"
cp "$TOP_SRCDIR/conf/examples/hooks.d/10-nftables" "$HOOKS/"
cat >"$TESTDIR/nft/eth0.nft" <<'NFT'
table inet eth0_filter
delete table inet eth0_filter
table inet eth0_filter {
	chain input { type filter hook input priority 0; iifname "eth0" icmp type echo-request counter; }
}
NFT
sctl "$HOST" reload >/dev/null
check_match "pre-up waited for the bridge's running (carrier) hook" \
	"hook 20-fail \(eth0\): pre-up of its bridge: waiting up to" "$(cat "$LOG")"
check_eq "one hook at a time per bridge, pre-up included" "" \
	"$(awk '$1 == "start" && open { print "overlap at line " NR } $1 == "start" { open = 1 } $1 == "end" { open = 0 }' "$TESTDIR/seq")"
check_match "the failure is logged as ignored" "hook_failure = ignore: the bridge forwards" "$(cat "$LOG")"
check_eq "the hooks after it ran" "pre-up eth0" "$(cat "$TESTDIR/ran" 2>/dev/null)"
check_eq "the bridge forwards" "eth0" "$(link_master "$HOST" hweth0)"
check_cmd "the bridge is up" link_up "$HOST" eth0
check_cmd "the host answers through it" ip netns exec "$UP" ping -c 1 -W 2 198.18.0.2
check_match "the example hook loaded the bridge's ruleset" "hook 10-nftables \(bridge eth0\): loaded $TESTDIR/nft/eth0.nft" "$(cat "$LOG")"
check_cmd "its table is there" ip netns exec "$HOST" nft list table inet eth0_filter
check_eq "status: nothing held" "0" "$(sctl "$HOST" -j status | jq '.held_back | length')"

# a bridge added by a reload gets its pre-up, the one that forwards none;
# a pre-up that hangs is killed at hook_timeout (ignored here: it forwards)
printf '[bridge int0]\naddress = 198.18.254.1/24\n' >>"$CONF"
printf '#!/bin/sh\n[ "$SWITCHD_EVENT $SWITCHD_BRIDGE" = "pre-up int0" ] && exec sleep 60\nexit 0\n' >"$HOOKS/15-hang"
chmod +x "$HOOKS/15-hang"
t0=$(date +%s%3N)
sctl "$HOST" reload >/dev/null
dt=$(( $(date +%s%3N) - t0 ))
check_eq "pre-up ran for the new bridge only" "pre-up eth0 pre-up int0" "$(cat "$TESTDIR/ran" | tr '\n' ' ' | sed 's/ $//')"
check_match "the hanging pre-up was killed at its timeout" \
	"bridge int0: pre-up hook 15-hang did not finish within 2s: killed; hook_failure = ignore" "$(cat "$LOG")"
check_cmd "the reload waited for it about 2 s ($dt ms)" test "$dt" -ge 1900 -a "$dt" -lt 6000
check_cmd "the new bridge is up" link_up "$HOST" int0
switchd_stop # with VALGRIND_TESTS=1: its verdict
report
