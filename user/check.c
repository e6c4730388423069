// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `ksbpf check`: can this kernel and system hold the kill switch? One line
 * per requirement, in the spirit of `bpftool feature probe`. It changes
 * nothing: programs are loaded and verified, then closed, never attached
 * or pinned.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "attach.h"
#include "bpf_log.h"
#include "commands.h"
#include "compat_guard.skel.h"
#include "json.h"
#include "kfeatures.h"
#include "ksbpf.skel.h"

#define BPF_FS_MAGIC_NUMBER 0xcafe4a11
#define CGROUP2_MAGIC_NUMBER 0x63677270

enum finding {
	FOUND_OK,	/* as ksbpf wants it, or an equivalent fallback */
	FOUND_INFO,	/* not needed, shown for the admin */
	FOUND_MISSING,	/* ksbpf loads, but a row is not enforced: degraded */
	FOUND_FAIL,	/* ksbpf cannot load */
};

static const char *const finding_names[] = {
	[FOUND_OK] = "ok", [FOUND_INFO] = "info",
	[FOUND_MISSING] = "missing", [FOUND_FAIL] = "fail",
};

#define MAX_REFUSED 16

struct check {
	const struct options *o;
	struct json j;
	enum finding worst;
	struct kernel_features features;
	char refused[MAX_REFUSED][64];	/* programs left out of the next try */
	int n_refused;
};

/* Both objects pin their maps by name: a check must never create or
 * adopt a pin (libbpf's default root is /sys/fs/bpf itself). */
static void unpin_maps(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj)
		bpf_map__set_pin_path(map, NULL);
}

