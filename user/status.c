// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ksbpf status`: protected or not, and why; then the details. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build_id.h"
#include "commands.h"
#include "events.h"
#include "json.h"
#include "metrics.h"
#include "names.h"
#include "snapshot.h"
#include "status.h"

#define TEXT_LIST_MAX 12	/* longer lists are cut in text, never in JSON */

static void print_headline(FILE *out, const struct status *s, enum ksbpf_exit state)
{
	char line[1024];

	status_headline(s, state, line, sizeof(line));
	fprintf(out, "%s\n", line);
	if (status_build_differs(s))
		fprintf(out, "warning: programs from another ksbpf build are attached "
			"(%s, this is %s): run `ksbpf load`\n",
			s->attached_build[0] ? s->attached_build : "older than build ids",
			build_id_self());
}

static uint64_t probe_runs(const struct status *s)
{
	uint64_t n = 0;

	for (int h = 0; h < KSBPF_HOOK_MAX; h++)
		for (int r = 0; r < KSBPF_REASON_MAX; r++)
			n += s->probes[h][r].packets;
	return n;
}

/* Packets by reason: the egress hooks, and the ingress ones if in use. */
static void print_counters(FILE *out, const struct status *s)
{
	int hooks = status_blocks_inbound(s) ? KSBPF_HOOK_MAX : KSBPF_HOOK_TC_EGRESS + 1;

	fprintf(out, "counters:  %-14s", "reason");
	for (int h = 0; h < hooks; h++)
		fprintf(out, " %15s", hook_name(h));
	fprintf(out, "\n");
	for (int r = 0; r < KSBPF_REASON_MAX; r++) {
		fprintf(out, "  %-8s %-14s", ksbpf_reason_allows(r) ? "pass" : "drop",
		       reason_name(r));
		for (int h = 0; h < hooks; h++)
			fprintf(out, " %15llu", (unsigned long long)s->counters[h][r].packets);
		fprintf(out, "\n");
	}
	fprintf(out, "verify:    %llu probe runs, not in the counters above\n",
		(unsigned long long)probe_runs(s));
}

/* Every interface, and why ksbpf judges what leaves by it or not. */
static void print_roles(FILE *out, const struct status *s)
{
	size_t shown = 0;

	fprintf(out, "roles:\n");
	for (size_t i = 0; i < s->n_ifs; i++) {
		if (s->roles[i].role == ROLE_LOOPBACK)
			continue;
		if (shown++ == TEXT_LIST_MAX * 4) {
			fprintf(out, "  ... %zu more (--json lists all)\n", s->n_ifs - i);
			break;
		}
		fprintf(out, "  %-12s %-7s %s\n", s->ifs[i].name, role_name(s->roles[i].role),
		       s->roles[i].why);
	}
}

static const char *const family_names[2] = { "IPv4", "IPv6" };

/* Not the kill switch's state: what bypass apps' sockets are routed by. */
static void print_bypass_routing(FILE *out, const struct status *s)
{
	const struct bypass_routes_state *r = &s->routing;

	if (!s->route.mark) {
		fprintf(out, "bypass:    not routed (--bypass-mark 0): bypass apps may use the "
		       "uplinks, routed as everything else\n");
		return;
	}
	fprintf(out, "bypass:    fwmark %#x -> table %u (rule priority %u), marked by "
	       "sock_create (%s)\n", s->route.mark, s->route.table,
	       s->route.priority, s->sock_create_attached ? "attached" : "DETACHED");
	if (s->routing_error[0]) {
		fprintf(out, "  %s\n", s->routing_error);
		return;
	}
	for (int i = 0; i < 2; i++) {
		if (!r->family[i])
			continue;
		fprintf(out, "  %s: rule %s, %d uplink route%s, %s\n", family_names[i],
		       r->rule[i] ? "in place" : "MISSING", r->routes[i],
		       r->routes[i] == 1 ? "" : "s",
		       r->default_route[i] ? "default route" :
		       "NO default route (bypass apps get 'network unreachable')");
	}
}

