#!/bin/bash
# e2e stress: the agent (`ksbpf run`) under churn, leaks counted on the far
# end of the uplink wire (sv0, server namespace) with the lab's leak filter
# (everything from the client but WireGuard to the endpoint, ARP and IPv6 ND).
#  1. the tunnel is deleted and recreated with a new ifindex, three times
#     (SIGKILL of wireguard-go, `ip link del`, SIGKILL): traffic resumes
#     through the new tunnel; the time from its admin up to the first packet
#     the kill switch lets through it is measured and printed;
#  2. 200 admin down/up flaps of the tunnel under continuous senders (UDP
#     and ICMP, IPv4 and IPv6, from the test cgroup and from a process of the
#     client namespace outside it): leak 0, the senders really sent, and the
#     tunnel works afterwards;
#  3. the agent is SIGKILLed in the middle of flapping and restarted 0.5 s
#     later while the flaps go on: leak 0, then the tunnel is active again;
#  4. netlink overrun: an agent with a tiny receive buffer
#     (--netlink-buffer 1024) while one `ip -batch` creates and deletes 150
#     veth pairs and 30 tun devices, then creates 24 veth pairs and 6 tun
#     devices that stay, and the tunnel flaps: the agent logs the overrun
#     and resynchronises; the final state is exact (protected, no unguarded
#     interface, uplinks = the interfaces that exist, pins likewise, tunnel
#     active iff up), also after a burst deleting the kept ones; leak 0;
#  5. positive control: after unload, the same leak counters read > 0.
# Needs root and build/ksbpf. Runs in about a minute.
set -u
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf
"$KSBPF" --help 2>&1 | grep -qw run || { echo "SKIP: $KSBPF has no 'run' (agent) command"; exit 0; }

lab_setup

# ------------------------------------------------------------------ helpers
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# agent_wait SECONDS PYTHON-EXPR: poll status --json until EXPR holds.
agent_wait() {
	local n=$(($1 * 20)) f=$LAB_DIR/poll.json
	while [ "$n" -gt 0 ]; do
		ks_status_json "$f"
		[ "$(js "$f" "$2")" = 1 ] && return 0
		sleep 0.05
		n=$((n - 1))
	done
	return 1
}
agent_alive() { kill -0 "$KS_AGENT_PID" 2>/dev/null; }
agent_kill9() { { kill -9 "$KS_AGENT_PID"; wait "$KS_AGENT_PID"; } 2>/dev/null; }
# agent_start LOG EXTRA-ARGS...: the agent, once it follows rtnetlink.
agent_start() {
	local log=$1
	ks_run_bg "$@"
	if wait_for 5 grep -q "following rtnetlink" "$log"; then
		return 0
	fi
	fail "agent did not start within 5 s:"
	sed 's/^/          | /' "$log"
	return 1
}

TUN_Q="[(t['up'], t['active']) for t in d['tunnels'] if t['name']=='$LAB_WG_C']"
TUN_ACTIVE="$TUN_Q == [(True, True)]"
# entries of the pinned ksbpf_tunnels map
tunnels_map_entries() {
	bpftool -j map dump pinned "$LAB_BPFFS/ksbpf_tunnels" 2>/dev/null |
		/usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo "?"
}
tunnels_map_empty() { [ "$(tunnels_map_entries)" = 0 ]; }
tun_ifindex() { ip -n "$LAB_NS_C" -o link show "$LAB_WG_C" 2>/dev/null | cut -d: -f1; }

# leak_checks CAPTURE LABEL: the lab's leak filter and the per-probe ones.
LEAK_FILTERS="F_LEAK F_LEAK_UDP4 F_LEAK_ICMP4 F_LEAK_UDP6 F_LEAK_ICMP6"
leak_checks() {
	local f n
	for f in $LEAK_FILTERS; do
		n=$(cap_count "$1" "$($f)")
		check_zero "sv0 ${f#F_} ($2)" "$n"
		[ "$n" = 0 ] || cap_show "$1" "$($f)"
	done
	# the capture was live: WireGuard (handshakes) to the endpoint seen
	check_nonzero "sv0 WireGuard to the endpoint ($2; capture live)" \
		"$(cap_count "$1" "$(F_ENDPOINT)")"
}

