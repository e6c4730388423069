/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Attaching ksbpf's programs so that they outlive the loader: pinned
 * bpf_links (cgroup, TCX) or legacy clsact filters, replaced in place. */
#ifndef KSBPF_ATTACH_H
#define KSBPF_ATTACH_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/bpf.h>
#include "ifaces.h"

enum tc_mode_choice {
	TC_MODE_AUTO = 0,	/* TCX, or legacy clsact where TCX is missing */
	TC_MODE_TCX,
	TC_MODE_LEGACY,
};

/* Attaches to the cgroup as the link pinned as dir/pin, or swaps the
 * program of that link in place (no gap). */
int attach_cgroup(int prog_fd, int cgroup_fd, uint64_t cgroup_id,
		  enum bpf_attach_type type, const char *pin, const char *dir,
		  char *err);
enum tc_direction {
	TC_EGRESS,
	TC_INGRESS,	/* --block-inbound */
};

/* Attaches to one uplink in one direction, or swaps the program in place;
 * *mode is the mode in force before (0 if none) and the mode used after. */
int attach_tc(int prog_fd, const struct iface *ifc, enum tc_direction d,
	      enum tc_mode_choice choice, unsigned int *mode, const char *dir,
	      char *err);
/* The kernel has TCX (asked with a query, attaching nothing). */
bool tcx_supported(void);
int detach_tc(unsigned int ifindex, enum tc_direction d, unsigned int mode,
	      const char *dir);
int detach_cgroup(const char *pin, const char *dir);
/* Attaches a tp_btf program as the raw tracepoint link pinned as dir/pin.
 * Such links cannot swap programs: the new one is pinned over the old. */
int attach_tracepoint(int prog_fd, const char *pin, const char *dir, char *err);

/* What is attached now, for status. */
bool cgroup_attached(const char *pin, const char *dir, uint64_t *cgroup_id,
		     uint32_t *prog_id);
bool tracepoint_attached(const char *pin, const char *dir, uint32_t *prog_id);
bool tc_attached(unsigned int ifindex, enum tc_direction d, unsigned int mode,
		 const char *dir, uint32_t *prog_id);

#endif
