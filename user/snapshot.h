/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The status snapshot: what root's `ksbpf status` says, kept in a
 * world-readable file by load, unload and the agent, for the users who
 * cannot open the pins (systemd mounts /sys/fs/bpf 0700). */
#ifndef KSBPF_SNAPSHOT_H
#define KSBPF_SNAPSHOT_H

#include <stddef.h>

#include "cli.h"
#include "status.h"

#define SNAPSHOT_DIR "/run/ksbpf"

/* --status-file, else SNAPSHOT_DIR/status.json for the default bpffs and
 * SNAPSHOT_DIR/status-ESCAPED.json (systemd-escape's path form) for
 * another, so that several instances keep their own. */
int snapshot_path(const struct options *o, char *buf, size_t len, char *err);
/* From s (NULL or not loaded: the snapshot is removed, since nothing is
 * left to describe). writer: "load", "run", "unload". */
int snapshot_write(const struct options *o, const struct status *s,
		   enum ksbpf_exit state, const char *writer, char *err);
/* The same, collected now; a failure is a warning, never the command's. */
void snapshot_refresh(const struct options *o, const char *writer);
/* For a user refused the pins (why: the refusal): prints the snapshot in
 * format and returns the state it records, or says that nothing can be
 * told and returns EXIT_FAILED. */
int snapshot_print(const struct options *o, enum status_format format,
		   const char *why);

#endif
