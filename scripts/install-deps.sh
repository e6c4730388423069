#!/bin/sh
# Installs the Debian packages ksbpf needs to build and test, if missing.
set -eu
PACKAGES="make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
pkg-config libcmocka-dev iproute2 wireguard-tools wireguard-go tcpdump
procps util-linux python3 systemd debhelper dpkg-dev libclang-rt-dev nftables iperf3
qemu-system-x86 busybox-static kmod cpio xz-utils shellcheck zsh"
missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
