#!/bin/bash
# tests/kernels/run.sh — the kernel matrix: ksbpf check, the verdict tests
# and the enforcement e2e tests (tests/kernels/guest.sh) on the host's kernel and on
# Debian's stock kernels booted under qemu: 6.1 (Debian 12) and 6.12
# (Debian 13). Ends with one row per kernel.
#
# Usage (root): tests/kernels/run.sh [host|6.1|6.12]...   (default: all three)
# Builds nothing: run `make all` first (guest.sh needs build/ksbpf and
# build/tests/verdict_test; the VMs run the host's build through a read-only
# 9p share of /). Fetches the kernels (tests/kernels/fetch.sh, cached in
# $KSBPF_KERNEL_CACHE, default /var/cache/ksbpf-kernels).
#
# The host row runs guest.sh on the host kernel too (~60 s) instead of
# borrowing the results of run-all's verdict and e2e suites: the same script
# on the same build at the same moment makes the rows comparable, and this
# script then stands alone.
#
# KSBPF_KERNELS_HOST_PARTS  the guest.sh parts of the host row (default all;
#                         tests/run-all.sh, whose own verdict and e2e suites
#                         run the same tests on this kernel, asks for
#                         "smoke check")
# KSBPF_KERNELS_TIMEOUT   seconds per VM, boot included (default 600)
# KSBPF_KERNELS_REQUIRE=1 a kernel that could not be fetched fails the run
#                         (default: a loud SKIP row, not a failure)
# KSBPF_KERNELS_LOGDIR    keep every row's output and console log there
#
# Exit status: 0 when every kernel that ran passed smoke, check, verdict and e2e.
set -u
cd "$(dirname "$0")/../.." || exit 1
HERE=tests/kernels
rows=${*:-host 6.1 6.12}
timeout_s=${KSBPF_KERNELS_TIMEOUT:-600}

LOGDIR=${KSBPF_KERNELS_LOGDIR:-}
TMPD=$(mktemp -d /tmp/ksbpf-kernels.XXXXXX) || exit 1
[ -n "$LOGDIR" ] || LOGDIR=$TMPD
mkdir -p "$LOGDIR" || exit 1
CHILD=""
TAILP=""
# shellcheck disable=SC2317  # (called from the trap)
cleanup() {
	# boot.sh's own trap stops its qemu
	[ -n "$CHILD" ] && kill "$CHILD" 2>/dev/null && wait "$CHILD" 2>/dev/null
	[ -n "$TAILP" ] && kill "$TAILP" 2>/dev/null
	rm -rf "$TMPD"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

TABLE=$TMPD/table	# one line per row, the columns of the final table
failed=0

# stream LABEL LOG COMMAND...: run COMMAND into LOG, showing its lines
# prefixed with [LABEL] as they come; returns the command's status.
stream() {
	local label=$1 log=$2 rc
	shift 2
	"$@" >"$log" 2>&1 </dev/null &
	CHILD=$!
	tail -n +1 -f --pid="$CHILD" "$log" | sed -u "s/^/[$label] /" &
	TAILP=$!
	wait "$CHILD"
	rc=$?
	CHILD=""
	wait "$TAILP" 2>/dev/null
	TAILP=""
	return $rc
}

# field LOG KEY: KEY's value in the guest-result line of LOG ("-" if none).
field() {
	local v
	v=$(grep '^guest-result ' "$1" | tail -1 | tr ' ' '\n' | sed -n "s/^$2=//p")
	echo "${v:--}"
}

# add_row KERNEL WHERE LOG STATUS TOTAL_S: one table row from guest.sh's
# result line; STATUS stands for the results the guest never reported
# (TIMEOUT, BOOT-FAIL...). boot_s: the VM's wall time the parts did not use.
add_row() {
	local name=$1 where=$2 log=$3 status=$4 total=$5 s c v e ss cs vs es boot=-
	s=$(field "$log" smoke) c=$(field "$log" check) v=$(field "$log" verdict)
	e=$(field "$log" e2e)
	ss=$(field "$log" smoke_s) cs=$(field "$log" check_s) vs=$(field "$log" verdict_s)
	es=$(field "$log" e2e_s)
	if [ "$s$c$v$e" = "----" ]; then s=$status c=$status v=$status e=$status; fi
	if [ "$where" = qemu ] && [ "$ss$cs$vs$es" != "----" ]; then
		boot=$((total - ${ss/-/0} - ${cs/-/0} - ${vs/-/0} - ${es/-/0}))
	fi
	echo "$name $where $s $c $v $e $boot $total" >>"$TABLE"
}

row_host() {
	local log=$LOGDIR/host.log t0 rc
	echo "=== kernels: host kernel $(uname -r)"
	t0=$(date +%s)
	# shellcheck disable=SC2086  # (a list of parts)
	stream host "$log" bash "$HERE/guest.sh" ${KSBPF_KERNELS_HOST_PARTS:-}
	rc=$?
	add_row "$(uname -r)" host "$log" "FAIL($rc)" $(($(date +%s) - t0))
	[ "$rc" = 0 ] || failed=1
}

# row_vm LABEL DIR: boot the kernel in DIR and run guest.sh there.
row_vm() {
	local label=$1 dir=$2 log=$LOGDIR/$1.log t0 rc status ver
	ver=$(sed -n 's/^release=//p' "$dir/.ksbpf-complete" 2>/dev/null)
	echo "=== kernels: $label, ${ver:-$dir} under qemu (TCG)"
	t0=$(date +%s)
	stream "$label" "$log" sh "$HERE/boot.sh" -t "$timeout_s" \
		-l "$LOGDIR/$label.console.log" "$dir" -- bash "$HERE/guest.sh"
	rc=$?
	case $rc in
	0) status=PASS ;;
	124) status=TIMEOUT ;;
	125) status=BOOT-FAIL ;;
	*) status="FAIL($rc)" ;;
	esac
	add_row "${ver:-$label}" qemu "$log" "$status" $(($(date +%s) - t0))
	[ "$rc" = 0 ] || failed=1
}

