// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Loading the 32-bit setsockopt guard costs ~0.3 s and ~11 MB: libbpf reads
 * the kernel's BTF for its CO-RE relocations. So its program is pinned under
 * a name that carries this build's identity, and a reload that finds it
 * attached keeps it; a new build loads its own and pins the new link over the
 * old one, which detaches only then.
 */
#include "compat.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "attach.h"
#include "compat_guard.id.h"
#include "compat_guard.skel.h"
#include "err.h"
#include "pins.h"

#define PROG_PIN_PREFIX "prog_compat_guard_"

static void prog_pin(char *buf, size_t len)
{
	snprintf(buf, len, PROG_PIN_PREFIX "%s", KSBPF_COMPAT_GUARD_ID);
}

static uint32_t prog_id_of(int fd)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* The link is attached and runs the program pinned as prog. */
static bool runs(const char *dir, const char *prog)
{
	int fd = pin_open(dir, prog);
	uint32_t pinned, linked;

	if (fd < 0)
		return false;
	pinned = prog_id_of(fd);
	close(fd);
	return tracepoint_attached(PIN_LINK_COMPAT_GUARD, dir, &linked) &&
	       pinned && linked == pinned;
}

#define MAX_PROG_PINS 8	/* builds whose pins are seen at once */

/* The guard's program pins in dir, of any build. */
static int prog_pins(const char *dir, char names[][NAME_MAX + 1])
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while (n < MAX_PROG_PINS && (e = readdir(d)))
		if (!strncmp(e->d_name, PROG_PIN_PREFIX, strlen(PROG_PIN_PREFIX)))
			snprintf(names[n++], NAME_MAX + 1, "%s", e->d_name);
	closedir(d);
	return n;
}

static void remove_other_builds(const char *dir, const char *keep)
{
	char names[MAX_PROG_PINS][NAME_MAX + 1];
	int n = prog_pins(dir, names);

	for (int i = 0; i < n; i++)
		if (strcmp(names[i], keep))
			pin_remove(dir, names[i]);
}

static int load_and_attach(const char *dir, const char *pin, char *err)
{
	DECLARE_LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = dir);
	struct compat_guard_bpf *skel = compat_guard_bpf__open_opts(&opts);
	int prog, ret;

	if (!skel)
		return errf(err, "open the 32-bit guard's BPF object: %s", strerror(errno));
	ret = compat_guard_bpf__load(skel);
	if (ret) {
		report_at(LOG_WARNING, "warning: the 32-bit setsockopt guard does not load "
			"here (%s): held processes could skip TC through 32-bit system "
			"calls (docs/policy.md)", strerror(-ret));
		compat_guard_bpf__destroy(skel);
		return 0;
	}
	prog = bpf_program__fd(skel->progs.ksbpf_compat_guard);
	ret = attach_tracepoint(prog, PIN_LINK_COMPAT_GUARD, dir, err) ||
	      pin_replace(prog, dir, pin, err) ? -1 : 0;
	if (!ret)
		remove_other_builds(dir, pin);
	compat_guard_bpf__destroy(skel);
	return ret;
}

int compat_guard_attach(const char *dir, const struct bpf_map *guarded_cgroup,
			int cgroup_fd, char *err)
{
	char pin[64];
	__u32 zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(guarded_cgroup), &zero, &cgroup_fd, BPF_ANY))
		return errf(err, "update ksbpf_guarded_cgroup: %s", strerror(errno));
	prog_pin(pin, sizeof(pin));
	if (runs(dir, pin))
		return 0;
	return load_and_attach(dir, pin, err);
}

enum compat_guard_state compat_guard_state(const char *dir)
{
	char names[MAX_PROG_PINS][NAME_MAX + 1];
	int n = prog_pins(dir, names);

	for (int i = 0; i < n; i++)
		if (runs(dir, names[i]))
			return COMPAT_GUARD_ATTACHED;
	return n ? COMPAT_GUARD_DETACHED : COMPAT_GUARD_UNAVAILABLE;
}
