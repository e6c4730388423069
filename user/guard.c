// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "guard.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "pins.h"

bool guard_is_uplink(const struct guard *g, const struct iface *ifc)
{
	return !ifc->loopback && !policy_is_tunnel(g->names, ifc->name);
}

/* The program only counts an uplink the loader has made an entry for. */
static void add_uplink_stats(struct guard *g, unsigned int ifindex)
{
	int ncpus = libbpf_num_possible_cpus();
	struct ksbpf_counter_pair *zero;

	if (ncpus <= 0 || !(zero = calloc((size_t)ncpus, sizeof(*zero))))
		return;
	bpf_map_update_elem(g->maps.uplink_stats, &ifindex, zero, BPF_NOEXIST);
	free(zero);
}

/* The ingress program follows --block-inbound, in the egress program's
 * mode; *up says what was attached before and is updated. */
static int sync_ingress(struct guard *g, const struct iface *ifc,
			unsigned int mode_before, struct ksbpf_uplink *up, char *err)
{
	unsigned int in_mode = up->ingress ? mode_before : 0;

	if (!g->block_inbound) {
		if (up->ingress)
			detach_tc(ifc->ifindex, TC_INGRESS, mode_before, g->dir);
		up->ingress = 0;
		return 0;
	}
	if (attach_tc(ifc->raw_ip ? g->prog_l3_in : g->prog_tc_in, ifc, TC_INGRESS,
		      up->tc_mode == KSBPF_TC_TCX ? TC_MODE_TCX : TC_MODE_LEGACY,
		      &in_mode, g->dir, err))
		return -1;
	up->ingress = 1;
	return 0;
}

int guard_attach_uplink(struct guard *g, const struct iface *ifc, char *err)
{
	struct ksbpf_uplink up = { 0 };
	unsigned int mode_before;

	/* A recorded uplink keeps its TC mode: a swap, never a detach. */
	bpf_map_lookup_elem(g->maps.uplinks, &ifc->ifindex, &up);
	mode_before = up.tc_mode;
	if (attach_tc(ifc->raw_ip ? g->prog_l3 : g->prog_tc, ifc, TC_EGRESS,
		      g->tc_mode, &up.tc_mode, g->dir, err) ||
	    sync_ingress(g, ifc, mode_before, &up, err))
		return -1;
	if (strcmp(up.name, ifc->name))	/* new, or the ifindex was reused */
		bpf_map_delete_elem(g->maps.uplink_stats, &ifc->ifindex);
	add_uplink_stats(g, ifc->ifindex);
	memcpy(up.name, ifc->name, sizeof(up.name));
	up.raw_ip = ifc->raw_ip;
	if (bpf_map_update_elem(g->maps.uplinks, &ifc->ifindex, &up, BPF_ANY))
		return errf(err, "record uplink %s: %s", ifc->name, strerror(errno));
	return 0;
}

void guard_forget_uplink(struct guard *g, unsigned int ifindex)
{
	struct ksbpf_uplink up;

	if (bpf_map_lookup_elem(g->maps.uplinks, &ifindex, &up))
		return;
	detach_tc(ifindex, TC_EGRESS, up.tc_mode, g->dir);
	if (up.ingress)
		detach_tc(ifindex, TC_INGRESS, up.tc_mode, g->dir);
	bpf_map_delete_elem(g->maps.uplinks, &ifindex);
	bpf_map_delete_elem(g->maps.uplink_stats, &ifindex);
}

int guard_set_tunnel(struct guard *g, const struct iface *ifc, char *err)
{
	struct ksbpf_tunnel t = { 0 };

	memcpy(t.name, ifc->name, sizeof(t.name));
	if (bpf_map_update_elem(g->maps.tunnels, &ifc->ifindex, &t, BPF_ANY))
		return errf(err, "tunnel %s: update ksbpf_tunnels: %s", ifc->name,
			    strerror(errno));
	return 0;
}

