#!/bin/sh
# The VPN clients' hooks (scripts/hooks: wg-quick.conf, nm-dispatcher,
# openvpn-up, openvpn-down), each run against a fake environment: a fake
# ksbpf first on PATH records every call and exits as the case says (status
# 3: not loaded), fake nmcli, logger and id answer for NetworkManager, syslog
# and the uid. Every case checks the exact ksbpf calls, the exit status and,
# where it matters, the message. No root, no network, a few seconds.
# Usage: sh tests/hooks/run.sh   (HOOKS=DIR runs the copies in DIR instead,
# HOOK_SHELLS="dash bash" runs every case under each shell). Ends with a
# count; exit status 1 if a check failed.
set -u
cd "$(dirname "$0")/../.." || exit 1
HOOKS=${HOOKS:-scripts/hooks}
HOOK_SHELLS=${HOOK_SHELLS:-sh}
t=$(mktemp -d "${TMPDIR:-/tmp}/ksbpf-hooks.XXXXXX") || exit 1
trap 'rm -rf "$t"' EXIT
trap 'exit 130' INT TERM
checks=0
fails=0
nl='
'

pass() { checks=$((checks + 1)); echo "  ok    $*"; }
fail() { checks=$((checks + 1)); fails=$((fails + 1)); echo "  FAIL  $*"; }
check() { d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }

# ---------------------------------------------------------------- fakes
mkdir -p "$t/bin" "$t/alt"
cat >"$t/bin/ksbpf" <<'EOF'
#!/bin/sh
# fake ksbpf: one line per call (its name and argv, 'quoted' if blank or
# empty), then FAKE_STATUS for status, FAKE_RC for the rest.
line=${0##*/}
for a; do
	case $a in
	'' | *[[:space:]]*) line="$line '$a'" ;;
	*) line="$line $a" ;;
	esac
done
printf '%s\n' "$line" >>"$FAKE_LOG"
case ${1:-} in
status) exit "${FAKE_STATUS:-0}" ;;
esac
[ -n "${FAKE_SLEEP:-}" ] && exec sleep "$FAKE_SLEEP"
[ -n "${FAKE_OUT:-}" ] && printf '%s\n' "$FAKE_OUT"
exit "${FAKE_RC:-0}"
EOF
cp "$t/bin/ksbpf" "$t/alt/ksbpf-alt"
cat >"$t/bin/logger" <<'EOF'
#!/bin/sh
# fake logger: "PRIORITY TAG: MESSAGE" lines
pri=user.notice tag=logger
while [ $# -gt 0 ]; do
	case $1 in
	-t) tag=$2; shift 2 ;;
	-p) pri=$2; shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
printf '%s %s: %s\n' "$pri" "$tag" "$*" >>"$FAKE_SYSLOG"
EOF
cat >"$t/bin/nmcli" <<'EOF'
#!/bin/sh
# fake nmcli: -g FIELD of the connection from FAKE_NM_TYPE, FAKE_NM_SERVICE
# and FAKE_NM_DATA (what `nmcli --escape no -g vpn.data` prints)
printf '%s\n' "$*" >>"$FAKE_NMLOG"
while [ $# -gt 0 ]; do
	case $1 in
	-g) field=$2; shift 2 ;;
	*) shift ;;
	esac
done
case ${field:-} in
connection.type) printf '%s\n' "${FAKE_NM_TYPE:-}" ;;
vpn.service-type) printf '%s\n' "${FAKE_NM_SERVICE:-}" ;;
vpn.data) printf '%s\n' "${FAKE_NM_DATA:-}" ;;
*) exit 10 ;;
esac
EOF
cat >"$t/bin/id" <<'EOF'
#!/bin/sh
[ "$1" = -u ] && { echo "${FAKE_UID:-0}"; exit 0; }
exit 1
EOF
chmod 755 "$t/bin/"* "$t/alt/"*

# ---------------------------------------------------------------- running
# hook [VAR=VALUE...] SCRIPT [ARGS...]: runs a hook of $HOOKS with only the
# given environment (and the fakes first on PATH), under $sh.
hook() {
	: >"$t/calls"
	: >"$t/syslog"
	: >"$t/nmcalls"
	(
		while [ $# -gt 0 ]; do
			case $1 in
			[A-Za-z_]*=*)
				# shellcheck disable=SC2163 # NAME=VALUE, exported as such
				export "$1"
				shift ;;
			*) break ;;
			esac
		done
		hook_script=$HOOKS/$1
		shift
		# shellcheck disable=SC2086 # $sh: a shell, maybe with its options
		exec $sh "$hook_script" "$@"
	) >"$t/out" 2>"$t/err" </dev/null
	rc=$?
}

