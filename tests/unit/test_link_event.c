// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for user/link_event.c: rtnetlink link messages built byte for
 * byte as the kernel sends them (nlmsghdr, ifinfomsg, padded rtattrs). Every
 * message is parsed from a heap copy
 * of exactly nlmsg_len bytes, so that an over-read shows under
 * -fsanitize=address. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fnmatch.h>
#include <limits.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "link_event.h"

/* --------------------------------------------------------- messages -- */

#define MSG_CAP 512

union msg {
	struct nlmsghdr nh;
	unsigned char raw[MSG_CAP];
};

/* A link message with no attributes yet. ifi_change is what the kernel puts
 * in a notification for a new link: every flag. */
static struct nlmsghdr *link_msg(union msg *m, unsigned short type,
				 unsigned char family, int index,
				 unsigned int flags, unsigned short arphrd)
{
	struct ifinfomsg *ifi;

	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	m->nh.nlmsg_type = type;
	ifi = NLMSG_DATA(&m->nh);
	ifi->ifi_family = family;
	ifi->ifi_type = arphrd;
	ifi->ifi_index = index;
	ifi->ifi_flags = flags;
	ifi->ifi_change = ~0u;
	return &m->nh;
}

/* Appends one attribute as nla_put does: header, payload, zeroed padding to
 * 4 bytes, the padding counted in nlmsg_len. */
