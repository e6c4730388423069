// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Attaches the empty programs of tests/bench/empty.bpf.c where ksbpf
 * attaches its own, the same way (a cgroup_skb egress link on a cgroup, a
 * TCX egress link on an uplink), for as long as it runs: the end-to-end
 * benchmark's "empty" variant, the cost of the hooks themselves with a
 * program that does nothing.
 *
 *   emptyattach OBJ CGROUP_DIR IFNAME SECONDS
 *
 * Prints "attached" once both links are in place, then waits for SIGTERM
 * or SECONDS (at most 3600). The links are not pinned: they go when this
 * process exits, however it exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define TCX_EGRESS 47	/* BPF_TCX_EGRESS; Debian 12's headers predate it */

static void on_term(int sig)
{
	(void)sig;
	_exit(0);
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *cg, *tc;
	int seconds, cg_fd, ifindex, cg_link, tc_link;

	if (argc != 5) {
		fprintf(stderr, "usage: emptyattach OBJ CGROUP_DIR IFNAME SECONDS\n");
		return 2;
	}
	seconds = atoi(argv[4]);
	ifindex = (int)if_nametoindex(argv[3]);
	if (seconds < 1 || seconds > 3600 || !ifindex) {
		fprintf(stderr, "emptyattach: bad seconds or no interface %s\n", argv[3]);
		return 2;
	}
	libbpf_set_print(NULL);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "emptyattach: cannot load %s\n", argv[1]);
		return 1;
	}
	cg = bpf_object__find_program_by_name(obj, "empty_cg_egress");
	tc = bpf_object__find_program_by_name(obj, "empty_tc_egress");
	cg_fd = open(argv[2], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!cg || !tc || cg_fd < 0) {
		fprintf(stderr, "emptyattach: no programs or no cgroup %s\n", argv[2]);
		return 1;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	cg_link = bpf_link_create(bpf_program__fd(cg), cg_fd, BPF_CGROUP_INET_EGRESS, NULL);
	tc_link = bpf_link_create(bpf_program__fd(tc), ifindex, TCX_EGRESS, NULL);
	if (cg_link < 0 || tc_link < 0) {
		fprintf(stderr, "emptyattach: bpf_link_create: %s\n", strerror(errno));
		return 1;
	}
	printf("attached\n");
	fflush(stdout);
	sleep((unsigned)seconds);
	return 0;
}
