// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "pins.h"

enum {
	OPT_TUNNEL = 256,
	OPT_ENDPOINT,
	OPT_ALLOW_LAN,
	OPT_LAN,
	OPT_LAN_DNS,
	OPT_SCOPE,
	OPT_TC_MODE,
	OPT_CGROUP,
	OPT_BPFFS,
	OPT_JSON_FLAG,
	OPT_HELP,
};

static const struct option long_options[] = {
	{ "tunnel", required_argument, NULL, OPT_TUNNEL },
	{ "endpoint", required_argument, NULL, OPT_ENDPOINT },
	{ "allow-lan", no_argument, NULL, OPT_ALLOW_LAN },
	{ "lan", required_argument, NULL, OPT_LAN },
	{ "lan-dns", required_argument, NULL, OPT_LAN_DNS },
	{ "scope", required_argument, NULL, OPT_SCOPE },
	{ "tc-mode", required_argument, NULL, OPT_TC_MODE },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "bpffs", required_argument, NULL, OPT_BPFFS },
	{ "json", no_argument, NULL, OPT_JSON_FLAG },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

static int set_path(char *dst, const char *arg, const char *opt, char *err)
{
	if (arg[0] != '/')
		return errf(err, "%s '%s': must be an absolute path", opt, arg);
	if (strlen(arg) >= PATH_MAX)
		return errf(err, "%s: path too long", opt);
	strcpy(dst, arg);
	/* "/sys/fs/bpf/x/" and "/sys/fs/bpf/x" are one directory. */
	for (size_t len = strlen(dst); len > 1 && dst[len - 1] == '/'; len--)
		dst[len - 1] = '\0';
	return 0;
}

static int set_tc_mode(enum tc_mode_choice *mode, const char *arg, char *err)
{
	if (!strcmp(arg, "auto"))
		*mode = TC_MODE_AUTO;
	else if (!strcmp(arg, "tcx"))
		*mode = TC_MODE_TCX;
	else if (!strcmp(arg, "legacy"))
		*mode = TC_MODE_LEGACY;
	else
		return errf(err, "--tc-mode '%s' must be auto, tcx or legacy", arg);
	return 0;
}

static int apply(int opt, const char *arg, struct options *o, char *err)
{
	struct policy *p = &o->policy;

	switch (opt) {
	case OPT_TUNNEL:
		return policy_add_tunnel(p, arg, err);
	case OPT_ENDPOINT:
		return policy_add_endpoint(p, arg, err);
	case OPT_ALLOW_LAN:
		p->allow_lan = true;
		return 0;
	case OPT_LAN:
		return policy_add_lan(p, arg, err);
	case OPT_LAN_DNS:
		return policy_add_lan_dns(p, arg, err);
	case OPT_SCOPE:
		return policy_set_scope(p, arg, err);
	case OPT_TC_MODE:
		return set_tc_mode(&o->tc_mode, arg, err);
	case OPT_CGROUP:
		return set_path(o->cgroup, arg, "--cgroup", err);
	case OPT_BPFFS:
		return set_path(o->bpffs, arg, "--bpffs", err);
	case OPT_JSON_FLAG:
		o->json = true;
		return 0;
	case OPT_HELP:
		o->help = true;
		return 0;
	default:
		return -1;
	}
}

static bool accepted(int opt, unsigned int accepts)
{
	if (opt >= OPT_TUNNEL && opt <= OPT_TC_MODE)
		return accepts & OPT_POLICY;
	if (opt == OPT_JSON_FLAG)
		return accepts & OPT_JSON;
	return opt == OPT_CGROUP || opt == OPT_BPFFS || opt == OPT_HELP;
}

int cli_parse(int argc, char **argv, unsigned int accepts, struct options *o,
	      char *err)
{
	int opt, index = 0;

	snprintf(o->bpffs, sizeof(o->bpffs), "%s", KSBPF_DEFAULT_BPFFS);
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+", long_options, &index)) != -1) {
		const char *name = argv[optind - 1];

		if (opt == '?' || opt == ':')
			return errf(err, "%s: unknown option or missing value: '%s'",
				    argv[0], name);
		if (!accepted(opt, accepts))
			return errf(err, "%s does not take --%s", argv[0],
				    long_options[index].name);
		if (apply(opt, optarg, o, err))
			return -1;
	}
	if (optind < argc)
		return errf(err, "%s: unexpected argument '%s'", argv[0], argv[optind]);
	return 0;
}

int cli_cgroup_path(const struct options *o, char *buf, size_t len, char *err)
{
	if (!o->cgroup[0])
		return cgroup2_root(buf, len, err);
	if (strlen(o->cgroup) >= len)
		return errf(err, "--cgroup: path too long");
	strcpy(buf, o->cgroup);
	return 0;
}
