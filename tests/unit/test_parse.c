// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for user/parse.c: every parser on good and bad input, the byte
 * layout of what it produces, and parse -> format round trips. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"

/* err must hold a non-empty, single-line reason; when needle is given the
 * reason must quote it (the offending input, or part of it). */
static void check_err(const char *err, const char *needle, const char *input)
{
	size_t len = strnlen(err, PARSE_ERR_LEN);

	if (len == 0 || len >= PARSE_ERR_LEN)
		fail_msg("input '%s': err is empty or unterminated", input);
	if (strchr(err, '\n') || strchr(err, '\r'))
		fail_msg("input '%s': err is not one line: '%s'", input, err);
	if (needle && !strstr(err, needle))
		fail_msg("input '%s': err '%s' does not name '%s'",
			 input, err, needle);
}

/* Fills err with zeros, so a parser that forgets to write it is caught. */
static char *fresh_err(char err[PARSE_ERR_LEN])
{
	memset(err, 0, PARSE_ERR_LEN);
	return err;
}

/* ------------------------------------------------------------ ifname -- */

static void ifname_valid(void **state)
{
	static const char *const good[] = {
		"wg0", "eth0", "tun0", "enp3s0f1", "wlan0-1", "br_lan", "x",
		"veth1.100", "wg*", "tun[0-9]", "wg?", "eth[!0]", "*",
		"abcdefghijklmno",	/* 15 characters: the maximum */
	};
	char out[KSBPF_IFNAME_LEN], err[PARSE_ERR_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(out, 'X', sizeof(out));
		if (parse_ifname(good[i], out, fresh_err(err)))
			fail_msg("'%s' rejected: %s", good[i], err);
		assert_string_equal(out, good[i]);
		/* A map key: the bytes after the name are zero too. */
		for (size_t k = strlen(good[i]); k < sizeof(out); k++)
			assert_int_equal(out[k], 0);
	}
}

static void ifname_length(void **state)
{
	char out[KSBPF_IFNAME_LEN], err[PARSE_ERR_LEN];
	char name[64];

	(void)state;
	memset(name, 'a', sizeof(name));
	name[15] = '\0';
	assert_int_equal(parse_ifname(name, out, fresh_err(err)), 0);
	assert_string_equal(out, name);

	name[15] = 'b';
	name[16] = '\0';
	assert_int_equal(parse_ifname(name, out, fresh_err(err)), -1);
	check_err(err, name, name);

	memset(name, 'c', sizeof(name));
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(parse_ifname(name, out, fresh_err(err)), -1);
	check_err(err, NULL, name);
}

static void ifname_empty(void **state)
{
	char out[KSBPF_IFNAME_LEN], err[PARSE_ERR_LEN];

	(void)state;
	assert_int_equal(parse_ifname("", out, fresh_err(err)), -1);
	check_err(err, NULL, "");
}

static void ifname_bad(void **state)
{
	static const char *const bad[] = {
		"wg/0", "/", "wg:0", "eth0:1", ":", "wg 0", " wg0", "wg0 ",
		"wg\t0", "\twg0", ".", "..", "wg\x7f", "wg\xc3\xa9",
	};
	char out[KSBPF_IFNAME_LEN], err[PARSE_ERR_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse_ifname(bad[i], out, fresh_err(err));

		if (rc != -1)
			fail_msg("'%s' accepted", bad[i]);
		/* Names with control characters are quoted with them replaced. */
		check_err(err, strpbrk(bad[i], "\t\x7f") ? "wg" : bad[i], bad[i]);
	}
}

/* The reason stays on one line even when the input has a newline in it. */
static void ifname_newline_one_line(void **state)
{
	char out[KSBPF_IFNAME_LEN], err[PARSE_ERR_LEN];

	(void)state;
	assert_int_equal(parse_ifname("wg\n0", out, fresh_err(err)), -1);
	check_err(err, "wg", "wg\\n0");
	assert_int_equal(parse_ifname("wg0\r", out, fresh_err(err)), -1);
	check_err(err, "wg0", "wg0\\r");
}

static void ifname_match(void **state)
{
	(void)state;
	assert_true(ifname_matches("wg*", "wg0"));
	assert_true(ifname_matches("wg*", "wg-home"));
	assert_true(ifname_matches("wg*", "wg"));
	assert_false(ifname_matches("wg*", "eth0"));
	assert_false(ifname_matches("wg*", "awg0"));
	assert_true(ifname_matches("tun[0-9]", "tun3"));
	assert_false(ifname_matches("tun[0-9]", "tun10"));
	assert_false(ifname_matches("tun[0-9]", "tunx"));
	assert_true(ifname_matches("eth0", "eth0"));
	assert_false(ifname_matches("eth0", "eth01"));
	assert_false(ifname_matches("eth0", "eth"));
	assert_true(ifname_matches("wg?", "wg1"));
	assert_false(ifname_matches("wg?", "wg12"));
}

