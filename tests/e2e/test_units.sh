#!/bin/bash
# The systemd units as `make install` writes them: systemd-analyze verify
# accepts them, `systemd-analyze security` scores each at most 4.5, they
# have the dependencies the boot order relies on (ksbpf-early.service
# loads before the network, never unloads; the agent is Type=notify and
# restarts forever), and the fail-closed drop-ins are installed for every
# network service and parse. PID 1 here is not systemd: the units are
# checked as files (systemd-analyze --offline), never started.
set -u
cd "$(dirname "$0")/../.." || exit 1
dest=$(mktemp -d /tmp/ksbpf-units.XXXXXX)
trap 'rm -rf "$dest"' EXIT
fails=0
check() { if "${@:2}" >/dev/null 2>&1; then echo "  ok    $1"; else echo "  FAIL  $1"; fails=$((fails + 1)); fi; }
max_exposure=4.5
network_services="NetworkManager.service systemd-networkd.service networking.service"

if ! command -v systemd-analyze >/dev/null; then
	echo "  FAIL  systemd-analyze not found"
	exit 1
fi
make --no-print-directory -s install DESTDIR="$dest" PREFIX=/usr SBINDIR=/usr/sbin \
	UNITDIR=/lib/systemd/system HOOKDATADIR=/usr/share/ksbpf >/dev/null
units=$dest/lib/systemd/system
early=$units/ksbpf-early.service
agent=$units/ksbpf.service
fail_closed=$dest/usr/share/ksbpf/fail-closed

# has UNIT KEY VALUE: a KEY= line of UNIT lists VALUE.
has() { grep -Eq "^$2=(.* )?$3( |\$)" "$1"; }

# verify sees ExecStart= run the installed binary: the copies for it name
# the one in $dest (systemd-analyze checks that it exists).
mkdir "$dest/verify"
for unit in "$early" "$agent"; do
	sed "s|=/usr/sbin/ksbpf|=$dest/usr/sbin/ksbpf|" "$unit" >"$dest/verify/${unit##*/}"
