/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Two ways to send that never meet TC egress: AF_PACKET sockets with
 * PACKET_QDISC_BYPASS (packet_xmit() -> dev_direct_xmit()) and AF_XDP.
 * Processes the kill switch holds may not turn them on: the first is one
 * socket option, and an AF_XDP socket cannot send before its SOL_XDP
 * options (UMEM, TX ring) are set. A cgroup/setsockopt program sees every
 * setsockopt() of the cgroup, of any address family; BPF LSM programs would
 * see socket creation too, but kernel lockdown refuses them here.
 * Bypass apps, and unlisted ones under --scope apps, keep both.
 *
 * The kernel runs no cgroup/setsockopt program for 32-bit system calls:
 * compat_guard.bpf.c watches those.
 */
#ifndef KSBPF_GUARD_H
#define KSBPF_GUARD_H

#include "verdict.h"

#ifndef SOL_PACKET
#define SOL_PACKET 263
#endif
#ifndef SOL_XDP
#define SOL_XDP 283
#endif
#define PACKET_QDISC_BYPASS 20

static __always_inline bool held_by_kill_switch(void)
{
	const struct ksbpf_config *cfg = ksbpf_get_config();
	struct app app = {};

	if (!cfg)
		return true;
	find_caller_app(cfg, &app);
	if (cfg->flags & KSBPF_F_SCOPE_APPS)
		return app.policy == KSBPF_APP_ENFORCE || app.policy == KSBPF_APP_BLOCK;
	return app.policy != KSBPF_APP_BYPASS;
}

static __always_inline bool skips_tc(int level, int optname)
{
	return (level == SOL_PACKET && optname == PACKET_QDISC_BYPASS) ||
	       level == SOL_XDP;
}

#endif /* KSBPF_GUARD_H */
