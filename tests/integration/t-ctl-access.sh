#!/bin/bash
# socket_group = users, socket_mode = 0660: members may read (status, show,
# doctor, monitor), only root may change anything, others cannot connect;
# per-uid limits keep any user, and all of them together, from locking out
# root or each other.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
command -v setpriv >/dev/null || skip "needs setpriv (util-linux)"
getent group users >/dev/null || skip "needs the group users"
CTLCLIENT=${CTLCLIENT:-$(dirname "$SWITCHD")/../tests/integration/ctlclient}
[ -x "$CTLCLIENT" ] || skip "no ctlclient at $CTLCLIENT (make check builds it)"
topo_uplink
cat >>"$CONF" <<EOF2
[switchd]
socket_group = users
socket_mode = 0660
EOF2
chmod 0711 "$TESTDIR" # others may reach the socket's directory: the socket decides
switchd_start "$HOST" "$CONF"

as() { # as UID GROUPS CMD...: run CMD in the host namespace as that user
	local uid=$1 groups=$2; shift 2
	local g=(--clear-groups)
	[ -n "$groups" ] && g=(--groups="$groups")
	ip netns exec "$HOST" setpriv --reuid="$uid" --regid=nogroup "${g[@]}" "$@"
}
member() { as nobody users "$SWITCHCTL" -s "$SOCK" "$@"; }
expect_error() { # WHAT EXPECTED-MESSAGE CMD...
	local what=$1 msg=$2; shift 2
	local out rc=0
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" = 1 ] && [[ $out =~ $msg ]]; then pass "$what"; else fail "$what: rc $rc, '$out', expected /$msg/"; fi
}

check_eq "the socket: rw for root and the group, nothing for others" "srw-rw---- root users" \
	"$(stat -c '%A %U %G' "$SOCK")"
check_eq "no private directory is left behind" "" "$(ls -A "$TESTDIR" | grep switchd-sock)"

# a member reads
check_cmd "a member: status" member status
check_match "a member: show" "hweth0 +active" "$(member show eth0)"
rc=0; out=$(member doctor 2>&1) || rc=$?
check_match "a member: doctor (0: none, 1: hazards found)" "^[01]$" "$rc"
rc=0; timeout 1 ip netns exec "$HOST" setpriv --reuid=nobody --regid=nogroup --groups=users \
	"$SWITCHCTL" -s "$SOCK" monitor >/dev/null 2>&1 || rc=$?
check_eq "a member: monitor runs until stopped" 124 "$rc"

# a member changes nothing
denied="permission denied \(changes state: root or switchd's user only\)"
expect_error "a member may not swap" "^switchctl: swap: $denied$" member swap eth0 hweth1
check_eq "and nothing moved" "eth0" "$(link_master "$HOST" hweth0)"
expect_error "a member may not detach" "^switchctl: detach: $denied$" member detach eth0 hweth0
expect_error "a member may not reload" "^switchctl: reload: $denied$" member reload
expect_error "a member may not add taps" "^switchctl: tap-add: $denied$" member tap add tap7 eth0
check_cmd "no tap was made" bash -c "! ip -n $HOST link show tap7"

# others cannot even connect
expect_error "a non-member is refused" "Permission denied \(is switchd running\?\)" \
	as nobody "" "$SWITCHCTL" -s "$SOCK" status

# root does everything
check_eq "root may swap" "eth0: hweth1 is now the active port (was hweth0)" "$(sctl "$HOST" swap eth0 hweth1)"

# per-uid limits: one user holds 8 connections, the 9th is refused
as nobody users "$CTLCLIENT" "$SOCK" hold 9 >"$TESTDIR/hold-nobody" 2>&1 &
defer "kill $! 2>/dev/null"
busywait 10000 grep -q '^ready' "$TESTDIR/hold-nobody"
check_eq "one user gets 8 connections" 8 "$(grep -c '"ok":true' "$TESTDIR/hold-nobody")"
check_match "the 9th: one line saying why" '^8 .*"error":"uid 65534: too many connections \(8 per user\)"' \
	"$(grep '^8 ' "$TESTDIR/hold-nobody")"
check_cmd "root still gets in" sctl "$HOST" status
# seven more users fill the pool of all but root (64)
for uid in 1001 1002 1003 1004 1005 1006 1007; do
	as "$uid" users "$CTLCLIENT" "$SOCK" hold 8 >"$TESTDIR/hold-$uid" 2>&1 &
	defer "kill $! 2>/dev/null"
done
for uid in 1001 1002 1003 1004 1005 1006 1007; do
	busywait 10000 grep -q '^ready' "$TESTDIR/hold-$uid"
done
check_eq "64 connections of 8 users" 64 "$(cat "$TESTDIR"/hold-* | grep -c '"ok":true')"
expect_error "a 9th user is refused while they hold them" \
	"^switchctl: uid 1008: too many connections \(64 for all users but root\)$" \
	as 1008 users "$SWITCHCTL" -s "$SOCK" status
check_cmd "root still gets in" sctl "$HOST" status
check_eq "and may still change things" "eth0: hweth0 is now the active port (was hweth1)" \
	"$(sctl "$HOST" swap eth0 hweth0)"
report