# Every run starts from this environment only.
clean_env() {
	for v in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p'); do
		case $v in
		PATH | TMPDIR | t | sh | HOOKS | HOOK_SHELLS) ;;
		*) unset "$v" 2>/dev/null ;;
		esac
	done
	PATH="$t/bin:/usr/bin:/bin"
	export PATH
	FAKE_LOG=$t/calls FAKE_SYSLOG=$t/syslog FAKE_NMLOG=$t/nmcalls
	export FAKE_LOG FAKE_SYSLOG FAKE_NMLOG
}

# expect DESC RC [CALL-LINE...]: the exit status and the exact calls (none
# given: no call at all)
expect() {
	e_desc=$1 e_rc=$2
	shift 2
	e_want=""
	for l; do e_want="$e_want$l$nl"; done
	e_got=""
	while IFS= read -r l; do e_got="$e_got$l$nl"; done <"$t/calls"
	if [ "$rc" = "$e_rc" ] && [ "$e_got" = "$e_want" ]; then
		pass "$e_desc"
	else
		fail "$e_desc: exit $rc (want $e_rc)"
		printf '%s' "$e_got" | sed 's/^/          got:  /'
		printf '%s' "$e_want" | sed 's/^/          want: /'
		sed 's/^/          err:  /' "$t/err" "$t/syslog"
	fi
}
# said DESC FILE TEXT: the hook's message (stderr, syslog) says TEXT
said() {
	if grep -qF -- "$3" "$t/$2"; then
		pass "$1"
	else
		fail "$1: '$3' not in its $2:"
		sed 's/^/          /' "$t/$2"
	fi
}
silent() {	# DESC: nothing on stderr, stdout or syslog
	if [ ! -s "$t/err" ] && [ ! -s "$t/out" ] && [ ! -s "$t/syslog" ]; then
		pass "$1"
	else
		fail "$1: it said:"
		cat "$t/out" "$t/err" "$t/syslog" | sed 's/^/          /'
	fi
}

# wg-quick's reading of its configuration: the values of KEY in FILE, each
# line cut at the first '#' and trimmed (wg-quick's parse_options). With
# "optional", lines commented out as "#Key = ..." count too.
wgq_values() {
	awk -v key="$2" -v optional="${3:-}" '{
		line = $0
		if (optional != "" && index(line, "#" key) == 1)
			line = substr(line, 2)
		cut = index(line, "#")
		if (cut)
			line = substr(line, 1, cut - 1)
		eq = index(line, "=")
		if (!eq)
			next
		k = substr(line, 1, eq - 1)
		v = substr(line, eq + 1)
		gsub(/^[ \t]+|[ \t]+$/, "", k)
		gsub(/^[ \t]+|[ \t]+$/, "", v)
		if (k == key)
			print v
	}' "$1"
}

# wgq_run FILE INTERFACE KEY... [optional]: runs the hooks as wg-quick does
# (bash, set -e, %i replaced, each in a subshell), in the order of KEYs;
# rc: 1 if one failed (wg-quick would stop).
wgq_run() {
	w_file=$1 w_if=$2
	shift 2
	w_opt=""
	for w_k; do [ "$w_k" = optional ] && w_opt=1; done
	: >"$t/calls"
	rc=0
	for w_k; do
		[ "$w_k" = optional ] && continue
		wgq_values "$w_file" "$w_k" $w_opt >"$t/hooks.$w_k"
		while IFS= read -r w_hook; do
			w_hook=$(printf '%s\n' "$w_hook" | sed "s/%i/$w_if/g")
			bash -c 'set -e -o pipefail; (eval "$1")' wg-quick "$w_hook" \
				>>"$t/out" 2>>"$t/err" </dev/null || rc=1
		done <"$t/hooks.$w_k"
	done
}

# ---------------------------------------------------------------- cases
static_checks() {
	echo "=== scripts"
	for f in nm-dispatcher openvpn-up openvpn-down hook-common.sh; do
		[ "$f" = hook-common.sh ] || check "$f: executable" test -x "$HOOKS/$f"
		check "$f: parses (sh -n)" sh -n "$HOOKS/$f"
		[ "$f" = hook-common.sh ] || check "$f: set -u" grep -q '^set -u$' "$HOOKS/$f"
		if command -v shellcheck >/dev/null 2>&1; then
			check "$f: shellcheck -s sh clean" shellcheck -x -s sh "$HOOKS/$f"
		else
			echo "  info  shellcheck not installed: $f not linted"
		fi
	done
}

