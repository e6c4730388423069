#!/bin/bash
# e2e: a container behind the kill switch. A third namespace (the
# "container") hangs off the client namespace by a veth pair (ctr0
# 10.200.0.1/24 fd20::1/64 in the client, 10.200.0.2 fd20::2 in the
# container); the client forwards IPv4 and IPv6 for it, toward the tunnel and
# toward the uplink. ksbpf is loaded in the client namespace with the lab's
# cgroup, and with --lan for the container's subnets: ctr0 is a veth that is
# no bridge port, so it is an uplink (docs/policy.md, "Interface roles": its
# peer's namespace could reach a wire of its own) and TC judges what goes to
# the container. Bridged containers: test_container_host.sh. Checks:
#  - without --lan for the container subnets, replies to the container are
#    dropped on ctr0 (TC is there); with it they pass;
#  - tunnel up: the container's traffic to the internet address goes through
#    the tunnel (at the server's tunnel end, replies back), nothing in the
#    clear on sv0;
#  - the container's local traffic (its own addresses, the host side of the
#    veth, its loopback) keeps working, also from a socket of the container
#    namespace placed in the lab cgroup (counted other_netns, not judged);
#  - tunnel down: none of the container's traffic reaches the uplink wire
#    (forwarded: judged by up0's TC program), also from a container socket in
#    the lab cgroup (not judged by the cgroup program: other_netns grows; held
#    at the uplink: tc_egress/no_route grows);
#  - positive control: after unload the same senders reach sv0.
# NAT: masquerade with nft or iptables when installed (KSBPF_E2E_NAT=none
# turns it off); otherwise the server routes the container's subnets back
# through the tunnel (and WireGuard allows them), which exercises the same
# hooks. Needs root and build/ksbpf.
# shellcheck disable=SC2016,SC2119
# (SC2016: the single-quoted $$, $0 and $@ are the inner shell's; SC2119:
# lab_setup takes options, none needed here.)
set -u
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
lab_require_root
lab_require_ksbpf

CTR_NS=kse2e-x-$LAB_ID
CTR_H4=10.200.0.1
CTR_C4=10.200.0.2
CTR_NET4=10.200.0.0/24
CTR_H6=fd20::1
CTR_C6=fd20::2
CTR_NET6=fd20::/64
CTR_NAT=none

ctr_cleanup() {
	local rc=$? pid
	set +e
	for pid in $LAB_PIDS; do kill -9 "$pid" 2>/dev/null; done
	if [ -e "/run/netns/$CTR_NS" ]; then
		for pid in $(ip netns pids "$CTR_NS" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip netns del "$CTR_NS" 2>/dev/null
	fi
	(exit "$rc")
	lab_cleanup
}
trap ctr_cleanup EXIT
trap 'LAB_SIGNAL=130 ctr_cleanup' INT
trap 'LAB_SIGNAL=143 ctr_cleanup' TERM

in_ctr() { nsenter --net="/run/netns/$CTR_NS" "$@"; }

# ctr_sender NAME WHERE SEND-ARGS...: a sender in the container namespace;
# WHERE is ctr (the container alone) or ctrcg (the container's network
# namespace AND the lab's cgroup, where ksbpf's cgroup program is attached).
ctr_sender() {
	local name=$1 where=$2
	shift 2
	case $where in
	ctr) nsenter --net="/run/netns/$CTR_NS" \
		"${LAB_SEND[@]}" --tag "$name" "$@" >"$LAB_DIR/$name.out" 2>&1 & ;;
	ctrcg) nsenter --net="/run/netns/$CTR_NS" /bin/sh -c \
		'echo $$ > "$0/cgroup.procs" && exec "$@"' "$LAB_CG" \
		"${LAB_SEND[@]}" --tag "$name" "$@" >"$LAB_DIR/$name.out" 2>&1 & ;;
	*) lab_die "ctr_sender: where=$where" ;;
	esac
	LAB_SND_PID[$name]=$!
	lab_track "$!"
}

# sender_target NAME SPEC FIELD: FIELD of one target line.
sender_target() {
	awk -v s="$2" -v f="$3" '$1 == s { for (i = 2; i <= NF; i++) {
		split($i, kv, "="); if (kv[1] == f) v = kv[2] } }
		END { print v + 0 }' "$LAB_DIR/$1.out"
}

