#!/bin/sh
# Runs ksbpf's test suites: unit (cmocka, pure logic), hooks (the VPN
# clients' hook scripts against a fake ksbpf), sanitized (the unit tests
# under ASan/UBSan), fuzz (libFuzzer, FUZZ_SECONDS per target), verdict (BPF
# programs on the real kernel with BPF_PROG_TEST_RUN), differential (the same
# programs against a model of docs/policy.md on random frames) and e2e
# (network namespaces with a real WireGuard tunnel), and kernels: the kernel
# matrix (tests/kernels/run.sh: Debian's 6.1 and 6.12 under qemu, and the host).
# Usage: tests/run-all.sh [unit|hooks|sanitized|fuzz|verdict|differential|e2e|kernels|adversarial|bench]...
# (adversarial: tests/adversarial/run.sh, every known way to leak, with a table)
# Needs root for verdict, differential and e2e. Ends with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
suites=${*:-unit hooks sanitized fuzz verdict differential e2e kernels adversarial bench}
passed=0
failed=0
failures=""

run() {	# name command...
	name=$1
	shift
	echo "=== $name"
	t0=$(date +%s)
	if "$@"; then
		passed=$((passed + 1))
		echo "--- PASS $name ($(($(date +%s) - t0))s)"
	else
		failed=$((failed + 1))
		failures="$failures $name"
		echo "--- FAIL $name ($(($(date +%s) - t0))s)"
	fi
}

# Whether this run has the suite too.
running() { case " $suites " in *" $1 "*) return 0 ;; esac; return 1; }

for suite in $suites; do
	case $suite in
	unit)
		for t in build/tests/test_*; do
			run "unit/$(basename "$t")" "$t"
		done ;;
	hooks)	# wg-quick, NetworkManager and OpenVPN hooks: the exact ksbpf calls
		run hooks/run sh tests/hooks/run.sh ;;
	sanitized)	# the unit tests again, under ASan and UBSan
		for t in build/asan/test_*; do
			run "sanitized/$(basename "$t")" "$t"
		done ;;
	fuzz)
		run fuzz/libfuzzer env FUZZ_SECONDS="${FUZZ_SECONDS:-10}" sh tests/fuzz/run.sh ;;
	verdict)
		run verdict/verdict_test sh tests/verdict/run.sh ;;
	bench)	# a smoke run: the benchmarks still execute (figures: make bench)
		run bench/quick make --no-print-directory bench-quick ;;
	differential)	# default count, a new seed each time (printed)
		run differential/diff_test sh tests/differential/run.sh ;;
	e2e)
		for t in tests/e2e/test_*.sh; do
			run "e2e/$(basename "$t" .sh)" bash "$t"
		done ;;
	kernels)	# one row per kernel; a kernel that cannot be fetched is a SKIP row.
		# The host row leaves to the verdict and e2e suites what they run
		# on this kernel anyway.
		host_parts=""
		running verdict && running e2e && host_parts="smoke check"
		run kernels/matrix env KSBPF_KERNELS_HOST_PARTS="$host_parts" \
			bash tests/kernels/run.sh ;;
	adversarial)
		run adversarial/run bash tests/adversarial/run.sh ;;
	*)
		echo "run-all: unknown suite '$suite'" >&2
		exit 2 ;;
	esac
done

[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
