// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#define fail errf

const char *const policy_default_lan[] = {
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
	"224.0.0.0/24", "239.255.255.250/32", "255.255.255.255/32",
	"fe80::/10", "fc00::/7", "ff02::/16", NULL,
};

static bool same_cidr(const struct cidr *a, const struct cidr *b)
{
	return a->prefixlen == b->prefixlen && ip_equal(&a->ip, &b->ip);
}

int policy_add_tunnel(struct policy *p, const char *arg, char *err)
{
	char name[KSBPF_IFNAME_LEN];

	if (parse_ifname(arg, name, err))
		return -1;
	for (unsigned int i = 0; i < p->n_tunnels; i++)
		if (!strcmp(p->tunnels[i], name))
			return 0;
	if (p->n_tunnels == KSBPF_MAX_TUNNELS)
		return fail(err, "too many tunnels (at most %d)", KSBPF_MAX_TUNNELS);
	memcpy(p->tunnels[p->n_tunnels++], name, sizeof(name));
	return 0;
}

int policy_add_iface_rule(struct policy *p, const char *arg, uint32_t role,
			  char *err)
{
	const char *opt = role == KSBPF_ROLE_UPLINK ? "--uplink" : "--local";
	char pattern[KSBPF_IFNAME_LEN];

	if (parse_ifname(arg, pattern, err))
		return -1;
	for (unsigned int i = 0; i < p->n_iface_rules; i++) {
		if (strcmp(p->iface_rules[i].pattern, pattern))
			continue;
		if (p->iface_rules[i].role != role)
			return fail(err, "'%s' is given as both --uplink and --local", arg);
		return 0;
	}
	if (p->n_iface_rules == KSBPF_MAX_IFACE_RULES)
		return fail(err, "too many %s patterns (at most %d with --uplink and "
			    "--local together)", opt, KSBPF_MAX_IFACE_RULES);
	memcpy(p->iface_rules[p->n_iface_rules].pattern, pattern, sizeof(pattern));
	p->iface_rules[p->n_iface_rules++].role = role;
	return 0;
}

int policy_add_parsed_endpoint(struct policy *p, const struct endpoint *ep,
			       const char *arg, char *err)
{
	for (unsigned int i = 0; i < p->n_endpoints; i++) {
		struct endpoint *old = &p->endpoints[i];

		if (ip_equal(&old->ip, &ep->ip) && old->port == ep->port &&
		    old->proto == ep->proto) {
			if (old->fwmark_set != ep->fwmark_set ||
			    old->fwmark != ep->fwmark)
				return fail(err, "endpoint '%s' is given twice with different fwmarks", arg);
			return 0;
		}
	}
	if (p->n_endpoints == POLICY_MAX_ENDPOINTS)
		return fail(err, "too many endpoints (at most %d)", POLICY_MAX_ENDPOINTS);
	p->endpoints[p->n_endpoints++] = *ep;
	return 0;
}

int policy_add_endpoint(struct policy *p, const char *arg, char *err)
{
	struct endpoint ep;

	if (parse_endpoint(arg, &ep, err))
		return -1;
	return policy_add_parsed_endpoint(p, &ep, arg, err);
}

int policy_add_endpoint_mark(struct policy *p, const char *arg, char *err)
{
	struct mark_rule r;

	if (parse_mark_rule(arg, &r, err))
		return -1;
	for (unsigned int i = 0; i < p->n_endpoint_marks; i++)
		if (!memcmp(&p->endpoint_marks[i], &r, sizeof(r)))
			return 0;
	if (p->n_endpoint_marks == KSBPF_MAX_ENDPOINT_MARKS)
		return fail(err, "too many endpoint marks (at most %d)",
			    KSBPF_MAX_ENDPOINT_MARKS);
	p->endpoint_marks[p->n_endpoint_marks++] = r;
	return 0;
}

int policy_add_lan(struct policy *p, const char *arg, char *err)
{
	struct cidr c;

	if (parse_cidr(arg, &c, err))
		return -1;
	for (unsigned int i = 0; i < p->n_lans; i++)
		if (same_cidr(&p->lans[i], &c))
			return 0;
	if (p->n_lans == POLICY_MAX_LANS)
		return fail(err, "too many --lan ranges (at most %d)", POLICY_MAX_LANS);
	p->lans[p->n_lans++] = c;
	return 0;
}

int policy_add_lan_dns(struct policy *p, const char *arg, char *err)
{
	struct ip_addr ip;

	if (parse_ip(arg, &ip, err))
		return -1;
	for (unsigned int i = 0; i < p->n_lan_dns; i++)
		if (ip_equal(&p->lan_dns[i], &ip))
			return 0;
	if (p->n_lan_dns == POLICY_MAX_LAN_DNS)
		return fail(err, "too many --lan-dns resolvers (at most %d)", POLICY_MAX_LAN_DNS);
	p->lan_dns[p->n_lan_dns++] = ip;
	return 0;
}

int policy_set_scope(struct policy *p, const char *arg, char *err)
{
	if (!strcmp(arg, "host"))
		p->scope_apps = false;
	else if (!strcmp(arg, "apps"))
		p->scope_apps = true;
	else
		return fail(err, "scope '%s' must be host or apps", arg);
	return 0;
}

bool policy_is_tunnel(const struct policy *p, const char *ifname)
{
	for (unsigned int i = 0; i < p->n_tunnels; i++)
		if (ifname_matches(p->tunnels[i], ifname))
			return true;
	return false;
}

