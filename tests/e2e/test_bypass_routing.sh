#!/bin/bash
# e2e: split tunnelling that routes. A `bypass` app's new sockets leave by
# the uplink, from the uplink's address, under every full-tunnel routing
# style a VPN client sets up, while an `enforce` app next to it goes through
# the tunnel; counted at both far ends (sv0 for the uplink, the server's
# WireGuard interface for the tunnel), with echo replies:
#  - styles: a plain default route via the tunnel (the lab's), wg-quick
#    (fwmark, table 51820, suppress_prefixlength), OpenVPN def1 (0/1 and
#    128/1, ::/1 and 8000::/1 via the tunnel in main) and NetworkManager's
#    WireGuard (its own fwmark, table and rule priorities);
#  - IPv4 and IPv6; UDP, TCP (a connection with an answer), raw ICMP and
#    ICMP ping sockets; under wg-quick also with strict rp_filter;
#  - the agent copies the main table's uplink routes into ksbpf's table and
#    follows them; a default route replaced by the tunnel's stays;
#  - tunnel killed: the bypass app still goes out, the enforce app, the rest
#    of the cgroup and a sender only TC can stop leak 0;
#  - a forged mark routes to the uplink but passes neither hook;
#  - `app set ... enforce` sends the app's new sockets back into the tunnel;
#    `app add-pid` moves a running process: its new sockets bypass, its old
#    UDP socket keeps the tunnel;
#  - `exec` runs the command as the invoking user (SUDO_UID, --user);
#  - reloads and an agent restart leave one rule per family; SIGKILL of the
#    agent keeps routing; `unload` leaves `ip rule` as it found it and the
#    table empty.
# Needs root and build/ksbpf.
# shellcheck disable=SC2016
set -u
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
lab_require_root
lab_require_ksbpf

# Reaction bounds grow under emulation (the kernel matrix's TCG guests),
# which run the quick form: what depends on the kernel (marks, rules, route
# copies and their netlink formats, rp_filter), not every routing style.
SCALE=${KSBPF_TIME_SCALE:-1}
QUICK=${KSBPF_BYPASS_QUICK:-0}
# How long to watch for something that must not happen (the agent reacts
# in milliseconds here, in well under a second under emulation).
QUIET_S=$((SCALE > 1 ? 3 : 1))
QUICK_RUNS="wg-quick-strict-rp"
MARK=0x6b730000
TABLE=27507
ECHO_PORT=7000
A_BYP=""; A_ENF=""

# lab_cleanup also kills what is in the app cgroups and removes them.
trap lab_cleanup EXIT

probes_echo() {
	echo "udp4:$LAB_INET4:$ECHO_PORT udp6:[$LAB_INET6]:$ECHO_PORT" \
	     "stream4:$LAB_INET4:$ECHO_PORT stream6:[$LAB_INET6]:$ECHO_PORT" \
	     "icmp4:$LAB_INET4 icmp6:$LAB_INET6 ping4:$LAB_INET4 ping6:$LAB_INET6"
}
PROBE_KINDS="udp4 udp6 stream4 stream6 icmp4 icmp6 ping4 ping6"
# What reaches the internet addresses on a wire, from the client.
F_TO_INET="(dst host $LAB_INET4 or dst host $LAB_INET6)"

captures_start() {
	cap_start up "$LAB_NS_S" sv0 && cap_start tun "$LAB_NS_S" "$LAB_WG_S"
}

# expect_bypassed LABEL NAME: NAME's probes were answered, left by the
# uplink from its addresses, and none came out of the tunnel.
expect_bypassed() {
	local label=$1 name=$2 kind
	for kind in $PROBE_KINDS; do
		check_nonzero "$label: bypass $kind answered" "$(sender_get "$name" "$kind" replies)"
	done
	check_nonzero "$label: bypass IPv4 on the uplink from $LAB_C4" \
		"$(cap_count up "ether src $LAB_CMAC and src host $LAB_C4 and dst host $LAB_INET4")"
	check_nonzero "$label: bypass IPv6 on the uplink from $LAB_C6" \
		"$(cap_count up "ether src $LAB_CMAC and src host $LAB_C6 and dst host $LAB_INET6")"
	check_nonzero "$label: bypass TCP on the uplink" \
		"$(cap_count up "ether src $LAB_CMAC and tcp and $F_TO_INET")"
	check_zero "$label: bypass probes out of the tunnel" "$(cap_count tun "$F_TO_INET")"
}

