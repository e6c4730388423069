#!/bin/bash
# e2e: a Docker-style container host, with no LAN option (docs/policy.md,
# "Interface roles"). In the client namespace: a bridge ksbr0 172.30.0.1/24
# fd30::1/64 with two container namespaces behind veth ports (ksv1, ksv2:
# 172.30.0.2/.3, fd30::2/::3, and 2001:db8:30::3 for the second), forwarding,
# masquerade and NAT66 (nft). Checks:
#  - status: ksbr0 and its ports are local links (no TC program), up0 an
#    uplink, PROTECTED;
#  - tunnel up: each container's echo requests to the internet addresses are
#    answered through the tunnel, none in the clear on sv0; each container
#    pings the bridge and the other container;
#  - the host's own sockets keep their rows: a lab-cgroup socket to a
#    container is refused (EPERM, no LAN option);
#  - tunnel killed: UDP, TCP, ICMP and DNS from both containers, IPv4 and
#    IPv6: 0 on sv0 (the far end of the uplink), held at up0's TC;
#  - VM bridged networking: the uplink veth (standing in for a NIC, so named
#    with --uplink) enslaved to bridge ksbu0 with a "VM" namespace on the same
#    bridge: ksbu0 is an uplink (wire port up0); with the tunnel gone neither
#    the VM, nor host sockets, nor AF_PACKET on ksbu0 leak on sv0;
#  - the agent: a bridge that gains a wire port becomes an uplink (its TC
#    program attached) within 100 ms, and a local link again when the port
#    leaves.
# NAT: masquerade with nft when installed (KSBPF_E2E_NAT=none turns it off:
# the server then routes the containers' subnets back through the tunnel,
# which exercises the same hooks). Needs root and build/ksbpf.
# shellcheck disable=SC2016,SC2119
set -u
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
lab_require_root
lab_require_ksbpf

CTR_NS1=kse2e-x1-$LAB_ID
CTR_NS2=kse2e-x2-$LAB_ID
VM_NS=kse2e-vm-$LAB_ID
BR_H4=172.30.0.1
BR_H6=fd30::1
C1_4=172.30.0.2
C1_6=fd30::2
C2_4=172.30.0.3
C2_6=fd30::3
BR_G6=2001:db8:30::1	# a global prefix too: c2 sends from it
C2_G6=2001:db8:30::3
VM_4=192.0.2.50
VM_6=2001:db8:1::50
N=10
CTR_NAT=none

