#!/bin/bash
# Scenario 2: churn of ksbpf itself under load, the tunnel dead (every packet
# to the internet addresses is a leak candidate), WireGuard endpoint over
# IPv6 ([2001:db8:1::1]:51820/udp).
#  a. the agent (`ksbpf run`) SIGKILLed and restarted ADV_CHURN (100) times:
#     killed at once, 5/20/50 ms after its start (mid-load), or once it
#     follows rtnetlink; then started for good: it must adopt the pins
#     (same links) and allow the restarted tunnel.
#  b. `ksbpf load` re-run ADV_CHURN times (the upgrade path), alternating
#     an extra --lan so the allowlists are rewritten each time.
# Senders run throughout: UDP/TCP/ICMP v4+v6 from the lab cgroup and from
# outside it, AF_PACKET frames. Positive control: after unload they leak.
set -u
# shellcheck source=tests/adversarial/lib.sh
. "$(dirname "$0")/../lib.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf

N=${ADV_CHURN:-100}
lab_setup --ep6
lab_tunnel_up || exit 1

agent_ready() { wait_for 5 grep -q "following rtnetlink" "$1"; }

PROBES="udp4:$LAB_INET4:40030 udp6:[$LAB_INET6]:40030 tcp4:$LAB_INET4:40031 tcp6:[$LAB_INET6]:40031 icmp4:$LAB_INET4 icmp6:$LAB_INET6"
senders_start() {	# PREFIX
	# shellcheck disable=SC2086,SC2046
	{
	sender_start "$1-cg" cg --duration 120 --count 10000000 --interval 0.01 $PROBES
	sender_start "$1-ns" ns --duration 120 --count 10000000 --interval 0.01 $PROBES
	sender_start "$1-afp" ns --duration 120 --count 10000000 --interval 0.01 $(probes_afp)
	}
}
senders_stop() { sender_stop "$1-cg" "$1-ns" "$1-afp"; }

lab_step "agent up, tunnel up, then the tunnel is killed"
ks_run_bg "$LAB_DIR/agent-0.log"
agent_ready "$LAB_DIR/agent-0.log" || { fail "agent did not start"; cat "$LAB_DIR/agent-0.log"; exit 1; }
LINKS0=$(lab_pinned_links | sort | tr "\n" " ")
check "pinned links after the first start" [ -n "$LINKS0" ]
lab_tunnel_kill

