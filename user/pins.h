/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* ksbpf's bpffs directory: everything that must outlive the loader. */
#ifndef KSBPF_PINS_H
#define KSBPF_PINS_H

#include <stdbool.h>
#include <stddef.h>

#define KSBPF_DEFAULT_BPFFS "/sys/fs/bpf/ksbpf"

#define PIN_PROG_CG_EGRESS "prog_cg_egress"
#define PIN_PROG_TC_EGRESS "prog_tc_egress"
#define PIN_PROG_L3_EGRESS "prog_l3_egress"
#define PIN_LINK_CG_EGRESS "link_cg_egress"
#define PIN_PROG_CG_SOCKOPT "prog_cg_sockopt"
#define PIN_LINK_CG_SOCKOPT "link_cg_sockopt"
/* Kernels before 6.15: the socket namespace recorder (bpf/ksbpf.bpf.c). */
#define PIN_PROG_CG_SOCK_CREATE "prog_cg_sock_create"
#define PIN_LINK_CG_SOCK_CREATE "link_cg_sock_create"
#define PIN_LINK_COMPAT_GUARD "link_compat_guard"
#define PIN_LINK_TC_EGRESS_FMT "link_tc_egress_%u"	/* ifindex */
#define PIN_LINK_TC_INGRESS_FMT "link_tc_ingress_%u"
#define PIN_PROG_CG_INGRESS "prog_cg_ingress"
#define PIN_PROG_TC_INGRESS "prog_tc_ingress"
#define PIN_PROG_L3_INGRESS "prog_l3_ingress"
#define PIN_LINK_CG_INGRESS "link_cg_ingress"
#define PIN_CONFIG_MAP "ksbpf_config"

/* Mounts bpffs if needed and creates dir 0700, or checks an existing one is
 * ours: root-owned and writable by nobody else. */
int pins_prepare(const char *dir, char *err);
/* Checks an existing dir may be trusted; -1 with err otherwise. */
int pins_check_owner(const char *dir, char *err);
/* 0 if ksbpf has pinned its state in dir; else -1 with err, and errno
 * ENOENT (nothing loaded) or why dir could not be looked at: a user's
 * EACCES on a 0700 bpffs is not "nothing loaded". */
int pins_require_loaded(const char *dir, char *err);
/* ksbpf has pinned its state in dir. */
bool pins_loaded(const char *dir);
int pin_path(char *buf, size_t len, const char *dir, const char *name);
/* Opens a pinned object, or returns -1 with errno set. */
int pin_open(const char *dir, const char *name);
/* The value of a pinned array map of one (ksbpf_config...), for commands
 * that must not open every map; -1 with errno. */
int pin_read_single(const char *dir, const char *name, void *value);
/* Pins fd as dir/name, replacing an old pin in one step (rename). */
int pin_replace(int fd, const char *dir, const char *name, char *err);
int pin_remove(const char *dir, const char *name);
/* Serialises loaders and editors of one dir; returns a fd to close. */
int pins_lock(const char *dir, char *err);
/* Removes every pin in dir and dir itself. */
int pins_remove_all(const char *dir, char *err);

#endif
