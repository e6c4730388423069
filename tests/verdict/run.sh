#!/bin/sh
# Runs the BPF verdict tests (build/tests/verdict_test) in a network
# namespace of their own, which holds the two interfaces the tests name:
# vtup (an uplink) and vttun (plays the tunnel). Nothing is attached
# anywhere; the programs only go through BPF_PROG_TEST_RUN.
# Usage (root, from anywhere): sh tests/verdict/run.sh
# VERDICT_TEST=path runs another build of the test binary.
# Exit status: the test's.
cd "$(dirname "$0")/../.." || exit 1
exec sh tests/lib/test-netns.sh verdict "${VERDICT_TEST:-build/tests/verdict_test}" \
	vtup vttun
