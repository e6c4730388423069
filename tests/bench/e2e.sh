#!/bin/bash
# shellcheck disable=SC2153  # CG, BPFFS are set by bench_cgroup/bench_bpffs
# tests/bench/e2e.sh — ksbpf against an nftables kill switch, end to end.
#
# Two namespaces of this script's own joined by two veth pairs: the uplink
# (client up0 198.19.255.2/24 == server sv0 198.19.255.1/24) and one that
# plays the VPN tunnel (client kswgbID 198.19.254.2/24 == server tv0
# 198.19.254.1/24: a veth, so that no tunnel's own cost is measured); nothing
# of the host is touched. In the client namespace, one of four variants
# guards the uplink:
#   none       no kill switch
#   empty      empty programs attached where ksbpf attaches its own (cgroup
#              link, TCX link on up0): what the hooks cost by themselves
#   ksbpf      `ksbpf load` (cgroup_skb on a cgroup holding only the senders,
#              TC on up0), the LAN allowlist written into its pinned trie
#   nft_rules  an nftables output chain the way the popular clients write it:
#              one rule per endpoint and per LAN CIDR, then the drop policy
#   nft_sets   the same with a set (interval set for the LAN, a concatenated
#              set for the endpoints): the best nftables can do
# with ALLOWLIST entries (LAN CIDRs; the traffic goes to the last one, the
# deepest rule). Per round, every variant in turn (rotated order):
#   pps    small UDP packets from FLOWS connected sockets (udpflood), SECONDS,
#          to the server's uplink address: LAN traffic, the allowlist's
#          deepest entry (both ksbpf programs run: cgroup_skb and TC)
#   pps_tunnel  the same through the tunnel (the common case: only the
#          cgroup_skb program runs, and the first rules of the nft chain)
#   rtt    UDP ping-pong round trip p50/p99: udpflood ping, or sockperf
#          ping-pong with BENCH_LATENCY=sockperf (it sleeps ~2.2 s per run,
#          too long for 120 runs in `make bench`)
#   tcp    iperf3 one TCP stream (if iperf3 is installed)
# and before measuring, a check that the variant is in force (UDP to port 53
# must get EPERM from every kill switch).
# Every process of the lab runs on one CPU (BENCH_CPU, default the last),
# with taskset when it is there: the round trip then does not depend on
# which CPU wakes from idle, and the packet rate not on migrations.
# Writes one JSON object per (size, round, variant) to --out (JSON lines).
#
# Usage: e2e.sh --out FILE [--sizes "10 1000 10000"] [--rounds 10]
#               [--seconds 1] [--flows 64]
set -eu
# shellcheck source=tests/bench/lib.sh disable=SC2154  # (lib.sh sets variables by name)
source "$(dirname "$0")/lib.sh"

OUT=""
SIZES="10 1000 10000"
ROUNDS=10
SECS=1
FLOWS=64
while [ $# -gt 0 ]; do
	case $1 in
	--out) OUT=$2; shift 2 ;;
	--sizes) SIZES=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	--seconds) SECS=$2; shift 2 ;;
	--flows) FLOWS=$2; shift 2 ;;
	*) bench_die "e2e: unknown option $1" ;;
	esac
done
[ -n "$OUT" ] || bench_die "e2e: --out FILE"
: >"$OUT"

for t in ip nsenter ss bpftool "$KSBPF" "$BENCH_BIN/udpflood" "$BENCH_BIN/lanfill" \
	"$BENCH_BIN/emptyattach"; do
	command -v "$t" >/dev/null || bench_die "e2e: missing $t"
done
[ -e "$BENCH_BIN/empty.bpf.o" ] || bench_die "e2e: missing $BENCH_BIN/empty.bpf.o"
VARIANTS="none empty ksbpf"
if bench_have nft; then
	VARIANTS="$VARIANTS nft_rules nft_sets"
else
	echo "e2e: SKIPPED nft_rules, nft_sets: nft not installed (Debian package nftables)"
