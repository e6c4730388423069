/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `ksbpf OBJECT VERB [OPTIONS]`: option parsing, shared by every command. */
#ifndef KSBPF_CLI_H
#define KSBPF_CLI_H

#include <limits.h>
#include <stdbool.h>
#include "attach.h"
#include "policy.h"

/* Exit codes scripts can rely on (documented in ksbpf --help). */
enum ksbpf_exit {
	EXIT_OK = 0,
	EXIT_FAILED = 1,	/* the kernel or the system refused */
	EXIT_USAGE = 2,		/* bad command line or input */
	EXIT_NOT_LOADED = 3,	/* status: nothing loaded */
	EXIT_DEGRADED = 4,	/* status: loaded, but something detached */
};

struct options {
	char bpffs[PATH_MAX];
	char cgroup[PATH_MAX];		/* empty: the cgroup v2 root */
	bool json;
	bool help;
	enum tc_mode_choice tc_mode;
	struct policy policy;
};

/* Which options a command takes. */
#define OPT_POLICY (1u << 0)	/* --tunnel --endpoint --allow-lan ... */
#define OPT_JSON (1u << 1)

/* Parses argv (argv[0] is the command name) into o, which must be zeroed.
 * Returns 0, or -1 with err. */
int cli_parse(int argc, char **argv, unsigned int accepts, struct options *o,
	      char *err);
/* The cgroup to attach to: --cgroup, else the cgroup v2 root. */
int cli_cgroup_path(const struct options *o, char *buf, size_t len, char *err);

#endif
