/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Drop events (include/ksbpf.h explains the ring), rate-limited per reason
 * and CPU so that a flood of drops costs a counter, not a log. */
#ifndef KSBPF_EVENTS_H
#define KSBPF_EVENTS_H

#include "maps.h"
#include "packet.h"

#define NSEC_PER_SEC 1000000000ull

static __always_inline bool within_budget(enum ksbpf_reason reason, __u64 now)
{
	__u32 key = reason;
	struct ksbpf_event_budget *b = bpf_map_lookup_elem(&ksbpf_event_budget, &key);

	if (!b)
		return false;
	if (now - b->window_start_ns >= NSEC_PER_SEC) {
		b->window_start_ns = now;
		b->emitted = 0;
	}
	if (b->emitted >= KSBPF_EVENTS_PER_SEC) {
		b->suppressed++;
		return false;
	}
	b->emitted++;
	return true;
}

static __always_inline void ksbpf_report_drop(struct __sk_buff *skb,
					      enum ksbpf_hook hook,
					      enum ksbpf_reason reason,
					      const struct packet *p)
{
	struct ksbpf_event *e;
	__u32 zero = 0, slot;
	__u64 *last, seq;

	/* The coarse clock (~1 ns; the precise one costs ~40) is enough for a
	 * one-second budget: a drop over it pays nothing more. */
	if (!within_budget(reason, bpf_ktime_get_coarse_ns()))
		return;
	last = bpf_map_lookup_elem(&ksbpf_event_seq, &zero);
	if (!last)
		return;
	seq = __sync_fetch_and_add(last, 1) + 1;
	slot = seq % KSBPF_EVENT_RING;
	e = bpf_map_lookup_elem(&ksbpf_events, &slot);
	if (!e)
		return;
	e->seq = 0;	/* readers skip a slot being rewritten */
	e->time_ns = bpf_ktime_get_boot_ns();
	e->cgroup_id = bpf_skb_cgroup_id(skb);	/* 0: no socket */
	e->ifindex = skb->ifindex;
	e->len = skb->len;
	e->hook = hook;
	e->reason = reason;
	e->family = p->family == PACKET_ARP || p->family == PACKET_EAPOL ? 0 : p->family;
	e->proto = p->proto;
	e->sport = p->has_ports ? p->sport : 0;
	e->dport = p->has_ports ? p->dport : 0;
	__builtin_memcpy(e->saddr, p->saddr, sizeof(e->saddr));
	__builtin_memcpy(e->daddr, p->daddr, sizeof(e->daddr));
	e->seq = seq;
}

#endif /* KSBPF_EVENTS_H */
