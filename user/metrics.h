/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The status in Prometheus' text exposition format: `ksbpf status --format
 * prometheus`, and the agent's --metrics-file for node_exporter's textfile
 * collector. Counters end in _total; nothing else does. */
#ifndef KSBPF_METRICS_H
#define KSBPF_METRICS_H

#include <stdbool.h>
#include <stdio.h>

#include "status.h"

/* apps: per-app series too (one set per listed app: --metrics-apps). */
void metrics_print(FILE *out, const struct status *s, enum ksbpf_exit state,
		   bool apps);
/* The same into path, atomically (a temporary file, then rename). */
int metrics_write(const char *path, const struct status *s, enum ksbpf_exit state,
		  bool apps, char *err);

#endif