# expect_tunnelled LABEL NAME: answered, through the tunnel only.
expect_tunnelled() {
	local label=$1 name=$2 kind
	for kind in udp4 udp6 stream4 stream6 icmp4 icmp6; do
		check_nonzero "$label: enforce $kind answered" "$(sender_get "$name" "$kind" replies)"
	done
	check_nonzero "$label: enforce IPv4 out of the tunnel" \
		"$(cap_count tun "src host $LAB_TC4 and dst host $LAB_INET4")"
	check_nonzero "$label: enforce IPv6 out of the tunnel" \
		"$(cap_count tun "src host $LAB_TC6 and dst host $LAB_INET6")"
	check_zero "$label: enforce probes on the uplink" \
		"$(cap_count up "ether src $LAB_CMAC and $F_TO_INET")"
}

# both_apps LABEL: the bypass app, then the enforce app, each in its own
# capture window.
both_apps() {
	local label=$1
	if [ "$QUICK" = 1 ] && [[ " $QUICK_RUNS " != *" $label "* ]]; then
		info "$label: left to the full run"
		return
	fi
	captures_start || return
	# shellcheck disable=SC2046
	sender_in "$label-byp" "$A_BYP" --count 4 --interval 0.1 $(probes_echo)
	sender_wait "$label-byp"
	cap_stop up tun
	expect_bypassed "$label" "$label-byp" || sender_show "$label-byp"
	captures_start || return
	# shellcheck disable=SC2046
	sender_in "$label-enf" "$A_ENF" --count 4 --interval 0.1 $(probes_echo)
	sender_wait "$label-enf"
	cap_stop up tun
	expect_tunnelled "$label" "$label-enf"
}

# ------------------------------------------------------- routing styles
wg_default() {	# add|del: the tunnel's default routes in main
	ip -n "$LAB_NS_C" route "$1" default dev "$LAB_WG_C" metric 10
	ip -n "$LAB_NS_C" -6 route "$1" default dev "$LAB_WG_C" metric 10
}

# fwmark_style add|del FWMARK TABLE PRIO: wg-quick's (and NetworkManager's)
# "improved rule-based routing": the tunnel's default in its own table,
# everything without the tunnel's own fwmark looked up there, and main's
# default routes suppressed.
fwmark_style() {
	local op=$1 fwmark=$2 table=$3 prio=$4 fam
	[ "$op" = add ] && in_client wg set "$LAB_WG_C" fwmark "$fwmark"
	[ "$op" = del ] && in_client wg set "$LAB_WG_C" fwmark 0
	for fam in -4 -6; do
		ip -n "$LAB_NS_C" "$fam" route "$op" default dev "$LAB_WG_C" table "$table"
		ip -n "$LAB_NS_C" "$fam" rule "$op" table main suppress_prefixlength 0 pref "$prio"
		ip -n "$LAB_NS_C" "$fam" rule "$op" not fwmark "$fwmark" table "$table" pref $((prio + 1))
	done
}

# openvpn_style add|del: redirect-gateway def1 (and its IPv6 form).
openvpn_style() {
	local net
	for net in 0.0.0.0/1 128.0.0.0/1 ::/1 8000::/1; do
		ip -n "$LAB_NS_C" route "$1" "$net" dev "$LAB_WG_C"
	done
}

set_rp_filter() {
	in_client sh -c "for c in all default up0; do echo $1 > /proc/sys/net/ipv4/conf/\$c/rp_filter; done"
}

table_has() { in_client ip "$1" route show table "$TABLE" | grep -q -- "$2"; }
rule_count() { in_client ip "$1" rule | grep -c "fwmark $MARK lookup $TABLE"; }

