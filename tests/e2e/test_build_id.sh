#!/bin/bash
# shellcheck disable=SC2119  # lab_setup and ks_load take options; none here
# e2e: the build id. After `ksbpf load`, every program behind a pinned link
# (the 32-bit guard excepted: a load keeps an unchanged guard of an older
# build) carries in its .rodata the id `ksbpf --version` prints, read with
# bpftool alone: link -> program -> its metadata.
set -u
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf

# The build id in program $1's .rodata, as bpftool prog show finds it (a
# bpf_metadata_* variable of a .rodata map among the program's maps).
prog_build_id() {
	bpftool -j prog show id "$1" | /usr/bin/python3 -c 'import json, sys
print(json.load(sys.stdin).get("metadata", {}).get("ksbpf_build_id", ""))'
}

build=$("$KSBPF" -j -V | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["build"])')
check "ksbpf -j -V has a build id: $build" grep -qE '^[^ ]+-[0-9a-f]{12}$' <<<"$build"
check_eq "ksbpf -V prints the same" "$("$KSBPF" -V | sed -n 's/.*(build \([^,]*\),.*/\1/p')" "$build"

lab_setup
lab_step "ksbpf load: the attached programs carry $build"
if ! ks_load >"$LAB_DIR/load.out" 2>&1; then
	fail "ksbpf load failed:"
	sed 's/^/          | /' "$LAB_DIR/load.out"
	exit 1
fi
pass "ksbpf load exit 0"
links=0
while read -r _ _ pin; do
	[ "$pin" = link_compat_guard ] && continue
	prog=$(bpftool -j link show pinned "$LAB_BPFFS/$pin" |
		/usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["prog_id"])')
	check_eq "$pin: program $prog's build id" "$(prog_build_id "$prog")" "$build"
	links=$((links + 1))
done < <(lab_pinned_links)
# The cgroup egress and setsockopt programs, and up0's TC program at least.
check_ge "pinned links checked" "$links" 3

lab_finish
