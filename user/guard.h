/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Keeping the interfaces of the namespace guarded: the tunnel ifindex set,
 * a TC program on every uplink (roles.h says which interfaces are), and the
 * record of both. Used by `load` with freshly loaded programs and by
 * everything after it with the pinned ones.
 */
#ifndef KSBPF_GUARD_H
#define KSBPF_GUARD_H

#include "attach.h"
#include "err.h"
#include "ifaces.h"
#include "maps.h"
#include "policy.h"
#include "roles.h"

struct guard {
	const char *dir;
	enum tc_mode_choice tc_mode;
	int prog_tc;		/* uplinks with an Ethernet header */
	int prog_l3;		/* raw-IP uplinks */
	int prog_tc_in;		/* the same, ingress (--block-inbound) */
	int prog_l3_in;
	bool block_inbound;
	struct map_fds maps;
	const struct policy *names;	/* tunnels, --uplink and --local */
	bool swap_programs;	/* load: every uplink gets these programs;
				 * otherwise only new uplinks get them */
	unsigned int *tunnel_ifindexes;	/* sorted, from the last reconcile */
	size_t n_tunnel_ifindexes;
	char routing_error[ERR_LEN];	/* of the last guard_route_bypass(); "" */
};

/* What became of one interface. */
enum uplink_outcome {
	UPLINK_NONE,		/* not an uplink */
	UPLINK_GUARDED,		/* its TC program is attached and recorded */
	UPLINK_FULL,		/* not guarded: ksbpf_uplinks has no room */
	UPLINK_FAILED,		/* not guarded: the kernel refused (err) */
};

struct guard_result {
	struct iface_role role;
	enum uplink_outcome outcome;
};

struct guard_counts {
	int uplinks;		/* guarded */
	int local;
	int full;		/* uplinks left unguarded for want of room */
	int tunnels_up;
};

/* Brings everything in line with ifs, the full list of interfaces: TC
 * programs where roles_assign() finds uplinks, none elsewhere, the tunnel
 * set and its addresses. out[i] (room for n) says what became of ifs[i].
 * Additions come before removals, so an interface that changes role is at
 * every moment a tunnel, guarded by TC, or both. An uplink left unguarded
 * for want of room is counted, not an error: retrying cannot help. */
int guard_reconcile(struct guard *g, const struct iface *ifs, size_t n,
		    struct guard_result *out, struct guard_counts *counts,
		    char *err);
/* Bypass apps' routes (bypass_routes.h) follow the main table, past the
 * tunnels of the last reconcile, which ends with it. Its failure is not
 * enforcement's: it is kept in g->routing_error, "" when routing is in
 * place. */
void guard_route_bypass(struct guard *g);
/* The same, for callers that only need the counts. */
int guard_reconcile_all(struct guard *g, struct guard_counts *counts, char *err);

/* For commands that run after `load`: programs and maps from the pins. */
int guard_open_pinned(struct guard *g, const char *dir, char *err);
/* A `ksbpf load` since (an upgrade, other options) pinned other programs:
 * take those, and its --block-inbound, for the uplinks still to come.
 * *followed says whether it did. */
int guard_follow_load(struct guard *g, bool *followed, char *err);
/* Frees what reconciles keep; closes nothing. */
void guard_forget(struct guard *g);
void guard_close(struct guard *g);

#endif
