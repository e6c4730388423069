#!/bin/bash
# e2e: the agent as systemd sees it, with a stand-in for the notification
# socket (tests/lib/notify_listen.py) and for the journal's stream.
#  - READY=1 only once enforcement is loaded, with STATUS= saying PROTECTED
#    and whether a tunnel is up; STATUS= follows the tunnel up and down;
#  - WATCHDOG=1 from the main loop at half of WATCHDOG_USEC; none when
#    WATCHDOG_PID names another process;
#  - SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1; a broken
#    configuration: READY=1 with "reload failed", the agent keeps running and
#    nothing leaks at the far end;
#  - <N> syslog priorities on stderr only when it is $JOURNAL_STREAM:
#    warnings for a tunnel down and a failed reload, errors from commands;
#  - --log-drops summary|all|no, switched by SIGHUP through the config file;
#  - a degradation status sees in the pins (a detached link) reaches
#    STATUS= too, and a reload that repairs it clears it;
#  - both socket forms: abstract ("@name") and a path;
#  - `run --dry-run` (ExecReload=): exit 2 on a bad configuration, and
#    nothing changed.
set -u
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf

lab_setup

# listen SOCKET OUT: the stand-in, in the background, in the client's
# namespace (where abstract socket names live).
listen() {
	nsenter --net="/run/netns/$LAB_NS_C" \
		/usr/bin/python3 "$LAB_ROOT/tests/lib/notify_listen.py" "$1" "$2" &
	lab_track "$!"
	wait_for 5 grep -q _listening "$2" || lab_die "notify listener on $1"
}
# msgs OUT PYTHON-EXPR: EXPR over m, the messages received so far.
msgs() {
	/usr/bin/python3 -c 'import json, sys
m = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
m = [x for x in m if "_listening" not in x]
print(eval(sys.argv[2]))' "$1" "$2"
}
# msgs_wait OUT SECONDS PYTHON-EXPR: until EXPR is True.
msgs_wait() {
	local n=$(($2 * 10))
	while [ "$n" -gt 0 ]; do
		[ "$(msgs "$1" "$3")" = True ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
readies() { msgs "$MSGS" "sum(1 for x in m if x.get('READY') == '1')"; }
last_status() { msgs "$MSGS" "[x['STATUS'] for x in m if 'STATUS' in x][-1]"; }
status_is() {	# SECONDS TEXT: the last STATUS= becomes TEXT
	msgs_wait "$MSGS" "$1" "[x['STATUS'] for x in m if 'STATUS' in x][-1:] == ['$2']"
}
# A leak probe at the far end: UDP to the internet from the test cgroup.
leaks_now() {
	cap_start "$1" "$LAB_NS_S" sv0 || return 1
	sender_run "$1" cg --count 5 --interval 0.05 "udp4:$LAB_INET4:40000"
	cap_stop "$1"
	cap_count "$1" "$(F_LEAK_UDP4)"
}
drop_lines() {	# LOG FROM-LINE: drop lines of the burst below, after FROM-LINE
	tail -n +"$(($2 + 1))" "$1" | grep -c "drop .*-> $LAB_INET4:40001"
}
more_lines() { tail -n +"$(($2 + 1))" "$1" | grep -c "more drops this second"; }
burst() {	# 40 drops within a few milliseconds, then a tick to log them
	sender_run "$1" cg --count 40 --interval 0.001 "udp4:$LAB_INET4:40001"
	sleep 2.2
}
sighup_and_wait() {	# wait for the READY=1 that ends the reload
	local before
	before=$(readies)
	kill -HUP "$KS_AGENT_PID"
	msgs_wait "$MSGS" 10 "sum(1 for x in m if x.get('READY') == '1') > $before"
}

MSGS=$LAB_DIR/notify.jsonl
LOG=$LAB_DIR/agent.log
listen "@ksbpf-e2e-notify-$LAB_ID" "$MSGS"
: >"$LOG"
STREAM=$(stat -c '%d:%i' "$LOG")

lab_step "ExecReload's check: run --dry-run"
ks run --dry-run >"$LAB_DIR/dry.out" 2>&1
check_eq "a good configuration: exit 0" "$?" 0
check "dry run changed nothing (no pins)" test ! -e "$LAB_BPFFS"
echo "lan = 10.0.0.0/33" >"$LAB_DIR/bad.conf"	# (ks would empty ksbpf.conf)
in_client "$KSBPF" run --dry-run --bpffs "$LAB_BPFFS" --cgroup "$LAB_CG" \
	--config "$LAB_DIR/bad.conf" >"$LAB_DIR/dry.out" 2>&1
check_eq "a bad configuration: exit 2" "$?" 2
check "the bad line is named" grep -q 'bad.conf:1' "$LAB_DIR/dry.out"

lab_step "agent under a notify socket, a watchdog and the journal's stream"
NOTIFY_SOCKET="@ksbpf-e2e-notify-$LAB_ID" WATCHDOG_USEC=400000 \
	JOURNAL_STREAM=$STREAM ks_run_bg "$LOG"
if msgs_wait "$MSGS" 10 "any(x.get('READY') == '1' for x in m)"; then
	pass "READY=1 received"
else
	fail "no READY=1 in 10 s"; sed 's/^/          > /' "$LOG"
fi
check_eq "the first message is READY=1" "$(msgs "$MSGS" "m[0].get('READY')")" 1
check "pins were in place before READY=1" test -e "$LAB_BPFFS"
check_eq "STATUS= with READY=1" "$(msgs "$MSGS" "m[0].get('STATUS')")" \
	"PROTECTED — no tunnel up: traffic blocked"

lab_step "tunnel up, then the watchdog"
lab_tunnel_up
if status_is 5 "PROTECTED — tunnel $LAB_WG_C up"; then
	pass "STATUS=PROTECTED — tunnel $LAB_WG_C up"
else
	fail "STATUS= after tunnel up: $(last_status)"
fi
W0=$(msgs "$MSGS" "sum(1 for x in m if x.get('WATCHDOG') == '1')")
sleep 1.2
W1=$(msgs "$MSGS" "sum(1 for x in m if x.get('WATCHDOG') == '1')")
check_ge "WATCHDOG=1 every 200 ms (1.2 s)" $((W1 - W0)) 4
check_eq "no watchdog gap over 300 ms" "$(msgs "$MSGS" "max((b - a for a, b in zip(*[[x['_t'] for x in m if x.get('WATCHDOG')][i:] for i in (0, 1)])), default=0) < 300000")" True

lab_step "SIGHUP: RELOADING=1, then READY=1"
sighup_and_wait || fail "no READY=1 after SIGHUP"
check_eq "RELOADING=1 came before the new READY=1" \
	"$(msgs "$MSGS" "[k for k in ('RELOADING', 'READY') for x in m[-6:] if k in x][:1] == ['RELOADING'] and [x for x in m if x.get('RELOADING')][-1]['_t'] <= [x for x in m if x.get('READY')][-1]['_t']")" True
check_eq "MONOTONIC_USEC is CLOCK_MONOTONIC, within a second" \
	"$(msgs "$MSGS" "[abs(int(x['MONOTONIC_USEC']) - x['_t']) < 1000000 for x in m if x.get('RELOADING')][-1]")" True
check_eq "STATUS= after a good reload" "$(last_status)" "PROTECTED — tunnel $LAB_WG_C up"

lab_step "SIGHUP with a broken configuration"
echo "no-such-key = 1" >"$LAB_DIR/ksbpf.conf"
sighup_and_wait || fail "no READY=1 after a failed reload"
case $(last_status) in
"PROTECTED — tunnel $LAB_WG_C up; reload failed: "*no-such-key*) pass "STATUS= says the reload failed" ;;
*) fail "STATUS= after a failed reload: $(last_status)" ;;
esac
check "the agent still runs" kill -0 "$KS_AGENT_PID"
check "a warning in the journal: <4>...configuration not reloaded" \
	grep -q '^<4>ksbpf run: SIGHUP: configuration not reloaded' "$LOG"