fi
LATENCY=${BENCH_LATENCY:-udpflood}
if [ "$LATENCY" = sockperf ] && ! bench_have sockperf; then
	echo "e2e: sockperf not installed (Debian package sockperf): latency with udpflood ping"
	LATENCY=udpflood
fi
HAVE_IPERF=0
bench_have iperf3 && HAVE_IPERF=1
[ "$HAVE_IPERF" = 1 ] || echo "e2e: SKIPPED tcp throughput: iperf3 not installed (Debian package iperf3)"

NS_C=ksbench-c-$BENCH_ID
NS_S=ksbench-s-$BENCH_ID
C4=198.19.255.2
S4=198.19.255.1
CT4=198.19.254.2
ST4=198.19.254.1
TUN=kswgb$BENCH_ID
EP=192.0.2.1:51820/udp
PORT0=9000
NPORTS=64
WORK=$(mktemp -d "/tmp/ksbench-e2e-$BENCH_ID.XXXXXX")
bench_defer "rm -rf '$WORK'"

bench_netns "$NS_C"
bench_netns "$NS_S"
bench_cgroup "ksbench-e2e-$BENCH_ID" CG
bench_bpffs "ksbench-e2e-$BENCH_ID" BPFFS
bench_defer_unload "$NS_C" "$CG" "$BPFFS"

PIN=()
if bench_have taskset; then
	PIN=(taskset -c "${BENCH_CPU:-$(($(nproc) - 1))}")
else
	echo "e2e: taskset missing (util-linux): processes not pinned to one CPU"
fi
# (Not for `&`: a function in the background is a subshell, and $! would
# not be the process. Background processes are started with nsenter itself,
# which execs them.)
in_c() { nsenter --net="/run/netns/$NS_C" "$@"; }
in_s() { nsenter --net="/run/netns/$NS_S" "${PIN[@]}" "$@"; }
in_cg() { bench_in_cg "$NS_C" "$CG" "${PIN[@]}" "$@"; }
SRV=(nsenter --net="/run/netns/$NS_S" "${PIN[@]}")

for ns in "$NS_C" "$NS_S"; do
	nsenter --net="/run/netns/$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
