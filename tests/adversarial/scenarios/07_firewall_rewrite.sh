#!/bin/bash
# Scenario 7: other software rewriting the firewall while traffic runs, the
# tunnel dead (every probe is a leak candidate).
#  a. TCX mode (the default): `nft flush ruleset` (after another tool's
#     tables were there), `iptables -F` / `ip6tables -F` if installed, a
#     permissive nftables table added, `tc qdisc add/del dev up0 clsact`,
#     `tc filter del dev up0 egress`, the root qdisc replaced: ksbpf keeps
#     holding (TCX links are not clsact filters), and `status` stays 0.
#  b. `--tc-mode legacy`: `tc qdisc del dev up0 clsact` DOES remove ksbpf's
#     filter. `status` must say degraded (exit 4). Sockets of the lab cgroup
#     stay blocked by the cgroup hook; what only TC can stop (a process
#     outside the cgroup, AF_PACKET) leaks until `ksbpf load` runs again: a
#     limit of legacy mode, reported as such, not as a pass.
# Positive control: after `ksbpf unload` the same senders leak.
set -u
# shellcheck source=tests/adversarial/lib.sh
. "$(dirname "$0")/../lib.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf

lab_setup
lab_tunnel_up || exit 1
adv_load
lab_tunnel_kill

probes() { echo "udp4:$LAB_INET4:$1 udp6:[$LAB_INET6]:$1 tcp4:$LAB_INET4:$(($1 + 1)) tcp6:[$LAB_INET6]:$(($1 + 1)) icmp4:$LAB_INET4 icmp6:$LAB_INET6"; }
senders_start() {	# PREFIX SECONDS
	# shellcheck disable=SC2046
	{
	sender_start "$1-cg" cg --duration "$2" --count 1000000 --interval 0.01 $(probes 40120)
	sender_start "$1-ns" ns --duration "$2" --count 1000000 --interval 0.01 $(probes 40130)
	sender_start "$1-afp" ns --duration "$2" --count 1000000 --interval 0.01 $(probes_afp)
	}
}
senders_stop() { sender_stop "$1-cg" "$1-ns" "$1-afp"; }
F_CG="not ether src $LAB_SMAC and (udp and dst portrange 40120-40121 or tcp and dst port 40121)"
F_NS="not ether src $LAB_SMAC and (udp and dst portrange 40130-40131 or tcp and dst port 40131)"
F_AFP="not ether src $LAB_SMAC and udp and dst port 40001"

# Another tool's rules, so that the flush flushes something.
in_client nft -f - <<EOF || fail "nft: another tool's table"
table inet othertool {
	chain out { type filter hook output priority 0; policy accept; counter; }
	chain post { type nat hook postrouting priority srcnat; policy accept; }
}
EOF

ACTIONS=""
act() {	# DESCRIPTION COMMAND...: run it, then status must still be 0
	local d=$1 rc
	shift
	"$@" >"$LAB_DIR/act.out" 2>&1
	rc=$?
	ACTIONS="$ACTIONS; $d$([ "$rc" = 0 ] || echo " (exit $rc)")"
	sleep 0.3
	check_eq "status after '$d'" "$(adv_status)" 0
}

lab_step "7a: TCX mode, the firewall rewritten under load"
F0=$LAB_FAILS
cap_start a "$LAB_NS_S" sv0
senders_start a 30
sleep 0.5
act "nft flush ruleset" in_client nft flush ruleset
if command -v iptables >/dev/null; then
	act "iptables -F" in_client iptables -F
	act "iptables -t nat -F" in_client iptables -t nat -F
	command -v ip6tables >/dev/null && act "ip6tables -F" in_client ip6tables -F
	IPT="iptables -F run"
else
	IPT="iptables not installed: skipped"
	info "$IPT"
