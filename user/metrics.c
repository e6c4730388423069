// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "apps.h"
#include "atomic_file.h"
#include "build_id.h"
#include "names.h"

static void family(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void label(FILE *out, const char *key, const char *value, bool more)
{
	fprintf(out, "%s=\"", key);
	for (const char *c = value; *c; c++) {
		if (*c == '\\' || *c == '"')
			fputc('\\', out);
		if (*c == '\n')
			fputs("\\n", out);
		else
			fputc(*c, out);
	}
	fprintf(out, "\"%s", more ? "," : "");
}

static void print_state(FILE *out, enum ksbpf_exit state)
{
	static const enum ksbpf_exit states[] = { EXIT_OK, EXIT_DEGRADED, EXIT_NOT_LOADED };

	family(out, "ksbpf_protected", "gauge",
	       "1 when the kill switch holds, 0 when degraded or not loaded.");
	fprintf(out, "ksbpf_protected %d\n", state == EXIT_OK);
	family(out, "ksbpf_state", "gauge", "1 for the current state, 0 for the others.");
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		fputs("ksbpf_state{", out);
		label(out, "state", status_state_name(states[i]), false);
		fprintf(out, "} %d\n", states[i] == state);
	}
	family(out, "ksbpf_build_info", "gauge", "The ksbpf that wrote these metrics.");
	fputs("ksbpf_build_info{", out);
	label(out, "version", KSBPF_VERSION, true);
	label(out, "build", build_id_self(), false);
	fputs("} 1\n", out);
}

/* Alert on `ksbpf_attached_build_info unless on(build) ksbpf_build_info`:
 * absent when it cannot be read (no CAP_SYS_ADMIN, see build_id.h). */
static void print_attached_build(FILE *out, const struct status *s)
{
	if (!s->attached_build_known)
		return;
	family(out, "ksbpf_attached_build_info", "gauge",
	       "The build of the attached programs (\"\": older than build ids).");
	fputs("ksbpf_attached_build_info{", out);
	label(out, "build", s->attached_build, false);
	fputs("} 1\n", out);
}

/* One series per hook and reason of a [hook][reason] counter array. */
static void print_by_reason(FILE *out, const char *name,
			    const struct ksbpf_counter c[KSBPF_HOOK_MAX][KSBPF_REASON_MAX],
			    bool bytes)
{
	for (int h = 0; h < KSBPF_HOOK_MAX; h++)
		for (int r = 0; r < KSBPF_REASON_MAX; r++) {
			fprintf(out, "%s{", name);
			label(out, "hook", hook_name(h), true);
			label(out, "reason", reason_name(r), true);
			label(out, "verdict", ksbpf_reason_allows(r) ? "pass" : "drop", false);
			fprintf(out, "} %llu\n", (unsigned long long)(bytes ? c[h][r].bytes :
								     c[h][r].packets));
		}
}

static void print_counters(FILE *out, const struct status *s)
{
	family(out, "ksbpf_packets_total", "counter",
	       "Packets judged, by hook, reason and verdict.");
	print_by_reason(out, "ksbpf_packets_total", s->counters, false);
	family(out, "ksbpf_bytes_total", "counter",
	       "Bytes judged, by hook, reason and verdict.");
	print_by_reason(out, "ksbpf_bytes_total", s->counters, true);
	family(out, "ksbpf_verify_probes_total", "counter",
	       "ksbpf verify's test runs, by hook, reason and verdict (not in "
	       "ksbpf_packets_total).");
	print_by_reason(out, "ksbpf_verify_probes_total", s->probes, false);
}

