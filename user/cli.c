// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "config_file.h"
#include "pins.h"
#include "resolve.h"

enum {
	OPT_TUNNEL = 256,
	OPT_ENDPOINT,
	OPT_ENDPOINT_MARK,
	OPT_ALLOW_LAN,
	OPT_LAN,
	OPT_LAN_DNS,
	OPT_UPLINK,
	OPT_LOCAL,
	OPT_SCOPE,
	OPT_MAX_UPLINKS,
	OPT_BLOCK_INBOUND,
	OPT_BYPASS_MARK,
	OPT_BYPASS_TABLE,
	OPT_BYPASS_PRIORITY,
	OPT_TC_MODE,
	OPT_CONFIG_FILE,
	OPT_NETLINK_BUFFER,
	OPT_WG_SYNC,
	OPT_LOG_DROPS,
	OPT_DRY_RUN,
	OPT_FORGET_FLAG,
	OPT_APP_POLICY,
	OPT_APP_NAME,
	OPT_APP_USER,
	OPT_FOLLOW_FLAG,
	OPT_COUNT,
	OPT_WATCH_FLAG,
	OPT_FORMAT,
	OPT_METRICS_FILE,
	OPT_METRICS_APPS,
	OPT_STATUS_FILE,
	OPT_CGROUP,
	OPT_BPFFS,
	OPT_DEBUG,
};

/* The options with a short form (bpftool's and iproute2's letters): their
 * val is the letter. */
enum {
	OPT_JSON_FLAG = 'j',
	OPT_PRETTY_FLAG = 'p',
	OPT_VERSION_FLAG = 'V',
	OPT_HELP = 'h',
	OPT_VERBOSE_FLAG = 'v',
};
#define SHORT_OPTIONS "jpVhv"

static const struct option long_options[] = {
	{ "tunnel", required_argument, NULL, OPT_TUNNEL },
	{ "endpoint", required_argument, NULL, OPT_ENDPOINT },
	{ "endpoint-mark", required_argument, NULL, OPT_ENDPOINT_MARK },
	{ "allow-lan", no_argument, NULL, OPT_ALLOW_LAN },
	{ "lan", required_argument, NULL, OPT_LAN },
	{ "lan-dns", required_argument, NULL, OPT_LAN_DNS },
	{ "uplink", required_argument, NULL, OPT_UPLINK },
	{ "local", required_argument, NULL, OPT_LOCAL },
	{ "max-uplinks", required_argument, NULL, OPT_MAX_UPLINKS },
	{ "scope", required_argument, NULL, OPT_SCOPE },
	{ "block-inbound", no_argument, NULL, OPT_BLOCK_INBOUND },
	{ "bypass-mark", required_argument, NULL, OPT_BYPASS_MARK },
	{ "bypass-table", required_argument, NULL, OPT_BYPASS_TABLE },
	{ "bypass-priority", required_argument, NULL, OPT_BYPASS_PRIORITY },
	{ "tc-mode", required_argument, NULL, OPT_TC_MODE },
	{ "config", required_argument, NULL, OPT_CONFIG_FILE },
	{ "netlink-buffer", required_argument, NULL, OPT_NETLINK_BUFFER },
	{ "wg-sync", required_argument, NULL, OPT_WG_SYNC },
	{ "log-drops", required_argument, NULL, OPT_LOG_DROPS },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "forget", no_argument, NULL, OPT_FORGET_FLAG },
	{ "policy", required_argument, NULL, OPT_APP_POLICY },
	{ "name", required_argument, NULL, OPT_APP_NAME },
	{ "user", required_argument, NULL, OPT_APP_USER },
	{ "follow", no_argument, NULL, OPT_FOLLOW_FLAG },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "watch", no_argument, NULL, OPT_WATCH_FLAG },
	{ "verbose", no_argument, NULL, OPT_VERBOSE_FLAG },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "metrics-file", required_argument, NULL, OPT_METRICS_FILE },
	{ "metrics-apps", no_argument, NULL, OPT_METRICS_APPS },
	{ "status-file", required_argument, NULL, OPT_STATUS_FILE },
	{ "json", no_argument, NULL, OPT_JSON_FLAG },
	{ "pretty", no_argument, NULL, OPT_PRETTY_FLAG },
	{ "version", no_argument, NULL, OPT_VERSION_FLAG },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "bpffs", required_argument, NULL, OPT_BPFFS },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "debug", no_argument, NULL, OPT_DEBUG },
	{ NULL, 0, NULL, 0 },
};