done
mac() { ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
veth() {	# client-if client-addr server-if server-addr
	ip -n "$NS_C" link add "$1" type veth peer name "$3" netns "$NS_S"
	ip -n "$NS_C" addr add "$2/24" dev "$1"
	ip -n "$NS_S" addr add "$4/24" dev "$3"
	ip -n "$NS_C" link set "$1" up
	ip -n "$NS_S" link set "$3" up
	# Static neighbours: no ARP in the measurements.
	ip -n "$NS_C" neigh replace "$4" dev "$1" nud permanent lladdr "$(mac "$NS_S" "$3")"
	ip -n "$NS_S" neigh replace "$2" dev "$3" nud permanent lladdr "$(mac "$NS_C" "$1")"
}
veth up0 "$C4" sv0 "$S4"
veth "$TUN" "$CT4" tv0 "$ST4"

# The far end: a UDP sink, an echo server, iperf3 (ours; killed at exit).
"${SRV[@]}" "$BENCH_BIN/udpflood" sink "$S4" "$PORT0" "$NPORTS" 3600 >"$WORK/sink.out" 2>&1 &
bench_defer "bench_kill $!"
"${SRV[@]}" "$BENCH_BIN/udpflood" sink "$ST4" "$PORT0" "$NPORTS" 3600 >"$WORK/sink-tun.out" 2>&1 &
bench_defer "bench_kill $!"
if [ "$LATENCY" = sockperf ]; then
	"${SRV[@]}" sockperf server -i "$S4" -p 11111 >"$WORK/echo.out" 2>&1 &
else
	"${SRV[@]}" "$BENCH_BIN/udpflood" echo "$S4" 11111 3600 >"$WORK/echo.out" 2>&1 &
fi
bench_defer "bench_kill $!"
if [ "$HAVE_IPERF" = 1 ]; then
	"${SRV[@]}" iperf3 -s -B "$S4" -p 5201 >"$WORK/iperf3-server.out" 2>&1 &
	bench_defer "bench_kill $!"
fi
servers_ready() {
	grep -q "sink ready" "$WORK/sink.out" && grep -q "sink ready" "$WORK/sink-tun.out" &&
		{ [ "$LATENCY" = sockperf ] || grep -q "echo ready" "$WORK/echo.out"; } &&
		{ [ "$HAVE_IPERF" = 0 ] || in_s ss -Hltn "sport = :5201" | grep -q LISTEN; }
}
for ((i = 0; i < 100; i++)); do
	servers_ready && break
	sleep 0.1
done
servers_ready || bench_die "e2e: the servers did not start: $(cat "$WORK"/*.out)"

rx_packets() {	# packets received by an interface of the server namespace
	in_s cat /proc/net/dev | awk -F'[: ]+' -v d="$1" '{ for (i = 1; i <= NF; i++) if ($i == d) { print $(i + 2); exit } }'
}

# flood DST IFACE: udpflood for SECONDS; sets PPS, RXPPS, EPERM.
flood() {
	local out rx0 rx1 sent secs
	rx0=$(rx_packets "$2")
	out=$(in_cg "$BENCH_BIN/udpflood" send "$1" "$PORT0" "$NPORTS" "$FLOWS" "$SECS") ||
		bench_die "e2e: udpflood failed: $out"
	rx1=$(rx_packets "$2")
	sent=$(sed -n 's/.*sent=\([0-9]*\).*/\1/p' <<<"$out")
	EPERM=$(sed -n 's/.*eperm=\([0-9]*\).*/\1/p' <<<"$out")
	secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$out")
	PPS=$(awk -v a="$sent" -v s="$secs" 'BEGIN { printf "%.0f", a / s }')
	RXPPS=$(awk -v a="$rx0" -v b="$rx1" -v s="$secs" 'BEGIN { printf "%.0f", (b - a) / s }')
}

# ---------------------------------------------------------------- variants
nft_common_head() {	# the part before the allowlist, in both variants
	cat <<EOF
	chain output {
		type filter hook output priority 0; policy drop;
		oif "lo" accept
		oifname "$TUN" accept
EOF
}

gen_nft() {	# size cidr-file -> $WORK/rules.nft $WORK/sets.nft
	{
		echo "table inet ksb_rules {"
		nft_common_head
		echo "		ip daddr 192.0.2.1 udp dport 51820 accept"
		echo "		udp sport 68 udp dport 67 accept"
		echo "		udp sport 546 udp dport 547 accept"
		echo "		udp dport 53 drop"
		echo "		tcp dport 53 drop"
		echo "		tcp dport 853 drop"
		awk '{ printf "\t\tip daddr %s accept\n", $1 }' "$2"
		echo "	}"
		echo "}"
	} >"$WORK/rules.nft"
	{
		echo "table inet ksb_sets {"
		echo "	set endpoints4 {"
		echo "		type ipv4_addr . inet_proto . inet_service"
		echo "		elements = { 192.0.2.1 . udp . 51820 }"
		echo "	}"
		echo "	set lan4 {"
		echo "		type ipv4_addr; flags interval;"
		printf "		elements = { "
		awk 'NR > 1 { printf ", " } { printf "%s", $1 }' "$2"
		echo " }"
		echo "	}"
		nft_common_head
		echo "		ip daddr . meta l4proto . th dport @endpoints4 accept"
		echo "		udp sport 68 udp dport 67 accept"
		echo "		udp sport 546 udp dport 547 accept"
		echo "		meta l4proto { tcp, udp } th dport 53 drop"
		echo "		tcp dport 853 drop"
		echo "		ip daddr @lan4 accept"
		echo "	}"
		echo "}"
	} >"$WORK/sets.nft"
}

# A dormant table has its hooks unregistered: it costs nothing.
nft_state() {	# table dormant|active
	if [ "$2" = dormant ]; then
		in_c nft add table inet "$1" '{ flags dormant; }'
	else
		echo "table inet $1 { }" | in_c nft -f -
	fi
	local got=active
	in_c nft list table inet "$1" | head -3 | grep -q dormant && got=dormant
	[ "$got" = "$2" ] || bench_die "e2e: nft table $1 is $got, want $2"
}

EMPTY_PID=""
stop_empty() {
	[ -n "$EMPTY_PID" ] || return 0
	bench_kill "$EMPTY_PID"
	EMPTY_PID=""
}
bench_defer stop_empty

variant_on() {	# variant size
	case $1 in
	none) ;;
	empty)
		: >"$WORK/empty.out"
		nsenter --net="/run/netns/$NS_C" "$BENCH_BIN/emptyattach" \
			"$BENCH_BIN/empty.bpf.o" "$CG" up0 3600 >"$WORK/empty.out" 2>&1 &
		EMPTY_PID=$!
		for ((i = 0; i < 100; i++)); do
			grep -q attached "$WORK/empty.out" && break
			kill -0 "$EMPTY_PID" 2>/dev/null || break
			sleep 0.05
		done
		grep -q attached "$WORK/empty.out" ||
			bench_die "e2e: emptyattach: $(cat "$WORK/empty.out")" ;;
	ksbpf)
		bench_ks "$NS_C" "$CG" "$BPFFS" load --tunnel "$TUN" --endpoint "$EP" \
			>"$WORK/load.out" 2>&1 || bench_die "e2e: ksbpf load: $(cat "$WORK/load.out")"
		"$BENCH_BIN/lanfill" "$BPFFS/ksbpf_lan4" "$WORK/lan.txt" >/dev/null ||
			bench_die "e2e: lanfill"
		bench_ks "$NS_C" "$CG" "$BPFFS" status >"$WORK/status.out" 2>&1 ||
			bench_die "e2e: ksbpf status: $(cat "$WORK/status.out")" ;;
	nft_rules) nft_state ksb_rules active ;;
	nft_sets) nft_state ksb_sets active ;;
	esac
}