/* ---------------------------------------------------------------- ip -- */

static void ip_v4(void **state)
{
	struct ip_addr ip;
	char err[PARSE_ERR_LEN];
	const uint8_t *b = (const uint8_t *)ip.addr;

	(void)state;
	memset(&ip, 0xff, sizeof(ip));
	assert_int_equal(parse_ip("192.0.2.1", &ip, fresh_err(err)), 0);
	assert_int_equal(ip.family, KSBPF_AF_INET);
	assert_int_equal(ip.family, 2);
	assert_int_equal(ip.addr[0], htonl(0xc0000201));
	assert_int_equal(b[0], 192);
	assert_int_equal(b[1], 0);
	assert_int_equal(b[2], 2);
	assert_int_equal(b[3], 1);
	assert_int_equal(ip.addr[1], 0);
	assert_int_equal(ip.addr[2], 0);
	assert_int_equal(ip.addr[3], 0);

	assert_int_equal(parse_ip("0.0.0.0", &ip, fresh_err(err)), 0);
	assert_int_equal(ip.family, KSBPF_AF_INET);
	assert_int_equal(ip.addr[0], 0);

	assert_int_equal(parse_ip("255.255.255.255", &ip, fresh_err(err)), 0);
	assert_int_equal(ip.family, KSBPF_AF_INET);
	assert_int_equal(ip.addr[0], 0xffffffff);
	assert_int_equal(ip.addr[1] | ip.addr[2] | ip.addr[3], 0);
}

static void ip_v6(void **state)
{
	static const uint8_t want[16] = {
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab, 0xcd,
	};
	struct ip_addr ip;
	char err[PARSE_ERR_LEN];

	(void)state;
	memset(&ip, 0xff, sizeof(ip));
	assert_int_equal(parse_ip("2001:db8::abcd", &ip, fresh_err(err)), 0);
	assert_int_equal(ip.family, KSBPF_AF_INET6);
	assert_int_equal(ip.family, 10);
	assert_memory_equal(ip.addr, want, 16);
	assert_int_equal(ip.addr[0], htonl(0x20010db8));
	assert_int_equal(ip.addr[3], htonl(0xabcd));

	assert_int_equal(parse_ip("::", &ip, fresh_err(err)), 0);
	assert_int_equal(ip.family, KSBPF_AF_INET6);
	assert_int_equal(ip.addr[0] | ip.addr[1] | ip.addr[2] | ip.addr[3], 0);

	assert_int_equal(parse_ip("::1", &ip, fresh_err(err)), 0);
	assert_int_equal(ip.family, KSBPF_AF_INET6);
	assert_int_equal(ip.addr[3], htonl(1));

	assert_int_equal(parse_ip("FE80::1", &ip, fresh_err(err)), 0);
	assert_int_equal(ip.family, KSBPF_AF_INET6);
	assert_int_equal(ip.addr[0], htonl(0xfe800000));
}

/* A v4-mapped address stays IPv6: the kernel sees it as such. */
static void ip_v4_mapped(void **state)
{
	struct ip_addr ip;
	char err[PARSE_ERR_LEN];

	(void)state;
	assert_int_equal(parse_ip("::ffff:192.0.2.1", &ip, fresh_err(err)), 0);
	assert_int_equal(ip.family, KSBPF_AF_INET6);
	assert_int_equal(ip.addr[0], 0);
	assert_int_equal(ip.addr[1], 0);
	assert_int_equal(ip.addr[2], htonl(0xffff));
	assert_int_equal(ip.addr[3], htonl(0xc0000201));
}

static void ip_bad(void **state)
{
	static const char *const bad[] = {
		"garbage", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256",
		"1.2.3.999", "1.2.3.-1", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4x",
		"1.2.3.4/32", "1.2.3.4:80", "0x1.2.3.4", "example.com",
		"2001:db8::1::2", "2001:db8::g", "2001:db8::1 ", "[2001:db8::1]",
		"::ffff:1.2.3.256", "1:2:3:4:5:6:7:8:9", ":::", "2001:db8::1%eth0",
	};
	struct ip_addr ip;
	char err[PARSE_ERR_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_ip(bad[i], &ip, fresh_err(err)) != -1)
			fail_msg("'%s' accepted", bad[i]);
		check_err(err, bad[i], bad[i]);
	}
	assert_int_equal(parse_ip("", &ip, fresh_err(err)), -1);
	check_err(err, NULL, "");
	assert_int_equal(parse_ip("1.2.3.4\n", &ip, fresh_err(err)), -1);
	check_err(err, "1.2.3.4", "1.2.3.4\\n");
}

