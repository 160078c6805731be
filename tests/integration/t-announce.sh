#!/bin/bash
# After a swap, the upstream switch relearns every MAC behind the bridge on
# the new port — the host's and a guest's — before the guest sends a frame.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
command -v ping >/dev/null || skip "needs ping (iputils-ping)"
topo_uplink
echo "guests = vnet*" >>"$CONF"
topo_guest
switchd_start "$HOST" "$CONF"
check_eq "the guest is on the bridge" "eth0" "$(link_master "$HOST" vnet0)"
port() { sctl "$HOST" -j show eth0 | jq -r --arg p "$1" ".bridges[0].ports[] | select(.name == \$p) | .$2"; }
total() { sctl "$HOST" -j show eth0 | jq '.bridges[0].announced'; }
# the conversion attached hweth0: it announces as a swap does (5 rounds)
sleep 1
a0=$(port hweth0 announced)
t0=$(total)
check_cmd "the conversion announced the bridge out of hweth0 ($a0 frames, 2+ per round)" \
	test "$a0" -ge 10
check_eq "and out of no other port" "$a0" "$t0"
check_match "show's text says it for hweth0" "hweth0 .* $a0 frames announced" "$(sctl "$HOST" show eth0)"
# the guest talks once: the upstream switch learns it behind up0
ip netns exec "$G" ping -c 1 -W 2 198.18.0.1 >/dev/null
fdb_port() { bridge -n "$UP" -j fdb show br sw | jq -r --arg m "$1" '[.[] | select(.mac == $m and (.flags | index("self") | not))][0].ifname // ""'; }
check_eq "upstream: the guest behind up0" "up0" "$(fdb_port 02:00:c6:12:00:77)"
check_eq "upstream: the host behind up0" "up0" "$(fdb_port 02:00:c6:12:00:10)"
# from now on the guest is silent
sctl "$HOST" swap eth0 hweth1 >/dev/null
check_cmd "upstream: the guest moved to up1 without sending a frame" busywait 1000 \
	bash -c "[ \"\$(bridge -n $UP -j fdb show br sw | jq -r '[.[] | select(.mac == \"02:00:c6:12:00:77\")][0].ifname')\" = up1 ]"
check_eq "upstream: the host moved to up1" "up1" "$(fdb_port 02:00:c6:12:00:10)"
# hweth0, now a standby, has the bridge's MAC: its own IPv6 (an MLD report
# after it left the bridge) would move the host back to up0 upstream
check_eq "the standby sends no IPv6 of its own (disable_ipv6)" 1 \
	"$(ip netns exec "$HOST" cat /proc/sys/net/ipv6/conf/hweth0/disable_ipv6)"
sleep 1.5
check_eq "upstream: the host is still behind up1 a while later" "up1" "$(fdb_port 02:00:c6:12:00:10)"
check_cmd "the client reaches the guest through the new port" ip netns exec "$UP" ping -c 1 -W 2 198.18.0.77
sleep 1
check_match "show counts the frames announced (5 rounds)" "[0-9]+ frames announced" "$(sctl "$HOST" show eth0)"
n=$(( $(total) - t0 ))
check_cmd "every round was sent: $n frames (4 per round)" test "$n" -ge 20
check_eq "show, per port: the frames went out of hweth1" "$n" "$(port hweth1 announced)"
check_eq "show, per port: none more out of hweth0" "$a0" "$(port hweth0 announced)"
check_eq "show, per port: hweth1 was made active once, by the operator" "1 operator" \
	"$(port hweth1 swaps) $(port hweth1 last_swap_reason)"
check_match "show's text says it per port" "hweth1 .*swapped in 1x, last .*\(operator\); $n frames announced" \
	"$(sctl "$HOST" show eth0)"

# announce = no: nothing is sent, the silent guest stays behind up1 upstream
switchd_stop
sed 's/^guests = .*/&\nannounce = no/' "$CONF" >"$CONF.no"
switchd_start "$HOST" "$CONF.no"
sctl "$HOST" swap eth0 hweth0 >/dev/null
sleep 1
check_eq "announce = no: no frame announced" 0 "$(sctl "$HOST" -j show eth0 | jq '.bridges[0].announced')"
check_eq "announce = no: upstream still has the guest behind up1" up1 "$(fdb_port 02:00:c6:12:00:77)"

