// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reaction time of the agent: from `ip link set TUN up|down` (here: the
 * SIOCSIFFLAGS ioctl) to the moment ksbpf_tunnels holds the new state. Run
 * inside the agent's network namespace:
 *   reaction BPFFS_DIR IFNAME ROUNDS [updown|recreate]
 * updown (the default): the tunnel (which must exist) goes down and up.
 * recreate: the tunnel device is deleted (RTM_DELLINK, as `ip link del`)
 * until its ifindex has left the map, then created again as a tun device
 * and set up until the map holds its new ifindex, as when a VPN client
 * restarts.
 * The kernel sends the netlink event during the call, so each figure is
 * timed twice: from the start of the call (an upper bound) and from its
 * return (often 0: the agent, on the other CPU, was done before the call
 * returned). Prints p50/p99/max in microseconds, one line per event kind.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sched.h>
#include <stdbool.h>
#include <time.h>
#include <unistd.h>

#include "ksbpf.h"

#define TIMEOUT_NS 2000000000ull

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static int set_up(int sock, const char *ifname, bool up)
{
	struct ifreq ifr = { 0 };

	strncpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name) - 1);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr))
		return -1;
	ifr.ifr_flags = up ? ifr.ifr_flags | IFF_UP : ifr.ifr_flags & ~IFF_UP;
	return ioctl(sock, SIOCSIFFLAGS, &ifr);
}

/*
 * Busy-waits until the tunnel's presence in the map is `want`. The event
 * is emitted during the call that started at `call` and returned at `ret`:
 * records the time from each to the map holding the new state.
 */
static int wait_for(int map, __u32 ifindex, bool want, unsigned long long call,
		    unsigned long long ret, long long *from_call,
		    long long *from_ret)
{
	struct ksbpf_tunnel value;
	unsigned long long t;

	do {
		t = now_ns();
		if ((bpf_map_lookup_elem(map, &ifindex, &value) == 0) == want) {
			*from_call = (long long)(t - call);
			*from_ret = (long long)(t - ret);
			return 0;
		}
		sched_yield();	/* 2 vCPUs: leave the agent its share */
	} while (t - ret < TIMEOUT_NS);
	return -1;
}

/* `ip link del IFNAME`: RTM_DELLINK, acknowledged once it is done. */
static int link_del(const char *ifname)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req = {
		.nh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = RTM_DELLINK,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
			.nlmsg_seq = 1,
		},
		.ifi = { .ifi_family = AF_UNSPEC },
	};
	char buf[512];
	struct nlmsgerr *err;
	ssize_t n;
	int fd;

	req.ifi.ifi_index = (int)if_nametoindex(ifname);
	if (!req.ifi.ifi_index)
		return -1;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -1;
	if (send(fd, &req, sizeof(req), 0) < 0 ||
	    (n = recv(fd, buf, sizeof(buf), 0)) < (ssize_t)(NLMSG_HDRLEN + sizeof(*err))) {
		close(fd);
		return -1;
	}
	close(fd);
	err = NLMSG_DATA((struct nlmsghdr *)buf);
	if (((struct nlmsghdr *)buf)->nlmsg_type != NLMSG_ERROR || err->error) {
		errno = err->error ? -err->error : EPROTO;
		return -1;
	}
	return 0;
}

/* `ip tuntap add dev IFNAME mode tun`: a persistent tun device. */
static int tun_create(const char *ifname)
{
	struct ifreq ifr = { 0 };
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	strncpy(ifr.ifr_name, ifname, sizeof(ifr.ifr_name) - 1);
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	if (ioctl(fd, TUNSETIFF, &ifr) || ioctl(fd, TUNSETPERSIST, 1)) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static void report(const char *what, long long *call, long long *ret, int n)
{
	qsort(call, (size_t)n, sizeof(*call), cmp);
	qsort(ret, (size_t)n, sizeof(*ret), cmp);
	printf("reaction %-8s n=%d p50=%.1fus p99=%.1fus max=%.1fus "
	       "(from the call; after it returned: p50=%.1fus p99=%.1fus max=%.1fus)\n",
	       what, n, call[n / 2] / 1e3, call[(n * 99) / 100] / 1e3,
	       call[n - 1] / 1e3, ret[n / 2] / 1e3, ret[(n * 99) / 100] / 1e3,
	       ret[n - 1] / 1e3);
}

int main(int argc, char **argv)
{
	char path[4096];
	long long *ns[4];	/* up/recreate: call, ret; down/delete: call, ret */
	unsigned long long call, ret;
	int rounds, map, sock;
	bool recreate = false;
	__u32 ifindex;

	if (argc == 5 && !strcmp(argv[4], "recreate"))
		recreate = true;
	else if (argc != 4 && !(argc == 5 && !strcmp(argv[4], "updown"))) {
		fprintf(stderr, "usage: %s BPFFS_DIR IFNAME ROUNDS [updown|recreate]\n",
			argv[0]);
		return 2;
	}
	rounds = atoi(argv[3]);
	snprintf(path, sizeof(path), "%s/ksbpf_tunnels", argv[1]);
	map = bpf_obj_get(path);
	ifindex = if_nametoindex(argv[2]);
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	for (int k = 0; k < 4; k++)
		ns[k] = rounds > 0 ? calloc((size_t)rounds, sizeof(long long)) : NULL;
	if (map < 0 || !ifindex || sock < 0 || rounds <= 0 || !ns[0] || !ns[1] ||
	    !ns[2] || !ns[3]) {
		fprintf(stderr, "reaction: setup: %s\n", strerror(errno));
		return 1;
	}
	/* Start from a tunnel that is up and in the map. */
	call = now_ns();
	if (set_up(sock, argv[2], true) ||
	    wait_for(map, ifindex, true, call, now_ns(), &ns[0][0], &ns[1][0])) {
		fprintf(stderr, "reaction: %s did not come up\n", argv[2]);
		return 1;
	}
	for (int i = 0; i < rounds; i++) {
		int late;

		if (recreate) {
			call = now_ns();
			if (link_del(argv[2]))
				return perror("RTM_DELLINK"), 1;
			ret = now_ns();
			late = wait_for(map, ifindex, false, call, ret, &ns[2][i], &ns[3][i]);
			if (tun_create(argv[2]))
				return perror("TUNSETIFF"), 1;
			ifindex = if_nametoindex(argv[2]);
			if (!ifindex)
				return perror("if_nametoindex"), 1;
		} else {
			call = now_ns();
			if (set_up(sock, argv[2], false))
				return perror("SIOCSIFFLAGS down"), 1;
			ret = now_ns();
			late = wait_for(map, ifindex, false, call, ret, &ns[2][i], &ns[3][i]);
		}
		call = now_ns();
		if (set_up(sock, argv[2], true))
			return perror("SIOCSIFFLAGS up"), 1;
		ret = now_ns();
		late |= wait_for(map, ifindex, true, call, ret, &ns[0][i], &ns[1][i]);
		if (late) {
			fprintf(stderr, "reaction: round %d: the map did not follow within 2 s\n", i);
			return 1;
		}
	}
	report(recreate ? "recreate" : "up", ns[0], ns[1], rounds);
	report(recreate ? "delete" : "down", ns[2], ns[3], rounds);
	return 0;
}
