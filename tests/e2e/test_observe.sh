#!/bin/bash
# e2e: what ksbpf shows about itself, checked against what really happened.
#  - `status` exit codes and JSON in every state: not loaded (3), protected
#    (0, tunnel up and tunnel down), degraded (4: an interface created after
#    load; the cgroup link unpinned); per-uplink and per-reason counters move.
#  - `verify`: 0 and holds=true with every leak probe dropped by both hooks;
#    4 and holds=false once `allow lan 0.0.0.0/0` opens it; 0 after `deny`;
#    0 again after the tunnel is killed with no agent running (its ifindex
#    stays in ksbpf_tunnels); 3 with nothing loaded.
#  - drop events: blocked attempts from the lab cgroup (UDPv4, UDPv6, DNS)
#    and from a process outside it (TC only) show up in `ksbpf events --json`
#    with the right reason, hook, interface, cgroup, addresses, ports and
#    length; `events --follow` prints a later drop and exits 0 on SIGINT.
#  - a flood of 1e6 dropped packets: done quickly, the host (a ping through
#    the tunnel, `ksbpf status`) stays responsive, every drop is counted,
#    events are rate-limited (KSBPF_EVENTS_PER_SEC per reason and CPU) and
#    the rest counted as suppressed.
# Needs root, build/ksbpf and cc.
set -u
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf
command -v cc >/dev/null || lab_die "missing tool: cc"

FLOOD_N=${FLOOD_N:-1000000}
FLOOD_MAX_S=60
EVENTS_PER_SEC=$(awk '$1 == "#define" && $2 == "KSBPF_EVENTS_PER_SEC" { print $3 }' \
	"$LAB_ROOT/include/ksbpf.h")
[ -n "$EVENTS_PER_SEC" ] || lab_die "KSBPF_EVENTS_PER_SEC not found in include/ksbpf.h"
# per-CPU budgets: one per possible CPU (what libbpf sums over)
NCPUS=$(awk -F, '{ n = 0; for (i = 1; i <= NF; i++) { split($i, r, "-");
	n += (r[2] == "" ? 1 : r[2] - r[1] + 1) } print n }' /sys/devices/system/cpu/possible)

# Distinctive destination ports, one per kind of attempt.
P_UDP4=45678
P_UDP6=45679
P_NS=45680
P_FOLLOW=45681
P_FLOOD=45999

# evq FILE EXPR: EXPR (python) over the drop events in FILE (`events
# --json`: one JSON object per line). E: the events (objects with "seq"),
# bad: lines that are not a JSON object, find(**kw): the last event whose
# fields equal kw (None if there is none).
evq() {
	/usr/bin/python3 - "$1" "$2" <<'EOF' 2>&1
import json, sys
E, bad = [], []
for line in open(sys.argv[1], encoding="utf-8"):
    if not line.strip():
        continue
    try:
        o = json.loads(line)
    except ValueError:
        bad.append(line)
        continue
    if not isinstance(o, dict):
        bad.append(line)
    elif "seq" in o:
        E.append(o)
def find(**kw):
    m = [e for e in E if all(e.get(k) == v for k, v in kw.items())]
    return m[-1] if m else None
try:
    v = eval(sys.argv[2])
except Exception as e:
    v = "ERROR:%r" % e
if isinstance(v, bool):
    v = int(v)
if isinstance(v, (list, dict)) or v is None:
    v = json.dumps(v, sort_keys=True)
print(v)
EOF
}

# ev_check DESC FILE FIND-ARGS FIELD WANT: one field of the event found.
ev_check() {
	check_eq "$1" "$(evq "$2" "(find($3) or {}).get('$4', 'MISSING')")" "$5"
}