host_cleanup() {
	local rc=$? ns pid
	set +e
	for pid in $LAB_PIDS; do kill -9 "$pid" 2>/dev/null; done
	for ns in "$CTR_NS1" "$CTR_NS2" "$VM_NS"; do
		[ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	(exit "$rc")
	lab_cleanup
}
trap host_cleanup EXIT

# ns_sender NAME NAMESPACE SEND-ARGS...: a sender in another namespace.
ns_sender() {
	local name=$1 ns=$2
	shift 2
	nsenter --net="/run/netns/$ns" "${LAB_SEND[@]}" --tag "$name" "$@" \
		>"$LAB_DIR/$name.out" 2>&1 &
	LAB_SND_PID[$name]=$!
	lab_track "$!"
}

# add_guest NS IFACE ADDR4 ADDR6 GW4 GW6 BRIDGE: a namespace behind a veth
# port of BRIDGE in the client namespace.
add_guest() {
	local ns=$1 ifn=$2
	ip netns add "$ns" || lab_die "netns add $ns"
	ip -n "$ns" link set lo up
	nsenter --net="/run/netns/$ns" sh -c \
		'echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad'
	ip -n "$LAB_NS_C" link add "$ifn" type veth peer name eth0 netns "$ns" ||
		lab_die "veth $ifn"
	ip -n "$LAB_NS_C" link set "$ifn" master "$7" up
	ip -n "$ns" addr add "$3/24" dev eth0
	ip -n "$ns" addr add "$4/64" dev eth0 nodad
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via "$5" dev eth0
	ip -n "$ns" -6 route add default via "$6" dev eth0
}

containers_setup() {
	ip -n "$LAB_NS_C" link add ksbr0 type bridge || lab_die "bridge ksbr0"
	ip -n "$LAB_NS_C" addr add "$BR_H4/24" dev ksbr0
	ip -n "$LAB_NS_C" addr add "$BR_H6/64" dev ksbr0 nodad
	ip -n "$LAB_NS_C" link set ksbr0 up
	add_guest "$CTR_NS1" ksv1 "$C1_4" "$C1_6" "$BR_H4" "$BR_H6" ksbr0
	add_guest "$CTR_NS2" ksv2 "$C2_4" "$C2_6" "$BR_H4" "$BR_H6" ksbr0
	ip -n "$LAB_NS_C" addr add "$BR_G6/64" dev ksbr0 nodad
	ip -n "$CTR_NS2" addr add "$C2_G6/64" dev eth0 nodad
	in_client sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward;
		echo 1 > /proc/sys/net/ipv6/conf/all/forwarding' ||
		lab_die "forwarding in $LAB_NS_C"
	if [ "${KSBPF_E2E_NAT:-auto}" != none ] && command -v nft >/dev/null; then
		in_client nft -f - <<EOF || lab_die "nft masquerade"
table inet kse2e_nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname != "ksbr0" ip saddr 172.30.0.0/24 masquerade
		oifname != "ksbr0" ip6 saddr { fd30::/64, 2001:db8:30::/64 } masquerade
	}
}
EOF
		CTR_NAT=nft
	fi
	# Without NAT the containers' own addresses travel: the server's
	# WireGuard must accept them and route replies back (harmless with NAT).
	in_server wg set "$LAB_WG_S" peer "$(cat "$LAB_DIR/c.pub")" \
		allowed-ips "$LAB_TC4/32,$LAB_TC6/128,172.30.0.0/24,fd30::/64,2001:db8:30::/64" ||
		lab_die "wg set $LAB_WG_S allowed-ips"
	ip -n "$LAB_NS_S" route add 172.30.0.0/24 dev "$LAB_WG_S" || lab_die "server route"
	ip -n "$LAB_NS_S" -6 route add fd30::/64 dev "$LAB_WG_S" || lab_die "server route6"
	ip -n "$LAB_NS_S" -6 route add 2001:db8:30::/64 dev "$LAB_WG_S" || lab_die "server route6"
}

# target_replies NAME SPEC: the replies one target of a sender got.
target_replies() {
	awk -v s="$2" '$1 == s { for (i = 2; i <= NF; i++) { split($i, kv, "=");
		if (kv[1] == "replies") v = kv[2] } } END { print v + 0 }' "$LAB_DIR/$1.out"
}

probes() {	# PORT: UDP and ICMP, both families, to the internet addresses
	echo "udp4:$LAB_INET4:$1 icmp4:$LAB_INET4 udp6:[$LAB_INET6]:$1 icmp6:$LAB_INET6"
}
# What a container sends into the clear: everything but DNS too.
leak_probes() {
	echo "$(probes "$1") tcp4:$LAB_INET4:$1 tcp6:[$LAB_INET6]:$1" \
		"udp4:$LAB_INET4:53 udp6:[$LAB_INET6]:53 tcp4:$LAB_INET4:53 tcp6:[$LAB_INET6]:53"
}
F_INET() { echo "(dst host $LAB_INET4 or dst host $LAB_INET6)"; }
role() {	# FILE NAME
	js "$1" "[i['role'] for i in d['interfaces'] if i['name'] == '$2'][0]"
}
why() {	# FILE NAME: the reason status gives for its role
	js "$1" "[i['why'] for i in d['interfaces'] if i['name'] == '$2'][0]"
}
attached() {	# FILE NAME: 1 if an uplink with its program attached
	js "$1" "[u['attached'] for u in d['uplinks'] if u['name'] == '$2'] == [True]"
}