static struct rtattr *add_attr(struct nlmsghdr *nh, unsigned short type,
			       const void *data, size_t len)
{
	struct rtattr *rta;

	assert_true(NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(len) <= MSG_CAP);
	rta = (struct rtattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_SPACE(len);
	return rta;
}

static void add_u32(struct nlmsghdr *nh, unsigned short type, uint32_t v)
{
	add_attr(nh, type, &v, sizeof(v));
}

static void add_u8(struct nlmsghdr *nh, unsigned short type, uint8_t v)
{
	add_attr(nh, type, &v, sizeof(v));
}

/* nla_put_string: the name and its NUL. */
static void add_name(struct nlmsghdr *nh, const char *name)
{
	add_attr(nh, IFLA_IFNAME, name, strlen(name) + 1);
}

/* A NEWLINK/DELLINK the way rtnl_fill_ifinfo lays it out: the name first,
 * then more attributes, so the parser has to walk past them. */
static struct nlmsghdr *kernel_link_msg(union msg *m, unsigned short type,
					int index, unsigned int flags,
					unsigned short arphrd, const char *name)
{
	struct nlmsghdr *nh = link_msg(m, type, AF_UNSPEC, index, flags, arphrd);

	if (name)
		add_name(nh, name);
	add_u32(nh, IFLA_TXQLEN, 1000);
	add_u8(nh, IFLA_OPERSTATE, 6);
	add_u32(nh, IFLA_MTU, 1420);
	add_attr(nh, IFLA_QDISC, "noqueue", 8);
	return nh;
}

/* Fills ev with a pattern, so a field the parser leaves alone shows. */
static void poison(struct link_event *ev)
{
	memset(ev, 0x5a, sizeof(*ev));
}

/* Parses a heap copy of exactly nlmsg_len bytes (at least a header). */
static int parse_exact(const struct nlmsghdr *nh, struct link_event *ev)
{
	size_t len = nh->nlmsg_len;
	struct nlmsghdr *copy;
	int rc;

	assert_true(len >= NLMSG_HDRLEN && len <= MSG_CAP);
	copy = malloc(len);
	assert_non_null(copy);
	memcpy(copy, nh, len);
	rc = link_event_parse(copy, ev);
	free(copy);
	return rc;
}

static void expect_event(const struct link_event *ev, bool deleted,
			 unsigned int ifindex, const char *name, bool up,
			 bool loopback, bool raw_ip)
{
	char want[KSBPF_IFNAME_LEN] = { 0 };

	strcpy(want, name);
	assert_int_equal(ev->deleted, deleted);
	assert_int_equal(ev->iface.ifindex, ifindex);
	/* Zero-padded: the whole array goes into ksbpf_tunnels as it is. */
	assert_memory_equal(ev->iface.name, want, sizeof(want));
	assert_int_equal(ev->iface.up, up);
	assert_int_equal(ev->iface.loopback, loopback);
	assert_int_equal(ev->iface.raw_ip, raw_ip);
}

/* ------------------------------------------------------------ parse -- */

static void parse_newlink_up(void **state)
{
	struct link_event ev;
	union msg m;
	struct nlmsghdr *nh;

	(void)state;
	/* Attributes before and after the name. */
	nh = link_msg(&m, RTM_NEWLINK, AF_UNSPEC, 2,
		      IFF_UP | IFF_BROADCAST | IFF_RUNNING | IFF_MULTICAST,
		      ARPHRD_ETHER);
	add_u32(nh, IFLA_MTU, 1500);
	add_attr(nh, IFLA_ADDRESS, "\x02\x00\x00\x00\x00\x01", 6);
	add_name(nh, "eth0");
	add_u32(nh, IFLA_TXQLEN, 1000);
	add_u8(nh, IFLA_OPERSTATE, 6);
	poison(&ev);
	assert_int_equal(parse_exact(nh, &ev), 0);
	expect_event(&ev, false, 2, "eth0", true, false, false);

	/* The layout of rtnl_fill_ifinfo, name first. */
	nh = kernel_link_msg(&m, RTM_NEWLINK, 7, IFF_UP | IFF_POINTOPOINT |
			     IFF_NOARP | IFF_RUNNING, ARPHRD_NONE, "wg0");
	poison(&ev);
	assert_int_equal(parse_exact(nh, &ev), 0);
	expect_event(&ev, false, 7, "wg0", true, false, true);
}

static void parse_newlink_down(void **state)
{
	struct link_event ev;
	union msg m;
	struct nlmsghdr *nh;

	(void)state;
	nh = kernel_link_msg(&m, RTM_NEWLINK, 3, IFF_BROADCAST | IFF_MULTICAST,
			     ARPHRD_ETHER, "eth1");
	poison(&ev);
	assert_int_equal(parse_exact(nh, &ev), 0);
	expect_event(&ev, false, 3, "eth1", false, false, false);

	/* Admin state, not carrier: running without IFF_UP is down. */
	nh = kernel_link_msg(&m, RTM_NEWLINK, 7, IFF_POINTOPOINT | IFF_NOARP |
			     IFF_RUNNING, ARPHRD_NONE, "wg0");
	poison(&ev);
	assert_int_equal(parse_exact(nh, &ev), 0);
	expect_event(&ev, false, 7, "wg0", false, false, true);

	/* Up without carrier is up. */
	nh = kernel_link_msg(&m, RTM_NEWLINK, 3, IFF_UP | IFF_BROADCAST,
			     ARPHRD_ETHER, "eth1");
	poison(&ev);
	assert_int_equal(parse_exact(nh, &ev), 0);
	expect_event(&ev, false, 3, "eth1", true, false, false);
}

static void parse_loopback(void **state)
{
	struct link_event ev;
	union msg m;
	struct nlmsghdr *nh;

	(void)state;
	nh = kernel_link_msg(&m, RTM_NEWLINK, 1, IFF_UP | IFF_LOOPBACK |
			     IFF_RUNNING, ARPHRD_LOOPBACK, "lo");
	poison(&ev);
	assert_int_equal(parse_exact(nh, &ev), 0);
	expect_event(&ev, false, 1, "lo", true, true, false);

	nh = kernel_link_msg(&m, RTM_NEWLINK, 1, IFF_LOOPBACK, ARPHRD_LOOPBACK,
			     "lo");
	poison(&ev);
	assert_int_equal(parse_exact(nh, &ev), 0);
	expect_event(&ev, false, 1, "lo", false, true, false);
}

/* raw_ip: no link-layer header, so the L3 TC program. */
static void parse_link_types(void **state)
{
	static const struct {
		unsigned short arphrd;
		const char *name;
		bool raw_ip;
	} cases[] = {
		{ ARPHRD_ETHER, "eth0", false },	/* also wifi, veth, bridges */
		{ ARPHRD_NONE, "wg0", true },		/* wireguard, tun */
		{ ARPHRD_NONE, "tun0", true },
		{ ARPHRD_PPP, "ppp0", true },
		{ ARPHRD_LOOPBACK, "lo", false },
	};
	struct link_event ev;
	union msg m;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct nlmsghdr *nh = kernel_link_msg(&m, RTM_NEWLINK, 10 + (int)i,
						      IFF_UP, cases[i].arphrd,
						      cases[i].name);

		poison(&ev);
		assert_int_equal(parse_exact(nh, &ev), 0);
		if (ev.iface.raw_ip != cases[i].raw_ip)
			fail_msg("%s (ARPHRD %u): raw_ip %d, want %d", cases[i].name,
				 cases[i].arphrd, ev.iface.raw_ip, cases[i].raw_ip);
		expect_event(&ev, false, 10 + (unsigned int)i, cases[i].name, true,
			     false, cases[i].raw_ip);
	}
}

