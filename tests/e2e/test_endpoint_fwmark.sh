#!/bin/bash
# e2e: the endpoint exception (policy row 5) with and without a fwmark.
#  --endpoint 192.0.2.1:51820/udp@0x5a with `wg set ... fwmark 0x5a`: the
#  tunnel works; an app without the mark cannot reach the VPN server in the
#  clear (dropped on the wire, EPERM in the cgroup); an app with the mark can.
#  Without @FWMARK any app reaches it (positive control: the counter that
#  read 0 goes > 0). Also: the endpoint address on another port, and the
#  IPv6 address of the server, stay blocked.
set -u
# shellcheck disable=SC2034 # LAB_* variables are read by tests/lib/lab.sh
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf

MARK=0x5a
WGPORT_C=51821		# the client's WireGuard source port, to tell it apart
lab_setup
lab_tunnel_up || exit 1
in_client wg set "$LAB_WG_C" fwmark "$MARK" listen-port "$WGPORT_C" ||
	{ fail "wg set fwmark"; exit 1; }
lab_tunnel_wait || exit 1
pass "WireGuard with fwmark $MARK, source port $WGPORT_C"

# Not WireGuard, but aimed at the endpoint (or next to it).
APP="udp4:$LAB_S4:$LAB_WG_PORT udp4:$LAB_S4:51999 udp6:[$LAB_S6]:$LAB_WG_PORT"
F_APP_EP="ether src $LAB_CMAC and udp and dst host $LAB_S4 and dst port $LAB_WG_PORT and not src port $WGPORT_C"
F_APP_OTHER="ether src $LAB_CMAC and udp and ((dst host $LAB_S4 and dst port 51999) or (dst host $LAB_S6 and dst port $LAB_WG_PORT))"

# phase NAME: tunnel probes, unmarked apps (cg, ns), a marked app (ns).
phase() {
	cap_start "$1" "$LAB_NS_S" sv0
	# shellcheck disable=SC2046
	sender_start "$1-tun" cg --count 10 --interval 0.05 $(probes_inet)
	# shellcheck disable=SC2086
	sender_start "$1-cg" cg --count 10 --interval 0.05 $APP
	# shellcheck disable=SC2086
	sender_start "$1-ns" ns --count 10 --interval 0.05 $APP
	sender_start "$1-mark" ns --mark "$MARK" --count 10 --interval 0.05 \
		"udp4:$LAB_S4:$LAB_WG_PORT"
	sender_wait "$1-tun" "$1-cg" "$1-ns" "$1-mark"
	cap_stop "$1"
	EP=$(cap_count "$1" "$F_APP_EP")
	OTHER=$(cap_count "$1" "$F_APP_OTHER")
	WG=$(cap_count "$1" "ether src $LAB_CMAC and udp and dst port $LAB_WG_PORT and src port $WGPORT_C")
	info "sv0: WireGuard $WG, apps to the endpoint $EP, apps next to it $OTHER"
}

lab_step "ksbpf load --endpoint $LAB_S4:$LAB_WG_PORT/udp@$MARK"
LAB_EP_SPEC="$LAB_S4:$LAB_WG_PORT/udp@$MARK"
if ! ks_load >"$LAB_DIR/load.out" 2>&1; then
	fail "load: $(cat "$LAB_DIR/load.out")"
	exit 1
fi
phase m
check_nonzero "[cg] replies through the tunnel (WireGuard carries the mark)" "$(sender_get m-tun all replies)"
check_nonzero "WireGuard packets on sv0" "$WG"
check_eq "apps to the endpoint on sv0: only the marked one" "$EP" 10
check_zero "apps next to the endpoint on sv0" "$OTHER"
check_eq "[cg] unmarked app: EPERM for all" "$(sender_get m-cg all eperm)" 30

lab_step "ksbpf load --endpoint $LAB_S4:$LAB_WG_PORT/udp (no mark): any app gets through"
LAB_EP_SPEC="$LAB_S4:$LAB_WG_PORT/udp"
ks_load >"$LAB_DIR/load2.out" 2>&1
check_eq "reload exit code" "$?" 0
phase n
check_nonzero "[cg] replies through the tunnel" "$(sender_get n-tun all replies)"
check_eq "apps to the endpoint on sv0 (cg + ns + marked: 30)" "$EP" 30
check_zero "apps next to the endpoint on sv0" "$OTHER"
check_eq "[cg] EPERM only for the two non-endpoint targets" "$(sender_get n-cg all eperm)" 20

lab_finish
