#!/bin/bash
# Scenario 9: DNS and the endpoint exception. The lab has a LAN (lan0 <->
# lr0, 192.168.77.0/24, fd77::/64, its resolver at .1 / ::1); ksbpf is loaded
# with --allow-lan and --endpoint 192.0.2.1:51820/udp@0x5a (wg fwmark 0x5a,
# WireGuard's source port 51821), the tunnel is up.
#  a. DNS over UDP to the LAN resolver (v4, v6), from the lab cgroup and from
#     outside it: nothing on the LAN wire (lr0). Control: with --lan-dns
#     for that resolver the same queries reach lr0.
#  b. DNS over TCP (53 and 853) to the LAN resolver; then, with the tunnel
#     dead, UDP and TCP DNS (53, 853) to the internet addresses via the
#     uplink. Control: --lan-dns (LAN part), unload (uplink part).
#  c. traffic to the endpoint address on other ports and protocols (UDP
#     51999, TCP 51820 and 443, ICMP echo) and to the server's IPv6 address
#     on the endpoint port. Control: after unload they reach sv0.
#  d. UDP to the endpoint address and port without the fwmark, from the lab
#     cgroup and from outside it. Control: with the mark it passes.
#  e. with the tunnel dead and --allow-lan, traffic to the VPN's own inside
#     addresses (10.66.0.1, fd66::1: in the default LAN set) follows the
#     default route out of the uplink: DNS to them is dropped (row 7), the
#     rest is LAN by the policy (row 8) and is reported, not passed.
set -u
# shellcheck source=tests/adversarial/lib.sh
. "$(dirname "$0")/../lib.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf

