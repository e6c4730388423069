#!/bin/bash
# e2e: the agent (`ksbpf run`) follows interfaces.
#  - started before the tunnel exists: the tunnel is allowed as soon as it
#    comes up, with no reload; killed and restarted (new ifindex): blocked
#    while gone (leak 0), allowed again when back;
#  - a new uplink appearing later (a veth moved into the client namespace,
#    with a more specific route to the internet address through it) gets its
#    TC program: nothing leaks through it, from the test cgroup, from a
#    process outside it, or as AF_PACKET frames;
#  - SIGKILL of the agent leaves enforcement in place (leak 0); an uplink
#    that appears while no agent runs is reported; a restarted agent adopts
#    the pins and guards it; SIGTERM stops the agent, enforcement stays.
# IPv4 and IPv6 throughout. Positive control after unload on both uplinks.
set -u
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf
"$KSBPF" --help 2>&1 | grep -qw run || { echo "SKIP: $KSBPF has no 'run' (agent) command"; exit 0; }

lab_setup

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

# A second uplink, up1 <-> sv1, 203.0.113.0/24 and 2001:db8:2::/64, with
# host routes to the internet addresses through it: created with both ends
# in the server namespace, then up1 is moved into the client namespace.
uplink2_create() {	# IFNAME PEER V4NET V6NET
	ip -n "$LAB_NS_S" link add "$1" type veth peer name "$2" || return 1
	ip -n "$LAB_NS_S" addr add "$3.1/24" dev "$2"
	ip -n "$LAB_NS_S" addr add "$4::1/64" dev "$2" nodad
	ip -n "$LAB_NS_S" link set "$2" up
}
uplink2_move() {	# IFNAME V4NET V6NET: into the client, configured, routed
	ip -n "$LAB_NS_S" link set "$1" netns "$LAB_NS_C" &&
		ip -n "$LAB_NS_C" addr add "$2.2/24" dev "$1" &&
		ip -n "$LAB_NS_C" addr add "$3::2/64" dev "$1" nodad &&
		ip -n "$LAB_NS_C" link set "$1" up &&
		ip -n "$LAB_NS_C" route add "$LAB_INET4/32" via "$2.1" dev "$1" &&
		ip -n "$LAB_NS_C" -6 route add "$LAB_INET6/128" via "$3::1" dev "$1"
}
mac_of() { ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }

lab_step "agent started before the tunnel exists"
ks_run_bg "$LAB_DIR/agent1.log"
if agent_wait 5 "d['state'] in ('protected','degraded')"; then
	pass "agent loaded enforcement (pid $KS_AGENT_PID)"
else
	fail "agent did not load within 5 s:"
	sed 's/^/          | /' "$LAB_DIR/agent1.log"
	exit 1
fi
check "agent still running" agent_alive

lab_step "tunnel comes up: allowed with no reload"
lab_tunnel_up || exit 1
t0=$(date +%s%N)
agent_wait 3 "[t['active'] for t in d['tunnels'] if t['name']=='$LAB_WG_C'] == [True]"
rc=$?
check "status shows $LAB_WG_C active (after $((($(date +%s%N) - t0) / 1000000)) ms)" test "$rc" = 0
# shellcheck disable=SC2046
sender_run t1-cg cg --count 10 --interval 0.05 $(probes_inet)
check_zero "[cg] EPERM through the new tunnel" "$(sender_get t1-cg all eperm)"
check_nonzero "[cg] replies through the new tunnel" "$(sender_get t1-cg all replies)"

lab_step "tunnel killed and restarted (new ifindex) under continuous senders"
cap_start k-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
sender_start k-cg cg --duration 30 --count 100000 --interval 0.02 $(probes_inet)
# shellcheck disable=SC2046
sender_start k-ns ns --duration 30 --count 100000 --interval 0.02 $(probes_inet)
sleep 1
lab_tunnel_kill
sleep 1.5
kill -TERM "${LAB_SND_PID[k-cg]}" "${LAB_SND_PID[k-ns]}" 2>/dev/null
sender_wait k-cg k-ns
lab_tunnel_up || exit 1
# shellcheck disable=SC2046
sender_run k2-cg cg --count 10 --interval 0.05 $(probes_inet)
cap_stop k-sv0
sender_show k-cg
check_nonzero "[cg] EPERM while the tunnel was gone" "$(sender_get k-cg all eperm)"
check_nonzero "[cg] replies through the restarted tunnel (no reload)" "$(sender_get k2-cg all replies)"
check_zero "[cg] EPERM through the restarted tunnel" "$(sender_get k2-cg all eperm)"
for f in F_LEAK F_LEAK_UDP4 F_LEAK_ICMP4 F_LEAK_UDP6 F_LEAK_ICMP6; do
	n=$(cap_count k-sv0 "$($f)")
	check_zero "sv0 ${f#F_} (tunnel killed and restarted)" "$n"
	[ "$n" = 0 ] || cap_show k-sv0 "$($f)"