lab_setup
trap 'LAB_SIGNAL=130 host_cleanup' INT
trap 'LAB_SIGNAL=143 host_cleanup' TERM
containers_setup
lab_log "containers $CTR_NS1 ($C1_4 $C1_6), $CTR_NS2 ($C2_4 $C2_6) on ksbr0; NAT: $CTR_NAT"
lab_tunnel_up || exit 1

lab_step "ksbpf load with no LAN option: the bridge and its ports are local links"
if ! ks_load >"$LAB_DIR/load.out" 2>&1; then
	fail "ksbpf load failed:"
	sed 's/^/          | /' "$LAB_DIR/load.out"
	exit 1
fi
S=$LAB_DIR/status.json
ks_status_json "$S"
check_eq "status exit code (protected)" "$?" 0
for ifn in ksbr0 ksv1 ksv2; do
	check_eq "role of $ifn" "$(role "$S" "$ifn")" local
	check_eq "$ifn has no TC program" "$(js "$S" "[u for u in d['uplinks'] if u['name'] == '$ifn'] == []")" 1
done
check_eq "role of up0" "$(role "$S" up0)" uplink
check_eq "up0 attached" "$(attached "$S" up0)" 1
check_eq "status: lan" "$(js "$S" "d['lan']")" "[]"
ks status -v >"$LAB_DIR/status.txt" 2>&1
check "text status: ksbr0's role and why" grep -q "ksbr0 *local *bridge without a wire port" "$LAB_DIR/status.txt"

lab_step "tunnel up: both containers reach the internet through the tunnel, and each other"
cap_start u-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
{
ns_sender u-c1 "$CTR_NS1" --count $N --interval 0.03 $(probes 43001)
ns_sender u-c2 "$CTR_NS2" --count $N --interval 0.03 $(probes 43002)
}
sender_wait u-c1 u-c2
cap_stop u-sv0
for c in c1 c2; do
	sender_show "u-$c"
	check_ge "[$c] echo replies through the tunnel (v4+v6)" \
		"$(($(sender_get "u-$c" icmp4 replies) + $(sender_get "u-$c" icmp6 replies)))" $((2 * N - 2))
done
check_zero "sv0: container probes in the clear" \
	"$(cap_count u-sv0 "ether src $LAB_CMAC and $(F_INET)")"
ns_sender l-c1 "$CTR_NS1" --count 5 --interval 0.03 "icmp4:$BR_H4" "icmp6:$BR_H6" \
	"icmp4:$C2_4" "icmp6:$C2_6" "icmp6:$C2_G6"
ns_sender l-c2 "$CTR_NS2" --count 5 --interval 0.03 "icmp4:$BR_H4" "icmp6:$BR_H6" \
	"icmp4:$C1_4" "icmp6:$C1_6"
sender_wait l-c1 l-c2
sender_show l-c1
sender_show l-c2
for c in c1 c2; do
	for t in "icmp4:$BR_H4" "icmp6:$BR_H6"; do
		check_nonzero "[$c] replies from the bridge address ${t#*:}" "$(target_replies "l-$c" "$t")"
	done
done
# c2's global address is no neighbour of c1's: the host routes it back into
# the bridge.
for t in "icmp4:$C2_4" "icmp6:$C2_6" "icmp6:$C2_G6"; do
	check_nonzero "[c1] replies from c2 at ${t#*:}" "$(target_replies l-c1 "$t")"
done

lab_step "the host's own sockets keep their rows: a lab-cgroup socket to a container"
sender_run h-cg cg --count 5 --interval 0.03 "udp4:$C1_4:43010" "udp6:[$C1_6]:43010"
sender_show h-cg
check_eq "[host cgroup] sends to a container refused (EPERM)" "$(sender_get h-cg all eperm)" 10

