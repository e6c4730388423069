// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reaction time of the agent: from the moment `ip link set TUN up|down`
 * returns (here: the SIOCSIFFLAGS ioctl) to the moment ksbpf_tunnels holds
 * the new state. Run inside the agent's network namespace:
 *   reaction BPFFS_DIR IFNAME ROUNDS
 * Prints p50/p99/max in microseconds for up and for down, one line each.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sched.h>
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

/* Busy-waits until the tunnel's presence in the map is `want`. */
static long long wait_for(int map, __u32 ifindex, bool want)
{
	unsigned long long start = now_ns(), t;
	struct ksbpf_tunnel value;

	do {
		t = now_ns();
		if ((bpf_map_lookup_elem(map, &ifindex, &value) == 0) == want)
			return (long long)(t - start);
		sched_yield();	/* 2 vCPUs: leave the agent its share */
	} while (t - start < TIMEOUT_NS);
	return -1;
}

static int cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static void report(const char *what, long long *ns, int n)
{
	qsort(ns, (size_t)n, sizeof(*ns), cmp);
	printf("reaction %-4s n=%d p50=%.1fus p99=%.1fus max=%.1fus\n", what, n,
	       ns[n / 2] / 1e3, ns[(n * 99) / 100] / 1e3, ns[n - 1] / 1e3);
}

int main(int argc, char **argv)
{
	char path[4096];
	long long *up_ns, *down_ns;
	int rounds, map, sock;
	__u32 ifindex;

	if (argc != 4) {
		fprintf(stderr, "usage: %s BPFFS_DIR IFNAME ROUNDS\n", argv[0]);
		return 2;
	}
	rounds = atoi(argv[3]);
	snprintf(path, sizeof(path), "%s/ksbpf_tunnels", argv[1]);
	map = bpf_obj_get(path);
	ifindex = if_nametoindex(argv[2]);
	sock = socket(AF_INET, SOCK_DGRAM, 0);
	up_ns = calloc((size_t)rounds, sizeof(*up_ns));
	down_ns = calloc((size_t)rounds, sizeof(*down_ns));
	if (map < 0 || !ifindex || sock < 0 || rounds <= 0 || !up_ns || !down_ns) {
		fprintf(stderr, "reaction: setup: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < rounds; i++) {
		if (set_up(sock, argv[2], true))
			return perror("SIOCSIFFLAGS up"), 1;
		up_ns[i] = wait_for(map, ifindex, true);
		if (set_up(sock, argv[2], false))
			return perror("SIOCSIFFLAGS down"), 1;
		down_ns[i] = wait_for(map, ifindex, false);
		if (up_ns[i] < 0 || down_ns[i] < 0) {
			fprintf(stderr, "reaction: round %d: the map did not follow within 2 s\n", i);
			return 1;
		}
	}
	report("up", up_ns, rounds);
	report("down", down_ns, rounds);
	return 0;
}
