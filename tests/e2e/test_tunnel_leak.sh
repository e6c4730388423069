#!/bin/bash
# e2e: traffic flows through the tunnel; nothing but WireGuard reaches the
# uplink wire; SIGKILL of wireguard-go leaks nothing (IPv4 and IPv6, UDP,
# ICMP and TCP, from the test cgroup and from a process outside it that only
# the TC program can stop, plus whole frames on an AF_PACKET socket); `ksbpf unload` brings the leak back (positive
# control: the same counters that read 0 while loaded read > 0).
# Covers (a) (b) (c) (f) (g). Needs root and build/ksbpf.
set -u
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf

lab_setup
lab_step "lab up, tunnel up (no ksbpf yet)"
lab_tunnel_up || exit 1
pass "WireGuard handshake through $LAB_WG_C"

# --------------------------------------------------------------------- load
lab_step "ksbpf load --tunnel $LAB_WG_C --endpoint $LAB_EP_SPEC"
if ! ks_load >"$LAB_DIR/load.out" 2>&1; then
	fail "ksbpf load failed:"
	sed 's/^/          | /' "$LAB_DIR/load.out"
	exit 1
fi
pass "ksbpf load exit 0"
S=$LAB_DIR/status1.json
ks_status_json "$S"
check_eq "status exit code (tunnel up)" "$?" 0
check_eq "status state" "$(js "$S" "d['state']")" protected
check_eq "tunnel $LAB_WG_C known and active" \
	"$(js "$S" "[(t['up'], t['active']) for t in d['tunnels'] if t['name']=='$LAB_WG_C'] == [(True, True)]")" 1
check_eq "uplink up0 attached" \
	"$(js "$S" "[u['attached'] for u in d['uplinks'] if u['name']=='up0'] == [True]")" 1
check_eq "no uplink entry for lo or the tunnel" \
	"$(js "$S" "[u['name'] for u in d['uplinks'] if u['name'] in ('lo','$LAB_WG_C')]")" "[]"
check_eq "endpoint listed" "$(js "$S" "len(d['endpoints']) >= 1")" 1
cgp=$(lab_cg_progs)
check "a program is attached to the test cgroup ($(echo "$cgp" | head -1))" [ -n "$cgp" ]
rootp=$(bpftool -j cgroup show "$LAB_CG2" 2>/dev/null)
ours=0
for id in $(echo "$cgp" | awk '{print $1}'); do
	echo "$rootp" | grep -q "\"id\":$id[,}]" && ours=1
done
check_zero "ksbpf programs attached to the cgroup v2 root" "$ours"

# ---------------------------------------------------------- (a) (b) tunnel up
lab_step "(a)(b) tunnel up: probes go through the tunnel, only WireGuard on the wire"
cap_start a-sv0 "$LAB_NS_S" sv0
cap_start a-wg "$LAB_NS_S" "$LAB_WG_S"
# shellcheck disable=SC2046
sender_start a-cg cg --count 20 --interval 0.05 $(probes_inet)
# shellcheck disable=SC2046
sender_start a-ns ns --count 20 --interval 0.05 $(probes_inet)
# shellcheck disable=SC2046
sender_start a-afp ns --count 20 --interval 0.05 $(probes_afp)
sender_wait a-cg a-ns a-afp
cap_stop a-sv0 a-wg
sender_show a-cg
sender_show a-ns
for who in cg ns; do
	check_eq "[$who] no EPERM through the tunnel" "$(sender_get "a-$who" all eperm)" 0
	check_nonzero "[$who] ICMPv4 echo replies via the tunnel" "$(sender_get "a-$who" icmp4 replies)"
	check_nonzero "[$who] ICMPv6 echo replies via the tunnel" "$(sender_get "a-$who" icmp6 replies)"
done
check_eq "UDPv4 probes arriving on the server's tunnel end" \
	"$(cap_count a-wg "udp and dst host $LAB_INET4 and dst port 40000")" 40
check_eq "UDPv6 probes arriving on the server's tunnel end" \
	"$(cap_count a-wg "udp and dst host $LAB_INET6 and dst port 40000")" 40
# (a TC drop shows up as ENOBUFS on an AF_PACKET socket)
check_eq "AF_PACKET frames handed to up0, v4+v6 (sent + ENOBUFS)" \
	"$(($(sender_get a-afp all sent) + $(sender_get a-afp all err)))" 40
check_zero "AF_PACKET frames on sv0 (only TC sees them)" \
	"$(cap_count a-sv0 "ether src $LAB_CMAC and udp and dst port 40001")"
check_nonzero "WireGuard packets to the endpoint on sv0" "$(cap_count a-sv0 "$(F_ENDPOINT)")"
n=$(cap_count a-sv0 "$(F_LEAK)")
check_zero "leaked packets on sv0 (not endpoint, not ARP/ND)" "$n"
[ "$n" = 0 ] || cap_show a-sv0 "$(F_LEAK)"

# ------------------------------------------------------- (c) SIGKILL tunnel
lab_step "(c) SIGKILL wireguard-go while senders run (IPv4+IPv6, UDP+ICMP)"
cap_start c-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
sender_start c-cg cg --duration 6 --count 100000 --interval 0.02 $(probes_inet)
# shellcheck disable=SC2046
sender_start c-ns ns --duration 6 --count 100000 --interval 0.02 $(probes_inet)
# Killed once the senders' packets go through the tunnel (seen on the wire,
# not guessed: an emulated guest takes seconds to start them).
for _ in $(seq 100); do
	[ "$(cap_count c-sv0 "$(F_ENDPOINT)")" -ge 20 ] && break
	sleep 0.2