# The length the hook sees: IP header + UDP header + the sender's payload
# ("ksbpf-e2e TAG 1"); TC sees the Ethernet header too.
udp_len() {	# tag family(4|6) hook(cg|tc)
	local p="ksbpf-e2e $1 1" n
	n=$((${#p} + 8 + ($2 == 4 ? 20 : 40)))
	[ "$3" = tc ] && n=$((n + 14))
	echo "$n"
}

# now_ms: a monotonic-enough clock for durations
now_ms() { date +%s%3N; }

# status_rc: the exit code of `ksbpf status --json` into FILE
status_rc() { ks_status_json "$1"; echo $?; }

verify_json() {	# FILE: verify --json into FILE; returns verify's exit code
	ks verify --json >"$1" 2>"$1.err"
}

# ---------------------------------------------------------- not loaded
lab_setup
lab_step "nothing loaded: status 3 / not_loaded, verify 3, events 3"
S=$LAB_DIR/s0.json
check_eq "status exit code, nothing loaded" "$(status_rc "$S")" 3
check_eq "status --json state" "$(js "$S" "d['state']")" not_loaded
check_eq "status --json has no counters when not loaded" "$(js "$S" "'counters' in d")" 0
ks status -v >"$LAB_DIR/s0.txt" 2>&1
check_eq "status (text) exit code, nothing loaded" "$?" 3
check "status text says NOT LOADED" grep -q "^NOT LOADED" "$LAB_DIR/s0.txt"
ks verify >"$LAB_DIR/v0.txt" 2>&1
check_eq "verify exit code, nothing loaded" "$?" 3
ks events --json >"$LAB_DIR/e0.json" 2>&1
check_eq "events exit code, nothing loaded" "$?" 3

# --------------------------------------------------------------- load
lab_step "tunnel up, ksbpf load: protected (0)"
lab_tunnel_up || exit 1
if ! ks_load >"$LAB_DIR/load.out" 2>&1; then
	fail "ksbpf load failed:"
	sed 's/^/          | /' "$LAB_DIR/load.out"
	exit 1
fi
pass "ksbpf load exit 0"
S1=$LAB_DIR/s1.json
check_eq "status exit code, loaded, tunnel up" "$(status_rc "$S1")" 0
check_eq "state" "$(js "$S1" "d['state']")" protected
check_eq "tunnel $LAB_WG_C active" \
	"$(js "$S1" "[t['active'] for t in d['tunnels'] if t['name'] == '$LAB_WG_C']")" "[true]"
check_eq "uplink up0 attached, nothing unguarded" \
	"$(js "$S1" "[u['attached'] for u in d['uplinks'] if u['name'] == 'up0'] == [True] and d['unguarded'] == []")" 1
check_eq "cgroup link attached to the lab cgroup" \
	"$(js "$S1" "(d['cgroup']['attached'], d['cgroup']['path'])")" "(True, '$LAB_CG')"
# the hooks and reasons docs/cli.md documents
HOOKS="cgroup_egress tc_egress cgroup_ingress tc_ingress"
REASONS="tunnel loopback app_block app_bypass endpoint link_bringup dns lan no_route malformed out_of_scope other_netns tunnel_addr to_socket"
check_eq "every hook has every reason counter" \
	"$(js "$S1" "sorted(d['counters']) == sorted('$HOOKS'.split()) and all(sorted(v) == sorted('$REASONS'.split()) and all(set(c) == {'verdict', 'packets', 'bytes'} for c in v.values()) for v in d['counters'].values())")" 1
ks status -v >"$LAB_DIR/s1.txt" 2>&1
check_eq "status (text) exit code" "$?" 0
check "headline: PROTECTED — tunnel $LAB_WG_C up" \
	grep -q "^PROTECTED — tunnel $LAB_WG_C up" "$LAB_DIR/s1.txt"

# Traffic through the tunnel: WireGuard passes up0's TC program.
sender_run t-cg cg --count 3 --interval 0.1 "icmp4:$LAB_INET4"
check_nonzero "[cg] echo replies through the tunnel" "$(sender_get t-cg all replies)"
S2=$LAB_DIR/s2.json
status_rc "$S2" >/dev/null
check "uplinks[up0].passed grew with tunnel traffic ($(js "$S1" "[u['passed'] for u in d['uplinks'] if u['name']=='up0'][0]") -> $(js "$S2" "[u['passed'] for u in d['uplinks'] if u['name']=='up0'][0]"))" \
	test "$(js "$S2" "[u['passed'] for u in d['uplinks'] if u['name']=='up0'][0]")" -gt \
	"$(js "$S1" "[u['passed'] for u in d['uplinks'] if u['name']=='up0'][0]")"
check_ge "counters.cgroup_egress.tunnel.packets grew by the pings" \
	"$(($(counter "$S2" cgroup_egress tunnel) - $(counter "$S1" cgroup_egress tunnel)))" 3
check_ge "counters.tc_egress.endpoint.packets grew (WireGuard)" \
	"$(($(counter "$S2" tc_egress endpoint) - $(counter "$S1" tc_egress endpoint)))" 3

# -------------------------------------------------------------- verify
lab_step "ksbpf verify: holds; allow lan 0.0.0.0/0 breaks it; deny restores it"
V=$LAB_DIR/v1.json
ks_status_json "$LAB_DIR/pre-verify.json"
verify_json "$V"
check_eq "verify exit code, kill switch on" "$?" 0
ks_status_json "$LAB_DIR/post-verify.json"
# verify's probes are counted apart (verify_probes), never as traffic, and
# record no drop event.
for hook in cgroup_egress tc_egress; do
	for reason in no_route dns; do
		check_eq "counters.$hook.$reason unchanged by verify" \
			"$(counter "$LAB_DIR/post-verify.json" $hook $reason)" \
			"$(counter "$LAB_DIR/pre-verify.json" $hook $reason)"
	done
	check_ge "verify_probes.$hook.no_route grew by verify's probes" \
		"$(($(js "$LAB_DIR/post-verify.json" "d['verify_probes']['$hook']['no_route']['packets']") -
		$(js "$LAB_DIR/pre-verify.json" "d['verify_probes']['$hook']['no_route']['packets']")))" 2
done
check_eq "events.recorded unchanged by verify" \
	"$(js "$LAB_DIR/post-verify.json" "d['events']['recorded']")" \
	"$(js "$LAB_DIR/pre-verify.json" "d['events']['recorded']")"
check_eq "verify holds" "$(js "$V" "d['holds']")" 1
check_ge "leak probes" "$(js "$V" "len([p for p in d['probes'] if p['kind'] == 'leak'])")" 4
check_eq "every leak probe dropped by both hooks" \
	"$(js "$V" "[p['name'] for p in d['probes'] if p['kind'] == 'leak' and not (p['ok'] and p['cgroup_egress']['verdict'] == 'drop' and p['tc_egress']['verdict'] == 'drop')]")" "[]"
check_eq "IPv4 leak probe dropped as no_route by both hooks" \
	"$(js "$V" "[(p['cgroup_egress']['reason'], p['tc_egress']['reason']) for p in d['probes'] if p['kind'] == 'leak' and p['dst'] == '1.1.1.1' and p['dport'] == 443]")" \
	"[[\"no_route\", \"no_route\"]]"
check_eq "DNS leak probe dropped as dns by both hooks" \
	"$(js "$V" "[(p['cgroup_egress']['reason'], p['tc_egress']['reason']) for p in d['probes'] if p['kind'] == 'leak' and p['dst'] == '9.9.9.9']")" \
	"[[\"dns\", \"dns\"]]"
check_eq "endpoint and tunnel probes pass" \
	"$(js "$V" "[p['name'] for p in d['probes'] if p['kind'] == 'expected_pass' and not p['ok']]")" "[]"
check_ge "expected_pass probes (endpoint, tunnel)" \
	"$(js "$V" "len([p for p in d['probes'] if p['kind'] == 'expected_pass'])")" 2
ks verify >"$LAB_DIR/v1.txt" 2>&1
check_eq "verify (text) exit code" "$?" 0
check "verify text ends with OK" grep -q "^OK" "$LAB_DIR/v1.txt"

ks allow lan 0.0.0.0/0 >"$LAB_DIR/allow.out" 2>&1
check_eq "allow lan 0.0.0.0/0 exit code" "$?" 0
V=$LAB_DIR/v2.json
verify_json "$V"
check_eq "verify exit code, LAN 0.0.0.0/0 allowed" "$?" 4
check_eq "verify holds" "$(js "$V" "d['holds']")" 0
check_eq "IPv4 leak probe passes (and is marked not ok)" \
	"$(js "$V" "[(p['ok'], p['cgroup_egress']['verdict'], p['tc_egress']['verdict']) for p in d['probes'] if p['kind'] == 'leak' and p['dst'] == '1.1.1.1' and p['dport'] == 443]")" \
	"[[false, \"pass\", \"pass\"]]"
ks verify >"$LAB_DIR/v2.txt" 2>&1
check "verify (text) marks the LEAK" grep -q "LEAK" "$LAB_DIR/v2.txt"
ks deny lan 0.0.0.0/0 >"$LAB_DIR/deny.out" 2>&1
check_eq "deny lan 0.0.0.0/0 exit code" "$?" 0
V=$LAB_DIR/v3.json
verify_json "$V"
check_eq "verify exit code after deny" "$?" 0
check_eq "verify holds after deny" "$(js "$V" "d['holds']")" 1

# --------------------------------------------------------------- flood
lab_step "flood: $FLOOD_N dropped packets from the lab cgroup (bound to up0, tunnel up)"
# SO_BINDTODEVICE up0 sends around the tunnel: the cgroup hook drops each
# datagram (no_route, EPERM) while the tunnel stays up for a ping.
cat >"$LAB_DIR/flood.c" <<'EOF'
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	unsigned long n, sent = 0, eperm = 0, err = 0;
	struct timespec t0, t1;
	char payload[32] = "ksbpf-e2e flood";
	int s;

	if (argc != 5)
		return 2;
	n = strtoul(argv[4], NULL, 10);
	dst.sin_port = htons((unsigned short)atoi(argv[3]));
	if (inet_pton(AF_INET, argv[2], &dst.sin_addr) != 1)
		return 2;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, argv[1],
				(socklen_t)strlen(argv[1]) + 1)) {
		perror("flood: socket");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned long i = 0; i < n; i++) {
		if (sendto(s, payload, sizeof(payload), 0,
			   (struct sockaddr *)&dst, sizeof(dst)) >= 0)
			sent++;
		else if (errno == EPERM)
			eperm++;
		else
			err++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("sent=%lu eperm=%lu err=%lu secs=%.3f\n", sent, eperm, err,
	       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
EOF
cc -O2 -o "$LAB_DIR/flood" "$LAB_DIR/flood.c" || lab_die "cannot build the flood sender"
F0=$LAB_DIR/f0.json
status_rc "$F0" >/dev/null
t0=$(now_ms)
# shellcheck disable=SC2016
nsenter --net="/run/netns/$LAB_NS_C" /bin/sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' \
	"$LAB_CG" "$LAB_DIR/flood" up0 "$LAB_INET4" "$P_FLOOD" "$FLOOD_N" \
	>"$LAB_DIR/flood.out" 2>&1 &
FLOOD_PID=$!
lab_track "$FLOOD_PID"
sleep 0.3
# While it runs: a ping through the tunnel and a status call.
sender_start fl-ping ns --count 5 --interval 0.1 --linger 0.5 "icmp4:$LAB_INET4"
ts=$(now_ms)
ks_status_json "$LAB_DIR/f-during.json"
st_rc=$?
ts=$(($(now_ms) - ts))
kill -0 "$FLOOD_PID" 2>/dev/null && during=1 || during=0
sender_wait fl-ping
kill -0 "$FLOOD_PID" 2>/dev/null && during_ping=1 || during_ping=0
# bounded wait for the flood
deadline=$((t0 + FLOOD_MAX_S * 1000))
while kill -0 "$FLOOD_PID" 2>/dev/null && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.1; done
if kill -0 "$FLOOD_PID" 2>/dev/null; then
	kill -9 "$FLOOD_PID" 2>/dev/null
	fail "flood did not finish within ${FLOOD_MAX_S}s"
fi
wait "$FLOOD_PID" 2>/dev/null
flood_ms=$(($(now_ms) - t0))
info "flood: $(cat "$LAB_DIR/flood.out") (${flood_ms} ms wall); status during the flood: ${ts} ms (flood still running: $during); ping: $(cat "$LAB_DIR/fl-ping.out") (flood still running at its end: $during_ping)"
check "flood finished within ${FLOOD_MAX_S}s (${flood_ms} ms)" test "$flood_ms" -lt $((FLOOD_MAX_S * 1000))
check_eq "flood: every datagram refused with EPERM" \
	"$(sed -n 's/.*eperm=\([0-9]*\).*/\1/p' "$LAB_DIR/flood.out")" "$FLOOD_N"
check_eq "status during the flood exit code" "$st_rc" 0
check "status during the flood answered within 2 s (${ts} ms)" test "$ts" -lt 2000
check_nonzero "ping through the tunnel during the flood: replies" "$(sender_get fl-ping all replies)"
F1=$LAB_DIR/f1.json
check_eq "status after the flood exit code" "$(status_rc "$F1")" 0
d_noroute=$(($(counter "$F1" cgroup_egress no_route) - $(counter "$F0" cgroup_egress no_route)))
check_ge "counters.cgroup_egress.no_route.packets grew by every dropped datagram" "$d_noroute" "$FLOOD_N"
d_bytes=$(($(counter "$F1" cgroup_egress no_route bytes) - $(counter "$F0" cgroup_egress no_route bytes)))
check_ge "counters.cgroup_egress.no_route.bytes grew by N x 60" "$d_bytes" $((FLOOD_N * 60))
d_rec=$(($(js "$F1" "d['events']['recorded']") - $(js "$F0" "d['events']['recorded']")))
d_sup=$(($(js "$F1" "d['events']['suppressed']") - $(js "$F0" "d['events']['suppressed']")))
secs=$(((flood_ms + 999) / 1000))
limit=$((EVENTS_PER_SEC * (secs + 1) * NCPUS + EVENTS_PER_SEC))
info "events during the flood: $d_rec recorded, $d_sup suppressed (limit $EVENTS_PER_SEC/s per reason and CPU, $NCPUS CPUs, ${secs}s)"
check "events.recorded grew by at most $limit ($d_rec): rate-limited" test "$d_rec" -le "$limit"
check_nonzero "events.recorded grew (the flood is visible)" "$d_rec"
check_ge "events.suppressed grew by the rest" "$d_sup" $((FLOOD_N - limit))
check_ge "recorded + suppressed covers every dropped datagram" $((d_rec + d_sup)) "$FLOOD_N"
E=$LAB_DIR/ev-flood.json
ks events --json >"$E" 2>"$E.err"
check_eq "events --json exit code after the flood" "$?" 0
check_eq "events --json: every line is a JSON object" "$(evq "$E" "len(bad)")" 0
check_nonzero "flood events listed (dport $P_FLOOD, no_route, cgroup_egress)" \
	"$(evq "$E" "len([e for e in E if e['dport'] == $P_FLOOD and e['reason'] == 'no_route' and e['hook'] == 'cgroup_egress' and e['cgroup'] == '$LAB_CG' and e['interface'] == 'up0'])")"

# ---------------------------------------------------- blocked attempts
lab_step "tunnel killed: blocked attempts show up in events --json"
# the flood spent this second's event budget: start a new window
sleep 1.1
lab_tunnel_kill
S3=$LAB_DIR/s3.json
check_eq "status exit code, tunnel down (the kill switch holds)" "$(status_rc "$S3")" 0
check_eq "state, tunnel down" "$(js "$S3" "d['state']")" protected
check_eq "no tunnel active" "$(js "$S3" "[t for t in d['tunnels'] if t['active']]")" "[]"
ks status -v >"$LAB_DIR/s3.txt" 2>&1
check "headline: PROTECTED — tunnel down" grep -q "^PROTECTED — tunnel down" "$LAB_DIR/s3.txt"
seq0=$(js "$S3" "d['events']['recorded']")

FOLLOW=$LAB_DIR/follow.json
_ks_guard || exit 1
nsenter --net="/run/netns/$LAB_NS_C" "$KSBPF" events --follow --json "${KS_COMMON[@]}" \
	>"$FOLLOW" 2>"$FOLLOW.err" &
FOLLOW_PID=$!
lab_track "$FOLLOW_PID"
sleep 0.5

sender_run ev-udp4 cg --count 1 "udp4:$LAB_INET4:$P_UDP4"
sender_run ev-udp6 cg --count 1 "udp6:[$LAB_INET6]:$P_UDP6"
sender_run ev-dns cg --count 1 "udp4:$LAB_INET4:53"
sender_run ev-ns ns --count 1 "udp4:$LAB_INET4:$P_NS"
sender_run ev-follow cg --count 1 "udp4:$LAB_INET4:$P_FOLLOW"
check_eq "[cg] the attempts were refused with EPERM" \
	"$(($(sender_get ev-udp4 all eperm) + $(sender_get ev-udp6 all eperm) + $(sender_get ev-dns all eperm) + $(sender_get ev-follow all eperm)))" 4
S4=$LAB_DIR/s4.json
status_rc "$S4" >/dev/null

E=$LAB_DIR/ev.json
ks events --json >"$E" 2>"$E.err"
check_eq "events --json exit code" "$?" 0
check_eq "events --json: every line is a JSON object" "$(evq "$E" "len(bad)")" 0
check_eq "events --json: seq strictly increasing" \
	"$(evq "$E" "all(a['seq'] < b['seq'] for a, b in zip(E, E[1:]))")" 1

# UDPv4 from the lab cgroup
q="dport=$P_UDP4"
check_eq "UDPv4 attempt is in events" "$(evq "$E" "find($q) is not None")" 1
ev_check "  reason" "$E" "$q" reason no_route
ev_check "  verdict" "$E" "$q" verdict drop
ev_check "  hook" "$E" "$q" hook cgroup_egress
ev_check "  interface" "$E" "$q" interface up0
ev_check "  ifindex = up0's" "$E" "$q" ifindex \
	"$(ip -n "$LAB_NS_C" -o link show up0 | awk -F: '{ print $1 }')"
ev_check "  cgroup (the lab cgroup)" "$E" "$q" cgroup "$LAB_CG"
ev_check "  cgroup_id (its inode)" "$E" "$q" cgroup_id "$(stat -c %i "$LAB_CG")"
ev_check "  family" "$E" "$q" family ipv4
ev_check "  protocol" "$E" "$q" protocol udp
ev_check "  src" "$E" "$q" src "$LAB_C4"
ev_check "  dst" "$E" "$q" dst "$LAB_INET4"
check_nonzero "  sport" "$(evq "$E" "find($q)['sport']")"
ev_check "  len (IP packet)" "$E" "$q" len "$(udp_len ev-udp4 4 cg)"
check "  time is YYYY-MM-DDTHH:MM:SS.mmmZ, within 60 s of now" \
	test "$(evq "$E" "__import__('re').fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z', find($q)['time']) is not None and abs(__import__('datetime').datetime.strptime(find($q)['time'], '%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=__import__('datetime').timezone.utc).timestamp() - __import__('time').time()) < 60")" = 1
