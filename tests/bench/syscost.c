// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * syscost — the cost of one trivial system call (getppid), the best of a few
 * batches, in ns. loadmem.sh runs it with and without ksbpf loaded: the
 * 32-bit setsockopt guard (tp_btf/sys_enter) runs at every system call.
 * Usage: syscost [CALLS]   prints "NS"
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
	long calls = argc > 1 ? atol(argv[1]) : 1000000;
	double best = 0;

	if (calls <= 0) {
		fprintf(stderr, "usage: syscost [CALLS]\n");
		return 2;
	}
	for (int batch = 0; batch < 5; batch++) {
		double t0 = now_ns(), ns;

		for (long i = 0; i < calls; i++)
			syscall(SYS_getppid);
		ns = (now_ns() - t0) / calls;
		if (!batch || ns < best)
			best = ns;
	}
	printf("%.1f\n", best);
	return 0;
}
