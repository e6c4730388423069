// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Differential test of ksbpf's egress verdict: the real BPF programs
 * (ksbpf_cg_egress, ksbpf_tc_egress, ksbpf_l3_egress, run with
 * BPF_PROG_TEST_RUN) against a plain-C model of docs/policy.md
 * (model.c), on many random and structure-aware packets in many random
 * worlds (map contents). Both must give the same verdict for the same
 * reason; drops must leave the event the documentation describes.
 *
 * Everything is derived from --seed: world W is made from (seed, W), frame
 * I from (seed, I) and runs in world I / FRAMES_PER_WORLD, so any one frame
 * can be replayed alone with --index I.
 *
 * Nothing is attached and no map is pinned. Run it through
 * tests/differential/run.sh: it needs a network namespace holding the
 * interfaces dfa and dfb, and the cgroup v2 mount (the test moves itself
 * through a cgroup tree of its own, 20 levels deep).
 *
 * Limits of BPF_PROG_TEST_RUN, and what the test does about them:
 * - input shorter than an Ethernet header (14 bytes): refused. A frame cut
 *   inside its Ethernet header reaches no program; a raw-IP packet shorter
 *   than 14 bytes is not fed to ksbpf_l3_egress.
 * - the kernel refuses an input whose bytes 12-13 say IPv4 (IPv6) but that
 *   holds less than 20 (40) bytes after byte 14. The cgroup program gets
 *   the packet under a neutral ethertype then (it never sees the Ethernet
 *   header: the kernel strips it); ksbpf_tc_egress cannot be fed such a
 *   frame; ksbpf_l3_egress cannot be fed a packet whose bytes 12-13 happen
 *   to read 0x0800/0x86dd with too little after them. Those runs are
 *   skipped and counted ("excluded" in the summary).
 * - ctx->ifindex must exist in the namespace: the worlds use dfa, dfb and
 *   lo, and may list a stale ifindex as a tunnel.
 * - every test run has a socket (the kernel's dummy one, in this process's
 *   cgroup and network namespace), so "no socket" is never exercised.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ksbpf.h"
#include "ksbpf.skel.h"
#include "kfeatures.h"
#include "policy.h"
#include "model.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define IF_A "dfa"
#define IF_B "dfb"
#define LOOPBACK_IFINDEX 1
#define STALE_IFINDEX 4242	/* a tunnel that is gone */

#define FRAMES_PER_WORLD 100
#define DEFAULT_COUNT 200000
#define FRAME_MAX 1024
#define ETH_HLEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_EAPOL 0x888e
#define ETHERTYPE_NEUTRAL 0x88b5	/* IEEE local experimental */

/* The programs' return conventions. */
#define CG_PASS 1
#define CG_DROP 0
#define TC_NEXT -1
#define TC_DROP 2

/* Drops between two resets of the event budget (64 per second, reason
 * and CPU): every drop leaves an event to check. */
#define BUDGET_RESET_EVERY 32

/* ------------------------------------------------------------------------
 * Options and environment
 */

static struct {
	uint64_t seed;
	uint64_t count;
	uint64_t start;
	bool one;		/* --index: that frame alone, verbosely */
	bool verbose;
	unsigned int max_report;
	enum model_truncation truncation;
} opt = {
	.count = DEFAULT_COUNT,
	.max_report = 10,
};

/* The cgroup tree: level 0 is the root, CHAIN_DEPTH levels of our own
 * below it (chain[1] = <mnt>/ksbpf-diff-PID), and a sibling of chain[2]. */
#define CHAIN_DEPTH 20

enum {
	NODE_ROOT = 0,
	/* 1 .. CHAIN_DEPTH: the chain, node n at level n */
	NODE_SIBLING = CHAIN_DEPTH + 1,	/* level 2, child of chain[1] */
	NODE_UNKNOWN,			/* an id no cgroup has */
	N_NODES,
};

struct cg_node {
	char path[PATH_MAX];
	uint64_t id;
	unsigned int level;
	int parent;
	bool made;
};

static struct {
	struct ksbpf_bpf *skel;
	int ifindex_a, ifindex_b;
	uint64_t netns_cookie;
	struct kernel_features features;
	int ncpus;
	bool levels_known;	/* the cgroup2 mount is the real root */

	char cg_mnt[PATH_MAX];
	char cg_orig[PATH_MAX];
	struct cg_node node[N_NODES];
	int cg_current;		/* node this process sits in, -1: original */

	/* map fds */
	int fd_config, fd_tunnels, fd_endpoints, fd_endpoint_marks, fd_lan4, fd_lan6, fd_lan_dns,
	    fd_apps, fd_counters, fd_events, fd_event_seq, fd_budget;

	/* counter snapshot: per hook and reason, summed over CPUs */
	uint64_t packets[KSBPF_HOOK_MAX * KSBPF_REASON_MAX];
	uint64_t bytes[KSBPF_HOOK_MAX * KSBPF_REASON_MAX];
	struct ksbpf_counter *percpu_buf;
	uint64_t event_seq;
	unsigned int drops_since_budget_reset;
	struct ksbpf_event_budget *budget_zero;
} env = { .cg_current = -1 };

static struct {
	uint64_t frames, runs, mismatches, errors;
	uint64_t excluded_short_frame;	/* < 14 bytes: no program */
	uint64_t excluded_tc_short_ip;	/* IP ethertype, IP header cut */
	uint64_t excluded_l3_short;	/* raw IP packet < 14 bytes */
	uint64_t excluded_l3_refused;	/* bytes 12-13 look like an IP ethertype */
	uint64_t cg_neutral;		/* cgroup run under a neutral ethertype */
	uint64_t refusal_mispredicted;
	uint64_t by_reason[3][KSBPF_REASON_MAX];
	uint64_t events_checked;
	unsigned int reported;
	/* mismatches by kind: model reason -> program reason, and problem */
	struct kind {
		int model, program;
		const char *problem;
		uint64_t count, first_index;
		int first_hook;
	} kinds[64];
	unsigned int n_kinds;
} stats;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "diff_test: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

/* ------------------------------------------------------------------------
 * Random numbers: splitmix64, one stream per world and per frame
 */

struct rng {
	uint64_t s;
};

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t next64(struct rng *r)
{
	r->s += 0x9e3779b97f4a7c15ull;
	return mix64(r->s);
}

static uint32_t below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(next64(r) % n) : 0;
}

static bool chance(struct rng *r, unsigned int percent)
{
	return below(r, 100) < percent;
}

static uint32_t between(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + below(r, hi - lo + 1);
}

static struct rng stream(uint64_t seed, uint64_t kind, uint64_t number)
{
	struct rng r = { mix64(seed ^ mix64(kind * 0x100000001b3ull + number)) };

	return r;
}

#define PICK(r, array) ((array)[below((r), ARRAY_SIZE(array))])

/* ------------------------------------------------------------------------
 * Addresses
 */

struct addr {
	uint8_t family;		/* KSBPF_AF_INET(6) */
	uint8_t b[16];
};

static int addr_len(uint8_t family)
{
	return family == KSBPF_AF_INET ? 4 : 16;
}

static struct addr addr_text(const char *text)
{
	struct addr a = { 0 };

	if (inet_pton(AF_INET, text, a.b) == 1)
		a.family = KSBPF_AF_INET;
	else if (inet_pton(AF_INET6, text, a.b) == 1)
		a.family = KSBPF_AF_INET6;
	else
		die("bad address %s", text);
	return a;
}

static void addr_add(struct addr *a, int delta)
{
	int n = addr_len(a->family);

	if (delta > 0) {
		for (int i = n - 1; i >= 0; i--)
			if (++a->b[i])
				break;
	} else if (delta < 0) {
		for (int i = n - 1; i >= 0; i--)
			if (a->b[i]--)
				break;
	}
}

static void addr_mask(struct addr *a, unsigned int prefixlen, bool set_host)
{
	int n = addr_len(a->family);

	for (int i = 0; i < n * 8; i++) {
		if ((unsigned int)i < prefixlen)
			continue;
		if (set_host)
			a->b[i / 8] |= 0x80 >> (i % 8);
		else
			a->b[i / 8] &= ~(0x80 >> (i % 8));
	}
}

static void addr_random(struct rng *r, uint8_t family, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	for (int i = 0; i < addr_len(family); i++)
		a->b[i] = (uint8_t)next64(r);
}

static const char *addr_str(const uint8_t *b, uint8_t family, char *buf)
{
	inet_ntop(family == KSBPF_AF_INET ? AF_INET : AF_INET6, b, buf,
		  INET6_ADDRSTRLEN);
	return buf;
}

struct cidr_ {
	struct addr a;
	unsigned int prefixlen;
};

static struct cidr_ cidr_text(const char *text)
{
	char buf[64];
	const char *slash = strchr(text, '/');
	struct cidr_ c;

	snprintf(buf, sizeof(buf), "%.*s",
		 slash ? (int)(slash - text) : (int)strlen(text), text);
	c.a = addr_text(buf);
	c.prefixlen = slash ? (unsigned int)atoi(slash + 1) :
			      (unsigned int)addr_len(c.a.family) * 8;
	return c;
}

/* ------------------------------------------------------------------------
 * Worlds: what the loader would have put in the maps
 */

struct world_app {
	int node;
	uint32_t policy;
};

struct world {
	uint64_t number;
	struct policy pol;	/* the loader's view: endpoints, LAN, resolvers */
	uint32_t tunnels[4];
	size_t n_tunnels;
	bool scope_apps;
	bool apps_flag;
	bool wrong_cookie;
	struct world_app apps[6];
	size_t n_apps;
	int proc_node;

	/* the same, for the model */
	struct model_endpoint m_endpoints[POLICY_MAX_ENDPOINTS];
	struct model_endpoint_mark m_endpoint_marks[KSBPF_MAX_ENDPOINT_MARKS];
	struct model_cidr m_lans[POLICY_MAX_LANS];
	struct model_addr m_lan_dns[POLICY_MAX_LAN_DNS];
	struct model_app m_apps[6];
	struct model_world model;
	struct model_socket socket;
};

static struct world world;	/* the world in the maps */
static bool world_loaded;

static const uint16_t interesting_ports[] = {
	53, 853, 67, 68, 546, 547, 51820, 1194, 443, 80, 1, 65535, 5353,
};

static struct ip_addr to_ip(const struct addr *a)
{
	struct ip_addr ip = { .family = a->family };

	memcpy(ip.addr, a->b, 16);
	return ip;
}

static struct addr from_ip(const struct ip_addr *ip)
{
	struct addr a = { .family = ip->family };

	memcpy(a.b, ip->addr, 16);
	return a;
}

static const char *const endpoint_pool4[] = {
	"198.51.100.7", "198.51.100.8", "10.0.0.1", "192.168.1.1",
	"255.255.255.255", "127.0.0.1", "203.0.113.9",
};
static const char *const endpoint_pool6[] = {
	"2001:db8:ee::7", "2001:db8:ee::8", "fe80::1", "fd00::53", "::1",
	"ff02::1:2", "2001:db8:5::9",
};
static const char *const resolver_pool[] = {
	"192.168.1.1", "10.0.0.53", "8.8.8.8", "1.1.1.1", "172.16.0.1",
	"fd00::53", "fe80::1", "2001:4860:4860::8888", "127.0.0.53",
	"255.255.255.255",
};

