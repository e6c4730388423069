# shellcheck shell=bash
# shellcheck disable=SC2034,SC2016
# tests/adversarial/lib.sh — helpers shared by the adversarial scenarios
# (tests/adversarial/scenarios/*.sh), on top of the e2e lab (tests/lib/lab.sh).
#
# A scenario script sources this, builds its lab with lab_setup, and for each
# row of the final table calls
#     adv_row_begin
#     ... checks (pass/fail/check_* from lab.sh) ...
#     adv_row NAME ATTEMPTED LEAKED [RESULT] NOTE...
# which prints the machine-readable line
#     RESULT NAME ATTEMPTED LEAKED ok|fail|limit|skip NOTE...
# RESULT is computed unless given: "fail" if LEAKED is not 0 or a check
# failed since adv_row_begin, else "ok". "limit" is for a documented limit
# that leaks (the note says which); "skip" for what cannot run here.
#
# Leaks are counted on sv0, the server's end of the uplink wire, with
# ADV_F_LEAK: every frame not sent by the server itself, except WireGuard to
# the endpoint port, ARP, and IPv6 neighbour discovery that the policy allows
# (to link-local or multicast, or with hop limit 255). Unlike lab.sh's F_LEAK
# it does not trust the source MAC (crafted frames may spoof it).

# shellcheck source=tests/lib/lab.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lab.sh"

ADV_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KSADV=${KSADV:-}
ADV_ROW_FAILS0=0
ADV_ROWS=0
ADV_ROW_FAILED=0

# adv_tool: ksadv, built into the lab dir unless the runner built it.
adv_tool() {
	if [ -n "$KSADV" ] && [ -x "$KSADV" ]; then
		return 0
	fi
	command -v cc >/dev/null || lab_die "missing tool: cc"
	KSADV=$LAB_DIR/ksadv
	cc -O2 -std=gnu11 -Wall -Wextra -o "$KSADV" "$ADV_SRC/ksadv.c" ||
		lab_die "cannot build ksadv"
}

# Filters for captures on sv0 (server side) and on other far ends.
ADV_F_ALLOWED() {
	echo "arp or (udp and dst host $LAB_EP_ADDR and dst port $LAB_WG_PORT) or (ip6 and dst net ff02::/16) or (icmp6 and ip6[40] >= 133 and ip6[40] <= 137 and (ip6[7] == 255 or dst net fe80::/10))"
}
# ADV_F_LEAK [SERVER-MAC]: everything on the wire not from the far end
# itself and not allowed.
ADV_F_LEAK() { echo "not ether src ${1:-$LAB_SMAC} and not ($(ADV_F_ALLOWED))"; }

adv_leaks() { cap_count "$1" "$(ADV_F_LEAK "${2:-}")"; }

# adv_leak_detail CAPTURE [FILTER]: which probes leaked (by the payload
# marker of ksadv/ksbpf-send), else the first packets.
adv_leak_detail() {
	local f=${LAB_CAP_FILE[$1]:-} filt=${2:-$(ADV_F_LEAK)}
	[ -n "$f" ] && [ -f "$f" ] || return 0
	tcpdump -n -A -r "$f" "$filt" 2>/dev/null |
		grep -oE 'ksadv:[a-z0-9_]+|ksbpf-e2e [a-z0-9-]+' | sort | uniq -c |
		sed 's/^/          leaked: /' | head -n 40
	cap_show "$1" "$filt" 8
}

# adv_start NAME WHERE KSADV-ARGS...: ksadv in the background; WHERE is cg
# (client netns, in the lab cgroup), cg:DIR (client netns, in cgroup DIR),
# ns (client netns, outside it) or server.
# Output in $LAB_DIR/NAME.out; sender_wait/sender_get work on it.
adv_start() {
	local name=$1 where=$2 pid cg=$LAB_CG
	shift 2
	case $where in
	cg | cg:*)
		[ "$where" = cg ] || cg=${where#cg:}
		nsenter --net="/run/netns/$LAB_NS_C" /bin/sh -c \
		'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" \
		"$KSADV" --tag "$name" "$@" >"$LAB_DIR/$name.out" 2>&1 & ;;
	ns) nsenter --net="/run/netns/$LAB_NS_C" \
		"$KSADV" --tag "$name" "$@" >"$LAB_DIR/$name.out" 2>&1 & ;;
	server) nsenter --net="/run/netns/$LAB_NS_S" \
		"$KSADV" --tag "$name" "$@" >"$LAB_DIR/$name.out" 2>&1 & ;;
	*) lab_die "adv_start: where=$where" ;;
	esac
	pid=$!
	lab_track "$pid"
	LAB_SND_PID[$name]=$pid
}
adv_run() { adv_start "$@"; sender_wait "$1"; }
# adv_exit NAME: waits for the sender; ADV_RC is its exit status (137: SIGKILL)
adv_exit() { wait "${LAB_SND_PID[$1]}" 2>/dev/null; ADV_RC=$?; LAB_SND_PID[$1]=""; }