done
for unit in ksbpf-early.service ksbpf.service; do
	out=$(cd "$dest/verify" && systemd-analyze verify --man=no "$unit" 2>&1)
	check "systemd-analyze verify $unit: ${out:-clean}" test -z "$out"
	score=$(systemd-analyze security --offline=yes "$units/$unit" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	check "systemd-analyze security $unit: ${score:-no score} (at most $max_exposure)" \
		awk -v s="$score" -v max="$max_exposure" 'BEGIN { exit !(s != "" && s <= max) }'
	check "$unit: the pins stay writable (no ProtectKernelTunables=)" \
		sh -c "! grep -q '^ProtectKernelTunables=yes' '$units/$unit'"
	check "$unit: a bpffs of the configuration stays the system's (no PrivateTmp=)" \
		sh -c "! grep -q '^PrivateTmp=yes' '$units/$unit'"
	check "$unit: writes /sys/fs/bpf" has "$units/$unit" ReadWritePaths /sys/fs/bpf
	check "$unit: /run/ksbpf, 0755, kept when it stops" sh -c \
		"grep -qx RuntimeDirectory=ksbpf '$units/$unit' &&
		 grep -qx RuntimeDirectoryMode=0755 '$units/$unit' &&
		 grep -qx RuntimeDirectoryPreserve=yes '$units/$unit'"
	check "$unit: runs only once /etc/ksbpf/ksbpf.conf exists" \
		has "$units/$unit" ConditionPathExists /etc/ksbpf/ksbpf.conf
	check "$unit: its Documentation= file is installed" \
		test -f "$dest$(sed -n 's|^Documentation=.*file:\([^ ]*\).*|\1|p' "$units/$unit")"
done

# The boot order (ksbpf-early.service) and the agent's life (ksbpf.service).
check "early: a oneshot that stays active" sh -c \
	"grep -qx Type=oneshot '$early' && grep -qx RemainAfterExit=yes '$early'"
check "early: no default dependencies (runs before basic.target)" has "$early" DefaultDependencies no
check "early: before network-pre.target, and pulls it in" sh -c \
	"grep -Eq '^Before=(.* )?network-pre.target( |$)' '$early' &&
	 grep -Eq '^Wants=(.* )?network-pre.target( |$)' '$early'"
check "early: wanted by sysinit.target" has "$early" WantedBy sysinit.target
check "early: stopped at shutdown, before it" sh -c \
	"grep -Eq '^Conflicts=(.* )?shutdown.target( |$)' '$early' &&
	 grep -Eq '^Before=(.* )?shutdown.target( |$)' '$early'"
check "early: runs ksbpf load" grep -qx 'ExecStart=/usr/sbin/ksbpf load' "$early"
check "early: nothing unloads when it stops or restarts (no ExecStop=)" \
	sh -c "! grep -q '^ExecStop' '$early'"
check "agent: Type=notify, only the main process notifies" sh -c \
	"grep -qx Type=notify '$agent' && grep -qx NotifyAccess=main '$agent'"
check "agent: requires the early unit, after it" sh -c \
	"grep -qx Requires=ksbpf-early.service '$agent' && grep -qx After=ksbpf-early.service '$agent'"
check "agent: restarted forever (Restart=always, no start limit)" sh -c \
	"grep -qx Restart=always '$agent' && grep -qx StartLimitIntervalSec=0 '$agent'"
check "agent: a watchdog" grep -Eq '^WatchdogSec=[1-9]' "$agent"
check "agent: runs ksbpf run" grep -qx 'ExecStart=/usr/sbin/ksbpf run' "$agent"
check "agent: reload checks the configuration first, then signals" sh -c \
	"grep '^ExecReload=' '$agent' | head -1 | grep -qx 'ExecReload=/usr/sbin/ksbpf run --dry-run' &&
	 grep '^ExecReload=' '$agent' | tail -1 | grep -qx 'ExecReload=/bin/kill -HUP \\\$MAINPID'"
# The dry run itself: a bad configuration is exit 2, so the reload fails.
printf 'lan = 10.0.0.0/33\n' >"$dest/bad.conf"
check "agent: run --dry-run refuses a bad configuration (exit 2)" sh -c \
	"'$dest/usr/sbin/ksbpf' run --dry-run --config '$dest/bad.conf' >'$dest/dry.out' 2>&1;
	 [ \$? = 2 ] && grep -q 'bad.conf:1' '$dest/dry.out'"
check "agent: enabling it enables the early unit too" has "$agent" Also ksbpf-early.service

# Fail-closed: each network service, with the drop-in as an admin enables
# it, waits for ksbpf-early.service and fails when it is not active; the
# drop-in parses (verify reads it: a broken one is reported).
for svc in $network_services; do
	dropin=$fail_closed/$svc.d/ksbpf-fail-closed.conf
	check "fail-closed drop-in for $svc installed" test -f "$dropin"
	check "fail-closed $svc: after ksbpf-early.service, pulls it in" sh -c \
		"grep -qx After=ksbpf-early.service '$dropin' && grep -qx Wants=ksbpf-early.service '$dropin'"
	check "fail-closed $svc: fails to start unless ksbpf-early.service is active" \
		grep -qx 'ExecStartPre=/bin/systemctl is-active --quiet ksbpf-early.service' "$dropin"
	check "fail-closed $svc: not Requires= (an upgrade's restart of ksbpf-early would restart the network)" \
		sh -c "! grep -q '^Requires=' '$dropin'"
	lab=$dest/fail-closed-$svc
	mkdir -p "$lab/$svc.d"
	printf '[Service]\nExecStart=/bin/true\n' >"$lab/$svc"
	cp "$dropin" "$lab/$svc.d/"
	cp "$dest/verify/ksbpf-early.service" "$lab/"
	out=$(cd "$lab" && systemd-analyze verify --man=no "$svc" 2>&1)
	check "fail-closed $svc: verify with the drop-in: ${out:-clean}" test -z "$out"
done
echo "test_units: $fails failed"
[ "$fails" -eq 0 ]