static void ip_format(void **state)
{
	static const char *const canon[] = {
		"0.0.0.0", "192.0.2.1", "255.255.255.255", "::", "::1",
		"2001:db8::1", "fe80::1:2:3:4", "::ffff:192.0.2.1",
		"2001:db8:1:2:3:4:5:6",
	};
	static const struct { const char *in, *out; } norm[] = {
		{ "2001:DB8:0:0:0:0:0:1", "2001:db8::1" },
		{ "0:0:0:0:0:0:0:0", "::" },
		{ "FE80::", "fe80::" },
	};
	struct ip_addr ip;
	char err[PARSE_ERR_LEN], buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(canon) / sizeof(canon[0]); i++) {
		assert_int_equal(parse_ip(canon[i], &ip, fresh_err(err)), 0);
		assert_int_equal(format_ip(&ip, buf, sizeof(buf)), 0);
		assert_string_equal(buf, canon[i]);
	}
	for (size_t i = 0; i < sizeof(norm) / sizeof(norm[0]); i++) {
		assert_int_equal(parse_ip(norm[i].in, &ip, fresh_err(err)), 0);
		assert_int_equal(format_ip(&ip, buf, sizeof(buf)), 0);
		assert_string_equal(buf, norm[i].out);
	}
	/* Too small a buffer is an error, not a truncation. */
	assert_int_equal(parse_ip("192.0.2.1", &ip, fresh_err(err)), 0);
	assert_int_equal(format_ip(&ip, buf, 5), -1);
}

/* --------------------------------------------------------------- u32 -- */

static void u32_valid(void **state)
{
	static const struct { const char *in; uint32_t want; } good[] = {
		{ "0", 0 }, { "1", 1 }, { "51820", 51820 },
		{ "4294967295", 4294967295u }, { "0xca6c", 0xca6c },
		{ "0XCA6C", 0xca6c }, { "0xffffffff", 0xffffffffu },
		{ "0x0", 0 },
		/* Decimal, not octal: a leading zero does not change the base. */
		{ "010", 10 }, { "0443", 443 }, { "08", 8 },
	};
	char err[PARSE_ERR_LEN];
	uint32_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = 12345;
		if (parse_u32(good[i].in, &v, fresh_err(err)))
			fail_msg("'%s' rejected: %s", good[i].in, err);
		if (v != good[i].want)
			fail_msg("'%s' parsed as %u, not %u", good[i].in, v,
				 good[i].want);
	}
}

static void u32_bad(void **state)
{
	static const char *const bad[] = {
		"-1", "-0", "+1", " 1", "1 ", "abc", "1x", "0x", "0xg",
		"4294967296", "0x100000000", "99999999999999999999999", "1.5",
		"1e3", "\t1", "\v1", "\f1",
	};
	char err[PARSE_ERR_LEN];
	uint32_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_u32(bad[i], &v, fresh_err(err)) != -1)
			fail_msg("'%s' accepted as %u", bad[i], v);
		check_err(err, bad[i][0] < ' ' ? bad[i] + 1 : bad[i], bad[i]);
	}
	assert_int_equal(parse_u32("", &v, fresh_err(err)), -1);
	check_err(err, NULL, "");
	assert_int_equal(parse_u32("\n1", &v, fresh_err(err)), -1);
	check_err(err, NULL, "\\n1");
}

/* -------------------------------------------------------------- cidr -- */

