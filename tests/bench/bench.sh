#!/bin/bash
# tests/bench/bench.sh — every benchmark of docs/benchmarks.md, then one
# table (stdout) and the same figures as JSON.
#
#   bench.sh [--quick] [--out FILE]
#
# Parts (each also runs alone; see its header):
#   progcost   per-packet cost with BPF_PROG_TEST_RUN, scaling, profile
#   e2e.sh     packet rate, round trip, TCP: none / ksbpf / nft rules / nft sets
#   reaction.sh  the agent's reaction to tunnel up/down and delete/recreate
#   loadmem.sh `ksbpf load` time, map memory, agent RSS
# --quick is the smoke run (< 60 s): tiny counts, one round, every tool still
# executed. A part that fails makes the exit status 1 (the others still run);
# a missing optional tool (nftables, iperf3) is skipped with a message.
# Everything runs in namespaces, cgroups and bpffs directories of its own.
set -eu
# shellcheck source=tests/bench/lib.sh disable=SC2154  # (lib.sh sets variables by name)
source "$(dirname "$0")/lib.sh"

QUICK=0
OUT=$BENCH_ROOT/build/bench/results.json
while [ $# -gt 0 ]; do
	case $1 in
	--quick) QUICK=1; shift ;;
	--out) OUT=$2; shift 2 ;;
	*) bench_die "bench: unknown option $1" ;;
	esac
done
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac

if [ "$QUICK" = 1 ]; then
	PC_REPEAT=20000 PC_ROUNDS=1 PC_SIZES=10,1000,10000,100000
	E2E_SIZES="10" E2E_ROUNDS=1 E2E_SECS=0.3
	REACT_ROUNDS=20 RECREATE_ROUNDS=20
	LM_RUNS=1
else
	PC_REPEAT=1000000 PC_ROUNDS=5 PC_SIZES=10,1000,10000,100000
	E2E_SIZES="10 1000 10000" E2E_ROUNDS=10 E2E_SECS=0.7
	REACT_ROUNDS=1000 RECREATE_ROUNDS=1000
	LM_RUNS=20
fi

for t in "$KSBPF" "$BENCH_BIN/progcost" "$BENCH_BIN/udpflood" "$BENCH_BIN/lanfill" \
	"$BENCH_BIN/reaction" "$BENCH_BIN/empty.bpf.o" "$BENCH_BIN/prims.bpf.o"; do
	[ -e "$t" ] || bench_die "bench: $t missing (make bench builds it)"
done
for t in ip nsenter bpftool "$PY"; do
	bench_have "$t" || bench_die "bench: $t missing"
done

WORK=$(mktemp -d "/tmp/ksbench-$BENCH_ID.XXXXXX")
bench_defer "rm -rf '$WORK'"
: >"$WORK/failures.txt"
: >"$WORK/skipped.txt"
T0=$(date +%s)

commit=$(git -C "$BENCH_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$BENCH_ROOT" diff --quiet HEAD 2>/dev/null || commit="$commit (+ uncommitted changes)"
"$PY" - "$WORK/machine.json" "$commit" <<'PY'
import json, os, platform, sys, time
cpu = "unknown"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
try:
    cs = open("/sys/devices/system/clocksource/clocksource0/current_clocksource").read().strip()
except OSError:
    cs = "unknown"
json.dump({"nproc": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
           "clocksource": cs, "commit": sys.argv[2],
           "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}, open(sys.argv[1], "w"))
PY
"$PY" -c 'import json,sys; json.dump({"quick": sys.argv[1] == "1", "testrun_repeat": int(sys.argv[2]),
	"testrun_rounds": int(sys.argv[3]), "testrun_sizes": sys.argv[4], "e2e_sizes": sys.argv[5],
	"e2e_rounds": int(sys.argv[6]), "e2e_seconds": float(sys.argv[7]),
	"reaction_rounds": int(sys.argv[8]), "recreate_rounds": int(sys.argv[9]),
	"load_runs": int(sys.argv[10])}, open(sys.argv[11], "w"))' \
	"$QUICK" "$PC_REPEAT" "$PC_ROUNDS" "$PC_SIZES" "$E2E_SIZES" "$E2E_ROUNDS" "$E2E_SECS" \
	"$REACT_ROUNDS" "$RECREATE_ROUNDS" "$LM_RUNS" "$WORK/params.json"

# part NAME COMMAND...: runs a part, its output to the terminal and to
# WORK/NAME.log; a failure is recorded and the next part runs.
part() {
	local name=$1 rc
	shift
	echo
	echo "--- $name ($(($(date +%s) - T0)) s)"
	set +e
	"$@" 2>&1 | tee "$WORK/$name.log"
	rc=${PIPESTATUS[0]}
	set -e
	[ "$rc" = 0 ] || echo "$name (exit $rc): see its output above" >>"$WORK/failures.txt"
	grep -h "SKIPPED" "$WORK/$name.log" >>"$WORK/skipped.txt" || true
}

# 1-2. BPF_PROG_TEST_RUN: a namespace with an uplink and a tunnel interface
# (test runs resolve ifindexes there) and a cgroup to move between, made
# here (not in the pipeline's subshell) so that the cleanup is registered.
PC_NS=ksbench-pc-$BENCH_ID
bench_netns "$PC_NS"
bench_cgroup "ksbench-pc-$BENCH_ID" PC_CG
ip -n "$PC_NS" link add bu0 type veth peer name bt0
ip -n "$PC_NS" link set bu0 up
ip -n "$PC_NS" link set bt0 up
part progcost nsenter --net="/run/netns/$PC_NS" "$BENCH_BIN/progcost" \
	--empty "$BENCH_BIN/empty.bpf.o" --prims "$BENCH_BIN/prims.bpf.o" \
	--uplink bu0 --tunnel bt0 --cgroup "$PC_CG" --repeat "$PC_REPEAT" \
	--rounds "$PC_ROUNDS" --sizes "$PC_SIZES" --json "$WORK/progcost.json"
part e2e bash "$BENCH_ROOT/tests/bench/e2e.sh" --out "$WORK/e2e.jsonl" \
	--sizes "$E2E_SIZES" --rounds "$E2E_ROUNDS" --seconds "$E2E_SECS"
part reaction bash "$BENCH_ROOT/tests/bench/reaction.sh" "$REACT_ROUNDS" "$RECREATE_ROUNDS"
cp "$WORK/reaction.log" "$WORK/reaction.txt" 2>/dev/null || true
part loadmem bash "$BENCH_ROOT/tests/bench/loadmem.sh" --out "$WORK/loadmem.json" \
	--runs "$LM_RUNS"

echo
echo "--- all parts done in $(($(date +%s) - T0)) s"
"$PY" "$BENCH_ROOT/tests/bench/report.py" "$WORK" "$OUT" ||
	echo "report.py failed" >>"$WORK/failures.txt"
if [ -s "$WORK/failures.txt" ]; then
	echo "bench: FAILED:" >&2
	sed 's/^/  /' "$WORK/failures.txt" >&2
	exit 1
fi
exit 0
