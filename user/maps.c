// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "pins.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

static const struct {
	const char *name;
	size_t offset;
} map_pins[] = {
	{ "ksbpf_config", offsetof(struct map_fds, config) },
	{ "ksbpf_tunnels", offsetof(struct map_fds, tunnels) },
	{ "ksbpf_tun_names", offsetof(struct map_fds, tun_names) },
	{ "ksbpf_uplinks", offsetof(struct map_fds, uplinks) },
	{ "ksbpf_iface_rules", offsetof(struct map_fds, iface_rules) },
	{ "ksbpf_endpoints", offsetof(struct map_fds, endpoints) },
	{ "ksbpf_endpoint_marks", offsetof(struct map_fds, endpoint_marks) },
	{ "ksbpf_wg_sync", offsetof(struct map_fds, wg_sync) },
	{ "ksbpf_lan4", offsetof(struct map_fds, lan4) },
	{ "ksbpf_lan6", offsetof(struct map_fds, lan6) },
	{ "ksbpf_lan_dns", offsetof(struct map_fds, lan_dns) },
	{ "ksbpf_apps", offsetof(struct map_fds, apps) },
	{ "ksbpf_app_paths", offsetof(struct map_fds, app_paths) },
	{ "ksbpf_app_stats", offsetof(struct map_fds, app_stats) },
	{ "ksbpf_counters", offsetof(struct map_fds, counters) },
	{ "ksbpf_probe_counters", offsetof(struct map_fds, probe_counters) },
	{ "ksbpf_events", offsetof(struct map_fds, events) },
	{ "ksbpf_event_seq", offsetof(struct map_fds, event_seq) },
	{ "ksbpf_event_budget", offsetof(struct map_fds, event_budget) },
	{ "ksbpf_uplink_stats", offsetof(struct map_fds, uplink_stats) },
	{ "ksbpf_tunnel_addrs", offsetof(struct map_fds, tunnel_addrs) },
	{ "ksbpf_bypass_route", offsetof(struct map_fds, bypass_route) },
};

#define KEY_MAX 64	/* bytes: at least every ksbpf key */
#define VALUE_MAX 64	/* bytes: at least every allowlist value */
#define MAP_FD(m, i) (*(int *)((char *)(m) + map_pins[i].offset))

int maps_open_pinned(const char *dir, struct map_fds *m, char *err)
{
	struct ksbpf_config cfg;
	size_t i;

	for (i = 0; i < sizeof(map_pins) / sizeof(map_pins[0]); i++)
		MAP_FD(m, i) = -1;
	for (i = 0; i < sizeof(map_pins) / sizeof(map_pins[0]); i++) {
		MAP_FD(m, i) = pin_open(dir, map_pins[i].name);
		/* ksbpf_config, the first, is there: a map added since is not. */
		if (MAP_FD(m, i) < 0 && errno == ENOENT && i > 0)
			errf(err, "%s/%s is missing: these maps were pinned by an "
			     "older ksbpf; `ksbpf load` (or restarting ksbpf.service) "
			     "adds it and keeps the rest", dir, map_pins[i].name);
		else if (MAP_FD(m, i) < 0)
			errf(err, "open %s/%s: %s", dir, map_pins[i].name,
			     strerror(errno));
		if (MAP_FD(m, i) < 0) {
			maps_close(m);
			return -1;
		}
	}
	if (maps_read_config(m, &cfg) == 0 && maps_check_netns(&cfg, dir, err)) {
		maps_close(m);
		return -1;
	}
	return 0;
}

int maps_from_object(struct bpf_object *obj, struct map_fds *m, char *err)
{
	for (size_t i = 0; i < sizeof(map_pins) / sizeof(map_pins[0]); i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(obj, map_pins[i].name);

		if (!map)
			return errf(err, "BPF object has no map %s", map_pins[i].name);
		MAP_FD(m, i) = bpf_map__fd(map);
	}
	return 0;
}

void maps_close(struct map_fds *m)
{
	for (size_t i = 0; i < sizeof(map_pins) / sizeof(map_pins[0]); i++) {
		if (MAP_FD(m, i) >= 0)
			close(MAP_FD(m, i));
		MAP_FD(m, i) = -1;
	}
}