static void cidr_valid(void **state)
{
	static const struct {
		const char *in;
		uint8_t family, prefixlen;
		uint32_t addr0;	/* host order */
	} good[] = {
		{ "10.0.0.0/8", KSBPF_AF_INET, 8, 0x0a000000 },
		{ "192.168.1.0/24", KSBPF_AF_INET, 24, 0xc0a80100 },
		{ "192.0.2.1/32", KSBPF_AF_INET, 32, 0xc0000201 },
		{ "192.0.2.1", KSBPF_AF_INET, 32, 0xc0000201 },
		{ "0.0.0.0/0", KSBPF_AF_INET, 0, 0 },
		{ "10.0.0.0/010", KSBPF_AF_INET, 10, 0x0a000000 },
		{ "172.16.0.0/12", KSBPF_AF_INET, 12, 0xac100000 },
		{ "255.255.255.254/31", KSBPF_AF_INET, 31, 0xfffffffe },
		{ "fe80::/10", KSBPF_AF_INET6, 10, 0xfe800000 },
		{ "2001:db8::/32", KSBPF_AF_INET6, 32, 0x20010db8 },
		{ "::/0", KSBPF_AF_INET6, 0, 0 },
		{ "::1/128", KSBPF_AF_INET6, 128, 0 },
		{ "::1", KSBPF_AF_INET6, 128, 0 },
		{ "2001:db8::", KSBPF_AF_INET6, 128, 0x20010db8 },
		{ "2001:db8:0:1::/64", KSBPF_AF_INET6, 64, 0x20010db8 },
		{ "2001:db8::8000:0/97", KSBPF_AF_INET6, 97, 0x20010db8 },
		{ "::ffff:10.0.0.0/104", KSBPF_AF_INET6, 104, 0 },
	};
	struct cidr c;
	char err[PARSE_ERR_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&c, 0xff, sizeof(c));
		if (parse_cidr(good[i].in, &c, fresh_err(err)))
			fail_msg("'%s' rejected: %s", good[i].in, err);
		if (c.ip.family != good[i].family ||
		    c.prefixlen != good[i].prefixlen ||
		    c.ip.addr[0] != htonl(good[i].addr0))
			fail_msg("'%s' parsed as family %u /%u addr[0] %08x",
				 good[i].in, c.ip.family, c.prefixlen,
				 ntohl(c.ip.addr[0]));
		if (c.ip.family == KSBPF_AF_INET &&
		    (c.ip.addr[1] || c.ip.addr[2] || c.ip.addr[3]))
			fail_msg("'%s': IPv4 leaves addr[1..3] non-zero",
				 good[i].in);
	}
	assert_int_equal(parse_cidr("::1/128", &c, fresh_err(err)), 0);
	assert_int_equal(c.ip.addr[3], htonl(1));
}

static void cidr_bad(void **state)
{
	static const char *const bad[] = {
		/* prefix too long */
		"10.0.0.0/33", "10.0.0.0/64", "::/129", "::/255", "::/256",
		"10.0.0.0/4294967296", "10.0.0.0/99999999999999999999",
		/* not a number */
		"10.0.0.0/-1", "10.0.0.0/-0", "10.0.0.0/+8", "10.0.0.0/ 8",
		"10.0.0.0/\t8", "10.0.0.0/8 ", "10.0.0.0/x", "10.0.0.0/8x",
		"10.0.0.0/0x8", "10.0.0.0/8/8", "10.0.0.0/8.0",
		"10.0.0.0/", "::/", "10.0.0.0//8",
		/* host bits set */
		"10.1.0.0/8", "10.0.0.1/31", "192.168.1.1/24", "0.0.0.1/0",
		"128.0.0.0/0", "fe80::1/10", "fe80::/8", "::1/0", "::1/127",
		"2001:db8::1/64", "2001:db8::8000:0/96",
		/* no address */
		"/8", "/", "garbage/8", "10.0.0/8", "10.0.0.256/8",
		"2001:db8::g/32", " 10.0.0.0/8", "10.0.0.0 /8",
		"10.0.0.0:80/8",
	};
	struct cidr c;
	char err[PARSE_ERR_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_cidr(bad[i], &c, fresh_err(err)) != -1)
			fail_msg("'%s' accepted as /%u", bad[i], c.prefixlen);
		check_err(err, strchr(bad[i], '\t') ? "10.0.0.0/" : bad[i],
			  bad[i]);
	}
	assert_int_equal(parse_cidr("", &c, fresh_err(err)), -1);
	check_err(err, NULL, "");
}

static void cidr_too_long(void **state)
{
	char in[200], err[PARSE_ERR_LEN];
	struct cidr c;

	(void)state;
	memset(in, '1', sizeof(in));
	in[sizeof(in) - 1] = '\0';
	assert_int_equal(parse_cidr(in, &c, fresh_err(err)), -1);
	check_err(err, "1111111111", "long");
	in[100] = '/';
	assert_int_equal(parse_cidr(in, &c, fresh_err(err)), -1);
	check_err(err, "1111111111", "long/");
}

static void cidr_format(void **state)
{
	static const struct { const char *in, *out; } rt[] = {
		{ "10.0.0.0/8", "10.0.0.0/8" },
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "192.0.2.1/32", "192.0.2.1/32" },
		{ "192.0.2.1", "192.0.2.1/32" },
		{ "::/0", "::/0" },
		{ "fe80::/10", "fe80::/10" },
		{ "2001:db8::/32", "2001:db8::/32" },
		{ "2001:db8::1", "2001:db8::1/128" },
		{ "2001:DB8:0:0::/64", "2001:db8::/64" },
		{ "::ffff:10.0.0.0/104", "::ffff:10.0.0.0/104" },
	};
	struct cidr c, again;
	char err[PARSE_ERR_LEN], buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(rt) / sizeof(rt[0]); i++) {
		assert_int_equal(parse_cidr(rt[i].in, &c, fresh_err(err)), 0);
		assert_int_equal(format_cidr(&c, buf, sizeof(buf)), 0);
		assert_string_equal(buf, rt[i].out);
		/* The canonical text parses back to the same thing. */
		assert_int_equal(parse_cidr(buf, &again, fresh_err(err)), 0);
		assert_int_equal(again.ip.family, c.ip.family);
		assert_int_equal(again.prefixlen, c.prefixlen);
		assert_memory_equal(again.ip.addr, c.ip.addr, sizeof(c.ip.addr));
	}
	assert_int_equal(parse_cidr("10.0.0.0/8", &c, fresh_err(err)), 0);
	assert_int_equal(format_cidr(&c, buf, strlen("10.0.0.0/8") + 1), 0);
	assert_int_equal(format_cidr(&c, buf, strlen("10.0.0.0/8")), -1);
	assert_int_equal(format_cidr(&c, buf, 4), -1);
}

