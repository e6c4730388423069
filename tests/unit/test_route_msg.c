// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for user/route_msg.c: rtnetlink route messages built byte for
 * byte as the kernel sends them, parsed from heap copies of exactly
 * nlmsg_len bytes (an over-read shows under -fsanitize=address). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "route_msg.h"

#define MSG_CAP 512
#define KSBPF_TABLE 27507

union msg {
	struct nlmsghdr nh;
	unsigned char raw[MSG_CAP];
};

static struct nlmsghdr *route(union msg *m, unsigned char type, unsigned char dst_len,
			      unsigned char table, unsigned int flags)
{
	struct rtmsg *rtm;

	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_len = NLMSG_LENGTH(sizeof(*rtm));
	m->nh.nlmsg_type = RTM_NEWROUTE;
	rtm = NLMSG_DATA(&m->nh);
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = dst_len;
	rtm->rtm_table = table;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = type;
	rtm->rtm_flags = flags;
	return &m->nh;
}

/* As nla_put does it, except that the padding holds junk when junk is set:
 * the kernel's dumps need not zero it. */
static void put(struct nlmsghdr *nh, unsigned short type, const void *data,
		size_t len, bool junk)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	memset(rta, junk ? 0xa5 : 0, RTA_SPACE(len));
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(len);
}

static void put_u32(struct nlmsghdr *nh, unsigned short type, uint32_t v)
{
	put(nh, type, &v, sizeof(v), false);
}

/* default via 192.0.2.1 dev OIF metric 100 pref medium, in table. */
static struct nlmsghdr *default_route(union msg *m, uint32_t oif, uint32_t table,
				      bool junk)
{
	const unsigned char gw[4] = { 192, 0, 2, 1 };
	const unsigned char pref = 0;
	struct nlmsghdr *nh = route(m, RTN_UNICAST, 0,
				    table > 255 ? RT_TABLE_COMPAT : table, 0);

	put_u32(nh, RTA_TABLE, table);
	put_u32(nh, RTA_PRIORITY, 100);
	put(nh, RTA_GATEWAY, gw, sizeof(gw), false);
	put_u32(nh, RTA_OIF, oif);
	put(nh, RTA_PREF, &pref, sizeof(pref), junk);
	return nh;
}

static int parse(const struct nlmsghdr *nh, struct route_msg *out)
{
	void *copy = malloc(nh->nlmsg_len);
	int ret;

	assert_non_null(copy);
	memcpy(copy, nh, nh->nlmsg_len);
	ret = route_msg_parse(copy, out);
	free(copy);
	return ret;
}

static const unsigned int tunnels[] = { 3, 7 };	/* sorted */

static void test_main_default_is_mirrored(void **state)
{
	union msg m;
	struct route_msg r;

	(void)state;
	assert_int_equal(parse(default_route(&m, 2, RT_TABLE_MAIN, false), &r), 0);
	assert_int_equal(r.table, RT_TABLE_MAIN);
	assert_int_equal(r.n_devs, 1);
	assert_int_equal(r.devs[0], 2);
	assert_true(route_msg_mirrored(&r, tunnels, 2));
}

static void test_tunnel_route_is_not(void **state)
{
	union msg m;
	struct route_msg r;

	(void)state;
	assert_int_equal(parse(default_route(&m, 7, RT_TABLE_MAIN, false), &r), 0);
	assert_true(route_msg_via_tunnel(&r, tunnels, 2));
	assert_false(route_msg_mirrored(&r, tunnels, 2));
}

static void test_other_tables_types_and_clones_are_not(void **state)
{
	union msg m;
	struct route_msg r;
	struct nlmsghdr *nh;

	(void)state;
	assert_int_equal(parse(default_route(&m, 2, KSBPF_TABLE, false), &r), 0);
	assert_int_equal(r.table, KSBPF_TABLE);
	assert_false(route_msg_mirrored(&r, tunnels, 2));

	nh = route(&m, RTN_UNREACHABLE, 0, RT_TABLE_MAIN, 0);
	assert_int_equal(parse(nh, &r), 0);
	assert_false(route_msg_mirrored(&r, tunnels, 2));

	nh = route(&m, RTN_UNICAST, 24, RT_TABLE_MAIN, RTM_F_CLONED);
	put_u32(nh, RTA_OIF, 2);
	assert_int_equal(parse(nh, &r), 0);
	assert_true(r.cloned);
	assert_false(route_msg_mirrored(&r, tunnels, 2));

	/* a nexthop object names no device here: never mirrored */
	nh = route(&m, RTN_UNICAST, 0, RT_TABLE_MAIN, 0);
	put_u32(nh, RTA_NH_ID, 12);
	assert_int_equal(parse(nh, &r), 0);
	assert_false(route_msg_mirrored(&r, tunnels, 2));
}

