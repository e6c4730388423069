#!/bin/sh
# Runs the differential test of the verdict (build/tests/diff_test) in a
# network namespace of its own, which holds the two interfaces the test
# uses as uplinks and tunnels: dfa and dfb (a veth pair). Nothing is
# attached anywhere; the programs only go through BPF_PROG_TEST_RUN.
#
# nsenter --net, not `ip netns exec`: the latter mounts a fresh /sys and
# hides the host's cgroup v2 mount that the per-app worlds need.
#
# Usage (root, from anywhere): sh tests/differential/run.sh [diff_test options]
#   e.g. --count 5000000, or --seed S --index I to replay one frame.
# DIFF_TEST=path runs another build of the test binary.
# Exit status: the test's.
set -u
cd "$(dirname "$0")/../.." || exit 1

bin=${DIFF_TEST:-build/tests/diff_test}
ns=ksbpf-dt-$$
# The test's cgroup tree, named here so that a crashed test's tree can
# still be removed below.
cgname=ksbpf-diff-$$

if [ "$(id -u)" -ne 0 ]; then
	echo "differential: needs root" >&2
	exit 1
fi
if [ ! -x "$bin" ]; then
	echo "differential: $bin missing: run make build/tests/diff_test" >&2
	exit 1
fi

cgroup2_mount() {
	awk '{ for (i = 7; i < NF; i++) if ($i == "-") {
		if ($(i + 1) == "cgroup2") { print $5; exit }
		break } }' /proc/self/mountinfo
}

cleanup() {
	ip netns del "$ns" 2>/dev/null
	mnt=$(cgroup2_mount)
	if [ -n "$mnt" ] && [ -d "$mnt/$cgname" ]; then
		# Deepest first; empty once the test process is gone.
		find "$mnt/$cgname" -depth -type d -exec rmdir {} \; 2>/dev/null
		[ -d "$mnt/$cgname" ] &&
			echo "differential: could not remove $mnt/$cgname" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

ip netns add "$ns" || exit 1
ip -n "$ns" link add dfa type veth peer name dfb || exit 1
for dev in lo dfa dfb; do
	ip -n "$ns" link set "$dev" up || exit 1
done

KSBPF_DT_CGROUP=$cgname nsenter --net="/run/netns/$ns" "$bin" "$@"
