#!/bin/bash
# e2e: a busy container node, with the agent. With no tunnel and a sender
# that only TC can stop (outside the lab cgroup, AF_PACKET) running all along:
#  - churn: 1,000 veth pairs (500 routed pod veths that are no bridge port:
#    uplinks, each gets a TC program; 500 ports of a bridge: local links)
#    appear and go; nothing leaks on sv0, the agent never resyncs, status ends
#    PROTECTED with only up0 guarded and no TC pin left behind; the agent's
#    RSS and CPU time are printed and its RSS stays bounded;
#  - the 1,001st veth is guarded, and the 1,002nd classified local, within
#    100 ms of appearing;
#  - a limit (--max-uplinks 16): the uplinks over it are said once each in the
#    agent's log and in status (DEGRADED, "ksbpf_uplinks is full"), with no
#    resync loop.
# Needs root and build/ksbpf.
# shellcheck disable=SC2016,SC2119
set -u
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
lab_require_root
lab_require_ksbpf

PODS_NS=kse2e-p-$LAB_ID
PAIRS=${KSBPF_SCALE_PAIRS:-1000}

scale_cleanup() {
	local rc=$? pid
	set +e
	for pid in $LAB_PIDS; do kill -9 "$pid" 2>/dev/null; done
	if [ -e "/run/netns/$PODS_NS" ]; then
		ip netns del "$PODS_NS" 2>/dev/null
	fi
	(exit "$rc")
	lab_cleanup
}
trap scale_cleanup EXIT

# agent_usage: "RSS_KB CPU_TICKS" of the agent.
agent_usage() {
	local rss ticks
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$KS_AGENT_PID/status")
	ticks=$(awk '{ print $14 + $15 }' "/proc/$KS_AGENT_PID/stat")
	echo "$rss $ticks"
}

# batch FILE: ip -batch in the client namespace.
batch() { ip -n "$LAB_NS_C" -batch "$1" >"$LAB_DIR/batch.log" 2>&1 || { fail "ip -batch $1: $(head -3 "$LAB_DIR/batch.log")"; }; }

# ifindex NAME: in the client namespace.
ifindex() { ip -n "$LAB_NS_C" -o link show "$1" 2>/dev/null | cut -d: -f1; }

# time_until_ms MAX_MS CMD...: milliseconds until CMD succeeds (or MAX_MS).
time_until_ms() {
	local max=$1 t0 now
	shift
	t0=$(date +%s%N)
	while ! "$@"; do
		now=$(date +%s%N)
		[ $(((now - t0) / 1000000)) -ge "$max" ] && break
		sleep 0.002
	done
	echo $((($(date +%s%N) - t0) / 1000000))
}

lab_setup
trap 'LAB_SIGNAL=130 scale_cleanup' INT
trap 'LAB_SIGNAL=143 scale_cleanup' TERM
ip netns add "$PODS_NS" || lab_die "netns add $PODS_NS"
ip -n "$LAB_NS_C" link add ksbr0 type bridge && ip -n "$LAB_NS_C" link set ksbr0 up ||
	lab_die "bridge ksbr0"

lab_step "agent up, no tunnel, a sender outside the lab cgroup all along"
ks_run_bg "$LAB_DIR/agent.log"
wait_for 10 grep -q "in sync" "$LAB_DIR/agent.log" || fail "agent not in sync: $(cat "$LAB_DIR/agent.log")"
read -r rss0 cpu0 <<<"$(agent_usage)"
cap_start c-sv0 "$LAB_NS_S" sv0
# Outside the lab cgroup, and whole frames on up0: only TC stands between
# them and sv0.
# shellcheck disable=SC2046
sender_start churn ns --count 1000000 --duration 600 --interval 0.01 $(probes_inet) $(probes_afp)

lab_step "churn: $PAIRS veth pairs appear ($((PAIRS / 2)) routed, $((PAIRS / 2)) in ksbr0) and go"
t0=$(date +%s)
: >"$LAB_DIR/add.batch"
: >"$LAB_DIR/del.batch"
for i in $(seq 1 "$PAIRS"); do
	echo "link add ksc$i type veth peer name p$i netns $PODS_NS" >>"$LAB_DIR/add.batch"
	if [ $((i % 2)) = 0 ]; then
		echo "link set ksc$i master ksbr0" >>"$LAB_DIR/add.batch"
	fi
	echo "link del ksc$i" >>"$LAB_DIR/del.batch"
done
batch "$LAB_DIR/add.batch"
S=$LAB_DIR/status.json
all_there() {
	ks_status_json "$S"
	[ "$(js "$S" "len([u for u in d['uplinks'] if u['name'].startswith('ksc') and u['attached']]) == $((PAIRS / 2)) and d['unguarded'] == []")" = 1 ]
}
wait_for 60 all_there || fail "not every routed veth guarded: $(js "$S" "len(d['uplinks'])") uplinks, unguarded $(js "$S" "d['unguarded'][:5]")"
added_s=$(($(date +%s) - t0))
check_eq "status with $PAIRS pairs (protected)" "$(js "$S" "d['state']")" protected
check_eq "bridged veths are local links" \
	"$(js "$S" "len([i for i in d['interfaces'] if i['name'].startswith('ksc') and i['role'] == 'local'])")" $((PAIRS / 2))
