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
#include <syslog.h>
#include <unistd.h>

#include "build_id.h"
#include "bypass_routes.h"
#include "cgroup.h"
#include "bpf_log.h"
#include "compat.h"
#include "commands.h"
#include "kfeatures.h"
#include "ksbpf.skel.h"
#include "guard.h"
#include "pins.h"
#include "snapshot.h"

struct load {
	const struct options *o;
	const char *dir;
	struct ksbpf_bpf *skel;
	struct guard guard;
	struct kernel_features features;
	struct policy *tunnel_names;	/* configured and run-time ones */
	struct guard_counts counts;
	struct ksbpf_bypass_route old_route;	/* what the pins routed by */
	struct iface *ifs;
	struct guard_result *results;
	size_t n_ifs;
};

/* What is pinned must be this build's layout, and this namespace's. */
static int check_adoptable(const char *dir, char *err)
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
	return maps_check_netns(&cfg, dir, err);
}

/* The kernel refused to load the programs: which one, and why. */
static int load_refused(int ret, char *err)
{
	char refusal[ERR_LEN - 128];

	if (ret == -EPERM || ret == -EACCES)
		return errf(err, "load BPF programs: %s (needs root, or CAP_BPF and "
			    "CAP_NET_ADMIN)", strerror(-ret));
	if (bpf_log_refusal(refusal, sizeof(refusal)))
		return errf(err, "the kernel refused program %s (`ksbpf check` lists "
			    "what this kernel lacks; --debug shows the verifier's log)",
			    refusal);
	return errf(err, "load BPF programs: %s (`ksbpf check` lists what this "
		    "kernel lacks; --debug shows libbpf's messages)", strerror(-ret));
}

/* A pinned map keeps the shape it was created with (libbpf reuses a pin
 * only if it matches): the uplink maps of an earlier load, or of an
 * earlier version, keep theirs; --max-uplinks sizes them at a first load. */
static int size_uplink_map(struct load *l, struct bpf_map *map, char *err)
{
	int fd = pin_open(l->dir, bpf_map__name(map));
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	int ret;

	if (fd < 0)
		return bpf_map__set_max_entries(map, l->o->max_uplinks) ?
			errf(err, "size %s: %s", bpf_map__name(map), strerror(errno)) : 0;
	ret = bpf_obj_get_info_by_fd(fd, &info, &len);
	close(fd);
	if (ret)
		return errf(err, "read %s/%s: %s", l->dir, bpf_map__name(map),
			    strerror(errno));
	if (info.max_entries != l->o->max_uplinks && l->o->max_uplinks_given)
		report_at(LOG_NOTICE, "note: %s keeps room for %u uplinks until "
			"`ksbpf unload` (--max-uplinks %u)", bpf_map__name(map),
			info.max_entries, l->o->max_uplinks);
	if (bpf_map__set_max_entries(map, info.max_entries) ||
	    bpf_map__set_map_flags(map, info.map_flags))
		return errf(err, "size %s: %s", bpf_map__name(map), strerror(errno));
	return 0;
}

static int open_skeleton(struct load *l, char *err)
{
	DECLARE_LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = l->dir);
	int ret;

	l->skel = ksbpf_bpf__open_opts(&opts);
	if (!l->skel)
		return errf(err, "open BPF object: %s", strerror(errno));
	if (size_uplink_map(l, l->skel->maps.ksbpf_uplinks, err) ||
	    size_uplink_map(l, l->skel->maps.ksbpf_uplink_stats, err))
		return -1;
	features_probe(&l->features);
	features_select(l->skel, &l->features);
	build_id_embed(l->skel);
	ret = ksbpf_bpf__load(l->skel);
	if (ret)
		return load_refused(ret, err);
	l->guard = (struct guard){
		.dir = l->dir,
		.tc_mode = l->o->tc_mode,
		.prog_tc = bpf_program__fd(l->skel->progs.ksbpf_tc_egress),
		.prog_l3 = bpf_program__fd(l->skel->progs.ksbpf_l3_egress),
		.prog_tc_in = bpf_program__fd(l->skel->progs.ksbpf_tc_ingress),
		.prog_l3_in = bpf_program__fd(l->skel->progs.ksbpf_l3_ingress),
		.block_inbound = l->o->policy.block_inbound,
		.swap_programs = true,
	};
	return maps_from_object(l->skel->obj, &l->guard.maps, err);
}

/* It records sockets' namespaces (kernels without bpf_get_netns_cookie()
 * in cgroup_skb) and marks bypass apps' sockets for their routes. */
