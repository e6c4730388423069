#!/bin/sh
# tests/kernels/fetch.sh — downloads and unpacks Debian's stock kernels for the
# kernel matrix (tests/kernels/run.sh), without installing anything: apt runs
# on a temporary state (lists, cache, sources) and `dpkg -x` unpacks the
# package into a cache directory.
#
#   6.1   Debian 12 (bookworm):  newest linux-image-6.1.0-N-amd64-unsigned
#   6.12  Debian 13 (trixie):    newest linux-image-6.12.N+deb13-amd64-unsigned
#
# Always the generic flavour: the cloud one has no 9p, which tests/kernels/boot.sh
# needs for its root file system.
#
# Usage (root): tests/kernels/fetch.sh [6.1|6.12]...   (default: both)
# Prints one line per kernel on stdout, and progress on stderr:
#   kernel LABEL DIR              DIR holds boot/vmlinuz-VER, lib/modules/VER
#   SKIP kernel LABEL: REASON     it could not be had (never a silent pass)
# Exit status: 0 when every kernel asked for is there, 1 otherwise.
#
# KSBPF_KERNEL_CACHE   cache root (default /var/cache/ksbpf-kernels); one
#                      directory per kernel release, reused when complete.
# KSBPF_KERNEL_REFRESH=1  ask the archive for a newer kernel even when one is
#                      cached (by default a complete cache means no network).
set -u
CACHE=${KSBPF_KERNEL_CACHE:-/var/cache/ksbpf-kernels}
MARK=.ksbpf-complete	# written last: a directory without it is half-made
WORK=""
PATH=$PATH:/usr/sbin:/sbin	# depmod

log() { echo "fetch: $*" >&2; }

# shellcheck disable=SC2317  # (called from the trap)
cleanup() { [ -n "$WORK" ] && rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- kernels
# kernel_info LABEL: "CODENAME PACKAGE-REGEX" (extended regex on names).
kernel_info() {
	case $1 in
	6.1) echo 'bookworm ^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' ;;
	# +deb13.1 style suffixes appear when a rebuild keeps the upstream version
	6.12) echo 'trixie ^linux-image-6\.12\.[0-9]+\+deb13(\.[0-9]+)?-amd64-unsigned$' ;;
	*) return 1 ;;
	esac
}

