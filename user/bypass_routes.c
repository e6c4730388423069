// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "bypass_routes.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bypass_rules.h"
#include "err.h"
#include "route_msg.h"
#include "rtnl.h"

static const uint8_t families[2] = { AF_INET, AF_INET6 };

static const char *family_name(uint8_t family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* The kernel was built or booted without this family (ipv6.disable=1). */
static bool family_absent(int ret)
{
	return ret == -EAFNOSUPPORT || ret == -EPFNOSUPPORT;
}

bool bypass_routes_equal(const struct ksbpf_bypass_route *a,
			 const struct ksbpf_bypass_route *b)
{
	return a->mark == b->mark && a->table == b->table &&
	       a->priority == b->priority;
}

struct route_list {
	uint32_t table;
	uint8_t family;
	struct route_msg *v;
	size_t n, cap;
};

/* One dump of a family fills both tables' lists (ours may be NULL). */
struct route_dump {
	struct route_list *lists[2];
};

static struct route_msg *next_slot(struct route_list *l)
{
	struct route_msg *grown;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;

		grown = realloc(l->v, cap * sizeof(*l->v));
		if (!grown)
			return NULL;
		l->v = grown;
		l->cap = cap;
	}
	return &l->v[l->n];
}

static int collect_route(const struct nlmsghdr *nh, void *ctx)
{
	struct route_dump *d = ctx;
	struct route_msg r;

	/* Not a route, or one too big to copy: not ours to mirror. */
	if (route_msg_parse(nh, &r))
		return 0;
	for (size_t i = 0; i < 2; i++) {
		struct route_list *l = d->lists[i];
		struct route_msg *slot;

		if (!l || r.table != l->table || r.family != l->family)
			continue;
		slot = next_slot(l);
		if (!slot)
			return -ENOMEM;
		*slot = r;
		l->n++;
	}
	return 0;
}

static int dump_routes(struct rtnl *rt, struct route_list *a, struct route_list *b)
{
	struct route_dump d = { .lists = { a, b } };

	a->n = 0;
	if (b)
		b->n = 0;
	return rtnl_dump(rt, RTM_GETROUTE, a->family, sizeof(struct rtmsg),
			 collect_route, &d);
}

/* Lists are sorted by content: thousands of container veths bring as many
 * link-local routes, and every batch of events compares both tables. */
static int by_content(const void *a, const void *b)
{
	const struct route_msg *x = a, *y = b;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return memcmp(x->body, y->body, x->len);
}

static void sort_routes(struct route_list *l)
{
	qsort(l->v, l->n, sizeof(*l->v), by_content);
}

static bool listed(const struct route_list *l, const struct route_msg *m)
{
	return bsearch(m, l->v, l->n, sizeof(*l->v), by_content) != NULL;
}

static bool has_default(const struct route_list *l, uint8_t type)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].dst_len == 0 && l->v[i].type == type)
			return true;
	return false;
}

static int change_route(struct rtnl *rt, uint16_t type, uint16_t flags,
			const struct route_msg *m, uint32_t table)
{
	struct {
		struct nlmsghdr nh;
		char body[ROUTE_MSG_MAX + 16];
	} req = {
		.nh = {
			.nlmsg_len = NLMSG_LENGTH(m->len),
			.nlmsg_type = type,
			.nlmsg_flags = flags,
		},
	};

	memcpy(req.body, m->body, m->len);
	return rtnl_put_u32(&req.nh, sizeof(req), RTA_TABLE, table) ? -ENOSPC :
	       rtnl_call(rt, &req.nh);
}

/* Added beside a route of the same destination and metric, not over it
 * (IPv4 keeps both, IPv6 makes them one multipath route): a changed route's
 * new form goes in before its old form leaves, and two routes that main
 * holds side by side are both copied. */
static int add_route(struct rtnl *rt, const struct route_msg *m, uint32_t table)
{
	int ret = change_route(rt, RTM_NEWROUTE, NLM_F_CREATE, m, table);

	return ret == -EEXIST ? 0 : ret;
}

/* Lowest preference: any real default route is chosen before it. */
static int add_unreachable_default(struct rtnl *rt, uint8_t family, uint32_t table)
{
	struct {
		struct nlmsghdr nh;
		struct rtmsg rtm;
		char attrs[32];
	} req = {
		.nh = {
			.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg)),
			.nlmsg_type = RTM_NEWROUTE,
			.nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL,
		},
		.rtm = {
			.rtm_family = family,
			.rtm_protocol = RTPROT_STATIC,
			.rtm_scope = RT_SCOPE_UNIVERSE,
			.rtm_type = RTN_UNREACHABLE,
		},
	};
	int ret = rtnl_put_u32(&req.nh, sizeof(req), RTA_PRIORITY, 0xffffffffu) ||
		  rtnl_put_u32(&req.nh, sizeof(req), RTA_TABLE, table) ? -ENOSPC :
		  rtnl_call(rt, &req.nh);

	return ret == -EEXIST ? 0 : ret;
}