static int attach_sock_create(struct load *l, int cgroup_fd, uint64_t id,
			      char *err)
{
	return attach_cgroup(bpf_program__fd(l->skel->progs.ksbpf_sock_create),
			     cgroup_fd, id, BPF_CGROUP_INET_SOCK_CREATE,
			     PIN_LINK_CG_SOCK_CREATE, l->dir, err);
}

static int attach_cgroup_programs(struct load *l, char *err)
{
	char path[PATH_MAX];
	uint64_t id;
	int fd, ret;

	if (cli_cgroup_path(l->o, path, sizeof(path), err))
		return -1;
	fd = cgroup_open(path, &id, err);
	if (fd < 0)
		return -1;
	/* Sockets record their namespace before the egress program needs it. */
	ret = attach_sock_create(l, fd, id, err) ||
	      attach_cgroup(bpf_program__fd(l->skel->progs.ksbpf_cg_egress), fd, id,
			    BPF_CGROUP_INET_EGRESS, PIN_LINK_CG_EGRESS, l->dir, err) ||
	      attach_cgroup(bpf_program__fd(l->skel->progs.ksbpf_sockopt), fd, id,
			    BPF_CGROUP_SETSOCKOPT, PIN_LINK_CG_SOCKOPT, l->dir, err) ||
	      compat_guard_attach(l->dir, l->skel->maps.ksbpf_guarded_cgroup, fd, err) ? -1 : 0;
	if (!ret && l->o->policy.block_inbound)
		ret = attach_cgroup(bpf_program__fd(l->skel->progs.ksbpf_cg_ingress), fd,
				    id, BPF_CGROUP_INET_INGRESS, PIN_LINK_CG_INGRESS,
				    l->dir, err);
	else if (!ret)
		detach_cgroup(PIN_LINK_CG_INGRESS, l->dir);
	close(fd);
	return ret;
}

static int pin_programs(struct load *l, char *err)
{
	return pin_replace(bpf_program__fd(l->skel->progs.ksbpf_cg_egress),
			   l->dir, PIN_PROG_CG_EGRESS, err) ||
	       pin_replace(bpf_program__fd(l->skel->progs.ksbpf_tc_egress),
			   l->dir, PIN_PROG_TC_EGRESS, err) ||
	       pin_replace(bpf_program__fd(l->skel->progs.ksbpf_l3_egress),
			   l->dir, PIN_PROG_L3_EGRESS, err) ||
	       pin_replace(bpf_program__fd(l->skel->progs.ksbpf_sockopt),
			   l->dir, PIN_PROG_CG_SOCKOPT, err) ||
	       pin_replace(bpf_program__fd(l->skel->progs.ksbpf_cg_ingress),
			   l->dir, PIN_PROG_CG_INGRESS, err) ||
	       pin_replace(bpf_program__fd(l->skel->progs.ksbpf_tc_ingress),
			   l->dir, PIN_PROG_TC_INGRESS, err) ||
	       pin_replace(bpf_program__fd(l->skel->progs.ksbpf_l3_ingress),
			   l->dir, PIN_PROG_L3_INGRESS, err) ||
	       pin_replace(bpf_program__fd(l->skel->progs.ksbpf_sock_create),
			   l->dir, PIN_PROG_CG_SOCK_CREATE, err) ? -1 : 0;
}

/* The pinned name list is the truth: it also holds `ksbpf tunnel add`s. */
static int read_tunnel_names(struct load *l, char *err)
{
	l->tunnel_names = calloc(1, sizeof(*l->tunnel_names));
	if (!l->tunnel_names)
		return errf(err, "tunnel names: %s", strerror(ENOMEM));
	maps_read_interface_policy(&l->guard.maps, l->tunnel_names);
	l->guard.names = l->tunnel_names;
	return 0;
}

/* What status must know of the mechanisms chosen for this kernel. */
static uint32_t kernel_flags(const struct load *l)
{
	return l->features.skb_netns_cookie ? 0 : KSBPF_F_NETNS_RECORDED;
}