: >"$LAB_DIR/ksbpf.conf"

lab_step "tunnel killed: blocked, and said"
lab_tunnel_kill
msgs_wait "$MSGS" 5 "m[-1].get('STATUS', '').startswith('PROTECTED — no tunnel up')"
case $(last_status) in
"PROTECTED — no tunnel up: traffic blocked"*) pass "STATUS=PROTECTED — no tunnel up" ;;
*) fail "STATUS= after tunnel down: $(last_status)" ;;
esac
check_zero "UDP leaks at the far end, tunnel down" "$(leaks_now leak1)"
check "a warning in the journal: <4>...tunnel down or gone" \
	grep -q "^<4>ksbpf run: tunnel $LAB_WG_C (ifindex [0-9]*) down or gone: blocked" "$LOG"
check "information in the journal: <6>ksbpf run: in sync" grep -q '^<6>ksbpf run: in sync' "$LOG"

lab_step "--log-drops: summary (the default), all, no"
FROM=$(wc -l <"$LOG")
burst drops1
D=$(drop_lines "$LOG" "$FROM")
M=$(more_lines "$LOG" "$FROM")
if [ "$D" -le 20 ] && [ "$M" -ge 1 ]; then
	pass "summary: $D of 40 drops in lines, then a count"
else
	fail "summary: $D drop lines, $M count lines"