/* ---------------------------------------------------------- endpoint -- */

static void endpoint_v4(void **state)
{
	struct endpoint ep;
	char err[PARSE_ERR_LEN];

	(void)state;
	memset(&ep, 0xff, sizeof(ep));
	assert_int_equal(parse_endpoint("203.0.113.5:51820/udp", &ep,
					fresh_err(err)), 0);
	assert_int_equal(ep.ip.family, KSBPF_AF_INET);
	assert_int_equal(ep.ip.addr[0], htonl(0xcb007105));
	assert_int_equal(ep.ip.addr[1] | ep.ip.addr[2] | ep.ip.addr[3], 0);
	assert_int_equal(ep.port, 51820);
	assert_int_equal(ep.proto, IPPROTO_UDP);
	assert_false(ep.fwmark_set);
	assert_int_equal(ep.fwmark, 0);

	assert_int_equal(parse_endpoint("198.51.100.7:443/tcp", &ep,
					fresh_err(err)), 0);
	assert_int_equal(ep.ip.family, KSBPF_AF_INET);
	assert_int_equal(ep.ip.addr[0], htonl(0xc6336407));
	assert_int_equal(ep.port, 443);
	assert_int_equal(ep.proto, IPPROTO_TCP);
	assert_false(ep.fwmark_set);

	assert_int_equal(parse_endpoint("1.2.3.4:1/udp", &ep, fresh_err(err)), 0);
	assert_int_equal(ep.port, 1);
	assert_int_equal(parse_endpoint("1.2.3.4:65535/tcp", &ep,
					fresh_err(err)), 0);
	assert_int_equal(ep.port, 65535);
	/* Decimal, not octal. */
	assert_int_equal(parse_endpoint("1.2.3.4:0443/tcp", &ep,
					fresh_err(err)), 0);
	assert_int_equal(ep.port, 443);
}

static void endpoint_v6(void **state)
{
	struct endpoint ep;
	char err[PARSE_ERR_LEN];

	(void)state;
	assert_int_equal(parse_endpoint("[2001:db8::1]:443/tcp", &ep,
					fresh_err(err)), 0);
	assert_int_equal(ep.ip.family, KSBPF_AF_INET6);
	assert_int_equal(ep.ip.addr[0], htonl(0x20010db8));
	assert_int_equal(ep.ip.addr[1], 0);
	assert_int_equal(ep.ip.addr[2], 0);
	assert_int_equal(ep.ip.addr[3], htonl(1));
	assert_int_equal(ep.port, 443);
	assert_int_equal(ep.proto, IPPROTO_TCP);
	assert_false(ep.fwmark_set);

	assert_int_equal(parse_endpoint("[::1]:51820/udp@7", &ep,
					fresh_err(err)), 0);
	assert_int_equal(ep.ip.family, KSBPF_AF_INET6);
	assert_int_equal(ep.ip.addr[3], htonl(1));
	assert_int_equal(ep.port, 51820);
	assert_int_equal(ep.proto, IPPROTO_UDP);
	assert_true(ep.fwmark_set);
	assert_int_equal(ep.fwmark, 7);

	assert_int_equal(parse_endpoint("[::ffff:203.0.113.5]:51820/udp", &ep,
					fresh_err(err)), 0);
	assert_int_equal(ep.ip.family, KSBPF_AF_INET6);
	assert_int_equal(ep.ip.addr[2], htonl(0xffff));
	assert_int_equal(ep.ip.addr[3], htonl(0xcb007105));
}

