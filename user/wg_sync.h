/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `ksbpf wg-sync IFACE` and the agent's `wg-sync = IFACE`: a WireGuard
 * interface's peer endpoints, with its fwmark, as run-time endpoints that
 * the interface owns (ksbpf_wg_sync). Each sync replaces what the last one
 * of that interface wrote: new endpoints go in before old ones leave, so a
 * roaming peer's tunnel never waits on a gap. */
#ifndef KSBPF_WG_SYNC_H
#define KSBPF_WG_SYNC_H

#include "maps.h"
#include "wg_device.h"

struct wg_sync_result {
	unsigned int added;	/* endpoints new to the interface, or with a new mark */
	unsigned int removed;	/* the interface's earlier ones it no longer has */
	unsigned int owned;	/* the interface's endpoints after the sync */
};

/* Makes the interface's endpoints exactly eps[0..n): n = 0 forgets them. */
int wg_sync_write(const struct map_fds *m, const char *ifname,
		  const struct endpoint *eps, unsigned int n,
		  struct wg_sync_result *res, char *err);

/* Reads the interface and writes its endpoints. A device with no peer
 * endpoint (just created, not configured yet) changes nothing: res->owned
 * says what stays. Returns 0, 1 when there is no such WireGuard interface
 * (nothing changed), or -1 with err. */
int wg_sync_interface(const struct map_fds *m, const char *ifname,
		      struct wg_device *dev, struct wg_sync_result *res, char *err);

/* The interface that owns an endpoint key; false if none. */
bool wg_sync_owner(const struct map_fds *m, const struct ksbpf_endpoint_key *key,
		   char ifname[KSBPF_IFNAME_LEN]);

#endif
