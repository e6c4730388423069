// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* ksbpf: an eBPF VPN kill switch. Dispatches `ksbpf [OPTIONS] COMMAND [OPTIONS]`. */
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_log.h"
#include "build_id.h"
#include "commands.h"
#include "json.h"
#include "pins.h"

static const char common_help[] =
	"  --bpffs DIR     where ksbpf pins its programs, links and maps\n"
	"                  (default " KSBPF_DEFAULT_BPFFS "; bpffs is mounted if needed)\n"
	"  --cgroup DIR    cgroup v2 directory whose sockets are judged\n"
	"                  (default: the cgroup v2 root, from /proc/self/mountinfo)\n"
	"  --config FILE   configuration file (default " KSBPF_DEFAULT_CONFIG ",\n"
	"                  read if present): one `key = value` per line, keys are\n"
	"                  the long options; the command line wins over the file\n"
	"  --status-file FILE  the status snapshot that load, unload and run keep\n"
	"                  for users who cannot read the pins (default\n"
	"                  /run/ksbpf/status.json; status-ESCAPED-BPFFS.json for\n"
	"                  another --bpffs), and that status shows them\n"
	"  --debug         print all of libbpf's messages, the verifier's log of a\n"
	"                  refused program included\n"
	"  -V, --version   print ksbpf's version, build id and libbpf's version\n"
	"                  (with -j: JSON)\n"
	"  -h, --help      this text\n"
	"Options may come before the command too: ksbpf --bpffs DIR -j status.\n";

/* Every command that takes --json takes --pretty. */
static const char pretty_help[] =
	"  -p, --pretty    --json, indented (an object spans lines)\n";

static const char load_help[] =
	"Usage: ksbpf load [OPTIONS]\n"
	"Puts the kill switch in place in this network namespace, or updates it:\n"
	"a cgroup_skb egress program on --cgroup and a TC egress program on every\n"
	"uplink: every interface that may reach a wire. Local links (bridges with\n"
	"no wire port, their veth and tap ports, pod veths) lead only to this\n"
	"host and get none; what containers and VMs send out is judged where it\n"
	"leaves. `ksbpf status` says each interface's role and why (docs/policy.md,\n"
	"\"Interface roles\"). Everything is pinned: enforcement stays\n"
	"when ksbpf exits or is killed. Running it again adopts what is pinned\n"
	"(counters kept) and swaps programs in place. The allowlists become exactly\n"
	"what the options say.\n\n"
	"  --tunnel NAME       VPN interface (or fnmatch pattern: 'wg*'); repeatable.\n"
	"                      Need not exist yet: until it is up, only the\n"
	"                      allowlist passes\n"
	"  --endpoint IP:PORT/udp|tcp[@FWMARK]\n"
	"                      VPN server reachable in the clear (IPv6: [ADDR]:PORT);\n"
	"                      with @FWMARK only packets with that mark (wg fwmark,\n"
	"                      OpenVPN --mark) may use it; repeatable. A host name\n"
	"                      (vpn.example:51820/udp) is resolved now, before the\n"
	"                      kill switch blocks DNS outside the tunnel\n"
	"  --endpoint-mark MARK[/MASK][/udp|/tcp]\n"
	"                      packets whose fwmark matches may leave by an uplink\n"
	"                      (wg-quick's own kill switch: 0xca6c). Any process\n"
	"                      with CAP_NET_ADMIN or CAP_NET_RAW can set a mark:\n"
	"                      use it with --endpoint, not instead; repeatable\n"
	"  --allow-lan         allow the private and link-local ranges (see docs/policy.md)\n"
	"  --lan CIDR          allow this range too; repeatable\n"
	"  --lan-dns IP        allow DNS to this resolver outside the tunnel (DNS to\n"
	"                      any other address outside the tunnel is dropped, LAN\n"
	"                      or not); repeatable\n"
	"  --block-inbound     also judge what comes in through the uplinks: only\n"
	"                      the tunnel, endpoint replies, link bring-up and the\n"
	"                      LAN get in, never a packet to a tunnel address\n"
	"  --scope host|apps   host (default): judge every local socket; apps: only\n"
	"                      sockets of cgroups listed enforce or block\n"
	"  --dry-run           read and check the configuration and the options,\n"
	"                      change nothing; exit 2 if they would be refused\n"
	"                      (ksbpf.service's ExecReload= runs `run --dry-run`)\n"
	"  --tc-mode auto|tcx|legacy\n"
	"                      how TC programs attach: TCX links (Linux 6.6+, survive\n"
	"                      `tc qdisc del`), legacy clsact filters, or TCX with\n"
	"                      fallback (default auto)\n"
	"  --uplink PATTERN    judge the interfaces PATTERN (fnmatch) matches at TC,\n"
	"                      whatever they are; wins over --local; repeatable\n"
	"  --local PATTERN     never judge them at TC: they lead only to this host\n"
	"                      (a bridge's wire port keeps its own program); repeatable\n"
	"  --max-uplinks N     room for N uplinks (default 4096), set at the first\n"
	"                      load; a later change takes effect after `ksbpf unload`\n"
	"  --bypass-mark MARK  the fwmark that routes bypass apps' new sockets out of\n"
	"                      the uplinks (default 0x6b730000; 0: bypass apps are\n"
	"                      allowed, but routed as everything else)\n"
	"  --bypass-table N    ksbpf's routing table, a copy of the main table's\n"
	"                      routes through non-tunnel interfaces (default 27507)\n"
	"  --bypass-priority N priority of its `ip rule fwmark MARK lookup N`, one\n"
	"                      per family (default 5190: before wg-quick's,\n"
	"                      NetworkManager's and Tailscale's rules)\n";