static uint8_t random_family(struct rng *r)
{
	return chance(r, 50) ? KSBPF_AF_INET : KSBPF_AF_INET6;
}

static void world_endpoints(struct rng *r, struct world *w)
{
	struct addr pool[3];
	unsigned int n = below(r, 100) < 15 ? 0 : between(r, 1, 7);

	/* A few addresses, so that several endpoints share one. */
	for (size_t i = 0; i < ARRAY_SIZE(pool); i++) {
		uint8_t family = random_family(r);

		if (chance(r, 20))
			addr_random(r, family, &pool[i]);
		else
			pool[i] = addr_text(family == KSBPF_AF_INET ?
					    PICK(r, endpoint_pool4) :
					    PICK(r, endpoint_pool6));
	}
	for (unsigned int i = 0; i < n; i++) {
		struct endpoint ep = { 0 };
		bool dup = false;

		ep.ip = to_ip(&pool[below(r, ARRAY_SIZE(pool))]);
		ep.proto = chance(r, 60) ? IPPROTO_UDP : IPPROTO_TCP;
		ep.port = chance(r, 70) ? PICK(r, interesting_ports) :
					  (uint16_t)between(r, 1, 65535);
		if (chance(r, 50)) {
			static const uint32_t marks[] = { 1, 0x5182, 0xca6c };

			ep.fwmark_set = true;
			ep.fwmark = chance(r, 80) ? PICK(r, marks) :
						    (uint32_t)next64(r) | 1;
		}
		/* As policy_add_endpoint: one entry per (ip, port, proto). */
		for (unsigned int j = 0; j < w->pol.n_endpoints; j++) {
			const struct endpoint *o = &w->pol.endpoints[j];

			if (o->ip.family == ep.ip.family &&
			    !memcmp(o->ip.addr, ep.ip.addr, 16) &&
			    o->port == ep.port && o->proto == ep.proto)
				dup = true;
		}
		if (!dup)
			w->pol.endpoints[w->pol.n_endpoints++] = ep;
	}
}

/* `allow mark` rules: mostly none; wg-quick's, an endpoint's own fwmark,
 * a masked one, a random one. */
static void world_endpoint_marks(struct rng *r, struct world *w)
{
	unsigned int n = below(r, 100) < 60 ? 0 : between(r, 1, 3);

	for (unsigned int i = 0; i < n; i++) {
		struct mark_rule rule = { .mask = UINT32_MAX };

		switch (below(r, 4)) {
		case 0:
			rule.mark = 0xca6c;
			break;
		case 1:
			rule.mark = w->pol.n_endpoints ?
				w->pol.endpoints[below(r, w->pol.n_endpoints)].fwmark | 1 : 0x5182;
			break;
		case 2:
			rule.mask = 0xff00;
			rule.mark = 0x100;
			break;
		default:
			rule.mask = (uint32_t)next64(r) | 1;
			rule.mark = ((uint32_t)next64(r) | 1) & rule.mask;
			break;
		}
		rule.proto = chance(r, 50) ? 0 : chance(r, 50) ? IPPROTO_UDP : IPPROTO_TCP;
		w->pol.endpoint_marks[w->pol.n_endpoint_marks++] = rule;
	}
}

static void world_lans(struct rng *r, struct world *w)
{
	static const unsigned int len4[] = { 1, 7, 8, 10, 12, 16, 23, 24, 25, 30, 31, 32 };
	static const unsigned int len6[] = { 7, 10, 16, 32, 48, 64, 96, 120, 127, 128 };
	unsigned int n = chance(r, 40) ? 0 : between(r, 1, 5);

	for (unsigned int i = 0; i < n; i++) {
		uint8_t family = random_family(r);
		struct cidr c = { 0 };
		struct addr a;

		if (chance(r, 2))
			c.prefixlen = 0;	/* everything */
		else if (chance(r, 80))
			c.prefixlen = family == KSBPF_AF_INET ? PICK(r, len4) :
								PICK(r, len6);
		else
			c.prefixlen = between(r, 1, family == KSBPF_AF_INET ? 32 : 128);
		if (chance(r, 40) && w->pol.n_endpoints) {
			const struct endpoint *ep =
				&w->pol.endpoints[below(r, w->pol.n_endpoints)];

			a = from_ip(&ep->ip);
			if (a.family != family)
				addr_random(r, family, &a);
		} else if (chance(r, 30)) {
			a = addr_text(PICK(r, resolver_pool));
			if (a.family != family)
				addr_random(r, family, &a);
		} else {
			addr_random(r, family, &a);
		}
		/* Host bits clear, as parse_cidr demands. */
		addr_mask(&a, c.prefixlen, false);
		c.ip = to_ip(&a);
		w->pol.lans[w->pol.n_lans++] = c;
	}
}

static void world_lan_dns(struct rng *r, struct world *w)
{
	unsigned int n = chance(r, 50) ? 0 : between(r, 1, 3);

	for (unsigned int i = 0; i < n; i++) {
		struct addr a;
		bool dup = false;

		if (chance(r, 20) && w->pol.n_endpoints)
			a = from_ip(&w->pol.endpoints[below(r, w->pol.n_endpoints)].ip);
		else if (chance(r, 15))
			addr_random(r, random_family(r), &a);
		else
			a = addr_text(PICK(r, resolver_pool));
		for (unsigned int j = 0; j < w->pol.n_lan_dns; j++)
			if (w->pol.lan_dns[j].family == a.family &&
			    !memcmp(w->pol.lan_dns[j].addr, a.b, 16))
				dup = true;
		if (!dup)
			w->pol.lan_dns[w->pol.n_lan_dns++] = to_ip(&a);
	}
}

/* Apps: mostly on the process's own cgroup and its ancestors, around the
 * 16-level limit too, sometimes on a sibling or an id of no cgroup. */
static void world_apps(struct rng *r, struct world *w)
{
	unsigned int n = chance(r, 50) ? 0 : between(r, 1, 4);

	w->proc_node = chance(r, 10) ? NODE_SIBLING : (int)between(r, 1, CHAIN_DEPTH);
	for (unsigned int i = 0; i < n; i++) {
		struct world_app app = { .policy = between(r, KSBPF_APP_ENFORCE,
							   KSBPF_APP_BLOCK) };
		unsigned int level = env.node[w->proc_node].level;
		bool dup = false;

		switch (below(r, 10)) {
		case 0:
			app.node = NODE_SIBLING;
			break;
		case 1:
			app.node = NODE_UNKNOWN;
			break;
		case 2:
			app.node = w->proc_node;
			break;
		case 3:
		case 4:	/* around the depth limit */
			app.node = (int)between(r, 14, CHAIN_DEPTH);
			break;
		default:	/* an ancestor, root included */
			app.node = (int)below(r, level + 1);
			if (w->proc_node == NODE_SIBLING && app.node == 2)
				app.node = NODE_SIBLING;
			break;
		}
		for (size_t j = 0; j < w->n_apps; j++)
			if (w->apps[j].node == app.node)
				dup = true;
		if (!dup)
			w->apps[w->n_apps++] = app;
	}
	w->apps_flag = w->n_apps > 0;
	if (chance(r, 8))
		w->apps_flag = !w->apps_flag;	/* the loader's promise broken */
	w->scope_apps = chance(r, 15);
}

static void world_mirror_for_model(struct world *w);

static void make_world(uint64_t number, struct world *w)
{
	struct rng r = stream(opt.seed, 1, number);

	memset(w, 0, sizeof(*w));
	w->number = number;
	if (chance(&r, 45))
		w->tunnels[w->n_tunnels++] = env.ifindex_a;
	if (chance(&r, 45))
		w->tunnels[w->n_tunnels++] = env.ifindex_b;
	if (chance(&r, 3))
		w->tunnels[w->n_tunnels++] = LOOPBACK_IFINDEX;
	if (chance(&r, 10))
		w->tunnels[w->n_tunnels++] = STALE_IFINDEX;
	world_endpoints(&r, w);
	world_endpoint_marks(&r, w);
	w->pol.allow_lan = chance(&r, 50);
	world_lans(&r, w);
	world_lan_dns(&r, w);
	world_apps(&r, w);
	w->pol.scope_apps = w->scope_apps;
	w->wrong_cookie = chance(&r, 5);
	world_mirror_for_model(w);
}

static struct model_addr model_addr_of(const struct ip_addr *ip)
{
	struct model_addr a = { .family = ip->family };

	memcpy(a.bytes, ip->addr, 16);
	return a;
}

static void world_mirror_for_model(struct world *w)
{
	struct model_world *m = &w->model;
	struct model_socket *s = &w->socket;

	for (unsigned int i = 0; i < w->pol.n_endpoints; i++) {
		const struct endpoint *ep = &w->pol.endpoints[i];

		w->m_endpoints[i] = (struct model_endpoint){
			.addr = model_addr_of(&ep->ip), .proto = ep->proto,
			.port = ep->port, .fwmark_set = ep->fwmark_set,
			.fwmark = ep->fwmark,
		};
	}
	for (unsigned int i = 0; i < w->pol.n_endpoint_marks; i++) {
		const struct mark_rule *rule = &w->pol.endpoint_marks[i];

		w->m_endpoint_marks[i] = (struct model_endpoint_mark){
			.mark = rule->mark, .mask = rule->mask, .proto = rule->proto,
		};
	}
	for (unsigned int i = 0; i < w->pol.n_lans; i++) {
		w->m_lans[i].addr = model_addr_of(&w->pol.lans[i].ip);
		w->m_lans[i].prefixlen = w->pol.lans[i].prefixlen;
	}
	for (unsigned int i = 0; i < w->pol.n_lan_dns; i++)
		w->m_lan_dns[i] = model_addr_of(&w->pol.lan_dns[i]);
	for (size_t i = 0; i < w->n_apps; i++) {
		w->m_apps[i].cgroup_id = env.node[w->apps[i].node].id;
		w->m_apps[i].policy = w->apps[i].policy;
	}
	*m = (struct model_world){
		.scope_apps = w->scope_apps,
		.apps_flag = w->apps_flag,
		.tunnels = w->tunnels, .n_tunnels = w->n_tunnels,
		.endpoints = w->m_endpoints, .n_endpoints = w->pol.n_endpoints,
		.endpoint_marks = w->m_endpoint_marks,
		.n_endpoint_marks = w->pol.n_endpoint_marks,
		.allow_lan = w->pol.allow_lan,
		.lans = w->m_lans, .n_lans = w->pol.n_lans,
		.lan_dns = w->m_lan_dns, .n_lan_dns = w->pol.n_lan_dns,
		.apps = w->m_apps, .n_apps = w->n_apps,
	};

	memset(s, 0, sizeof(*s));
	s->present = true;
	/* A recorded namespace is the only one the cgroup hook trusts, and a
	 * test run's dummy socket was never recorded: it is judged. */
	s->in_guarded_netns = !w->wrong_cookie || !env.features.skb_netns_cookie;
	s->level = env.node[w->proc_node].level;
	for (int n = w->proc_node; ; n = env.node[n].parent) {
		s->cgroup_path[env.node[n].level] = env.node[n].id;
		if (n == NODE_ROOT)
			break;
	}
}

