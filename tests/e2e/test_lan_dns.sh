#!/bin/bash
# e2e (h): DNS to a LAN resolver never leaves outside the tunnel, even with
# --allow-lan, unless that resolver is listed with --lan-dns; other traffic
# to the same LAN passes with --allow-lan (or --lan CIDR); DNS through the
# tunnel passes. IPv4 and IPv6 (g), UDP 53, TCP 53 and TCP 853.
# The LAN: a third namespace behind a second client veth, lan0 <-> lr0,
# 192.168.77.0/24 and fd77::/64; the capture is on lr0 (the LAN's wire).
# Positive control: without ksbpf every probe shows up on lr0.
set -u
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf

lab_setup --lan
lab_tunnel_up || exit 1
LMAC=$(ip -n "$LAB_NS_C" -o link show lan0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')

DNS_TARGETS="udp4:$LAB_LAN4:53 udp6:[$LAB_LAN6]:53 tcp4:$LAB_LAN4:53 tcp6:[$LAB_LAN6]:53 tcp4:$LAB_LAN4:853 tcp6:[$LAB_LAN6]:853"
LAN_TARGETS="udp4:$LAB_LAN4:9999 udp6:[$LAB_LAN6]:9999"
F_L() { echo "ether src $LMAC and $*"; }
F_DNS4="ip and ((udp and dst port 53) or (tcp and (dst port 53 or dst port 853))) and dst host $LAB_LAN4"
F_DNS6="ip6 and ((udp and dst port 53) or (tcp and (dst port 53 or dst port 853))) and dst host $LAB_LAN6"
F_OTHER4="udp and dst host $LAB_LAN4 and dst port 9999"
F_OTHER6="udp and dst host $LAB_LAN6 and dst port 9999"

# phase NAME: cg and ns senders to the LAN resolver and LAN host, through the
# tunnel to port 53 of the internet address; captures on lr0 and the
# server's tunnel end.
phase() {
	cap_start "$1-lr0" "$LAB_NS_L" lr0
	cap_start "$1-wg" "$LAB_NS_S" "$LAB_WG_S"
	# shellcheck disable=SC2086
	sender_start "$1-cg" cg --count 5 --interval 0.05 $DNS_TARGETS $LAN_TARGETS \
		"udp4:$LAB_INET4:53" "udp6:[$LAB_INET6]:53"
	# shellcheck disable=SC2086
	sender_start "$1-ns" ns --count 5 --interval 0.05 $DNS_TARGETS $LAN_TARGETS
	sender_wait "$1-cg" "$1-ns"
	cap_stop "$1-lr0" "$1-wg"
	DNS4=$(cap_count "$1-lr0" "$(F_L "$F_DNS4")")
	DNS6=$(cap_count "$1-lr0" "$(F_L "$F_DNS6")")
	OTHER4=$(cap_count "$1-lr0" "$(F_L "$F_OTHER4")")
	OTHER6=$(cap_count "$1-lr0" "$(F_L "$F_OTHER6")")
	TUNDNS=$(cap_count "$1-wg" "udp and dst port 53")
	info "on lr0: DNS v4 $DNS4, DNS v6 $DNS6, other LAN v4 $OTHER4, v6 $OTHER6; DNS via the tunnel $TUNDNS"
}

# load_with DESC ARGS...: (re)load with these LAN options.
load_with() {
	local d=$1
	shift
	if ks_load "$@" >"$LAB_DIR/load.out" 2>&1; then
		pass "ksbpf load $*"
	else
		fail "ksbpf load $*: $(cat "$LAB_DIR/load.out")"
	fi
	lab_step "$d"
}

lab_step "positive control: no ksbpf"
phase base
check_nonzero "DNS v4 (udp/tcp 53, tcp 853) on lr0" "$DNS4"
check_nonzero "DNS v6 on lr0" "$DNS6"
check_nonzero "other LAN v4 on lr0" "$OTHER4"
check_nonzero "other LAN v6 on lr0" "$OTHER6"
check_eq "DNS through the tunnel" "$TUNDNS" 10

load_with "no LAN option: LAN and LAN DNS blocked, DNS in the tunnel passes"
phase nolan
check_zero "DNS v4 on lr0" "$DNS4"
check_zero "DNS v6 on lr0" "$DNS6"
check_zero "other LAN v4 on lr0" "$OTHER4"
check_zero "other LAN v6 on lr0" "$OTHER6"
check_eq "DNS through the tunnel (udp 53 to $LAB_INET4 / $LAB_INET6)" "$TUNDNS" 10
check_zero "[cg] UDP to the LAN accepted by the kernel" \
	"$(($(sender_get nolan-cg udp4 sent) + $(sender_get nolan-cg udp6 sent) - 10))"

load_with "--allow-lan: other LAN traffic passes, LAN DNS still dropped" --allow-lan
phase allow
check_zero "DNS v4 on lr0 with --allow-lan" "$DNS4"
check_zero "DNS v6 on lr0 with --allow-lan" "$DNS6"
check_eq "other LAN v4 on lr0 with --allow-lan (cg + ns)" "$OTHER4" 10
check_eq "other LAN v6 on lr0 with --allow-lan (cg + ns)" "$OTHER6" 10
check_eq "DNS through the tunnel" "$TUNDNS" 10
# (connect() does not report a dropped SYN: only UDP gets EPERM; TCP is
# judged on the wire above)
check_eq "[cg] EPERM for UDP DNS to the LAN resolver (v4+v6)" "$(grep -E '^udp.:.*:53 ' "$LAB_DIR/allow-cg.out" |
	grep -v -e "$LAB_INET4" -e "$LAB_INET6" | awk '{split($3,a,"="); s+=a[2]} END {print s+0}')" 10