static void parse_dellink(void **state)
{
	struct link_event ev;
	union msg m;
	struct nlmsghdr *nh;

	(void)state;
	/* A deleted link, or one moved to another netns: both arrive so. */
	nh = kernel_link_msg(&m, RTM_DELLINK, 7, IFF_POINTOPOINT | IFF_NOARP,
			     ARPHRD_NONE, "wg0");
	poison(&ev);
	assert_int_equal(parse_exact(nh, &ev), 0);
	expect_event(&ev, true, 7, "wg0", false, false, true);

	nh = kernel_link_msg(&m, RTM_DELLINK, 2, IFF_UP | IFF_BROADCAST,
			     ARPHRD_ETHER, "eth0");
	poison(&ev);
	assert_int_equal(parse_exact(nh, &ev), 0);
	expect_event(&ev, true, 2, "eth0", true, false, false);

	/* Without a name, and without any attribute at all. */
	nh = kernel_link_msg(&m, RTM_DELLINK, 9, 0, ARPHRD_ETHER, NULL);
	poison(&ev);
	assert_int_equal(parse_exact(nh, &ev), 0);
	expect_event(&ev, true, 9, "", false, false, false);

	nh = link_msg(&m, RTM_DELLINK, AF_UNSPEC, 9, 0, ARPHRD_ETHER);
	poison(&ev);
	assert_int_equal(parse_exact(nh, &ev), 0);
	expect_event(&ev, true, 9, "", false, false, false);
}

static void parse_not_link(void **state)
{
	struct link_event ev;
	union msg m;
	struct nlmsghdr *nh;
	struct ifaddrmsg *ifa;
	static const unsigned short other[] = {
		NLMSG_DONE, NLMSG_ERROR, NLMSG_NOOP, RTM_GETLINK, RTM_SETLINK,
		RTM_DELADDR, RTM_NEWROUTE, RTM_NEWNEIGH,
	};

	(void)state;
	/* An address message of the same length as a link message. */
	memset(&m, 0, sizeof(m));
	nh = &m.nh;
	nh->nlmsg_len = NLMSG_LENGTH(sizeof(*ifa));
	nh->nlmsg_type = RTM_NEWADDR;
	ifa = NLMSG_DATA(nh);
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 24;
	ifa->ifa_index = 2;
	add_attr(nh, IFA_ADDRESS, "\xc0\x00\x02\x01", 4);
	add_attr(nh, IFA_LABEL, "eth0", 5);
	poison(&ev);
	assert_int_equal(parse_exact(nh, &ev), 1);

	/* NLMSG_DONE of a dump: a header and an int. */
	memset(&m, 0, sizeof(m));
	nh->nlmsg_len = NLMSG_LENGTH(sizeof(int));
	nh->nlmsg_type = NLMSG_DONE;
	nh->nlmsg_flags = NLM_F_MULTI;
	assert_int_equal(parse_exact(nh, &ev), 1);

	/* Any other type, even with a valid link payload behind it. */
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		nh = kernel_link_msg(&m, other[i], 2, IFF_UP, ARPHRD_ETHER, "eth0");
		if (parse_exact(nh, &ev) != 1)
			fail_msg("message type %u taken for a link message", other[i]);
	}
}

