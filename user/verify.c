// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `ksbpf verify`: the self-test every kill-switch guide asks for, without
 * sending a packet. Crafted probes go through the pinned programs that
 * enforce, with BPF_PROG_TEST_RUN, as if this process sent them through an
 * uplink: a leak probe must be dropped by both hooks.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "json.h"
#include "maps.h"
#include "names.h"
#include "pins.h"

#define PROBE_SPORT 47000	/* + probe index */
#define CG_PASS 1
#define TC_NEXT -1

enum probe_kind { LEAK, EXPECTED_PASS, INFO };

struct probe {
	char name[96];
	uint8_t proto;
	char dst[INET6_ADDRSTRLEN];
	uint16_t dport;
	enum probe_kind kind;
	uint32_t mark;
	uint32_t ifindex;	/* 0: the uplink */
};

struct hook_result {
	bool ran;
	bool pass;
	const char *reason;	/* drops only, from ksbpf_probe_counters */
};

struct probe_result {
	struct hook_result cg, tc;
};

struct frame {
	uint8_t bytes[128];
	uint32_t len;
};

/* Ethernet (unless raw) + IPv4/IPv6 + the first bytes of TCP/UDP. */
static int build_frame(const struct probe *p, uint16_t sport, bool raw,
		       struct frame *f)
{
	uint8_t *ip, *l4, addr[16];
	bool v6 = strchr(p->dst, ':');
	uint32_t iplen = v6 ? 40 : 20, l4len = p->proto == IPPROTO_TCP ? 20 : 8;

	memset(f, 0, sizeof(*f));
	if (inet_pton(v6 ? AF_INET6 : AF_INET, p->dst, addr) != 1)
		return -1;
	ip = raw ? f->bytes : f->bytes + ETH_HLEN;
	if (!raw) {
		memset(f->bytes, 0x02, 12);	/* local MACs */
		f->bytes[12] = v6 ? 0x86 : 0x08;
		f->bytes[13] = v6 ? 0xdd : 0x00;
	}
	if (v6) {
		ip[0] = 0x60;
		ip[4] = 0;
		ip[5] = (uint8_t)l4len;
		ip[6] = p->proto;
		ip[7] = 64;
		inet_pton(AF_INET6, "2001:db8::100", ip + 8);
		memcpy(ip + 24, addr, 16);
	} else {
		ip[0] = 0x45;
		ip[3] = (uint8_t)(iplen + l4len);
		ip[8] = 64;
		ip[9] = p->proto;
		inet_pton(AF_INET, "192.0.2.100", ip + 12);
		memcpy(ip + 16, addr, 4);
	}
	l4 = ip + iplen;
	l4[0] = sport >> 8;
	l4[1] = sport & 0xff;
	l4[2] = p->dport >> 8;
	l4[3] = p->dport & 0xff;
	if (p->proto == IPPROTO_TCP)
		l4[12] = 0x50;	/* data offset */
	f->len = (uint32_t)(l4 - f->bytes) + l4len;
	return 0;
}

struct verifier {
	struct map_fds maps;
	int prog_cg, prog_tc;
	uint32_t uplink;
	bool uplink_raw;
};

/* ksbpf_probe_counters of one hook, by reason. */
static void read_probe_counts(const struct verifier *v, enum ksbpf_hook hook,
			      uint64_t counts[KSBPF_REASON_MAX])
{
	struct ksbpf_counter c;

	for (int r = 0; r < KSBPF_REASON_MAX; r++)
		counts[r] = maps_read_counter(v->maps.probe_counters,
					      ksbpf_counter_index(hook, r), &c) ? 0 : c.packets;
}

/* One test run, marked as a probe (KSBPF_PROBE_CB0): the programs count it
 * apart from traffic, and the one counter it moved names the reason. */
static int run_hook(const struct verifier *v, int prog, enum ksbpf_hook hook,
		    const struct frame *f, uint32_t ifindex, uint32_t mark,
		    int pass_value, struct hook_result *r)
{
	struct __sk_buff ctx = { .ifindex = ifindex, .mark = mark,
				 .cb = { KSBPF_PROBE_CB0, KSBPF_PROBE_CB1, KSBPF_PROBE_CB2 } };
	DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = f->bytes,
			    .data_size_in = f->len, .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx), .repeat = 1);
	uint64_t before[KSBPF_REASON_MAX], after[KSBPF_REASON_MAX];
	int moved = 0;

	read_probe_counts(v, hook, before);
	if (bpf_prog_test_run_opts(prog, &opts))
		return -1;
	read_probe_counts(v, hook, after);
	r->ran = true;
	r->pass = (int)opts.retval == pass_value;
	if (r->pass)
		return 0;
	for (int i = 0; i < KSBPF_REASON_MAX; i++)
		if (after[i] != before[i]) {
			moved++;
			r->reason = reason_name(i);
		}
	if (moved != 1)
		r->reason = "unknown (another verify ran at the same time)";
	return 0;
}

