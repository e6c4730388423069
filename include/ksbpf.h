/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one definition of every ksbpf map key, value and constant, shared by
 * the BPF programs (bpf/) and the loader (user/). Changing a struct here
 * changes the pinned layout: bump KSBPF_LAYOUT_VERSION.
 */
#ifndef KSBPF_H
#define KSBPF_H

#include <linux/types.h>

#define KSBPF_LAYOUT_VERSION 1

#define KSBPF_IFNAME_LEN 16		/* IFNAMSIZ */
/* The build id in the programs' .rodata (user/build_id.h): "VERSION-HASH"
 * and its NUL. */
#define KSBPF_BUILD_ID_LEN 48
#define KSBPF_MAX_TUNNELS 64
/* Interfaces with ksbpf's TC programs: the size of ksbpf_uplinks and
 * ksbpf_uplink_stats at a first load (--max-uplinks), allocated as used. */
#define KSBPF_DEFAULT_MAX_UPLINKS 4096
#define KSBPF_MAX_IFACE_RULES 64	/* --uplink and --local patterns */
#define KSBPF_MAX_ENDPOINTS 4096
#define KSBPF_MAX_ENDPOINT_MARKS 16
#define KSBPF_MAX_LAN 131072
#define KSBPF_MAX_LAN_DNS 256
#define KSBPF_MAX_APPS 65536
/* How far below the root the BPF side looks for a listed ancestor: levels
 * 0 (the root) to KSBPF_MAX_CGROUP_DEPTH. */
#define KSBPF_MAX_CGROUP_DEPTH 16

/* Address families as the kernel numbers them (AF_INET, AF_INET6). */
#define KSBPF_AF_INET 2
#define KSBPF_AF_INET6 10

/* Why a packet got its verdict: one counter per reason and hook. */
enum ksbpf_reason {
	KSBPF_R_TUNNEL = 0,	/* row 1: leaves through a tunnel */
	KSBPF_R_LOOPBACK,	/* row 2 */
	KSBPF_R_APP_BLOCK,	/* row 3 (also row 1 for a blocked app) */
	KSBPF_R_APP_BYPASS,	/* row 4 */
	KSBPF_R_ENDPOINT,	/* row 5 */
	KSBPF_R_LINK_BRINGUP,	/* row 6 */
	KSBPF_R_DNS,		/* row 7: DNS outside the tunnel */
	KSBPF_R_LAN,		/* row 8 */
	KSBPF_R_NO_ROUTE,	/* row 9: anything else */
	KSBPF_R_MALFORMED,	/* cannot be parsed: dropped */
	KSBPF_R_OUT_OF_SCOPE,	/* --scope apps, app not held */
	KSBPF_R_OTHER_NETNS,	/* socket of another netns: its uplink judges it */
	KSBPF_R_TUNNEL_ADDR,	/* inbound: to a tunnel address via an uplink */
	KSBPF_R_TO_SOCKET,	/* inbound at TC: the socket's hook judges it */
	KSBPF_REASON_MAX,
};

enum ksbpf_hook {
	KSBPF_HOOK_CGROUP_EGRESS = 0,
	KSBPF_HOOK_TC_EGRESS,
	KSBPF_HOOK_CGROUP_INGRESS,	/* --block-inbound */
	KSBPF_HOOK_TC_INGRESS,
	KSBPF_HOOK_MAX,
};

enum ksbpf_app_policy {
	KSBPF_APP_NONE = 0,	/* not listed: the scope decides */
	KSBPF_APP_ENFORCE,
	KSBPF_APP_BYPASS,
	KSBPF_APP_BLOCK,
};

enum ksbpf_tc_mode {
	KSBPF_TC_TCX = 1,	/* bpf_link, survives `tc qdisc del` */
	KSBPF_TC_LEGACY,	/* clsact + cls_bpf filter */
};

/* ksbpf_config: an array of one. */
#define KSBPF_F_SCOPE_APPS (1u << 0)	/* judge only listed apps */
#define KSBPF_F_HAVE_APPS (1u << 1)	/* ksbpf_apps is not empty */
#define KSBPF_F_BLOCK_INBOUND (1u << 2)	/* ingress programs are attached */
/* Sockets' namespaces are recorded at creation (ksbpf_sock_netns): the
 * kernel's cgroup_skb programs cannot ask for them (before Linux 6.15). */
#define KSBPF_F_NETNS_RECORDED (1u << 3)
#define KSBPF_F_HAVE_ENDPOINT_MARKS (1u << 4)	/* ksbpf_endpoint_marks is not empty */

struct ksbpf_config {
	__u32 layout_version;
	__u32 flags;
	__u64 netns_cookie;	/* the namespace ksbpf guards */
};

/*
 * ksbpf_bypass_route (an array of one): how bypass apps' sockets leave by
 * the uplinks however the VPN routes (docs/policy.md, "Split tunnelling").
 * ksbpf_sock_create gives their new sockets the mark; an ip rule per family
 * sends that mark to ksbpf's own table, which holds the uplinks' routes. The
 * mark only routes: verdicts never read it.
 */