if [ "$(id -u)" != 0 ]; then
	echo "kernels: needs root" >&2
	exit 1
fi
for f in build/ksbpf build/tests/verdict_test; do
	[ -x "$f" ] || { echo "kernels: $f missing: run make all first" >&2; exit 1; }
done

t_start=$(date +%s)
labels=""
for r in $rows; do
	case $r in
	host) ;;
	6.1 | 6.12) labels="$labels $r" ;;
	*) echo "kernels: unknown kernel '$r' (host, 6.1, 6.12)" >&2; exit 2 ;;
	esac
done
for r in $rows; do
	[ "$r" = host ] && row_host
done
if [ -n "$labels" ]; then
	echo "=== kernels: fetching$labels"
	t0=$(date +%s)
	# shellcheck disable=SC2086
	sh "$HERE/fetch.sh" $labels >"$TMPD/fetched"
	echo "=== kernels: fetch took $(($(date +%s) - t0))s"
	while read -r kind label rest; do
		case $kind in
		kernel) row_vm "$label" "$rest" ;;
		SKIP)	label=${rest%%:*}	# "SKIP kernel 6.12: reason"
			echo "SKIP kernel $label: ${rest#*: }"
			echo "$label - SKIP SKIP SKIP SKIP - -" >>"$TABLE"
			[ "${KSBPF_KERNELS_REQUIRE:-0}" = 1 ] && failed=1 ;;
		esac
	done <"$TMPD/fetched"
fi

echo
echo "=== kernel matrix (seconds; boot_s: VM wall time outside the parts)"
{
	echo "kernel on smoke check verdict e2e boot_s total_s"
	cat "$TABLE" 2>/dev/null
} | awk '{ for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) }
	   if (NF > nf) nf = NF }
	END { for (r = 1; r <= NR; r++) { line = ""
		for (i = 1; i <= nf; i++) line = line sprintf(i < nf ? "%-" w[i] "s  " : "%s", c[r, i])
		print line } }'
grep ' SKIP ' "$TABLE" 2>/dev/null | while read -r label _; do
	echo "SKIP kernel $label: not fetched (see above)"
done
echo "kernels: $(($(date +%s) - t_start))s in all"
[ "$failed" = 0 ]