static bool in_set(const void *keys, size_t n, size_t key_size, const void *key)
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp((const char *)keys + i * key_size, key, key_size))
			return true;
	return false;
}

/* One map as the sync sees it. */
struct table {
	int fd;
	size_t key_size;
	size_t value_size;
	const char *name;
	bool (*owns)(const void *key);	/* the keys this sync manages; NULL: all */
	bool has_origin;		/* values start with a __u32 origin */
};

/* What a load keeps of an entry: what was added at run time. */
#define KEPT_BY_LOAD (KSBPF_ORIGIN_RUNTIME | KSBPF_ORIGIN_WG_SYNC)

static __u32 *origin_of(void *value)
{
	return value;
}

static bool endpoint_key(const void *key)
{
	return ((const struct ksbpf_endpoint_key *)key)->port != 0;
}

static bool fragment_key(const void *key)
{
	return !endpoint_key(key);
}

/* Keys of t, owned by it, that are not in keys[]. */
static int collect_stale(const struct table *t, const void *keys, size_t n,
			 char **stale, size_t *count, char *err)
{
	char cur[KEY_MAX], prev[KEY_MAX];
	size_t cap = 0;
	bool first = true;

	*stale = NULL;
	*count = 0;
	while (!bpf_map_get_next_key(t->fd, first ? NULL : prev, cur)) {
		first = false;
		memcpy(prev, cur, t->key_size);
		if ((t->owns && !t->owns(cur)) || in_set(keys, n, t->key_size, cur))
			continue;
		if (*count == cap) {
			char *grown = realloc(*stale, (cap = cap * 2 + 16) * t->key_size);

			if (!grown) {
				free(*stale);
				return errf(err, "%s: %s", t->name, strerror(ENOMEM));
			}
			*stale = grown;
		}
		memcpy(*stale + (*count)++ * t->key_size, cur, t->key_size);
	}
	return 0;
}

/* An entry nobody configures any more: gone, unless added at run time. */
static int retire(const struct table *t, const void *key, char *err)
{
	char value[VALUE_MAX];

	if (bpf_map_lookup_elem(t->fd, key, value))
		return 0;
	if (t->has_origin && *origin_of(value) & KEPT_BY_LOAD) {
		*origin_of(value) &= KEPT_BY_LOAD;
		if (bpf_map_update_elem(t->fd, key, value, BPF_EXIST) && errno != ENOENT)
			return errf(err, "update %s: %s", t->name, strerror(errno));
		return 0;
	}
	if (bpf_map_delete_elem(t->fd, key) && errno != ENOENT)
		return errf(err, "delete from %s: %s", t->name, strerror(errno));
	return 0;
}

/* Makes the configured entries of t exactly keys[i] -> values[i]; new ones
 * go in before old ones leave. Run-time entries stay. */
static int sync_table(const struct table *t, const void *keys,
		      const void *values, size_t n, char *err)
{
	char old[VALUE_MAX], value[VALUE_MAX], *stale;
	size_t count;
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		const char *key = (const char *)keys + i * t->key_size;

		memcpy(value, (const char *)values + i * t->value_size, t->value_size);
		if (t->has_origin && !bpf_map_lookup_elem(t->fd, key, old))
			*origin_of(value) |= *origin_of(old) & KEPT_BY_LOAD;
		if (bpf_map_update_elem(t->fd, key, value, BPF_ANY))
			return errf(err, "update %s: %s", t->name, strerror(errno));
	}
	if (collect_stale(t, keys, n, &stale, &count, err))
		return -1;
	for (size_t i = 0; i < count && !ret; i++)
		ret = retire(t, stale + i * t->key_size, err);
	free(stale);
	return ret;
}