fi
echo "log-drops = all" >"$LAB_DIR/ksbpf.conf"
sighup_and_wait || fail "no READY=1 after SIGHUP (log-drops = all)"
FROM=$(wc -l <"$LOG")
burst drops2
check_eq "all: every drop is a line" "$(drop_lines "$LOG" "$FROM")" 40
echo "log-drops = no" >"$LAB_DIR/ksbpf.conf"
sighup_and_wait || fail "no READY=1 after SIGHUP (log-drops = no)"
FROM=$(wc -l <"$LOG")
burst drops3
check_eq "no: no drop lines" "$(drop_lines "$LOG" "$FROM")" 0
check_eq "no: no count lines" "$(more_lines "$LOG" "$FROM")" 0
: >"$LAB_DIR/ksbpf.conf"

lab_step "what status sees in the pins reaches STATUS= too"
rm -f "$LAB_BPFFS/link_compat_guard"	# detaches the 32-bit guard
if msgs_wait "$MSGS" 10 "m[-1].get('STATUS', '').startswith('DEGRADED') and '32-bit' in [x['STATUS'] for x in m if 'STATUS' in x][-1]"; then
	pass "STATUS=DEGRADED — 32-bit setsockopt guard DETACHED"
else
	fail "STATUS= after the guard's link went: $(last_status)"
fi
sighup_and_wait || fail "no READY=1 after SIGHUP (load puts the guard back)"
if status_is 10 "PROTECTED — no tunnel up: traffic blocked"; then
	pass "STATUS=PROTECTED again after the reload"
else
	fail "STATUS= after the reload: $(last_status)"
fi

lab_step "SIGTERM: STOPPING=1"
kill -TERM "$KS_AGENT_PID"
wait "$KS_AGENT_PID" 2>/dev/null
check "STOPPING=1" msgs_wait "$MSGS" 5 "any(x.get('STOPPING') == '1' for x in m)"

lab_step "a path socket, a watchdog for another process, a redirected stderr"
MSGS=$LAB_DIR/notify2.jsonl
LOG=$LAB_DIR/agent2.log
listen "$LAB_DIR/notify.sock" "$MSGS"
NOTIFY_SOCKET=$LAB_DIR/notify.sock WATCHDOG_USEC=100000 WATCHDOG_PID=1 \
	JOURNAL_STREAM=$STREAM ks_run_bg "$LOG"
check "READY=1 on a path socket" msgs_wait "$MSGS" 10 "any(x.get('READY') == '1' for x in m)"
sleep 0.5
check_eq "no WATCHDOG=1 for WATCHDOG_PID=1" \
	"$(msgs "$MSGS" "sum(1 for x in m if x.get('WATCHDOG'))")" 0
check_eq "no priorities when stderr is not the journal's stream" \
	"$(grep -c '^<[0-7]>' "$LOG")" 0

lab_step "commands: errors at priority 3 in the journal only"
ERRF=$LAB_DIR/cmd.err
: >"$ERRF"
JOURNAL_STREAM=$(stat -c '%d:%i' "$ERRF") ks app set "$LAB_CG/no-such-app" block 2>>"$ERRF"
check "<3>ksbpf: on the journal's stream" grep -q '^<3>ksbpf: .*no-such-app' "$ERRF"
ks app set "$LAB_CG/no-such-app" block 2>"$ERRF.plain"
check "no priority elsewhere" grep -q '^ksbpf: .*no-such-app' "$ERRF.plain"

lab_finish