struct family_sync {
	struct rtnl *rt;
	const struct ksbpf_bypass_route *r;
	const unsigned int *tunnels;
	size_t n_tunnels;
	struct route_list main, ours;
	struct rule_list rules;		/* ksbpf's, as found */
	unsigned int default_devs[ROUTE_MSG_MAX_DEVS];	/* of the kept defaults */
	size_t n_default_devs;
	int first_error;
};

static void note_error(struct family_sync *s, int ret)
{
	if (ret && !s->first_error)
		s->first_error = ret;
}

static void note_default(struct family_sync *s, const struct route_msg *m)
{
	for (size_t i = 0; m->dst_len == 0 && i < m->n_devs; i++)
		if (s->n_default_devs < ROUTE_MSG_MAX_DEVS)
			s->default_devs[s->n_default_devs++] = m->devs[i];
}

/* Main's routes that bypass apps may take. */
static void keep_mirrored(struct family_sync *s)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->main.n; i++)
		if (route_msg_mirrored(&s->main.v[i], s->tunnels, s->n_tunnels))
			s->main.v[kept++] = s->main.v[i];
	s->main.n = kept;
}

/* Links before gateways: a gateway must be reachable when its route goes
 * in. */
static void add_missing(struct family_sync *s, bool links)
{
	for (size_t i = 0; i < s->main.n; i++) {
		const struct route_msg *m = &s->main.v[i];

		if ((m->scope >= RT_SCOPE_LINK) != links || listed(&s->ours, m))
			continue;
		note_error(s, add_route(s->rt, m, s->r->table));
	}
}

/* A default route of ours outlives main's while main has none of its own
 * outside the tunnels: "ip route replace default dev wg0" took it. */
static bool still_wanted(const struct family_sync *s, const struct route_msg *m,
			 bool main_default)
{
	if (m->type != RTN_UNICAST)
		return true;
	if (listed(&s->main, m))
		return true;
	return m->dst_len == 0 && !main_default &&
	       !route_msg_via_tunnel(m, s->tunnels, s->n_tunnels);
}

static void sync_routes(struct family_sync *s)
{
	bool main_default;
	int ret;

	keep_mirrored(s);
	sort_routes(&s->main);
	sort_routes(&s->ours);
	main_default = has_default(&s->main, RTN_UNICAST);
	for (size_t i = 0; i < s->main.n; i++)
		note_default(s, &s->main.v[i]);
	add_missing(s, true);
	add_missing(s, false);
	if (!has_default(&s->ours, RTN_UNREACHABLE))
		note_error(s, add_unreachable_default(s->rt, s->main.family, s->r->table));
	for (size_t i = 0; i < s->ours.n; i++) {
		if (still_wanted(s, &s->ours.v[i], main_default)) {
			if (s->ours.v[i].type == RTN_UNICAST && !main_default)
				note_default(s, &s->ours.v[i]);
			continue;
		}
		ret = change_route(s->rt, RTM_DELROUTE, 0, &s->ours.v[i], s->r->table);
		/* gone already: replaced by its successor, or its device went */
		if (ret != -ESRCH && ret != -ENOENT)
			note_error(s, ret);
	}
}

/* The mark's rule, and for IPv4 one per address of the default routes'
 * devices (struct rule says why). */
static int sync_family_rules(struct family_sync *s, uint8_t family)
{
	struct rule_list want = { .r = s->r };
	struct rule mark = { .mark = s->r->mark };
	int ret = 0;

	bypass_rule_add(&want, &mark);
	if (family == AF_INET)
		ret = bypass_rules_add_sources(s->rt, s->default_devs, s->n_default_devs, &want);
	return ret ? ret : bypass_rules_sync(s->rt, family, &s->rules, &want);
}