static void report(struct check *c, const char *what, enum finding f,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void report(struct check *c, const char *what, enum finding f,
		   const char *fmt, ...)
{
	char detail[ERR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (f != FOUND_INFO && f > c->worst)
		c->worst = f;
	if (!c->o->json) {
		printf("%-24s %-8s %s\n", what, finding_names[f], detail);
		return;
	}
	json_object_begin(&c->j);
	json_key(&c->j, "requirement");
	json_string(&c->j, what);
	json_key(&c->j, "result");
	json_string(&c->j, finding_names[f]);
	json_key(&c->j, "detail");
	json_string(&c->j, detail);
	json_object_end(&c->j);
}

static bool fs_is(const char *path, long magic)
{
	struct statfs st;

	return !statfs(path, &st) && st.f_type == magic;
}

/* The first line of a file, without its newline; "" if unreadable. */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

static void check_privileges(struct check *c)
{
	if (geteuid() == 0)
		report(c, "privileges", FOUND_OK, "root");
	else
		report(c, "privileges", FOUND_FAIL, "not root: load needs CAP_BPF, CAP_PERFMON "
		       "and CAP_NET_ADMIN (the rest of this check "
		       "cannot load programs)");
}

static void check_cgroup(struct check *c)
{
	char path[PATH_MAX], err[ERR_LEN];

	if (cli_cgroup_path(c->o, path, sizeof(path), err))
		report(c, "cgroup v2", FOUND_FAIL, "%s", err);
	else if (!fs_is(path, CGROUP2_MAGIC_NUMBER))
		report(c, "cgroup v2", FOUND_FAIL, "%s is not a cgroup v2 directory", path);
	else
		report(c, "cgroup v2", FOUND_OK, "%s", path);
}

/* The pin directory, or the bpffs it will be made in. */
static void check_bpffs(struct check *c)
{
	char parent[PATH_MAX];
	const char *slash;

	if (fs_is(c->o->bpffs, BPF_FS_MAGIC_NUMBER)) {
		report(c, "bpffs", FOUND_OK, "%s", c->o->bpffs);
		return;
	}
	slash = strrchr(c->o->bpffs, '/');
	snprintf(parent, sizeof(parent), "%.*s",
		 slash && slash != c->o->bpffs ? (int)(slash - c->o->bpffs) : 1,
		 c->o->bpffs);
	if (fs_is(parent, BPF_FS_MAGIC_NUMBER))
		report(c, "bpffs", FOUND_OK, "%s (load creates %s)", parent, c->o->bpffs);
	else
		report(c, "bpffs", FOUND_INFO, "no bpffs at %s: load mounts one", parent);
}

#define UNREPORTED "unknown (securityfs is not mounted at /sys/kernel/security)"

static void check_kernel_info(struct check *c)
{
	char line[256];

	if (access("/sys/kernel/btf/vmlinux", R_OK))
		report(c, "kernel BTF", FOUND_MISSING, "no /sys/kernel/btf/vmlinux: the "
		       "32-bit setsockopt guard needs it (CO-RE)");
	else
		report(c, "kernel BTF", FOUND_OK, "/sys/kernel/btf/vmlinux");
	read_line("/sys/kernel/security/lockdown", line, sizeof(line));
	report(c, "lockdown", FOUND_INFO, "%s", line[0] ? line : UNREPORTED);
	read_line("/sys/kernel/security/lsm", line, sizeof(line));
	if (line[0])
		report(c, "BPF LSM", FOUND_INFO, "%s (not used by ksbpf yet; LSMs: %s)",
		       strstr(line, "bpf") ? "active" : "not active", line);
	else
		report(c, "BPF LSM", FOUND_INFO, UNREPORTED);
}

static void check_mechanisms(struct check *c)
{
	report(c, "TC attach", FOUND_OK, "%s", c->features.tcx ?
	       "TCX links" : "legacy clsact filters (no TCX: Linux 6.6)");
	report(c, "socket namespace", FOUND_OK, "%s", c->features.skb_netns_cookie ?
	       "bpf_get_netns_cookie in cgroup_skb" :
	       "recorded at socket creation (cgroup_skb has no "
	       "bpf_get_netns_cookie before Linux 6.15)");
}

/* Loads ksbpf's object as `load` would, without pins; each program the
 * kernel refuses is reported and left out of the next try, so one run names
 * every refused program. */
static void check_programs(struct check *c)
{
	char refusal[ERR_LEN - 64];
	bool refused_any = false;

	for (;;) {
		struct ksbpf_bpf *skel = ksbpf_bpf__open();
		struct bpf_program *prog;
		int ret;

		if (!skel) {
			report(c, "BPF object", FOUND_FAIL, "open: %s", strerror(errno));
			return;
		}
		unpin_maps(skel->obj);
		features_select(skel, &c->features);
		bpf_object__for_each_program(prog, skel->obj) {
			for (int i = 0; i < c->n_refused; i++)
				if (!strcmp(bpf_program__name(prog), c->refused[i]))
					bpf_program__set_autoload(prog, false);
		}
		ret = ksbpf_bpf__load(skel);
		if (!ret) {
			bpf_object__for_each_program(prog, skel->obj)
				if (bpf_program__autoload(prog))
					report(c, bpf_program__name(prog), FOUND_OK,
					       "verified (%s)", bpf_program__section_name(prog));
			ksbpf_bpf__destroy(skel);
			return;
		}
		ksbpf_bpf__destroy(skel);
		if (!bpf_log_refusal(refusal, sizeof(refusal)) ||
		    c->n_refused == MAX_REFUSED) {
			report(c, "BPF programs", FOUND_FAIL, "load: %s%s", strerror(-ret),
			       refused_any ? "" : " (--debug shows libbpf's messages)");
			return;
		}
		refused_any = true;
		snprintf(c->refused[c->n_refused], sizeof(c->refused[0]), "%.*s",
			 (int)strcspn(refusal, ":"), refusal);
		report(c, c->refused[c->n_refused++], FOUND_FAIL, "refused:%s",
		       refusal + strcspn(refusal, ":") + 1);
	}
}

static void check_compat_guard(struct check *c)
{
	struct compat_guard_bpf *skel = compat_guard_bpf__open();
	char refusal[ERR_LEN - 64];
	int ret;

	if (!skel) {
		report(c, "ksbpf_compat_guard", FOUND_MISSING, "open: %s", strerror(errno));
		return;
	}
	unpin_maps(skel->obj);
	ret = compat_guard_bpf__load(skel);
	compat_guard_bpf__destroy(skel);
	if (!ret)
		report(c, "ksbpf_compat_guard", FOUND_OK, "verified (tp_btf/sys_enter)");
	else if (bpf_log_refusal(refusal, sizeof(refusal)))
		report(c, "ksbpf_compat_guard", FOUND_MISSING, "refused:%s: held "
		       "processes could skip TC through 32-bit setsockopt",
		       refusal + strcspn(refusal, ":") + 1);
	else
		report(c, "ksbpf_compat_guard", FOUND_MISSING, "load: %s: held "
		       "processes could skip TC through 32-bit setsockopt",
		       strerror(-ret));
}

static const char *verdict_line(enum finding worst)
{
	switch (worst) {
	case FOUND_FAIL:
		return "ksbpf cannot load here";
	case FOUND_MISSING:
		return "ksbpf loads, DEGRADED: a row above is not enforced on this kernel";
	default:
		return "ksbpf can enforce the whole policy on this kernel";
	}
}

int cmd_check(const struct options *o)
{
	struct check c = { .o = o, .worst = FOUND_OK };

	features_probe(&c.features);
	if (o->json) {
		json_init(&c.j, stdout);
		json_object_begin(&c.j);
		json_key(&c.j, "requirements");
		json_array_begin(&c.j);
	}
	check_privileges(&c);
	check_cgroup(&c);
	check_bpffs(&c);
	check_kernel_info(&c);
	check_mechanisms(&c);
	if (geteuid() == 0) {
		check_programs(&c);
		check_compat_guard(&c);
	}
	if (o->json) {
		json_array_end(&c.j);
		json_key(&c.j, "verdict");
		json_string(&c.j, c.worst == FOUND_FAIL ? "fail" :
				  c.worst == FOUND_MISSING ? "degraded" : "ok");
		json_object_end(&c.j);
		json_finish(&c.j);
	} else {
		printf("%s\n", verdict_line(c.worst));
	}
	return c.worst == FOUND_FAIL ? EXIT_FAILED :
	       c.worst == FOUND_MISSING ? EXIT_DEGRADED : EXIT_OK;
}
