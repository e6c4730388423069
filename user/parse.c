// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define fail errf


/* Port numbers and prefix lengths: plain decimal digits only. */
static bool all_digits(const char *s)
{
	return *s && s[strspn(s, "0123456789")] == '\0';
}

int parse_ifname(const char *s, char out[KSBPF_IFNAME_LEN], char *err)
{
	size_t len = strlen(s);

	if (len == 0)
		return fail(err, "empty interface name");
	if (len >= KSBPF_IFNAME_LEN)
		return fail(err, "interface name '%s' is longer than %d characters",
			    s, KSBPF_IFNAME_LEN - 1);
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return fail(err, "'%s' is not an interface name", s);
	for (const char *c = s; *c; c++)
		if (*c == '/' || *c == ':' || *c <= ' ' || *c > '~')
			return fail(err, "interface name '%s' contains '%c'",
				    s, *c > ' ' ? *c : '?');
	/* Zero-padded: the name is a map key, compared as 16 bytes. */
	memset(out, 0, KSBPF_IFNAME_LEN);
	memcpy(out, s, len);
	return 0;
}

int parse_ip(const char *s, struct ip_addr *out, char *err)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, &out->addr[0]) == 1) {
		out->family = KSBPF_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->addr) == 1) {
		out->family = KSBPF_AF_INET6;
		return 0;
	}
	return fail(err, "'%s' is not an IPv4 or IPv6 address", s);
}

int parse_u32(const char *s, uint32_t *out, char *err)
{
	unsigned long long v;
	char *end;

	/* strtoull would skip leading whitespace and take a sign. */
	if (*s < '0' || *s > '9')
		return fail(err, "'%s' is not a number", s);
	errno = 0;
	/* Decimal or 0x hex: a leading 0 does not make it octal. */
	v = strtoull(s, &end, s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10);
	if (errno || *end || v > UINT32_MAX)
		return fail(err, "'%s' is not a number from 0 to %u", s, UINT32_MAX);
	*out = (uint32_t)v;
	return 0;
}

static int prefix_max(const struct ip_addr *ip)
{
	return ip->family == KSBPF_AF_INET ? 32 : 128;
}

static bool host_bits_clear(const struct ip_addr *ip, int prefixlen)
{
	for (int word = 0; word < 4; word++) {
		int bits = prefixlen - word * 32;
		uint32_t host = ntohl(ip->addr[word]);

		if (bits >= 32)
			continue;
		if (bits <= 0 ? host : host & (UINT32_MAX >> bits))
			return false;
	}
	return true;
}

