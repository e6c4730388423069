#!/bin/bash
# A .deb upgrade N -> N+1 with the kill switch holding and the tunnel dead:
# not one packet reaches the far end of the uplink, the pinned links are the
# same ones afterwards with new programs on them (the upgrade's `ksbpf load`
# swapped them in place), and the agent is back. Then an upgrade to a
# package that writes another pin layout: its preinst refuses, nothing
# changes.
# PID 1 here is not systemd, so the test does what the postinst's
# `deb-systemd-invoke try-restart` has systemd do: stop the agent, run
# ksbpf-early.service's ExecStop= (none) and ExecStart=, start
# ksbpf.service's ExecStart= (the lines are read from the installed units,
# run with the units' capabilities). N+1 is N repacked with a higher version
# (same programs: a load swaps in new copies all the same); the layout
# change is N repacked with a preinst that writes the next layout.
# READY=1 from the agent is checked once the binary speaks sd_notify.
# Everything runs in the lab: its namespace, cgroup and bpffs directory,
# named by a configuration file the test writes (only if the machine has
# none) and removes, with the package, in its trap.
set -u
# shellcheck source=tests/lib/lab.sh
. "$(dirname "$0")/../lib/lab.sh"
cd "$LAB_ROOT" || exit 1
conf=/etc/ksbpf/ksbpf.conf
wrote_conf=0
installed() { dpkg-query -W -f='${Status}' ksbpf 2>/dev/null | grep -q "ok installed"; }

cleanup() {
	local rc=$?
	[ -n "${AGENT_PID:-}" ] && stop_agent
	# the lab's cleanup unloads with build/ksbpf (same pin layout)
	if installed; then
		dpkg --purge ksbpf >/dev/null 2>&1
	fi
	if [ "$wrote_conf" = 1 ]; then
		rm -f "$conf"
		rmdir /etc/ksbpf 2>/dev/null
	fi
	(exit "$rc")
	lab_cleanup
}
trap cleanup EXIT INT TERM
lab_require_root
lab_require_ksbpf

if installed; then
	echo "ksbpf is installed as a package on this machine: not touching it"
	echo "test_upgrade: skipped"
	exit 0
fi
if [ -e "$conf" ]; then
	echo "$conf exists on this machine: not touching it"
	echo "test_upgrade: skipped"
	exit 0
fi

lab_step "packages N, N+1 (N repacked, higher version) and N+1 with another pin layout"
if ! make --no-print-directory -s deb >/tmp/ksbpf-upgrade-$$.log 2>&1; then
	fail "make deb: $(tail -5 /tmp/ksbpf-upgrade-$$.log)"
	exit 1