static const char run_help[] =
	"Usage: ksbpf run [LOAD OPTIONS] [--netlink-buffer BYTES] [--wg-sync IFACE]\n"
	"                 [--log-drops summary|all|no] [--metrics-file FILE]\n"
	"Does what `ksbpf load` does, then stays in the foreground following\n"
	"rtnetlink: a tunnel that comes up is allowed at once, one that goes down,\n"
	"is deleted, renamed or moved to another namespace is blocked at once, a\n"
	"new uplink gets its TC program before anything else happens on it, and a\n"
	"bridge that gains or loses a wire port changes role at once.\n"
	"Lost events (netlink overrun) trigger a full resync. SIGHUP re-reads the\n"
	"configuration; SIGTERM/SIGINT stop the agent and leave enforcement in place.\n"
	"Takes every option of `ksbpf load`, and:\n\n"
	"  --netlink-buffer BYTES  netlink receive buffer (default 4 MiB: room for\n"
	"                          the events of a thousand new interfaces)\n"
	"  --wg-sync IFACE         every 250 ms, `ksbpf wg-sync IFACE`: the\n"
	"                          WireGuard peers' endpoints follow the peers\n"
	"                          (roaming, reconfiguration); repeatable\n"
	"  --log-drops summary|all|no  drops in the log: at most 10 lines a second\n"
	"                          and a count (summary, the default), every one,\n"
	"                          or none (`ksbpf events` has them all)\n"
	"  --metrics-file FILE     every 5 s, the metrics of `status --format\n"
	"                          prometheus` into FILE, atomically (for\n"
	"                          node_exporter's textfile collector)\n"
	"  --metrics-apps          with them, a series set per listed app\n"
	"The agent also keeps the status snapshot (--status-file) current.\n"
	"Under systemd (Type=notify) it reports READY=1 once enforcement is adopted,\n"
	"STATUS= (PROTECTED or DEGRADED, and why), RELOADING=1 around SIGHUP, and\n"
	"WATCHDOG=1 when the unit sets WatchdogSec=.\n";

static const char allow_help[] =
	"Usage: ksbpf allow endpoint IP:PORT/PROTO[@FWMARK] | lan CIDR | lan-dns IP\n"
	"       ksbpf allow mark MARK[/MASK] [udp|tcp]\n"
	"       ksbpf deny  endpoint IP:PORT/PROTO | mark MARK[/MASK] [udp|tcp] |\n"
	"                   lan CIDR | lan-dns IP\n"
	"Edits the allowlist of the loaded kill switch at once (no agent needed).\n"
	"`mark`: packets whose fwmark & MASK is MARK may leave by an uplink, to\n"
	"any address (wg-quick's own kill switch), UDP or TCP only if given, and\n"
	"with --block-inbound replies to a socket with that mark get in. Any\n"
	"process with CAP_NET_ADMIN or CAP_NET_RAW can set a mark: use it with\n"
	"the endpoints, not instead.\n"
	"What `allow` adds stays through later `ksbpf load`s until `deny` removes\n"
	"it; `deny` also removes a configured entry until the next load.\n"
	"Exit status: 0 done (also when deny found nothing), 1 not loaded or\n"
	"failed, 2 bad value.\n\n";

