// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ksbpf status`: protected or not, and why; then the details. */
#include <bpf/bpf.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bypass_routes.h"
#include "commands.h"
#include "compat.h"
#include "events.h"
#include "json.h"
#include "maps.h"
#include "names.h"
#include "pins.h"
#include "roles.h"
#include "wg_sync.h"

#define TEXT_LIST_MAX 12	/* longer lists are cut in text, never in JSON */

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
	struct ksbpf_counter counters[KSBPF_HOOK_MAX][KSBPF_REASON_MAX];
};

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

static bool is_unguarded(const struct status *s, size_t i)
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
		s->n_unguarded += is_unguarded(s, i);
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
		for (int reason = 0; reason < KSBPF_REASON_MAX; reason++)
			maps_read_counter(m, ksbpf_counter_index(hook, reason),
					  &s->counters[hook][reason]);
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
	maps_close(&m);
	return 0;
}

static bool blocks_inbound(const struct status *s)
{
	return s->cfg.flags & KSBPF_F_BLOCK_INBOUND;
}

/* Uplinks missing a program they should have. */
static int detached_uplinks(const struct status *s)
{
	int n = 0;

	for (int i = 0; i < s->n_uplinks; i++)
		n += !s->uplinks[i].attached ||
		     (blocks_inbound(s) && !s->uplinks[i].ingress_attached);
	return n;
}

static const char *compat_guard_name(enum compat_guard_state state, bool text)
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

static bool records_netns(const struct status *s)
{
	return s->cfg.flags & KSBPF_F_NETNS_RECORDED;
}

/* Without it, sockets created since are judged whatever their namespace:
 * containers on the cgroup lose their network, nothing leaks. */
static bool recorder_missing(const struct status *s)
{
	return records_netns(s) && !s->sock_create_attached;
}

static enum ksbpf_exit verdict(const struct status *s)
{
	if (!s->cg_attached || !s->guard_attached || compat_guard_missing(s) ||
	    recorder_missing(s) ||
	    detached_uplinks(s) ||
	    s->n_unguarded || (blocks_inbound(s) && !s->inbound_attached))
		return EXIT_DEGRADED;
	return EXIT_OK;
}

static const char *state_name(enum ksbpf_exit state)
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

/* One line that answers "am I protected, and why". */
static void headline(const struct status *s, enum ksbpf_exit state, char *buf,
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
			       compat_guard_name(s->compat_guard, true));
		if (recorder_missing(s))
			append(buf, len, " — socket namespace recorder not attached "
			       "(new sockets of other namespaces are judged here)");
		if (blocks_inbound(s) && !s->inbound_attached)
			append(buf, len, " — cgroup ingress program not attached");
		if (detached_uplinks(s))
			append(buf, len, " — %d uplink program%s detached", detached_uplinks(s),
			       detached_uplinks(s) == 1 ? "" : "s");
		for (size_t i = 0; i < s->n_ifs; i++)
			if (is_unguarded(s, i))
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

static void print_headline(const struct status *s, enum ksbpf_exit state)
{
	char line[1024];

	headline(s, state, line, sizeof(line));
	puts(line);
}

/* Packets by reason: the egress hooks, and the ingress ones if in use. */
static void print_counters(const struct status *s)
{
	int hooks = blocks_inbound(s) ? KSBPF_HOOK_MAX : KSBPF_HOOK_TC_EGRESS + 1;

	printf("counters:  %-14s", "reason");
	for (int h = 0; h < hooks; h++)
		printf(" %15s", hook_name(h));
	printf("\n");
	for (int r = 0; r < KSBPF_REASON_MAX; r++) {
		printf("  %-8s %-14s", ksbpf_reason_allows(r) ? "pass" : "drop",
		       reason_name(r));
		for (int h = 0; h < hooks; h++)
			printf(" %15llu", (unsigned long long)s->counters[h][r].packets);
		printf("\n");
	}
}

/* Every interface, and why ksbpf judges what leaves by it or not. */
static void print_roles(const struct status *s)
{
	size_t shown = 0;

	printf("roles:\n");
	for (size_t i = 0; i < s->n_ifs; i++) {
		if (s->roles[i].role == ROLE_LOOPBACK)
			continue;
		if (shown++ == TEXT_LIST_MAX * 4) {
			printf("  ... %zu more (--json lists all)\n", s->n_ifs - i);
			break;
		}
		printf("  %-12s %-7s %s\n", s->ifs[i].name, role_name(s->roles[i].role),
		       s->roles[i].why);
	}
}

