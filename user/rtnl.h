/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A small rtnetlink client: dumps, and requests the kernel acknowledges.
 * Errors are returned as -errno; callers say what they were doing. */
#ifndef KSBPF_RTNL_H
#define KSBPF_RTNL_H

#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>

struct rtnl {
	int fd;
	uint32_t seq;
};

/* Called for each message of a dump; a negative return ends the dump with
 * that error. */
typedef int (*rtnl_each_fn)(const struct nlmsghdr *nh, void *ctx);

int rtnl_open(struct rtnl *r);
void rtnl_close(struct rtnl *r);
/* Dumps everything of a type (RTM_GETLINK, RTM_GETROUTE...) in a family.
 * hdr_len: the size of the type's own header (struct ifinfomsg, rtmsg...),
 * sent zeroed but for its first byte, which in each of them is the family. */
int rtnl_dump(struct rtnl *r, uint16_t type, uint8_t family, size_t hdr_len,
	      rtnl_each_fn each, void *ctx);
/* Sends req (with its own flags: NLM_F_CREATE...) asking for an
 * acknowledgement, and waits for it. */
int rtnl_call(struct rtnl *r, struct nlmsghdr *req);

/* Appends an attribute to req, whose buffer holds room bytes; -ENOSPC when
 * it does not fit. */
int rtnl_put(struct nlmsghdr *req, size_t room, unsigned short type,
	     const void *data, size_t len);
int rtnl_put_u32(struct nlmsghdr *req, size_t room, unsigned short type,
		 uint32_t value);

#endif