done

lab_step "a new uplink up1 appears, with a more specific route to the internet"
uplink2_create up1 sv1 203.0.113 2001:db8:2 || { fail "veth up1/sv1"; exit 1; }
cap_start n-sv1 "$LAB_NS_S" sv1
UP1MAC=$(mac_of "$LAB_NS_S" up1)
t0=$(date +%s%N)
uplink2_move up1 203.0.113 2001:db8:2 || fail "moving up1 into the client"
# As fast as possible after it appears: AF_PACKET frames and UDP from a
# process outside the cgroup (only TC can stop those). The interface
# arrives down; the agent attaches at its first netlink event, before the
# `ip` commands that bring it up and route to it have returned.
in_client "${LAB_SEND[@]}" --tag race --count 20 --interval 0.005 \
	"afp4:up1,$(mac_of "$LAB_NS_S" sv1),203.0.113.2,$LAB_INET4,40002" \
	"udp4:$LAB_INET4:40002" "udp6:[$LAB_INET6]:40002" >"$LAB_DIR/race.out" 2>&1
if agent_wait 3 "[u['attached'] for u in d['uplinks'] if u['name']=='up1'] == [True]"; then
	pass "agent guards up1 (status: attached, $((($(date +%s%N) - t0) / 1000000)) ms after the move)"
else
	fail "up1 not attached 3 s after it appeared: $(js "$LAB_DIR/poll.json" "d['uplinks']")"
fi
check "route to $LAB_INET4 now via up1" sh -c "ip -n $LAB_NS_C route get $LAB_INET4 | grep -q 'dev up1'"
sleep 0.3
cap_stop n-sv1
info "race: $(sender_get race all sent) frames/datagrams sent (+$(sender_get race all err) ENOBUFS, $(sender_get race all eperm) EPERM) right after up1 appeared"
check_zero "leaks on sv1 right after up1 appeared" \
	"$(cap_count n-sv1 "ether src $UP1MAC and udp and dst port 40002")"
cap_start n2-sv1 "$LAB_NS_S" sv1
# shellcheck disable=SC2046
sender_start n-cg cg --count 20 --interval 0.02 $(probes_inet)
# shellcheck disable=SC2046
sender_start n-ns ns --count 20 --interval 0.02 $(probes_inet)
sender_start n-afp ns --count 20 --interval 0.02 \
	"afp4:up1,$(mac_of "$LAB_NS_S" sv1),203.0.113.2,$LAB_INET4,40001" \
	"afp6:up1,$(mac_of "$LAB_NS_S" sv1),2001:db8:2::2,$LAB_INET6,40001"
sender_wait n-cg n-ns n-afp
cap_stop n2-sv1
F_LEAK1="ether src $UP1MAC and not ($(F_BRINGUP))"
check_eq "[cg] EPERM for every probe routed via up1" "$(sender_get n-cg all eperm)" 80
n=$(cap_count n2-sv1 "$F_LEAK1")
check_zero "leaks on sv1 (new uplink, agent attached)" "$n"
[ "$n" = 0 ] || cap_show n2-sv1 "$F_LEAK1"

lab_step "SIGKILL the agent: enforcement stays"
cgroup_links() { lab_pinned_links | awk '$2 == "cgroup"' | sort -k3 | tr '\n' ' '; }
CG_LINKS=$(cgroup_links)
{ kill -9 "$KS_AGENT_PID"; wait "$KS_AGENT_PID"; } 2>/dev/null
check "agent gone" sh -c "! kill -0 $KS_AGENT_PID 2>/dev/null"
lab_tunnel_kill
cap_start x-sv0 "$LAB_NS_S" sv0
cap_start x-sv1 "$LAB_NS_S" sv1
# shellcheck disable=SC2046
sender_start x-cg cg --count 20 --interval 0.02 $(probes_inet)
# shellcheck disable=SC2046
sender_start x-ns ns --count 20 --interval 0.02 $(probes_inet)
sender_wait x-cg x-ns
cap_stop x-sv0 x-sv1
check_eq "[cg] EPERM (agent dead, tunnel dead)" "$(sender_get x-cg all eperm)" 80
check_zero "leaks on sv0 (agent dead, tunnel dead)" "$(cap_count x-sv0 "$(F_LEAK)")"
check_zero "leaks on sv1 (agent dead, tunnel dead)" "$(cap_count x-sv1 "$F_LEAK1")"

