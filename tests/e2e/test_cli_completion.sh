#!/bin/bash
# The generated shell completion offers exactly what --help documents:
#  - bash (build/ksbpf.bash-completion, sourced, driven through COMP_WORDS):
#    the commands of `ksbpf --help`, each command's options (short and long)
#    of `ksbpf CMD --help`, the options `ksbpf --help` allows before the
#    command, and no more; each sub-verb it offers is in the command's usage;
#    option values (--scope, --tc-mode, --policy); a command found after
#    options before it.
#  - zsh (build/_ksbpf): with zsh installed, `zsh -n` and an interactive
#    zsh on a pty (tests/lib/zsh-complete.zsh) completing a command, an
#    option, a value, a verb, a command after options, and not an option
#    the command lacks; either way the same commands and options in its text.
#  - `ksbpf completion bash` is what make built, and another shell is refused.
# Needs build/ksbpf (make). No root, no network: seconds.
set -u
cd "$(dirname "$0")/../.." || exit 1
KSBPF=build/ksbpf
BASH_SCRIPT=build/ksbpf.bash-completion
ZSH_SCRIPT=build/_ksbpf
for f in "$KSBPF" "$BASH_SCRIPT" "$ZSH_SCRIPT"; do
	[ -e "$f" ] || { echo "$f not built (make)" >&2; exit 1; }
done
# Before every command, in case one that should print help runs instead:
# nothing to find, and no cgroup to attach to.
dir=$(mktemp -d /tmp/ksbpf-cli-completion.XXXXXX)
trap 'rm -rf "$dir"' EXIT
: >"$dir/ksbpf.conf"
ks() { "$KSBPF" --bpffs "$dir/none" --cgroup "$dir/none" --config "$dir/ksbpf.conf" "$@"; }
fails=0
pass() { echo "  ok    $*"; }
fail() { echo "  FAIL  $*"; fails=$((fails + 1)); }
# same DESCRIPTION WANT GOT: two word lists, order and repeats aside.
same() {
	local want got
	want=$(tr ' ' '\n' <<<"$2" | sed '/^$/d' | sort -u | tr '\n' ' ')
	got=$(tr ' ' '\n' <<<"$3" | sed '/^$/d' | sort -u | tr '\n' ' ')
	if [ "$want" = "$got" ]; then
		pass "$1: $got"
	else
		fail "$1: help has [$want], completion offers [$got]"
	fi
}

