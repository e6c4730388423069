// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "route_msg.h"

#include <stdlib.h>
#include <string.h>

/* Where packets go; everything else (RTA_TABLE, cache info, expiry,
 * RTA_NH_ID, whose devices a route message does not name) is left out. */
static bool kept(unsigned short type)
{
	switch (type) {
	case RTA_DST:
	case RTA_SRC:
	case RTA_OIF:
	case RTA_GATEWAY:
	case RTA_PRIORITY:
	case RTA_PREFSRC:
	case RTA_METRICS:
	case RTA_MULTIPATH:
	case RTA_FLOW:
	case RTA_VIA:
	case RTA_PREF:
	case RTA_ENCAP_TYPE:
	case RTA_ENCAP:
		return true;
	default:
		return false;
	}
}

static int add_dev(struct route_msg *r, unsigned int ifindex)
{
	if (r->n_devs == ROUTE_MSG_MAX_DEVS)
		return -1;
	r->devs[r->n_devs++] = ifindex;
	return 0;
}

/* What a route asks for, not what the kernel reports of its state (dead,
 * link down, offloaded): the kernel refuses those in a new route. */
#define ROUTE_FLAGS_KEPT RTNH_F_ONLINK

/* Reads the devices of a multipath route from the kernel's attribute, and
 * clears the state flags in the copy of it (at copy, in the body). */
static int read_nexthops(struct route_msg *r, const struct rtattr *rta,
			 struct rtattr *copy)
{
	const struct rtnexthop *nh = RTA_DATA(rta);
	struct rtnexthop *out = RTA_DATA(copy);
	int left = (int)RTA_PAYLOAD(rta);

	while (left >= (int)sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) &&
	       nh->rtnh_len <= left) {
		if (add_dev(r, (unsigned int)nh->rtnh_ifindex))
			return -1;
		out->rtnh_flags &= ROUTE_FLAGS_KEPT;
		left -= RTNH_ALIGN(nh->rtnh_len);
		nh = RTNH_NEXT(nh);
		out = RTNH_NEXT(out);
	}
	return 0;
}

static int read_attr(struct route_msg *r, const struct rtattr *rta)
{
	unsigned short type = rta->rta_type & NLA_TYPE_MASK;
	struct rtattr *copy;

	if (type == RTA_TABLE && RTA_PAYLOAD(rta) >= sizeof(uint32_t))
		memcpy(&r->table, RTA_DATA(rta), sizeof(r->table));
	if (type == RTA_OIF && RTA_PAYLOAD(rta) >= sizeof(uint32_t)) {
		uint32_t oif;

		memcpy(&oif, RTA_DATA(rta), sizeof(oif));
		if (add_dev(r, oif))
			return -1;
	}
	if (type == RTA_NH_ID)
		r->type = RTN_UNSPEC;	/* devices unknown: never mirrored */
	if (!kept(type))
		return 0;
	if (r->len + RTA_ALIGN(rta->rta_len) > sizeof(r->body))
		return -1;
	copy = (struct rtattr *)(r->body + r->len);
	/* Padding zeroed: copies compare byte for byte. */
	memset(copy, 0, RTA_ALIGN(rta->rta_len));
	memcpy(copy, rta, rta->rta_len);
	r->len += RTA_ALIGN(rta->rta_len);
	return type == RTA_MULTIPATH ? read_nexthops(r, rta, copy) : 0;
}

int route_msg_parse(const struct nlmsghdr *nh, struct route_msg *out)
{
	const struct rtmsg *rtm = NLMSG_DATA(nh);
	const struct rtattr *rta;
	struct rtmsg *copy = (struct rtmsg *)out->body;
	int left;

	if (nh->nlmsg_type != RTM_NEWROUTE && nh->nlmsg_type != RTM_DELROUTE)
		return 1;
	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return -1;
	memset(out, 0, offsetof(struct route_msg, body));
	out->table = rtm->rtm_table;
	out->family = rtm->rtm_family;
	out->type = rtm->rtm_type;
	out->dst_len = rtm->rtm_dst_len;
	out->scope = rtm->rtm_scope;
	out->cloned = rtm->rtm_flags & RTM_F_CLONED;
	*copy = *rtm;
	copy->rtm_table = RT_TABLE_UNSPEC;
	copy->rtm_flags &= ROUTE_FLAGS_KEPT;
	out->len = NLMSG_ALIGN(sizeof(*copy));
	left = (int)RTM_PAYLOAD(nh);
	for (rta = RTM_RTA(rtm); RTA_OK(rta, left); rta = RTA_NEXT(rta, left))
		if (read_attr(out, rta))
			return -1;
	return 0;
}

static int by_value(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

bool route_msg_via_tunnel(const struct route_msg *r, const unsigned int *tunnels,
			  size_t n_tunnels)
{
	for (size_t i = 0; i < r->n_devs; i++)
		if (bsearch(&r->devs[i], tunnels, n_tunnels, sizeof(*tunnels), by_value))
			return true;
	return false;
}

bool route_msg_mirrored(const struct route_msg *r, const unsigned int *tunnels,
			size_t n_tunnels)
{
	return r->table == RT_TABLE_MAIN && r->type == RTN_UNICAST && !r->cloned &&
	       r->n_devs > 0 && !route_msg_via_tunnel(r, tunnels, n_tunnels);
}

bool route_msg_same(const struct route_msg *a, const struct route_msg *b)
{
	return a->len == b->len && !memcmp(a->body, b->body, a->len);
}
