#!/bin/bash
# Scenario 11: an unprivileged user (setpriv --reuid=nobody --regid=nogroup
# --clear-groups, no capabilities) tries to switch the kill switch off or
# loosen it: read, update and delete the pinned maps (by pin and by id), read
# the programs, detach the pinned links, unpin them (rm, mv, rmdir, rm -rf),
# run `ksbpf unload/allow/tunnel add/app set/load` on the lab's pins, move
# itself out of the lab cgroup, and plant a pin directory for root to adopt.
# Every attempt must fail; the pin directory is 0700 root, every pin 0600
# root; enforcement holds afterwards (status 0, nothing on sv0).
# Positive control: the same map update run as root does open the kill
# switch (the senders then reach sv0), so the refused attempt was a real one.
set -u
# shellcheck source=tests/adversarial/lib.sh
. "$(dirname "$0")/../lib.sh"
trap 'rm -rf "${EVIL:-/nonexistent}" 2>/dev/null; lab_cleanup' EXIT
lab_require_root
lab_require_ksbpf

id nobody >/dev/null 2>&1 && getent group nogroup >/dev/null ||
	{ echo "RESULT s11-unprivileged-tamper - - skip no nobody/nogroup"; exit 0; }
lab_setup
trap 'LAB_SIGNAL=130; rm -rf "${EVIL:-/nonexistent}"; lab_cleanup' INT
trap 'LAB_SIGNAL=143; rm -rf "${EVIL:-/nonexistent}"; lab_cleanup' TERM
adv_load
B=$LAB_BPFFS
LINKS0=$(lab_pinned_links | sort | tr '\n' ' ')

AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all)
nob() { "${AS_NOBODY[@]}" "$@"; }
nob_client() { nsenter --net="/run/netns/$LAB_NS_C" "${AS_NOBODY[@]}" "$@"; }

lab_step "modes of the pins"
check_eq "pin directory mode/owner" "$(stat -c '%a %U %G' "$B")" "700 root root"
bad=$(find "$B" -mindepth 1 \( ! -perm 600 -o ! -user root -o ! -group root \) -printf '%p %m %u\n')
check_eq "pins not 0600 root:root" "${bad:-none}" none
NPINS=$(find "$B" -mindepth 1 | wc -l)
info "$NPINS pins in $B"

