/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef KSBPF_CGROUP_H
#define KSBPF_CGROUP_H

#include <stddef.h>
#include <stdint.h>

/* Where cgroup v2 is mounted, from /proc/self/mountinfo. */
int cgroup2_root(char *buf, size_t len, char *err);
/* Opens a cgroup v2 directory; its id is the directory's inode number. */
int cgroup_open(const char *path, uint64_t *id, char *err);

/* The path of the cgroup with this id below the cgroup v2 mount, found by
 * walking the tree (slow: cache the answers). -1 if there is none. */
int cgroup_path_of(uint64_t id, char *buf, size_t len);

#endif