#define KSBPF_DEFAULT_BYPASS_MARK 0x6b730000u	/* "ks", clear of wg-quick's
						 * 0xca6c and Tailscale's bits */
#define KSBPF_DEFAULT_BYPASS_TABLE 27507u	/* 0x6b73 */
#define KSBPF_DEFAULT_BYPASS_PRIORITY 5190u	/* before Tailscale (5210),
						 * NetworkManager, wg-quick */

struct ksbpf_bypass_route {
	__u32 mark;		/* 0: bypass apps are not routed */
	__u32 table;
	__u32 priority;		/* of the ip rules */
	__u32 pad;
};

/* ksbpf_tunnel_addrs: the addresses of the active tunnels (key: struct
 * ksbpf_addr_key). Inbound packets to them through an uplink are dropped:
 * CVE-2019-14899 probing. */
struct ksbpf_tunnel_addr {
	__u32 ifindex;
};

/* ksbpf_tunnels: ifindex -> the tunnel's name when it was seen. */
struct ksbpf_tunnel {
	char name[KSBPF_IFNAME_LEN];
};

/*
 * Who put an allowlist entry (or tunnel name) there; every value starts with
 * it. `ksbpf load` makes the configured entries exactly what its options say
 * and leaves run-time ones (`ksbpf allow`, `ksbpf tunnel add`) alone: those
 * stay until `ksbpf deny` / `ksbpf tunnel del`.
 */
#define KSBPF_ORIGIN_LAN_DEFAULT (1u << 0)	/* --allow-lan */
#define KSBPF_ORIGIN_CONFIG (1u << 1)		/* --lan, --endpoint, --tunnel, --lan-dns */
#define KSBPF_ORIGIN_RESOLVER (1u << 2)		/* host route of a --lan-dns resolver */
#define KSBPF_ORIGIN_RUNTIME (1u << 3)		/* ksbpf allow, ksbpf tunnel add */
#define KSBPF_ORIGIN_DERIVED (1u << 4)		/* endpoint entry for fragments */
#define KSBPF_ORIGIN_WG_SYNC (1u << 5)		/* ksbpf wg-sync, wg-sync = IFACE */

/* ksbpf_tun_names: the names (or fnmatch patterns) to treat as tunnels,
 * each with its origin (__u32). */
struct ksbpf_tunnel_name {
	char name[KSBPF_IFNAME_LEN];
};

/* ksbpf_iface_rules: --uplink and --local, an interface name pattern
 * (fnmatch) -> the role it forces (loader state, docs/policy.md). */
enum ksbpf_iface_role {
	KSBPF_ROLE_UPLINK = 1,	/* reaches a wire: TC judges what leaves */
	KSBPF_ROLE_LOCAL = 2,	/* leads only to this host: not judged at TC */
};

struct ksbpf_iface_rule_key {
	char pattern[KSBPF_IFNAME_LEN];
};

struct ksbpf_iface_rule {
	__u32 origin;		/* KSBPF_ORIGIN_CONFIG */
	__u32 role;		/* enum ksbpf_iface_role */
};

/* ksbpf_uplinks: ifindex -> how its TC programs are attached (loader state). */
struct ksbpf_uplink {
	char name[KSBPF_IFNAME_LEN];
	__u32 tc_mode;		/* enum ksbpf_tc_mode */
	__u32 raw_ip;		/* no link-layer header (tun, ppp, wwan) */
	__u32 ingress;		/* the ingress program is attached too */
};

/*
 * ksbpf_endpoints. A port of 0 is the address-only entry that the loader
 * derives for each (family, proto, addr): non-first fragments carry no ports.
 */
/* Addresses are byte arrays in network order (IPv4 in the first four bytes,
 * the rest zero) and ports are in host order, so that `bpftool map dump`
 * shows 192,0,2,1 and 51820. */
struct ksbpf_endpoint_key {
	__u8 family;
	__u8 proto;		/* IPPROTO_UDP or IPPROTO_TCP */
	__u16 port;
	__u8 addr[16];
};

struct ksbpf_endpoint {
	__u32 origin;		/* KSBPF_ORIGIN_* */
	__u32 fwmark;
	__u32 fwmark_set;	/* only packets with this mark may pass */
};

/*
 * ksbpf_endpoint_marks: `allow mark`, `--endpoint-mark`. A packet whose skb
 * mark matches (mark & mask == key.mark) may leave by an uplink, as in
 * wg-quick's own kill switch: whatever carries WireGuard's fwmark. On
 * --block-inbound, replies to a socket with a matching mark get in. mark is
 * never 0 under mask: an unmarked packet never matches.
 */
struct ksbpf_endpoint_mark_key {
	__u32 mark;
	__u32 mask;
	__u8 proto;		/* IPPROTO_UDP, IPPROTO_TCP; 0: any IP protocol */
	__u8 pad[3];
};

struct ksbpf_endpoint_mark {
	__u32 origin;		/* KSBPF_ORIGIN_* */
};

