// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * ksbpf's egress verdict as docs/policy.md states it, for the differential
 * test. Written from the documentation, row by row, for clarity: nothing
 * here is shared with bpf/, and nothing is optimised.
 *
 * Where the documentation leaves something open, the reading chosen is
 * written down next to the code that implements it ("Reading:").
 */
#include "model.h"
#include "names.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_EAPOL 0x888e	/* 802.1X */

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58

/* The IPv6 extension headers docs/policy.md says ksbpf parses through;
 * "more than 8" of them cannot be parsed, whatever the ninth one is (a
 * non-first fragment header included). */
#define EXT_HOP_BY_HOP 0
#define EXT_ROUTING 43
#define EXT_FRAGMENT 44
#define EXT_AUTH 51
#define EXT_DEST_OPTS 60
#define MAX_EXTENSION_HEADERS 8

#define LOOPBACK_IFINDEX 1	/* lo */

/*
 * Reading: "nearest listed ancestor (up to 16 levels below the root)".
 * An ancestor cgroup counts when it sits at most 16 levels below the root
 * (root = level 0, so levels 0 to 16). The socket's own cgroup always
 * counts. If the documentation is changed to say 15 instead, change this.
 */
#define DEEPEST_ANCESTOR_LEVEL 16

const char *const model_default_lan[] = {
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
	"224.0.0.0/24", "239.255.255.250/32", "255.255.255.255/32",
	"fe80::/10", "fc00::/7", "ff02::/16", NULL,
};

/* ------------------------------------------------------------------------
 * Reading the packet
 */

/* What the table looks at, once a packet has been read. */
struct packet {
	enum { PKT_IPV4, PKT_IPV6, PKT_ARP, PKT_EAPOL } kind;
	struct model_addr src;
	struct model_addr dst;
	uint8_t proto;		/* the upper-layer protocol */
	uint8_t hop_limit;	/* IPv4 TTL, IPv6 hop limit */
	bool non_first_fragment;
	bool has_ports;		/* TCP or UDP, not a non-first fragment */
	uint16_t sport;
	uint16_t dport;
	bool has_icmp_type;
	uint8_t icmp_type;
};

struct reader {
	const uint8_t *data;
	size_t len;
	enum model_truncation truncation;
	const char *why;	/* set when the packet cannot be read */
};

static bool holds(const struct reader *r, size_t offset, size_t count)
{
	return offset <= r->len && count <= r->len - offset;
}

static unsigned int byte_at(const struct reader *r, size_t offset)
{
	return r->data[offset];
}

static unsigned int u16_at(const struct reader *r, size_t offset)
{
	return (unsigned int)r->data[offset] << 8 | r->data[offset + 1];
}

static bool cannot_read(struct reader *r, const char *why)
{
	r->why = why;
	return false;
}

/*
 * Reading of "a truncated header": the fixed part of every network-layer
 * header must be there (IPv4: 20 bytes, IPv6: 40, an extension header: 8,
 * the size of the smallest one), because the next header's place is read
 * from it; IPv4 options and the rest of a longer extension header are only
 * stepped over. Of the transport header, the fields the table reads must
 * be there: the two ports of TCP and UDP, the type of ICMP and ICMPv6.
 * MODEL_TRUNC_WHOLE_HEADERS is the stricter reading: every header in full.
 */
static bool read_transport(struct reader *r, size_t offset, struct packet *p)
{
	bool whole = r->truncation == MODEL_TRUNC_WHOLE_HEADERS;

	switch (p->proto) {
	case PROTO_TCP:
	case PROTO_UDP: {
		size_t need = !whole ? 4 : p->proto == PROTO_TCP ? 20 : 8;

		if (!holds(r, offset, need))
			return cannot_read(r, "TCP/UDP header cut");
		p->sport = u16_at(r, offset);
		p->dport = u16_at(r, offset + 2);
		p->has_ports = true;
		return true;
	}
	case PROTO_ICMP:
	case PROTO_ICMPV6: {
		size_t need = !whole ? 1 : p->proto == PROTO_ICMP ? 8 : 4;

		if (!holds(r, offset, need))
			return cannot_read(r, "ICMP header cut");
		p->icmp_type = byte_at(r, offset);
		p->has_icmp_type = true;
		return true;
	}
	default:
		return true;	/* no header the table looks into */
	}
}

