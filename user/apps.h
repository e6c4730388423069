/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Per-app policies: a cgroup v2 directory -> enforce, bypass or block. */
#ifndef KSBPF_APPS_H
#define KSBPF_APPS_H

#include <stdint.h>
#include "maps.h"

#define KSBPF_APPS_DIR "ksbpf.apps"	/* under the attach cgroup, for exec */

struct app_info {
	uint64_t cgroup_id;
	uint32_t policy;
	char path[KSBPF_APP_PATH_LEN];
	struct ksbpf_app_stats stats;
	bool gone;			/* the directory no longer exists */
};

/* dir must be the attach cgroup (id attach_cgroup) or below it. */
int apps_set(const struct map_fds *m, const char *dir, uint64_t attach_cgroup,
	     uint32_t policy, char *err);
/* Returns 1 when the directory was not listed. */
int apps_del(const struct map_fds *m, const char *path, char *err);
/* Every listed app; *out is calloc'ed (free it). */
int apps_list(const struct map_fds *m, struct app_info **out, size_t *n,
	      char *err);
/* Forgets apps whose cgroup was removed; returns how many. */
int apps_sweep(const struct map_fds *m, void (*said)(const struct app_info *));
/* KSBPF_F_HAVE_APPS follows whether any app is listed. */
int apps_update_flag(const struct map_fds *m, char *err);

#endif
