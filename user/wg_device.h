/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What a WireGuard interface sends through the uplink: its fwmark and its
 * peers' endpoints, read from the kernel (generic netlink) or from
 * wireguard-go (the UAPI socket), as wg(8) reads them. */
#ifndef KSBPF_WG_DEVICE_H
#define KSBPF_WG_DEVICE_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stdint.h>
#include "parse.h"	/* struct endpoint, struct ip_addr */

#define WG_DEVICE_MAX_ENDPOINTS 256

struct wg_device {
	uint32_t fwmark;		/* 0: none */
	/* proto IPPROTO_UDP, port host order, ip as parse.h (an IPv4-mapped
	 * IPv6 address as the IPv4 one it is on the wire, no IPv6 scope),
	 * fwmark_set = (fwmark != 0), fwmark = fwmark. Each endpoint once;
	 * peers without one are left out. */
	struct endpoint endpoints[WG_DEVICE_MAX_ENDPOINTS];
	unsigned int n_endpoints;
	bool userspace;			/* read through the UAPI socket (wireguard-go) */
};

/* Returns 0; 1 when this network namespace has no WireGuard interface of
 * that name (err says so); -1 with err on any other failure. */
int wg_device_read(const char *ifname, struct wg_device *out, char *err);

/* The parsers wg_device_read uses, pure for the unit tests. Both return 0,
 * or -1 with err; more than WG_DEVICE_MAX_ENDPOINTS endpoints is an error. */

/* A reply to "get=1": key=value lines up to the blank line that ends it (or
 * the end of text), errno=N last. Fills all of out, userspace set. */
int wg_uapi_parse(const char *text, struct wg_device *out, char *err);

/* One message of a WG_CMD_GET_DEVICE dump, added to what out holds: a device
 * with many peers comes in several messages, the first with the fwmark.
 * Zero out before the first. */
int wg_genl_parse_device(const struct nlmsghdr *nh, struct wg_device *out,
			 char *err);

#endif