/* ksbpf_wg_sync (loader state): endpoint key -> the WireGuard interface
 * whose peers it was read from (`ksbpf wg-sync IFACE`), so that the next
 * sync of that interface replaces exactly these. */
struct ksbpf_wg_sync_owner {
	char ifname[KSBPF_IFNAME_LEN];
};

/* ksbpf_lan4 / ksbpf_lan6: LPM tries. */
struct ksbpf_lan4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct ksbpf_lan6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

struct ksbpf_lan {
	__u32 origin;		/* KSBPF_ORIGIN_* */
};

/* ksbpf_lan_dns: resolvers exempt from the DNS rule (row 7). */
struct ksbpf_addr_key {
	__u8 family;
	__u8 pad[3];
	__u8 addr[16];
};

struct ksbpf_lan_dns {
	__u32 origin;		/* KSBPF_ORIGIN_* */
};

/* ksbpf_apps: cgroup id (inode of the cgroup v2 directory) -> policy. */
struct ksbpf_app {
	__u32 policy;		/* enum ksbpf_app_policy */
};

#define KSBPF_APP_PATH_LEN 256

/* ksbpf_app_paths: cgroup id -> the directory it was listed as (loader
 * state: lets `app list` name it and the agent notice it is gone). */
struct ksbpf_app_path {
	char path[KSBPF_APP_PATH_LEN];
};

struct ksbpf_counter_pair {
	__u64 passed;
	__u64 dropped;
};

/* ksbpf_app_stats: per-CPU verdicts on each listed app's packets, by hook:
 * every packet of a socket meets the socket hook once; what reaches an
 * uplink (AF_PACKET too) meets the uplink hook. */
struct ksbpf_app_stats {
	struct ksbpf_counter_pair socket;	/* cgroup_skb */
	struct ksbpf_counter_pair uplink;	/* tc */
};

/*
 * Drop events: a ring of the last KSBPF_EVENT_RING drops in a pinned array
 * (ksbpf_events), slot = seq % KSBPF_EVENT_RING. Unlike a BPF ring buffer it
 * keeps the newest events and has no single consumer: the agent's log and
 * any number of `ksbpf events` readers see the same drops. At most
 * KSBPF_EVENTS_PER_SEC per reason and CPU are recorded; the rest are counted
 * in ksbpf_event_budget.suppressed.
 */
#define KSBPF_EVENT_RING 4096
#define KSBPF_EVENTS_PER_SEC 64

struct ksbpf_event {
	__u64 seq;		/* 1, 2, ...; 0: an empty slot */
	__u64 time_ns;		/* CLOCK_BOOTTIME */
	__u64 cgroup_id;	/* the socket's cgroup; 0: no socket */
	__u32 ifindex;		/* where it would have left */
	__u32 len;
	__u8 hook;		/* enum ksbpf_hook */
	__u8 reason;		/* enum ksbpf_reason */
	__u8 family;		/* KSBPF_AF_INET(6); 0: not IP */
	__u8 proto;
	__u16 sport;		/* host order; 0 when there are no ports */
	__u16 dport;
	__u8 saddr[16];
	__u8 daddr[16];
};

/* ksbpf_event_budget: per-CPU, per reason. */
struct ksbpf_event_budget {
	__u64 window_start_ns;
	__u64 emitted;		/* in this one-second window */
	__u64 suppressed;	/* in all, over the limit */
};

/* `ksbpf verify`'s test runs carry these in __sk_buff cb[0..2]: the programs
 * judge them as any packet, but count them in ksbpf_probe_counters, not in
 * ksbpf_counters, and record no drop event, so that a verify is never taken
 * for traffic. Only BPF_PROG_TEST_RUN (or another BPF program) writes cb;
 * on a real packet cb[1] holds IPCB's option lengths (each <= 40) or
 * IP6CB's header offsets, never 0xf00dface. */
#define KSBPF_PROBE_CB0 0x6b736270	/* "ksbp" */
#define KSBPF_PROBE_CB1 0xf00dface
#define KSBPF_PROBE_CB2 0xc0ffee00

/* ksbpf_counters and ksbpf_probe_counters: per-CPU arrays indexed by
 * ksbpf_counter_index(). */
struct ksbpf_counter {
	__u64 packets;
	__u64 bytes;
};

static inline __u32 ksbpf_counter_index(enum ksbpf_hook hook,
					enum ksbpf_reason reason)
{
	return (__u32)hook * KSBPF_REASON_MAX + (__u32)reason;
}

static inline int ksbpf_reason_allows(enum ksbpf_reason reason)
{
	switch (reason) {
	case KSBPF_R_TUNNEL:
	case KSBPF_R_LOOPBACK:
	case KSBPF_R_APP_BYPASS:
	case KSBPF_R_ENDPOINT:
	case KSBPF_R_LINK_BRINGUP:
	case KSBPF_R_LAN:
	case KSBPF_R_OUT_OF_SCOPE:
	case KSBPF_R_OTHER_NETNS:
	case KSBPF_R_TO_SOCKET:
		return 1;
	default:
		return 0;
	}
}

#endif /* KSBPF_H */
