// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: the agent's netlink handling, from a received buffer to the
 * actions, with the agent's own message walk. */
#include <fnmatch.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "link_event.h"

struct model {
	bool tunnel[64];
	bool uplink[64];
};

static bool is_tunnel_name(void *ctx, const char *name)
{
	(void)ctx;
	return fnmatch("wg*", name, 0) == 0;
}

static int set_tunnel(void *ctx, const struct iface *ifc)
{
	((struct model *)ctx)->tunnel[ifc->ifindex % 64] = true;
	return 0;
}

static void clear_tunnel(void *ctx, unsigned int ifindex)
{
	((struct model *)ctx)->tunnel[ifindex % 64] = false;
}

static int attach_uplink(void *ctx, const struct iface *ifc)
{
	((struct model *)ctx)->uplink[ifc->ifindex % 64] = true;
	return 0;
}

static void forget_uplink(void *ctx, unsigned int ifindex)
{
	((struct model *)ctx)->uplink[ifindex % 64] = false;
}

static const struct link_actions actions = {
	is_tunnel_name, set_tunnel, clear_tunnel, attach_uplink, forget_uplink,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model m = { 0 };
	struct link_event ev;
	void *buf = malloc(size ? size : 1);	/* exact size: ASan sees overreads */
	const struct nlmsghdr *nh = buf;
	int left = (int)size;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	for (; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
		if (link_event_parse(nh, &ev))
			continue;
		link_event_apply(&actions, &m, &ev);
		/* An up interface named as a tunnel is a tunnel and no uplink;
		 * any other live interface is an uplink and no tunnel. */
		if (!ev.deleted && !ev.iface.loopback) {
			unsigned int i = ev.iface.ifindex % 64;
			bool tunnel = is_tunnel_name(NULL, ev.iface.name);

			if (m.uplink[i] == tunnel || m.tunnel[i] != (tunnel && ev.iface.up))
				abort();
		}
	}
	free(buf);
	return 0;
}
