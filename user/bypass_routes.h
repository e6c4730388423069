/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Split tunnelling that routes (docs/policy.md, "Split tunnelling"): one ip
 * rule per family, "fwmark MARK lookup TABLE" at PRIORITY, before any VPN's
 * rules, and TABLE holding the main table's routes through interfaces that
 * are not tunnels. Bypass apps' sockets carry the mark (ksbpf_sock_create),
 * so they leave by the uplinks whatever the VPN did to the main table or
 * its own rules.
 */
#ifndef KSBPF_BYPASS_ROUTES_H
#define KSBPF_BYPASS_ROUTES_H

#include <stdbool.h>
#include <stddef.h>
#include "ksbpf.h"

/* Per family: [0] IPv4, [1] IPv6. */
struct bypass_routes_state {
	bool family[2];		/* the kernel has it */
	bool rule[2];		/* the ip rule is in place */
	int routes[2];		/* uplink routes in the table */
	bool default_route[2];	/* one of them is a default route */
};

/*
 * Puts the rules in place (never twice) and makes the table hold the main
 * table's routes through non-tunnel interfaces (tunnels: sorted
 * ifindexes), plus an unreachable default of the lowest preference, so that
 * a bypass app never falls through into the tunnel. New routes go in before
 * old ones leave. A default route stays while the main table has none
 * outside the tunnels ("default dev wg0" replacing the uplink's), as long
 * as its interface does.
 */
int bypass_routes_sync(const struct ksbpf_bypass_route *r,
		       const unsigned int *tunnels, size_t n_tunnels, char *err);
/* Removes what r installed. successor (NULL at unload) replaces r: the
 * table, and the source rules at the same priority, stay if it shares
 * them. */
int bypass_routes_remove(const struct ksbpf_bypass_route *r,
			 const struct ksbpf_bypass_route *successor, char *err);
int bypass_routes_read(const struct ksbpf_bypass_route *r,
		       struct bypass_routes_state *st, char *err);
/* Whether two settings name the same rules and table. */
bool bypass_routes_equal(const struct ksbpf_bypass_route *a,
			 const struct ksbpf_bypass_route *b);

#endif
