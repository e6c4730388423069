/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ksbpf's maps. All are pinned by name in the bpffs directory, so the
 * policy outlives the loader and a new loader adopts it. */
#ifndef KSBPF_MAPS_H
#define KSBPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "ksbpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ksbpf_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSBPF_MAX_TUNNELS);
	__type(key, __u32);		/* ifindex */
	__type(value, struct ksbpf_tunnel);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_tunnels SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSBPF_MAX_TUNNELS * 16);
	__type(key, struct ksbpf_addr_key);
	__type(value, struct ksbpf_tunnel_addr);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_tunnel_addrs SEC(".maps");

/* Loader state, not read by the programs: which names are tunnels. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSBPF_MAX_TUNNELS);
	__type(key, struct ksbpf_tunnel_name);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_tun_names SEC(".maps");

/* Loader state, not read by the programs: where TC programs sit. Sized
 * at load (--max-uplinks). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSBPF_DEFAULT_MAX_UPLINKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);		/* ifindex */
	__type(value, struct ksbpf_uplink);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_uplinks SEC(".maps");

/* Loader state, not read by the programs: --uplink and --local. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSBPF_MAX_IFACE_RULES);
	__type(key, struct ksbpf_iface_rule_key);
	__type(value, struct ksbpf_iface_rule);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_iface_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSBPF_MAX_ENDPOINTS);
	__type(key, struct ksbpf_endpoint_key);
	__type(value, struct ksbpf_endpoint);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_endpoints SEC(".maps");

/* Loader state, not read by the programs: which interface each endpoint
 * written by wg-sync came from. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSBPF_MAX_ENDPOINTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ksbpf_endpoint_key);
	__type(value, struct ksbpf_wg_sync_owner);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_wg_sync SEC(".maps");

/* A hash, not an array: a rule is replaced whole (RCU), never seen half
 * written, so no reader meets a mask without its mark. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSBPF_MAX_ENDPOINT_MARKS);
	__type(key, struct ksbpf_endpoint_mark_key);
	__type(value, struct ksbpf_endpoint_mark);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_endpoint_marks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, KSBPF_MAX_LAN);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ksbpf_lan4_key);
	__type(value, struct ksbpf_lan);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_lan4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, KSBPF_MAX_LAN);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ksbpf_lan6_key);
	__type(value, struct ksbpf_lan);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_lan6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSBPF_MAX_LAN_DNS);
	__type(key, struct ksbpf_addr_key);
	__type(value, struct ksbpf_lan_dns);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_lan_dns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSBPF_MAX_APPS);
	__type(key, __u64);		/* cgroup id */
	__type(value, struct ksbpf_app);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_apps SEC(".maps");

/* Loader state, not read by the programs: where each app's cgroup is. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSBPF_MAX_APPS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);		/* cgroup id */
	__type(value, struct ksbpf_app_path);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_app_paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, KSBPF_MAX_APPS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u64);		/* cgroup id of the listed app */
	__type(value, struct ksbpf_app_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_app_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSBPF_HOOK_MAX * KSBPF_REASON_MAX);
	__type(key, __u32);		/* ksbpf_counter_index() */
	__type(value, struct ksbpf_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_counters SEC(".maps");

/* The same, for verify's probes (KSBPF_PROBE_CB0 in include/ksbpf.h). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSBPF_HOOK_MAX * KSBPF_REASON_MAX);
	__type(key, __u32);		/* ksbpf_counter_index() */
	__type(value, struct ksbpf_counter);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_probe_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KSBPF_EVENT_RING);
	__type(key, __u32);
	__type(value, struct ksbpf_event);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_events SEC(".maps");

/* The sequence number of the last event (key 0). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_event_seq SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSBPF_REASON_MAX);
	__type(key, __u32);		/* enum ksbpf_reason */
	__type(value, struct ksbpf_event_budget);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_event_budget SEC(".maps");

/* Per uplink: entries made by the loader when it attaches, so the program
 * only ever looks up. Sized as ksbpf_uplinks. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, KSBPF_DEFAULT_MAX_UPLINKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);		/* ifindex */
	__type(value, struct ksbpf_counter_pair);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_uplink_stats SEC(".maps");

/* The cgroup the links are attached to, for the one program that is not
 * attached to it: the sys_enter guard (compat_guard.bpf.c) sees every task. */
struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);	/* a cgroup fd, from user space */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_guarded_cgroup SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ksbpf_bypass_route);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_bypass_route SEC(".maps");

/* Kernels before 6.15, whose cgroup_skb programs cannot ask a packet's
 * network namespace: each socket's, recorded when it is created
 * (ksbpf_sock_create). Cloned to the sockets a listener accepts. */
struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC | BPF_F_CLONE);
	__type(key, int);
	__type(value, __u64);	/* netns cookie */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ksbpf_sock_netns SEC(".maps");

static __always_inline const struct ksbpf_config *ksbpf_get_config(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ksbpf_config, &zero);
}

static __always_inline void count_in(void *counters, enum ksbpf_hook hook,
				     enum ksbpf_reason reason, __u32 len)
{
	__u32 index = ksbpf_counter_index(hook, reason);
	struct ksbpf_counter *c = bpf_map_lookup_elem(counters, &index);

	if (c) {
		c->packets++;
		c->bytes += len;
	}
}

static __always_inline void ksbpf_count(enum ksbpf_hook hook,
					enum ksbpf_reason reason, __u32 len)
{
	count_in(&ksbpf_counters, hook, reason, len);
}

static __always_inline void ksbpf_count_probe(enum ksbpf_hook hook,
					      enum ksbpf_reason reason, __u32 len)
{
	count_in(&ksbpf_probe_counters, hook, reason, len);
}

static __always_inline void count_pair(struct ksbpf_counter_pair *c, bool passed)
{
	if (passed)
		c->passed++;
	else
		c->dropped++;
}

static __always_inline void ksbpf_count_uplink(__u32 ifindex, bool passed)
{
	struct ksbpf_counter_pair *c = bpf_map_lookup_elem(&ksbpf_uplink_stats, &ifindex);

	if (c)
		count_pair(c, passed);
}

static __always_inline void ksbpf_count_app(__u64 cgroup_id,
					    enum ksbpf_hook hook, bool passed)
{
	struct ksbpf_app_stats *c = bpf_map_lookup_elem(&ksbpf_app_stats, &cgroup_id);

	if (!c) {
		struct ksbpf_app_stats zero = {};

		bpf_map_update_elem(&ksbpf_app_stats, &cgroup_id, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&ksbpf_app_stats, &cgroup_id);
		if (!c)
			return;
	}
	count_pair(hook == KSBPF_HOOK_TC_EGRESS ? &c->uplink : &c->socket, passed);
}

#endif /* KSBPF_MAPS_H */