static int test_probe(struct verifier *v, const struct probe *p, int index,
		      struct probe_result *r, char *err)
{
	uint16_t sport = (uint16_t)(PROBE_SPORT + index);
	uint32_t ifindex = p->ifindex ? p->ifindex : v->uplink;
	struct frame eth, raw;

	memset(r, 0, sizeof(*r));
	if (build_frame(p, sport, false, &eth) || build_frame(p, sport, true, &raw))
		return errf(err, "probe %s: bad address %s", p->name, p->dst);
	if (run_hook(v, v->prog_cg, KSBPF_HOOK_CGROUP_EGRESS, &eth, ifindex, p->mark,
		     CG_PASS, &r->cg))
		return errf(err, "probe %s: test run of the cgroup program: %s",
			    p->name, strerror(errno));
	if (p->ifindex)
		return 0;	/* the tunnel has no TC program */
	if (run_hook(v, v->prog_tc, KSBPF_HOOK_TC_EGRESS, v->uplink_raw ? &raw : &eth,
		     ifindex, p->mark, TC_NEXT, &r->tc))
		return errf(err, "probe %s: test run of the TC program: %s",
			    p->name, strerror(errno));
	return 0;
}

static void add_probe(struct probe *list, int *n, const char *name, uint8_t proto,
		      const char *dst, uint16_t dport, enum probe_kind kind)
{
	struct probe *p = &list[(*n)++];

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->dst, sizeof(p->dst), "%s", dst);
	p->proto = proto;
	p->dport = dport;
	p->kind = kind;
}

/* The fixed probes, then one per endpoint and one per active tunnel. */
static int make_probes(const struct verifier *v, struct probe *list, int max)
{
	struct ksbpf_endpoint_key key, next;
	struct ksbpf_endpoint ep;
	struct ksbpf_tunnel t;
	__u32 tkey, tnext;
	bool first = true;
	int n = 0;

	add_probe(list, &n, "IPv4 to a public address", IPPROTO_TCP, "1.1.1.1", 443, LEAK);
	add_probe(list, &n, "IPv6 to a public address", IPPROTO_TCP,
		  "2606:4700:4700::1111", 443, LEAK);
	add_probe(list, &n, "DNS to a public resolver", IPPROTO_UDP, "9.9.9.9", 53, LEAK);
	add_probe(list, &n, "DNS over IPv6", IPPROTO_UDP, "2620:fe::fe", 53, LEAK);
	add_probe(list, &n, "DNS over TLS", IPPROTO_TCP, "1.1.1.1", 853, LEAK);
	add_probe(list, &n, "DNS to a LAN router", IPPROTO_UDP, "192.168.1.1", 53, INFO);
	add_probe(list, &n, "LAN (192.168.1.10 smb)", IPPROTO_TCP, "192.168.1.10", 445, INFO);
	add_probe(list, &n, "IPv6 link-local", IPPROTO_TCP, "fe80::1", 22, INFO);
	while (n < max - 1 &&
	       !bpf_map_get_next_key(v->maps.endpoints, first ? NULL : &key, &next)) {
		char addr[INET6_ADDRSTRLEN], name[96];

		first = false;
		key = next;
		if (!key.port || bpf_map_lookup_elem(v->maps.endpoints, &key, &ep))
			continue;
		inet_ntop(key.family == KSBPF_AF_INET ? AF_INET : AF_INET6, key.addr,
			  addr, sizeof(addr));
		snprintf(name, sizeof(name), "VPN endpoint %s%s", addr,
			 ep.fwmark_set ? " (with its fwmark)" : "");
		add_probe(list, &n, name, key.proto, addr, key.port, EXPECTED_PASS);
		list[n - 1].mark = ep.fwmark_set ? ep.fwmark : 0;
	}
	first = true;
	while (n < max &&
	       !bpf_map_get_next_key(v->maps.tunnels, first ? NULL : &tkey, &tnext)) {
		char name[96];

		first = false;
		tkey = tnext;
		/* A tunnel gone while no agent ran leaves its ifindex behind
		 * (status reports it): nothing to probe through. */
		if (bpf_map_lookup_elem(v->maps.tunnels, &tkey, &t) ||
		    !if_indextoname(tkey, (char[IF_NAMESIZE]){ 0 }))
			continue;
		snprintf(name, sizeof(name), "through the tunnel %.16s", t.name);
		add_probe(list, &n, name, IPPROTO_TCP, "1.1.1.1", 443, EXPECTED_PASS);
		list[n - 1].ifindex = tkey;
	}
	return n;
}

/* An attached uplink, Ethernet preferred: the probes leave through it. */
static int pick_uplink(struct verifier *v, char *err)
{
	struct ksbpf_uplink up;
	__u32 key, next;
	bool first = true;

	v->uplink = 0;
	while (!bpf_map_get_next_key(v->maps.uplinks, first ? NULL : &key, &next)) {
		first = false;
		key = next;
		if (bpf_map_lookup_elem(v->maps.uplinks, &key, &up) ||
		    !if_indextoname(key, (char[IF_NAMESIZE]){ 0 }))
			continue;
		if (!v->uplink || (v->uplink_raw && !up.raw_ip)) {
			v->uplink = key;
			v->uplink_raw = up.raw_ip;
		}
	}
	if (!v->uplink)
		return errf(err, "no guarded uplink in this network namespace to probe");
	return 0;
}