# ---------------------------------------------------------------- host's apt
# host_codename: the host's Debian codename, to recognise its Debian entries.
host_codename() {
	# shellcheck disable=SC1091
	(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
}

# host_debian_sources: "KIND URI SIGNED-BY" for each Debian entry of the host's
# apt sources (one-line .list and deb822 .sources), KIND being archive (suite
# CODENAME or CODENAME-updates) or security (CODENAME-security). SIGNED-BY is
# "-" when the entry names no keyring file. Other vendors' entries never match
# the host's codename as a whole suite, so they are ignored.
host_debian_sources() {
	cn=$(host_codename)
	[ -n "$cn" ] || return 0
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk -v cn="$cn" '
		$1 != "deb" { next }
		{	sb = "-"; i = 2
			if ($2 ~ /^\[/) {	# [ options ], maybe spread over fields
				for (; i <= NF; i++) {
					if ($i ~ /signed-by=/) { sb = $i; sub(/.*signed-by=/, "", sb); sub(/\].*/, "", sb) }
					if ($i ~ /\]$/) { i++; break }
				}
			}
			uri = $i; suite = $(i + 1)
			if (suite == cn || suite == cn "-updates") print "archive", uri, sb
			else if (suite == cn "-security" || suite == cn "/updates") print "security", uri, sb
		}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v cn="$cn" '
		function flush(   n, u, s, i, j, kind) {
			if (types ~ /(^| )deb( |$)/ && enabled != "no") {
				n = split(uris, u, " "); split(suites, s, " ")
				for (i = 1; i <= n; i++) for (j in s) {
					kind = ""
					if (s[j] == cn || s[j] == cn "-updates") kind = "archive"
					else if (s[j] == cn "-security") kind = "security"
					if (kind != "") print kind, u[i], (signedby == "" ? "-" : signedby)
				}
			}
			types = uris = suites = signedby = enabled = ""
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { next }	# continuation (an inline key): not a file name
		{	key = tolower($1); sub(/:$/, "", key); $1 = ""; sub(/^ +/, "")
			if (key == "types") types = $0
			else if (key == "uris") uris = $0
			else if (key == "suites") suites = $0
			else if (key == "enabled") enabled = tolower($0)
			else if (key == "signed-by" && $0 ~ /^\//) signedby = $0
		}
		END { flush() }' "$f"
	done | sort -u
}

# ---------------------------------------------------------------- temporary apt
# apt_prepare DIR CODENAME: a private apt state in DIR whose sources are
# CODENAME (+ -updates, -security) of the Debian registry the host already
# uses. Sets APT_OPTS. Returns 1 when the host names no Debian registry.
apt_prepare() {
	d=$1 cn=$2
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/dl" || return 1
	: >"$d/status"
	: >"$d/sources.list"
	host_debian_sources | while read -r kind uri sb; do
		opt=""
		[ "$sb" != - ] && opt="[signed-by=$sb] "
		case $kind in
		archive) echo "deb ${opt}$uri $cn main"; echo "deb ${opt}$uri $cn-updates main" ;;
		security) echo "deb ${opt}$uri $cn-security main" ;;
		esac
	done | sort -u >"$d/sources.list"
	[ -s "$d/sources.list" ] || return 1
	# apt downloads as the unprivileged _apt user when it exists
	id _apt >/dev/null 2>&1 && chown -R _apt "$d"
	APT_OPTS="-q -o Dir::State::Lists=$d/lists -o Dir::Etc::SourceList=$d/sources.list
		-o Dir::Etc::SourceParts=/dev/null -o Dir::Cache=$d/cache
		-o Dir::State::status=$d/status -o Dir::Etc::Preferences=/dev/null
		-o Dir::Etc::PreferencesParts=/dev/null -o Acquire::Languages=none"
}

# apt_update DIR: fetch the temporary state's indexes; the first error line
# on failure.
apt_update() {
	# shellcheck disable=SC2086
	if ! apt-get $APT_OPTS update >"$1/update.log" 2>&1 ||
		grep -q '^[EW]: Failed' "$1/update.log"; then
		grep -m1 -E '^(E|W):' "$1/update.log" || tail -1 "$1/update.log"
		return 1
	fi
}

# newest_package REGEX: the newest package name matching REGEX in the
# temporary state (names carry the version: sort -V orders them).
newest_package() {
	# shellcheck disable=SC2086
	apt-cache $APT_OPTS pkgnames linux-image- 2>/dev/null |
		grep -E "$1" | sort -V | tail -1
}

