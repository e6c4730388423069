#!/bin/bash
# Scenario 10: forwarded traffic from a container namespace while the
# tunnel goes down (the setup of tests/e2e/test_container.sh): a "container"
# namespace behind ctr0 (10.200.0.0/24, fd20::/64), the client forwarding
# for it with nftables masquerade when nft is installed; ksbpf loaded with
# --lan for the container subnets (the documented container-host setup).
# Container senders — UDP, TCP, ICMP, IPv4 and IPv6, from the container
# alone and from a container socket placed in the lab cgroup — run while
# wireguard-go is SIGKILLed and after: before the kill their traffic goes
# through the tunnel, after it the forwarding path leads to up0 and TC there
# must drop all of it. Positive control: after `ksbpf unload` it reaches sv0.
# shellcheck disable=SC2016
set -u
# shellcheck source=tests/adversarial/lib.sh
. "$(dirname "$0")/../lib.sh"
lab_require_root
lab_require_ksbpf

CTR_NS=kse2e-x-$LAB_ID
CTR_H4=10.200.0.1 CTR_C4=10.200.0.2 CTR_NET4=10.200.0.0/24
CTR_H6=fd20::1 CTR_C6=fd20::2 CTR_NET6=fd20::/64
CTR_NAT=none

ctr_cleanup() {
	local rc=$? pid
	set +e
	for pid in $LAB_PIDS; do kill -9 "$pid" 2>/dev/null; done
	if [ -e "/run/netns/$CTR_NS" ]; then
		for pid in $(ip netns pids "$CTR_NS" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
		ip netns del "$CTR_NS" 2>/dev/null
	fi
	(exit "$rc")
	lab_cleanup
}
trap ctr_cleanup EXIT

ctr_sender() {	# NAME ctr|ctrcg SEND-ARGS...
	local name=$1 where=$2
	shift 2
	case $where in
	ctr) nsenter --net="/run/netns/$CTR_NS" \
		"${LAB_SEND[@]}" --tag "$name" "$@" >"$LAB_DIR/$name.out" 2>&1 & ;;
	ctrcg) nsenter --net="/run/netns/$CTR_NS" /bin/sh -c \
		'echo $$ > "$0/cgroup.procs" && exec "$@"' "$LAB_CG" \
		"${LAB_SEND[@]}" --tag "$name" "$@" >"$LAB_DIR/$name.out" 2>&1 & ;;
	esac
	LAB_SND_PID[$name]=$!
	lab_track "$!"
}

lab_setup
trap 'LAB_SIGNAL=130 ctr_cleanup' INT
trap 'LAB_SIGNAL=143 ctr_cleanup' TERM

ip netns add "$CTR_NS" || lab_die "netns add $CTR_NS"
ip -n "$CTR_NS" link set lo up
nsenter --net="/run/netns/$CTR_NS" sh -c 'echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad;
	echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad'
ip -n "$LAB_NS_C" link add ctr0 type veth peer name ce0 netns "$CTR_NS" || lab_die "veth ctr0/ce0"
ip -n "$LAB_NS_C" addr add "$CTR_H4/24" dev ctr0
ip -n "$LAB_NS_C" addr add "$CTR_H6/64" dev ctr0 nodad
ip -n "$CTR_NS" addr add "$CTR_C4/24" dev ce0
ip -n "$CTR_NS" addr add "$CTR_C6/64" dev ce0 nodad
ip -n "$LAB_NS_C" link set ctr0 up
ip -n "$CTR_NS" link set ce0 up
ip -n "$CTR_NS" route add default via "$CTR_H4" dev ce0
ip -n "$CTR_NS" -6 route add default via "$CTR_H6" dev ce0
in_client sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward; echo 1 > /proc/sys/net/ipv6/conf/all/forwarding' ||
	lab_die "forwarding"
if command -v nft >/dev/null; then
	in_client nft -f - <<EOF || lab_die "nft masquerade"
table inet adv_nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname != "ctr0" ip saddr $CTR_NET4 masquerade
		oifname != "ctr0" ip6 saddr $CTR_NET6 masquerade
	}
}
EOF
	CTR_NAT=nft