static int enforce(struct load *l, char *err)
{
	uint64_t netns = current_netns_cookie();

	/* 0 would make the BPF side judge every container's sockets here. */
	if (!netns)
		return errf(err, "read this network namespace's cookie "
			    "(SO_NETNS_COOKIE): %s", strerror(errno));
	if (open_skeleton(l, err))
		return -1;
	maps_read_bypass_route(&l->guard.maps, &l->old_route);
	return maps_sync_policy(&l->guard.maps, &l->o->policy, netns,
				kernel_flags(l), err) ||
	       read_tunnel_names(l, err) ||
	       guard_reconcile(&l->guard, l->ifs, l->n_ifs, l->results,
			       &l->counts, err) ||
	       attach_cgroup_programs(l, err) ||
	       pin_programs(l, err) ? -1 : 0;
}

/* Once the pinned setting is another (a load that failed later, too), the
 * rules and table of the old one go. */
static void retire_old_routes(const struct load *l)
{
	struct ksbpf_bypass_route now;
	char err[ERR_LEN];

	if (!l->old_route.mark)	/* also: the maps were never opened */
		return;
	maps_read_bypass_route(&l->guard.maps, &now);
	if (bypass_routes_equal(&l->old_route, &now))
		return;
	if (bypass_routes_remove(&l->old_route, &now, err))
		report_at(LOG_WARNING, "%s", err);
}

/* Bypass routing is not the kill switch: a failure is said, and load still
 * succeeds. */
static void report_routing(const struct load *l)
{
	if (l->guard.routing_error[0])
		report_at(LOG_WARNING, "bypass apps are NOT routed by the uplinks: %s",
			l->guard.routing_error);
}

/* Enforcement is in place, but not on these: room runs out only at a limit
 * the admin set, so it is said, not retried. */
static void report_full(const struct load *l)
{
	for (size_t i = 0; i < l->n_ifs; i++)
		if (l->results[i].outcome == UPLINK_FULL)
			report_at(LOG_WARNING, "uplink %s NOT guarded: ksbpf_uplinks is "
				"full (%u entries; --max-uplinks, after `ksbpf unload`)",
				l->ifs[i].name,
				bpf_map__max_entries(l->skel->maps.ksbpf_uplinks));
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
	return 0;
}

/* What ExecReload= runs before SIGHUP, so that `systemctl reload` fails
 * on a configuration the agent would refuse. */
static int report_dry_run(const struct options *o)
{
	const struct policy *p = &o->policy;

	printf("ksbpf: configuration OK (nothing changed): %u tunnel name%s, "
	       "%u endpoint%s, %u endpoint mark%s, %u LAN range%s, %u LAN resolver%s\n",
	       p->n_tunnels, p->n_tunnels == 1 ? "" : "s", p->n_endpoints,
	       p->n_endpoints == 1 ? "" : "s", p->n_endpoint_marks,
	       p->n_endpoint_marks == 1 ? "" : "s", p->n_lans, p->n_lans == 1 ? "" : "s",
	       p->n_lan_dns, p->n_lan_dns == 1 ? "" : "s");
	return EXIT_OK;
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
	if (o->dry_run)
		return report_dry_run(o);
	if (ifaces_list(&l.ifs, &l.n_ifs, err) || pins_prepare(l.dir, err))
		goto out;
	l.results = calloc(l.n_ifs ? l.n_ifs : 1, sizeof(*l.results));
	if (!l.results) {
		errf(err, "out of memory");
		goto out;
	}
	lock = pins_lock(l.dir, err);
	if (lock < 0)
		goto out;
	adopting = pins_loaded(l.dir);
	if (adopting && check_adoptable(l.dir, err))
		goto out;
	if (enforce(&l, err)) {
		/* A first load that fails leaves nothing behind; a reload that
		 * fails leaves the old enforcement, now partly updated. */
		if (!adopting && teardown(l.dir, undo_err))
			report_at(LOG_ERR, "cleanup: %s", undo_err);
		goto out;
	}
	printf("ksbpf: %s %s: cgroup egress + %d uplink%s guarded, %d local link%s, "
	       "%d tunnel%s up\n", adopting ? "updated" : "loaded", l.dir,
	       l.counts.uplinks, l.counts.uplinks == 1 ? "" : "s", l.counts.local,
	       l.counts.local == 1 ? "" : "s", l.counts.tunnels_up,
	       l.counts.tunnels_up == 1 ? "" : "s");
	report_full(&l);
	report_routing(&l);
	ret = EXIT_OK;
out:
	retire_old_routes(&l);
	if (ret)
		report_error(err);
	ksbpf_bpf__destroy(l.skel);
	guard_forget(&l.guard);
	free(l.tunnel_names);
	free(l.ifs);
	free(l.results);
	if (lock >= 0) {
		close(lock);
		snapshot_refresh(o, "load");
	}
	return ret;
}