variant_off() {
	case $1 in
	none) ;;
	empty) stop_empty ;;
	ksbpf)
		bench_ks "$NS_C" "$CG" "$BPFFS" unload >/dev/null 2>&1 ||
			bench_die "e2e: ksbpf unload" ;;
	nft_rules) nft_state ksb_rules dormant ;;
	nft_sets) nft_state ksb_sets dormant ;;
	esac
}

# Is the variant in force? DNS to the server must be refused (EPERM) by any
# kill switch, and go out without one.
variant_check() {
	local out eperm
	out=$(in_cg "$BENCH_BIN/udpflood" send "$S4" 53 1 1 0.05 18 1) ||
		bench_die "e2e: udpflood (check) failed"
	eperm=$(sed -n 's/.*eperm=\([0-9]*\).*/\1/p' <<<"$out")
	if [ "$1" = none ] || [ "$1" = empty ]; then
		[ "$eperm" = 0 ] || bench_die "e2e: no kill switch ($1), yet EPERM: $out"
	else
		[ "$eperm" -gt 0 ] || bench_die "e2e: $1 is not in force (DNS went out): $out"
	fi
}

measure() {	# variant size round
	local v=$1 n=$2 r=$3 pps rxpps eperm tpps trxpps p50=null p99=null gbps=null
	flood "$S4" sv0
	pps=$PPS rxpps=$RXPPS eperm=$EPERM
	flood "$ST4" tv0
	tpps=$PPS trxpps=$RXPPS eperm=$((eperm + EPERM))
	if [ "$LATENCY" = sockperf ]; then
		in_cg sockperf ping-pong -i "$S4" -p 11111 -t "$TCP_SECS" -m 64 --full-rtt \
			>"$WORK/ping.out" 2>&1 || bench_die "e2e: sockperf: $(tail -5 "$WORK/ping.out")"
		p50=$(awk '/percentile 50.000 =/ { print $NF }' "$WORK/ping.out")
		p99=$(awk '/percentile 99.000 =/ { print $NF }' "$WORK/ping.out")
	else
		in_cg "$BENCH_BIN/udpflood" ping "$S4" 11111 "$SECS" 64 >"$WORK/ping.out" 2>&1 ||
			bench_die "e2e: udpflood ping: $(cat "$WORK/ping.out")"
		p50=$(sed -n 's/.*rtt_p50_us=\([0-9.]*\).*/\1/p' "$WORK/ping.out")
		p99=$(sed -n 's/.*rtt_p99_us=\([0-9.]*\).*/\1/p' "$WORK/ping.out")
	fi
	if [ -z "$p50" ] || [ -z "$p99" ]; then
		bench_die "e2e: no round-trip percentiles: $(tail -5 "$WORK/ping.out")"
	fi
	if [ "$HAVE_IPERF" = 1 ]; then
		in_cg iperf3 -c "$S4" -p 5201 -t "$TCP_SECS" -J >"$WORK/iperf3.json" 2>&1 ||
			bench_die "e2e: iperf3: $(tail -5 "$WORK/iperf3.json")"
		gbps=$("$PY" -c 'import json,sys; print("%.3f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' "$WORK/iperf3.json") ||
			bench_die "e2e: cannot read iperf3's result: $(head -c 600 "$WORK/iperf3.json")"
	fi
	printf '{"size": %d, "round": %d, "variant": "%s", "pps": %s, "rx_pps": %s, "pps_tunnel": %s, "rx_pps_tunnel": %s, "eperm": %s, "rtt_p50_us": %s, "rtt_p99_us": %s, "tcp_gbps": %s}\n' \
		"$n" "$r" "$v" "$pps" "$rxpps" "$tpps" "$trxpps" "$eperm" "$p50" "$p99" "$gbps" >>"$OUT"
	printf '  size %-6s round %-2s %-10s pps LAN %7s (rx %7s) tunnel %7s (rx %7s)  rtt p50/p99 %s/%s us  tcp %s Gbit/s\n' \
		"$n" "$r" "$v" "$pps" "$rxpps" "$tpps" "$trxpps" "$p50" "$p99" "$gbps"
}

