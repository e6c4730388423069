// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "guard.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bypass_routes.h"
#include "err.h"
#include "pins.h"

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

/* The record goes in first, so that a full map refuses before anything is
 * attached, and a program is never attached without its record. *up is
 * the old record, or a new one with no TC mode yet; false and *why_not if
 * there is none. */
static bool reserve_record(struct guard *g, const struct iface *ifc,
			   struct ksbpf_uplink *up, enum uplink_outcome *why_not,
			   char *err)
{
	if (!bpf_map_lookup_elem(g->maps.uplinks, &ifc->ifindex, up))
		return true;
	memset(up, 0, sizeof(*up));
	memcpy(up->name, ifc->name, sizeof(up->name));
	if (!bpf_map_update_elem(g->maps.uplinks, &ifc->ifindex, up, BPF_NOEXIST))
		return true;
	*why_not = errno == E2BIG ? UPLINK_FULL : UPLINK_FAILED;
	if (*why_not == UPLINK_FAILED)
		errf(err, "record uplink %s: %s", ifc->name, strerror(errno));
	return false;
}

/* Attaches or refreshes the TC programs of one uplink and records them. */
static enum uplink_outcome attach_uplink(struct guard *g, const struct iface *ifc,
					 char *err)
{
	enum uplink_outcome why_not;
	unsigned int mode_before;
	struct ksbpf_uplink up;
	bool is_new;

	if (!reserve_record(g, ifc, &up, &why_not, err))
		return why_not;
	mode_before = up.tc_mode;
	is_new = !mode_before;
	/* A recorded uplink keeps its TC mode: a swap, never a detach. */
	if (attach_tc(ifc->raw_ip ? g->prog_l3 : g->prog_tc, ifc, TC_EGRESS,
		      g->tc_mode, &up.tc_mode, g->dir, err) ||
	    sync_ingress(g, ifc, mode_before, &up, err)) {
		if (is_new)
			bpf_map_delete_elem(g->maps.uplinks, &ifc->ifindex);
		return UPLINK_FAILED;
	}
	if (strcmp(up.name, ifc->name) || is_new)	/* new, or the ifindex was reused */
		bpf_map_delete_elem(g->maps.uplink_stats, &ifc->ifindex);
	add_uplink_stats(g, ifc->ifindex);
	memcpy(up.name, ifc->name, sizeof(up.name));
	up.raw_ip = ifc->raw_ip;
	if (bpf_map_update_elem(g->maps.uplinks, &ifc->ifindex, &up, BPF_ANY)) {
		errf(err, "record uplink %s: %s", ifc->name, strerror(errno));
		return UPLINK_FAILED;
	}
	return UPLINK_GUARDED;
}

/* Already guarded by this build's programs, or by a load that refreshed. */
static bool already_guarded(const struct guard *g, const struct iface *ifc)
{
	struct ksbpf_uplink up;

	return !g->swap_programs &&
	       !bpf_map_lookup_elem(g->maps.uplinks, &ifc->ifindex, &up) &&
	       up.tc_mode && !strcmp(up.name, ifc->name) && up.raw_ip == ifc->raw_ip &&
	       (bool)up.ingress == g->block_inbound;
}

/* Detaches an uplink's TC programs, if ksbpf has them there. */
static void forget_uplink(struct guard *g, unsigned int ifindex)
{
	struct ksbpf_uplink up;

	if (bpf_map_lookup_elem(g->maps.uplinks, &ifindex, &up))
		return;
	if (up.tc_mode)
		detach_tc(ifindex, TC_EGRESS, up.tc_mode, g->dir);
	if (up.ingress)
		detach_tc(ifindex, TC_INGRESS, up.tc_mode, g->dir);
	bpf_map_delete_elem(g->maps.uplinks, &ifindex);
	bpf_map_delete_elem(g->maps.uplink_stats, &ifindex);
}

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return (x > y) - (x < y);
}

static bool is_uplink(const struct guard_result *r)
{
	return r->outcome != UPLINK_NONE;	/* a failed swap keeps its program */
}

static bool is_tunnel(const struct guard_result *r)
{
	return r->role.role == ROLE_TUNNEL;
}