probes_port() {
	echo "udp4:$LAB_INET4:$1 icmp4:$LAB_INET4 udp6:[$LAB_INET6]:$1 icmp6:$LAB_INET6"
}
# sv0: the client's UDP to an internet address at PORT (NAT or not).
F_PORT() { echo "ether src $LAB_CMAC and udp and (dst host $LAB_INET4 or dst host $LAB_INET6) and dst port $1"; }
F_ECHO_REQ() { echo "ether src $LAB_CMAC and ((icmp and icmp[icmptype] == icmp-echo) or (icmp6 and ip6[40] == 128))"; }
# The server's tunnel end (raw IP).
F_WG_PORT() { echo "udp and (dst host $LAB_INET4 or dst host $LAB_INET6) and dst port $1"; }

N=10

ctr_setup() {
	ip netns add "$CTR_NS" || lab_die "netns add $CTR_NS"
	ip -n "$CTR_NS" link set lo up
	in_ctr sh -c 'echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad;
		echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad'
	ip -n "$LAB_NS_C" link add ctr0 type veth peer name ce0 netns "$CTR_NS" ||
		lab_die "veth ctr0/ce0"
	ip -n "$LAB_NS_C" addr add "$CTR_H4/24" dev ctr0
	ip -n "$LAB_NS_C" addr add "$CTR_H6/64" dev ctr0 nodad
	ip -n "$CTR_NS" addr add "$CTR_C4/24" dev ce0
	ip -n "$CTR_NS" addr add "$CTR_C6/64" dev ce0 nodad
	ip -n "$LAB_NS_C" link set ctr0 up
	ip -n "$CTR_NS" link set ce0 up
	ip -n "$CTR_NS" route add default via "$CTR_H4" dev ce0
	ip -n "$CTR_NS" -6 route add default via "$CTR_H6" dev ce0
	in_client sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward;
		echo 1 > /proc/sys/net/ipv6/conf/all/forwarding' ||
		lab_die "cannot enable forwarding in $LAB_NS_C"
	# NAT out of the client (toward the tunnel and the uplink), if a tool is
	# installed; the return routes below are harmless with NAT.
	if [ "${KSBPF_E2E_NAT:-auto}" = none ]; then
		:
	elif command -v nft >/dev/null 2>&1; then
		in_client nft -f - <<EOF || lab_die "nft masquerade"
table inet kse2e_nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname != "ctr0" ip saddr $CTR_NET4 masquerade
		oifname != "ctr0" ip6 saddr $CTR_NET6 masquerade
	}
}
EOF
		CTR_NAT=nft
	elif command -v iptables >/dev/null 2>&1 && command -v ip6tables >/dev/null 2>&1; then
		if ! in_client iptables -t nat -A POSTROUTING -s "$CTR_NET4" ! -o ctr0 -j MASQUERADE ||
			! in_client ip6tables -t nat -A POSTROUTING -s "$CTR_NET6" ! -o ctr0 -j MASQUERADE; then
			lab_die "iptables masquerade"
		fi
		CTR_NAT=iptables
	fi
	# Without NAT the container's own addresses travel: the server's WireGuard
	# must accept them from the client and route replies back to it.
	in_server wg set "$LAB_WG_S" peer "$(cat "$LAB_DIR/c.pub")" \
		allowed-ips "$LAB_TC4/32,$LAB_TC6/128,$CTR_NET4,$CTR_NET6" ||
		lab_die "wg set $LAB_WG_S allowed-ips"
	ip -n "$LAB_NS_S" route add "$CTR_NET4" dev "$LAB_WG_S" || lab_die "server route $CTR_NET4"
	ip -n "$LAB_NS_S" -6 route add "$CTR_NET6" dev "$LAB_WG_S" || lab_die "server route $CTR_NET6"
}

lab_setup
trap 'LAB_SIGNAL=130 ctr_cleanup' INT	# lab_setup set its own
trap 'LAB_SIGNAL=143 ctr_cleanup' TERM
ctr_setup
lab_log "container $CTR_NS: $CTR_C4 $CTR_C6 behind ctr0; NAT: $CTR_NAT"
[ "$CTR_NAT" = none ] && info "no NAT (nft/iptables not installed, or KSBPF_E2E_NAT=none): routed container"
lab_tunnel_up || exit 1

# Local targets of the container: itself, the host side, its loopback.
LOCAL_TARGETS="icmp4:$CTR_C4 icmp6:$CTR_C6 icmp4:$CTR_H4 icmp6:$CTR_H6 icmp4:127.0.0.1"

lab_step "ksbpf load without --lan for the container: TC on ctr0 drops replies to it"
if ! ks_load >"$LAB_DIR/load1.out" 2>&1; then
	fail "ksbpf load failed:"
	sed 's/^/          | /' "$LAB_DIR/load1.out"
	exit 1