static bool read_ipv4(struct reader *r, size_t offset, struct packet *p)
{
	unsigned int header_len, fragment_offset;

	if (!holds(r, offset, 20))
		return cannot_read(r, "IPv4 header cut");
	if (byte_at(r, offset) >> 4 != 4)
		return cannot_read(r, "not IP version 4");
	header_len = (byte_at(r, offset) & 0x0f) * 4;
	if (header_len < 20)
		return cannot_read(r, "IPv4 header length below 20");
	if (r->truncation == MODEL_TRUNC_WHOLE_HEADERS &&
	    !holds(r, offset, header_len))
		return cannot_read(r, "IPv4 options cut");

	p->kind = PKT_IPV4;
	p->hop_limit = byte_at(r, offset + 8);
	p->proto = byte_at(r, offset + 9);
	p->src.family = p->dst.family = KSBPF_AF_INET;
	memcpy(p->src.bytes, r->data + offset + 12, 4);
	memcpy(p->dst.bytes, r->data + offset + 16, 4);

	/* Fragment offset (13 bits, in 8-byte units) not 0: no L4 header. */
	fragment_offset = u16_at(r, offset + 6) & 0x1fff;
	if (fragment_offset != 0) {
		p->non_first_fragment = true;
		return true;
	}
	return read_transport(r, offset + header_len, p);
}

static bool is_extension_header(unsigned int next_header)
{
	switch (next_header) {
	case EXT_HOP_BY_HOP:
	case EXT_ROUTING:
	case EXT_FRAGMENT:
	case EXT_AUTH:
	case EXT_DEST_OPTS:
		return true;
	default:
		return false;
	}
}

static bool read_ipv6(struct reader *r, size_t offset, struct packet *p)
{
	unsigned int next_header, headers_seen = 0;
	size_t at;

	if (!holds(r, offset, 40))
		return cannot_read(r, "IPv6 header cut");
	if (byte_at(r, offset) >> 4 != 6)
		return cannot_read(r, "not IP version 6");

	p->kind = PKT_IPV6;
	p->hop_limit = byte_at(r, offset + 7);
	p->src.family = p->dst.family = KSBPF_AF_INET6;
	memcpy(p->src.bytes, r->data + offset + 8, 16);
	memcpy(p->dst.bytes, r->data + offset + 24, 16);
	next_header = byte_at(r, offset + 6);
	at = offset + 40;

	while (is_extension_header(next_header)) {
		size_t header_len;

		headers_seen++;
		if (headers_seen > MAX_EXTENSION_HEADERS)
			return cannot_read(r, "more than 8 IPv6 extension headers");
		if (!holds(r, at, 8))
			return cannot_read(r, "IPv6 extension header cut");
		if (next_header == EXT_FRAGMENT) {
			/* Offset: the top 13 bits of bytes 2-3. */
			unsigned int fragment_offset = u16_at(r, at + 2) >> 3;

			if (fragment_offset != 0) {
				p->proto = byte_at(r, at);
				p->non_first_fragment = true;
				return true;
			}
			header_len = 8;
		} else if (next_header == EXT_AUTH) {
			header_len = (byte_at(r, at + 1) + 2) * 4;
		} else {
			header_len = (byte_at(r, at + 1) + 1) * 8;
		}
		if (r->truncation == MODEL_TRUNC_WHOLE_HEADERS &&
		    !holds(r, at, header_len))
			return cannot_read(r, "IPv6 extension header cut");
		next_header = byte_at(r, at);
		at += header_len;
	}
	p->proto = next_header;
	return read_transport(r, at, p);
}

/* Reads what the hook was handed; false (with r->why) if it cannot be. */
static bool read_packet(struct reader *r, enum model_hook hook,
			struct packet *p)
{
	if (hook == MODEL_HOOK_TC_ETHER) {
		/* The ethertype of the frame itself says what follows. */
		if (!holds(r, 0, 14))
			return cannot_read(r, "Ethernet header cut");
		switch (u16_at(r, 12)) {
		case ETHERTYPE_IPV4:
			return read_ipv4(r, 14, p);
		case ETHERTYPE_IPV6:
			return read_ipv6(r, 14, p);
		case ETHERTYPE_ARP:
			p->kind = PKT_ARP;	/* row 6 takes any ARP */
			return true;
		case ETHERTYPE_EAPOL:
			p->kind = PKT_EAPOL;	/* row 6 takes any EAPOL */
			return true;
		default:
			return cannot_read(r, "unknown ethertype");
		}
	}
	/* An IP packet on its own: its version says which. */
	if (!holds(r, 0, 1))
		return cannot_read(r, "empty packet");
	switch (byte_at(r, 0) >> 4) {
	case 4:
		return read_ipv4(r, 0, p);
	case 6:
		return read_ipv6(r, 0, p);
	default:
		return cannot_read(r, "IP version not 4 or 6");
	}
}

