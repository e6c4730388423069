/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What is loaded, read from the pins once: the model every view of the
 * kill switch prints (status text and JSON, the snapshot, metrics). */
#ifndef KSBPF_STATUS_H
#define KSBPF_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bypass_routes.h"
#include "cli.h"
#include "compat.h"
#include "ifaces.h"
#include "parse.h"
#include "roles.h"

struct tunnel_state {
	char pattern[KSBPF_IFNAME_LEN];
	struct iface iface;	/* ifindex 0: no such interface now */
	bool active;		/* its ifindex is in ksbpf_tunnels */
};

struct uplink_state {
	__u32 ifindex;
	struct ksbpf_uplink up;
	bool attached;
	uint32_t prog_id;
	bool ingress_attached;
	uint32_t ingress_prog_id;
	struct ksbpf_counter_pair packets;
};

struct status {
	const char *dir;
	struct ksbpf_config cfg;
	bool cg_attached;
	bool guard_attached;	/* the setsockopt program, same cgroup */
	enum compat_guard_state compat_guard;
	bool inbound_attached;	/* cgroup ingress, with --block-inbound */
	bool sock_create_attached;	/* records namespaces, marks bypass sockets */
	struct ksbpf_bypass_route route;
	struct bypass_routes_state routing;
	char routing_error[ERR_LEN];	/* reading it failed; "" */
	uint64_t cg_id;
	uint32_t cg_prog;
	/* The build id in the attached cgroup program (user/build_id.h); ""
	 * from a build before ids. Unknown without CAP_SYS_ADMIN. */
	char attached_build[KSBPF_BUILD_ID_LEN];
	bool attached_build_known;
	char cg_path[PATH_MAX];
	struct tunnel_state tunnels[KSBPF_MAX_TUNNELS * 4];
	int n_tunnels;
	int n_active;
	__u32 stale_tunnels[KSBPF_MAX_TUNNELS];	/* allowed, but gone */
	int n_stale_tunnels;
	struct uplink_state *uplinks;	/* recorded in ksbpf_uplinks */
	int n_uplinks;
	unsigned int max_uplinks;	/* its room */
	struct iface *ifs;		/* every interface, with its role */
	struct iface_role *roles;
	size_t n_ifs;
	int n_unguarded;		/* uplinks without a record */
	struct endpoint endpoints[KSBPF_MAX_ENDPOINTS];
	char endpoint_wg_sync[KSBPF_MAX_ENDPOINTS][KSBPF_IFNAME_LEN];	/* "": not synced */
	int n_endpoints;
	struct mark_rule endpoint_marks[KSBPF_MAX_ENDPOINT_MARKS];
	int n_endpoint_marks;
	struct lan_entry *lans;
	int n_lans;
	struct ip_addr lan_dns[KSBPF_MAX_LAN_DNS];
	int n_lan_dns;
	int n_apps;
	uint64_t events_last;
	uint64_t events_suppressed;
	struct ksbpf_event last_drop;	/* seq 0: none recorded */
	struct ksbpf_counter counters[KSBPF_HOOK_MAX][KSBPF_REASON_MAX];
	struct ksbpf_counter probes[KSBPF_HOOK_MAX][KSBPF_REASON_MAX];	/* verify's */
};

/* The pins of o->bpffs, read. *state says protected, degraded or not
 * loaded (nothing pinned). NULL with err (and errno: EACCES for a user
 * who cannot see the pins) when that cannot be told. */
struct status *status_collect(const struct options *o, enum ksbpf_exit *state,
			      char *err);
void status_free(struct status *s);

enum ksbpf_exit status_verdict(const struct status *s);
const char *status_state_name(enum ksbpf_exit state);
/* One line that answers "am I protected, and why". */
void status_headline(const struct status *s, enum ksbpf_exit state, char *buf,
		     size_t len);
bool status_blocks_inbound(const struct status *s);
/* Programs of another build than this binary's are attached. */
bool status_build_differs(const struct status *s);
bool status_records_netns(const struct status *s);
bool status_is_unguarded(const struct status *s, size_t i);
const char *status_compat_guard_name(enum compat_guard_state state, bool text);

/* status.c: the views. Text is the summary, or everything when verbose. */
void status_print(FILE *out, const struct status *s, enum ksbpf_exit state,
		  enum status_format format, bool verbose, bool apps);
#endif
