// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "names.h"

static const char *const reasons[KSBPF_REASON_MAX] = {
	[KSBPF_R_TUNNEL] = "tunnel",
	[KSBPF_R_LOOPBACK] = "loopback",
	[KSBPF_R_APP_BLOCK] = "app_block",
	[KSBPF_R_APP_BYPASS] = "app_bypass",
	[KSBPF_R_ENDPOINT] = "endpoint",
	[KSBPF_R_LINK_BRINGUP] = "link_bringup",
	[KSBPF_R_DNS] = "dns",
	[KSBPF_R_LAN] = "lan",
	[KSBPF_R_NO_ROUTE] = "no_route",
	[KSBPF_R_MALFORMED] = "malformed",
	[KSBPF_R_OUT_OF_SCOPE] = "out_of_scope",
	[KSBPF_R_OTHER_NETNS] = "other_netns",
	[KSBPF_R_TUNNEL_ADDR] = "tunnel_addr",
	[KSBPF_R_TO_SOCKET] = "to_socket",
};

const char *reason_name(enum ksbpf_reason reason)
{
	return (unsigned int)reason < KSBPF_REASON_MAX && reasons[reason] ?
	       reasons[reason] : "unknown";
}

const char *hook_name(enum ksbpf_hook hook)
{
	switch (hook) {
	case KSBPF_HOOK_CGROUP_EGRESS:
		return "cgroup_egress";
	case KSBPF_HOOK_TC_EGRESS:
		return "tc_egress";
	case KSBPF_HOOK_CGROUP_INGRESS:
		return "cgroup_ingress";
	case KSBPF_HOOK_TC_INGRESS:
		return "tc_ingress";
	default:
		return "unknown";
	}
}

const char *tc_mode_name(unsigned int mode)
{
	switch (mode) {
	case KSBPF_TC_TCX:
		return "tcx";
	case KSBPF_TC_LEGACY:
		return "legacy";
	default:
		return "none";
	}
}

const char *app_policy_name(unsigned int policy)
{
	switch (policy) {
	case KSBPF_APP_ENFORCE:
		return "enforce";
	case KSBPF_APP_BYPASS:
		return "bypass";
	case KSBPF_APP_BLOCK:
		return "block";
	default:
		return "none";
	}
}