/* A short option leaves getopt_long's index as it was: find it by val. */
static const struct option *option_of(int val)
{
	const struct option *opt = long_options;

	while (opt->name && opt->val != val)
		opt++;
	return opt;
}

static const struct option *option_named(const char *name)
{
	for (const struct option *opt = long_options; opt->name; opt++)
		if (!strcmp(opt->name, name))
			return opt;
	return NULL;
}

const struct option *cli_long_options(void)
{
	return long_options;
}

bool cli_takes(int opt, unsigned int accepts)
{
	if ((opt >= OPT_TUNNEL && opt <= OPT_TC_MODE) || opt == OPT_DRY_RUN)
		return accepts & OPT_POLICY;
	if (opt == OPT_NETLINK_BUFFER || opt == OPT_WG_SYNC || opt == OPT_LOG_DROPS)
		return accepts & OPT_AGENT;
	if (opt == OPT_FORGET_FLAG)
		return accepts & OPT_FORGET;
	if (opt == OPT_APP_POLICY || opt == OPT_APP_NAME)
		return accepts & OPT_EXEC;
	if (opt == OPT_APP_USER)
		return accepts & OPT_USER;
	if (opt == OPT_FOLLOW_FLAG || opt == OPT_COUNT)
		return accepts & OPT_FOLLOW;
	if (opt == OPT_WATCH_FLAG || opt == OPT_VERBOSE_FLAG || opt == OPT_FORMAT)
		return accepts & OPT_WATCH;
	if (opt == OPT_METRICS_FILE)
		return accepts & OPT_AGENT;
	if (opt == OPT_METRICS_APPS)
		return accepts & (OPT_AGENT | OPT_WATCH);
	if (opt == OPT_JSON_FLAG || opt == OPT_PRETTY_FLAG)
		return accepts & OPT_JSON;
	return true;
}

static int set_path(char *dst, const char *arg, const char *opt, char *err)
{
	if (arg[0] != '/')
		return errf(err, "--%s '%s': must be an absolute path", opt, arg);
	if (strlen(arg) >= PATH_MAX)
		return errf(err, "--%s: path too long", opt);
	strcpy(dst, arg);
	/* "/sys/fs/bpf/x/" and "/sys/fs/bpf/x" are one directory. */
	for (size_t len = strlen(dst); len > 1 && dst[len - 1] == '/'; len--)
		dst[len - 1] = '\0';
	return 0;
}

/* An option that takes one of a few words; NULL ends the list. */
struct word {
	const char *name;
	int value;
};

static const struct word tc_modes[] = {
	{ "auto", TC_MODE_AUTO }, { "tcx", TC_MODE_TCX }, { "legacy", TC_MODE_LEGACY },
	{ NULL, 0 },
};
static const struct word log_drops_words[] = {
	{ "summary", LOG_DROPS_SUMMARY }, { "all", LOG_DROPS_ALL }, { "no", LOG_DROPS_NONE },
	{ NULL, 0 },
};
static const struct word formats[] = {
	{ "text", FORMAT_TEXT }, { "json", FORMAT_JSON }, { "prometheus", FORMAT_PROMETHEUS },
	{ NULL, 0 },
};

/* *value: the word's value; -1 with "--OPT 'ARG' must be a, b or c". */
static int choose(const char *opt, const char *arg, const struct word *words,
		  int *value, char *err)
{
	char list[128] = "";
	size_t used = 0;

	for (const struct word *w = words; w->name; w++) {
		if (!strcmp(arg, w->name)) {
			*value = w->value;
			return 0;
		}
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
					 w == words ? "" : w[1].name ? ", " : " or ", w->name);
	}
	return errf(err, "--%s '%s' must be %s", opt, arg, list);
}

static int set_flag(bool *flag, const char *arg, const char *opt, char *err)
{
	if (!arg || !strcmp(arg, "yes") || !strcmp(arg, "true") || !strcmp(arg, "1"))
		*flag = true;
	else if (!strcmp(arg, "no") || !strcmp(arg, "false") || !strcmp(arg, "0"))
		*flag = false;
	else
		return errf(err, "%s '%s' must be yes or no", opt, arg);
	return 0;
}

