// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int errf(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, ERR_LEN, fmt, ap);
	va_end(ap);
	/* Messages quote user input: keep them one line. */
	for (char *c = err; *c; c++)
		if ((unsigned char)*c < ' ' || *c == 0x7f)
			*c = '?';
	return -1;
}

/* A user's call that the kernel refused (EACCES, EPERM): what ksbpf does
 * needs root, whatever the call was. Root refused is something else
 * (lockdown, an LSM, a capability bounding set) and keeps its message. */
static bool refused_to_user(const char *err)
{
	if (!geteuid())
		return false;
	if (strstr(err, strerror(EACCES)))
		return true;
	return strstr(err, strerror(EPERM)) != NULL;
}

void report_error(const char *err)
{
	if (refused_to_user(err))
		fprintf(stderr, "ksbpf: permission denied: run as root (%s)\n", err);
	else
		fprintf(stderr, "ksbpf: %s\n", err);
}