# attempts NAME...: every send tried (sent + EPERM + other errors).
attempts() {
	local n=0 name
	for name in "$@"; do
		[ -f "$LAB_DIR/$name.out" ] || continue
		n=$((n + $(sender_get "$name" all sent) + $(sender_get "$name" all eperm) + $(sender_get "$name" all err)))
	done
	echo "$n"
}

# sender_stop NAME...: SIGTERM (they print their counts), then wait.
sender_stop() {
	local name pid
	for name in "$@"; do
		pid=${LAB_SND_PID[$name]:-}
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	done
	sender_wait "$@"
}

adv_row_begin() { ADV_ROW_FAILS0=$LAB_FAILS; }
# adv_fails_since N: checks failed since LAB_FAILS was N.
adv_fails_since() { echo $((LAB_FAILS - $1)); }
# adv_verdict LEAKED FAILED-CHECKS...: ok when nothing leaked and no check failed.
adv_verdict() {
	local l=$1 n
	shift
	[ "$l" = 0 ] || { echo fail; return; }
	for n in "$@"; do [ "$n" = 0 ] || { echo fail; return; }; done
	echo ok
}

# adv_row NAME ATTEMPTED LEAKED [ok|fail|limit|skip] NOTE...
adv_row() {
	local name=$1 att=$2 leaked=$3 res=""
	shift 3
	case ${1:-} in ok | fail | limit | skip) res=$1; shift ;; esac
	if [ -z "$res" ]; then
		if [ "$leaked" != 0 ] || [ "$LAB_FAILS" -gt "$ADV_ROW_FAILS0" ]; then
			res=fail
		else
			res=ok
		fi
	fi
	[ "$res" = fail ] && ADV_ROW_FAILED=1	# a leak fails the script too
	ADV_ROWS=$((ADV_ROWS + 1))
	echo "RESULT $name $att $leaked $res $*"
}

# adv_try DESCRIPTION COMMAND...: a tampering attempt that must fail: exit
# non-zero and, if ADV_TRY_SAYS is set, print that (grep pattern). Counts in
# TRIED and REFUSED, and lists what got through in LET.
TRIED=0 REFUSED=0 LET=""
adv_try() {
	local d=$1 rc
	shift
	TRIED=$((TRIED + 1))
	"$@" >"$LAB_DIR/try.out" 2>&1
	rc=$?
	if [ "$rc" != 0 ] && { [ -z "${ADV_TRY_SAYS:-}" ] ||
		grep -q "$ADV_TRY_SAYS" "$LAB_DIR/try.out"; }; then
		REFUSED=$((REFUSED + 1))
		pass "refused: $d (exit $rc: $(head -c 90 "$LAB_DIR/try.out" | tr '\n' ' '))"
	else
		LET="$LET, $d"
		fail "ALLOWED: $d (exit $rc): $(head -c 200 "$LAB_DIR/try.out" | tr '\n' ' ')"
	fi
}

# adv_load ARGS...: ks_load, or fail and exit.
adv_load() {
	if ! ks_load "$@" >"$LAB_DIR/load.out" 2>&1; then
		fail "ksbpf load $*:"
		sed 's/^/          | /' "$LAB_DIR/load.out"
		exit 1
	fi
}

# adv_status: `ksbpf status` exit code (3 not loaded, 0 protected, 4 degraded).
adv_status() { ks status >/dev/null 2>&1; echo $?; }

# The lab's usual frame-crafting arguments for ksadv frames/xdp on up0.
adv_frame_args() {
	echo "--if up0 --dmac $LAB_SMAC --src4 $LAB_C4 --dst4 $LAB_INET4 --src6 $LAB_C6 --dst6 $LAB_INET6 --ep4 $LAB_S4"
}

# adv_finish: the script's exit status (non-zero if a check failed or a row
# leaked; "limit" rows do not count).
adv_finish() {
	[ "$ADV_ROWS" -gt 0 ] || fail "no result rows printed"
	[ "$ADV_ROW_FAILED" = 0 ] || fail "a result row is 'fail'"
	lab_finish
}
