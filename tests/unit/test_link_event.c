// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for user/link_event.c: rtnetlink link messages built byte for
 * byte as the kernel sends them (nlmsghdr, ifinfomsg, padded rtattrs), then
 * what link_event_apply asks of a mock that records its calls in order and
 * models the tunnel and uplink sets. Every message is parsed from a heap copy
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

/* ------------------------------------------------------------- mock -- */

#define LOG_MAX 16
#define MAX_IF 64

struct mock {
	const char *pattern;	/* fnmatch pattern of tunnel names */
	int attach_ret;		/* what attach_uplink returns */
	int set_ret;		/* what set_tunnel returns */
	char log[LOG_MAX][48];
	int n;
	/* The model: what the maps and TC attachments would hold. */
	bool tunnel[MAX_IF];
	char tunnel_name[MAX_IF][KSBPF_IFNAME_LEN];
	bool uplink[MAX_IF];
	bool uplink_raw[MAX_IF];
	char asked[KSBPF_IFNAME_LEN];	/* last name given to is_tunnel_name */
};

static void mock_init(struct mock *m, const char *pattern)
{
	memset(m, 0, sizeof(*m));
	m->pattern = pattern;
}

static void mock_log(struct mock *m, const char *what, unsigned int ifindex)
{
	if (m->n >= LOG_MAX)
		fail_msg("more than %d actions for one event", LOG_MAX);
	snprintf(m->log[m->n++], sizeof(m->log[0]), "%s %u", what, ifindex);
}

static void check_ifindex(unsigned int ifindex)
{
	if (ifindex == 0 || ifindex >= MAX_IF)
		fail_msg("action on ifindex %u", ifindex);
}

static bool mock_is_tunnel_name(void *ctx, const char *ifname)
{
	struct mock *m = ctx;

	snprintf(m->asked, sizeof(m->asked), "%s", ifname);
	return fnmatch(m->pattern, ifname, 0) == 0;
}

static int mock_set_tunnel(void *ctx, const struct iface *ifc)
{
	struct mock *m = ctx;

	check_ifindex(ifc->ifindex);
	mock_log(m, "set_tunnel", ifc->ifindex);
	if (m->set_ret)
		return m->set_ret;
	m->tunnel[ifc->ifindex] = true;
	memcpy(m->tunnel_name[ifc->ifindex], ifc->name, KSBPF_IFNAME_LEN);
	return 0;
}

static void mock_clear_tunnel(void *ctx, unsigned int ifindex)
{
	struct mock *m = ctx;

	check_ifindex(ifindex);
	mock_log(m, "clear_tunnel", ifindex);
	m->tunnel[ifindex] = false;
}

static int mock_attach_uplink(void *ctx, const struct iface *ifc)
{
	struct mock *m = ctx;

	check_ifindex(ifc->ifindex);
	mock_log(m, "attach_uplink", ifc->ifindex);
	if (m->attach_ret)
		return m->attach_ret;
	m->uplink[ifc->ifindex] = true;
	m->uplink_raw[ifc->ifindex] = ifc->raw_ip;
	return 0;
}

static void mock_forget_uplink(void *ctx, unsigned int ifindex)
{
	struct mock *m = ctx;

	check_ifindex(ifindex);
	mock_log(m, "forget_uplink", ifindex);
	m->uplink[ifindex] = false;
}

static const struct link_actions mock_actions = {
	.is_tunnel_name = mock_is_tunnel_name,
	.set_tunnel = mock_set_tunnel,
	.clear_tunnel = mock_clear_tunnel,
	.attach_uplink = mock_attach_uplink,
	.forget_uplink = mock_forget_uplink,
};

/* The calls since the last reset, exactly and in order; want ends in NULL. */
static void expect_log(const struct mock *m, const char *const *want)
{
	char got[LOG_MAX * 50] = "", exp[LOG_MAX * 50] = "";
	int n = 0;

	for (int i = 0; i < m->n; i++) {
		strcat(got, i ? ", " : "");
		strcat(got, m->log[i]);
	}
	for (; want[n]; n++) {
		strcat(exp, n ? ", " : "");
		strcat(exp, want[n]);
	}
	if (n != m->n || strcmp(got, exp))
		fail_msg("actions [%s], want [%s]", got, exp);
}