# senders_start PREFIX: continuous probes from the test cgroup (PREFIX-cg)
# and from the client namespace outside it (PREFIX-ns), 500 rounds/s at most,
# 120 s at most; stopped by senders_stop.
senders_start() {
	# shellcheck disable=SC2046
	sender_start "$1-cg" cg --duration 120 --count 1000000 --interval 0.002 $(probes_inet)
	# shellcheck disable=SC2046
	sender_start "$1-ns" ns --duration 120 --count 1000000 --interval 0.002 $(probes_inet)
}
senders_stop() {
	kill -TERM "${LAB_SND_PID[$1-cg]}" "${LAB_SND_PID[$1-ns]}" 2>/dev/null
	sender_wait "$1-cg" "$1-ns"
	sender_show "$1-cg"
	sender_show "$1-ns"
}

# tunnel_traffic LABEL: probes from the test cgroup go through the tunnel.
tunnel_traffic() {
	local name=tt$((++TT_N))
	# shellcheck disable=SC2046
	sender_run "$name" cg --count 10 --interval 0.03 --linger 0.5 $(probes_inet)
	check_zero "[cg] EPERM through the tunnel ($1)" "$(sender_get "$name" all eperm)"
	check_nonzero "[cg] ICMPv4 echo replies through the tunnel ($1)" \
		"$(sender_get "$name" icmp4 replies)"
	check_nonzero "[cg] ICMPv6 echo replies through the tunnel ($1)" \
		"$(sender_get "$name" icmp6 replies)"
}
TT_N=0

# One admin up of the tunnel, with what a VPN client's up hook restores:
# IPv6 addresses and routes through a device go when it goes down.
tunnel_up_batch() {
	printf '%s\n' "link set $LAB_WG_C up" \
		"addr replace $LAB_TC6/64 dev $LAB_WG_C nodad" \
		"route replace default dev $LAB_WG_C metric 10" \
		"route replace ::/0 dev $LAB_WG_C metric 10" |
		ip -n "$LAB_NS_C" -batch - >/dev/null 2>&1
}
# flap_loop N PROGRESS-FILE: N admin down/up flaps of the client tunnel
# (varying 0-10 ms in each state), routes restored after each up; the
# number of flaps done goes to PROGRESS-FILE. Ends with the tunnel up.
flap_loop() {
	local n=$1 f=$2 i naps=(0 0.002 0.01)
	for ((i = 1; i <= n; i++)); do
		ip -n "$LAB_NS_C" link set "$LAB_WG_C" down
		sleep "${naps[i % 3]}"
		tunnel_up_batch
		sleep "${naps[(i + 1) % 3]}"
		# replaced in one step: a reader never sees the file empty
		echo "$i" >"$f.new" && mv "$f.new" "$f"
	done
}

# The probe that measures the reaction: in the test cgroup, it sets the
# (down, configured) tunnel admin up itself (SIOCSIFFLAGS, what `ip link set
# up` does), then sends a UDP datagram to the tunnel's far end over the
# tunnel's connected route every 0.2 ms until one is let through (the
# cgroup_skb program refuses with EPERM while the ifindex is not allowed).
cat >"$LAB_DIR/upprobe.py" <<'PY'
import errno, fcntl, socket, struct, sys, time
ifn, dst, port, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
ctl = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
req = struct.pack("16sH14x", ifn.encode(), 0)
flags = struct.unpack("16sH", fcntl.ioctl(ctl, SIOCGIFFLAGS, req)[:18])[1]
if flags & IFF_UP:
    print("ERROR %s is already up" % ifn)
    sys.exit(2)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setblocking(False)
try:    # warm-up while down (routed via the uplink: refused)
    s.sendto(b"ksbpf-reaction 0", (dst, port + 1))
    before = "sent"
except OSError as e:
    before = errno.errorcode.get(e.errno, str(e.errno))