check "  seq after the tunnel kill (> $seq0)" test "$(evq "$E" "find($q)['seq']")" -gt "$seq0"
# UDPv6
q="dport=$P_UDP6"
check_eq "UDPv6 attempt is in events" "$(evq "$E" "find($q) is not None")" 1
ev_check "  reason" "$E" "$q" reason no_route
ev_check "  hook" "$E" "$q" hook cgroup_egress
ev_check "  interface" "$E" "$q" interface up0
ev_check "  cgroup" "$E" "$q" cgroup "$LAB_CG"
ev_check "  family" "$E" "$q" family ipv6
ev_check "  protocol" "$E" "$q" protocol udp
ev_check "  src" "$E" "$q" src "$LAB_C6"
ev_check "  dst" "$E" "$q" dst "$LAB_INET6"
ev_check "  len" "$E" "$q" len "$(udp_len ev-udp6 6 cg)"
# DNS
q="dport=53, dst='$LAB_INET4'"
check_eq "DNS attempt is in events" "$(evq "$E" "find($q) is not None")" 1
ev_check "  reason" "$E" "$q" reason dns
ev_check "  hook" "$E" "$q" hook cgroup_egress
ev_check "  cgroup" "$E" "$q" cgroup "$LAB_CG"
ev_check "  protocol" "$E" "$q" protocol udp
# outside the lab cgroup: only TC sees it; its cgroup is the sender's own
cg_rel=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
my_cg=$LAB_CG2${cg_rel%/}
q="dport=$P_NS"
check_eq "attempt from outside the cgroup is in events" "$(evq "$E" "find($q) is not None")" 1
ev_check "  reason" "$E" "$q" reason no_route
ev_check "  hook" "$E" "$q" hook tc_egress
ev_check "  interface" "$E" "$q" interface up0
check_eq "  cgroup: the sender's own socket cgroup ($my_cg) or null" \
	"$(evq "$E" "find($q)['cgroup'] in ('$my_cg', None)")" 1
