// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "ifaces.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "err.h"
#include "iface_table.h"
#include "link_event.h"
#include "rtnl.h"

static int add_link(const struct nlmsghdr *nh, void *ctx)
{
	struct link_event ev;

	if (link_event_parse(nh, &ev) == 0 && iface_table_apply(ctx, &ev))
		return -ENOMEM;
	return 0;
}

int ifaces_list(struct iface **out, size_t *n, char *err)
{
	struct iface_table list = { 0 };
	struct rtnl r;
	int ret;

	*n = 0;
	ret = rtnl_open(&r);
	if (ret)
		return errf(err, "interface list: netlink socket: %s", strerror(-ret));
	ret = rtnl_dump(&r, RTM_GETLINK, AF_UNSPEC, sizeof(struct ifinfomsg),
			add_link, &list);
	rtnl_close(&r);
	if (ret) {
		iface_table_free(&list);
		return errf(err, "interface list: RTM_GETLINK: %s", strerror(-ret));
	}
	*n = list.n;
	*out = list.ifs ? list.ifs : calloc(1, sizeof(*list.ifs));
	return *out ? 0 : errf(err, "interface list: %s", strerror(ENOMEM));
}