# ---------------------------------------------------------------- setup
lab_setup
lab_tunnel_up || exit 1
in_client sh -c 'echo "0 2147483647" > /proc/sys/net/ipv4/ping_group_range'
in_server /usr/bin/python3 "$LAB_ROOT/tests/lib/ksbpf-echo.py" \
	"$LAB_INET4:$ECHO_PORT" "[$LAB_INET6]:$ECHO_PORT" >"$LAB_DIR/echo.log" 2>&1 &
lab_track $!
wait_for 5 grep -q listening "$LAB_DIR/echo.log" || lab_die "echo server did not start"

RULES4_BEFORE=$(in_client ip -4 rule)
RULES6_BEFORE=$(in_client ip -6 rule)
A_BYP=$LAB_CG/byp
A_ENF=$LAB_CG/enf
mkdir "$A_BYP" "$A_ENF" || lab_die "mkdir app cgroups"

lab_step "agent: load, rules and ksbpf's table"
ks_run_bg "$LAB_DIR/agent.log"
wait_for 10 grep -q "following rtnetlink" "$LAB_DIR/agent.log" || {
	cat "$LAB_DIR/agent.log"; lab_die "agent did not start"; }
ks app set "$A_BYP" bypass >/dev/null && ks app set "$A_ENF" enforce >/dev/null ||
	lab_die "app set"
check_eq "one IPv4 rule fwmark $MARK lookup $TABLE" "$(rule_count -4)" 1
check_eq "one IPv6 rule" "$(rule_count -6)" 1
check "table: IPv4 default via the uplink" table_has -4 "default via $LAB_S4 dev up0"
check "table: IPv6 default via the uplink" table_has -6 "default via $LAB_S6 dev up0"
check "table: the uplink's subnet" table_has -4 "192.0.2.0/24 dev up0"
check "table: no route through the tunnel" \
	sh -c "! nsenter --net=/run/netns/$LAB_NS_C ip route show table $TABLE | grep -q $LAB_WG_C"
check "table: unreachable default last" table_has -4 "unreachable default.*metric 4294967295"
check "a mark routes to the uplink" \
	sh -c "nsenter --net=/run/netns/$LAB_NS_C ip route get $LAB_INET4 mark $MARK | grep -q 'dev up0'"
check "no mark routes into the tunnel" \
	sh -c "nsenter --net=/run/netns/$LAB_NS_C ip route get $LAB_INET4 | grep -q 'dev $LAB_WG_C'"

lab_step "plain default route via the tunnel"
both_apps plain

lab_step "wg-quick full tunnel (fwmark 51820, table 51820)"
wg_default del
fwmark_style add 51820 51820 32764
both_apps wg-quick
# Strict reverse-path filtering (CIS benchmarks ask for it) checks a reply's
# source without the socket's mark: only ksbpf's "from UPLINK-ADDRESS" rule
# keeps that lookup out of the tunnel.
check "a source rule for the uplink's address" sh -c \
	"nsenter --net=/run/netns/$LAB_NS_C ip -4 rule | grep -q 'from $LAB_C4 lookup $TABLE'"
set_rp_filter 1
both_apps wg-quick-strict-rp
set_rp_filter 0
fwmark_style del 51820 51820 32764

lab_step "OpenVPN redirect-gateway def1"
openvpn_style add
both_apps openvpn
openvpn_style del

lab_step "NetworkManager WireGuard (fwmark and table 51821, rules 31610/31611)"
fwmark_style add 51821 51821 31610
both_apps nm
fwmark_style del 51821 51821 31610
wg_default add

lab_step "the agent follows the main table"
ip -n "$LAB_NS_C" route add 203.0.113.0/24 via "$LAB_S4" dev up0
check "a new uplink route is copied" wait_for $((2 * SCALE)) table_has -4 "203.0.113.0/24 via $LAB_S4"
ip -n "$LAB_NS_C" route del 203.0.113.0/24
check "a deleted one goes" wait_for $((2 * SCALE)) sh -c \
	"! nsenter --net=/run/netns/$LAB_NS_C ip route show table $TABLE | grep -q 203.0.113.0"