static const char *verdict_text(const struct hook_result *h)
{
	return !h->ran ? "-" : h->pass ? "pass" : "drop";
}

static bool probe_ok(const struct probe *p, const struct probe_result *r)
{
	bool passes = (r->cg.ran && r->cg.pass) || (r->tc.ran && r->tc.pass);
	bool all_pass = r->cg.pass && (!r->tc.ran || r->tc.pass);

	if (p->kind == LEAK)
		return !passes;
	if (p->kind == EXPECTED_PASS)
		return all_pass;
	return true;
}

static void print_text(const struct probe *probes, const struct probe_result *r,
		       int n, bool holds, const char *attached)
{
	printf("attachments: %s\n", attached);
	printf("%-40s %-6s %-6s %s\n", "probe", "cgroup", "tc", "");
	for (int i = 0; i < n; i++) {
		const char *reason = r[i].tc.reason ? r[i].tc.reason :
				     r[i].cg.reason ? r[i].cg.reason : "";

		printf("%-40s %-6s %-6s %s%s\n", probes[i].name, verdict_text(&r[i].cg),
		       verdict_text(&r[i].tc), reason,
		       probe_ok(&probes[i], &r[i]) ? "" :
		       probes[i].kind == LEAK ? "  <-- LEAK" : "  <-- BLOCKED");
	}
	printf("%s\n", holds ? "OK — every leak probe is dropped, every hook attached" :
	       "FAILED — see the marked probes and the attachments");
}

static void json_hook(struct json *j, const char *key, const struct hook_result *h)
{
	json_key(j, key);
	if (!h->ran) {
		json_null(j);
		return;
	}
	json_object_begin(j);
	json_key(j, "verdict");
	json_string(j, h->pass ? "pass" : "drop");
	json_key(j, "reason");
	if (h->reason)
		json_string(j, h->reason);
	else
		json_null(j);
	json_object_end(j);
}

static void print_json(const struct probe *probes, const struct probe_result *r,
		       int n, bool holds, const char *attached)
{
	static const char *const kinds[] = { "leak", "expected_pass", "info" };
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_key(&j, "holds");
	json_bool(&j, holds);
	json_key(&j, "status");
	json_string(&j, attached);
	json_key(&j, "probes");
	json_array_begin(&j);
	for (int i = 0; i < n; i++) {
		json_object_begin(&j);
		json_key(&j, "name");
		json_string(&j, probes[i].name);
		json_key(&j, "kind");
		json_string(&j, kinds[probes[i].kind]);
		json_key(&j, "dst");
		json_string(&j, probes[i].dst);
		json_key(&j, "dport");
		json_uint(&j, probes[i].dport);
		json_hook(&j, "cgroup_egress", &r[i].cg);
		json_hook(&j, "tc_egress", &r[i].tc);
		json_key(&j, "ok");
		json_bool(&j, probe_ok(&probes[i], &r[i]));
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	json_finish(&j);
}

int cmd_verify(const struct options *o)
{
	struct verifier v = { .prog_cg = -1, .prog_tc = -1 };
	struct probe probes[48];
	struct probe_result results[48];
	char err[ERR_LEN], attached[1024];
	bool holds;
	int n, ret = EXIT_FAILED;

	if (pins_require_loaded(o->bpffs, err)) {
		if (errno != ENOENT) {	/* a user: the pins may well be there */
			report_error(err);
			return EXIT_FAILED;
		}
		printf("NOT LOADED — nothing pinned at %s: nothing stops a leak\n", o->bpffs);
		return EXIT_NOT_LOADED;
	}
	if (maps_open_pinned(o->bpffs, &v.maps, err) || pick_uplink(&v, err))
		goto out;
	v.prog_cg = pin_open(o->bpffs, PIN_PROG_CG_EGRESS);
	v.prog_tc = pin_open(o->bpffs, v.uplink_raw ? PIN_PROG_L3_EGRESS :
						      PIN_PROG_TC_EGRESS);
	if (v.prog_cg < 0 || v.prog_tc < 0) {
		errf(err, "open pinned programs: %s", strerror(errno));
		goto out;
	}
	/* Programs that would drop prove nothing if they are not attached. */
	holds = status_protection(o, attached, sizeof(attached)) == EXIT_OK;
	n = make_probes(&v, probes, 48);
	for (int i = 0; i < n; i++) {
		if (test_probe(&v, &probes[i], i, &results[i], err))
			goto out;
		holds &= probe_ok(&probes[i], &results[i]);
	}
	if (o->json)
		print_json(probes, results, n, holds, attached);
	else
		print_text(probes, results, n, holds, attached);
	ret = holds ? EXIT_OK : EXIT_DEGRADED;
out:
	if (ret == EXIT_FAILED)
		report_error(err);
	if (v.prog_cg >= 0)
		close(v.prog_cg);
	if (v.prog_tc >= 0)
		close(v.prog_tc);
	maps_close(&v.maps);
	return ret;
}
