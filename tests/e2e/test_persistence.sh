#!/bin/bash
# e2e: enforcement outlives the loader and survives reloads.
#  (d) after `ksbpf load` exits, the pinned cgroup and TCX links stay
#      attached and nothing leaks when the tunnel dies; `tc qdisc del clsact`
#      does not remove TCX; a loader SIGKILLed in the middle of a reload
#      leaves enforcement in place, and the next load succeeds;
#  (e) `ksbpf load` again (same options, then with an extra --lan) adopts the
#      pinned state: same links, counters keep their values, and senders
#      running through the reload get EPERM / leak 0 packets;
#  (g) the WireGuard endpoint is IPv6 here ([2001:db8:1::1]:51820/udp), and
#      every probe runs over IPv4 and IPv6.
# Positive control: before load and after unload the same counters are > 0.
set -u
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
trap lab_cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf

lab_setup --ep6
lab_step "lab up, tunnel over IPv6 to $LAB_WG_ENDPOINT"
lab_tunnel_up || exit 1
pass "WireGuard handshake over IPv6"

# ------------------------------------------------------ positive control
lab_step "positive control: no ksbpf, tunnel killed -> probes leak on sv0"
cap_start p-sv0 "$LAB_NS_S" sv0
lab_tunnel_kill
# shellcheck disable=SC2046
sender_run p-ns ns --count 5 --interval 0.05 $(probes_inet)
cap_stop p-sv0
for f in F_LEAK F_LEAK_UDP4 F_LEAK_ICMP4 F_LEAK_UDP6 F_LEAK_ICMP6; do
	check_nonzero "sv0 ${f#F_} without ksbpf" "$(cap_count p-sv0 "$($f)")"
done
lab_tunnel_up || exit 1

# ----------------------------------------------------------------- load
lab_step "ksbpf load --tunnel $LAB_WG_C --endpoint $LAB_EP_SPEC"
if ! ks_load >"$LAB_DIR/load.out" 2>&1; then
	fail "ksbpf load failed:"
	sed 's/^/          | /' "$LAB_DIR/load.out"
	exit 1
fi
pass "ksbpf load exit 0"
S=$LAB_DIR/s-load.json
ks_status_json "$S"
check_eq "status exit code" "$?" 0
check_eq "state" "$(js "$S" "d['state']")" protected
cap_start l-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
sender_run l-cg cg --count 10 --interval 0.05 $(probes_inet)
cap_stop l-sv0
check_nonzero "[cg] ICMPv4 replies through the tunnel" "$(sender_get l-cg icmp4 replies)"
check_nonzero "[cg] ICMPv6 replies through the tunnel" "$(sender_get l-cg icmp6 replies)"
check_nonzero "WireGuard over IPv6 to the endpoint on sv0" "$(cap_count l-sv0 "$(F_ENDPOINT) and ip6")"
check_zero "leaks on sv0 with the tunnel up" "$(cap_count l-sv0 "$(F_LEAK)")"

# ----------------------------------------------------- (d) loader gone
lab_step "(d) the loader has exited: enforcement is pinned"
left=$(ps -eo pid=,args= | grep -F -- "$LAB_BPFFS" | grep -v -e grep -e tcpdump)
check "no ksbpf process left running" [ -z "$left" ]
links=$(lab_pinned_links)
echo "$links" | sed 's/^/          pinned link: /'
check_eq "pinned cgroup links (egress, sock_create, setsockopt guard)" \
	"$(echo "$links" | awk '$2 == "cgroup" { print $3 }' | sort | tr '\n' ' ')" \
	"link_cg_egress link_cg_sock_create link_cg_sockopt "
check_eq "pinned 32-bit setsockopt guard link" \
	"$(echo "$links" | awk '$2 == "raw_tracepoint" { print $3 }')" link_compat_guard
check_ge "pinned TCX links (type 11 / tcx)" \
	"$(echo "$links" | awk '$2 == "11" || $2 == "tcx"' | wc -l)" 1
allids=$(bpftool -j link show | /usr/bin/python3 -c 'import json,sys; print(" ".join(str(l["id"]) for l in json.load(sys.stdin)))')
missing=0
for id in $(echo "$links" | awk '{print $1}'); do
	case " $allids " in *" $id "*) ;; *) missing=$((missing + 1)) ;; esac
done
check_zero "pinned links missing from bpftool link show" "$missing"
check "program attached to the test cgroup" [ -n "$(lab_cg_progs)" ]
LINKS_BEFORE=$(echo "$links" | sort)
# Attached 32-bit guard links on the host (a reload keeps the guard, an
# upgrade pins a new one over it: the old one must go with its pin).
guard_links() {
	/usr/bin/python3 -c 'import json, subprocess as sp
progs = {p["id"] for p in json.loads(sp.check_output(["bpftool", "-j", "prog", "show"]))
         if p.get("name", "").startswith("ksbpf_compat")}
links = json.loads(sp.check_output(["bpftool", "-j", "link", "show"]))
print(sum(1 for l in links if l.get("prog_id") in progs))'
}
GUARD_LINKS=$(guard_links)

