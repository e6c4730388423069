#!/bin/bash
# Scenario 8: --block-inbound. The tunnel is up; from the server's side of
# the uplink wire:
#  a. unsolicited inbound: UDP, TCP connects and ICMP echo to the client's
#     uplink addresses (v4, v6), to listeners in the lab cgroup (cgroup
#     ingress) and outside it (TC ingress only) and to a closed port;
#  b. CVE-2019-14899 probing: the server routes the client's tunnel
#     addresses through sv0 and probes them the same way (the client
#     accepts them on the wrong interface unless something stops them).
# Leaked = probes that reached a socket of the lab cgroup + everything the
# client said back on the uplink wire (RST, ICMP errors, echo replies,
# SYN-ACKs). A listener outside the lab cgroup is reported apart: TC ingress
# leaves packets for local sockets to the socket's cgroup hook (docs/policy.md,
# ingress row 4), which in the lab holds only the lab cgroup (with the default
# --cgroup, the cgroup root, every socket is held).
# Positive control: the same probes with ksbpf loaded without --block-inbound.
# Without --block-inbound in this build, the rows say "not implemented".
set -u
# shellcheck source=tests/adversarial/lib.sh
. "$(dirname "$0")/../lib.sh"

if ! "$KSBPF" load --help 2>&1 | grep -q -- --block-inbound; then
	why="not implemented (ksbpf load has no --block-inbound)"
	echo "RESULT s8a-inbound-unsolicited - - skip $why"
	echo "RESULT s8b-inbound-tunnel-addr-cve-2019-14899 - - skip $why"
	exit 0
fi
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf
lab_setup
adv_tool
lab_tunnel_up || exit 1
# weak host model: a packet for the tunnel address is accepted on up0
in_client sh -c 'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 > $f; done'

P_CG=40160 P_NS=40161 P_CLOSED=40162
# phase NAME A4 A6: listeners (cg on P_CG, ns on P_NS) on A4/A6, probes from
# the server; sets GOT (receptions in the lab cgroup), GOT_NS (outside it),
# ANS (client packets on sv0 and echo replies), ATT.
phase() {
	local n=$1 a4=$2 a6=$3 t p
	adv_start "$n-lcg" cg --duration-ms 20000 sink $P_CG "$a4" "$a6"
	adv_start "$n-lns" ns --duration-ms 20000 sink $P_NS "$a4" "$a6"
	wait_for 3 grep -q listening "$LAB_DIR/$n-lcg.out"
	wait_for 3 grep -q listening "$LAB_DIR/$n-lns.out"
	cap_start "$n" "$LAB_NS_S" sv0
	t="icmp4:$a4 icmp6:$a6"
	for p in $P_CG $P_NS $P_CLOSED; do
		t="$t udp4:$a4:$p udp6:[$a6]:$p tcp4:$a4:$p tcp6:[$a6]:$p"
	done
	# shellcheck disable=SC2086
	sender_run "$n-probe" server --count 10 --interval 0.02 --linger 0.3 $t
	sleep 0.3
	sender_stop "$n-lcg" "$n-lns"
	cap_stop "$n"
	GOT=$(sender_get "$n-lcg" all sent)
	GOT_NS=$(sender_get "$n-lns" all sent)
	ANS=$(($(adv_leaks "$n") + $(sender_get "$n-probe" all replies)))
	[ "$ANS" = 0 ] || cap_show "$n" "$(ADV_F_LEAK)" 4
	ATT=$(attempts "$n-probe")
	info "$n: $ATT probes; reached a listener in the lab cgroup $GOT, outside it $GOT_NS; answers (client packets on sv0, echo replies) $ANS"
}
via_uplink() {	# add|del: the server reaches the tunnel addresses via sv0
	ip -n "$LAB_NS_S" route "$1" "$LAB_TC4/32" via "$LAB_C4" dev sv0
	ip -n "$LAB_NS_S" -6 route "$1" "$LAB_TC6/128" via "$LAB_C6" dev sv0
}

lab_step "positive control: ksbpf loaded without --block-inbound"
F0=$LAB_FAILS
adv_load
phase ca "$LAB_C4" "$LAB_C6"
CA=$((GOT + ANS))
check_nonzero "control: unsolicited probes got in or were answered" "$CA"
via_uplink add
phase cb "$LAB_TC4" "$LAB_TC6"
CB=$((GOT + ANS))
check_nonzero "control: probes of the tunnel address via the uplink got in or were answered" "$CB"
via_uplink del
C_F=$(adv_fails_since "$F0")

lab_step "ksbpf load --block-inbound"
F0=$LAB_FAILS
adv_load --block-inbound
check_eq "status" "$(adv_status)" 0
phase a "$LAB_C4" "$LAB_C6"
A_LEAK=$((GOT + ANS)) A_ATT=$ATT A_NS=$GOT_NS
check_zero "8a: probes that got in or were answered" "$A_LEAK"
A_F=$(adv_fails_since "$F0")
F0=$LAB_FAILS
via_uplink add
phase b "$LAB_TC4" "$LAB_TC6"
B_LEAK=$((GOT + ANS)) B_ATT=$ATT B_NS=$GOT_NS
check_zero "8b: probes of the tunnel address that got in or were answered" "$B_LEAK"
via_uplink del
# shellcheck disable=SC2046
sender_run tun cg --count 10 --interval 0.02 $(probes_inet)
check_nonzero "the tunnel still works (replies)" "$(sender_get tun all replies)"
B_F=$(adv_fails_since "$F0")

adv_row s8a-inbound-unsolicited "$A_ATT" "$A_LEAK" "$(adv_verdict "$A_LEAK" "$A_F" "$C_F")" \
	"UDP/TCP/ICMP v4+v6 from sv0 to the uplink addresses, a closed port; leaked = received in the lab cgroup + answered; outside the lab cgroup $A_NS received (ingress row 4: left to the socket hook, held only in the lab cgroup here); control without --block-inbound: $CA"
adv_row s8b-inbound-tunnel-addr-cve-2019-14899 "$B_ATT" "$B_LEAK" "$(adv_verdict "$B_LEAK" "$B_F" "$C_F")" \
	"the same to the tunnel addresses routed via sv0 (rp_filter 0); outside the lab cgroup $B_NS received; control without --block-inbound: $CB"
adv_finish