# Installed, a hook finds the part they share where `make install` put it
# (@HOOKDIR@), not beside itself: the NetworkManager script lives apart.
installed_cases() {
	echo "=== installed apart from hook-common.sh ($sh)"
	clean_env
	mkdir -p "$t/nm" "$t/lib"
	cp "$HOOKS/hook-common.sh" "$t/lib/"
	sed "s|@HOOKDIR@|$t/lib|g" "$HOOKS/nm-dispatcher" >"$t/nm/nm-dispatcher"
	i_hooks=$HOOKS
	HOOKS=$t/nm
	# shellcheck disable=SC2086 # $wg: assignments without blanks
	hook $wg nm-dispatcher kshkwg0 pre-up
	expect "pre-up, WireGuard: hook-common.sh from HOOKDIR" 0 \
		"ksbpf status" "ksbpf tunnel add kshkwg0" "ksbpf wg-sync kshkwg0"
	rm "$t/lib/hook-common.sh"
	# shellcheck disable=SC2086
	hook $wg nm-dispatcher kshkwg0 pre-up
	expect "hook-common.sh missing: no call, exit 1" 1
	said "hook-common.sh missing: says so" err "hook-common.sh is missing"
	HOOKS=$i_hooks
}

wg_quick_cases() {
	echo "=== wg-quick ($sh)"
	clean_env
	c=$HOOKS/wg-quick.conf
	check "wg-quick.conf: every hook line calls ksbpf" \
		sh -c "! grep -E '^(PreUp|PostUp|PreDown|PostDown)' '$c' | grep -v '= ksbpf '"
	# Each hook where wg-quick's order needs it: PreUp before the interface
	# exists, PostUp once the peers and the fwmark are set.
	wgq_run "$c" kshk0 PreUp
	expect "PreUp: the name, before the interface exists" 0 "ksbpf tunnel add kshk0"
	wgq_run "$c" kshk0 PostUp
	expect "PostUp: the peers' endpoints" 0 "ksbpf wg-sync kshk0"
	wgq_run "$c" kshk0 PreDown
	expect "PreDown: forget them" 0 "ksbpf wg-sync --forget kshk0"
	wgq_run "$c" kshk0 PostDown
	expect "PostDown: no tunnel any more" 0 "ksbpf tunnel del kshk0"
	wgq_run "$c" kshk0 PreUp optional
	expect "PreUp with the optional mark line" 0 "ksbpf tunnel add kshk0" \
		"ksbpf allow mark 0xca6c udp"
	wgq_run "$c" kshk0 PostUp optional
	expect "PostUp with the optional mark line" 0 "ksbpf wg-sync kshk0"
	wgq_run "$c" kshk0 PreDown optional
	expect "PreDown with the optional mark line" 0 "ksbpf wg-sync --forget kshk0"
	wgq_run "$c" kshk0 PostDown optional
	expect "PostDown with the optional mark line" 0 "ksbpf tunnel del kshk0" \
		"ksbpf deny mark 0xca6c udp"
	wgq_run "$c" wg-vpn_1 PreUp PostUp PreDown PostDown
	expect "up and down, another name for %i" 0 "ksbpf tunnel add wg-vpn_1" \
		"ksbpf wg-sync wg-vpn_1" "ksbpf wg-sync --forget wg-vpn_1" "ksbpf tunnel del wg-vpn_1"
	FAKE_RC=1 FAKE_STATUS=3
	export FAKE_RC FAKE_STATUS
	wgq_run "$c" kshk0 PreUp PostUp PreDown PostDown
	expect "ksbpf failing (not loaded): every hook still succeeds" 0 \
		"ksbpf tunnel add kshk0" "ksbpf wg-sync kshk0" \
		"ksbpf wg-sync --forget kshk0" "ksbpf tunnel del kshk0"
}