static const char tunnel_help[] =
	"Usage: ksbpf tunnel add|del NAME\n"
	"Adds or removes a tunnel name (or pattern) of the loaded kill switch and\n"
	"applies it to the interfaces at once. Added names stay through later\n"
	"`ksbpf load`s until `tunnel del`.\n\n";

static const char wg_sync_help[] =
	"Usage: ksbpf wg-sync [-j] [--forget] IFACE\n"
	"Reads the WireGuard interface IFACE of this network namespace (kernel\n"
	"WireGuard over generic netlink, wireguard-go over its UAPI socket) and\n"
	"makes its peers' endpoints, with its fwmark, endpoints of the loaded\n"
	"kill switch: IP:PORT/udp@FWMARK. Each sync replaces what the last one of\n"
	"IFACE wrote (a roaming peer: the new endpoint goes in before the old one\n"
	"leaves). An interface whose peers have no endpoint yet changes nothing.\n"
	"They stay through later `ksbpf load`s until --forget. `ksbpf run\n"
	"--wg-sync IFACE` does this every second.\n"
	"Exit status: 0 done, 1 not loaded, no such WireGuard interface, or\n"
	"failed, 2 bad usage.\n\n"
	"  --forget        remove the endpoints synced from IFACE\n"
	"  -j, --json      print one JSON object\n";

static const char app_help[] =
	"Usage: ksbpf app set CGROUP_DIR enforce|bypass|block\n"
	"       ksbpf app del CGROUP_DIR\n"
	"       ksbpf app list [--json]\n"
	"       ksbpf app add-pid PID --policy POLICY [--name NAME]\n"
	"Per-app policies, by cgroup v2 directory; a process gets the policy of\n"
	"its nearest listed cgroup (itself or an ancestor):\n"
	"  enforce  the kill switch holds (with --scope apps, only these and\n"
	"           block apps are held: the per-app kill switch)\n"
	"  bypass   split tunnelling: the app's new sockets are routed out of the\n"
	"           uplinks, with the uplink's address, however the VPN routes\n"
	"           (docs/policy.md, \"Split tunnelling\"); sockets it opened\n"
	"           before keep their route\n"
	"  block    no network at all, tunnel included\n"
	"`list` shows each app's policy, packets passed and dropped, and marks\n"
	"removed cgroups (the agent forgets them within seconds).\n"
	"`add-pid` moves a running process (all its threads) into the app\n"
	"CGROUP/ksbpf.apps/NAME, as `exec` would run it: its new sockets follow\n"
	"the policy.\n\n"
	"  -j, --json      print a JSON array\n"
	"  --policy POLICY add-pid: enforce, bypass or block\n"
	"  --name NAME     add-pid: the app's cgroup name (default: the process's)\n";

static const char exec_help[] =
	"Usage: ksbpf exec --policy enforce|bypass|block [--name NAME] [--user USER]\n"
	"                  -- COMMAND [ARGS...]\n"
	"Runs COMMAND in the cgroup CGROUP/ksbpf.apps/NAME (CGROUP: --cgroup, or\n"
	"the cgroup v2 root; NAME: --name, or the command's name), listed with the\n"
	"policy before COMMAND starts. One name is one app: every process run\n"
	"under it shares the policy. COMMAND runs as the user who asked: --user,\n"
	"else the user who ran sudo (SUDO_UID, SUDO_GID), pkexec (PKEXEC_UID) or\n"
	"doas (DOAS_USER), else the caller; root only when that is who asked.\n"
	"Exit status: COMMAND's, or 126/127 when it cannot be run, 1/2 for ksbpf's\n"
	"own errors.\n\n"
	"  --policy POLICY enforce, bypass or block (required)\n"
	"  --name NAME     the app's cgroup name\n"
	"  --user USER     run COMMAND as USER (a name or a uid)\n";

