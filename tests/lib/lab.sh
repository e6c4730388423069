# shellcheck shell=bash
# shellcheck disable=SC2034,SC2016
# (SC2034: variables are for the scripts that source this; SC2016: the
# single-quoted $$ and $@ are meant for the inner shell.)
# tests/lib/lab.sh — a throwaway network lab for ksbpf's e2e tests and demo.
#
# Source it from bash, then:
#   trap lab_cleanup EXIT INT TERM
#   lab_setup [--lan] [--ep6]     # namespaces, veths, cgroup, keys
#   lab_tunnel_up                  # wireguard-go both ends, routes
#
# Topology (every name carries the suffix $LAB_ID, $$ by default, so labs
# can coexist; nothing of the host is moved or changed):
#
#   client netns  up0 192.0.2.2/24 2001:db8:1::2/64 ==veth== sv0 192.0.2.1/24
#   (LAB_NS_C)    wg tunnel $LAB_WG_C 10.66.0.2/24 fd66::2/64   2001:db8:1::1/64
#                 default dev $LAB_WG_C metric 10    server netns (LAB_NS_S)
#                 default via up0 metric 100         $LAB_WG_S 10.66.0.1 fd66::1
#                 (the fallback = the leak)          listens on 51820
#                                                    lo: 198.51.100.1/32
#                                                        2001:db8:ffff::1/128
#   with --lan:   lan0 192.168.77.2/24 fd77::2/64 ==veth== lr0 192.168.77.1/24
#                                                 fd77::1/64  (LAB_NS_L)
#
# The "internet" addresses ($LAB_INET4/$LAB_INET6) live on the server's lo:
# reachable through the tunnel while it is up, and in the clear via up0 when
# it is gone. The WireGuard endpoint is 192.0.2.1:51820 (or
# [2001:db8:1::1]:51820 with --ep6).
#
# ksbpf is only ever run inside the client namespace (nsenter --net, which
# keeps the host's /sys/fs/bpf and cgroup2 mount), with --cgroup pointing at
# the lab's own cgroup and --bpffs at the lab's own pin directory.

LAB_ROOT=${LAB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
KSBPF=${KSBPF:-$LAB_ROOT/build/ksbpf}
LAB_SEND=(/usr/bin/python3 "$LAB_ROOT/tests/lib/ksbpf-send.py")
LAB_ID=${LAB_ID:-$$}

LAB_NS_C=kse2e-c-$LAB_ID
LAB_NS_S=kse2e-s-$LAB_ID
LAB_NS_L=kse2e-l-$LAB_ID
LAB_WG_C=kswc$LAB_ID		# unique across namespaces (control socket)
LAB_WG_S=ksws$LAB_ID
LAB_WG_PORT=51820

LAB_C4=192.0.2.2
LAB_S4=192.0.2.1
LAB_C6=2001:db8:1::2
LAB_S6=2001:db8:1::1
LAB_TC4=10.66.0.2
LAB_TS4=10.66.0.1
LAB_TC6=fd66::2
LAB_TS6=fd66::1
LAB_INET4=198.51.100.1
LAB_INET6=2001:db8:ffff::1
LAB_LANC4=192.168.77.2
LAB_LAN4=192.168.77.1
LAB_LANC6=fd77::2
LAB_LAN6=fd77::1
LAB_LANNET4=192.168.77.0/24
LAB_LANNET6=fd77::/64

LAB_DIR=""
LAB_CG=""
LAB_CG2=""
LAB_BPFFS=""
LAB_HAVE_LAN=0
LAB_EP_FAMILY=4
LAB_EP_ADDR=$LAB_S4
LAB_EP_SPEC="$LAB_S4:$LAB_WG_PORT/udp"	# ksbpf --endpoint
LAB_WG_ENDPOINT="$LAB_S4:$LAB_WG_PORT"	# wg endpoint
LAB_CMAC=""
LAB_SMAC=""
LAB_PID_WG_C=""
LAB_PID_WG_S=""
LAB_PIDS=""			# every background process we started
LAB_LOADED=0			# ksbpf load was called
LAB_FAILS=0
LAB_CHECKS=0
LAB_T0=$(date +%s)
declare -A LAB_CAP_PID=()
declare -A LAB_CAP_FILE=()
declare -A LAB_SND_PID=()

# ---------------------------------------------------------------- output
lab_log() { echo "[$(($(date +%s) - LAB_T0))s] $*"; }
lab_step() { echo; echo "=== $*"; }
lab_die() { echo "lab: $*" >&2; exit 1; }

pass() { LAB_CHECKS=$((LAB_CHECKS + 1)); echo "  ok    $*"; }
fail() { LAB_CHECKS=$((LAB_CHECKS + 1)); LAB_FAILS=$((LAB_FAILS + 1)); echo "  FAIL  $*"; }
info() { echo "  info  $*"; }
# check DESCRIPTION COMMAND... : pass if the command succeeds
check() { local d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }
check_zero() { if [ "${2:-x}" = 0 ]; then pass "$1: 0"; else fail "$1: ${2:-?} (want 0)"; fi; }
check_nonzero() {
	if [ -n "${2:-}" ] && [ "$2" -gt 0 ] 2>/dev/null; then pass "$1: $2 (> 0)"
	else fail "$1: ${2:-?} (want > 0)"; fi
}
check_eq() { if [ "$2" = "$3" ]; then pass "$1: $2"; else fail "$1: got '$2', want '$3'"; fi; }
check_ge() {	# desc got min
	if [ "$2" -ge "$3" ] 2>/dev/null; then pass "$1: $2 >= $3"
	else fail "$1: $2 (want >= $3)"; fi
}
# Summary line and exit status for a test script.
lab_finish() {
	echo
	echo "$(basename "$0"): $LAB_CHECKS checks, $LAB_FAILS failed, $(($(date +%s) - LAB_T0))s"
	[ "$LAB_FAILS" -eq 0 ]
}

# ---------------------------------------------------------------- helpers
lab_require_root() { [ "$(id -u)" = 0 ] || lab_die "must run as root"; }
lab_require_ksbpf() { [ -x "$KSBPF" ] || lab_die "$KSBPF not built (make build/ksbpf)"; }

# wait_for SECONDS COMMAND...: poll every 0.1 s until the command succeeds.
wait_for() {
	local n=$(($1 * 10)); shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

lab_cg2_mount() {	# where cgroup v2 is mounted, from mountinfo
	awk '{ for (i = 7; i <= NF; i++) if ($i == "-") {
		if ($(i + 1) == "cgroup2") { print $5; exit }
		break } }' /proc/self/mountinfo
}