static const char *policy_name(uint32_t p)
{
	switch (p) {
	case KSBPF_APP_ENFORCE: return "enforce";
	case KSBPF_APP_BYPASS: return "bypass";
	case KSBPF_APP_BLOCK: return "block";
	default: return "?";
	}
}

static void node_name(int node, char *buf, size_t len)
{
	if (node == NODE_ROOT)
		snprintf(buf, len, "root");
	else if (node == NODE_SIBLING)
		snprintf(buf, len, "sibling(level 2)");
	else if (node == NODE_UNKNOWN)
		snprintf(buf, len, "no-such-cgroup");
	else
		snprintf(buf, len, "chain level %d", node);
}

static void print_world(FILE *f, const struct world *w)
{
	char buf[INET6_ADDRSTRLEN], name[64];

	fprintf(f, "  world %" PRIu64 ":\n", w->number);
	fprintf(f, "    tunnels (ifindex):");
	for (size_t i = 0; i < w->n_tunnels; i++)
		fprintf(f, " %u", w->tunnels[i]);
	fprintf(f, "%s   [%s=%d %s=%d lo=1]\n", w->n_tunnels ? "" : " none",
		IF_A, env.ifindex_a, IF_B, env.ifindex_b);
	fprintf(f, "    scope %s, HAVE_APPS flag %s, netns cookie %s\n",
		w->scope_apps ? "apps" : "host", w->apps_flag ? "set" : "clear",
		w->wrong_cookie ? "of another namespace" : "this namespace");
	for (unsigned int i = 0; i < w->pol.n_endpoints; i++) {
		char text[128];

		format_endpoint(&w->pol.endpoints[i], text, sizeof(text));
		fprintf(f, "    endpoint %s\n", text);
	}
	fprintf(f, "    allow-lan %s\n", w->pol.allow_lan ? "yes" : "no");
	for (unsigned int i = 0; i < w->pol.n_lans; i++) {
		char text[64];

		format_cidr(&w->pol.lans[i], text, sizeof(text));
		fprintf(f, "    lan %s\n", text);
	}
	for (unsigned int i = 0; i < w->pol.n_lan_dns; i++)
		fprintf(f, "    lan-dns %s\n",
			addr_str((const uint8_t *)w->pol.lan_dns[i].addr,
				 w->pol.lan_dns[i].family, buf));
	for (size_t i = 0; i < w->n_apps; i++) {
		node_name(w->apps[i].node, name, sizeof(name));
		fprintf(f, "    app %s (cgroup id %" PRIu64 "): %s\n", name,
			env.node[w->apps[i].node].id,
			policy_name(w->apps[i].policy));
	}
	node_name(w->proc_node, name, sizeof(name));
	fprintf(f, "    the sending socket is in %s (level %u, cgroup id %" PRIu64 ")\n",
		name, env.node[w->proc_node].level, env.node[w->proc_node].id);
}

/* ------------------------------------------------------------------------
 * Maps: cleared and filled as `ksbpf load` would (user/policy.c makes the
 * entries: derived port-0 endpoint entries, resolver host routes, the
 * default LAN set)
 */

static void map_clear(int fd, size_t key_size)
{
	uint8_t key[64], next[64];

	if (key_size > sizeof(key))
		die("key too large");
	while (!bpf_map_get_next_key(fd, NULL, next)) {
		memcpy(key, next, key_size);
		if (bpf_map_delete_elem(fd, key))
			die("bpf_map_delete_elem: %s", strerror(errno));
	}
}

static void map_put(int fd, const void *key, const void *value)
{
	if (bpf_map_update_elem(fd, key, value, BPF_ANY))
		die("bpf_map_update_elem: %s", strerror(errno));
}

static void write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		die("open(%s): %s", path, strerror(errno));
	n = write(fd, text, strlen(text));
	if (n != (ssize_t)strlen(text))
		die("write(%s): %s", path, strerror(errno));
	close(fd);
}

static void cg_move(int node)
{
	char procs[PATH_MAX + 16];

	if (env.cg_current == node)
		return;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs",
		 node < 0 ? env.cg_orig : env.node[node].path);
	write_text(procs, "0");
	env.cg_current = node;
}

static void load_world(const struct world *w)
{
	static struct endpoint_entry eps[POLICY_MAX_ENDPOINTS * 2];
	static struct lan_entry lans[POLICY_MAX_LANS + 64];
	struct ksbpf_config cfg = {
		.layout_version = KSBPF_LAYOUT_VERSION,
		.netns_cookie = w->wrong_cookie ? ~env.netns_cookie :
						  env.netns_cookie,
	};
	uint32_t zero = 0;
	int n, m;

	map_clear(env.fd_tunnels, sizeof(uint32_t));
	map_clear(env.fd_endpoints, sizeof(struct ksbpf_endpoint_key));
	map_clear(env.fd_endpoint_marks, sizeof(struct ksbpf_endpoint_mark_key));
	map_clear(env.fd_lan4, sizeof(struct ksbpf_lan4_key));
	map_clear(env.fd_lan6, sizeof(struct ksbpf_lan6_key));
	map_clear(env.fd_lan_dns, sizeof(struct ksbpf_addr_key));
	map_clear(env.fd_apps, sizeof(uint64_t));

	if (w->scope_apps)
		cfg.flags |= KSBPF_F_SCOPE_APPS;
	if (w->apps_flag)
		cfg.flags |= KSBPF_F_HAVE_APPS;
	if (w->pol.n_endpoint_marks)
		cfg.flags |= KSBPF_F_HAVE_ENDPOINT_MARKS;
	map_put(env.fd_config, &zero, &cfg);
	for (unsigned int i = 0; i < w->pol.n_endpoint_marks; i++) {
		struct ksbpf_endpoint_mark_key key;
		struct ksbpf_endpoint_mark val = { .origin = KSBPF_ORIGIN_CONFIG };

		mark_key_from(&w->pol.endpoint_marks[i], &key);
		map_put(env.fd_endpoint_marks, &key, &val);
	}

	for (size_t i = 0; i < w->n_tunnels; i++) {
		struct ksbpf_tunnel t = { .name = "dftun" };

		map_put(env.fd_tunnels, &w->tunnels[i], &t);
	}

	n = policy_endpoint_entries(&w->pol, eps, POLICY_MAX_ENDPOINTS);
	if (n < 0)
		die("policy_endpoint_entries");
	m = endpoint_fragment_entries(eps, n, eps + n, POLICY_MAX_ENDPOINTS);
	if (m < 0)
		die("endpoint_fragment_entries");
	for (int i = 0; i < n + m; i++)
		map_put(env.fd_endpoints, &eps[i].key, &eps[i].value);

	n = policy_lan_entries(&w->pol, lans, (int)ARRAY_SIZE(lans));
	if (n < 0)
		die("policy_lan_entries");
	for (int i = 0; i < n; i++) {
		struct ksbpf_lan val = { .origin = lans[i].origin };

		if (lans[i].cidr.ip.family == KSBPF_AF_INET) {
			struct ksbpf_lan4_key key;

			lan4_key_from(&lans[i].cidr, &key);
			map_put(env.fd_lan4, &key, &val);
		} else {
			struct ksbpf_lan6_key key;

			lan6_key_from(&lans[i].cidr, &key);
			map_put(env.fd_lan6, &key, &val);
		}
	}
	for (unsigned int i = 0; i < w->pol.n_lan_dns; i++) {
		struct ksbpf_addr_key key;
		struct ksbpf_lan_dns val = { .origin = KSBPF_ORIGIN_CONFIG };

		addr_key_from(&w->pol.lan_dns[i], &key);
		map_put(env.fd_lan_dns, &key, &val);
	}
	for (size_t i = 0; i < w->n_apps; i++) {
		struct ksbpf_app app = { .policy = w->apps[i].policy };

		map_put(env.fd_apps, &env.node[w->apps[i].node].id, &app);
	}
	cg_move(w->proc_node);
}

static void use_world(uint64_t number)
{
	if (world_loaded && world.number == number)
		return;
	make_world(number, &world);
	load_world(&world);
	world_loaded = true;
}

/* ------------------------------------------------------------------------
 * Frames
 */

struct frame {
	uint8_t d[FRAME_MAX];
	size_t len;
	size_t l3_off;		/* where the packet after the L2 header starts */
	char desc[256];
};

static void desc_add(struct frame *f, const char *fmt, ...)
{
	size_t used = strlen(f->desc);
	va_list ap;

	if (used >= sizeof(f->desc) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(f->desc + used, sizeof(f->desc) - used, fmt, ap);
	va_end(ap);
}

/* Appends n bytes (zeros), clipped at FRAME_MAX; returns where they start
 * (a scratch area if nothing fits, so callers need no checks). */
static uint8_t *put(struct frame *f, size_t n)
{
	static uint8_t scratch[4096];
	uint8_t *p = f->d + f->len;

	if (f->len + n > FRAME_MAX) {
		memset(scratch, 0, sizeof(scratch));
		if (f->len < FRAME_MAX) {
			/* what fits goes in; the rest is lost */
			size_t fits = FRAME_MAX - f->len;

			memset(p, 0, fits);
			f->len = FRAME_MAX;
			return scratch;	/* callers write here; copy back below */
		}
		return scratch;
	}
	memset(p, 0, n);
	f->len += n;
	return p;
}

/* Appends a ready-made header: copies what fits. */
static void put_bytes(struct frame *f, const uint8_t *src, size_t n)
{
	size_t fits = f->len < FRAME_MAX ? FRAME_MAX - f->len : 0;

	if (n > fits)
		n = fits;
	memcpy(f->d + f->len, src, n);
	f->len += n;
}

static void be16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void random_bytes(struct rng *r, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)next64(r);
}

/* An interesting destination of the family, given the world. */
static struct addr pick_dst(struct rng *r, uint8_t family)
{
	const struct world *w = &world;
	struct addr a;