read -r rss1 cpu1 <<<"$(agent_usage)"

lab_step "the $((PAIRS + 1))st veth is guarded, the $((PAIRS + 2))nd classified local, within 100 ms"
ip -n "$LAB_NS_C" link add kslast type veth peer name plast netns "$PODS_NS"
last=$(ifindex kslast)
# The agent says it once the program is attached.
ms=$(time_until_ms 2000 grep -q "uplink kslast (ifindex $last): guarded" "$LAB_DIR/agent.log")
info "kslast (ifindex $last) guarded after ${ms} ms"
check "the $((PAIRS + 1))st veth guarded within 100 ms (${ms} ms)" test "$ms" -lt 100
ip -n "$LAB_NS_C" link add kslocal type veth peer name plocal netns "$PODS_NS"
ip -n "$LAB_NS_C" link set kslocal master ksbr0
ms=$(time_until_ms 2000 grep -q "local link kslocal" "$LAB_DIR/agent.log")
info "kslocal classified local after ${ms} ms"
check "the $((PAIRS + 2))nd veth classified local within 100 ms (${ms} ms)" test "$ms" -lt 100

t0=$(date +%s)
echo "link del kslast" >>"$LAB_DIR/del.batch"
echo "link del kslocal" >>"$LAB_DIR/del.batch"
batch "$LAB_DIR/del.batch"
only_up0() {
	ks_status_json "$S"
	[ "$(js "$S" "[u['name'] for u in d['uplinks']] == ['up0']")" = 1 ]
}
wait_for 60 only_up0 || fail "uplinks after the deletions: $(js "$S" "[u['name'] for u in d['uplinks']][:5]")"
deleted_s=$(($(date +%s) - t0))
read -r rss2 cpu2 <<<"$(agent_usage)"
sender_stop() { kill -TERM "${LAB_SND_PID[churn]}" 2>/dev/null; sender_wait churn; }
sender_stop
cap_stop c-sv0
sender_show churn
check_nonzero "the sender ran throughout" "$(sender_get churn all sent)"
n=$(cap_count c-sv0 "$(F_LEAK)")
check_zero "sv0: leaked packets during the churn" "$n"
[ "$n" = 0 ] || cap_show c-sv0 "$(F_LEAK)"
ks_status_json "$S"
check_eq "status after the churn" "$(js "$S" "d['state']")" protected
check_eq "TC links left: up0's only" "$(ls "$LAB_BPFFS" | grep -c '^link_tc_')" 1
check_zero "agent log: resyncs" "$(grep -c 'resync failed\|an action failed\|netlink overrun' "$LAB_DIR/agent.log")"
tick=$(getconf CLK_TCK)
info "agent: RSS ${rss0} kB at start, ${rss1} kB with $PAIRS pairs, ${rss2} kB after; CPU $(((cpu1 - cpu0) * 1000 / tick)) ms for the $PAIRS additions (${added_s} s), $(((cpu2 - cpu1) * 1000 / tick)) ms for the deletions (${deleted_s} s)"
check "agent RSS bounded (< 64 MB with $PAIRS pairs)" test "$rss1" -lt 65536
check "agent RSS back near the start after the deletions (< start + 16 MB)" test "$rss2" -lt $((rss0 + 16384))

lab_step "--max-uplinks 16: the uplinks over the limit are said once, not retried"
kill -TERM "$KS_AGENT_PID" 2>/dev/null
wait "$KS_AGENT_PID" 2>/dev/null
ks unload >"$LAB_DIR/unload.out" 2>&1 || fail "unload: $(cat "$LAB_DIR/unload.out")"
ks_run_bg "$LAB_DIR/agent-limit.log" --max-uplinks 16
wait_for 10 grep -q "in sync" "$LAB_DIR/agent-limit.log" || fail "agent not in sync"
: >"$LAB_DIR/limit.batch"
for i in $(seq 1 20); do
	echo "link add ksl$i type veth peer name q$i netns $PODS_NS" >>"$LAB_DIR/limit.batch"
done
batch "$LAB_DIR/limit.batch"
sleep 3	# three agent ticks: a resync loop would show
ks_status_json "$S"
check_eq "status exit code (degraded)" "$?" 4
full=$(grep -c "NOT guarded: ksbpf_uplinks is full" "$LAB_DIR/agent-limit.log")
check_eq "status: unguarded interfaces" "$(js "$S" "len(d['unguarded'])")" "$full"
check_eq "agent log: one line per unguarded uplink (21 uplinks, room for 16)" "$full" 5
check_eq "status: room" "$(js "$S" "d['max_uplinks']")" 16
ks status -v >"$LAB_DIR/status.txt"
check "status headline names the limit" grep -q "ksbpf_uplinks is full" "$LAB_DIR/status.txt"
check_zero "agent log: resyncs" "$(grep -c 'resync failed\|an action failed' "$LAB_DIR/agent-limit.log")"
grep "NOT guarded" "$LAB_DIR/agent-limit.log" | head -n 2 | sed 's/^/          | /'

lab_finish