void guard_clear_tunnel(struct guard *g, unsigned int ifindex)
{
	bpf_map_delete_elem(g->maps.tunnels, &ifindex);
}

static const struct iface *find_iface(const struct iface *ifs, size_t n,
				      unsigned int ifindex)
{
	for (size_t i = 0; i < n; i++)
		if (ifs[i].ifindex == ifindex)
			return &ifs[i];
	return NULL;
}

/* Recorded uplinks that are gone or now tunnels: collected first, as
 * deleting while walking would restart the walk. */
static void forget_stale_uplinks(struct guard *g, const struct iface *ifs,
				 size_t n)
{
	__u32 stale[KSBPF_MAX_UPLINKS], key, next;
	size_t count = 0;
	bool first = true;

	while (count < KSBPF_MAX_UPLINKS &&
	       !bpf_map_get_next_key(g->maps.uplinks, first ? NULL : &key, &next)) {
		const struct iface *ifc = find_iface(ifs, n, next);

		first = false;
		key = next;
		if (!ifc || !guard_is_uplink(g, ifc))
			stale[count++] = key;
	}
	for (size_t i = 0; i < count; i++)
		guard_forget_uplink(g, stale[i]);
}

/* Additions before removals, so that an interface changing role (renamed
 * into or out of a tunnel name) is at every moment a tunnel, guarded by TC,
 * or both. */
int guard_reconcile(struct guard *g, const struct iface *ifs, size_t n,
		    struct guard_counts *counts, char *err)
{
	int tunnels;

	char why[ERR_LEN];
	int ret = 0;

	counts->uplinks = 0;
	for (size_t i = 0; i < n; i++) {
		if (!guard_is_uplink(g, &ifs[i]))
			continue;
		if (!guard_attach_uplink(g, &ifs[i], why)) {
			counts->uplinks++;
			continue;
		}
		/* Gone since it was listed: its removal is another event. */
		if (!if_indextoname(ifs[i].ifindex, (char[IF_NAMESIZE]){ 0 }))
			continue;
		/* The others still get guarded; the caller hears of it. */
		if (!ret)
			ret = errf(err, "%s", why);
	}
	tunnels = maps_sync_tunnels(&g->maps, g->names, ifs, n, ret ? why : err);
	if (tunnels < 0 || maps_sync_tunnel_addrs(&g->maps, ret ? why : err))
		return ret ? ret : -1;
	counts->tunnels_up = tunnels;
	forget_stale_uplinks(g, ifs, n);
	return ret;
}

int guard_open_pinned(struct guard *g, const char *dir, char *err)
{
	g->dir = dir;
	struct ksbpf_config cfg = { 0 };

	g->prog_tc = g->prog_l3 = g->prog_tc_in = g->prog_l3_in = -1;
	if (maps_open_pinned(dir, &g->maps, err))
		return -1;
	maps_read_config(&g->maps, &cfg);
	g->block_inbound = cfg.flags & KSBPF_F_BLOCK_INBOUND;
	g->prog_tc = pin_open(dir, PIN_PROG_TC_EGRESS);
	g->prog_l3 = pin_open(dir, PIN_PROG_L3_EGRESS);
	g->prog_tc_in = pin_open(dir, PIN_PROG_TC_INGRESS);
	g->prog_l3_in = pin_open(dir, PIN_PROG_L3_INGRESS);
	if (g->prog_tc < 0 || g->prog_l3 < 0 || g->prog_tc_in < 0 || g->prog_l3_in < 0) {
		errf(err, "open pinned programs in %s: %s", dir, strerror(errno));
		guard_close(g);
		return -1;
	}
	return 0;
}

void guard_close(struct guard *g)
{
	int *progs[] = { &g->prog_tc, &g->prog_l3, &g->prog_tc_in, &g->prog_l3_in };

	maps_close(&g->maps);
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		if (*progs[i] >= 0)
			close(*progs[i]);
		*progs[i] = -1;
	}
}