lab_bpffs_mounted() {
	awk '{ for (i = 7; i <= NF; i++) if ($i == "-") {
		if ($(i + 1) == "bpf" && $5 == "/sys/fs/bpf") { f = 1; exit }
		break } } END { exit !f }' /proc/self/mountinfo
}

# Run a command in a lab namespace. nsenter --net keeps the host's /sys (bpffs
# and the cgroup2 mount), unlike `ip netns exec`.
in_client() { nsenter --net="/run/netns/$LAB_NS_C" "$@"; }
in_server() { nsenter --net="/run/netns/$LAB_NS_S" "$@"; }
in_lan() { nsenter --net="/run/netns/$LAB_NS_L" "$@"; }
# In the client namespace AND in the lab's cgroup (the only cgroup ksbpf's
# cgroup_skb program is attached to).
in_client_cg() {
	nsenter --net="/run/netns/$LAB_NS_C" /bin/sh -c \
		'echo $$ > "$0/cgroup.procs" && exec "$@"' "$LAB_CG" "$@"
}

lab_track() { LAB_PIDS="$LAB_PIDS $1"; }

# ---------------------------------------------------------------- setup
lab_setup() {
	local opt
	for opt in "$@"; do
		case $opt in
		--lan) LAB_HAVE_LAN=1 ;;
		--ep6)
			LAB_EP_FAMILY=6
			LAB_EP_ADDR=$LAB_S6
			LAB_EP_SPEC="[$LAB_S6]:$LAB_WG_PORT/udp"
			LAB_WG_ENDPOINT="[$LAB_S6]:$LAB_WG_PORT" ;;
		*) lab_die "lab_setup: unknown option $opt" ;;
		esac
	done
	lab_require_root
	# Scripts `trap lab_cleanup EXIT INT TERM`; make a signal also give a
	# non-zero exit status.
	trap 'LAB_SIGNAL=130 lab_cleanup' INT
	trap 'LAB_SIGNAL=143 lab_cleanup' TERM
	local t
	for t in ip nsenter wg wireguard-go tcpdump bpftool /usr/bin/python3; do
		command -v "$t" >/dev/null || lab_die "missing tool: $t"
	done
	[ -c /dev/net/tun ] || lab_die "no /dev/net/tun"

	LAB_DIR=$(mktemp -d "/tmp/ksbpf-e2e-$LAB_ID.XXXXXX") || lab_die "mktemp"

	LAB_CG2=$(lab_cg2_mount)
	[ -n "$LAB_CG2" ] || lab_die "no cgroup v2 mount in /proc/self/mountinfo"
	LAB_CG=$LAB_CG2/ksbpf-e2e-$LAB_ID
	mkdir "$LAB_CG" || lab_die "cannot create test cgroup $LAB_CG"

	if ! lab_bpffs_mounted; then
		mount -t bpf bpf /sys/fs/bpf || lab_die "cannot mount bpffs"
	fi
	LAB_BPFFS=/sys/fs/bpf/ksbpf-e2e-$LAB_ID

	ip netns add "$LAB_NS_C" || lab_die "netns add $LAB_NS_C"
	ip netns add "$LAB_NS_S" || lab_die "netns add $LAB_NS_S"
	local ns
	for ns in "$LAB_NS_C" "$LAB_NS_S"; do
		ip -n "$ns" link set lo up
		# no DAD on link-local addresses: fewer packets on the wire
		nsenter --net="/run/netns/$ns" sh -c \
			'echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad;
			 echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad'
	done

	# The uplink: created directly inside the namespaces, never on the host.
	ip -n "$LAB_NS_C" link add up0 type veth peer name sv0 netns "$LAB_NS_S" ||
		lab_die "veth up0/sv0"
	ip -n "$LAB_NS_C" addr add "$LAB_C4/24" dev up0
	ip -n "$LAB_NS_C" addr add "$LAB_C6/64" dev up0 nodad
	ip -n "$LAB_NS_S" addr add "$LAB_S4/24" dev sv0
	ip -n "$LAB_NS_S" addr add "$LAB_S6/64" dev sv0 nodad
	ip -n "$LAB_NS_C" link set up0 up
	ip -n "$LAB_NS_S" link set sv0 up
	LAB_CMAC=$(ip -n "$LAB_NS_C" -o link show up0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
	[ -n "$LAB_CMAC" ] || lab_die "no MAC on up0"
	LAB_SMAC=$(ip -n "$LAB_NS_S" -o link show sv0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')

	# The "internet", on the server's lo.
	ip -n "$LAB_NS_S" addr add "$LAB_INET4/32" dev lo
	ip -n "$LAB_NS_S" addr add "$LAB_INET6/128" dev lo

	# The fallback route: what traffic takes when the tunnel is gone.
	ip -n "$LAB_NS_C" route add default via "$LAB_S4" dev up0 metric 100
	ip -n "$LAB_NS_C" -6 route add default via "$LAB_S6" dev up0 metric 100

	if [ "$LAB_HAVE_LAN" = 1 ]; then
		ip netns add "$LAB_NS_L" || lab_die "netns add $LAB_NS_L"
		ip -n "$LAB_NS_L" link set lo up
		in_lan sh -c 'echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad'
		ip -n "$LAB_NS_C" link add lan0 type veth peer name lr0 netns "$LAB_NS_L" ||
			lab_die "veth lan0/lr0"
		ip -n "$LAB_NS_C" addr add "$LAB_LANC4/24" dev lan0
		ip -n "$LAB_NS_C" addr add "$LAB_LANC6/64" dev lan0 nodad
		ip -n "$LAB_NS_L" addr add "$LAB_LAN4/24" dev lr0
		ip -n "$LAB_NS_L" addr add "$LAB_LAN6/64" dev lr0 nodad
		ip -n "$LAB_NS_C" link set lan0 up
		ip -n "$LAB_NS_L" link set lr0 up
	fi

	# Keys.
	local k
	for k in c s; do
		(umask 077 && wg genkey >"$LAB_DIR/$k.key") || lab_die "wg genkey"
		wg pubkey <"$LAB_DIR/$k.key" >"$LAB_DIR/$k.pub" || lab_die "wg pubkey"
	done

	lab_wg_server_up
	lab_log "lab $LAB_ID: client=$LAB_NS_C server=$LAB_NS_S$([ "$LAB_HAVE_LAN" = 1 ] && echo " lan=$LAB_NS_L") cgroup=$LAB_CG bpffs=$LAB_BPFFS endpoint=$LAB_EP_SPEC"
}

# _wg_start NAMESPACE IFNAME LOG: wireguard-go in the foreground (-f), in the
# background of this shell; sets _WG_PID once the control socket is up.
_wg_start() {
	local ns=$1 ifn=$2 log=$3
	rm -f "/var/run/wireguard/$ifn.sock"
	nsenter --net="/run/netns/$ns" wireguard-go -f "$ifn" >"$log" 2>&1 &
	_WG_PID=$!
	lab_track "$_WG_PID"
	if ! wait_for 10 test -S "/var/run/wireguard/$ifn.sock"; then
		echo "lab: wireguard-go $ifn did not start:" >&2
		cat "$log" >&2
		return 1
	fi
}

lab_wg_server_up() {
	_wg_start "$LAB_NS_S" "$LAB_WG_S" "$LAB_DIR/wg-server.log" ||
		lab_die "server tunnel"
	LAB_PID_WG_S=$_WG_PID
	in_server wg set "$LAB_WG_S" listen-port "$LAB_WG_PORT" \
		private-key "$LAB_DIR/s.key" \
		peer "$(cat "$LAB_DIR/c.pub")" allowed-ips "$LAB_TC4/32,$LAB_TC6/128" ||
		lab_die "wg set $LAB_WG_S"
	ip -n "$LAB_NS_S" addr add "$LAB_TS4/24" dev "$LAB_WG_S"
	ip -n "$LAB_NS_S" addr add "$LAB_TS6/64" dev "$LAB_WG_S" nodad
	ip -n "$LAB_NS_S" link set "$LAB_WG_S" up
}

# lab_tunnel_up: (re)start the client's wireguard-go (kernel WireGuard with
# LAB_WG_KERNEL=1; the fwmark $LAB_WG_FWMARK when set), configure it, add the
# preferred default routes through it and wait for a handshake.
lab_tunnel_up() {
	if [ -n "${LAB_WG_KERNEL:-}" ]; then	# kernel WireGuard, not wireguard-go
		ip -n "$LAB_NS_C" link add "$LAB_WG_C" type wireguard ||
			{ fail "ip link add $LAB_WG_C type wireguard"; return 1; }
		LAB_PID_WG_C=kernel
	else
		_wg_start "$LAB_NS_C" "$LAB_WG_C" "$LAB_DIR/wg-client.log" ||
			{ fail "client tunnel did not start"; return 1; }
		LAB_PID_WG_C=$_WG_PID
	fi
	in_client wg set "$LAB_WG_C" private-key "$LAB_DIR/c.key" \
		${LAB_WG_FWMARK:+fwmark "$LAB_WG_FWMARK"} \
		peer "$(cat "$LAB_DIR/s.pub")" endpoint "$LAB_WG_ENDPOINT" \
		allowed-ips 0.0.0.0/0,::/0 || { fail "wg set $LAB_WG_C"; return 1; }
	ip -n "$LAB_NS_C" addr add "$LAB_TC4/24" dev "$LAB_WG_C"
	ip -n "$LAB_NS_C" addr add "$LAB_TC6/64" dev "$LAB_WG_C" nodad
	ip -n "$LAB_NS_C" link set "$LAB_WG_C" up
	ip -n "$LAB_NS_C" route add default dev "$LAB_WG_C" metric 10
	ip -n "$LAB_NS_C" -6 route add default dev "$LAB_WG_C" metric 10
	lab_tunnel_wait
}

# lab_tunnel_wait: ping the tunnel's far end until WireGuard has handshaken.
# Run from the client namespace outside the test cgroup.
lab_tunnel_wait() {
	local i
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		if in_client "${LAB_SEND[@]}" --count 2 --interval 0.2 --linger 0.5 \
			"icmp4:$LAB_TS4" | grep -q 'replies=[1-9]'; then
			return 0
		fi
	done
	fail "no handshake on $LAB_WG_C"
	return 1
}

# lab_tunnel_kill: SIGKILL the client's wireguard-go (its TUN device, with
# its addresses and routes, goes at once; the fallback route takes over).
lab_tunnel_kill() {
	[ -n "$LAB_PID_WG_C" ] || return 0
	if [ "$LAB_PID_WG_C" = kernel ]; then
		ip -n "$LAB_NS_C" link del "$LAB_WG_C"
	else
		kill -9 "$LAB_PID_WG_C" 2>/dev/null
		wait "$LAB_PID_WG_C" 2>/dev/null
	fi
	LAB_PID_WG_C=""
	wait_for 5 sh -c "! ip -n '$LAB_NS_C' link show '$LAB_WG_C'" ||
		info "$LAB_WG_C still present after SIGKILL"
	rm -f "/var/run/wireguard/$LAB_WG_C.sock"
}

lab_tunnel_present() { ip -n "$LAB_NS_C" link show "$LAB_WG_C" >/dev/null 2>&1; }

# ---------------------------------------------------------------- captures
# cap_start NAME NAMESPACE IFACE: tcpdump -U on IFACE into $LAB_DIR/NAME.pcap;
# returns once tcpdump listens.
cap_start() {
	local name=$1 ns=$2 ifn=$3 f=$LAB_DIR/$1.pcap pid
	nsenter --net="/run/netns/$ns" tcpdump -Z root -U --immediate-mode -n -s 256 -i "$ifn" \
		-w "$f" 2>"$LAB_DIR/$name.tcpdump.log" &
	pid=$!
	lab_track "$pid"
	LAB_CAP_PID[$name]=$pid
	LAB_CAP_FILE[$name]=$f
	if ! wait_for 10 grep -q "listening on" "$LAB_DIR/$name.tcpdump.log"; then
		fail "tcpdump on $ns/$ifn did not start: $(cat "$LAB_DIR/$name.tcpdump.log")"
		return 1
	fi
}

# cap_stop NAME...: stop captures (after a short grace for late packets).
cap_stop() {
	local name pid
	sleep 0.3
	for name in "$@"; do
		pid=${LAB_CAP_PID[$name]:-}
		[ -n "$pid" ] || continue
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		LAB_CAP_PID[$name]=""
	done
}

# cap_count NAME FILTER: number of packets in the capture matching FILTER.
cap_count() {
	local f=${LAB_CAP_FILE[$1]:-}
	if [ -z "$f" ] || [ ! -f "$f" ]; then echo 0; return; fi
	tcpdump -n -r "$f" "$2" 2>/dev/null | wc -l
}

# cap_show NAME FILTER [N]: the first N matching packets (for diagnostics).
cap_show() {
	local f=${LAB_CAP_FILE[$1]:-}
	if [ -z "$f" ] || [ ! -f "$f" ]; then return 0; fi
	tcpdump -n -r "$f" "$2" 2>/dev/null | head -n "${3:-5}" | sed 's/^/          | /'
}

# Filters for a capture on sv0 (the server's end of the uplink wire).
# From the client: only what the client put on the wire.
F_FROM_CLIENT() { echo "ether src $LAB_CMAC"; }
# WireGuard to the endpoint (the one allowed exception).
F_ENDPOINT() { echo "ether src $LAB_CMAC and udp and dst host $LAB_EP_ADDR and dst port $LAB_WG_PORT"; }
# Link bring-up the policy allows: ARP, ICMPv6 RS/RA/NS/NA/redirect, and
# anything to ff02::/16 (MLDv2 reports carry a hop-by-hop header).
F_BRINGUP() { echo "arp or (icmp6 and ip6[40] >= 133 and ip6[40] <= 137) or (ip6 and dst net ff02::/16)"; }
# A leak: anything from the client that is neither endpoint nor bring-up.
F_LEAK() { echo "ether src $LAB_CMAC and not ($(F_BRINGUP)) and not (udp and dst host $LAB_EP_ADDR and dst port $LAB_WG_PORT)"; }
# Probe-specific leaks (what our senders aim at the internet addresses).
F_LEAK_UDP4() { echo "ether src $LAB_CMAC and udp and dst host $LAB_INET4"; }
F_LEAK_ICMP4() { echo "ether src $LAB_CMAC and icmp and dst host $LAB_INET4"; }
F_LEAK_UDP6() { echo "ether src $LAB_CMAC and udp and dst host $LAB_INET6"; }
F_LEAK_ICMP6() { echo "ether src $LAB_CMAC and icmp6 and dst host $LAB_INET6"; }

# Standard probe set: UDP + ICMP, IPv4 + IPv6, to the internet addresses.
probes_inet() {
	echo "udp4:$LAB_INET4:40000 icmp4:$LAB_INET4 udp6:[$LAB_INET6]:40000 icmp6:$LAB_INET6"
}

# Whole frames on an AF_PACKET socket bound to up0, UDP to the internet
# addresses at port 40001: cgroup_skb never sees them, only TC can stop them.
probes_afp() {
	echo "afp4:up0,$LAB_SMAC,$LAB_C4,$LAB_INET4,40001 afp6:up0,$LAB_SMAC,$LAB_C6,$LAB_INET6,40001"
}

# ---------------------------------------------------------------- senders
# sender_start NAME WHERE SEND-ARGS...: WHERE is cg (client netns, test
# cgroup), ns (client netns, NOT in the test cgroup: only TC can stop it),
# or server. Output in $LAB_DIR/NAME.out.
sender_start() {
	local name=$1 where=$2 pid
	shift 2
	# Simple commands only (no shell functions) in the background, so that
	# $! is the sender itself: nsenter and sh exec into it.
	case $where in
	cg) nsenter --net="/run/netns/$LAB_NS_C" /bin/sh -c \
		'echo $$ > "$0/cgroup.procs" && exec "$@"' "$LAB_CG" \
		"${LAB_SEND[@]}" --tag "$name" "$@" >"$LAB_DIR/$name.out" 2>&1 & ;;
	ns) nsenter --net="/run/netns/$LAB_NS_C" \
		"${LAB_SEND[@]}" --tag "$name" "$@" >"$LAB_DIR/$name.out" 2>&1 & ;;
	server) nsenter --net="/run/netns/$LAB_NS_S" \
		"${LAB_SEND[@]}" --tag "$name" "$@" >"$LAB_DIR/$name.out" 2>&1 & ;;
	*) lab_die "sender_start: where=$where" ;;
	esac
	pid=$!
	lab_track "$pid"
	LAB_SND_PID[$name]=$pid
}

