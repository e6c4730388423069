/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libbpf's messages. With --debug, all of them. Otherwise its warnings,
 * which name the kernel call that failed, but not the verifier's log of a
 * refused program: that is kept, so that a failed load can say in one line
 * which program the kernel refused and why.
 */
#ifndef KSBPF_BPF_LOG_H
#define KSBPF_BPF_LOG_H

#include <stdbool.h>
#include <stddef.h>

void bpf_log_init(bool debug);

/* Since the last call: the program the kernel refused and the verifier's
 * reason ("program of this type cannot use helper ..."), in buf. Returns
 * false when no program was refused. */
bool bpf_log_refusal(char *buf, size_t len);

/* The verifier's reason out of a whole log: its last line that is not a
 * statistic. Exposed for the unit tests. */
void bpf_log_reason(const char *log, char *buf, size_t len);

#endif
