// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "events.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup.h"
#include "json.h"
#include "names.h"

#define NAME_CACHE 64

uint64_t events_last_seq(const struct map_fds *m)
{
	__u32 zero = 0;
	__u64 seq = 0;

	bpf_map_lookup_elem(m->event_seq, &zero, &seq);
	return seq;
}

int events_read(const struct map_fds *m, uint64_t after,
		struct ksbpf_event *out, size_t *n, uint64_t *lost,
		uint64_t *last)
{
	uint64_t first;

	*n = 0;
	*lost = 0;
	*last = events_last_seq(m);
	if (*last <= after)
		return 0;
	first = after + 1;
	if (*last - after > KSBPF_EVENT_RING) {
		first = *last - KSBPF_EVENT_RING + 1;
		*lost = first - after - 1;
	}
	for (uint64_t seq = first; seq <= *last; seq++) {
		__u32 slot = (__u32)(seq % KSBPF_EVENT_RING);

		/* A slot rewritten meanwhile holds a newer seq: skip it. */
		if (!bpf_map_lookup_elem(m->events, &slot, &out[*n]) &&
		    out[*n].seq == seq)
			(*n)++;
	}
	return 0;
}

uint64_t events_suppressed(const struct map_fds *m)
{
	int ncpus = libbpf_num_possible_cpus();
	struct ksbpf_event_budget *percpu;
	uint64_t sum = 0;

	if (ncpus <= 0 || !(percpu = calloc((size_t)ncpus, sizeof(*percpu))))
		return 0;
	for (__u32 r = 0; r < KSBPF_REASON_MAX; r++)
		if (!bpf_map_lookup_elem(m->event_budget, &r, percpu))
			for (int cpu = 0; cpu < ncpus; cpu++)
				sum += percpu[cpu].suppressed;
	free(percpu);
	return sum;
}

struct cached_name {
	uint64_t id;
	char name[KSBPF_APP_PATH_LEN];
};

struct event_names {
	struct cached_name cgroups[NAME_CACHE];
	unsigned int next;
};

struct event_names *event_names_new(void)
{
	return calloc(1, sizeof(struct event_names));
}

void event_names_free(struct event_names *names)
{
	free(names);
}

static const char *cgroup_name(struct event_names *names, uint64_t id)
{
	struct cached_name *c;

	if (!id)
		return "";
	for (unsigned int i = 0; i < NAME_CACHE; i++)
		if (names->cgroups[i].id == id)
			return names->cgroups[i].name;
	c = &names->cgroups[names->next++ % NAME_CACHE];
	c->id = id;
	if (cgroup_path_of(id, c->name, sizeof(c->name)))
		snprintf(c->name, sizeof(c->name), "cgroup:%llu", (unsigned long long)id);
	return c->name;
}

static void ifname(uint32_t ifindex, char *buf)
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
}

static void address(const struct ksbpf_event *e, const uint8_t *addr,
		    char *buf, size_t len)
{
	int af = e->family == KSBPF_AF_INET ? AF_INET : AF_INET6;

	if (!e->family || !inet_ntop(af, addr, buf, (socklen_t)len))
		snprintf(buf, len, "-");
}

static const char *proto_name(const struct ksbpf_event *e, char *buf)
{
	switch (e->proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	default:
		if (!e->family)
			return "non-ip";
		snprintf(buf, 8, "%u", e->proto);
		return buf;
	}
}

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* Wall-clock time minus boot time. Two readings of the clocks differ by a
 * few nanoseconds, enough to print one drop at two different milliseconds
 * (its text line and its JSON): the offset is kept until the wall clock is
 * set (a step of more than a millisecond). */
static int64_t boot_to_wall_ns(void)
{
	static int64_t kept;
	static bool known;
	struct timespec real, boot;
	int64_t now;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	now = ns_of(&real) - ns_of(&boot);
	if (!known || now - kept > 1000000 || kept - now > 1000000)
		kept = now;
	known = true;
	return kept;
}

