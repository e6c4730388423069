/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The interfaces of the current network namespace, asked of the kernel
 * (an rtnetlink dump), never of /sys/class/net, which may be another
 * netns's. */
#ifndef KSBPF_IFACES_H
#define KSBPF_IFACES_H

#include <stdbool.h>
#include <stddef.h>
#include "ksbpf.h"

struct iface {
	unsigned int ifindex;
	char name[KSBPF_IFNAME_LEN];
	char kind[KSBPF_IFNAME_LEN];	/* IFLA_INFO_KIND ("bridge", "veth",
					 * "tun"...); "" for hardware */
	unsigned int master;		/* the bridge or bond it is a port of */
	bool up;		/* IFF_UP: admin state, not carrier */
	bool loopback;
	bool raw_ip;		/* no link-layer header */
};

/* Returns a calloc'ed array in *out (free it), count in *n. */
int ifaces_list(struct iface **out, size_t *n, char *err);

#endif