static void print_text(FILE *out, const struct status *s, enum ksbpf_exit state)
{
	char buf[128];

	print_headline(out, s, state);
	fprintf(out, "bpffs:     %s (layout %u)\n", s->dir, s->cfg.layout_version);
	fprintf(out, "build:     %s, attached programs: %s\n", build_id_self(),
		!s->attached_build_known ? "unknown (reading them needs CAP_SYS_ADMIN)" :
		!s->attached_build[0] ? "older than build ids" :
		status_build_differs(s) ? s->attached_build : "the same");
	fprintf(out, "scope:     %s\n", s->cfg.flags & KSBPF_F_SCOPE_APPS ? "apps" : "host");
	fprintf(out, "cgroup:    %s%s (id %llu), egress %s", s->cg_path,
	       s->cg_path[0] ? "" : "?", (unsigned long long)s->cg_id,
	       s->cg_attached ? "attached" : "DETACHED");
	if (s->cg_attached)
		fprintf(out, " (prog id %u)", s->cg_prog);
	fprintf(out, ", setsockopt guard %s", s->guard_attached ? "attached" : "DETACHED");
	fprintf(out, " (32-bit: %s)", status_compat_guard_name(s->compat_guard, true));
	if (status_records_netns(s))
		fprintf(out, ", socket namespace recorder %s",
		       s->sock_create_attached ? "attached" : "DETACHED");
	if (status_blocks_inbound(s))
		fprintf(out, ", ingress %s", s->inbound_attached ? "attached" : "DETACHED");
	fprintf(out, "\ninbound:   %s", status_blocks_inbound(s) ? "blocked but the allowlist (--block-inbound)" :
	       "not filtered");
	fprintf(out, "\ntunnels:%s\n", s->n_tunnels ? "" : "   none named");
	for (int i = 0; i < s->n_tunnels; i++) {
		const struct tunnel_state *t = &s->tunnels[i];

		if (!t->iface.ifindex)
			fprintf(out, "  %-12s absent\n", t->pattern);
		else
			fprintf(out, "  %-12s ifindex %u, %s, %s\n", t->iface.name,
			       t->iface.ifindex, t->iface.up ? "up" : "down",
			       t->active ? "traffic allowed" : "inactive");
	}
	fprintf(out, "uplinks:\n");
	for (int i = 0; i < s->n_uplinks; i++) {
		const struct uplink_state *u = &s->uplinks[i];

		fprintf(out, "  %-12s ifindex %u, %s%s, %s", u->up.name, u->ifindex,
		       tc_mode_name(u->up.tc_mode), u->up.raw_ip ? " raw-ip" : "",
		       u->attached ? "attached" : "DETACHED");
		if (u->attached)
			fprintf(out, " (prog id %u)", u->prog_id);
		if (u->up.ingress)
			fprintf(out, ", ingress %s", u->ingress_attached ? "attached" : "DETACHED");
		fprintf(out, ", %llu passed, %llu dropped\n",
		       (unsigned long long)u->packets.passed,
		       (unsigned long long)u->packets.dropped);
	}
	for (size_t i = 0; i < s->n_ifs; i++)
		if (status_is_unguarded(s, i))
			fprintf(out, "  %-12s NOT GUARDED\n", s->ifs[i].name);
	if ((unsigned int)s->n_uplinks * 10 >= s->max_uplinks * 9)
		fprintf(out, "  (%d of the %u uplinks ksbpf_uplinks has room for)\n",
		       s->n_uplinks, s->max_uplinks);
	print_roles(out, s);
	fprintf(out, "endpoints:%s\n", s->n_endpoints ? "" : " none");
	for (int i = 0; i < s->n_endpoints; i++) {
		const char *synced = s->endpoint_wg_sync[i];

		if (!format_endpoint(&s->endpoints[i], buf, sizeof(buf)))
			fprintf(out, "  %s%s%s%s\n", buf, *synced ? "  (wg-sync " : "", synced,
			       *synced ? ")" : "");
	}
	if (s->n_endpoint_marks)
		fprintf(out, "endpoint marks:\n");
	for (int i = 0; i < s->n_endpoint_marks; i++)
		if (!format_mark_rule(&s->endpoint_marks[i], buf, sizeof(buf)))
			fprintf(out, "  %s%s\n", buf, s->endpoint_marks[i].proto ? "" :
			       " (any protocol)");
	fprintf(out, "lan:%s\n", s->n_lans ? "" : "       not allowed");
	for (int i = 0; i < s->n_lans && i < TEXT_LIST_MAX; i++)
		if (!format_cidr(&s->lans[i].cidr, buf, sizeof(buf)))
			fprintf(out, "  %s\n", buf);
	if (s->n_lans > TEXT_LIST_MAX)
		fprintf(out, "  ... %d more (--json lists all)\n", s->n_lans - TEXT_LIST_MAX);
	fprintf(out, "lan dns:%s\n", s->n_lan_dns ? "" : "   none");
	for (int i = 0; i < s->n_lan_dns; i++)
		if (!format_ip(&s->lan_dns[i], buf, sizeof(buf)))
			fprintf(out, "  %s\n", buf);
	fprintf(out, "apps:      %d listed%s\n", s->n_apps, s->n_apps ? " (ksbpf app list)" : "");
	print_bypass_routing(out, s);
	fprintf(out, "events:    %llu drops recorded, %llu over the rate limit (ksbpf events)\n",
	       (unsigned long long)s->events_last,
	       (unsigned long long)s->events_suppressed);
	print_counters(out, s);
}

