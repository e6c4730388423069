// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "bypass_rules.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

static bool same_rule(const struct rule *a, const struct rule *b)
{
	return a->mark == b->mark && a->src_len == b->src_len &&
	       !memcmp(a->src, b->src, sizeof(a->src));
}

bool bypass_rule_listed(const struct rule_list *l, const struct rule *x)
{
	for (size_t i = 0; i < l->n; i++)
		if (same_rule(&l->v[i], x))
			return true;
	return false;
}

void bypass_rule_add(struct rule_list *l, const struct rule *x)
{
	if (l->n < MAX_RULES && !bypass_rule_listed(l, x))
		l->v[l->n++] = *x;
}

/* A selector ksbpf's rules never have: such a rule is someone else's. */
static bool foreign_selector(const struct rtattr *rta)
{
	uint32_t v;

	switch (rta->rta_type) {
	case FRA_DST:
	case FRA_IIFNAME:
	case FRA_OIFNAME:
	case FRA_FLOW:
	case FRA_GOTO:
	case FRA_TUN_ID:
	case FRA_L3MDEV:
	case FRA_UID_RANGE:
	case FRA_IP_PROTO:
	case FRA_SPORT_RANGE:
	case FRA_DPORT_RANGE:
		return true;
	case FRA_SUPPRESS_PREFIXLEN:	/* dumped always; unset is -1 */
	case FRA_SUPPRESS_IFGROUP:
		if (RTA_PAYLOAD(rta) != sizeof(v))
			return true;
		memcpy(&v, RTA_DATA(rta), sizeof(v));
		return v != 0xffffffffu;
	default:
		return false;
	}
}

static int collect_rule(const struct nlmsghdr *nh, void *ctx)
{
	const struct fib_rule_hdr *frh = NLMSG_DATA(nh);
	struct rule_list *l = ctx;
	uint32_t priority = 0, mask = 0, table;
	struct rule x = { 0 };
	const struct rtattr *rta;
	bool foreign;
	int left;

	if (nh->nlmsg_type != RTM_NEWRULE || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*frh)))
		return 0;
	foreign = frh->dst_len || frh->tos || frh->action != FR_ACT_TO_TBL ||
		  (frh->flags & FIB_RULE_INVERT);
	table = frh->table;
	x.src_len = frh->src_len;
	left = (int)(nh->nlmsg_len - NLMSG_LENGTH(sizeof(*frh)));
	for (rta = (const struct rtattr *)((const char *)frh + NLMSG_ALIGN(sizeof(*frh)));
	     RTA_OK(rta, left); rta = RTA_NEXT(rta, left)) {
		uint32_t v = 0;

		foreign |= foreign_selector(rta);
		if (rta->rta_type == FRA_SRC && RTA_PAYLOAD(rta) <= sizeof(x.src))
			memcpy(x.src, RTA_DATA(rta), RTA_PAYLOAD(rta));
		if (RTA_PAYLOAD(rta) != sizeof(v))
			continue;
		memcpy(&v, RTA_DATA(rta), sizeof(v));
		switch (rta->rta_type) {
		case FRA_PRIORITY: priority = v; break;
		case FRA_FWMARK: x.mark = v; break;
		case FRA_FWMASK: mask = v; break;
		case FRA_TABLE: table = v; break;
		default: break;
		}
	}
	/* The mark's rule, or a source rule: another mark at this priority
	 * and table is an earlier setting's, retired on its own. */
	if (!foreign && priority == l->r->priority && table == l->r->table &&
	    (x.mark ? x.mark == l->r->mark && mask == 0xffffffffu : x.src_len > 0))
		bypass_rule_add(l, &x);
	return 0;
}

int bypass_rules_dump(struct rtnl *rt, uint8_t family, struct rule_list *l)
{
	l->n = 0;
	return rtnl_dump(rt, RTM_GETRULE, family, sizeof(struct fib_rule_hdr),
			 collect_rule, l);
}

