#!/bin/bash
# e2e: the endpoint exception by mark (`--endpoint-mark`, `ksbpf allow mark`),
# wg-quick's own kill switch: what carries WireGuard's fwmark may leave by the
# uplink, to any address. Here with no --endpoint at all and --block-inbound:
#  - wireguard-go with `fwmark 0x5a` handshakes through the kill switch;
#  - apps with the mark reach the internet addresses by the uplink (counted at
#    the far end of the wire), and their replies get in (the socket's mark);
#    the same packets without the mark are dropped (EPERM in the cgroup,
#    nothing on the wire from outside it);
#  - `allow mark 0x5a udp` lets only UDP through; a masked rule matches only
#    under its mask; run-time rules stay through reloads, configured ones
#    follow the options; with no rule left, the mark opens nothing;
#  - rules an unmarked packet would match are refused; pins of an older
#    ksbpf without the rules' map: status says load adds it, and load does;
#  - `--endpoint vpn.ksbpf.test:51820/udp@MARK` (a host name) is resolved by
#    load into every address the system resolver gives (here from a private
#    /etc/hosts), and a name that does not resolve is refused, saying why.
set -u
# shellcheck disable=SC2034 # LAB_* variables are read by tests/lib/lab.sh
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf

MARK=0x5a
ECHO_PORT=7000
ROUNDS=5
UDP="udp4:$LAB_INET4:$ECHO_PORT udp6:[$LAB_INET6]:$ECHO_PORT"
ICMP="icmp4:$LAB_INET4 icmp6:$LAB_INET6"

lab_setup
F_UDP="ether src $LAB_CMAC and udp and dst port $ECHO_PORT and (dst host $LAB_INET4 or dst host $LAB_INET6)"
F_ICMP="ether src $LAB_CMAC and ((icmp and dst host $LAB_INET4) or (icmp6 and dst host $LAB_INET6 and ip6[40] == 128))"
LAB_WG_FWMARK=$MARK
lab_tunnel_up || exit 1
in_server /usr/bin/python3 "$LAB_ROOT/tests/lib/ksbpf-echo.py" \
	"$LAB_INET4:$ECHO_PORT" "[$LAB_INET6]:$ECHO_PORT" >"$LAB_DIR/echo.log" 2>&1 &
lab_track $!
wait_for 5 grep -q listening "$LAB_DIR/echo.log" || lab_die "echo server did not start"
# The internet addresses by the uplink, whatever the mark: as wg-quick routes
# what carries its fwmark. Only the kill switch decides what gets there.
ip -n "$LAB_NS_C" route add "$LAB_INET4/32" via "$LAB_S4" dev up0
ip -n "$LAB_NS_C" -6 route add "$LAB_INET6/128" via "$LAB_S6" dev up0

# phase NAME MARK TARGETS...: a marked and an unmarked sender in the cgroup,
# and the same outside it (only TC sees those), ROUNDS to each target;
# UDP_WIRE and ICMP_WIRE: what reached the far end of the wire.
phase() {
	local name=$1 mark=$2
	shift 2
	cap_start "$name" "$LAB_NS_S" sv0
	sender_start "$name-m-cg" cg --mark "$mark" --count "$ROUNDS" --interval 0.05 "$@"
	sender_start "$name-m-ns" ns --mark "$mark" --count "$ROUNDS" --interval 0.05 "$@"
	sender_start "$name-u-cg" cg --count "$ROUNDS" --interval 0.05 "$@"
	sender_start "$name-u-ns" ns --count "$ROUNDS" --interval 0.05 "$@"
	sender_wait "$name-m-cg" "$name-m-ns" "$name-u-cg" "$name-u-ns"
	cap_stop "$name"
	UDP_WIRE=$(cap_count "$name" "$F_UDP")
	ICMP_WIRE=$(cap_count "$name" "$F_ICMP")
	info "sv0: UDP $UDP_WIRE, ICMP echo $ICMP_WIRE"
}