static void json_formatted(struct json *j, const char *key, int ok,
			   const char *buf)
{
	if (key)
		json_key(j, key);
	if (ok == 0)
		json_string(j, buf);
	else
		json_null(j);
}

static void print_json_tunnels(struct json *j, const struct status *s)
{
	json_key(j, "tunnels");
	json_array_begin(j);
	for (int i = 0; i < s->n_tunnels; i++) {
		const struct tunnel_state *t = &s->tunnels[i];

		json_object_begin(j);
		json_key(j, "pattern");
		json_string(j, t->pattern);
		json_key(j, "name");
		if (t->iface.ifindex)
			json_string(j, t->iface.name);
		else
			json_null(j);
		json_key(j, "ifindex");
		json_uint(j, t->iface.ifindex);
		json_key(j, "up");
		json_bool(j, t->iface.up);
		json_key(j, "active");
		json_bool(j, t->active);
		json_object_end(j);
	}
	json_array_end(j);
}

static void print_json_uplinks(struct json *j, const struct status *s)
{
	json_key(j, "uplinks");
	json_array_begin(j);
	for (int i = 0; i < s->n_uplinks; i++) {
		const struct uplink_state *u = &s->uplinks[i];

		json_object_begin(j);
		json_key(j, "name");
		json_string(j, u->up.name);
		json_key(j, "ifindex");
		json_uint(j, u->ifindex);
		json_key(j, "mode");
		json_string(j, tc_mode_name(u->up.tc_mode));
		json_key(j, "raw_ip");
		json_bool(j, u->up.raw_ip);
		json_key(j, "attached");
		json_bool(j, u->attached);
		json_key(j, "prog_id");
		json_uint(j, u->prog_id);
		json_key(j, "ingress_attached");
		json_bool(j, u->ingress_attached);
		json_key(j, "passed");
		json_uint(j, u->packets.passed);
		json_key(j, "dropped");
		json_uint(j, u->packets.dropped);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "unguarded");
	json_array_begin(j);
	for (size_t i = 0; i < s->n_ifs; i++)
		if (status_is_unguarded(s, i))
			json_string(j, s->ifs[i].name);
	json_array_end(j);
	json_key(j, "max_uplinks");
	json_uint(j, s->max_uplinks);
	json_key(j, "interfaces");
	json_array_begin(j);
	for (size_t i = 0; i < s->n_ifs; i++) {
		json_object_begin(j);
		json_key(j, "name");
		json_string(j, s->ifs[i].name);
		json_key(j, "ifindex");
		json_uint(j, s->ifs[i].ifindex);
		json_key(j, "kind");
		json_string(j, s->ifs[i].kind);
		json_key(j, "role");
		json_string(j, role_name(s->roles[i].role));
		json_key(j, "why");
		json_string(j, s->roles[i].why);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "stale_tunnels");
	json_array_begin(j);
	for (int i = 0; i < s->n_stale_tunnels; i++)
		json_uint(j, s->stale_tunnels[i]);
	json_array_end(j);
}

/* { "wg0": ["ENDPOINT", ...] }: each interface once, in first-seen order. */
static void print_json_wg_sync(struct json *j, const struct status *s)
{
	char buf[128];

	for (int i = 0; i < s->n_endpoints; i++) {
		const char *ifname = s->endpoint_wg_sync[i];
		bool seen = !*ifname;

		for (int k = 0; k < i && !seen; k++)
			seen = !strcmp(s->endpoint_wg_sync[k], ifname);
		if (seen)
			continue;
		json_key(j, ifname);
		json_array_begin(j);
		for (int k = i; k < s->n_endpoints; k++)
			if (!strcmp(s->endpoint_wg_sync[k], ifname))
				json_formatted(j, NULL, format_endpoint(&s->endpoints[k], buf,
									sizeof(buf)), buf);
		json_array_end(j);
	}
}

