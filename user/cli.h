/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `ksbpf OBJECT VERB [OPTIONS]`: option parsing, shared by every command. */
#ifndef KSBPF_CLI_H
#define KSBPF_CLI_H

#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include "attach.h"
#include "policy.h"

/* Exit codes scripts can rely on (documented in ksbpf --help). */
enum ksbpf_exit {
	EXIT_OK = 0,
	EXIT_FAILED = 1,	/* the kernel or the system refused; as a user:
				 * "permission denied: run as root" */
	EXIT_USAGE = 2,		/* bad command line or input */
	EXIT_NOT_LOADED = 3,	/* status: nothing loaded */
	EXIT_DEGRADED = 4,	/* status: loaded, but something detached */
};

#define KSBPF_DEFAULT_CONFIG "/etc/ksbpf/ksbpf.conf"
#define CLI_MAX_ARGS 4
#define CLI_MAX_WG_SYNC 8

/* status --format; FORMAT_DEFAULT: text, or JSON with --json. */
enum status_format {
	FORMAT_DEFAULT = 0,
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_PROMETHEUS,
};

/* What the agent writes to its log of the drops the events ring holds. */
enum log_drops {
	LOG_DROPS_SUMMARY = 0,	/* a few lines a second, then a count */
	LOG_DROPS_ALL,
	LOG_DROPS_NONE,
};

struct options {
	char bpffs[PATH_MAX];
	char cgroup[PATH_MAX];		/* empty: the cgroup v2 root */
	char config[PATH_MAX];
	bool config_given;		/* --config: the file must exist */
	bool json;
	bool pretty;			/* --pretty: indented JSON */
	bool help;
	bool version;			/* --version, before or after the command */
	bool debug;			/* libbpf's whole log, verifier's too */
	bool dry_run;			/* load, run: check the input, change nothing */
	enum tc_mode_choice tc_mode;
	unsigned int netlink_buffer;	/* bytes */
	enum log_drops log_drops;	/* run --log-drops */
	char wg_sync[CLI_MAX_WG_SYNC][KSBPF_IFNAME_LEN];	/* run --wg-sync */
	unsigned int n_wg_sync;
	bool forget;			/* wg-sync --forget */
	uint32_t max_uplinks;		/* room in ksbpf_uplinks, first load */
	bool max_uplinks_given;
	uint32_t app_policy;		/* exec --policy; 0: not given */
	char app_name[64];		/* exec --name */
	char app_user[64];		/* exec --user */
	char **command;			/* exec: what follows "--" */
	bool follow;			/* events --follow */
	uint32_t count;			/* events --count; 0: all */
	bool watch;			/* status --watch */
	bool verbose;			/* status -v: everything, not the summary */
	enum status_format format;	/* status --format */
	char metrics_file[PATH_MAX];	/* run --metrics-file; "": none */
	bool metrics_apps;		/* per-app series too */
	char status_file[PATH_MAX];	/* the snapshot; "": by --bpffs */
	struct policy policy;
	char *args[CLI_MAX_ARGS];	/* positional arguments */
	int n_args;
	int argc;			/* the command's own argv, for SIGHUP */
	char **argv;
};

/* Which options a command takes. */
#define OPT_POLICY (1u << 0)	/* --tunnel --endpoint --allow-lan --uplink ... --dry-run */
#define OPT_JSON (1u << 1)
#define OPT_AGENT (1u << 2)	/* --netlink-buffer --wg-sync --log-drops --metrics-* */
#define OPT_EXEC (1u << 3)	/* --policy --name, and "--" COMMAND */
#define OPT_FOLLOW (1u << 4)	/* --follow --count */
#define OPT_WATCH (1u << 5)	/* status: --watch -v --format --metrics-apps */
#define OPT_FORGET (1u << 6)	/* --forget */
#define OPT_USER (1u << 7)	/* --user */

void cli_defaults(struct options *o);
/* `ksbpf [OPTIONS] COMMAND [ARGS]`: the index of COMMAND in argv (argc if
 * there is none), or -1 with err for an unknown option before it. */
int cli_command_index(int argc, char **argv, char *err);
/* Every option, as getopt_long sees it; val is the short option's letter
 * where there is one. Ends with a NULL name. */
const struct option *cli_long_options(void);
/* Whether a command with these OPT_* bits takes the option whose getopt
 * val is val. */
bool cli_takes(int val, unsigned int accepts);
/* Parses argv (argv[0] is the command name) into o, over what cli_defaults
 * and the config file put there: a list option given on the command line
 * replaces the file's list. Returns 0, or -1 with err. */
int cli_parse(int argc, char **argv, unsigned int accepts, struct options *o,
	      char *err);
/* Sets one option by its long name, as the config file does. */
int cli_set(const char *name, const char *value, unsigned int accepts,
	    struct options *o, char *err);
/* What every command reads: defaults, the config file (--config, or the
 * default one if present: each command takes the keys it knows) and its
 * drop-ins (config_file.h), argv. */
int cli_parse_with_config(int argc, char **argv, unsigned int accepts,
			  struct options *o, char *err);
/* The cgroup to attach to: --cgroup, else the cgroup v2 root. */
int cli_cgroup_path(const struct options *o, char *buf, size_t len, char *err);

#endif
