#!/bin/bash
# The Debian package: builds, installs with apt-get (pulling its runtime
# dependencies), works, and purges cleanly: purging a loaded kill switch
# leaves no pins, no attached programs and no configuration.
# The kill switch it loads lives in a namespace, a cgroup and a bpffs
# directory of this test's own, named by a configuration file the test
# writes (only if the machine has none).
set -u
cd "$(dirname "$0")/../.."
id=$$
ns=ksbpf-deb-$id
cg=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)/ksbpf-deb-$id
bpffs=/sys/fs/bpf/ksbpf-deb-$id
conf=/etc/ksbpf/ksbpf.conf
wrote_conf=0
fails=0
check() { if "${@:2}" >/dev/null 2>&1; then echo "  ok    $1"; else echo "  FAIL  $1"; fails=$((fails + 1)); fi; }

cleanup() {
	if dpkg-query -W -f='${Status}' ksbpf 2>/dev/null | grep -q "ok installed"; then
		/usr/sbin/ksbpf unload --bpffs "$bpffs" --config /dev/null >/dev/null 2>&1
		apt-get purge -y -q ksbpf >/dev/null 2>&1
	fi
	[ "$wrote_conf" = 1 ] && rm -f "$conf" && rmdir /etc/ksbpf 2>/dev/null
	build/ksbpf unload --bpffs "$bpffs" --config /dev/null >/dev/null 2>&1
	ip netns del "$ns" 2>/dev/null
	rmdir "$cg" 2>/dev/null
	true
}
trap cleanup EXIT INT TERM

if dpkg-query -W -f='${Status}' ksbpf 2>/dev/null | grep -q "ok installed"; then
	echo "ksbpf is installed as a package on this machine: not touching it"
	echo "test_deb: skipped"
	exit 0
fi
if [ -e "$conf" ]; then
	echo "$conf exists on this machine: not touching it"
	echo "test_deb: skipped"
	exit 0
fi

make --no-print-directory -s deb >/tmp/ksbpf-deb-$id.log 2>&1
check "make deb builds build/ksbpf_*.deb" ls build/ksbpf_*_*.deb
check "apt-get install ./build/ksbpf_*.deb" \
	env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ./build/ksbpf_*_*.deb
check "ksbpf --version" /usr/sbin/ksbpf --version
/usr/sbin/ksbpf status --bpffs "$bpffs" >/dev/null 2>&1
check "ksbpf status: exit 3, not loaded" test $? = 3
check "man ksbpf is installed" man -w ksbpf
check "bash completion is installed" test -f /usr/share/bash-completion/completions/ksbpf
nm_hook=/usr/lib/NetworkManager/dispatcher.d/pre-up.d/10-ksbpf
check "OpenVPN up script is installed, executable" test -x /usr/lib/ksbpf/openvpn-up
check "OpenVPN down script is installed, executable" test -x /usr/lib/ksbpf/openvpn-down
check "wg-quick lines are installed" test -f /usr/share/ksbpf/wg-quick.conf
check "the hooks' shared part is installed" test -f /usr/lib/ksbpf/hook-common.sh
check "NetworkManager dispatcher script is installed, executable" test -x "$nm_hook"
# NetworkManager runs a dispatcher script only if root owns it and nobody
# else may write it.
check "NetworkManager dispatcher script: root's, mode 0755" \
	test "$(stat -c %U:%a "$nm_hook")" = root:755
check "the package lists every hook" sh -c 'dpkg -L ksbpf | grep -qx /usr/lib/ksbpf/openvpn-up &&
	dpkg -L ksbpf | grep -qx /usr/lib/ksbpf/openvpn-down &&
	dpkg -L ksbpf | grep -qx /usr/share/ksbpf/wg-quick.conf &&
	dpkg -L ksbpf | grep -qx /usr/lib/ksbpf/hook-common.sh &&
	dpkg -L ksbpf | grep -qx '"$nm_hook"
