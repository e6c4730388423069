/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Parsers for everything a user types: pure functions, unit-tested. Each
 * returns 0, or -1 with a one-line reason in err. */
#ifndef KSBPF_PARSE_H
#define KSBPF_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "err.h"
#include "ksbpf.h"

#define PARSE_ERR_LEN ERR_LEN	/* size of every err buffer */

struct ip_addr {
	uint8_t family;		/* KSBPF_AF_INET or KSBPF_AF_INET6 */
	uint32_t addr[4];	/* network order; IPv4 in addr[0] */
};

struct cidr {
	struct ip_addr ip;
	uint8_t prefixlen;
};

struct endpoint {
	struct ip_addr ip;
	uint16_t port;		/* host order */
	uint8_t proto;		/* IPPROTO_UDP or IPPROTO_TCP */
	bool fwmark_set;
	uint32_t fwmark;
};

/* `allow mark`, --endpoint-mark: packets whose mark & mask is mark. */
struct mark_rule {
	uint32_t mark;
	uint32_t mask;		/* 0xffffffff unless given */
	uint8_t proto;		/* IPPROTO_UDP, IPPROTO_TCP; 0: any */
};

/* An interface name or fnmatch(3) pattern (wg*, tun[0-9]). */
int parse_ifname(const char *s, char out[KSBPF_IFNAME_LEN], char *err);
int parse_ip(const char *s, struct ip_addr *out, char *err);
/* A bare address is a host route (/32, /128). Host bits must be clear. */
int parse_cidr(const char *s, struct cidr *out, char *err);
/* IP:PORT/udp|tcp[@FWMARK], IPv6 as [ADDR]:PORT/... */
int parse_endpoint(const char *s, struct endpoint *out, char *err);
/* The same with the host as written (an address or a name, not resolved
 * here) in host[], and the rest in *out, whose ip is left unset. */
#define PARSE_HOST_LEN 256
#define PARSE_ENDPOINT_LEN (PARSE_HOST_LEN + 64)	/* with the NUL */
int parse_endpoint_spec(const char *s, char host[PARSE_HOST_LEN],
			struct endpoint *out, char *err);
bool is_host_name(const char *s);
/* MARK[/MASK][/udp|/tcp]. A rule an unmarked packet would match (mark 0
 * under the mask) is refused: it would allow everything. */
int parse_mark_rule(const char *s, struct mark_rule *out, char *err);
int parse_u32(const char *s, uint32_t *out, char *err);
/* enforce, bypass or block -> enum ksbpf_app_policy */
int parse_app_policy(const char *s, uint32_t *policy, char *err);


bool ip_equal(const struct ip_addr *a, const struct ip_addr *b);
int format_ip(const struct ip_addr *ip, char *buf, size_t len);
int format_cidr(const struct cidr *c, char *buf, size_t len);
int format_endpoint(const struct endpoint *ep, char *buf, size_t len);
int format_mark_rule(const struct mark_rule *r, char *buf, size_t len);
bool ifname_matches(const char *pattern, const char *ifname);

#endif
