// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "link_event.h"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/socket.h>
#include <string.h>

/* A NUL-terminated string attribute that fits in KSBPF_IFNAME_LEN. */
static int parse_name(const struct rtattr *rta, char *name)
{
	size_t len = RTA_PAYLOAD(rta);
	const char *data = RTA_DATA(rta);

	if (len == 0 || len > KSBPF_IFNAME_LEN || !memchr(data, '\0', len))
		return -1;
	memcpy(name, data, strlen(data) + 1);
	return 0;
}

static int parse_u32(const struct rtattr *rta, unsigned int *out)
{
	if (RTA_PAYLOAD(rta) < sizeof(__u32))
		return -1;
	memcpy(out, RTA_DATA(rta), sizeof(__u32));
	return 0;
}

/* IFLA_LINKINFO nests the kind ("bridge", "veth", ...); hardware has none. */
static int parse_kind(const struct rtattr *info, char *kind)
{
	int len = (int)RTA_PAYLOAD(info);
	const struct rtattr *rta;

	for (rta = RTA_DATA(info); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == IFLA_INFO_KIND)
			return parse_name(rta, kind);
	return 0;
}

static int parse_attr(const struct rtattr *rta, struct iface *ifc)
{
	switch (rta->rta_type) {
	case IFLA_IFNAME:
		return parse_name(rta, ifc->name);
	case IFLA_MASTER:
		return parse_u32(rta, &ifc->master);
	case IFLA_LINKINFO:
		return parse_kind(rta, ifc->kind);
	default:
		return 0;
	}
}

int link_event_parse(const struct nlmsghdr *nh, struct link_event *ev)
{
	const struct ifinfomsg *ifi;
	const struct rtattr *rta;
	int len;

	if (nh->nlmsg_type != RTM_NEWLINK && nh->nlmsg_type != RTM_DELLINK)
		return 1;
	if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return -1;
	ifi = NLMSG_DATA(nh);
	/* AF_BRIDGE messages are about bridge ports, not links: a port
	 * leaving its bridge comes as an RTM_DELLINK, and the port stays. */
	if (ifi->ifi_family != AF_UNSPEC)
		return 1;
	if (ifi->ifi_index <= 0)
		return -1;
	memset(ev, 0, sizeof(*ev));
	ev->deleted = nh->nlmsg_type == RTM_DELLINK;
	ev->iface.ifindex = (unsigned int)ifi->ifi_index;
	ev->iface.up = ifi->ifi_flags & IFF_UP;
	ev->iface.loopback = ifi->ifi_flags & IFF_LOOPBACK;
	ev->iface.raw_ip = ifi->ifi_type != ARPHRD_ETHER &&
			   ifi->ifi_type != ARPHRD_LOOPBACK;
	len = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
	for (rta = IFLA_RTA(ifi); RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (parse_attr(rta, &ev->iface))
			return -1;
	/* A new or changed link always carries its name. */
	if (!ev->deleted && !ev->iface.name[0])
		return -1;
	return 0;
}