marks_json() {
	ks_status_json "$LAB_DIR/st.json"
	js "$LAB_DIR/st.json" "sorted(d['endpoint_marks'])"
}

load_mark_only() {
	ks load --tunnel "$LAB_WG_C" --endpoint-mark "$MARK" --block-inbound \
		>"$LAB_DIR/load.out" 2>&1 && return 0
	fail "load: $(cat "$LAB_DIR/load.out")"
	exit 1
}

lab_step "load --endpoint-mark $MARK --block-inbound, no --endpoint"
lab_tunnel_kill
load_mark_only
check_eq "status lists the rule" "$(marks_json)" '["0x5a"]'
lab_tunnel_up && pass "a new WireGuard handshake with fwmark $MARK passes, by the mark alone"
load_mark_only	# the new tunnel's ifindex (what the agent would do)
# shellcheck disable=SC2086
phase a "$MARK" $UDP $ICMP
check_eq "UDP at the far end: only the marked senders' (2 x $ROUNDS x 2)" "$UDP_WIRE" $((4 * ROUNDS))
check_eq "ICMP echo at the far end: only the marked senders'" "$ICMP_WIRE" $((4 * ROUNDS))
check_eq "[cg] marked: UDP replies get in (the socket's mark)" "$(sender_get a-m-cg all replies)" $((4 * ROUNDS))
check_eq "[cg] unmarked: EPERM for every send" "$(sender_get a-u-cg all eperm)" $((4 * ROUNDS))
check_zero "[ns] unmarked: replies" "$(sender_get a-u-ns all replies)"
check_nonzero "[cg] through the tunnel meanwhile" \
	"$(sender_run a-tun cg --count 3 --interval 0.1 "icmp4:$LAB_TS4" >/dev/null; sender_get a-tun all replies)"

lab_step "deny mark $MARK, allow mark $MARK udp (run time): UDP only"
check_eq "deny mark" "$(ks deny mark "$MARK" 2>&1)" "ksbpf: denied mark $MARK"
check_eq "allow mark udp" "$(ks allow mark "$MARK" udp 2>&1)" "ksbpf: allowed mark $MARK/udp"
st=$(ks status -v 2>&1)
check "status text lists it" grep -q "^  0x5a/udp$" <<<"$st"
# shellcheck disable=SC2086
phase b "$MARK" $UDP $ICMP
check_eq "UDP at the far end: the marked senders'" "$UDP_WIRE" $((4 * ROUNDS))
check_zero "ICMP echo at the far end" "$ICMP_WIRE"
check_eq "[cg] marked ICMP: EPERM" "$(sender_get b-m-cg icmp4 eperm)" "$ROUNDS"

lab_step "allow mark 0x100/0xff00: only marks under the mask"
ks allow mark 0x100/0xff00 >/dev/null 2>&1
check_eq "status" "$(marks_json)" '["0x100/0xff00", "0x5a/udp"]'
phase c 0x1ab "udp4:$LAB_INET4:$ECHO_PORT"
check_eq "mark 0x1ab (0x100 under 0xff00): UDP at the far end" "$UDP_WIRE" $((2 * ROUNDS))
phase d 0x2ab "udp4:$LAB_INET4:$ECHO_PORT"
check_zero "mark 0x2ab: UDP at the far end" "$UDP_WIRE"

lab_step "reloads: run-time rules stay, configured ones follow the options"
ks load --tunnel "$LAB_WG_C" --block-inbound --endpoint-mark 0x77/tcp >/dev/null 2>&1
check_eq "with --endpoint-mark 0x77/tcp" "$(marks_json)" '["0x100/0xff00", "0x5a/udp", "0x77/tcp"]'
ks load --tunnel "$LAB_WG_C" --block-inbound >/dev/null 2>&1
check_eq "without it" "$(marks_json)" '["0x100/0xff00", "0x5a/udp"]'
ks deny mark "$MARK" udp >/dev/null 2>&1
ks deny mark 0x100/0xff00 >/dev/null 2>&1
check_eq "after deny of both" "$(marks_json)" '[]'
check_eq "deny again: was not there" "$(ks deny mark 0x100/0xff00 2>&1)" "ksbpf: mark 0x100/0xff00 was not there"
phase e "$MARK" "udp4:$LAB_INET4:$ECHO_PORT"
check_zero "no rule: marked UDP at the far end" "$UDP_WIRE"

