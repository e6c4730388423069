// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Per-packet cost of ksbpf's programs with BPF_PROG_TEST_RUN, against empty
 * programs of the same types (the floor: the harness's own cost per run).
 *
 * The programs are loaded from the skeleton without pinning (as the verdict
 * tests do: nothing is attached and no pin of a running ksbpf is touched),
 * the maps are filled the way the loader would fill them, and every case is
 * first run once to check that it takes the verdict it claims to measure
 * (return value and the reason counter that moves). A case that does not is
 * a failure of the tool (exit 1): the figures would be of the wrong path.
 *
 * Worlds:
 *   base       --tunnel, 4 endpoints (+ derived), --allow-lan, 2 --lan-dns:
 *              one packet of each verdict class.
 *   lan N      N IPv4 LAN entries in the trie (no default set): a nested
 *              chain of prefixes (/16 ... /32) plus random /32s. Packets: the
 *              tunnel, the /32 at the bottom of the chain (a deep hit), a
 *              random entry, and a near miss (an entry's neighbour).
 *   endpoints N  N endpoint entries (the map holds KSBPF_MAX_ENDPOINTS).
 *   apps N     N app entries (the map holds KSBPF_MAX_APPS); the process
 *              sits 6 cgroup levels deep, under a listed ancestor (deep hit)
 *              or under none (miss, and the tunnel path with apps listed).
 *
 * Run it in a network namespace holding the uplink and tunnel interfaces
 * it is given (tests/bench/bench.sh does), with a cgroup v2 directory of
 * its own (--cgroup) where it makes its sub-cgroups and moves itself.
 *
 *   progcost --empty build/bench/empty.bpf.o --uplink IF --tunnel IF
 *            --cgroup DIR [--repeat N] [--rounds K] [--sizes 10,1000,...]
 *            [--json FILE]
 *
 * Each measurement pairs the empty program and ksbpf's on the same frame,
 * back to back (these VMs change speed from one second to the next); the
 * table gives the medians over the rounds of ns/packet, of the floor, of
 * the difference and of the ratio.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ksbpf.h"
#include "ksbpf.skel.h"
#include "packets.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_SAMPLES 64
#define MAX_SIZES 8

#define CG_PASS 1
#define TC_NEXT -1

/* ------------------------------------------------------------------------
 * Options and environment
 */

static struct {
	const char *empty_obj;
	const char *prims_obj;
	const char *worlds;		/* comma-separated; NULL: all */
	const char *uplink;
	const char *tunnel;
	const char *cgroup;
	const char *json;
	unsigned long repeat;
	int rounds;
	long sizes[MAX_SIZES];
	int n_sizes;
} opt = {
	.repeat = 1000000,
	.rounds = 5,
	.sizes = { 10, 1000, 10000, 100000 },
	.n_sizes = 4,
};

/* Cgroups under --cgroup: the process moves between them. */
enum cg_node {
	CG_ORIG = 0,		/* where the process was: not ours */
	CG_APP,			/* DIR/app: a listed app, the process in it */
	CG_D1, CG_D2, CG_D3, CG_D4, CG_D5,	/* DIR/d1/../d5: d1 listed */
	CG_M1, CG_M2, CG_M3, CG_M4, CG_M5,	/* DIR/m1/../m5: none listed */
	CG_NODES,
};

static const char *const cg_rel[CG_NODES] = {
	[CG_APP] = "/app",
	[CG_D1] = "/d1", [CG_D2] = "/d1/d2", [CG_D3] = "/d1/d2/d3",
	[CG_D4] = "/d1/d2/d3/d4", [CG_D5] = "/d1/d2/d3/d4/d5",
	[CG_M1] = "/m1", [CG_M2] = "/m1/m2", [CG_M3] = "/m1/m2/m3",
	[CG_M4] = "/m1/m2/m3/m4", [CG_M5] = "/m1/m2/m3/m4/m5",
};

static struct {
	struct ksbpf_bpf *skel;
	struct bpf_object *empty;
	int empty_cg, empty_tc;
	int ifindex_up, ifindex_tun;
	uint64_t netns_cookie;
	int ncpus;
	struct ksbpf_counter *percpu;
	char cg_path[CG_NODES][PATH_MAX];
	uint64_t cg_id[CG_NODES];
	bool cg_made[CG_NODES];
	int cg_now;		/* enum cg_node the process is in */
	FILE *json;
	bool json_first;
	int failures;
} env = { .empty_cg = -1, .empty_tc = -1, .cg_now = CG_ORIG, .json_first = true };

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void cg_remove_all(void);

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "progcost: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* ------------------------------------------------------------------------
 * Cgroups
 */

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static void cg_move(int node)
{
	char procs[PATH_MAX + 16];

	if (env.cg_now == node)
		return;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", env.cg_path[node]);
	if (write_text(procs, "0"))
		die("cannot move into %s: %s", env.cg_path[node], strerror(errno));
	env.cg_now = node;
}

static void cg_remove_all(void)
{
	if (env.cg_now != CG_ORIG && env.cg_path[CG_ORIG][0]) {
		char procs[PATH_MAX + 16];

		snprintf(procs, sizeof(procs), "%s/cgroup.procs",
			 env.cg_path[CG_ORIG]);
		if (!write_text(procs, "0"))
			env.cg_now = CG_ORIG;
	}
	for (int i = CG_NODES - 1; i > CG_ORIG; i--) {
		if (env.cg_made[i] && !rmdir(env.cg_path[i]))
			env.cg_made[i] = false;
	}
}

static void on_signal(int sig)
{
	(void)sig;
	cg_remove_all();
	_exit(130);
}

static void find_cgroup2(char *mnt, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], fstype[64], m[PATH_MAX];

	if (!f)
		die("/proc/self/mountinfo: %s", strerror(errno));
	mnt[0] = '\0';
	while (!mnt[0] && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		if (sep && sscanf(sep + 3, "%63s", fstype) == 1 &&
		    !strcmp(fstype, "cgroup2") &&
		    sscanf(line, "%*s %*s %*s %*s %4095s", m) == 1)
			snprintf(mnt, len, "%s", m);
	}
	fclose(f);
	if (!mnt[0])
		die("no cgroup2 mount");
}

static void cg_setup(void)
{
	char mnt[PATH_MAX], line[PATH_MAX + 8];
	FILE *f;
	struct stat st;

	find_cgroup2(mnt, sizeof(mnt));
	f = fopen("/proc/self/cgroup", "re");
	if (!f)
		die("/proc/self/cgroup: %s", strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "0::", 3))
			if ((size_t)snprintf(env.cg_path[CG_ORIG], PATH_MAX,
					     "%.2047s%.2047s", mnt, line + 3) >= PATH_MAX)
				die("cgroup path too long");
	}
	fclose(f);
	if (!env.cg_path[CG_ORIG][0])
		die("no cgroup v2 line in /proc/self/cgroup");
	if (stat(opt.cgroup, &st) || !S_ISDIR(st.st_mode))
		die("--cgroup %s: not a directory", opt.cgroup);
	if (strncmp(opt.cgroup, mnt, strlen(mnt)) || !strcmp(opt.cgroup, mnt))
		die("--cgroup %s is not below the cgroup v2 mount %s",
		    opt.cgroup, mnt);
	atexit(cg_remove_all);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (int i = CG_ORIG + 1; i < CG_NODES; i++) {
		snprintf(env.cg_path[i], PATH_MAX, "%s%s", opt.cgroup, cg_rel[i]);
		if (mkdir(env.cg_path[i], 0755) && errno != EEXIST)
			die("mkdir %s: %s", env.cg_path[i], strerror(errno));
		env.cg_made[i] = true;
		if (stat(env.cg_path[i], &st))
			die("stat %s: %s", env.cg_path[i], strerror(errno));
		env.cg_id[i] = st.st_ino;	/* a cgroup v2 id */
	}
}

