// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `ksbpf load`: puts enforcement in place, or adopts what is pinned and
 * brings it up to date. Order matters for "never a gap":
 *   maps (reused from the pins, so the old programs see the new policy)
 *   -> links (created, or their program swapped in place)
 *   -> program pins.
 * Nothing is detached until its replacement is attached.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "commands.h"
#include "ksbpf.skel.h"
#include "maps.h"
#include "pins.h"

struct load {
	const struct options *o;
	const char *dir;
	struct ksbpf_bpf *skel;
	struct map_fds maps;
	struct iface *ifs;
	size_t n_ifs;
	int n_tunnels_up;
	int n_uplinks;
};

static int check_layout(const char *dir, char *err)
{
	struct ksbpf_config cfg = { 0 };
	__u32 zero = 0;
	int fd = pin_open(dir, PIN_CONFIG_MAP);

	if (fd < 0)
		return errf(err, "open %s/%s: %s", dir, PIN_CONFIG_MAP, strerror(errno));
	if (bpf_map_lookup_elem(fd, &zero, &cfg))
		cfg.layout_version = 0;
	close(fd);
	if (cfg.layout_version && cfg.layout_version != KSBPF_LAYOUT_VERSION)
		return errf(err, "%s holds pin layout %u, this ksbpf writes %u: "
			    "run the matching `ksbpf unload` first",
			    dir, cfg.layout_version, KSBPF_LAYOUT_VERSION);
	return 0;
}

static int open_skeleton(struct load *l, char *err)
{
	DECLARE_LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = l->dir);
	int ret;

	l->skel = ksbpf_bpf__open_opts(&opts);
	if (!l->skel)
		return errf(err, "open BPF object: %s", strerror(errno));
	ret = ksbpf_bpf__load(l->skel);
	if (ret == -EPERM || ret == -EACCES)
		return errf(err, "load BPF programs: %s (needs root, or CAP_BPF and CAP_NET_ADMIN)",
			    strerror(-ret));
	if (ret)
		return errf(err, "load BPF programs: %s (kernel too old? ksbpf needs "
			    "Linux 6.15 with BTF; see the libbpf messages above)",
			    strerror(-ret));
	l->maps = (struct map_fds){
		.config = bpf_map__fd(l->skel->maps.ksbpf_config),
		.tunnels = bpf_map__fd(l->skel->maps.ksbpf_tunnels),
		.tun_names = bpf_map__fd(l->skel->maps.ksbpf_tun_names),
		.uplinks = bpf_map__fd(l->skel->maps.ksbpf_uplinks),
		.endpoints = bpf_map__fd(l->skel->maps.ksbpf_endpoints),
		.lan4 = bpf_map__fd(l->skel->maps.ksbpf_lan4),
		.lan6 = bpf_map__fd(l->skel->maps.ksbpf_lan6),
		.lan_dns = bpf_map__fd(l->skel->maps.ksbpf_lan_dns),
		.apps = bpf_map__fd(l->skel->maps.ksbpf_apps),
		.counters = bpf_map__fd(l->skel->maps.ksbpf_counters),
	};
	return 0;
}

static int attach_cgroup(struct load *l, char *err)
{
	char path[PATH_MAX];
	uint64_t id;
	int fd, ret;

	if (cli_cgroup_path(l->o, path, sizeof(path), err))
		return -1;
	fd = cgroup_open(path, &id, err);
	if (fd < 0)
		return -1;
	ret = attach_cgroup_egress(bpf_program__fd(l->skel->progs.ksbpf_cg_egress),
				   fd, id, l->dir, err);
	close(fd);
	return ret;
}

static bool is_uplink(const struct load *l, const struct iface *ifc)
{
	return !ifc->loopback && !policy_is_tunnel(&l->o->policy, ifc->name);
}

static int attach_uplink(struct load *l, const struct iface *ifc, char *err)
{
	struct ksbpf_uplink up = { 0 };
	struct bpf_program *prog = ifc->raw_ip ? l->skel->progs.ksbpf_l3_egress :
						 l->skel->progs.ksbpf_tc_egress;

	if (bpf_map_lookup_elem(l->maps.uplinks, &ifc->ifindex, &up) ||
	    strcmp(up.name, ifc->name))
		memset(&up, 0, sizeof(up));	/* new, or the ifindex was reused */
	if (attach_tc_egress(bpf_program__fd(prog), ifc, l->o->tc_mode,
			     &up.tc_mode, l->dir, err))
		return -1;
	memcpy(up.name, ifc->name, sizeof(up.name));
	up.raw_ip = ifc->raw_ip;
	if (bpf_map_update_elem(l->maps.uplinks, &ifc->ifindex, &up, BPF_ANY))
		return errf(err, "record uplink %s: %s", ifc->name, strerror(errno));
	return 0;
}

