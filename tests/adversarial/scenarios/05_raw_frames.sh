#!/bin/bash
# Scenarios 5 and 6: raw sends, crafted frames, and the sends that skip TC.
# No tunnel (as after a crash of the VPN): every frame below is a leak.
#  5a. an enforced app (the lab cgroup) with AF_PACKET frames (ksbpf-send
#      afp4/afp6 and every crafted kind) and raw IP sockets (IPPROTO_RAW with
#      IP_HDRINCL / IPV6_HDRINCL, raw ICMP);
#  5b. crafted frames from a process outside the cgroup (only TC sees them):
#      802.1Q, priority tag, QinQ; IPv6 hop-by-hop, routing+dest, fragment
#      (first and not), AH, 10 extension headers; IPv4 fragments (first, not
#      first, a first one too short for the UDP header), options; IPv4-in-
#      IPv6, IPv6-in-IPv4 (also to the endpoint), GRE; wrong ethertype for
#      the IP version, IHL 4, total length beyond the frame, truncated
#      Ethernet/IPv4/IPv6/UDP, a frame shorter than an Ethernet header;
#      unknown ethertype, PPPoE, MPLS, LLC/SNAP; spoofed source MAC and IP;
#      TCP SYN, ICMPv6 echo, DNS, the endpoint address on another port,
#      neighbour solicitation and MLD report to a remote address (hop limit
#      64) — `ksadv kinds` lists them;
#  5c. frames to 127.0.0.1 / ::1 out of the uplink (dropped: loopback by
#      address is a socket's only), and neighbour solicitations with hop
#      limit 255 to a remote address (let through by design, documented);
#  6a. PACKET_QDISC_BYPASS: outside the cgroup the frames reach sv0 (TC
#      cannot see them: the hole); inside, setsockopt gets EPERM and nothing
#      reaches sv0 (the guard);
#  6b. AF_XDP: outside the cgroup a copy-mode TX ring sends frames to sv0;
#      inside, XDP_UMEM_REG gets EPERM;
#  6c. both through the 32-bit system call entry (int 0x80), which
#      cgroup/setsockopt programs never see: outside the cgroup the frames
#      reach sv0; inside, the sys_enter guard kills the sender first;
#  6d. an enforced app that turned PACKET_QDISC_BYPASS on before
#      `ksbpf load`, sending after it (a documented limit);
#  6e. both guards follow app policies: a bypass app may, an enforce app
#      below it may not.
# Positive control for 5a/5b: after `ksbpf unload` the same frames reach sv0.
set -u
# shellcheck source=tests/adversarial/lib.sh
. "$(dirname "$0")/../lib.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf

lab_setup
adv_tool
adv_load
# shellcheck disable=SC2207
FR=($(adv_frame_args))
N=5
# frames without the ksadv marker in reach of tcpdump -A (not counted per kind)
UNMARKED=" trunc_eth trunc_ip4 trunc_ip6 trunc_udp4 trunc_udp6 short_frame v4_tinyfrag tcpsyn4 "

win() { cap_start "$1" "$LAB_NS_S" sv0; }
win_end() {	# CAPTURE: LEAK
	cap_stop "$1"
	LEAK=$(adv_leaks "$1")
	[ "$LEAK" = 0 ] || adv_leak_detail "$1"
}
# kinds_seen CAPTURE: "kind count" per ksadv marker among the leaks
kinds_seen() {
	tcpdump -n -A -r "${LAB_CAP_FILE[$1]}" "$(ADV_F_LEAK)" 2>/dev/null |
		grep -oE 'ksadv:[a-z0-9_]+' | sed 's/^ksadv://' | sort | uniq -c
}
# the frames and raw sockets of 5a
raw_send() {	# PREFIX WHERE
	adv_start "$1-fr" "$2" --count $N --interval-ms 10 frames "${FR[@]}"
	# shellcheck disable=SC2046
	sender_start "$1-afp" "$2" --count 20 --interval 0.01 $(probes_afp)
	adv_start "$1-raw" "$2" --count 20 --interval-ms 10 send "raw4:$LAB_INET4:40110" \
		"raw6:[$LAB_INET6]:40110" "icmp4:$LAB_INET4" "icmp6:$LAB_INET6"
	sender_wait "$1-fr" "$1-afp" "$1-raw"
}

