#!/bin/bash
# e2e: endpoints taken from WireGuard itself (`ksbpf wg-sync`, `ksbpf run
# --wg-sync`), with wireguard-go (its UAPI socket) or, with LAB_WG_KERNEL=1,
# kernel WireGuard (generic netlink: the kernel matrix's guests run it so;
# this host has no module). Loaded with no --endpoint at all:
#  - the tunnel is cut (positive control), `wg-sync` reads the peer's
#    endpoint and WireGuard's fwmark, and the tunnel works again;
#  - the endpoint keeps the fwmark: an unmarked app cannot reach the server;
#  - a reload keeps synced endpoints; a second sync changes nothing;
#  - the agent follows a roaming peer (`wg set ... peer ... endpoint`): the
#    new endpoint passes and the tunnel carries on through it (seen at the far
#    end), the old one is dropped;
#  - an interface that is gone keeps its endpoints; --forget removes them.
set -u
# shellcheck disable=SC2034 # LAB_* variables are read by tests/lib/lab.sh
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf

MARK=0xca6c
ROAMED=192.0.2.11	# the server's second address on the wire
EP_OLD="$LAB_S4:$LAB_WG_PORT/udp@$MARK"
EP_NEW="$ROAMED:$LAB_WG_PORT/udp@$MARK"

lab_setup
LAB_WG_FWMARK=$MARK
lab_tunnel_up || exit 1
ip -n "$LAB_NS_S" addr add "$ROAMED/24" dev sv0

# tunnel_replies NAME: replies to 5 pings through the tunnel, from the cgroup.
tunnel_replies() {
	sender_run "$1" cg --count 5 --interval 0.1 "icmp4:$LAB_TS4"
	sender_get "$1" all replies
}

endpoints_json() {
	ks_status_json "$LAB_DIR/st.json"
	js "$LAB_DIR/st.json" "sorted(d['endpoints'])"
}

lab_step "load with no endpoint: the tunnel is cut"
ks load --tunnel "$LAB_WG_C" >"$LAB_DIR/load.out" 2>&1 || lab_die "load: $(cat "$LAB_DIR/load.out")"
check_zero "[cg] replies through the tunnel" "$(tunnel_replies cut)"

lab_step "wg-sync $LAB_WG_C"
check_eq "wg-sync" "$(ks wg-sync "$LAB_WG_C" 2>&1)" \
	"ksbpf: wg-sync $LAB_WG_C: 1 endpoint (1 new, 0 removed), fwmark $MARK"
check_eq "status: the endpoint, with WireGuard's fwmark" "$(endpoints_json)" "[\"$EP_OLD\"]"
check_eq "status --json: owned by the interface" \
	"$(js "$LAB_DIR/st.json" "d['wg_sync']")" "{\"$LAB_WG_C\": [\"$EP_OLD\"]}"
st=$(ks status -v 2>&1)
check "status text names the interface" grep -qF "$EP_OLD  (wg-sync $LAB_WG_C)" <<<"$st"
check_eq "[cg] replies through the tunnel" "$(tunnel_replies synced)" 5
sender_run unmarked cg --count 3 --interval 0.05 "udp4:$LAB_S4:$LAB_WG_PORT"
check_eq "[cg] an unmarked app to the endpoint: EPERM" "$(sender_get unmarked all eperm)" 3
check_eq "a second sync" "$(ks wg-sync "$LAB_WG_C" 2>&1)" \
	"ksbpf: wg-sync $LAB_WG_C: 1 endpoint (0 new, 0 removed), fwmark $MARK"
ks wg-sync --json "$LAB_WG_C" >"$LAB_DIR/sync.json" 2>&1
check_eq "--json: read from $([ -n "${LAB_WG_KERNEL:-}" ] && echo "the kernel" || echo "wireguard-go's socket")" \
	"$(js "$LAB_DIR/sync.json" "d['source']")" "$([ -n "${LAB_WG_KERNEL:-}" ] && echo netlink || echo uapi)"
check_eq "--json: fwmark" "$(js "$LAB_DIR/sync.json" "d['fwmark']")" $((MARK))
ks load --tunnel "$LAB_WG_C" >/dev/null 2>&1
check_eq "a reload keeps it" "$(endpoints_json)" "[\"$EP_OLD\"]"

lab_step "ksbpf run --wg-sync $LAB_WG_C: the peer roams to $ROAMED"
_ks_guard || exit 1
nsenter --net="/run/netns/$LAB_NS_C" "$KSBPF" run --tunnel "$LAB_WG_C" \
	--wg-sync "$LAB_WG_C" "${KS_COMMON[@]}" >"$LAB_DIR/agent.log" 2>&1 &
lab_track $!
wait_for 10 grep -q "following rtnetlink" "$LAB_DIR/agent.log" || fail "agent did not start"
cap_start roam "$LAB_NS_S" sv0
# Nothing in flight at the change: WireGuard takes a peer's endpoint from
# whatever authenticated packet comes in last, and a late reply from the old
# address would move it back. Then pings through the tunnel, at once.
in_client wg set "$LAB_WG_C" peer "$(cat "$LAB_DIR/s.pub")" endpoint "$ROAMED:$LAB_WG_PORT"
sender_run roam cg --count 60 --interval 0.05 "icmp4:$LAB_TS4"
cap_stop roam
check_eq "status: the new endpoint only" "$(endpoints_json)" "[\"$EP_NEW\"]"
check "the agent said so" grep -q "wg-sync $LAB_WG_C: 1 endpoint (1 new, 1 removed)" "$LAB_DIR/agent.log"
check_nonzero "WireGuard to $ROAMED at the far end" \
	"$(cap_count roam "ether src $LAB_CMAC and udp and dst host $ROAMED and dst port $LAB_WG_PORT")"
lost=$(($(sender_get roam all sent) - $(sender_get roam all replies)))
info "pings lost after the change: $lost of 60 (50 ms apart; the agent asks every 250 ms)"
check "at most a second of pings lost" test "$lost" -le $((20 * ${KSBPF_TIME_SCALE:-1}))
check_eq "[cg] replies through the tunnel after the change" "$(tunnel_replies roamed)" 5
sender_run old cg --mark "$MARK" --count 3 --interval 0.05 "udp4:$LAB_S4:$LAB_WG_PORT"
check_eq "[cg] marked app to the old endpoint: EPERM" "$(sender_get old all eperm)" 3

lab_step "the interface goes: its endpoints stay; --forget removes them"
lab_tunnel_kill
sleep 1
check_eq "status after the interface is gone" "$(endpoints_json)" "[\"$EP_NEW\"]"
check "the agent said it is gone" grep -q "wg-sync $LAB_WG_C: .*its endpoints stay" "$LAB_DIR/agent.log"
check_eq "wg-sync of a missing interface: exit code" "$(ks wg-sync "$LAB_WG_C" >/dev/null 2>&1; echo $?)" 1
check_eq "wg-sync --forget" "$(ks wg-sync --forget "$LAB_WG_C" 2>&1)" \
	"ksbpf: wg-sync $LAB_WG_C: forgot 1 endpoint"
check_eq "status after --forget" "$(endpoints_json)" "[]"
check_eq "wg-sync with no interface name: exit code" "$(ks wg-sync >/dev/null 2>&1; echo $?)" 2

lab_finish