info "  cgroup of the TC event: $(evq "$E" "find($q)['cgroup']") (id $(evq "$E" "find($q)['cgroup_id']"))"
ev_check "  src" "$E" "$q" src "$LAB_C4"
ev_check "  dst" "$E" "$q" dst "$LAB_INET4"
ev_check "  len (with the Ethernet header)" "$E" "$q" len "$(udp_len ev-ns 4 tc)"
check_eq "no event of the lab cgroup reached TC (the cgroup hook came first)" \
	"$(evq "$E" "len([e for e in E if e['hook'] == 'tc_egress' and e['cgroup'] == '$LAB_CG'])")" 0
# text form of the same
ks events >"$LAB_DIR/ev.txt" 2>&1
check_eq "events (text) exit code" "$?" 0
check "events (text) line of the UDPv4 attempt" grep -Eq \
	" drop +no_route +cgroup_egress +up0 +udp +$LAB_C4:[0-9]+ -> $LAB_INET4:$P_UDP4 len [0-9]+ cgroup $LAB_CG\$" \
	"$LAB_DIR/ev.txt"
ks events --json --count 2 >"$LAB_DIR/ev2.json" 2>&1
evq "$E" "__import__('json').dumps(E[-2:])" >"$LAB_DIR/ev.json.last2"
same_last2=$(evq "$LAB_DIR/ev2.json" "[e['seq'] for e in E] == [e['seq'] for e in __import__('json').loads(open('$LAB_DIR/ev.json.last2').read())] and len(E) == 2")
check_eq "events --json --count 2: the two newest events" "$same_last2" 1
# A drop recorded between the two reads would explain a mismatch: say which.
[ "$same_last2" = 1 ] || info "events --count 2 gave: $(tr '\n' ' ' <"$LAB_DIR/ev2.json" | cut -c1-600)"