# shellcheck source=/dev/null
. "$BASH_SCRIPT"
# offered WORD...: what bash completes for `ksbpf WORD...` (the last word
# is the one being completed).
offered() {
	COMP_WORDS=(ksbpf "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_ksbpf
	echo "${COMPREPLY[*]}"
}
# The options an option table in help documents: "  -j, --json ...",
# "  --tunnel NAME ...".
help_options() {
	grep -E -- '^ +(-[a-zA-Z], )?--[a-z-]+' | sed -E 's/^ +//; s/^(-[a-zA-Z]), /\1 /' |
		awk '{ print $1; if ($2 ~ /^--/) print $2 }'
}

commands=$(ks --help | awk '/^Commands:/ { on = 1; next } on && !NF { exit }
	on { print $1 }' | tr '|' '\n')
[ -n "$commands" ] || fail "no commands in ksbpf --help"
same "commands" "$commands" "$(offered '')"
# What may come before the command: the "Options, before or after" paragraph.
before=$(ks --help | awk '/^Options/ { on = 1 } on && /^Exit/ { exit } on' |
	grep -oE -- '(^|[ /(])--?[a-zA-Z][a-z-]*' | sed -E 's/^[ \/(]//')
same "options before the command" "$before" "$(offered -)"

for cmd in $commands; do
	same "$cmd options" "$(ks "$cmd" --help | help_options)" "$(offered "$cmd" -)"
	usage=$(ks "$cmd" --help | sed -n '/^Usage:/,/^[^ U]/p')
	for verb in $(offered "$cmd" ''); do
		if [ "$cmd" = help ]; then
			grep -qx -- "$verb" <<<"$commands" && continue
		elif grep -qE -- "(ksbpf +$cmd +|[ |])$verb([ |]|$)" <<<"$usage"; then
			continue
		fi
		fail "$cmd: completion offers '$verb', not in its usage"
		continue 2
	done
	[ -n "$(offered "$cmd" '')" ] && pass "$cmd: its first words are in its usage"
done

same "load --scope" "host apps" "$(offered load --scope '')"
same "run --tc-mode" "auto tcx legacy" "$(offered run --tc-mode '')"
same "app add-pid --policy" "enforce bypass block" "$(offered app add-pid 1 --policy '')"
same "options before the command: --bpffs DIR sta" "status" "$(offered --bpffs /tmp sta)"
same "--bpffs DIR tunnel ''" "add del" "$(offered --bpffs /tmp tunnel '')"
same "tunnel add: no more verbs" "" "$(offered tunnel add '')"

if cmp -s "$BASH_SCRIPT" <(ks completion bash); then
	pass "build/ksbpf.bash-completion is ksbpf completion bash"
else
	fail "build/ksbpf.bash-completion is stale"
fi
if ks completion fish >/dev/null 2>&1; then
	fail "completion fish: accepted"
else
	pass "completion fish: refused"
fi

# zsh_completed LINE...: each LINE as an interactive zsh completes it (one
# TAB), with build/_ksbpf in its fpath (tests/lib/zsh-complete.zsh).
zsh_completed() {
	mkdir -p "$dir/zsh" && cp "$ZSH_SCRIPT" "$dir/zsh/_ksbpf"
	timeout 20 zsh -f tests/lib/zsh-complete.zsh "$dir/zsh" "$@" | tr -d '\r\b\a' | sed 's/[[:space:]]*$//'
}

if command -v zsh >/dev/null; then
	if zsh -n "$ZSH_SCRIPT"; then pass "zsh -n $ZSH_SCRIPT"; else fail "zsh -n $ZSH_SCRIPT"; fi
	want="ksbpf status --watch
ksbpf load --scope apps
ksbpf --bpffs /tmp status
ksbpf tunnel add
ksbpf -j verify
ksbpf app add-pid
ksbpf unload --wa"
	got=$(zsh_completed "ksbpf status --wa" "ksbpf load --scope ap" "ksbpf --bpffs /tmp sta" \
		"ksbpf tunnel a" "ksbpf -j ver" "ksbpf app add-" "ksbpf unload --wa")
	if [ "$got" = "$want" ]; then
		pass "zsh completes commands, options, values, verbs (and unload has no --watch)"
	else
		fail "zsh completion: $(diff <(echo "$want") <(echo "$got") | tr '\n' ' ')"
	fi
elif [ -n "${CI:-}" ]; then
	fail "no zsh in CI (scripts/install-deps.sh installs it)"
else
	echo "  info  no zsh here: its script is checked as text only"
fi
if head -1 "$ZSH_SCRIPT" | grep -qx '#compdef ksbpf'; then
	pass "zsh: #compdef ksbpf"
else
	fail "zsh: no #compdef line"
fi
same "zsh commands" "$commands" \
	"$(sed -n "s/^\t\t'1:command:(\(.*\))' \\\\$/\1/p" "$ZSH_SCRIPT")"
for cmd in $commands; do
	# The command's _arguments block: from "\tCMD)" to its ";;".
	specs=$(awk -v c="	$cmd)" '$0 == c { on = 1; next } on { print } on && /;;$/ { exit }' \
		"$ZSH_SCRIPT" | grep -oE -- "'\*--?[a-zA-Z][a-z-]*" | sed "s/^'\*//")
	same "zsh $cmd options" "$(ks "$cmd" --help | help_options)" "$specs"
done

[ "$fails" = 0 ] && echo "PASS" || echo "FAIL ($fails)"
[ "$fails" = 0 ]