static const char *const family_names[2] = { "IPv4", "IPv6" };

/* Not the kill switch's state: what bypass apps' sockets are routed by. */
static void print_bypass_routing(const struct status *s)
{
	const struct bypass_routes_state *r = &s->routing;

	if (!s->route.mark) {
		printf("bypass:    not routed (--bypass-mark 0): bypass apps may use the "
		       "uplinks, routed as everything else\n");
		return;
	}
	printf("bypass:    fwmark %#x -> table %u (rule priority %u), marked by "
	       "sock_create (%s)\n", s->route.mark, s->route.table,
	       s->route.priority, s->sock_create_attached ? "attached" : "DETACHED");
	if (s->routing_error[0]) {
		printf("  %s\n", s->routing_error);
		return;
	}
	for (int i = 0; i < 2; i++) {
		if (!r->family[i])
			continue;
		printf("  %s: rule %s, %d uplink route%s, %s\n", family_names[i],
		       r->rule[i] ? "in place" : "MISSING", r->routes[i],
		       r->routes[i] == 1 ? "" : "s",
		       r->default_route[i] ? "default route" :
		       "NO default route (bypass apps get 'network unreachable')");
	}
}

static void print_text(const struct status *s, enum ksbpf_exit state)
{
	char buf[128];

	print_headline(s, state);
	printf("bpffs:     %s (layout %u)\n", s->dir, s->cfg.layout_version);
	printf("scope:     %s\n", s->cfg.flags & KSBPF_F_SCOPE_APPS ? "apps" : "host");
	printf("cgroup:    %s%s (id %llu), egress %s", s->cg_path,
	       s->cg_path[0] ? "" : "?", (unsigned long long)s->cg_id,
	       s->cg_attached ? "attached" : "DETACHED");
	if (s->cg_attached)
		printf(" (prog id %u)", s->cg_prog);
	printf(", setsockopt guard %s", s->guard_attached ? "attached" : "DETACHED");
	printf(" (32-bit: %s)", compat_guard_name(s->compat_guard, true));
	if (records_netns(s))
		printf(", socket namespace recorder %s",
		       s->sock_create_attached ? "attached" : "DETACHED");
	if (blocks_inbound(s))
		printf(", ingress %s", s->inbound_attached ? "attached" : "DETACHED");
	printf("\ninbound:   %s", blocks_inbound(s) ? "blocked but the allowlist (--block-inbound)" :
	       "not filtered");
	printf("\ntunnels:%s\n", s->n_tunnels ? "" : "   none named");
	for (int i = 0; i < s->n_tunnels; i++) {
		const struct tunnel_state *t = &s->tunnels[i];

		if (!t->iface.ifindex)
			printf("  %-12s absent\n", t->pattern);
		else
			printf("  %-12s ifindex %u, %s, %s\n", t->iface.name,
			       t->iface.ifindex, t->iface.up ? "up" : "down",
			       t->active ? "traffic allowed" : "inactive");
	}
	printf("uplinks:\n");
	for (int i = 0; i < s->n_uplinks; i++) {
		const struct uplink_state *u = &s->uplinks[i];

		printf("  %-12s ifindex %u, %s%s, %s", u->up.name, u->ifindex,
		       tc_mode_name(u->up.tc_mode), u->up.raw_ip ? " raw-ip" : "",
		       u->attached ? "attached" : "DETACHED");
		if (u->attached)
			printf(" (prog id %u)", u->prog_id);
		if (u->up.ingress)
			printf(", ingress %s", u->ingress_attached ? "attached" : "DETACHED");
		printf(", %llu passed, %llu dropped\n",
		       (unsigned long long)u->packets.passed,
		       (unsigned long long)u->packets.dropped);
	}
	for (size_t i = 0; i < s->n_ifs; i++)
		if (is_unguarded(s, i))
			printf("  %-12s NOT GUARDED\n", s->ifs[i].name);
	if ((unsigned int)s->n_uplinks * 10 >= s->max_uplinks * 9)
		printf("  (%d of the %u uplinks ksbpf_uplinks has room for)\n",
		       s->n_uplinks, s->max_uplinks);
	print_roles(s);
	printf("endpoints:%s\n", s->n_endpoints ? "" : " none");
	for (int i = 0; i < s->n_endpoints; i++) {
		const char *synced = s->endpoint_wg_sync[i];

		if (!format_endpoint(&s->endpoints[i], buf, sizeof(buf)))
			printf("  %s%s%s%s\n", buf, *synced ? "  (wg-sync " : "", synced,
			       *synced ? ")" : "");
	}
	if (s->n_endpoint_marks)
		printf("endpoint marks:\n");
	for (int i = 0; i < s->n_endpoint_marks; i++)
		if (!format_mark_rule(&s->endpoint_marks[i], buf, sizeof(buf)))
			printf("  %s%s\n", buf, s->endpoint_marks[i].proto ? "" :
			       " (any protocol)");
	printf("lan:%s\n", s->n_lans ? "" : "       not allowed");
	for (int i = 0; i < s->n_lans && i < TEXT_LIST_MAX; i++)
		if (!format_cidr(&s->lans[i].cidr, buf, sizeof(buf)))
			printf("  %s\n", buf);
	if (s->n_lans > TEXT_LIST_MAX)
		printf("  ... %d more (--json lists all)\n", s->n_lans - TEXT_LIST_MAX);
	printf("lan dns:%s\n", s->n_lan_dns ? "" : "   none");
	for (int i = 0; i < s->n_lan_dns; i++)
		if (!format_ip(&s->lan_dns[i], buf, sizeof(buf)))
			printf("  %s\n", buf);
	printf("apps:      %d listed%s\n", s->n_apps, s->n_apps ? " (ksbpf app list)" : "");
	print_bypass_routing(s);
	printf("events:    %llu drops recorded, %llu over the rate limit (ksbpf events)\n",
	       (unsigned long long)s->events_last,
	       (unsigned long long)s->events_suppressed);
	print_counters(s);
}