lab_step "5a: AF_PACKET and raw IP from an enforced app (lab cgroup)"
F0=$LAB_FAILS
win a
raw_send a cg
win_end a
sender_show a-raw
A_LEAK=$LEAK A_ATT=$(attempts a-fr a-afp a-raw)
check_zero "5a: leaked on sv0" "$A_LEAK"
check_eq "[cg] raw IP sockets: EPERM for every send" "$(sender_get a-raw all eperm)" 80
check_nonzero "[cg] frames handed to up0 (sent + errors)" "$(($(sender_get a-fr all sent) + $(sender_get a-fr all err)))"
A_F=$(adv_fails_since "$F0")

lab_step "5b: crafted frames from outside the cgroup"
F0=$LAB_FAILS
win b
adv_run b-fr ns --count $N --interval-ms 10 frames "${FR[@]}"
win_end b
grep -v ' err=0' "$LAB_DIR/b-fr.out" | grep -v ENOBUFS | sed 's/^/          > /'
B_LEAK=$LEAK B_ATT=$(attempts b-fr)
NKINDS=$(grep -c '^frame:' "$LAB_DIR/b-fr.out")
check_zero "5b: leaked on sv0 ($NKINDS kinds x $N)" "$B_LEAK"
B_F=$(adv_fails_since "$F0")

lab_step "5c: loopback destinations on the uplink, NS hop limit 255"
win c
adv_run c-fr ns --count $N --interval-ms 10 frames "${FR[@]}" --kinds policy
cap_stop c
C_LO=$(cap_count c "$(ADV_F_LEAK) and (dst host 127.0.0.1 or dst host ::1)")
C_NS255=$(cap_count c "not ether src $LAB_SMAC and icmp6 and ip6[40] == 135 and ip6[7] == 255 and dst host $LAB_INET6")
info "to 127.0.0.1/::1 on sv0: $C_LO of $((2 * N)); NS hop limit 255 to $LAB_INET6 on sv0: $C_NS255 of $N"

lab_step "6a: PACKET_QDISC_BYPASS (skips qdisc, clsact and TCX)"
F0=$LAB_FAILS
win q-out
adv_run q-out ns --count 20 --interval-ms 10 frames "${FR[@]}" --bypass --kinds plain4,plain6
win_end q-out
Q_OUT=$LEAK
sender_show q-out
check_eq "outside the cgroup: setsockopt accepted" "$(grep -c 'PACKET_QDISC_BYPASS ok' "$LAB_DIR/q-out.out")" 1
check_nonzero "outside the cgroup: frames on sv0 despite TC (the hole TC cannot close)" "$Q_OUT"
win q-in
adv_run q-in cg --count 20 --interval-ms 10 frames "${FR[@]}" --bypass --kinds plain4,plain6
win_end q-in
Q_IN=$LEAK Q_ATT=$(attempts q-in)
sender_show q-in
check_eq "inside the cgroup: setsockopt refused with EPERM" "$(grep -c 'PACKET_QDISC_BYPASS EPERM' "$LAB_DIR/q-in.out")" 1
check_zero "inside the cgroup: frames on sv0 (sent anyway, through TC)" "$Q_IN"
Q_F=$(adv_fails_since "$F0")

lab_step "6b: AF_XDP transmit"
F0=$LAB_FAILS
win x-out
adv_run x-out ns --count 20 --interval-ms 10 xdp "${FR[@]}" --tx
win_end x-out
X_OUT=$LEAK
sender_show x-out
X_TX=0
if grep -q 'bind(copy mode) ok' "$LAB_DIR/x-out.out"; then
	X_TX=1
	check_nonzero "outside the cgroup: AF_XDP frames on sv0 (skip TC)" "$X_OUT"