lab_step "tunnel killed: nothing of the containers reaches sv0"
lab_tunnel_kill
ks_status_json "$S"
nr0=$(counter "$S" tc_egress no_route)
dns0=$(counter "$S" tc_egress dns)
cap_start d-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
{
ns_sender d-c1 "$CTR_NS1" --count $N --interval 0.03 $(leak_probes 43003)
ns_sender d-c2 "$CTR_NS2" --count $N --interval 0.03 $(leak_probes 43004)
sender_start d-host cg --count $N --interval 0.03 $(leak_probes 43005)
}
sender_wait d-c1 d-c2 d-host
cap_stop d-sv0
for s in c1 c2 host; do
	check_zero "[$s] replies" "$(sender_get "d-$s" all replies)"
done
n=$(cap_count d-sv0 "$(F_LEAK)")
check_zero "sv0: leaked packets (UDP, TCP, ICMP, DNS; v4 and v6)" "$n"
[ "$n" = 0 ] || cap_show d-sv0 "$(F_LEAK)"
ks_status_json "$S"
check_ge "tc_egress/no_route grew (the containers' traffic, held at up0)" \
	"$(($(counter "$S" tc_egress no_route) - nr0))" $((2 * 6 * N))
check_ge "tc_egress/dns grew (the containers' DNS, held at up0)" \
	"$(($(counter "$S" tc_egress dns) - dns0))" $((2 * 2 * N))
ns_sender dl-c1 "$CTR_NS1" --count 5 --interval 0.03 "icmp4:$BR_H4" "icmp6:$BR_H6" "icmp6:$C2_6"
sender_wait dl-c1
for t in "icmp4:$BR_H4" "icmp6:$BR_H6" "icmp6:$C2_6"; do
	check_nonzero "[c1] with the tunnel down, replies from ${t#*:}" "$(target_replies dl-c1 "$t")"
done
check_eq "status: still protected" "$(js "$S" "d['state']")" protected

