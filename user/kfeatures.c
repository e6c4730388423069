// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "kfeatures.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdlib.h>
#include <string.h>

#include "attach.h"
#include "ksbpf.skel.h"

static bool pretend_missing(const char *feature)
{
	const char *list = getenv("KSBPF_PRETEND_MISSING");
	size_t len = strlen(feature);

	for (const char *p = list; p && *p; p += strcspn(p, ",")) {
		p += *p == ',';
		if (!strncmp(p, feature, len) && (p[len] == ',' || !p[len]))
			return true;
	}
	return false;
}

static bool probe_helper(enum bpf_prog_type type, enum bpf_func_id helper)
{
	return libbpf_probe_bpf_helper(type, helper, NULL) == 1;
}

void features_probe(struct kernel_features *f)
{
	f->skb_netns_cookie = !pretend_missing(FEATURE_SKB_NETNS_COOKIE) &&
			      probe_helper(BPF_PROG_TYPE_CGROUP_SKB,
					   BPF_FUNC_get_netns_cookie);
	f->tcx = tcx_supported();
}

void features_select(struct ksbpf_bpf *skel, const struct kernel_features *f)
{
	skel->rodata->skb_netns_cookie = f->skb_netns_cookie;
	bpf_program__set_autoload(skel->progs.ksbpf_sock_create,
				  !f->skb_netns_cookie);
}
