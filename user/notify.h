/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The service manager's notification protocol (sd_notify(3)), spoken
 * without libsystemd: a datagram of "KEY=value" lines to $NOTIFY_SOCKET.
 * Outside systemd (no NOTIFY_SOCKET) every call does nothing. */
#ifndef KSBPF_NOTIFY_H
#define KSBPF_NOTIFY_H

#include <stdint.h>

/* Sends the lines; returns 0, or -1 with errno (nobody listening is not
 * an error the agent can act on: callers may ignore it). */
int notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "RELOADING=1" with the MONOTONIC_USEC that systemd wants beside it. */
int notify_reloading(void);
/* How often to send WATCHDOG=1, in microseconds: half of $WATCHDOG_USEC
 * when the watchdog is meant for this process ($WATCHDOG_PID), else 0. */
uint64_t notify_watchdog_interval(void);

#endif