/* CLOCK_BOOTTIME to wall-clock time, "2026-11-23T18:55:01.123Z". */
static void wall_time(uint64_t boot_ns, char *buf, size_t len)
{
	int64_t ns = boot_to_wall_ns() + (int64_t)boot_ns;
	struct tm tm;
	time_t secs;

	secs = (time_t)(ns / 1000000000);
	gmtime_r(&secs, &tm);
	len = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm) ? len : 0;
	if (len)
		snprintf(buf + strlen(buf), len - strlen(buf), ".%03dZ",
			 (int)(ns % 1000000000 / 1000000));
}

struct described {
	char time[32];
	char ifname[IF_NAMESIZE];
	char src[INET6_ADDRSTRLEN];
	char dst[INET6_ADDRSTRLEN];
	char proto_buf[8];
	const char *proto;
	const char *cgroup;
};

static void describe(const struct ksbpf_event *e, struct event_names *names,
		     struct described *d)
{
	wall_time(e->time_ns, d->time, sizeof(d->time));
	ifname(e->ifindex, d->ifname);
	address(e, e->saddr, d->src, sizeof(d->src));
	address(e, e->daddr, d->dst, sizeof(d->dst));
	d->proto = proto_name(e, d->proto_buf);
	d->cgroup = cgroup_name(names, e->cgroup_id);
}

void event_format(const struct ksbpf_event *e, struct event_names *names,
		  char *buf, size_t len)
{
	struct described d;
	char sport[8] = "", dport[8] = "";

	bool v6_ports = e->family == KSBPF_AF_INET6 && (e->sport || e->dport);

	describe(e, names, &d);
	if (e->sport || e->dport) {
		snprintf(sport, sizeof(sport), ":%u", e->sport);
		snprintf(dport, sizeof(dport), ":%u", e->dport);
	}
	/* [2001:db8::1]:443, so that the port cannot be read as address. */
	snprintf(buf, len, "%s drop %-12s %-13s %-8s %s %s%s%s%s -> %s%s%s%s len %u%s%s",
		 d.time, reason_name(e->reason), hook_name(e->hook), d.ifname,
		 d.proto, v6_ports ? "[" : "", d.src, v6_ports ? "]" : "", sport,
		 v6_ports ? "[" : "", d.dst, v6_ports ? "]" : "", dport, e->len,
		 e->cgroup_id ? " cgroup " : "", d.cgroup);
}

void event_print_json(const struct ksbpf_event *e, struct event_names *names,
		      FILE *out)
{
	struct described d;
	struct json j;

	describe(e, names, &d);
	json_init(&j, out);
	json_object_begin(&j);
	json_key(&j, "seq");
	json_uint(&j, e->seq);
	json_key(&j, "time");
	json_string(&j, d.time);
	json_key(&j, "verdict");
	json_string(&j, "drop");
	json_key(&j, "reason");
	json_string(&j, reason_name(e->reason));
	json_key(&j, "hook");
	json_string(&j, hook_name(e->hook));
	json_key(&j, "ifindex");
	json_uint(&j, e->ifindex);
	json_key(&j, "interface");
	json_string(&j, d.ifname);
	json_key(&j, "cgroup_id");
	json_uint(&j, e->cgroup_id);
	json_key(&j, "cgroup");
	if (e->cgroup_id)
		json_string(&j, d.cgroup);
	else
		json_null(&j);
	json_key(&j, "family");
	json_string(&j, e->family == KSBPF_AF_INET ? "ipv4" :
		    e->family == KSBPF_AF_INET6 ? "ipv6" : "other");
	json_key(&j, "protocol");
	json_string(&j, d.proto);
	json_key(&j, "src");
	if (e->family)
		json_string(&j, d.src);
	else
		json_null(&j);
	json_key(&j, "dst");
	if (e->family)
		json_string(&j, d.dst);
	else
		json_null(&j);
	json_key(&j, "sport");
	json_uint(&j, e->sport);
	json_key(&j, "dport");
	json_uint(&j, e->dport);
	json_key(&j, "len");
	json_uint(&j, e->len);
	json_object_end(&j);
	json_finish(&j);
}
