#!/bin/bash
# Prints the agent's reaction time: `ip link set TUN up/down` returning ->
# ksbpf_tunnels updated, p50/p99/max over ROUNDS flaps (default 1000).
# Runs in its own namespace, cgroup and bpffs directory.
set -eu
cd "$(dirname "$0")/../.."
rounds=${1:-1000}
id=$$
ns=ksbpf-react-$id
cg=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)/ksbpf-react-$id
bpffs=/sys/fs/bpf/ksbpf-react-$id
agent=""
cleanup() {
	[ -n "$agent" ] && kill "$agent" 2>/dev/null && wait "$agent" 2>/dev/null
	nsenter --net="/run/netns/$ns" build/ksbpf unload --bpffs "$bpffs" --cgroup "$cg" \
		--config /dev/null >/dev/null 2>&1 || true
	ip netns del "$ns" 2>/dev/null || true
	rmdir "$cg" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
ip netns add "$ns"
mkdir -p "$cg"
ip -n "$ns" link add up0 type veth peer name up1
ip -n "$ns" tuntap add dev wgbench mode tun
nsenter --net="/run/netns/$ns" build/ksbpf run --config /dev/null --bpffs "$bpffs" \
	--cgroup "$cg" --tunnel wgbench 2>/dev/null &
agent=$!
for _ in $(seq 50); do [ -e "$bpffs/link_cg_egress" ] && break; sleep 0.1; done
sleep 0.3
nsenter --net="/run/netns/$ns" build/bench/reaction "$bpffs" wgbench "$rounds"
