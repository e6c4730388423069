// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ksbpf unload`: the one explicit act that removes enforcement. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "pins.h"

static void detach_uplinks(const char *dir)
{
	int fd = pin_open(dir, "ksbpf_uplinks");
	struct ksbpf_uplink up;
	__u32 key, next;
	bool first = true;

	if (fd < 0)
		return;
	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &up))
			continue;
		detach_tc(key, TC_EGRESS, up.tc_mode, dir);
		if (up.ingress)
			detach_tc(key, TC_INGRESS, up.tc_mode, dir);
	}
	close(fd);
}

int teardown(const char *dir, char *err)
{
	detach_uplinks(dir);
	detach_cgroup(PIN_LINK_CG_EGRESS, dir);
	detach_cgroup(PIN_LINK_CG_SOCK_CREATE, dir);
	detach_cgroup(PIN_LINK_CG_SOCKOPT, dir);
	detach_cgroup(PIN_LINK_CG_INGRESS, dir);
	/* Link pins left over (an uplink that was never recorded) detach
	 * when their last reference, the pin, goes. */
	return pins_remove_all(dir, err);
}

int cmd_unload(const struct options *o)
{
	char err[ERR_LEN];
	int lock, ret;

	if (access(o->bpffs, F_OK)) {
		printf("ksbpf: nothing loaded at %s\n", o->bpffs);
		return EXIT_OK;
	}
	if (pins_check_owner(o->bpffs, err)) {
		report_error(err);
		return EXIT_FAILED;
	}
	lock = pins_lock(o->bpffs, err);
	if (lock < 0) {
		report_error(err);
		return EXIT_FAILED;
	}
	ret = teardown(o->bpffs, err);
	close(lock);
	if (ret) {
		report_error(err);
		return EXIT_FAILED;
	}
	printf("ksbpf: unloaded %s: enforcement removed\n", o->bpffs);
	return EXIT_OK;
}
