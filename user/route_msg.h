/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What an rtnetlink route message says, and the copy of it that ksbpf's
 * bypass table would hold: pure parsing, unit-tested with constructed
 * messages. The copy keeps only what says where packets go (destination,
 * devices, gateways, metric, source, metrics), so that a route of the main
 * table and its copy in ksbpf's table compare equal byte for byte.
 */
#ifndef KSBPF_ROUTE_MSG_H
#define KSBPF_ROUTE_MSG_H

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ROUTE_MSG_MAX 1024	/* bytes of rtmsg and attributes */
#define ROUTE_MSG_MAX_DEVS 16	/* devices of a multipath route */

struct route_msg {
	uint32_t table;
	uint8_t family;
	uint8_t type;		/* RTN_UNICAST, RTN_UNREACHABLE, ... */
	uint8_t dst_len;
	uint8_t scope;
	bool cloned;		/* a cache entry, not a route */
	unsigned int devs[ROUTE_MSG_MAX_DEVS];	/* output devices */
	size_t n_devs;
	size_t len;		/* of body */
	/* rtmsg (table RT_TABLE_UNSPEC, state flags cleared) and the kept attributes,
	 * in the kernel's order: without RTA_TABLE */
	char body[ROUTE_MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
};

/* 0: a route in *out; 1: not a route message; -1: malformed or too big. */
int route_msg_parse(const struct nlmsghdr *nh, struct route_msg *out);
/* Whether a route of the main table belongs in the bypass table: a unicast
 * route whose every device is known not to be a tunnel (tunnels: sorted
 * ifindexes). */
bool route_msg_mirrored(const struct route_msg *r, const unsigned int *tunnels,
			size_t n_tunnels);
bool route_msg_same(const struct route_msg *a, const struct route_msg *b);
bool route_msg_via_tunnel(const struct route_msg *r, const unsigned int *tunnels,
			  size_t n_tunnels);

#endif
