#!/bin/bash
# shellcheck disable=SC2153  # CG, BPFFS are set by bench_cgroup/bench_bpffs
# tests/bench/loadmem.sh — `ksbpf load` time and memory.
#
#   load time   `ksbpf load` wall time (the process, run in the namespace):
#               cold (nothing pinned: after `unload`), adopting its own
#               pinned state (the usual reload), and adopting a state holding
#               100,000 run-time LAN entries.
#   memory      bytes_memlock of every pinned map (bpftool; since Linux 6.6
#               it is the map's real memory use) and of the programs, with
#               the default allowlist (10 LAN entries) and with 100,000 LAN
#               entries; the agent's (`ksbpf run`) VmRSS and VmHWM in both.
#   syscall     ns per getppid() without and with ksbpf loaded, alternately
#               (the 32-bit setsockopt guard runs at every system call).
# Writes one JSON object to --out.
# Usage: loadmem.sh --out FILE [--runs N] [--entries 100000]
set -eu
# shellcheck source=tests/bench/lib.sh disable=SC2154  # (lib.sh sets variables by name)
source "$(dirname "$0")/lib.sh"

OUT=""
RUNS=20
BIG=100000
while [ $# -gt 0 ]; do
	case $1 in
	--out) OUT=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--entries) BIG=$2; shift 2 ;;
	*) bench_die "loadmem: unknown option $1" ;;
	esac
done
[ -n "$OUT" ] || bench_die "loadmem: --out FILE"
bench_have bpftool || bench_die "loadmem: bpftool missing"

NS=ksbench-lm-$BENCH_ID
NS_S=ksbench-lms-$BENCH_ID
TUN=kswgl$BENCH_ID
WORK=$(mktemp -d "/tmp/ksbench-lm-$BENCH_ID.XXXXXX")
bench_defer "rm -rf '$WORK'"
bench_netns "$NS"
bench_netns "$NS_S"
bench_cgroup "ksbench-lm-$BENCH_ID" CG
bench_bpffs "ksbench-lm-$BENCH_ID" BPFFS
bench_defer_unload "$NS" "$CG" "$BPFFS"
ip -n "$NS" link add up0 type veth peer name sv0 netns "$NS_S"
ip -n "$NS" link set up0 up
ip -n "$NS_S" link set sv0 up

LOAD_ARGS=(--tunnel "$TUN" --endpoint 192.0.2.1:51820/udp --allow-lan)
ks() { bench_ks "$NS" "$CG" "$BPFFS" "$@"; }

# time_load FILE: one `ksbpf load`, its wall time in ms appended to FILE.
time_load() {
	local t0 t1
	t0=$EPOCHREALTIME
	ks load "${LOAD_ARGS[@]}" >"$WORK/load.out" 2>&1 ||
		bench_die "loadmem: ksbpf load: $(cat "$WORK/load.out")"
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", (b - a) * 1000 }' >>"$1"
}

# The cost of entering the namespace alone, to subtract nothing but to show.
t0=$EPOCHREALTIME
nsenter --net="/run/netns/$NS" true
t1=$EPOCHREALTIME
NSENTER_MS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) * 1000 }')

: >"$WORK/cold.ms"
: >"$WORK/adopt.ms"
: >"$WORK/adopt_big.ms"
# The system call cost, without and with ksbpf (its sys_enter guard runs at
# every system call of the host), measured alternately in the same loop.
: >"$WORK/syscall_off.ns"
: >"$WORK/syscall_on.ns"
SYSCALLS=$((RUNS < 5 ? 200000 : 1000000))
for ((i = 0; i < RUNS; i++)); do
	ks unload >/dev/null 2>&1 || bench_die "loadmem: ksbpf unload"
	"$BENCH_BIN/syscost" "$SYSCALLS" >>"$WORK/syscall_off.ns"
	time_load "$WORK/cold.ms"
	time_load "$WORK/adopt.ms"
	"$BENCH_BIN/syscost" "$SYSCALLS" >>"$WORK/syscall_on.ns"
done