# counters and per-uplink numbers moved by exactly what was sent
check_eq "counters.cgroup_egress.no_route.packets grew by the 3 datagrams" \
	"$(($(counter "$S4" cgroup_egress no_route) - $(counter "$S3" cgroup_egress no_route)))" 3
check_eq "counters.cgroup_egress.dns.packets grew by 1" \
	"$(($(counter "$S4" cgroup_egress dns) - $(counter "$S3" cgroup_egress dns)))" 1
check_ge "counters.tc_egress.no_route.packets grew (the outside sender)" \
	"$(($(counter "$S4" tc_egress no_route) - $(counter "$S3" tc_egress no_route)))" 1
check_ge "uplinks[up0].dropped grew" \
	"$(($(js "$S4" "[u['dropped'] for u in d['uplinks'] if u['name']=='up0'][0]") - $(js "$S3" "[u['dropped'] for u in d['uplinks'] if u['name']=='up0'][0]")))" 1
check_ge "events.recorded grew by the 5 attempts" \
	"$(($(js "$S4" "d['events']['recorded']") - seq0))" 5

# The self-test right where users run it: after killing the VPN. No agent
# runs, so ksbpf_tunnels still holds the dead tunnel's ifindex.
V=$LAB_DIR/v5.json
verify_json "$V"
rc=$?
check_eq "verify exit code, tunnel killed (no agent)" "$rc" 0
[ "$rc" = 0 ] || info "verify: $(head -c 300 "$V.err")"
check_eq "verify holds, tunnel killed" "$(js "$V" "d['holds']")" 1