/* A link message from the bridge (AF_BRIDGE, br_ifinfo_notify, also on
 * RTNLGRP_LINK) is about a bridge port, not the link: `ip link set eth0
 * nomaster` sends an RTM_DELLINK for eth0, which still exists and must stay
 * guarded. */
static void parse_bridge_port_message(void **state)
{
	struct link_event ev;
	union msg m;
	struct nlmsghdr *nh;

	(void)state;
	nh = link_msg(&m, RTM_DELLINK, AF_BRIDGE, 2, IFF_UP | IFF_BROADCAST |
		      IFF_RUNNING, ARPHRD_ETHER);
	add_name(nh, "eth0");
	add_u32(nh, IFLA_MASTER, 5);
	add_u32(nh, IFLA_MTU, 1500);
	add_u8(nh, IFLA_OPERSTATE, 6);
	poison(&ev);
	assert_int_equal(parse_exact(nh, &ev), 1);

	nh = link_msg(&m, RTM_NEWLINK, AF_BRIDGE, 2, IFF_UP | IFF_BROADCAST |
		      IFF_RUNNING, ARPHRD_ETHER);
	add_name(nh, "eth0");
	add_u32(nh, IFLA_MASTER, 5);
	poison(&ev);
	assert_int_equal(parse_exact(nh, &ev), 1);
}

static void parse_too_short(void **state)
{
	struct link_event ev;
	union msg m;
	struct nlmsghdr *nh;
	static const unsigned short types[] = { RTM_NEWLINK, RTM_DELLINK };
	static const uint32_t lens[] = {
		NLMSG_HDRLEN,
		NLMSG_HDRLEN + 4,
		NLMSG_LENGTH(sizeof(struct ifinfomsg)) - 1,
	};

	(void)state;
	for (size_t t = 0; t < 2; t++) {
		for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			/* A complete message behind a short nlmsg_len: a parser
			 * that reads it anyway would find a valid link. */
			nh = kernel_link_msg(&m, types[t], 2, IFF_UP,
					     ARPHRD_ETHER, "eth0");
			nh->nlmsg_len = lens[i];
			poison(&ev);
			if (link_event_parse(nh, &ev) != -1)
				fail_msg("type %u, nlmsg_len %u accepted", types[t],
					 lens[i]);
			/* And on its own, nothing past nlmsg_len. */
			assert_int_equal(parse_exact(nh, &ev), -1);
		}
	}
}

static void parse_bad_index(void **state)
{
	static const int bad[] = { 0, -1, -2, INT_MIN };
	struct link_event ev;
	union msg m;
	struct nlmsghdr *nh;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nh = kernel_link_msg(&m, RTM_NEWLINK, bad[i], IFF_UP,
				     ARPHRD_ETHER, "eth0");
		if (parse_exact(nh, &ev) != -1)
			fail_msg("NEWLINK ifindex %d accepted", bad[i]);
		nh = kernel_link_msg(&m, RTM_DELLINK, bad[i], 0, ARPHRD_ETHER,
				     "eth0");
		if (parse_exact(nh, &ev) != -1)
			fail_msg("DELLINK ifindex %d accepted", bad[i]);
	}
	/* The largest one is fine. */
	nh = kernel_link_msg(&m, RTM_NEWLINK, INT_MAX, IFF_UP, ARPHRD_ETHER,
			     "eth0");
	poison(&ev);
	assert_int_equal(parse_exact(nh, &ev), 0);
	expect_event(&ev, false, INT_MAX, "eth0", true, false, false);
}