/* ------------------------------------------------------------------------
 * Programs and maps
 */

static void load_ksbpf(void)
{
	struct bpf_map *map;
	int err;

	env.skel = ksbpf_bpf__open();
	if (!env.skel)
		die("ksbpf_bpf__open: %s", strerror(errno));
	/* Never adopt or create a pin: nothing here is ksbpf's real state. */
	bpf_object__for_each_map(map, env.skel->obj) {
		err = bpf_map__set_pin_path(map, NULL);
		if (err)
			die("bpf_map__set_pin_path(%s): %s", bpf_map__name(map),
			    strerror(-err));
	}
	err = ksbpf_bpf__load(env.skel);
	if (err)
		die("ksbpf_bpf__load: %s", strerror(-err));
}

static void unload_ksbpf(void)
{
	ksbpf_bpf__destroy(env.skel);
	env.skel = NULL;
}

static void load_empty(void)
{
	struct bpf_program *prog;
	int err;

	env.empty = bpf_object__open_file(opt.empty_obj, NULL);
	if (!env.empty)
		die("bpf_object__open_file(%s): %s", opt.empty_obj,
		    strerror(errno));
	err = bpf_object__load(env.empty);
	if (err)
		die("bpf_object__load(%s): %s", opt.empty_obj, strerror(-err));
	prog = bpf_object__find_program_by_name(env.empty, "empty_cg_egress");
	env.empty_cg = prog ? bpf_program__fd(prog) : -1;
	prog = bpf_object__find_program_by_name(env.empty, "empty_tc_egress");
	env.empty_tc = prog ? bpf_program__fd(prog) : -1;
	if (env.empty_cg < 0 || env.empty_tc < 0)
		die("%s: no empty_cg_egress / empty_tc_egress", opt.empty_obj);
}

static void map_put(const struct bpf_map *map, const void *key,
		    const void *value)
{
	if (bpf_map_update_elem(bpf_map__fd(map), key, value, BPF_ANY))
		die("bpf_map_update_elem(%s): %s", bpf_map__name(map),
		    strerror(errno));
}

static void set_config(uint32_t flags)
{
	struct ksbpf_config cfg = {
		.layout_version = KSBPF_LAYOUT_VERSION,
		.flags = flags,
		.netns_cookie = env.netns_cookie,
	};
	uint32_t zero = 0;

	map_put(env.skel->maps.ksbpf_config, &zero, &cfg);
}

static void add_tunnel(void)
{
	struct ksbpf_tunnel tun = { .name = "bench-tunnel" };
	uint32_t ifindex = env.ifindex_tun;

	map_put(env.skel->maps.ksbpf_tunnels, &ifindex, &tun);
}

/* The loader makes an entry per uplink in ksbpf_uplink_stats when it
 * attaches (a map that newer layouts have); do the same when it exists. */
static void add_uplink_stats(void)
{
	struct bpf_map *map = bpf_object__find_map_by_name(env.skel->obj,
							   "ksbpf_uplink_stats");
	uint32_t ifindex = env.ifindex_up;
	size_t size;
	void *zero;

	if (!map)
		return;
	size = (size_t)((bpf_map__value_size(map) + 7) & ~7u) * env.ncpus;
	zero = calloc(1, size);
	if (!zero)
		die("calloc");
	map_put(map, &ifindex, zero);
	free(zero);
}

static void add_endpoint(int family, const char *addr, uint8_t proto,
			 uint16_t port, uint32_t origin)
{
	struct ksbpf_endpoint_key key = {
		.family = family == AF_INET ? KSBPF_AF_INET : KSBPF_AF_INET6,
		.proto = proto,
		.port = port,
	};
	struct ksbpf_endpoint val = { .origin = origin };

	if (inet_pton(family, addr, key.addr) != 1)
		die("bad address %s", addr);
	map_put(env.skel->maps.ksbpf_endpoints, &key, &val);
}

static void add_lan4(uint32_t addr_host, uint32_t prefixlen, uint32_t origin)
{
	struct ksbpf_lan4_key key = { .prefixlen = prefixlen };
	struct ksbpf_lan val = { .origin = origin };
	uint32_t net = htonl(addr_host);

	memcpy(key.addr, &net, 4);
	map_put(env.skel->maps.ksbpf_lan4, &key, &val);
}

