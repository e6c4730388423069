// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: the agent's netlink handling, from a received buffer through
 * its interface table to the roles, with the agent's own message walk. */
#include <linux/netlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iface_table.h"
#include "link_event.h"
#include "roles.h"

static struct policy policy;

/* What must hold of any table: a named tunnel is a tunnel, hardware is an
 * uplink, and a bridge with an uplink port is an uplink. */
static void check_roles(const struct iface_table *t)
{
	struct iface_role *roles = calloc(t->n ? t->n : 1, sizeof(*roles));

	if (!roles || roles_assign(&policy, t->ifs, t->n, roles))
		abort();
	for (size_t i = 0; i < t->n; i++) {
		const struct iface *ifc = &t->ifs[i];

		if (ifc->loopback) {
			if (roles[i].role != ROLE_LOOPBACK)
				abort();
			continue;
		}
		if (policy_is_tunnel(&policy, ifc->name) != (roles[i].role == ROLE_TUNNEL))
			abort();
		if (roles[i].role != ROLE_TUNNEL && !ifc->kind[0] &&
		    roles[i].role != ROLE_UPLINK)
			abort();
		for (size_t k = 0; k < t->n; k++)
			if (t->ifs[k].master == ifc->ifindex && ifc->ifindex &&
			    !strcmp(ifc->kind, "bridge") && roles[k].role == ROLE_UPLINK &&
			    roles[i].role != ROLE_TUNNEL &&
			    roles[i].role != ROLE_UPLINK)
				abort();
	}
	free(roles);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iface_table table = { 0 };
	struct link_event ev;
	void *buf = malloc(size ? size : 1);	/* exact size: ASan sees overreads */
	const struct nlmsghdr *nh = buf;
	int left = (int)size;
	char err[256];

	if (!buf)
		return 0;
	if (!policy.n_tunnels && policy_add_tunnel(&policy, "wg*", err))
		abort();
	memcpy(buf, data, size);
	for (; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
		if (link_event_parse(nh, &ev))
			continue;
		if (iface_table_apply(&table, &ev))
			abort();
	}
	check_roles(&table);
	iface_table_free(&table);
	free(buf);
	return 0;
}
