#!/bin/bash
# kernel matrix (guests only): a load the kernel refuses. On a kernel whose
# cgroup_skb programs cannot call bpf_get_netns_cookie (before 6.15),
# KSBPF_PRETEND_PRESENT=skb-netns-cookie makes ksbpf ask for it anyway, as an
# unforeseen kernel would refuse a program. Checks:
#  - the refusal is one line naming the program and the verifier's reason
#    (no verifier dump without --debug; --debug prints it);
#  - a refused reload removes nothing: same programs attached, status
#    PROTECTED, and with the tunnel killed nothing reaches the far end;
#  - a refused first load leaves nothing attached and nothing pinned.
# On a kernel that has the helper there is no refusal to provoke: exit 0
# with a SKIP line (the kernel matrix runs it on 6.1 and 6.12).
set -u
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf

if "$KSBPF" check 2>/dev/null | grep -q "bpf_get_netns_cookie in cgroup_skb"; then
	echo "SKIP test_refused_load: this kernel lets cgroup_skb call bpf_get_netns_cookie"
	exit 0
fi

refused_load() { KSBPF_PRETEND_PRESENT=skb-netns-cookie ks_load "$@"; }

lab_setup
lab_tunnel_up || exit 1
lab_step "a load that works"
ks_load >"$LAB_DIR/load.out" 2>&1
check_eq "ksbpf load exit" "$?" 0
S=$LAB_DIR/s1.json
ks_status_json "$S"
check_eq "status state" "$(js "$S" "d['state']")" protected
check_eq "netns recorder attached" "$(js "$S" "d['cgroup']['netns_recorder']")" attached
before=$(lab_cg_progs | sort)

lab_step "a reload the kernel refuses"
refused_load >"$LAB_DIR/refused.out" 2>&1
check_eq "refused load exit" "$?" 1
sed 's/^/          | /' "$LAB_DIR/refused.out"
check_eq "one line of output" "$(wc -l <"$LAB_DIR/refused.out")" 1
check "it names the program and the helper" \
	grep -q "refused program ksbpf_cg_[a-z]*: .*bpf_get_netns_cookie" "$LAB_DIR/refused.out"
refused_load --debug >"$LAB_DIR/debug.out" 2>&1
check "--debug prints the verifier's log" grep -q "BEGIN PROG LOAD LOG" "$LAB_DIR/debug.out"
check_eq "programs on the cgroup unchanged" "$(lab_cg_progs | sort)" "$before"
S=$LAB_DIR/s2.json
ks_status_json "$S"
check_eq "status state after the refused reload" "$(js "$S" "d['state']")" protected

lab_step "tunnel killed after the refused reload: nothing leaks"
cap_start k-sv0 "$LAB_NS_S" sv0
lab_tunnel_kill
# shellcheck disable=SC2046
sender_run k-cg cg --count 10 --interval 0.05 $(probes_inet)
# shellcheck disable=SC2046
sender_run k-ns ns --count 10 --interval 0.05 $(probes_inet)
cap_stop k-sv0
check_nonzero "[cg] EPERM" "$(sender_get k-cg all eperm)"
n=$(cap_count k-sv0 "$(F_LEAK)")
check_zero "leaked packets on sv0" "$n"
[ "$n" = 0 ] || cap_show k-sv0 "$(F_LEAK)"

lab_step "a first load the kernel refuses leaves nothing"
ks unload >"$LAB_DIR/unload.out" 2>&1
check_eq "unload exit" "$?" 0
refused_load >"$LAB_DIR/refused2.out" 2>&1
check_eq "refused first load exit" "$?" 1
check_eq "programs left on the test cgroup" "$(lab_cg_progs | wc -l)" 0
check "pin directory removed" [ ! -e "$LAB_BPFFS" ]
ks_status_json "$LAB_DIR/s3.json"
check_eq "status exit" "$?" 3

lab_finish
