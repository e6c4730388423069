#!/bin/bash
# e2e: per-app kill switch and split tunnelling (`ksbpf app`, `ksbpf exec`),
# with a real WireGuard tunnel, counting on the far end of the uplink wire.
#  - tunnel up: `enforce` apps and unlisted processes go through the tunnel;
#    a `block` app (and a process two levels below it) gets nowhere, not even
#    through the tunnel (0 at the server's end of the tunnel), loopback only;
#  - tunnel down (wireguard-go SIGKILLed, fallback route via the uplink):
#    enforce, unlisted (--scope host) and block are held (EPERM, 0 on sv0),
#    a process outside the test cgroup is dropped by TC, `bypass` apps reach
#    the server's internet address in the clear; a process two levels below
#    a listed cgroup gets its policy, and a nearer listed cgroup wins over a
#    farther one (both ways); AF_PACKET frames from an enforce app never
#    reach the wire (from a bypass app they do);
#  - `ksbpf exec --policy bypass --name b1` runs the command in
#    <cgroup>/ksbpf.apps/b1 with the policy; `app list --json` shows policy,
#    path and counters; `app del` removes the policy; a removed cgroup is
#    marked "exists": false without the agent and forgotten by the agent
#    (`ksbpf run`) within seconds;
#  - `--scope apps`: only listed enforce/block apps are held, an unlisted
#    process goes out through the uplink in the clear;
#  - positive controls: every per-port counter checked for 0 reads > 0 once
#    the policy is lifted (block -> enforce through the tunnel; unload).
# IPv4 and IPv6 (UDP and ICMP) throughout. Needs root and build/ksbpf.
# shellcheck disable=SC2016,SC2119
# (SC2016: the single-quoted $$, $0 and $@ are the inner shell's; SC2119:
# lab_setup takes options, none needed here.)
set -u
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
lab_require_root
lab_require_ksbpf
"$KSBPF" --help 2>&1 | grep -qw exec || { echo "SKIP: $KSBPF has no 'exec' command"; exit 0; }

# ------------------------------------------------------------ local helpers
# The app cgroups, all below the lab's cgroup (the attach cgroup): the
# cgroup_skb program only sees sockets below it.
A_ENF=""; A_BYP=""; A_BLK=""

# lab_cleanup also kills what is in the app cgroups and removes them.
trap lab_cleanup EXIT

# ks_exec_bg OUT EXEC-OPTIONS... -- COMMAND...: `ksbpf exec` in the client
# namespace with the lab's --bpffs/--cgroup/--config placed BEFORE "--" (the
# lab's `ks` appends them, which would hand them to COMMAND). KS_EXEC_PID is
# ksbpf, then COMMAND (nsenter and ksbpf exec into it).
ks_exec_bg() {
	local out=$1
	shift
	_ks_guard || return 99
	nsenter --net="/run/netns/$LAB_NS_C" "$KSBPF" exec "${KS_COMMON[@]}" "$@" \
		>"$out" 2>&1 &
	KS_EXEC_PID=$!
	lab_track "$KS_EXEC_PID"
}

# UDP to the internet addresses at PORT, and ICMP echo (v4 and v6).
probes_port() {
	echo "udp4:$LAB_INET4:$1 icmp4:$LAB_INET4 udp6:[$LAB_INET6]:$1 icmp6:$LAB_INET6"
}
probes_afp_port() {
	echo "afp4:up0,$LAB_SMAC,$LAB_C4,$LAB_INET4,$1 afp6:up0,$LAB_SMAC,$LAB_C6,$LAB_INET6,$1"
}
# sv0 filters: the client's UDP to an internet address at PORT.
F_PORT4() { echo "ether src $LAB_CMAC and ip and udp and dst host $LAB_INET4 and dst port $1"; }
F_PORT6() { echo "ether src $LAB_CMAC and ip6 and udp and dst host $LAB_INET6 and dst port $1"; }
F_PORT() { echo "ether src $LAB_CMAC and udp and (dst host $LAB_INET4 or dst host $LAB_INET6) and dst port $1"; }
F_ECHO_REQ() { echo "ether src $LAB_CMAC and ((icmp and icmp[icmptype] == icmp-echo) or (icmp6 and ip6[40] == 128))"; }
# Tunnel capture (server's wg interface, raw IP): UDP to PORT.
F_WG_PORT() { echo "udp and (dst host $LAB_INET4 or dst host $LAB_INET6) and dst port $1"; }

