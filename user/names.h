/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Stable names of enum values, as `status` and `--json` print them. */
#ifndef KSBPF_NAMES_H
#define KSBPF_NAMES_H

#include "ksbpf.h"

const char *reason_name(enum ksbpf_reason reason);
const char *hook_name(enum ksbpf_hook hook);
const char *tc_mode_name(unsigned int mode);
const char *app_policy_name(unsigned int policy);

#endif