static void print_interfaces(FILE *out, const struct status *s)
{
	int unguarded = 0;

	family(out, "ksbpf_uplink_packets_total", "counter",
	       "Packets the TC program judged on each guarded uplink, by verdict.");
	for (int i = 0; i < s->n_uplinks; i++)
		for (int drop = 0; drop < 2; drop++) {
			fputs("ksbpf_uplink_packets_total{", out);
			label(out, "uplink", s->uplinks[i].up.name, true);
			label(out, "verdict", drop ? "drop" : "pass", false);
			fprintf(out, "} %llu\n", (unsigned long long)(drop ?
				s->uplinks[i].packets.dropped : s->uplinks[i].packets.passed));
		}
	family(out, "ksbpf_uplink_attached", "gauge",
	       "1 when the uplink's TC program is attached.");
	for (int i = 0; i < s->n_uplinks; i++) {
		fputs("ksbpf_uplink_attached{", out);
		label(out, "uplink", s->uplinks[i].up.name, false);
		fprintf(out, "} %d\n", s->uplinks[i].attached);
	}
	for (size_t i = 0; i < s->n_ifs; i++)
		unguarded += status_is_unguarded(s, i);
	family(out, "ksbpf_unguarded_interfaces", "gauge",
	       "Uplinks with no TC program (appeared with no agent, or no room).");
	fprintf(out, "ksbpf_unguarded_interfaces %d\n", unguarded);
	family(out, "ksbpf_tunnel_active", "gauge",
	       "1 while traffic may leave by this tunnel; absent ones by pattern.");
	for (int i = 0; i < s->n_tunnels; i++) {
		const struct tunnel_state *t = &s->tunnels[i];

		fputs("ksbpf_tunnel_active{", out);
		label(out, "tunnel", t->iface.ifindex ? t->iface.name : t->pattern, true);
		label(out, "pattern", t->pattern, false);
		fprintf(out, "} %d\n", t->active);
	}
}

static void print_events(FILE *out, const struct status *s)
{
	family(out, "ksbpf_events_recorded_total", "counter",
	       "Drops recorded in the event ring (ksbpf events).");
	fprintf(out, "ksbpf_events_recorded_total %llu\n",
		(unsigned long long)s->events_last);
	family(out, "ksbpf_events_lost_total", "counter",
	       "Drops not recorded: over the ring's per-reason rate limit.");
	fprintf(out, "ksbpf_events_lost_total %llu\n",
		(unsigned long long)s->events_suppressed);
}

static void print_app(FILE *out, const struct app_info *app)
{
	const struct ksbpf_counter_pair *hooks[2] = { &app->stats.socket,
						      &app->stats.uplink };

	for (int h = 0; h < 2; h++)
		for (int drop = 0; drop < 2; drop++) {
			fputs("ksbpf_app_packets_total{", out);
			label(out, "app", app->path, true);
			label(out, "policy", app_policy_name(app->policy), true);
			label(out, "hook", h ? "uplink" : "socket", true);
			label(out, "verdict", drop ? "drop" : "pass", false);
			fprintf(out, "} %llu\n", (unsigned long long)(drop ?
				hooks[h]->dropped : hooks[h]->passed));
		}
}

/* Per app: a series set each, so only on request. */
static void print_apps(FILE *out, const struct status *s)
{
	struct app_info *apps = NULL;
	struct map_fds m;
	char err[ERR_LEN];
	size_t n = 0;

	family(out, "ksbpf_app_packets_total", "counter",
	       "Packets of each listed app, by hook (socket, uplink) and verdict.");
	if (maps_open_pinned(s->dir, &m, err))
		return;
	if (!apps_list(&m, &apps, &n, err))
		for (size_t i = 0; i < n; i++)
			print_app(out, &apps[i]);
	free(apps);
	maps_close(&m);
}

void metrics_print(FILE *out, const struct status *s, enum ksbpf_exit state,
		   bool apps)
{
	print_state(out, state);
	if (state == EXIT_NOT_LOADED)
		return;
	print_attached_build(out, s);
	print_counters(out, s);
	print_interfaces(out, s);
	print_events(out, s);
	if (apps)
		print_apps(out, s);
}

struct metrics_args {
	const struct status *s;
	enum ksbpf_exit state;
	bool apps;
};

static void print_to(FILE *out, const void *arg)
{
	const struct metrics_args *a = arg;

	metrics_print(out, a->s, a->state, a->apps);
}

int metrics_write(const char *path, const struct status *s, enum ksbpf_exit state,
		  bool apps, char *err)
{
	struct metrics_args a = { .s = s, .state = state, .apps = apps };

	return atomic_file_write(path, 0644, print_to, &a, err);
}