# sender_in NAME CGROUP SEND-ARGS...: a sender in the client namespace, in
# CGROUP (the lab's cgroup or an app cgroup below it), in the background.
sender_in() {
	local name=$1 cg=$2
	shift 2
	case $cg in
	"$LAB_CG" | "$LAB_CG"/*) ;;
	*) lab_die "sender_in: $cg is not below the lab cgroup" ;;
	esac
	nsenter --net="/run/netns/$LAB_NS_C" /bin/sh -c \
		'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" \
		"${LAB_SEND[@]}" --tag "$name" "$@" >"$LAB_DIR/$name.out" 2>&1 &
	LAB_SND_PID[$name]=$!
	lab_track "$!"
}

sender_wait() {
	local name pid
	for name in "$@"; do
		pid=${LAB_SND_PID[$name]:-}
		[ -n "$pid" ] && wait "$pid" 2>/dev/null
		LAB_SND_PID[$name]=""
	done
}

# sender_run NAME WHERE SEND-ARGS...: in the foreground.
sender_run() { sender_start "$@"; sender_wait "$1"; }

# sender_get NAME KIND FIELD: sum of FIELD (sent|eperm|err|replies) over the
# targets of that kind (udp4, icmp6, ...; "all" for every target).
sender_get() {
	awk -v k="$2" -v f="$3" '
		{ split($1, a, ":"); if (k != "all" && a[1] != k) next
		  for (i = 2; i <= NF; i++) { split($i, kv, "=");
		      if (kv[1] == f) s += kv[2] } }
		END { print s + 0 }' "$LAB_DIR/$1.out"
}

sender_show() { sed 's/^/          > /' "$LAB_DIR/$1.out"; }

# ---------------------------------------------------------------- ksbpf
# Options every ksbpf call gets: the lab's own pin dir and cgroup, and an
# empty --config (when the loader has that option) so that a host's
# /etc/ksbpf/ksbpf.conf cannot change what the tests load.
_ks_common() {
	KS_COMMON=(--bpffs "$LAB_BPFFS" --cgroup "$LAB_CG")
	if [ -z "${LAB_KS_HAS_CONFIG:-}" ]; then
		LAB_KS_HAS_CONFIG=0
		"$KSBPF" --help 2>&1 | grep -q -- --config && LAB_KS_HAS_CONFIG=1
	fi
	if [ "$LAB_KS_HAS_CONFIG" = 1 ]; then
		: >"$LAB_DIR/ksbpf.conf"
		KS_COMMON+=(--config "$LAB_DIR/ksbpf.conf")
	fi
	# The status snapshot in the lab, not in the host's /run/ksbpf.
	if [ -z "${LAB_KS_HAS_STATUS_FILE:-}" ]; then
		LAB_KS_HAS_STATUS_FILE=0
		"$KSBPF" status --help 2>&1 | grep -q -- --status-file && LAB_KS_HAS_STATUS_FILE=1
	fi
	if [ "$LAB_KS_HAS_STATUS_FILE" = 1 ]; then
		KS_COMMON+=(--status-file "${LAB_STATUS_FILE:-$LAB_DIR/status.json}")
	fi
}

# Refuse to run ksbpf anywhere but in the lab: its namespace, its cgroup
# (never the cgroup v2 root), its pin directory.
_ks_guard() {
	if [ -z "$LAB_CG" ] || [ "$LAB_CG" = "$LAB_CG2" ] || [ ! -d "$LAB_CG" ] ||
		[ -z "$LAB_BPFFS" ] || [ "$LAB_BPFFS" = /sys/fs/bpf ] ||
		[ ! -e "/run/netns/$LAB_NS_C" ]; then
		echo "lab: refusing to run ksbpf outside the lab" >&2
		return 99
	fi
	_ks_common
}

# ks SUBCOMMAND ARGS...: build/ksbpf in the client namespace, always with the
# lab's own --bpffs and --cgroup. Refuses to run without them.
ks() {
	local sub=$1
	shift
	_ks_guard || return 99
	case $sub in load | run) LAB_LOADED=1 ;; esac
	# The lab's options first: what follows `--` (ks exec) is the command's.
	nsenter --net="/run/netns/$LAB_NS_C" "$KSBPF" "$sub" "${KS_COMMON[@]}" "$@"
}

# ks_load EXTRA-ARGS...: load with the lab's tunnel and endpoint.
ks_load() { ks load --tunnel "$LAB_WG_C" --endpoint "$LAB_EP_SPEC" "$@"; }

# ks_load_bg OUT EXTRA-ARGS...: the same load in the background; KS_BG_PID
# is the ksbpf process itself (nsenter execs it), for kill -9 tests.
ks_load_bg() {
	local out=$1
	shift
	_ks_guard || return 99
	LAB_LOADED=1
	nsenter --net="/run/netns/$LAB_NS_C" "$KSBPF" load --tunnel "$LAB_WG_C" \
		--endpoint "$LAB_EP_SPEC" "$@" "${KS_COMMON[@]}" >"$out" 2>&1 &
	KS_BG_PID=$!
	lab_track "$KS_BG_PID"
}

# ks_run_bg OUT EXTRA-ARGS...: the agent (`ksbpf run`) in the background,
# with the lab's tunnel and endpoint; KS_AGENT_PID is the ksbpf process.
ks_run_bg() {
	local out=$1
	shift
	_ks_guard || return 99
	LAB_LOADED=1
	nsenter --net="/run/netns/$LAB_NS_C" "$KSBPF" run --tunnel "$LAB_WG_C" \
		--endpoint "$LAB_EP_SPEC" "$@" "${KS_COMMON[@]}" >"$out" 2>&1 &
	KS_AGENT_PID=$!
	lab_track "$KS_AGENT_PID"
}

# counters_decreased OLD.json NEW.json: "hook/reason/field old>new" for
# every counter that went down (prints nothing when all kept or grew).
counters_decreased() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])).get("counters", {})
b = json.load(open(sys.argv[2])).get("counters", {})
for hook, reasons in a.items():
    for reason, v in reasons.items():
        for k in ("packets", "bytes"):
            old = v.get(k, 0)
            new = b.get(hook, {}).get(reason, {}).get(k, 0)
            if new < old:
                print("%s/%s/%s %d>%d" % (hook, reason, k, old, new))
PY
}

# ks_status_json FILE: status --json into FILE; returns status's exit code.
ks_status_json() { ks status --json >"$1" 2>"$1.err"; }

# js FILE PYTHON-EXPR: evaluate an expression on the JSON document d.
js() {
	/usr/bin/python3 - "$1" "$2" <<'EOF' 2>/dev/null
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    v = eval(sys.argv[2], {"d": d})
except Exception as e:
    v = "ERROR:%s" % e
    try:
        v += " [stdout: %r, stderr: %r]" % (open(sys.argv[1]).read()[:300],
                                          open(sys.argv[1] + ".err").read()[:300])
    except OSError:
        pass
if isinstance(v, bool):
    v = int(v)
if isinstance(v, (list, dict)):
    v = json.dumps(v, sort_keys=True)
print(v)
EOF
}

# counter FILE HOOK REASON [packets|bytes]
counter() {
	js "$1" "d.get('counters',{}).get('$2',{}).get('$3',{}).get('${4:-packets}',0)"
}

# The pinned bpf_links under the lab's bpffs dir: "ID TYPE PIN" per line.
lab_pinned_links() {
	local f
	[ -d "$LAB_BPFFS" ] || return 0
	find "$LAB_BPFFS" -type f 2>/dev/null | while read -r f; do
		bpftool -j link show pinned "$f" 2>/dev/null |
			/usr/bin/python3 -c 'import json,sys
try:
    d = json.load(sys.stdin)
except Exception:
    sys.exit(0)
if isinstance(d, dict) and d.get("id") is not None:
    print(d["id"], d.get("type"), sys.argv[1])' "${f##*/}"
	done
}