/* `ksbpf allow`: the entry stays until `ksbpf deny`, whatever load does. */
static int allow_entry(const struct table *t, const void *key,
		       const void *new_value, char *err)
{
	char old[VALUE_MAX], value[VALUE_MAX];

	memcpy(value, new_value, t->value_size);
	if (!bpf_map_lookup_elem(t->fd, key, old))
		*origin_of(value) |= *origin_of(old);
	*origin_of(value) |= KSBPF_ORIGIN_RUNTIME;
	if (bpf_map_update_elem(t->fd, key, value, BPF_ANY))
		return errf(err, "update %s: %s", t->name, strerror(errno));
	return 0;
}

/* Returns 1 when there was no such entry. */
static int deny_entry(const struct table *t, const void *key, char *err)
{
	if (!bpf_map_delete_elem(t->fd, key))
		return 0;
	if (errno == ENOENT)
		return 1;
	return errf(err, "delete from %s: %s", t->name, strerror(errno));
}

#define TABLE(map_fd, key_type, value_type, map_name, owner) \
	((struct table){ .fd = (map_fd), .key_size = sizeof(key_type), \
			 .value_size = sizeof(value_type), .name = (map_name), \
			 .owns = (owner), .has_origin = true })

static struct table lan4_table(const struct map_fds *m)
{
	return TABLE(m->lan4, struct ksbpf_lan4_key, struct ksbpf_lan, "ksbpf_lan4", NULL);
}

static struct table lan6_table(const struct map_fds *m)
{
	return TABLE(m->lan6, struct ksbpf_lan6_key, struct ksbpf_lan, "ksbpf_lan6", NULL);
}

static struct table endpoint_table(const struct map_fds *m)
{
	return TABLE(m->endpoints, struct ksbpf_endpoint_key, struct ksbpf_endpoint,
		     "ksbpf_endpoints", endpoint_key);
}

static struct table fragment_table(const struct map_fds *m)
{
	return TABLE(m->endpoints, struct ksbpf_endpoint_key, struct ksbpf_endpoint,
		     "ksbpf_endpoints", fragment_key);
}

static struct table mark_table(const struct map_fds *m)
{
	return TABLE(m->endpoint_marks, struct ksbpf_endpoint_mark_key,
		     struct ksbpf_endpoint_mark, "ksbpf_endpoint_marks", NULL);
}

static struct table lan_dns_table(const struct map_fds *m)
{
	return TABLE(m->lan_dns, struct ksbpf_addr_key, struct ksbpf_lan_dns,
		     "ksbpf_lan_dns", NULL);
}

static struct table tun_names_table(const struct map_fds *m)
{
	return TABLE(m->tun_names, struct ksbpf_tunnel_name, __u32,
		     "ksbpf_tun_names", NULL);
}

static struct table iface_rules_table(const struct map_fds *m)
{
	return TABLE(m->iface_rules, struct ksbpf_iface_rule_key,
		     struct ksbpf_iface_rule, "ksbpf_iface_rules", NULL);
}

static int sync_lan(const struct map_fds *m, const struct policy *p, char *err)
{
	int max = POLICY_MAX_LANS + POLICY_MAX_LAN_DNS + 16;
	struct lan_entry *entries = calloc(max, sizeof(*entries));
	struct ksbpf_lan4_key *k4 = calloc(max, sizeof(*k4));
	struct ksbpf_lan6_key *k6 = calloc(max, sizeof(*k6));
	struct ksbpf_lan *v4 = calloc(max, sizeof(*v4));
	struct ksbpf_lan *v6 = calloc(max, sizeof(*v6));
	struct table t4 = lan4_table(m), t6 = lan6_table(m);
	int n, n4 = 0, n6 = 0, ret = -1;

	if (!entries || !k4 || !k6 || !v4 || !v6) {
		errf(err, "LAN set: %s", strerror(ENOMEM));
		goto out;
	}
	n = policy_lan_entries(p, entries, max);
	if (n < 0) {
		errf(err, "LAN set: too many entries");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (entries[i].cidr.ip.family == KSBPF_AF_INET) {
			lan4_key_from(&entries[i].cidr, &k4[n4]);
			v4[n4++].origin = entries[i].origin;
		} else {
			lan6_key_from(&entries[i].cidr, &k6[n6]);
			v6[n6++].origin = entries[i].origin;
		}
	}
	ret = sync_table(&t4, k4, v4, n4, err) || sync_table(&t6, k6, v6, n6, err) ?
	      -1 : 0;
out:
	free(entries);
	free(k4);
	free(k6);
	free(v4);
	free(v6);
	return ret;
}

