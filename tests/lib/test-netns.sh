#!/bin/sh
# Runs a test binary that uses BPF_PROG_TEST_RUN in a network namespace of
# its own holding a veth pair (the interfaces the test names), with
# nsenter --net, which keeps the host's cgroup v2 mount (ip netns exec
# would hide it). The binary creates its cgroup tree under the name given
# in $KSBPF_TEST_CGROUP; it is removed here too, even if the test crashed.
# Nothing is attached anywhere.
#
# Usage (root): tests/lib/test-netns.sh NAME BINARY IF_A IF_B [ARGS...]
# Exit status: the test's.
set -u
name=$1 bin=$2 if_a=$3 if_b=$4
shift 4
ns=ksbpf-$name-$$
cgname=ksbpf-$name-$$

if [ "$(id -u)" -ne 0 ]; then
	echo "$name: needs root" >&2
	exit 1
fi
if [ ! -x "$bin" ]; then
	echo "$name: $bin missing: run make $bin" >&2
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
		[ -d "$mnt/$cgname" ] && echo "$name: could not remove $mnt/$cgname" >&2
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

ip netns add "$ns" || exit 1
ip -n "$ns" link add "$if_a" type veth peer name "$if_b" || exit 1
for dev in lo "$if_a" "$if_b"; do
	ip -n "$ns" link set "$dev" up || exit 1
done

KSBPF_TEST_CGROUP=$cgname nsenter --net="/run/netns/$ns" "$bin" "$@"
