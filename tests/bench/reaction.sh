#!/bin/bash
# Prints the agent's reaction time, from the event to ksbpf_tunnels holding
# the new state, p50/p99/max:
#   up/down         `ip link set TUN up|down` returning -> map updated
#                   (ROUNDS flaps, default 1000)
#   delete/recreate the tunnel device deleted (RTM_DELLINK) -> its ifindex
#                   gone; created again and set up -> the new ifindex in
#                   (RECREATE_ROUNDS times, default ROUNDS)
# Usage: reaction.sh [ROUNDS [RECREATE_ROUNDS]]
# Runs in its own namespace, cgroup and bpffs directory (tests/bench/lib.sh).
set -eu
# shellcheck source=tests/bench/lib.sh disable=SC2154  # (lib.sh sets variables by name)
source "$(dirname "$0")/lib.sh"
rounds=${1:-1000}
recreate_rounds=${2:-$rounds}
ns=ksbench-react-$BENCH_ID
tun=wgbench
bench_netns "$ns"
bench_cgroup "ksbench-react-$BENCH_ID" cg
bench_bpffs "ksbench-react-$BENCH_ID" bpffs
bench_defer_unload "$ns" "$cg" "$bpffs"
ip -n "$ns" link add up0 type veth peer name up1
ip -n "$ns" tuntap add dev "$tun" mode tun
# The agent itself in the background (nsenter execs it: $! is its pid).
bench_ks "$ns" "$cg" "$bpffs" status >/dev/null 2>&1 || [ $? != 99 ] ||
	bench_die "reaction: refusing to run ksbpf here"	# the guard
nsenter --net="/run/netns/$ns" "$KSBPF" run --config /dev/null --bpffs "$bpffs" \
	--cgroup "$cg" --tunnel "$tun" >/dev/null 2>&1 &
bench_defer "bench_kill $!"
for _ in $(seq 50); do [ -e "$bpffs/link_cg_egress" ] && break; sleep 0.1; done
[ -e "$bpffs/link_cg_egress" ] || bench_die "reaction: the agent did not load"
# Namespaces deleted a moment ago (by another benchmark) are torn down in
# the background under the RTNL lock, which every link change waits for:
# let that settle, and warm up, before measuring.
sleep 2
nsenter --net="/run/netns/$ns" "$BENCH_BIN/reaction" "$bpffs" "$tun" 20 updown >/dev/null
nsenter --net="/run/netns/$ns" "$BENCH_BIN/reaction" "$bpffs" "$tun" "$rounds" updown
[ "$recreate_rounds" -gt 0 ] &&
	nsenter --net="/run/netns/$ns" "$BENCH_BIN/reaction" "$bpffs" "$tun" "$recreate_rounds" recreate
exit 0