/* Reads every real (port != 0) endpoint entry of the map. */
static int read_endpoints(const struct map_fds *m, struct endpoint_entry *out,
			  int max)
{
	struct ksbpf_endpoint_key key, next;
	bool first = true;
	int n = 0;

	while (n < max && !bpf_map_get_next_key(m->endpoints, first ? NULL : &key,
						  &next)) {
		first = false;
		key = next;
		if (!key.port)
			continue;
		out[n].key = key;
		if (!bpf_map_lookup_elem(m->endpoints, &key, &out[n].value))
			n++;
	}
	return n;
}

/* The fragment entries follow whatever endpoints the map holds now. */
int maps_derive_fragments(const struct map_fds *m, char *err)
{
	static struct endpoint_entry eps[KSBPF_MAX_ENDPOINTS], frags[KSBPF_MAX_ENDPOINTS];
	static struct ksbpf_endpoint_key keys[KSBPF_MAX_ENDPOINTS];
	static struct ksbpf_endpoint values[KSBPF_MAX_ENDPOINTS];
	struct table t = fragment_table(m);
	int n = read_endpoints(m, eps, KSBPF_MAX_ENDPOINTS);

	n = endpoint_fragment_entries(eps, n, frags, KSBPF_MAX_ENDPOINTS);
	if (n < 0)
		return errf(err, "endpoints: too many entries");
	for (int i = 0; i < n; i++) {
		keys[i] = frags[i].key;
		values[i] = frags[i].value;
	}
	return sync_table(&t, keys, values, n, err);
}

static int sync_endpoints(const struct map_fds *m, const struct policy *p,
			  char *err)
{
	struct endpoint_entry entries[POLICY_MAX_ENDPOINTS];
	struct ksbpf_endpoint_key keys[POLICY_MAX_ENDPOINTS];
	struct ksbpf_endpoint values[POLICY_MAX_ENDPOINTS];
	struct table t = endpoint_table(m);
	int n = policy_endpoint_entries(p, entries, POLICY_MAX_ENDPOINTS);

	if (n < 0)
		return errf(err, "endpoints: too many entries");
	for (int i = 0; i < n; i++) {
		keys[i] = entries[i].key;
		values[i] = entries[i].value;
	}
	return sync_table(&t, keys, values, n, err) ||
	       maps_derive_fragments(m, err) ? -1 : 0;
}

static int sync_endpoint_marks(const struct map_fds *m, const struct policy *p,
			       char *err)
{
	struct ksbpf_endpoint_mark_key keys[KSBPF_MAX_ENDPOINT_MARKS];
	struct ksbpf_endpoint_mark values[KSBPF_MAX_ENDPOINT_MARKS];
	struct table t = mark_table(m);

	for (unsigned int i = 0; i < p->n_endpoint_marks; i++) {
		mark_key_from(&p->endpoint_marks[i], &keys[i]);
		values[i].origin = KSBPF_ORIGIN_CONFIG;
	}
	return sync_table(&t, keys, values, p->n_endpoint_marks, err);
}

static int sync_lan_dns(const struct map_fds *m, const struct policy *p,
			char *err)
{
	struct ksbpf_addr_key keys[POLICY_MAX_LAN_DNS];
	struct ksbpf_lan_dns values[POLICY_MAX_LAN_DNS];
	struct table t = lan_dns_table(m);

	for (unsigned int i = 0; i < p->n_lan_dns; i++) {
		addr_key_from(&p->lan_dns[i], &keys[i]);
		values[i].origin = KSBPF_ORIGIN_CONFIG;
	}
	return sync_table(&t, keys, values, p->n_lan_dns, err);
}