#define EXPECT_LOG(m, ...) expect_log(m, (const char *const[]){ __VA_ARGS__, NULL })
#define EXPECT_NO_CALL(m) expect_log(m, (const char *const[]){ NULL })

/* The same calls in any order (removals among themselves). */
static void expect_log_unordered(const struct mock *m, const char *a,
				 const char *b)
{
	if (m->n != 2 || !((!strcmp(m->log[0], a) && !strcmp(m->log[1], b)) ||
			   (!strcmp(m->log[0], b) && !strcmp(m->log[1], a))))
		fail_msg("actions [%s%s%s], want %s and %s",
			 m->n > 0 ? m->log[0] : "", m->n > 1 ? ", " : "",
			 m->n > 1 ? m->log[1] : "", a, b);
}

static struct link_event event(bool deleted, unsigned int ifindex,
			       const char *name, bool up, bool loopback,
			       bool raw_ip)
{
	struct link_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.deleted = deleted;
	ev.iface.ifindex = ifindex;
	strcpy(ev.iface.name, name);
	ev.iface.up = up;
	ev.iface.loopback = loopback;
	ev.iface.raw_ip = raw_ip;
	return ev;
}

static int apply(struct mock *m, const struct link_event *ev)
{
	m->n = 0;
	return link_event_apply(&mock_actions, m, ev);
}

/* From message to actions: builds the kernel's message, parses it, applies
 * it. AF_UNSPEC, as rtnl_fill_ifinfo sends. */
static int feed(struct mock *m, unsigned short type, int ifindex,
		unsigned int flags, unsigned short arphrd, const char *name)
{
	struct link_event ev;
	union msg msg;
	struct nlmsghdr *nh = kernel_link_msg(&msg, type, ifindex, flags, arphrd,
					      name);

	poison(&ev);
	if (parse_exact(nh, &ev) != 0)
		fail_msg("message for %s (%d) not parsed", name ? name : "?",
			 ifindex);
	return apply(m, &ev);
}

#define WG_UP (IFF_UP | IFF_POINTOPOINT | IFF_NOARP | IFF_RUNNING)
#define WG_DOWN (IFF_POINTOPOINT | IFF_NOARP)
#define ETH_UP (IFF_UP | IFF_BROADCAST | IFF_MULTICAST | IFF_RUNNING)
#define ETH_DOWN (IFF_BROADCAST | IFF_MULTICAST)

/* ------------------------------------------------------------ apply -- */

static void apply_new_uplink(void **state)
{
	struct mock m;
	struct link_event ev;

	(void)state;
	mock_init(&m, "wg*");
	ev = event(false, 2, "eth0", true, false, false);
	assert_int_equal(apply(&m, &ev), 0);
	/* The addition before the removal. */
	EXPECT_LOG(&m, "attach_uplink 2", "clear_tunnel 2");
	assert_string_equal(m.asked, "eth0");
	assert_true(m.uplink[2]);
	assert_false(m.uplink_raw[2]);

	/* Guarded whatever its admin state: down now, up any moment. */
	ev = event(false, 3, "eth1", false, false, false);
	assert_int_equal(apply(&m, &ev), 0);
	EXPECT_LOG(&m, "attach_uplink 3", "clear_tunnel 3");

	/* A raw-IP uplink from a real message: the iface reaches the action. */
	assert_int_equal(feed(&m, RTM_NEWLINK, 4, IFF_UP | IFF_POINTOPOINT |
			      IFF_NOARP, ARPHRD_PPP, "ppp0"), 0);
	EXPECT_LOG(&m, "attach_uplink 4", "clear_tunnel 4");
	assert_true(m.uplink[4]);
	assert_true(m.uplink_raw[4]);
	assert_false(m.tunnel[2] || m.tunnel[3] || m.tunnel[4]);
}

