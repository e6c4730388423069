// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ksbpf's hooks. Each one only finds the packet's start and reports the
 * verdict of ksbpf_verdict() (verdict.h) in its own return convention.
 */
#include <stdbool.h>
#include "events.h"
#include "guard.h"
#include "verdict.h"
#include "verdict_in.h"

#define CGROUP_DROP 0
#define CGROUP_PASS 1
/* TCX and legacy clsact share these values: "next" lets the programs of
 * other tools run after ours, "drop" ends the chain. */
#define TC_NEXT -1
#define TC_DROP 2

/* Set by the loader from a probe of the running kernel: cgroup_skb programs
 * may call bpf_get_netns_cookie() (Linux 6.15). Read-only data, so the
 * verifier sees the other branch as dead and never checks its helper. */
const volatile bool skb_netns_cookie = true;

/* The build id (user/build_id.h), written by the loader. libbpf binds
 * .rodata to every program it loads (bpf_prog_bind_map), read or not, so
 * that the id is found from any attached program; bpftool prog show prints
 * bpf_metadata_* variables as the program's "metadata". */
const volatile char bpf_metadata_ksbpf_build_id[KSBPF_BUILD_ID_LEN];

/* The network namespace of the packet's socket; 0 if unknown. Without the
 * helper, ksbpf_sock_create recorded it; a socket created before ksbpf was
 * loaded has no record. */
static __always_inline __u64 socket_netns(struct __sk_buff *skb)
{
	struct bpf_sock *sk;
	__u64 *recorded;

	if (skb_netns_cookie)
		return bpf_get_netns_cookie(skb);
	sk = skb->sk;
	if (!sk)
		return 0;
	recorded = bpf_sk_storage_get(&ksbpf_sock_netns, sk, 0, 0);
	return recorded ? *recorded : 0;
}

/* A socket of another network namespace (a container on this cgroup) leaves
 * by its own veth; the uplink's TC program judges it if it leaves the host.
 * Only a known foreign namespace is skipped: an unknown one is judged, and
 * so is everything if the guarded one is unknown. */
static __always_inline bool from_other_netns(struct __sk_buff *skb)
{
	const struct ksbpf_config *cfg = ksbpf_get_config();
	__u64 netns = socket_netns(skb);

	return cfg && cfg->netns_cookie && netns && netns != cfg->netns_cookie;
}

static __always_inline bool is_ingress(enum ksbpf_hook hook)
{
	return hook == KSBPF_HOOK_CGROUP_INGRESS || hook == KSBPF_HOOK_TC_INGRESS;
}

static __always_inline bool is_cgroup_hook(enum ksbpf_hook hook)
{
	return hook == KSBPF_HOOK_CGROUP_EGRESS || hook == KSBPF_HOOK_CGROUP_INGRESS;
}

/* A test run of `ksbpf verify` (KSBPF_PROBE_CB0 in include/ksbpf.h). */
static __always_inline bool is_probe(const struct __sk_buff *skb)
{
	return skb->cb[0] == KSBPF_PROBE_CB0 && skb->cb[1] == KSBPF_PROBE_CB1 &&
	       skb->cb[2] == KSBPF_PROBE_CB2;
}

/* Counts the verdict, reports a drop; returns whether the packet may pass.
 * verify's probes are judged the same, and only counted apart. */
static __always_inline bool judge(struct __sk_buff *skb, enum ksbpf_hook hook,
				  bool ether)
{
	bool from_socket = is_cgroup_hook(hook);
	struct app app = {};
	struct packet p = {};
	enum ksbpf_reason reason = is_ingress(hook) ?
		ksbpf_verdict_in(skb, ether, from_socket, &app, &p) :
		ksbpf_verdict(skb, ether, from_socket, &app, &p);
	bool pass = ksbpf_reason_allows(reason);

	if (is_probe(skb)) {
		ksbpf_count_probe(hook, reason, skb->len);
		return pass;
	}
	ksbpf_count(hook, reason, skb->len);
	if (hook == KSBPF_HOOK_TC_EGRESS)
		ksbpf_count_uplink(skb->ifindex, pass);
	if (app.cgroup_id)
		ksbpf_count_app(app.cgroup_id, hook, pass);
	if (!pass)
		ksbpf_report_drop(skb, hook, reason, &p);
	return pass;
}

