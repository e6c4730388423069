/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A reference model of ksbpf's egress verdict, written from docs/policy.md
 * (and the contract, shared/POLICY.md) for clarity, not speed. It knows
 * nothing of bpf/: it parses the packet bytes itself and walks the verdict
 * table row by row. tests/differential/diff_test.c feeds the same packets
 * to the real BPF programs and to this model and compares the two.
 *
 * The only thing taken from include/ksbpf.h is the vocabulary shared with
 * the programs' counters: the reason numbers (enum ksbpf_reason), the app
 * policies (enum ksbpf_app_policy) and the address family numbers.
 */
#ifndef KSBPF_MODEL_H
#define KSBPF_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ksbpf.h"

/* What the hook hands over. */
enum model_hook {
	MODEL_HOOK_CGROUP = 0,	/* cgroup_skb/egress: the IP packet */
	MODEL_HOOK_TC_ETHER,	/* tc egress of an Ethernet uplink: the frame */
	MODEL_HOOK_TC_RAW_IP,	/* tc egress of a raw-IP uplink: the IP packet */
};

/* An address: family KSBPF_AF_INET (IPv4 in the first four bytes, the rest
 * zero) or KSBPF_AF_INET6, network byte order. */
struct model_addr {
	uint8_t family;
	uint8_t bytes[16];
};

struct model_cidr {
	struct model_addr addr;
	unsigned int prefixlen;
};

/* --endpoint IP:PORT/PROTO[@FWMARK] */
struct model_endpoint {
	struct model_addr addr;
	uint8_t proto;		/* 6 (tcp) or 17 (udp) */
	uint16_t port;		/* 1 to 65535 */
	bool fwmark_set;
	uint32_t fwmark;
};

/* --endpoint-mark MARK[/MASK][/PROTO] */
struct model_endpoint_mark {
	uint32_t mark;
	uint32_t mask;
	uint8_t proto;		/* 6, 17, or 0: any */
};

/* `ksbpf app set DIR POLICY`: the cgroup is named by its id. */
struct model_app {
	uint64_t cgroup_id;
	enum ksbpf_app_policy policy;
};

/* Everything the user configured (and the loader keeps current). */
struct model_world {
	bool scope_apps;		/* --scope apps (else host) */
	/*
	 * KSBPF_F_HAVE_APPS, which include/ksbpf.h defines as "ksbpf_apps is
	 * not empty": the loader's promise that there is no app to look for
	 * when it is clear. Normally it says exactly whether apps[] is empty;
	 * a world may break the promise on purpose, and then the apps are
	 * not looked at.
	 */
	bool apps_flag;
	const uint32_t *tunnels;	/* ifindexes of the tunnel interfaces */
	size_t n_tunnels;
	const struct model_endpoint *endpoints;
	size_t n_endpoints;
	const struct model_endpoint_mark *endpoint_marks;
	size_t n_endpoint_marks;
	bool allow_lan;			/* --allow-lan: the default LAN set */
	const struct model_cidr *lans;	/* --lan CIDR */
	size_t n_lans;
	const struct model_addr *lan_dns;	/* --lan-dns IP */
	size_t n_lan_dns;
	const struct model_app *apps;
	size_t n_apps;
};

/*
 * The socket a packet comes from. cgroup_path[level] is the id of the
 * socket's cgroup ancestor at that level of the cgroup v2 tree: [0] is the
 * root, [level] the socket's own cgroup.
 */
#define MODEL_MAX_LEVEL 64

struct model_socket {
	bool present;			/* false: forwarded, kernel-generated */
	bool in_guarded_netns;		/* the namespace ksbpf guards */
	unsigned int level;
	uint64_t cgroup_path[MODEL_MAX_LEVEL + 1];
};

struct model_input {
	enum model_hook hook;
	const uint8_t *data;		/* the frame (Ethernet) or the IP packet */
	size_t len;
	uint32_t ifindex;		/* where the packet leaves */
	uint32_t mark;			/* skb->mark */
	const struct model_socket *socket;
};

/* How the model reads "a truncated header" (see model.c). */
enum model_truncation {
	/* A header is truncated when a field the verdict reads is missing. */
	MODEL_TRUNC_FIELDS = 0,
	/* Every header must be there in full: IPv4 options, IPv6 extension
	 * headers as long as they say, 8 bytes of UDP, 20 of TCP, 8 of ICMP,
	 * 4 of ICMPv6. */
	MODEL_TRUNC_WHOLE_HEADERS,
};

/* What a drop event (struct ksbpf_event) should say about the packet. */
struct model_event {
	bool known;		/* false: the packet was not (fully) parsed */
	uint8_t family;		/* KSBPF_AF_INET(6), 0: not IP */
	uint8_t proto;
	uint16_t sport;		/* 0 when the packet has no ports */
	uint16_t dport;
	uint8_t saddr[16];
	uint8_t daddr[16];
};

struct model_verdict {
	bool pass;
	enum ksbpf_reason reason;
	const char *rule;	/* the row that decided, in words */
	const char *detail;	/* why the parse failed, or NULL */
	struct model_event event;
};

void model_judge(const struct model_world *world, const struct model_input *in,
		 enum model_truncation truncation, struct model_verdict *out);

const char *model_reason_name(enum ksbpf_reason reason);

/* The default LAN set of --allow-lan (docs/policy.md), NULL-terminated. */
extern const char *const model_default_lan[];

#endif /* KSBPF_MODEL_H */