static void apply_tunnel_up(void **state)
{
	struct mock m;
	struct link_event ev;

	(void)state;
	mock_init(&m, "wg*");
	ev = event(false, 7, "wg0", true, false, true);
	assert_int_equal(apply(&m, &ev), 0);
	EXPECT_LOG(&m, "set_tunnel 7", "forget_uplink 7");
	assert_string_equal(m.asked, "wg0");
	assert_true(m.tunnel[7]);
	assert_string_equal(m.tunnel_name[7], "wg0");
	assert_false(m.uplink[7]);

	/* From a message, another pattern. */
	mock_init(&m, "tun[0-9]");
	assert_int_equal(feed(&m, RTM_NEWLINK, 8, WG_UP, ARPHRD_NONE, "tun3"), 0);
	EXPECT_LOG(&m, "set_tunnel 8", "forget_uplink 8");
	assert_true(m.tunnel[8]);
	assert_string_equal(m.tunnel_name[8], "tun3");
}

static void apply_tunnel_down(void **state)
{
	struct mock m;
	struct link_event ev;

	(void)state;
	mock_init(&m, "wg*");
	ev = event(false, 7, "wg0", true, false, true);
	assert_int_equal(apply(&m, &ev), 0);
	ev = event(false, 7, "wg0", false, false, true);
	assert_int_equal(apply(&m, &ev), 0);
	EXPECT_LOG(&m, "clear_tunnel 7", "forget_uplink 7");
	assert_false(m.tunnel[7]);
	assert_false(m.uplink[7]);

	/* Running (carrier) but admin-down is down. */
	assert_int_equal(feed(&m, RTM_NEWLINK, 7, WG_UP, ARPHRD_NONE, "wg0"), 0);
	assert_true(m.tunnel[7]);
	assert_int_equal(feed(&m, RTM_NEWLINK, 7, WG_DOWN | IFF_RUNNING,
			      ARPHRD_NONE, "wg0"), 0);
	EXPECT_LOG(&m, "clear_tunnel 7", "forget_uplink 7");
	assert_false(m.tunnel[7]);
}

static void apply_deleted(void **state)
{
	struct mock m;
	struct link_event ev;

	(void)state;
	mock_init(&m, "wg*");
	/* A tunnel deleted. */
	ev = event(false, 7, "wg0", true, false, true);
	assert_int_equal(apply(&m, &ev), 0);
	ev = event(true, 7, "wg0", false, false, true);
	assert_int_equal(apply(&m, &ev), 0);
	expect_log_unordered(&m, "clear_tunnel 7", "forget_uplink 7");
	assert_false(m.tunnel[7]);

	/* An uplink moved to another netns: RTM_DELLINK, still up. */
	assert_int_equal(feed(&m, RTM_NEWLINK, 2, ETH_UP, ARPHRD_ETHER, "eth0"), 0);
	assert_true(m.uplink[2]);
	assert_int_equal(feed(&m, RTM_DELLINK, 2, ETH_UP, ARPHRD_ETHER, "eth0"), 0);
	expect_log_unordered(&m, "clear_tunnel 2", "forget_uplink 2");
	assert_false(m.uplink[2]);

	/* Without a name: the ifindex is enough. */
	assert_int_equal(feed(&m, RTM_NEWLINK, 9, ETH_UP, ARPHRD_ETHER, "veth9"), 0);
	assert_int_equal(feed(&m, RTM_DELLINK, 9, 0, ARPHRD_ETHER, NULL), 0);
	expect_log_unordered(&m, "clear_tunnel 9", "forget_uplink 9");
	assert_false(m.uplink[9]);

	/* A deleted interface whose name matches nothing, or a tunnel name
	 * on an uplink's old ifindex: the name does not matter. */
	ev = event(true, 11, "wg5", true, false, false);
	assert_int_equal(apply(&m, &ev), 0);
	expect_log_unordered(&m, "clear_tunnel 11", "forget_uplink 11");
}

static void apply_loopback(void **state)
{
	/* Even when every name is a tunnel name, or none is. */
	static const char *const patterns[] = { "*", "nothing" };
	struct mock m;
	struct link_event ev;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		mock_init(&m, patterns[i]);
		ev = event(false, 1, "lo", true, true, false);
		assert_int_equal(apply(&m, &ev), 0);
		EXPECT_NO_CALL(&m);
		ev = event(false, 1, "lo", false, true, false);
		assert_int_equal(apply(&m, &ev), 0);
		EXPECT_NO_CALL(&m);
		assert_int_equal(feed(&m, RTM_NEWLINK, 1, IFF_UP | IFF_LOOPBACK |
				      IFF_RUNNING, ARPHRD_LOOPBACK, "lo"), 0);
		EXPECT_NO_CALL(&m);
	}
}