fi
pass "ksbpf load exit 0"
S=$LAB_DIR/status1.json
ks_status_json "$S"
check_eq "status exit code" "$?" 0
check_eq "uplink ctr0 (host side of the container veth) attached" \
	"$(js "$S" "[u['attached'] for u in d['uplinks'] if u['name']=='ctr0'] == [True]")" 1
nr0=$(counter "$S" tc_egress no_route)
ctr_sender h1 ctr --count 5 --interval 0.03 "icmp4:$CTR_H4" "icmp6:$CTR_H6"
sender_wait h1
sender_show h1
check_zero "container -> host side: echo replies (dropped on ctr0)" "$(sender_get h1 all replies)"
ks_status_json "$S"
check_ge "tc_egress/no_route grew by the replies dropped on ctr0" \
	"$(($(counter "$S" tc_egress no_route) - nr0))" 10

lab_step "ksbpf load --lan $CTR_NET4 --lan $CTR_NET6"
ks_load --lan "$CTR_NET4" --lan "$CTR_NET6" >"$LAB_DIR/load2.out" 2>&1
check_eq "ksbpf load --lan (exit)" "$?" 0
ks_status_json "$S"
check_eq "status: state" "$(js "$S" "d['state']")" protected
check_eq "status: lan" "$(js "$S" "sorted(d['lan'])")" "[\"$CTR_NET4\", \"$CTR_NET6\"]"
check_eq "status: nothing unguarded" "$(js "$S" "d.get('unguarded', [])")" "[]"

