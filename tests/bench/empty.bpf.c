// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The floor of the per-packet benchmark (tests/bench/progcost.c): programs of
 * the same types as ksbpf's that only return their "pass" verdict. What
 * BPF_PROG_TEST_RUN reports for them is the harness's own cost per run; what
 * ksbpf costs is its figure minus this one.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("cgroup_skb/egress")
int empty_cg_egress(struct __sk_buff *skb)
{
	(void)skb;
	return 1;
}

SEC("tc")
int empty_tc_egress(struct __sk_buff *skb)
{
	(void)skb;
	return -1;	/* TC_NEXT, as ksbpf returns for "allowed" */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
