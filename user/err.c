// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

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

void report_error(const char *err)
{
	fprintf(stderr, "ksbpf: %s\n", err);
}
