#!/bin/bash
# Scenario 4: apps that go around the tunnel while it is UP (the default
# route goes through it), from the lab cgroup (cg) and from outside it (ns):
#  a. SO_BINDTODEVICE up0: UDP, TCP, IPv4 and IPv6;
#  b. `curl --interface up0` (skipped if curl is not installed);
#  c. `ping -I up0`, or, without ping, raw ICMP echo with SO_BINDTODEVICE;
#  d. an explicit source address (the uplink's), first with the usual
#     routing (it goes into the tunnel), then with a source-based policy
#     route through the uplink gateway added behind ksbpf's back;
#  e. more specific routes through the uplink gateway added behind ksbpf's
#     back (0.0.0.0/1 + 128.0.0.0/1, ::/1 + 8000::/1, the "def1" trick).
# Positive control: each attempt again after `ksbpf unload` reaches sv0.
set -u
# shellcheck source=tests/adversarial/lib.sh
. "$(dirname "$0")/../lib.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf

lab_setup
adv_tool
lab_tunnel_up || exit 1
adv_load

HAVE_CURL=0; command -v curl >/dev/null && HAVE_CURL=1
HAVE_PING=0; command -v ping >/dev/null && HAVE_PING=1

# Every phase: its own capture on sv0; sets ATT and LEAK.
phase_begin() { cap_start "$1" "$LAB_NS_S" sv0; }
phase_end() {	# CAPTURE SENDERS...
	local c=$1
	shift
	cap_stop "$c"
	LEAK=$(adv_leaks "$c")
	[ "$LEAK" = 0 ] || adv_leak_detail "$c"
	ATT=$(($(attempts "$@") + ${EXTRA_ATT:-0}))
	EXTRA_ATT=0
}

SOCK_T="udp4:$LAB_INET4:40060 udp6:[$LAB_INET6]:40060 tcp4:$LAB_INET4:40061 tcp6:[$LAB_INET6]:40061"

phase_a() {	# SO_BINDTODEVICE
	phase_begin "$1"
	# shellcheck disable=SC2086
	{
	adv_start "$1-cg" cg --count 20 --interval-ms 20 --dev up0 send $SOCK_T
	adv_start "$1-ns" ns --count 20 --interval-ms 20 --dev up0 send $SOCK_T
	}
	sender_wait "$1-cg" "$1-ns"
	phase_end "$1" "$1-cg" "$1-ns"
	sender_show "$1-cg"
}

phase_b() {	# curl --interface up0: 3 connection attempts per family and place
	local w url pids=""
	phase_begin "$1"
	for w in cg ns; do
		for url in "http://$LAB_INET4:40080/" "http://[$LAB_INET6]:40080/"; do
			for _ in 1 2 3; do
				if [ "$w" = cg ]; then
					in_client_cg curl -s -o /dev/null --interface up0 \
						--connect-timeout 1 --max-time 2 "$url" &
				else
					in_client curl -s -o /dev/null --interface up0 \
						--connect-timeout 1 --max-time 2 "$url" &
				fi
				pids="$pids $!"
			done
		done
	done
	# shellcheck disable=SC2086
	wait $pids 2>/dev/null
	EXTRA_ATT=12
	phase_end "$1"
}

phase_c() {	# ping -I up0, or raw ICMP + SO_BINDTODEVICE
	phase_begin "$1"
	if [ "$HAVE_PING" = 1 ]; then
		local w
		for w in cg ns; do
			for fam in 4 6; do
				if [ "$w" = cg ]; then
					in_client_cg ping -"$fam" -I up0 -c 10 -i 0.05 -W 1 \
						"$([ $fam = 4 ] && echo "$LAB_INET4" || echo "$LAB_INET6")" >/dev/null 2>&1 &
				else
					in_client ping -"$fam" -I up0 -c 10 -i 0.05 -W 1 \
						"$([ $fam = 4 ] && echo "$LAB_INET4" || echo "$LAB_INET6")" >/dev/null 2>&1 &
				fi
			done
		done
		wait
		EXTRA_ATT=40
		phase_end "$1"
	else
		adv_start "$1-cg" cg --count 20 --interval-ms 20 --dev up0 send \
			"icmp4:$LAB_INET4" "icmp6:$LAB_INET6"
		adv_start "$1-ns" ns --count 20 --interval-ms 20 --dev up0 send \
			"icmp4:$LAB_INET4" "icmp6:$LAB_INET6"
		sender_wait "$1-cg" "$1-ns"
		phase_end "$1" "$1-cg" "$1-ns"
		sender_show "$1-cg"
	fi
}

SRC_T="udp4:$LAB_INET4:40090 udp6:[$LAB_INET6]:40090 tcp4:$LAB_INET4:40091 tcp6:[$LAB_INET6]:40091 icmp4:$LAB_INET4 icmp6:$LAB_INET6"
phase_d() {	# explicit source address
	phase_begin "$1"
	# shellcheck disable=SC2086
	{
	adv_start "$1-cg" cg --count 20 --interval-ms 20 --src4 "$LAB_C4" --src6 "$LAB_C6" send $SRC_T
	adv_start "$1-ns" ns --count 20 --interval-ms 20 --src4 "$LAB_C4" --src6 "$LAB_C6" send $SRC_T
	}
	sender_wait "$1-cg" "$1-ns"
	phase_end "$1" "$1-cg" "$1-ns"
	sender_show "$1-cg"
}