# BPF programs attached to the test cgroup (egress), ids.
lab_cg_progs() {
	bpftool -j cgroup show "$LAB_CG" 2>/dev/null | /usr/bin/python3 -c 'import json,sys
try:
    d = json.load(sys.stdin)
except Exception:
    sys.exit(0)
for p in d:
    print(p.get("id"), p.get("attach_type"), p.get("name"))'
}

# ---------------------------------------------------------------- cleanup
lab_cleanup() {
	local rc=$? pid name
	trap - EXIT INT TERM
	set +e
	if [ -n "${LAB_SIGNAL:-}" ]; then
		rc=$LAB_SIGNAL
		echo "lab: interrupted, cleaning up" >&2
	fi
	# captures first (clean pcap ends), then everything else we started
	for name in "${!LAB_CAP_PID[@]}"; do
		pid=${LAB_CAP_PID[$name]}
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	done
	for pid in $LAB_PIDS; do
		kill -9 "$pid" 2>/dev/null
	done
	for pid in $LAB_PIDS; do
		wait "$pid" 2>/dev/null
	done
	# unload enforcement (only if the lab still exists)
	if [ "$LAB_LOADED" = 1 ] && [ -x "$KSBPF" ] && [ -n "$LAB_CG" ] &&
		[ -d "$LAB_CG" ] && [ -e "/run/netns/$LAB_NS_C" ] && [ -d "$LAB_DIR" ]; then
		ks unload >/dev/null 2>&1 || true
	fi
	if [ -n "$LAB_BPFFS" ] && [ -d "$LAB_BPFFS" ]; then
		rm -rf "$LAB_BPFFS"
	fi
	# processes still in the lab's namespaces (all ours)
	local ns
	for ns in "$LAB_NS_C" "$LAB_NS_S" "$LAB_NS_L"; do
		[ -e "/run/netns/$ns" ] || continue
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
	done
	# the test cgroup: kill what is left in it, then remove it
	if [ -n "$LAB_CG" ] && [ "$LAB_CG" != "$LAB_CG2" ] && [ -d "$LAB_CG" ]; then
		if [ -e "$LAB_CG/cgroup.kill" ]; then
			echo 1 > "$LAB_CG/cgroup.kill" 2>/dev/null
		else
			for pid in $(cat "$LAB_CG/cgroup.procs" 2>/dev/null); do
				kill -9 "$pid" 2>/dev/null
			done
		fi
		# children first (app cgroups a test made), deepest first
		wait_for 5 sh -c 'find "$1" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
			rmdir "$1"' sh "$LAB_CG" || echo "lab: could not remove $LAB_CG" >&2
	fi
	for ns in "$LAB_NS_C" "$LAB_NS_S" "$LAB_NS_L"; do
		[ -e "/run/netns/$ns" ] && ip netns del "$ns" 2>/dev/null
	done
	rm -f "/var/run/wireguard/$LAB_WG_C.sock" "/var/run/wireguard/$LAB_WG_S.sock"
	if [ -n "$LAB_DIR" ] && [ -d "$LAB_DIR" ]; then
		if [ -n "${LAB_KEEP:-}" ]; then
			echo "lab: kept $LAB_DIR" >&2
		else
			rm -rf "$LAB_DIR"
		fi
	fi
	exit "$rc"
}
