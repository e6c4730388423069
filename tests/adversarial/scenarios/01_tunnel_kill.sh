#!/bin/bash
# Scenario 1: the tunnel is killed (wireguard-go SIGKILL) under a continuous
# multi-flow sender: UDP (several ports), TCP connects, ICMP echo, IPv4 and
# IPv6, from the lab cgroup (cg), from a process of the client namespace
# outside it (ns: only TC can stop it), whole frames on an AF_PACKET socket,
# and established TCP streams (cg and ns) that keep writing through the kill
# (their retransmissions fall back to the uplink with the tunnel's source
# address). Before the kill everything flows through the tunnel.
# Positive control: after `ksbpf unload` the same senders leak on sv0.
set -u
# shellcheck source=tests/adversarial/lib.sh
. "$(dirname "$0")/../lib.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf

lab_setup
adv_tool
lab_tunnel_up || exit 1
adv_load

SPORT=5001
adv_start sink server --duration-ms 60000 sink $SPORT "$LAB_INET4" "$LAB_INET6"
wait_for 5 grep -q "sink listening" "$LAB_DIR/sink.out" || { fail "TCP sink did not start"; exit 1; }

# probes PORT-BASE: UDP to two ports, TCP connects, ICMP echo, v4 + v6, and
# UDP from an IPv6 socket to the IPv4-mapped address (an IPv4 packet).
probes() {
	echo "udp4:$LAB_INET4:$1 udp4:$LAB_INET4:$(($1 + 1)) udp6:[$LAB_INET6]:$1" \
		"udp6:[$LAB_INET6]:$(($1 + 1)) tcp4:$LAB_INET4:$(($1 + 2)) tcp6:[$LAB_INET6]:$(($1 + 2))" \
		"icmp4:$LAB_INET4 icmp6:$LAB_INET6 udp6:[::ffff:$LAB_INET4]:$(($1 + 3))"
}
STREAMS="tcp4:$LAB_INET4:$SPORT tcp4:$LAB_INET4:$SPORT tcp6:[$LAB_INET6]:$SPORT tcp6:[$LAB_INET6]:$SPORT"

# run PREFIX SECONDS KILL_AT: all senders for SECONDS; kill the tunnel at
# KILL_AT seconds (empty: no kill).
run() {
	local p=$1 secs=$2 kill_at=$3 ms=$(($2 * 1000))
	cap_start "$p-sv0" "$LAB_NS_S" sv0
	cap_start "$p-wg" "$LAB_NS_S" "$LAB_WG_S" 2>/dev/null || true
	# shellcheck disable=SC2086
	{
	adv_start "$p-st-cg" cg --duration-ms $ms --count 1000000 --interval-ms 10 stream $STREAMS
	adv_start "$p-st-ns" ns --duration-ms $ms --count 1000000 --interval-ms 10 stream $STREAMS
	}
	wait_for 5 grep -q "streams connected" "$LAB_DIR/$p-st-cg.out"
	wait_for 5 grep -q "streams connected" "$LAB_DIR/$p-st-ns.out"
	# shellcheck disable=SC2046
	{
	sender_start "$p-cg" cg --duration "$secs" --count 1000000 --interval 0.01 $(probes 40010)
	sender_start "$p-ns" ns --duration "$secs" --count 1000000 --interval 0.01 $(probes 40020)
	sender_start "$p-afp" ns --duration "$secs" --count 1000000 --interval 0.01 $(probes_afp)
	}
	if [ -n "$kill_at" ]; then
		sleep "$kill_at"
		lab_tunnel_kill
		lab_log "wireguard-go SIGKILLed under load"
	fi
	sender_wait "$p-cg" "$p-ns" "$p-afp" "$p-st-cg" "$p-st-ns"
	cap_stop "$p-sv0" "$p-wg"
	for s in "$p-cg" "$p-ns" "$p-afp" "$p-st-cg" "$p-st-ns"; do sender_show "$s"; done
}

lab_step "scenario 1: SIGKILL of wireguard-go under continuous multi-flow senders"
adv_row_begin
run k 4 1.5
check "tunnel interface gone" sh -c "! ip -n $LAB_NS_C link show $LAB_WG_C 2>/dev/null"
check "fallback route via up0 in use" sh -c "ip -n $LAB_NS_C route get $LAB_INET4 | grep -q 'dev up0'"
check_nonzero "[cg] ICMP replies through the tunnel before the kill" "$(sender_get k-cg icmp4 replies)"
check_nonzero "[ns] ICMP replies through the tunnel before the kill" "$(sender_get k-ns icmp6 replies)"
check_nonzero "[cg] EPERM after the kill" "$(sender_get k-cg all eperm)"
check_nonzero "TCP stream data at the server's tunnel end before the kill" \
	"$(cap_count k-wg "tcp and dst port $SPORT and greater 400")"
check_nonzero "stream writes accepted (cg)" "$(sender_get k-st-cg all sent)"
check_nonzero "stream writes accepted (ns)" "$(sender_get k-st-ns all sent)"
check_nonzero "AF_PACKET frames handed to up0 (sent + ENOBUFS)" \
	"$(($(sender_get k-afp all sent) + $(sender_get k-afp all err)))"
LEAKED=$(adv_leaks k-sv0)
check_zero "leaked on sv0" "$LEAKED"
[ "$LEAKED" = 0 ] || adv_leak_detail k-sv0
STREAM_LEAK=$(cap_count k-sv0 "not ether src $LAB_SMAC and tcp and dst port $SPORT")
ATT=$(attempts k-cg k-ns k-afp k-st-cg k-st-ns)

lab_step "positive control: ksbpf unload, the same senders (tunnel still dead)"
ks unload >"$LAB_DIR/unload.out" 2>&1
check_eq "unload exit code" "$?" 0
run c 2 ""
C_ALL=$(adv_leaks c-sv0)
C_CG=$(cap_count c-sv0 "not ether src $LAB_SMAC and udp and dst portrange 40010-40013")
C_NS=$(cap_count c-sv0 "not ether src $LAB_SMAC and udp and dst portrange 40020-40023")
C_MAP=$(cap_count c-sv0 "not ether src $LAB_SMAC and ip and udp and (dst port 40013 or dst port 40023)")
C_AFP=$(cap_count c-sv0 "not ether src $LAB_SMAC and udp and dst port 40001")
C_TCP=$(cap_count c-sv0 "not ether src $LAB_SMAC and tcp and tcp[tcpflags] & tcp-syn != 0")
for v in C_CG C_NS C_AFP C_TCP C_MAP; do check_nonzero "control: $v on sv0 after unload" "${!v}"; done

adv_row s1-tunnel-kill-v4v6-udp-tcp-icmp "$ATT" "$LEAKED" \
	"SIGKILL at 1.5s of 4s; cg+ns+AF_PACKET senders, UDP to ::ffff:v4, 8 TCP streams (stream leak $STREAM_LEAK);" \
	"control after unload: $C_ALL leaked (cg $C_CG, ns $C_NS, afp $C_AFP, tcp syn $C_TCP, v4-mapped $C_MAP)"
adv_finish
