// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "status.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build_id.h"
#include "commands.h"
#include "events.h"
#include "maps.h"
#include "pins.h"
#include "wg_sync.h"

static bool active_tunnel(const struct map_fds *m, __u32 ifindex)
{
	struct ksbpf_tunnel t;

	return !bpf_map_lookup_elem(m->tunnels, &ifindex, &t);
}

static void collect_tunnels(struct status *s, const struct map_fds *m,
			    const struct policy *names)
{
	const struct iface *ifs = s->ifs;
	size_t n_ifs = s->n_ifs;

	for (unsigned int i = 0; i < names->n_tunnels; i++) {
		bool seen = false;

		for (size_t k = 0; k <= n_ifs; k++) {
			struct tunnel_state *t = &s->tunnels[s->n_tunnels];
			bool match = k < n_ifs &&
				     ifname_matches(names->tunnels[i], ifs[k].name);

			if (s->n_tunnels == (int)(sizeof(s->tunnels) / sizeof(*t)))
				break;
			if (!match && (k < n_ifs || seen))
				continue;
			memcpy(t->pattern, names->tunnels[i], sizeof(t->pattern));
			if (match) {
				t->iface = ifs[k];
				t->active = active_tunnel(m, ifs[k].ifindex);
				s->n_active += t->active;
				seen = true;
			}
			s->n_tunnels++;
		}
	}
}

static bool recorded_uplink(const struct status *s, const struct iface *ifc)
{
	for (int i = 0; i < s->n_uplinks; i++)
		if (s->uplinks[i].ifindex == ifc->ifindex &&
		    !strcmp(s->uplinks[i].up.name, ifc->name))
			return true;
	return false;
}

/* Tunnel ifindexes still allowed whose interface is gone or no longer a
 * tunnel: left behind when no agent ran, and a later interface could get
 * the same ifindex. */
static void collect_stale_tunnels(struct status *s, const struct map_fds *m)
{
	__u32 key, next;
	bool first = true;

	while (s->n_stale_tunnels < KSBPF_MAX_TUNNELS &&
	       !bpf_map_get_next_key(m->tunnels, first ? NULL : &key, &next)) {
		bool live = false;

		first = false;
		key = next;
		for (size_t i = 0; i < s->n_ifs; i++)
			if (s->ifs[i].ifindex == key)
				live = s->ifs[i].up && s->roles[i].role == ROLE_TUNNEL;
		if (!live)
			s->stale_tunnels[s->n_stale_tunnels++] = key;
	}
}

bool status_is_unguarded(const struct status *s, size_t i)
{
	return s->roles[i].role == ROLE_UPLINK && !recorded_uplink(s, &s->ifs[i]);
}

static bool uplinks_full(const struct status *s)
{
	return s->max_uplinks && (unsigned int)s->n_uplinks >= s->max_uplinks;
}

/* Every interface's role, from the pinned names and rules (names: room
 * for them, read here and kept for the tunnel list). */
static int collect_roles(struct status *s, const struct map_fds *m,
			 struct policy *names, char *err)
{
	s->roles = calloc(s->n_ifs ? s->n_ifs : 1, sizeof(*s->roles));
	if (!s->roles)
		return errf(err, "status: out of memory");
	maps_read_interface_policy(m, names);
	return roles_assign(names, s->ifs, s->n_ifs, s->roles) ?
		errf(err, "status: out of memory") : 0;
}

static int collect_uplinks(struct status *s, const struct map_fds *m, char *err)
{
	__u32 key, next;
	bool first = true;

	s->max_uplinks = maps_room(m->uplinks);
	s->uplinks = calloc(s->max_uplinks ? s->max_uplinks : 1, sizeof(*s->uplinks));
	if (!s->uplinks)
		return errf(err, "status: out of memory");
	while ((unsigned int)s->n_uplinks < s->max_uplinks &&
	       !bpf_map_get_next_key(m->uplinks, first ? NULL : &key, &next)) {
		struct uplink_state *u = &s->uplinks[s->n_uplinks];

		first = false;
		key = next;
		if (bpf_map_lookup_elem(m->uplinks, &key, &u->up))
			continue;
		u->ifindex = key;
		u->attached = tc_attached(key, TC_EGRESS, u->up.tc_mode, s->dir,
					  &u->prog_id);
		u->ingress_attached = u->up.ingress &&
				      tc_attached(key, TC_INGRESS, u->up.tc_mode,
						  s->dir, &u->ingress_prog_id);
		maps_sum_percpu(m->uplink_stats, &key, &u->packets, sizeof(u->packets));
		s->n_uplinks++;
	}
	/* An uplink that appeared after `load` with no agent running, or for
	 * which ksbpf_uplinks had no room, has no program. */
	for (size_t i = 0; i < s->n_ifs; i++)
		s->n_unguarded += status_is_unguarded(s, i);
	return 0;
}

