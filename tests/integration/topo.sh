# Shared topology for the integration tests (sourced after lib.sh).
#
#   host namespace                 upstream namespace ("the switch")
#   eth0 02:00:c6:12:00:10 ------- up0 ┐
#   eth1 02:00:c6:12:00:11 ------- up1 ┴ bridge sw, 198.18.0.1/24, 2001:db8::1/64
#
# The host's eth0 carries 198.18.0.2/24, 2001:db8::2/64, a default route via
# 198.18.0.1 and a route to 198.19.0.0/24 with metric 50 (a user route that
# must move to the bridge). Sets HOST, UP and CONF (a lab config for it).
# topo_uplink N builds a second, separate lab: 198.18.N.0/24, MACs 02:00:c6:12:0N:1x.

topo_uplink() {
	local n=${1:-0}
	HOST=$(ns_name "host$n")
	UP=$(ns_name "up$n")
	ns_create "$HOST" "$UP"
	switch_add "$UP" "198.18.$n.1/24"
	ip -n "$UP" addr add "2001:db8:0:$n::1/64" dev sw nodad
	cable "$HOST" eth0 "$UP" up0 "02:00:c6:12:0$n:10"
	cable "$HOST" eth1 "$UP" up1 "02:00:c6:12:0$n:11"
	ip -n "$HOST" addr add "198.18.$n.2/24" dev eth0
	ip -n "$HOST" addr add "2001:db8:0:$n::2/64" dev eth0 nodad
	ip -n "$HOST" route add default via "198.18.$n.1"
	ip -n "$HOST" route add 198.19.$n.0/24 via "198.18.$n.1" metric 50
	CONF=$TESTDIR/switchd-$n.conf
	cat >"$CONF" <<-CONF
		[nic hweth0]
		mac = 02:00:c6:12:0$n:10
		[nic hweth1]
		mac = 02:00:c6:12:0$n:11
		[bridge eth0]
		ports = hweth0 hweth1
		address = keep
	CONF
}

# topo_guest: a guest namespace G behind a veth vnet0 in HOST (not attached:
# "guests = vnet*" in the config does that), MAC 02:00:c6:12:00:77,
# 198.18.0.77/24, IPv6 off (a silent guest says nothing unless told to).
topo_guest() {
	G=$(ns_name guest)
	ns_create "$G"
	ip netns exec "$G" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$HOST" link add vnet0 type veth peer name eth0 netns "$G" address 02:00:c6:12:00:77
	ip -n "$HOST" link set vnet0 up
	ip -n "$G" link set eth0 up
	ip -n "$G" addr add 198.18.0.77/24 dev eth0
}
