/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the user asked for, and its translation into map entries: pure
 * functions, unit-tested. */
#ifndef KSBPF_POLICY_H
#define KSBPF_POLICY_H

#include "parse.h"

#define POLICY_MAX_ENDPOINTS 256
#define POLICY_MAX_LANS 1024
#define POLICY_MAX_LAN_DNS 64

/* --uplink PATTERN, --local PATTERN: the first matching rule decides. */
struct iface_rule {
	char pattern[KSBPF_IFNAME_LEN];
	uint32_t role;		/* enum ksbpf_iface_role */
};

struct policy {
	char tunnels[KSBPF_MAX_TUNNELS][KSBPF_IFNAME_LEN];
	unsigned int n_tunnels;
	struct endpoint endpoints[POLICY_MAX_ENDPOINTS];
	unsigned int n_endpoints;
	struct mark_rule endpoint_marks[KSBPF_MAX_ENDPOINT_MARKS];
	unsigned int n_endpoint_marks;
	struct cidr lans[POLICY_MAX_LANS];
	unsigned int n_lans;
	struct ip_addr lan_dns[POLICY_MAX_LAN_DNS];
	unsigned int n_lan_dns;
	struct iface_rule iface_rules[KSBPF_MAX_IFACE_RULES];
	unsigned int n_iface_rules;
	struct ksbpf_bypass_route bypass_route;	/* --bypass-mark/-table/-priority */
	bool allow_lan;
	bool scope_apps;
	bool block_inbound;
};

/* Adders for the CLI and the config file: parse, check limits, dedupe. */
int policy_add_tunnel(struct policy *p, const char *arg, char *err);
int policy_add_endpoint(struct policy *p, const char *arg, char *err);
/* One endpoint already parsed (or resolved) from arg. */
int policy_add_parsed_endpoint(struct policy *p, const struct endpoint *ep,
			       const char *arg, char *err);
int policy_add_endpoint_mark(struct policy *p, const char *arg, char *err);
int policy_add_lan(struct policy *p, const char *arg, char *err);
int policy_add_lan_dns(struct policy *p, const char *arg, char *err);
int policy_set_scope(struct policy *p, const char *arg, char *err);
int policy_add_iface_rule(struct policy *p, const char *arg, uint32_t role,
			  char *err);

bool policy_is_tunnel(const struct policy *p, const char *ifname);

/* The LAN set --allow-lan stands for (docs/policy.md). */
extern const char *const policy_default_lan[];

struct lan_entry {
	struct cidr cidr;
	uint32_t origin;	/* KSBPF_ORIGIN_* bits, merged for duplicates */
};

struct endpoint_entry {
	struct ksbpf_endpoint_key key;
	struct ksbpf_endpoint value;
};

/* Fill out[] (room for max) and return the count, or -1 if max is short. */
int policy_lan_entries(const struct policy *p, struct lan_entry *out, int max);
int policy_endpoint_entries(const struct policy *p, struct endpoint_entry *out,
			    int max);
/* The port-0 address-only entries, one per (family, proto, address), that
 * non-first fragments are judged by, derived from the endpoint entries. */
int endpoint_fragment_entries(const struct endpoint_entry *in, int n_in,
			      struct endpoint_entry *out, int max);
void endpoint_entry_from(const struct endpoint *ep, uint32_t origin,
			 struct endpoint_entry *e);

void mark_key_from(const struct mark_rule *r, struct ksbpf_endpoint_mark_key *key);
void mark_rule_from(const struct ksbpf_endpoint_mark_key *key, struct mark_rule *r);
void lan4_key_from(const struct cidr *c, struct ksbpf_lan4_key *key);
void lan6_key_from(const struct cidr *c, struct ksbpf_lan6_key *key);
void addr_key_from(const struct ip_addr *ip, struct ksbpf_addr_key *key);
void cidr_from_lan4(const struct ksbpf_lan4_key *key, struct cidr *c);
void cidr_from_lan6(const struct ksbpf_lan6_key *key, struct cidr *c);
void endpoint_from_entry(const struct ksbpf_endpoint_key *key,
			 const struct ksbpf_endpoint *value, struct endpoint *ep);

#endif