MAP_ID=$(bpftool -j map show pinned "$B/ksbpf_lan4" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
LINK_ID=$(bpftool -j link show pinned "$B/link_cg_egress" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
TC_PIN=$(find "$B" -name 'link_tc_egress_*' | head -1)
# 0.0.0.0/0 as LAN: everything would pass (the update root runs as the control)
LAN_ALL=(key hex 00 00 00 00 00 00 00 00 value hex 08 00 00 00)

lab_step "as nobody: maps, programs, links, pins"
adv_try "bpftool map dump pinned ksbpf_config" nob bpftool map dump pinned "$B/ksbpf_config"
adv_try "bpftool map update pinned ksbpf_lan4 0.0.0.0/0" nob bpftool map update pinned "$B/ksbpf_lan4" "${LAN_ALL[@]}"
adv_try "bpftool map update id $MAP_ID (by id) 0.0.0.0/0" nob bpftool map update id "$MAP_ID" "${LAN_ALL[@]}"
adv_try "bpftool map delete pinned ksbpf_tunnels" nob bpftool map delete pinned "$B/ksbpf_tunnels" key hex 01 00 00 00
adv_try "bpftool map dump id $MAP_ID" nob bpftool map dump id "$MAP_ID"
adv_try "bpftool prog show pinned prog_tc_egress" nob bpftool prog show pinned "$B/prog_tc_egress"
adv_try "bpftool link detach pinned link_cg_egress" nob bpftool link detach pinned "$B/link_cg_egress"
adv_try "bpftool link detach pinned $(basename "$TC_PIN")" nob bpftool link detach pinned "$TC_PIN"
adv_try "bpftool link detach id $LINK_ID" nob bpftool link detach id "$LINK_ID"
adv_try "ls the pin directory" nob ls "$B"
adv_try "rm link_cg_egress" nob rm -f "$B/link_cg_egress"
adv_try "unlink $(basename "$TC_PIN")" nob unlink "$TC_PIN"
adv_try "mv link_cg_egress out" nob mv "$B/link_cg_egress" /tmp/adv-stolen-pin
adv_try "rmdir the pin directory" nob rmdir "$B"
adv_try "rm -rf the pin directory" nob sh -c "rm -rf '$B' && ! test -e '$B'"
adv_try "bpftool link show (all links, ids only)" nob sh -c "bpftool link show | grep -q ."

lab_step "as nobody: ksbpf itself"
# (not through the lab's ks wrapper, which passes a --config in the 0700 lab
# directory; the same lab --bpffs and --cgroup, and nobody cannot attach)
KS_OPTS=(--bpffs "$B" --cgroup "$LAB_CG" --config /dev/null)
adv_try "ksbpf unload" nob_client "$KSBPF" unload "${KS_OPTS[@]}"
adv_try "ksbpf allow lan 0.0.0.0/0" nob_client "$KSBPF" allow lan 0.0.0.0/0 "${KS_OPTS[@]}"
adv_try "ksbpf tunnel add up0" nob_client "$KSBPF" tunnel add up0 "${KS_OPTS[@]}"
adv_try "ksbpf app set <lab cgroup> bypass" nob_client "$KSBPF" app set "$LAB_CG" bypass "${KS_OPTS[@]}"
adv_try "ksbpf load --allow-lan --lan 0.0.0.0/0" nob_client "$KSBPF" load --tunnel "$LAB_WG_C" \
	--endpoint "$LAB_EP_SPEC" --lan 0.0.0.0/0 "${KS_OPTS[@]}"
adv_try "escape the lab cgroup (write the cgroup root's cgroup.procs)" \
	nsenter --net="/run/netns/$LAB_NS_C" /bin/sh -c \
	'echo $$ > "$0/cgroup.procs" && exec "$@"' "$LAB_CG" "${AS_NOBODY[@]}" \
	/bin/sh -c 'echo $$ > "$0/cgroup.procs"' "$LAB_CG2"

lab_step "as nobody: plant a pin directory for root to adopt"
EVIL=/sys/fs/bpf/ksbpf-adv-planted-$LAB_ID
if nob mkdir -m 0777 "$EVIL" 2>/dev/null; then
	info "nobody could create $EVIL (bpffs root is $(stat -c %a /sys/fs/bpf))"
	TRIED=$((TRIED + 1))
	# the lab's wrappers, pointed at the planted directory (a subshell)
	if (LAB_BPFFS=$EVIL; ks_load) >"$LAB_DIR/evil.out" 2>&1; then
		LET="$LET, root adopted a planted pin dir"
		fail "ALLOWED: root's ksbpf load adopted a pin directory planted by nobody"
		(LAB_BPFFS=$EVIL; ks unload) >/dev/null 2>&1
	else
		REFUSED=$((REFUSED + 1))
		pass "refused: root's load into a planted dir ($(head -c 120 "$LAB_DIR/evil.out" | tr '\n' ' '))"
	fi
	rm -rf "$EVIL"
else
	info "nobody cannot create directories in /sys/fs/bpf"
fi

lab_step "enforcement after all that"
F0=$LAB_FAILS
check_eq "status" "$(adv_status)" 0
check_eq "same pinned links" "$(lab_pinned_links | sort | tr '\n' ' ')" "$LINKS0"
check_eq "pins still there" "$(find "$B" -mindepth 1 | wc -l)" "$NPINS"
cap_start h "$LAB_NS_S" sv0
# shellcheck disable=SC2046
{
sender_start h-cg cg --count 20 --interval 0.02 $(probes_inet)
sender_start h-ns ns --count 20 --interval 0.02 $(probes_inet)
sender_start h-afp ns --count 20 --interval 0.02 $(probes_afp)
}
sender_wait h-cg h-ns h-afp
cap_stop h
LEAK=$(adv_leaks h)
[ "$LEAK" = 0 ] || adv_leak_detail h
check_zero "leaked on sv0" "$LEAK"
ATT=$(attempts h-cg h-ns h-afp)

lab_step "positive control: the same map update as root opens the kill switch"
bpftool map update pinned "$B/ksbpf_lan4" "${LAN_ALL[@]}"
check_eq "root's bpftool map update (0.0.0.0/0 as LAN): exit code" "$?" 0
cap_start c "$LAB_NS_S" sv0
# shellcheck disable=SC2046
sender_run c-cg cg --count 10 --interval 0.02 $(probes_inet)
cap_stop c
C=$(cap_count c "$(ADV_F_LEAK) and ip")
check_nonzero "control: IPv4 from the lab cgroup on sv0 after root's update" "$C"
H_F=$(adv_fails_since "$F0")

[ "$REFUSED" = "$TRIED" ] || H_F=$((H_F + 1))
adv_row s11-unprivileged-tamper "$ATT" "$LEAK" "$(adv_verdict "$LEAK" "$H_F")" \
	"$REFUSED/$TRIED tamper attempts as nobody refused${LET:+ (ALLOWED:${LET#,})}; pin dir 0700 root, $NPINS pins 0600 root; then status 0, same links; control: root's identical map update let $C through"
adv_finish