/* ------------------------------------------------------------------------
 * Addresses
 */

static bool same_addr(const struct model_addr *a, const struct model_addr *b)
{
	size_t len = a->family == KSBPF_AF_INET ? 4 : 16;

	return a->family == b->family && !memcmp(a->bytes, b->bytes, len);
}

static bool in_prefix(const struct model_addr *a, const struct model_cidr *c)
{
	unsigned int bits = c->prefixlen;

	if (a->family != c->addr.family)
		return false;
	for (unsigned int i = 0; i < bits; i++) {
		unsigned int byte = i / 8, mask = 0x80 >> (i % 8);

		if ((a->bytes[byte] & mask) != (c->addr.bytes[byte] & mask))
			return false;
	}
	return true;
}

static bool parse_cidr_text(const char *text, struct model_cidr *out)
{
	char addr[64];
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t)(slash - text) : strlen(text);

	if (len >= sizeof(addr))
		return false;
	memcpy(addr, text, len);
	addr[len] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, addr, out->addr.bytes) == 1) {
		out->addr.family = KSBPF_AF_INET;
		out->prefixlen = slash ? (unsigned int)strtoul(slash + 1, NULL, 10) : 32;
		return true;
	}
	if (inet_pton(AF_INET6, addr, out->addr.bytes) == 1) {
		out->addr.family = KSBPF_AF_INET6;
		out->prefixlen = slash ? (unsigned int)strtoul(slash + 1, NULL, 10) : 128;
		return true;
	}
	return false;
}

/* The LAN set: --allow-lan's defaults, --lan, and each --lan-dns resolver
 * as a host route ("adds IP/32 (IP/128) to the LAN set"). */
static bool in_lan_set(const struct model_world *w, const struct model_addr *a)
{
	static struct model_cidr defaults[16];
	static size_t n_defaults;

	if (!n_defaults)
		for (const char *const *t = model_default_lan; *t; t++)
			if (parse_cidr_text(*t, &defaults[n_defaults]))
				n_defaults++;

	for (size_t i = 0; w->allow_lan && i < n_defaults; i++)
		if (in_prefix(a, &defaults[i]))
			return true;
	for (size_t i = 0; i < w->n_lans; i++)
		if (in_prefix(a, &w->lans[i]))
			return true;
	for (size_t i = 0; i < w->n_lan_dns; i++)
		if (same_addr(a, &w->lan_dns[i]))
			return true;
	return false;
}

/* Row 2: 127.0.0.0/8 and ::1. */
static bool is_loopback_addr(const struct model_addr *a)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	if (a->family == KSBPF_AF_INET)
		return a->bytes[0] == 127;
	return !memcmp(a->bytes, v6_loopback, 16);
}

/* Row 6: "link-local (fe80::/10) or multicast (ff00::/8)". */
static bool is_v6_link_local_or_multicast(const struct model_addr *a)
{
	bool link_local = a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80;
	bool multicast = a->bytes[0] == 0xff;

	return a->family == KSBPF_AF_INET6 && (link_local || multicast);
}

static bool is_v4_broadcast(const struct model_addr *a)
{
	return a->family == KSBPF_AF_INET && a->bytes[0] == 255 &&
	       a->bytes[1] == 255 && a->bytes[2] == 255 && a->bytes[3] == 255;
}

/* ------------------------------------------------------------------------
 * The rows
 */

static bool is_tunnel(const struct model_world *w, uint32_t ifindex)
{
	for (size_t i = 0; i < w->n_tunnels; i++)
		if (w->tunnels[i] == ifindex)
			return true;
	return false;
}

static bool listed_policy(const struct model_world *w, uint64_t cgroup_id,
			  enum ksbpf_app_policy *policy)
{
	for (size_t i = 0; i < w->n_apps; i++) {
		if (w->apps[i].cgroup_id == cgroup_id) {
			*policy = w->apps[i].policy;
			return true;
		}
	}
	return false;
}

/* "the policy of the socket's own cgroup if it is listed, else of its
 * nearest listed ancestor (up to 16 levels below the root). Packets without
 * a socket have no app." */
static enum ksbpf_app_policy app_policy(const struct model_world *w,
					const struct model_socket *s)
{
	enum ksbpf_app_policy policy = KSBPF_APP_NONE;

	if (!s || !s->present || !w->apps_flag)
		return KSBPF_APP_NONE;
	if (listed_policy(w, s->cgroup_path[s->level], &policy))
		return policy;
	for (int level = (int)s->level - 1; level >= 0; level--) {
		if (level > DEEPEST_ANCESTOR_LEVEL)
			continue;
		if (listed_policy(w, s->cgroup_path[level], &policy))
			return policy;
	}
	return KSBPF_APP_NONE;
}

