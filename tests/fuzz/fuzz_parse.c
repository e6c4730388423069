// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: every parser of user input, on the same bytes. A parser must
 * never crash, and what it accepts must format and parse back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "policy.h"

static void check_round_trip_cidr(const struct cidr *c)
{
	char text[64], err[ERR_LEN];
	struct cidr back;

	if (format_cidr(c, text, sizeof(text)) || parse_cidr(text, &back, err) ||
	    back.prefixlen != c->prefixlen || back.ip.family != c->ip.family ||
	    memcmp(back.ip.addr, c->ip.addr, sizeof(back.ip.addr)))
		abort();
}

static void check_round_trip_endpoint(const struct endpoint *ep)
{
	char text[128], err[ERR_LEN];
	struct endpoint back;

	if (format_endpoint(ep, text, sizeof(text)) ||
	    parse_endpoint(text, &back, err) || memcmp(&back, ep, sizeof(back)))
		abort();
}

static void check_round_trip_mark(const struct mark_rule *r)
{
	char text[64], err[ERR_LEN];
	struct mark_rule back;

	if (!r->mark || (r->mark & ~r->mask))
		abort();	/* a rule unmarked packets match got through */
	if (format_mark_rule(r, text, sizeof(text)) ||
	    parse_mark_rule(text, &back, err) || memcmp(&back, r, sizeof(back)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct policy p;
	char *s = malloc(size + 1), err[ERR_LEN], ifname[KSBPF_IFNAME_LEN];
	struct ip_addr ip;
	struct cidr c;
	struct endpoint ep;
	struct mark_rule mark;
	uint32_t u;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	memset(&c, 0, sizeof(c));
	memset(&ep, 0, sizeof(ep));
	if (!parse_cidr(s, &c, err))
		check_round_trip_cidr(&c);
	if (!parse_endpoint(s, &ep, err))
		check_round_trip_endpoint(&ep);
	if (!parse_mark_rule(s, &mark, err))
		check_round_trip_mark(&mark);
	is_host_name(s);
	parse_ip(s, &ip, err);
	parse_ifname(s, ifname, err);
	parse_u32(s, &u, err);
	parse_app_policy(s, &u, err);
	memset(&p, 0, sizeof(p));
	policy_add_tunnel(&p, s, err);
	policy_add_endpoint(&p, s, err);
	policy_add_endpoint_mark(&p, s, err);
	policy_add_lan(&p, s, err);
	policy_add_lan_dns(&p, s, err);
	policy_set_scope(&p, s, err);
	/* Every message stays one line. */
	if (strchr(err, '\n'))
		abort();
	free(s);
	return 0;
}