lab_step "tunnel up: the container's traffic goes through the tunnel"
ks_status_json "$S"
on0=$(counter "$S" cgroup_egress other_netns)
cap_start u-sv0 "$LAB_NS_S" sv0
cap_start u-wg "$LAB_NS_S" "$LAB_WG_S"
# shellcheck disable=SC2046
{
ctr_sender u-ctr ctr --count $N --interval 0.03 $(probes_port 42001)
ctr_sender u-ctrcg ctrcg --count $N --interval 0.03 $(probes_port 42002)
}
sender_wait u-ctr u-ctrcg
cap_stop u-sv0 u-wg
sender_show u-ctr
sender_show u-ctrcg
for s in ctr:42001 ctrcg:42002; do
	n=${s%%:*} p=${s#*:}
	check_zero "[$n] EPERM" "$(sender_get "u-$n" all eperm)"
	check_nonzero "[$n] ICMPv4 replies through the tunnel" "$(sender_get "u-$n" icmp4 replies)"
	check_nonzero "[$n] ICMPv6 replies through the tunnel" "$(sender_get "u-$n" icmp6 replies)"
	check_eq "[$n] UDP v4+v6 at the server's tunnel end" "$(cap_count u-wg "$(F_WG_PORT "$p")")" $((2 * N))
	check_zero "sv0: [$n] UDP in the clear" "$(cap_count u-sv0 "$(F_PORT "$p")")"
done
if [ "$CTR_NAT" = none ]; then src4=$CTR_C4 src6=$CTR_C6; else src4=$LAB_TC4 src6=$LAB_TC6; fi
check_eq "UDP at the server's tunnel end from $src4/$src6 (NAT: $CTR_NAT)" \
	"$(cap_count u-wg "udp and (src host $src4 or src host $src6) and dst portrange 42001-42002")" $((4 * N))
check_zero "sv0: ICMP echo requests in the clear" "$(cap_count u-sv0 "$(F_ECHO_REQ)")"
n=$(cap_count u-sv0 "$(F_LEAK)")
check_zero "sv0: leaked packets (not endpoint, not ARP/ND)" "$n"
[ "$n" = 0 ] || cap_show u-sv0 "$(F_LEAK)"
check_nonzero "sv0: WireGuard to the endpoint (the tunnel carried it)" "$(cap_count u-sv0 "$(F_ENDPOINT)")"
ks_status_json "$S"
check_ge "cgroup_egress/other_netns grew (container socket in the lab cgroup)" \
	"$(($(counter "$S" cgroup_egress other_netns) - on0))" $((4 * N))

lab_step "tunnel down: none of the container's traffic reaches the uplink wire"
lab_tunnel_kill
check "forwarded container traffic now routed to up0" sh -c \
	"ip -n $LAB_NS_C route get $LAB_INET4 from $CTR_C4 iif ctr0 | grep -q 'dev up0' &&
	 ip -n $LAB_NS_C -6 route get $LAB_INET6 from $CTR_C6 iif ctr0 | grep -q 'dev up0'"
ks_status_json "$S"
on0=$(counter "$S" cgroup_egress other_netns)
nr0=$(counter "$S" tc_egress no_route)
cap_start d-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
{
ctr_sender d-ctr ctr --count $N --interval 0.03 $(probes_port 42003) "tcp4:$LAB_INET4:42013" "tcp6:[$LAB_INET6]:42013"
ctr_sender d-ctrcg ctrcg --count $N --interval 0.03 $(probes_port 42004) "tcp4:$LAB_INET4:42014" "tcp6:[$LAB_INET6]:42014"
}
sender_wait d-ctr d-ctrcg
cap_stop d-sv0
sender_show d-ctr
sender_show d-ctrcg
for s in ctr:42003 ctrcg:42004; do
	n=${s%%:*} p=${s#*:}
	check_zero "[$n] EPERM (forwarded: judged at the uplink, silently)" "$(sender_get "d-$n" all eperm)"
	check_zero "[$n] replies" "$(sender_get "d-$n" all replies)"
	check_zero "sv0: [$n] UDP" "$(cap_count d-sv0 "$(F_PORT "$p")")"
done
check_zero "sv0: TCP SYNs to the internet addresses" \
	"$(cap_count d-sv0 "ether src $LAB_CMAC and tcp and (dst host $LAB_INET4 or dst host $LAB_INET6)")"
check_zero "sv0: ICMP echo requests" "$(cap_count d-sv0 "$(F_ECHO_REQ)")"
n=$(cap_count d-sv0 "$(F_LEAK)")
check_zero "sv0: leaked packets (not endpoint, not ARP/ND)" "$n"
[ "$n" = 0 ] || cap_show d-sv0 "$(F_LEAK)"
ks_status_json "$S"
check_ge "cgroup_egress/other_netns grew (the container socket in the lab cgroup)" \
	"$(($(counter "$S" cgroup_egress other_netns) - on0))" $((4 * N))
check_ge "tc_egress/no_route grew (both senders' UDP+ICMP held at up0)" \
	"$(($(counter "$S" tc_egress no_route) - nr0))" $((2 * 4 * N))

lab_step "the container's local traffic keeps working (socket in the lab cgroup)"
ks_status_json "$S"
on0=$(counter "$S" cgroup_egress other_netns)
# shellcheck disable=SC2086
ctr_sender l-ctrcg ctrcg --count 5 --interval 0.03 $LOCAL_TARGETS "udp4:$CTR_H4:42020" "udp6:[$CTR_H6]:42020"
sender_wait l-ctrcg
sender_show l-ctrcg
for t in $LOCAL_TARGETS; do
	check_nonzero "[ctrcg] replies from ${t#*:}" "$(sender_target l-ctrcg "$t" replies)"
done
check_zero "[ctrcg] EPERM" "$(sender_get l-ctrcg all eperm)"
check_eq "[ctrcg] UDP to the host side accepted by the kernel" \
	"$(($(sender_get l-ctrcg udp4 sent) + $(sender_get l-ctrcg udp6 sent)))" 10
ks_status_json "$S"
check_ge "cgroup_egress/other_netns grew by the local traffic" \
	"$(($(counter "$S" cgroup_egress other_netns) - on0))" 20

lab_step "positive control: ksbpf unload, the container's traffic reaches sv0"
ks unload >"$LAB_DIR/unload.out" 2>&1
check_eq "ksbpf unload (exit)" "$?" 0
cap_start f-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
{
ctr_sender f-ctr ctr --count $N --interval 0.03 $(probes_port 42003) "tcp4:$LAB_INET4:42013" "tcp6:[$LAB_INET6]:42013"
ctr_sender f-ctrcg ctrcg --count $N --interval 0.03 $(probes_port 42004) "tcp4:$LAB_INET4:42014" "tcp6:[$LAB_INET6]:42014"
}
sender_wait f-ctr f-ctrcg
cap_stop f-sv0
for s in ctr:42003 ctrcg:42004; do
	n=${s%%:*} p=${s#*:}
	check_eq "sv0 after unload: [$n] UDP v4+v6" "$(cap_count f-sv0 "$(F_PORT "$p")")" $((2 * N))
done
check_nonzero "sv0 after unload: TCP SYNs" \
	"$(cap_count f-sv0 "ether src $LAB_CMAC and tcp and (dst host $LAB_INET4 or dst host $LAB_INET6)")"
check_nonzero "sv0 after unload: ICMP echo requests" "$(cap_count f-sv0 "$(F_ECHO_REQ)")"
check_nonzero "sv0 after unload: F_LEAK" "$(cap_count f-sv0 "$(F_LEAK)")"

lab_finish
