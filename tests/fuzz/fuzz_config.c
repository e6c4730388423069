// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer: the configuration file parser, through the CLI entry point
 * that load and run use (`--config FILE`). */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "resolve.h"

/* Host names in endpoints: one documentation address, never a real lookup. */
static int fake_resolve(const char *host, struct ip_addr *out, int max, char *err)
{
	(void)host;
	(void)err;
	if (max < 1)
		return -1;
	memset(out, 0, sizeof(*out));
	out->family = KSBPF_AF_INET;
	out->addr[0] = htonl(0xc0000201);	/* 192.0.2.1 */
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct options o;
	static int fd = -1;
	char path[64], err[ERR_LEN];
	char *argv[] = { "load", "--config", path, NULL };

	resolve_host = fake_resolve;
	/* A memfd is 0777: config files others may write are refused. */
	if (fd < 0 && (fd = memfd_create("ksbpf-fuzz-config", 0)) >= 0 &&
	    fchmod(fd, 0600))
		abort();
	if (fd < 0 || ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	memset(&o, 0, sizeof(o));
	if (cli_parse_with_config(3, argv, OPT_POLICY | OPT_AGENT, &o, err) &&
	    (!err[0] || strchr(err, '\n')))
		abort();	/* a refusal always says why, on one line */
	return 0;
}