lab_step "refused: rules an unmarked packet would match"
out=$(ks allow mark 0 2>&1)
check_eq "allow mark 0: exit code" "$?" 2
check "allow mark 0: says why" grep -q "unmarked" <<<"$out"
ks allow mark 0x1/0x0 >/dev/null 2>&1
check_eq "allow mark 0x1/0x0 (bits outside the mask): exit code" "$?" 2
ks load --tunnel "$LAB_WG_C" --endpoint-mark 0/0 >"$LAB_DIR/bad.out" 2>&1
check_eq "load --endpoint-mark 0/0: exit code" "$?" 2
check_eq "rules after the refusals" "$(marks_json)" '[]'

lab_step "pins of an older ksbpf, without ksbpf_endpoint_marks"
rm "$LAB_BPFFS/ksbpf_endpoint_marks"
out=$(ks status -v 2>&1)
check_eq "status: exit code" "$?" 1
check "status says that load adds it" grep -q "ksbpf_endpoint_marks is missing: .*pinned by an older ksbpf" <<<"$out"
ks load --tunnel "$LAB_WG_C" --endpoint-mark "$MARK" >"$LAB_DIR/old.out" 2>&1
check_eq "load adds it: exit code" "$?" 0
check_eq "and its rule is judged" "$(marks_json)" '["0x5a"]'
phase f "$MARK" "udp4:$LAB_INET4:$ECHO_PORT"
check_eq "marked UDP at the far end again" "$UDP_WIRE" $((2 * ROUNDS))

lab_step "host names in --endpoint: resolved by load"
printf '%s vpn.ksbpf.test\n%s vpn.ksbpf.test\n' "$LAB_S4" "$LAB_S6" >"$LAB_DIR/hosts"
echo "nameserver 127.0.0.1" >"$LAB_DIR/resolv.conf"	# nobody: fails at once
# ks_with_hosts ARGS...: ksbpf with the lab's /etc/hosts and resolv.conf, in
# a mount namespace of its own (bpffs is the same: its pins are shared).
ks_with_hosts() {
	_ks_guard || return 99
	unshare -m sh -c 'mount --bind "$0/hosts" /etc/hosts &&
		mount --bind "$0/resolv.conf" /etc/resolv.conf && exec "$@"' "$LAB_DIR" \
		nsenter --net="/run/netns/$LAB_NS_C" "$KSBPF" "$@" "${KS_COMMON[@]}"
}
ks_with_hosts load --tunnel "$LAB_WG_C" --endpoint "vpn.ksbpf.test:$LAB_WG_PORT/udp@$MARK" \
	>"$LAB_DIR/name.out" 2>&1
check_eq "load --endpoint vpn.ksbpf.test:$LAB_WG_PORT/udp@$MARK: exit code" "$?" 0
ks_status_json "$LAB_DIR/st.json"
check_eq "endpoints: both addresses of the name" \
	"$(js "$LAB_DIR/st.json" "sorted(d['endpoints'])")" \
	"[\"$LAB_S4:$LAB_WG_PORT/udp@$MARK\", \"[$LAB_S6]:$LAB_WG_PORT/udp@$MARK\"]"
out=$(ks_with_hosts load --tunnel "$LAB_WG_C" --endpoint "nosuch.invalid:$LAB_WG_PORT/udp" 2>&1)
check_eq "a name that does not resolve: exit code" "$?" 2
check "it says why, and what to do" grep -q "cannot resolve nosuch.invalid.*DNS outside the tunnel is blocked" <<<"$out"
ks_status_json "$LAB_DIR/st.json"
check_eq "the refused load changed nothing" "$(js "$LAB_DIR/st.json" "len(d['endpoints'])")" 2

lab_finish
