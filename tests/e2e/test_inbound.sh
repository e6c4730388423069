#!/bin/bash
# e2e: --block-inbound. What arrives through the uplink is judged too:
#  - unsolicited UDP and TCP from the wire to a client listener (in the lab
#    cgroup, and outside it: TC ingress) never reach it;
#  - CVE-2019-14899 probing: packets to the tunnel address arriving on the
#    uplink are dropped at TC ingress (reason tunnel_addr);
#  - the tunnel itself still works (endpoint replies, traffic inside it);
#  - a bypass app gets the replies to what it sends through the uplink;
#  - positive controls: the same probes get through without --block-inbound.
# IPv4 and IPv6.
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
trap lab_cleanup EXIT INT TERM
lab_require_ksbpf
lab_setup
lab_tunnel_up || exit 1

PORT=47811		# a listener in the lab cgroup
CLOSED=47812		# nobody listens: the kernel would answer RST / unreachable
# A UDP and a TCP listener in the client, counting what reaches them.
listen() {	# tag where(cg|ns) bind-address...
	local tag=$1 where=$2
	shift 2
	local runner=in_client
	[ "$where" = cg ] && runner=in_client_cg
	$runner /usr/bin/python3 - "$LAB_DIR/$tag.count" "$PORT" "$@" <<'PY' &
import select, socket, sys
out, port, addrs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
socks = []
for a in addrs:
    fam = socket.AF_INET6 if ":" in a else socket.AF_INET
    u = socket.socket(fam, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    u.bind((a, port))
    t = socket.socket(fam, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind((a, port))
    t.listen(16)
    socks += [u, t]
got = 0
open(out, "w").write("0\n")
while True:
    r, _, _ = select.select(socks, [], [], 30)
    if not r:
        break
    for s in r:
        if s.type == socket.SOCK_STREAM:
            c, _ = s.accept()
            c.close()
        else:
            s.recvfrom(2048)
        got += 1
        open(out, "w").write("%d\n" % got)
PY
	lab_track $!
}

# From the server namespace, through sv0: UDP and TCP connects.
probe_from_server() {	# port addr...
	in_server /usr/bin/python3 - "$@" <<'PY'
import socket, sys
port, addrs = int(sys.argv[1]), sys.argv[2:]
for a in addrs:
    fam = socket.AF_INET6 if ":" in a else socket.AF_INET
    for _ in range(5):
        u = socket.socket(fam, socket.SOCK_DGRAM)
        u.sendto(b"probe", (a, port))
        u.close()
    t = socket.socket(fam, socket.SOCK_STREAM)
    t.settimeout(0.5)
    try:
        t.connect((a, port))
    except OSError:
        pass
    t.close()
PY
}

count() { cat "$LAB_DIR/$1.count" 2>/dev/null || echo 0; }
stop_listeners() { pkill -f "$LAB_DIR/.*\.count" 2>/dev/null; sleep 0.2; }

# The tunnel address reached through the uplink: the server routes the
# client's tunnel addresses via sv0 instead of its wg interface.
route_tunnel_addr_via_uplink() {
	ip -n "$LAB_NS_S" route replace "$LAB_TC4/32" via "$LAB_C4" dev sv0
	ip -n "$LAB_NS_S" -6 route replace "$LAB_TC6/128" via "$LAB_C6" dev sv0
	# The client accepts a packet for one interface's address on another
	# (weak host model) unless reverse-path filtering stops it first.
	in_client sh -c 'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 0 > $f; done'
}

# What the client says back on the wire to a probe of a closed port.
F_ANSWERS() {
	echo "ether src $LAB_CMAC and (tcp[tcpflags] & tcp-rst != 0 or icmp[0] == 3 or" \
		"(icmp6 and ip6[40] == 1) or (ip6 and tcp and ip6[53] & 4 != 0))"
}
answers() { cap_count "$1" "$(F_ANSWERS)"; }

lab_step "without --block-inbound: the probes get in (positive control)"
ks_load >/dev/null || fail "load"
listen open-cg cg "$LAB_C4" "$LAB_C6"
listen open-tun ns "$LAB_TC4" "$LAB_TC6"
sleep 0.5
probe_from_server "$PORT" "$LAB_C4" "$LAB_C6"
route_tunnel_addr_via_uplink
probe_from_server "$PORT" "$LAB_TC4" "$LAB_TC6"
sleep 0.5
check_nonzero "unsolicited probes reaching a listener in the cgroup" "$(count open-cg)"
check_nonzero "probes to the tunnel address via the uplink reaching a listener" "$(count open-tun)"
ip -n "$LAB_NS_S" route del "$LAB_TC4/32"
ip -n "$LAB_NS_S" -6 route del "$LAB_TC6/128"
stop_listeners

lab_step "ksbpf load --block-inbound"
ks_load --block-inbound >/dev/null
check_eq "load --block-inbound: exit status" "$?" 0
ks_status_json "$LAB_DIR/st.json"
check_eq "status: block_inbound" "$(js "$LAB_DIR/st.json" "d['block_inbound']")" 1
check_eq "status: cgroup ingress attached" "$(js "$LAB_DIR/st.json" "d['cgroup']['ingress_attached']")" 1
check_eq "status: up0 ingress attached" \
	"$(js "$LAB_DIR/st.json" "[u['ingress_attached'] for u in d['uplinks'] if u['name']=='up0']")" "[true]"
check_eq "status: protected" "$(js "$LAB_DIR/st.json" "d['state']")" protected

lab_step "unsolicited inbound is dropped"
listen in-cg cg "$LAB_C4" "$LAB_C6"
sleep 0.5
cap_start in-sv0 "$LAB_NS_S" sv0
probe_from_server "$PORT" "$LAB_C4" "$LAB_C6"
probe_from_server "$CLOSED" "$LAB_C4" "$LAB_C6"
sleep 0.5
cap_stop in-sv0
check_zero "probes reaching the listener in the cgroup" "$(count in-cg)"
check_zero "answers to probes of a closed port on the wire" "$(answers in-sv0)"
ks_status_json "$LAB_DIR/st2.json"
check_nonzero "cgroup_ingress no_route counter (the listener's probes)" \
	"$(js "$LAB_DIR/st2.json" "d['counters']['cgroup_ingress']['no_route']['packets']")"
check_nonzero "tc_ingress no_route counter (the closed port's probes)" \
	"$(js "$LAB_DIR/st2.json" "d['counters']['tc_ingress']['no_route']['packets']")"
stop_listeners

lab_step "CVE-2019-14899: packets to the tunnel address through the uplink"
listen cve cg "$LAB_TC4" "$LAB_TC6"
sleep 0.5
route_tunnel_addr_via_uplink
cap_start cve-sv0 "$LAB_NS_S" sv0
probe_from_server "$PORT" "$LAB_TC4" "$LAB_TC6"
probe_from_server "$CLOSED" "$LAB_TC4" "$LAB_TC6"
sleep 0.5
cap_stop cve-sv0
check_zero "probes to the tunnel address reaching the listener" "$(count cve)"
check_zero "answers on the uplink to probes of the tunnel address" "$(answers cve-sv0)"
ks_status_json "$LAB_DIR/st3.json"
check_nonzero "tc_ingress tunnel_addr counter" \
	"$(js "$LAB_DIR/st3.json" "d['counters']['tc_ingress']['tunnel_addr']['packets']")"
ip -n "$LAB_NS_S" route del "$LAB_TC4/32"
ip -n "$LAB_NS_S" -6 route del "$LAB_TC6/128"
stop_listeners

lab_step "the tunnel still works (endpoint replies get in)"
# shellcheck disable=SC2046
sender_run tun cg --count 10 --interval 0.05 $(probes_inet)
check_nonzero "replies through the tunnel" "$(sender_get tun all replies)"
check_zero "EPERM through the tunnel" "$(sender_get tun all eperm)"

lab_step "a bypass app gets the replies to what it sends through the uplink"
mkdir -p "$LAB_CG/bypass"
ks app set "$LAB_CG/bypass" bypass >/dev/null || fail "app set bypass"
lab_tunnel_kill
nsenter --net="/run/netns/$LAB_NS_C" /bin/sh -c \
	'echo $$ > "$0/cgroup.procs" && exec "$@"' "$LAB_CG/bypass" \
	"${LAB_SEND[@]}" --tag byp --count 10 --interval 0.05 $(probes_inet) \
	>"$LAB_DIR/byp.out" 2>&1
check_nonzero "bypass app: ping replies through the uplink" "$(sender_get byp all replies)"
# shellcheck disable=SC2046
sender_run held cg --count 10 --interval 0.05 $(probes_inet)
check_zero "held app: replies" "$(sender_get held all replies)"

lab_step "unload: inbound open again"
ks unload >/dev/null || fail "unload"
listen after cg "$LAB_C4" "$LAB_C6"
sleep 0.5
cap_start after-sv0 "$LAB_NS_S" sv0
probe_from_server "$PORT" "$LAB_C4" "$LAB_C6"
probe_from_server "$CLOSED" "$LAB_C4" "$LAB_C6"
sleep 0.5
cap_stop after-sv0
check_nonzero "probes reaching the listener after unload" "$(count after)"
# The answer filter can see answers (egress also blocks them while loaded).
check_nonzero "answers to probes of a closed port on the wire" "$(answers after-sv0)"
stop_listeners
rmdir "$LAB_CG/bypass" 2>/dev/null
lab_finish
