#!/bin/bash
# e2e: a user (nobody) in front of a kill switch loaded by root on a bpffs
# mounted 0700, as systemd mounts /sys/fs/bpf. Every command that writes maps
# or pins says "permission denied: run as root" with the call that failed and
# exits 1; none says "nothing loaded", and `unload` never exits 0. Root's
# kill switch is still loaded afterwards. The same commands on a directory
# that holds nothing still say so. A few seconds: no tunnel, no traffic.
# Needs root, build/ksbpf, setpriv.
set -u
cd "$(dirname "$0")/../.." || exit 1
KSBPF=$PWD/build/ksbpf
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
[ -x "$KSBPF" ] || { echo "$KSBPF not built" >&2; exit 1; }
command -v setpriv >/dev/null || { echo "missing tool: setpriv" >&2; exit 1; }

id=$$
ns=kscli-$id
dir=$(mktemp -d /tmp/ksbpf-cli-perm.XXXXXX)
mnt=$dir/bpffs
pins=$mnt/ksbpf
cg2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
cg=$cg2/ksbpf-cli-$id
cleanup() {
	[ -e "$pins" ] && nsenter --net="/run/netns/$ns" "$KSBPF" unload --bpffs "$pins" \
		--config "$dir/ksbpf.conf" >/dev/null
	mountpoint -q "$mnt" && umount "$mnt"
	[ -d "$cg" ] && rmdir "$cg"
	ip netns del "$ns" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
fails=0
check() { if "${@:2}"; then echo "  ok    $1"; else echo "  FAIL  $1"; fails=$((fails + 1)); fi; }

[ -n "$cg2" ] || { echo "no cgroup v2 mount" >&2; exit 1; }
mkdir "$mnt" "$cg" && chmod 0755 "$dir" || exit 1
mount -t bpf -o mode=0700 none "$mnt" || exit 1
ip netns add "$ns" || exit 1
: >"$dir/ksbpf.conf"
common=(--bpffs "$pins" --cgroup "$cg" --config "$dir/ksbpf.conf")
as_root() { nsenter --net="/run/netns/$ns" "$KSBPF" "$@"; }
as_user() {
	nsenter --net="/run/netns/$ns" setpriv --reuid=nobody --regid=nogroup \
		--clear-groups "$KSBPF" "$@"
}

# user_refused DESCRIPTION ARGS...: as nobody, exit 1 and the message.
user_refused() {
	local what=$1 out rc
	shift
	out=$(as_user "$@" 2>&1)
	rc=$?
	if [ "$rc" = 1 ] && grep -q '^ksbpf: permission denied: run as root (.*: ' <<<"$out" &&
		! grep -qi 'nothing loaded' <<<"$out"; then
		echo "  ok    $what: exit 1, ${out#ksbpf: }"
	else
		echo "  FAIL  $what: exit $rc, $out"
		fails=$((fails + 1))
	fi
}

check "root loads on the 0700 bpffs" as_root load "${common[@]}" --tunnel kscli0 >/dev/null
for cmd in "unload" "load --tunnel kscli0" "run --tunnel kscli0" \
	"allow lan 10.9.0.0/16" "deny lan 10.9.0.0/16" "tunnel add kscli1" \
	"tunnel del kscli0" "wg-sync kscli0" "app set $cg enforce" "app del $cg" \
	"exec --policy block -- true"; do
	# shellcheck disable=SC2086  # the command's words
	user_refused "$cmd" "${common[@]}" $cmd	# before "--": exec's command
done
# Options after the command are the same options.
user_refused "unload --bpffs DIR" unload "${common[@]}"
# A bpffs users may look into (not systemd's 0700): the pin directory
# itself is root's.
chmod 0755 "$mnt"
user_refused "unload (bpffs 0755)" "${common[@]}" unload
user_refused "allow (bpffs 0755)" "${common[@]}" allow lan 10.9.0.0/16
chmod 0700 "$mnt"
# Root's kill switch is untouched: status as root still sees it.
as_root status "${common[@]}" >/dev/null
rc=$?
check "root's kill switch still loaded (status exit $rc, not 3)" test "$rc" != 3
check "pins still there" test -e "$pins/ksbpf_config"

# With nothing pinned, unload says so (exit 0) and allow says nothing is
# loaded: only a directory that is not there is "nothing loaded".
check "root unloads" as_root unload "${common[@]}" >/dev/null
out=$(as_root unload "${common[@]}" 2>&1)
check "unload of nothing: exit 0, '$out'" grep -q 'nothing loaded' <<<"$out"
out=$(as_root allow lan 10.9.0.0/16 "${common[@]}" 2>&1)
check "allow with nothing loaded: '$out'" grep -q 'nothing loaded' <<<"$out"

[ "$fails" = 0 ] && echo "PASS" || echo "FAIL ($fails)"
[ "$fails" = 0 ]