static int sync_tunnel_names(const struct map_fds *m, const struct policy *p,
			     char *err)
{
	struct ksbpf_tunnel_name keys[KSBPF_MAX_TUNNELS] = { 0 };
	__u32 values[KSBPF_MAX_TUNNELS];
	struct table t = tun_names_table(m);

	for (unsigned int i = 0; i < p->n_tunnels; i++) {
		memcpy(keys[i].name, p->tunnels[i], sizeof(keys[i].name));
		values[i] = KSBPF_ORIGIN_CONFIG;
	}
	return sync_table(&t, keys, values, p->n_tunnels, err);
}

static int sync_iface_rules(const struct map_fds *m, const struct policy *p,
			    char *err)
{
	struct ksbpf_iface_rule_key keys[KSBPF_MAX_IFACE_RULES] = { 0 };
	struct ksbpf_iface_rule values[KSBPF_MAX_IFACE_RULES];
	struct table t = iface_rules_table(m);

	for (unsigned int i = 0; i < p->n_iface_rules; i++) {
		memcpy(keys[i].pattern, p->iface_rules[i].pattern, sizeof(keys[i].pattern));
		values[i].origin = KSBPF_ORIGIN_CONFIG;
		values[i].role = p->iface_rules[i].role;
	}
	return sync_table(&t, keys, values, p->n_iface_rules, err);
}

static bool map_empty(int fd)
{
	char key[64];

	return bpf_map_get_next_key(fd, NULL, key) != 0;
}

uint64_t current_netns_cookie(void)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd >= 0) {
		if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
			cookie = 0;
		close(fd);
	}
	return cookie;
}

int maps_check_netns(const struct ksbpf_config *cfg, const char *dir, char *err)
{
	uint64_t here = current_netns_cookie();

	if (!cfg->netns_cookie || cfg->netns_cookie == here)
		return 0;
	return errf(err, "%s guards another network namespace (netns cookie %llu; "
		    "this one is %llu): run ksbpf in that namespace (nsenter --net=...), "
		    "or give this one a --bpffs of its own", dir,
		    (unsigned long long)cfg->netns_cookie, (unsigned long long)here);
}

int maps_sync_policy(const struct map_fds *m, const struct policy *p,
		     uint64_t netns_cookie, uint32_t kernel_flags, char *err)
{
	struct ksbpf_config cfg = {
		.layout_version = KSBPF_LAYOUT_VERSION,
		.flags = kernel_flags,
		.netns_cookie = netns_cookie,
	};

	if (p->scope_apps)
		cfg.flags |= KSBPF_F_SCOPE_APPS;
	if (p->block_inbound)
		cfg.flags |= KSBPF_F_BLOCK_INBOUND;
	if (!map_empty(m->apps))
		cfg.flags |= KSBPF_F_HAVE_APPS;
	/* Allowlists first, then the config that may widen the scope. */
	if (sync_tunnel_names(m, p, err) || sync_iface_rules(m, p, err) ||
	    sync_endpoints(m, p, err) || sync_endpoint_marks(m, p, err) ||
	    sync_lan(m, p, err) || sync_lan_dns(m, p, err) ||
	    maps_write_bypass_route(m, &p->bypass_route, err))
		return -1;
	if (!map_empty(m->endpoint_marks))
		cfg.flags |= KSBPF_F_HAVE_ENDPOINT_MARKS;
	return maps_write_config(m, &cfg, err);
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return (x > y) - (x < y);
}

/* The keys of a small map, sorted, for telling whether a sync changed it. */
static size_t small_map_keys(int fd, __u32 *keys, size_t max)
{
	__u32 key, next;
	size_t n = 0;
	bool first = true;

	while (n < max && !bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		keys[n++] = key;
	}
	qsort(keys, n, sizeof(*keys), cmp_u32);
	return n;
}

