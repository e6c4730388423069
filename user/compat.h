/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The 32-bit setsockopt guard (bpf/compat_guard.bpf.c), its own object. */
#ifndef KSBPF_COMPAT_H
#define KSBPF_COMPAT_H

#include <bpf/libbpf.h>

enum compat_guard_state {
	COMPAT_GUARD_UNAVAILABLE,	/* this kernel refused to load it */
	COMPAT_GUARD_ATTACHED,
	COMPAT_GUARD_DETACHED,
};

/* Points the guard at cgroup_fd (through the guarded_cgroup map), then keeps
 * the attached guard if it is this build's, or loads and attaches it. A
 * kernel that refuses the program gets a warning, not an error. */
int compat_guard_attach(const char *dir, const struct bpf_map *guarded_cgroup,
			int cgroup_fd, char *err);
enum compat_guard_state compat_guard_state(const char *dir);

#endif