/* The ifindexes whose result is such, sorted; NULL if out of memory. */
static __u32 *ifindexes_where(const struct iface *ifs, const struct guard_result *out,
			      size_t n, bool (*such)(const struct guard_result *),
			      size_t *count)
{
	__u32 *set = malloc((n ? n : 1) * sizeof(*set));

	*count = 0;
	if (!set)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (such(&out[i]))
			set[(*count)++] = ifs[i].ifindex;
	qsort(set, *count, sizeof(*set), cmp_u32);
	return set;
}

/* Recorded uplinks that are gone or have another role now: collected
 * first, as deleting while walking would restart the walk. */
static void forget_stale_uplinks(struct guard *g, const struct iface *ifs,
				 const struct guard_result *out, size_t n)
{
	size_t n_uplinks, count = 0, cap = 0;
	__u32 *uplinks = ifindexes_where(ifs, out, n, is_uplink, &n_uplinks);
	__u32 *stale = NULL, key, next;
	bool first = true;

	if (!uplinks)
		return;	/* the next reconcile does it */
	while (!bpf_map_get_next_key(g->maps.uplinks, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (bsearch(&key, uplinks, n_uplinks, sizeof(*uplinks), cmp_u32))
			continue;
		if (count == cap) {
			__u32 *grown = realloc(stale, (cap = cap * 2 + 64) * sizeof(*stale));

			if (!grown)
				break;
			stale = grown;
		}
		stale[count++] = key;
	}
	for (size_t i = 0; i < count; i++)
		forget_uplink(g, stale[i]);
	free(stale);
	free(uplinks);
}

static int guard_uplinks(struct guard *g, const struct iface *ifs, size_t n,
			 struct guard_result *out, struct guard_counts *counts,
			 char *err)
{
	char why[ERR_LEN];
	int ret = 0;

	for (size_t i = 0; i < n; i++) {
		out[i].outcome = UPLINK_NONE;
		counts->local += out[i].role.role == ROLE_LOCAL;
		if (out[i].role.role != ROLE_UPLINK)
			continue;
		out[i].outcome = already_guarded(g, &ifs[i]) ? UPLINK_GUARDED :
				 attach_uplink(g, &ifs[i], why);
		counts->uplinks += out[i].outcome == UPLINK_GUARDED;
		counts->full += out[i].outcome == UPLINK_FULL;
		if (out[i].outcome != UPLINK_FAILED)
			continue;
		/* Gone since it was listed: its removal is another event. */
		if (!if_indextoname(ifs[i].ifindex, (char[IF_NAMESIZE]){ 0 }))
			continue;
		/* The others still get guarded; the caller hears of it. */
		if (!ret)
			ret = errf(err, "%s", why);
	}
	return ret;
}

/* Kept for the route events that come between reconciles. */
static void keep_tunnels(struct guard *g, const struct iface *ifs,
			 const struct guard_result *out, size_t n)
{
	size_t count;
	__u32 *kept = ifindexes_where(ifs, out, n, is_tunnel, &count);

	if (!kept)
		return;	/* the last set stays */
	free(g->tunnel_ifindexes);
	g->tunnel_ifindexes = kept;
	g->n_tunnel_ifindexes = count;
}

void guard_route_bypass(struct guard *g)
{
	struct ksbpf_bypass_route r;

	g->routing_error[0] = '\0';
	/* After `ksbpf unload` the maps an agent holds still name the rules
	 * that unload removed: they must not come back. */
	if (!pins_loaded(g->dir))
		return;
	maps_read_bypass_route(&g->maps, &r);
	if (r.mark)
		bypass_routes_sync(&r, g->tunnel_ifindexes, g->n_tunnel_ifindexes,
				   g->routing_error);
}

int guard_reconcile(struct guard *g, const struct iface *ifs, size_t n,
		    struct guard_result *out, struct guard_counts *counts,
		    char *err)
{
	struct iface_role *roles = calloc(n ? n : 1, sizeof(*roles));
	bool tunnels_changed;
	char why[ERR_LEN];
	int tunnels, ret;

	memset(counts, 0, sizeof(*counts));
	if (!roles || roles_assign(g->names, ifs, n, roles)) {
		free(roles);
		return errf(err, "interface roles: %s", strerror(ENOMEM));
	}
	for (size_t i = 0; i < n; i++)
		out[i].role = roles[i];
	free(roles);
	ret = guard_uplinks(g, ifs, n, out, counts, err);
	tunnels = maps_sync_tunnels(&g->maps, g->names, ifs, n, &tunnels_changed,
				    ret ? why : err);
	/* Addresses come and go with their own events (the agent follows
	 * them); here only a changed tunnel set needs them read again. */
	if (tunnels < 0 || ((tunnels_changed || g->swap_programs) &&
			    maps_sync_tunnel_addrs(&g->maps, ret ? why : err)))
		return ret ? ret : -1;
	counts->tunnels_up = tunnels;
	forget_stale_uplinks(g, ifs, out, n);
	keep_tunnels(g, ifs, out, n);
	guard_route_bypass(g);
	return ret;
}

int guard_reconcile_all(struct guard *g, struct guard_counts *counts, char *err)
{
	struct guard_result *out = NULL;
	struct iface *ifs = NULL;
	size_t n = 0;
	int ret = -1;

	memset(counts, 0, sizeof(*counts));
	if (!ifaces_list(&ifs, &n, err)) {
		out = calloc(n ? n : 1, sizeof(*out));
		ret = out ? guard_reconcile(g, ifs, n, out, counts, err) :
			    errf(err, "interface roles: %s", strerror(ENOMEM));
	}
	free(out);
	free(ifs);
	return ret;
}

static void close_programs(struct guard *g)
{
	int *progs[] = { &g->prog_tc, &g->prog_l3, &g->prog_tc_in, &g->prog_l3_in };

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		if (*progs[i] >= 0)
			close(*progs[i]);
		*progs[i] = -1;
	}
}

