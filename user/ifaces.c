// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "ifaces.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "iface_table.h"

static int request_dump(int fd)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = RTM_GETLINK,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			.nlmsg_seq = 1,
		},
		.ifi = { .ifi_family = AF_UNSPEC },
	};

	return send(fd, &req, sizeof(req), 0) == (ssize_t)sizeof(req) ? 0 : -1;
}

/* 1: the dump is complete; 0: more to read; -1 with errno. */
static int read_part(int fd, struct iface_table *list)
{
	static char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	const struct nlmsghdr *nh = (const struct nlmsghdr *)buf;
	ssize_t got = recv(fd, buf, sizeof(buf), 0);
	int left = (int)got;
	struct link_event ev;

	if (got < 0)
		return -1;
	for (; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
		if (nh->nlmsg_type == NLMSG_DONE)
			return 1;
		if (nh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(nh);

			errno = e->error ? -e->error : EPROTO;
			return -1;
		}
		if (link_event_parse(nh, &ev) == 0 && iface_table_apply(list, &ev))
			return -1;
	}
	return 0;
}

int ifaces_list(struct iface **out, size_t *n, char *err)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct iface_table list = { 0 };
	int done = 0;

	*n = 0;
	if (fd < 0)
		return errf(err, "interface list: netlink socket: %s", strerror(errno));
	if (request_dump(fd)) {
		errf(err, "interface list: RTM_GETLINK: %s", strerror(errno));
		close(fd);
		return -1;
	}
	while (!done)
		done = read_part(fd, &list);
	close(fd);
	if (done < 0) {
		errf(err, "interface list: %s", strerror(errno));
		iface_table_free(&list);
		return -1;
	}
	*n = list.n;
	*out = list.ifs ? list.ifs : calloc(1, sizeof(*list.ifs));
	return *out ? 0 : errf(err, "interface list: %s", strerror(ENOMEM));
}
