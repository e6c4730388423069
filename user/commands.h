/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef KSBPF_COMMANDS_H
#define KSBPF_COMMANDS_H

#include <stdio.h>

#include "cli.h"
#include "err.h"

/* One `ksbpf COMMAND`: what main dispatches on, and what the shell
 * completion (completion.c) is generated from. */
struct command {
	const char *name;
	int (*run)(const struct options *o);
	unsigned int accepts;	/* OPT_* */
	bool takes_args;	/* positional arguments, checked by the command */
	bool reads_config;	/* false: help and completion, which need none */
	const char *verbs;	/* words its first argument may be, or NULL */
	const char *help;
};

/* Prints the completion script of shell ("bash" or "zsh") for cmds;
 * -1 with err for another shell. */
int completion_print(FILE *out, const char *shell, const struct command *cmds,
		     size_t n_cmds, char *err);

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
