// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* `ksbpf events [--json] [--follow] [--count N]`: what was dropped, by which
 * rule, from which app, where it would have left. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "events.h"
#include "pins.h"

#define FOLLOW_INTERVAL_MS 100

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void print_events(const struct ksbpf_event *ev, size_t n, size_t skip,
			 struct event_names *names, bool json)
{
	char line[512];

	for (size_t i = skip; i < n; i++) {
		if (json) {
			event_print_json(&ev[i], names, stdout);
		} else {
			event_format(&ev[i], names, line, sizeof(line));
			puts(line);
		}
	}
	fflush(stdout);
}

static void say_lost(uint64_t lost, bool json)
{
	if (lost && !json)
		printf("... %llu older events were overwritten\n", (unsigned long long)lost);
	else if (lost)
		printf("{\"lost\":%llu}\n", (unsigned long long)lost);
}

int cmd_events(const struct options *o)
{
	struct ksbpf_event *ev = calloc(KSBPF_EVENT_RING, sizeof(*ev));
	struct event_names *names = event_names_new();
	struct timespec pause = { 0, FOLLOW_INTERVAL_MS * 1000000L };
	uint64_t last = 0, lost;
	struct map_fds m;
	char err[ERR_LEN];
	size_t n;
	int ret = EXIT_OK;

	if (!ev || !names) {
		report_error("events: out of memory");
		ret = EXIT_FAILED;
		goto out;
	}
	if (pins_require_loaded(o->bpffs, err)) {
		ret = errno == ENOENT ? EXIT_NOT_LOADED : EXIT_FAILED;
		report_error(err);
		goto out;
	}
	if (maps_open_pinned(o->bpffs, &m, err)) {
		report_error(err);
		ret = EXIT_FAILED;
		goto out;
	}
	events_read(&m, 0, ev, &n, &lost, &last);
	print_events(ev, n, o->count && o->count < n ? n - o->count : 0, names,
		     o->json);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (o->follow && !stop) {
		nanosleep(&pause, NULL);
		events_read(&m, last, ev, &n, &lost, &last);
		say_lost(lost, o->json);
		print_events(ev, n, 0, names, o->json);
	}
	maps_close(&m);
out:
	free(ev);
	event_names_free(names);
	return ret;
}