# Not loaded (this test's bpffs is empty): the dispatcher script does nothing.
check "NetworkManager dispatcher script: a no-op while not loaded" \
	env KSBPF_ARGS="--bpffs $bpffs --config /dev/null" VPN_IP_IFACE=tun9 \
	"$nm_hook" tun9 vpn-pre-up
for unit in ksbpf-early.service ksbpf.service; do
	check "systemd-analyze verify $unit" \
		sh -c "! systemd-analyze verify /lib/systemd/system/$unit 2>&1 | grep ."
done
check "the units are not enabled by the install" \
	test ! -e /etc/systemd/system/multi-user.target.wants/ksbpf.service \
	-a ! -e /etc/systemd/system/sysinit.target.wants/ksbpf-early.service
check "the docs the units and --help name are installed, readable (not .gz)" \
	test -f /usr/share/doc/ksbpf/setup.md -a -f /usr/share/doc/ksbpf/cli.md -a -f /usr/share/doc/ksbpf/README.md
check "the fail-closed drop-ins are installed" \
	test -f /usr/share/ksbpf/fail-closed/NetworkManager.service.d/ksbpf-fail-closed.conf \
	-a -f /usr/share/ksbpf/fail-closed/systemd-networkd.service.d/ksbpf-fail-closed.conf \
	-a -f /usr/share/ksbpf/fail-closed/networking.service.d/ksbpf-fail-closed.conf
# dpkg-buildflags reached the compiler and the linker: full RELRO (relro +
# BIND_NOW) and _FORTIFY_SOURCE (the libc calls it checks become __*_chk).
check "packaged binary: BIND_NOW" sh -c "readelf -dW /usr/sbin/ksbpf | grep -Eq 'BIND_NOW|FLAGS_1.*NOW'"
check "packaged binary: GNU_RELRO" sh -c "readelf -lW /usr/sbin/ksbpf | grep -q GNU_RELRO"
check "packaged binary: PIE" sh -c "readelf -hW /usr/sbin/ksbpf | grep -q 'DYN (Position-Independent'"
check "packaged binary: fortified (__*_chk calls)" \
	sh -c "readelf -sW --dyn-syms /usr/sbin/ksbpf | grep -Eq '__(snprintf|memcpy|printf|fprintf)_chk'"

# A kill switch loaded by the packaged binary, in the test's own namespace.
ip netns add "$ns"
ip -n "$ns" link add up0 type veth peer name up1
ip -n "$ns" link set up0 up
mkdir -p "$cg"
mkdir -p /etc/ksbpf
printf 'tunnel = wg0\nbpffs = %s\ncgroup = %s\n' "$bpffs" "$cg" >"$conf"
wrote_conf=1
check "packaged ksbpf loads (configuration file)" \
	nsenter --net="/run/netns/$ns" /usr/sbin/ksbpf load
check "programs attached to the test cgroup" \
	sh -c "bpftool cgroup show '$cg' | grep -q ksbpf_cg_egress"
# The ids of this kill switch's links, to look for after the purge (other
# labs may have links of their own meanwhile).
link_ids=$(for pin in "$bpffs"/link_*; do bpftool link show pinned "$pin" | awk -F: 'NR == 1 { print $1 }'; done)
check "links pinned: cgroup and TCX" test "$(echo "$link_ids" | wc -w)" -ge 2

check "apt-get purge ksbpf" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q ksbpf
wrote_conf=0
check "purge removed the binary" test ! -e /usr/sbin/ksbpf
check "purge removed the hooks" sh -c "test ! -e /usr/lib/ksbpf && test ! -e /usr/share/ksbpf && test ! -e '$nm_hook'"
check "purge removed the configuration" test ! -e "$conf"
check "purge removed the pins" test ! -e "$bpffs"
check "purge detached the cgroup program" \
	sh -c "! bpftool cgroup show '$cg' | grep -q ksbpf"
for link in $link_ids; do
	check "purge detached link $link" sh -c "! bpftool link show id $link"
done
echo "test_deb: $fails failed"
[ "$fails" -eq 0 ]
