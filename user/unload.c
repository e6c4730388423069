// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ksbpf unload`: the one explicit act that removes enforcement. */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bypass_routes.h"
#include "commands.h"
#include "maps.h"
#include "pins.h"
#include "snapshot.h"

/* The first detach that failed: the rest are still tried. */
struct detach_failure {
	int error;	/* -errno */
	char what[64];
};

static void note_failure(struct detach_failure *f, int ret, const char *what)
{
	if (!ret || f->error)
		return;
	f->error = ret;
	snprintf(f->what, sizeof(f->what), "%s", what);
}

static void detach_uplinks(const char *dir, struct detach_failure *f)
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
		note_failure(f, detach_tc(key, TC_EGRESS, up.tc_mode, dir), up.name);
		if (up.ingress)
			note_failure(f, detach_tc(key, TC_INGRESS, up.tc_mode, dir), up.name);
	}
	close(fd);
}

/* Rules and routes belong to the guarded namespace: from another one,
 * they are said to stay, not looked for here. -1 with err if they stay. */
static int remove_bypass_routes(const char *dir, char *err)
{
	struct ksbpf_bypass_route route;
	struct ksbpf_config cfg;

	if (pin_read_single(dir, "ksbpf_bypass_route", &route) || !route.mark)
		return 0;
	if (pin_read_single(dir, PIN_CONFIG_MAP, &cfg))
		cfg.netns_cookie = 0;
	if (cfg.netns_cookie && cfg.netns_cookie != current_netns_cookie())
		return errf(err, "bypass routing (ip rule fwmark %#x lookup %u) stays in "
			    "the guarded network namespace: run `ksbpf unload` there "
			    "to remove it", route.mark, route.table);
	return bypass_routes_remove(&route, NULL, err);
}

int teardown(const char *dir, char *err)
{
	static const char *const cgroup_links[] = {
		PIN_LINK_CG_EGRESS, PIN_LINK_CG_SOCK_CREATE, PIN_LINK_CG_SOCKOPT,
		PIN_LINK_CG_INGRESS,
	};
	struct detach_failure failed = { 0 };
	char routing[ERR_LEN];
	int routing_left = remove_bypass_routes(dir, routing);

	detach_uplinks(dir, &failed);
	for (size_t i = 0; i < sizeof(cgroup_links) / sizeof(cgroup_links[0]); i++)
		note_failure(&failed, detach_cgroup(cgroup_links[i], dir), cgroup_links[i]);
	/* Link pins left over (an uplink that was never recorded) detach
	 * when their last reference, the pin, goes. */
	if (pins_remove_all(dir, err))
		return -1;
	if (failed.error)
		return errf(err, "detach %s: %s (everything else is removed)",
			    failed.what, strerror(-failed.error));
	if (routing_left)
		return errf(err, "%s (enforcement is removed)", routing);
	return 0;
}

int cmd_unload(const struct options *o)
{
	char err[ERR_LEN];
	int lock, ret;

	if (access(o->bpffs, F_OK)) {
		if (errno == ENOENT) {
			printf("ksbpf: nothing loaded at %s\n", o->bpffs);
			return EXIT_OK;
		}
		/* A directory that cannot be seen (a user, a 0700 bpffs) may
		 * hold everything: never "nothing loaded". */
		errf(err, "access %s: %s", o->bpffs, strerror(errno));
		report_error(err);
		return EXIT_FAILED;
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
	snapshot_refresh(o, "unload");
	printf("ksbpf: unloaded %s: enforcement removed\n", o->bpffs);
	return EXIT_OK;
}