in_client tc qdisc del dev up0 clsact >/dev/null 2>&1
check_eq "TCX links survive 'tc qdisc del dev up0 clsact'" "$(lab_pinned_links | sort)" "$LINKS_BEFORE"

lab_step "(d) tunnel killed after the loader exited; loaders SIGKILLed mid-reload"
cap_start d-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
sender_start d-cg cg --duration 30 --count 100000 --interval 0.01 $(probes_inet)
# shellcheck disable=SC2046
sender_start d-ns ns --duration 30 --count 100000 --interval 0.01 $(probes_inet)
sleep 1
lab_tunnel_kill
lab_log "wireguard-go killed"
sleep 1
killed=0
for delay in 0.001 0.005 0.01 0.02 0.04 0.08 0.15; do
	ks_load_bg "$LAB_DIR/bg-$delay.out"
	sleep "$delay"
	if kill -9 "$KS_BG_PID" 2>/dev/null; then
		killed=$((killed + 1))
	fi
	wait "$KS_BG_PID" 2>/dev/null
	rc=$?
	S=$LAB_DIR/s-kill-$delay.json
	ks_status_json "$S"
	src=$?
	info "load SIGKILLed after ${delay}s (exit $rc): status exit $src, state $(js "$S" "d['state']")"
	if [ "$src" = 3 ]; then
		fail "enforcement gone after a loader was killed after ${delay}s"
	fi
done
info "$killed of 7 loaders were still running when SIGKILLed"
if ks_load >"$LAB_DIR/load2.out" 2>&1; then
	pass "a full ksbpf load after the killed ones succeeds"
else
	fail "ksbpf load after killed loaders failed: $(cat "$LAB_DIR/load2.out")"
fi
S=$LAB_DIR/s-after-kill.json
ks_status_json "$S"
rc=$?
check "status after the killed loaders: loaded (exit 0 or 4, got $rc)" test "$rc" = 0 -o "$rc" = 4
check_eq "same pinned links as before" "$(lab_pinned_links | sort)" "$LINKS_BEFORE"
check_eq "attached 32-bit guard links after the reloads (old ones gone)" "$(guard_links)" "$GUARD_LINKS"
sleep 1
kill -TERM "${LAB_SND_PID[d-cg]}" "${LAB_SND_PID[d-ns]}" 2>/dev/null
sender_wait d-cg d-ns
cap_stop d-sv0
sender_show d-cg
sender_show d-ns
check_nonzero "[cg] replies before the tunnel died" "$(sender_get d-cg all replies)"
check_nonzero "[cg] EPERM after the tunnel died" "$(sender_get d-cg all eperm)"
for f in F_LEAK F_LEAK_UDP4 F_LEAK_ICMP4 F_LEAK_UDP6 F_LEAK_ICMP6; do
	n=$(cap_count d-sv0 "$($f)")
	check_zero "sv0 ${f#F_} (tunnel killed, loader gone, loaders killed)" "$n"
	[ "$n" = 0 ] || cap_show d-sv0 "$($f)"
done

# ------------------------------------------------------------ (e) reload
lab_step "(e) reload (same options, then + --lan $LAB_LANNET4) under continuous senders"
S1=$LAB_DIR/s-e1.json
ks_status_json "$S1"
cap_start e-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
sender_start e-cg cg --duration 4 --count 100000 --interval 0.005 $(probes_inet)
# shellcheck disable=SC2046
sender_start e-ns ns --duration 4 --count 100000 --interval 0.005 $(probes_inet)
sleep 0.7
t0=$(date +%s%N)
ks_load >"$LAB_DIR/reload1.out" 2>&1
check_eq "reload with the same options: exit code" "$?" 0
t1=$(date +%s%N)
sleep 0.5
ks_load --lan "$LAB_LANNET4" >"$LAB_DIR/reload2.out" 2>&1
check_eq "reload with an extra --lan: exit code" "$?" 0
t2=$(date +%s%N)
info "reload took $(((t1 - t0) / 1000000)) ms, reload with --lan $(((t2 - t1) / 1000000)) ms"
sender_wait e-cg e-ns
cap_stop e-sv0
sender_show e-cg
sender_show e-ns
check_zero "[cg] datagrams the kernel accepted during the reloads (no gap)" "$(sender_get e-cg all sent)"
check_nonzero "[cg] EPERM during the reloads" "$(sender_get e-cg all eperm)"
check_nonzero "[ns] datagrams sent during the reloads" "$(sender_get e-ns all sent)"
for f in F_LEAK F_LEAK_UDP4 F_LEAK_ICMP4 F_LEAK_UDP6 F_LEAK_ICMP6; do
	n=$(cap_count e-sv0 "$($f)")
	check_zero "sv0 ${f#F_} during the reloads" "$n"
	[ "$n" = 0 ] || cap_show e-sv0 "$($f)"