# sockperf and iperf3 take whole seconds.
TCP_SECS=$(awk -v s="$SECS" 'BEGIN { s = int(s + 0.5); print (s < 1 ? 1 : s) }')

echo "e2e: variants: $VARIANTS; sizes: $SIZES; $ROUNDS rounds of ${SECS}s per test; $FLOWS flows; latency: $LATENCY"
for n in $SIZES; do
	bench_cidrs "$n" "$WORK/lan.txt"
	if bench_have nft; then
		gen_nft "$n" "$WORK/lan.txt"
		t0=$EPOCHREALTIME
		in_c nft -f "$WORK/rules.nft" || bench_die "e2e: nft -f rules ($n)"
		t1=$EPOCHREALTIME
		in_c nft -f "$WORK/sets.nft" || bench_die "e2e: nft -f sets ($n)"
		t2=$EPOCHREALTIME
		printf '{"size": %d, "nft_load_s": {"nft_rules": %.3f, "nft_sets": %.3f}}\n' "$n" \
			"$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
			"$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')" >>"$OUT"
		nft_state ksb_rules dormant
		nft_state ksb_sets dormant
	fi
	read -r -a vs <<<"$VARIANTS"
	for ((r = 1; r <= ROUNDS; r++)); do
		for ((k = 0; k < ${#vs[@]}; k++)); do
			v=${vs[(k + r) % ${#vs[@]}]}
			variant_on "$v" "$n"
			variant_check "$v"
			measure "$v" "$n" "$r"
			variant_off "$v"
			# Nothing of the variant may stay for the next one.
			[ -z "$(bpftool cgroup show "$CG" 2>/dev/null)" ] ||
				bench_die "e2e: programs still on $CG after $v: $(bpftool cgroup show "$CG")"
		done
	done
	if bench_have nft; then
		in_c nft delete table inet ksb_rules
		in_c nft delete table inet ksb_sets
	fi
done
echo "e2e: done"