fi
rm -f /tmp/ksbpf-upgrade-$$.log
# shellcheck disable=SC2119 # lab_setup takes options, none needed here
lab_setup
deb_n=$(ls build/ksbpf_"$(cat VERSION)"_*.deb)
version_n=$(dpkg-deb -f "$deb_n" Version)
version_n1=$version_n+upgradetest1
# repack DEB OUT SED-ON-CONTROL [SED-ON-PREINST]
repack() {
	local tree=$LAB_DIR/tree-${2##*/}
	dpkg-deb -R "$1" "$tree" &&
		sed -i "$3" "$tree/DEBIAN/control" &&
		sed -i "${4:-}" "$tree/DEBIAN/preinst" &&
		dpkg-deb -b "$tree" "$2" >/dev/null
}
check "repack N+1 ($version_n1)" repack "$deb_n" "$LAB_DIR/n1.deb" "s/^Version: .*/Version: $version_n1/"
layout=$(sed -n 's/^new_layout=//p' "$LAB_DIR/tree-n1.deb/DEBIAN/preinst")
check "N+1's preinst names its pin layout ($layout)" test -n "$layout"
check "repack N+2 (pin layout $((layout + 1)))" repack "$deb_n" "$LAB_DIR/n2.deb" \
	"s/^Version: .*/Version: $version_n1+layout/" "s/^new_layout=.*/new_layout=$((layout + 1))/"

lab_tunnel_up || exit 1
mkdir -p /etc/ksbpf
printf 'tunnel = %s\nendpoint = %s\nbpffs = %s\ncgroup = %s\n' \
	"$LAB_WG_C" "$LAB_EP_SPEC" "$LAB_BPFFS" "$LAB_CG" >"$conf"
wrote_conf=1
LAB_LOADED=1

# logged OUT COMMAND...: COMMAND's output in OUT.
logged() { local out=$1; shift; "$@" >"$out" 2>&1; }
# exec_lines UNIT KEY: the unit's KEY= command lines (ExecStart, ExecStop).
exec_lines() { sed -n "s/^$2=//p" "/lib/systemd/system/$1"; }
# The units' commands, as systemd would run them: in the lab's namespace
# here, with what of the units' sandbox a test without systemd can apply:
# the capability bounding set, no new privileges, and in a mount namespace
# of their own (private: nothing propagates back) a read-only / (roughly
# ProtectSystem=strict) and a read-only cgroup2 mount (ProtectControlGroups=).
# unit_sandbox UNIT: that command prefix, in SANDBOX; SANDBOX_CAPS: how many
# capabilities it keeps.
unit_sandbox() {
	local caps
	caps=$(sed -n 's/^CapabilityBoundingSet=//p' "/lib/systemd/system/$1" |
		tr 'A-Z ' 'a-z\n' | sed -n 's/^cap_\(.*\)/+\1/p' | paste -sd, -)
	SANDBOX_CAPS=$(echo "$caps" | tr ',' '\n' | grep -c '^+')
	# shellcheck disable=SC2016,SC2054 # the inner shell's $0 and $@; mount options
	SANDBOX=(nsenter --net="/run/netns/$LAB_NS_C" unshare --mount --propagation private
		sh -c 'mount -o remount,bind,ro / && mount -o remount,bind,ro "$0" && exec "$@"'
		"$LAB_CG2" setpriv --bounding-set=-all,"$caps" --no-new-privs)
}
run_early() {
	unit_sandbox ksbpf-early.service
	# shellcheck disable=SC2046
	"${SANDBOX[@]}" $(exec_lines ksbpf-early.service ExecStart)
}
# systemd's restart of ksbpf-early.service: its ExecStop= lines (it has
# none: nothing unloads), then ExecStart=.
restart_early() {
	local line
	while read -r line; do
		# shellcheck disable=SC2046,SC2086
		[ -n "$line" ] && unit_sandbox ksbpf-early.service && "${SANDBOX[@]}" $line
	done <<<"$(exec_lines ksbpf-early.service ExecStop)"
	run_early
}
start_agent() {
	local out=$1 notify_env=()
	[ -n "${NOTIFY_SOCK:-}" ] && notify_env=(env NOTIFY_SOCKET="$NOTIFY_SOCK")
	unit_sandbox ksbpf.service
	# shellcheck disable=SC2046
	"${notify_env[@]}" "${SANDBOX[@]}" $(exec_lines ksbpf.service ExecStart) >"$out" 2>&1 &
	AGENT_PID=$!
	lab_track "$AGENT_PID"
}
# stop_agent: what systemd's stop does (SIGTERM, then wait).
stop_agent() {
	kill -TERM "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=""
}
# link_progs: "pin link-id prog-id" for every pinned link of the lab.
link_progs() {
	local f
	for f in "$LAB_BPFFS"/link_*; do
		bpftool -j link show pinned "$f" | /usr/bin/python3 -c 'import json, sys
l = json.load(sys.stdin)
print(sys.argv[1], l["id"], l["prog_id"])' "${f##*/}"
	done
}
# The agent says READY=1 to $NOTIFY_SOCKET once it holds (sd_notify): a
# datagram listener writes each message as a line of $LAB_DIR/notify.log.
notify_listen() {
	NOTIFY_SOCK=$LAB_DIR/notify.sock
	/usr/bin/python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
out = open(sys.argv[2], "a", buffering=1)
while True:
    out.write(s.recv(4096).decode(errors="replace").replace("\n", " ") + "\n")' \
		"$NOTIFY_SOCK" "$LAB_DIR/notify.log" &
	lab_track "$!"
	wait_for 5 test -S "$NOTIFY_SOCK"
}
# check_ready WHAT: READY=1 arrived since the log was last emptied, if this
# agent speaks sd_notify at all.
check_ready() {
	if ! grep -aq NOTIFY_SOCKET /usr/sbin/ksbpf; then
		info "$1: this ksbpf does not speak sd_notify yet: READY=1 not checked"
		return
	fi
	check "$1: READY=1 on \$NOTIFY_SOCKET" wait_for 10 grep -q 'READY=1' "$LAB_DIR/notify.log"
}

lab_step "install N ($version_n), then what systemd runs: ksbpf-early, the agent"
check "dpkg -i N" logged "$LAB_DIR/dpkg-n.out" in_client dpkg -i "$deb_n"
check "ksbpf-early.service's ExecStart= (ksbpf load)" logged "$LAB_DIR/early-n.out" run_early
notify_listen
: >"$LAB_DIR/notify.log"
start_agent "$LAB_DIR/agent-n.out"
check_ready "agent N"
S=$LAB_DIR/s-n.json
ks_status_json "$S"
check_eq "state after install" "$(js "$S" "d['state']")" protected

lab_step "traffic, the tunnel killed, then the upgrade N -> N+1"
cap_start u-sv0 "$LAB_NS_S" sv0
# shellcheck disable=SC2046
sender_start u-cg cg --duration 30 --count 100000 --interval 0.01 $(probes_inet)
# shellcheck disable=SC2046
sender_start u-ns ns --duration 30 --count 100000 --interval 0.01 $(probes_inet)
sleep 0.5
lab_tunnel_kill
sleep 0.5
BEFORE=$(link_progs | sort)
awk '{ print "          before: " $0 }' <<<"$BEFORE"
check "dpkg -i N+1 (preinst and postinst run)" \
	logged "$LAB_DIR/dpkg-n1.out" in_client dpkg -i "$LAB_DIR/n1.deb"
check_eq "installed version" "$(dpkg-query -W -f='${Version}' ksbpf)" "$version_n1"
# deb-systemd-invoke try-restart ksbpf-early.service ksbpf.service
stop_agent
check "restart ksbpf-early.service: load over the pins" \
	logged "$LAB_DIR/early-n1.out" restart_early
: >"$LAB_DIR/notify.log"
start_agent "$LAB_DIR/agent-n1.out"
check_ready "agent N+1"
sleep 1
AFTER=$(link_progs | sort)
awk '{ print "          after:  " $0 }' <<<"$AFTER"
kill -TERM "${LAB_SND_PID[u-cg]}" "${LAB_SND_PID[u-ns]}" 2>/dev/null
sender_wait u-cg u-ns
cap_stop u-sv0
sender_show u-cg
sender_show u-ns
check_nonzero "[ns] datagrams sent through the upgrade (TC's to stop)" "$(sender_get u-ns all sent)"
check_nonzero "[cg] EPERM through the upgrade" "$(sender_get u-cg all eperm)"
for f in F_LEAK F_LEAK_UDP4 F_LEAK_ICMP4 F_LEAK_UDP6 F_LEAK_ICMP6; do
	n=$(cap_count u-sv0 "$($f)")
	check_zero "sv0 ${f#F_} through the upgrade" "$n"
	[ "$n" = 0 ] || cap_show u-sv0 "$($f)"
done
check_eq "the same pinned links (pin, link id)" "$(echo "$AFTER" | awk '{ printf "%s=%s ", $1, $2 }')" \
	"$(echo "$BEFORE" | awk '{ printf "%s=%s ", $1, $2 }')"
check_ge "pinned links (cgroup, guard, TCX)" "$(echo "$AFTER" | wc -l)" 3
# The 32-bit guard is kept when its build did not change (its id is the
# object's hash): every other link has a new program.
kept=$(join <(echo "$BEFORE") <(echo "$AFTER") | awk '$1 != "link_compat_guard" && $3 == $5 { print $1 }')
check_eq "links whose program was not swapped" "$kept" ""
check "the agent N+1 runs" kill -0 "$AGENT_PID"
check_eq "the agent's / and cgroup2 mounts" \
	"$(awk -v cg="$LAB_CG2" '$5 == "/" || $5 == cg { split($6, o, ","); printf "%s:%s ", $5, o[1] }' "/proc/$AGENT_PID/mountinfo")" \
	"/:ro $LAB_CG2:ro "
check_eq "the agent's effective capabilities: as many as the unit's bounding set" \
	"$(awk '$1 == "CapEff:" { print $2 }' "/proc/$AGENT_PID/status" | /usr/bin/python3 -c 'import sys; print(bin(int(sys.stdin.read(), 16)).count("1"))')" \
	"$(unit_sandbox ksbpf.service && echo "$SANDBOX_CAPS")"
S=$LAB_DIR/s-n1.json
ks_status_json "$S"
check_eq "state after the upgrade" "$(js "$S" "d['state']")" protected

lab_step "an upgrade to another pin layout: the preinst refuses, nothing changes"
in_client dpkg -i "$LAB_DIR/n2.deb" >"$LAB_DIR/dpkg-n2.out" 2>&1
check "dpkg -i of a package with pin layout $((layout + 1)): refused" test $? != 0
sed 's/^/          | /' "$LAB_DIR/dpkg-n2.out"
check "the refusal names both layouts and ksbpf unload" sh -c \
	"grep -q 'pinned in layout $layout' '$LAB_DIR/dpkg-n2.out' &&
	 grep -q 'writes layout $((layout + 1))' '$LAB_DIR/dpkg-n2.out' &&
	 grep -q 'ksbpf unload' '$LAB_DIR/dpkg-n2.out'"
check_eq "installed version after the refusal" "$(dpkg-query -W -f='${Version}' ksbpf)" "$version_n1"
check_eq "links and programs after the refusal" "$(link_progs | sort | tr '\n' ' ')" "$(echo "$AFTER" | tr '\n' ' ')"
check "the agent still runs" kill -0 "$AGENT_PID"
lab_finish