static void json_formatted(struct json *j, const char *key, int ok,
			   const char *buf)
{
	if (key)
		json_key(j, key);
	if (ok == 0)
		json_string(j, buf);
	else
		json_null(j);
}

static void print_json_tunnels(struct json *j, const struct status *s)
{
	json_key(j, "tunnels");
	json_array_begin(j);
	for (int i = 0; i < s->n_tunnels; i++) {
		const struct tunnel_state *t = &s->tunnels[i];

		json_object_begin(j);
		json_key(j, "pattern");
		json_string(j, t->pattern);
		json_key(j, "name");
		if (t->iface.ifindex)
			json_string(j, t->iface.name);
		else
			json_null(j);
		json_key(j, "ifindex");
		json_uint(j, t->iface.ifindex);
		json_key(j, "up");
		json_bool(j, t->iface.up);
		json_key(j, "active");
		json_bool(j, t->active);
		json_object_end(j);
	}
	json_array_end(j);
}

static void print_json_uplinks(struct json *j, const struct status *s)
{
	json_key(j, "uplinks");
	json_array_begin(j);
	for (int i = 0; i < s->n_uplinks; i++) {
		const struct uplink_state *u = &s->uplinks[i];

		json_object_begin(j);
		json_key(j, "name");
		json_string(j, u->up.name);
		json_key(j, "ifindex");
		json_uint(j, u->ifindex);
		json_key(j, "mode");
		json_string(j, tc_mode_name(u->up.tc_mode));
		json_key(j, "raw_ip");
		json_bool(j, u->up.raw_ip);
		json_key(j, "attached");
		json_bool(j, u->attached);
		json_key(j, "prog_id");
		json_uint(j, u->prog_id);
		json_key(j, "ingress_attached");
		json_bool(j, u->ingress_attached);
		json_key(j, "passed");
		json_uint(j, u->packets.passed);
		json_key(j, "dropped");
		json_uint(j, u->packets.dropped);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "unguarded");
	json_array_begin(j);
	for (size_t i = 0; i < s->n_ifs; i++)
		if (is_unguarded(s, i))
			json_string(j, s->ifs[i].name);
	json_array_end(j);
	json_key(j, "max_uplinks");
	json_uint(j, s->max_uplinks);
	json_key(j, "interfaces");
	json_array_begin(j);
	for (size_t i = 0; i < s->n_ifs; i++) {
		json_object_begin(j);
		json_key(j, "name");
		json_string(j, s->ifs[i].name);
		json_key(j, "ifindex");
		json_uint(j, s->ifs[i].ifindex);
		json_key(j, "kind");
		json_string(j, s->ifs[i].kind);
		json_key(j, "role");
		json_string(j, role_name(s->roles[i].role));
		json_key(j, "why");
		json_string(j, s->roles[i].why);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "stale_tunnels");
	json_array_begin(j);
	for (int i = 0; i < s->n_stale_tunnels; i++)
		json_uint(j, s->stale_tunnels[i]);
	json_array_end(j);
}