t_call = time.monotonic_ns()
fcntl.ioctl(ctl, SIOCSIFFLAGS, struct.pack("16sH14x", ifn.encode(), flags | IFF_UP))
t_up = time.monotonic_ns()
attempts = eperm = 0
errs = {}
ok = False
while time.monotonic_ns() - t_up < limit * 1e9:
    attempts += 1
    try:
        s.sendto(b"ksbpf-reaction %d" % attempts, (dst, port))
        ok = True
        break
    except OSError as e:
        if e.errno == errno.EPERM:
            eperm += 1
        else:
            n = errno.errorcode.get(e.errno, str(e.errno))
            errs[n] = errs.get(n, 0) + 1
    time.sleep(0.0002)
t_ok = time.monotonic_ns()
print("ok=%d reaction_us=%d ioctl_us=%d attempts=%d eperm=%d errors=%s before=%s" % (
    ok, (t_ok - t_up) // 1000 if ok else -1, (t_up - t_call) // 1000,
    attempts, eperm, ",".join("%s:%d" % kv for kv in sorted(errs.items())) or "-",
    before))
sys.exit(0 if ok else 1)
PY

# tunnel_recreate HOW: remove the client tunnel (HOW = kill: SIGKILL of
# wireguard-go; del: `ip link del`, wireguard-go exits by itself), start a
# new wireguard-go, configure it (down), then measure admin up -> first
# packet let through it. Sets REACT_US; restores the routes.
REACT_PORT=40009
tunnel_recreate() {
	local how=$1 old new out
	REACT_US=-1 REACT_IOCTL_US=0
	old=$(tun_ifindex)
	if [ "$how" = kill ]; then
		lab_tunnel_kill
	else
		ip -n "$LAB_NS_C" link del "$LAB_WG_C" || fail "ip link del $LAB_WG_C"
		wait_for 5 sh -c "! kill -0 $LAB_PID_WG_C" ||
			{ info "wireguard-go still running after ip link del: SIGKILL"; kill -9 "$LAB_PID_WG_C"; }
		wait "$LAB_PID_WG_C" 2>/dev/null
		LAB_PID_WG_C=""
		rm -f "/var/run/wireguard/$LAB_WG_C.sock"
	fi
	check "$LAB_WG_C gone ($how)" sh -c "! ip -n $LAB_NS_C link show $LAB_WG_C >/dev/null 2>&1"
	wait_for 3 tunnels_map_empty
	check_zero "ksbpf_tunnels entries once $LAB_WG_C went" "$(tunnels_map_entries)"
	_wg_start "$LAB_NS_C" "$LAB_WG_C" "$LAB_DIR/wg-client.log" ||
		{ fail "client tunnel did not restart"; return 1; }
	LAB_PID_WG_C=$_WG_PID
	in_client wg set "$LAB_WG_C" private-key "$LAB_DIR/c.key" \
		peer "$(cat "$LAB_DIR/s.pub")" endpoint "$LAB_WG_ENDPOINT" \
		allowed-ips 0.0.0.0/0,::/0 || { fail "wg set $LAB_WG_C"; return 1; }
	ip -n "$LAB_NS_C" addr add "$LAB_TC4/24" dev "$LAB_WG_C"
	ip -n "$LAB_NS_C" addr add "$LAB_TC6/64" dev "$LAB_WG_C" nodad
	new=$(tun_ifindex)
	check "new tunnel has a new ifindex ($old -> $new)" test -n "$new" -a "$new" != "$old"
	sleep 0.05
	check_zero "ksbpf_tunnels entries while the new $LAB_WG_C is down" "$(tunnels_map_entries)"
	out=$(in_client_cg /usr/bin/python3 "$LAB_DIR/upprobe.py" "$LAB_WG_C" "$LAB_TS4" "$REACT_PORT" 3)
	info "probe: $out"
	REACT_US=$(echo "$out" | sed -n 's/.*reaction_us=\(-\{0,1\}[0-9]*\).*/\1/p')
	REACT_IOCTL_US=$(echo "$out" | sed -n 's/.*ioctl_us=\([0-9]*\).*/\1/p')
	[ -n "$REACT_US" ] || REACT_US=-1
	check_eq "probe refused before the admin up (routed via up0)" \
		"$(echo "$out" | sed -n 's/.*before=\([A-Z0-9a-z]*\).*/\1/p')" EPERM
	ip -n "$LAB_NS_C" route replace default dev "$LAB_WG_C" metric 10
	ip -n "$LAB_NS_C" -6 route replace default dev "$LAB_WG_C" metric 10
	lab_tunnel_wait
}
us_as_ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }

# ------------------------------------------------------------------ start
lab_step "agent started, tunnel up"
agent_start "$LAB_DIR/agent1.log" || exit 1
check "agent running (pid $KS_AGENT_PID)" agent_alive
lab_tunnel_up || exit 1
agent_wait 3 "$TUN_ACTIVE"
check "status: $LAB_WG_C up and active" test $? = 0
tunnel_traffic "start"

# -------------------------------------------------------- 1. recreation
lab_step "1. tunnel deleted and recreated (new ifindex): reaction time"
T=$(date +%s%N)
cap_start p1-sv0 "$LAB_NS_S" sv0
cap_start p1-wg "$LAB_NS_S" "$LAB_WG_S"
senders_start p1
sleep 0.3
REACTS=()
for how in kill del kill; do
	tunnel_recreate "$how"
	if [ "$REACT_US" -ge 0 ] && [ "$REACT_US" -lt 2000000 ]; then
		pass "traffic let through the recreated tunnel ($how)"
	else
		fail "no packet let through the recreated tunnel ($how) within 2 s"
	fi
	if [ "$REACT_US" -ge 0 ]; then
		echo "  reaction: tunnel recreated -> traffic through it in $(us_as_ms "$REACT_US") ms" \
			"($how; after the admin up returned, which itself took $(us_as_ms "${REACT_IOCTL_US:-0}") ms)"
		REACTS+=("$REACT_US")
	else
		echo "  reaction: tunnel recreated -> no traffic through it within 3 s ($how)"
		REACTS+=(999999999)
	fi
	agent_wait 3 "$TUN_ACTIVE"
	rc=$?
	check "status: recreated $LAB_WG_C (ifindex $(tun_ifindex)) active" test "$rc" = 0
	tunnel_traffic "recreated ($how)"
done
senders_stop p1
cap_stop p1-sv0 p1-wg
max=$(printf '%s\n' "${REACTS[@]}" | sort -n | tail -1)
if [ "$max" -lt 999999999 ]; then
	echo "  reaction: worst of 3 recreations: $(us_as_ms "$max") ms (target well under 100 ms)"
fi
check_eq "reaction probes arrived at the server through the new tunnels" \
	"$(cap_count p1-wg "udp and dst host $LAB_TS4 and dst port $REACT_PORT")" 3
check_nonzero "[cg] probes refused while the tunnel was gone" "$(sender_get p1-cg all eperm)"
check_nonzero "[ns] probes sent (outside the cgroup)" "$(sender_get p1-ns all sent)"
leak_checks p1-sv0 "tunnel recreated x3"
info "part 1: $(ms_since "$T") ms"

# -------------------------------------------------------------- 2. flaps
lab_step "2. 200 tunnel flaps under continuous senders"
T=$(date +%s%N)
cap_start p2-sv0 "$LAB_NS_S" sv0
senders_start p2
sleep 0.2
flap_loop 200 "$LAB_DIR/flaps2"
sleep 0.2
senders_stop p2
cap_stop p2-sv0
info "200 flaps took $(ms_since "$T") ms; agent logged $(grep -c "down or gone: blocked" "$LAB_DIR/agent1.log") blocks"
check_eq "flaps done" "$(cat "$LAB_DIR/flaps2")" 200
check_nonzero "[cg] probes sent during the flaps (tunnel up)" "$(sender_get p2-cg all sent)"
check_nonzero "[cg] probes refused during the flaps (tunnel down)" "$(sender_get p2-cg all eperm)"
check_nonzero "[ns] probes sent during the flaps (outside the cgroup)" "$(sender_get p2-ns all sent)"
for k in udp4 icmp4 udp6 icmp6; do
	check_nonzero "[ns] $k sent during the flaps" "$(sender_get p2-ns "$k" sent)"