check_eq "[cg] UDP to the other LAN port accepted" "$(grep -E '^udp.:.*:9999 ' "$LAB_DIR/allow-cg.out" |
	awk '{split($2,a,"="); s+=a[2]} END {print s+0}')" 10
S=$LAB_DIR/s-allow.json
ks_status_json "$S"
check_nonzero "counter cgroup_egress/dns" "$(counter "$S" cgroup_egress dns)"
check_nonzero "counter tc_egress/dns (the process outside the cgroup)" "$(counter "$S" tc_egress dns)"
check_nonzero "counter cgroup_egress/lan" "$(counter "$S" cgroup_egress lan)"
check_eq "status lists the default LAN set" "$(js "$S" "'192.168.0.0/16' in d['lan'] and 'fc00::/7' in d['lan']")" 1

load_with "--allow-lan --lan-dns $LAB_LAN4 --lan-dns $LAB_LAN6: that resolver passes" \
	--allow-lan --lan-dns "$LAB_LAN4" --lan-dns "$LAB_LAN6"
phase landns
check_eq "DNS v4 on lr0 with --lan-dns (3 kinds x 5 x cg+ns)" "$DNS4" 30
check_eq "DNS v6 on lr0 with --lan-dns" "$DNS6" 30
check_eq "other LAN v4 on lr0" "$OTHER4" 10
check_eq "other LAN v6 on lr0" "$OTHER6" 10

# A reload replaces the policy: dropping --lan-dns must close the exception.
load_with "reload with --allow-lan only: the --lan-dns exception is gone" --allow-lan
phase again
check_zero "DNS v4 on lr0 after reload without --lan-dns" "$DNS4"
check_zero "DNS v6 on lr0 after reload without --lan-dns" "$DNS6"
check_eq "other LAN v4 on lr0" "$OTHER4" 10

load_with "--lan $LAB_LANNET4 --lan $LAB_LANNET6 (explicit CIDRs, no --allow-lan)" \
	--lan "$LAB_LANNET4" --lan "$LAB_LANNET6"
phase cidr
check_zero "DNS v4 on lr0 with --lan" "$DNS4"
check_zero "DNS v6 on lr0 with --lan" "$DNS6"
check_eq "other LAN v4 on lr0 with --lan" "$OTHER4" 10
check_eq "other LAN v6 on lr0 with --lan" "$OTHER6" 10

lab_finish
