#!/bin/bash
# shellcheck disable=SC2119  # lab_setup and ks_load take options; none here
# e2e: the build id. After `ksbpf load`, every program behind a pinned link
# (the 32-bit guard excepted: a load keeps an unchanged guard of an older
# build) carries in its .rodata the id `ksbpf --version` prints, read with
# bpftool alone: link -> program -> its metadata. `ksbpf status` names the
# attached build in every format, and warns when another build's programs
# enforce (a binary upgraded, not yet loaded); without CAP_SYS_ADMIN the
# attached build is unknown, never guessed.
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

lacks() { ! grep -q "$1" "$2"; }

# status -j, status -v, metrics as json JSONFILE; text into $LAB_DIR/NAME.
status_views() {
	ks status -j >"$LAB_DIR/$1.json" 2>"$LAB_DIR/$1.json.err"
	ks status >"$LAB_DIR/$1.txt" 2>&1
	ks status -v >"$LAB_DIR/$1.v" 2>&1
	ks status --format prometheus >"$LAB_DIR/$1.prom" 2>&1
}

lab_step "status names the attached build: this one"
status_views same
check_eq "status -j: build" "$(js "$LAB_DIR/same.json" "d['build']")" "$build"
check_eq "status -j: attached_build" "$(js "$LAB_DIR/same.json" "d['attached_build']")" "$build"
check "status -v: the attached programs are the same build" \
	grep -qF "build:     $build, attached programs: the same" "$LAB_DIR/same.v"
check "status: no warning of another build" lacks "another ksbpf build" "$LAB_DIR/same.txt"
check "metrics: ksbpf_attached_build_info{build=\"$build\"} 1" \
	grep -qxF "ksbpf_attached_build_info{build=\"$build\"} 1" "$LAB_DIR/same.prom"

# Another build: this binary with its id rewritten (same length), so that
# the programs it loads carry an id this binary does not have.
other=${build%-*}-$(printf '%s' "${build##*-}" | tr 0-9a-f 1-9a-f0)
/usr/bin/python3 - "$KSBPF" "$LAB_DIR/ksbpf-other" "$build" "$other" <<'PY'
import sys
src, dst, old, new = sys.argv[1:]
data = open(src, "rb").read()
assert data.count(old.encode()) >= 1
open(dst, "wb").write(data.replace(old.encode(), new.encode()))
PY
chmod 755 "$LAB_DIR/ksbpf-other"
lab_step "programs of another build ($other) attached: status warns"
KSBPF=$LAB_DIR/ksbpf-other ks_load >"$LAB_DIR/load-other.out" 2>&1
check_eq "the other build's load: exit" "$?" 0
prog=$(bpftool -j link show pinned "$LAB_BPFFS/link_cg_egress" |
	/usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["prog_id"])')
check_eq "bpftool: the cgroup program now carries" "$(prog_build_id "$prog")" "$other"
status_views other
rc=$(ks status >/dev/null 2>&1; echo $?)
check_eq "status exit: still protected" "$rc" 0
check_eq "status -j: attached_build" "$(js "$LAB_DIR/other.json" "d['attached_build']")" "$other"
check "status: warns 'programs from another ksbpf build ... run ksbpf load'" \
	grep -qF "warning: programs from another ksbpf build are attached ($other, this is $build): run \`ksbpf load\`" \
	"$LAB_DIR/other.txt"
check "status -v: warns too, and names the attached build" \
	grep -qF "build:     $build, attached programs: $other" "$LAB_DIR/other.v"
check "metrics: ksbpf_attached_build_info{build=\"$other\"}" \
	grep -qxF "ksbpf_attached_build_info{build=\"$other\"} 1" "$LAB_DIR/other.prom"
if /usr/bin/python3 "$(dirname "$0")/../lib/prom_check.py" "$LAB_DIR/other.prom" >"$LAB_DIR/prom.out" 2>&1; then
	pass "metrics: a valid exposition"
else
	fail "metrics: not a valid exposition"
	sed 's/^/          | /' "$LAB_DIR/prom.out"
fi

lab_step "without CAP_SYS_ADMIN the attached build is unknown, not guessed"
nsenter --net="/run/netns/$LAB_NS_C" setpriv --inh-caps=-sys_admin \
	--bounding-set=-sys_admin "$KSBPF" status -j "${KS_COMMON[@]}" \
	>"$LAB_DIR/nocap.json" 2>"$LAB_DIR/nocap.json.err"
check_eq "status -j (no CAP_SYS_ADMIN): exit" "$?" 0
check_eq "status -j (no CAP_SYS_ADMIN): attached_build" \
	"$(js "$LAB_DIR/nocap.json" "d['attached_build']")" None
nsenter --net="/run/netns/$LAB_NS_C" setpriv --inh-caps=-sys_admin \
	--bounding-set=-sys_admin "$KSBPF" status "${KS_COMMON[@]}" >"$LAB_DIR/nocap.txt" 2>&1
check "status (no CAP_SYS_ADMIN): no warning" lacks "another ksbpf build" "$LAB_DIR/nocap.txt"

lab_step "ksbpf load of this build: the warning goes"
ks_load >"$LAB_DIR/load-again.out" 2>&1
check_eq "load: exit" "$?" 0
status_views again
check_eq "status -j: attached_build" "$(js "$LAB_DIR/again.json" "d['attached_build']")" "$build"
check "status: no warning" lacks "another ksbpf build" "$LAB_DIR/again.txt"

lab_finish