static void apply_rename_tunnel_to_uplink(void **state)
{
	struct mock m;

	(void)state;
	mock_init(&m, "wg*");
	assert_int_equal(feed(&m, RTM_NEWLINK, 7, WG_UP, ARPHRD_NONE, "wg0"), 0);
	assert_true(m.tunnel[7]);
	/* `ip link set wg0 name eth5`: a NEWLINK, same ifindex, new name. */
	assert_int_equal(feed(&m, RTM_NEWLINK, 7, WG_UP, ARPHRD_NONE, "eth5"), 0);
	EXPECT_LOG(&m, "attach_uplink 7", "clear_tunnel 7");
	assert_string_equal(m.asked, "eth5");
	assert_true(m.uplink[7]);
	assert_true(m.uplink_raw[7]);
	assert_false(m.tunnel[7]);

	/* Renamed while down (a link can only be renamed when down). */
	assert_int_equal(feed(&m, RTM_NEWLINK, 8, WG_UP, ARPHRD_NONE, "wg1"), 0);
	assert_int_equal(feed(&m, RTM_NEWLINK, 8, WG_DOWN, ARPHRD_NONE, "wg1"), 0);
	assert_int_equal(feed(&m, RTM_NEWLINK, 8, WG_DOWN, ARPHRD_NONE, "eth8"), 0);
	EXPECT_LOG(&m, "attach_uplink 8", "clear_tunnel 8");
	assert_true(m.uplink[8]);
	assert_false(m.tunnel[8]);
}

static void apply_rename_uplink_to_tunnel(void **state)
{
	struct mock m;

	(void)state;
	mock_init(&m, "wg*");
	assert_int_equal(feed(&m, RTM_NEWLINK, 7, ETH_UP, ARPHRD_ETHER, "eth5"), 0);
	EXPECT_LOG(&m, "attach_uplink 7", "clear_tunnel 7");
	assert_true(m.uplink[7]);
	/* Renamed to wg1 and up: a tunnel, no longer an uplink. */
	assert_int_equal(feed(&m, RTM_NEWLINK, 7, ETH_UP, ARPHRD_ETHER, "wg1"), 0);
	EXPECT_LOG(&m, "set_tunnel 7", "forget_uplink 7");
	assert_string_equal(m.asked, "wg1");
	assert_true(m.tunnel[7]);
	assert_string_equal(m.tunnel_name[7], "wg1");
	assert_false(m.uplink[7]);

	/* Renamed to wg2 while down: neither (no traffic leaves it). */
	assert_int_equal(feed(&m, RTM_NEWLINK, 9, ETH_DOWN, ARPHRD_ETHER, "eth9"), 0);
	assert_int_equal(feed(&m, RTM_NEWLINK, 9, ETH_DOWN, ARPHRD_ETHER, "wg2"), 0);
	EXPECT_LOG(&m, "clear_tunnel 9", "forget_uplink 9");
	assert_false(m.tunnel[9]);
	assert_false(m.uplink[9]);
}

static void apply_attach_failure(void **state)
{
	struct mock m;
	struct link_event ev;

	(void)state;
	mock_init(&m, "wg*");
	m.attach_ret = -7;
	ev = event(false, 2, "eth0", true, false, false);
	assert_int_equal(apply(&m, &ev), -7);
	assert_true(m.n >= 1);
	assert_string_equal(m.log[0], "attach_uplink 2");
	assert_false(m.uplink[2]);

	m.attach_ret = -1;
	assert_int_equal(feed(&m, RTM_NEWLINK, 3, ETH_UP, ARPHRD_ETHER, "eth1"), -1);
	assert_string_equal(m.log[0], "attach_uplink 3");

	/* Success again afterwards: 0, not a stale error. */
	m.attach_ret = 0;
	assert_int_equal(feed(&m, RTM_NEWLINK, 3, ETH_UP, ARPHRD_ETHER, "eth1"), 0);
	assert_true(m.uplink[3]);
}