fi
# Without NAT the container's own addresses travel through the tunnel.
in_server wg set "$LAB_WG_S" peer "$(cat "$LAB_DIR/c.pub")" \
	allowed-ips "$LAB_TC4/32,$LAB_TC6/128,$CTR_NET4,$CTR_NET6" || lab_die "wg allowed-ips"
ip -n "$LAB_NS_S" route add "$CTR_NET4" dev "$LAB_WG_S"
ip -n "$LAB_NS_S" -6 route add "$CTR_NET6" dev "$LAB_WG_S"
lab_tunnel_up || exit 1
adv_load --lan "$CTR_NET4" --lan "$CTR_NET6"
check_eq "status" "$(adv_status)" 0

probes() { echo "udp4:$LAB_INET4:$1 udp6:[$LAB_INET6]:$1 tcp4:$LAB_INET4:$(($1 + 1)) tcp6:[$LAB_INET6]:$(($1 + 1)) icmp4:$LAB_INET4 icmp6:$LAB_INET6"; }
run() {	# PREFIX SECONDS [KILL_AT]
	cap_start "$1" "$LAB_NS_S" sv0
	cap_start "$1-wg" "$LAB_NS_S" "$LAB_WG_S" 2>/dev/null || true
	# shellcheck disable=SC2046
	{
	ctr_sender "$1-ctr" ctr --duration "$2" --count 1000000 --interval 0.01 $(probes 40140)
	ctr_sender "$1-ctrcg" ctrcg --duration "$2" --count 1000000 --interval 0.01 $(probes 40150)
	}
	if [ -n "${3:-}" ]; then
		sleep "$3"
		lab_tunnel_kill
		lab_log "wireguard-go SIGKILLed"
	fi
	sender_wait "$1-ctr" "$1-ctrcg"
	cap_stop "$1" "$1-wg"
	sender_show "$1-ctr"
}

lab_step "container senders; the tunnel is killed under them"
F0=$LAB_FAILS
run k 4 1.5
check "forwarded container traffic now routed to up0" sh -c \
	"ip -n $LAB_NS_C route get $LAB_INET4 from $CTR_C4 iif ctr0 | grep -q 'dev up0'"
check_nonzero "[ctr] replies through the tunnel before the kill" "$(sender_get k-ctr all replies)"
check_nonzero "[ctrcg] replies through the tunnel before the kill" "$(sender_get k-ctrcg all replies)"
check_nonzero "container UDP at the server's tunnel end before the kill" \
	"$(cap_count k-wg "udp and dst portrange 40140-40150")"
check_zero "[ctrcg] EPERM (another netns: judged at the uplink, silently)" "$(sender_get k-ctrcg all eperm)"
LEAK=$(adv_leaks k)
[ "$LEAK" = 0 ] || adv_leak_detail k
check_zero "leaked on sv0" "$LEAK"
ATT=$(attempts k-ctr k-ctrcg)
K_F=$(adv_fails_since "$F0")

lab_step "positive control: ksbpf unload"
F0=$LAB_FAILS
ks unload >/dev/null 2>&1
run c 1
C=$(adv_leaks c)
C_CTR=$(cap_count c "not ether src $LAB_SMAC and udp and dst portrange 40140-40141")
C_CG=$(cap_count c "not ether src $LAB_SMAC and udp and dst portrange 40150-40151")
check_nonzero "control: [ctr] UDP on sv0 after unload" "$C_CTR"
check_nonzero "control: [ctrcg] UDP on sv0 after unload" "$C_CG"
C_F=$(adv_fails_since "$F0")

adv_row s10-container-forwarded-tunnel-down "$ATT" "$LEAK" "$(adv_verdict "$LEAK" "$K_F" "$C_F")" \
	"forwarded from a container netns (NAT: $CTR_NAT), UDP/TCP/ICMP v4+v6, SIGKILL of the tunnel at 1.5s of 4s; control after unload: $C leaked"
adv_finish
