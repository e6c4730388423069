#!/bin/bash
# e2e: `ksbpf status` for those who cannot read the pins, and for machines.
#  - on a bpffs mounted mode=0700 (as systemd mounts /sys/fs/bpf), a user's
#    status shows the snapshot root's load and agent keep, with its age and
#    the recorded exit status; never "not loaded" (exit 3) for a directory
#    it cannot see: no snapshot, or a snapshot others may write, is exit 1
#    with "permission denied: run as root";
#  - verify, as a user: permission denied (exit 1), never "nothing stops a
#    leak" (exit 3);
#  - unload removes the snapshot;
#  - the agent's --metrics-file and `status --format prometheus` pass a
#    strict exposition-format checker (tests/lib/prom_check.py, which
#    refuses broken samples itself), and follow the tunnel;
#  - the summary by default, everything with -v; --watch off a terminal
#    prints no escape sequences.
set -u
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
PRIVATE_BPFFS=""
cleanup() {
	local rc=$?
	[ -n "$LAB_DIR" ] && [ -e "/run/netns/$LAB_NS_C" ] && ks unload >/dev/null 2>&1
	[ -n "$PRIVATE_BPFFS" ] && umount "$PRIVATE_BPFFS" 2>/dev/null
	rm -rf "${SNAP_DIR:-/nonexistent}"
	(exit "$rc")
	lab_cleanup
}
trap cleanup EXIT
lab_require_root
lab_require_ksbpf
command -v setpriv >/dev/null || lab_die "missing tool: setpriv"

lab_setup
trap cleanup EXIT
trap 'LAB_SIGNAL=130 cleanup' INT
trap 'LAB_SIGNAL=143 cleanup' TERM

check "the checker refuses broken exposition text" \
	/usr/bin/python3 "$LAB_ROOT/tests/lib/prom_check.py" --self-test

# The lab's pins on a bpffs of its own, mounted 0700; the snapshot and the
# metrics where a user may read them.
PRIVATE_BPFFS=$(mktemp -d /tmp/ksbpf-bpffs.XXXXXX)
mount -t bpf -o mode=0700 bpf "$PRIVATE_BPFFS" || lab_die "mount bpffs 0700"
LAB_BPFFS=$PRIVATE_BPFFS/ksbpf
SNAP_DIR=$(mktemp -d /tmp/ksbpf-status.XXXXXX)
chmod 0755 "$SNAP_DIR"
LAB_STATUS_FILE=$SNAP_DIR/status.json
METRICS=$SNAP_DIR/ksbpf.prom

# as_user ARGS...: ksbpf as nobody, in the client namespace, same options.
as_user() {
	nsenter --net="/run/netns/$LAB_NS_C" setpriv --reuid=nobody --regid=nogroup \
		--clear-groups "$KSBPF" "$@" --bpffs "$LAB_BPFFS" --cgroup "$LAB_CG" \
		--config /dev/null --status-file "$LAB_STATUS_FILE"
}
prom_ok() { /usr/bin/python3 "$LAB_ROOT/tests/lib/prom_check.py" "$1"; }
series() { grep -c "^$2" "$1"; }

lab_step "load on a 0700 bpffs: root's view, and a user's"
ks_load >"$LAB_DIR/load.out" 2>&1 || { fail "load"; cat "$LAB_DIR/load.out"; }
ks status >"$LAB_DIR/root.txt" 2>&1
check_eq "root: status exit" "$?" 0
check "a snapshot was written" test -f "$LAB_STATUS_FILE"
check_eq "snapshot mode" "$(stat -c %a "$LAB_STATUS_FILE")" 644
as_user status >"$LAB_DIR/user.txt" 2>"$LAB_DIR/user.err"
check_eq "user: status exit (the recorded one)" "$?" 0
check_eq "user: the same headline as root" "$(head -1 "$LAB_DIR/user.txt")" \
	"$(head -1 "$LAB_DIR/root.txt")"
check "user: says it is a snapshot, and its age" \
	grep -q "showing the snapshot .ksbpf load. (pid [0-9]*) wrote to $LAB_STATUS_FILE [0-9]*s ago" "$LAB_DIR/user.err"
as_user status -v >"$LAB_DIR/user-v.txt" 2>/dev/null
check "user: -v has the details (counters)" grep -q '^counters:' "$LAB_DIR/user-v.txt"
check "root: the summary has no counters" sh -c "! grep -q '^counters:' '$LAB_DIR/root.txt'"
as_user status --json >"$LAB_DIR/user.json" 2>/dev/null
check_eq "user: --json state, and the snapshot's path" \
	"$(js "$LAB_DIR/user.json" "d['state'] + ' ' + d['snapshot']['path']")" \
	"protected $LAB_STATUS_FILE"
as_user status --format prometheus >/dev/null 2>"$LAB_DIR/user-prom.err"
check_eq "user: prometheus needs root: exit" "$?" 1
as_user verify >"$LAB_DIR/user-verify.txt" 2>&1
check_eq "user: verify exit 1, not 3" "$?" 1
check "user: verify says permission denied" grep -q 'permission denied: run as root' "$LAB_DIR/user-verify.txt"

