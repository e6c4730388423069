/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* --endpoint with a host name: resolved once, when the options are read,
 * through the system resolver (getaddrinfo: /etc/hosts, then DNS). On a
 * first load that is before the kill switch blocks DNS outside the tunnel;
 * later, only the tunnel or a --lan-dns resolver can answer. */
#ifndef KSBPF_RESOLVE_H
#define KSBPF_RESOLVE_H

#include "parse.h"

#define RESOLVE_MAX_ADDRS 16	/* per name: more is refused, never cut */

/* The endpoint(s) spec stands for: one for an address, one per address of
 * a name. Returns how many (at least 1), or -1 with err. */
int resolve_endpoint(const char *spec, struct endpoint *out, int max, char *err);

/* Every address of host (v4 and v6, once each); the number, or -1 with err.
 * Replaceable, so that tests and fuzzers never ask a real resolver. */
typedef int (*resolve_host_fn)(const char *host, struct ip_addr *out, int max,
			       char *err);
extern resolve_host_fn resolve_host;

#endif
