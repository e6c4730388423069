/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Reading and describing drop events (the ring in include/ksbpf.h). */
#ifndef KSBPF_EVENTS_USER_H
#define KSBPF_EVENTS_USER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "maps.h"

/* The events after seq `after`, oldest first, at most KSBPF_EVENT_RING;
 * *lost counts those already overwritten, *last is the newest seq. */
int events_read(const struct map_fds *m, uint64_t after,
		struct ksbpf_event *out, size_t *n, uint64_t *lost,
		uint64_t *last);
uint64_t events_last_seq(const struct map_fds *m);
/* Drops not recorded because of the per-reason rate limit, all CPUs. */
uint64_t events_suppressed(const struct map_fds *m);

/* Names for ids: cgroup paths and interface names, cached. */
struct event_names;
struct event_names *event_names_new(void);
void event_names_free(struct event_names *names);

/* One line of text, no newline. */
void event_format(const struct ksbpf_event *e, struct event_names *names,
		  char *buf, size_t len);
/* One JSON object and a newline (JSON Lines). */
void event_print_json(const struct ksbpf_event *e, struct event_names *names,
		      FILE *out);

#endif
