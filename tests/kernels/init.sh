#!/bin/busybox sh
# shellcheck shell=dash
# /init of the kernel-matrix VM (tests/kernels/boot.sh puts it in the
# initramfs, @VER@ replaced by the kernel release). PID 1 stays here, in the
# initramfs: the command runs in a chroot of the host's root (9p, read-only)
# with a writable scratch share at /run/ksbpf-vm holding cmd.sh, and gets
# output and rc written there. Then the VM powers off.
# Any failure before the command ran powers off without an rc: the host
# reports a boot failure with the console log.
/bin/busybox mkdir -p /proc /sys /dev /sbin /usr/bin /usr/sbin /newroot
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
R=/newroot
S=$R/run/ksbpf-vm

say() { echo "ksbpf-vm: $*"; }
off() {
	sync
	umount "$S" 2>/dev/null
	poweroff -f
	reboot -f	# with qemu -no-reboot, a reboot ends qemu too
}
die() { say "FAILED: $*"; off; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
say "kernel $(uname -r), loading modules"
while read -r m; do
	insmod "/lib/modules/@VER@/$m" || say "insmod $m failed"
done </etc/ksbpf-modules

# cache=loose: the host root does not change under the guest (scratch, which
# does, is its own share without cache); msize: fewer 9p round trips.
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot "$R" ||
	die "cannot mount the host root (9p)"
mount -t proc proc "$R/proc" || die "proc"
mount -t sysfs sysfs "$R/sys" || die "sysfs"
mount -t devtmpfs devtmpfs "$R/dev" || die "devtmpfs"
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$R/dev/pts" || die "devpts"
for d in /tmp /run /var/tmp /dev/shm; do
	# where the tests (and the tools they run) write
	[ -d "$R$d" ] || { say "no $d in the host root"; continue; }
	mount -t tmpfs -o mode=1777 tmpfs "$R$d" || die "tmpfs on $d"
done
chmod 755 "$R/run"
mount -t cgroup2 cgroup2 "$R/sys/fs/cgroup" || die "cgroup2"
mount -t bpf bpf "$R/sys/fs/bpf" || die "bpffs"
mkdir -p "$S"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 scratch "$S" ||
	die "cannot mount the scratch share (9p)"
ip link set lo up
hostname "ksbpf-vm"

say "running the command"
chroot "$R" /usr/bin/env -i /bin/sh /run/ksbpf-vm/cmd.sh \
	>"$S/output" 2>&1 </dev/null
echo $? >"$S/rc"
say "command exited $(cat "$S/rc")"
off
