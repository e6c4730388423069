/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What an rtnetlink link message says of an interface: pure parsing,
 * unit-tested with constructed messages and fuzzed. Used for the dump that
 * lists the interfaces and for the agent's events alike.
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

#endif