done
leak_checks p2-sv0 "200 flaps"
check "agent survived the flaps" agent_alive
agent_wait 3 "$TUN_ACTIVE"
check "status after the flaps: $LAB_WG_C up and active" test $? = 0
ip -n "$LAB_NS_C" link set "$LAB_WG_C" down
agent_wait 3 "$TUN_Q == [(False, False)]"
check "tunnel down -> inactive (status)" test $? = 0
check_zero "ksbpf_tunnels entries (tunnel down)" "$(tunnels_map_entries)"
tunnel_up_batch
agent_wait 3 "$TUN_ACTIVE"
check "tunnel up again -> active (status)" test $? = 0
tunnel_traffic "after 200 flaps"
info "part 2: $(ms_since "$T") ms"

# ------------------------------------------- 3. agent SIGKILLed mid-flap
lab_step "3. agent SIGKILLed in the middle of flapping, restarted while flaps go on"
T=$(date +%s%N)
cap_start p3-sv0 "$LAB_NS_S" sv0
senders_start p3
sleep 0.2
: >"$LAB_DIR/flaps3"
flap_loop 150 "$LAB_DIR/flaps3" &
FLAP_PID=$!
lab_track "$FLAP_PID"
wait_for 20 sh -c "[ \"\$(cat $LAB_DIR/flaps3)\" -ge 50 ] 2>/dev/null"
agent_kill9
killed_at=$(cat "$LAB_DIR/flaps3")
check "agent SIGKILLed (after $killed_at flaps)" sh -c "! kill -0 $KS_AGENT_PID 2>/dev/null"
sleep 0.5
agent_start "$LAB_DIR/agent3.log"
restarted_at=$(cat "$LAB_DIR/flaps3")
check "agent restarted while the flaps went on (at flap $restarted_at of 150)" \
	test "$restarted_at" -lt 150
wait "$FLAP_PID"
sleep 0.2
senders_stop p3
cap_stop p3-sv0
check_eq "flaps done" "$(cat "$LAB_DIR/flaps3")" 150
check_nonzero "[cg] probes sent during the flaps" "$(sender_get p3-cg all sent)"
check_nonzero "[cg] probes refused during the flaps" "$(sender_get p3-cg all eperm)"
check_nonzero "[ns] probes sent during the flaps (outside the cgroup)" "$(sender_get p3-ns all sent)"
leak_checks p3-sv0 "flaps, agent SIGKILLed and restarted"
check "restarted agent running" agent_alive
agent_wait 3 "d['state'] == 'protected' and $TUN_ACTIVE"
check "status after the flaps: protected, $LAB_WG_C up and active" test $? = 0
tunnel_traffic "after the agent restart"
info "part 3: $(ms_since "$T") ms"

