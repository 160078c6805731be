#!/bin/bash
# A reload keeps each port's run-time state with the port of that name, and
# keeps what an operator did: a bridge taken off its network (detach of its
# active port) stays off it across reloads, whatever the order of ports =.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require_root
topo_uplink 0
switchd_start "$HOST" "$CONF"
port() { sctl "$HOST" -j show eth0 | jq -r --arg p "$1" ".bridges[0].ports[] | select(.name == \$p) | $2"; }

check_cmd "swap to hweth1" sctl "$HOST" swap eth0 hweth1
check_eq "hweth1 was swapped in once, by the operator" "1 operator" "$(port hweth1 '"\(.swaps) \(.last_swap_reason)"')"
sleep 1 # the swap's announcement rounds (the last at 800 ms)
a0=$(port hweth0 .announced)
a1=$(port hweth1 .announced)

# the same ports in another order
sed -i 's/^ports = hweth0 hweth1/ports = hweth1 hweth0/' "$CONF"
check_cmd "reload with ports = hweth1 hweth0" sctl "$HOST" reload
check_eq "hweth1 keeps its swap history" "1 operator" "$(port hweth1 '"\(.swaps) \(.last_swap_reason)"')"
check_eq "hweth0 was never swapped in, and show says so" "0 none" "$(port hweth0 '"\(.swaps) \(.last_swap_reason // "none")"')"
check_eq "hweth1 keeps its announcement count" "$a1" "$(port hweth1 .announced)"
check_eq "hweth0 keeps its own announcement count" "$a0" "$(port hweth0 .announced)"
check_eq "the active port did not move" "eth0" "$(link_master "$HOST" hweth1)"

# an operator takes the host off the network: a reload must not put it back
check_cmd "detach the active port" sctl "$HOST" detach eth0 hweth1
check_cmd "reload, config unchanged" sctl "$HOST" reload
sleep 0.3
check_eq "after the reload hweth0 is still not attached" "" "$(link_master "$HOST" hweth0)"
check_eq "nor hweth1" "" "$(link_master "$HOST" hweth1)"
check_eq "show: failover still suspended" "true" "$(sctl "$HOST" -j show eth0 | jq .bridges[0].failover_suspended)"
sed -i 's/^ports = hweth1 hweth0/ports = hweth0 hweth1/' "$CONF"
check_cmd "reload with the ports reordered again" sctl "$HOST" reload
sleep 0.3
check_eq "still off the network: hweth0 not attached" "" "$(link_master "$HOST" hweth0)"
check_eq "hweth1 still shown as detached" "detached" "$(port hweth1 .role)"
check_cmd "attach puts it back" sctl "$HOST" attach eth0 hweth1
check_eq "hweth1 active again" "eth0" "$(link_master "$HOST" hweth1)"
check_eq "failover resumed" "false" "$(sctl "$HOST" -j show eth0 | jq .bridges[0].failover_suspended)"
report