# ---------------------------------------------------------------- cache
# cached LABEL: the newest complete cache directory for LABEL, if any.
cached() {
	for m in "$CACHE"/*/"$MARK"; do
		[ -f "$m" ] || continue
		grep -qx "label=$1" "$m" && dirname "$m"
	done | sort -V | tail -1
}

# unpack DEB DEST LABEL PACKAGE: dpkg -x into a scratch directory beside
# DEST, a layout boot.sh can rely on (lib/modules/VER even where the package
# uses /usr/lib/modules), modules.dep from depmod, then an atomic rename.
unpack() {
	deb=$1 dest=$2 label=$3 pkg=$4
	x=$WORK/x
	rm -rf "$x"
	dpkg -x "$deb" "$x" || return 1
	ver=$(basename "$dest")
	if [ ! -d "$x/lib/modules/$ver" ] && [ -d "$x/usr/lib/modules/$ver" ]; then
		mkdir -p "$x/lib/modules" && mv "$x/usr/lib/modules/$ver" "$x/lib/modules/" || return 1
	fi
	rm -rf "$x/usr/share/doc"
	[ -f "$x/boot/vmlinuz-$ver" ] || { echo "no boot/vmlinuz-$ver in $pkg"; return 1; }
	depmod -b "$x" "$ver" || { echo "depmod failed"; return 1; }
	[ -s "$x/lib/modules/$ver/modules.dep" ] || { echo "empty modules.dep"; return 1; }
	printf 'label=%s\npackage=%s\nrelease=%s\n' "$label" "$pkg" "$ver" >"$x/$MARK.tmp"
	rm -rf "$dest"
	mv "$x" "$dest" && mv "$dest/$MARK.tmp" "$dest/$MARK"
}

# fetch LABEL: prints the kernel's line (or its SKIP line) on stdout.
fetch() {
	label=$1
	info=$(kernel_info "$label") || { echo "SKIP kernel $label: unknown kernel label"; return 1; }
	cn=${info%% *} regex=${info#* }
	have=$(cached "$label")
	if [ -n "$have" ] && [ "${KSBPF_KERNEL_REFRESH:-0}" != 1 ]; then
		log "kernel $label: cached $have"
		echo "kernel $label $have"
		return 0
	fi
	d=$WORK/apt-$label
	if ! apt_prepare "$d" "$cn"; then
		skip_or_cached "$label" "$have" "no Debian registry in the host's apt sources (codename '$(host_codename)')"
		return
	fi
	log "kernel $label: apt-get update ($(awk '{ printf "%s%s", sep, $(NF - 1); sep = " " }' "$d/sources.list"))"
	if ! err=$(apt_update "$d"); then
		skip_or_cached "$label" "$have" "apt-get update for $cn failed: $err"
		return
	fi
	pkg=$(newest_package "$regex")
	if [ -z "$pkg" ]; then
		skip_or_cached "$label" "$have" "no package matching $regex in $cn"
		return
	fi
	ver=${pkg#linux-image-}
	ver=${ver%-unsigned}
	dest=$CACHE/$ver
	if [ -f "$dest/$MARK" ]; then
		log "kernel $label: $pkg is cached already"
		echo "kernel $label $dest"
		return 0
	fi
	log "kernel $label: downloading $pkg"
	# shellcheck disable=SC2086
	if ! (cd "$d/dl" && apt-get $APT_OPTS download "$pkg" >"$d/download.log" 2>&1); then
		skip_or_cached "$label" "$have" "apt-get download $pkg failed: $(grep -m1 '^E:' "$d/download.log")"
		return
	fi
	log "kernel $label: unpacking into $dest"
	if ! err=$(unpack "$d"/dl/*.deb "$dest" "$label" "$pkg"); then
		rm -rf "$dest"
		skip_or_cached "$label" "$have" "unpacking $pkg failed: $err"
		return
	fi
	rm -rf "$d"
	echo "kernel $label $dest"
}

# skip_or_cached LABEL CACHED-DIR REASON: an older cached kernel still
# serves (said loudly on stderr); without one the kernel is skipped.
skip_or_cached() {
	if [ -n "$2" ]; then
		log "kernel $1: $3; using the cached $2"
		echo "kernel $1 $2"
	else
		echo "SKIP kernel $1: $3"
		return 1
	fi
}

labels=${*:-6.1 6.12}
if [ "$(id -u)" != 0 ]; then
	for label in $labels; do echo "SKIP kernel $label: fetch.sh needs root"; done
	exit 1
fi
for t in apt-get apt-cache dpkg depmod; do
	if ! command -v $t >/dev/null; then
		for label in $labels; do echo "SKIP kernel $label: missing tool $t"; done
		exit 1
	fi
done
mkdir -p "$CACHE" || exit 1
# Work files live in the cache's file system, so the final rename is atomic.
WORK=$(mktemp -d "$CACHE/.work.XXXXXX") || exit 1
chmod 755 "$WORK"
rc=0
for label in $labels; do
	fetch "$label" || rc=1
done
exit $rc