static __always_inline int cgroup_hook(struct __sk_buff *skb, enum ksbpf_hook hook)
{
	if (from_other_netns(skb)) {
		ksbpf_count(hook, KSBPF_R_OTHER_NETNS, skb->len);
		return CGROUP_PASS;
	}
	return judge(skb, hook, false) ? CGROUP_PASS : CGROUP_DROP;
}

SEC("cgroup_skb/egress")
int ksbpf_cg_egress(struct __sk_buff *skb)
{
	return cgroup_hook(skb, KSBPF_HOOK_CGROUP_EGRESS);
}

SEC("cgroup_skb/ingress")
int ksbpf_cg_ingress(struct __sk_buff *skb)
{
	return cgroup_hook(skb, KSBPF_HOOK_CGROUP_INGRESS);
}

static __always_inline int tc_hook(struct __sk_buff *skb, enum ksbpf_hook hook,
				   bool ether)
{
	return judge(skb, hook, ether) ? TC_NEXT : TC_DROP;
}

/* Uplinks with an Ethernet header. */
SEC("tc")
int ksbpf_tc_egress(struct __sk_buff *skb)
{
	return tc_hook(skb, KSBPF_HOOK_TC_EGRESS, true);
}

/* Uplinks without a link-layer header (tun, ppp, raw-IP modems). */
SEC("tc")
int ksbpf_l3_egress(struct __sk_buff *skb)
{
	return tc_hook(skb, KSBPF_HOOK_TC_EGRESS, false);
}

SEC("tc")
int ksbpf_tc_ingress(struct __sk_buff *skb)
{
	return tc_hook(skb, KSBPF_HOOK_TC_INGRESS, true);
}

SEC("tc")
int ksbpf_l3_ingress(struct __sk_buff *skb)
{
	return tc_hook(skb, KSBPF_HOOK_TC_INGRESS, false);
}

/* Without the helper, socket_netns() reads what this recorded. */
static __always_inline void record_netns(struct bpf_sock *sk)
{
	__u64 *netns = bpf_sk_storage_get(&ksbpf_sock_netns, sk, 0,
					  BPF_SK_STORAGE_GET_F_CREATE);

	if (netns)
		*netns = bpf_get_netns_cookie(sk);
}

/* Split tunnelling: a bypass app's new sockets carry the mark that ksbpf's
 * ip rule sends to the uplinks' routes. Only routing reads it; the verdict
 * still goes by cgroup, so a forged mark gains nothing. */
static __always_inline void route_bypass_app(struct bpf_sock *sk)
{
	const struct ksbpf_config *cfg = ksbpf_get_config();
	__u32 zero = 0;
	const struct ksbpf_bypass_route *route =
		bpf_map_lookup_elem(&ksbpf_bypass_route, &zero);
	struct app app = {};

	if (!cfg || !route || !route->mark ||
	    bpf_get_netns_cookie(sk) != cfg->netns_cookie)
		return;
	find_caller_app(cfg, &app);
	if (app.policy == KSBPF_APP_BYPASS)
		sk->mark = route->mark;
}

/* Sockets are created by the task that owns them, in its cgroup. */
SEC("cgroup/sock_create")
int ksbpf_sock_create(struct bpf_sock *sk)
{
	if (!skb_netns_cookie)
		record_netns(sk);
	route_bypass_app(sk);
	return 1;	/* never refuses a socket */
}

#define SYSCALL_DENY 0	/* EPERM */
#define SYSCALL_ALLOW 1

SEC("cgroup/setsockopt")
int ksbpf_sockopt(struct bpf_sockopt *ctx)
{
	const struct ksbpf_config *cfg = ksbpf_get_config();

	/* Another namespace's sockets are its own uplinks' business. */
	if (cfg && bpf_get_netns_cookie(ctx) != cfg->netns_cookie)
		return SYSCALL_ALLOW;
	if (skips_tc(ctx->level, ctx->optname) && held_by_kill_switch())
		return SYSCALL_DENY;
	return SYSCALL_ALLOW;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
