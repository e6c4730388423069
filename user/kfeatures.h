/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the running kernel lets ksbpf use, found by asking the kernel (a
 * program load or a query), never by reading its version. A missing feature
 * selects an equivalent mechanism (docs/kernels.md), never a weaker one.
 */
#ifndef KSBPF_KFEATURES_H
#define KSBPF_KFEATURES_H

#include <stdbool.h>

struct ksbpf_bpf;

struct kernel_features {
	/* cgroup_skb may call bpf_get_netns_cookie() (Linux 6.15). Without
	 * it, a cgroup/sock_create program records each socket's namespace. */
	bool skb_netns_cookie;
	/* TCX links (Linux 6.6); without them, legacy clsact filters. */
	bool tcx;
};

/* Probes the running kernel. For tests, two comma-separated lists override
 * it: KSBPF_PRETEND_MISSING=skb-netns-cookie selects the fallback on a
 * kernel that has the feature (for TC: --tc-mode legacy), and
 * KSBPF_PRETEND_PRESENT=skb-netns-cookie makes a kernel without it refuse
 * the programs, as an unforeseen kernel would. */
void features_probe(struct kernel_features *f);

/* The name both lists take. */
#define FEATURE_SKB_NETNS_COOKIE "skb-netns-cookie"

/* Picks the programs and variants of the opened, not yet loaded skeleton
 * that this kernel takes. */
void features_select(struct ksbpf_bpf *skel, const struct kernel_features *f);

#endif
