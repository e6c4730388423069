#!/bin/bash
# The command line as bpftool and iproute2 users expect it, on build/ksbpf:
#  - -V/--version, -j/--json, -p/--pretty before or after the command; -j -V
#    and -p -V print JSON (-p indented);
#  - options before the command are the command's (--bpffs, --config);
#  - -h/--help on every command of `ksbpf --help` and on its sub-verbs, before
#    or after: that command's usage, exit 0, the text of `ksbpf help CMD`;
#  - bad usage exits 2 and says why.
# Touches nothing: every --bpffs is a directory that does not exist. No root
# needed, no network: a second or two.
set -u
cd "$(dirname "$0")/../.." || exit 1
KSBPF=build/ksbpf
[ -x "$KSBPF" ] || { echo "$KSBPF not built (make)" >&2; exit 1; }
dir=$(mktemp -d /tmp/ksbpf-cli.XXXXXX)
trap 'rm -rf "$dir"' EXIT
: >"$dir/ksbpf.conf"
none=$dir/not-there	# a --bpffs that holds nothing
# Before every command, in case one that should print help runs instead:
# nothing to find, and no cgroup to attach to.
safe=(--bpffs "$none" --cgroup "$dir/not-a-cgroup" --config "$dir/ksbpf.conf")
fails=0
pass() { echo "  ok    $*"; }
fail() { echo "  FAIL  $*"; fails=$((fails + 1)); }
# run_ks ARGS...: sets out (stdout), err (stderr), rc.
run_ks() {
	out=$("$KSBPF" "${safe[@]}" "$@" 2>"$dir/err")
	rc=$?
	err=$(cat "$dir/err")
}
# expect DESCRIPTION RC PATTERN ARGS...: exit RC and PATTERN (grep -E) in
# stdout + stderr.
expect() {
	local what=$1 want_rc=$2 pattern=$3
	shift 3
	run_ks "$@"
	if [ "$rc" = "$want_rc" ] && grep -qE -- "$pattern" <<<"$out$err"; then
		pass "$what: exit $rc"
	else
		fail "$what: exit $rc (want $want_rc), output: $out$err"
	fi
}
json_of() { python3 -c 'import json, sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))'; }

version=$("$KSBPF" "${safe[@]}" --version)
for args in "-V" "--version" "status -V" "-V status" "unload --version" "app list -V"; do
	# shellcheck disable=SC2086  # the words
	expect "ksbpf $args" 0 "^${version//[()]/.}\$" $args
done
run_ks -j -V
compact=$out
as_text=$(python3 -c 'import json, sys; v = json.load(sys.stdin)
print("ksbpf %s (build %s, libbpf %s)" % (v["version"], v["build"], v["libbpf"]))' <<<"$compact")
if [ "$as_text" = "$version" ]; then
	pass "-j -V: $compact"
else
	fail "-j -V: $compact (not $version)"
fi
run_ks status -p --version
if [ "$(wc -l <<<"$out")" -gt 1 ] && [ "$(json_of <<<"$out")" = "$(json_of <<<"$compact")" ]; then
	pass "status -p --version: the same JSON, indented"
else
	fail "status -p --version: $out"
fi
run_ks --pretty -V
if [ "$(wc -l <<<"$out")" -gt 1 ]; then pass "--pretty -V: indented"; else fail "--pretty -V: $out"; fi

# Options before the command.
expect "--bpffs DIR unload" 0 "nothing loaded at $none/x\$" --bpffs "$none/x" unload
expect "unload --bpffs DIR" 0 "nothing loaded at $none/x\$" unload --bpffs "$none/x"
expect "--config MISSING unload: the file must exist" 2 "$dir/missing" \
	--config "$dir/missing" --bpffs "$none" unload
expect "--bpffs=DIR -j events: not loaded" 3 "nothing loaded at $none/x" \
	--bpffs="$none/x" -j events

# -h on every command and sub-verb.
commands=$("$KSBPF" "${safe[@]}" --help | awk '/^Commands:/ { on = 1; next } on && !NF { exit }
	on { print $1 }' | tr '|' '\n')
for cmd in $commands; do
	help=$("$KSBPF" "${safe[@]}" help "$cmd")
	case $cmd in
	allow | deny) verbs="endpoint mark lan lan-dns" ;;
	tunnel) verbs="add del" ;;
	app) verbs="set del list add-pid add" ;;
	completion) verbs="bash zsh" ;;
	*) verbs="" ;;
	esac
	for args in "$cmd -h" "$cmd --help" "-h $cmd" "--debug $cmd -h" \
		$(for v in $verbs; do echo "$cmd,$v,-h"; done); do
		args=${args//,/ }
		# shellcheck disable=SC2086  # the words
		run_ks $args
		if [ "$rc" = 0 ] && [ "$out" = "$help" ] && [ -z "$err" ] &&
			head -3 <<<"$out" | grep -qE "^(Usage:| ) +ksbpf +$cmd( |$)"; then
			pass "ksbpf $args: ${cmd}'s usage"
		else
			fail "ksbpf $args: exit $rc, $(head -1 <<<"$out") $err"
		fi
	done
done
expect "ksbpf -h" 0 "^Usage: ksbpf \[OPTIONS\] COMMAND" -h
expect "ksbpf help" 0 "^Usage: ksbpf \[OPTIONS\] COMMAND" help

# Bad usage.
expect "ksbpf (nothing)" 2 "^Usage: ksbpf \[OPTIONS\] COMMAND"
expect "unknown option before the command" 2 "unknown option or missing value: '--bogus'" --bogus status
expect "missing value before the command" 2 "unknown option or missing value: '--bpffs'" --bpffs
expect "unknown command" 2 "unknown command 'bogus'" --bpffs "$none" bogus
expect "load -j" 2 "load does not take --json" load -j
expect "-p unload" 2 "unload does not take --pretty" -p unload
expect "app --user" 2 "app does not take --user" app list --user nobody
expect "--bpffs relative" 2 "must be an absolute path" --bpffs relative unload
expect "help bogus" 2 "help: unknown command 'bogus'" help bogus
expect "completion fish" 2 "'fish' is not bash or zsh" completion fish

[ "$fails" = 0 ] && echo "PASS" || echo "FAIL ($fails)"
[ "$fails" = 0 ]
