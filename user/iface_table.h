/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* A picture of the namespace's interfaces, one entry per ifindex: a dump
 * fills it (ifaces_list), and the agent keeps it current from link events,
 * so that a bridge's role can follow its ports without a dump per event. */
#ifndef KSBPF_IFACE_TABLE_H
#define KSBPF_IFACE_TABLE_H

#include <stddef.h>
#include "link_event.h"

struct iface_table {
	struct iface *ifs;
	size_t n, cap;
};

/* Takes ownership of ifs (from ifaces_list). */
void iface_table_reset(struct iface_table *t, struct iface *ifs, size_t n);
/* Adds, replaces or removes one interface; -1 when out of memory. */
int iface_table_apply(struct iface_table *t, const struct link_event *ev);
void iface_table_free(struct iface_table *t);

#endif
