#!/bin/bash
# Scenario 8: --block-inbound (unsolicited inbound on the uplink; packets to
# the tunnel address arriving on the uplink, CVE-2019-14899 probing). The
# inbound half is not implemented yet: the rows say so and do not fail.
set -u
KSBPF=${KSBPF:-$(cd "$(dirname "$0")/../../.." && pwd)/build/ksbpf}
if "$KSBPF" load --help 2>&1 | grep -q -- --block-inbound; then
	why="--block-inbound exists now, but these scenarios are not written yet"
else
	why="not implemented (ksbpf load has no --block-inbound)"
fi
echo "RESULT s8a-inbound-unsolicited - - skip $why"
echo "RESULT s8b-inbound-tunnel-addr-probe-cve-2019-14899 - - skip $why"