static void add_lan_text(const char *cidr, uint32_t origin)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(cidr, '/');
	struct ksbpf_lan val = { .origin = origin };

	snprintf(addr, sizeof(addr), "%.*s",
		 slash ? (int)(slash - cidr) : (int)strlen(cidr), cidr);
	if (strchr(cidr, ':')) {
		struct ksbpf_lan6_key key = {
			.prefixlen = slash ? (uint32_t)atoi(slash + 1) : 128,
		};

		if (inet_pton(AF_INET6, addr, key.addr) != 1)
			die("bad CIDR %s", cidr);
		map_put(env.skel->maps.ksbpf_lan6, &key, &val);
	} else {
		struct ksbpf_lan4_key key = {
			.prefixlen = slash ? (uint32_t)atoi(slash + 1) : 32,
		};

		if (inet_pton(AF_INET, addr, key.addr) != 1)
			die("bad CIDR %s", cidr);
		map_put(env.skel->maps.ksbpf_lan4, &key, &val);
	}
}

static void add_lan_dns(const char *text)
{
	int family = strchr(text, ':') ? AF_INET6 : AF_INET;
	struct ksbpf_addr_key key = {
		.family = family == AF_INET ? KSBPF_AF_INET : KSBPF_AF_INET6,
	};
	struct ksbpf_lan_dns val = { .origin = KSBPF_ORIGIN_CONFIG };

	if (inet_pton(family, text, key.addr) != 1)
		die("bad address %s", text);
	map_put(env.skel->maps.ksbpf_lan_dns, &key, &val);
	add_lan_text(text, KSBPF_ORIGIN_RESOLVER);
}

static void set_app(uint64_t cgroup_id, uint32_t policy)
{
	struct ksbpf_app app = { .policy = policy };

	map_put(env.skel->maps.ksbpf_apps, &cgroup_id, &app);
}

static void del_app(uint64_t cgroup_id)
{
	bpf_map_delete_elem(bpf_map__fd(env.skel->maps.ksbpf_apps), &cgroup_id);
}

/* What `ksbpf load --tunnel T --endpoint ... [--allow-lan] --lan-dns ...`
 * puts in the maps. */
#define EP4 "198.51.100.7"
#define EP6 "2001:db8:ee::7"
#define PUBLIC4 "203.0.113.9"
#define PUBLIC6 "2001:db8:5::9"

static const char *const default_lan[] = {
	"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
	"224.0.0.0/24", "239.255.255.250/32", "255.255.255.255/32",
	"fe80::/10", "fc00::/7", "ff02::/16",
};

static void base_world(bool std_endpoints, bool allow_lan)
{
	set_config(0);
	add_tunnel();
	add_uplink_stats();
	if (std_endpoints) {
		add_endpoint(AF_INET, EP4, IPPROTO_UDP, 51820, KSBPF_ORIGIN_CONFIG);
		add_endpoint(AF_INET, EP4, IPPROTO_UDP, 0, KSBPF_ORIGIN_DERIVED);
		add_endpoint(AF_INET, "198.51.100.8", IPPROTO_TCP, 443,
			     KSBPF_ORIGIN_CONFIG);
		add_endpoint(AF_INET, "198.51.100.8", IPPROTO_TCP, 0,
			     KSBPF_ORIGIN_DERIVED);
		add_endpoint(AF_INET6, EP6, IPPROTO_UDP, 51820, KSBPF_ORIGIN_CONFIG);
		add_endpoint(AF_INET6, EP6, IPPROTO_UDP, 0, KSBPF_ORIGIN_DERIVED);
	}
	if (allow_lan) {
		for (size_t i = 0; i < ARRAY_SIZE(default_lan); i++)
			add_lan_text(default_lan[i], KSBPF_ORIGIN_LAN_DEFAULT);
		add_lan_dns("192.168.1.1");
		add_lan_dns("fd00::53");
	}
}

/* ------------------------------------------------------------------------
 * Cases
 */

enum out_if { IF_UP = 0, IF_TUN, IF_LO };

enum hook_id { HOOK_CG = 0, HOOK_TC, HOOKS };

static const char *const hook_names[HOOKS] = { "cgroup_skb", "tc" };

struct bcase {
	const char *cls;		/* the verdict class measured */
	struct pkt pkt;
	enum out_if oif;
	enum ksbpf_reason want;
	bool apps;			/* config: KSBPF_F_HAVE_APPS */
	int where;			/* enum cg_node of the process */
	int listed;			/* enum cg_node listed with policy */
	uint32_t policy;
	bool unlist;			/* remove `listed` before the case */
	bool profile;			/* a building block: no verdict */
};

#define IP4(d, pr, ...) { .kind = PKT_IPV4, .dst = (d), .proto = (pr), __VA_ARGS__ }
#define IP6(d, pr, ...) { .kind = PKT_IPV6, .dst = (d), .proto = (pr), __VA_ARGS__ }
#define UDP4(d, sp, dp) IP4(d, IPPROTO_UDP, .sport = (sp), .dport = (dp))
#define UDP6(d, sp, dp) IP6(d, IPPROTO_UDP, .sport = (sp), .dport = (dp))
#define OTHER(type) { .kind = PKT_OTHER, .ethertype = (type) }
#define CASE(c, p, o, w) .cls = (c), .pkt = p, .oif = (o), .want = (w)

static const char *const reason_names[KSBPF_REASON_MAX] = {
	[KSBPF_R_TUNNEL] = "tunnel",
	[KSBPF_R_LOOPBACK] = "loopback",
	[KSBPF_R_APP_BLOCK] = "app_block",
	[KSBPF_R_APP_BYPASS] = "app_bypass",
	[KSBPF_R_ENDPOINT] = "endpoint",
	[KSBPF_R_LINK_BRINGUP] = "link_bringup",
	[KSBPF_R_DNS] = "dns",
	[KSBPF_R_LAN] = "lan",
	[KSBPF_R_NO_ROUTE] = "no_route",
	[KSBPF_R_MALFORMED] = "malformed",
	[KSBPF_R_OUT_OF_SCOPE] = "out_of_scope",
	[KSBPF_R_OTHER_NETNS] = "other_netns",
};

static const char *reason_name(int r)
{
	if (r == -1)
		return "(no counter moved)";
	if (r == -2)
		return "(several counters moved)";
	if (r < 0 || r >= KSBPF_REASON_MAX || !reason_names[r])
		return "(unknown)";
	return reason_names[r];
}

