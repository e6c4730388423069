// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "roles.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Pod interfaces of the CNIs that route to each pod by a veth of its own
 * instead of a bridge. Only veth and netkit interfaces are matched: a NIC
 * that happens to carry such a name stays an uplink. */
static const char *const pod_patterns[] = { "cali*", "lxc*", NULL };

const char *role_name(enum role role)
{
	switch (role) {
	case ROLE_LOOPBACK:
		return "loopback";
	case ROLE_TUNNEL:
		return "tunnel";
	case ROLE_UPLINK:
		return "uplink";
	case ROLE_LOCAL:
		return "local";
	}
	return "?";
}

static bool is_kind(const struct iface *ifc, const char *kind)
{
	return !strcmp(ifc->kind, kind);
}

static bool is_pair(const struct iface *ifc)
{
	return is_kind(ifc, "veth") || is_kind(ifc, "netkit");
}

/* What it is written to arrives in another namespace of this host (veth,
 * netkit) or is read by a process here (tun/tap), which is judged itself. */
static bool leads_into_host(const struct iface *ifc)
{
	return is_pair(ifc) || is_kind(ifc, "tun");
}

static bool is_pod_interface(const struct iface *ifc)
{
	for (const char *const *pattern = pod_patterns; *pattern; pattern++)
		if (ifname_matches(*pattern, ifc->name))
			return true;
	return false;
}

/* A name that both kinds of pattern match is an uplink: judged. */
static const struct iface_rule *rule_for(const struct policy *p,
					 const struct iface *ifc)
{
	const struct iface_rule *found = NULL;

	for (unsigned int i = 0; i < p->n_iface_rules; i++) {
		const struct iface_rule *r = &p->iface_rules[i];

		if (!ifname_matches(r->pattern, ifc->name))
			continue;
		if (r->role == KSBPF_ROLE_UPLINK)
			return r;
		found = r;
	}
	return found;
}

static int by_ifindex(const void *a, const void *b)
{
	const struct iface *x = *(const struct iface *const *)a;
	const struct iface *y = *(const struct iface *const *)b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static const struct iface *find(const struct iface **sorted, size_t n,
				unsigned int ifindex)
{
	struct iface key = { .ifindex = ifindex };
	const struct iface *k = &key, **hit;

	if (!ifindex)
		return NULL;
	hit = bsearch(&k, sorted, n, sizeof(*sorted), by_ifindex);
	return hit ? *hit : NULL;
}

static void set(struct iface_role *r, enum role role, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set(struct iface_role *r, enum role role, const char *fmt, ...)
{
	va_list ap;

	r->role = role;
	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
}

/* Everything but a bridge's own role, which its ports decide. */
static void assign_own(const struct policy *p, const struct iface *ifc,
		       const struct iface *master, struct iface_role *r)
{
	const struct iface_rule *rule = rule_for(p, ifc);

	if (ifc->loopback)
		set(r, ROLE_LOOPBACK, "loopback");
	else if (policy_is_tunnel(p, ifc->name))
		set(r, ROLE_TUNNEL, "named as a tunnel");
	else if (rule)
		set(r, (enum role)rule->role, "--%s %s",
		    rule->role == KSBPF_ROLE_LOCAL ? "local" : "uplink", rule->pattern);
	else if (is_kind(ifc, "bridge"))
		set(r, ROLE_LOCAL, "bridge without a wire port");
	else if (master && is_kind(master, "bridge") && leads_into_host(ifc))
		set(r, ROLE_LOCAL, "port of bridge %s, into this host", master->name);
	else if (is_pair(ifc) && is_pod_interface(ifc))
		set(r, ROLE_LOCAL, "pod interface (%s)", ifc->name);
	else if (is_pair(ifc))
		set(r, ROLE_UPLINK, "%s not in a bridge: its peer's namespace may "
		    "reach a wire", ifc->kind);
	else if (!ifc->kind[0])
		set(r, ROLE_UPLINK, "hardware");
	else
		set(r, ROLE_UPLINK, "%s: may reach a wire", ifc->kind);
}

int roles_assign(const struct policy *p, const struct iface *ifs, size_t n,
		 struct iface_role *out)
{
	const struct iface **sorted = malloc((n ? n : 1) * sizeof(*sorted));

	if (!sorted)
		return -1;
	for (size_t i = 0; i < n; i++)
		sorted[i] = &ifs[i];
	qsort(sorted, n, sizeof(*sorted), by_ifindex);
	for (size_t i = 0; i < n; i++)
		assign_own(p, &ifs[i], find(sorted, n, ifs[i].master), &out[i]);
	/* A bridge with a port that reaches a wire reaches it too, unless a
	 * rule says otherwise (the port keeps its own TC program). */
	for (size_t i = 0; i < n; i++) {
		const struct iface *master = find(sorted, n, ifs[i].master);
		size_t m;

		if (!master || !is_kind(master, "bridge") || out[i].role != ROLE_UPLINK)
			continue;
		m = (size_t)(master - ifs);
		if (out[m].role == ROLE_LOCAL && !rule_for(p, master))
			set(&out[m], ROLE_UPLINK, "bridge with wire port %s", ifs[i].name);
	}
	free(sorted);
	return 0;
}
