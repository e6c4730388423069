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

/* Rules and routes belong to the guarded namespace: from another one,
 * they are said to stay, not looked for here. */
static void remove_bypass_routes(const char *dir)
{
	struct ksbpf_bypass_route route = { 0 };
	struct ksbpf_config cfg = { 0 };
	int config = pin_open(dir, PIN_CONFIG_MAP);
	int fd = pin_open(dir, "ksbpf_bypass_route");
	char err[ERR_LEN];
	__u32 zero = 0;

	if (fd >= 0 && bpf_map_lookup_elem(fd, &zero, &route))
		route.mark = 0;
	if (config >= 0 && bpf_map_lookup_elem(config, &zero, &cfg))
		cfg.netns_cookie = 0;
	if (fd >= 0)
		close(fd);
	if (config >= 0)
		close(config);
	if (!route.mark)
		return;
	if (cfg.netns_cookie && cfg.netns_cookie != current_netns_cookie())
		fprintf(stderr, "ksbpf: bypass routing (ip rule fwmark %#x lookup %u) "
			"stays in the guarded network namespace: run `ksbpf unload` "
			"there to remove it\n", route.mark, route.table);
	else if (bypass_routes_remove(&route, false, err))
		fprintf(stderr, "ksbpf: %s\n", err);
}

int teardown(const char *dir, char *err)
{
	remove_bypass_routes(dir);
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
