#!/bin/bash
# tests/kernels/guest.sh — what the kernel matrix runs on each kernel: inside
# every VM (tests/kernels/boot.sh) and on the host's own kernel.
#
#   smoke    the harness itself: BPF syscall, a namespace with a veth pair,
#            TUN, wireguard-go up in a namespace, tcpdump's AF_PACKET socket.
#            A smoke FAIL means the VM is broken, not ksbpf.
#   check    build/ksbpf check: every requirement met, every program verifies
#   verdict  sh tests/verdict/run.sh (BPF_PROG_TEST_RUN on ksbpf's programs;
#            needs build/tests/verdict_test, built on the host)
#   e2e      tests/e2e/test_tunnel_leak.sh (a real WireGuard tunnel in
#            namespaces, leaks counted at the far end of the wire),
#            tests/e2e/test_container.sh (sockets of another namespace on the
#            held cgroup), tests/e2e/test_container_host.sh (interface roles:
#            bridges and their ports), tests/e2e/test_bypass_routing.sh
#            (split tunnelling's rules and routes), tests/e2e/test_wg_sync.sh
#            with kernel WireGuard (its generic netlink), tests/kernels/test_refused_load.sh
#
# Usage (root, from anywhere): bash tests/kernels/guest.sh [PART]...
# (default: smoke check verdict e2e). Prints each part's output, a PASS/FAIL line
# per part with the first error lines of a failure, and last one line for
# tests/kernels/run.sh:
#   guest-result kernel=RELEASE smoke=PASS smoke_s=2 verdict=FAIL verdict_s=5 ...
# Exit status: 0 when every part passed.
# shellcheck disable=SC2317  # (the parts are called as "$part")
set -u
cd "$(dirname "$0")/../.." || exit 1
parts=${*:-smoke check verdict e2e}
result="guest-result kernel=$(uname -r)"
failed=0

# smoke: every step prints what it checks; the first failure ends it.
smoke() {
	local ns=ksvm-smoke-$$ t=/tmp/ksvm-smoke-$$ rc=0 pid
	mkdir -p "$t"
	echo "kernel $(uname -r), $(nproc) CPUs"
	{ bpftool feature probe kernel 2>/dev/null | grep -m1 -q 'eBPF program_type sched_cls is available' &&
		echo "ok: bpftool: sched_cls programs available"; } || { echo "FAIL: bpftool feature probe"; rc=1; }
	if [ "$rc" = 0 ] && ip netns add "$ns" && ip -n "$ns" link add vsa type veth peer name vsb &&
		ip -n "$ns" link set vsa up && ip -n "$ns" link set vsb up; then
		echo "ok: netns with a veth pair"
	else
		echo "FAIL: netns/veth"; rc=1
	fi
	if [ "$rc" = 0 ] && [ -c /dev/net/tun ]; then
		rm -f "/var/run/wireguard/ksvm$$.sock"
		nsenter --net="/run/netns/$ns" wireguard-go -f "ksvm$$" >"$t/wg.log" 2>&1 &
		pid=$!
		for _ in $(seq 100); do [ -S "/var/run/wireguard/ksvm$$.sock" ] && break; sleep 0.1; done
		if nsenter --net="/run/netns/$ns" wg show "ksvm$$" >/dev/null 2>&1; then
			echo "ok: wireguard-go tunnel ksvm$$ in the namespace"
		else
			echo "FAIL: wireguard-go: $(head -3 "$t/wg.log")"; rc=1
		fi
		kill -9 "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		rm -f "/var/run/wireguard/ksvm$$.sock"
	elif [ "$rc" = 0 ]; then
		echo "FAIL: no /dev/net/tun"; rc=1
	fi
	if [ "$rc" = 0 ]; then	# a frame from vsa (an ARP request does), seen on vsb
		nsenter --net="/run/netns/$ns" timeout 20 tcpdump -n -c 1 -i vsb \
			>/dev/null 2>"$t/tcpdump.log" &
		pid=$!
		for _ in $(seq 100); do grep -q "listening on" "$t/tcpdump.log" && break; sleep 0.1; done
		nsenter --net="/run/netns/$ns" ip addr add 192.0.2.1/24 dev vsa
		nsenter --net="/run/netns/$ns" bash -c 'echo x > /dev/udp/192.0.2.2/9' 2>/dev/null
		if wait "$pid"; then echo "ok: tcpdump saw a frame"
		else echo "FAIL: tcpdump: $(cat "$t/tcpdump.log")"; rc=1; fi
	fi
	ip netns del "$ns" 2>/dev/null
	rm -rf "$t"
	return "$rc"
}