int maps_sync_tunnels(const struct map_fds *m, const struct policy *p,
		      const struct iface *ifs, size_t n, bool *changed, char *err)
{
	/* Derived from the interfaces alone: no origins. */
	struct table t = TABLE(m->tunnels, __u32, struct ksbpf_tunnel,
			       "ksbpf_tunnels", NULL);
	__u32 keys[KSBPF_MAX_TUNNELS], before[KSBPF_MAX_TUNNELS], after[KSBPF_MAX_TUNNELS];
	struct ksbpf_tunnel values[KSBPF_MAX_TUNNELS] = { 0 };
	size_t count = 0, n_before, n_after;

	t.has_origin = false;
	for (size_t i = 0; i < n && count < KSBPF_MAX_TUNNELS; i++) {
		if (!ifs[i].up || !policy_is_tunnel(p, ifs[i].name))
			continue;
		keys[count] = ifs[i].ifindex;
		memcpy(values[count].name, ifs[i].name, sizeof(values[count].name));
		count++;
	}
	n_before = small_map_keys(m->tunnels, before, KSBPF_MAX_TUNNELS);
	if (sync_table(&t, keys, values, count, err))
		return -1;
	n_after = small_map_keys(m->tunnels, after, KSBPF_MAX_TUNNELS);
	*changed = n_before != n_after || memcmp(before, after, n_after * sizeof(*after));
	return (int)count;
}

int maps_sync_tunnel_addrs(const struct map_fds *m, char *err)
{
	/* Derived from the interfaces alone: no origins. */
	struct table t = TABLE(m->tunnel_addrs, struct ksbpf_addr_key,
			       struct ksbpf_tunnel_addr, "ksbpf_tunnel_addrs", NULL);
	struct ksbpf_addr_key keys[KSBPF_MAX_TUNNELS * 16];
	struct ksbpf_tunnel_addr values[KSBPF_MAX_TUNNELS * 16];
	struct ifaddrs *addrs, *a;
	size_t n = 0;
	int ret;

	t.has_origin = false;
	if (getifaddrs(&addrs))
		return errf(err, "getifaddrs: %s", strerror(errno));
	for (a = addrs; a && n < sizeof(keys) / sizeof(keys[0]); a = a->ifa_next) {
		struct ksbpf_tunnel tunnel;
		struct ip_addr ip = { 0 };
		__u32 ifindex;

		if (!a->ifa_addr || (a->ifa_addr->sa_family != AF_INET &&
				     a->ifa_addr->sa_family != AF_INET6))
			continue;
		ifindex = if_nametoindex(a->ifa_name);
		if (bpf_map_lookup_elem(m->tunnels, &ifindex, &tunnel))
			continue;
		if (a->ifa_addr->sa_family == AF_INET) {
			ip.family = KSBPF_AF_INET;
			memcpy(ip.addr, &((struct sockaddr_in *)a->ifa_addr)->sin_addr, 4);
		} else {
			ip.family = KSBPF_AF_INET6;
			memcpy(ip.addr, &((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr, 16);
		}
		addr_key_from(&ip, &keys[n]);
		values[n++].ifindex = ifindex;
	}
	freeifaddrs(addrs);
	ret = sync_table(&t, keys, values, n, err);
	return ret;
}

static void read_iface_rules(const struct map_fds *m, struct policy *p)
{
	struct ksbpf_iface_rule_key key, next;
	struct ksbpf_iface_rule rule;
	void *prev = NULL;

	p->n_iface_rules = 0;
	while (p->n_iface_rules < KSBPF_MAX_IFACE_RULES &&
	       !bpf_map_get_next_key(m->iface_rules, prev, &next)) {
		struct iface_rule *r = &p->iface_rules[p->n_iface_rules];

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(m->iface_rules, &key, &rule))
			continue;
		memcpy(r->pattern, key.pattern, sizeof(r->pattern));
		r->pattern[KSBPF_IFNAME_LEN - 1] = '\0';
		r->role = rule.role;
		p->n_iface_rules++;
	}
}

int maps_read_interface_policy(const struct map_fds *m, struct policy *p)
{
	struct ksbpf_tunnel_name key, next;
	void *prev = NULL;

	read_iface_rules(m, p);
	p->n_tunnels = 0;
	while (p->n_tunnels < KSBPF_MAX_TUNNELS &&
	       !bpf_map_get_next_key(m->tun_names, prev, &next)) {
		key = next;
		prev = &key;
		memcpy(p->tunnels[p->n_tunnels++], key.name, sizeof(key.name));
		p->tunnels[p->n_tunnels - 1][KSBPF_IFNAME_LEN - 1] = '\0';
	}
	return 0;
}

unsigned int maps_room(int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.max_entries;
}

int maps_read_config(const struct map_fds *m, struct ksbpf_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(m->config, &zero, cfg);
}

int maps_write_config(const struct map_fds *m, const struct ksbpf_config *cfg,
		      char *err)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(m->config, &zero, cfg, BPF_ANY))
		return errf(err, "update ksbpf_config: %s", strerror(errno));
	return 0;
}