APPS_JSON=""
apps_json() { APPS_JSON=$LAB_DIR/apps-$1.json; ks app list --json >"$APPS_JSON" 2>"$APPS_JSON.err"; }
# app_field CGROUP FIELD: from the last apps_json ("absent" if not listed;
# booleans as 1/0).
app_field() { js "$APPS_JSON" "([a['$2'] for a in d if a['cgroup']=='$1'] + ['absent'])[0]"; }
# app_listed / app_unlisted CGROUP: by `app list --json` (both fail if it fails)
app_listed() {
	local out
	out=$(ks app list --json 2>/dev/null) || return 2
	printf '%s' "$out" | /usr/bin/python3 -c 'import json, sys
sys.exit(0 if sys.argv[1] in [a["cgroup"] for a in json.load(sys.stdin)] else 1)' "$1"
}
app_unlisted() { app_listed "$1"; [ $? = 1 ]; }

# held NAME: an app's sender was refused at once: every UDP/ICMP send EPERM,
# no reply.
check_held() {
	check_eq "[$1] EPERM for every UDP/ICMP send" "$(sender_get "$1" all eperm)" "$2"
	check_zero "[$1] replies" "$(sender_get "$1" all replies)"
}

N=10		# rounds per sender: N UDPv4 + N UDPv6 per port

lab_setup
trap 'LAB_SIGNAL=130 apps_cleanup' INT	# lab_setup set its own
trap 'LAB_SIGNAL=143 apps_cleanup' TERM

A_ENF=$LAB_CG/app-enforce
A_BYP=$LAB_CG/app-bypass
A_BLK=$LAB_CG/app-block
A_DBLK=$A_BLK/child/grandchild		# unlisted, two levels below block
A_DBYP=$A_BYP/sub/deep			# unlisted, two levels below bypass
A_NENF=$A_BYP/held			# listed enforce, below bypass
A_NBYP=$A_BLK/open			# listed bypass, below block
mkdir -p "$A_ENF" "$A_DBLK" "$A_DBYP" "$A_NENF/inner" "$A_NBYP/inner" ||
	lab_die "cannot create the app cgroups"

# Ports, one per sender, so the wire counts tell the apps apart.
P_ENF=41001 P_UNL=41002 P_NS=41003 P_BYP=41004 P_BLK=41005 P_DBLK=41006
P_DBYP=41007 P_NENF=41008 P_NBYP=41009 P_EXEC=41010 P_AFPE=41011 P_AFPB=41012

lab_step "lab up, tunnel up, ksbpf load (--scope host), app policies"
lab_tunnel_up || exit 1
if ! ks_load >"$LAB_DIR/load.out" 2>&1; then
	fail "ksbpf load failed:"
	sed 's/^/          | /' "$LAB_DIR/load.out"
	exit 1
fi
pass "ksbpf load exit 0"
ok=1
for a in "$A_ENF enforce" "$A_BYP bypass" "$A_BLK block" "$A_NENF enforce" "$A_NBYP bypass"; do
	# shellcheck disable=SC2086
	ks app set $a >>"$LAB_DIR/app-set.out" 2>&1 || { ok=0; info "app set $a failed"; }
done
check "app set for 5 cgroups (exit 0)" [ "$ok" = 1 ]
check_eq "app set of a non-cgroup directory fails (exit 1)" \
	"$(ks app set "$LAB_DIR" bypass >/dev/null 2>&1; echo $?)" 1
check_eq "app set with a bad policy fails (exit 2)" \
	"$(ks app set "$A_ENF" allow >/dev/null 2>&1; echo $?)" 2
S=$LAB_DIR/status-load.json
ks_status_json "$S"
check_eq "status: state" "$(js "$S" "d['state']")" protected
check_eq "status: apps" "$(js "$S" "d.get('apps')")" 5

