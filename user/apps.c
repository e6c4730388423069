// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "apps.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "err.h"

static bool any_app(const struct map_fds *m)
{
	__u64 key;

	return bpf_map_get_next_key(m->apps, NULL, &key) == 0;
}

int apps_update_flag(const struct map_fds *m, char *err)
{
	return maps_set_config_flag(m, KSBPF_F_HAVE_APPS, any_app(m), err);
}

/* Whether dir is the cgroup with id top, or below it. */
static bool within(const char *dir, uint64_t top)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s", dir);
	for (;;) {
		char *slash;

		if (stat(path, &st))
			return false;
		if (st.st_ino == top)
			return true;
		slash = strrchr(path, '/');
		if (!slash || slash == path)
			return false;
		*slash = '\0';
	}
}

int apps_set(const struct map_fds *m, const char *dir, uint64_t attach_cgroup,
	     uint32_t policy, char *err)
{
	struct ksbpf_app_path where = { 0 };
	struct ksbpf_app app = { .policy = policy };
	char path[PATH_MAX];
	uint64_t id;
	int fd;

	/* Stored absolute: the agent checks the path still leads to the id. */
	if (!realpath(dir, path))
		return errf(err, "app %s: %s", dir, strerror(errno));
	fd = cgroup_open(path, &id, err);
	if (fd < 0)
		return -1;
	close(fd);
	if (!within(path, attach_cgroup))
		return errf(err, "app %s: not in the cgroup ksbpf is attached to "
			    "(id %llu): its sockets would not be judged",
			    path, (unsigned long long)attach_cgroup);
	if (strlen(path) >= sizeof(where.path))
		return errf(err, "%s: path longer than %zu", path, sizeof(where.path) - 1);
	strcpy(where.path, path);
	/* The path first, so whoever sees the policy can name the app. */
	if (bpf_map_update_elem(m->app_paths, &id, &where, BPF_ANY) ||
	    bpf_map_update_elem(m->apps, &id, &app, BPF_ANY))
		return errf(err, "app %s: update ksbpf_apps: %s", path, strerror(errno));
	return apps_update_flag(m, err);
}

static void forget(const struct map_fds *m, uint64_t id)
{
	bpf_map_delete_elem(m->apps, &id);
	bpf_map_delete_elem(m->app_stats, &id);
	bpf_map_delete_elem(m->app_paths, &id);
}

/* The id a path was listed with: the directory's, or the recorded path's
 * when the directory is gone. */
static int find_id(const struct map_fds *m, const char *path, uint64_t *id)
{
	struct ksbpf_app_path where;
	struct ksbpf_app app;
	struct stat st;
	__u64 key, next;
	bool first = true;

	if (!stat(path, &st) && !bpf_map_lookup_elem(m->apps, &st.st_ino, &app)) {
		*id = st.st_ino;
		return 0;
	}
	while (!bpf_map_get_next_key(m->app_paths, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (!bpf_map_lookup_elem(m->app_paths, &key, &where) &&
		    !strcmp(where.path, path)) {
			*id = key;
			return 0;
		}
	}
	return -1;
}

int apps_del(const struct map_fds *m, const char *dir, char *err)
{
	char path[PATH_MAX];
	uint64_t id;

	if (!realpath(dir, path))	/* gone: look for it as it was listed */
		snprintf(path, sizeof(path), "%s", dir);
	if (find_id(m, path, &id))
		return 1;
	forget(m, id);
	return apps_update_flag(m, err);
}

static bool cgroup_gone(uint64_t id, const char *path)
{
	struct stat st;

	return stat(path, &st) || st.st_ino != id;
}

int apps_list(const struct map_fds *m, struct app_info **out, size_t *n,
	      char *err)
{
	struct app_info *list = NULL;
	size_t cap = 0;
	__u64 key, next;
	bool first = true;

	*n = 0;
	while (!bpf_map_get_next_key(m->apps, first ? NULL : &key, &next)) {
		struct ksbpf_app app;
		struct ksbpf_app_path where = { "?" };
		struct app_info *a;

		first = false;
		key = next;
		if (bpf_map_lookup_elem(m->apps, &key, &app))
			continue;
		if (*n == cap) {
			struct app_info *grown = realloc(list, (cap = cap * 2 + 16) *
							 sizeof(*grown));

			if (!grown) {
				free(list);
				return errf(err, "app list: %s", strerror(ENOMEM));
			}
			list = grown;
		}
		bpf_map_lookup_elem(m->app_paths, &key, &where);
		a = &list[(*n)++];
		memset(a, 0, sizeof(*a));
		a->cgroup_id = key;
		a->policy = app.policy;
		memcpy(a->path, where.path, sizeof(a->path));
		a->path[sizeof(a->path) - 1] = '\0';
		a->gone = cgroup_gone(key, a->path);
		maps_sum_percpu(m->app_stats, &key, &a->stats, sizeof(a->stats));
	}
	*out = list;
	return 0;
}

int apps_sweep(const struct map_fds *m, void (*said)(const struct app_info *))
{
	struct app_info *list;
	char err[ERR_LEN];
	size_t n;
	int swept = 0;

	if (apps_list(m, &list, &n, err))
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!list[i].gone)
			continue;
		forget(m, list[i].cgroup_id);
		if (said)
			said(&list[i]);
		swept++;
	}
	free(list);
	if (swept)
		apps_update_flag(m, err);
	return swept;
}
