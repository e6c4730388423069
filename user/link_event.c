// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "link_event.h"

#include <net/if_arp.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <string.h>

static int parse_name(const struct rtattr *rta, char *name)
{
	size_t len = RTA_PAYLOAD(rta);
	const char *data = RTA_DATA(rta);

	if (len == 0 || len > KSBPF_IFNAME_LEN || !memchr(data, '\0', len))
		return -1;
	memcpy(name, data, strlen(data) + 1);
	return 0;
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
		if (rta->rta_type == IFLA_IFNAME && parse_name(rta, ev->iface.name))
			return -1;
	/* A new or changed link always carries its name. */
	if (!ev->deleted && !ev->iface.name[0])
		return -1;
	return 0;
}

int link_event_apply(const struct link_actions *act, void *ctx,
		     const struct link_event *ev)
{
	const struct iface *ifc = &ev->iface;
	int ret = 0;

	if (ev->deleted) {
		act->clear_tunnel(ctx, ifc->ifindex);
		act->forget_uplink(ctx, ifc->ifindex);
		return 0;
	}
	if (ifc->loopback)
		return 0;
	if (!act->is_tunnel_name(ctx, ifc->name)) {
		/* Renamed away from a tunnel name, or any other interface. It
		 * leaves the tunnel set even if the attach failed: fail closed. */
		ret = act->attach_uplink(ctx, ifc);
		act->clear_tunnel(ctx, ifc->ifindex);
		return ret;
	}
	/* Down: the tunnel no longer carries traffic. Only an admin-up one
	 * does; carrier comes up to a second late and is not waited for. */
	if (ifc->up) {
		ret = act->set_tunnel(ctx, ifc);
		if (ret)
			return ret;	/* still guarded by its TC program */
	} else {
		act->clear_tunnel(ctx, ifc->ifindex);
	}
	act->forget_uplink(ctx, ifc->ifindex);
	return 0;
}
