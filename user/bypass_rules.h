/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The ip rules of split tunnelling (bypass_routes.h): all at ksbpf's
 * priority and to ksbpf's table. */
#ifndef KSBPF_BYPASS_RULES_H
#define KSBPF_BYPASS_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "ksbpf.h"
#include "rtnl.h"

#define MAX_RULES 64	/* per family: the mark's, and source addresses' */

/*
 * One of ksbpf's rules, all at its priority and to its table: the mark's,
 * or an uplink address's. A strict rp_filter checks a reply's source with a
 * lookup made without the socket's mark, as if sent from the address it
 * came to: under a full-tunnel VPN that lookup finds the tunnel and the
 * reply to a bypass app is dropped, unless "from ADDRESS" finds the uplink.
 */
struct rule {
	uint32_t mark;		/* 0: a source rule */
	uint8_t src_len;
	uint8_t src[16];
};

struct rule_list {
	const struct ksbpf_bypass_route *r;
	struct rule v[MAX_RULES];
	size_t n;
};

void bypass_rule_add(struct rule_list *l, const struct rule *x);
bool bypass_rule_listed(const struct rule_list *l, const struct rule *x);
/* ksbpf's rules of a family, as they are. */
int bypass_rules_dump(struct rtnl *rt, uint8_t family, struct rule_list *l);
/* ksbpf's rules, which the dump have found, become exactly want: new
 * ones first. */
int bypass_rules_sync(struct rtnl *rt, uint8_t family, const struct rule_list *have,
		      const struct rule_list *want);
/* Removes them all. */
int bypass_rules_remove(struct rtnl *rt, uint8_t family,
			const struct ksbpf_bypass_route *r);
/* Removes the mark's rule only: the source rules serve a successor with
 * the same priority and table. */
int bypass_rules_drop_mark(struct rtnl *rt, uint8_t family,
			   const struct ksbpf_bypass_route *r);
/* A source rule per IPv4 address of these devices. */
int bypass_rules_add_sources(struct rtnl *rt, const unsigned int *devs,
			     size_t n_devs, struct rule_list *rules);

#endif
