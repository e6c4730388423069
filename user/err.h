/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Errors travel up as one line of text in a caller's buffer, so the CLI can
 * print exactly what failed: "attach TC to up0: bpf_link_create: ...". */
#ifndef KSBPF_ERR_H
#define KSBPF_ERR_H

#define ERR_LEN 512

/* Writes the message into err (ERR_LEN bytes) and returns -1. */
int errf(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "ksbpf: MESSAGE" on stderr, an error in the journal; a user's
 * EACCES or EPERM as "ksbpf: permission denied: run as root (MESSAGE)". */
void report_error(const char *err);
/* The same at a syslog priority (LOG_WARNING, LOG_NOTICE...). */
void report_at(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "<N>" (a syslog priority, LOG_ERR...) when stderr is the journal's stream
 * ($JOURNAL_STREAM names it), so that journalctl -p sees warnings and
 * errors apart; "" anywhere else. */
const char *log_priority(int priority);

#endif