MARK=0x5a
WGPORT_C=51821
lab_setup --lan
lab_tunnel_up || exit 1
in_client wg set "$LAB_WG_C" fwmark "$MARK" listen-port "$WGPORT_C" || { fail "wg fwmark"; exit 1; }
lab_tunnel_wait || exit 1
LAB_EP_SPEC="$LAB_S4:$LAB_WG_PORT/udp@$MARK"
adv_load --allow-lan
LMAC=$(ip -n "$LAB_NS_L" -o link show lr0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')

# What the client puts on the LAN wire, DNS to the resolver.
F_LDNS="not ether src $LMAC and ((udp and dst port 53) or (tcp and (dst port 53 or dst port 853))) and (dst host $LAB_LAN4 or dst host $LAB_LAN6)"
F_LOTHER="not ether src $LMAC and udp and dst port 9999"
# DNS on the uplink wire.
F_UDNS="not ether src $LAB_SMAC and ((udp and dst port 53) or (tcp and (dst port 53 or dst port 853)))"
# Anything to the server's own addresses but WireGuard's packets.
F_EPX="not ether src $LAB_SMAC and (dst host $LAB_S4 or dst host $LAB_S6) and not ($(ADV_F_ALLOWED)) and not (udp and src port $WGPORT_C)"
# UDP to the endpoint port that is not WireGuard's.
F_EPP="not ether src $LAB_SMAC and udp and dst host $LAB_S4 and dst port $LAB_WG_PORT and not src port $WGPORT_C"

UDP_LDNS="udp4:$LAB_LAN4:53 udp6:[$LAB_LAN6]:53"
TCP_LDNS="tcp4:$LAB_LAN4:53 tcp6:[$LAB_LAN6]:53 tcp4:$LAB_LAN4:853 tcp6:[$LAB_LAN6]:853"
# the VPN's own resolver (inside the default LAN set: 10/8, fc00::/7)
VPN_DNS="udp4:$LAB_TS4:53 udp6:[$LAB_TS6]:53 tcp4:$LAB_TS4:53 tcp6:[$LAB_TS6]:53"
VPN_OTHER="udp4:$LAB_TS4:9999 udp6:[$LAB_TS6]:9999"
INET_DNS="udp4:$LAB_INET4:53 udp6:[$LAB_INET6]:53 tcp4:$LAB_INET4:53 tcp6:[$LAB_INET6]:53 tcp4:$LAB_INET4:853 tcp6:[$LAB_INET6]:853"
EP_OTHER="udp4:$LAB_S4:51999 tcp4:$LAB_S4:$LAB_WG_PORT tcp4:$LAB_S4:443 icmp4:$LAB_S4 udp6:[$LAB_S6]:$LAB_WG_PORT tcp6:[$LAB_S6]:443"
EP_PORT="udp4:$LAB_S4:$LAB_WG_PORT"

# lan_phase NAME: LAN DNS (UDP, TCP) and other LAN traffic, cg and ns; sets
# UDNS_L TDNS_L OTHER_L (on lr0) and the attempts.
lan_phase() {
	cap_start "$1" "$LAB_NS_L" lr0
	# shellcheck disable=SC2086
	{
	sender_start "$1-ucg" cg --count 10 --interval 0.02 $UDP_LDNS
	sender_start "$1-uns" ns --count 10 --interval 0.02 $UDP_LDNS
	sender_start "$1-ocg" cg --count 10 --interval 0.02 "udp4:$LAB_LAN4:9999"
	sender_start "$1-ons" ns --count 10 --interval 0.02 "udp6:[$LAB_LAN6]:9999"
	sender_start "$1-tcg" cg --count 10 --interval 0.02 $TCP_LDNS
	sender_start "$1-tns" ns --count 10 --interval 0.02 $TCP_LDNS
	}
	sender_wait "$1-ucg" "$1-uns" "$1-tcg" "$1-tns" "$1-ocg" "$1-ons"
	cap_stop "$1"
	UDNS_L=$(cap_count "$1" "$F_LDNS and udp")
	TDNS_L=$(cap_count "$1" "$F_LDNS and tcp")
	OTHER_L=$(cap_count "$1" "$F_LOTHER")
	UATT=$(attempts "$1-ucg" "$1-uns")
	TATT=$(attempts "$1-tcg" "$1-tns")
	info "$1 on lr0: UDP DNS $UDNS_L, TCP DNS $TDNS_L, other LAN UDP $OTHER_L"
}

ep_phase() {	# NAME [--mark M]: the endpoint address, other ports / the port
	local n=$1
	shift
	cap_start "$n" "$LAB_NS_S" sv0
	# shellcheck disable=SC2086
	{
	sender_start "$n-ocg" cg --count 10 --interval 0.02 $EP_OTHER
	sender_start "$n-ons" ns --count 10 --interval 0.02 $EP_OTHER
	sender_start "$n-pcg" cg --count 10 --interval 0.02 $EP_PORT
	sender_start "$n-pns" ns --count 10 --interval 0.02 $EP_PORT
	sender_start "$n-pmk" ns --mark "$MARK" --count 10 --interval 0.02 $EP_PORT
	sender_start "$n-tun" cg --count 10 --interval 0.02 "icmp4:$LAB_INET4"
	}
	sender_wait "$n-ocg" "$n-ons" "$n-pcg" "$n-pns" "$n-pmk" "$n-tun"
	cap_stop "$n"
	EPX=$(cap_count "$n" "$F_EPX")
	EPP=$(cap_count "$n" "$F_EPP")
	info "$n on sv0: to the endpoint address on other ports $EPX; to the endpoint port without WireGuard's source port $EPP (10 of them marked)"
}

lab_step "9a/9b: DNS to the LAN resolver (--allow-lan, tunnel up)"
F0=$LAB_FAILS
lan_phase l
A_LEAK=$UDNS_L A_ATT=$UATT B_LEAK=$TDNS_L B_ATT=$TATT
check_zero "UDP DNS on lr0" "$A_LEAK"
check_zero "TCP DNS (53, 853) on lr0" "$B_LEAK"
check_eq "other LAN UDP on lr0 (allowed: cg + ns)" "$OTHER_L" 20
check_eq "[cg] UDP DNS to the LAN resolver: EPERM" "$(sender_get l-ucg all eperm)" 20
AB_F=$(adv_fails_since "$F0")

lab_step "9c/9d: the endpoint address, other ports; the endpoint port without the fwmark"
F0=$LAB_FAILS
ep_phase e
C_LEAK=$EPX C_ATT=$(attempts e-ocg e-ons)
D_LEAK=$((EPP - 10)) D_ATT=$(attempts e-pcg e-pns)
D_MARKED=$(cap_count e "$F_EPP")
check_zero "9c: to the endpoint address on other ports" "$C_LEAK"
check_eq "9d: to the endpoint port without WireGuard's port: only the 10 marked" "$EPP" 10
check_eq "[cg] unmarked to the endpoint port: EPERM" "$(sender_get e-pcg all eperm)" 10
check_nonzero "[cg] replies through the tunnel (WireGuard carries the mark)" "$(sender_get e-tun all replies)"
check_nonzero "9d control: marked packets to the endpoint port on sv0" "$D_MARKED"
CD_F=$(adv_fails_since "$F0")

lab_step "9a/9b control: --lan-dns $LAB_LAN4 --lan-dns $LAB_LAN6"
F0=$LAB_FAILS
adv_load --allow-lan --lan-dns "$LAB_LAN4" --lan-dns "$LAB_LAN6"
lan_phase lc
CA=$UDNS_L CB=$TDNS_L
check_nonzero "control: UDP DNS on lr0 with --lan-dns" "$CA"
check_nonzero "control: TCP DNS on lr0 with --lan-dns" "$CB"
adv_load --allow-lan
AB_F=$((AB_F + $(adv_fails_since "$F0")))

lab_step "9b: tunnel dead, DNS (UDP, TCP 53/853) to the internet via the uplink"
F0=$LAB_FAILS
lab_tunnel_kill
cap_start u "$LAB_NS_S" sv0
# shellcheck disable=SC2086
{
sender_start u-cg cg --count 10 --interval 0.02 $INET_DNS $VPN_DNS
sender_start u-ns ns --count 10 --interval 0.02 $INET_DNS $VPN_DNS
sender_start u-vpn cg --count 10 --interval 0.02 $VPN_OTHER
}
sender_wait u-cg u-ns u-vpn
cap_stop u
check "route to the VPN's resolver $LAB_TS4 now via up0" sh -c \
	"ip -n $LAB_NS_C route get $LAB_TS4 | grep -q 'dev up0'"
V_DNS=$(cap_count u "$F_UDNS and (dst host $LAB_TS4 or dst host $LAB_TS6)")
V_OTHER=$(cap_count u "not ether src $LAB_SMAC and udp and dst port 9999")
V_ATT=$(attempts u-vpn)
check_zero "DNS to the VPN's resolver on sv0 (tunnel dead, --allow-lan)" "$V_DNS"
U=$(cap_count u "$F_UDNS") U_ALL=$(($(adv_leaks u) - V_OTHER))
check_zero "DNS on sv0 with the tunnel dead" "$U"
check_zero "leaked on sv0 with the tunnel dead (but the LAN-allowed UDP to the VPN's address)" "$U_ALL"
B_LEAK=$((B_LEAK + U_ALL)) B_ATT=$((B_ATT + $(attempts u-cg u-ns)))
B_F=$(adv_fails_since "$F0")

lab_step "control: unload; DNS to the internet and the endpoint address reach sv0"
F0=$LAB_FAILS
ks unload >/dev/null 2>&1
cap_start uc "$LAB_NS_S" sv0
# shellcheck disable=SC2086
sender_run uc-ns ns --count 5 --interval 0.02 $INET_DNS
cap_stop uc
CU=$(cap_count uc "$F_UDNS")
check_nonzero "control: DNS on sv0 after unload" "$CU"
ep_phase ec
CC=$EPX
check_nonzero "control: to the endpoint address on other ports after unload" "$CC"
CTL_F=$(adv_fails_since "$F0")

adv_row s9a-dns-udp-lan-resolver "$A_ATT" "$A_LEAK" "$(adv_verdict "$A_LEAK" "$AB_F")" \
	"--allow-lan, tunnel up, v4+v6, cg+ns, counted on the LAN wire (lr0); other LAN traffic passed ($OTHER_L); control --lan-dns: $CA reached lr0"
adv_row s9b-dns-over-tcp-53-853 "$B_ATT" "$B_LEAK" "$(adv_verdict "$B_LEAK" "$AB_F" "$B_F" "$CTL_F")" \
	"TCP 53/853 to the LAN resolver (lr0), then UDP+TCP DNS to the internet and to the VPN's own resolver $LAB_TS4/$LAB_TS6 with the tunnel dead (sv0); control: --lan-dns $CB on lr0, unload $CU on sv0"
adv_row s9c-endpoint-ip-other-ports "$C_ATT" "$C_LEAK" "$(adv_verdict "$C_LEAK" "$CD_F" "$CTL_F")" \
	"UDP 51999, TCP 51820/443, ICMP to $LAB_S4, UDP 51820 and TCP 443 to $LAB_S6, cg+ns; control after unload: $CC"
adv_row s9d-endpoint-port-without-fwmark "$D_ATT" "$D_LEAK" "$(adv_verdict "$D_LEAK" "$CD_F")" \
	"endpoint $LAB_EP_SPEC, unmarked UDP to it from cg (EPERM) and ns; control: with SO_MARK $MARK $D_MARKED of 10 passed"
adv_row s9e-vpn-internal-address-as-lan "$V_ATT" "$V_OTHER" "$([ "$V_OTHER" = 0 ] && echo ok || echo limit)" \
	"documented (README security model): tunnel dead, --allow-lan: non-DNS UDP to the VPN's own addresses $LAB_TS4/$LAB_TS6 (inside 10/8, fc00::/7) leaves in the clear via the uplink gateway (policy row 8); DNS to them stays blocked"
adv_finish
