/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The verdict table of docs/policy.md, in order, first match wins. Every
 * hook calls ksbpf_verdict(); nothing else decides what passes.
 */
#ifndef KSBPF_VERDICT_H
#define KSBPF_VERDICT_H

#include "maps.h"
#include "packet.h"

#define LOOPBACK_IFINDEX 1

static __always_inline bool is_tunnel(__u32 ifindex)
{
	return bpf_map_lookup_elem(&ksbpf_tunnels, &ifindex) != NULL;
}

/* The app a packet belongs to: the nearest listed cgroup of its socket. */
struct app {
	__u64 cgroup_id;	/* the listed cgroup; 0: none */
	__u32 policy;		/* enum ksbpf_app_policy */
};

static __always_inline bool lookup_app(__u64 cgroup_id, struct app *app)
{
	struct ksbpf_app *listed = bpf_map_lookup_elem(&ksbpf_apps, &cgroup_id);

	if (!listed)
		return false;
	app->cgroup_id = cgroup_id;
	app->policy = listed->policy;
	return true;
}

/* The cgroup of a packet's socket, or (of_caller) of the calling task, and
 * its ancestor at a level. of_caller is a constant at every call site, so
 * each program keeps only the helpers its type may call: cgroup_skb and tc
 * get bpf_get_current_(ancestor_)cgroup_id only from Linux 6.4 on. */
static __always_inline __u64 own_cgroup(struct __sk_buff *skb, bool of_caller)
{
	return of_caller ? bpf_get_current_cgroup_id() : bpf_skb_cgroup_id(skb);
}

static __always_inline __u64 ancestor_cgroup(struct __sk_buff *skb,
					     bool of_caller, int level)
{
	return of_caller ? bpf_get_current_ancestor_cgroup_id(level) :
			   bpf_skb_ancestor_cgroup_id(skb, level);
}

/* The own cgroup first, else its nearest listed ancestor. */
static __always_inline void lookup_app_of(struct __sk_buff *skb, bool of_caller,
					  const struct ksbpf_config *cfg,
					  struct app *app)
{
	__u64 own, id;

	if (!(cfg->flags & KSBPF_F_HAVE_APPS))
		return;
	own = own_cgroup(skb, of_caller);
	if (!own)
		return;	/* no socket: forwarded or kernel */
	if (lookup_app(own, app))
		return;
	for (int level = 0; level <= KSBPF_MAX_CGROUP_DEPTH; level++) {
		id = ancestor_cgroup(skb, of_caller, level);
		if (!id || id == own)
			break;
		lookup_app(id, app);	/* deeper levels overwrite: nearest wins */
	}
}

/* The app of a packet's socket. */
static __always_inline void find_app(struct __sk_buff *skb,
				     const struct ksbpf_config *cfg,
				     struct app *app)
{
	lookup_app_of(skb, false, cfg, app);
}

/* The app of the calling task (system call hooks). */
static __always_inline void find_caller_app(const struct ksbpf_config *cfg,
					    struct app *app)
{
	lookup_app_of(NULL, true, cfg, app);
}

static __always_inline bool is_loopback_addr(const struct packet *p)
{
	if (p->family == KSBPF_AF_INET)
		return (bpf_ntohl(p->daddr[0]) >> 24) == 127;
	if (p->family == KSBPF_AF_INET6)
		return !p->daddr[0] && !p->daddr[1] && !p->daddr[2] &&
		       p->daddr[3] == bpf_htonl(1);
	return false;
}

static __always_inline bool is_endpoint(const struct packet *p, __u32 mark)
{
	struct ksbpf_endpoint_key key = {
		.family = p->family,
		.proto = p->proto,
	};
	struct ksbpf_endpoint *ep;

	if (p->proto != IPPROTO_UDP && p->proto != IPPROTO_TCP)
		return false;
	if (!p->has_ports && !p->fragment_tail)
		return false;
	if (!p->fragment_tail && !p->dport)
		return false;	/* port 0 is the address-only entry */
	key.port = p->fragment_tail ? 0 : p->dport;
	__builtin_memcpy(key.addr, p->daddr, sizeof(key.addr));
	ep = bpf_map_lookup_elem(&ksbpf_endpoints, &key);
	return ep && (!ep->fwmark_set || ep->fwmark == mark);
}

struct bpf_map;

struct mark_match {
	__u32 mark;
	__u8 proto;
	bool found;
};

static long match_endpoint_mark(struct bpf_map *map,
				const struct ksbpf_endpoint_mark_key *rule,
				const struct ksbpf_endpoint_mark *value,
				struct mark_match *m)
{
	if ((m->mark & rule->mask) != rule->mark)
		return 0;
	if (rule->proto && rule->proto != m->proto)
		return 0;
	m->found = true;
	return 1;	/* stop */
}

static __always_inline bool endpoint_marks_listed(const struct ksbpf_config *cfg)
{
	return cfg->flags & KSBPF_F_HAVE_ENDPOINT_MARKS;
}

/* Row 5, by mark (`allow mark`): a handful of masked rules, so a walk;
 * callers ask endpoint_marks_listed() first. */
static __always_inline bool carries_endpoint_mark(const struct packet *p,
						  __u32 mark)
{
	struct mark_match m = { .mark = mark, .proto = p->proto };

	if (!mark)
		return false;
	if (p->family != KSBPF_AF_INET && p->family != KSBPF_AF_INET6)
		return false;
	bpf_for_each_map_elem(&ksbpf_endpoint_marks, match_endpoint_mark, &m, 0);
	return m.found;
}