lab_step "an uplink appears while no agent runs; the agent restarts"
uplink2_create up2 sv2 203.0.114 2001:db8:3 >/dev/null 2>&1 || true
ip -n "$LAB_NS_S" link set up2 netns "$LAB_NS_C" && ip -n "$LAB_NS_C" link set up2 up
S=$LAB_DIR/s-up2.json
ks_status_json "$S"
rc=$?
info "status with up2 unguarded: exit $rc, state $(js "$S" "d['state']"), unguarded $(js "$S" "d.get('unguarded')")"
check "status flags the unguarded uplink (exit 4 degraded, up2 listed)" \
	test "$rc" = 4 -a "$(js "$S" "'up2' in str(d.get('unguarded'))")" = 1
ks_run_bg "$LAB_DIR/agent2.log"
if agent_wait 5 "[u['attached'] for u in d['uplinks'] if u['name']=='up2'] == [True]"; then
	pass "restarted agent guards up2"
else
	fail "restarted agent did not guard up2: $(js "$LAB_DIR/poll.json" "d['uplinks']")"
fi
ks_status_json "$S"
check_eq "status exit code with the agent back (tunnel down)" "$?" 0
check "cgroup links pinned (egress, sock_create, setsockopt guard)" \
	test "$(echo "$CG_LINKS" | grep -o 'link_cg_[a-z_]*' | sort | tr '\n' ' ')" = "link_cg_egress link_cg_sock_create link_cg_sockopt "
check_eq "same cgroup links adopted (ids unchanged)" "$(cgroup_links)" "$CG_LINKS"

lab_step "ksbpf load while the agent runs (an upgrade): the next uplink gets the new programs"
ks_load >"$LAB_DIR/reload.out" 2>&1 || fail "load while the agent runs: $(cat "$LAB_DIR/reload.out")"
ks_status_json "$S"
P_NEW=$(js "$S" "[u['prog_id'] for u in d['uplinks'] if u['name']=='up0'][0]")
uplink2_create up3 sv3 203.0.115 2001:db8:4 >/dev/null 2>&1 || fail "veth up3/sv3"
ip -n "$LAB_NS_S" link set up3 netns "$LAB_NS_C" && ip -n "$LAB_NS_C" link set up3 up
if agent_wait 5 "[u['attached'] for u in d['uplinks'] if u['name']=='up3'] == [True]"; then
	pass "agent guards up3"
else
	fail "agent did not guard up3: $(js "$LAB_DIR/poll.json" "d['uplinks']")"
fi
ks_status_json "$S"
check_eq "up3's program is the one the load pinned (up0's, prog id $P_NEW)" \
	"$(js "$S" "[u['prog_id'] for u in d['uplinks'] if u['name']=='up3'][0]")" "$P_NEW"
check "agent log: it took the new programs" grep -q "a load pinned new programs" "$LAB_DIR/agent2.log"
kill -TERM "$KS_AGENT_PID"
wait "$KS_AGENT_PID"
check_eq "agent exit code on SIGTERM" "$?" 0
ks_status_json "$S"
check_eq "status after SIGTERM of the agent" "$(js "$S" "d['state']")" protected

lab_step "unload: leaks visible again on both uplinks (positive control)"
ks unload >"$LAB_DIR/unload.out" 2>&1
check_eq "unload exit code" "$?" 0
ip -n "$LAB_NS_C" route del "$LAB_INET4/32" 2>/dev/null
ip -n "$LAB_NS_C" -6 route del "$LAB_INET6/128" 2>/dev/null
cap_start u-sv0 "$LAB_NS_S" sv0
cap_start u-sv1 "$LAB_NS_S" sv1
# shellcheck disable=SC2046
sender_run u-ns ns --count 5 --interval 0.05 $(probes_inet)
sender_run u-afp ns --count 5 --interval 0.05 \
	"afp4:up1,$(mac_of "$LAB_NS_S" sv1),203.0.113.2,$LAB_INET4,40001" \
	"afp6:up1,$(mac_of "$LAB_NS_S" sv1),2001:db8:2::2,$LAB_INET6,40001"
cap_stop u-sv0 u-sv1
for f in F_LEAK F_LEAK_UDP4 F_LEAK_ICMP4 F_LEAK_UDP6 F_LEAK_ICMP6; do
	check_nonzero "sv0 ${f#F_} after unload" "$(cap_count u-sv0 "$($f)")"
done
check_eq "sv1 frames after unload (the sv1 leak counter can go positive)" "$(cap_count u-sv1 "$F_LEAK1")" 10

lab_finish
