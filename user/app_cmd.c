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
#include "run_as.h"

static int open_maps(const struct options *o, struct map_fds *m, int *lock,
		     char *err)
{
	if (pins_require_loaded(o->bpffs, err) || pins_check_owner(o->bpffs, err))
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
		"app del CGROUP_DIR | app list [--json] | "
		"app add-pid PID --policy POLICY [--name NAME]\n");
	return EXIT_USAGE;
}

/* <attach cgroup>/ksbpf.apps/NAME (--name, else fallback), created if
 * needed. */
static int app_cgroup(const struct options *o, const char *fallback, char *path,
		      size_t len, char *err)
{
	char base[PATH_MAX], name[64];

	if (cli_cgroup_path(o, base, sizeof(base), err))
		return -1;
	snprintf(name, sizeof(name), "%s", o->app_name[0] ? o->app_name : fallback);
	if (!name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return errf(err, "give the app a --name");
	if (snprintf(path, len, "%s/%s", base, KSBPF_APPS_DIR) >= (int)len ||
	    (mkdir(path, 0755) && errno != EEXIST))
		return errf(err, "mkdir %s: %s", path, strerror(errno));
	if (snprintf(path, len, "%s/%s/%s", base, KSBPF_APPS_DIR, name) >= (int)len ||
	    (mkdir(path, 0755) && errno != EEXIST))
		return errf(err, "mkdir %s: %s", path, strerror(errno));
	return 0;
}

/* Moves process pid (0: this one) into the cgroup at path. */
static int move_to_cgroup(const char *path, pid_t pid, char *err)
{
	char procs[PATH_MAX + 16], text[24];
	int fd, len = snprintf(text, sizeof(text), "%d", (int)pid);

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errf(err, "open %s: %s", procs, strerror(errno));
	if (write(fd, text, (size_t)len) != len) {
		errf(err, "move process %d to %s: %s", (int)pid, path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* The app's cgroup, listed with its policy before any process is in it. */
static int listed_app_cgroup(const struct options *o, const char *fallback,
			     char *path, size_t len, char *err)
{
	uint64_t attach_id;
	struct map_fds m;
	int lock, ret;

	if (app_cgroup(o, fallback, path, len, err) || open_maps(o, &m, &lock, err))
		return -1;
	ret = attach_cgroup_id(o, &attach_id, err) ? -1 :
	      apps_set(&m, path, attach_id, o->app_policy, err);
	close_maps(&m, lock);
	return ret;
}

/* The process's name, the app's name when --name is not given. */
static int read_comm(pid_t pid, char *comm, size_t len, char *err)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errf(err, "process %d: %s", (int)pid, strerror(errno));
	if (!fgets(comm, (int)len, f))
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	return 0;
}

/* A running process joins an app; only the sockets it opens from now on
 * are routed as the app's (a bypass app's older sockets keep the tunnel). */
static int cmd_add_pid(const struct options *o)
{
	char path[PATH_MAX], comm[64] = "", err[ERR_LEN];
	uint32_t pid;

	if (!o->app_policy) {
		fprintf(stderr, "ksbpf: usage: ksbpf app add-pid PID --policy "
			"enforce|bypass|block [--name NAME]\n");
		return EXIT_USAGE;
	}
	if (parse_u32(o->args[1], &pid, err) || !pid || pid > INT32_MAX) {
		report_error("add-pid: PID must be a process id");
		return EXIT_USAGE;
	}
	if (read_comm((pid_t)pid, comm, sizeof(comm), err) ||
	    listed_app_cgroup(o, comm, path, sizeof(path), err) ||
	    move_to_cgroup(path, (pid_t)pid, err)) {
		report_error(err);
		return EXIT_FAILED;
	}
	printf("ksbpf: process %u (%s) is in app %s: %s; its new sockets follow it\n",
	       pid, comm, path, app_policy_name(o->app_policy));
	return EXIT_OK;
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

	if (!strcmp(verb, "add-pid"))
		return o->n_args == 2 ? cmd_add_pid(o) : usage();
	if (o->app_policy || o->app_name[0])
		return usage();	/* --policy, --name: add-pid's */
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

int cmd_exec(const struct options *o)
{
	char path[PATH_MAX], err[ERR_LEN];
	struct run_as who;

	if (!o->command || !o->command[0] || !o->app_policy) {
		fprintf(stderr, "ksbpf: usage: ksbpf exec --policy enforce|bypass|block "
			"[--name NAME] [--user USER] -- COMMAND [ARGS...]\n");
		return EXIT_USAGE;
	}
	/* The policy is in place before the command can send anything. */
	if (run_as_find(o->app_user, &who, err) ||
	    listed_app_cgroup(o, basename(o->command[0]), path, sizeof(path), err) ||
	    move_to_cgroup(path, 0, err) || run_as_become(&who, err)) {
		report_error(err);
		return EXIT_FAILED;
	}
	execvp(o->command[0], o->command);
	fprintf(stderr, "ksbpf: exec %s: %s\n", o->command[0], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