static const char events_help[] =
	"Usage: ksbpf events [--json] [--follow] [--count N]\n"
	"Prints the packets the kill switch dropped, newest last: time, reason,\n"
	"hook, interface, protocol, addresses and ports, length and the sending\n"
	"app's cgroup. ksbpf keeps the last 4096 drops, at most 64 per second per\n"
	"reason and CPU (the rest are counted, see status).\n\n"
	"  -j, --json      one JSON object per line (fields in docs/cli.md)\n"
	"  --follow        keep printing new drops until interrupted\n"
	"  --count N       only the last N drops already recorded\n";

static const char verify_help[] =
	"Usage: ksbpf verify [--json]\n"
	"The kill-switch self-test, without sending anything: crafted packets go\n"
	"through the pinned programs (BPF_PROG_TEST_RUN) as if this process sent\n"
	"them through an uplink of this namespace. Leak probes (public IPv4 and\n"
	"IPv6, public DNS, DNS over TLS) must be dropped by both hooks; the VPN\n"
	"endpoints and the tunnels must pass; LAN probes are shown for\n"
	"information. The probes are counted and their drops recorded like real\n"
	"packets (source port 47000 and up).\n"
	"It also checks what status checks: every hook attached, every interface\n"
	"guarded.\n"
	"Exit status: 0 every leak probe dropped and everything attached, 4 a leak\n"
	"probe passes, an endpoint is blocked or status is degraded, 3 not loaded,\n"
	"1 error.\n\n"
	"  -j, --json      print one JSON object\n";

static const char check_help[] =
	"Usage: ksbpf check [--json]\n"
	"Can this kernel and system hold the kill switch? One line per requirement\n"
	"(privileges, cgroup v2, bpffs, BTF, lockdown, BPF LSM, how TC attaches,\n"
	"how sockets' namespaces are told apart), then every BPF program is loaded\n"
	"and verified as `load` would, and closed: nothing is attached or pinned.\n"
	"A refused program is named with the verifier's reason (--debug prints\n"
	"the whole log). Results: ok; info (not needed); missing (ksbpf loads, but\n"
	"that row is not enforced here); fail (ksbpf cannot load).\n"
	"Exit status: 0 everything holds, 4 degraded (something missing), 1 ksbpf\n"
	"cannot load here.\n\n"
	"  -j, --json      print one JSON object\n";

static const char unload_help[] =
	"Usage: ksbpf unload [OPTIONS]\n"
	"Detaches every ksbpf program and removes the pins: the kill switch is off.\n\n";

static const char status_help[] =
	"Usage: ksbpf status [-v] [--format text|json|prometheus] [--watch] [OPTIONS]\n"
	"Says whether the kill switch holds and why, the tunnels, the interfaces\n"
	"not guarded and the last drop; with -v also what is attached where, the\n"
	"allowlists and the per-reason packet counters. A user who cannot read the\n"
	"pins (systemd mounts /sys/fs/bpf 0700) is shown the status snapshot root's\n"
	"load, unload and agent keep (--status-file), with its age; never \"not\n"
	"loaded\" for a directory that cannot be seen.\n"
	"Exit status: 0 protected, 3 not loaded, 4 degraded (something detached, or\n"
	"an interface appeared after load and is not guarded), 1 error.\n\n"
	"  -v, --verbose   everything, not the summary\n"
	"  -j, --json      print one JSON object (fields in docs/cli.md)\n"
	"  --format F      text (the default), json (= --json) or prometheus (the\n"
	"                  text exposition format; root only)\n"
	"  --metrics-apps  prometheus: a series set per listed app too\n"
	"  --watch         print it again every second (with --json: one object\n"
	"                  per line) until interrupted\n";

static const char help_help[] =
	"Usage: ksbpf help [COMMAND]\n"
	"Prints what `ksbpf COMMAND --help` prints, or, without COMMAND, the list\n"
	"of commands.\n\n";

static const char completion_help[] =
	"Usage: ksbpf completion bash|zsh\n"
	"Prints the shell's completion script for ksbpf, generated from its\n"
	"commands and options (`make install` installs both). To try one in this\n"
	"shell: source <(ksbpf completion bash).\n\n";

