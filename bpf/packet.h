/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the verdict needs to know of a packet, read with bpf_skb_load_bytes()
 * so that non-linear skbs parse the same as linear ones. Anything that cannot
 * be read completely is reported as malformed, and malformed is dropped.
 */
#ifndef KSBPF_PACKET_H
#define KSBPF_PACKET_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "ksbpf.h"

#define PACKET_ARP 0xff		/* family value for ARP frames */
#define PACKET_EAPOL 0xfe	/* family value for 802.1X frames */
#ifndef ETH_P_PAE
#define ETH_P_PAE 0x888e
#endif
#define MAX_IPV6_EXT_HEADERS 8

#ifndef NEXTHDR_HOP
#define NEXTHDR_HOP 0
#define NEXTHDR_ROUTING 43
#define NEXTHDR_FRAGMENT 44
#define NEXTHDR_AUTH 51
#define NEXTHDR_DEST 60
#endif

struct packet {
	__be32 daddr[4];	/* IPv4 in daddr[0] */
	__be32 saddr[4];	/* for drop events only */
	__u16 sport;		/* host order, valid when has_ports */
	__u16 dport;
	__u8 family;		/* KSBPF_AF_INET, KSBPF_AF_INET6, PACKET_ARP/EAPOL */
	__u8 proto;		/* L4 protocol after IPv6 extension headers */
	__u8 has_ports;		/* TCP/UDP header present */
	__u8 fragment_tail;	/* non-first fragment: no L4 header */
	__u8 icmp_type;		/* valid for ICMP/ICMPv6 first fragments */
	__u8 hop_limit;		/* TTL for IPv4 */
};

static __always_inline int parse_l4(struct __sk_buff *skb, __u32 off,
				    struct packet *p)
{
	__be16 ports[2];

	switch (p->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (bpf_skb_load_bytes(skb, off, ports, sizeof(ports)))
			return -1;
		p->sport = bpf_ntohs(ports[0]);
		p->dport = bpf_ntohs(ports[1]);
		p->has_ports = 1;
		return 0;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return bpf_skb_load_bytes(skb, off, &p->icmp_type, 1) ? -1 : 0;
	default:
		return 0;
	}
}

static __always_inline int parse_ipv4(struct __sk_buff *skb, __u32 off,
				      struct packet *p)
{
	struct iphdr ip;

	if (bpf_skb_load_bytes(skb, off, &ip, sizeof(ip)))
		return -1;
	if (ip.version != 4 || ip.ihl < 5)
		return -1;
	p->family = KSBPF_AF_INET;
	p->proto = ip.protocol;
	p->hop_limit = ip.ttl;
	p->daddr[0] = ip.daddr;
	p->saddr[0] = ip.saddr;
	if (bpf_ntohs(ip.frag_off) & 0x1fff) {
		p->fragment_tail = 1;
		return 0;
	}
	return parse_l4(skb, off + ip.ihl * 4, p);
}

static __always_inline int parse_ipv6(struct __sk_buff *skb, __u32 off,
				      struct packet *p)
{
	struct ipv6hdr ip6;
	__u8 nexthdr;

	if (bpf_skb_load_bytes(skb, off, &ip6, sizeof(ip6)))
		return -1;
	if (ip6.version != 6)
		return -1;
	p->family = KSBPF_AF_INET6;
	p->hop_limit = ip6.hop_limit;
	__builtin_memcpy(p->daddr, &ip6.daddr, sizeof(p->daddr));
	__builtin_memcpy(p->saddr, &ip6.saddr, sizeof(p->saddr));
	nexthdr = ip6.nexthdr;
	off += sizeof(ip6);

	/* Up to MAX_IPV6_EXT_HEADERS headers, then the L4 one. Unrolled: as a
	 * loop, clang ends the body with a jump back into its head, a
	 * back-edge the verifier refuses before Linux 6.7 (6.6.3 stable). */
#pragma unroll
	for (int i = 0; i <= MAX_IPV6_EXT_HEADERS; i++) {
		__u8 ext[8];	/* next header, length, (fragment: offset) */

		switch (nexthdr) {
		case NEXTHDR_HOP:
		case NEXTHDR_ROUTING:
		case NEXTHDR_DEST:
		case NEXTHDR_AUTH:
		case NEXTHDR_FRAGMENT:
			break;
		default:
			p->proto = nexthdr;
			return parse_l4(skb, off, p);
		}
		if (i == MAX_IPV6_EXT_HEADERS)
			return -1;	/* a ninth extension header */
		if (bpf_skb_load_bytes(skb, off, ext, sizeof(ext)))
			return -1;
		if (nexthdr == NEXTHDR_FRAGMENT) {
			if ((ext[2] << 8 | ext[3]) & 0xfff8) {
				p->proto = ext[0];
				p->fragment_tail = 1;
				return 0;
			}
			off += 8;
		} else if (nexthdr == NEXTHDR_AUTH) {
			off += (ext[1] + 2) * 4;
		} else {
			off += (ext[1] + 1) * 8;
		}
		nexthdr = ext[0];
	}
	return -1;	/* more extension headers than we follow */
}

/* An IP packet at @off, its version read from the packet itself. */
static __always_inline int parse_ip(struct __sk_buff *skb, __u32 off,
				    struct packet *p)
{
	__u8 first;

	if (bpf_skb_load_bytes(skb, off, &first, 1))
		return -1;
	switch (first >> 4) {
	case 4:
		return parse_ipv4(skb, off, p);
	case 6:
		return parse_ipv6(skb, off, p);
	default:
		return -1;
	}
}

/* An Ethernet frame: the ethertype comes from the frame, never skb->protocol,
 * which an AF_PACKET sender may set to anything. */
static __always_inline int parse_ether(struct __sk_buff *skb, struct packet *p)
{
	__be16 proto;

	if (bpf_skb_load_bytes(skb, offsetof(struct ethhdr, h_proto),
			       &proto, sizeof(proto)))
		return -1;
	switch (bpf_ntohs(proto)) {
	case ETH_P_IP:
		return parse_ipv4(skb, ETH_HLEN, p);
	case ETH_P_IPV6:
		return parse_ipv6(skb, ETH_HLEN, p);
	case ETH_P_ARP:
		p->family = PACKET_ARP;
		return 0;
	case ETH_P_PAE:
		p->family = PACKET_EAPOL;
		return 0;
	default:
		return -1;
	}
}

#endif /* KSBPF_PACKET_H */