/* { "wg0": ["ENDPOINT", ...] }: each interface once, in first-seen order. */
static void print_json_wg_sync(struct json *j, const struct status *s)
{
	char buf[128];

	for (int i = 0; i < s->n_endpoints; i++) {
		const char *ifname = s->endpoint_wg_sync[i];
		bool seen = !*ifname;

		for (int k = 0; k < i && !seen; k++)
			seen = !strcmp(s->endpoint_wg_sync[k], ifname);
		if (seen)
			continue;
		json_key(j, ifname);
		json_array_begin(j);
		for (int k = i; k < s->n_endpoints; k++)
			if (!strcmp(s->endpoint_wg_sync[k], ifname))
				json_formatted(j, NULL, format_endpoint(&s->endpoints[k], buf,
									sizeof(buf)), buf);
		json_array_end(j);
	}
}

static void print_json_allowlists(struct json *j, const struct status *s)
{
	char buf[128];

	json_key(j, "endpoints");
	json_array_begin(j);
	for (int i = 0; i < s->n_endpoints; i++)
		json_formatted(j, NULL, format_endpoint(&s->endpoints[i], buf,
							sizeof(buf)), buf);
	json_array_end(j);
	json_key(j, "wg_sync");
	json_object_begin(j);
	print_json_wg_sync(j, s);
	json_object_end(j);
	json_key(j, "endpoint_marks");
	json_array_begin(j);
	for (int i = 0; i < s->n_endpoint_marks; i++)
		json_formatted(j, NULL, format_mark_rule(&s->endpoint_marks[i], buf,
							 sizeof(buf)), buf);
	json_array_end(j);
	json_key(j, "lan");
	json_array_begin(j);
	for (int i = 0; i < s->n_lans; i++)
		json_formatted(j, NULL, format_cidr(&s->lans[i].cidr, buf,
						    sizeof(buf)), buf);
	json_array_end(j);
	json_key(j, "lan_dns");
	json_array_begin(j);
	for (int i = 0; i < s->n_lan_dns; i++)
		json_formatted(j, NULL, format_ip(&s->lan_dns[i], buf,
						  sizeof(buf)), buf);
	json_array_end(j);
}

static void print_json_counters(struct json *j, const struct status *s)
{
	json_key(j, "counters");
	json_object_begin(j);
	for (int hook = 0; hook < KSBPF_HOOK_MAX; hook++) {
		json_key(j, hook_name(hook));
		json_object_begin(j);
		for (int r = 0; r < KSBPF_REASON_MAX; r++) {
			json_key(j, reason_name(r));
			json_object_begin(j);
			json_key(j, "verdict");
			json_string(j, ksbpf_reason_allows(r) ? "pass" : "drop");
			json_key(j, "packets");
			json_uint(j, s->counters[hook][r].packets);
			json_key(j, "bytes");
			json_uint(j, s->counters[hook][r].bytes);
			json_object_end(j);
		}
		json_object_end(j);
	}
	json_object_end(j);
}

static void print_json_bypass_routing(struct json *j, const struct status *s)
{
	const struct bypass_routes_state *r = &s->routing;
	const char *const keys[2] = { "ipv4", "ipv6" };

	json_key(j, "bypass_routing");
	json_object_begin(j);
	json_key(j, "mark");
	json_uint(j, s->route.mark);
	json_key(j, "table");
	json_uint(j, s->route.table);
	json_key(j, "priority");
	json_uint(j, s->route.priority);
	json_key(j, "sock_create_attached");
	json_bool(j, s->sock_create_attached);
	json_key(j, "error");
	if (s->routing_error[0])
		json_string(j, s->routing_error);
	else
		json_null(j);
	for (int i = 0; i < 2 && s->route.mark; i++) {
		json_key(j, keys[i]);
		if (!r->family[i]) {
			json_null(j);
			continue;
		}
		json_object_begin(j);
		json_key(j, "rule");
		json_bool(j, r->rule[i]);
		json_key(j, "routes");
		json_uint(j, (uint64_t)r->routes[i]);
		json_key(j, "default_route");
		json_bool(j, r->default_route[i]);
		json_object_end(j);
	}
	json_object_end(j);
}