# ---------------------------------------------------------- --follow
lab_step "events --follow: prints a later drop, exits 0 on SIGINT"
wait_for 3 grep -q "\"dport\":${P_FOLLOW}[,}]" "$FOLLOW"
check_eq "--follow printed the drop made after it started" \
	"$(evq "$FOLLOW" "find(dport=$P_FOLLOW, reason='no_route', hook='cgroup_egress', cgroup='$LAB_CG') is not None and find(dport=$P_FOLLOW)['seq'] > $seq0")" 1
check_eq "--follow: every line is a JSON object" "$(evq "$FOLLOW" "len(bad)")" 0
check_eq "--follow: no event twice, in order" \
	"$(evq "$FOLLOW" "all(a['seq'] < b['seq'] for a, b in zip(E, E[1:]))")" 1
kill -INT "$FOLLOW_PID" 2>/dev/null
wait_for 3 sh -c "! kill -0 $FOLLOW_PID 2>/dev/null"
if kill -0 "$FOLLOW_PID" 2>/dev/null; then
	fail "events --follow still running 3 s after SIGINT"
	kill -9 "$FOLLOW_PID" 2>/dev/null
fi
wait "$FOLLOW_PID"
check_eq "events --follow exit code after SIGINT" "$?" 0

# ---------------------------------------------------------- --watch
lab_step "status --watch --json: a document a second"
_ks_guard || exit 1
nsenter --net="/run/netns/$LAB_NS_C" "$KSBPF" status --watch --json "${KS_COMMON[@]}" \
	>"$LAB_DIR/watch.json" 2>&1 &