UUID=0b0c3e8e-6a0d-4c8e-9d5e-1f2a3b4c5d6e
nm_cases() {
	echo "=== NetworkManager dispatcher ($sh)"
	clean_env
	wg="CONNECTION_UUID=$UUID CONNECTION_ID=my-wg DEVICE_IFACE=kshkwg0 DEVICE_IP_IFACE=kshkwg0 FAKE_NM_TYPE=wireguard"
	# shellcheck disable=SC2086 # $wg: assignments without blanks
	{
	hook $wg nm-dispatcher kshkwg0 pre-up
	expect "pre-up, WireGuard: tunnel add, wg-sync" 0 \
		"ksbpf status" "ksbpf tunnel add kshkwg0" "ksbpf wg-sync kshkwg0"
	said "pre-up, WireGuard: logged to syslog, tag ksbpf" syslog "ksbpf: nm-dispatcher: ksbpf wg-sync kshkwg0: ok"
	hook $wg FAKE_OUT="2 endpoints" nm-dispatcher kshkwg0 pre-up
	said "pre-up: ksbpf's own output is logged" syslog "wg-sync kshkwg0: ok: 2 endpoints"
	hook $wg FAKE_STATUS=4 nm-dispatcher kshkwg0 pre-up
	expect "pre-up, WireGuard, degraded (status 4): still done" 0 \
		"ksbpf status" "ksbpf tunnel add kshkwg0" "ksbpf wg-sync kshkwg0"
	check "  ... without a warning" sh -c "! grep -q 'status failed' '$t/syslog'"
	hook $wg FAKE_STATUS=1 nm-dispatcher kshkwg0 pre-up
	expect "pre-up, WireGuard, status failing (1): tried anyway" 0 \
		"ksbpf status" "ksbpf tunnel add kshkwg0" "ksbpf wg-sync kshkwg0"
	said "  ... and says so" syslog "ksbpf status failed (exit 1); trying anyway"
	hook $wg FAKE_STATUS=3 nm-dispatcher kshkwg0 pre-up
	expect "pre-up, WireGuard, ksbpf not loaded: status only" 0 "ksbpf status"
	silent "pre-up, not loaded: silent"
	hook $wg KSBPF="$t/none/ksbpf" nm-dispatcher kshkwg0 pre-up
	expect "pre-up, WireGuard, ksbpf not installed: no call" 0
	silent "pre-up, not installed: silent"
	hook $wg FAKE_RC=1 nm-dispatcher kshkwg0 pre-up
	expect "pre-up, WireGuard, ksbpf failing: exit 1" 1 \
		"ksbpf status" "ksbpf tunnel add kshkwg0" "ksbpf wg-sync kshkwg0"
	said "pre-up, failing: says so" syslog "daemon.err ksbpf: nm-dispatcher: ksbpf tunnel add kshkwg0 failed (exit 1)"
	hook $wg KSBPF_ARGS="--bpffs /run/ksbpf-b --config=/etc/ksbpf/b.conf" nm-dispatcher kshkwg0 pre-up
	expect "KSBPF_ARGS: appended to every call" 0 \
		"ksbpf status --bpffs /run/ksbpf-b --config=/etc/ksbpf/b.conf" \
		"ksbpf tunnel add kshkwg0 --bpffs /run/ksbpf-b --config=/etc/ksbpf/b.conf" \
		"ksbpf wg-sync kshkwg0 --bpffs /run/ksbpf-b --config=/etc/ksbpf/b.conf"
	hook $wg KSBPF="$t/alt/ksbpf-alt" nm-dispatcher kshkwg0 pre-up
	expect "KSBPF: that binary" 0 \
		"ksbpf-alt status" "ksbpf-alt tunnel add kshkwg0" "ksbpf-alt wg-sync kshkwg0"
	for bad in "unload" "--bpffs" "--tunnel wg1" "--bpffs -x" "--bpffs /a;reboot" \
		"--bpffs /a/*" "status"; do
		hook $wg KSBPF_ARGS="$bad" nm-dispatcher kshkwg0 pre-up
		expect "KSBPF_ARGS='$bad': refused, no call" 1
	done
	said "KSBPF_ARGS refused: says why" syslog "is not one of --bpffs DIR"
	for bad in "ksbpf --bpffs=/x" "-ksbpf" "ksbpf;id"; do
		hook $wg KSBPF="$bad" nm-dispatcher kshkwg0 pre-up
		expect "KSBPF='$bad': refused, no call" 1
	done
	for bad in 0 abc 1000; do
		hook $wg KSBPF_TIMEOUT="$bad" nm-dispatcher kshkwg0 pre-up
		expect "KSBPF_TIMEOUT='$bad': refused, no call" 1
	done
	s0=$(date +%s)
	hook $wg KSBPF_TIMEOUT=1 FAKE_SLEEP=30 nm-dispatcher kshkwg0 pre-up
	s1=$(date +%s)
	expect "a hanging ksbpf: each call cut off" 1 \
		"ksbpf status" "ksbpf tunnel add kshkwg0" "ksbpf wg-sync kshkwg0"
	check "a hanging ksbpf: NM held up $((s1 - s0)) s (< 8)" test $((s1 - s0)) -lt 8
	said "a hanging ksbpf: says so" syslog "timed out after 1 s"
	for bad in "wg0;reboot" "-wg0" "wg*" "a/b" "kshk-sixteen-chr" ".."; do
		hook $wg nm-dispatcher "$bad" pre-up
		expect "pre-up, WireGuard named '$bad': refused, no call" 1
	done
	for action in up down pre-down vpn-up vpn-down dhcp4-change connectivity-change ""; do
		hook $wg nm-dispatcher kshkwg0 "$action"
		expect "action '$action': nothing" 0
	done
	}
	if [ -r /sys/class/net/lo/uevent ]; then
		hook CONNECTION_UUID=$UUID FAKE_NM_TYPE=wireguard nm-dispatcher lo pre-up
		expect "pre-up, lo, nmcli saying wireguard: sysfs knows better, no call" 0
	else
		echo "  info  no /sys/class/net/lo/uevent: the sysfs check is not tried"
	fi
	hook CONNECTION_UUID=$UUID DEVICE_IFACE=kshketh0 FAKE_NM_TYPE=802-3-ethernet nm-dispatcher kshketh0 pre-up
	expect "pre-up, Ethernet: no call" 0
	silent "pre-up, Ethernet: silent"
	hook CONNECTION_UUID=$UUID FAKE_NM_TYPE=802-11-wireless nm-dispatcher kshkwl0 pre-up
	expect "pre-up, Wi-Fi: no call" 0
	hook FAKE_NM_TYPE=wireguard nm-dispatcher kshkwg0 pre-up
	expect "pre-up without CONNECTION_UUID (interface not there): no call" 0
	check "  ... and nmcli not asked" test ! -s "$t/nmcalls"
	hook CONNECTION_UUID="--help" FAKE_NM_TYPE=wireguard nm-dispatcher kshkwg0 pre-up
	expect "pre-up, CONNECTION_UUID=--help: not passed to nmcli, no call" 0
	check "  ... and nmcli not asked" test ! -s "$t/nmcalls"
	hook CONNECTION_UUID=$UUID FAKE_NM_TYPE=wireguard nm-dispatcher kshkwg0 pre-up
	said "nmcli asked for the connection's type by UUID" nmcalls \
		"--escape no -g connection.type connection show uuid $UUID"

	ovpn="CONNECTION_UUID=$UUID CONNECTION_ID=my-ovpn DEVICE_IFACE=kshkwl0 DEVICE_IP_IFACE=kshkwl0 VPN_IP_IFACE=kshktun0 FAKE_NM_SERVICE=org.freedesktop.NetworkManager.openvpn"
	# shellcheck disable=SC2086 # $ovpn: assignments without blanks
	{
	hook $ovpn FAKE_NM_DATA="connection-type = tls, port = 1194, proto-tcp = no, remote = 198.51.100.7" \
		nm-dispatcher kshktun0 vpn-pre-up
	expect "vpn-pre-up, OpenVPN, IPv4 server" 0 \
		"ksbpf status" "ksbpf tunnel add kshktun0" "ksbpf allow endpoint 198.51.100.7:1194/udp"
	hook $ovpn FAKE_NM_DATA="connection-type = password, remote = 198.51.100.7:1195" \
		nm-dispatcher kshktun0 vpn-pre-up
	expect "vpn-pre-up, OpenVPN, a remote with its port, no port key" 0 \
		"ksbpf status" "ksbpf tunnel add kshktun0" "ksbpf allow endpoint 198.51.100.7:1195/udp"
	hook $ovpn FAKE_NM_DATA="remote = 198.51.100.7" nm-dispatcher kshktun0 vpn-pre-up
	expect "vpn-pre-up, OpenVPN, only a remote: port 1194, UDP" 0 \
		"ksbpf status" "ksbpf tunnel add kshktun0" "ksbpf allow endpoint 198.51.100.7:1194/udp"
	hook $ovpn FAKE_NM_DATA="port = 443, proto-tcp = yes, remote = 2001:db8::7" \
		nm-dispatcher kshktun0 vpn-pre-up
	expect "vpn-pre-up, OpenVPN, IPv6 server, TCP" 0 \
		"ksbpf status" "ksbpf tunnel add kshktun0" "ksbpf allow endpoint [2001:db8::7]:443/tcp"
	hook $ovpn FAKE_NM_DATA="remote = [2001:db8::8]:1195:udp6, dev = tun" \
		nm-dispatcher kshktun0 vpn-pre-up
	expect "vpn-pre-up, OpenVPN, [IPv6]:port:proto, default port unused" 0 \
		"ksbpf status" "ksbpf tunnel add kshktun0" "ksbpf allow endpoint [2001:db8::8]:1195/udp"
	hook $ovpn FAKE_NM_DATA='port = 1300, remote = 198.51.100.7\, vpn.example.com:443:tcp 203.0.113.9:1200:tcp-client\, 192.0.2.4::tcp4, ta-dir = 1' \
		nm-dispatcher kshktun0 vpn-pre-up
	expect "vpn-pre-up, OpenVPN, several remotes: the addresses" 0 \
		"ksbpf status" "ksbpf tunnel add kshktun0" \
		"ksbpf allow endpoint 198.51.100.7:1300/udp" \
		"ksbpf allow endpoint 203.0.113.9:1200/tcp" \
		"ksbpf allow endpoint 192.0.2.4:1300/tcp"
	said "  ... and says the host name cannot be" syslog "remote 'vpn.example.com' is not an address"
	hook $ovpn FAKE_NM_DATA='remote = 198.51.100.7:1194/udp@1\, 198.51.100.8:99999\, 198.51.100.256\, 198.51.100.9:53:icmp\, -1.2.3.4\, 198.51.100.10:1194:udp --bpffs /x' \
		nm-dispatcher kshktun0 vpn-pre-up
	expect "vpn-pre-up, OpenVPN, garbage remotes: none allowed" 0 \
		"ksbpf status" "ksbpf tunnel add kshktun0" "ksbpf allow endpoint 198.51.100.10:1194/udp"
	hook $ovpn FAKE_NM_DATA="proxy-server = 192.0.2.8, proxy-type = http, remote = 198.51.100.7" \
		nm-dispatcher kshktun0 vpn-pre-up
	expect "vpn-pre-up, OpenVPN through a proxy: tunnel only" 0 \
		"ksbpf status" "ksbpf tunnel add kshktun0"
	said "  ... and says the proxy is what to allow" syslog "allow the proxy as an endpoint"
	hook $ovpn FAKE_NM_SERVICE=org.freedesktop.NetworkManager.vpnc nm-dispatcher kshktun0 vpn-pre-up
	expect "vpn-pre-up, vpnc: tunnel only" 0 "ksbpf status" "ksbpf tunnel add kshktun0"
	said "  ... and says why not the server" syslog "does not tell dispatcher scripts the VPN server's address"
	hook $ovpn FAKE_STATUS=3 FAKE_NM_DATA="remote = 198.51.100.7" nm-dispatcher kshktun0 vpn-pre-up
	expect "vpn-pre-up, not loaded: status only" 0 "ksbpf status"
	silent "vpn-pre-up, not loaded: silent"
	hook $ovpn VPN_IP_IFACE= nm-dispatcher kshkwl0 vpn-pre-up
	expect "vpn-pre-up without VPN_IP_IFACE (IPsec): no tunnel" 0 "ksbpf status"
	said "  ... and says so" syslog "no interface of its own"
	hook $ovpn VPN_IP_IFACE=kshkwl0 nm-dispatcher kshkwl0 vpn-pre-up
	expect "vpn-pre-up, VPN_IP_IFACE = the uplink: refused, no call" 1
	for bad in "tun0 tun1" "tun0;reboot" "--bpffs" "tun*" "tun/0" "kshk-sixteen-chr"; do
		hook $ovpn VPN_IP_IFACE="$bad" nm-dispatcher kshktun0 vpn-pre-up
		expect "vpn-pre-up, VPN_IP_IFACE='$bad': refused, no call" 1
	done
	}
}

