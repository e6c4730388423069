/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --block-inbound: the mirror image of the egress table, on cgroup_skb
 * ingress (local sockets, app known) and TC ingress of every uplink (what
 * arrives from the wire: forwarded traffic, packets for no socket). Only the
 * tunnel, loopback, endpoint replies, link bring-up and the LAN get in
 * through an uplink, and never a packet to a tunnel address. A packet for a
 * local socket passes TC and is judged by the socket's hook, which knows
 * the app (a bypass app's replies come in through the uplink).
 */
#ifndef KSBPF_VERDICT_IN_H
#define KSBPF_VERDICT_IN_H

#include "verdict.h"

static __always_inline bool to_tunnel_address(const struct packet *p)
{
	struct ksbpf_addr_key key = { .family = p->family };

	__builtin_memcpy(key.addr, p->daddr, sizeof(key.addr));
	return bpf_map_lookup_elem(&ksbpf_tunnel_addrs, &key) != NULL;
}

/* A reply from an endpoint: the endpoint is the source. */
static __always_inline bool from_endpoint(const struct packet *p)
{
	struct ksbpf_endpoint_key key = {
		.family = p->family,
		.proto = p->proto,
	};

	if (p->proto != IPPROTO_UDP && p->proto != IPPROTO_TCP)
		return false;
	if (!p->fragment_tail && (!p->has_ports || !p->sport))
		return false;
	key.port = p->fragment_tail ? 0 : p->sport;
	__builtin_memcpy(key.addr, p->saddr, sizeof(key.addr));
	return bpf_map_lookup_elem(&ksbpf_endpoints, &key) != NULL;
}

static __always_inline bool is_link_local_source(const struct packet *p)
{
	return p->family == KSBPF_AF_INET6 &&
	       (bpf_ntohl(p->saddr[0]) >> 22) == (0xfe80 >> 6);
}

/* Row 6, inbound: the answers of DHCP servers and neighbours. */
static __always_inline bool is_link_bringup_in(const struct packet *p)
{
	if (p->family == PACKET_ARP || p->family == PACKET_EAPOL)
		return true;
	if (p->fragment_tail)
		return false;
	if (p->proto == IPPROTO_UDP)
		return (p->family == KSBPF_AF_INET && p->sport == 67 && p->dport == 68) ||
		       (p->family == KSBPF_AF_INET6 && p->sport == 547 && p->dport == 546);
	if (p->proto != IPPROTO_ICMPV6)
		return false;
	switch (p->icmp_type) {
	case 133 ... 137:	/* router and neighbour discovery, redirect */
		return p->hop_limit == 255;
	case 130:		/* MLD query */
	case 131:
	case 132:
	case 143:
		return is_link_local_source(p);
	default:
		return false;
	}
}

static __always_inline bool from_lan(const struct packet *p)
{
	if (p->family == KSBPF_AF_INET) {
		struct ksbpf_lan4_key key = { .prefixlen = 32 };

		__builtin_memcpy(key.addr, p->saddr, sizeof(key.addr));
		return bpf_map_lookup_elem(&ksbpf_lan4, &key) != NULL;
	}
	if (p->family == KSBPF_AF_INET6) {
		struct ksbpf_lan6_key key = { .prefixlen = 128 };

		__builtin_memcpy(key.addr, p->saddr, sizeof(key.addr));
		return bpf_map_lookup_elem(&ksbpf_lan6, &key) != NULL;
	}
	return false;
}

/* The mark of the receiving socket (cgroup ingress): a reply carries none
 * of its own, the socket that asked does. */
static __always_inline __u32 socket_mark(struct __sk_buff *skb)
{
	struct bpf_sock *sk = skb->sk;

	if (!sk)
		return 0;
	sk = bpf_sk_fullsock(sk);
	return sk ? sk->mark : 0;
}

/* Whether a local socket will receive this packet from the wire. Its app
 * is known only to the socket's own hook (cgroup ingress), which judges it
 * there: the TC hook cannot tell a bypass app's replies from a probe. */
static __always_inline bool for_local_socket(struct __sk_buff *skb,
					     const struct packet *p)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;
	__u32 size;

	if (!p->has_ports)
		return false;
	if (p->family == KSBPF_AF_INET) {
		t.ipv4.saddr = p->saddr[0];
		t.ipv4.daddr = p->daddr[0];
		t.ipv4.sport = bpf_htons(p->sport);
		t.ipv4.dport = bpf_htons(p->dport);
		size = sizeof(t.ipv4);
	} else {
		__builtin_memcpy(t.ipv6.saddr, p->saddr, sizeof(t.ipv6.saddr));
		__builtin_memcpy(t.ipv6.daddr, p->daddr, sizeof(t.ipv6.daddr));
		t.ipv6.sport = bpf_htons(p->sport);
		t.ipv6.dport = bpf_htons(p->dport);
		size = sizeof(t.ipv6);
	}
	sk = p->proto == IPPROTO_TCP ?
		bpf_sk_lookup_tcp(skb, &t, size, BPF_F_CURRENT_NETNS, 0) :
		bpf_sk_lookup_udp(skb, &t, size, BPF_F_CURRENT_NETNS, 0);
	if (!sk)
		return false;
	bpf_sk_release(sk);
	return true;
}