static const char main_help[] =
	"Usage: ksbpf [OPTIONS] COMMAND [OPTIONS]\n"
	"An eBPF VPN kill switch: no packet leaves this host except through the\n"
	"tunnel or the allowlist, even when ksbpf itself is not running.\n\n"
	"Commands:\n"
	"  load                 put the kill switch in place, or update it\n"
	"  run                  load, then follow tunnels and interfaces (the agent)\n"
	"  unload               remove it\n"
	"  status               is it holding, and what does it hold\n"
	"  allow|deny KIND VAL  edit the allowlist (endpoint, mark, lan, lan-dns)\n"
	"  tunnel add|del NAME  edit the tunnel names\n"
	"  wg-sync IFACE        allow a WireGuard interface's peer endpoints\n"
	"  events               what was dropped, and why\n"
	"  verify               self-test: would a leak get through?\n"
	"  check                can this kernel hold it? (changes nothing)\n"
	"  app set|del|list     per-app policies: enforce, bypass, block\n"
	"  exec --policy P -- CMD  run CMD as an app with that policy\n"
	"  completion bash|zsh  print the shell completion script\n"
	"  help CMD             the options of CMD (also: ksbpf CMD -h)\n\n"
	"Options, before or after the command: -V/--version, -h/--help,\n"
	"-j/--json and -p/--pretty (commands that print JSON). Every command takes\n"
	"--bpffs DIR, --cgroup DIR, --config FILE, --status-file FILE and --debug.\n"
	"Exit status: 0 success, 1 failure (as a user, where root is needed:\n"
	"\"permission denied: run as root\"), 2 bad usage or input; status adds\n"
	"3 not loaded and 4 degraded.\n";

static int cmd_help(const struct options *o);
static int cmd_completion(const struct options *o);

#define ALLOW_KINDS "endpoint mark lan lan-dns"