static void print_json(const struct status *s, enum ksbpf_exit state)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_key(&j, "state");
	json_string(&j, state_name(state));
	json_key(&j, "bpffs");
	json_string(&j, s->dir);
	if (state != EXIT_NOT_LOADED) {
		json_key(&j, "layout_version");
		json_uint(&j, s->cfg.layout_version);
		json_key(&j, "scope");
		json_string(&j, s->cfg.flags & KSBPF_F_SCOPE_APPS ? "apps" : "host");
		json_key(&j, "block_inbound");
		json_bool(&j, blocks_inbound(s));
		json_key(&j, "cgroup");
		json_object_begin(&j);
		json_formatted(&j, "path", s->cg_path[0] ? 0 : -1, s->cg_path);
		json_key(&j, "id");
		json_uint(&j, s->cg_id);
		json_key(&j, "attached");
		json_bool(&j, s->cg_attached);
		json_key(&j, "prog_id");
		json_uint(&j, s->cg_prog);
		json_key(&j, "guard_attached");
		json_bool(&j, s->guard_attached);
		json_key(&j, "compat_guard");
		json_string(&j, compat_guard_name(s->compat_guard, false));
		json_key(&j, "ingress_attached");
		json_bool(&j, s->inbound_attached);
		json_key(&j, "netns_recorder");
		json_string(&j, !records_netns(s) ? "not_needed" :
				s->sock_create_attached ? "attached" : "detached");
		json_object_end(&j);
		print_json_tunnels(&j, s);
		print_json_uplinks(&j, s);
		print_json_allowlists(&j, s);
		json_key(&j, "apps");
		json_uint(&j, (uint64_t)s->n_apps);
		print_json_bypass_routing(&j, s);
		json_key(&j, "events");
		json_object_begin(&j);
		json_key(&j, "recorded");
		json_uint(&j, s->events_last);
		json_key(&j, "suppressed");
		json_uint(&j, s->events_suppressed);
		json_object_end(&j);
		print_json_counters(&j, s);
	}
	json_object_end(&j);
	json_finish(&j);
}

static void status_free(struct status *s)
{
	free(s->lans);
	free(s->uplinks);
	free(s->ifs);
	free(s->roles);
	free(s);
}

static int status_once(const struct options *o)
{
	struct status *s = calloc(1, sizeof(*s));
	char err[ERR_LEN];
	enum ksbpf_exit state = EXIT_NOT_LOADED;

	if (!s) {
		report_error("status: out of memory");
		return EXIT_FAILED;
	}
	s->dir = o->bpffs;
	if (pins_loaded(s->dir)) {
		if (collect(s, o, err)) {
			report_error(err);
			status_free(s);
			return EXIT_FAILED;
		}
		state = verdict(s);
	}
	if (o->json)
		print_json(s, state);
	else if (state == EXIT_NOT_LOADED)
		printf("NOT LOADED — nothing pinned at %s: no kill switch\n", s->dir);
	else
		print_text(s, state);
	status_free(s);
	return state;
}

static volatile sig_atomic_t stop_watching;

static void on_stop(int sig)
{
	(void)sig;
	stop_watching = 1;
}

/* --watch: the same, once a second, until interrupted; the exit status is
 * the last state's. */
int cmd_status(const struct options *o)
{
	int ret;

	if (!o->watch)
		return status_once(o);
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	for (;;) {
		if (!o->json)
			fputs("\033[H\033[2J", stdout);	/* home, clear */
		ret = status_once(o);
		fflush(stdout);
		sleep(1);
		if (stop_watching)
			return ret;
	}
}

int status_protection(const struct options *o, char *why, size_t len)
{
	struct status *s = calloc(1, sizeof(*s));
	char err[ERR_LEN];
	int state = EXIT_NOT_LOADED;

	snprintf(why, len, "NOT LOADED");
	if (!s)
		return EXIT_FAILED;
	s->dir = o->bpffs;
	if (pins_loaded(s->dir)) {
		if (collect(s, o, err)) {
			snprintf(why, len, "%s", err);
			state = EXIT_FAILED;
		} else {
			state = verdict(s);
			headline(s, state, why, len);
		}
	}
	status_free(s);
	return state;
}
