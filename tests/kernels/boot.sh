#!/bin/sh
# tests/kernels/boot.sh — boots an unpacked Debian kernel (tests/kernels/fetch.sh)
# under qemu and runs one command inside it, in the host's own userland.
#
# The guest's root file system is the host's "/", shared READ-ONLY over 9p
# (qemu refuses every write), so the guest runs the very binaries and the
# build the host has, at the same path. The guest mounts its own proc, sysfs,
# devtmpfs, tmpfs on /tmp /run /var/tmp /dev/shm, cgroup2 and bpffs, and
# loads the modules the tests need from the unpacked package. Inside the VM
# anything goes; nothing reaches the host but the read-write scratch share
# (a temporary directory) that carries the command's output and exit code.
# The VM has no network device.
#
# TCG only: nested KVM does not boot a guest on these machines
# (shared/KERNEL-NOTES.md, "Booting other kernels").
#
# Usage (root): tests/kernels/boot.sh [-t SECONDS] [-l CONSOLE-LOG] KERNEL_DIR -- COMMAND [ARG]...
#   KERNEL_DIR   holds boot/vmlinuz-VER and lib/modules/VER (fetch.sh's layout)
#   COMMAND      runs in the guest as root, in the current directory (which
#                must exist on the host), with a clean environment: PATH,
#                HOME=/tmp, TERM=dumb, LANG=C.UTF-8, CI if set, plus every
#                variable named in $KSBPF_VM_ENV. Its stdin is /dev/null.
#   -t SECONDS   hard limit for the whole VM, boot included (default 900):
#                qemu is killed then
#   -l FILE      keep the serial console log there (default: a temporary file,
#                its tail printed when the VM fails)
# The command's output (stdout and stderr together) is streamed to stdout as
# the guest writes it.
# KSBPF_VM_MODULES  more modules to load (names, with their dependencies)
# KSBPF_VM_MEM, KSBPF_VM_SMP  guest size (default 2G, 2)
#
# Exit status: the command's own, or
#   124  the VM hit the time limit (the console log's tail is printed)
#   125  the VM did not run the command (boot failure, panic, a mount failed)
#   2    usage or host-side setup error
set -u
timeout_s=900
console_log=""
while getopts t:l: opt; do
	case $opt in
	t) timeout_s=$OPTARG ;;
	l) console_log=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