static void collect_endpoints(struct status *s, const struct map_fds *m)
{
	struct ksbpf_endpoint_key key, next;
	struct ksbpf_endpoint value;
	bool first = true;

	while (s->n_endpoints < KSBPF_MAX_ENDPOINTS &&
	       !bpf_map_get_next_key(m->endpoints, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		/* Port 0 entries are derived for fragments: not the user's. */
		if (!key.port || bpf_map_lookup_elem(m->endpoints, &key, &value))
			continue;
		if (!wg_sync_owner(m, &key, s->endpoint_wg_sync[s->n_endpoints]))
			s->endpoint_wg_sync[s->n_endpoints][0] = '\0';
		endpoint_from_entry(&key, &value, &s->endpoints[s->n_endpoints++]);
	}
}

static void add_lan(struct status *s, const struct cidr *c, __u32 origin,
		    int *cap)
{
	if (s->n_lans == *cap) {
		int grown_cap = *cap * 2 + 64;
		struct lan_entry *grown = realloc(s->lans,
						  (size_t)grown_cap * sizeof(*grown));

		if (!grown)
			return;
		s->lans = grown;
		*cap = grown_cap;
	}
	s->lans[s->n_lans].cidr = *c;
	s->lans[s->n_lans++].origin = origin;
}

static void collect_lans(struct status *s, const struct map_fds *m)
{
	struct ksbpf_lan4_key k4, n4;
	struct ksbpf_lan6_key k6, n6;
	struct ksbpf_lan value;
	struct cidr c;
	int cap = 0;
	bool first = true;

	while (!bpf_map_get_next_key(m->lan4, first ? NULL : &k4, &n4)) {
		first = false;
		k4 = n4;
		cidr_from_lan4(&k4, &c);
		if (!bpf_map_lookup_elem(m->lan4, &k4, &value))
			add_lan(s, &c, value.origin, &cap);
	}
	first = true;
	while (!bpf_map_get_next_key(m->lan6, first ? NULL : &k6, &n6)) {
		first = false;
		k6 = n6;
		cidr_from_lan6(&k6, &c);
		if (!bpf_map_lookup_elem(m->lan6, &k6, &value))
			add_lan(s, &c, value.origin, &cap);
	}
}

static void collect_lan_dns(struct status *s, const struct map_fds *m)
{
	struct ksbpf_addr_key key, next;
	bool first = true;

	while (s->n_lan_dns < KSBPF_MAX_LAN_DNS &&
	       !bpf_map_get_next_key(m->lan_dns, first ? NULL : &key, &next)) {
		struct ip_addr *ip = &s->lan_dns[s->n_lan_dns++];

		first = false;
		key = next;
		ip->family = key.family;
		memcpy(ip->addr, key.addr, sizeof(ip->addr));
	}
}

static void count_apps(struct status *s, const struct map_fds *m)
{
	__u64 key, next;
	bool first = true;

	while (!bpf_map_get_next_key(m->apps, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		s->n_apps++;
	}
}

static void collect_counters(struct status *s, const struct map_fds *m)
{
	for (int hook = 0; hook < KSBPF_HOOK_MAX; hook++)
		for (int reason = 0; reason < KSBPF_REASON_MAX; reason++) {
			__u32 index = ksbpf_counter_index(hook, reason);

			maps_read_counter(m->counters, index, &s->counters[hook][reason]);
			maps_read_counter(m->probe_counters, index, &s->probes[hook][reason]);
		}
}

/* The path of the cgroup we attached to, when --cgroup (or the root) is
 * that cgroup; its id otherwise. */
static void resolve_cgroup(struct status *s, const struct options *o)
{
	char path[PATH_MAX], err[ERR_LEN];
	struct stat st;

	if (!cli_cgroup_path(o, path, sizeof(path), err) && !stat(path, &st) &&
	    st.st_ino == s->cg_id)
		snprintf(s->cg_path, sizeof(s->cg_path), "%s", path);
}

static void read_last_drop(struct status *s, const struct map_fds *m)
{
	__u32 slot = (__u32)(s->events_last % KSBPF_EVENT_RING);

	if (!s->events_last || bpf_map_lookup_elem(m->events, &slot, &s->last_drop) ||
	    s->last_drop.seq != s->events_last)
		memset(&s->last_drop, 0, sizeof(s->last_drop));
}

/* Not knowing which build enforces is no reason to fail the status. */
static void collect_build(struct status *s)
{
	char err[ERR_LEN];

	s->attached_build_known = s->cg_attached &&
		!build_id_attached(s->dir, s->attached_build,
				   sizeof(s->attached_build), err);
}

bool status_build_differs(const struct status *s)
{
	return s->attached_build_known && strcmp(s->attached_build, build_id_self());
}

static int collect(struct status *s, const struct options *o, char *err)
{
	struct policy *names = calloc(1, sizeof(*names));
	struct map_fds m;
	uint64_t guard_cgroup;
	uint32_t guard_prog;

	if (!names)
		return errf(err, "status: out of memory");
	if (maps_open_pinned(s->dir, &m, err)) {
		free(names);
		return -1;
	}
	if (ifaces_list(&s->ifs, &s->n_ifs, err) || collect_roles(s, &m, names, err) ||
	    collect_uplinks(s, &m, err)) {
		free(names);
		maps_close(&m);
		return -1;
	}
	maps_read_config(&m, &s->cfg);
	s->cg_attached = cgroup_attached(PIN_LINK_CG_EGRESS, s->dir, &s->cg_id,
					 &s->cg_prog);
	s->guard_attached = cgroup_attached(PIN_LINK_CG_SOCKOPT, s->dir,
					    &guard_cgroup, &guard_prog) &&
			    guard_cgroup == s->cg_id;
	s->sock_create_attached = cgroup_attached(PIN_LINK_CG_SOCK_CREATE, s->dir,
						  &guard_cgroup, &guard_prog) &&
				  guard_cgroup == s->cg_id;
	s->compat_guard = compat_guard_state(s->dir);
	collect_build(s);
	s->inbound_attached = cgroup_attached(PIN_LINK_CG_INGRESS, s->dir,
					      &guard_cgroup, &guard_prog) &&
			      guard_cgroup == s->cg_id;
	resolve_cgroup(s, o);
	collect_tunnels(s, &m, names);
	free(names);
	collect_stale_tunnels(s, &m);
	collect_endpoints(s, &m);
	s->n_endpoint_marks = maps_read_marks(&m, s->endpoint_marks,
					      KSBPF_MAX_ENDPOINT_MARKS);
	collect_lans(s, &m);
	collect_lan_dns(s, &m);
	count_apps(s, &m);
	maps_read_bypass_route(&m, &s->route);
	if (s->route.mark)
		bypass_routes_read(&s->route, &s->routing, s->routing_error);
	collect_counters(s, &m);
	s->events_last = events_last_seq(&m);
	s->events_suppressed = events_suppressed(&m);
	read_last_drop(s, &m);
	maps_close(&m);
	return 0;
}

bool status_blocks_inbound(const struct status *s)
{
	return s->cfg.flags & KSBPF_F_BLOCK_INBOUND;
}

/* Uplinks missing a program they should have. */
static int detached_uplinks(const struct status *s)
{
	int n = 0;

	for (int i = 0; i < s->n_uplinks; i++)
		n += !s->uplinks[i].attached ||
		     (status_blocks_inbound(s) && !s->uplinks[i].ingress_attached);
	return n;
}

const char *status_compat_guard_name(enum compat_guard_state state, bool text)
{
	switch (state) {
	case COMPAT_GUARD_ATTACHED:
		return "attached";
	case COMPAT_GUARD_DETACHED:
		return text ? "DETACHED" : "detached";
	default:
		return text ? "unavailable on this kernel" : "unavailable";
	}
}

/* Detached, or refused by this kernel: either way a held process with
 * CAP_NET_RAW could skip TC through a 32-bit setsockopt. */
static bool compat_guard_missing(const struct status *s)
{
	return s->compat_guard != COMPAT_GUARD_ATTACHED;
}

bool status_records_netns(const struct status *s)
{
	return s->cfg.flags & KSBPF_F_NETNS_RECORDED;
}

/* Without it, sockets created since are judged whatever their namespace:
 * containers on the cgroup lose their network, nothing leaks. */
static bool recorder_missing(const struct status *s)
{
	return status_records_netns(s) && !s->sock_create_attached;
}

enum ksbpf_exit status_verdict(const struct status *s)
{
	if (!s->cg_attached || !s->guard_attached || compat_guard_missing(s) ||
	    recorder_missing(s) ||
	    detached_uplinks(s) ||
	    s->n_unguarded || (status_blocks_inbound(s) && !s->inbound_attached))
		return EXIT_DEGRADED;
	return EXIT_OK;
}

const char *status_state_name(enum ksbpf_exit state)
{
	return state == EXIT_OK ? "protected" :
	       state == EXIT_DEGRADED ? "degraded" : "not_loaded";
}

/* Appends to a fixed buffer, cutting what does not fit. */
static void append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

static int count_local(const struct status *s)
{
	int n = 0;

	for (size_t i = 0; i < s->n_ifs; i++)
		n += s->roles[i].role == ROLE_LOCAL;
	return n;
}

void status_headline(const struct status *s, enum ksbpf_exit state, char *buf,
		     size_t len)
{
	buf[0] = '\0';
	if (state == EXIT_DEGRADED) {
		append(buf, len, "DEGRADED");
		if (!s->cg_attached)
			append(buf, len, " — cgroup egress program not attached");
		if (!s->guard_attached)
			append(buf, len, " — setsockopt guard not attached "
			       "(PACKET_QDISC_BYPASS and AF_XDP would skip TC)");
		if (compat_guard_missing(s))
			append(buf, len, " — 32-bit setsockopt guard %s (held processes "
			       "could skip TC through 32-bit setsockopt)",
			       status_compat_guard_name(s->compat_guard, true));
		if (recorder_missing(s))
			append(buf, len, " — socket namespace recorder not attached "
			       "(new sockets of other namespaces are judged here)");
		if (status_blocks_inbound(s) && !s->inbound_attached)
			append(buf, len, " — cgroup ingress program not attached");
		if (detached_uplinks(s))
			append(buf, len, " — %d uplink program%s detached", detached_uplinks(s),
			       detached_uplinks(s) == 1 ? "" : "s");
		for (size_t i = 0; i < s->n_ifs; i++)
			if (status_is_unguarded(s, i))
				append(buf, len, " — %s not guarded (%s)", s->ifs[i].name,
				       uplinks_full(s) ? "ksbpf_uplinks is full: "
				       "--max-uplinks" : "appeared after load, no agent");
		return;
	}
	append(buf, len, "PROTECTED — ");
	if (s->n_active) {
		for (int i = 0, shown = 0; i < s->n_tunnels; i++) {
			if (!s->tunnels[i].active)
				continue;
			append(buf, len, "%stunnel %s up (ifindex %u)", shown++ ? ", " : "",
			       s->tunnels[i].iface.name, s->tunnels[i].iface.ifindex);
		}
	} else {
		append(buf, len, "tunnel down, all traffic blocked but the allowlist");
	}
	append(buf, len, ", %d uplink%s guarded, %d local link%s, %d endpoint%s%s",
	       s->n_uplinks, s->n_uplinks == 1 ? "" : "s", count_local(s),
	       count_local(s) == 1 ? "" : "s", s->n_endpoints,
	       s->n_endpoints == 1 ? "" : "s", s->n_lans ? ", LAN allowed" : "");
	/* Blocked now, but a later interface could get the ifindex. */
	for (int i = 0; i < s->n_stale_tunnels; i++)
		append(buf, len, " — warning: tunnel ifindex %u is gone but still "
		       "allowed (no agent ran: ksbpf load or ksbpf run clears it)",
		       s->stale_tunnels[i]);
}


struct status *status_collect(const struct options *o, enum ksbpf_exit *state,
			      char *err)
{
	struct status *s = calloc(1, sizeof(*s));
	int saved;

	if (!s) {
		errf(err, "status: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	s->dir = o->bpffs;
	*state = EXIT_NOT_LOADED;
	if (pins_require_loaded(s->dir, err)) {
		if (errno == ENOENT)
			return s;
		saved = errno;
		status_free(s);
		errno = saved;
		return NULL;
	}
	if (collect(s, o, err)) {
		saved = errno;
		status_free(s);
		errno = saved;
		return NULL;
	}
	*state = status_verdict(s);
	return s;
}

int status_protection(const struct options *o, char *why, size_t len)
{
	enum ksbpf_exit state;
	char err[ERR_LEN];
	struct status *s = status_collect(o, &state, err);

	if (!s) {
		snprintf(why, len, "%s", err);
		return EXIT_FAILED;
	}
	if (state == EXIT_NOT_LOADED)
		snprintf(why, len, "NOT LOADED");
	else
		status_headline(s, state, why, len);
	status_free(s);
	return state;
}

void status_free(struct status *s)
{
	free(s->lans);
	free(s->uplinks);
	free(s->ifs);
	free(s->roles);
	free(s);
}
