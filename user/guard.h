/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Keeping the interfaces of the namespace guarded: the tunnel ifindex set,
 * a TC program on every uplink, and the record of both. Used by `load` with
 * freshly loaded programs and by everything after it with the pinned ones.
 */
#ifndef KSBPF_GUARD_H
#define KSBPF_GUARD_H

#include "attach.h"
#include "ifaces.h"
#include "maps.h"
#include "policy.h"

struct guard {
	const char *dir;
	enum tc_mode_choice tc_mode;
	int prog_tc;		/* uplinks with an Ethernet header */
	int prog_l3;		/* raw-IP uplinks */
	int prog_tc_in;		/* the same, ingress (--block-inbound) */
	int prog_l3_in;
	bool block_inbound;
	struct map_fds maps;
	const struct policy *names;	/* which interfaces are tunnels */
};

bool guard_is_uplink(const struct guard *g, const struct iface *ifc);
/* Attaches or refreshes the TC program of one uplink and records it. */
int guard_attach_uplink(struct guard *g, const struct iface *ifc, char *err);
/* Detaches an uplink's TC program, if ksbpf has one there. */
void guard_forget_uplink(struct guard *g, unsigned int ifindex);
int guard_set_tunnel(struct guard *g, const struct iface *ifc, char *err);
void guard_clear_tunnel(struct guard *g, unsigned int ifindex);

struct guard_counts {
	int uplinks;
	int tunnels_up;
};

/* Brings everything in line with ifs, the full list of interfaces, and
 * the tunnel addresses with the active tunnels. */
int guard_reconcile(struct guard *g, const struct iface *ifs, size_t n,
		    struct guard_counts *counts, char *err);

/* For commands that run after `load`: programs and maps from the pins. */
int guard_open_pinned(struct guard *g, const char *dir, char *err);
void guard_close(struct guard *g);

#endif