int maps_set_config_flag(const struct map_fds *m, uint32_t flag, bool on,
			 char *err)
{
	struct ksbpf_config cfg;

	if (maps_read_config(m, &cfg))
		return errf(err, "read ksbpf_config: %s", strerror(errno));
	if (on)
		cfg.flags |= flag;
	else
		cfg.flags &= ~flag;
	return maps_write_config(m, &cfg, err);
}

void maps_read_bypass_route(const struct map_fds *m, struct ksbpf_bypass_route *r)
{
	__u32 zero = 0;

	if (bpf_map_lookup_elem(m->bypass_route, &zero, r))
		memset(r, 0, sizeof(*r));
}

int maps_write_bypass_route(const struct map_fds *m,
			    const struct ksbpf_bypass_route *r, char *err)
{
	__u32 zero = 0;

	if (bpf_map_update_elem(m->bypass_route, &zero, r, BPF_ANY))
		return errf(err, "update ksbpf_bypass_route: %s", strerror(errno));
	return 0;
}

int maps_sum_percpu(int fd, const void *key, void *sum, size_t value_size)
{
	int ncpus = libbpf_num_possible_cpus();
	size_t fields = value_size / sizeof(__u64);
	__u64 *percpu, *total = sum;
	int ret = -1;

	memset(sum, 0, value_size);
	if (ncpus <= 0)
		return -1;
	percpu = calloc((size_t)ncpus, value_size);
	if (percpu && !bpf_map_lookup_elem(fd, key, percpu)) {
		for (int cpu = 0; cpu < ncpus; cpu++)
			for (size_t f = 0; f < fields; f++)
				total[f] += percpu[(size_t)cpu * fields + f];
		ret = 0;
	}
	free(percpu);
	return ret;
}

int maps_read_counter(int counters, uint32_t index, struct ksbpf_counter *sum)
{
	return maps_sum_percpu(counters, &index, sum, sizeof(*sum));
}

int maps_allow_endpoint(const struct map_fds *m, const struct endpoint *ep,
			char *err)
{
	struct table t = endpoint_table(m);
	struct endpoint_entry e;

	endpoint_entry_from(ep, 0, &e);
	return allow_entry(&t, &e.key, &e.value, err) ||
	       maps_derive_fragments(m, err) ? -1 : 0;
}

int maps_deny_endpoint(const struct map_fds *m, const struct endpoint *ep,
		       char *err)
{
	struct table t = endpoint_table(m);
	struct endpoint_entry e;
	int ret;

	endpoint_entry_from(ep, 0, &e);
	ret = deny_entry(&t, &e.key, err);
	if (ret < 0 || maps_derive_fragments(m, err))
		return -1;
	return ret;
}

/* The rule goes in before the flag that makes the programs look. */
int maps_allow_mark(const struct map_fds *m, const struct mark_rule *r,
		    char *err)
{
	struct table t = mark_table(m);
	struct ksbpf_endpoint_mark_key key;
	struct ksbpf_endpoint_mark value = { 0 };

	mark_key_from(r, &key);
	if (allow_entry(&t, &key, &value, err))
		return -1;
	return maps_set_config_flag(m, KSBPF_F_HAVE_ENDPOINT_MARKS, true, err);
}

int maps_deny_mark(const struct map_fds *m, const struct mark_rule *r,
		   char *err)
{
	struct table t = mark_table(m);
	struct ksbpf_endpoint_mark_key key;
	int ret;

	mark_key_from(r, &key);
	ret = deny_entry(&t, &key, err);
	if (ret < 0 || !map_empty(m->endpoint_marks))
		return ret;
	return maps_set_config_flag(m, KSBPF_F_HAVE_ENDPOINT_MARKS, false, err) ? -1 : ret;
}