	switch (below(r, 12)) {
	case 0:		/* endpoint, or a neighbour of it */
	case 1:
		if (w->pol.n_endpoints) {
			a = from_ip(&w->pol.endpoints[below(r, w->pol.n_endpoints)].ip);
			if (a.family != family)
				break;
			if (chance(r, 25))
				addr_add(&a, chance(r, 50) ? 1 : -1);
			return a;
		}
		break;
	case 2:		/* listed resolver, or a neighbour */
		if (w->pol.n_lan_dns) {
			a = from_ip(&w->pol.lan_dns[below(r, w->pol.n_lan_dns)]);
			if (a.family != family)
				break;
			if (chance(r, 25))
				addr_add(&a, chance(r, 50) ? 1 : -1);
			return a;
		}
		break;
	case 3:		/* a LAN boundary: first, last, just outside */
	case 4:
	case 5: {
		struct cidr_ c;

		if (w->pol.n_lans && chance(r, 50)) {
			const struct cidr *l = &w->pol.lans[below(r, w->pol.n_lans)];

			c.a = from_ip(&l->ip);
			c.prefixlen = l->prefixlen;
		} else {
			c = cidr_text(model_default_lan[below(r, 10)]);
		}
		if (c.a.family != family)
			break;
		a = c.a;
		addr_mask(&a, c.prefixlen, chance(r, 50));	/* first or last */
		switch (below(r, 4)) {
		case 0:
			addr_add(&a, (a.b[addr_len(family) - 1] & 1) ? 1 : -1);
			break;	/* just outside (for a /32, a neighbour) */
		case 1:	/* somewhere inside */
			for (int i = (int)c.prefixlen; i < addr_len(family) * 8; i++)
				if (chance(r, 50))
					a.b[i / 8] ^= 0x80 >> (i % 8);
			break;
		default:
			break;
		}
		return a;
	}
	case 6: {	/* loopback and its edges */
		static const char *const v4[] = {
			"127.0.0.1", "127.0.0.0", "127.255.255.255", "127.0.0.53",
			"126.255.255.255", "128.0.0.0", "0.0.0.0",
		};
		static const char *const v6[] = {
			"::1", "::", "::2", "::1:0:0:1", "1::1", "::ffff:127.0.0.1",
			"::ffff:7f00:1", "::100:0:0:1",
		};

		if (family == KSBPF_AF_INET && chance(r, 30)) {
			a = addr_text("127.0.0.0");
			a.b[1] = (uint8_t)next64(r);
			a.b[2] = (uint8_t)next64(r);
			a.b[3] = (uint8_t)next64(r);
			return a;
		}
		return addr_text(family == KSBPF_AF_INET ? PICK(r, v4) : PICK(r, v6));
	}
	case 7: {	/* link-local / multicast / broadcast edges */
		static const char *const v4[] = {
			"255.255.255.255", "255.255.255.254", "224.0.0.1",
			"224.0.0.251", "224.0.1.1", "239.255.255.250",
			"239.255.255.251", "169.254.1.1",
		};
		static const char *const v6[] = {
			"fe80::1", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
			"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fec0::",
			"ff02::1", "ff02::2", "ff02::1:2", "ff02::16", "ff02::1:ff00:1",
			"ff00::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
			"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ff05::1:3",
			"ff01::1", "fe00::", "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		};

		return addr_text(family == KSBPF_AF_INET ? PICK(r, v4) : PICK(r, v6));
	}
	case 8:		/* v4-mapped IPv6 of an interesting IPv4 address */
		if (family == KSBPF_AF_INET6) {
			struct addr v4 = pick_dst(r, KSBPF_AF_INET);

			a = addr_text("::ffff:0.0.0.0");
			memcpy(a.b + 12, v4.b, 4);
			return a;
		}
		break;
	default:
		break;
	}
	addr_random(r, family, &a);
	return a;
}

static uint16_t pick_port(struct rng *r)
{
	const struct world *w = &world;

	switch (below(r, 10)) {
	case 0:
	case 1:
	case 2:
		if (w->pol.n_endpoints) {
			uint16_t p = w->pol.endpoints[below(r, w->pol.n_endpoints)].port;

			if (chance(r, 20))
				p += chance(r, 50) ? 1 : -1;
			return p;
		}
		return PICK(r, interesting_ports);
	case 3:
		return 0;
	case 4:
	case 5:
	case 6:
		return PICK(r, interesting_ports);
	default:
		return (uint16_t)next64(r);
	}
}

static uint8_t pick_proto(struct rng *r, bool v6)
{
	static const uint8_t odd[] = {
		0, 2, 4, 41, 43, 44, 47, 50, 51, 59, 60, 132, 135, 136, 139, 253, 255,
	};
	unsigned int x = below(r, 100);

	if (x < 30)
		return IPPROTO_UDP;
	if (x < 55)
		return IPPROTO_TCP;
	if (x < 70)
		return v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	if (x < 75)
		return v6 ? IPPROTO_ICMP : IPPROTO_ICMPV6;
	if (x < 87)
		return PICK(r, odd);
	return (uint8_t)next64(r);
}

static uint8_t pick_icmp_type(struct rng *r)
{
	static const uint8_t nd[] = { 133, 134, 135, 136, 137, 143 };
	static const uint8_t other[] = { 0, 3, 8, 11, 128, 129, 130, 131, 132, 138, 142 };

	switch (below(r, 10)) {
	case 0: case 1: case 2: case 3:
		return PICK(r, nd);
	case 4:
		return PICK(r, other);
	default:
		return (uint8_t)next64(r);
	}
}

static uint8_t pick_hop_limit(struct rng *r)
{
	static const uint8_t h[] = { 255, 255, 254, 1, 64, 128 };

	return chance(r, 85) ? PICK(r, h) : (uint8_t)next64(r);
}

/* What a probe fixes of the packet; the rest is random. */
struct target {
	bool dst_set, proto_set, ports_set, icmp_set, hop_set;
	struct addr dst;
	uint8_t proto;
	uint16_t sport, dport;
	uint8_t icmp_type;
	uint8_t hop_limit;
	bool mark_set;
	uint32_t mark;
};

/* The transport header (if the protocol has one the test knows) and some
 * payload. */
/* A fragment offset (8-byte units) that is not 0, often at an edge of
 * the 13-bit field. */
static unsigned int pick_fragment_offset(struct rng *r)
{
	static const unsigned int edges[] = { 1, 2, 0x0800, 0x0fff, 0x1000, 0x1fff };

	return chance(r, 50) ? PICK(r, edges) : between(r, 1, 0x1fff);
}

static void put_transport(struct rng *r, struct frame *f, uint8_t proto,
			  bool non_first_fragment, const struct target *t)
{
	uint8_t h[20] = { 0 };
	size_t payload = chance(r, 50) ? 0 : between(r, 1, 24);

	if (!non_first_fragment) {
		switch (proto) {
		case IPPROTO_UDP:
		case IPPROTO_TCP: {
			unsigned int sport, dport;

			if (t->ports_set) {
				sport = t->sport;
				dport = t->dport;
			} else if (chance(r, 6)) {
				bool v4pair = chance(r, 50);

				sport = v4pair ? 68 : 546;
				dport = v4pair ? 67 : 547;
			} else {
				sport = chance(r, 30) ? pick_port(r) :
							between(r, 32768, 60999);
				dport = pick_port(r);
			}
			be16(h, sport);
			be16(h + 2, dport);
			if (proto == IPPROTO_UDP) {
				be16(h + 4, 8 + payload);
				put_bytes(f, h, 8);
				desc_add(f, " udp %u>%u", sport, dport);
			} else {
				h[12] = chance(r, 90) ? 5 << 4 : (uint8_t)next64(r);
				h[13] = 0x02;
				put_bytes(f, h, 20);
				desc_add(f, " tcp %u>%u", sport, dport);
			}
			break;
		}
		case IPPROTO_ICMP:
		case IPPROTO_ICMPV6:
			h[0] = t->icmp_set ? t->icmp_type : pick_icmp_type(r);
			h[1] = (uint8_t)below(r, 3);
			put_bytes(f, h, 8);
			desc_add(f, " %s type %u", proto == IPPROTO_ICMP ? "icmp" :
				 "icmpv6", h[0]);
			break;
		default:
			desc_add(f, " proto %u", proto);
			break;
		}
	} else {
		desc_add(f, " proto %u (fragment tail)", proto);
	}
	random_bytes(r, put(f, payload), payload);
}

static void put_ipv4(struct rng *r, struct frame *f, const struct target *t)
{
	char sbuf[INET6_ADDRSTRLEN], dbuf[INET6_ADDRSTRLEN];
	uint8_t h[60] = { 0 };
	unsigned int ihl = 5, version = 4, frag = 0;
	size_t start = f->len;
	struct addr src, dst;
	uint8_t proto = t->proto_set ? t->proto : pick_proto(r, false);

	if (chance(r, 20))
		ihl = between(r, 6, 15);
	else if (chance(r, 3))
		ihl = below(r, 5);
	if (chance(r, 3))
		version = below(r, 16);
	switch (below(r, 10)) {
	case 0:		/* first fragment */
		frag = 0x2000;
		desc_add(f, " frag-first");
		break;
	case 1:
	case 2:		/* non-first fragment */
		frag = (chance(r, 50) ? 0x2000 : 0) | pick_fragment_offset(r);
		desc_add(f, " frag-tail");
		break;
	default:
		frag = chance(r, 50) ? 0x4000 : 0;	/* DF */
		if (chance(r, 3))
			frag |= 0x8000;			/* the evil bit */
		break;
	}
	dst = t->dst_set ? t->dst : pick_dst(r, KSBPF_AF_INET);
	if (chance(r, 70))
		src = addr_text("192.0.2.10");
	else
		addr_random(r, KSBPF_AF_INET, &src);
	h[0] = (uint8_t)(version << 4 | ihl);
	h[1] = (uint8_t)next64(r);
	be16(h + 4, (unsigned int)next64(r));
	be16(h + 6, frag);
	h[8] = t->hop_set ? t->hop_limit : pick_hop_limit(r);
	h[9] = proto;
	memcpy(h + 12, src.b, 4);
	memcpy(h + 16, dst.b, 4);
	if (ihl > 5) {
		if (chance(r, 50))
			memset(h + 20, 1, (ihl - 5) * 4);	/* NOPs */
		else
			random_bytes(r, h + 20, (ihl - 5) * 4);
	}
	desc_add(f, " ipv4%s ihl %u ttl %u %s>%s", version != 4 ? " (bad version)" : "",
		 ihl, h[8], addr_str(src.b, KSBPF_AF_INET, sbuf),
		 addr_str(dst.b, KSBPF_AF_INET, dbuf));
	put_bytes(f, h, ihl > 5 ? ihl * 4 : 20);
	put_transport(r, f, proto, (frag & 0x1fff) != 0, t);
	if (f->len - start >= 4) {
		unsigned int total = chance(r, 95) ? f->len - start :
						     (unsigned int)next64(r);

		be16(f->d + start + 2, total);
	}
}

static void put_ipv6(struct rng *r, struct frame *f, const struct target *t)
{
	static const uint8_t ext_types[] = { 0, 43, 60, 51, 44 };
	char sbuf[INET6_ADDRSTRLEN], dbuf[INET6_ADDRSTRLEN];
	uint8_t h[40] = { 0 };
	size_t start = f->len, next_at;
	unsigned int n_ext = 0, version = 6;
	bool tail = false;
	struct addr src, dst;
	uint8_t proto = t->proto_set ? t->proto : pick_proto(r, true);

	switch (below(r, 10)) {
	case 0: case 1: case 2:
		n_ext = between(r, 1, 3);
		break;
	case 3:
		n_ext = between(r, 4, 10);
		break;
	default:
		break;
	}
	if (chance(r, 3))
		version = below(r, 16);
	dst = t->dst_set ? t->dst : pick_dst(r, KSBPF_AF_INET6);
	if (chance(r, 60))
		src = addr_text(chance(r, 50) ? "2001:db8:1::10" : "fe80::10");
	else
		addr_random(r, KSBPF_AF_INET6, &src);
	h[0] = (uint8_t)(version << 4);
	h[7] = t->hop_set ? t->hop_limit : pick_hop_limit(r);
	memcpy(h + 8, src.b, 16);
	memcpy(h + 24, dst.b, 16);
	desc_add(f, " ipv6%s hop %u %s>%s", version != 6 ? " (bad version)" : "",
		 h[7], addr_str(src.b, KSBPF_AF_INET6, sbuf),
		 addr_str(dst.b, KSBPF_AF_INET6, dbuf));
	put_bytes(f, h, 40);
	next_at = start + 6;

	if (n_ext)
		desc_add(f, " ext[");
	for (unsigned int i = 0; i < n_ext; i++) {
		uint8_t type = chance(r, 15) ? 44 : PICK(r, ext_types);
		uint8_t e[8] = { 0 };
		size_t len;

		if (next_at < FRAME_MAX)
			f->d[next_at] = type;
		next_at = f->len;
		if (type == 44) {
			unsigned int off = chance(r, 50) ? 0 : pick_fragment_offset(r);

			be16(e + 2, off << 3 | (chance(r, 70) ? 1 : 0));
			random_bytes(r, e + 4, 4);
			put_bytes(f, e, 8);
			desc_add(f, "%sfrag%s", i ? "," : "", off ? "-tail" : "-first");
			if (off)
				tail = true;
			continue;
		}
		e[1] = chance(r, 60) ? 0 : chance(r, 90) ? (uint8_t)between(r, 1, 4) :
							   (uint8_t)next64(r);
		if (type == 51 && chance(r, 70))
			e[1] = (uint8_t)between(r, 1, 6);
		len = type == 51 ? (e[1] + 2u) * 4 : (e[1] + 1u) * 8;
		desc_add(f, "%s%u/%zu", i ? "," : "", type, len);
		if (type == 0 || type == 60) {
			e[2] = 1;	/* PadN */
			e[3] = (uint8_t)(len - 4 < 6 ? len - 4 : 4);
		} else {
			random_bytes(r, e + 2, 6);
		}
		put_bytes(f, e, 8);
		if (len > 8) {
			uint8_t *body = put(f, len - 8);

			if (chance(r, 30))
				random_bytes(r, body, len - 8 > 256 ? 256 : len - 8);
		}
	}
	if (n_ext)
		desc_add(f, "]");
	if (next_at < FRAME_MAX)
		f->d[next_at] = proto;
	put_transport(r, f, proto, tail, t);
	if (f->len - start >= 6)
		be16(f->d + start + 4, chance(r, 95) ? f->len - start - 40 :
						       (unsigned int)next64(r));
}

static void put_ether(struct rng *r, struct frame *f, unsigned int ethertype)
{
	static const uint8_t macs[12] = {
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01,
	};

	put_bytes(f, macs, 12);
	if (chance(r, 4)) {	/* a VLAN tag (or two) first */
		static const unsigned int tpids[] = { 0x8100, 0x88a8, 0x9100 };
		unsigned int tags = chance(r, 70) ? 1 : 2;

		for (unsigned int i = 0; i < tags; i++) {
			uint8_t t[4];
			unsigned int tpid = PICK(r, tpids);

			be16(t, tpid);
			be16(t + 2, below(r, 4096));
			put_bytes(f, t, 4);
			desc_add(f, " vlan(%04x)", tpid);
		}
	}
	be16(put(f, 2), ethertype);
	f->l3_off = f->len;
}

/* An endpoint, hit or nearly: another port, protocol, address. */
static uint8_t probe_endpoint(struct rng *r, struct target *t, struct frame *f)
{
	const struct endpoint *e;

	if (!world.pol.n_endpoints)
		return 0;
	e = &world.pol.endpoints[below(r, world.pol.n_endpoints)];
	*t = (struct target){ .dst_set = true, .proto_set = true, .ports_set = true };
	t->dst = from_ip(&e->ip);
	t->proto = e->proto;
	t->dport = e->port;
	t->sport = (uint16_t)between(r, 1024, 65535);
	desc_add(f, " [endpoint probe");
	switch (below(r, 8)) {
	case 0:
		t->dport += chance(r, 50) ? 1 : -1;
		desc_add(f, ", port off by one");
		break;
	case 1:
		t->proto = e->proto == IPPROTO_UDP ? IPPROTO_TCP : IPPROTO_UDP;
		desc_add(f, ", other protocol");
		break;
	case 2:
		addr_add(&t->dst, chance(r, 50) ? 1 : -1);
		desc_add(f, ", address off by one");
		break;
	case 3:
		t->proto = chance(r, 50) ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		desc_add(f, ", icmp");
		break;
	default:
		break;
	}
	desc_add(f, "]");
	t->mark_set = true;
	switch (below(r, 4)) {
	case 0:
		t->mark = 0;
		break;
	case 1:
		t->mark = e->fwmark ^ (1u << below(r, 32));
		break;
	default:
		t->mark = e->fwmark;
		break;
	}
	return e->ip.family;
}

/* DNS to listed resolvers, their neighbours, the LAN, the world. */
static uint8_t probe_dns(struct rng *r, struct target *t, struct frame *f)
{
	uint8_t family = random_family(r);

	*t = (struct target){ .dst_set = true, .proto_set = true, .ports_set = true };
	if (world.pol.n_lan_dns && chance(r, 60)) {
		t->dst = from_ip(&world.pol.lan_dns[below(r, world.pol.n_lan_dns)]);
		if (chance(r, 25))
			addr_add(&t->dst, chance(r, 50) ? 1 : -1);
		family = t->dst.family;
	} else {
		t->dst = pick_dst(r, family);
	}
	t->proto = chance(r, 50) ? IPPROTO_UDP : IPPROTO_TCP;
	t->dport = chance(r, 70) ? 53 : chance(r, 80) ? 853 : 54;
	t->sport = chance(r, 10) ? 53 : (uint16_t)between(r, 1024, 65535);
	if (chance(r, 10)) {	/* a reply: from port 53 */
		t->dport = t->sport;
		t->sport = 53;
	}
	desc_add(f, " [dns probe]");
	return family;
}

/* DHCPv4, DHCPv6, ICMPv6 router/neighbour discovery, and near misses. */
static uint8_t probe_bringup(struct rng *r, struct target *t, struct frame *f)
{
	static const char *const v4_dst[] = {
		"255.255.255.255", "255.255.255.255", "255.255.255.255",
		"255.255.255.254", "192.168.1.1", "10.255.255.255", "224.0.0.1",
		"0.0.0.0",
	};
	static const char *const v6_dst[] = {
		"ff02::1", "ff02::2", "ff02::1:2", "ff02::16", "ff02::1:ff00:1",
		"ff05::1:3", "ff00::", "ffff::1", "fe80::1",
		"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fec0::1",
		"2001:db8:5::9", "fd00::1", "::ffff:255.255.255.255",
	};
	static const uint8_t nd[] = {
		133, 134, 135, 136, 137, 143, 132, 138, 142, 144, 130, 131,
	};
	static const uint8_t hops[] = { 255, 255, 254, 1, 64 };

	*t = (struct target){ .dst_set = true, .proto_set = true };
	switch (below(r, 3)) {
	case 0:	/* DHCPv4 */
		t->dst = addr_text(PICK(r, v4_dst));
		t->proto = chance(r, 90) ? IPPROTO_UDP : IPPROTO_TCP;
		t->ports_set = true;
		t->sport = chance(r, 80) ? 68 : PICK(r, interesting_ports);
		t->dport = chance(r, 80) ? 67 : PICK(r, interesting_ports);
		desc_add(f, " [dhcpv4 probe]");
		return KSBPF_AF_INET;
	case 1:	/* DHCPv6 */
		t->dst = addr_text(PICK(r, v6_dst));
		t->proto = chance(r, 90) ? IPPROTO_UDP : IPPROTO_TCP;
		t->ports_set = true;
		t->sport = chance(r, 80) ? 546 : PICK(r, interesting_ports);
		t->dport = chance(r, 80) ? 547 : PICK(r, interesting_ports);
		desc_add(f, " [dhcpv6 probe]");
		return KSBPF_AF_INET6;
	default: /* ICMPv6 ND, sometimes ICMPv4 of the same types */
		t->icmp_set = t->hop_set = true;
		t->icmp_type = chance(r, 90) ? PICK(r, nd) : (uint8_t)next64(r);
		t->hop_limit = PICK(r, hops);
		desc_add(f, " [nd probe]");
		if (chance(r, 10)) {
			t->proto = IPPROTO_ICMP;
			t->dst = addr_text(PICK(r, v4_dst));
			return KSBPF_AF_INET;
		}
		t->proto = IPPROTO_ICMPV6;
		t->dst = chance(r, 80) ? addr_text(PICK(r, v6_dst)) :
					 pick_dst(r, KSBPF_AF_INET6);
		return KSBPF_AF_INET6;
	}
}

static void make_frame(uint64_t index, struct frame *f, uint32_t *ifindex,
		       uint32_t *mark)
{
	struct target t = { 0 };
	uint8_t probe_family = 0;
	struct rng r = stream(opt.seed, 2, index);
	unsigned int kind = below(&r, 100);

	memset(f, 0, sizeof(*f));
	if (kind < 30) {
		switch (below(&r, 10)) {
		case 0: case 1: case 2: case 3:
			probe_family = probe_endpoint(&r, &t, f);
			break;
		case 4: case 5: case 6:
			probe_family = probe_dns(&r, &t, f);
			break;
		default:
			probe_family = probe_bringup(&r, &t, f);
			break;
		}
		if (!probe_family)
			memset(&t, 0, sizeof(t));
		kind = probe_family == KSBPF_AF_INET ? 0 :
		       probe_family == KSBPF_AF_INET6 ? 50 : below(&r, 78);
	} else {
		kind = below(&r, 100);
	}
	if (kind < 38) {		/* IPv4 */
		unsigned int et = chance(&r, 3) ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;

		put_ether(&r, f, et);
		if (et != ETHERTYPE_IPV4)
			desc_add(f, " (ethertype ipv6)");
		put_ipv4(&r, f, &t);
	} else if (kind < 78) {		/* IPv6 */
		unsigned int et = chance(&r, 3) ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6;

		put_ether(&r, f, et);
		if (et != ETHERTYPE_IPV6)
			desc_add(f, " (ethertype ipv4)");
		put_ipv6(&r, f, &t);
	} else if (kind < 84) {		/* ARP */
		static const uint8_t who_has[28] = {
			0, 1, 0x08, 0, 6, 4, 0, 1,
			0x02, 0, 0, 0, 0, 0x01, 192, 0, 2, 10,
			0, 0, 0, 0, 0, 0, 192, 0, 2, 1,
		};

		put_ether(&r, f, ETHERTYPE_ARP);
		put_bytes(f, who_has, sizeof(who_has));
		desc_add(f, " arp");
	} else if (kind < 88) {		/* EAPOL */
		size_t n = between(&r, 0, 60);

		put_ether(&r, f, ETHERTYPE_EAPOL);
		random_bytes(&r, put(f, n), n);
		desc_add(f, " eapol");
	} else if (kind < 95) {		/* an ethertype nobody handles */
		static const unsigned int types[] = {
			0x8864, 0x8863, 0x88cc, 0x0842, 0x0805, 0x8035, 0x8847,
			0x88b5, 0x0600, 0x05dc, 0x0000, 0xffff, 0x86dc, 0x0801,
			0x8100, 0x88a8,
		};
		unsigned int type = chance(&r, 60) ? PICK(&r, types) :
						     (unsigned int)(uint16_t)next64(&r);
		size_t n = between(&r, 0, 80);

		if (type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6)
			type = ETHERTYPE_NEUTRAL;
		put_ether(&r, f, type);
		random_bytes(&r, put(f, n), n);
		/* something that looks like IP behind it, sometimes */
		if (n && chance(&r, 50))
			f->d[f->l3_off] = chance(&r, 50) ? 0x45 : 0x60;
		desc_add(f, " ethertype %04x", type);
	} else {			/* junk */
		size_t n = between(&r, 0, 160);
		static const unsigned int types[] = {
			ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_ARP,
		};

		random_bytes(&r, put(f, n), n);
		if (n >= 14 && chance(&r, 60))
			be16(f->d + 12, PICK(&r, types));
		if (n >= 15 && chance(&r, 50))
			f->d[14] = chance(&r, 50) ? 0x45 : 0x60 | (f->d[14] & 0x0f);
		f->l3_off = ETH_HLEN;
		desc_add(f, " random bytes");
	}

	/* Cuts at any length, often near the headers. */
	if (chance(&r, 25)) {
		size_t cut;

		if (chance(&r, 40))
			cut = below(&r, (uint32_t)f->len + 1);
		else
			cut = f->l3_off + below(&r, 100);
		if (cut < f->len) {
			f->len = cut;
			desc_add(f, " cut@%zu", cut);
		}
	}
	/* A few flipped bytes. */
	if (chance(&r, 4) && f->len) {
		unsigned int flips = between(&r, 1, 3);

		for (unsigned int i = 0; i < flips; i++) {
			size_t at = below(&r, (uint32_t)f->len);

			f->d[at] ^= (uint8_t)(1u << below(&r, 8));
			desc_add(f, " flip@%zu", at);
		}
	}

	/* Mostly an uplink (an interface that is no tunnel), if there is one. */
	{
		uint32_t ifs[] = { (uint32_t)env.ifindex_a, (uint32_t)env.ifindex_b };
		uint32_t uplinks[2], tunnels[2];
		unsigned int n_up = 0, n_tun = 0, x = below(&r, 100);

		for (size_t i = 0; i < ARRAY_SIZE(ifs); i++) {
			bool tun = false;

			for (size_t j = 0; j < world.n_tunnels; j++)
				tun |= world.tunnels[j] == ifs[i];
			if (tun)
				tunnels[n_tun++] = ifs[i];
			else
				uplinks[n_up++] = ifs[i];
		}
		if (x < 70 && n_up)
			*ifindex = uplinks[below(&r, n_up)];
		else if (x < 88 && n_tun)
			*ifindex = tunnels[below(&r, n_tun)];
		else if (x < 94)
			*ifindex = ifs[below(&r, 2)];
		else
			*ifindex = LOOPBACK_IFINDEX;
	}
	switch (below(&r, 10)) {
	case 0: case 1: case 2: case 3:
		*mark = 0;
		break;
	case 4: case 5: case 6:
		*mark = 0;
		for (unsigned int i = 0; i < world.pol.n_endpoints; i++)
			if (world.pol.endpoints[i].fwmark_set && chance(&r, 60))
				*mark = world.pol.endpoints[i].fwmark;
		break;
	case 7:
		*mark = world.pol.n_endpoints ?
			world.pol.endpoints[below(&r, world.pol.n_endpoints)].fwmark + 1 : 1;
		break;
	case 8:		/* a mark rule's, with bits outside its mask */
		if (world.pol.n_endpoint_marks) {
			const struct mark_rule *rule = &world.pol.endpoint_marks[
				below(&r, world.pol.n_endpoint_marks)];

			*mark = rule->mark | ((uint32_t)next64(&r) & ~rule->mask &
					      (chance(&r, 50) ? 0 : UINT32_MAX));
			break;
		}
		/* fallthrough */
	default:
		*mark = (uint32_t)next64(&r);
		break;
	}
	if (t.mark_set && chance(&r, 80))
		*mark = t.mark;
}

/* ------------------------------------------------------------------------
 * Running the programs
 */

enum hook_id { H_CG = 0, H_TC, H_L3, N_HOOKS };

static const struct hook {
	const char *name;
	enum ksbpf_hook counter;
	enum model_hook model;
	int pass, drop;
} hooks[N_HOOKS] = {
	[H_CG] = { "cgroup", KSBPF_HOOK_CGROUP_EGRESS, MODEL_HOOK_CGROUP, CG_PASS, CG_DROP },
	[H_TC] = { "tc", KSBPF_HOOK_TC_EGRESS, MODEL_HOOK_TC_ETHER, TC_NEXT, TC_DROP },
	[H_L3] = { "tc-l3", KSBPF_HOOK_TC_EGRESS, MODEL_HOOK_TC_RAW_IP, TC_NEXT, TC_DROP },
};

static int hook_fd(enum hook_id h)
{
	switch (h) {
	case H_CG:
		return bpf_program__fd(env.skel->progs.ksbpf_cg_egress);
	case H_TC:
		return bpf_program__fd(env.skel->progs.ksbpf_tc_egress);
	default:
		return bpf_program__fd(env.skel->progs.ksbpf_l3_egress);
	}
}

#define N_COUNTERS (KSBPF_HOOK_MAX * KSBPF_REASON_MAX)

static void read_counters(uint64_t packets[N_COUNTERS], uint64_t bytes[N_COUNTERS])
{
	uint32_t keys[N_COUNTERS], count = N_COUNTERS, out_batch;
	LIBBPF_OPTS(bpf_map_batch_opts, bopts);
	int err = bpf_map_lookup_batch(env.fd_counters, NULL, &out_batch, keys,
				       env.percpu_buf, &count, &bopts);

	if (err && errno != ENOENT)
		die("bpf_map_lookup_batch(ksbpf_counters): %s", strerror(errno));
	if (count != N_COUNTERS)
		die("ksbpf_counters: %u entries read", count);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t k = keys[i];

		packets[k] = bytes[k] = 0;
		for (int cpu = 0; cpu < env.ncpus; cpu++) {
			packets[k] += env.percpu_buf[i * env.ncpus + cpu].packets;
			bytes[k] += env.percpu_buf[i * env.ncpus + cpu].bytes;
		}
	}
}

