#!/bin/sh
# Runs every fuzz target for FUZZ_SECONDS (default 60) each, from its corpus
# in tests/fuzz/corpus/TARGET (new inputs found go to build/fuzz/new/TARGET,
# so the checked-in corpus only changes on purpose). Exit status: non-zero
# if a target crashed; the crashing input is left in build/fuzz/.
set -u
cd "$(dirname "$0")/../.."
seconds=${FUZZ_SECONDS:-60}
failed=0
for target in parse config netlink; do
	mkdir -p "build/fuzz/new/$target"
	echo "fuzz_$target: ${seconds}s"
	if ! "build/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=4096 \
		-artifact_prefix="build/fuzz/crash-$target-" -print_final_stats=1 \
		"build/fuzz/new/$target" "tests/fuzz/corpus/$target" \
		>"build/fuzz/$target.log" 2>&1; then
		echo "fuzz_$target: CRASH — see build/fuzz/$target.log"
		tail -30 "build/fuzz/$target.log"
		failed=1
	else
		grep -E "stat::number_of_executed_units|cov:" "build/fuzz/$target.log" | tail -2
	fi
done
exit $failed