else
	check "outside the cgroup: XDP_UMEM_REG accepted" grep -q 'XDP_UMEM_REG ok' "$LAB_DIR/x-out.out"
	info "no AF_XDP TX path here (bind failed): only the setsockopt is shown"
fi
win x-in
adv_run x-in cg --count 20 --interval-ms 10 xdp "${FR[@]}" --tx
win_end x-in
X_IN=$LEAK
sender_show x-in
check "inside the cgroup: XDP_UMEM_REG refused with EPERM" grep -q 'XDP_UMEM_REG EPERM' "$LAB_DIR/x-in.out"
check_zero "inside the cgroup: frames on sv0" "$X_IN"
X_F=$(adv_fails_since "$F0")

lab_step "6c: the same through int 0x80 (compat), which cgroup/setsockopt never sees"
F0=$LAB_FAILS
K_OUT=0 K_LEAK=0 K_ATT=0
# A kernel without a 32-bit entry (ia32_emulation=0) faults int 0x80 itself.
COMPAT_ENTRY=0
(ulimit -c 0; "$KSADV" compat-entry) >/dev/null 2>&1 && COMPAT_ENTRY=1
[ "$COMPAT_ENTRY" = 1 ] || info "int 0x80 faults here: this kernel has no 32-bit entry, 6c and the 32-bit half of 6e do not apply"
COMPAT_ENTRIES=""
[ "$COMPAT_ENTRY" = 1 ] && COMPAT_ENTRIES="compat compat-socketcall"
for entry in $COMPAT_ENTRIES; do
	win "k-out-$entry"
	adv_start "k-out-$entry" ns --count 20 --interval-ms 10 "--$entry" frames "${FR[@]}" \
		--bypass --kinds plain4,plain6
	adv_exit "k-out-$entry"
	win_end "k-out-$entry"
	K_OUT=$((K_OUT + LEAK))
	sender_show "k-out-$entry"
	check_eq "outside the cgroup, --$entry: setsockopt accepted" \
		"$(grep -c 'PACKET_QDISC_BYPASS ok' "$LAB_DIR/k-out-$entry.out")" 1
	check_nonzero "outside the cgroup, --$entry: frames on sv0 (what a held app would leak unguarded)" "$LEAK"
	check_eq "outside the cgroup, --$entry: sender exit status" "$ADV_RC" 0
done
win k
for entry in $COMPAT_ENTRIES; do
	adv_start "k-pkt-$entry" cg --count 20 --interval-ms 10 "--$entry" frames "${FR[@]}" \
		--bypass --kinds plain4,plain6
	adv_exit "k-pkt-$entry"
	check_eq "inside the cgroup, --$entry: PACKET_QDISC_BYPASS sender killed (SIGKILL)" "$ADV_RC" 137
	adv_start "k-xdp-$entry" cg --count 20 --interval-ms 10 "--$entry" xdp "${FR[@]}" --tx
	adv_exit "k-xdp-$entry"
	check_eq "inside the cgroup, --$entry: XDP_UMEM_REG sender killed (SIGKILL)" "$ADV_RC" 137
done
win_end k
if [ "$COMPAT_ENTRY" = 1 ]; then
	K_LEAK=$LEAK K_ATT=$((2 * (40 + 20)))
	check_zero "inside the cgroup: frames on sv0" "$K_LEAK"
fi
K_F=$(adv_fails_since "$F0")

lab_step "6e: a bypass app keeps both (64-bit and 32-bit setsockopt), a held app below it does not"
F0=$LAB_FAILS
E_BYP=$LAB_CG/bypass-app
E_HELD=$E_BYP/held
mkdir -p "$E_HELD"
ks app set "$E_BYP" bypass >/dev/null && ks app set "$E_HELD" enforce >/dev/null ||
	fail "ksbpf app set for 6e"