# ---------------------------------------------------- 4. netlink overrun
lab_step "4. netlink overrun: tiny buffer, churn of 150 veth pairs + 30 tuns, flaps"
# state_exact: status --json against the interfaces that exist: protected,
# nothing unguarded, uplinks (all attached) and TC link pins = exactly the
# interfaces but lo and the tunnel, the tunnel active iff it is up. Returns
# 0 when all hold; STATE_MSG says what differs; the status is in $STATE_JSON.
STATE_JSON=$LAB_DIR/state.json
state_exact() {
	ks_status_json "$STATE_JSON"
	STATE_RC=$?
	ip -n "$LAB_NS_C" -j link show >"$LAB_DIR/links.json"
	(cd "$LAB_BPFFS" && ls -d link_tc_egress_* 2>/dev/null) >"$LAB_DIR/pins.txt"
	STATE_MSG=$(/usr/bin/python3 - "$STATE_JSON" "$LAB_DIR/links.json" \
		"$LAB_DIR/pins.txt" "$LAB_WG_C" <<'PY'
import json, sys
try:
    st = json.load(open(sys.argv[1]))
except Exception as e:
    print("no status: %s" % e)
    sys.exit()
links = json.load(open(sys.argv[2]))
pins = {int(l.strip().rsplit("_", 1)[1]) for l in open(sys.argv[3]) if l.strip()}
tun = sys.argv[4]
want = {(l["ifname"], l["ifindex"]) for l in links if l["ifname"] not in ("lo", tun)}
got = {(u["name"], u["ifindex"]) for u in st.get("uplinks", [])}
out = []
if st.get("state") != "protected": out.append("state %s" % st.get("state"))
if st.get("unguarded"): out.append("unguarded %s" % st["unguarded"])
if got - want: out.append("stale uplinks %s" % sorted(got - want))
if want - got: out.append("missing uplinks %s" % sorted(want - got))
det = [u["name"] for u in st.get("uplinks", []) if not u.get("attached")]
if det: out.append("detached %s" % det)
wanti = {i for _, i in want}
if pins - wanti: out.append("stale tc pins %s" % sorted(pins - wanti))
if wanti - pins: out.append("missing tc pins %s" % sorted(wanti - pins))
up = [("UP" in l.get("flags", [])) for l in links if l["ifname"] == tun]
ts = [(t["up"], t["active"]) for t in st.get("tunnels", []) if t["name"] == tun]
if ts != [(u, u) for u in up]: out.append("tunnel (up, active) %s, link up %s" % (ts, up))
print("; ".join(out) or "ok: %d uplinks, tunnel (up, active) %s" % (len(got), ts))
PY
)
	[ "${STATE_MSG%%:*}" = ok ]
}
# settle SECONDS: wait until state_exact holds (the agent has caught up).
settle() {
	local t0
	t0=$(date +%s%N)
	if wait_for "$1" state_exact; then
		info "agent state exact $(ms_since "$t0") ms after the churn"
	else
		info "agent state still not exact after $1 s: $STATE_MSG"
	fi
}
T=$(date +%s%N)
kill -TERM "$KS_AGENT_PID"
wait "$KS_AGENT_PID"
check_eq "agent exit code on SIGTERM" "$?" 0
AGENT4=$LAB_DIR/agent4.log
agent_start "$AGENT4" --netlink-buffer 1024 || exit 1
# One batch: veth pairs live 16 at a time, tun devices 6 at a time, each
# (one end of a pair) brought up and deleted again; then a burst of 24 veth
# pairs and 6 tun devices that stay.
B=$LAB_DIR/churn.batch
: >"$B"
for ((i = 1; i <= 150; i++)); do
	echo "link add ksv$i type veth peer name ksp$i" >>"$B"
	echo "link set ksv$i up" >>"$B"	# one end: no carrier, quick to delete
	[ "$i" -gt 16 ] && echo "link del ksv$((i - 16))" >>"$B"
	if [ $((i % 5)) = 0 ]; then
		echo "tuntap add dev kst$i mode tun" >>"$B"
		echo "link set kst$i up" >>"$B"
		[ "$i" -gt 30 ] && echo "link del kst$((i - 30))" >>"$B"
	fi
done
for ((i = 135; i <= 150; i++)); do echo "link del ksv$i" >>"$B"; done
for ((i = 125; i <= 150; i += 5)); do echo "link del kst$i" >>"$B"; done
KEEP=$LAB_DIR/keep-del.batch
: >"$KEEP"
for ((i = 1; i <= 24; i++)); do
	echo "link add ksk$i type veth peer name ksl$i" >>"$B"
	echo "link set ksk$i up" >>"$B"
	echo "link del ksk$i" >>"$KEEP"
done
for ((i = 1; i <= 6; i++)); do
	echo "tuntap add dev ksm$i mode tun" >>"$B"
	echo "link del ksm$i" >>"$KEEP"
