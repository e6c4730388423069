/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The interfaces of the current network namespace, asked of the kernel
 * (netlink, ioctl), never of /sys/class/net, which may be another netns's. */
#ifndef KSBPF_IFACES_H
#define KSBPF_IFACES_H

#include <stdbool.h>
#include <stddef.h>
#include "ksbpf.h"

struct iface {
	unsigned int ifindex;
	char name[KSBPF_IFNAME_LEN];
	bool up;		/* IFF_UP: admin state, not carrier */
	bool loopback;
	bool raw_ip;		/* no link-layer header */
};

/* Returns a calloc'ed array in *out (free it), count in *n. */
int ifaces_list(struct iface **out, size_t *n, char *err);
/* One interface by index; -1 if it is gone. */
int iface_get(unsigned int ifindex, struct iface *out);

#endif
