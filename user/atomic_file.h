/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Files that readers (node_exporter, a user's `ksbpf status`) may open at
 * any moment: written beside, then renamed over, so a reader sees the old
 * file or the new one, never half of one. */
#ifndef KSBPF_ATOMIC_FILE_H
#define KSBPF_ATOMIC_FILE_H

#include <stdio.h>
#include <sys/types.h>

/* print(out, arg) writes the content; path gets mode (umask ignored).
 * Returns 0, or -1 with err naming the failing call. */
int atomic_file_write(const char *path, mode_t mode,
		      void (*print)(FILE *out, const void *arg), const void *arg,
		      char *err);

#endif