/*
 * Row 5: "to an endpoint (address, port, protocol), with the endpoint's
 * fwmark if it has one". A non-first fragment is judged "by the endpoint's
 * address and protocol", with a fwmark "only if every endpoint at that
 * address has the same one" (of that protocol: the entry is per
 * (family, proto, address)).
 */
static bool to_endpoint(const struct model_world *w, const struct packet *p,
			uint32_t mark)
{
	if (p->kind != PKT_IPV4 && p->kind != PKT_IPV6)
		return false;
	if (p->proto != PROTO_TCP && p->proto != PROTO_UDP)
		return false;

	if (p->non_first_fragment) {
		bool found = false, one_mark = true;
		uint32_t the_mark = 0;

		for (size_t i = 0; i < w->n_endpoints; i++) {
			const struct model_endpoint *e = &w->endpoints[i];

			if (e->proto != p->proto || !same_addr(&e->addr, &p->dst))
				continue;
			if (!e->fwmark_set || (found && e->fwmark != the_mark))
				one_mark = false;
			the_mark = e->fwmark;
			found = true;
		}
		return found && (!one_mark || mark == the_mark);
	}

	for (size_t i = 0; i < w->n_endpoints; i++) {
		const struct model_endpoint *e = &w->endpoints[i];

		if (e->proto == p->proto && e->port == p->dport &&
		    same_addr(&e->addr, &p->dst))
			return !e->fwmark_set || e->fwmark == mark;
	}
	return false;
}

/* Row 5 by mark: "or, any destination, carrying a mark an `allow mark`
 * rule matches (IP only)", a rule matching when mark & mask is its mark and
 * its protocol, if it has one, is the packet's. */
static bool carries_endpoint_mark(const struct model_world *w,
				  const struct packet *p, uint32_t mark)
{
	if (p->kind != PKT_IPV4 && p->kind != PKT_IPV6)
		return false;
	for (size_t i = 0; i < w->n_endpoint_marks; i++) {
		const struct model_endpoint_mark *r = &w->endpoint_marks[i];

		if ((mark & r->mask) == r->mark && (!r->proto || r->proto == p->proto))
			return true;
	}
	return false;
}

/* Row 6, as the "Row 6, precisely" table of docs/policy.md has it. */
static bool is_link_bringup(const struct packet *p)
{
	if (p->kind == PKT_ARP || p->kind == PKT_EAPOL)
		return true;		/* any */
	if (p->non_first_fragment)
		return false;		/* no ports, no ICMP type */

	if (p->kind == PKT_IPV4)	/* DHCPv4: UDP 68 -> 67 to 255.255.255.255 */
		return p->proto == PROTO_UDP && p->sport == 68 &&
		       p->dport == 67 && is_v4_broadcast(&p->dst);

	/* IPv6 */
	if (p->proto == PROTO_UDP)	/* DHCPv6 */
		return p->sport == 546 && p->dport == 547 &&
		       is_v6_link_local_or_multicast(&p->dst);
	if (p->proto != PROTO_ICMPV6)
		return false;
	switch (p->icmp_type) {
	case 133:	/* router solicitation */
	case 134:	/* router advertisement */
	case 137:	/* redirect */
	case 143:	/* MLDv2 report */
		return is_v6_link_local_or_multicast(&p->dst);
	case 135:	/* neighbour solicitation */
	case 136:	/* neighbour advertisement */
		return is_v6_link_local_or_multicast(&p->dst) ||
		       p->hop_limit == 255;
	default:
		return false;
	}
}

/* Row 7: "DNS (udp/tcp 53, tcp 853)". */
static bool is_dns(const struct packet *p)
{
	if (!p->has_ports)
		return false;
	return p->dport == 53 || (p->proto == PROTO_TCP && p->dport == 853);
}

static bool is_listed_resolver(const struct model_world *w,
			       const struct model_addr *a)
{
	for (size_t i = 0; i < w->n_lan_dns; i++)
		if (same_addr(a, &w->lan_dns[i]))
			return true;
	return false;
}

/* ------------------------------------------------------------------------
 * The table
 */

static void decide(struct model_verdict *out, bool pass,
		   enum ksbpf_reason reason, const char *rule)
{
	out->pass = pass;
	out->reason = reason;
	out->rule = rule;
}

