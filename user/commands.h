/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef KSBPF_COMMANDS_H
#define KSBPF_COMMANDS_H

#include "cli.h"
#include "err.h"

/* Each returns an enum ksbpf_exit code and prints its own errors. */
int cmd_load(const struct options *o);
int cmd_unload(const struct options *o);
int cmd_status(const struct options *o);
int cmd_allow(const struct options *o);
int cmd_deny(const struct options *o);
int cmd_tunnel(const struct options *o);
int cmd_wg_sync(const struct options *o);
int cmd_run(const struct options *o);
int cmd_app(const struct options *o);
int cmd_exec(const struct options *o);
int cmd_events(const struct options *o);
int cmd_verify(const struct options *o);
int cmd_check(const struct options *o);

/* What status says first: an enum ksbpf_exit and its headline in why. */
int status_protection(const struct options *o, char *why, size_t len);

/* Detaches everything recorded in dir and removes the pins. */
int teardown(const char *dir, char *err);


#endif
