/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reading and writing ksbpf's pinned maps. */
#ifndef KSBPF_MAPS_H
#define KSBPF_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include <bpf/libbpf.h>
#include "ifaces.h"
#include "policy.h"

struct map_fds {
	int config;
	int tunnels;
	int tun_names;
	int uplinks;
	int iface_rules;
	int endpoints;
	int endpoint_marks;
	int wg_sync;
	int lan4;
	int lan6;
	int lan_dns;
	int apps;
	int app_paths;
	int app_stats;
	int counters;
	int probe_counters;	/* verify's test runs */
	int events;
	int event_seq;
	int event_budget;
	int uplink_stats;
	int tunnel_addrs;
	int bypass_route;
};

/* Opens every pinned map of dir; all fds -1 and an error if one is missing,
 * or if dir guards another network namespace (maps_check_netns). */
int maps_open_pinned(const char *dir, struct map_fds *m, char *err);
/* bpffs belongs to the mount namespace, not the network namespace: a
 * command run in another network namespace would read and write this one's
 * ifindexes and cookie into the guarded one's maps. Refused, with how to get
 * there. */
int maps_check_netns(const struct ksbpf_config *cfg, const char *dir, char *err);
void maps_close(struct map_fds *m);
/* The fds of a loaded object's maps (owned by the object: not closed). */
int maps_from_object(struct bpf_object *obj, struct map_fds *m, char *err);

/* Makes the allowlist maps hold exactly what p asks for: new entries go in
 * before old ones leave, so an entry in both is never missing. */
int maps_sync_policy(const struct map_fds *m, const struct policy *p,
		     uint64_t netns_cookie, uint32_t kernel_flags, char *err);
/* The tunnel ifindex set: interfaces named as tunnels whose admin state is
 * up. Returns how many; *changed says whether the set changed. */
int maps_sync_tunnels(const struct map_fds *m, const struct policy *p,
		      const struct iface *ifs, size_t n, bool *changed, char *err);
/* The addresses of the interfaces in ksbpf_tunnels (getifaddrs). */
int maps_sync_tunnel_addrs(const struct map_fds *m, char *err);
/* Reads the tunnel names and the --uplink/--local rules back into p (for
 * status, the agent and adopting loaders). */
int maps_read_interface_policy(const struct map_fds *m, struct policy *p);
int maps_read_config(const struct map_fds *m, struct ksbpf_config *cfg);
/* How bypass apps are routed; all zero when they are not. */
void maps_read_bypass_route(const struct map_fds *m, struct ksbpf_bypass_route *r);
int maps_write_bypass_route(const struct map_fds *m,
			    const struct ksbpf_bypass_route *r, char *err);
/* A map's max_entries; 0 if it cannot be read. */
unsigned int maps_room(int fd);
int maps_write_config(const struct map_fds *m, const struct ksbpf_config *cfg,
		      char *err);
/* Sets or clears one KSBPF_F_* bit of the loaded config. */
int maps_set_config_flag(const struct map_fds *m, uint32_t flag, bool on,
			 char *err);

/* Run-time edits (`ksbpf allow|deny`, `ksbpf tunnel add|del`): they stay
 * through later loads until undone. The deny/del calls return 1 when there
 * was no such entry. */
int maps_allow_endpoint(const struct map_fds *m, const struct endpoint *ep,
			char *err);
int maps_deny_endpoint(const struct map_fds *m, const struct endpoint *ep,
		       char *err);
int maps_allow_mark(const struct map_fds *m, const struct mark_rule *r,
		    char *err);
int maps_deny_mark(const struct map_fds *m, const struct mark_rule *r,
		   char *err);
/* After any change of ksbpf_endpoints: the address-only entries that
 * non-first fragments are judged by follow the endpoints. */
int maps_derive_fragments(const struct map_fds *m, char *err);
/* Every rule of ksbpf_endpoint_marks; returns how many (at most max). */
int maps_read_marks(const struct map_fds *m, struct mark_rule *out, int max);
int maps_allow_lan(const struct map_fds *m, const struct cidr *c, char *err);
int maps_deny_lan(const struct map_fds *m, const struct cidr *c, char *err);
int maps_allow_lan_dns(const struct map_fds *m, const struct ip_addr *ip,
		       char *err);
int maps_deny_lan_dns(const struct map_fds *m, const struct ip_addr *ip,
		      char *err);
int maps_add_tunnel_name(const struct map_fds *m, const char *name, char *err);
int maps_del_tunnel_name(const struct map_fds *m, const char *name, char *err);

/* Sums a per-CPU value made of __u64 fields over all CPUs into *sum. */
int maps_sum_percpu(int fd, const void *key, void *sum, size_t value_size);
/* One ksbpf_counter_index() slot of ksbpf_counters or ksbpf_probe_counters. */
int maps_read_counter(int counters, uint32_t index, struct ksbpf_counter *sum);

uint64_t current_netns_cookie(void);

#endif
