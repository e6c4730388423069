// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `ksbpf app set|del|list` and `ksbpf exec`: per-app kill switch and split
 * tunnelling. An app is a cgroup v2 directory; its policy holds for every
 * process below it, down to the nearest listed descendant.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apps.h"
#include "attach.h"
#include "commands.h"
#include "json.h"
#include "names.h"
#include "pins.h"

static int open_maps(const struct options *o, struct map_fds *m, int *lock,
		     char *err)
{
	if (!pins_loaded(o->bpffs))
		return errf(err, "nothing loaded at %s (run ksbpf load first)", o->bpffs);
	if (pins_check_owner(o->bpffs, err))
		return -1;
	*lock = pins_lock(o->bpffs, err);
	if (*lock < 0)
		return -1;
	if (maps_open_pinned(o->bpffs, m, err)) {
		close(*lock);
		return -1;
	}
	return 0;
}

/* Apps are judged only below the cgroup the socket program is attached to. */
static int attach_cgroup_id(const struct options *o, uint64_t *id, char *err)
{
	uint32_t prog;

	if (!cgroup_attached(PIN_LINK_CG_EGRESS, o->bpffs, id, &prog))
		return errf(err, "the cgroup program of %s is not attached", o->bpffs);
	return 0;
}

static void close_maps(struct map_fds *m, int lock)
{
	maps_close(m);
	close(lock);
}

static void print_list(const struct app_info *apps, size_t n, bool json)
{
	struct json j;

	if (!json) {
		printf("%-8s %10s %10s %10s %10s  %s\n", "policy", "passed", "dropped",
		       "up-passed", "up-dropped", "cgroup");
		for (size_t i = 0; i < n; i++)
			printf("%-8s %10llu %10llu %10llu %10llu  %s%s\n",
			       app_policy_name(apps[i].policy),
			       (unsigned long long)apps[i].stats.socket.passed,
			       (unsigned long long)apps[i].stats.socket.dropped,
			       (unsigned long long)apps[i].stats.uplink.passed,
			       (unsigned long long)apps[i].stats.uplink.dropped,
			       apps[i].path, apps[i].gone ? " (removed)" : "");
		return;
	}
	json_init(&j, stdout);
	json_array_begin(&j);
	for (size_t i = 0; i < n; i++) {
		json_object_begin(&j);
		json_key(&j, "cgroup");
		json_string(&j, apps[i].path);
		json_key(&j, "cgroup_id");
		json_uint(&j, apps[i].cgroup_id);
		json_key(&j, "policy");
		json_string(&j, app_policy_name(apps[i].policy));
		json_key(&j, "exists");
		json_bool(&j, !apps[i].gone);
		json_key(&j, "passed");
		json_uint(&j, apps[i].stats.socket.passed);
		json_key(&j, "dropped");
		json_uint(&j, apps[i].stats.socket.dropped);
		json_key(&j, "uplink_passed");
		json_uint(&j, apps[i].stats.uplink.passed);
		json_key(&j, "uplink_dropped");
		json_uint(&j, apps[i].stats.uplink.dropped);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_finish(&j);
}

static int usage(void)
{
	fprintf(stderr, "ksbpf: usage: ksbpf app set CGROUP_DIR enforce|bypass|block | "
		"app del CGROUP_DIR | app list [--json]\n");
	return EXIT_USAGE;
}

int cmd_app(const struct options *o)
{
	const char *verb = o->n_args ? o->args[0] : "";
	struct app_info *apps = NULL;
	struct map_fds m;
	char err[ERR_LEN];
	uint32_t policy = 0;
	uint64_t attach_id = 0;
	size_t n = 0;
	int lock, ret;

	if (!strcmp(verb, "set") ? o->n_args != 3 :
	    !strcmp(verb, "del") ? o->n_args != 2 :
	    !strcmp(verb, "list") ? o->n_args != 1 : 1)
		return usage();
	if (!strcmp(verb, "set") && parse_app_policy(o->args[2], &policy, err)) {
		report_error(err);
		return EXIT_USAGE;
	}
	if (open_maps(o, &m, &lock, err)) {
		report_error(err);
		return EXIT_FAILED;
	}
	if (!strcmp(verb, "set"))
		ret = attach_cgroup_id(o, &attach_id, err) ? -1 :
		      apps_set(&m, o->args[1], attach_id, policy, err);
	else if (!strcmp(verb, "del"))
		ret = apps_del(&m, o->args[1], err);
	else
		ret = apps_list(&m, &apps, &n, err);
	close_maps(&m, lock);
	if (ret < 0) {
		report_error(err);
		return EXIT_FAILED;
	}
	if (!strcmp(verb, "list"))
		print_list(apps, n, o->json);
	else if (ret > 0)
		printf("ksbpf: %s was not listed\n", o->args[1]);
	else if (!strcmp(verb, "set"))
		printf("ksbpf: app %s: %s\n", o->args[1], o->args[2]);
	else
		printf("ksbpf: app %s: removed\n", o->args[1]);
	free(apps);
	return EXIT_OK;
}

/* <attach cgroup>/ksbpf.apps/NAME, created if needed. */
static int app_cgroup(const struct options *o, char *path, size_t len, char *err)
{
	char base[PATH_MAX], name[64];

	if (cli_cgroup_path(o, base, sizeof(base), err))
		return -1;
	snprintf(name, sizeof(name), "%s",
		 o->app_name[0] ? o->app_name : basename(o->command[0]));
	if (!name[0] || !strcmp(name, ".") || !strcmp(name, ".."))
		return errf(err, "exec: give the app a --name");
	if (snprintf(path, len, "%s/%s", base, KSBPF_APPS_DIR) >= (int)len ||
	    (mkdir(path, 0755) && errno != EEXIST))
		return errf(err, "mkdir %s: %s", path, strerror(errno));
	if (snprintf(path, len, "%s/%s/%s", base, KSBPF_APPS_DIR, name) >= (int)len ||
	    (mkdir(path, 0755) && errno != EEXIST))
		return errf(err, "mkdir %s: %s", path, strerror(errno));
	return 0;
}

static int enter_cgroup(const char *path, char *err)
{
	char procs[PATH_MAX + 16];
	int fd;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errf(err, "open %s: %s", procs, strerror(errno));
	if (write(fd, "0", 1) != 1) {
		errf(err, "join %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int cmd_exec(const struct options *o)
{
	char path[PATH_MAX], err[ERR_LEN];
	uint64_t attach_id;
	struct map_fds m;
	int lock, ret;

	if (!o->command || !o->command[0] || !o->app_policy) {
		fprintf(stderr, "ksbpf: usage: ksbpf exec --policy enforce|bypass|block "
			"[--name NAME] -- COMMAND [ARGS...]\n");
		return EXIT_USAGE;
	}
	if (app_cgroup(o, path, sizeof(path), err) || open_maps(o, &m, &lock, err)) {
		report_error(err);
		return EXIT_FAILED;
	}
	/* The policy is in place before the command can send anything. */
	ret = attach_cgroup_id(o, &attach_id, err) ? -1 :
	      apps_set(&m, path, attach_id, o->app_policy, err);
	close_maps(&m, lock);
	if (ret || enter_cgroup(path, err)) {
		report_error(err);
		return EXIT_FAILED;
	}
	execvp(o->command[0], o->command);
	fprintf(stderr, "ksbpf: exec %s: %s\n", o->command[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