int parse_cidr(const char *s, struct cidr *out, char *err)
{
	char addr[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	uint32_t prefixlen;

	if (len >= sizeof(addr))
		return fail(err, "'%s' is not a CIDR (ADDR/LEN)", s);
	memcpy(addr, s, len);
	addr[len] = '\0';
	if (parse_ip(addr, &out->ip, err))
		return fail(err, "'%s' is not a CIDR: '%s' is not an address", s, addr);
	prefixlen = prefix_max(&out->ip);
	if (slash && (!all_digits(slash + 1) ||
		      parse_u32(slash + 1, &prefixlen, err) ||
		      prefixlen > (uint32_t)prefix_max(&out->ip)))
		return fail(err, "'%s': prefix length must be 0 to %d", s,
			    prefix_max(&out->ip));
	if (!host_bits_clear(&out->ip, (int)prefixlen))
		return fail(err, "'%s' has host bits set after /%u", s, prefixlen);
	out->prefixlen = (uint8_t)prefixlen;
	return 0;
}

static int parse_proto(const char *s, uint8_t *proto, char *err)
{
	if (!strcmp(s, "udp"))
		*proto = IPPROTO_UDP;
	else if (!strcmp(s, "tcp"))
		*proto = IPPROTO_TCP;
	else
		return fail(err, "protocol '%s' must be udp or tcp", s);
	return 0;
}

/* Splits "ADDR:PORT" or "[ADDR]:PORT" into its two halves, in place. */
static int split_host_port(char *s, char **host, char **port, char *err)
{
	char *colon;

	if (*s == '[') {
		char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return fail(err, "IPv6 endpoint must be [ADDR]:PORT");
		*close = '\0';
		*host = s + 1;
		*port = close + 2;
		return 0;
	}
	colon = strrchr(s, ':');
	if (!colon || strchr(s, ':') != colon)
		return fail(err, "endpoint must be IP:PORT/PROTO (IPv6: [ADDR]:PORT/PROTO)");
	*colon = '\0';
	*host = s;
	*port = colon + 1;
	return 0;
}

/* RFC 1123 host names: dot-separated labels of letters, digits and
 * hyphens, never starting or ending with a hyphen. */
bool is_host_name(const char *s)
{
	size_t label = 0, len = strlen(s);

	if (!len || len > 253)
		return false;
	for (const char *c = s; *c; c++) {
		if (*c == '.') {
			if (!label || c[-1] == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*c) || (*c == '-' && label)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return label && s[len - 1] != '-';
}

int parse_endpoint_spec(const char *s, char host[PARSE_HOST_LEN],
			struct endpoint *out, char *err)
{
	char buf[PARSE_ENDPOINT_LEN], why[PARSE_ERR_LEN], *name = NULL, *port = NULL;
	char *proto, *mark;
	uint32_t num;

	memset(out, 0, sizeof(*out));
	if (strlen(s) >= sizeof(buf))
		return fail(err, "endpoint '%.40s...' is too long", s);
	strcpy(buf, s);
	mark = strchr(buf, '@');
	if (mark)
		*mark++ = '\0';
	proto = strchr(buf, '/');
	if (!proto)
		return fail(err, "endpoint '%s' needs a protocol: IP:PORT/udp or /tcp", s);
	*proto++ = '\0';
	if (split_host_port(buf, &name, &port, why) ||
	    parse_proto(proto, &out->proto, why))
		return fail(err, "endpoint '%s': %s", s, why);
	if (strlen(name) >= PARSE_HOST_LEN)
		return fail(err, "endpoint '%s': host too long", s);
	strcpy(host, name);
	if (!all_digits(port) || parse_u32(port, &num, err) ||
	    num == 0 || num > 65535)
		return fail(err, "endpoint '%s': port must be 1 to 65535", s);
	out->port = (uint16_t)num;
	if (mark) {
		if (parse_u32(mark, &out->fwmark, err) || out->fwmark == 0)
			return fail(err, "endpoint '%s': fwmark must be a non-zero 32-bit number", s);
		out->fwmark_set = true;
	}
	return 0;
}

int parse_endpoint(const char *s, struct endpoint *out, char *err)
{
	char host[PARSE_HOST_LEN];

	if (parse_endpoint_spec(s, host, out, err))
		return -1;
	if (parse_ip(host, &out->ip, err))
		return fail(err, "endpoint '%s': '%s' is not an address", s, host);
	return 0;
}

int parse_mark_rule(const char *s, struct mark_rule *out, char *err)
{
	char buf[64], *mask, *proto = NULL;

	memset(out, 0, sizeof(*out));
	out->mask = UINT32_MAX;
	if (strlen(s) >= sizeof(buf))
		return fail(err, "mark '%.40s...' is too long", s);
	strcpy(buf, s);
	mask = strchr(buf, '/');
	if (mask) {
		*mask++ = '\0';
		proto = strchr(mask, '/');
		if (proto)
			*proto++ = '\0';
		else if (isalpha((unsigned char)*mask)) {
			proto = mask;	/* MARK/udp */
			mask = NULL;
		}
	}
	if (parse_u32(buf, &out->mark, err))
		return fail(err, "mark '%s': '%s' is not a 32-bit number", s, buf);
	if (mask && parse_u32(mask, &out->mask, err))
		return fail(err, "mark '%s': mask '%s' is not a 32-bit number", s, mask);
	if (proto && parse_proto(proto, &out->proto, err))
		return fail(err, "mark '%s': protocol '%s' must be udp or tcp", s, proto);
	if (out->mark & ~out->mask)
		return fail(err, "mark '%s' has bits outside its mask: no packet "
			    "would match", s);
	if (!out->mark)
		return fail(err, "mark '%s' would match unmarked packets, that is "
			    "everything: give a non-zero mark", s);
	return 0;
}

int parse_app_policy(const char *s, uint32_t *policy, char *err)
{
	if (!strcmp(s, "enforce"))
		*policy = KSBPF_APP_ENFORCE;
	else if (!strcmp(s, "bypass"))
		*policy = KSBPF_APP_BYPASS;
	else if (!strcmp(s, "block"))
		*policy = KSBPF_APP_BLOCK;
	else
		return fail(err, "policy '%s' must be enforce, bypass or block", s);
	return 0;
}

bool ip_equal(const struct ip_addr *a, const struct ip_addr *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

int format_ip(const struct ip_addr *ip, char *buf, size_t len)
{
	int af = ip->family == KSBPF_AF_INET ? AF_INET : AF_INET6;

	return inet_ntop(af, ip->addr, buf, (socklen_t)len) ? 0 : -1;
}

int format_cidr(const struct cidr *c, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (format_ip(&c->ip, ip, sizeof(ip)))
		return -1;
	return snprintf(buf, len, "%s/%u", ip, c->prefixlen) < (int)len ? 0 : -1;
}

int format_endpoint(const struct endpoint *ep, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN], mark[16] = "";
	bool v6 = ep->ip.family == KSBPF_AF_INET6;

	if (format_ip(&ep->ip, ip, sizeof(ip)))
		return -1;
	if (ep->fwmark_set)
		snprintf(mark, sizeof(mark), "@0x%x", ep->fwmark);
	return snprintf(buf, len, "%s%s%s:%u/%s%s", v6 ? "[" : "", ip,
			v6 ? "]" : "", ep->port,
			ep->proto == IPPROTO_TCP ? "tcp" : "udp", mark) < (int)len ? 0 : -1;
}

int format_mark_rule(const struct mark_rule *r, char *buf, size_t len)
{
	char mask[16] = "";
	const char *proto = r->proto == IPPROTO_UDP ? "/udp" :
			    r->proto == IPPROTO_TCP ? "/tcp" : "";

	if (r->mask != UINT32_MAX)
		snprintf(mask, sizeof(mask), "/0x%x", r->mask);
	return snprintf(buf, len, "0x%x%s%s", r->mark, mask, proto) < (int)len ? 0 : -1;
}

bool ifname_matches(const char *pattern, const char *ifname)
{
	return fnmatch(pattern, ifname, 0) == 0;
}