static int iface(enum out_if oif)
{
	switch (oif) {
	case IF_TUN:
		return env.ifindex_tun;
	case IF_LO:
		return 1;
	default:
		return env.ifindex_up;
	}
}

static int ksbpf_fd(enum hook_id h)
{
	return bpf_program__fd(h == HOOK_CG ? env.skel->progs.ksbpf_cg_egress :
					      env.skel->progs.ksbpf_tc_egress);
}

static int empty_fd(enum hook_id h)
{
	return h == HOOK_CG ? env.empty_cg : env.empty_tc;
}

static int test_run(int prog_fd, const struct frame *f, const struct bcase *c,
		    unsigned long repeat, uint32_t *ns, int *ret)
{
	struct __sk_buff ctx = { .ifindex = iface(c->oif) };
	LIBBPF_OPTS(bpf_test_run_opts, opts,
		.data_in = f->data,
		.data_size_in = f->len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
		.repeat = (int)repeat,
	);

	if (bpf_prog_test_run_opts(prog_fd, &opts))
		return -errno;
	*ns = opts.duration;	/* mean ns per run, measured by the kernel */
	*ret = (int)opts.retval;
	return 0;
}

static void read_counters(enum hook_id h, uint64_t out[KSBPF_REASON_MAX])
{
	int fd = bpf_map__fd(env.skel->maps.ksbpf_counters);
	enum ksbpf_hook hook = h == HOOK_CG ? KSBPF_HOOK_CGROUP_EGRESS :
					      KSBPF_HOOK_TC_EGRESS;

	for (int r = 0; r < KSBPF_REASON_MAX; r++) {
		uint32_t index = ksbpf_counter_index(hook, r);

		if (bpf_map_lookup_elem(fd, &index, env.percpu))
			die("ksbpf_counters: %s", strerror(errno));
		out[r] = 0;
		for (int cpu = 0; cpu < env.ncpus; cpu++)
			out[r] += env.percpu[cpu].packets;
	}
}

/* Puts the process and the maps in the state the case needs. */
static void prepare(const struct bcase *c)
{
	set_config(c->apps ? KSBPF_F_HAVE_APPS : 0);
	if (c->listed) {
		if (c->unlist)
			del_app(env.cg_id[c->listed]);
		else
			set_app(env.cg_id[c->listed], c->policy);
	}
	cg_move(c->where);
}

/* One run: does the case take the verdict it claims? */
static bool check(const struct bcase *c, enum hook_id h, const struct frame *f)
{
	uint64_t before[KSBPF_REASON_MAX], after[KSBPF_REASON_MAX];
	bool pass = ksbpf_reason_allows(c->want);
	int want_ret = h == HOOK_CG ? (pass ? CG_PASS : 0) : (pass ? TC_NEXT : 2);
	int moved = -1, ret = 0, err;
	uint32_t ns;

	read_counters(h, before);
	err = test_run(ksbpf_fd(h), f, c, 1, &ns, &ret);
	if (err) {
		fprintf(stderr, "progcost: %s [%s]: test run: %s\n", c->cls,
			hook_names[h], strerror(-err));
		return false;
	}
	read_counters(h, after);
	for (int r = 0; r < KSBPF_REASON_MAX; r++)
		if (after[r] != before[r])
			moved = moved == -1 ? r : -2;
	if (ret == want_ret && moved == (int)c->want)
		return true;
	fprintf(stderr, "progcost: %s [%s]: want %s (ret %d), got %s (ret %d)\n",
		c->cls, hook_names[h], reason_name(c->want), want_ret,
		reason_name(moved), ret);
	return false;
}

/* ------------------------------------------------------------------------
 * Measuring and reporting
 */