ovpn_cases() {
	echo "=== OpenVPN ($sh)"
	clean_env
	up="dev=kshktun0 script_type=up trusted_port=1194"
	# shellcheck disable=SC2086 # $up: assignments without blanks
	{
	hook $up trusted_ip=198.51.100.7 proto_1=udp openvpn-up kshktun0 1500 0 10.8.0.2 10.8.0.1 init
	expect "up, udp" 0 "ksbpf status" "ksbpf tunnel add kshktun0" \
		"ksbpf allow endpoint 198.51.100.7:1194/udp"
	said "up: says what it did (stderr)" err "ksbpf openvpn-up: ksbpf tunnel add kshktun0: ok"
	hook $up trusted_ip6=2001:db8::7 proto_1=udp6 openvpn-up
	expect "up, udp6" 0 "ksbpf status" "ksbpf tunnel add kshktun0" \
		"ksbpf allow endpoint [2001:db8::7]:1194/udp"
	hook $up trusted_ip6=2001:db8:0:0:1:0:0:7 proto_1=udp openvpn-up
	expect "up, IPv6 written out in full" 0 "ksbpf status" "ksbpf tunnel add kshktun0" \
		"ksbpf allow endpoint [2001:db8:0:0:1:0:0:7]:1194/udp"
	hook $up trusted_ip=198.51.100.7 trusted_port=443 proto_1=tcp-client openvpn-up
	expect "up, tcp-client" 0 "ksbpf status" "ksbpf tunnel add kshktun0" \
		"ksbpf allow endpoint 198.51.100.7:443/tcp"
	for p in udp4:udp tcp:tcp tcp4-client:tcp tcp6-client:tcp tcp4:tcp tcp6:tcp; do
		hook $up trusted_ip=198.51.100.7 proto_1="${p%:*}" openvpn-up
		expect "up, proto_1=${p%:*} -> ${p#*:}" 0 "ksbpf status" "ksbpf tunnel add kshktun0" \
			"ksbpf allow endpoint 198.51.100.7:1194/${p#*:}"
	done
	hook $up trusted_ip=198.51.100.7 proto_1=udp KSBPF_MARK=0x4f56 openvpn-up
	expect "up, udp, KSBPF_MARK" 0 "ksbpf status" "ksbpf tunnel add kshktun0" \
		"ksbpf allow endpoint 198.51.100.7:1194/udp@0x4f56"
	hook $up trusted_ip6=2001:db8::7 trusted_port=443 proto_1=tcp6-client KSBPF_MARK=20310 openvpn-up
	expect "up, tcp6-client, decimal KSBPF_MARK" 0 "ksbpf status" "ksbpf tunnel add kshktun0" \
		"ksbpf allow endpoint [2001:db8::7]:443/tcp@20310"
	hook $up trusted_ip=198.51.100.7 proto_1=udp KSBPF_PROTO=tcp openvpn-up
	expect "up, KSBPF_PROTO wins over proto_1" 0 "ksbpf status" "ksbpf tunnel add kshktun0" \
		"ksbpf allow endpoint 198.51.100.7:1194/tcp"
	hook $up trusted_ip=198.51.100.7 trusted_ip6=2001:db8::7 proto_1=udp openvpn-up
	expect "up, trusted_ip and trusted_ip6: both" 0 "ksbpf status" "ksbpf tunnel add kshktun0" \
		"ksbpf allow endpoint 198.51.100.7:1194/udp" "ksbpf allow endpoint [2001:db8::7]:1194/udp"
	hook $up proto_1=udp openvpn-up
	expect "up, no trusted_ip yet (p2p): the tunnel only" 0 "ksbpf status" "ksbpf tunnel add kshktun0"
	said "  ... and says so" err "no server address yet"
	hook trusted_ip=198.51.100.7 trusted_port=1194 proto_1=udp openvpn-up kshktun1 1500 0
	expect "up, no \$dev: \$1" 0 "ksbpf status" "ksbpf tunnel add kshktun1" \
		"ksbpf allow endpoint 198.51.100.7:1194/udp"
	hook $up trusted_ip=198.51.100.7 proto_1=udp FAKE_STATUS=3 openvpn-up
	expect "up, ksbpf not loaded: status only, exit 0" 0 "ksbpf status"
	said "  ... and says so" err "ksbpf is not loaded"
	hook $up trusted_ip=198.51.100.7 proto_1=udp FAKE_RC=1 openvpn-up
	expect "up, ksbpf failing: exit 1 (OpenVPN stops)" 1 "ksbpf status" \
		"ksbpf tunnel add kshktun0" "ksbpf allow endpoint 198.51.100.7:1194/udp"
	hook $up trusted_ip=198.51.100.7 proto_1=udp KSBPF_ARGS="--bpffs /run/b" openvpn-up
	expect "up, KSBPF_ARGS" 0 "ksbpf status --bpffs /run/b" "ksbpf tunnel add kshktun0 --bpffs /run/b" \
		"ksbpf allow endpoint 198.51.100.7:1194/udp --bpffs /run/b"
	# Garbage: never another call, not even a part of the right one.
	for bad in "trusted_ip=198.51.100.7 203.0.113.1" "trusted_ip=198.51.100.7/24" \
		"trusted_ip=198.51.100.7:53" "trusted_ip=01.2.3.4" "trusted_ip=1.2.3.256" \
		"trusted_ip=1.2.3" "trusted_ip=-1.2.3.4" "trusted_ip=2001:db8::7" \
		"trusted_ip=198.51.100.7
203.0.113.1" "trusted_ip6=2001:db8::7%eth0" "trusted_ip6=198.51.100.7" \
		"trusted_ip6=[2001:db8::7]" "trusted_ip6=2001:db8:::7" "trusted_ip6=1:2:3:4:5:6:7:8:9" \
		"trusted_ip6=::ffff:1.2.3.4.5" "trusted_ip6=12345::1" "trusted_ip6=1:2:3:4::5:6:7:8" \
		"trusted_ip6=2001:db8::1.2.3.4:5" "trusted_ip6=:1::2" "trusted_ip6=1::2:" \
		"trusted_port=1194/tcp" "trusted_port=0" "trusted_port=70000" "trusted_port=" \
		"trusted_port=01194" "proto_1=tcp-server" "proto_1=udp;reboot" "proto_1=" \
		"proto_1=icmp" "KSBPF_PROTO=udp@1" "KSBPF_MARK=0x0" "KSBPF_MARK=0" \
		"KSBPF_MARK=0x4f56/udp" "KSBPF_MARK=0x123456789" "KSBPF_MARK=4294967296" \
		"KSBPF_MARK=-1" "KSBPF_MARK=0x4f56 --bpffs" \
		"dev=tun0 x" "dev=--bpffs" "dev=tun*" "dev=../x" "dev=kshk-sixteen-chr" \
		"KSBPF_ARGS=--tunnel x" "KSBPF_ARGS=unload"; do
		case $bad in
		trusted_ip6=*) hook $up "$bad" proto_1=udp openvpn-up ;;
		*) hook $up trusted_ip=198.51.100.7 proto_1=udp "$bad" openvpn-up ;;
		esac
		case $bad in *"$nl"*) bad="${bad%%"$nl"*}|${bad#*"$nl"}" ;; esac
		expect "up, $bad: refused, no call" 1
	done
	hook trusted_ip=198.51.100.7 trusted_port=1194 proto_1=udp openvpn-up
	expect "up, no \$dev and no \$1: refused, no call" 1

	down="dev=kshktun0 script_type=down signal=sigterm"
	hook $down FAKE_UID=0 openvpn-down kshktun0 1500 0 10.8.0.2 10.8.0.1 init
	expect "down as root: tunnel del" 0 "ksbpf status" "ksbpf tunnel del kshktun0"
	hook $down FAKE_UID=65534 openvpn-down kshktun0 1500 0 10.8.0.2 10.8.0.1 init
	expect "down as nobody: no call, exit 0" 0
	said "  ... and says it was not run" err "'ksbpf tunnel del kshktun0' was NOT run"
	said "  ... and names the way out" err "plugin openvpn-plugin-down-root.so"
	hook $down FAKE_UID=0 FAKE_STATUS=3 openvpn-down
	expect "down, not loaded: status only" 0 "ksbpf status"
	hook $down FAKE_UID=0 FAKE_RC=1 openvpn-down
	expect "down, ksbpf failing: says so, exit 0 (OpenVPN goes on)" 0 "ksbpf status" "ksbpf tunnel del kshktun0"
	said "  ... says so" err "ksbpf tunnel del kshktun0 failed (exit 1)"
	hook $down FAKE_UID=0 KSBPF_ARGS="--bpffs /run/b" openvpn-down
	expect "down, KSBPF_ARGS" 0 "ksbpf status --bpffs /run/b" "ksbpf tunnel del kshktun0 --bpffs /run/b"
	for bad in "dev=tun0;reboot" "dev=-x" "dev=tun?"; do
		hook $down FAKE_UID=0 "$bad" openvpn-down
		expect "down, $bad: refused, no call" 1
	done
	}
}

static_checks
for sh in $HOOK_SHELLS; do
	wg_quick_cases
	nm_cases
	ovpn_cases
	installed_cases
done
echo
echo "tests/hooks: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
