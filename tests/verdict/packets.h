/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Crafted frames for the verdict tests. A struct pkt describes a packet in
 * a few fields (most left zero), build_frame() writes it as an Ethernet
 * frame. The BPF programs never check checksums, so none are computed.
 */
#ifndef VT_PACKETS_H
#define VT_PACKETS_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FRAME_MAX 512
#define PKT_MAX_EXT 12

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8

#define EXT_HOP 0
#define EXT_ROUTING 43
#define EXT_FRAGMENT 44
#define EXT_AH 51
#define EXT_DEST 60

/* For version and ihl, which read 0 as "the right value": a literal 0. */
#define PKT_ZERO 0xff

/* An offset that is not 0, in 8-byte units: a non-first fragment. */
#define TAIL_FRAG_OFFSET 185

enum pkt_kind {
	PKT_IPV4 = 0,
	PKT_IPV6,
	PKT_ARP,
	PKT_OTHER,		/* just an ethertype and 46 bytes of zeros */
};

enum pkt_frag {
	FRAG_NONE = 0,
	FRAG_FIRST,		/* offset 0, more fragments: L4 header present */
	FRAG_TAIL,		/* offset != 0: no L4 header */
};

/* An IPv6 extension header; len is the header's own length field. */
struct pkt_ext {
	uint8_t type;
	uint8_t len;
};

struct pkt {
	enum pkt_kind kind;
	const char *dst;	/* inet_pton() text, IPv4 or IPv6 by kind */
	const char *src;	/* NULL: 192.0.2.10 or 2001:db8:1::10 */
	uint8_t proto;		/* IPv4 protocol / last IPv6 next header */
	uint16_t sport;
	uint16_t dport;
	uint8_t icmp_type;
	uint8_t hop_limit;	/* TTL or hop limit; 0 means 64 */
	enum pkt_frag frag;	/* IPv6: a fragment header after ext[] */
	uint8_t n_ext;
	struct pkt_ext ext[PKT_MAX_EXT];
	uint8_t n_destopts;	/* then that many 8-byte destination options */
	uint16_t ethertype;	/* 0: the one kind implies */
	uint16_t vlan_tpid;	/* not 0: a VLAN tag with this TPID */
	uint8_t version;	/* 0: the right one, PKT_ZERO: 0 */
	uint8_t ihl;		/* IPv4, 0: 5, PKT_ZERO: 0; options are zeros */
	uint16_t l3_len;	/* not 0: cut the packet after this many bytes */
};

struct frame {
	uint8_t data[FRAME_MAX];
	size_t len;
	size_t l3_off;		/* where the IP (or ARP) header starts */
};

static inline uint8_t *frame_put(struct frame *f, size_t n)
{
	uint8_t *p = f->data + f->len;

	if (f->len + n > sizeof(f->data))
		return NULL;
	memset(p, 0, n);
	f->len += n;
	return p;
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, v & 0xffff);
}

static inline uint16_t pkt_ethertype(const struct pkt *p)
{
	if (p->ethertype)
		return p->ethertype;
	switch (p->kind) {
	case PKT_IPV4:
		return ETHERTYPE_IPV4;
	case PKT_IPV6:
		return ETHERTYPE_IPV6;
	case PKT_ARP:
		return ETHERTYPE_ARP;
	default:
		return 0x88b5;	/* IEEE local experimental */
	}
}

static inline int put_ether(struct frame *f, const struct pkt *p)
{
	static const uint8_t macs[12] = {
		0x02, 0, 0, 0, 0, 0x02,		/* destination */
		0x02, 0, 0, 0, 0, 0x01,		/* source */
	};
	uint8_t *h = frame_put(f, 12);

	if (!h)
		return -1;
	memcpy(h, macs, sizeof(macs));
	if (p->vlan_tpid) {
		h = frame_put(f, 4);
		if (!h)
			return -1;
		put_be16(h, p->vlan_tpid);
		put_be16(h + 2, 10);	/* VLAN id */
	}
	h = frame_put(f, 2);
	if (!h)
		return -1;
	put_be16(h, pkt_ethertype(p));
	return 0;
}

/* The L4 header (if the protocol has one we know) and 8 bytes of payload. */
static inline int put_l4(struct frame *f, const struct pkt *p, int with_header)
{
	uint8_t *h;

	if (with_header) {
		switch (p->proto) {
		case IPPROTO_UDP:
			h = frame_put(f, 8);
			if (!h)
				return -1;
			put_be16(h, p->sport);
			put_be16(h + 2, p->dport);
			put_be16(h + 4, 16);
			break;
		case IPPROTO_TCP:
			h = frame_put(f, 20);
			if (!h)
				return -1;
			put_be16(h, p->sport);
			put_be16(h + 2, p->dport);
			put_be32(h + 4, 1);
			h[12] = 5 << 4;
			h[13] = 0x02;	/* SYN */
			put_be16(h + 14, 64240);
			break;
		case IPPROTO_ICMP:
		case IPPROTO_ICMPV6:
			h = frame_put(f, 8);
			if (!h)
				return -1;
			h[0] = p->icmp_type;
			break;
		default:
			break;
		}
	}
	h = frame_put(f, 8);
	if (!h)
		return -1;
	memcpy(h, "ksbpf-vt", 8);
	return 0;
}

