// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "wg_sync.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <string.h>

#include "err.h"

static void owner_of(const char *ifname, struct ksbpf_wg_sync_owner *owner)
{
	memset(owner, 0, sizeof(*owner));
	strncpy(owner->ifname, ifname, sizeof(owner->ifname) - 1);
}

bool wg_sync_owner(const struct map_fds *m, const struct ksbpf_endpoint_key *key,
		   char ifname[KSBPF_IFNAME_LEN])
{
	struct ksbpf_wg_sync_owner owner;

	if (bpf_map_lookup_elem(m->wg_sync, key, &owner))
		return false;
	memcpy(ifname, owner.ifname, KSBPF_IFNAME_LEN);
	ifname[KSBPF_IFNAME_LEN - 1] = '\0';
	return true;
}

static bool owned_by(const struct map_fds *m, const struct ksbpf_endpoint_key *key,
		     const char *ifname)
{
	char owner[KSBPF_IFNAME_LEN];

	return wg_sync_owner(m, key, owner) && !strcmp(owner, ifname);
}

/* The endpoint, marked as the interface's, beside whatever else put it
 * there (a --endpoint, an `allow`). Returns 1 when it is new to ifname. */
static int write_endpoint(const struct map_fds *m, const char *ifname,
			  const struct endpoint *ep, char *err)
{
	struct ksbpf_wg_sync_owner owner;
	struct ksbpf_endpoint old;
	struct endpoint_entry e;
	bool was_ours, had;

	endpoint_entry_from(ep, KSBPF_ORIGIN_WG_SYNC, &e);
	was_ours = owned_by(m, &e.key, ifname);
	had = !bpf_map_lookup_elem(m->endpoints, &e.key, &old);
	if (had)
		e.value.origin |= old.origin;
	if (was_ours && had && !memcmp(&old, &e.value, sizeof(old)))
		return 0;
	/* The owner first: a sync cut short between the two leaves nothing
	 * that the next sync of ifname would not find. */
	owner_of(ifname, &owner);
	if (!was_ours && bpf_map_update_elem(m->wg_sync, &e.key, &owner, BPF_ANY))
		return errf(err, "update ksbpf_wg_sync: %s", strerror(errno));
	if (bpf_map_update_elem(m->endpoints, &e.key, &e.value, BPF_ANY))
		return errf(err, "update ksbpf_endpoints: %s", strerror(errno));
	return 1;
}

/* What the interface no longer has loses the interface's mark, and goes
 * unless something else still wants it. */
static int release_endpoint(const struct map_fds *m,
			    const struct ksbpf_endpoint_key *key, char *err)
{
	struct ksbpf_endpoint value;
	int ret = 0;

	if (!bpf_map_lookup_elem(m->endpoints, key, &value)) {
		value.origin &= ~KSBPF_ORIGIN_WG_SYNC;
		ret = value.origin ?
		      bpf_map_update_elem(m->endpoints, key, &value, BPF_EXIST) :
		      bpf_map_delete_elem(m->endpoints, key);
	}
	if (ret && errno != ENOENT)
		return errf(err, "update ksbpf_endpoints: %s", strerror(errno));
	if (bpf_map_delete_elem(m->wg_sync, key) && errno != ENOENT)
		return errf(err, "delete from ksbpf_wg_sync: %s", strerror(errno));
	return 0;
}

static bool wanted(const struct ksbpf_endpoint_key *key, const struct endpoint *eps,
		   unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct endpoint_entry e;

		endpoint_entry_from(&eps[i], 0, &e);
		if (!memcmp(&e.key, key, sizeof(*key)))
			return true;
	}
	return false;
}

/* The interface's keys that eps no longer holds. */
static int stale_keys(const struct map_fds *m, const char *ifname,
		      const struct endpoint *eps, unsigned int n,
		      struct ksbpf_endpoint_key *out, unsigned int *count,
		      unsigned int *owned)
{
	struct ksbpf_endpoint_key key, next;
	bool first = true;

	*count = *owned = 0;
	while (!bpf_map_get_next_key(m->wg_sync, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (!owned_by(m, &key, ifname))
			continue;
		if (wanted(&key, eps, n)) {
			++*owned;
			continue;
		}
		if (*count == KSBPF_MAX_ENDPOINTS)
			return -1;
		out[(*count)++] = key;
	}
	return 0;
}

int wg_sync_write(const struct map_fds *m, const char *ifname,
		  const struct endpoint *eps, unsigned int n,
		  struct wg_sync_result *res, char *err)
{
	static struct ksbpf_endpoint_key stale[KSBPF_MAX_ENDPOINTS];
	unsigned int count;
	int ret;

	memset(res, 0, sizeof(*res));
	for (unsigned int i = 0; i < n; i++) {
		ret = write_endpoint(m, ifname, &eps[i], err);
		if (ret < 0)
			return -1;
		res->added += ret;
	}
	if (stale_keys(m, ifname, eps, n, stale, &count, &res->owned))
		return errf(err, "ksbpf_wg_sync: more than %d entries", KSBPF_MAX_ENDPOINTS);
	for (unsigned int i = 0; i < count; i++)
		if (release_endpoint(m, &stale[i], err))
			return -1;
	res->removed = count;
	/* The agent syncs four times a second: only a change costs more. */
	if (!res->added && !res->removed)
		return 0;
	return maps_derive_fragments(m, err);
}

static unsigned int count_owned(const struct map_fds *m, const char *ifname)
{
	struct ksbpf_endpoint_key key, next;
	unsigned int n = 0;
	bool first = true;

	while (!bpf_map_get_next_key(m->wg_sync, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		n += owned_by(m, &key, ifname);
	}
	return n;
}

int wg_sync_interface(const struct map_fds *m, const char *ifname,
		      struct wg_device *dev, struct wg_sync_result *res, char *err)
{
	int ret = wg_device_read(ifname, dev, err);

	memset(res, 0, sizeof(*res));
	if (ret)
		return ret;
	if (!dev->n_endpoints) {
		res->owned = count_owned(m, ifname);
		return 0;
	}
	return wg_sync_write(m, ifname, dev->endpoints, dev->n_endpoints, res, err);
}
