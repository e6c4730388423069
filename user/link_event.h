/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What an rtnetlink link message means for the kill switch: pure logic,
 * unit-tested with constructed messages. The agent supplies the actions.
 */
#ifndef KSBPF_LINK_EVENT_H
#define KSBPF_LINK_EVENT_H

#include <linux/netlink.h>
#include <stdbool.h>
#include "ifaces.h"

struct link_event {
	bool deleted;		/* RTM_DELLINK: gone, or moved to another netns */
	struct iface iface;
};

/* 0: a link event in ev; 1: not a link message; -1: malformed. */
int link_event_parse(const struct nlmsghdr *nh, struct link_event *ev);

struct link_actions {
	bool (*is_tunnel_name)(void *ctx, const char *ifname);
	int (*set_tunnel)(void *ctx, const struct iface *ifc);
	void (*clear_tunnel)(void *ctx, unsigned int ifindex);
	int (*attach_uplink)(void *ctx, const struct iface *ifc);
	void (*forget_uplink)(void *ctx, unsigned int ifindex);
};

/* Applies one event; additions come before removals, so an interface that
 * changes role is a tunnel, guarded, or both at every moment. Returns the
 * failed action's error: the caller resyncs to retry. */
int link_event_apply(const struct link_actions *act, void *ctx,
		     const struct link_event *ev);

#endif