/* Echo replies go to a ping or raw socket, which sk lookups cannot find:
 * its hook judges them, and without one the kernel drops them unanswered. */
static __always_inline bool is_echo_reply(const struct packet *p)
{
	if (p->fragment_tail)
		return false;
	return (p->proto == IPPROTO_ICMP && p->icmp_type == 0) ||
	       (p->proto == IPPROTO_ICMPV6 && p->icmp_type == 129);
}

/* from_socket: cgroup ingress, where skb carries the receiving socket. */
static __always_inline enum ksbpf_reason
ksbpf_verdict_in(struct __sk_buff *skb, bool ether, bool from_socket,
		 struct app *app, struct packet *p)
{
	const struct ksbpf_config *cfg = ksbpf_get_config();
	bool via_tunnel;

	if (!cfg)
		return KSBPF_R_MALFORMED;
	via_tunnel = is_tunnel(skb->ifindex);
	if (skb->ifindex == LOOPBACK_IFINDEX)
		return KSBPF_R_LOOPBACK;
	if (ether ? parse_ether(skb, p) : parse_ip(skb, 0, p)) {
		if (via_tunnel)
			return KSBPF_R_TUNNEL;	/* the tunnel's business */
		return KSBPF_R_MALFORMED;
	}
	if (from_socket) {
		find_app(skb, cfg, app);
		if ((cfg->flags & KSBPF_F_SCOPE_APPS) &&
		    app->policy != KSBPF_APP_ENFORCE && app->policy != KSBPF_APP_BLOCK)
			return KSBPF_R_OUT_OF_SCOPE;
	}
	if (via_tunnel)
		return app->policy == KSBPF_APP_BLOCK ? KSBPF_R_APP_BLOCK :
							KSBPF_R_TUNNEL;
	if (from_socket && is_loopback_addr(p))
		return KSBPF_R_LOOPBACK;
	if (to_tunnel_address(p))
		return KSBPF_R_TUNNEL_ADDR;
	if (!from_socket && (is_echo_reply(p) ||
			     ((p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) &&
			      for_local_socket(skb, p))))
		return KSBPF_R_TO_SOCKET;
	if (app->policy == KSBPF_APP_BLOCK)
		return KSBPF_R_APP_BLOCK;
	if (app->policy == KSBPF_APP_BYPASS)
		return KSBPF_R_APP_BYPASS;
	if (from_endpoint(p) ||
	    (from_socket && endpoint_marks_listed(cfg) &&
	     carries_endpoint_mark(p, socket_mark(skb))))
		return KSBPF_R_ENDPOINT;
	if (is_link_bringup_in(p))
		return KSBPF_R_LINK_BRINGUP;
	if (from_lan(p))
		return KSBPF_R_LAN;
	return KSBPF_R_NO_ROUTE;
}

#endif /* KSBPF_VERDICT_IN_H */