static uint64_t read_event_seq(void)
{
	uint32_t zero = 0;
	uint64_t seq;

	if (bpf_map_lookup_elem(env.fd_event_seq, &zero, &seq))
		die("lookup ksbpf_event_seq: %s", strerror(errno));
	return seq;
}

static void reset_event_budget(void)
{
	for (uint32_t r = 0; r < KSBPF_REASON_MAX; r++)
		if (bpf_map_update_elem(env.fd_budget, &r, env.budget_zero, BPF_ANY))
			die("update ksbpf_event_budget: %s", strerror(errno));
	env.drops_since_budget_reset = 0;
}

struct run_result {
	int err;		/* test run refused: -errno */
	int ret;
	int reason;		/* the counter that moved; -1 none, -2 several */
	bool counter_ok;	/* by one packet of skb->len bytes */
	int events;		/* new events */
	struct ksbpf_event ev;
};

static void test_run(enum hook_id h, const uint8_t *data, size_t len,
		     uint32_t ifindex, uint32_t mark, size_t skb_len,
		     struct run_result *res)
{
	uint64_t packets[N_COUNTERS], bytes[N_COUNTERS], seq;
	struct __sk_buff ctx = { .ifindex = ifindex, .mark = mark };
	LIBBPF_OPTS(bpf_test_run_opts, topts,
		.data_in = data,
		.data_size_in = (uint32_t)len,
		.ctx_in = &ctx,
		.ctx_size_in = sizeof(ctx),
	);
	unsigned int base = hooks[h].counter * KSBPF_REASON_MAX;