static int sync_family(struct family_sync *s, uint8_t family, char *err)
{
	int ret;

	s->main = (struct route_list){ .table = RT_TABLE_MAIN, .family = family,
				       .v = s->main.v, .cap = s->main.cap };
	s->ours = (struct route_list){ .table = s->r->table, .family = family,
				       .v = s->ours.v, .cap = s->ours.cap };
	s->n_default_devs = 0;
	s->first_error = 0;
	/* First: only the rules say whether the kernel has the family. */
	s->rules.r = s->r;
	ret = bypass_rules_dump(s->rt, family, &s->rules);
	if (family_absent(ret))
		return 0;
	if (!ret)
		ret = dump_routes(s->rt, &s->main, &s->ours);
	if (ret)
		return errf(err, "bypass routing: read the %s rules and routes: %s",
			    family_name(family), strerror(-ret));
	/* The routes that went in serve at once, with the rules. */
	sync_routes(s);
	ret = sync_family_rules(s, family);
	if (ret)
		return errf(err, "bypass routing: %s rules to table %u at priority %u: %s",
			    family_name(family), s->r->table, s->r->priority,
			    strerror(-ret));
	if (s->first_error)
		return errf(err, "bypass routing: copy %s routes to table %u: %s",
			    family_name(family), s->r->table, strerror(-s->first_error));
	return 0;
}

static int with_rtnl(struct rtnl *rt, char *err)
{
	int ret = rtnl_open(rt);

	return ret ? errf(err, "bypass routing: netlink socket: %s", strerror(-ret)) : 0;
}

int bypass_routes_sync(const struct ksbpf_bypass_route *r,
		       const unsigned int *tunnels, size_t n_tunnels, char *err)
{
	struct family_sync s = { .r = r, .tunnels = tunnels, .n_tunnels = n_tunnels };
	struct rtnl rt;
	int ret = 0;

	if (with_rtnl(&rt, err))
		return -1;
	s.rt = &rt;
	for (size_t i = 0; i < 2 && !ret; i++)
		ret = sync_family(&s, families[i], err);
	free(s.main.v);
	free(s.ours.v);
	rtnl_close(&rt);
	return ret;
}

static int flush_table(struct rtnl *rt, uint8_t family, uint32_t table)
{
	struct route_list ours = { .table = table, .family = family };
	int ret = dump_routes(rt, &ours, NULL);

	for (size_t i = 0; !ret && i < ours.n; i++) {
		ret = change_route(rt, RTM_DELROUTE, 0, &ours.v[i], table);
		if (ret == -ESRCH || ret == -ENOENT)
			ret = 0;
	}
	free(ours.v);
	return ret;
}

int bypass_routes_remove(const struct ksbpf_bypass_route *r,
			 const struct ksbpf_bypass_route *successor, char *err)
{
	bool keep_table = successor && successor->mark && successor->table == r->table;
	bool keep_sources = keep_table && successor->priority == r->priority;
	struct rtnl rt;
	int ret = 0;

	if (with_rtnl(&rt, err))
		return -1;
	for (size_t i = 0; i < 2; i++) {
		ret = keep_sources ? bypass_rules_drop_mark(&rt, families[i], r) :
				     bypass_rules_remove(&rt, families[i], r);
		if (!ret && !keep_table)
			ret = flush_table(&rt, families[i], r->table);
		if (ret && !family_absent(ret))
			break;
		ret = 0;
	}
	rtnl_close(&rt);
	return ret ? errf(err, "bypass routing: remove rules and table %u: %s",
			  r->table, strerror(-ret)) : 0;
}

int bypass_routes_read(const struct ksbpf_bypass_route *r,
		       struct bypass_routes_state *st, char *err)
{
	struct route_list ours = { .table = r->table };
	struct rule mark = { .mark = r->mark };
	struct rule_list rules = { .r = r };
	struct rtnl rt;
	int ret = 0;

	memset(st, 0, sizeof(*st));
	if (with_rtnl(&rt, err))
		return -1;
	for (size_t i = 0; i < 2 && !ret; i++) {
		ret = bypass_rules_dump(&rt, families[i], &rules);
		if (family_absent(ret)) {
			ret = 0;
			continue;
		}
		st->family[i] = true;
		st->rule[i] = bypass_rule_listed(&rules, &mark);
		ours.family = families[i];
		if (!ret)
			ret = dump_routes(&rt, &ours, NULL);
		for (size_t k = 0; !ret && k < ours.n; k++) {
			if (ours.v[k].type != RTN_UNICAST)
				continue;
			st->routes[i]++;
			st->default_route[i] |= ours.v[k].dst_len == 0;
		}
	}
	free(ours.v);
	rtnl_close(&rt);
	return ret ? errf(err, "bypass routing: read rules and table %u: %s",
			  r->table, strerror(-ret)) : 0;
}