WATCH_PID=$!
lab_track "$WATCH_PID"
sleep 1.5
kill -TERM "$WATCH_PID" 2>/dev/null
wait "$WATCH_PID" 2>/dev/null
check_eq "status --watch --json: 2 protected documents in 1.5 s" \
	"$(/usr/bin/python3 -c 'import json,sys; print([json.loads(l)["state"] for l in open(sys.argv[1]) if l.strip()])' "$LAB_DIR/watch.json" 2>&1)" \
	"['protected', 'protected']"

# ---------------------------------------------------------- degraded
lab_step "degraded without an agent: an interface created after load"
ip -n "$LAB_NS_C" link add xg0 type veth peer name xg1 || fail "veth xg0"
ip -n "$LAB_NS_C" link set xg0 up
S5=$LAB_DIR/s5.json
check_eq "status exit code, new interface" "$(status_rc "$S5")" 4
check_eq "state" "$(js "$S5" "d['state']")" degraded
check_eq "xg0 and xg1 listed as unguarded" "$(js "$S5" "sorted(d['unguarded'])")" '["xg0", "xg1"]'
ks status -v >"$LAB_DIR/s5.txt" 2>&1
check_eq "status (text) exit code" "$?" 4
check "headline: DEGRADED — xg0 not guarded" grep -q "^DEGRADED.*xg0 not guarded" "$LAB_DIR/s5.txt"
ip -n "$LAB_NS_C" link del xg0
S6=$LAB_DIR/s6.json
check_eq "status exit code, interface gone again" "$(status_rc "$S6")" 0

