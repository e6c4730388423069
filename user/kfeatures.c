// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "kfeatures.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "ksbpf.skel.h"

/* feature is named in the comma-separated list of the environment variable. */
static bool listed(const char *variable, const char *feature)
{
	const char *list = getenv(variable);
	size_t len = strlen(feature);

	for (const char *p = list; p && *p; p += strcspn(p, ",")) {
		p += *p == ',';
		if (!strncmp(p, feature, len) && (p[len] == ',' || !p[len]))
			return true;
	}
	return false;
}

/* Loads "call HELPER(ctx); return 1". libbpf_probe_bpf_helper() is not
 * exact enough: it takes any refusal other than "unknown func" for support,
 * and 6.12 refuses bpf_get_netns_cookie in cgroup_skb with "program of this
 * type cannot use helper". */
static bool helper_loads(enum bpf_prog_type type, enum bpf_func_id helper)
{
	const struct bpf_insn prog[] = {
		{ .code = BPF_JMP | BPF_CALL, .imm = helper },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(type, NULL, "GPL", prog, sizeof(prog) / sizeof(prog[0]),
			       NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

void features_probe(struct kernel_features *f)
{
	f->skb_netns_cookie = listed("KSBPF_PRETEND_PRESENT", FEATURE_SKB_NETNS_COOKIE) ||
			      (!listed("KSBPF_PRETEND_MISSING", FEATURE_SKB_NETNS_COOKIE) &&
			       helper_loads(BPF_PROG_TYPE_CGROUP_SKB,
					    BPF_FUNC_get_netns_cookie));
	f->tcx = tcx_supported();
}

void features_select(struct ksbpf_bpf *skel, const struct kernel_features *f)
{
	skel->rodata->skb_netns_cookie = f->skb_netns_cookie;
}
