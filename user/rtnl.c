// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "rtnl.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int rtnl_open(struct rtnl *r)
{
	r->seq = 0;
	r->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	return r->fd < 0 ? -errno : 0;
}

void rtnl_close(struct rtnl *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

static int send_request(struct rtnl *r, struct nlmsghdr *req, uint16_t flags)
{
	req->nlmsg_flags |= NLM_F_REQUEST | flags;
	req->nlmsg_seq = ++r->seq;
	if (send(r->fd, req, req->nlmsg_len, 0) != (ssize_t)req->nlmsg_len)
		return errno ? -errno : -EIO;
	return 0;
}

/* An error met inside a dump comes in NLMSG_DONE's payload. */
static int done_error(const struct nlmsghdr *nh)
{
	int error = 0;

	if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(error)))
		memcpy(&error, NLMSG_DATA(nh), sizeof(error));
	return error < 0 ? error : 0;
}

/* Reads the answers to the last request until NLMSG_DONE or its error.
 * each (if any) sees every other message. A dump the kernel says changed
 * under it is an -EAGAIN: its caller tries again later. */
static int read_answers(struct rtnl *r, rtnl_each_fn each, void *ctx)
{
	static char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	bool interrupted = false;

	for (;;) {
		ssize_t got = recv(r->fd, buf, sizeof(buf), 0);
		const struct nlmsghdr *nh = (const struct nlmsghdr *)buf;
		int left = (int)got, ret;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		for (; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
			if (nh->nlmsg_seq != r->seq)
				continue;	/* an earlier request's late answer */
			interrupted |= nh->nlmsg_flags & NLM_F_DUMP_INTR;
			if (nh->nlmsg_type == NLMSG_DONE)
				return done_error(nh) ? done_error(nh) :
				       interrupted ? -EAGAIN : 0;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
					return -EPROTO;
				return e->error;	/* 0: the acknowledgement */
			}
			if (each && (ret = each(nh, ctx)) < 0)
				return ret;
		}
	}
}

int rtnl_dump(struct rtnl *r, uint16_t type, uint8_t family, size_t hdr_len,
	      rtnl_each_fn each, void *ctx)
{
	struct {
		struct nlmsghdr nh;
		unsigned char hdr[32];
	} req = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(hdr_len), .nlmsg_type = type },
		.hdr = { family },
	};
	int ret;

	if (hdr_len > sizeof(req.hdr))
		return -EINVAL;
	ret = send_request(r, &req.nh, NLM_F_DUMP);
	return ret ? ret : read_answers(r, each, ctx);
}

int rtnl_call(struct rtnl *r, struct nlmsghdr *req)
{
	int ret = send_request(r, req, NLM_F_ACK);

	return ret ? ret : read_answers(r, NULL, NULL);
}

int rtnl_put(struct nlmsghdr *req, size_t room, unsigned short type,
	     const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)req + NLMSG_ALIGN(req->nlmsg_len));
	size_t need = NLMSG_ALIGN(req->nlmsg_len) + RTA_SPACE(len);

	if (need > room)
		return -ENOSPC;
	memset(rta, 0, RTA_SPACE(len));
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	req->nlmsg_len = need;
	return 0;
}

int rtnl_put_u32(struct nlmsghdr *req, size_t room, unsigned short type,
		 uint32_t value)
{
	return rtnl_put(req, room, type, &value, sizeof(value));
}
