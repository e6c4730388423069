#!/bin/sh
# Runs the BPF verdict tests (build/tests/verdict_test) in a network
# namespace of their own, which holds the two interfaces the tests name:
# vtup (an uplink) and vttun (plays the tunnel). Nothing is attached
# anywhere; the programs only go through BPF_PROG_TEST_RUN.
# Twice: with the variant this kernel selects, then with the fallback for
# kernels before 6.15 (sockets' namespaces recorded at creation), so that a
# new kernel tests both (an old one selects the fallback itself: once).
# Usage (root, from anywhere): sh tests/verdict/run.sh
# VERDICT_TEST=path runs another build of the test binary.
# Exit status: 0 if both runs pass.
cd "$(dirname "$0")/../.." || exit 1
bin=${VERDICT_TEST:-build/tests/verdict_test}
out=$(mktemp /tmp/ksbpf-verdict.XXXXXX) || exit 1
trap 'rm -f "$out"' EXIT
sh tests/lib/test-netns.sh verdict "$bin" vtup vttun >"$out" 2>&1
rc=$?
cat "$out"
[ "$rc" = 0 ] || exit "$rc"
if grep -q "^netns of sockets: recorded at creation" "$out"; then
	echo "verdict: this kernel selected the fallback itself: the second run would repeat the first"
	exit 0
fi
KSBPF_PRETEND_MISSING=skb-netns-cookie \
	sh tests/lib/test-netns.sh verdict "$bin" vtup vttun