done
S2=$LAB_DIR/s-e2.json
ks_status_json "$S2"
dec=$(counters_decreased "$S1" "$S2")
check_eq "counters that went down across the reloads" "$dec" ""
o=$(counter "$S1" cgroup_egress no_route)
n=$(counter "$S2" cgroup_egress no_route)
check_ge "cgroup_egress/no_route kept its value and grew ($o -> $n)" "$n" $((o + 1))
o=$(counter "$S1" tc_egress no_route)
n=$(counter "$S2" tc_egress no_route)
check_ge "tc_egress/no_route kept its value and grew ($o -> $n)" "$n" $((o + 1))
check_eq "status lists the extra LAN" "$(js "$S2" "'$LAB_LANNET4' in d['lan']")" 1
check_eq "same pinned links after the reloads (adopted, not recreated)" \
	"$(lab_pinned_links | sort)" "$LINKS_BEFORE"

lab_step "an upgrade replaces the 32-bit guard (another build's program pin)"
old_pin=$(cd "$LAB_BPFFS" && ls -d prog_compat_guard_*)
mv "$LAB_BPFFS/$old_pin" "$LAB_BPFFS/prog_compat_guard_0000000000000000"
GUARD_LINK0=$(lab_pinned_links | awk '$3 == "link_compat_guard" { print $1 }')
ks_load --lan "$LAB_LANNET4" >"$LAB_DIR/reload-upgrade.out" 2>&1
check_eq "load with another build's guard pinned: exit code" "$?" 0
check_eq "guard program pins: this build's only" "$(cd "$LAB_BPFFS" && ls -d prog_compat_guard_*)" "$old_pin"
GUARD_LINK1=$(lab_pinned_links | awk '$3 == "link_compat_guard" { print $1 }')
check "a new guard link ($GUARD_LINK0 -> $GUARD_LINK1)" test -n "$GUARD_LINK1" -a "$GUARD_LINK1" != "$GUARD_LINK0"
check_eq "attached 32-bit guard links (the old one gone)" "$(guard_links)" "$GUARD_LINKS"
ks_status_json "$S2"
check_eq "status: 32-bit guard" "$(js "$S2" "d['cgroup']['compat_guard']")" attached
LINKS_BEFORE=$(lab_pinned_links | sort)

# ------------------------------------------- tunnel restart, new ifindex
lab_step "tunnel restarted (new ifindex), then ksbpf load again"
lab_tunnel_up || exit 1
# shellcheck disable=SC2046
sender_run r1-cg cg --count 5 --interval 0.05 $(probes_inet)
info "before re-load, through the new $LAB_WG_C: $(sender_get r1-cg all replies) replies, $(sender_get r1-cg all eperm) EPERM (the loader is not running to learn the new ifindex)"
ks_load --lan "$LAB_LANNET4" >"$LAB_DIR/reload3.out" 2>&1
check_eq "load after the tunnel restart: exit code" "$?" 0
S=$LAB_DIR/s-r.json
ks_status_json "$S"
check_eq "status exit code" "$?" 0
ifx=$(ip -n "$LAB_NS_C" -o link show "$LAB_WG_C" | cut -d: -f1)
check_eq "status shows the tunnel's new ifindex, active" \
	"$(js "$S" "[(t['ifindex'], t['active']) for t in d['tunnels'] if t['name']=='$LAB_WG_C'] == [($ifx, True)]")" 1
cap_start r-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
sender_run r2-cg cg --count 10 --interval 0.05 $(probes_inet)
cap_stop r-sv0
check_zero "[cg] EPERM through the new tunnel" "$(sender_get r2-cg all eperm)"
check_nonzero "[cg] replies through the new tunnel" "$(sender_get r2-cg all replies)"
check_zero "leaks on sv0" "$(cap_count r-sv0 "$(F_LEAK)")"

# ------------------------------------------------------------ (f) unload
lab_step "unload: leaks visible again (positive control)"
ks unload >"$LAB_DIR/unload.out" 2>&1
check_eq "unload exit code" "$?" 0
lab_tunnel_kill
cap_start u-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
sender_run u-cg cg --count 5 --interval 0.05 $(probes_inet)
cap_stop u-sv0
for f in F_LEAK F_LEAK_UDP4 F_LEAK_ICMP4 F_LEAK_UDP6 F_LEAK_ICMP6; do
	check_nonzero "sv0 ${f#F_} after unload" "$(cap_count u-sv0 "$($f)")"
done

lab_finish