static void apply_set_tunnel_failure(void **state)
{
	struct mock m;
	struct link_event ev;

	(void)state;
	mock_init(&m, "wg*");
	m.set_ret = -28;
	ev = event(false, 7, "wg0", true, false, true);
	assert_int_equal(apply(&m, &ev), -28);
	assert_true(m.n >= 1);
	assert_string_equal(m.log[0], "set_tunnel 7");
	assert_false(m.tunnel[7]);

	m.set_ret = 0;
	assert_int_equal(apply(&m, &ev), 0);
	EXPECT_LOG(&m, "set_tunnel 7", "forget_uplink 7");
	assert_true(m.tunnel[7]);
}

/* link_event.h: "an interface that changes role is a tunnel, guarded, or
 * both at every moment". That must hold when the addition fails too: the
 * removal that would follow it is not made (as guard_reconcile stops before
 * its removals). */
static void apply_failed_addition_keeps_role(void **state)
{
	struct mock m;

	(void)state;
	/* eth5 -> wg1 while up, and the tunnel map refuses it (full). The
	 * uplink's TC program must stay: it is what blocks wg1 now. */
	mock_init(&m, "wg*");
	assert_int_equal(feed(&m, RTM_NEWLINK, 7, ETH_UP, ARPHRD_ETHER, "eth5"), 0);
	m.set_ret = -28;
	assert_int_equal(feed(&m, RTM_NEWLINK, 7, ETH_UP, ARPHRD_ETHER, "wg1"), -28);
	assert_string_equal(m.log[0], "set_tunnel 7");
	if (!m.tunnel[7] && !m.uplink[7])
		fail_msg("set_tunnel failed, and wg1 was forgotten as an uplink "
			 "anyway: neither a tunnel nor guarded");

	/* wg0 -> eth5 while up, and the TC attach fails. Keeping eth5 in
	 * the tunnel set would let everything through it: it leaves the set
	 * anyway (local sockets stay blocked by the cgroup program) and the
	 * error makes the agent resync, which retries the attach. */
	mock_init(&m, "wg*");
	assert_int_equal(feed(&m, RTM_NEWLINK, 8, WG_UP, ARPHRD_NONE, "wg0"), 0);
	m.attach_ret = -1;
	assert_int_equal(feed(&m, RTM_NEWLINK, 8, WG_UP, ARPHRD_NONE, "eth5"), -1);
	EXPECT_LOG(&m, "attach_uplink 8", "clear_tunnel 8");
	assert_false(m.tunnel[8]);
}

/* wg-quick down && wg-quick up: the tunnel comes back with a new ifindex. */
static void apply_tunnel_recreated(void **state)
{
	struct mock m;

	(void)state;
	mock_init(&m, "wg*");
	assert_int_equal(feed(&m, RTM_NEWLINK, 2, ETH_UP, ARPHRD_ETHER, "eth0"), 0);
	/* Created down, then brought up. */
	assert_int_equal(feed(&m, RTM_NEWLINK, 7, WG_DOWN, ARPHRD_NONE, "wg0"), 0);
	EXPECT_LOG(&m, "clear_tunnel 7", "forget_uplink 7");
	assert_int_equal(feed(&m, RTM_NEWLINK, 7, WG_UP, ARPHRD_NONE, "wg0"), 0);
	EXPECT_LOG(&m, "set_tunnel 7", "forget_uplink 7");
	/* Down, deleted. */
	assert_int_equal(feed(&m, RTM_NEWLINK, 7, WG_DOWN, ARPHRD_NONE, "wg0"), 0);
	assert_int_equal(feed(&m, RTM_DELLINK, 7, WG_DOWN, ARPHRD_NONE, "wg0"), 0);
	expect_log_unordered(&m, "clear_tunnel 7", "forget_uplink 7");
	/* Recreated as 9. */
	assert_int_equal(feed(&m, RTM_NEWLINK, 9, WG_DOWN, ARPHRD_NONE, "wg0"), 0);
	assert_int_equal(feed(&m, RTM_NEWLINK, 9, WG_UP, ARPHRD_NONE, "wg0"), 0);
	EXPECT_LOG(&m, "set_tunnel 9", "forget_uplink 9");

	assert_false(m.tunnel[7]);
	assert_false(m.uplink[7]);
	assert_true(m.tunnel[9]);
	assert_string_equal(m.tunnel_name[9], "wg0");
	assert_false(m.uplink[9]);
	assert_true(m.uplink[2]);
	assert_false(m.tunnel[2]);

	/* Deleted while up (no down message first), recreated as 10. */
	assert_int_equal(feed(&m, RTM_DELLINK, 9, WG_UP, ARPHRD_NONE, "wg0"), 0);
	assert_false(m.tunnel[9]);
	assert_int_equal(feed(&m, RTM_NEWLINK, 10, WG_UP, ARPHRD_NONE, "wg0"), 0);
	assert_true(m.tunnel[10]);
	for (unsigned int i = 1; i < MAX_IF; i++)
		if (m.tunnel[i] != (i == 10))
			fail_msg("tunnel set holds %u: %d", i, m.tunnel[i]);
}