E_ENTRIES=("")
[ "$COMPAT_ENTRY" = 1 ] && E_ENTRIES+=(--compat)
for entry in "${E_ENTRIES[@]}"; do
	adv_start "e-byp$entry" "cg:$E_BYP" --count 1 $entry frames "${FR[@]}" --bypass --kinds plain4
	adv_exit "e-byp$entry"
	check_eq "bypass app${entry:+ ($entry)}: exit status" "$ADV_RC" 0
	check_eq "bypass app${entry:+ ($entry)}: PACKET_QDISC_BYPASS accepted" \
		"$(grep -c 'PACKET_QDISC_BYPASS ok' "$LAB_DIR/e-byp$entry.out")" 1
done
# the held app's frames, counted on the wire
win e
adv_start e-held "cg:$E_HELD" --count 1 frames "${FR[@]}" --bypass --kinds plain4
adv_exit e-held
check_eq "enforce app below it: PACKET_QDISC_BYPASS refused" \
	"$(grep -c 'PACKET_QDISC_BYPASS EPERM' "$LAB_DIR/e-held.out")" 1
if [ "$COMPAT_ENTRY" = 1 ]; then
	adv_start e-held-compat "cg:$E_HELD" --count 1 --compat frames "${FR[@]}" --bypass --kinds plain4
	adv_exit e-held-compat
	check_eq "enforce app below it, --compat: killed" "$ADV_RC" 137
fi
win_end e
E_LEAK=$LEAK
check_zero "enforce app below it: frames on sv0" "$E_LEAK"
ks app del "$E_HELD" >/dev/null; ks app del "$E_BYP" >/dev/null
rmdir "$E_HELD" "$E_BYP"
E_F=$(adv_fails_since "$F0")

lab_step "positive control for 5a/5b: ksbpf unload, the same frames"
ks unload >/dev/null 2>&1
check_eq "status after unload" "$(adv_status)" 3
F0=$LAB_FAILS
win ca
raw_send ca cg
win_end ca
CA=$LEAK
check_nonzero "control 5a: leaked after unload" "$CA"
win cb
adv_run cb-fr ns --count $N --interval-ms 10 frames "${FR[@]}"
win_end cb >/dev/null
CB=$LEAK
check_nonzero "control 5b: leaked after unload" "$CB"
seen=$(kinds_seen cb)
missing=""
for k in $(grep '^frame:' "$LAB_DIR/cb-fr.out" | sed 's/^frame:\([^ ]*\) .*/\1/'); do
	case $UNMARKED in *" $k "*) continue ;; esac
	echo "$seen" | grep -qw "$k" || missing="$missing $k"
done
check_eq "control 5b: every marked kind reached sv0 without ksbpf" "${missing:-none}" none
CTL_F=$(adv_fails_since "$F0")

lab_step "6d: PACKET_QDISC_BYPASS turned on before ksbpf load, frames sent after"
adv_start d-pkt cg --count 100000 --duration-ms 4000 --interval-ms 10 frames "${FR[@]}" --bypass --kinds plain4,plain6
wait_for 3 grep -q PACKET_QDISC_BYPASS "$LAB_DIR/d-pkt.out"
adv_load
win d
sleep 1
sender_stop d-pkt
win_end d
D_LEAK=$LEAK
D_ATT=$(( $(attempts d-pkt) ))
info "set before load: $(grep -o 'PACKET_QDISC_BYPASS [A-Za-z]*' "$LAB_DIR/d-pkt.out"); after load $D_LEAK frames on sv0"

adv_row s5a-afpacket-rawip-enforced-app "$A_ATT" "$A_LEAK" "$(adv_verdict "$A_LEAK" "$A_F" "$CTL_F")" \
	"lab cgroup: every crafted kind, ksbpf-send afp4/afp6, raw4/raw6 (HDRINCL), raw ICMP v4/v6; control after unload: $CA leaked"