lab_step "2a: agent SIGKILLed and restarted $N times under load"
F0=$LAB_FAILS
cap_start a-sv0 "$LAB_NS_S" sv0
senders_start a
sleep 0.5
delays=(0 0.005 0.02 0.05 ready)
notloaded=0
for i in $(seq 1 "$N"); do
	{ kill -9 "$KS_AGENT_PID"; wait "$KS_AGENT_PID"; } 2>/dev/null
	ks_run_bg "$LAB_DIR/agent-$i.log"
	d=${delays[$((i % ${#delays[@]}))]}
	if [ "$d" = ready ]; then
		agent_ready "$LAB_DIR/agent-$i.log" || info "agent $i not ready within 5 s"
	else
		sleep "$d"
	fi
	# every tenth round: is enforcement there between a kill and a restart?
	if [ $((i % 10)) = 0 ]; then
		{ kill -9 "$KS_AGENT_PID"; wait "$KS_AGENT_PID"; } 2>/dev/null
		[ "$(adv_status)" = 3 ] && notloaded=$((notloaded + 1))
		ks_run_bg "$LAB_DIR/agent-$i-b.log"
	fi
done
{ kill -9 "$KS_AGENT_PID"; wait "$KS_AGENT_PID"; } 2>/dev/null
ks_run_bg "$LAB_DIR/agent-final.log"
agent_ready "$LAB_DIR/agent-final.log" || fail "final agent did not start: $(cat "$LAB_DIR/agent-final.log")"
senders_stop a
cap_stop a-sv0
check_zero "status 'not loaded' between kills (sampled 1 in 10)" "$notloaded"
check_eq "status with the final agent (tunnel down)" "$(adv_status)" 0
check_eq "same pinned links as the first agent's" "$(lab_pinned_links | sort | tr "\n" " ")" "$LINKS0"
check_nonzero "[cg] EPERM during the churn" "$(sender_get a-cg all eperm)"
check_nonzero "[ns] sent during the churn" "$(sender_get a-ns all sent)"
A_LEAK=$(adv_leaks a-sv0)
check_zero "leaked on sv0 (agent churn)" "$A_LEAK"
[ "$A_LEAK" = 0 ] || adv_leak_detail a-sv0
A_ATT=$(attempts a-cg a-ns a-afp)
lab_tunnel_up || fail "tunnel did not come back"
sender_run a2-cg cg --count 10 --interval 0.05 "icmp4:$LAB_INET4" "icmp6:$LAB_INET6"
check_nonzero "[cg] replies through the restarted tunnel (the last agent allowed it)" \
	"$(sender_get a2-cg all replies)"
kill -TERM "$KS_AGENT_PID"
wait "$KS_AGENT_PID"
check_eq "agent exit code on SIGTERM" "$?" 0
lab_tunnel_kill
A_FAILS=$(adv_fails_since "$F0")

lab_step "2b: ksbpf load re-run $N times under load (upgrade path)"
F0=$LAB_FAILS
cap_start b-sv0 "$LAB_NS_S" sv0
senders_start b
sleep 0.3
loadfail=0
t0=$(date +%s%N)
for i in $(seq 1 "$N"); do
	if [ $((i % 2)) = 0 ]; then extra=(--lan 10.99.0.0/16); else extra=(); fi
	ks_load "${extra[@]}" >"$LAB_DIR/load-$i.out" 2>&1 || {
		loadfail=$((loadfail + 1))
		info "load $i failed: $(head -c 300 "$LAB_DIR/load-$i.out")"
	}
done
info "$N loads in $((($(date +%s%N) - t0) / 1000000)) ms"
senders_stop b
cap_stop b-sv0
check_zero "loads that failed" "$loadfail"
check_eq "status after the loads" "$(adv_status)" 0
check_eq "same pinned links after $N loads" "$(lab_pinned_links | sort | tr "\n" " ")" "$LINKS0"
check_nonzero "[cg] EPERM during the loads" "$(sender_get b-cg all eperm)"
check_zero "[cg] datagrams the kernel accepted during the loads" \
	"$(($(sender_get b-cg udp4 sent) + $(sender_get b-cg udp6 sent) + $(sender_get b-cg icmp4 sent) + $(sender_get b-cg icmp6 sent)))"
B_LEAK=$(adv_leaks b-sv0)
check_zero "leaked on sv0 (load churn)" "$B_LEAK"
[ "$B_LEAK" = 0 ] || adv_leak_detail b-sv0
B_ATT=$(attempts b-cg b-ns b-afp)
B_FAILS=$(adv_fails_since "$F0")
F0=$LAB_FAILS

lab_step "positive control: unload, the same senders leak"
ks unload >/dev/null 2>&1
check_eq "status after unload" "$(adv_status)" 3
cap_start c-sv0 "$LAB_NS_S" sv0
senders_start c
sleep 1
senders_stop c
cap_stop c-sv0
C=$(adv_leaks c-sv0)
check_nonzero "control: leaked on sv0 after unload" "$C"
C_FAILS=$(adv_fails_since "$F0")

adv_row "s2a-agent-sigkill-restart-x$N" "$A_ATT" "$A_LEAK" "$(adv_verdict "$A_LEAK" "$A_FAILS" "$C_FAILS")" \
	"$N SIGKILL+restart cycles (killed at 0/5/20/50 ms or once ready); the last agent adopted the pins and allowed the restarted tunnel; control after unload: $C leaked"
adv_row "s2b-load-rerun-x$N" "$B_ATT" "$B_LEAK" "$(adv_verdict "$B_LEAK" "$B_FAILS" "$C_FAILS")" \
	"$N loads ($loadfail failed), --lan toggled each time, links kept; control after unload: $C leaked"
adv_finish
