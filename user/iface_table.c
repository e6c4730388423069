// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "iface_table.h"

#include <stdlib.h>

void iface_table_reset(struct iface_table *t, struct iface *ifs, size_t n)
{
	free(t->ifs);
	t->ifs = ifs;
	t->n = t->cap = n;
}

static struct iface *find(struct iface_table *t, unsigned int ifindex)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->ifs[i].ifindex == ifindex)
			return &t->ifs[i];
	return NULL;
}

int iface_table_apply(struct iface_table *t, const struct link_event *ev)
{
	struct iface *known = find(t, ev->iface.ifindex);

	if (ev->deleted) {
		if (known)
			*known = t->ifs[--t->n];
		return 0;
	}
	if (known) {
		*known = ev->iface;
		return 0;
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct iface *grown = realloc(t->ifs, cap * sizeof(*grown));

		if (!grown)
			return -1;
		t->ifs = grown;
		t->cap = cap;
	}
	t->ifs[t->n++] = ev->iface;
	return 0;
}

void iface_table_free(struct iface_table *t)
{
	free(t->ifs);
	t->ifs = NULL;
	t->n = t->cap = 0;
}