static void endpoint_fwmark(void **state)
{
	static const struct { const char *in; uint32_t mark; } good[] = {
		{ "203.0.113.5:51820/udp@51820", 51820 },
		{ "203.0.113.5:51820/udp@0xca6c", 0xca6c },
		{ "203.0.113.5:51820/udp@0XCA6C", 0xca6c },
		{ "203.0.113.5:51820/tcp@1", 1 },
		{ "203.0.113.5:51820/udp@4294967295", 0xffffffffu },
		{ "203.0.113.5:51820/udp@0xffffffff", 0xffffffffu },
		{ "203.0.113.5:51820/udp@010", 10 },
		{ "[2001:db8::1]:443/tcp@0x10", 16 },
	};
	struct endpoint ep;
	char err[PARSE_ERR_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(&ep, 0, sizeof(ep));
		if (parse_endpoint(good[i].in, &ep, fresh_err(err)))
			fail_msg("'%s' rejected: %s", good[i].in, err);
		assert_true(ep.fwmark_set);
		if (ep.fwmark != good[i].mark)
			fail_msg("'%s': fwmark %u, not %u", good[i].in,
				 ep.fwmark, good[i].mark);
	}
	assert_int_equal(ep.port, 443);
	assert_int_equal(ep.proto, IPPROTO_TCP);
	assert_int_equal(ep.ip.family, KSBPF_AF_INET6);
}

static void endpoint_bad(void **state)
{
	static const char *const bad[] = {
		/* fwmark */
		"203.0.113.5:51820/udp@0", "203.0.113.5:51820/udp@0x0",
		"203.0.113.5:51820/udp@00",
		"203.0.113.5:51820/udp@4294967296",
		"203.0.113.5:51820/udp@0x100000000",
		"203.0.113.5:51820/udp@", "203.0.113.5:51820/udp@-1",
		"203.0.113.5:51820/udp@+1", "203.0.113.5:51820/udp@ 1",
		"203.0.113.5:51820/udp@1 ", "203.0.113.5:51820/udp@mark",
		"203.0.113.5:51820/udp@1@2", "203.0.113.5:51820@1/udp",
		/* port */
		"203.0.113.5:0/udp", "203.0.113.5:00/udp",
		"203.0.113.5:65536/udp", "203.0.113.5:99999/udp",
		"203.0.113.5:4294967297/udp", "203.0.113.5:/udp",
		"203.0.113.5/udp", "203.0.113.5:http/tcp",
		"203.0.113.5:-1/udp", "203.0.113.5:+80/udp",
		"203.0.113.5: 80/udp", "203.0.113.5:80 /udp",
		"203.0.113.5:80x/udp", "203.0.113.5:0x50/udp",
		"203.0.113.5:80:81/udp", "[2001:db8::1]:0/tcp",
		"[2001:db8::1]:65536/tcp", "[2001:db8::1]:/tcp",
		/* protocol */
		"203.0.113.5:51820", "203.0.113.5:51820/", "203.0.113.5:51820/sctp",
		"203.0.113.5:51820/icmp", "203.0.113.5:51820/udp6",
		"203.0.113.5:51820/ udp", "203.0.113.5:51820/udp/tcp",
		"[2001:db8::1]:443", "[2001:db8::1]:443/sctp",
		/* address */
		"2001:db8::1:443/tcp", "::1:443/tcp", "2001:db8::1/tcp",
		"[2001:db8::1:443/tcp", "[2001:db8::1]443/tcp",
		"[2001:db8::1]/tcp", "2001:db8::1]:443/tcp", "[]:443/tcp",
		"[garbage]:443/tcp", ":51820/udp", "256.0.113.5:51820/udp",
		"203.0.113:51820/udp", "vpn.example.com:51820/udp",
		" 203.0.113.5:51820/udp", "203.0.113.5 :51820/udp",
		/* garbage */
		"garbage", "/", ":", "@", "/udp", ":/udp", "[", "[]", "[]:/",
	};
	struct endpoint ep;
	char err[PARSE_ERR_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_endpoint(bad[i], &ep, fresh_err(err)) != -1)
			fail_msg("'%s' accepted", bad[i]);
		check_err(err, bad[i], bad[i]);
	}
	assert_int_equal(parse_endpoint("", &ep, fresh_err(err)), -1);
	check_err(err, NULL, "");
}

/* A tab or newline before the fwmark is not a number either. */
static void endpoint_fwmark_whitespace(void **state)
{
	static const char *const bad[] = {
		"203.0.113.5:51820/udp@\t1", "203.0.113.5:51820/udp@\n1",
		"203.0.113.5:51820/udp@\v1", "203.0.113.5:51820/udp@1\n",
	};
	struct endpoint ep;
	char err[PARSE_ERR_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_endpoint(bad[i], &ep, fresh_err(err)) != -1)
			fail_msg("'%s' accepted with fwmark %u", bad[i],
				 ep.fwmark);
		check_err(err, "203.0.113.5:51820/udp@", bad[i]);
	}
}

