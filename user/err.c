// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
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

void report_at(int priority, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%sksbpf: ", log_priority(priority));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
		report_at(LOG_ERR, "permission denied: run as root (%s)", err);
	else
		report_at(LOG_ERR, "%s", err);
}

/* systemd sets $JOURNAL_STREAM to "DEV:INODE" of the stream it connects;
 * a redirected stderr (ksbpf run 2>file under systemd) is not the journal. */
static bool stderr_is_journal(void)
{
	const char *stream = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return stream && sscanf(stream, "%llu:%llu", &dev, &ino) == 2 &&
	       !fstat(STDERR_FILENO, &st) && st.st_dev == dev && st.st_ino == ino;
}

const char *log_priority(int priority)
{
	static const char *prefixes[] = { "<0>", "<1>", "<2>", "<3>", "<4>",
					  "<5>", "<6>", "<7>" };
	static int journal = -1;

	if (journal < 0)
		journal = stderr_is_journal();
	return journal && priority >= 0 && priority <= 7 ? prefixes[priority] : "";
}