done
cap_start p4-sv0 "$LAB_NS_S" sv0
senders_start p4
sleep 0.2
ip -n "$LAB_NS_C" -force -batch "$B" >"$LAB_DIR/churn.out" 2>&1 &
CHURN_PID=$!
lab_track "$CHURN_PID"
flap_loop 40 "$LAB_DIR/flaps4"
ip -n "$LAB_NS_C" link set "$LAB_WG_C" down	# end with the tunnel down
wait "$CHURN_PID"
check_eq "churn batch exit code" "$?" 0
info "churn + 40 flaps took $(ms_since "$T") ms"
check_eq "churned interfaces all deleted" \
	"$(ip -n "$LAB_NS_C" -o link show | grep -c ': ks[vpt][0-9]')" 0
check_eq "kept interfaces present (24 veth pairs, 6 tun)" \
	"$(ip -n "$LAB_NS_C" -o link show | grep -c ': ks[klm][0-9]')" 54
settle 5
check_eq "status exit code after the churn" "$STATE_RC" 0
check_eq "state after the churn" "$(js "$STATE_JSON" "d['state']")" protected
check_eq "unguarded interfaces after the churn" "$(js "$STATE_JSON" "d['unguarded']")" "[]"
check_eq "tunnel down -> inactive ((up, active))" "$(js "$STATE_JSON" "$TUN_Q")" "[[false, false]]"
check "uplinks and TC pins = the interfaces that exist ($STATE_MSG)" test "${STATE_MSG%%:*}" = ok
check_nonzero "agent log: netlink overruns" \
	"$(grep -c "netlink overrun: events were lost, resynchronising" "$AGENT4")"
check "agent log: in sync after the last overrun" sh -c \
	"sed -n '/netlink overrun/h; /netlink overrun/,\$p' '$AGENT4' | grep -q 'in sync:'"
check "agent survived the overruns" agent_alive
tunnel_up_batch
agent_wait 3 "$TUN_ACTIVE"
check "tunnel up -> active (agent with the tiny buffer)" test $? = 0
tunnel_traffic "after the overruns"
lab_log "deletion burst: the 54 kept interfaces in one batch"
o=$(grep -c "netlink overrun" "$AGENT4")
ip -n "$LAB_NS_C" -force -batch "$KEEP" >"$LAB_DIR/keep-del.out" 2>&1
check_eq "deletion batch exit code" "$?" 0
settle 5
check "after the deletion burst: state exact ($STATE_MSG)" test "${STATE_MSG%%:*}" = ok
check_eq "after the deletion burst: uplinks" "$(js "$STATE_JSON" "[u['name'] for u in d['uplinks']]")" '["up0"]'
info "agent log: $(($(grep -c "netlink overrun" "$AGENT4") - o)) overruns in the deletion burst," \
	"$(grep -c 'resync failed' "$AGENT4") failed resyncs, $(grep -c 'an action failed' "$AGENT4") failed actions in all"
grep -m3 'resync failed' "$AGENT4" | sed 's/^/          | /'
senders_stop p4
cap_stop p4-sv0
check_nonzero "[cg] probes refused during the churn" "$(sender_get p4-cg all eperm)"
check_nonzero "[ns] probes sent during the churn" "$(sender_get p4-ns all sent)"
leak_checks p4-sv0 "netlink overrun churn"
info "part 4: $(ms_since "$T") ms"

# ------------------------------------------------- 5. positive control
lab_step "5. unload: the leak counters see leaks"
kill -TERM "$KS_AGENT_PID"
wait "$KS_AGENT_PID"
ks unload >"$LAB_DIR/unload.out" 2>&1
check_eq "unload exit code" "$?" 0
lab_tunnel_kill
cap_start p5-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
sender_run p5-cg cg --count 5 --interval 0.05 $(probes_inet)
# shellcheck disable=SC2046
sender_run p5-ns ns --count 5 --interval 0.05 $(probes_inet)
cap_stop p5-sv0
for f in $LEAK_FILTERS; do
	check_nonzero "sv0 ${f#F_} after unload" "$(cap_count p5-sv0 "$($f)")"
done
check_eq "[cg] no EPERM after unload" "$(sender_get p5-cg all eperm)" 0

lab_finish
