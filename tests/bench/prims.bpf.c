// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The building blocks of ksbpf's verdict, one per program, for the profile
 * in tests/bench/progcost.c (bpftool prog profile needs hardware counters,
 * which these VMs lack): each program does one thing ksbpf's programs do
 * and passes. Its cost above the empty program is the cost of that block.
 * Self-contained on purpose (its own maps, same key and value layouts as
 * include/ksbpf.h), so that it measures the kernel's primitives and keeps
 * building while bpf/ changes.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "ksbpf.h"

#define PASS 1

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ksbpf_config);
} p_config SEC(".maps");

/* ksbpf_tunnels as it is: a hash keyed by ifindex. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSBPF_MAX_TUNNELS);
	__type(key, __u32);
	__type(value, struct ksbpf_tunnel);
} p_tunnels SEC(".maps");

/* The alternative: an array indexed by ifindex (lookups are inlined). */
#define P_IFINDEX_SLOTS 4096
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, P_IFINDEX_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} p_tunnel_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSBPF_HOOK_MAX * KSBPF_REASON_MAX);
	__type(key, __u32);
	__type(value, struct ksbpf_counter);
} p_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, KSBPF_DEFAULT_MAX_UPLINKS);
	__uint(map_flags, BPF_F_NO_PREALLOC);	/* as ksbpf_uplink_stats */
	__type(key, __u32);
	__type(value, struct ksbpf_counter_pair);
} p_uplink_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSBPF_MAX_ENDPOINTS);
	__type(key, struct ksbpf_endpoint_key);
	__type(value, struct ksbpf_endpoint);
} p_endpoints SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, KSBPF_MAX_LAN);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ksbpf_lan4_key);
	__type(value, struct ksbpf_lan);
} p_lan4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSBPF_MAX_APPS);
	__type(key, __u64);
	__type(value, struct ksbpf_app);
} p_apps SEC(".maps");

volatile __u64 sink;

SEC("cgroup_skb/egress")
int prim_config_lookup(struct __sk_buff *skb)
{
	__u32 zero = 0;
	struct ksbpf_config *cfg = bpf_map_lookup_elem(&p_config, &zero);

	(void)skb;
	if (cfg)
		sink = cfg->flags;
	return PASS;
}

SEC("cgroup_skb/egress")
int prim_netns_cookie(struct __sk_buff *skb)
{
	sink = bpf_get_netns_cookie(skb);
	return PASS;
}

SEC("cgroup_skb/egress")
int prim_tunnel_hash(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;

	sink = bpf_map_lookup_elem(&p_tunnels, &ifindex) != NULL;
	return PASS;
}

SEC("cgroup_skb/egress")
int prim_tunnel_array(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	__u32 *v = bpf_map_lookup_elem(&p_tunnel_slots, &ifindex);

	sink = v && *v;
	return PASS;
}

SEC("cgroup_skb/egress")
int prim_count(struct __sk_buff *skb)
{
	__u32 index = 1;
	struct ksbpf_counter *c = bpf_map_lookup_elem(&p_counters, &index);

	if (c) {
		c->packets++;
		c->bytes += skb->len;
	}
	return PASS;
}

SEC("cgroup_skb/egress")
int prim_uplink_stats(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ifindex;
	struct ksbpf_counter_pair *c = bpf_map_lookup_elem(&p_uplink_stats, &ifindex);

	if (c)
		c->passed++;
	return PASS;
}

/* What ksbpf's parser reads of a UDP/IPv4 packet, with the same helper:
 * the version byte, the IPv4 header, the ports. */
SEC("cgroup_skb/egress")
int prim_parse_load_bytes(struct __sk_buff *skb)
{
	struct iphdr ip;
	__be16 ports[2];
	__u8 first;

	if (bpf_skb_load_bytes(skb, 0, &first, 1))
		return PASS;
	if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)))
		return PASS;
	if (bpf_skb_load_bytes(skb, ip.ihl * 4, ports, sizeof(ports)))
		return PASS;
	sink = first + ip.daddr + ports[1];
	return PASS;
}

/* The same with direct packet access (one bounds check, no calls). */
SEC("cgroup_skb/egress")
int prim_parse_direct(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct iphdr *ip = data;
	__be16 *ports = data + sizeof(*ip);

	if ((void *)(ports + 2) > end)
		return PASS;
	if (ip->ihl != 5)
		return PASS;
	sink = ip->daddr + ports[1];
	return PASS;
}

SEC("cgroup_skb/egress")
int prim_endpoint_hash(struct __sk_buff *skb)
{
	struct ksbpf_endpoint_key key = {
		.family = KSBPF_AF_INET, .proto = IPPROTO_UDP, .port = 51821,
	};

	key.addr[0] = skb->len & 0xff;	/* not a constant: a real miss */
	sink = bpf_map_lookup_elem(&p_endpoints, &key) != NULL;
	return PASS;
}

SEC("cgroup_skb/egress")
int prim_lan_lpm(struct __sk_buff *skb)
{
	struct ksbpf_lan4_key key = { .prefixlen = 32 };

	key.addr[0] = 192;
	key.addr[1] = 168;
	key.addr[2] = 1;
	key.addr[3] = skb->len & 0xff;
	sink = bpf_map_lookup_elem(&p_lan4, &key) != NULL;
	return PASS;
}

SEC("cgroup_skb/egress")
int prim_ktime(struct __sk_buff *skb)
{
	(void)skb;
	sink = bpf_ktime_get_boot_ns();
	return PASS;
}

SEC("cgroup_skb/egress")
int prim_cgroup_id(struct __sk_buff *skb)
{
	sink = bpf_skb_cgroup_id(skb);
	return PASS;
}

/* find_app() of bpf/verdict.h for an unlisted socket: its own cgroup,
 * then every ancestor down to it, each looked up in the apps map. */
SEC("cgroup_skb/egress")
int prim_app_walk(struct __sk_buff *skb)
{
	__u64 own = bpf_skb_cgroup_id(skb), id;
	int found = 0;

	if (bpf_map_lookup_elem(&p_apps, &own))
		found++;
	for (int level = 0; level < KSBPF_MAX_CGROUP_DEPTH; level++) {
		id = bpf_skb_ancestor_cgroup_id(skb, level);
		if (!id || id == own)
			break;
		if (bpf_map_lookup_elem(&p_apps, &id))
			found++;
	}
	sink = found;
	return PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