static void print_json_allowlists(struct json *j, const struct status *s)
{
	char buf[128];

	json_key(j, "endpoints");
	json_array_begin(j);
	for (int i = 0; i < s->n_endpoints; i++)
		json_formatted(j, NULL, format_endpoint(&s->endpoints[i], buf,
							sizeof(buf)), buf);
	json_array_end(j);
	json_key(j, "wg_sync");
	json_object_begin(j);
	print_json_wg_sync(j, s);
	json_object_end(j);
	json_key(j, "endpoint_marks");
	json_array_begin(j);
	for (int i = 0; i < s->n_endpoint_marks; i++)
		json_formatted(j, NULL, format_mark_rule(&s->endpoint_marks[i], buf,
							 sizeof(buf)), buf);
	json_array_end(j);
	json_key(j, "lan");
	json_array_begin(j);
	for (int i = 0; i < s->n_lans; i++)
		json_formatted(j, NULL, format_cidr(&s->lans[i].cidr, buf,
						    sizeof(buf)), buf);
	json_array_end(j);
	json_key(j, "lan_dns");
	json_array_begin(j);
	for (int i = 0; i < s->n_lan_dns; i++)
		json_formatted(j, NULL, format_ip(&s->lan_dns[i], buf,
						  sizeof(buf)), buf);
	json_array_end(j);
}

static void print_json_counters(struct json *j, const char *key,
				const struct ksbpf_counter c[KSBPF_HOOK_MAX][KSBPF_REASON_MAX])
{
	json_key(j, key);
	json_object_begin(j);
	for (int hook = 0; hook < KSBPF_HOOK_MAX; hook++) {
		json_key(j, hook_name(hook));
		json_object_begin(j);
		for (int r = 0; r < KSBPF_REASON_MAX; r++) {
			json_key(j, reason_name(r));
			json_object_begin(j);
			json_key(j, "verdict");
			json_string(j, ksbpf_reason_allows(r) ? "pass" : "drop");
			json_key(j, "packets");
			json_uint(j, c[hook][r].packets);
			json_key(j, "bytes");
			json_uint(j, c[hook][r].bytes);
			json_object_end(j);
		}
		json_object_end(j);
	}
	json_object_end(j);
}

static void print_json_bypass_routing(struct json *j, const struct status *s)
{
	const struct bypass_routes_state *r = &s->routing;
	const char *const keys[2] = { "ipv4", "ipv6" };

	json_key(j, "bypass_routing");
	json_object_begin(j);
	json_key(j, "mark");
	json_uint(j, s->route.mark);
	json_key(j, "table");
	json_uint(j, s->route.table);
	json_key(j, "priority");
	json_uint(j, s->route.priority);
	json_key(j, "sock_create_attached");
	json_bool(j, s->sock_create_attached);
	json_key(j, "error");
	if (s->routing_error[0])
		json_string(j, s->routing_error);
	else
		json_null(j);
	for (int i = 0; i < 2 && s->route.mark; i++) {
		json_key(j, keys[i]);
		if (!r->family[i]) {
			json_null(j);
			continue;
		}
		json_object_begin(j);
		json_key(j, "rule");
		json_bool(j, r->rule[i]);
		json_key(j, "routes");
		json_uint(j, (uint64_t)r->routes[i]);
		json_key(j, "default_route");
		json_bool(j, r->default_route[i]);
		json_object_end(j);
	}
	json_object_end(j);
}

static void print_json(FILE *out, const struct status *s, enum ksbpf_exit state)
{
	struct json j;

	json_init(&j, out);
	json_object_begin(&j);
	json_key(&j, "state");
	json_string(&j, status_state_name(state));
	json_key(&j, "bpffs");
	json_string(&j, s->dir);
	json_key(&j, "build");
	json_string(&j, build_id_self());
	if (state != EXIT_NOT_LOADED) {
		json_formatted(&j, "attached_build", s->attached_build_known ? 0 : -1,
			       s->attached_build);
		json_key(&j, "layout_version");
		json_uint(&j, s->cfg.layout_version);
		json_key(&j, "scope");
		json_string(&j, s->cfg.flags & KSBPF_F_SCOPE_APPS ? "apps" : "host");
		json_key(&j, "block_inbound");
		json_bool(&j, status_blocks_inbound(s));
		json_key(&j, "cgroup");
		json_object_begin(&j);
		json_formatted(&j, "path", s->cg_path[0] ? 0 : -1, s->cg_path);
		json_key(&j, "id");
		json_uint(&j, s->cg_id);
		json_key(&j, "attached");
		json_bool(&j, s->cg_attached);
		json_key(&j, "prog_id");
		json_uint(&j, s->cg_prog);
		json_key(&j, "guard_attached");
		json_bool(&j, s->guard_attached);
		json_key(&j, "compat_guard");
		json_string(&j, status_compat_guard_name(s->compat_guard, false));
		json_key(&j, "ingress_attached");
		json_bool(&j, s->inbound_attached);
		json_key(&j, "netns_recorder");
		json_string(&j, !status_records_netns(s) ? "not_needed" :
				s->sock_create_attached ? "attached" : "detached");
		json_object_end(&j);
		print_json_tunnels(&j, s);
		print_json_uplinks(&j, s);
		print_json_allowlists(&j, s);
		json_key(&j, "apps");
		json_uint(&j, (uint64_t)s->n_apps);
		print_json_bypass_routing(&j, s);
		json_key(&j, "events");
		json_object_begin(&j);
		json_key(&j, "recorded");
		json_uint(&j, s->events_last);
		json_key(&j, "suppressed");
		json_uint(&j, s->events_suppressed);
		json_object_end(&j);
		print_json_counters(&j, "counters", s->counters);
		print_json_counters(&j, "verify_probes", s->probes);
	}
	json_object_end(&j);
	json_finish(&j);
}