ip -n "$LAB_NS_C" route add 203.0.113.0/24 dev "$LAB_WG_C"
sleep "$QUIET_S"
check "a tunnel route is not copied" sh -c \
	"! nsenter --net=/run/netns/$LAB_NS_C ip route show table $TABLE | grep -q 203.0.113.0"
ip -n "$LAB_NS_C" route del 203.0.113.0/24
# Cloud hosts' gateways are often outside the subnet: "onlink" must survive
# the copy, or the kernel refuses it.
ip -n "$LAB_NS_C" route add 203.0.113.0/24 via 198.18.0.1 dev up0 onlink
check "an onlink route is copied, onlink" wait_for $((2 * SCALE)) \
	table_has -4 "203.0.113.0/24 via 198.18.0.1 dev up0 onlink"
ip -n "$LAB_NS_C" route del 203.0.113.0/24
ip -n "$LAB_NS_C" addr add 192.0.2.3/24 dev up0
check "a new uplink address gets its rule" wait_for $((2 * SCALE)) sh -c \
	"nsenter --net=/run/netns/$LAB_NS_C ip -4 rule | grep -q 'from 192.0.2.3 lookup $TABLE'"
ip -n "$LAB_NS_C" addr del 192.0.2.3/24 dev up0
check "a removed one loses it" wait_for $((2 * SCALE)) sh -c \
	"! nsenter --net=/run/netns/$LAB_NS_C ip -4 rule | grep -q 'from 192.0.2.3 lookup'"
ip -n "$LAB_NS_C" route del default via "$LAB_S4" dev up0 metric 100
ip -n "$LAB_NS_C" -6 route del default via "$LAB_S6" dev up0 metric 100
sleep "$QUIET_S"
check "main's uplink default gone: ksbpf's stays (IPv4)" table_has -4 "default via $LAB_S4 dev up0"
check "... and IPv6" table_has -6 "default via $LAB_S6 dev up0"
both_apps replaced
ip -n "$LAB_NS_C" route add default via "$LAB_S4" dev up0 metric 100
ip -n "$LAB_NS_C" -6 route add default via "$LAB_S6" dev up0 metric 100

lab_step "a forged mark routes to the uplink, and passes no hook"
captures_start
sender_in forged-cg "$LAB_CG" --mark "$MARK" --count 5 --interval 0.05 \
	"udp4:$LAB_INET4:$ECHO_PORT" "udp6:[$LAB_INET6]:$ECHO_PORT" "icmp4:$LAB_INET4"
sender_wait forged-cg
nsenter --net="/run/netns/$LAB_NS_C" "${LAB_SEND[@]}" --tag forged-ns --mark "$MARK" \
	--count 5 --interval 0.05 "udp4:$LAB_INET4:$ECHO_PORT" \
	"udp6:[$LAB_INET6]:$ECHO_PORT" "icmp4:$LAB_INET4" >"$LAB_DIR/forged-ns.out" 2>&1
cap_stop up tun
check_nonzero "forged mark in the cgroup: EPERM" "$(sender_get forged-cg all eperm)"
check_nonzero "forged mark outside the cgroup: sent (only TC can stop it)" \
	"$(sender_get forged-ns all sent)"
check_zero "forged marks on the uplink" "$(cap_count up "ether src $LAB_CMAC and $F_TO_INET")"
check_zero "forged marks out of the tunnel" "$(cap_count tun "$F_TO_INET")"