static __always_inline bool is_link_local_dest(const struct packet *p)
{
	__u32 first = bpf_ntohl(p->daddr[0]);

	if (p->family == KSBPF_AF_INET)
		return first == 0xffffffff;
	return (first >> 24) == 0xff || (first >> 22) == (0xfe80 >> 6);
}

/* Row 6. EAPOL (802.1X, WPA key handshakes) never leaves the link, and a
 * Wi-Fi or 802.1X port that cannot re-key drops the host off the network.
 * Neighbour solicitations and advertisements also pass to a unicast
 * neighbour when their hop limit is 255: RFC 4861 makes every node drop ND
 * with any other hop limit, and NUD probes and replies to a neighbour's
 * global address are unicast (docs/policy.md). */
static __always_inline bool is_link_bringup(const struct packet *p)
{
	if (p->family == PACKET_ARP || p->family == PACKET_EAPOL)
		return true;
	if (p->fragment_tail)
		return false;
	if (p->family == KSBPF_AF_INET)
		return p->proto == IPPROTO_UDP && p->sport == 68 &&
		       p->dport == 67 && is_link_local_dest(p);
	if (p->proto == IPPROTO_UDP)
		return p->sport == 546 && p->dport == 547 &&
		       is_link_local_dest(p);
	if (p->proto != IPPROTO_ICMPV6)
		return false;
	switch (p->icmp_type) {
	case 135:	/* neighbour solicitation */
	case 136:	/* neighbour advertisement */
		if (p->hop_limit == 255)
			return true;
		/* fallthrough */
	case 133:	/* router solicitation */
	case 134:	/* router advertisement */
	case 137:	/* redirect */
	case 143:	/* MLDv2 report */
		return is_link_local_dest(p);
	default:
		return false;
	}
}

static __always_inline bool is_dns(const struct packet *p)
{
	if (!p->has_ports)
		return false;
	return p->dport == 53 ||
	       (p->proto == IPPROTO_TCP && p->dport == 853);
}

static __always_inline bool is_listed_resolver(const struct packet *p)
{
	struct ksbpf_addr_key key = { .family = p->family };

	__builtin_memcpy(key.addr, p->daddr, sizeof(key.addr));
	return bpf_map_lookup_elem(&ksbpf_lan_dns, &key) != NULL;
}

static __always_inline bool in_lan(const struct packet *p)
{
	if (p->family == KSBPF_AF_INET) {
		struct ksbpf_lan4_key key = { .prefixlen = 32 };

		__builtin_memcpy(key.addr, p->daddr, sizeof(key.addr));
		return bpf_map_lookup_elem(&ksbpf_lan4, &key) != NULL;
	}
	if (p->family == KSBPF_AF_INET6) {
		struct ksbpf_lan6_key key = { .prefixlen = 128 };

		__builtin_memcpy(key.addr, p->daddr, sizeof(key.addr));
		return bpf_map_lookup_elem(&ksbpf_lan6, &key) != NULL;
	}
	return false;
}

/* The verdict, as a reason; *app says which app the packet belongs to and
 * *p what was parsed of it (for drop events). from_socket: the cgroup hook,
 * where a loopback address may leave by a device other than lo (a VRF); on
 * an uplink's wire, 127.0.0.0/8 and ::1 are just data a raw sender chose. */
static __always_inline enum ksbpf_reason
ksbpf_verdict(struct __sk_buff *skb, bool ether, bool from_socket,
	      struct app *app, struct packet *p)
{
	const struct ksbpf_config *cfg = ksbpf_get_config();
	int err;

	if (!cfg)
		return KSBPF_R_MALFORMED;
	find_app(skb, cfg, app);
	if ((cfg->flags & KSBPF_F_SCOPE_APPS) &&
	    app->policy != KSBPF_APP_ENFORCE && app->policy != KSBPF_APP_BLOCK)
		return KSBPF_R_OUT_OF_SCOPE;
	if (is_tunnel(skb->ifindex))
		return app->policy == KSBPF_APP_BLOCK ? KSBPF_R_APP_BLOCK :
							KSBPF_R_TUNNEL;
	if (skb->ifindex == LOOPBACK_IFINDEX)
		return KSBPF_R_LOOPBACK;

	err = ether ? parse_ether(skb, p) : parse_ip(skb, 0, p);
	if (err)
		return KSBPF_R_MALFORMED;
	if (from_socket && is_loopback_addr(p))
		return KSBPF_R_LOOPBACK;
	if (app->policy == KSBPF_APP_BLOCK)
		return KSBPF_R_APP_BLOCK;
	if (app->policy == KSBPF_APP_BYPASS)
		return KSBPF_R_APP_BYPASS;
	if (is_endpoint(p, skb->mark) ||
	    (endpoint_marks_listed(cfg) && carries_endpoint_mark(p, skb->mark)))
		return KSBPF_R_ENDPOINT;
	if (is_link_bringup(p))
		return KSBPF_R_LINK_BRINGUP;
	if (is_dns(p) && !is_listed_resolver(p))
		return KSBPF_R_DNS;
	if (in_lan(p))
		return KSBPF_R_LAN;
	return KSBPF_R_NO_ROUTE;
}

#endif /* KSBPF_VERDICT_H */