verdict() {
	[ -x build/tests/verdict_test ] || { echo "build/tests/verdict_test missing: run make all on the host"; return 1; }
	sh tests/verdict/run.sh
}

# ksbpf's own preflight must find everything on every kernel of the matrix.
check() {
	[ -x build/ksbpf ] || { echo "build/ksbpf missing: run make all on the host"; return 1; }
	./build/ksbpf check
}

# Whether this kernel has WireGuard (every guest loads it; the host here has
# none, and runs the wireguard-go form).
kernel_wireguard() {
	local ns=ksvm-wg-$$ rc
	ip netns add "$ns" || return 1
	ip -n "$ns" link add kswgprobe type wireguard 2>/dev/null
	rc=$?
	ip netns del "$ns"
	return "$rc"
}
# The enforcement tests, each with its own lab. The container tests without
# NAT (the guests load no nf_tables modules; the host suite runs them with
# NAT), and reaction times bounded 20 times looser (TCG emulation).
e2e() {
	local rc=0
	[ -x build/ksbpf ] || { echo "build/ksbpf missing: run make all on the host"; return 1; }
	bash tests/e2e/test_tunnel_leak.sh || rc=1
	KSBPF_E2E_NAT=none bash tests/e2e/test_container.sh || rc=1
	KSBPF_E2E_NAT=none KSBPF_TIME_SCALE=20 bash tests/e2e/test_container_host.sh || rc=1
	KSBPF_BYPASS_QUICK=1 KSBPF_TIME_SCALE=20 bash tests/e2e/test_bypass_routing.sh || rc=1
	LAB_WG_KERNEL=$(kernel_wireguard && echo 1) KSBPF_TIME_SCALE=20 \
		bash tests/e2e/test_wg_sync.sh || rc=1
	bash tests/kernels/test_refused_load.sh || rc=1
	return "$rc"
}

# first_errors PART LOG: the lines worth reading first in a failed part's log.
first_errors() {
	case $1 in
	e2e) grep -E '^  FAIL|^lab:|ksbpf: |libbpf: ' "$2" ;;
	check) grep -E ' (fail|missing) ' "$2" ;;
	verdict) grep -E -i 'fail|error|libbpf: |verifier|invalid|denied|not ' "$2" ;;
	*) grep -E 'FAIL' "$2" ;;
	esac | head -n 8
}

log=$(mktemp /tmp/ksvm-guest.XXXXXX)
trap 'rm -f "$log"' EXIT
for part in $parts; do
	case $part in smoke | check | verdict | e2e) ;; *) echo "guest: unknown part $part" >&2; exit 2 ;; esac
	echo "=== guest: $part on $(uname -r)"
	t0=$(date +%s)
	"$part" </dev/null 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	s=$(($(date +%s) - t0))
	if [ "$rc" = 0 ]; then
		echo "--- guest: $part PASS (${s}s)"
		result="$result $part=PASS"
	else
		echo "--- guest: $part FAIL (exit $rc, ${s}s); first errors:"
		first_errors "$part" "$log" | sed 's/^/---   | /'
		result="$result $part=FAIL"
		failed=1
	fi
	result="$result ${part}_s=$s"
done
echo "$result"
exit "$failed"
