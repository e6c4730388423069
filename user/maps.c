// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
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
	{ "ksbpf_endpoints", offsetof(struct map_fds, endpoints) },
	{ "ksbpf_lan4", offsetof(struct map_fds, lan4) },
	{ "ksbpf_lan6", offsetof(struct map_fds, lan6) },
	{ "ksbpf_lan_dns", offsetof(struct map_fds, lan_dns) },
	{ "ksbpf_apps", offsetof(struct map_fds, apps) },
	{ "ksbpf_counters", offsetof(struct map_fds, counters) },
};

#define KEY_MAX 64	/* bytes: larger than every ksbpf key */
#define MAP_FD(m, i) (*(int *)((char *)(m) + map_pins[i].offset))

int maps_open_pinned(const char *dir, struct map_fds *m, char *err)
{
	size_t i;

	for (i = 0; i < sizeof(map_pins) / sizeof(map_pins[0]); i++)
		MAP_FD(m, i) = -1;
	for (i = 0; i < sizeof(map_pins) / sizeof(map_pins[0]); i++) {
		MAP_FD(m, i) = pin_open(dir, map_pins[i].name);
		if (MAP_FD(m, i) < 0) {
			errf(err, "open %s/%s: %s", dir, map_pins[i].name,
			     strerror(errno));
			maps_close(m);
			return -1;
		}
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

/* Keys of fd that are not in keys[]: collected first, since deleting
 * while walking would restart the walk. */
static int delete_stale(int fd, const void *keys, size_t n, size_t key_size,
			const char *what, char *err)
{
	char cur[KEY_MAX], prev[KEY_MAX], *stale = NULL;
	size_t count = 0, cap = 0;
	bool first = true;
	int ret = 0;

	while (!bpf_map_get_next_key(fd, first ? NULL : prev, cur)) {
		first = false;
		memcpy(prev, cur, key_size);
		if (in_set(keys, n, key_size, cur))
			continue;
		if (count == cap) {
			char *grown = realloc(stale, (cap = cap * 2 + 16) * key_size);

			if (!grown) {
				free(stale);
				return errf(err, "%s: %s", what, strerror(ENOMEM));
			}
			stale = grown;
		}
		memcpy(stale + count++ * key_size, cur, key_size);
	}
	for (size_t i = 0; i < count && !ret; i++)
		if (bpf_map_delete_elem(fd, stale + i * key_size) && errno != ENOENT)
			ret = errf(err, "delete from %s: %s", what, strerror(errno));
	free(stale);
	return ret;
}

/* Makes map fd hold exactly keys[i] -> values[i]. */
static int sync_entries(int fd, const void *keys, const void *values, size_t n,
			size_t key_size, size_t value_size, const char *what,
			char *err)
{
	for (size_t i = 0; i < n; i++) {
		if (bpf_map_update_elem(fd, (const char *)keys + i * key_size,
					(const char *)values + i * value_size,
					BPF_ANY))
			return errf(err, "update %s: %s", what, strerror(errno));
	}
	return delete_stale(fd, keys, n, key_size, what, err);
}

static int sync_lan(const struct map_fds *m, const struct policy *p, char *err)
{
	struct lan_entry *entries = calloc(POLICY_MAX_LANS + 64, sizeof(*entries));
	struct ksbpf_lan4_key *k4 = calloc(POLICY_MAX_LANS + 64, sizeof(*k4));
	struct ksbpf_lan6_key *k6 = calloc(POLICY_MAX_LANS + 64, sizeof(*k6));
	struct ksbpf_lan *v4 = calloc(POLICY_MAX_LANS + 64, sizeof(*v4));
	struct ksbpf_lan *v6 = calloc(POLICY_MAX_LANS + 64, sizeof(*v6));
	int n, n4 = 0, n6 = 0, ret = -1;

	if (!entries || !k4 || !k6 || !v4 || !v6) {
		errf(err, "LAN set: %s", strerror(ENOMEM));
		goto out;
	}
	n = policy_lan_entries(p, entries, POLICY_MAX_LANS + 64);
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
	ret = sync_entries(m->lan4, k4, v4, n4, sizeof(*k4), sizeof(*v4),
			   "ksbpf_lan4", err) ||
	      sync_entries(m->lan6, k6, v6, n6, sizeof(*k6), sizeof(*v6),
			   "ksbpf_lan6", err) ? -1 : 0;
out:
	free(entries);
	free(k4);
	free(k6);
	free(v4);
	free(v6);
	return ret;
}

static int sync_endpoints(const struct map_fds *m, const struct policy *p,
			  char *err)
{
	struct endpoint_entry entries[POLICY_MAX_ENDPOINTS * 2];
	struct ksbpf_endpoint_key keys[POLICY_MAX_ENDPOINTS * 2];
	struct ksbpf_endpoint values[POLICY_MAX_ENDPOINTS * 2];
	int n = policy_endpoint_entries(p, entries, POLICY_MAX_ENDPOINTS * 2);

	if (n < 0)
		return errf(err, "endpoints: too many entries");
	for (int i = 0; i < n; i++) {
		keys[i] = entries[i].key;
		values[i] = entries[i].value;
	}
	return sync_entries(m->endpoints, keys, values, n, sizeof(keys[0]),
			    sizeof(values[0]), "ksbpf_endpoints", err);
}

static int sync_lan_dns(const struct map_fds *m, const struct policy *p,
			char *err)
{
	struct ksbpf_addr_key keys[POLICY_MAX_LAN_DNS];
	struct ksbpf_lan_dns values[POLICY_MAX_LAN_DNS] = { 0 };

	for (unsigned int i = 0; i < p->n_lan_dns; i++)
		addr_key_from(&p->lan_dns[i], &keys[i]);
	return sync_entries(m->lan_dns, keys, values, p->n_lan_dns,
			    sizeof(keys[0]), sizeof(values[0]),
			    "ksbpf_lan_dns", err);
}

static int sync_tunnel_names(const struct map_fds *m, const struct policy *p,
			     char *err)
{
	struct ksbpf_tunnel_name keys[KSBPF_MAX_TUNNELS] = { 0 };
	__u32 values[KSBPF_MAX_TUNNELS] = { 0 };

	for (unsigned int i = 0; i < p->n_tunnels; i++)
		memcpy(keys[i].name, p->tunnels[i], sizeof(keys[i].name));
	return sync_entries(m->tun_names, keys, values, p->n_tunnels,
			    sizeof(keys[0]), sizeof(values[0]),
			    "ksbpf_tun_names", err);
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

int maps_sync_policy(const struct map_fds *m, const struct policy *p,
		     uint64_t netns_cookie, char *err)
{
	struct ksbpf_config cfg = {
		.layout_version = KSBPF_LAYOUT_VERSION,
		.netns_cookie = netns_cookie,
	};
	__u32 zero = 0;

	if (p->scope_apps)
		cfg.flags |= KSBPF_F_SCOPE_APPS;
	if (!map_empty(m->apps))
		cfg.flags |= KSBPF_F_HAVE_APPS;
	/* Allowlists first, then the config that may widen the scope. */
	if (sync_tunnel_names(m, p, err) || sync_endpoints(m, p, err) ||
	    sync_lan(m, p, err) || sync_lan_dns(m, p, err))
		return -1;
	if (bpf_map_update_elem(m->config, &zero, &cfg, BPF_ANY))
		return errf(err, "update ksbpf_config: %s", strerror(errno));
	return 0;
}

int maps_sync_tunnels(const struct map_fds *m, const struct policy *p,
		      const struct iface *ifs, size_t n, char *err)
{
	__u32 keys[KSBPF_MAX_TUNNELS];
	struct ksbpf_tunnel values[KSBPF_MAX_TUNNELS] = { 0 };
	size_t count = 0;

	for (size_t i = 0; i < n && count < KSBPF_MAX_TUNNELS; i++) {
		if (!ifs[i].up || !policy_is_tunnel(p, ifs[i].name))
			continue;
		keys[count] = ifs[i].ifindex;
		memcpy(values[count].name, ifs[i].name, sizeof(values[count].name));
		count++;
	}
	if (sync_entries(m->tunnels, keys, values, count, sizeof(keys[0]),
			 sizeof(values[0]), "ksbpf_tunnels", err))
		return -1;
	return (int)count;
}

int maps_read_tunnel_names(const struct map_fds *m, struct policy *p)
{
	struct ksbpf_tunnel_name key, next;
	void *prev = NULL;

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

int maps_read_config(const struct map_fds *m, struct ksbpf_config *cfg)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(m->config, &zero, cfg);
}

int maps_read_counter(const struct map_fds *m, uint32_t index,
		      struct ksbpf_counter *sum)
{
	int ncpus = libbpf_num_possible_cpus();
	struct ksbpf_counter *percpu;

	memset(sum, 0, sizeof(*sum));
	if (ncpus <= 0)
		return -1;
	percpu = calloc((size_t)ncpus, sizeof(*percpu));
	if (!percpu)
		return -1;
	if (bpf_map_lookup_elem(m->counters, &index, percpu)) {
		free(percpu);
		return -1;
	}
	for (int cpu = 0; cpu < ncpus; cpu++) {
		sum->packets += percpu[cpu].packets;
		sum->bytes += percpu[cpu].bytes;
	}
	free(percpu);
	return 0;
}
