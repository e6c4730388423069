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
 * The kernel runs no cgroup/setsockopt program for 32-bit system calls
 * (int 0x80, i386 binaries). Nothing can refuse those without BPF LSM, so
 * the sys_enter guard kills (SIGKILL) a held process that makes such a call
 * before it returns to user space: it never sends through the socket.
 */
#ifndef KSBPF_GUARD_H
#define KSBPF_GUARD_H

#include <bpf/bpf_core_read.h>
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
	find_app(NULL, cfg, &app);
	if (cfg->flags & KSBPF_F_SCOPE_APPS)
		return app.policy == KSBPF_APP_ENFORCE || app.policy == KSBPF_APP_BLOCK;
	return app.policy != KSBPF_APP_BYPASS;
}

static __always_inline bool skips_tc(int level, int optname)
{
	return (level == SOL_PACKET && optname == PACKET_QDISC_BYPASS) ||
	       level == SOL_XDP;
}

/* The kernel's own layouts, relocated by CO-RE (the suffix is dropped). */
struct pt_regs___ksbpf {
	unsigned long bx, cx, dx;
} __attribute__((preserve_access_index));
struct thread_info___ksbpf {
	__u32 status;
} __attribute__((preserve_access_index));
struct net___ksbpf {
	__u64 net_cookie;
} __attribute__((preserve_access_index));
struct nsproxy___ksbpf {
	struct net___ksbpf *net_ns;
} __attribute__((preserve_access_index));
struct task_struct___ksbpf {
	struct thread_info___ksbpf thread_info;
	struct nsproxy___ksbpf *nsproxy;
} __attribute__((preserve_access_index));

/* x86: TS_COMPAT in thread_info.status, and the i386 system call numbers. */
#define TS_COMPAT 0x0002
#define I386_NR_SOCKETCALL 102
#define I386_NR_SETSOCKOPT 366
#define SYS_SETSOCKOPT 14	/* socketcall's call number */

/* A 32-bit setsockopt(): its level and option name. Through socketcall
 * they are read from user memory, which another thread could rewrite
 * before the kernel reads it (docs/policy.md); the direct call passes
 * them in registers. */
static __always_inline bool compat_setsockopt(struct pt_regs___ksbpf *regs,
					      long id, int *level, int *optname)
{
	struct task_struct___ksbpf *task;
	__u32 args[3];	/* fd, level, optname */

	if (id != I386_NR_SETSOCKOPT && id != I386_NR_SOCKETCALL)
		return false;
	task = (void *)bpf_get_current_task_btf();
	if (!bpf_core_field_exists(task->thread_info.status) ||
	    !(task->thread_info.status & TS_COMPAT))
		return false;
	if (id == I386_NR_SETSOCKOPT) {
		*level = regs->cx;
		*optname = regs->dx;
		return true;
	}
	if (regs->bx != SYS_SETSOCKOPT ||
	    bpf_probe_read_user(args, sizeof(args), (void *)(regs->cx & 0xffffffff)))
		return false;
	*level = args[1];
	*optname = args[2];
	return true;
}

/* The task's network namespace is the guarded one. */
static __always_inline bool task_in_guarded_netns(const struct ksbpf_config *cfg)
{
	struct task_struct___ksbpf *task = (void *)bpf_get_current_task_btf();

	return task->nsproxy && task->nsproxy->net_ns &&
	       task->nsproxy->net_ns->net_cookie == cfg->netns_cookie;
}

#endif /* KSBPF_GUARD_H */
