#!/bin/bash
# `make install` puts the binary, the units, the example configuration,
# the docs, the fail-closed drop-ins and the VPN clients' hooks where they
# belong, and `make uninstall` removes them. What systemd makes of the
# units: test_units.sh.
set -u
cd "$(dirname "$0")/../.."
dest=$(mktemp -d /tmp/ksbpf-install.XXXXXX)
trap 'rm -rf "$dest"' EXIT
fails=0
check() { if "${@:2}" >/dev/null; then echo "  ok    $1"; else echo "  FAIL  $1"; fails=$((fails + 1)); fi; }

make --no-print-directory -s install DESTDIR="$dest" PREFIX=/usr/local >/dev/null
check "binary installed" test -x "$dest/usr/local/sbin/ksbpf"
check "units installed" test -f "$dest/usr/local/lib/systemd/system/ksbpf.service" \
	-a -f "$dest/usr/local/lib/systemd/system/ksbpf-early.service"
check "no @PLACEHOLDER@ left in the units" sh -c \
	"! grep -Eq '@[A-Z]+@' '$dest/usr/local/lib/systemd/system/ksbpf.service' '$dest/usr/local/lib/systemd/system/ksbpf-early.service'"
check "docs installed (--help and the units name them)" \
	test -f "$dest/usr/local/share/doc/ksbpf/setup.md" -a -f "$dest/usr/local/share/doc/ksbpf/cli.md"
check "fail-closed drop-ins installed" \
	test -f "$dest/usr/local/share/ksbpf/fail-closed/NetworkManager.service.d/ksbpf-fail-closed.conf"
check "example configuration installed" test -f "$dest/etc/ksbpf/ksbpf.conf.example"
check "no live configuration installed" test ! -e "$dest/etc/ksbpf/ksbpf.conf"
check "man page installed" test -f "$dest/usr/local/share/man/man8/ksbpf.8"
check "bash completion installed" test -f "$dest/usr/local/share/bash-completion/completions/ksbpf"
check "zsh completion installed" test -f "$dest/usr/local/share/zsh/vendor-completions/_ksbpf"
# The VPN clients' hooks. NetworkManager never reads /usr/local: a
# PREFIX=/usr/local install puts its dispatcher script in /etc.
check "OpenVPN up script installed, executable" test -x "$dest/usr/local/lib/ksbpf/openvpn-up"
check "OpenVPN down script installed, executable" test -x "$dest/usr/local/lib/ksbpf/openvpn-down"
check "wg-quick lines installed" test -f "$dest/usr/local/share/ksbpf/wg-quick.conf"
check "the hooks' shared part installed" test -f "$dest/usr/local/lib/ksbpf/hook-common.sh"
nm_hook=$dest/etc/NetworkManager/dispatcher.d/pre-up.d/10-ksbpf
check "NetworkManager dispatcher script finds it in /usr/local/lib/ksbpf" \
	grep -q '^\[ -r "$ks_lib" \] || ks_lib=/usr/local/lib/ksbpf/hook-common.sh$' "$nm_hook"
check "NetworkManager dispatcher script installed in /etc, executable" test -x "$nm_hook"
# NetworkManager runs only scripts not writable by group or other.
check "NetworkManager dispatcher script: mode 0755" \
	test "$(stat -c %a "$nm_hook")" = 755
check "nothing installed under /usr/local/lib/NetworkManager" \
	test ! -e "$dest/usr/local/lib/NetworkManager"
for hook in "$dest/usr/local/lib/ksbpf/openvpn-up" "$dest/usr/local/lib/ksbpf/openvpn-down" "$nm_hook"; do
	check "${hook#"$dest"} parses (sh -n)" sh -n "$hook"
done
check "man page renders without warnings" sh -c \
	"man --warnings -l docs/man/ksbpf.8 2>&1 >/dev/null | grep -q . && exit 1 || exit 0"
check "bash completion parses" bash -n build/ksbpf.bash-completion
# Every command and long option of the CLI is in the man page.
for word in $(build/ksbpf --help | awk '/^Commands:/,/^$/' | awk 'NF {print $1}' | tr '|' ' ') \
	$(for c in load run status events verify app exec; do build/ksbpf "$c" --help; done |
	  grep -oE -- '^ +(-[a-zA-Z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u); do
	case $word in Commands:|help) continue ;; esac
	check "man page documents $word" grep -q -- "$(echo "$word" | sed 's/-/\\\\-/g')" docs/man/ksbpf.8
done
check "unit runs the installed binary" \
	grep -q '^ExecStart=/usr/local/sbin/ksbpf run$' "$dest/usr/local/lib/systemd/system/ksbpf.service"
check "installed binary runs" "$dest/usr/local/sbin/ksbpf" --version
# The example configuration is what it says: every key in it is accepted.
sed 's/^#\([a-z-]* = \)/\1/' scripts/ksbpf.conf.example > "$dest/all-keys.conf"
check "example configuration parses" \
	build/ksbpf load --help --config "$dest/all-keys.conf"

make --no-print-directory -s uninstall DESTDIR="$dest" PREFIX=/usr/local >/dev/null
check "uninstall removes the binary" test ! -e "$dest/usr/local/sbin/ksbpf"
check "uninstall removes the units" test ! -e "$dest/usr/local/lib/systemd/system/ksbpf.service" \
	-a ! -e "$dest/usr/local/lib/systemd/system/ksbpf-early.service"
check "uninstall removes the docs" test ! -e "$dest/usr/local/share/doc/ksbpf"
check "uninstall removes the man page" test ! -e "$dest/usr/local/share/man/man8/ksbpf.8"
check "uninstall removes the OpenVPN scripts" test ! -e "$dest/usr/local/lib/ksbpf"
check "uninstall removes the wg-quick lines" test ! -e "$dest/usr/local/share/ksbpf"
check "uninstall removes the NetworkManager script" test ! -e "$nm_hook"
# A /usr install (the package's layout) puts it where NetworkManager looks.
make --no-print-directory -s install DESTDIR="$dest/usr-prefix" PREFIX=/usr >/dev/null
check "PREFIX=/usr: NetworkManager script in /usr/lib/NetworkManager" \
	test -x "$dest/usr-prefix/usr/lib/NetworkManager/dispatcher.d/pre-up.d/10-ksbpf"
check "PREFIX=/usr: none in /etc/NetworkManager" test ! -e "$dest/usr-prefix/etc/NetworkManager"
echo "test_install: $fails failed"
[ "$fails" -eq 0 ]