/* The table and rule priority must not be the kernel's own: local (255),
 * main (254), default (253) and 0, nor come after the main table's rule. */
static int set_bypass(int opt, const char *arg, struct ksbpf_bypass_route *r,
		      char *err)
{
	uint32_t v;

	if (parse_u32(arg, &v, err))
		return -1;
	if (opt == OPT_BYPASS_MARK)
		r->mark = v;	/* 0: bypass apps are not routed */
	else if (opt == OPT_BYPASS_TABLE && (v == 0 || (v >= 252 && v <= 255)))
		return errf(err, "--bypass-table %s: the kernel's own table (0, 252-255)", arg);
	else if (opt == OPT_BYPASS_TABLE)
		r->table = v;
	else if (v == 0 || v >= 32766)
		return errf(err, "--bypass-priority %s: from 1 to 32765 (before the "
			    "main table's rule)", arg);
	else
		r->priority = v;
	return 0;
}

static int add_wg_sync(struct options *o, const char *arg, char *err)
{
	char name[KSBPF_IFNAME_LEN];

	if (parse_ifname(arg, name, err))
		return -1;
	if (strpbrk(name, "*?["))
		return errf(err, "--wg-sync '%s': an interface name, not a pattern", arg);
	for (unsigned int i = 0; i < o->n_wg_sync; i++)
		if (!strcmp(o->wg_sync[i], name))
			return 0;
	if (o->n_wg_sync == CLI_MAX_WG_SYNC)
		return errf(err, "too many --wg-sync interfaces (at most %d)", CLI_MAX_WG_SYNC);
	strcpy(o->wg_sync[o->n_wg_sync++], name);
	return 0;
}

/* An address, or every address a host name has now. */
static int add_endpoints(struct policy *p, const char *arg, char *err)
{
	struct endpoint eps[RESOLVE_MAX_ADDRS];
	int n = resolve_endpoint(arg, eps, RESOLVE_MAX_ADDRS, err);

	for (int i = 0; i < n; i++)
		if (policy_add_parsed_endpoint(p, &eps[i], arg, err))
			return -1;
	return n < 0 ? -1 : 0;
}