lab_step "VM bridged networking: up0 (a NIC stand-in, --uplink up0) in bridge ksbu0"
ip -n "$LAB_NS_C" addr flush dev up0
ip -n "$LAB_NS_C" link add ksbu0 type bridge || lab_die "bridge ksbu0"
ip -n "$LAB_NS_C" link set up0 master ksbu0
ip -n "$LAB_NS_C" addr add "$LAB_C4/24" dev ksbu0
ip -n "$LAB_NS_C" addr add "$LAB_C6/64" dev ksbu0 nodad
ip -n "$LAB_NS_C" link set ksbu0 up
ip -n "$LAB_NS_C" route replace default via "$LAB_S4" dev ksbu0 metric 100
ip -n "$LAB_NS_C" -6 route replace default via "$LAB_S6" dev ksbu0 metric 100
add_guest "$VM_NS" ksvm0 "$VM_4" "$VM_6" "$LAB_S4" "$LAB_S6" ksbu0
BR_MAC=$(ip -n "$LAB_NS_C" -o link show ksbu0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
ks_load --uplink up0 >"$LAB_DIR/load-vm.out" 2>&1
check_eq "ksbpf load --uplink up0 (exit)" "$?" 0
ks_status_json "$S"
check_eq "status exit code" "$?" 0
check_eq "role of ksbu0" "$(why "$S" ksbu0)" "bridge with wire port up0"
check_eq "ksbu0 attached" "$(attached "$S" ksbu0)" 1
check_eq "up0 attached" "$(attached "$S" up0)" 1
check_eq "role of ksvm0" "$(role "$S" ksvm0)" local
cap_start v-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
{
ns_sender v-vm "$VM_NS" --count $N --interval 0.03 $(leak_probes 43006)
sender_start v-host cg --count $N --interval 0.03 $(leak_probes 43007)
sender_start v-afp ns --count $N --interval 0.03 \
	"afp4:ksbu0,$LAB_SMAC,$LAB_C4,$LAB_INET4,43008" "afp6:ksbu0,$LAB_SMAC,$LAB_C6,$LAB_INET6,43008"
}
sender_wait v-vm v-host v-afp
cap_stop v-sv0
# A TC drop is the sender's ENOBUFS (dev_queue_xmit's NET_XMIT_DROP).
check_eq "[afp] frames dropped by ksbu0's TC program (ENOBUFS)" \
	"$(grep -c "errors=ENOBUFS:$N" "$LAB_DIR/v-afp.out")" 2
sender_show v-afp
n=$(cap_count v-sv0 "$(F_INET) and not arp")
check_zero "sv0: anything to the internet addresses (VM, host, AF_PACKET)" "$n"
[ "$n" = 0 ] || cap_show v-sv0 "$(F_INET)"
check_zero "sv0: anything from the VM but ARP/ND" \
	"$(cap_count v-sv0 "(ip and src host $VM_4) or (ip6 and src host $VM_6 and not icmp6)")"

lab_step "the agent: a bridge that gains a wire port is an uplink within 100 ms"
ip -n "$LAB_NS_C" link add ksbr1 type bridge || lab_die "bridge ksbr1"
ip -n "$LAB_NS_C" link set ksbr1 up
# The wire stand-in: a veth named by --uplink (dummy may be a module).
ip -n "$LAB_NS_C" link add kswire0 type veth peer name kswire1 || lab_die "veth kswire0"
ks_run_bg "$LAB_DIR/agent.log" --uplink up0 --uplink 'kswire0'

wait_for 10 grep -q "in sync" "$LAB_DIR/agent.log" || fail "agent not in sync: $(cat "$LAB_DIR/agent.log")"
ks_status_json "$S"
check_eq "ksbr1 (no port) is local" "$(role "$S" ksbr1)" local
br1=$(ip -n "$LAB_NS_C" -o link show ksbr1 | cut -d: -f1)
# The agent says it once the program is attached (TCX or legacy clsact).
# Emulated kernels (tests/kernels) scale the bound.
bound=$((100 * ${KSBPF_TIME_SCALE:-1}))
t0=$(date +%s%N)
ip -n "$LAB_NS_C" link set kswire0 master ksbr1
while ! grep -q "uplink ksbr1 (ifindex $br1): guarded" "$LAB_DIR/agent.log" &&
	[ $(($(date +%s%N) - t0)) -lt $((bound * 20000000)) ]; do
	sleep 0.002
done
ms=$((($(date +%s%N) - t0) / 1000000))
info "ksbr1 guarded ${ms} ms after kswire0 joined it"
check "ksbr1 guarded within $bound ms of gaining a wire port (${ms} ms)" test "$ms" -lt "$bound"
ks_status_json "$S"
check_eq "ksbr1's role now" "$(why "$S" ksbr1)" "bridge with wire port kswire0"
check_eq "ksbr1 attached" "$(attached "$S" ksbr1)" 1
ip -n "$LAB_NS_C" link set kswire0 nomaster
wait_for 5 grep -q "local link ksbr1 (ifindex $br1): .*TC program removed" "$LAB_DIR/agent.log" ||
	fail "ksbr1 still has a TC program after its port left"
ks_status_json "$S"
check_eq "ksbr1 local again" "$(role "$S" ksbr1)" local
check_eq "status exit code" "$?" 0
check "agent log: the reason said" grep -q "uplink ksbr1 (ifindex $br1): guarded (bridge with wire port kswire0)" "$LAB_DIR/agent.log"
check_zero "agent log: resyncs" "$(grep -c 'resync failed\|an action failed' "$LAB_DIR/agent.log")"

lab_step "positive control: after unload the containers reach sv0"
kill -TERM "$KS_AGENT_PID" 2>/dev/null
wait "$KS_AGENT_PID" 2>/dev/null
ks unload >"$LAB_DIR/unload.out" 2>&1
check_eq "ksbpf unload (exit)" "$?" 0
# ksbu0 now carries the uplink: the containers' NAT follows it.
cap_start f-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
ns_sender f-c1 "$CTR_NS1" --count $N --interval 0.03 $(probes 43009)
sender_wait f-c1
cap_stop f-sv0
check_ge "sv0 after unload: c1's probes" \
	"$(cap_count f-sv0 "ether src $BR_MAC and $(F_INET)")" $((4 * N))

lab_finish