static bool still_uplink(const struct load *l, __u32 ifindex, const char *name)
{
	for (size_t i = 0; i < l->n_ifs; i++)
		if (l->ifs[i].ifindex == ifindex)
			return is_uplink(l, &l->ifs[i]) && !strcmp(l->ifs[i].name, name);
	return false;
}

/* Uplinks recorded before that are gone, renamed, or now tunnels. */
static void forget_stale_uplinks(struct load *l)
{
	__u32 key, next;
	struct ksbpf_uplink up;
	bool first = true;

	while (!bpf_map_get_next_key(l->maps.uplinks, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (bpf_map_lookup_elem(l->maps.uplinks, &key, &up) ||
		    still_uplink(l, key, up.name))
			continue;
		detach_tc_egress(key, up.tc_mode, l->dir);
		bpf_map_delete_elem(l->maps.uplinks, &key);
		first = true;	/* the walk restarts after a delete */
	}
}

static int attach_uplinks(struct load *l, char *err)
{
	for (size_t i = 0; i < l->n_ifs; i++) {
		if (!is_uplink(l, &l->ifs[i]))
			continue;
		if (attach_uplink(l, &l->ifs[i], err))
			return -1;
		l->n_uplinks++;
	}
	forget_stale_uplinks(l);
	return 0;
}

static int pin_programs(struct load *l, char *err)
{
	return pin_replace(bpf_program__fd(l->skel->progs.ksbpf_cg_egress),
			   l->dir, PIN_PROG_CG_EGRESS, err) ||
	       pin_replace(bpf_program__fd(l->skel->progs.ksbpf_tc_egress),
			   l->dir, PIN_PROG_TC_EGRESS, err) ||
	       pin_replace(bpf_program__fd(l->skel->progs.ksbpf_l3_egress),
			   l->dir, PIN_PROG_L3_EGRESS, err) ? -1 : 0;
}

static int enforce(struct load *l, char *err)
{
	int n;

	if (open_skeleton(l, err) ||
	    maps_sync_policy(&l->maps, &l->o->policy, current_netns_cookie(), err))
		return -1;
	n = maps_sync_tunnels(&l->maps, &l->o->policy, l->ifs, l->n_ifs, err);
	if (n < 0)
		return -1;
	l->n_tunnels_up = n;
	return attach_cgroup(l, err) || attach_uplinks(l, err) ||
	       pin_programs(l, err) ? -1 : 0;
}

/* Everything that can be refused is checked before anything is touched. */
static int check_input(const struct options *o, char *err)
{
	char path[PATH_MAX];
	uint64_t id;
	int fd;

	if (cli_cgroup_path(o, path, sizeof(path), err))
		return -1;
	fd = cgroup_open(path, &id, err);
	if (fd < 0)
		return -1;
	close(fd);
	if (geteuid() != 0)
		return errf(err, "load needs root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN)");
	return 0;
}

int cmd_load(const struct options *o)
{
	struct load l = { .o = o, .dir = o->bpffs };
	char err[ERR_LEN], undo_err[ERR_LEN];
	bool adopting;
	int lock = -1, ret = EXIT_FAILED;

	if (check_input(o, err)) {
		report_error(err);
		return EXIT_USAGE;
	}
	if (ifaces_list(&l.ifs, &l.n_ifs, err) || pins_prepare(l.dir, err))
		goto out;
	lock = pins_lock(l.dir, err);
	if (lock < 0)
		goto out;
	adopting = pins_loaded(l.dir);
	if (adopting && check_layout(l.dir, err))
		goto out;
	if (enforce(&l, err)) {
		/* A first load that fails leaves nothing behind; a reload that
		 * fails leaves the old enforcement, now partly updated. */
		if (!adopting && teardown(l.dir, undo_err))
			fprintf(stderr, "ksbpf: cleanup: %s\n", undo_err);
		goto out;
	}
	printf("ksbpf: %s %s: cgroup egress + %d uplink%s guarded, %d tunnel%s up\n",
	       adopting ? "updated" : "loaded", l.dir, l.n_uplinks,
	       l.n_uplinks == 1 ? "" : "s", l.n_tunnels_up,
	       l.n_tunnels_up == 1 ? "" : "s");
	ret = EXIT_OK;
out:
	if (ret)
		report_error(err);
	ksbpf_bpf__destroy(l.skel);
	free(l.ifs);
	if (lock >= 0)
		close(lock);
	return ret;
}
