// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: the configuration file parser, through the CLI entry point
 * that load and run use (`--config FILE`). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct options o;
	static int fd = -1;
	char path[64], err[ERR_LEN];
	char *argv[] = { "load", "--config", path, NULL };

	if (fd < 0)
		fd = memfd_create("ksbpf-fuzz-config", 0);
	if (fd < 0 || ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&o, 0, sizeof(o));
	if (cli_parse_with_config(3, argv, OPT_POLICY | OPT_AGENT, &o, err) &&
	    (!err[0] || strchr(err, '\n')))
		abort();	/* a refusal always says why, on one line */
	return 0;
}