static void parse_name_unterminated(void **state)
{
	struct link_event ev;
	union msg m;
	struct nlmsghdr *nh;

	(void)state;
	/* "wg0" without its NUL, followed by non-zero bytes. */
	nh = link_msg(&m, RTM_NEWLINK, AF_UNSPEC, 7, IFF_UP, ARPHRD_NONE);
	add_attr(nh, IFLA_IFNAME, "wg0", 3);
	add_u32(nh, IFLA_MTU, 0x41414141);
	assert_int_equal(parse_exact(nh, &ev), -1);

	/* The same as the last attribute: the NUL would be past the end. */
	nh = link_msg(&m, RTM_NEWLINK, AF_UNSPEC, 7, IFF_UP, ARPHRD_NONE);
	add_u32(nh, IFLA_MTU, 1420);
	add_attr(nh, IFLA_IFNAME, "wg0", 3);
	assert_int_equal(parse_exact(nh, &ev), -1);

	/* Sixteen characters, no room for a NUL. */
	nh = link_msg(&m, RTM_NEWLINK, AF_UNSPEC, 7, IFF_UP, ARPHRD_NONE);
	add_attr(nh, IFLA_IFNAME, "abcdefghijklmnop", 16);
	add_u32(nh, IFLA_MTU, 0x41414141);
	assert_int_equal(parse_exact(nh, &ev), -1);

	/* In a DELLINK too. */
	nh = link_msg(&m, RTM_DELLINK, AF_UNSPEC, 7, 0, ARPHRD_NONE);
	add_attr(nh, IFLA_IFNAME, "wg0", 3);
	add_u32(nh, IFLA_MTU, 0x41414141);
	assert_int_equal(parse_exact(nh, &ev), -1);
}

static void parse_name_length(void **state)
{
	char padded[KSBPF_IFNAME_LEN + 4] = "eth0";
	struct link_event ev;
	union msg m;
	struct nlmsghdr *nh;

	(void)state;
	/* 15 characters and the NUL: IFNAMSIZ, the longest name. */
	nh = kernel_link_msg(&m, RTM_NEWLINK, 4, IFF_UP, ARPHRD_ETHER,
			     "abcdefghijklmno");
	poison(&ev);
	assert_int_equal(parse_exact(nh, &ev), 0);
	expect_event(&ev, false, 4, "abcdefghijklmno", true, false, false);

	/* 16 characters and the NUL. */
	nh = kernel_link_msg(&m, RTM_NEWLINK, 4, IFF_UP, ARPHRD_ETHER,
			     "abcdefghijklmnop");
	assert_int_equal(parse_exact(nh, &ev), -1);
	nh = kernel_link_msg(&m, RTM_DELLINK, 4, 0, ARPHRD_ETHER,
			     "abcdefghijklmnop");
	assert_int_equal(parse_exact(nh, &ev), -1);

	/* A short name in a payload longer than IFNAMSIZ. */
	nh = link_msg(&m, RTM_NEWLINK, AF_UNSPEC, 4, IFF_UP, ARPHRD_ETHER);
	add_attr(nh, IFLA_IFNAME, padded, sizeof(padded));
	assert_int_equal(parse_exact(nh, &ev), -1);

	/* A much longer one. */
	nh = kernel_link_msg(&m, RTM_NEWLINK, 4, IFF_UP, ARPHRD_ETHER,
			     "an-interface-name-far-too-long-for-linux");
	assert_int_equal(parse_exact(nh, &ev), -1);
}

