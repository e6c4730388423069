#!/bin/bash
# Scenario 12: root in another network namespace (a VPN hook in a namespace
# of its own, a unit with NetworkNamespacePath=, a container that sees
# /sys/fs/bpf) runs ksbpf on the guarded namespace's pins. bpffs belongs to
# the mount namespace, so it sees them: `tunnel add` would put that
# namespace's ifindexes in ksbpf_tunnels (one colliding with the guarded
# uplink makes it a "tunnel"), `load` would write that namespace's cookie
# into the config (every guarded socket would then be other_netns). Each
# command that reads or writes the loaded state must refuse, saying which
# namespace is guarded; the lab's maps and links are unchanged, status stays
# 0, nothing reaches sv0. The other namespace here has an interface named
# and numbered like the lab's uplink (up0, ifindex 2), the colliding case.
# Positive control: the same `ksbpf tunnel add up0` in the guarded namespace
# is accepted and lets the lab cgroup's probes out of up0.
# 12b: `ksbpf load` in a mount namespace of its own (unshare -m, as ip netns
# exec and a unit's private mounts make one) with a --bpffs that is not on a
# bpffs: a bpffs it mounted there would vanish with that namespace, and the
# links with it. It must refuse and attach nothing.
set -u
# shellcheck source=tests/adversarial/lib.sh
. "$(dirname "$0")/../lib.sh"
OTHER_NS=kse2e-o-$LAB_ID
other_cleanup() {
	local rc=$?
	[ -e "/run/netns/$OTHER_NS" ] && ip netns del "$OTHER_NS" 2>/dev/null
	(exit "$rc")
	lab_cleanup
}
trap other_cleanup EXIT
lab_require_root
lab_require_ksbpf

lab_setup
trap 'LAB_SIGNAL=130 other_cleanup' INT
trap 'LAB_SIGNAL=143 other_cleanup' TERM
adv_load
B=$LAB_BPFFS
ip netns add "$OTHER_NS" || lab_die "netns add $OTHER_NS"
ip -n "$OTHER_NS" link add up0 type veth peer name up0p || lab_die "veth in $OTHER_NS"
ip -n "$OTHER_NS" link set up0 up
info "in $OTHER_NS: $(ip -n "$OTHER_NS" -o link show up0 | cut -d: -f1,2)"
LINKS0=$(lab_pinned_links | sort | tr '\n' ' ')
dump() { for m in ksbpf_config ksbpf_tunnels ksbpf_tun_names ksbpf_lan4 ksbpf_apps ksbpf_uplinks; do
	bpftool map dump pinned "$B/$m"; done 2>&1 | md5sum; }
MAPS0=$(dump)

in_other() { nsenter --net="/run/netns/$OTHER_NS" "$@"; }
KS_OPTS=(--bpffs "$B" --cgroup "$LAB_CG" --config /dev/null)
# Each refusal must say why.
ADV_TRY_SAYS="guards another network namespace"

lab_step "root in $OTHER_NS, on the lab's pins"
adv_try "ksbpf tunnel add up0" in_other "$KSBPF" tunnel add up0 "${KS_OPTS[@]}"
adv_try "ksbpf tunnel del $LAB_WG_C" in_other "$KSBPF" tunnel del "$LAB_WG_C" "${KS_OPTS[@]}"
adv_try "ksbpf allow lan 0.0.0.0/0" in_other "$KSBPF" allow lan 0.0.0.0/0 "${KS_OPTS[@]}"
adv_try "ksbpf deny endpoint $LAB_EP_SPEC" in_other "$KSBPF" deny endpoint "$LAB_EP_SPEC" "${KS_OPTS[@]}"
adv_try "ksbpf app set <lab cgroup> bypass" in_other "$KSBPF" app set "$LAB_CG" bypass "${KS_OPTS[@]}"
adv_try "ksbpf load --tunnel up0" in_other "$KSBPF" load --tunnel up0 --endpoint "$LAB_EP_SPEC" "${KS_OPTS[@]}"
adv_try "ksbpf run --tunnel up0" in_other timeout 10 "$KSBPF" run --tunnel up0 "${KS_OPTS[@]}"
adv_try "ksbpf status" in_other "$KSBPF" status "${KS_OPTS[@]}"
adv_try "ksbpf verify" in_other "$KSBPF" verify "${KS_OPTS[@]}"
sed 's/^/          | /' "$LAB_DIR/try.out"

