#!/bin/bash
# ksbpf demo (`make demo`, as root): a throwaway lab with a real WireGuard
# tunnel (wireguard-go) between two network namespaces, and ksbpf guarding
# the client namespace. Shows: the tunnel works; without ksbpf a dead tunnel
# leaks in the clear; with ksbpf it does not, even with the loader killed;
# `ksbpf status`; unload. Everything is removed at the end (also on Ctrl-C).
# ksbpf is attached only inside the lab: its own namespace, its own cgroup,
# its own bpffs directory. Takes about 30 seconds.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tests/lib/lab.sh
. tests/lib/lab.sh
trap lab_cleanup EXIT INT TERM

if [ -t 1 ]; then B=$'\033[1m' G=$'\033[32m' R=$'\033[31m' N=$'\033[0m'
else B="" G="" R="" N=""; fi
STEP=0
headline() { STEP=$((STEP + 1)); printf '\n%s== %d. %s%s\n' "$B" "$STEP" "$*" "$N"; }
say() { printf '   %s\n' "$*"; }
good() { printf '   %s%s%s\n' "$G" "$*" "$N"; }
bad() { printf '   %s%s%s\n' "$R" "$*" "$N"; }
DEMO_FAILED=0
run() { printf '   $ %s\n' "$*"; }

lab_require_root
lab_require_ksbpf

# probe NAME: 5 rounds of UDP + ping, IPv4 + IPv6, from an app in the test
# cgroup, to the "internet" addresses, with a capture on the uplink wire.
probe() {
	cap_start "$1" "$LAB_NS_S" sv0
	# shellcheck disable=SC2046
	sender_run "$1" cg --count 5 --interval 0.1 $(probes_inet)
	cap_stop "$1"
	PING=$(($(sender_get "$1" icmp4 replies) + $(sender_get "$1" icmp6 replies)))
	EPERM=$(sender_get "$1" all eperm)
	WIRE=$(cap_count "$1" "$(F_LEAK)")
	say "app sent 20 probes (UDP + ping, IPv4 + IPv6) to $LAB_INET4 / $LAB_INET6:"
	say "  ping replies: $PING/10   refused with EPERM: $EPERM/20   on the uplink wire in the clear: $WIRE"
}

headline "Building the lab"
lab_setup
say "client namespace $LAB_NS_C: uplink up0 $LAB_C4 / $LAB_C6"
say "server namespace $LAB_NS_S: sv0 $LAB_S4, WireGuard on :$LAB_WG_PORT, 'internet' $LAB_INET4 $LAB_INET6"
say "client routes: default via the tunnel (metric 10), fallback default via up0 (metric 100)"
lab_tunnel_up >/dev/null || { bad "tunnel did not come up"; exit 1; }
say "WireGuard tunnel $LAB_WG_C is up (wireguard-go pid $LAB_PID_WG_C)"

headline "Tunnel up, no kill switch: ping through the tunnel"
probe p1
[ "$PING" -gt 0 ] && good "works: the tunnel carries the traffic, nothing in the clear"

headline "The tunnel dies (wireguard-go SIGKILLed), no kill switch: THE LEAK"
lab_tunnel_kill
probe p2
[ "$WIRE" -gt 0 ] && bad "$WIRE packets went out in the clear through the fallback route"
lab_tunnel_up >/dev/null || { bad "tunnel did not come back"; exit 1; }
say "tunnel restarted"

headline "ksbpf load"
run "ksbpf load --tunnel $LAB_WG_C --endpoint $LAB_EP_SPEC --cgroup $LAB_CG --bpffs $LAB_BPFFS"
if ! ks_load 2>&1 | sed 's/^/   /'; then bad "load failed"; exit 1; fi
[ "${PIPESTATUS[0]}" = 0 ] || { bad "load failed"; exit 1; }
say "(the loader has exited: enforcement lives in pinned BPF links)"
probe p3
if [ "$PING" -gt 0 ]; then good "the tunnel still works: $PING ping replies"
else bad "no ping replies through the tunnel"; DEMO_FAILED=1; fi

headline "The tunnel dies again (wireguard-go SIGKILLed), ksbpf loaded"
lab_tunnel_kill
probe p4
if [ "$WIRE" = 0 ]; then good "blocked: $EPERM sends refused at once with EPERM, 0 packets on the wire"
else bad "LEAK: $WIRE packets on the wire"; DEMO_FAILED=1; fi

headline "A loader SIGKILLed in the middle of a reload: still blocked"
ks_load_bg "$LAB_DIR/bg.out"
sleep 0.01
kill -9 "$KS_BG_PID" 2>/dev/null && say "ksbpf load (pid $KS_BG_PID) killed with SIGKILL"
wait "$KS_BG_PID" 2>/dev/null
say "no ksbpf process running: $(ps -eo args= | grep -F -- "$LAB_BPFFS" | grep -cv -e grep -e tcpdump) left"
say "pinned links still attached: $(lab_pinned_links | awk '{ t = $2; if (t == "11") t = "tcx"
	s = s (NR > 1 ? ", " : "") "link " $1 " (" t ")" } END { print s }')"
probe p5
if [ "$WIRE" = 0 ]; then good "still blocked: 0 packets on the wire"
else bad "LEAK: $WIRE packets on the wire"; DEMO_FAILED=1; fi

headline "ksbpf status"
run "ksbpf status --cgroup $LAB_CG --bpffs $LAB_BPFFS"
ks status 2>&1 | sed 's/^/   /'

headline "ksbpf unload (the leak comes back: the capture really sees leaks)"
ks unload 2>&1 | sed 's/^/   /'
probe p6
[ "$WIRE" -gt 0 ] && say "$WIRE packets in the clear again, as expected without the kill switch"

headline "Cleaning up"
say "namespaces, cgroup, pins and wireguard-go are removed by the exit trap"
exit "$DEMO_FAILED"