static void endpoint_too_long(void **state)
{
	char in[PARSE_ENDPOINT_LEN + 100], err[PARSE_ERR_LEN];
	struct endpoint ep;
	size_t len, max = PARSE_ENDPOINT_LEN - 1;

	(void)state;
	/* A valid endpoint padded with an over-long fwmark. */
	snprintf(in, sizeof(in), "203.0.113.5:51820/udp@");
	len = strlen(in);
	memset(in + len, '1', sizeof(in) - len - 1);
	in[sizeof(in) - 1] = '\0';
	assert_int_equal(parse_endpoint(in, &ep, fresh_err(err)), -1);
	check_err(err, "203.0.113.5:51820/udp@", "long endpoint");

	memset(in, 'a', sizeof(in));
	in[sizeof(in) - 1] = '\0';
	assert_int_equal(parse_endpoint(in, &ep, fresh_err(err)), -1);
	check_err(err, "aaaaaaaaaaaaaaaaaaaa", "long garbage");

	/* max characters are fine (a fwmark with leading zeros), one more not. */
	snprintf(in, sizeof(in), "[2001:db8::1]:443/tcp@");
	len = strlen(in);
	memset(in + len, '0', max - 1 - len);
	in[max - 1] = '7';
	in[max] = '\0';
	if (parse_endpoint(in, &ep, fresh_err(err)))
		fail_msg("%zu characters rejected: %s", max, err);
	assert_true(ep.fwmark_set);
	assert_int_equal(ep.fwmark, 7);
	assert_int_equal(ep.port, 443);
	in[max] = '7';
	in[max + 1] = '\0';
	assert_int_equal(parse_endpoint(in, &ep, fresh_err(err)), -1);
	check_err(err, "[2001:db8::1]:443/tcp@", "one character too many");
}

static void endpoint_format(void **state)
{
	static const struct { const char *in, *out; } rt[] = {
		{ "203.0.113.5:51820/udp", "203.0.113.5:51820/udp" },
		{ "203.0.113.5:443/tcp", "203.0.113.5:443/tcp" },
		{ "[2001:db8::1]:443/tcp", "[2001:db8::1]:443/tcp" },
		{ "[2001:DB8:0::1]:443/tcp", "[2001:db8::1]:443/tcp" },
		{ "[::ffff:203.0.113.5]:1/udp", "[::ffff:203.0.113.5]:1/udp" },
		{ "203.0.113.5:51820/udp@0xca6c", "203.0.113.5:51820/udp@0xca6c" },
		{ "203.0.113.5:51820/udp@51820", "203.0.113.5:51820/udp@0xca6c" },
		{ "203.0.113.5:65535/tcp@4294967295",
		  "203.0.113.5:65535/tcp@0xffffffff" },
		{ "[::]:65535/udp@0x1", "[::]:65535/udp@0x1" },
	};
	struct endpoint ep, again;
	char err[PARSE_ERR_LEN], buf[128];

	(void)state;
	for (size_t i = 0; i < sizeof(rt) / sizeof(rt[0]); i++) {
		if (parse_endpoint(rt[i].in, &ep, fresh_err(err)))
			fail_msg("'%s' rejected: %s", rt[i].in, err);
		assert_int_equal(format_endpoint(&ep, buf, sizeof(buf)), 0);
		assert_string_equal(buf, rt[i].out);
		assert_int_equal(parse_endpoint(buf, &again, fresh_err(err)), 0);
		assert_int_equal(again.ip.family, ep.ip.family);
		assert_memory_equal(again.ip.addr, ep.ip.addr, sizeof(ep.ip.addr));
		assert_int_equal(again.port, ep.port);
		assert_int_equal(again.proto, ep.proto);
		assert_int_equal(again.fwmark_set, ep.fwmark_set);
		assert_int_equal(again.fwmark, ep.fwmark);
	}
	assert_int_equal(parse_endpoint("203.0.113.5:51820/udp", &ep,
					fresh_err(err)), 0);
	assert_int_equal(format_endpoint(&ep, buf,
					 strlen("203.0.113.5:51820/udp") + 1), 0);
	assert_int_equal(format_endpoint(&ep, buf,
					 strlen("203.0.113.5:51820/udp")), -1);
	assert_int_equal(format_endpoint(&ep, buf, 4), -1);
}

static void host_names(void **state)
{
	static const char *const good[] = {
		"vpn.example", "a", "x-1.example.net", "1.2.3.4.example", "EXAMPLE.com",
	};
	static const char *const bad[] = {
		"", "-a.example", "a-.example", "a..example", ".example",
		"example.", "a_b.example", "a b", "vpn.example;rm", "ex\nample",
	};
	char long_label[80];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!is_host_name(good[i]))
			fail_msg("'%s' refused", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (is_host_name(bad[i]))
			fail_msg("'%s' accepted", bad[i]);
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	assert_false(is_host_name(long_label));
	long_label[63] = '\0';
	assert_true(is_host_name(long_label));
}