# announce = 0 300ms: two rounds, the first at once (a round's size depends
# on the bridge's addresses at that moment: read it before the second)
switchd_stop
sed 's/^guests = .*/&\nannounce = 0 300ms/' "$CONF" >"$CONF.two"
switchd_start "$HOST" "$CONF.two"
sctl "$HOST" swap eth0 hweth1 >/dev/null
r1=$(sctl "$HOST" -j show eth0 | jq '.bridges[0].announced')
check_cmd "announce = 0 300ms: the guest moved to up1" busywait 1000 \
	bash -c "[ \"\$(bridge -n $UP -j fdb show br sw | jq -r '[.[] | select(.mac == \"02:00:c6:12:00:77\")][0].ifname')\" = up1 ]"
sleep 0.8
check_cmd "announce = 0 300ms: a first round at once ($r1 frames)" test "$r1" -ge 4
check_eq "announce = 0 300ms: then one more round, and no other" $((2 * r1)) \
	"$(sctl "$HOST" -j show eth0 | jq '.bridges[0].announced')"
# a new swap ends the announcements of the one before: their port is no
# longer active, and their later rounds would pull the MACs back to it
h0=$(port hweth0 announced)
sctl "$HOST" swap eth0 hweth0 >/dev/null
sctl "$HOST" swap eth0 hweth1 >/dev/null
sleep 0.8
check_eq "a swap 'within the rounds' of another: the old port sent its first round only" \
	$((h0 + r1)) "$(port hweth0 announced)"
check_eq "upstream: the host stays behind the new port" up1 "$(fdb_port 02:00:c6:12:00:10)"

# a restart that attaches the uplink again (it was taken off the bridge while
# switchd was stopped): the announcement of that attach names the silent
# guest the bridge had learned before the restart, not only the host
switchd_stop
check_eq "before the restart: upstream has the guest behind up1" up1 "$(fdb_port 02:00:c6:12:00:77)"
check_match "before the restart: the host's bridge still knows the guest" "02:00:c6:12:00:77 dev vnet0" \
	"$(bridge -n "$HOST" fdb show br eth0)"
ip -n "$HOST" link set hweth1 nomaster
switchd_start "$HOST" "$CONF.two"
check_eq "the restart attached hweth0 again" eth0 "$(link_master "$HOST" hweth0)"
check_cmd "the restart's announcement moved the silent guest to up0 upstream" busywait 1000 \
	bash -c "[ \"\$(bridge -n $UP -j fdb show br sw | jq -r '[.[] | select(.mac == \"02:00:c6:12:00:77\")][0].ifname')\" = up0 ]"
sctl "$HOST" swap eth0 hweth1 >/dev/null
sleep 0.8

# the guest moves to another host: its MAC now comes from upstream. switchd
# must stop announcing it, or it would pull the guest's traffic back here.
if command -v arping >/dev/null; then
	ip -n "$UP" link add mig type veth peer name migp
	ip -n "$UP" link set mig address 02:00:c6:12:00:77 up
	ip -n "$UP" link set migp master sw up
	ip netns exec "$UP" arping -q -U -c 2 -I mig 198.18.0.77 >/dev/null 2>&1 || true
	check_cmd "the host's bridge learned the guest's MAC behind the uplink" busywait 1000 \
		bash -c "bridge -n $HOST fdb show br eth0 | grep -q '02:00:c6:12:00:77 dev hweth1'"
	before=$(sctl "$HOST" -j show eth0 | jq '.bridges[0].announced')
	sctl "$HOST" swap eth0 hweth0 >/dev/null
	r2=$(( $(sctl "$HOST" -j show eth0 | jq '.bridges[0].announced') - before ))
	check_eq "after the move a round has one RARP less (the guest's)" $((r1 - 1)) "$r2"
else
	echo "SKIP: the guest-moved check needs arping" >&2
fi
report