/* The programs a load pinned last, and the options they go with. */
static int open_programs(struct guard *g, char *err)
{
	struct ksbpf_config cfg = { 0 };

	maps_read_config(&g->maps, &cfg);
	g->block_inbound = cfg.flags & KSBPF_F_BLOCK_INBOUND;
	g->prog_tc = pin_open(g->dir, PIN_PROG_TC_EGRESS);
	g->prog_l3 = pin_open(g->dir, PIN_PROG_L3_EGRESS);
	g->prog_tc_in = pin_open(g->dir, PIN_PROG_TC_INGRESS);
	g->prog_l3_in = pin_open(g->dir, PIN_PROG_L3_INGRESS);
	if (g->prog_tc < 0 || g->prog_l3 < 0 || g->prog_tc_in < 0 || g->prog_l3_in < 0) {
		errf(err, "open pinned programs in %s: %s", g->dir, strerror(errno));
		close_programs(g);
		return -1;
	}
	return 0;
}

int guard_open_pinned(struct guard *g, const char *dir, char *err)
{
	g->dir = dir;
	g->prog_tc = g->prog_l3 = g->prog_tc_in = g->prog_l3_in = -1;
	g->tunnel_ifindexes = NULL;
	g->n_tunnel_ifindexes = 0;
	g->routing_error[0] = '\0';
	if (maps_open_pinned(dir, &g->maps, err))
		return -1;
	if (open_programs(g, err)) {
		maps_close(&g->maps);
		return -1;
	}
	return 0;
}

static uint32_t prog_id(int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

int guard_follow_load(struct guard *g, bool *followed, char *err)
{
	int pinned = pin_open(g->dir, PIN_PROG_TC_EGRESS);
	bool same = pinned < 0 || prog_id(pinned) == prog_id(g->prog_tc);

	*followed = false;
	if (pinned >= 0)
		close(pinned);
	if (same)
		return 0;	/* or unloaded meanwhile: nothing newer to take */
	close_programs(g);
	*followed = true;
	return open_programs(g, err);
}

void guard_forget(struct guard *g)
{
	free(g->tunnel_ifindexes);
	g->tunnel_ifindexes = NULL;
	g->n_tunnel_ifindexes = 0;
}

void guard_close(struct guard *g)
{
	guard_forget(g);
	maps_close(&g->maps);
	close_programs(g);
}