static int apply(int opt, const char *arg, struct options *o, char *err)
{
	struct policy *p = &o->policy;
	uint32_t bytes;
	int choice;

	switch (opt) {
	case OPT_TUNNEL:
		return policy_add_tunnel(p, arg, err);
	case OPT_ENDPOINT:
		return add_endpoints(p, arg, err);
	case OPT_ENDPOINT_MARK:
		return policy_add_endpoint_mark(p, arg, err);
	case OPT_ALLOW_LAN:
		return set_flag(&p->allow_lan, arg, "allow-lan", err);
	case OPT_LAN:
		return policy_add_lan(p, arg, err);
	case OPT_LAN_DNS:
		return policy_add_lan_dns(p, arg, err);
	case OPT_UPLINK:
		return policy_add_iface_rule(p, arg, KSBPF_ROLE_UPLINK, err);
	case OPT_LOCAL:
		return policy_add_iface_rule(p, arg, KSBPF_ROLE_LOCAL, err);
	case OPT_SCOPE:
		return policy_set_scope(p, arg, err);
	case OPT_MAX_UPLINKS:
		if (parse_u32(arg, &o->max_uplinks, err) || o->max_uplinks < 16 ||
		    o->max_uplinks > (1u << 20))
			return errf(err, "--max-uplinks '%s': a number from 16 to %u",
				    arg, 1u << 20);
		o->max_uplinks_given = true;
		return 0;
	case OPT_BLOCK_INBOUND:
		return set_flag(&p->block_inbound, arg, "block-inbound", err);
	case OPT_BYPASS_MARK:
	case OPT_BYPASS_TABLE:
	case OPT_BYPASS_PRIORITY:
		return set_bypass(opt, arg, &p->bypass_route, err);
	case OPT_TC_MODE:
		if (choose("tc-mode", arg, tc_modes, &choice, err))
			return -1;
		o->tc_mode = choice;
		return 0;
	case OPT_CONFIG_FILE:
		o->config_given = true;
		if (strlen(arg) >= sizeof(o->config))
			return errf(err, "--config: path too long");
		strcpy(o->config, arg);
		return 0;
	case OPT_NETLINK_BUFFER:
		if (parse_u32(arg, &bytes, err) || bytes < 1024)
			return errf(err, "--netlink-buffer '%s': bytes, at least 1024", arg);
		o->netlink_buffer = bytes;
		return 0;
	case OPT_WG_SYNC:
		return add_wg_sync(o, arg, err);
	case OPT_LOG_DROPS:
		if (choose("log-drops", arg, log_drops_words, &choice, err))
			return -1;
		o->log_drops = choice;
		return 0;
	case OPT_DRY_RUN:
		o->dry_run = true;
		return 0;
	case OPT_FORGET_FLAG:
		o->forget = true;
		return 0;
	case OPT_APP_POLICY:
		return parse_app_policy(arg, &o->app_policy, err);
	case OPT_APP_NAME:
		if (!*arg || strlen(arg) >= sizeof(o->app_name) || strchr(arg, '/') ||
		    !strcmp(arg, ".") || !strcmp(arg, ".."))
			return errf(err, "--name '%s': a cgroup name, without '/'", arg);
		strcpy(o->app_name, arg);
		return 0;
	case OPT_APP_USER:
		if (!*arg || strlen(arg) >= sizeof(o->app_user))
			return errf(err, "--user '%s': a user name or uid", arg);
		strcpy(o->app_user, arg);
		return 0;
	case OPT_FOLLOW_FLAG:
		o->follow = true;
		return 0;
	case OPT_COUNT:
		if (parse_u32(arg, &o->count, err) || !o->count)
			return errf(err, "--count '%s': a number of events, at least 1", arg);
		return 0;
	case OPT_VERBOSE_FLAG:
		o->verbose = true;
		return 0;
	case OPT_FORMAT:
		if (choose("format", arg, formats, &choice, err))
			return -1;
		o->format = choice;
		return 0;
	case OPT_METRICS_FILE:
		return set_path(o->metrics_file, arg, "metrics-file", err);
	case OPT_METRICS_APPS:
		return set_flag(&o->metrics_apps, arg, "metrics-apps", err);
	case OPT_STATUS_FILE:
		return set_path(o->status_file, arg, "status-file", err);
	case OPT_WATCH_FLAG:
		o->watch = true;
		return 0;
	case OPT_PRETTY_FLAG:
		o->pretty = true;	/* --json, indented */
		/* fall through */
	case OPT_JSON_FLAG:
		o->json = true;
		return 0;
	case OPT_VERSION_FLAG:
		o->version = true;
		return 0;
	case OPT_CGROUP:
		return set_path(o->cgroup, arg, "cgroup", err);
	case OPT_BPFFS:
		return set_path(o->bpffs, arg, "bpffs", err);
	case OPT_HELP:
		o->help = true;
		return 0;
	case OPT_DEBUG:
		o->debug = true;
		return 0;
	default:
		return -1;
	}
}

static void forget_iface_rules(struct policy *p, uint32_t role)
{
	unsigned int kept = 0;

	for (unsigned int i = 0; i < p->n_iface_rules; i++)
		if (p->iface_rules[i].role != role)
			p->iface_rules[kept++] = p->iface_rules[i];
	p->n_iface_rules = kept;
}

/* The first time a list option appears on the command line, it replaces
 * the list the config file gave. */
static void replace_file_list(int opt, struct options *o, unsigned int *seen)
{
	unsigned int bit;

	if (opt < OPT_TUNNEL || (opt > OPT_LOCAL && opt != OPT_WG_SYNC))
		return;
	bit = 1u << (opt - OPT_TUNNEL);
	if (*seen & bit)
		return;
	*seen |= bit;
	if (opt == OPT_TUNNEL)
		o->policy.n_tunnels = 0;
	else if (opt == OPT_ENDPOINT)
		o->policy.n_endpoints = 0;
	else if (opt == OPT_ENDPOINT_MARK)
		o->policy.n_endpoint_marks = 0;
	else if (opt == OPT_LAN)
		o->policy.n_lans = 0;
	else if (opt == OPT_LAN_DNS)
		o->policy.n_lan_dns = 0;
	else if (opt == OPT_WG_SYNC)
		o->n_wg_sync = 0;
	else if (opt == OPT_UPLINK || opt == OPT_LOCAL)
		forget_iface_rules(&o->policy, opt == OPT_UPLINK ?
				   KSBPF_ROLE_UPLINK : KSBPF_ROLE_LOCAL);
}

