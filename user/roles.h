/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which interfaces reach a wire: the role of each interface, and why
 * (docs/policy.md, "Interface roles"). Pure logic over one listing of the
 * namespace's interfaces, unit-tested; load, the agent and status all ask it.
 */
#ifndef KSBPF_ROLES_H
#define KSBPF_ROLES_H

#include <stddef.h>
#include "ifaces.h"
#include "policy.h"

/* The two an --uplink/--local rule forces share its numbers. */
enum role {
	ROLE_LOOPBACK = 3,			/* never judged: row 2 */
	ROLE_TUNNEL = 4,			/* named as a tunnel: row 1 */
	ROLE_UPLINK = KSBPF_ROLE_UPLINK,	/* reaches a wire: TC judges it */
	ROLE_LOCAL = KSBPF_ROLE_LOCAL,		/* leads only to this host */
};

struct iface_role {
	enum role role;
	char why[96];
};

/* out[i] is the role of ifs[i]. Returns -1 only when out of memory. */
int roles_assign(const struct policy *p, const struct iface *ifs, size_t n,
		 struct iface_role *out);
const char *role_name(enum role role);

#endif
