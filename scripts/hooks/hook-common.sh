# shellcheck shell=sh
# shellcheck disable=SC2034,SC2154 # (ks_* set here are read by the hooks; ks_tag, ks_syslog set by them)
# The part every ksbpf hook (openvpn-up, openvpn-down, nm-dispatcher)
# shares, sourced by each: input checks, the calls with their timeout and
# log lines. A hook sets ks_tag (its name in messages) and ks_syslog (1: log
# through logger -t ksbpf) before sourcing it.
KSBPF=${KSBPF:-ksbpf}
KSBPF_ARGS=${KSBPF_ARGS:-}
PATH=${PATH:-/usr/bin:/bin}:/usr/local/sbin:/usr/sbin:/sbin
export PATH
ks_args=""
ks_failed=0
ks_timeout=10
ks_nl='
'

ks_log() {	# PRIORITY MESSAGE: syslog (tag ksbpf) if asked for, else stderr
	if [ "$ks_syslog" = 1 ] && command -v logger >/dev/null 2>&1 &&
		logger -t ksbpf -p "daemon.$1" -- "$ks_tag: $2" 2>/dev/null; then
		return 0
	fi
	printf 'ksbpf %s: %s\n' "$ks_tag" "$2" >&2
}
say() { ks_log info "$*"; }
warn() { ks_log err "$*"; }

# Interface names as the kernel takes them (at most 15 bytes), without
# anything ksbpf or a shell would read otherwise: no pattern, no option.
ks_valid_iface() {
	case $1 in
	'' | -* | . | .. | *[!A-Za-z0-9_.@+-]*) return 1 ;;
	esac
	[ "${#1}" -le 15 ]
}

ks_valid_ipv4() {	# dotted quad, no leading zeros
	case $1 in
	'' | *[!0-9.]* | .* | *. | *..*) return 1 ;;
	esac
	ks_rest=$1.
	ks_n=0
	while [ -n "$ks_rest" ]; do
		ks_o=${ks_rest%%.*}
		ks_rest=${ks_rest#*.}
		ks_n=$((ks_n + 1))
		case $ks_o in
		0?* | ????*) return 1 ;;
		esac
		[ "$ks_o" -le 255 ] || return 1
	done
	[ "$ks_n" -eq 4 ]
}

ks_valid_ipv6() {	# hex groups, one :: at most, an IPv4 tail; no zone
	case $1 in
	'' | *[!0-9A-Fa-f:.]* | *:::* | *::*::* | :[!:]* | *[!:]:) return 1 ;;
	*:*) ;;
	*) return 1 ;;
	esac
	[ "${#1}" -le 45 ] || return 1
	ks_rest=$1
	ks_n=0
	while [ -n "$ks_rest" ]; do
		ks_g=${ks_rest%%:*}
		if [ "$ks_g" = "$ks_rest" ]; then ks_rest=""; else ks_rest=${ks_rest#*:}; fi
		case $ks_g in
		'') ;;
		*.*)
			[ -z "$ks_rest" ] && ks_valid_ipv4 "$ks_g" || return 1
			ks_n=$((ks_n + 2)) ;;
		?????*) return 1 ;;
		*) ks_n=$((ks_n + 1)) ;;
		esac
	done
	case $1 in
	*::*) [ "$ks_n" -le 7 ] ;;
	*) [ "$ks_n" -eq 8 ] ;;
	esac
}

ks_valid_port() {
	case $1 in
	'' | 0* | *[!0-9]* | ??????*) return 1 ;;
	esac
	[ "$1" -le 65535 ]
}

ks_valid_mark() {	# decimal or 0x hex, 32 bits, not 0
	case $1 in
	0[xX]*)
		ks_h=${1#0[xX]}
		case $ks_h in
		'' | *[!0-9A-Fa-f]* | ?????????*) return 1 ;;
		*[1-9A-Fa-f]*) return 0 ;;
		*) return 1 ;;
		esac ;;
	'' | 0* | *[!0-9]* | ???????????*) return 1 ;;
	esac
	[ "$1" -le 4294967295 ]
}

ks_proto() {	# OpenVPN's protocol names -> udp|tcp (nothing: unknown)
	case $1 in
	udp | udp4 | udp6) echo udp ;;
	tcp | tcp4 | tcp6 | tcp-client | tcp4-client | tcp6-client) echo tcp ;;
	esac
}

