# shellcheck shell=bash
# shellcheck disable=SC2034,SC2016
# (SC2034: variables for the scripts that source this; SC2016: $$ and $@ are
# meant for the inner shell.)
# tests/bench/lib.sh — what the benchmark scripts share: names, a cleanup
# stack run on every exit (also on failure and on signals), and the safety
# rules of tests/lib/lab.sh: ksbpf only ever runs inside a network namespace
# the script created, with --cgroup at a cgroup it created and --bpffs at a
# pin directory of its own, and --config /dev/null.
#
#   source tests/bench/lib.sh       (sets the EXIT/INT/TERM traps)
#   bench_defer 'command'           run at exit, last deferred first
#   bench_netns NAME                 a namespace, deleted at exit
#   bench_cgroup NAME VAR            VAR=$CG2/NAME, emptied and removed at exit
#   bench_bpffs NAME VAR             VAR=/sys/fs/bpf/NAME, removed at exit
# (not in $(...): the cleanup must be registered in this shell)
#   bench_ks NS CG BPFFS ARGS...     build/ksbpf ARGS in NS with the safety options
#   bench_in_cg NS CG CMD...         CMD in NS, inside cgroup CG

BENCH_ROOT=${BENCH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
KSBPF=${KSBPF:-$BENCH_ROOT/build/ksbpf}
BENCH_BIN=${BENCH_BIN:-$BENCH_ROOT/build/bench}
BENCH_ID=${BENCH_ID:-$$}
PY=/usr/bin/python3

_bench_deferred=()

bench_log() { echo "[bench] $*" >&2; }
bench_die() { echo "bench: $*" >&2; exit 1; }

bench_defer() { _bench_deferred+=("$1"); }

bench_cleanup() {
	local rc=$? i
	trap - EXIT INT TERM
	set +e
	[ -n "${BENCH_SIGNAL:-}" ] && rc=$BENCH_SIGNAL
	for ((i = ${#_bench_deferred[@]} - 1; i >= 0; i--)); do
		eval "${_bench_deferred[i]}" >/dev/null 2>&1
	done
	exit "$rc"
}
trap bench_cleanup EXIT
trap 'BENCH_SIGNAL=130 bench_cleanup' INT
trap 'BENCH_SIGNAL=143 bench_cleanup' TERM

[ "$(id -u)" = 0 ] || bench_die "must run as root"

CG2=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") {
	if ($(i + 1) == "cgroup2") { print $5; exit }
	break } }' /proc/self/mountinfo)
[ -n "$CG2" ] || bench_die "no cgroup v2 mount in /proc/self/mountinfo"

# bench_have TOOL; BENCH_WITHOUT="nft iperf3" pretends tools are missing
# (to check what a machine without them runs).
bench_have() {
	case " ${BENCH_WITHOUT:-} " in *" $1 "*) return 1 ;; esac
	command -v "$1" >/dev/null 2>&1
}

# Kill a process we started, by its id, and reap it.
bench_kill() {
	[ -n "${1:-}" ] || return 0
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

bench_netns() {
	ip netns add "$1" || bench_die "ip netns add $1"
	# Processes left in it are ours: the namespace is.
	bench_defer "for p in \$(ip netns pids '$1' 2>/dev/null); do kill -9 \$p; done; ip netns del '$1'"
	ip -n "$1" link set lo up
}

bench_cgroup() {
	local dir=$CG2/$1
	[ "$dir" != "$CG2" ] || bench_die "refusing the cgroup v2 root"
	mkdir "$dir" || bench_die "mkdir $dir"
	bench_defer "_bench_rm_cgroup '$dir'"
	printf -v "$2" '%s' "$dir"
}

_bench_rm_cgroup() {
	local dir=$1
	[ -d "$dir" ] || return 0
	if [ -e "$dir/cgroup.kill" ]; then
		echo 1 >"$dir/cgroup.kill"
	else
		find "$dir" -name cgroup.procs -exec cat {} + | while read -r p; do kill -9 "$p"; done
	fi
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
		[ -d "$dir" ] || return 0
		sleep 0.2
	done
	echo "bench: could not remove $dir" >&2
}

bench_bpffs() {
	local dir=/sys/fs/bpf/$1
	if ! awk '$5 == "/sys/fs/bpf" && / - bpf / { f = 1 } END { exit !f }' /proc/self/mountinfo; then
		mount -t bpf bpf /sys/fs/bpf || bench_die "cannot mount bpffs"
	fi
	[ ! -e "$dir" ] || bench_die "$dir exists already"
	bench_defer "rm -rf '$dir'"
	printf -v "$2" '%s' "$dir"
}

# bench_ks NS CG BPFFS SUBCOMMAND ARGS...
bench_ks() {
	local ns=$1 cg=$2 bpffs=$3
	shift 3
	if [ ! -e "/run/netns/$ns" ] || [ -z "$cg" ] || [ "$cg" = "$CG2" ] ||
		[ ! -d "$cg" ] || [ -z "$bpffs" ] || [ "$bpffs" = /sys/fs/bpf ] ||
		[ "$bpffs" = /sys/fs/bpf/ksbpf ]; then
		echo "bench: refusing to run ksbpf outside the bench's own namespace, cgroup and bpffs" >&2
		return 99
	fi
	nsenter --net="/run/netns/$ns" "$KSBPF" "$@" --bpffs "$bpffs" --cgroup "$cg" \
		--config /dev/null
}

# Defer `ksbpf unload` of that instance (before the namespace goes).
bench_defer_unload() {
	bench_defer "bench_ks '$1' '$2' '$3' unload"
}

bench_in_cg() {
	local ns=$1 cg=$2
	shift 2
	nsenter --net="/run/netns/$ns" /bin/sh -c \
		'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}

# CIDR lists. bench_cidrs N FILE: N IPv4 CIDRs; up to 32,768 they are /30s
# in 198.18.0.0/15 (RFC 2544's benchmarking range) and the last one is
# 198.19.255.0/24, the end-to-end lab's own subnet, so that the lab's
# traffic matches the last entry (the deepest rule of a linear rule set);
# above that, /32s in 100.64.0.0/10 (never routed anywhere here).
bench_cidrs() {
	awk -v n="$1" 'BEGIN {
		if (n <= 32768) {
			for (i = 0; i < n - 1; i++) {
				a = 198 * 16777216 + 18 * 65536 + i * 4
				printf "%d.%d.%d.%d/30\n", int(a / 16777216), int(a / 65536) % 256,
					int(a / 256) % 256, a % 256
			}
			print "198.19.255.0/24"
		} else {
			for (i = 0; i < n; i++) {
				a = 100 * 16777216 + 64 * 65536 + i
				printf "%d.%d.%d.%d/32\n", int(a / 16777216), int(a / 65536) % 256,
					int(a / 256) % 256, a % 256
			}
		}
	}' >"$2"
}

# Percentiles of a list of numbers (one per line on stdin): "p50 p99 max".
bench_pcts() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (!NR) { print "0 0 0"; exit }
		i50 = int(NR * 0.50) + 1; if (i50 > NR) i50 = NR
		i99 = int(NR * 0.99) + 1; if (i99 > NR) i99 = NR
		print v[i50], v[i99], v[NR] }'
}