static void test_multipath_through_a_tunnel_is_not(void **state)
{
	union msg m;
	struct route_msg r;
	struct nlmsghdr *nh = route(&m, RTN_UNICAST, 0, RT_TABLE_MAIN, 0);
	struct rtnexthop hops[2] = {
		{ .rtnh_len = sizeof(struct rtnexthop), .rtnh_ifindex = 2 },
		{ .rtnh_len = sizeof(struct rtnexthop), .rtnh_ifindex = 3 },
	};

	(void)state;
	put(nh, RTA_MULTIPATH, hops, sizeof(hops), false);
	assert_int_equal(parse(nh, &r), 0);
	assert_int_equal(r.n_devs, 2);
	assert_false(route_msg_mirrored(&r, tunnels, 2));
	hops[1].rtnh_ifindex = 4;
	nh = route(&m, RTN_UNICAST, 0, RT_TABLE_MAIN, 0);
	put(nh, RTA_MULTIPATH, hops, sizeof(hops), false);
	assert_int_equal(parse(nh, &r), 0);
	assert_true(route_msg_mirrored(&r, tunnels, 2));
}

/* A route and its copy in ksbpf's table compare equal: the table, the
 * cache info and the padding's bytes are not part of the copy. */
static void test_copy_compares_equal(void **state)
{
	union msg a, b;
	struct route_msg ra, rb;
	struct rta_cacheinfo ci = { .rta_used = 9 };
	struct nlmsghdr *nh;

	(void)state;
	assert_int_equal(parse(default_route(&a, 2, RT_TABLE_MAIN, false), &ra), 0);
	nh = default_route(&b, 2, KSBPF_TABLE, true);
	put(nh, RTA_CACHEINFO, &ci, sizeof(ci), false);
	assert_int_equal(parse(nh, &rb), 0);
	assert_true(route_msg_same(&ra, &rb));
	assert_int_equal(parse(default_route(&b, 4, RT_TABLE_MAIN, false), &rb), 0);
	assert_false(route_msg_same(&ra, &rb));
}

/* The kernel reports state (dead, link down) in the flags; a new route may
 * not carry it, but an onlink gateway must stay onlink. */
static void test_copy_keeps_onlink_only(void **state)
{
	union msg m;
	struct route_msg r;
	struct nlmsghdr *nh = route(&m, RTN_UNICAST, 0, RT_TABLE_MAIN,
				    RTNH_F_ONLINK | RTNH_F_LINKDOWN | RTNH_F_DEAD);
	struct rtnexthop hops[1] = {
		{ .rtnh_len = sizeof(struct rtnexthop), .rtnh_ifindex = 2,
		  .rtnh_flags = RTNH_F_ONLINK | RTNH_F_LINKDOWN },
	};
	const struct rtmsg *copy;
	const struct rtattr *rta;
	int left;

	(void)state;
	put(nh, RTA_MULTIPATH, hops, sizeof(hops), false);
	assert_int_equal(parse(nh, &r), 0);
	copy = (const struct rtmsg *)r.body;
	assert_int_equal(copy->rtm_flags, RTNH_F_ONLINK);
	left = (int)(r.len - NLMSG_ALIGN(sizeof(*copy)));
	rta = (const struct rtattr *)(r.body + NLMSG_ALIGN(sizeof(*copy)));
	assert_true(RTA_OK(rta, left));
	assert_int_equal(rta->rta_type, RTA_MULTIPATH);
	assert_int_equal(((const struct rtnexthop *)RTA_DATA(rta))->rtnh_flags,
			 RTNH_F_ONLINK);
}

static void test_not_a_route_or_malformed(void **state)
{
	union msg m;
	struct route_msg r;

	(void)state;
	route(&m, RTN_UNICAST, 0, RT_TABLE_MAIN, 0);
	m.nh.nlmsg_type = RTM_NEWLINK;
	assert_int_equal(parse(&m.nh, &r), 1);
	route(&m, RTN_UNICAST, 0, RT_TABLE_MAIN, 0);
	m.nh.nlmsg_len = NLMSG_LENGTH(4);
	assert_int_equal(parse(&m.nh, &r), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_main_default_is_mirrored),
		cmocka_unit_test(test_tunnel_route_is_not),
		cmocka_unit_test(test_other_tables_types_and_clones_are_not),
		cmocka_unit_test(test_multipath_through_a_tunnel_is_not),
		cmocka_unit_test(test_copy_compares_equal),
		cmocka_unit_test(test_copy_keeps_onlink_only),
		cmocka_unit_test(test_not_a_route_or_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