if [ "$QUICK" = 0 ]; then
	lab_step "tunnel killed"
	lab_tunnel_kill
	captures_start
	sender_in down-enf "$A_ENF" --count 5 --interval 0.05 \
		"udp4:$LAB_INET4:$ECHO_PORT" "udp6:[$LAB_INET6]:$ECHO_PORT" "icmp4:$LAB_INET4" "icmp6:$LAB_INET6"
	sender_wait down-enf
	sender_in down-host "$LAB_CG" --count 5 --interval 0.05 \
		"udp4:$LAB_INET4:$ECHO_PORT" "udp6:[$LAB_INET6]:$ECHO_PORT" "icmp4:$LAB_INET4" "icmp6:$LAB_INET6"
	sender_wait down-host
	nsenter --net="/run/netns/$LAB_NS_C" "${LAB_SEND[@]}" --tag down-ns --count 5 \
		--interval 0.05 "udp4:$LAB_INET4:$ECHO_PORT" "udp6:[$LAB_INET6]:$ECHO_PORT" \
		"icmp4:$LAB_INET4" >"$LAB_DIR/down-ns.out" 2>&1
	cap_stop up tun
	check_nonzero "tunnel down: enforce app EPERM" "$(sender_get down-enf all eperm)"
	check_nonzero "tunnel down: rest of the cgroup EPERM" "$(sender_get down-host all eperm)"
	check_zero "tunnel down: enforce app, cgroup and raw senders on the uplink" \
		"$(cap_count up "ether src $LAB_CMAC and $F_TO_INET")"
	captures_start
	# shellcheck disable=SC2046
	sender_in down-byp "$A_BYP" --count 4 --interval 0.1 $(probes_echo)
	sender_wait down-byp
	cap_stop up tun
	expect_bypassed "tunnel down" down-byp
	lab_tunnel_up || exit 1

	lab_step "undoing bypass sends new sockets back into the tunnel"
	ks app set "$A_BYP" enforce >/dev/null
	captures_start
	# shellcheck disable=SC2046
	sender_in undone "$A_BYP" --count 4 --interval 0.1 $(probes_echo)
	sender_wait undone
	cap_stop up tun
	expect_tunnelled "app set enforce" undone
	ks app set "$A_BYP" bypass >/dev/null

	lab_step "app add-pid: a running process's new sockets follow it"
	captures_start
	sender_in moved "$LAB_CG" --count 100000 --duration 600 --interval 0.1 \
		"udp4:$LAB_INET4:$ECHO_PORT" "stream4:$LAB_INET4:$ECHO_PORT"
	MOVED=${LAB_SND_PID[moved]}
	F_MOVED_TUN="tcp and src host $LAB_TC4 and dst host $LAB_INET4"
	F_MOVED_UP="ether src $LAB_CMAC and tcp and src host $LAB_C4 and dst host $LAB_INET4"
	check "before the move: TCP through the tunnel" wait_for $((5 * SCALE)) \
		sh -c "[ \$(tcpdump -n -r '${LAB_CAP_FILE[tun]}' '$F_MOVED_TUN' 2>/dev/null | wc -l) -gt 0 ]"
	check "add-pid --policy bypass" sh -c "nsenter --net=/run/netns/$LAB_NS_C '$KSBPF' app add-pid $MOVED \
		--policy bypass --name moved --bpffs '$LAB_BPFFS' --cgroup '$LAB_CG' --config '$LAB_DIR/ksbpf.conf' >/dev/null"
	check "the process is in the app's cgroup" grep -qx "$MOVED" "$LAB_CG/ksbpf.apps/moved/cgroup.procs"
	check "after the move: new TCP connections on the uplink" wait_for $((5 * SCALE)) \
		sh -c "[ \$(tcpdump -n -r '${LAB_CAP_FILE[up]}' '$F_MOVED_UP' 2>/dev/null | wc -l) -gt 0 ]"
	kill -TERM "$MOVED"; sender_wait moved
	cap_stop up tun
	check_nonzero "moved: the old UDP socket keeps the tunnel" \
		"$(cap_count tun "udp and src host $LAB_TC4 and dst host $LAB_INET4")"
	check_zero "moved: the old UDP socket on the uplink" \
		"$(cap_count up "ether src $LAB_CMAC and udp and dst host $LAB_INET4")"

	lab_step "exec runs the command as the invoking user"
	check_eq "SUDO_UID=65534: runs as it" \
		"$(SUDO_UID=65534 SUDO_GID=65534 ks exec --policy bypass --name asuser -- id -u)" 65534
	check_eq "SUDO_GID=65534: its group" \
		"$(SUDO_UID=65534 SUDO_GID=65534 ks exec --policy bypass --name asuser -- id -g)" 65534
	check_eq "--user 65534 wins over SUDO_UID" \
		"$(SUDO_UID=0 ks exec --policy bypass --name asuser --user 65534 -- id -u)" 65534
	check_eq "SUDO_UID=65534: that user's HOME" \
		"$(SUDO_UID=65534 SUDO_GID=65534 ks exec --policy bypass --name asuser -- \
			sh -c 'echo "$HOME $USER"')" "$(getent passwd 65534 | cut -d: -f6) $(id -nu 65534)"
	check_eq "no SUDO_UID: the caller (root)" \
		"$(unset SUDO_UID; ks exec --policy bypass --name asuser -- id -u)" 0
	captures_start
	# The sender on standard input: uid 65534 may not be able to read the tree.
	SUDO_UID=65534 SUDO_GID=65534 ks exec --policy bypass --name asuser -- \
		/usr/bin/python3 - --count 3 --interval 0.1 "udp4:$LAB_INET4:$ECHO_PORT" \
		"ping4:$LAB_INET4" "stream6:[$LAB_INET6]:$ECHO_PORT" \
		<"$LAB_ROOT/tests/lib/ksbpf-send.py" >"$LAB_DIR/asuser.out" 2>&1
	cap_stop up tun
	check_nonzero "as uid 65534: answered" "$(sender_get asuser all replies)"
	check_nonzero "as uid 65534: on the uplink" "$(cap_count up "ether src $LAB_CMAC and $F_TO_INET")"
	check_zero "as uid 65534: out of the tunnel" "$(cap_count tun "$F_TO_INET")"