void cli_defaults(struct options *o)
{
	snprintf(o->bpffs, sizeof(o->bpffs), "%s", KSBPF_DEFAULT_BPFFS);
	snprintf(o->config, sizeof(o->config), "%s", KSBPF_DEFAULT_CONFIG);
	o->max_uplinks = KSBPF_DEFAULT_MAX_UPLINKS;
	o->netlink_buffer = 4u << 20;
	o->policy.bypass_route = (struct ksbpf_bypass_route){
		.mark = KSBPF_DEFAULT_BYPASS_MARK,
		.table = KSBPF_DEFAULT_BYPASS_TABLE,
		.priority = KSBPF_DEFAULT_BYPASS_PRIORITY,
	};
}

int cli_command_index(int argc, char **argv, char *err)
{
	int opt;

	optind = 0;
	opterr = 0;
	/* '+': stop at the first word that is not an option, COMMAND. */
	while ((opt = getopt_long(argc, argv, "+" SHORT_OPTIONS, long_options,
				  NULL)) != -1)
		if (opt == '?')
			return errf(err, "unknown option or missing value: '%s'",
				    argv[optind - 1]);
	return optind;
}

int cli_parse(int argc, char **argv, unsigned int accepts, struct options *o,
	      char *err)
{
	unsigned int seen = 0;
	int opt;

	optind = 0;	/* glibc: a new scan, whatever the last one's optstring */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "-" SHORT_OPTIONS, long_options,
				  NULL)) != -1) {
		if (opt == 1) {	/* a positional argument, in order */
			if (o->n_args == CLI_MAX_ARGS)
				return errf(err, "%s: unexpected argument '%s'",
					    argv[0], optarg);
			o->args[o->n_args++] = optarg;
			continue;
		}
		if (opt == '?' || opt == ':')
			return errf(err, "%s: unknown option or missing value: '%s'",
				    argv[0], argv[optind - 1]);
		if (!cli_takes(opt, accepts))
			return errf(err, "%s does not take --%s", argv[0],
				    option_of(opt)->name);
		replace_file_list(opt, o, &seen);
		if (apply(opt, optarg, o, err))
			return -1;
	}
	if ((accepts & OPT_EXEC) && optind < argc) {
		o->command = &argv[optind];	/* the rest is the command's */
		return 0;
	}
	for (; optind < argc; optind++) {	/* after "--" */
		if (o->n_args == CLI_MAX_ARGS)
			return errf(err, "%s: unexpected argument '%s'", argv[0],
				    argv[optind]);
		o->args[o->n_args++] = argv[optind];
	}
	return 0;
}

int cli_set(const char *name, const char *value, unsigned int accepts,
	    struct options *o, char *err)
{
	const struct option *opt = option_named(name);

	if (!opt || opt->val == OPT_HELP || opt->val == OPT_DEBUG ||
	    opt->val == OPT_JSON_FLAG || opt->val == OPT_PRETTY_FLAG ||
	    opt->val == OPT_VERSION_FLAG || opt->val == OPT_DRY_RUN ||
	    opt->val == OPT_CONFIG_FILE || opt->val == OPT_APP_POLICY ||
	    opt->val == OPT_APP_NAME || opt->val == OPT_APP_USER ||
	    opt->val == OPT_FOLLOW_FLAG ||
	    opt->val == OPT_COUNT || opt->val == OPT_WATCH_FLAG ||
	    opt->val == OPT_VERBOSE_FLAG || opt->val == OPT_FORMAT)
		return errf(err, "unknown key '%s'", name);
	if (opt->has_arg == required_argument && !value)
		return errf(err, "'%s' needs a value", name);
	/* One file serves every command: each takes the keys it knows. */
	if (!cli_takes(opt->val, accepts))
		return 0;
	return apply(opt->val, value, o, err);
}

/* --config must be known before the file is read, and the command line read
 * after it: find it first (the last one, as for every other option). */
static const char *config_option(int argc, char **argv)
{
	const char *config = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config = argv[++i];
		else if (!strncmp(argv[i], "--config=", 9))
			config = argv[i] + 9;
	}
	return config;
}

int cli_parse_with_config(int argc, char **argv, unsigned int accepts,
			  struct options *o, char *err)
{
	const char *config = config_option(argc, argv);

	cli_defaults(o);
	if (config_read(config ? config : o->config, config != NULL, accepts, o, err))
		return -1;
	return cli_parse(argc, argv, accepts, o, err);
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