	memset(res, 0, sizeof(*res));
	if (env.drops_since_budget_reset >= BUDGET_RESET_EVERY)
		reset_event_budget();
	if (bpf_prog_test_run_opts(hook_fd(h), &topts)) {
		res->err = -errno;
		return;
	}
	res->ret = (int)topts.retval;
	read_counters(packets, bytes);
	res->reason = -1;
	res->counter_ok = true;
	for (unsigned int i = 0; i < N_COUNTERS; i++) {
		if (packets[i] == env.packets[i])
			continue;
		if (i < base || i >= base + KSBPF_REASON_MAX) {
			res->reason = -2;	/* the other hook's counters */
		} else {
			res->reason = res->reason == -1 ? (int)(i - base) : -2;
			if (packets[i] - env.packets[i] != 1 ||
			    bytes[i] - env.bytes[i] != skb_len)
				res->counter_ok = false;
		}
	}
	memcpy(env.packets, packets, sizeof(packets));
	memcpy(env.bytes, bytes, sizeof(bytes));

	seq = read_event_seq();
	res->events = (int)(seq - env.event_seq);
	if (res->events >= 1) {
		uint32_t slot = (uint32_t)(seq % KSBPF_EVENT_RING);

		if (bpf_map_lookup_elem(env.fd_events, &slot, &res->ev))
			die("lookup ksbpf_events: %s", strerror(errno));
	}
	env.event_seq = seq;
	if (res->ret == hooks[h].drop)
		env.drops_since_budget_reset++;
}

/* ------------------------------------------------------------------------
 * Comparing
 */

static void hexdump(FILE *f, const uint8_t *d, size_t len)
{
	for (size_t i = 0; i < len; i += 16) {
		fprintf(f, "    %04zx:", i);
		for (size_t j = i; j < i + 16 && j < len; j++)
			fprintf(f, "%s%02x", (j - i) % 8 ? " " : "  ", d[j]);
		fprintf(f, "\n");
	}
	if (!len)
		fprintf(f, "    (empty)\n");
}

static const char *verdict_of(enum hook_id h, int ret)
{
	if (ret == hooks[h].pass)
		return "PASS";
	if (ret == hooks[h].drop)
		return "DROP";
	return "(bad return value)";
}

static const char *counter_reason(int reason)
{
	if (reason == -1)
		return "(no counter moved)";
	if (reason == -2)
		return "(several counters moved)";
	return model_reason_name((enum ksbpf_reason)reason);
}