# ks_endpoint IP PORT PROTO [MARK]: the endpoint as ksbpf writes it, or
# nothing if a part is not valid.
ks_endpoint() {
	if ks_valid_ipv4 "$1"; then
		ks_ep=$1:$2/$3
	elif ks_valid_ipv6 "$1"; then
		ks_ep=[$1]:$2/$3
	else
		return 1
	fi
	ks_valid_port "$2" || return 1
	case $3 in udp | tcp) ;; *) return 1 ;; esac
	if [ -n "${4:-}" ]; then
		ks_valid_mark "$4" || return 1
		ks_ep=$ks_ep@$4
	fi
	printf '%s\n' "$ks_ep"
}

# ks_init: checks KSBPF, KSBPF_TIMEOUT (seconds a call may take) and
# KSBPF_ARGS (only global options, so that no value can turn into another
# command). 1: refused.
ks_init() {
	case $KSBPF in
	'' | -* | *[!A-Za-z0-9_./+-]*)
		warn "KSBPF='$KSBPF' is not a program name or path: nothing done"
		return 1 ;;
	esac
	case ${KSBPF_TIMEOUT:-10} in
	0* | *[!0-9]* | ????*)
		warn "KSBPF_TIMEOUT='$KSBPF_TIMEOUT' is not a number of seconds (1-999): nothing done"
		return 1 ;;
	esac
	ks_timeout=${KSBPF_TIMEOUT:-10}
	ks_args=""
	ks_want=""
	ks_bad=""
	set -f
	for ks_w in $KSBPF_ARGS; do
		case $ks_w in
		*[!A-Za-z0-9_./=:@+-]*) ks_bad=$ks_w; break ;;
		esac
		if [ -n "$ks_want" ]; then
			case $ks_w in -*) ks_bad="$ks_want $ks_w"; break ;; esac
			ks_want=""
		else
			case $ks_w in
			--bpffs | --cgroup | --config) ks_want=$ks_w ;;
			--bpffs=[!-]* | --cgroup=[!-]* | --config=[!-]* | --debug) ;;
			*) ks_bad=$ks_w; break ;;
			esac
		fi
		ks_args="$ks_args $ks_w"
	done
	set +f
	[ -n "$ks_want" ] && [ -z "$ks_bad" ] && ks_bad="$ks_want (no value)"
	if [ -n "$ks_bad" ]; then
		warn "KSBPF_ARGS: '$ks_bad' is not one of --bpffs DIR, --cgroup DIR, --config FILE, --debug: nothing done"
		return 1
	fi
	return 0
}

ks_timed() {	# COMMAND...: at most ks_timeout s (a hook must not hold its caller up)
	if command -v timeout >/dev/null 2>&1; then
		timeout -k 2 "$ks_timeout" "$@"
	else
		"$@"
	fi
}

# ks_loaded: 0 if ksbpf is installed and loaded (status 0, 4) or status
# failed otherwise (1: the calls will say why), 1 if not loaded (3) or
# not installed.
ks_loaded() {
	command -v "$KSBPF" >/dev/null 2>&1 || return 1
	ks_rc=0
	# shellcheck disable=SC2086 # ks_args: checked words, no blanks or globs
	ks_timed "$KSBPF" status $ks_args >/dev/null 2>&1 || ks_rc=$?
	case $ks_rc in
	0 | 4) return 0 ;;
	3) return 1 ;;
	esac
	warn "ksbpf status failed (exit $ks_rc); trying anyway"
	return 0
}

ks() {	# ARGS...: ksbpf ARGS KSBPF_ARGS, logged; a failure sets ks_failed
	ks_rc=0
	# shellcheck disable=SC2086 # ks_args: checked words, no blanks or globs
	ks_out=$(ks_timed "$KSBPF" "$@" $ks_args 2>&1) || ks_rc=$?
	case $ks_out in
	*"$ks_nl"*) ks_out=$(printf '%s' "$ks_out" | tr '\n' ' ') ;;
	esac
	if [ "$ks_rc" -eq 0 ]; then
		say "ksbpf $*: ok${ks_out:+: $ks_out}"
	else
		[ "$ks_rc" -eq 124 ] && ks_out="timed out after $ks_timeout s"
		warn "ksbpf $* failed (exit $ks_rc)${ks_out:+: $ks_out}"
		ks_failed=1
	fi
}
