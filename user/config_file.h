/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The configuration file, /etc/ksbpf/ksbpf.conf, and its drop-ins. */
#ifndef KSBPF_CONFIG_FILE_H
#define KSBPF_CONFIG_FILE_H

#include <stdbool.h>
#include "cli.h"

/* Lines longer than this are refused, not split. */
#define CONFIG_LINE_MAX 4096
/* Drop-ins read from <path>.d/ at most. */
#define CONFIG_DROPINS_MAX 256

/* Applies path, then every <path>.d/NAME.conf in name order, to o with
 * cli_set(). A file that is missing is skipped unless must_exist (path
 * only); a file that someone other than root or the caller owns, or that
 * group or others may write, is refused. Returns 0, or -1 with err naming
 * file:line. */
/* Root's file, or the caller's own, that nobody else may write (what the
 * configuration and the status snapshot must be); /dev/null passes. */
int file_trusted(const char *path, int fd, char *err);

int config_read(const char *path, bool must_exist, unsigned int accepts,
		struct options *o, char *err);

#endif