/* The event a drop must leave; NULL if it does. */
static const char *event_problem(enum hook_id h, const struct model_verdict *mv,
				 const struct run_result *res, uint32_t ifindex,
				 size_t skb_len)
{
	const struct ksbpf_event *e = &res->ev;
	const struct model_event *me = &mv->event;

	if (mv->pass)
		return res->events ? "an event for a packet that passed" : NULL;
	if (res->events != 1)
		return res->events ? "several events for one drop" :
				     "no event for a drop";
	if (e->hook != hooks[h].counter || e->reason != mv->reason ||
	    e->ifindex != ifindex || e->len != skb_len ||
	    e->cgroup_id != env.node[world.proc_node].id)
		return "event: hook, reason, ifindex, len or cgroup_id wrong";
	if (!me->known)
		return NULL;
	if (e->family != me->family || e->proto != me->proto)
		return "event: family or protocol wrong";
	if (e->sport != me->sport || e->dport != me->dport)
		return "event: ports wrong";
	if (me->family && (memcmp(e->saddr, me->saddr, 16) ||
			   memcmp(e->daddr, me->daddr, 16)))
		return "event: addresses wrong";
	return NULL;
}

static void print_event(FILE *f, const struct run_result *res)
{
	const struct ksbpf_event *e = &res->ev;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	if (!res->events) {
		fprintf(f, "    event: none\n");
		return;
	}
	fprintf(f, "    event: hook %u reason %s ifindex %u len %u cgroup %" PRIu64
		" family %u proto %u %s:%u > %s:%u\n", e->hook,
		model_reason_name((enum ksbpf_reason)e->reason), e->ifindex, e->len,
		(uint64_t)e->cgroup_id, e->family, e->proto,
		e->family ? addr_str(e->saddr, e->family, s) : "-", e->sport,
		e->family ? addr_str(e->daddr, e->family, d) : "-", e->dport);
}

static void report(uint64_t index, enum hook_id h, const struct frame *fr,
		   const uint8_t *data, size_t len, uint32_t ifindex,
		   uint32_t mark, const struct model_verdict *mv,
		   const struct run_result *res, const char *problem)
{
	FILE *f = stdout;

	fprintf(f, "%s frame %" PRIu64 " (world %" PRIu64 "), hook %s: %s\n",
		problem ? "MISMATCH" : "frame", index, index / FRAMES_PER_WORLD,
		hooks[h].name, problem ? problem : "agree");
	fprintf(f, "  model:   %s %s (%s%s%s)\n", mv->pass ? "PASS" : "DROP",
		model_reason_name(mv->reason), mv->rule,
		mv->detail ? ": " : "", mv->detail ? mv->detail : "");
	fprintf(f, "  program: %s %s [ret %d]%s\n", verdict_of(h, res->ret),
		counter_reason(res->reason), res->ret,
		res->counter_ok ? "" : " (counter moved by the wrong amount)");
	print_event(f, res);
	fprintf(f, "  ifindex %u, mark 0x%x; generated as:%s\n", ifindex, mark,
		fr->desc);
	fprintf(f, "  %s input (%zu bytes):\n", hooks[h].name, len);
	hexdump(f, data, len);
	print_world(f, &world);
	fprintf(f, "  reproduce: sh tests/differential/run.sh --seed 0x%" PRIx64
		" --index %" PRIu64 "%s\n\n", opt.seed, index,
		opt.truncation == MODEL_TRUNC_WHOLE_HEADERS ? " --whole-headers" : "");
}

static void note_kind(int model, int program, const char *problem,
		      uint64_t index, enum hook_id h)
{
	for (unsigned int i = 0; i < stats.n_kinds; i++) {
		struct kind *k = &stats.kinds[i];

		if (k->model == model && k->program == program &&
		    !strcmp(k->problem, problem)) {
			k->count++;
			return;
		}
	}
	if (stats.n_kinds < ARRAY_SIZE(stats.kinds))
		stats.kinds[stats.n_kinds++] = (struct kind){
			.model = model, .program = program, .problem = problem,
			.count = 1, .first_index = index,
			.first_hook = (int)h,
		};
}

/* Runs one hook on one input and compares; returns 1 on a mismatch. */
static int check(uint64_t index, enum hook_id h, const struct frame *fr,
		 const uint8_t *data, size_t len, const uint8_t *model_data,
		 size_t model_len, uint32_t ifindex, uint32_t mark,
		 size_t skb_len, bool refusal_expected)
{
	struct model_input in = {
		.hook = hooks[h].model, .data = model_data, .len = model_len,
		.ifindex = ifindex, .mark = mark, .socket = &world.socket,
	};
	struct model_verdict mv;
	struct run_result res;
	const char *problem = NULL;

	test_run(h, data, len, ifindex, mark, skb_len, &res);
	if (res.err) {
		if (refusal_expected && res.err == -EINVAL)
			return 0;	/* counted by the caller */
		fprintf(stdout, "ERROR frame %" PRIu64 ", hook %s: test run failed: %s\n",
			index, hooks[h].name, strerror(-res.err));
		hexdump(stdout, data, len);
		stats.errors++;
		return 1;
	}
	if (refusal_expected)
		stats.refusal_mispredicted++;
	stats.runs++;
	model_judge(&world.model, &in, opt.truncation, &mv);
	stats.by_reason[h][mv.reason]++;

	if (res.ret != (mv.pass ? hooks[h].pass : hooks[h].drop))
		problem = "verdicts differ";
	else if (res.reason != (int)mv.reason)
		problem = "same verdict, different reasons";
	else if (!res.counter_ok)
		problem = "counter moved by the wrong amount";
	else
		problem = event_problem(h, &mv, &res, ifindex, skb_len);
	if (!mv.pass && !problem)
		stats.events_checked++;

	if (problem) {
		note_kind(mv.reason, res.reason, problem, index, h);
		stats.mismatches++;
		if (stats.reported++ < opt.max_report || opt.one)
			report(index, h, fr, data, len, ifindex, mark, &mv, &res,
			       problem);
		return 1;
	} else if (opt.one || opt.verbose) {
		report(index, h, fr, data, len, ifindex, mark, &mv, &res, NULL);
	}
	return 0;
}

static unsigned int type_at(const uint8_t *d)
{
	return (unsigned int)d[12] << 8 | d[13];
}

/* The kernel refuses a test run whose bytes 12-13 say IPv4 (IPv6) with
 * less than an IPv4 (IPv6) header after byte 14. */
static bool kernel_refuses(const uint8_t *d, size_t len)
{
	if (len < ETH_HLEN)
		return true;
	return (type_at(d) == ETHERTYPE_IPV4 && len - ETH_HLEN < 20) ||
	       (type_at(d) == ETHERTYPE_IPV6 && len - ETH_HLEN < 40);
}

static int run_frame(uint64_t index)
{
	static uint8_t cg_in[FRAME_MAX + ETH_HLEN];
	struct frame f;
	uint32_t ifindex, mark;
	int bad = 0;

	use_world(index / FRAMES_PER_WORLD);
	make_frame(index, &f, &ifindex, &mark);
	stats.frames++;

	if (f.len < ETH_HLEN) {
		stats.excluded_short_frame++;
		if (opt.one)
			printf("frame %" PRIu64 ": %zu bytes, shorter than an "
			       "Ethernet header: no program takes it\n", index, f.len);
		return 0;
	}

	/* The Ethernet uplink's TC program: the frame as it is. */
	if (kernel_refuses(f.d, f.len)) {
		stats.excluded_tc_short_ip++;
		bad += check(index, H_TC, &f, f.d, f.len, f.d, f.len, ifindex,
			     mark, f.len, true);
	} else {
		bad += check(index, H_TC, &f, f.d, f.len, f.d, f.len, ifindex,
			     mark, f.len, false);
	}

	if (f.len >= f.l3_off) {
		const uint8_t *ip = f.d + f.l3_off;
		size_t ip_len = f.len - f.l3_off;
		unsigned int type = type_at(f.d + f.l3_off - ETH_HLEN);

		/* The cgroup program: the packet after the L2 header, behind
		 * an Ethernet header the kernel takes off again. */
		memcpy(cg_in, f.d, 12);
		if ((type == ETHERTYPE_IPV4 && ip_len < 20) ||
		    (type == ETHERTYPE_IPV6 && ip_len < 40)) {
			type = ETHERTYPE_NEUTRAL;
			stats.cg_neutral++;
		}
		be16(cg_in + 12, type);
		memcpy(cg_in + ETH_HLEN, ip, ip_len);
		bad += check(index, H_CG, &f, cg_in, ip_len + ETH_HLEN, ip, ip_len,
			     ifindex, mark, ip_len, false);

		/* The raw-IP uplink's TC program: the packet alone. */
		if (ip_len < ETH_HLEN) {
			stats.excluded_l3_short++;
		} else if (kernel_refuses(ip, ip_len)) {
			stats.excluded_l3_refused++;
			bad += check(index, H_L3, &f, ip, ip_len, ip, ip_len,
				     ifindex, mark, ip_len, true);
		} else {
			bad += check(index, H_L3, &f, ip, ip_len, ip, ip_len,
				     ifindex, mark, ip_len, false);
		}
	}
	return bad;
}

/* ------------------------------------------------------------------------
 * Setup
 */

static int find_cgroup2_mount(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], mnt[PATH_MAX], fstype[64];
	int found = -1;

	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(sep + 3, "%63s", fstype) != 1 ||
		    strcmp(fstype, "cgroup2"))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1)
			continue;
		if ((size_t)snprintf(out, len, "%s", mnt) < len)
			found = 0;
	}
	fclose(f);
	return found;
}

static int find_own_cgroup(const char *mnt, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[PATH_MAX + 8];
	int found = -1;

	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "0::", 3))
			continue;
		if ((size_t)snprintf(out, len, "%s%s", mnt,
				     strcmp(line + 3, "/") ? line + 3 : "") < len)
			found = 0;
	}
	fclose(f);
	return found;
}

static void cg_remove_tree(void)
{
	if (env.cg_current != -1) {
		char procs[PATH_MAX + 16];
		int fd;

		snprintf(procs, sizeof(procs), "%s/cgroup.procs", env.cg_orig);
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (write(fd, "0", 1) == 1)
				env.cg_current = -1;
			close(fd);
		}
	}
	for (int i = N_NODES - 1; i > NODE_ROOT; i--) {
		if (!env.node[i].made)
			continue;
		if (rmdir(env.node[i].path) && errno != ENOENT)
			fprintf(stderr, "diff_test: rmdir(%s): %s\n",
				env.node[i].path, strerror(errno));
		else
			env.node[i].made = false;
	}
}

static void on_signal(int sig)
{
	(void)sig;
	_exit(130);	/* run.sh removes the tree */
}

