// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The 32-bit setsockopt guard. The kernel runs no cgroup/setsockopt program
 * for 32-bit system calls (int 0x80, i386 binaries), so guard.h's refusal of
 * PACKET_QDISC_BYPASS and SOL_XDP does not see them. Refusing them needs BPF
 * LSM, which kernel lockdown refuses here; this program kills (SIGKILL) a
 * held process that makes such a call before it returns to user space, so
 * it never sends through the socket.
 *
 * A separate object: its CO-RE relocations make libbpf read the kernel's
 * BTF (~0.3 s, ~11 MB), which the loader pays only when this object changes
 * (user/compat.c). It shares ksbpf's pinned maps by name.
 */
#include <stdbool.h>
#include "guard.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

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
static __always_inline bool compat_setsockopt(struct task_struct___ksbpf *task,
					      struct pt_regs___ksbpf *regs,
					      long id, int *level, int *optname)
{
	__u32 args[3];	/* fd, level, optname */

	if (id != I386_NR_SETSOCKOPT && id != I386_NR_SOCKETCALL)
		return false;
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

/* The task's network namespace is the one ksbpf guards. */
static __always_inline bool in_guarded_netns(struct task_struct___ksbpf *task,
					     const struct ksbpf_config *cfg)
{
	return task->nsproxy && task->nsproxy->net_ns &&
	       task->nsproxy->net_ns->net_cookie == cfg->netns_cookie;
}

#define SIGKILL 9

/* Runs at the entry of every system call of the host: the first test
 * leaves all but two i386 call numbers at once. */
SEC("tp_btf/sys_enter")
int BPF_PROG(ksbpf_compat_guard, struct pt_regs___ksbpf *regs, long id)
{
	struct task_struct___ksbpf *task = (void *)bpf_get_current_task_btf();
	const struct ksbpf_config *cfg;
	int level, optname;

	if (!compat_setsockopt(task, regs, id, &level, &optname) ||
	    !skips_tc(level, optname))
		return 0;
	cfg = ksbpf_get_config();
	if (!cfg || bpf_current_task_under_cgroup(&ksbpf_guarded_cgroup, 0) != 1 ||
	    !in_guarded_netns(task, cfg))
		return 0;
	if (held_by_kill_switch())
		bpf_send_signal(SIGKILL);
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
