#!/bin/bash
# Scenario 3: a hot-plugged uplink, with a route, and senders already
# hammering it. The tunnel is up (default route through it); the agent
# (`ksbpf run`) runs. A veth arrives in the client namespace (down, like a
# new NIC), gets addresses, comes up, and gets host routes to the internet
# addresses: the senders that were going through the tunnel switch to it at
# once. Senders: UDP/TCP/ICMP v4+v6 from the lab cgroup and from outside it,
# and an AF_PACKET sender spinning until the interface exists and then
# sending frames on it as fast as it can. Repeated ADV_HOTPLUG (3) times.
#  b. the same AF_PACKET sender against an interface that arrives already up
#     (`ip link set X netns C up`, with carrier): reported, not a pass (the
#     agent attaches at the first netlink event; a spinning sender can win).
#  c. positive control and documented limit: with no agent running, a new
#     uplink is NOT GUARDED (status exit 4): sockets of the lab cgroup are
#     still held by the cgroup hook, AF_PACKET and processes outside it leak.
set -u
# shellcheck source=tests/adversarial/lib.sh
. "$(dirname "$0")/../lib.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf

K=${ADV_HOTPLUG:-3}
lab_setup
adv_tool
lab_tunnel_up || exit 1

mac_of() { ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
agent_ready() { wait_for 5 grep -q "following rtnetlink" "$1"; }
uplink_attached() {	# NAME
	ks status --json 2>/dev/null | /usr/bin/python3 -c 'import json, sys
d = json.load(sys.stdin)
sys.exit(0 if [u["attached"] for u in d.get("uplinks", []) if u["name"] == sys.argv[1]] == [True] else 1)' "$1"
}

probes() { echo "udp4:$LAB_INET4:$1 udp6:[$LAB_INET6]:$1 tcp4:$LAB_INET4:$(($1 + 1)) tcp6:[$LAB_INET6]:$(($1 + 1)) icmp4:$LAB_INET4 icmp6:$LAB_INET6"; }

# plug N UP: a veth svN (server, configured) / upN; the client end moved in
# the client namespace down (UP empty) or up (UP=up); with the senders
# running. Sets P_LEAK, P_ATT; captures on svN.
plug() {
	local n=$1 up=${2:-} net4=203.0.$((113 + $1)) net6=2001:db8:$((10 + $1))
	local sv=sv$n upn=hp$n p=hp$n ms=2500 iv=1
	[ -z "$up" ] || { ms=800; iv=0; }
	# the previous plug's host routes go: traffic returns to the tunnel
	ip -n "$LAB_NS_C" route del "$LAB_INET4/32" 2>/dev/null
	ip -n "$LAB_NS_C" -6 route del "$LAB_INET6/128" 2>/dev/null
	ip -n "$LAB_NS_S" link add "$sv" type veth peer name "tmp$n" || { fail "veth $sv"; return 1; }
	ip -n "$LAB_NS_S" addr add "$net4.1/24" dev "$sv"
	ip -n "$LAB_NS_S" addr add "$net6::1/64" dev "$sv" nodad
	ip -n "$LAB_NS_S" link set "$sv" up
	local smac
	smac=$(mac_of "$LAB_NS_S" "$sv")
	cap_start "$p" "$LAB_NS_S" "$sv"
	# shellcheck disable=SC2046
	if [ -z "$up" ]; then
		sender_start "$p-cg" cg --duration 2.5 --count 1000000 --interval 0.005 $(probes 40040)
		sender_start "$p-ns" ns --duration 2.5 --count 1000000 --interval 0.005 $(probes 40050)
	fi
	adv_start "$p-afp" ns --duration-ms $ms --count 1000000 --interval-ms $iv frames \
		--if "$upn" --dmac "$smac" --src4 "$net4.2" --dst4 "$LAB_INET4" \
		--src6 "$net6::2" --dst6 "$LAB_INET6" --kinds plain4,plain6
	sleep 0.4
	if [ -z "$up" ]; then
		ip -n "$LAB_NS_S" link set "tmp$n" netns "$LAB_NS_C" name "$upn" &&
			ip -n "$LAB_NS_C" addr add "$net4.2/24" dev "$upn" &&
			ip -n "$LAB_NS_C" addr add "$net6::2/64" dev "$upn" nodad &&
			ip -n "$LAB_NS_C" link set "$upn" up &&
			ip -n "$LAB_NS_C" route add "$LAB_INET4/32" via "$net4.1" dev "$upn" &&
			ip -n "$LAB_NS_C" -6 route add "$LAB_INET6/128" via "$net6::1" dev "$upn" ||
			fail "plugging $upn"
		check "route to $LAB_INET4 via $upn" sh -c \
			"ip -n $LAB_NS_C route get $LAB_INET4 | grep -q 'dev $upn'"
		sender_wait "$p-cg" "$p-ns" "$p-afp"
	else
		ip -n "$LAB_NS_S" link set "tmp$n" netns "$LAB_NS_C" name "$upn" up ||
			fail "plugging $upn (up)"
		sender_wait "$p-afp"
	fi
	cap_stop "$p"
	P_LEAK=$(adv_leaks "$p" "$smac")
	[ "$P_LEAK" = 0 ] || adv_leak_detail "$p" "$(ADV_F_LEAK "$smac")"
	P_ATT=$(attempts "$p-cg" "$p-ns" "$p-afp")
}

lab_step "agent up"
ks_run_bg "$LAB_DIR/agent.log"
agent_ready "$LAB_DIR/agent.log" || { fail "agent did not start"; exit 1; }

lab_step "3a: $K uplinks hot-plugged (arriving down) under senders"
F0=$LAB_FAILS
A_ATT=0 A_LEAK=0
for i in $(seq 1 "$K"); do
	plug "$i"
	check "agent guards hp$i" uplink_attached "hp$i"
	check_nonzero "[cg] EPERM once routed via hp$i" "$(sender_get "hp$i-cg" all eperm)"
	check_nonzero "[cg] replies through the tunnel before hp$i" "$(sender_get "hp$i-cg" all replies)"
	check_nonzero "AF_PACKET frames handed to hp$i (sent + ENOBUFS)" \
		"$(($(sender_get "hp$i-afp" all sent) + $(sender_get "hp$i-afp" all err)))"
	check_zero "leaked on sv$i" "$P_LEAK"
	A_ATT=$((A_ATT + P_ATT)) A_LEAK=$((A_LEAK + P_LEAK))
done
A_FAILS=$(adv_fails_since "$F0")

lab_step "3b: interfaces arriving already up, an AF_PACKET sender spinning on them"
B_ATT=0 B_LEAK=0 B_HIT=0
for i in $(seq 11 $((10 + K + 2))); do
	plug "$i" up
	info "hp$i (arrived up): $P_LEAK of $P_ATT frames reached sv$i"
	B_ATT=$((B_ATT + P_ATT)) B_LEAK=$((B_LEAK + P_LEAK))
	[ "$P_LEAK" = 0 ] || B_HIT=$((B_HIT + 1))
done

lab_step "3c: no agent running: a new uplink is not guarded (documented), control"
kill -TERM "$KS_AGENT_PID"
wait "$KS_AGENT_PID"
F0=$LAB_FAILS
plug 9
check_eq "status: degraded (the new uplink is NOT GUARDED)" "$(adv_status)" 4
n_cg=$(sender_get hp9-cg all eperm)
check_nonzero "[cg] still EPERM (the cgroup hook holds local sockets)" "$n_cg"
S9=$(mac_of "$LAB_NS_S" sv9)
C_CG=$(cap_count hp9 "not ether src $S9 and (udp and dst portrange 40040-40041 or tcp and dst port 40041)")
C_NS=$(cap_count hp9 "not ether src $S9 and (udp and dst portrange 40050-40051 or tcp and dst port 40051)")
check_zero "[cg] UDP/TCP on sv9 from the lab cgroup" "$C_CG"
check_nonzero "[ns] UDP/TCP on sv9 from outside the cgroup" "$C_NS"
C_LEAK=$P_LEAK C_ATT=$P_ATT
check_nonzero "control: leaked on sv9 (ns sockets, AF_PACKET)" "$C_LEAK"
C_FAILS=$(adv_fails_since "$F0")
ks_run_bg "$LAB_DIR/agent2.log"
agent_ready "$LAB_DIR/agent2.log" && wait_for 3 uplink_attached hp9
check "a restarted agent guards hp9" uplink_attached hp9
check_eq "status with the agent back" "$(adv_status)" 0

adv_row s3a-hotplug-uplink-agent "$A_ATT" "$A_LEAK" "$(adv_verdict "$A_LEAK" "$A_FAILS" "$C_FAILS")" \
	"$K uplinks plugged down, then addressed, up and routed under cg+ns+AF_PACKET senders; control (no agent) leaked $C_LEAK"
if [ "$B_LEAK" = 0 ]; then
	adv_row s3b-hotplug-born-up-afpacket "$B_ATT" 0 ok \
		"$((K + 2)) interfaces moved in already up, AF_PACKET spinning on them: the agent won every race"
else
	adv_row s3b-hotplug-born-up-afpacket "$B_ATT" "$B_LEAK" limit \
		"race lost in $B_HIT of $((K + 2)): an interface moved in already up carries AF_PACKET frames until the agent attaches at its first netlink event (sockets: cgroup hook); not documented"
fi
adv_row s3c-hotplug-no-agent "$C_ATT" "$C_LEAK" "$([ "$C_FAILS" = 0 ] && echo limit || echo fail)" \
	"documented: without the agent a new uplink is NOT GUARDED (status exit 4) until load/run; lab-cgroup sockets still held ($n_cg EPERM, $C_CG on the wire), ns sockets ($C_NS) and AF_PACKET leak"
adv_finish