# Memory, default allowlist.
map_mem() {	# -> "name bytes" lines, maps then programs
	local f
	for f in "$BPFFS"/*; do
		case $(basename "$f") in
		link_*) ;;
		prog_*) bpftool -j prog show pinned "$f" 2>/dev/null |
			"$PY" -c 'import json,sys; d=json.load(sys.stdin); print("prog:%s %d" % (sys.argv[1], d.get("bytes_memlock", 0)))' "$(basename "$f")" ;;
		*) bpftool -j map show pinned "$f" 2>/dev/null |
			"$PY" -c 'import json,sys; d=json.load(sys.stdin); print("map:%s %d %s" % (sys.argv[1], d.get("bytes_memlock", 0), d.get("max_entries", 0)))' "$(basename "$f")" ;;
		esac
	done
}

# agent_rss FILE: start `ksbpf run`, wait until it has loaded, VmRSS/VmHWM.
agent_rss() {
	local pid n
	# The guard first: ksbpf only with this bench's namespace, cgroup, bpffs.
	ks status >/dev/null 2>&1 || [ $? != 99 ] || bench_die "loadmem: refusing to run ksbpf here"
	nsenter --net="/run/netns/$NS" "$KSBPF" run "${LOAD_ARGS[@]}" --bpffs "$BPFFS" \
		--cgroup "$CG" --config /dev/null >"$WORK/agent.out" 2>&1 &
	pid=$!
	bench_defer "bench_kill $pid"
	# Ready: it says it is in sync (after its full dump), or, whatever it
	# says, the kill switch is loaded and the agent has been up for 2 s.
	for ((n = 0; n < 300; n++)); do
		kill -0 "$pid" 2>/dev/null ||
			bench_die "loadmem: the agent exited: $(cat "$WORK/agent.out")"
		grep -qE "in sync" "$WORK/agent.out" 2>/dev/null && break
		[ "$n" -ge 20 ] && ks status >/dev/null 2>&1 && break
		sleep 0.1
	done
	[ "$n" -lt 300 ] || bench_die "loadmem: the agent did not start: $(cat "$WORK/agent.out")"
	sleep 1
	awk '/^VmRSS|^VmHWM/ { print $1, $2 }' "/proc/$pid/status" >"$1"
	bench_kill "$pid"
}

ks unload >/dev/null 2>&1
ks load "${LOAD_ARGS[@]}" >/dev/null 2>&1 || bench_die "loadmem: ksbpf load"
map_mem >"$WORK/mem_small.txt"
agent_rss "$WORK/rss_small.txt"

bench_cidrs "$BIG" "$WORK/big.txt"
t0=$EPOCHREALTIME
"$BENCH_BIN/lanfill" "$BPFFS/ksbpf_lan4" "$WORK/big.txt" >/dev/null || bench_die "loadmem: lanfill"
t1=$EPOCHREALTIME
FILL_MS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')
map_mem >"$WORK/mem_big.txt"
BIG_RUNS=$((RUNS < 5 ? RUNS : 5))
for ((i = 0; i < BIG_RUNS; i++)); do
	time_load "$WORK/adopt_big.ms"
done
n_lan=$(bpftool -j map dump pinned "$BPFFS/ksbpf_lan4" 2>/dev/null | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
agent_rss "$WORK/rss_big.txt"

"$PY" - "$WORK" "$OUT" "$BIG" "$NSENTER_MS" "$FILL_MS" "$n_lan" <<'PY'
import json, statistics, sys
work, out, big, nsenter_ms, fill_ms, n_lan = sys.argv[1:7]

def times(name):
    v = sorted(float(x) for x in open(f"{work}/{name}.ms").read().split())
    if not v:
        return None
    pick = lambda q: v[min(len(v) - 1, int(len(v) * q))]
    return {"n": len(v), "p50_ms": statistics.median(v), "p90_ms": pick(0.9),
            "min_ms": v[0], "max_ms": v[-1]}

def mem(name):
    maps, progs = {}, {}
    for line in open(f"{work}/{name}.txt"):
        f = line.split()
        kind, label = f[0].split(":", 1)
        if kind == "map":
            maps[label] = {"bytes": int(f[1]), "max_entries": int(f[2])}
        else:
            progs[label] = int(f[1])
    return {"maps": maps, "maps_total_bytes": sum(m["bytes"] for m in maps.values()),
            "programs_total_bytes": sum(progs.values())}

def rss(name):
    d = {}
    for line in open(f"{work}/{name}.txt"):
        k, v = line.split()
        d[k.rstrip(":")] = int(v)
    return {"vm_rss_kb": d.get("VmRSS"), "vm_hwm_kb": d.get("VmHWM")}

res = {
    "load": {"cold": times("cold"), "adopt": times("adopt"),
             "adopt_%s_lan" % big: times("adopt_big"),
             "nsenter_ms": float(nsenter_ms)},
    "memory": {
        "10": dict(mem("mem_small"), agent=rss("rss_small"), lan_entries=10),
        big: dict(mem("mem_big"), agent=rss("rss_big"), lan_entries=int(n_lan)),
    },
    "lanfill_ms": float(fill_ms),
    "syscall_ns": {k: statistics.median(float(x) for x in open(f"{work}/syscall_{k}.ns").read().split())
                   for k in ("off", "on")},
}
json.dump(res, open(out, "w"), indent=1)
l = res["load"]
print("load: cold p50 %.1f ms (max %.1f), adopt p50 %.1f ms (max %.1f), adopt with %s LAN p50 %.1f ms (n=%d)"
      % (l["cold"]["p50_ms"], l["cold"]["max_ms"], l["adopt"]["p50_ms"], l["adopt"]["max_ms"],
         big, l["adopt_%s_lan" % big]["p50_ms"], l["adopt_%s_lan" % big]["n"]))
sc = res["syscall_ns"]
print("system call (getppid): %.1f ns without ksbpf, %.1f ns with it (+%.1f ns, the sys_enter guard)"
      % (sc["off"], sc["on"], sc["on"] - sc["off"]))
for k, m in res["memory"].items():
    print("memory: %6s LAN entries (%s in the trie): maps %.1f KiB, programs %.1f KiB, agent VmRSS %s kB (VmHWM %s kB)"
          % (k, m["lan_entries"], m["maps_total_bytes"] / 1024, m["programs_total_bytes"] / 1024,
             m["agent"]["vm_rss_kb"], m["agent"]["vm_hwm_kb"]))
PY