static void endpoint_spec_name(void **state)
{
	char host[PARSE_HOST_LEN], err[PARSE_ERR_LEN];
	struct endpoint ep;

	(void)state;
	assert_int_equal(parse_endpoint_spec("vpn.example:51820/udp@0xca6c", host,
					     &ep, fresh_err(err)), 0);
	assert_string_equal(host, "vpn.example");
	assert_int_equal(ep.port, 51820);
	assert_int_equal(ep.proto, IPPROTO_UDP);
	assert_true(ep.fwmark_set);
	assert_int_equal(ep.fwmark, 0xca6c);
	assert_int_equal(parse_endpoint("vpn.example:51820/udp", &ep, fresh_err(err)), -1);
	check_err(err, "vpn.example", "a name is no address");
	assert_int_equal(parse_endpoint_spec("vpn.example:0/udp", host, &ep,
					     fresh_err(err)), -1);
}

static void mark_rule_valid(void **state)
{
	static const struct {
		const char *in;
		uint32_t mark, mask;
		uint8_t proto;
		const char *formatted;
	} good[] = {
		{ "0xca6c", 0xca6c, UINT32_MAX, 0, "0xca6c" },
		{ "51820", 51820, UINT32_MAX, 0, "0xca6c" },
		{ "0xca6c/udp", 0xca6c, UINT32_MAX, IPPROTO_UDP, "0xca6c/udp" },
		{ "0xca6c/tcp", 0xca6c, UINT32_MAX, IPPROTO_TCP, "0xca6c/tcp" },
		{ "0x100/0xff00", 0x100, 0xff00, 0, "0x100/0xff00" },
		{ "0x100/0xff00/udp", 0x100, 0xff00, IPPROTO_UDP, "0x100/0xff00/udp" },
		{ "0x80000000/0x80000000", 0x80000000u, 0x80000000u, 0,
		  "0x80000000/0x80000000" },
		{ "1/0xffffffff", 1, UINT32_MAX, 0, "0x1" },
	};
	char err[PARSE_ERR_LEN], buf[64];
	struct mark_rule r;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (parse_mark_rule(good[i].in, &r, fresh_err(err)))
			fail_msg("'%s' refused: %s", good[i].in, err);
		assert_int_equal(r.mark, good[i].mark);
		assert_int_equal(r.mask, good[i].mask);
		assert_int_equal(r.proto, good[i].proto);
		assert_int_equal(format_mark_rule(&r, buf, sizeof(buf)), 0);
		assert_string_equal(buf, good[i].formatted);
	}
	assert_int_equal(format_mark_rule(&r, buf, 3), -1);
}

static void mark_rule_bad(void **state)
{
	static const char *const bad[] = {
		"", "0", "0/udp", "0x0", "0x100/0x00ff",	/* bits outside the mask */
		"0x100/0", "1/udp/tcp", "1/icmp", "1/0x1/icmp", "-1", " 1",
		"1 ", "0x1ffffffff", "mark", "1//udp", "1/0x1/", "1/",
		"0x100/0xff00/udp/x",
	};
	char err[PARSE_ERR_LEN];
	struct mark_rule r;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_mark_rule(bad[i], &r, fresh_err(err)) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(parse_mark_rule("0", &r, fresh_err(err)), -1);
	assert_non_null(strstr(err, "unmarked"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ifname_valid),
		cmocka_unit_test(ifname_length),
		cmocka_unit_test(ifname_empty),
		cmocka_unit_test(ifname_bad),
		cmocka_unit_test(ifname_newline_one_line),
		cmocka_unit_test(ifname_match),
		cmocka_unit_test(ip_v4),
		cmocka_unit_test(ip_v6),
		cmocka_unit_test(ip_v4_mapped),
		cmocka_unit_test(ip_bad),
		cmocka_unit_test(ip_format),
		cmocka_unit_test(u32_valid),
		cmocka_unit_test(u32_bad),
		cmocka_unit_test(cidr_valid),
		cmocka_unit_test(cidr_bad),
		cmocka_unit_test(cidr_too_long),
		cmocka_unit_test(cidr_format),
		cmocka_unit_test(endpoint_v4),
		cmocka_unit_test(endpoint_v6),
		cmocka_unit_test(endpoint_fwmark),
		cmocka_unit_test(endpoint_bad),
		cmocka_unit_test(endpoint_fwmark_whitespace),
		cmocka_unit_test(endpoint_too_long),
		cmocka_unit_test(endpoint_format),
		cmocka_unit_test(host_names),
		cmocka_unit_test(endpoint_spec_name),
		cmocka_unit_test(mark_rule_valid),
		cmocka_unit_test(mark_rule_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