static inline uint8_t pkt_field(uint8_t value, uint8_t dflt)
{
	if (value == PKT_ZERO)
		return 0;
	return value ? value : dflt;
}

static inline int put_ipv4(struct frame *f, const struct pkt *p)
{
	uint8_t ihl = pkt_field(p->ihl, 5);
	size_t start = f->len;
	uint16_t frag = 0;
	uint8_t *h;

	/* Room for the options an ihl above 5 announces, so that a packet with
	 * options is well formed; ihl < 5 gets a plain 20-byte header. */
	h = frame_put(f, ihl > 5 ? ihl * 4u : 20u);
	if (!h)
		return -1;
	h[0] = pkt_field(p->version, 4) << 4 | ihl;
	put_be16(h + 4, 0x4b53);	/* id */
	if (p->frag == FRAG_FIRST)
		frag = 0x2000;		/* MF */
	else if (p->frag == FRAG_TAIL)
		frag = 0x2000 | TAIL_FRAG_OFFSET;
	put_be16(h + 6, frag);
	h[8] = p->hop_limit ? p->hop_limit : 64;
	h[9] = p->proto;
	put_be32(h + 12, 0xc000020a);	/* 192.0.2.10 */
	if ((p->src && inet_pton(AF_INET, p->src, h + 12) != 1) ||
	    inet_pton(AF_INET, p->dst, h + 16) != 1)
		return -1;
	if (put_l4(f, p, p->frag != FRAG_TAIL))
		return -1;
	put_be16(f->data + start + 2, f->len - start);
	return 0;
}

static inline int put_ipv6_ext(struct frame *f, const struct pkt_ext *e)
{
	size_t len = e->type == EXT_AH ? (e->len + 2u) * 4 : (e->len + 1u) * 8;
	uint8_t *h = frame_put(f, len);

	if (!h)
		return -1;
	h[1] = e->len;
	if (e->type == EXT_HOP || e->type == EXT_DEST) {
		h[2] = 1;		/* PadN over the rest */
		h[3] = len - 4;
	}
	return 0;
}

static inline int put_ipv6(struct frame *f, const struct pkt *p)
{
	size_t start = f->len, next;
	uint8_t *h = frame_put(f, 40);

	if (!h)
		return -1;
	h[0] = pkt_field(p->version, 6) << 4;
	h[7] = p->hop_limit ? p->hop_limit : 64;
	if (inet_pton(AF_INET6, p->src ? p->src : "2001:db8:1::10", h + 8) != 1 ||
	    inet_pton(AF_INET6, p->dst, h + 24) != 1)
		return -1;
	/* Each header's first byte names the header after it. */
	next = start + 6;
	for (int i = 0; i < p->n_ext + p->n_destopts; i++) {
		static const struct pkt_ext destopts = { EXT_DEST, 0 };
		const struct pkt_ext *e = i < p->n_ext ? &p->ext[i] : &destopts;

		f->data[next] = e->type;
		next = f->len;
		if (put_ipv6_ext(f, e))
			return -1;
	}
	if (p->frag != FRAG_NONE) {
		f->data[next] = EXT_FRAGMENT;
		next = f->len;
		h = frame_put(f, 8);
		if (!h)
			return -1;
		put_be16(h + 2, p->frag == FRAG_TAIL ?
			 TAIL_FRAG_OFFSET << 3 | 1 : 1);
		put_be32(h + 4, 0x4b534246);
	}
	f->data[next] = p->proto;
	if (put_l4(f, p, p->frag != FRAG_TAIL))
		return -1;
	put_be16(f->data + start + 4, f->len - start - 40);
	return 0;
}

static inline int put_arp(struct frame *f)
{
	static const uint8_t who_has[28] = {
		0, 1, 0x08, 0, 6, 4, 0, 1,		/* Ethernet/IPv4 request */
		0x02, 0, 0, 0, 0, 0x01, 192, 0, 2, 10,	/* sender */
		0, 0, 0, 0, 0, 0, 192, 0, 2, 1,		/* target */
	};
	uint8_t *h = frame_put(f, sizeof(who_has));

	if (!h)
		return -1;
	memcpy(h, who_has, sizeof(who_has));
	return 0;
}

/* Returns 0, or -1 when the description cannot be built (a bad address,
 * a frame too large, a cut beyond the end). */
static inline int build_frame(const struct pkt *p, struct frame *f)
{
	int err;

	memset(f, 0, sizeof(*f));
	if (put_ether(f, p))
		return -1;
	f->l3_off = f->len;
	switch (p->kind) {
	case PKT_IPV4:
		err = put_ipv4(f, p);
		break;
	case PKT_IPV6:
		err = put_ipv6(f, p);
		break;
	case PKT_ARP:
		err = put_arp(f);
		break;
	default:
		err = frame_put(f, 46) ? 0 : -1;
		break;
	}
	if (err)
		return -1;
	if (p->l3_len) {
		if (f->l3_off + p->l3_len > f->len)
			return -1;
		f->len = f->l3_off + p->l3_len;
	}
	return 0;
}

#endif /* VT_PACKETS_H */