lab_step "degraded: the cgroup link unpinned (detached)"
links=$(lab_pinned_links | awk '{ print $1 }' | tr '\n' ' ')
info "pinned links: $links"
S0=$LAB_DIR/s-guard.json
check_eq "32-bit guard attached before" "$(status_rc "$S0") $(js "$S0" "d['cgroup']['compat_guard']")" "0 attached"
rm -f "$LAB_BPFFS/link_compat_guard"
check_eq "status exit code, 32-bit guard link gone" "$(status_rc "$S0")" 4
check_eq "32-bit guard" "$(js "$S0" "d['cgroup']['compat_guard']")" detached
ks status -v >"$LAB_DIR/s-guard.txt" 2>&1
check "headline names the 32-bit guard" grep -q "^DEGRADED.*32-bit setsockopt guard DETACHED" "$LAB_DIR/s-guard.txt"
ks_load >/dev/null 2>&1
check_eq "load again: status exit code, guard back" "$(status_rc "$S0") $(js "$S0" "d['cgroup']['compat_guard']")" "0 attached"
links=$(lab_pinned_links | awk '{ print $1 }' | tr '\n' ' ')
if [ -e "$LAB_BPFFS/link_cg_egress" ]; then
	rm -f "$LAB_BPFFS/link_cg_egress"
	S7=$LAB_DIR/s7.json
	check_eq "status exit code, cgroup link gone" "$(status_rc "$S7")" 4
	check_eq "state" "$(js "$S7" "d['state']")" degraded
	check_eq "cgroup.attached" "$(js "$S7" "d['cgroup']['attached']")" 0
	V=$LAB_DIR/v4.json
	verify_json "$V"
	info "verify with the cgroup link gone: exit $?, holds $(js "$V" "d['holds']")"
else
	fail "no $LAB_BPFFS/link_cg_egress pin"
fi

# ---------------------------------------------------------- unload
lab_step "unload: not loaded (3), nothing left behind"
ks unload >"$LAB_DIR/unload.out" 2>&1
check_eq "unload exit code" "$?" 0
S8=$LAB_DIR/s8.json
check_eq "status exit code after unload" "$(status_rc "$S8")" 3
check_eq "state after unload" "$(js "$S8" "d['state']")" not_loaded
ks verify >/dev/null 2>&1
check_eq "verify exit code after unload" "$?" 3
check "pin directory removed" [ ! -e "$LAB_BPFFS" ]
check_eq "programs left on the lab cgroup" "$(lab_cg_progs | wc -l)" 0
left=0
for id in $links; do
	bpftool link show id "$id" >/dev/null 2>&1 && left=$((left + 1))
done
check_zero "links of this lab still alive" "$left"

lab_finish