kdir=${1:-}
if [ $# -lt 3 ] || [ "$2" != -- ]; then
	echo "usage: $0 [-t SECONDS] [-l CONSOLE-LOG] KERNEL_DIR -- COMMAND [ARG]..." >&2
	exit 2
fi
shift 2

# What the guest loads before running the command (names as in modules.dep;
# dependencies come along). "?" marks a module that is built in, merged into
# another or absent on some kernels (fscache is its own module on 6.1 only,
# virtio and virtio_pci are built into 6.12).
BOOT_MODULES="virtio_ring? virtio? virtio_pci_legacy_dev? virtio_pci_modern_dev?
virtio_pci? virtio_rng? 9pnet 9pnet_virtio fscache? netfs? 9p"
# What ksbpf's tests use: veth, tun (wireguard-go) and bridge devices, clsact (in
# sch_ingress) and cls_bpf for the legacy TC attachment, the kernel's
# WireGuard. AF_PACKET (tcpdump), IPv6, TCX and cgroup BPF are built in.
TEST_MODULES="veth tun sch_ingress cls_bpf act_bpf? wireguard bridge"

WORK=""
QPID=""
TPID=""
# shellcheck disable=SC2317  # (called from the trap)
cleanup() {
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null && wait "$QPID" 2>/dev/null
	[ -n "$TPID" ] && kill "$TPID" 2>/dev/null
	[ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

die() { echo "boot: $*" >&2; exit 2; }

# ---------------------------------------------------------------- modules
# resolve_modules MODDIR NAME...: the module files (paths relative to MODDIR)
# to load for NAMEs, every dependency before its user, each once, from
# modules.dep. Built-in modules are skipped; a missing one without "?" is an
# error (on stderr, status 1).
resolve_modules() {
	moddir=$1
	shift
	awk -v want="$*" '
	function key(p) { sub(/.*\//, "", p); sub(/\.ko(\.(xz|zst|gz))?$/, "", p); gsub(/-/, "_", p); return p }
	FILENAME ~ /modules\.builtin$/ { builtin[key($1)] = 1; next }
	{	p = $1; sub(/:$/, "", p); path[key(p)] = p
		d = ""; for (i = 2; i <= NF; i++) d = d " " $i; deps[p] = d }
	function visit(p,   n, a, i) {
		if (p in done) return
		done[p] = 1
		n = split(deps[p], a, " ")
		for (i = 1; i <= n; i++) visit(a[i])
		print p
	}
	END {
		n = split(want, w, " ")
		for (i = 1; i <= n; i++) {
			m = w[i]; opt = sub(/\?$/, "", m); gsub(/-/, "_", m)
			if (m in path) visit(path[m])
			else if (!(m in builtin) && !opt) { print "boot: no module " m > "/dev/stderr"; bad = 1 }
		}
		exit bad
	}' "$moddir/modules.builtin" "$moddir/modules.dep"
}

# copy_module SRC DEST: busybox insmod reads only plain .ko files.
copy_module() {
	mkdir -p "$(dirname "$2")" || return 1
	case $1 in
	*.ko.xz) xz -dc "$1" >"$2" ;;
	*.ko.zst) zstd -q -dc "$1" >"$2" ;;
	*.ko.gz) gzip -dc "$1" >"$2" ;;
	*) cp "$1" "$2" ;;
	esac
}

# ---------------------------------------------------------------- initramfs
# build_initramfs VER MODDIR OUT: busybox, the modules (plain .ko, with a
# modules.dep of their own for busybox modprobe) and /init.
build_initramfs() {
	ver=$1 moddir=$2 out=$3
	r=$WORK/initramfs
	mkdir -p "$r/bin" "$r/etc" "$r/lib/modules/$ver" || return 1
	cp /bin/busybox "$r/bin/busybox" || return 1
	# shellcheck disable=SC2086
	mods=$(resolve_modules "$moddir" $BOOT_MODULES $TEST_MODULES ${KSBPF_VM_MODULES:-}) ||
		return 1
	for m in $mods; do
		plain=$(echo "$m" | sed 's/\.\(xz\|zst\|gz\)$//')
		copy_module "$moddir/$m" "$r/lib/modules/$ver/$plain" || return 1
		echo "$plain" >>"$r/etc/ksbpf-modules"
	done
	cp "$moddir/modules.builtin" "$moddir/modules.order" "$r/lib/modules/$ver/" 2>/dev/null
	# The kernel's own on-demand loads (request_module) run /sbin/modprobe in
	# the initramfs root, which the guest's init never leaves (the command
	# runs in a chroot below it): busybox modprobe with this modules.dep.
	depmod -b "$r" "$ver" 2>/dev/null
	sed "s|@VER@|$ver|g" "$HERE/init.sh" >"$r/init" && chmod 755 "$r/init" || return 1
	(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
}

# ---------------------------------------------------------------- command
# shell_quote ARG: ARG in single quotes for sh.
shell_quote() { printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }

# write_command FILE COMMAND...: the script the guest runs (in its chroot):
# the host's working directory, a clean environment, the command.
write_command() {
	f=$1
	shift
	{
		echo "cd $(shell_quote "$PWD") || exit 125"
		echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
		echo "export HOME=/tmp TERM=dumb LANG=C.UTF-8 KSBPF_VM=1"
		[ -n "${CI:-}" ] && echo "export CI=$(shell_quote "$CI")"
		for v in ${KSBPF_VM_ENV:-}; do
			eval "isset=\${$v+x}"
			# shellcheck disable=SC2154
			[ -n "$isset" ] && eval "echo \"export $v=\$(shell_quote \"\$$v\")\""
		done
		printf 'exec'
		for a in "$@"; do printf ' %s' "$(shell_quote "$a")"; done
		echo
	} >"$f"
}

# ---------------------------------------------------------------- main
HERE=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || die "needs root (9p export of /, modules)"
for t in qemu-system-x86_64 cpio gzip xz depmod; do
	command -v "$t" >/dev/null || PATH=$PATH:/usr/sbin:/sbin command -v "$t" >/dev/null ||
		die "missing tool $t (sh scripts/install-deps.sh)"
done
PATH=$PATH:/usr/sbin:/sbin
if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
	die "/bin/busybox is missing or not static (package busybox-static)"
fi
vmlinuz=""
for f in "$kdir"/boot/vmlinuz-*; do [ -f "$f" ] && vmlinuz=$f; done
[ -n "$vmlinuz" ] || die "no boot/vmlinuz-* in $kdir"
ver=${vmlinuz##*/vmlinuz-}
moddir=$kdir/lib/modules/$ver
[ -s "$moddir/modules.dep" ] || die "no modules.dep in $moddir (run fetch.sh)"

WORK=$(mktemp -d /tmp/ksbpf-vm.XXXXXX) || die "mktemp"
scratch=$WORK/scratch
mkdir -p "$scratch"
chmod 777 "$scratch"	# the guest's root writes here through 9p
[ -n "$console_log" ] || console_log=$WORK/console.log
: >"$console_log" || die "cannot write $console_log"
build_initramfs "$ver" "$moddir" "$WORK/initrd.gz" || die "initramfs build failed"
write_command "$scratch/cmd.sh" "$@"
: >"$scratch/output"

# -nodefaults: no floppy, IDE or VGA to probe (slow under TCG); the serial
# console goes to a file, nothing reads this terminal (CI has no stdin).
timeout -k 5 "$timeout_s" qemu-system-x86_64 -accel tcg -cpu max \
	-m "${KSBPF_VM_MEM:-2G}" -smp "${KSBPF_VM_SMP:-2}" \
	-nodefaults -no-user-config -nographic -no-reboot -monitor none \
	-serial "file:$console_log" -nic none \
	-device virtio-rng-pci \
	-kernel "$vmlinuz" -initrd "$WORK/initrd.gz" \
	-append "console=ttyS0 panic=-1 oops=panic" \
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
	-virtfs "local,path=$scratch,mount_tag=scratch,security_model=none" \
	</dev/null >"$WORK/qemu.out" 2>&1 &
QPID=$!
# The guest writes its output into the scratch share as it goes.
tail -n +1 -f --pid="$QPID" "$scratch/output" &
TPID=$!
wait "$QPID"
qrc=$?
QPID=""
wait "$TPID" 2>/dev/null
TPID=""

if [ -f "$scratch/rc" ]; then
	rc=$(cat "$scratch/rc")
	case $rc in '' | *[!0-9]*) rc=125 ;; esac
	exit "$rc"
fi
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	echo "boot: TIMEOUT: kernel $ver killed after ${timeout_s}s; console log ($console_log) ends:" >&2
	rc=124
else
	echo "boot: FAILED: kernel $ver did not run the command (qemu exit $qrc); console log ($console_log) ends:" >&2
	rc=125
fi
sed 's/^/boot: | /' "$WORK/qemu.out" >&2
tail -n 25 "$console_log" | sed 's/^/boot: | /' >&2
exit $rc