static void cg_make_tree(void)
{
	const char *name = getenv("KSBPF_TEST_CGROUP");
	char fallback[64];
	struct stat st;

	if (!name) {
		snprintf(fallback, sizeof(fallback), "ksbpf-diff-%d", (int)getpid());
		name = fallback;
	}
	if (find_cgroup2_mount(env.cg_mnt, sizeof(env.cg_mnt)))
		die("no cgroup2 mount");
	if (find_own_cgroup(env.cg_mnt, env.cg_orig, sizeof(env.cg_orig)))
		die("no cgroup v2 line in /proc/self/cgroup");
	if (stat(env.cg_mnt, &st))
		die("stat(%s): %s", env.cg_mnt, strerror(errno));
	/* The root cgroup's id is 1: then levels below the mount are levels
	 * of the tree (no cgroup namespace in between). */
	env.levels_known = st.st_ino == 1;
	env.node[NODE_ROOT] = (struct cg_node){ .id = st.st_ino, .level = 0,
						 .parent = NODE_ROOT };
	snprintf(env.node[NODE_ROOT].path, PATH_MAX, "%s", env.cg_mnt);
	if (!env.levels_known)
		fprintf(stderr, "diff_test: warning: the cgroup2 mount is not the "
			"root of the hierarchy (cgroup namespace?): the levels "
			"the model assumes may be off\n");

	for (int i = 1; i < N_NODES; i++) {
		struct cg_node *n = &env.node[i];
		int parent = i == NODE_SIBLING ? 1 : i == NODE_UNKNOWN ? NODE_ROOT : i - 1;

		n->parent = parent;
		n->level = env.node[parent].level + 1;
		if (i == NODE_UNKNOWN) {
			n->id = 0x7fffffff00000001ull;
			continue;
		}
		if ((size_t)snprintf(n->path, PATH_MAX, "%s/%s",
				     i == 1 ? env.cg_mnt : env.node[parent].path,
				     i == 1 ? name : i == NODE_SIBLING ? "sib" : "d") >=
		    PATH_MAX)
			die("cgroup path too long");
		if (mkdir(n->path, 0755))
			die("mkdir(%s): %s", n->path, strerror(errno));
		n->made = true;
		if (stat(n->path, &st))
			die("stat(%s): %s", n->path, strerror(errno));
		n->id = st.st_ino;	/* a cgroup v2 id is its inode number */
	}
}

static void load_programs(void)
{
	struct bpf_map *map;
	int err;

	env.skel = ksbpf_bpf__open();
	if (!env.skel)
		die("ksbpf_bpf__open: %s", strerror(errno));
	features_probe(&env.features);
	features_select(env.skel, &env.features);
	printf("netns of sockets: %s\n", env.features.skb_netns_cookie ?
	       "bpf_get_netns_cookie" : "recorded at creation");
	/* Never touch (or adopt) the pins of a ksbpf running on this host. */
	bpf_object__for_each_map(map, env.skel->obj) {
		err = bpf_map__set_pin_path(map, NULL);
		if (err)
			die("bpf_map__set_pin_path(%s): %s", bpf_map__name(map),
			    strerror(-err));
	}
	err = ksbpf_bpf__load(env.skel);
	if (err)
		die("ksbpf_bpf__load: %s", strerror(-err));
	bpf_object__for_each_map(map, env.skel->obj)
		if (bpf_map__is_pinned(map))
			die("map %s got pinned", bpf_map__name(map));

	env.fd_config = bpf_map__fd(env.skel->maps.ksbpf_config);
	env.fd_tunnels = bpf_map__fd(env.skel->maps.ksbpf_tunnels);
	env.fd_endpoints = bpf_map__fd(env.skel->maps.ksbpf_endpoints);
	env.fd_endpoint_marks = bpf_map__fd(env.skel->maps.ksbpf_endpoint_marks);
	env.fd_lan4 = bpf_map__fd(env.skel->maps.ksbpf_lan4);
	env.fd_lan6 = bpf_map__fd(env.skel->maps.ksbpf_lan6);
	env.fd_lan_dns = bpf_map__fd(env.skel->maps.ksbpf_lan_dns);
	env.fd_apps = bpf_map__fd(env.skel->maps.ksbpf_apps);
	env.fd_counters = bpf_map__fd(env.skel->maps.ksbpf_counters);
	env.fd_events = bpf_map__fd(env.skel->maps.ksbpf_events);
	env.fd_event_seq = bpf_map__fd(env.skel->maps.ksbpf_event_seq);
	env.fd_budget = bpf_map__fd(env.skel->maps.ksbpf_event_budget);
}

static void setup(void)
{
	socklen_t len = sizeof(env.netns_cookie);
	cpu_set_t set;
	int fd;

	env.ifindex_a = (int)if_nametoindex(IF_A);
	env.ifindex_b = (int)if_nametoindex(IF_B);
	if (!env.ifindex_a || !env.ifindex_b)
		die("no interfaces %s and %s here: run me through "
		    "tests/differential/run.sh", IF_A, IF_B);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE,
				 &env.netns_cookie, &len))
		die("SO_NETNS_COOKIE: %s", strerror(errno));
	close(fd);

	/* One CPU: per-CPU counters and event budgets stay in one place. */
	CPU_ZERO(&set);
	CPU_SET(sched_getcpu() >= 0 ? sched_getcpu() : 0, &set);
	sched_setaffinity(0, sizeof(set), &set);

	env.ncpus = libbpf_num_possible_cpus();
	if (env.ncpus <= 0)
		die("libbpf_num_possible_cpus: %s", strerror(-env.ncpus));
	env.percpu_buf = calloc((size_t)env.ncpus * N_COUNTERS,
				sizeof(*env.percpu_buf));
	env.budget_zero = calloc((size_t)env.ncpus, sizeof(*env.budget_zero));
	if (!env.percpu_buf || !env.budget_zero)
		die("out of memory");

	load_programs();
	atexit(cg_remove_tree);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	cg_make_tree();
	read_counters(env.packets, env.bytes);
	env.event_seq = read_event_seq();
	reset_event_budget();
}

/* ------------------------------------------------------------------------
 * Main
 */

static void usage(FILE *f)
{
	fprintf(f,
		"usage: diff_test [--seed S] [--count N] [--start I] [--index I]\n"
		"                 [--verbose] [--max-report K] [--whole-headers]\n"
		"  --seed S         the PRNG seed (default: from the clock; printed)\n"
		"  --count N        frames to run (default %d)\n"
		"  --start I        first frame index (default 0)\n"
		"  --index I        run frame I alone and show everything about it\n"
		"  --max-report K   mismatches printed in full (default 10)\n"
		"  --whole-headers  the model's stricter reading of \"truncated header\"\n"
		"Run it through tests/differential/run.sh (root, own namespace).\n",
		DEFAULT_COUNT);
}

static uint64_t parse_u64_arg(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s)
		die("bad %s: %s", what, s);
	return v;
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "start", required_argument, NULL, 'S' },
		{ "index", required_argument, NULL, 'i' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "max-report", required_argument, NULL, 'm' },
		{ "whole-headers", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	bool seeded = false;
	int c;

	while ((c = getopt_long(argc, argv, "s:n:S:i:vm:wh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			opt.seed = parse_u64_arg(optarg, "seed");
			seeded = true;
			break;
		case 'n':
			opt.count = parse_u64_arg(optarg, "count");
			break;
		case 'S':
			opt.start = parse_u64_arg(optarg, "start");
			break;
		case 'i':
			opt.start = parse_u64_arg(optarg, "index");
			opt.count = 1;
			opt.one = true;
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 'm':
			opt.max_report = (unsigned int)parse_u64_arg(optarg, "max-report");
			break;
		case 'w':
			opt.truncation = MODEL_TRUNC_WHOLE_HEADERS;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(2);
	}
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		opt.seed = mix64((uint64_t)ts.tv_sec * 1000000007ull ^
				 (uint64_t)ts.tv_nsec ^ (uint64_t)getpid());
	}
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void print_summary(double seconds)
{
	printf("differential: seed 0x%" PRIx64 ", frames %" PRIu64 "..%" PRIu64
	       ", %" PRIu64 " worlds\n", opt.seed, opt.start,
	       opt.start + stats.frames - (stats.frames ? 1 : 0),
	       stats.frames ? (opt.start + stats.frames - 1) / FRAMES_PER_WORLD -
			      opt.start / FRAMES_PER_WORLD + 1 : 0);
	printf("  %" PRIu64 " frames, %" PRIu64 " program runs in %.1f s "
	       "(%.0f frames/s, %.0f runs/s); %" PRIu64 " drop events checked\n",
	       stats.frames, stats.runs, seconds,
	       seconds > 0 ? stats.frames / seconds : 0,
	       seconds > 0 ? stats.runs / seconds : 0, stats.events_checked);
	printf("  verdicts by reason     cgroup         tc      tc-l3\n");
	for (int r = 0; r < KSBPF_REASON_MAX; r++)
		if (strcmp(model_reason_name((enum ksbpf_reason)r), "?") ||
		    stats.by_reason[H_CG][r] + stats.by_reason[H_TC][r] +
		    stats.by_reason[H_L3][r])
			printf("    %-14s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
			       model_reason_name((enum ksbpf_reason)r),
			       stats.by_reason[H_CG][r], stats.by_reason[H_TC][r],
			       stats.by_reason[H_L3][r]);
	printf("  excluded (BPF_PROG_TEST_RUN limits): %" PRIu64 " frames under 14 bytes"
	       " (no program); %" PRIu64 " tc runs (IP ethertype, IP header cut);"
	       " %" PRIu64 " tc-l3 runs (packet under 14 bytes); %" PRIu64
	       " tc-l3 runs (bytes 12-13 read as an IP ethertype)\n",
	       stats.excluded_short_frame, stats.excluded_tc_short_ip,
	       stats.excluded_l3_short, stats.excluded_l3_refused);
	printf("  adapted: %" PRIu64 " cgroup runs under a neutral ethertype\n",
	       stats.cg_neutral);
	if (stats.refusal_mispredicted)
		printf("  note: %" PRIu64 " runs the test expected the kernel to "
		       "refuse were accepted (and checked)\n",
		       stats.refusal_mispredicted);
	if (stats.n_kinds)
		printf("  mismatches by kind (model -> program: problem, count, "
		       "first frame):\n");
	for (unsigned int i = 0; i < stats.n_kinds; i++) {
		const struct kind *k = &stats.kinds[i];

		printf("    %s -> %s: %s, %" PRIu64 ", --index %" PRIu64 " (%s)\n",
		       model_reason_name((enum ksbpf_reason)k->model),
		       counter_reason(k->program), k->problem, k->count,
		       k->first_index, hooks[k->first_hook].name);
	}
	printf("  %" PRIu64 " mismatches, %" PRIu64 " errors\n", stats.mismatches,
	       stats.errors);
}

int main(int argc, char **argv)
{
	double start;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv);
	setup();
	printf("differential: seed 0x%" PRIx64 ", %" PRIu64 " frames from %" PRIu64
	       "%s\n", opt.seed, opt.count, opt.start,
	       opt.truncation == MODEL_TRUNC_WHOLE_HEADERS ? ", whole headers" : "");

	start = now_seconds();
	for (uint64_t i = 0; i < opt.count; i++)
		run_frame(opt.start + i);
	print_summary(now_seconds() - start);

	cg_remove_tree();
	ksbpf_bpf__destroy(env.skel);
	return stats.mismatches || stats.errors ? 1 : 0;
}