lab_step "no snapshot, or one others may write: permission denied, exit 1"
mv "$LAB_STATUS_FILE" "$LAB_STATUS_FILE.away"
as_user status >"$LAB_DIR/user2.txt" 2>&1
check_eq "user without a snapshot: exit 1, not 3" "$?" 1
check "it says permission denied: run as root" grep -q 'permission denied: run as root' "$LAB_DIR/user2.txt"
check "and never NOT LOADED" sh -c "! grep -qi 'not loaded' '$LAB_DIR/user2.txt'"
mv "$LAB_STATUS_FILE.away" "$LAB_STATUS_FILE"
chmod 0666 "$LAB_STATUS_FILE"
as_user status >"$LAB_DIR/user3.txt" 2>&1
check_eq "a world-writable snapshot: exit 1" "$?" 1
check "refused as writable by everyone" grep -q 'writable by everyone' "$LAB_DIR/user3.txt"
chmod 0644 "$LAB_STATUS_FILE"

lab_step "the agent: snapshot and --metrics-file follow the tunnel"
ks_run_bg "$LAB_DIR/agent.log" --metrics-file "$METRICS" --metrics-apps
wait_for 10 grep -q '^ksbpf_protected 1' "$METRICS" || fail "no metrics file from the agent"
check "metrics file: strict exposition format" prom_ok "$METRICS"
check_eq "metrics file: mode" "$(stat -c %a "$METRICS")" 644
check_eq "tunnel inactive before it is up" \
	"$(grep -c "^ksbpf_tunnel_active{tunnel=\"$LAB_WG_C\",pattern=\"$LAB_WG_C\"} 0" "$METRICS")" 1
lab_tunnel_up
wait_for 10 grep -q "^ksbpf_tunnel_active{tunnel=\"$LAB_WG_C\",pattern=\"$LAB_WG_C\"} 1" "$METRICS" ||
	fail "metrics: tunnel active 1 within 10 s"
check "metrics: still strict after the change" prom_ok "$METRICS"
check "metrics: uplink series" grep -q '^ksbpf_uplink_packets_total{uplink="up0",verdict="pass"} ' "$METRICS"
check "metrics: counters by hook, reason, verdict" \
	grep -q '^ksbpf_packets_total{hook="tc_egress",reason="endpoint",verdict="pass"} [1-9]' "$METRICS"
check "metrics: build info" grep -q '^ksbpf_build_info{version=' "$METRICS"
check "metrics: verify's probes in a family of their own" \
	grep -q '^ksbpf_verify_probes_total{hook="cgroup_egress",reason="no_route",verdict="drop"} ' "$METRICS"
mkdir -p "$LAB_CG/app1"
ks app set "$LAB_CG/app1" block >/dev/null 2>&1
wait_for 10 grep -q '^ksbpf_app_packets_total{app=' "$METRICS" || fail "--metrics-apps: no app series"
check "metrics: strict with app series" prom_ok "$METRICS"
for _ in $(seq 50); do
	as_user status 2>/dev/null | grep -q "tunnel $LAB_WG_C up" && break
	sleep 0.2
done
as_user status >"$LAB_DIR/user4.txt" 2>"$LAB_DIR/user4.err"
check "user: the agent's snapshot says the tunnel is up" grep -q "tunnel $LAB_WG_C up" "$LAB_DIR/user4.txt"
check "user: written by the agent" grep -q 'snapshot .ksbpf run.' "$LAB_DIR/user4.err"

lab_step "root: --format prometheus, and --watch off a terminal"
ks status --format prometheus >"$LAB_DIR/root.prom" 2>&1
check_eq "root: prometheus exit" "$?" 0
check "root: strict exposition format" prom_ok "$LAB_DIR/root.prom"
check_eq "root: no app series without --metrics-apps" "$(series "$LAB_DIR/root.prom" ksbpf_app_packets_total)" 0
timeout 2.5 nsenter --net="/run/netns/$LAB_NS_C" "$KSBPF" status --watch \
	--bpffs "$LAB_BPFFS" --cgroup "$LAB_CG" --config /dev/null >"$LAB_DIR/watch.txt" 2>&1
check_eq "--watch into a file: no escape sequences" "$(grep -c $'\033' "$LAB_DIR/watch.txt")" 0
check_ge "--watch into a file: printed more than once" "$(grep -c '^PROTECTED' "$LAB_DIR/watch.txt")" 2

lab_step "unload removes the snapshot"
kill "$KS_AGENT_PID" 2>/dev/null
wait "$KS_AGENT_PID" 2>/dev/null
ks unload >/dev/null 2>&1
check "no snapshot after unload" test ! -e "$LAB_STATUS_FILE"
as_user status >/dev/null 2>&1
check_eq "user after unload: still exit 1 (cannot tell), not 3" "$?" 1

lab_finish