/* Protected or not, the tunnels, what is not guarded, the last drop. */
static void print_summary(FILE *out, const struct status *s, enum ksbpf_exit state)
{
	struct event_names *names;
	char line[512];
	int unguarded = 0;

	print_headline(out, s, state);
	fprintf(out, "tunnels:   ");
	for (int i = 0; i < s->n_tunnels; i++) {
		const struct tunnel_state *t = &s->tunnels[i];

		fprintf(out, "%s%s %s", i ? ", " : "",
			t->iface.ifindex ? t->iface.name : t->pattern,
			!t->iface.ifindex ? "absent" : t->active ? "up, allowed" :
			t->iface.up ? "up, inactive" : "down");
	}
	fprintf(out, "%s\nunguarded: ", s->n_tunnels ? "" : "none named");
	for (size_t i = 0; i < s->n_ifs; i++)
		if (status_is_unguarded(s, i))
			fprintf(out, "%s%s", unguarded++ ? ", " : "", s->ifs[i].name);
	fprintf(out, "%s\nlast drop: ", unguarded ? "" : "none");
	names = s->last_drop.seq ? event_names_new() : NULL;
	if (names) {
		event_format(&s->last_drop, names, line, sizeof(line));
		fprintf(out, "%s\n", line);
		event_names_free(names);
	} else {
		fprintf(out, "none recorded\n");
	}
	fprintf(out, "(ksbpf status -v: everything; ksbpf events: the drops)\n");
}

void status_print(FILE *out, const struct status *s, enum ksbpf_exit state,
		  enum status_format format, bool verbose, bool apps)
{
	if (format == FORMAT_JSON)
		print_json(out, s, state);
	else if (format == FORMAT_PROMETHEUS)
		metrics_print(out, s, state, apps);
	else if (state == EXIT_NOT_LOADED)
		fprintf(out, "NOT LOADED — nothing pinned at %s: no kill switch\n", s->dir);
	else if (verbose)
		print_text(out, s, state);
	else
		print_summary(out, s, state);
}

static enum status_format format_of(const struct options *o)
{
	if (o->format != FORMAT_DEFAULT)
		return o->format;
	return o->json ? FORMAT_JSON : FORMAT_TEXT;
}

static int status_once(const struct options *o)
{
	enum ksbpf_exit state;
	char err[ERR_LEN];
	struct status *s = status_collect(o, &state, err);

	if (!s) {
		/* A user on a 0700 bpffs (systemd's): what root last saw. */
		if (errno == EACCES || errno == EPERM)
			return snapshot_print(o, format_of(o), err);
		report_error(err);
		return EXIT_FAILED;
	}
	status_print(stdout, s, state, format_of(o), o->verbose, o->metrics_apps);
	status_free(s);
	return state;
}

static volatile sig_atomic_t stop_watching;

static void on_stop(int sig)
{
	(void)sig;
	stop_watching = 1;
}

/* --watch: the same, once a second, until interrupted; the exit status is
 * the last state's. */
int cmd_status(const struct options *o)
{
	int ret;

	if (!o->watch)
		return status_once(o);
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	for (;;) {
		if (format_of(o) == FORMAT_TEXT && isatty(STDOUT_FILENO))
			fputs("\033[H\033[2J", stdout);	/* home, clear */
		ret = status_once(o);
		fflush(stdout);
		sleep(1);
		if (stop_watching)
			return ret;
	}
}

