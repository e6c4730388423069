#!/bin/bash
# tests/adversarial/run.sh — `make test-adversarial`: every known way to leak
# past the kill switch, tried in throwaway namespace labs (tests/lib/lab.sh),
# counting what reaches the far end of the uplink wire.
#
# Runs tests/adversarial/scenarios/*.sh in order (or those whose name
# contains one of the arguments), each with a time limit, collects the
# "RESULT name attempted leaked result note" lines they print, and ends with
# a table. Exit status: 0 when every row is ok / limit / skip, 1 when a row
# leaked or failed, or a scenario script failed or printed no row.
#   limit: a documented limit that leaks (the note says which); not a pass.
#   skip:  not implemented or not possible here (the note says why).
# Environment: ADV_VERBOSE=1 prints every scenario's log (else only the logs
# of failed ones); ADV_TIMEOUT seconds per scenario (default 150);
# ADV_KEEP=1 keeps the logs directory.
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$(pwd)
[ "$(id -u)" = 0 ] || { echo "adversarial: must run as root" >&2; exit 2; }
[ -x "$ROOT/build/ksbpf" ] || { echo "adversarial: build/ksbpf missing (make)" >&2; exit 2; }

T0=$(date +%s)
OUT=$(mktemp -d /tmp/ksbpf-adv.XXXXXX) || exit 2
cleanup() { [ -n "${ADV_KEEP:-}" ] || rm -rf "$OUT"; }
trap cleanup EXIT
CHILD=""
# Interrupted: the running scenario cleans up its lab (its trap), then exit.
interrupted() {
	echo "adversarial: interrupted" >&2
	if [ -n "$CHILD" ]; then
		kill -TERM "$CHILD" 2>/dev/null
		wait "$CHILD" 2>/dev/null
	fi
	exit 130
}
trap interrupted INT TERM

# The crafted-frame / AF_XDP / stream sender, built once for all scenarios.
export KSADV=$OUT/ksadv
if ! cc -O2 -std=gnu11 -Wall -Wextra -Werror -o "$KSADV" tests/adversarial/ksadv.c; then
	echo "adversarial: cannot build tests/adversarial/ksadv.c" >&2
	exit 1
fi

scripts=()
for s in tests/adversarial/scenarios/*.sh; do
	if [ $# -gt 0 ]; then
		want=0
		for a in "$@"; do case $(basename "$s") in *"$a"*) want=1 ;; esac; done
		[ "$want" = 1 ] || continue
	fi
	scripts+=("$s")
done
[ ${#scripts[@]} -gt 0 ] || { echo "adversarial: no scenario matches: $*" >&2; exit 2; }

: >"$OUT/results"
bad_scripts=""
for s in "${scripts[@]}"; do
	name=$(basename "$s" .sh)
	log=$OUT/$name.log
	t=$(date +%s)
	echo "=== $name"
	# in the background, so that a signal to this script is handled at once
	timeout --signal=TERM --kill-after=20 "${ADV_TIMEOUT:-150}" bash "$s" >"$log" 2>&1 &
	CHILD=$!
	wait "$CHILD"
	rc=$?
	CHILD=""
	grep '^RESULT ' "$log" | tee -a "$OUT/results" | sed 's/^RESULT /    /'
	n=$(grep -c '^RESULT ' "$log")
	echo "--- $name: exit $rc, $n rows, $(($(date +%s) - t))s"
	if [ "$rc" != 0 ] || [ "$n" = 0 ] || [ -n "${ADV_VERBOSE:-}" ]; then
		[ "$rc" != 0 ] || [ "$n" = 0 ] && bad_scripts="$bad_scripts $name"
		if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
			echo "    (timed out after ${ADV_TIMEOUT:-150}s)"
		fi
		sed 's/^/    | /' "$log"
	fi
	if [ "$n" = 0 ]; then
		echo "RESULT $name - - fail script exited $rc without a result row" >>"$OUT/results"
	elif [ "$rc" != 0 ] && ! grep -q '^RESULT [^ ]* [^ ]* [^ ]* fail' "$log"; then
		echo "RESULT $name - - fail script exited $rc (a check failed: see its log)" >>"$OUT/results"
	fi
done

# The table. A row "ok" with leaked != 0 would be a bug of the suite itself:
# counted as a failure all the same.
echo
echo "ksbpf adversarial suite: packets counted on the far end of the uplink wire"
awk '
	function cell(s, w) { return sprintf("%-" w "s", s) }
	{
		n++; name[n] = $2; att[n] = $3; leak[n] = $4; res[n] = $5
		note[n] = ""
		for (i = 6; i <= NF; i++) note[n] = note[n] (i > 6 ? " " : "") $i
		if (res[n] == "ok" && leak[n] != "0" && leak[n] != "-") res[n] = "fail"
		if (length(name[n]) > w1) w1 = length(name[n])
	}
	END {
		if (w1 < 8) w1 = 8
		hdr = cell("scenario", w1) " | " cell("attempted", 9) " | " cell("leaked", 6) " | " cell("result", 6) " | note"
		print hdr
		line = ""; for (i = 0; i < length(hdr) + 30; i++) line = line "-"
		print line
		for (i = 1; i <= n; i++) {
			printf "%s | %9s | %6s | %-6s | %s\n", cell(name[i], w1), att[i], leak[i], toupper(res[i]) == "FAIL" ? "FAIL" : res[i], note[i]
			count[res[i]]++
		}
		print line
		printf "%d rows: %d ok, %d fail, %d limit (a known limit that leaks: see its note), %d skip\n", n, count["ok"], count["fail"], count["limit"], count["skip"]
	}' "$OUT/results"
echo "runtime: $(($(date +%s) - T0))s"

failed=$(awk '$5 == "fail" || ($5 == "ok" && $4 != "0" && $4 != "-")' "$OUT/results" | wc -l)
if [ "$failed" -gt 0 ] || [ -n "$bad_scripts" ]; then
	[ -n "$bad_scripts" ] && echo "scenario scripts that failed:$bad_scripts"
	if [ -z "${ADV_KEEP:-}" ]; then
		ADV_KEEP=1
		echo "logs kept in $OUT"
	fi
	exit 1
fi
exit 0