adv_row s5b-crafted-frames-outside-cgroup "$B_ATT" "$B_LEAK" "$(adv_verdict "$B_LEAK" "$B_F" "$CTL_F")" \
	"$NKINDS kinds x $N (VLAN/QinQ, v6 ext hdrs, v4 frags, 4in6/6in4/GRE, malformed, truncated, PPPoE/MPLS/SNAP, spoofed MAC...); control after unload: $CB leaked, every marked kind seen"
adv_row s5c-frames-to-loopback-addresses "$((2 * N))" "$C_LO" "$(adv_verdict "$C_LO")" \
	"AF_PACKET frames to 127.0.0.1 and ::1 out of up0: loopback by address is a socket's (cgroup hook) only; on the uplink TC drops them (docs/policy.md)"
adv_row s5d-nd-hoplimit255-remote "$N" "$C_NS255" "$([ "$C_NS255" = 0 ] && echo ok || echo limit)" \
	"neighbour solicitation, hop limit 255, to a remote address: documented (docs/policy.md, README security model); not in the leak filter, counted apart"
adv_row s6a-qdisc-bypass-in-cgroup "$Q_ATT" "$Q_IN" "$(adv_verdict "$Q_IN" "$Q_F")" \
	"setsockopt(PACKET_QDISC_BYPASS) EPERM in the lab cgroup, frames then meet TC; before/without the guard (outside the cgroup): $Q_OUT of 40 frames reached sv0"
if [ "$X_TX" = 1 ]; then
	xnote="outside the cgroup a copy-mode AF_XDP TX ring put $X_OUT of 20 frames on sv0 (skips TC)"
else
	xnote="no AF_XDP TX path here: only the setsockopt is checked"
fi
adv_row s6b-af-xdp-in-cgroup 1 "$X_IN" "$(adv_verdict "$X_IN" "$X_F")" \
	"attempted = the XDP_UMEM_REG setsockopt, EPERM in the lab cgroup (no UMEM: no TX ring, nothing to send); $xnote"
if [ "$COMPAT_ENTRY" = 1 ]; then
	adv_row s6c-compat-setsockopt-killed "$K_ATT" "$K_LEAK" "$(adv_verdict "$K_LEAK" "$K_F")" \
	"the lab cgroup, PACKET_QDISC_BYPASS and XDP_UMEM_REG via int 0x80 setsockopt and socketcall (no cgroup/setsockopt program runs for 32-bit calls): the sys_enter guard SIGKILLed the senders first; attempted = the frames they would send; outside the cgroup (not held) the same put $K_OUT of 80 frames on sv0"
else
	adv_row s6c-compat-setsockopt-killed 0 0 skip \
		"this kernel has no 32-bit system call entry (int 0x80 faults: ia32_emulation off), so no 32-bit setsockopt can skip the cgroup/setsockopt guard"
fi
adv_row s6e-guards-follow-app-policy 2 "$E_LEAK" "$(adv_verdict "$E_LEAK" "$E_F")" \
	"PACKET_QDISC_BYPASS from a bypass app: accepted (64-bit$([ "$COMPAT_ENTRY" = 1 ] && echo " and int 0x80"), the app lives); from an enforce app below it: EPERM (64-bit)$([ "$COMPAT_ENTRY" = 1 ] && echo ", killed (int 0x80)"); attempted = that app's frames"
adv_row s6d-qdisc-bypass-set-before-load "$D_ATT" "$D_LEAK" "$([ "$D_LEAK" = 0 ] && echo ok || echo limit)" \
	"documented (docs/policy.md, README security model): an enforced app's AF_PACKET socket with PACKET_QDISC_BYPASS set before ksbpf load keeps skipping TC after it; load at boot, before the apps"
adv_finish