static void parse_name_empty(void **state)
{
	struct link_event ev;
	union msg m;
	struct nlmsghdr *nh;

	(void)state;
	/* No payload at all, then another attribute: its header is no name. */
	nh = link_msg(&m, RTM_NEWLINK, AF_UNSPEC, 5, IFF_UP, ARPHRD_ETHER);
	add_attr(nh, IFLA_IFNAME, NULL, 0);
	add_u32(nh, IFLA_MTU, 1500);
	assert_int_equal(parse_exact(nh, &ev), -1);

	/* The same as the last attribute. */
	nh = link_msg(&m, RTM_NEWLINK, AF_UNSPEC, 5, IFF_UP, ARPHRD_ETHER);
	add_u32(nh, IFLA_MTU, 1500);
	add_attr(nh, IFLA_IFNAME, NULL, 0);
	assert_int_equal(parse_exact(nh, &ev), -1);

	nh = link_msg(&m, RTM_DELLINK, AF_UNSPEC, 5, 0, ARPHRD_ETHER);
	add_attr(nh, IFLA_IFNAME, NULL, 0);
	add_u32(nh, IFLA_MTU, 1500);
	assert_int_equal(parse_exact(nh, &ev), -1);

	/* A NUL alone: a NEWLINK with an empty name has no name. */
	nh = kernel_link_msg(&m, RTM_NEWLINK, 5, IFF_UP, ARPHRD_ETHER, "");
	assert_int_equal(parse_exact(nh, &ev), -1);
}

static void parse_newlink_without_name(void **state)
{
	struct link_event ev;
	union msg m;
	struct nlmsghdr *nh;

	(void)state;
	nh = kernel_link_msg(&m, RTM_NEWLINK, 2, IFF_UP, ARPHRD_ETHER, NULL);
	assert_int_equal(parse_exact(nh, &ev), -1);

	nh = link_msg(&m, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, ARPHRD_ETHER);
	assert_int_equal(parse_exact(nh, &ev), -1);

	/* A name under another attribute type is not the name. */
	nh = link_msg(&m, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, ARPHRD_ETHER);
	add_attr(nh, IFLA_IFALIAS, "eth0", 5);
	add_attr(nh, IFLA_QDISC, "eth0", 5);
	assert_int_equal(parse_exact(nh, &ev), -1);
}

/* Attributes whose rta_len does not fit: the walk stops at them, never
 * reads past nlmsg_len (-fsanitize=address) and never loops. */
static void parse_attr_overrun(void **state)
{
	struct link_event ev;
	union msg m;
	struct nlmsghdr *nh;
	struct rtattr *rta;
	int rc;

	(void)state;
	/* The name itself claims 64 bytes in a message that ends first. */
	nh = link_msg(&m, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, ARPHRD_ETHER);
	add_u32(nh, IFLA_MTU, 1500);
	rta = add_attr(nh, IFLA_IFNAME, "eth0", 5);
	rta->rta_len = 64;
	assert_int_equal(parse_exact(nh, &ev), -1);

	/* One byte too long. */
	nh = link_msg(&m, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, ARPHRD_ETHER);
	rta = add_attr(nh, IFLA_IFNAME, "eth0\0\0\0", 8);
	nh->nlmsg_len -= 1;	/* the payload's last byte is cut off */
	rta->rta_len = RTA_LENGTH(8);
	assert_int_equal(parse_exact(nh, &ev), -1);

	/* A bogus attribute before the name hides it. */
	nh = link_msg(&m, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, ARPHRD_ETHER);
	rta = add_attr(nh, IFLA_MTU, "\0\0\0\0", 4);
	rta->rta_len = 0xffff;
	add_name(nh, "eth0");
	assert_int_equal(parse_exact(nh, &ev), -1);

	/* rta_len smaller than a header (0 would never advance). */
	for (unsigned short len = 0; len < sizeof(struct rtattr); len++) {
		nh = link_msg(&m, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP,
			      ARPHRD_ETHER);
		rta = add_attr(nh, IFLA_MTU, "\0\0\0\0", 4);
		rta->rta_len = len;
		add_name(nh, "eth0");
		if (parse_exact(nh, &ev) != -1)
			fail_msg("rta_len %u before the name accepted", len);
	}

	/* Two bytes of an attribute header at the end. */
	nh = link_msg(&m, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, ARPHRD_ETHER);
	add_name(nh, "eth0");
	nh->nlmsg_len += 2;
	m.raw[nh->nlmsg_len - 2] = 0xff;
	m.raw[nh->nlmsg_len - 1] = 0x00;
	poison(&ev);
	rc = parse_exact(nh, &ev);
	assert_true(rc == 0 || rc == -1);
	if (rc == 0)
		expect_event(&ev, false, 2, "eth0", true, false, false);

	/* A valid name, then an attribute running past the end. */
	nh = link_msg(&m, RTM_NEWLINK, AF_UNSPEC, 2, IFF_UP, ARPHRD_ETHER);
	add_name(nh, "eth0");
	rta = add_attr(nh, IFLA_MTU, "\0\0\0\0", 4);
	rta->rta_len = 200;
	poison(&ev);
	rc = parse_exact(nh, &ev);
	assert_true(rc == 0 || rc == -1);
	if (rc == 0)
		expect_event(&ev, false, 2, "eth0", true, false, false);

	/* A DELLINK whose name runs past the end. */
	nh = link_msg(&m, RTM_DELLINK, AF_UNSPEC, 2, 0, ARPHRD_ETHER);
	rta = add_attr(nh, IFLA_IFNAME, "eth0", 5);
	rta->rta_len = 40;
	poison(&ev);
	rc = parse_exact(nh, &ev);
	assert_true(rc == 0 || rc == -1);
	if (rc == 0)
		expect_event(&ev, true, 2, "", false, false, false);
}