static int change_rule(struct rtnl *rt, uint16_t type, uint16_t flags,
		       uint8_t family, const struct ksbpf_bypass_route *r,
		       const struct rule *x)
{
	struct {
		struct nlmsghdr nh;
		struct fib_rule_hdr frh;
		char attrs[96];
	} req = {
		.nh = {
			.nlmsg_len = NLMSG_LENGTH(sizeof(struct fib_rule_hdr)),
			.nlmsg_type = type,
			.nlmsg_flags = flags,
		},
		.frh = { .family = family, .action = FR_ACT_TO_TBL,
			 .src_len = x->src_len },
	};
	size_t addr_len = family == AF_INET ? 4 : 16;
	int ret = rtnl_put_u32(&req.nh, sizeof(req), FRA_PRIORITY, r->priority) ||
		  rtnl_put_u32(&req.nh, sizeof(req), FRA_TABLE, r->table);

	if (x->mark)
		ret = ret || rtnl_put_u32(&req.nh, sizeof(req), FRA_FWMARK, x->mark) ||
		      rtnl_put_u32(&req.nh, sizeof(req), FRA_FWMASK, 0xffffffffu);
	else
		ret = ret || rtnl_put(&req.nh, sizeof(req), FRA_SRC, x->src, addr_len);
	return ret ? -ENOSPC : rtnl_call(rt, &req.nh);
}

int bypass_rules_sync(struct rtnl *rt, uint8_t family, const struct rule_list *have,
		      const struct rule_list *want)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < want->n; i++)
		if (!bypass_rule_listed(have, &want->v[i])) {
			ret = change_rule(rt, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL,
					  family, want->r, &want->v[i]);
			ret = ret == -EEXIST ? 0 : ret;
		}
	for (size_t i = 0; !ret && i < have->n; i++)
		if (!bypass_rule_listed(want, &have->v[i])) {
			ret = change_rule(rt, RTM_DELRULE, 0, family, want->r, &have->v[i]);
			ret = ret == -ENOENT || ret == -ESRCH ? 0 : ret;
		}
	return ret;
}

int bypass_rules_remove(struct rtnl *rt, uint8_t family,
			const struct ksbpf_bypass_route *r)
{
	struct rule_list have = { .r = r }, none = { .r = r };
	int ret = bypass_rules_dump(rt, family, &have);

	return ret ? ret : bypass_rules_sync(rt, family, &have, &none);
}

int bypass_rules_drop_mark(struct rtnl *rt, uint8_t family,
			   const struct ksbpf_bypass_route *r)
{
	struct rule_list have = { .r = r }, want = { .r = r };
	int ret = bypass_rules_dump(rt, family, &have);

	for (size_t i = 0; !ret && i < have.n; i++)
		if (!have.v[i].mark)
			bypass_rule_add(&want, &have.v[i]);
	return ret ? ret : bypass_rules_sync(rt, family, &have, &want);
}

struct address_search {
	const unsigned int *devs;
	size_t n_devs;
	struct rule_list *rules;
};

static int collect_address(const struct nlmsghdr *nh, void *ctx)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nh);
	struct address_search *s = ctx;
	const struct rtattr *rta;
	int left;
	bool wanted = false;

	if (nh->nlmsg_type != RTM_NEWADDR || nh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return 0;
	for (size_t i = 0; i < s->n_devs; i++)
		wanted |= s->devs[i] == ifa->ifa_index;
	left = (int)IFA_PAYLOAD(nh);
	for (rta = IFA_RTA(ifa); wanted && RTA_OK(rta, left); rta = RTA_NEXT(rta, left)) {
		struct rule x = { .src_len = 32 };

		if (rta->rta_type != IFA_LOCAL || RTA_PAYLOAD(rta) != 4)
			continue;
		memcpy(x.src, RTA_DATA(rta), 4);
		bypass_rule_add(s->rules, &x);
	}
	return 0;
}

int bypass_rules_add_sources(struct rtnl *rt, const unsigned int *devs,
			    size_t n_devs, struct rule_list *rules)
{
	struct address_search s = { .devs = devs, .n_devs = n_devs, .rules = rules };

	return n_devs ? rtnl_dump(rt, RTM_GETADDR, AF_INET, sizeof(struct ifaddrmsg),
				  collect_address, &s) : 0;
}
