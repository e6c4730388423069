// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "ifaces.h"

#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"

static int describe(int sock, unsigned int ifindex, const char *name,
		    struct iface *out)
{
	struct ifreq ifr = { 0 };

	memset(out, 0, sizeof(*out));
	out->ifindex = ifindex;
	strncpy(out->name, name, sizeof(out->name) - 1);
	strncpy(ifr.ifr_name, name, sizeof(ifr.ifr_name) - 1);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr))
		return -1;
	out->up = ifr.ifr_flags & IFF_UP;
	out->loopback = ifr.ifr_flags & IFF_LOOPBACK;
	if (ioctl(sock, SIOCGIFHWADDR, &ifr))
		return -1;
	/* TC sees an Ethernet header only on these; tun, ppp, wireguard and
	 * raw-IP modems hand it the IP header directly. */
	out->raw_ip = ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER &&
		      ifr.ifr_hwaddr.sa_family != ARPHRD_LOOPBACK;
	return 0;
}

int ifaces_list(struct iface **out, size_t *n, char *err)
{
	struct if_nameindex *names = if_nameindex(), *ni;
	struct iface *list;
	size_t count = 0;
	int sock;

	if (!names)
		return errf(err, "if_nameindex: %s", strerror(errno));
	for (ni = names; ni->if_index; ni++)
		count++;
	list = calloc(count + 1, sizeof(*list));
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (!list || sock < 0) {
		errf(err, "interface list: %s", strerror(errno));
		free(list);
		if_freenameindex(names);
		if (sock >= 0)
			close(sock);
		return -1;
	}
	*n = 0;
	/* An interface that vanishes meanwhile is simply not listed. */
	for (ni = names; ni->if_index; ni++)
		if (!describe(sock, ni->if_index, ni->if_name, &list[*n]))
			(*n)++;
	close(sock);
	if_freenameindex(names);
	*out = list;
	return 0;
}

int iface_get(unsigned int ifindex, struct iface *out)
{
	char name[IF_NAMESIZE];
	int sock, ret;

	if (!if_indextoname(ifindex, name))
		return -1;
	sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -1;
	ret = describe(sock, ifindex, name, out);
	close(sock);
	return ret;
}