int maps_read_marks(const struct map_fds *m, struct mark_rule *out, int max)
{
	struct ksbpf_endpoint_mark_key key, next;
	struct ksbpf_endpoint_mark value;
	bool first = true;
	int n = 0;

	while (n < max && !bpf_map_get_next_key(m->endpoint_marks,
						  first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (bpf_map_lookup_elem(m->endpoint_marks, &key, &value))
			continue;
		mark_rule_from(&key, &out[n++]);
	}
	return n;
}

static int lan_edit(const struct map_fds *m, const struct cidr *c, bool allow,
		    __u32 origin, char *err)
{
	struct ksbpf_lan value = { .origin = origin };
	struct ksbpf_lan4_key k4;
	struct ksbpf_lan6_key k6;
	struct table t;
	const void *key;

	if (c->ip.family == KSBPF_AF_INET) {
		t = lan4_table(m);
		lan4_key_from(c, &k4);
		key = &k4;
	} else {
		t = lan6_table(m);
		lan6_key_from(c, &k6);
		key = &k6;
	}
	return allow ? allow_entry(&t, key, &value, err) : deny_entry(&t, key, err);
}

int maps_allow_lan(const struct map_fds *m, const struct cidr *c, char *err)
{
	return lan_edit(m, c, true, 0, err);
}

int maps_deny_lan(const struct map_fds *m, const struct cidr *c, char *err)
{
	return lan_edit(m, c, false, 0, err);
}

static void host_route(const struct ip_addr *ip, struct cidr *c)
{
	c->ip = *ip;
	c->prefixlen = ip->family == KSBPF_AF_INET ? 32 : 128;
}

int maps_allow_lan_dns(const struct map_fds *m, const struct ip_addr *ip,
		       char *err)
{
	struct table t = lan_dns_table(m);
	struct ksbpf_lan_dns value = { 0 };
	struct ksbpf_addr_key key;
	struct cidr c;

	addr_key_from(ip, &key);
	host_route(ip, &c);
	/* Reachable first, then exempt from the DNS rule. */
	return lan_edit(m, &c, true, KSBPF_ORIGIN_RESOLVER, err) ||
	       allow_entry(&t, &key, &value, err) ? -1 : 0;
}

int maps_deny_lan_dns(const struct map_fds *m, const struct ip_addr *ip,
		      char *err)
{
	struct table t = lan_dns_table(m), lan;
	struct ksbpf_addr_key key;
	struct ksbpf_lan4_key k4;
	struct ksbpf_lan6_key k6;
	struct ksbpf_lan value;
	const void *lan_key;
	struct cidr c;
	int ret;

	addr_key_from(ip, &key);
	ret = deny_entry(&t, &key, err);
	if (ret < 0)
		return -1;
	/* The host route goes too, unless a --lan or --allow-lan wants it. */
	host_route(ip, &c);
	if (ip->family == KSBPF_AF_INET) {
		lan = lan4_table(m);
		lan4_key_from(&c, &k4);
		lan_key = &k4;
	} else {
		lan = lan6_table(m);
		lan6_key_from(&c, &k6);
		lan_key = &k6;
	}
	if (!bpf_map_lookup_elem(lan.fd, lan_key, &value) &&
	    !(value.origin & (KSBPF_ORIGIN_CONFIG | KSBPF_ORIGIN_LAN_DEFAULT)) &&
	    deny_entry(&lan, lan_key, err) < 0)
		return -1;
	return ret;
}

int maps_add_tunnel_name(const struct map_fds *m, const char *name, char *err)
{
	struct table t = tun_names_table(m);
	struct ksbpf_tunnel_name key = { 0 };
	__u32 origin = 0;

	strncpy(key.name, name, sizeof(key.name) - 1);
	return allow_entry(&t, &key, &origin, err);
}

int maps_del_tunnel_name(const struct map_fds *m, const char *name, char *err)
{
	struct table t = tun_names_table(m);
	struct ksbpf_tunnel_name key = { 0 };

	strncpy(key.name, name, sizeof(key.name) - 1);
	return deny_entry(&t, &key, err);
}