static void describe_for_event(const struct packet *p, struct model_event *e)
{
	memset(e, 0, sizeof(*e));
	e->known = true;
	if (p->kind != PKT_IPV4 && p->kind != PKT_IPV6)
		return;		/* "family other", no addresses */
	e->family = p->dst.family;
	e->proto = p->proto;
	if (p->has_ports) {
		e->sport = p->sport;
		e->dport = p->dport;
	}
	memcpy(e->saddr, p->src.bytes, 16);
	memcpy(e->daddr, p->dst.bytes, 16);
}

void model_judge(const struct model_world *w, const struct model_input *in,
		 enum model_truncation truncation, struct model_verdict *out)
{
	const struct model_socket *s = in->socket;
	struct reader r = {
		.data = in->data, .len = in->len, .truncation = truncation,
	};
	enum ksbpf_app_policy app;
	struct packet p;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));

	/* "The cgroup hook first skips sockets of other network namespaces." */
	if (in->hook == MODEL_HOOK_CGROUP && s && s->present &&
	    !s->in_guarded_netns)
		return decide(out, true, KSBPF_R_OTHER_NETNS,
			      "socket of another network namespace");

	app = app_policy(w, s);

	/* "--scope apps and the socket's app is neither enforce nor block" */
	if (w->scope_apps && app != KSBPF_APP_ENFORCE && app != KSBPF_APP_BLOCK)
		return decide(out, true, KSBPF_R_OUT_OF_SCOPE,
			      "scope apps, app not held");

	/* Row 1: "leaves through a tunnel ifindex: allow, unless its app is
	 * block". Nothing about the packet's contents matters. */
	if (is_tunnel(w, in->ifindex)) {
		if (app == KSBPF_APP_BLOCK)
			return decide(out, false, KSBPF_R_APP_BLOCK,
				      "row 1: tunnel, app block");
		return decide(out, true, KSBPF_R_TUNNEL, "row 1: tunnel");
	}

	/* Row 2, by interface: lo. */
	if (in->ifindex == LOOPBACK_IFINDEX)
		return decide(out, true, KSBPF_R_LOOPBACK, "row 2: leaves by lo");

	/*
	 * "cannot be parsed: drop". Reading: the row stands between row 2 and
	 * row 3 in docs/policy.md, but row 2's address test needs the packet
	 * read, and the contract says a packet that cannot be parsed is
	 * "dropped, never allowed": a packet that cannot be read is dropped
	 * even when its (readable) destination is 127.0.0.0/8 or ::1.
	 */
	if (!read_packet(&r, in->hook, &p)) {
		out->detail = r.why;
		return decide(out, false, KSBPF_R_MALFORMED, "cannot be parsed");
	}
	describe_for_event(&p, &out->event);

	/* Row 2, by address: only for a socket's packet (docs/policy.md). On
	 * an uplink, the wire is not loopback whatever the address says. */
	if (in->hook == MODEL_HOOK_CGROUP &&
	    (p.kind == PKT_IPV4 || p.kind == PKT_IPV6) &&
	    is_loopback_addr(&p.dst))
		return decide(out, true, KSBPF_R_LOOPBACK,
			      "row 2: loopback address");

	/* Rows 3 and 4: the app. */
	if (app == KSBPF_APP_BLOCK)
		return decide(out, false, KSBPF_R_APP_BLOCK, "row 3: app block");
	if (app == KSBPF_APP_BYPASS)
		return decide(out, true, KSBPF_R_APP_BYPASS, "row 4: app bypass");

	if (to_endpoint(w, &p, in->mark))
		return decide(out, true, KSBPF_R_ENDPOINT, "row 5: endpoint");
	if (carries_endpoint_mark(w, &p, in->mark))
		return decide(out, true, KSBPF_R_ENDPOINT, "row 5: endpoint mark");
	if (is_link_bringup(&p))
		return decide(out, true, KSBPF_R_LINK_BRINGUP,
			      "row 6: link bring-up");
	if (is_dns(&p) && !is_listed_resolver(w, &p.dst))
		return decide(out, false, KSBPF_R_DNS, "row 7: DNS");
	if ((p.kind == PKT_IPV4 || p.kind == PKT_IPV6) && in_lan_set(w, &p.dst))
		return decide(out, true, KSBPF_R_LAN, "row 8: LAN");
	return decide(out, false, KSBPF_R_NO_ROUTE, "row 9: anything else");
}

const char *model_reason_name(enum ksbpf_reason reason)
{
	return reason_name(reason);
}
