#!/bin/sh
# Runs the differential test of the verdict (build/tests/diff_test) in a
# network namespace of its own, which holds the two interfaces the test
# uses as uplinks and tunnels: dfa and dfb (a veth pair). Nothing is
# attached anywhere; the programs only go through BPF_PROG_TEST_RUN.
# Usage (root, from anywhere): sh tests/differential/run.sh [diff_test options]
#   e.g. --count 5000000, or --seed S --index I to replay one frame.
# DIFF_TEST=path runs another build of the test binary.
# Exit status: the test's.
cd "$(dirname "$0")/../.." || exit 1
exec sh tests/lib/test-netns.sh differential "${DIFF_TEST:-build/tests/diff_test}" \
	dfa dfb "$@"