done
sleep 0.5
lab_tunnel_kill
lab_log "wireguard-go killed; $LAB_WG_C present: $(lab_tunnel_present && echo yes || echo no)"
check "client tunnel interface gone" sh -c "! ip -n $LAB_NS_C link show $LAB_WG_C 2>/dev/null"
check "fallback default route via up0 now in use" sh -c \
	"ip -n $LAB_NS_C route get $LAB_INET4 | grep -q 'dev up0'"
sender_wait c-cg c-ns
sender_show c-cg
sender_show c-ns
check_nonzero "[cg] replies before the kill" "$(sender_get c-cg all replies)"
check_nonzero "[cg] EPERM after the kill" "$(sender_get c-cg all eperm)"
check_nonzero "[ns] replies before the kill" "$(sender_get c-ns all replies)"

lab_step "(c) tunnel dead: steady state"
# shellcheck disable=SC2046
sender_start d-cg cg --count 25 --interval 0.04 $(probes_inet) \
	"tcp4:$LAB_INET4:80" "tcp6:[$LAB_INET6]:80"
# shellcheck disable=SC2046
sender_start d-ns ns --count 25 --interval 0.04 $(probes_inet) \
	"tcp4:$LAB_INET4:80" "tcp6:[$LAB_INET6]:80"
# shellcheck disable=SC2046
sender_start d-afp ns --count 25 --interval 0.04 $(probes_afp)
sender_wait d-cg d-ns d-afp
cap_stop c-sv0
sender_show d-cg
sender_show d-ns
n=0
for k in udp4 udp6 icmp4 icmp6; do n=$((n + $(sender_get d-cg $k sent))); done
check_zero "[cg] UDP/ICMP datagrams the kernel accepted (all must be EPERM)" "$n"
check_eq "[cg] EPERM for every UDP/ICMP probe" "$(sender_get d-cg all eperm)" 100
# connect() does not report a dropped SYN (tcp_connect ignores the
# transmit error): the wire check below is what counts for TCP.
check_zero "[ns] echo replies (TC must drop silently)" "$(sender_get d-ns all replies)"
for f in F_LEAK F_LEAK_UDP4 F_LEAK_ICMP4 F_LEAK_UDP6 F_LEAK_ICMP6; do
	n=$(cap_count c-sv0 "$($f)")
	check_zero "sv0 ${f#F_} during and after the kill" "$n"
	[ "$n" = 0 ] || cap_show c-sv0 "$($f)"
done
check_zero "sv0 AF_PACKET frames (UDP port 40001)" \
	"$(cap_count c-sv0 "ether src $LAB_CMAC and udp and dst port 40001")"
check_zero "sv0 TCP SYNs to the internet addresses" \
	"$(cap_count c-sv0 "ether src $LAB_CMAC and tcp and (dst host $LAB_INET4 or dst host $LAB_INET6)")"

S=$LAB_DIR/status2.json
ks_status_json "$S"
rc=$?
info "status with the tunnel gone: exit $rc, state $(js "$S" "d['state']"), tunnels $(js "$S" "d['tunnels']")"
check "status still reports enforcement (exit 0 or 4)" test "$rc" = 0 -o "$rc" = 4
check "state is not not_loaded" [ "$(js "$S" "d['state']")" != not_loaded ]
check_nonzero "counter cgroup_egress/no_route" "$(counter "$S" cgroup_egress no_route)"
check_nonzero "counter tc_egress/no_route (the process outside the cgroup)" \
	"$(counter "$S" tc_egress no_route)"
check_nonzero "counter cgroup_egress/tunnel (earlier tunnel traffic)" "$(counter "$S" cgroup_egress tunnel)"
check_nonzero "counter tc_egress/endpoint (WireGuard)" "$(counter "$S" tc_egress endpoint)"

# ------------------------------------------------------------- (f) unload
lab_step "(f) ksbpf unload: the fallback route leaks again (positive control)"
ks unload >"$LAB_DIR/unload.out" 2>&1
check_eq "ksbpf unload exit code" "$?" 0
S=$LAB_DIR/status3.json
ks_status_json "$S"
check_eq "status exit code after unload" "$?" 3
check_eq "status state after unload" "$(js "$S" "d['state']")" not_loaded
check_eq "programs left on the test cgroup" "$(lab_cg_progs | wc -l)" 0
check "pin directory removed" [ ! -e "$LAB_BPFFS" ]
check_eq "clsact/tc filters left on up0" "$(in_client tc filter show dev up0 egress 2>/dev/null | wc -l)" 0
cap_start f-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
sender_start f-cg cg --count 10 --interval 0.05 $(probes_inet)
# shellcheck disable=SC2046
sender_start f-ns ns --count 10 --interval 0.05 $(probes_inet)
# shellcheck disable=SC2046
sender_start f-afp ns --count 10 --interval 0.05 $(probes_afp)
sender_wait f-cg f-ns f-afp
cap_stop f-sv0
check_zero "[cg] EPERM after unload" "$(sender_get f-cg all eperm)"
check_nonzero "[cg] echo replies over the clear uplink" "$(sender_get f-cg all replies)"
for f in F_LEAK F_LEAK_UDP4 F_LEAK_ICMP4 F_LEAK_UDP6 F_LEAK_ICMP6; do
	check_nonzero "sv0 ${f#F_} after unload (the test can see leaks)" "$(cap_count f-sv0 "$($f)")"
done
check_eq "sv0 AF_PACKET frames after unload" \
	"$(cap_count f-sv0 "ether src $LAB_CMAC and udp and dst port 40001")" 20

lab_finish