fi
act "nft: accept-all table" in_client nft -f - <<EOF
table inet loosen {
	chain out { type filter hook output priority -400; policy accept; accept; }
	chain post { type filter hook postrouting priority -400; policy accept; accept; }
}
EOF
act "tc qdisc add dev up0 clsact" in_client tc qdisc add dev up0 clsact
act "tc filter del dev up0 egress" in_client tc filter del dev up0 egress
act "tc qdisc del dev up0 clsact" in_client tc qdisc del dev up0 clsact
act "tc qdisc replace dev up0 root pfifo" in_client tc qdisc replace dev up0 root pfifo
act "tc qdisc del dev up0 root" in_client tc qdisc del dev up0 root
sleep 0.5
senders_stop a
cap_stop a
A_LEAK=$(adv_leaks a)
[ "$A_LEAK" = 0 ] || adv_leak_detail a
A_ATT=$(attempts a-cg a-ns a-afp)
check_zero "7a: leaked on sv0" "$A_LEAK"
check_nonzero "[cg] EPERM" "$(sender_get a-cg all eperm)"
check_nonzero "[ns] sent (dropped silently by TC)" "$(sender_get a-ns all sent)"
A_F=$(adv_fails_since "$F0")

lab_step "positive control: unload, the same senders leak"
F0=$LAB_FAILS
ks unload >/dev/null 2>&1
check_eq "status after unload" "$(adv_status)" 3
cap_start c "$LAB_NS_S" sv0
senders_start c 1
sender_wait c-cg c-ns c-afp
cap_stop c
C=$(adv_leaks c)
for f in F_CG F_NS F_AFP; do check_nonzero "control: ${f#F_} on sv0 after unload" "$(cap_count c "${!f}")"; done
C_F=$(adv_fails_since "$F0")

lab_step "7b: --tc-mode legacy, then tc qdisc del dev up0 clsact under load"
F0=$LAB_FAILS
adv_load --tc-mode legacy
check_eq "status (legacy)" "$(adv_status)" 0
check "ksbpf's bpf filter on up0 egress" sh -c \
	"nsenter --net=/run/netns/$LAB_NS_C tc filter show dev up0 egress | grep -q bpf"
senders_start b 30
sleep 0.3
cap_start b0 "$LAB_NS_S" sv0
sleep 0.7
cap_stop b0
cap_start b "$LAB_NS_S" sv0
in_client tc qdisc del dev up0 clsact
check_eq "tc qdisc del dev up0 clsact: exit code" "$?" 0
sleep 0.3
B_STATUS=$(adv_status)
check_eq "status says degraded (exit 4)" "$B_STATUS" 4
ks status 2>&1 | head -3 | sed 's/^/          status: /'
sleep 1
cap_stop b
adv_load --tc-mode legacy
check_eq "status after ksbpf load again" "$(adv_status)" 0
cap_start r "$LAB_NS_S" sv0
sleep 1
senders_stop b
cap_stop r
B0=$(adv_leaks b0)
check_zero "legacy, before the clsact deletion: leaked" "$B0"
B_LEAK=$(adv_leaks b)
B_CG=$(cap_count b "$F_CG") B_NS=$(cap_count b "$F_NS") B_AFP=$(cap_count b "$F_AFP")
check_zero "legacy, clsact deleted: leaked from the lab cgroup (the cgroup hook holds)" "$B_CG"
check_zero "[cg] UDP/ICMP the kernel accepted (all EPERM)" \
	"$(($(sender_get b-cg udp4 sent) + $(sender_get b-cg udp6 sent) + $(sender_get b-cg icmp4 sent) + $(sender_get b-cg icmp6 sent)))"
check_nonzero "legacy, clsact deleted: what only TC stops (ns, AF_PACKET) leaks" "$((B_NS + B_AFP))"
R=$(adv_leaks r)
check_zero "legacy, after ksbpf load again: leaked" "$R"
B_ATT=$(attempts b-cg b-ns b-afp)
B_F=$(adv_fails_since "$F0")

adv_row s7a-firewall-rewrite-tcx "$A_ATT" "$A_LEAK" "$(adv_verdict "$A_LEAK" "$A_F" "$C_F")" \
	"status 0 after each of${ACTIONS#;}; $IPT; control after unload: $C leaked"
adv_row s7b-legacy-clsact-deleted "$B_ATT" "$B_LEAK" "$([ "$B_F" = 0 ] && echo limit || echo fail)" \
	"documented (README security model): in legacy mode tc qdisc del clsact removed ksbpf's filter, status exit $B_STATUS (degraded); leaked: lab cgroup $B_CG (cgroup hook: all EPERM), outside it $B_NS UDP/TCP + ICMP, AF_PACKET $B_AFP, until ksbpf load again (then $R); before the deletion $B0"
adv_finish