fi

lab_step "reloads, agent restart and SIGKILL"
kill -9 "$KS_AGENT_PID"; wait "$KS_AGENT_PID" 2>/dev/null
check_eq "agent SIGKILLed: the IPv4 rule stays" "$(rule_count -4)" 1
check "agent SIGKILLed: the table stays" table_has -4 "default via $LAB_S4 dev up0"
ks_load >/dev/null 2>&1
ks_load >/dev/null 2>&1
check_eq "two reloads: one IPv4 rule" "$(rule_count -4)" 1
check_eq "two reloads: one IPv6 rule" "$(rule_count -6)" 1
check_eq "two reloads: one IPv4 default in the table" \
	"$(in_client ip -4 route show table "$TABLE" | grep -c "^default via")" 1
ks_run_bg "$LAB_DIR/agent2.log"
wait_for 10 grep -q "following rtnetlink" "$LAB_DIR/agent2.log"
check_eq "agent restarted: one IPv4 rule" "$(rule_count -4)" 1
both_apps adopted
ks_load --bypass-priority 5191 >/dev/null 2>&1
check_eq "new priority: the old rule goes" "$(rule_count -4)" 1
check "new priority: the rule at 5191" sh -c \
	"nsenter --net=/run/netns/$LAB_NS_C ip -4 rule | grep -q '^5191:.*fwmark $MARK lookup $TABLE'"
check "new priority: the table stays" table_has -4 "default via $LAB_S4 dev up0"
ks_load --bypass-priority 5191 --bypass-mark 0x6b730001 >/dev/null 2>&1
check_eq "new mark: its rule" "$(in_client ip -4 rule | grep -c "fwmark 0x6b730001 lookup $TABLE")" 1
check_eq "new mark: the old mark's rule goes" "$(rule_count -4)" 0
check "new mark: the source rule stays" sh -c \
	"nsenter --net=/run/netns/$LAB_NS_C ip -4 rule | grep -q 'from $LAB_C4 lookup $TABLE'"
both_apps new-mark
kill "$KS_AGENT_PID"; wait "$KS_AGENT_PID" 2>/dev/null

lab_step "unload"
ks unload >/dev/null
check_eq "ip -4 rule as before" "$(in_client ip -4 rule)" "$RULES4_BEFORE"
check_eq "ip -6 rule as before" "$(in_client ip -6 rule)" "$RULES6_BEFORE"
check_eq "ksbpf's IPv4 table empty" "$(in_client ip -4 route show table "$TABLE")" ""
check_eq "ksbpf's IPv6 table empty" "$(in_client ip -6 route show table "$TABLE")" ""

lab_finish