struct series {
	double ns[MAX_SAMPLES], floor[MAX_SAMPLES];
	int n;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const double *v, int n)
{
	double s[MAX_SAMPLES];

	if (n <= 0)
		return 0;
	memcpy(s, v, sizeof(*v) * (size_t)n);
	qsort(s, (size_t)n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void json_sep(void)
{
	if (!env.json)
		return;
	fputs(env.json_first ? "\n  " : ",\n  ", env.json);
	env.json_first = false;
}

static void report(const char *world, long size, long requested,
		   const struct bcase *c, enum hook_id h, const struct series *s)
{
	double above[MAX_SAMPLES] = { 0 }, ratio[MAX_SAMPLES] = { 0 }, lo, hi;
	double m_ns, m_floor, m_above, m_ratio;

	for (int i = 0; i < s->n; i++) {
		above[i] = s->ns[i] - s->floor[i];
		ratio[i] = s->floor[i] > 0 ? s->ns[i] / s->floor[i] : 0;
	}
	m_ns = median(s->ns, s->n);
	m_floor = median(s->floor, s->n);
	m_above = median(above, s->n);
	m_ratio = median(ratio, s->n);
	lo = hi = above[0];
	for (int i = 1; i < s->n; i++) {
		lo = above[i] < lo ? above[i] : lo;
		hi = above[i] > hi ? above[i] : hi;
	}
	if (size >= 0)
		printf("%-10s %7ld  %-14s %-10s %8.1f %8.1f %8.1f %6.2fx  [%.0f..%.0f]\n",
		       world, size, c->cls, hook_names[h], m_ns, m_floor,
		       m_above, m_ratio, lo, hi);
	else
		printf("%-10s %7s  %-14s %-10s %8.1f %8.1f %8.1f %6.2fx  [%.0f..%.0f]\n",
		       world, "-", c->cls, hook_names[h], m_ns, m_floor, m_above,
		       m_ratio, lo, hi);
	fflush(stdout);
	if (!env.json)
		return;
	json_sep();
	fprintf(env.json, "{\"world\": \"%s\", ", world);
	if (size >= 0)
		fprintf(env.json, "\"size\": %ld, \"size_requested\": %ld, ",
			size, requested);
	else
		fprintf(env.json, "\"size\": null, ");
	fprintf(env.json, "\"class\": \"%s\", \"hook\": \"%s\", \"reason\": \"%s\", "
		"\"ns\": %.1f, \"floor_ns\": %.1f, \"above_floor_ns\": %.1f, "
		"\"ratio\": %.3f, \"above_min\": %.1f, \"above_max\": %.1f, "
		"\"samples_ns\": [", c->cls, hook_names[h],
		c->profile ? "-" : reason_name(c->want), m_ns, m_floor, m_above, m_ratio, lo, hi);
	for (int i = 0; i < s->n; i++)
		fprintf(env.json, "%s%.0f", i ? ", " : "", s->ns[i]);
	fprintf(env.json, "], \"samples_floor_ns\": [");
	for (int i = 0; i < s->n; i++)
		fprintf(env.json, "%s%.0f", i ? ", " : "", s->floor[i]);
	fprintf(env.json, "]}");
}

/*
 * Runs every case of a world over the rounds, the empty program and
 * ksbpf's back to back on the same frame (in alternating order), and
 * reports each (case, hook).
 */
static void run_world(const char *world, long size, long requested,
		      const struct bcase *cases, size_t n)
{
	struct frame *frames = calloc(n, sizeof(*frames));
	struct series *s = calloc(n * HOOKS, sizeof(*s));
	bool *ok = calloc(n * HOOKS, sizeof(*ok));

	if (!frames || !s || !ok)
		die("calloc");
	for (size_t i = 0; i < n; i++) {
		if (build_frame(&cases[i].pkt, &frames[i]))
			die("%s: cannot build the frame", cases[i].cls);
		prepare(&cases[i]);
		for (int h = 0; h < HOOKS; h++) {
			ok[i * HOOKS + h] = check(&cases[i], h, &frames[i]);
			if (!ok[i * HOOKS + h])
				env.failures++;
		}
	}
	for (int r = 0; r < opt.rounds && r < MAX_SAMPLES; r++) {
		for (size_t i = 0; i < n; i++) {
			prepare(&cases[i]);
			for (int h = 0; h < HOOKS; h++) {
				struct series *ser = &s[i * HOOKS + h];
				uint32_t a = 0, b = 0;
				int ret, e1, e2;

				if (!ok[i * HOOKS + h])
					continue;
				if (r % 2) {
					e1 = test_run(ksbpf_fd(h), &frames[i], &cases[i],
						      opt.repeat, &b, &ret);
					e2 = test_run(empty_fd(h), &frames[i], &cases[i],
						      opt.repeat, &a, &ret);
				} else {
					e2 = test_run(empty_fd(h), &frames[i], &cases[i],
						      opt.repeat, &a, &ret);
					e1 = test_run(ksbpf_fd(h), &frames[i], &cases[i],
						      opt.repeat, &b, &ret);
				}
				if (e1 || e2)
					die("%s [%s]: test run: %s", cases[i].cls,
					    hook_names[h], strerror(-(e1 ? e1 : e2)));
				ser->floor[ser->n] = a;
				ser->ns[ser->n] = b;
				ser->n++;
			}
		}
	}
	cg_move(CG_ORIG);
	for (size_t i = 0; i < n; i++)
		for (int h = 0; h < HOOKS; h++)
			if (ok[i * HOOKS + h])
				report(world, size, requested, &cases[i], h,
				       &s[i * HOOKS + h]);
	free(frames);
	free(s);
	free(ok);
}

/* ------------------------------------------------------------------------
 * Worlds
 */

static void world_base(void)
{
	static const struct bcase cases[] = {
		{ CASE("tunnel", UDP4(PUBLIC4, 40000, 443), IF_TUN, KSBPF_R_TUNNEL) },
		{ CASE("tunnel6", UDP6(PUBLIC6, 40000, 443), IF_TUN, KSBPF_R_TUNNEL) },
		{ CASE("loopback", UDP4("127.0.0.1", 40000, 8080), IF_LO,
		  KSBPF_R_LOOPBACK) },
		{ CASE("endpoint", UDP4(EP4, 40000, 51820), IF_UP, KSBPF_R_ENDPOINT) },
		{ CASE("endpoint6", UDP6(EP6, 40000, 51820), IF_UP, KSBPF_R_ENDPOINT) },
		{ CASE("link_bringup", UDP4("255.255.255.255", 68, 67), IF_UP,
		  KSBPF_R_LINK_BRINGUP) },
		{ CASE("dns_drop", UDP4("8.8.8.8", 40000, 53), IF_UP, KSBPF_R_DNS) },
		{ CASE("lan", UDP4("192.168.1.20", 40000, 8080), IF_UP, KSBPF_R_LAN) },
		{ CASE("lan6", UDP6("fd00::20", 40000, 8080), IF_UP, KSBPF_R_LAN) },
		{ CASE("no_route", UDP4(PUBLIC4, 40000, 443), IF_UP,
		  KSBPF_R_NO_ROUTE) },
		{ CASE("no_route6", UDP6(PUBLIC6, 40000, 443), IF_UP,
		  KSBPF_R_NO_ROUTE) },
		{ CASE("malformed", OTHER(0x88b5),
		  IF_UP, KSBPF_R_MALFORMED) },
		/* `ksbpf exec`: the process's own cgroup is the listed app. */
		{ CASE("app_bypass", UDP4(PUBLIC4, 40000, 443), IF_UP,
		  KSBPF_R_APP_BYPASS), .apps = true, .where = CG_APP,
		  .listed = CG_APP, .policy = KSBPF_APP_BYPASS },
		{ CASE("app_block", UDP4(PUBLIC4, 40000, 443), IF_UP,
		  KSBPF_R_APP_BLOCK), .apps = true, .where = CG_APP,
		  .listed = CG_APP, .policy = KSBPF_APP_BLOCK },
	};

	load_ksbpf();
	base_world(true, true);
	run_world("base", -1, -1, cases, ARRAY_SIZE(cases));
	unload_ksbpf();
}

static char addr_text[4][INET_ADDRSTRLEN];

static const char *ip4_text(int slot, uint32_t host)
{
	uint32_t net = htonl(host);

	inet_ntop(AF_INET, &net, addr_text[slot], sizeof(addr_text[slot]));
	return addr_text[slot];
}

static bool lan4_has(uint32_t host)
{
	struct ksbpf_lan4_key key = { .prefixlen = 32 };
	struct ksbpf_lan val;
	uint32_t net = htonl(host);

	memcpy(key.addr, &net, 4);
	return !bpf_map_lookup_elem(bpf_map__fd(env.skel->maps.ksbpf_lan4),
				    &key, &val);
}

/*
 * N entries in ksbpf_lan4, inside 100.64.0.0/10: a chain of nested
 * prefixes ending in CHAIN/32 (up to 17 of them: /16 ... /32) and random
 * distinct /32s (a full-period LCG over the 2^22 addresses).
 */
#define LAN_BASE 0x64400000u	/* 100.64.0.0 */
#define LAN_SPAN (1u << 22)
#define LAN_CHAIN 0x64646464u	/* 100.100.100.100 */

static void world_lan(long n)
{
	long chain = n < 17 ? n : 17, randoms = n - chain;
	uint32_t x = 12345, last = 0, miss;
	uint32_t shift = (uint32_t)chain - 1;	/* bits below the widest prefix */

	load_ksbpf();
	base_world(true, false);
	for (long i = 0; i < chain; i++) {
		uint32_t len = 32 - (uint32_t)i;

		add_lan4(LAN_CHAIN & (len ? ~0u << (32 - len) : 0), len,
			 KSBPF_ORIGIN_CONFIG);
	}
	for (long i = 0; i < randoms;) {
		x = (x * 1664525u + 1013904223u) & (LAN_SPAN - 1);
		if ((LAN_BASE | x) >> shift == LAN_CHAIN >> shift)
			continue;	/* inside the chain's widest prefix */
		last = LAN_BASE | x;
		add_lan4(last, 32, KSBPF_ORIGIN_CONFIG);
		i++;
	}
	/* A near miss: the neighbour of an entry (or, with no random entries,
	 * the address just outside the chain's widest prefix). */
	if (randoms) {
		miss = last ^ 1;
		for (uint32_t bit = 1; lan4_has(miss) && bit < 16; bit++)
			miss = last ^ (1u << bit);
	} else {
		miss = LAN_CHAIN ^ (1u << shift);
	}
	if (lan4_has(miss))
		die("lan %ld: no near miss found", n);
	{
		struct bcase cases[] = {
			{ CASE("tunnel", UDP4(PUBLIC4, 40000, 443), IF_TUN,
			  KSBPF_R_TUNNEL) },
			{ CASE("lan_deep_hit", UDP4(ip4_text(0, LAN_CHAIN), 40000, 8080),
			  IF_UP, KSBPF_R_LAN) },
			{ CASE("lan_hit", UDP4(ip4_text(1, randoms ? last : LAN_CHAIN),
					  40000, 8080), IF_UP, KSBPF_R_LAN) },
			{ CASE("lan_miss", UDP4(ip4_text(2, miss), 40000, 8080),
			  IF_UP, KSBPF_R_NO_ROUTE) },
		};

		run_world("lan", n, n, cases, ARRAY_SIZE(cases));
	}
	unload_ksbpf();
}

/* N entries in ksbpf_endpoints: 198.18.0.0 + i, udp 51820. */
static void world_endpoints(long requested)
{
	long n = requested > KSBPF_MAX_ENDPOINTS ? KSBPF_MAX_ENDPOINTS : requested;
	const char *last = NULL;

	load_ksbpf();
	base_world(false, true);
	for (long i = 0; i < n; i++) {
		last = ip4_text(0, 0xc6120000u + (uint32_t)i);
		add_endpoint(AF_INET, last, IPPROTO_UDP, 51820, KSBPF_ORIGIN_CONFIG);
	}
	{
		struct bcase cases[] = {
			{ CASE("tunnel", UDP4(PUBLIC4, 40000, 443), IF_TUN,
			  KSBPF_R_TUNNEL) },
			{ CASE("endpoint_hit", UDP4(last, 40000, 51820), IF_UP,
			  KSBPF_R_ENDPOINT) },
			{ CASE("endpoint_miss", UDP4(last, 40000, 51821), IF_UP,
			  KSBPF_R_NO_ROUTE) },
		};

		run_world("endpoints", n, requested, cases, ARRAY_SIZE(cases));
	}
	unload_ksbpf();
}

/* N entries in ksbpf_apps: d1 (bypass) and N - 1 made-up cgroup ids. The
 * process sits 6 levels deep: below d1 (deep hit) or below m1 (none). */
static void world_apps(long requested)
{
	long n = requested > KSBPF_MAX_APPS ? KSBPF_MAX_APPS : requested;
	static const struct bcase cases[] = {
		{ CASE("tunnel", UDP4(PUBLIC4, 40000, 443), IF_TUN, KSBPF_R_TUNNEL),
		  .apps = true, .where = CG_M5 },
		{ CASE("app_own_hit", UDP4(PUBLIC4, 40000, 443), IF_UP,
		  KSBPF_R_APP_BYPASS), .apps = true, .where = CG_APP,
		  .listed = CG_APP, .policy = KSBPF_APP_BYPASS },
		{ CASE("app_deep_hit", UDP4(PUBLIC4, 40000, 443), IF_UP,
		  KSBPF_R_APP_BYPASS), .apps = true, .where = CG_D5 },
		{ CASE("app_miss", UDP4(PUBLIC4, 40000, 443), IF_UP, KSBPF_R_NO_ROUTE),
		  .apps = true, .where = CG_M5 },
	};
	long made = 0;

	load_ksbpf();
	base_world(true, true);
	set_app(env.cg_id[CG_D1], KSBPF_APP_BYPASS);
	set_app(env.cg_id[CG_APP], KSBPF_APP_BYPASS);
	for (uint64_t id = 0xbe00000000000000ull; made < n - 2; id += 7919) {
		set_app(id, KSBPF_APP_ENFORCE);
		made++;
	}
	run_world("apps", n, requested, cases, ARRAY_SIZE(cases));
	unload_ksbpf();
}

/*
 * The profile: each building block of tests/bench/prims.bpf.c against the
 * empty cgroup_skb program, on a UDP/IPv4 packet, the process 6 cgroup
 * levels deep (for the app walk).
 */
static struct bpf_map *prims_map(struct bpf_object *obj, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, name);

	if (!map)
		die("%s: no map %s", opt.prims_obj, name);
	return map;
}

static void world_profile(void)
{
	static const struct {
		const char *prog;
		const char *cls;
		enum out_if oif;
	} blocks[] = {
		{ "prim_config_lookup", "config_lookup", IF_TUN },
		{ "prim_netns_cookie", "netns_cookie", IF_TUN },
		{ "prim_tunnel_hash", "tunnel_hash_hit", IF_TUN },
		{ "prim_tunnel_array", "tunnel_array_hit", IF_TUN },
		{ "prim_count", "reason_counter", IF_TUN },
		{ "prim_uplink_stats", "uplink_counter", IF_UP },
		{ "prim_parse_load_bytes", "parse_load_bytes", IF_UP },
		{ "prim_parse_direct", "parse_direct", IF_UP },
		{ "prim_endpoint_hash", "endpoint_hash_miss", IF_UP },
		{ "prim_lan_lpm", "lan_lpm_hit", IF_UP },
		{ "prim_ktime", "ktime_boot_ns", IF_UP },
		{ "prim_cgroup_id", "skb_cgroup_id", IF_UP },
		{ "prim_app_walk", "app_walk_depth6", IF_UP },
	};
	const size_t n = ARRAY_SIZE(blocks);
	struct bcase base = { CASE("", UDP4("192.168.1.20", 40000, 8080), IF_UP,
				   KSBPF_R_LAN), .profile = true };
	struct bcase cases[ARRAY_SIZE(blocks)];
	struct series s[ARRAY_SIZE(blocks)];
	int fds[ARRAY_SIZE(blocks)];
	struct bpf_object *obj;
	struct frame f;
	uint32_t zero = 0, one = 1, ifindex;
	struct ksbpf_config cfg = { .layout_version = KSBPF_LAYOUT_VERSION };
	struct ksbpf_tunnel tun = { .name = "bench-tunnel" };
	void *percpu_zero;
	int err;

	obj = bpf_object__open_file(opt.prims_obj, NULL);
	if (!obj)
		die("bpf_object__open_file(%s): %s", opt.prims_obj, strerror(errno));
	err = bpf_object__load(obj);
	if (err)
		die("bpf_object__load(%s): %s", opt.prims_obj, strerror(-err));
	if (build_frame(&base.pkt, &f))
		die("profile: cannot build the frame");
	for (size_t i = 0; i < n; i++) {
		struct bpf_program *p = bpf_object__find_program_by_name(obj,
									  blocks[i].prog);

		if (!p)
			die("%s: no program %s", opt.prims_obj, blocks[i].prog);
		fds[i] = bpf_program__fd(p);
		cases[i] = base;
		cases[i].cls = blocks[i].cls;
		cases[i].oif = blocks[i].oif;
		memset(&s[i], 0, sizeof(s[i]));
	}
	/* The maps as a loaded ksbpf has them. */
	map_put(prims_map(obj, "p_config"), &zero, &cfg);
	ifindex = env.ifindex_tun;
	map_put(prims_map(obj, "p_tunnels"), &ifindex, &tun);
	if (ifindex < 4096)
		map_put(prims_map(obj, "p_tunnel_slots"), &ifindex, &one);
	percpu_zero = calloc((size_t)env.ncpus, 16);
	if (!percpu_zero)
		die("calloc");
	ifindex = env.ifindex_up;
	map_put(prims_map(obj, "p_uplink_stats"), &ifindex, percpu_zero);
	free(percpu_zero);
	for (int i = 0; i < 6; i++) {
		struct ksbpf_endpoint_key key = {
			.family = KSBPF_AF_INET, .proto = IPPROTO_UDP, .port = 51820,
			.addr = { 198, 51, 100, (uint8_t)(7 + i) },
		};
		struct ksbpf_endpoint val = { .origin = KSBPF_ORIGIN_CONFIG };

		map_put(prims_map(obj, "p_endpoints"), &key, &val);
	}
	for (size_t i = 0; i < ARRAY_SIZE(default_lan); i++) {
		const char *cidr = default_lan[i];
		char addr[INET_ADDRSTRLEN];
		struct ksbpf_lan4_key key = { .prefixlen = (uint32_t)atoi(strchr(cidr, '/') + 1) };
		struct ksbpf_lan val = { .origin = KSBPF_ORIGIN_LAN_DEFAULT };

		if (strchr(cidr, ':'))
			continue;
		snprintf(addr, sizeof(addr), "%.*s", (int)(strchr(cidr, '/') - cidr), cidr);
		if (inet_pton(AF_INET, addr, key.addr) != 1)
			die("bad CIDR %s", cidr);
		map_put(prims_map(obj, "p_lan4"), &key, &val);
	}
	for (uint64_t id = 0xbe00000000000000ull; id < 0xbe00000000000000ull + 10; id++) {
		struct ksbpf_app app = { .policy = KSBPF_APP_BYPASS };

		map_put(prims_map(obj, "p_apps"), &id, &app);
	}
	cg_move(CG_M5);
	for (int r = 0; r < opt.rounds && r < MAX_SAMPLES; r++) {
		for (size_t i = 0; i < n; i++) {
			uint32_t a = 0, b = 0;
			int ret, e1, e2;

			if (r % 2) {
				e1 = test_run(fds[i], &f, &cases[i], opt.repeat, &b, &ret);
				e2 = test_run(env.empty_cg, &f, &cases[i], opt.repeat, &a, &ret);
			} else {
				e2 = test_run(env.empty_cg, &f, &cases[i], opt.repeat, &a, &ret);
				e1 = test_run(fds[i], &f, &cases[i], opt.repeat, &b, &ret);
			}
			if (e1 || e2)
				die("profile %s: test run: %s", cases[i].cls,
				    strerror(-(e1 ? e1 : e2)));
			s[i].floor[s[i].n] = a;
			s[i].ns[s[i].n] = b;
			s[i].n++;
		}
	}
	cg_move(CG_ORIG);
	for (size_t i = 0; i < n; i++)
		report("profile", -1, -1, &cases[i], HOOK_CG, &s[i]);
	bpf_object__close(obj);
}

/* Program sizes: what `bpftool prog show` prints as xlated/jited. */
static void report_sizes(void)
{
	static const char *const names[] = { "ksbpf_cg_egress", "ksbpf_tc_egress" };

	load_ksbpf();
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct bpf_program *p =
			bpf_object__find_program_by_name(env.skel->obj, names[i]);
		struct bpf_prog_info info = { 0 };
		uint32_t len = sizeof(info);

		if (!p || bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
			die("bpf_obj_get_info_by_fd(%s): %s", names[i],
			    strerror(errno));
		printf("program %-16s xlated %u insns (%u B), jited %u B\n",
		       names[i], info.xlated_prog_len / 8, info.xlated_prog_len,
		       info.jited_prog_len);
		if (env.json) {
			json_sep();
			fprintf(env.json, "{\"program\": \"%s\", \"xlated_insns\": %u, "
				"\"jited_bytes\": %u}", names[i],
				info.xlated_prog_len / 8, info.jited_prog_len);
		}
	}
	unload_ksbpf();
}

/* ------------------------------------------------------------------------
 * Main
 */

static void parse_sizes(const char *text)
{
	char *copy = strdup(text), *save = NULL;

	opt.n_sizes = 0;
	for (char *t = strtok_r(copy, ",", &save); t && opt.n_sizes < MAX_SIZES;
	     t = strtok_r(NULL, ",", &save)) {
		long v = strtol(t, NULL, 10);

		if (v < 2)
			die("bad size %s", t);
		opt.sizes[opt.n_sizes++] = v;
	}
	free(copy);
}

static bool want_world(const char *name)
{
	size_t len = strlen(name);

	for (const char *w = opt.worlds; w && *w; w += strcspn(w, ",") + (w[strcspn(w, ",")] == ',')) {
		if (strcspn(w, ",") == len && !strncmp(w, name, len))
			return true;
	}
	return !opt.worlds;
}

static void usage(void)
{
	fprintf(stderr, "usage: progcost --empty OBJ [--prims OBJ] --uplink IF --tunnel IF "
		"--cgroup DIR [--repeat N] [--rounds K] [--sizes LIST] [--worlds LIST] "
		"[--json FILE]\n");
	exit(2);
}

static int netns_cookie(uint64_t *cookie)
{
	socklen_t len = sizeof(*cookie);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int err;

	if (fd < 0)
		return -1;
	err = getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len);
	close(fd);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "empty", required_argument, NULL, 'e' },
		{ "prims", required_argument, NULL, 'p' },
		{ "worlds", required_argument, NULL, 'w' },
		{ "uplink", required_argument, NULL, 'u' },
		{ "tunnel", required_argument, NULL, 't' },
		{ "cgroup", required_argument, NULL, 'c' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "rounds", required_argument, NULL, 'k' },
		{ "sizes", required_argument, NULL, 's' },
		{ "json", required_argument, NULL, 'j' },
		{ 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': opt.empty_obj = optarg; break;
		case 'p': opt.prims_obj = optarg; break;
		case 'w': opt.worlds = optarg; break;
		case 'u': opt.uplink = optarg; break;
		case 't': opt.tunnel = optarg; break;
		case 'c': opt.cgroup = optarg; break;
		case 'r': opt.repeat = strtoul(optarg, NULL, 10); break;
		case 'k': opt.rounds = atoi(optarg); break;
		case 's': parse_sizes(optarg); break;
		case 'j': opt.json = optarg; break;
		default: usage();
		}
	}
	if (!opt.empty_obj || !opt.uplink || !opt.tunnel || !opt.cgroup ||
	    opt.repeat < 1 || opt.repeat > INT_MAX || opt.rounds < 1 ||
	    opt.rounds > MAX_SAMPLES)
		usage();
	env.ifindex_up = (int)if_nametoindex(opt.uplink);
	env.ifindex_tun = (int)if_nametoindex(opt.tunnel);
	if (!env.ifindex_up || !env.ifindex_tun)
		die("no interfaces %s and %s in this network namespace",
		    opt.uplink, opt.tunnel);
	if (netns_cookie(&env.netns_cookie))
		die("SO_NETNS_COOKIE: %s", strerror(errno));
	env.ncpus = libbpf_num_possible_cpus();
	if (env.ncpus <= 0)
		die("libbpf_num_possible_cpus: %d", env.ncpus);
	env.percpu = calloc((size_t)env.ncpus, sizeof(*env.percpu));
	if (!env.percpu)
		die("calloc");
	libbpf_set_print(NULL);
	cg_setup();
	load_empty();
	if (opt.json) {
		env.json = fopen(opt.json, "we");
		if (!env.json)
			die("%s: %s", opt.json, strerror(errno));
		fprintf(env.json, "{\"repeat\": %lu, \"rounds\": %d, "
			"\"max_endpoints\": %d, \"max_apps\": %d, \"max_lan\": %d, "
			"\"results\": [", opt.repeat, opt.rounds,
			KSBPF_MAX_ENDPOINTS, KSBPF_MAX_APPS, KSBPF_MAX_LAN);
	}
	printf("BPF_PROG_TEST_RUN, repeat %lu, median of %d rounds "
	       "(ns/packet; floor = empty program of the same type)\n",
	       opt.repeat, opt.rounds);
	printf("%-10s %7s  %-14s %-10s %8s %8s %8s %7s  %s\n", "world", "entries",
	       "class", "hook", "ns", "floor", "above", "ratio",
	       "[above min..max]");
	if (want_world("base"))
		world_base();
	if (opt.prims_obj && want_world("profile"))
		world_profile();
	for (int i = 0; i < opt.n_sizes && want_world("lan"); i++)
		world_lan(opt.sizes[i]);
	for (int i = 0; i < opt.n_sizes && want_world("endpoints"); i++) {
		if (i && opt.sizes[i - 1] >= KSBPF_MAX_ENDPOINTS)
			break;	/* capped: the same size again */
		world_endpoints(opt.sizes[i]);
	}
	for (int i = 0; i < opt.n_sizes && want_world("apps"); i++) {
		if (i && opt.sizes[i - 1] >= KSBPF_MAX_APPS)
			break;
		world_apps(opt.sizes[i]);
	}
	if (env.json)
		fprintf(env.json, "\n], \"programs\": [");
	env.json_first = true;
	report_sizes();
	if (env.json) {
		fprintf(env.json, "\n]}\n");
		fclose(env.json);
	}
	bpf_object__close(env.empty);
	cg_remove_all();
	if (env.failures) {
		fprintf(stderr, "progcost: %d case(s) did not take their verdict\n",
			env.failures);
		return 1;
	}
	return 0;
}
