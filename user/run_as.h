/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Who `ksbpf exec` runs a command as: the user who asked, not root. */
#ifndef KSBPF_RUN_AS_H
#define KSBPF_RUN_AS_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

struct run_as {
	uid_t uid;
	gid_t gid;
	char name[LOGIN_NAME_MAX];	/* "" when the uid has no passwd entry */
	char home[PATH_MAX];
};

/* user: --user (a name or a uid), or NULL/"" for whoever ran sudo, pkexec
 * or doas, else the caller itself. */
int run_as_find(const char *user, struct run_as *who, char *err);
/* Groups, then group, then user; afterwards root cannot be regained.
 * Another user's command gets its HOME, USER and LOGNAME (sudo leaves
 * root's); the rest of the environment is kept. */
int run_as_become(const struct run_as *who, char *err);

#endif