# ------------------------------------------------------------- tunnel up
lab_step "tunnel up: enforce and unlisted through the tunnel; block gets nowhere"
cap_start u-sv0 "$LAB_NS_S" sv0
cap_start u-wg "$LAB_NS_S" "$LAB_WG_S"
# shellcheck disable=SC2046
{
sender_in u-enf "$A_ENF" --count $N --interval 0.03 $(probes_port $P_ENF)
sender_in u-unl "$LAB_CG" --count $N --interval 0.03 $(probes_port $P_UNL)
sender_in u-blk "$A_BLK" --count $N --interval 0.03 $(probes_port $P_BLK)
sender_in u-dblk "$A_DBLK" --count $N --interval 0.03 $(probes_port $P_DBLK)
sender_in u-blklo "$A_BLK" --count 5 --interval 0.03 icmp4:127.0.0.1 icmp6:::1 udp4:127.0.0.1:41099
}
sender_wait u-enf u-unl u-blk u-dblk u-blklo
cap_stop u-sv0 u-wg
for s in u-enf u-unl u-blk u-dblk u-blklo; do sender_show $s; done
for s in enf:$P_ENF unl:$P_UNL; do
	n=${s%%:*} p=${s#*:}
	check_zero "[$n] EPERM through the tunnel" "$(sender_get "u-$n" all eperm)"
	check_nonzero "[$n] ICMPv4 replies through the tunnel" "$(sender_get "u-$n" icmp4 replies)"
	check_nonzero "[$n] ICMPv6 replies through the tunnel" "$(sender_get "u-$n" icmp6 replies)"
	check_eq "[$n] UDP v4+v6 arriving at the server's tunnel end" \
		"$(cap_count u-wg "$(F_WG_PORT "$p")")" $((2 * N))
done
for s in blk:$P_BLK dblk:$P_DBLK; do
	n=${s%%:*} p=${s#*:}
	check_held "u-$n" $((4 * N))
	check_zero "[$n] UDP arriving at the server's tunnel end" "$(cap_count u-wg "$(F_WG_PORT "$p")")"
done
check_zero "[blk] EPERM to loopback (row 2 comes before block)" "$(sender_get u-blklo all eperm)"
check_nonzero "[blk] ICMP replies from 127.0.0.1 and ::1" "$(sender_get u-blklo all replies)"
check_zero "sv0: leaked packets (not endpoint, not ARP/ND)" "$(cap_count u-sv0 "$(F_LEAK)")"

lab_step "positive control: the block app set to enforce reaches the tunnel end"
ks app set "$A_BLK" enforce >/dev/null 2>&1
check_eq "app set $A_BLK enforce (exit)" "$?" 0
cap_start p-wg "$LAB_NS_S" "$LAB_WG_S"
# shellcheck disable=SC2046
{
sender_in p-blk "$A_BLK" --count $N --interval 0.03 $(probes_port $P_BLK)
sender_in p-dblk "$A_DBLK" --count $N --interval 0.03 $(probes_port $P_DBLK)
}
sender_wait p-blk p-dblk
cap_stop p-wg
check_eq "[blk as enforce] UDP at the server's tunnel end" "$(cap_count p-wg "$(F_WG_PORT $P_BLK)")" $((2 * N))
check_eq "[dblk as enforce] UDP at the server's tunnel end" "$(cap_count p-wg "$(F_WG_PORT $P_DBLK)")" $((2 * N))
ks app set "$A_BLK" block >/dev/null 2>&1
check_eq "app set $A_BLK block again (exit)" "$?" 0

# ----------------------------------------------------------- tunnel down
lab_step "tunnel down: enforce/unlisted/block held, bypass in the clear, nearest listed ancestor wins"
lab_tunnel_kill
check "fallback default route via up0 now in use" sh -c \
	"ip -n $LAB_NS_C route get $LAB_INET4 | grep -q 'dev up0' &&
	 ip -n $LAB_NS_C -6 route get $LAB_INET6 | grep -q 'dev up0'"
cap_start d-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
{
sender_in d-enf "$A_ENF" --count $N --interval 0.03 $(probes_port $P_ENF)
sender_in d-unl "$LAB_CG" --count $N --interval 0.03 $(probes_port $P_UNL)
sender_start d-ns ns --count $N --interval 0.03 $(probes_port $P_NS)
sender_in d-byp "$A_BYP" --count $N --interval 0.03 $(probes_port $P_BYP)
sender_in d-blk "$A_BLK" --count $N --interval 0.03 $(probes_port $P_BLK)
sender_in d-dblk "$A_DBLK" --count $N --interval 0.03 $(probes_port $P_DBLK)
sender_in d-dbyp "$A_DBYP" --count $N --interval 0.03 $(probes_port $P_DBYP)
sender_in d-nenf "$A_NENF/inner" --count $N --interval 0.03 $(probes_port $P_NENF)
sender_in d-nbyp "$A_NBYP/inner" --count $N --interval 0.03 $(probes_port $P_NBYP)
sender_in d-afpe "$A_ENF" --count $N --interval 0.03 $(probes_afp_port $P_AFPE)
sender_in d-afpb "$A_BYP" --count $N --interval 0.03 $(probes_afp_port $P_AFPB)
}
D_ALL="d-enf d-unl d-ns d-byp d-blk d-dblk d-dbyp d-nenf d-nbyp d-afpe d-afpb"
# shellcheck disable=SC2086
sender_wait $D_ALL
cap_stop d-sv0
for s in $D_ALL; do sender_show "$s"; done
for s in enf:$P_ENF unl:$P_UNL blk:$P_BLK dblk:$P_DBLK nenf:$P_NENF; do
	n=${s%%:*} p=${s#*:}
	check_held "d-$n" $((4 * N))
	check_zero "sv0: [$n] UDP to the internet addresses" "$(cap_count d-sv0 "$(F_PORT "$p")")"
done
check_zero "[ns] echo replies (outside the cgroup: TC drops silently)" "$(sender_get d-ns all replies)"
check_zero "sv0: [ns] UDP to the internet addresses" "$(cap_count d-sv0 "$(F_PORT $P_NS)")"
byp_icmp=0
for s in byp:$P_BYP dbyp:$P_DBYP nbyp:$P_NBYP; do
	n=${s%%:*} p=${s#*:}
	check_zero "[$n] EPERM (bypass)" "$(sender_get "d-$n" all eperm)"
	check_nonzero "[$n] ICMPv4 replies from $LAB_INET4 over the uplink" "$(sender_get "d-$n" icmp4 replies)"
	check_nonzero "[$n] ICMPv6 replies from $LAB_INET6 over the uplink" "$(sender_get "d-$n" icmp6 replies)"
	check_eq "sv0: [$n] UDPv4 in the clear" "$(cap_count d-sv0 "$(F_PORT4 "$p")")" "$N"
	check_eq "sv0: [$n] UDPv6 in the clear" "$(cap_count d-sv0 "$(F_PORT6 "$p")")" "$N"
	byp_icmp=$((byp_icmp + $(sender_get "d-$n" icmp4 sent) + $(sender_get "d-$n" icmp6 sent)))
done
check_eq "sv0: ICMP echo requests = those the bypass apps sent (no held app's)" \
	"$(cap_count d-sv0 "$(F_ECHO_REQ)")" "$byp_icmp"
check_eq "[afp enforce] frames handed to up0 (sent + ENOBUFS)" \
	"$(($(sender_get d-afpe all sent) + $(sender_get d-afpe all err)))" $((2 * N))
check_zero "sv0: AF_PACKET frames from the enforce app" "$(cap_count d-sv0 "$(F_PORT $P_AFPE)")"
check_eq "sv0: AF_PACKET frames from the bypass app" "$(cap_count d-sv0 "$(F_PORT $P_AFPB)")" $((2 * N))
S=$LAB_DIR/status-down.json
ks_status_json "$S"
check_nonzero "counter cgroup_egress/app_block" "$(counter "$S" cgroup_egress app_block)"
check_nonzero "counter cgroup_egress/app_bypass" "$(counter "$S" cgroup_egress app_bypass)"
check_nonzero "counter tc_egress/app_bypass" "$(counter "$S" tc_egress app_bypass)"
check_nonzero "counter cgroup_egress/no_route" "$(counter "$S" cgroup_egress no_route)"
check_nonzero "counter tc_egress/no_route" "$(counter "$S" tc_egress no_route)"

# ------------------------------------------------------------------ exec
lab_step "ksbpf exec --policy bypass --name b1 (tunnel down)"
B1=$LAB_CG/ksbpf.apps/b1
cap_start e-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
ks_exec_bg "$LAB_DIR/e-b1.out" --policy bypass --name b1 -- \
	"${LAB_SEND[@]}" --tag b1 --count 20 --interval 0.05 $(probes_port $P_EXEC)
b1_pid=$KS_EXEC_PID
want_cg="0::${LAB_CG#"$LAB_CG2"}/ksbpf.apps/b1"
wait_for 3 grep -qx "$want_cg" "/proc/$b1_pid/cgroup"
check_eq "exec'd command's /proc/PID/cgroup" "$(grep '^0::' "/proc/$b1_pid/cgroup" 2>/dev/null)" "$want_cg"
check "exec'd command is the sender itself (same pid)" grep -q ksbpf-send "/proc/$b1_pid/cmdline"
wait "$b1_pid"
check_eq "ksbpf exec exit status (the command's)" "$?" 0
cap_stop e-sv0
sed 's/^/          > /' "$LAB_DIR/e-b1.out"
check "cgroup $B1 created" [ -d "$B1" ]
cp "$LAB_DIR/e-b1.out" "$LAB_DIR/b1.out"	# for sender_get
check_zero "[b1] EPERM" "$(sender_get b1 all eperm)"
check_nonzero "[b1] ICMPv4 replies over the uplink" "$(sender_get b1 icmp4 replies)"
check_nonzero "[b1] ICMPv6 replies over the uplink" "$(sender_get b1 icmp6 replies)"
check_eq "sv0: [b1] UDP v4+v6 in the clear" "$(cap_count e-sv0 "$(F_PORT $P_EXEC)")" 40
check_eq "ksbpf exec of a missing command: exit 127" \
	"$(ks_exec_bg "$LAB_DIR/e-missing.out" --policy enforce --name b2 -- /nonexistent/cmd; wait "$KS_EXEC_PID"; echo $?)" 127
ks app del "$LAB_CG/ksbpf.apps/b2" >/dev/null 2>&1	# listed before the exec failed
check_eq "ksbpf exec without --policy: exit 2" \
	"$(ks_exec_bg "$LAB_DIR/e-nopol.out" --name b3 -- /bin/true; wait "$KS_EXEC_PID"; echo $?)" 2

lab_step "app list --json: policy, path, counters"
apps_json 1
check_eq "app list --json is a JSON array" "$(js "$APPS_JSON" "isinstance(d, list)")" 1
for s in "$A_ENF:enforce" "$A_BYP:bypass" "$A_BLK:block" "$A_NENF:enforce" "$A_NBYP:bypass" "$B1:bypass"; do
	check_eq "listed: ${s%:*}" "$(app_field "${s%:*}" policy)" "${s##*:}"
	check_eq "exists: ${s%:*}" "$(app_field "${s%:*}" exists)" 1
done
check_eq "cgroup_id of $A_ENF = its inode" "$(app_field "$A_ENF" cgroup_id)" "$(stat -c %i "$A_ENF")"
check_nonzero "[enforce] passed (through the tunnel)" "$(app_field "$A_ENF" passed)"
check_nonzero "[enforce] dropped (tunnel down)" "$(app_field "$A_ENF" dropped)"
check_nonzero "[block] dropped" "$(app_field "$A_BLK" dropped)"
check_nonzero "[bypass] passed" "$(app_field "$A_BYP" passed)"
check_nonzero "[b1 bypass] passed" "$(app_field "$B1" passed)"
check_zero "[b1 bypass] dropped" "$(app_field "$B1" dropped)"
check_nonzero "[nearer enforce under bypass] dropped" "$(app_field "$A_NENF" dropped)"
check_nonzero "[nearer bypass under block] passed" "$(app_field "$A_NBYP" passed)"
check_eq "unlisted cgroups are not listed ($A_DBLK)" "$(app_field "$A_DBLK" policy)" absent
ks app list >"$LAB_DIR/apps-1.txt" 2>&1
check "app list (text) names $B1 as bypass" grep -qE "^bypass( +[0-9]+){4} +$B1\$" "$LAB_DIR/apps-1.txt"

lab_step "app del: the exec'd app's cgroup is unlisted again (held, --scope host)"
ks app del "$B1" >"$LAB_DIR/del.out" 2>&1
check_eq "app del $B1 (exit)" "$?" 0
apps_json 2
check_eq "$B1 no longer listed" "$(app_field "$B1" policy)" absent
check_eq "other apps still listed" "$(js "$APPS_JSON" "len(d)")" 5
ks app del "$A_DBLK" >"$LAB_DIR/del2.out" 2>&1
check_eq "app del of an unlisted cgroup (exit)" "$?" 0
check "... and says it was not listed" grep -q "not listed" "$LAB_DIR/del2.out"
cap_start x-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
sender_in x-b1 "$B1" --count $N --interval 0.03 $(probes_port $P_EXEC)
sender_wait x-b1
cap_stop x-sv0
check_held x-b1 $((4 * N))
check_zero "sv0: [b1 after app del] UDP" "$(cap_count x-sv0 "$(F_PORT $P_EXEC)")"

lab_step "removed cgroups: marked without the agent, forgotten by the agent"
A_GONE=$LAB_CG/app-gone
A_GONE2=$LAB_CG/app-gone2
mkdir "$A_GONE" "$A_GONE2"
ks app set "$A_GONE" bypass >/dev/null 2>&1
check_eq "app set $A_GONE (exit)" "$?" 0
rmdir "$A_GONE"
sleep 2.5	# longer than the agent's sweep period: nothing may sweep without it
apps_json 3
check_eq "removed cgroup still listed without the agent, exists" "$(app_field "$A_GONE" exists)" 0
check_eq "its policy is shown" "$(app_field "$A_GONE" policy)" bypass
check_eq "live apps: exists" "$(app_field "$A_ENF" exists)" 1
ks app list >"$LAB_DIR/apps-3.txt" 2>&1
check "app list (text) marks it (removed)" grep -qF "$A_GONE (removed)" "$LAB_DIR/apps-3.txt"
ks_run_bg "$LAB_DIR/agent.log"
t0=$(date +%s%N)
wait_for 6 app_unlisted "$A_GONE"
rc=$? ms=$((($(date +%s%N) - t0) / 1000000))
check "agent forgot $A_GONE (after $ms ms)" test "$rc" = 0
check "agent still running" kill -0 "$KS_AGENT_PID"
ks app set "$A_GONE2" enforce >/dev/null 2>&1
check "app set $A_GONE2 while the agent runs" app_listed "$A_GONE2"
sleep 2.5
check "agent keeps an app whose cgroup exists" app_listed "$A_GONE2"
rmdir "$A_GONE2"
t0=$(date +%s%N)
wait_for 6 app_unlisted "$A_GONE2"
rc=$? ms=$((($(date +%s%N) - t0) / 1000000))
check "agent forgot $A_GONE2, removed while it runs (after $ms ms)" test "$rc" = 0
apps_json 4
check_eq "the live apps are all still listed" "$(js "$APPS_JSON" "sorted(a['cgroup'] for a in d)")" \
	"$(/usr/bin/python3 -c 'import json,sys; print(json.dumps(sorted(sys.argv[1:])))' \
		"$A_ENF" "$A_BYP" "$A_BLK" "$A_NENF" "$A_NBYP")"
check "agent log says so" grep -q "$A_GONE2.*removed" "$LAB_DIR/agent.log"
kill -TERM "$KS_AGENT_PID" 2>/dev/null
wait "$KS_AGENT_PID"
check_eq "agent exit status on SIGTERM" "$?" 0

# ------------------------------------------------------------ scope apps
lab_step "--scope apps (tunnel down): only listed enforce/block held; unlisted in the clear"
ks_load --scope apps >"$LAB_DIR/load-apps.out" 2>&1
check_eq "ksbpf load --scope apps (exit)" "$?" 0
S=$LAB_DIR/status-apps.json
ks_status_json "$S"
check_eq "status: scope" "$(js "$S" "d['scope']")" apps
check_eq "status: apps kept across the reload" "$(js "$S" "d.get('apps')")" 5
cap_start s-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
{
sender_in s-enf "$A_ENF" --count $N --interval 0.03 $(probes_port $P_ENF)
sender_in s-blk "$A_BLK" --count $N --interval 0.03 $(probes_port $P_BLK)
sender_in s-dblk "$A_DBLK" --count $N --interval 0.03 $(probes_port $P_DBLK)
sender_in s-nenf "$A_NENF/inner" --count $N --interval 0.03 $(probes_port $P_NENF)
sender_in s-unl "$LAB_CG" --count $N --interval 0.03 $(probes_port $P_UNL)
sender_start s-ns ns --count $N --interval 0.03 $(probes_port $P_NS)
sender_in s-byp "$A_BYP" --count $N --interval 0.03 $(probes_port $P_BYP)
sender_in s-afpe "$A_ENF" --count $N --interval 0.03 $(probes_afp_port $P_AFPE)
}
S_ALL="s-enf s-blk s-dblk s-nenf s-unl s-ns s-byp s-afpe"
# shellcheck disable=SC2086
sender_wait $S_ALL
cap_stop s-sv0
for s in $S_ALL; do sender_show "$s"; done
for s in enf:$P_ENF blk:$P_BLK dblk:$P_DBLK nenf:$P_NENF; do
	n=${s%%:*} p=${s#*:}
	check_held "s-$n" $((4 * N))
	check_zero "sv0: [$n] UDP" "$(cap_count s-sv0 "$(F_PORT "$p")")"
done
check_zero "sv0: AF_PACKET frames from the enforce app" "$(cap_count s-sv0 "$(F_PORT $P_AFPE)")"
for s in unl:$P_UNL ns:$P_NS byp:$P_BYP; do
	n=${s%%:*} p=${s#*:}
	check_zero "[$n] EPERM (out of scope)" "$(sender_get "s-$n" all eperm)"
	check_nonzero "[$n] ICMP replies over the uplink" "$(sender_get "s-$n" all replies)"
	check_eq "sv0: [$n] UDP v4+v6 in the clear" "$(cap_count s-sv0 "$(F_PORT "$p")")" $((2 * N))
done
ks_status_json "$S"
check_nonzero "counter cgroup_egress/out_of_scope" "$(counter "$S" cgroup_egress out_of_scope)"
check_nonzero "counter tc_egress/out_of_scope" "$(counter "$S" tc_egress out_of_scope)"

# ------------------------------------------------------------- unload
lab_step "positive control: ksbpf unload, every held sender reaches sv0"
ks unload >"$LAB_DIR/unload.out" 2>&1
check_eq "ksbpf unload (exit)" "$?" 0
cap_start f-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
{
sender_in f-enf "$A_ENF" --count $N --interval 0.03 $(probes_port $P_ENF)
sender_in f-unl "$LAB_CG" --count $N --interval 0.03 $(probes_port $P_UNL)
sender_start f-ns ns --count $N --interval 0.03 $(probes_port $P_NS)
sender_in f-blk "$A_BLK" --count $N --interval 0.03 $(probes_port $P_BLK)
sender_in f-dblk "$A_DBLK" --count $N --interval 0.03 $(probes_port $P_DBLK)
sender_in f-nenf "$A_NENF/inner" --count $N --interval 0.03 $(probes_port $P_NENF)
sender_in f-b1 "$B1" --count $N --interval 0.03 $(probes_port $P_EXEC)
sender_in f-afpe "$A_ENF" --count $N --interval 0.03 $(probes_afp_port $P_AFPE)
}
F_ALL="f-enf f-unl f-ns f-blk f-dblk f-nenf f-b1 f-afpe"
# shellcheck disable=SC2086
sender_wait $F_ALL
cap_stop f-sv0
for s in enf:$P_ENF unl:$P_UNL ns:$P_NS blk:$P_BLK dblk:$P_DBLK nenf:$P_NENF b1:$P_EXEC afpe:$P_AFPE; do
	n=${s%%:*} p=${s#*:}
	check_eq "sv0 after unload: [$n] UDP v4+v6" "$(cap_count f-sv0 "$(F_PORT "$p")")" $((2 * N))
done
check_nonzero "sv0 after unload: ICMP echo requests" "$(cap_count f-sv0 "$(F_ECHO_REQ)")"
check_nonzero "sv0 after unload: F_LEAK" "$(cap_count f-sv0 "$(F_LEAK)")"

lab_finish