lab_step "12b: load in a mount namespace of its own, onto a fresh --bpffs"
PRIV=/tmp/ksbpf-adv-priv-$LAB_ID
cg_progs0=$(bpftool cgroup show "$LAB_CG" 2>/dev/null | wc -l)
links0=$(bpftool link show 2>/dev/null | grep -c '^[0-9]')
unshare -m --propagation private nsenter --net="/run/netns/$LAB_NS_C" "$KSBPF" load \
	--bpffs "$PRIV" --cgroup "$LAB_CG" --config /dev/null --tunnel "$LAB_WG_C" \
	--endpoint "$LAB_EP_SPEC" >"$LAB_DIR/priv.out" 2>&1
P_RC=$?
sed 's/^/          | /' "$LAB_DIR/priv.out"
P_F0=$LAB_FAILS
check "refused (exit $P_RC), naming the mount namespace" \
	sh -c "[ $P_RC != 0 ] && grep -q 'mount namespace is not the system' '$LAB_DIR/priv.out'"
check_eq "nothing more attached to the lab cgroup" "$(bpftool cgroup show "$LAB_CG" 2>/dev/null | wc -l)" "$cg_progs0"
check_eq "no new BPF links" "$(bpftool link show 2>/dev/null | grep -c '^[0-9]')" "$links0"
rmdir "$PRIV" 2>/dev/null
P_F=$(adv_fails_since "$P_F0")

lab_step "enforcement after all that"
F0=$LAB_FAILS
check_eq "maps unchanged" "$(dump)" "$MAPS0"
check_eq "same pinned links" "$(lab_pinned_links | sort | tr '\n' ' ')" "$LINKS0"
check_eq "status (in the guarded namespace)" "$(adv_status)" 0
cap_start h "$LAB_NS_S" sv0
# shellcheck disable=SC2046
{
sender_start h-cg cg --count 20 --interval 0.02 $(probes_inet)
sender_start h-afp ns --count 20 --interval 0.02 $(probes_afp)
}
sender_wait h-cg h-afp
cap_stop h
LEAK=$(adv_leaks h)
[ "$LEAK" = 0 ] || adv_leak_detail h
check_zero "leaked on sv0" "$LEAK"
ATT=$(attempts h-cg h-afp)

lab_step "positive control: ksbpf tunnel add up0 in the guarded namespace opens up0"
ks tunnel add up0 >"$LAB_DIR/control.out" 2>&1
check_eq "ksbpf tunnel add up0 (guarded namespace): exit code" "$?" 0
cap_start c "$LAB_NS_S" sv0
# shellcheck disable=SC2046
sender_run c-cg cg --count 10 --interval 0.02 $(probes_inet)
cap_stop c
C=$(cap_count c "$(ADV_F_LEAK) and ip")
check_nonzero "control: IPv4 from the lab cgroup on sv0 once up0 is a tunnel" "$C"
H_F=$(adv_fails_since "$F0")

[ "$REFUSED" = "$TRIED" ] || H_F=$((H_F + 1))
adv_row s12-other-netns-reconfigure "$ATT" "$LEAK" "$(adv_verdict "$LEAK" "$H_F")" \
	"$REFUSED/$TRIED commands from another network namespace (with its own up0 at the uplink's ifindex) refused${LET:+ (ALLOWED:${LET#,})}; maps and links unchanged, status 0; control: the same tunnel add in the guarded namespace let $C through"
adv_row s12b-load-in-private-mount-ns 1 0 "$(adv_verdict 0 "$P_F")" \
	"ksbpf load under unshare -m with a --bpffs not on a bpffs: refused (exit $P_RC) before mounting one that would vanish with the namespace; nothing attached"
adv_finish
