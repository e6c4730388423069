#!/bin/sh
# Runs the BPF verdict tests (build/tests/verdict_test) in a network
# namespace of their own, which holds the two interfaces the tests name:
# vtup (an uplink) and vttun (plays the tunnel). Nothing is attached
# anywhere; the programs only go through BPF_PROG_TEST_RUN.
#
# nsenter --net, not `ip netns exec`: the latter mounts a fresh /sys and
# hides the host's cgroup v2 mount that the per-app tests need.
#
# Usage (root, from anywhere): sh tests/verdict/run.sh
# VERDICT_TEST=path runs another build of the test binary.
# Exit status: the test's.
set -u
cd "$(dirname "$0")/../.." || exit 1

bin=${VERDICT_TEST:-build/tests/verdict_test}
ns=ksbpf-vt-$$
# The test's cgroup tree, named here so that a crashed test's tree can
# still be removed below.
cgname=ksbpf-verdict-$$

if [ "$(id -u)" -ne 0 ]; then
	echo "verdict: needs root" >&2
	exit 1
fi
if [ ! -x "$bin" ]; then
	echo "verdict: $bin missing: run make build/tests/verdict_test" >&2
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
			echo "verdict: could not remove $mnt/$cgname" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

ip netns add "$ns" || exit 1
ip -n "$ns" link add vtup type veth peer name vttun || exit 1
for dev in lo vtup vttun; do
	ip -n "$ns" link set "$dev" up || exit 1
done

KSBPF_VT_CGROUP=$cgname nsenter --net="/run/netns/$ns" "$bin"