static const struct command commands[] = {
	{ "load", cmd_load, OPT_POLICY, false, true, NULL, load_help },
	{ "run", cmd_run, OPT_POLICY | OPT_AGENT, false, true, NULL, run_help },
	{ "unload", cmd_unload, 0, false, true, NULL, unload_help },
	{ "status", cmd_status, OPT_JSON | OPT_WATCH, false, true, NULL, status_help },
	{ "events", cmd_events, OPT_JSON | OPT_FOLLOW, false, true, NULL, events_help },
	{ "verify", cmd_verify, OPT_JSON, false, true, NULL, verify_help },
	{ "check", cmd_check, OPT_JSON, false, true, NULL, check_help },
	{ "allow", cmd_allow, 0, true, true, ALLOW_KINDS, allow_help },
	{ "deny", cmd_deny, 0, true, true, ALLOW_KINDS, allow_help },
	{ "tunnel", cmd_tunnel, 0, true, true, "add del", tunnel_help },
	{ "wg-sync", cmd_wg_sync, OPT_JSON | OPT_FORGET, true, true, NULL, wg_sync_help },
	{ "app", cmd_app, OPT_JSON | OPT_EXEC, true, true, "set del list add-pid", app_help },
	{ "exec", cmd_exec, OPT_EXEC | OPT_USER, false, true, NULL, exec_help },
	{ "completion", cmd_completion, 0, true, false, "bash zsh", completion_help },
	{ "help", cmd_help, 0, true, false, NULL, help_help },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void print_help(const struct command *cmd)
{
	fputs(cmd->help, stdout);
	if (cmd->accepts & OPT_POLICY) {
		if (cmd->run != cmd_load)
			fputs(load_help + strcspn(load_help, "\n") + 1, stdout);
		putchar('\n');
	}
	if (cmd->accepts & OPT_JSON)
		fputs(pretty_help, stdout);
	fputs(common_help, stdout);
}

static int cmd_help(const struct options *o)
{
	const struct command *cmd;

	if (!o->n_args) {
		fputs(main_help, stdout);
		return EXIT_OK;
	}
	cmd = find_command(o->args[0]);
	if (!cmd) {
		fprintf(stderr, "ksbpf: help: unknown command '%s' (try ksbpf --help)\n",
			o->args[0]);
		return EXIT_USAGE;
	}
	print_help(cmd);
	return EXIT_OK;
}

static int cmd_completion(const struct options *o)
{
	char err[ERR_LEN];

	if (o->n_args != 1) {
		fputs("ksbpf: usage: ksbpf completion bash|zsh\n", stderr);
		return EXIT_USAGE;
	}
	if (completion_print(stdout, o->args[0], commands, N_COMMANDS, err)) {
		report_error(err);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int print_version(bool json)
{
	struct json j;

	if (!json) {
		printf("ksbpf %s (build %s, libbpf %s)\n", KSBPF_VERSION, build_id_self(),
		       libbpf_version_string());
		return EXIT_OK;
	}
	json_init(&j, stdout);
	json_object_begin(&j);
	json_key(&j, "version");
	json_string(&j, KSBPF_VERSION);
	json_key(&j, "build");
	json_string(&j, build_id_self());
	json_key(&j, "libbpf");
	json_string(&j, libbpf_version_string());
	json_object_end(&j);
	json_finish(&j);
	return EXIT_OK;
}

/* `ksbpf [OPTIONS]`: --version, --help, or how to use ksbpf. */
static int without_command(int argc, char **argv, struct options *o)
{
	char err[ERR_LEN];

	cli_defaults(o);
	if (cli_parse(argc, argv, OPT_JSON, o, err)) {
		fprintf(stderr, "ksbpf: %s (try ksbpf --help)\n", err);
		return EXIT_USAGE;
	}
	json_set_pretty(o->pretty);
	if (o->version)
		return print_version(o->json);
	fputs(main_help, o->help ? stdout : stderr);
	return o->help ? EXIT_OK : EXIT_USAGE;
}

/* The command's own argv: COMMAND, the options before it, the words after
 * it. Never freed: the agent parses it again on SIGHUP. */
static char **command_argv(int argc, char **argv, int at)
{
	char **args = calloc((size_t)argc, sizeof(*args));

	if (!args)
		return NULL;
	args[0] = argv[at];
	memcpy(args + 1, argv + 1, (size_t)(at - 1) * sizeof(*args));
	memcpy(args + at, argv + at + 1, (size_t)(argc - at - 1) * sizeof(*args));
	return args;
}

static int parse_options(const struct command *cmd, int argc, char **argv,
			 struct options *o, char *err)
{
	if (cmd->reads_config)
		return cli_parse_with_config(argc, argv, cmd->accepts, o, err);
	cli_defaults(o);
	return cli_parse(argc, argv, cmd->accepts, o, err);
}

int main(int argc, char **argv)
{
	static struct options o;	/* large: not on the stack */
	const struct command *cmd;
	char err[ERR_LEN], **args;
	int at = cli_command_index(argc, argv, err);

	if (at < 0) {
		fprintf(stderr, "ksbpf: %s (try ksbpf --help)\n", err);
		return EXIT_USAGE;
	}
	if (at == argc)
		return without_command(argc, argv, &o);
	cmd = find_command(argv[at]);
	if (!cmd) {
		fprintf(stderr, "ksbpf: unknown command '%s' (try ksbpf --help)\n", argv[at]);
		return EXIT_USAGE;
	}
	args = command_argv(argc, argv, at);
	if (!args) {
		report_error("out of memory");
		return EXIT_FAILED;
	}
	if (parse_options(cmd, argc - 1, args, &o, err)) {
		fprintf(stderr, "ksbpf: %s (try ksbpf %s --help)\n", err, cmd->name);
		return EXIT_USAGE;
	}
	json_set_pretty(o.pretty);
	if (o.version)
		return print_version(o.json);
	if (o.help) {
		print_help(cmd);
		return EXIT_OK;
	}
	if (o.n_args && !cmd->takes_args) {
		fprintf(stderr, "ksbpf: %s: unexpected argument '%s' (try ksbpf %s --help)\n",
			cmd->name, o.args[0], cmd->name);
		return EXIT_USAGE;
	}
	o.argc = argc - 1;
	o.argv = args;
	bpf_log_init(o.debug);
	setvbuf(stdout, NULL, _IOLBF, 0);	/* the agent's lines, in order */
	return cmd->run(&o);
}