phase_e() {	# plain senders, whatever the routes say
	phase_begin "$1"
	# shellcheck disable=SC2046
	{
	sender_start "$1-cg" cg --count 20 --interval 0.02 $(probes_inet) "tcp4:$LAB_INET4:40095" "tcp6:[$LAB_INET6]:40095"
	sender_start "$1-ns" ns --count 20 --interval 0.02 $(probes_inet) "tcp4:$LAB_INET4:40095" "tcp6:[$LAB_INET6]:40095"
	}
	sender_wait "$1-cg" "$1-ns"
	phase_end "$1" "$1-cg" "$1-ns"
	sender_show "$1-cg"
}

declare -A L A F
run_phase() {	# ROW FUNCTION: loaded run
	local f0=$LAB_FAILS
	lab_step "$1"
	"$2" "$1"
	L[$1]=$LEAK A[$1]=$ATT
	check_zero "$1: leaked on sv0" "$LEAK"
	F[$1]=$(adv_fails_since "$f0")
}

run_phase a phase_a
check_nonzero "[cg] SO_BINDTODEVICE: EPERM" "$(sender_get a-cg all eperm)"
if [ "$HAVE_CURL" = 1 ]; then run_phase b phase_b; fi
run_phase c phase_c
[ "$HAVE_PING" = 1 ] || check_nonzero "[cg] raw ICMP bound to up0: EPERM" "$(sender_get c-cg all eperm)"
run_phase d phase_d
D1_WG=$(cap_count d "udp and dst host $LAB_EP_ADDR and dst port $LAB_WG_PORT")
info "source-bound, usual routing: $D1_WG WireGuard packets on sv0 (they went into the tunnel)"
D1_L=${L[d]} D1_A=${A[d]} D1_F=${F[d]}

lab_step "policy routing behind ksbpf's back: from $LAB_C4 / $LAB_C6 via the uplink gateway"
ip -n "$LAB_NS_C" rule add from "$LAB_C4" lookup 100 pref 100 &&
	ip -n "$LAB_NS_C" route add default via "$LAB_S4" dev up0 table 100 &&
	ip -n "$LAB_NS_C" -6 rule add from "$LAB_C6" lookup 100 pref 100 &&
	ip -n "$LAB_NS_C" -6 route add default via "$LAB_S6" dev up0 table 100 ||
	fail "policy routes"
check "route from $LAB_C4 now via up0" sh -c \
	"ip -n $LAB_NS_C route get $LAB_INET4 from $LAB_C4 | grep -q 'dev up0'"
run_phase d2 phase_d
L[d]=$((D1_L + L[d2])) A[d]=$((D1_A + A[d2])) F[d]=$((D1_F + F[d2]))

lab_step "more specific routes behind ksbpf's back: 0/1 + 128/1, ::/1 + 8000::/1 via the uplink"
ip -n "$LAB_NS_C" route add 0.0.0.0/1 via "$LAB_S4" dev up0 &&
	ip -n "$LAB_NS_C" route add 128.0.0.0/1 via "$LAB_S4" dev up0 &&
	ip -n "$LAB_NS_C" -6 route add ::/1 via "$LAB_S6" dev up0 &&
	ip -n "$LAB_NS_C" -6 route add 8000::/1 via "$LAB_S6" dev up0 ||
	fail "def1 routes"
check "route to $LAB_INET4 now via up0" sh -c \
	"ip -n $LAB_NS_C route get $LAB_INET4 | grep -q 'dev up0'"
check "route to $LAB_INET6 now via up0" sh -c \
	"ip -n $LAB_NS_C -6 route get $LAB_INET6 | grep -q 'dev up0'"
check "tunnel still up" lab_tunnel_present
run_phase e phase_e
check_nonzero "[cg] EPERM via the more specific routes" "$(sender_get e-cg all eperm)"

lab_step "positive control: ksbpf unload, every attempt again"
ks unload >/dev/null 2>&1
check_eq "status after unload" "$(adv_status)" 3
declare -A C
for p in a b c d e; do
	[ "$p" = b ] && [ "$HAVE_CURL" = 0 ] && continue
	f0=$LAB_FAILS
	"phase_$p" "ctl-$p" >/dev/null
	C[$p]=$LEAK
	check_nonzero "control $p: leaked on sv0 after unload" "$LEAK"
	F[$p]=$((F[$p] + $(adv_fails_since "$f0")))
done

row() {	# P NAME NOTE
	adv_row "$2" "${A[$1]}" "${L[$1]}" "$(adv_verdict "${L[$1]}" "${F[$1]}")" "$3; control after unload: ${C[$1]} leaked"
}
row a s4a-so-bindtodevice-up0 "UDP+TCP v4+v6 bound to up0, cg and ns, tunnel up"
if [ "$HAVE_CURL" = 1 ]; then
	row b s4b-curl-interface-up0 "12 curl runs (v4+v6, cg and ns); attempted = connections"
else
	adv_row s4b-curl-interface-up0 - - skip "curl not installed"
fi
if [ "$HAVE_PING" = 1 ]; then
	row c s4c-ping-I-up0 "ping -4/-6 -I up0, cg and ns"
else
	row c s4c-ping-I-up0 "ping not installed: raw ICMP echo with SO_BINDTODEVICE up0 (ksadv), v4+v6, cg and ns"
fi
row d s4d-source-address-bind "bound to $LAB_C4/$LAB_C6: tunnel routing ($D1_WG WireGuard pkts), then ip rule from-source via the uplink gateway"
row e s4e-more-specific-route "0/1+128/1 and ::/1+8000::/1 via the uplink gateway added behind ksbpf's back, tunnel up"
adv_finish
