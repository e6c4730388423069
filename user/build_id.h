/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which build's programs enforce. Every build has an id, "VERSION-HASH"
 * (HASH: of its BPF objects, see the Makefile), that the loader writes into
 * the programs' read-only data. Reading it back from an attached program
 * tells whether a `ksbpf load` of this build has replaced older programs.
 *
 * The 32-bit guard (bpf/compat_guard.bpf.c) carries none: a load keeps the
 * attached guard when its object is unchanged, so it would name an older
 * build that left the same guard.
 */
#ifndef KSBPF_BUILD_ID_H
#define KSBPF_BUILD_ID_H

#include <stddef.h>

struct ksbpf_bpf;

/* This binary's id. */
const char *build_id_self(void);

/* Writes this binary's id into the opened, not yet loaded skeleton. */
void build_id_embed(struct ksbpf_bpf *skel);

/* The id in the program's read-only data, into out (len bytes, at least
 * KSBPF_BUILD_ID_LEN): 0, and "" when the program has none (a build before
 * build ids); -1 with err and errno. Needs CAP_SYS_ADMIN (the map's id). */
int build_id_of_prog(int prog_fd, char *out, size_t len, char *err);

/* The id of the program behind bpffs_dir's cgroup egress link, as
 * build_id_of_prog(); -1 with errno ENOENT when no link is pinned there. */
int build_id_attached(const char *bpffs_dir, char *out, size_t len, char *err);

#endif