static int add_lan_entry(struct lan_entry *out, int n, int max,
			 const struct cidr *c, uint32_t origin)
{
	for (int i = 0; i < n; i++) {
		if (same_cidr(&out[i].cidr, c)) {
			out[i].origin |= origin;
			return n;
		}
	}
	if (n == max)
		return -1;
	out[n].cidr = *c;
	out[n].origin = origin;
	return n + 1;
}

int policy_lan_entries(const struct policy *p, struct lan_entry *out, int max)
{
	char err[PARSE_ERR_LEN];
	struct cidr c;
	int n = 0;

	for (int i = 0; p->allow_lan && policy_default_lan[i] && n >= 0; i++) {
		if (parse_cidr(policy_default_lan[i], &c, err))
			return -1;
		n = add_lan_entry(out, n, max, &c, KSBPF_ORIGIN_LAN_DEFAULT);
	}
	for (unsigned int i = 0; i < p->n_lans && n >= 0; i++)
		n = add_lan_entry(out, n, max, &p->lans[i], KSBPF_ORIGIN_CONFIG);
	/* A listed resolver must be reachable even without --allow-lan; row 8
	 * then lets it through, and row 7 no longer stops its DNS. */
	for (unsigned int i = 0; i < p->n_lan_dns && n >= 0; i++) {
		c.ip = p->lan_dns[i];
		c.prefixlen = c.ip.family == KSBPF_AF_INET ? 32 : 128;
		n = add_lan_entry(out, n, max, &c, KSBPF_ORIGIN_RESOLVER);
	}
	return n;
}

void endpoint_entry_from(const struct endpoint *ep, uint32_t origin,
			 struct endpoint_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->key.family = ep->ip.family;
	e->key.proto = ep->proto;
	e->key.port = ep->port;
	memcpy(e->key.addr, ep->ip.addr, sizeof(e->key.addr));
	e->value.origin = origin;
	e->value.fwmark = ep->fwmark;
	e->value.fwmark_set = ep->fwmark_set;
}

int policy_endpoint_entries(const struct policy *p, struct endpoint_entry *out,
			    int max)
{
	if ((int)p->n_endpoints > max)
		return -1;
	for (unsigned int i = 0; i < p->n_endpoints; i++)
		endpoint_entry_from(&p->endpoints[i], KSBPF_ORIGIN_CONFIG, &out[i]);
	return (int)p->n_endpoints;
}

static int find_key(const struct endpoint_entry *out, int n,
		    const struct ksbpf_endpoint_key *key)
{
	for (int i = 0; i < n; i++)
		if (!memcmp(&out[i].key, key, sizeof(*key)))
			return i;
	return -1;
}

int endpoint_fragment_entries(const struct endpoint_entry *in, int n_in,
			      struct endpoint_entry *out, int max)
{
	int n = 0;

	for (int i = 0; i < n_in; i++) {
		struct endpoint_entry e = in[i];
		int frag;

		if (!e.key.port)
			continue;
		e.key.port = 0;
		e.value.origin = KSBPF_ORIGIN_DERIVED;
		frag = find_key(out, n, &e.key);
		if (frag < 0) {
			if (n == max)
				return -1;
			out[n++] = e;
		} else if (!e.value.fwmark_set || !out[frag].value.fwmark_set ||
			   out[frag].value.fwmark != e.value.fwmark) {
			/* Fragments need the mark only if every endpoint at
			 * the address asks for the same one. */
			out[frag].value.fwmark_set = 0;
			out[frag].value.fwmark = 0;
		}
	}
	return n;
}

void lan4_key_from(const struct cidr *c, struct ksbpf_lan4_key *key)
{
	key->prefixlen = c->prefixlen;
	memcpy(key->addr, c->ip.addr, sizeof(key->addr));
}

void lan6_key_from(const struct cidr *c, struct ksbpf_lan6_key *key)
{
	key->prefixlen = c->prefixlen;
	memcpy(key->addr, c->ip.addr, sizeof(key->addr));
}

void addr_key_from(const struct ip_addr *ip, struct ksbpf_addr_key *key)
{
	memset(key, 0, sizeof(*key));
	key->family = ip->family;
	memcpy(key->addr, ip->addr, sizeof(key->addr));
}

void cidr_from_lan4(const struct ksbpf_lan4_key *key, struct cidr *c)
{
	memset(c, 0, sizeof(*c));
	c->ip.family = KSBPF_AF_INET;
	memcpy(c->ip.addr, key->addr, sizeof(key->addr));
	c->prefixlen = (uint8_t)key->prefixlen;
}

void cidr_from_lan6(const struct ksbpf_lan6_key *key, struct cidr *c)
{
	memset(c, 0, sizeof(*c));
	c->ip.family = KSBPF_AF_INET6;
	memcpy(c->ip.addr, key->addr, sizeof(c->ip.addr));
	c->prefixlen = (uint8_t)key->prefixlen;
}

void mark_key_from(const struct mark_rule *r, struct ksbpf_endpoint_mark_key *key)
{
	memset(key, 0, sizeof(*key));
	key->mark = r->mark;
	key->mask = r->mask;
	key->proto = r->proto;
}

void mark_rule_from(const struct ksbpf_endpoint_mark_key *key, struct mark_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->mark = key->mark;
	r->mask = key->mask;
	r->proto = key->proto;
}

void endpoint_from_entry(const struct ksbpf_endpoint_key *key,
			 const struct ksbpf_endpoint *value, struct endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->ip.family = key->family;
	memcpy(ep->ip.addr, key->addr, sizeof(ep->ip.addr));
	ep->port = key->port;
	ep->proto = key->proto;
	ep->fwmark_set = value->fwmark_set;
	ep->fwmark = value->fwmark;
}