/* 200 rounds of flapping tunnels and uplinks, through messages: the final
 * sets are what the last message of each interface says. */
static void apply_many_flaps(void **state)
{
	struct mock m;

	(void)state;
	mock_init(&m, "wg*");
	for (int i = 0; i < 200; i++) {
		bool wg0_up = i % 2 == 1;	/* last round: up */
		bool wg1_up = i % 3 == 0;	/* last round (199): down */
		bool eth0_up = i % 2 == 0;	/* last round: down */

		assert_int_equal(feed(&m, RTM_NEWLINK, 7,
				      wg0_up ? WG_UP : WG_DOWN, ARPHRD_NONE,
				      "wg0"), 0);
		assert_int_equal(m.tunnel[7], wg0_up);
		assert_int_equal(feed(&m, RTM_NEWLINK, 8,
				      wg1_up ? WG_UP : WG_DOWN, ARPHRD_NONE,
				      "wg1"), 0);
		assert_int_equal(m.tunnel[8], wg1_up);
		assert_int_equal(feed(&m, RTM_NEWLINK, 2,
				      eth0_up ? ETH_UP : ETH_DOWN, ARPHRD_ETHER,
				      "eth0"), 0);
		/* A veth that comes and goes. */
		if (i % 4 == 0)
			assert_int_equal(feed(&m, RTM_NEWLINK, 20 + i % 40, ETH_UP,
					      ARPHRD_ETHER, "veth0"), 0);
		else if (i % 4 == 1)
			assert_int_equal(feed(&m, RTM_DELLINK, 20 + (i - 1) % 40,
					      ETH_UP, ARPHRD_ETHER, "veth0"), 0);
		/* A tunnel that is renamed back and forth, always up. */
		assert_int_equal(feed(&m, RTM_NEWLINK, 12, WG_UP, ARPHRD_NONE,
				      i % 2 ? "wg9" : "vpn9"), 0);
	}
	for (unsigned int i = 1; i < MAX_IF; i++) {
		bool tunnel = i == 7 || i == 12;	/* wg0 up, wg9 up */
		/* eth0, even when down; every veth was deleted again. */
		bool uplink = i == 2;

		if (m.tunnel[i] != tunnel)
			fail_msg("ifindex %u: tunnel %d, want %d", i, m.tunnel[i],
				 tunnel);
		if (m.uplink[i] != uplink)
			fail_msg("ifindex %u: uplink %d, want %d", i, m.uplink[i],
				 uplink);
	}
	assert_string_equal(m.tunnel_name[12], "wg9");
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
		cmocka_unit_test(apply_new_uplink),
		cmocka_unit_test(apply_tunnel_up),
		cmocka_unit_test(apply_tunnel_down),
		cmocka_unit_test(apply_deleted),
		cmocka_unit_test(apply_loopback),
		cmocka_unit_test(apply_rename_tunnel_to_uplink),
		cmocka_unit_test(apply_rename_uplink_to_tunnel),
		cmocka_unit_test(apply_attach_failure),
		cmocka_unit_test(apply_set_tunnel_failure),
		cmocka_unit_test(apply_failed_addition_keeps_role),
		cmocka_unit_test(apply_tunnel_recreated),
		cmocka_unit_test(apply_many_flaps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