/* IFLA_LINKINFO nests the kind; IFLA_MASTER names the bridge or bond. */
static void add_kind(struct nlmsghdr *nh, const char *kind)
{
	unsigned char nest[64] = { 0 };
	struct rtattr *inner = (struct rtattr *)nest;

	inner->rta_type = IFLA_INFO_KIND;
	inner->rta_len = RTA_LENGTH(strlen(kind) + 1);
	memcpy(RTA_DATA(inner), kind, strlen(kind) + 1);
	add_attr(nh, IFLA_LINKINFO, nest, RTA_ALIGN(inner->rta_len));
}

static void parse_kind_and_master(void **state)
{
	struct link_event ev;
	union msg m;
	struct nlmsghdr *nh;

	(void)state;
	nh = kernel_link_msg(&m, RTM_NEWLINK, 7, IFF_UP, ARPHRD_ETHER, "veth1");
	add_u32(nh, IFLA_MASTER, 5);
	add_kind(nh, "veth");
	poison(&ev);
	assert_int_equal(parse_exact(nh, &ev), 0);
	assert_string_equal(ev.iface.kind, "veth");
	assert_int_equal(ev.iface.master, 5);

	/* Hardware: no IFLA_LINKINFO, no master. */
	nh = kernel_link_msg(&m, RTM_NEWLINK, 2, IFF_UP, ARPHRD_ETHER, "eth0");
	poison(&ev);
	assert_int_equal(parse_exact(nh, &ev), 0);
	assert_string_equal(ev.iface.kind, "");
	assert_int_equal(ev.iface.master, 0);

	/* A kind longer than a name, a short master: refused, not cut. */
	nh = kernel_link_msg(&m, RTM_NEWLINK, 2, IFF_UP, ARPHRD_ETHER, "x0");
	add_kind(nh, "a-kind-of-twenty-chars");
	assert_int_equal(parse_exact(nh, &ev), -1);
	nh = kernel_link_msg(&m, RTM_NEWLINK, 2, IFF_UP, ARPHRD_ETHER, "x0");
	add_attr(nh, IFLA_MASTER, "\1\0", 2);
	assert_int_equal(parse_exact(nh, &ev), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_newlink_up),
		cmocka_unit_test(parse_newlink_down),
		cmocka_unit_test(parse_loopback),
		cmocka_unit_test(parse_link_types),
		cmocka_unit_test(parse_dellink),
		cmocka_unit_test(parse_not_link),
		cmocka_unit_test(parse_bridge_port_message),
		cmocka_unit_test(parse_too_short),
		cmocka_unit_test(parse_bad_index),
		cmocka_unit_test(parse_name_unterminated),
		cmocka_unit_test(parse_name_length),
		cmocka_unit_test(parse_name_empty),
		cmocka_unit_test(parse_newlink_without_name),
		cmocka_unit_test(parse_attr_overrun),
		cmocka_unit_test(parse_kind_and_master),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
