// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "bpf_log.h"

#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool debug_all;
static char refused_prog[128];
static char refused_reason[256];

/* libbpf 1.1 prints a refused program's log as one warning:
 * "prog 'NAME': -- BEGIN PROG LOAD LOG --\n...-- END PROG LOAD LOG --\n" */
#define LOG_BEGIN "': -- BEGIN PROG LOAD LOG --\n"
#define LOG_END "-- END PROG LOAD LOG --"

static bool is_statistic(const char *line, size_t len)
{
	return len == 0 || !strncmp(line, "processed ", 10) ||
	       !strncmp(line, "verification time", 17) ||
	       !strncmp(line, "stack depth", 11);
}

void bpf_log_reason(const char *log, char *buf, size_t len)
{
	const char *end = strstr(log, LOG_END), *reason = "", *line = log;
	size_t reason_len = 0;

	if (!end)
		end = log + strlen(log);
	while (line < end) {
		const char *nl = memchr(line, '\n', end - line);
		size_t n = (nl ? nl : end) - line;

		if (!is_statistic(line, n)) {
			reason = line;
			reason_len = n;
		}
		line += n + 1;
	}
	snprintf(buf, len, "%.*s", (int)reason_len, reason);
}

/* Keeps the program's name and the verifier's reason. */
static void keep_refusal(const char *msg)
{
	const char *name = strstr(msg, "prog '"), *log = strstr(msg, LOG_BEGIN);

	if (!name || !log || log < name)
		return;
	name += strlen("prog '");
	snprintf(refused_prog, sizeof(refused_prog), "%.*s", (int)(log - name), name);
	bpf_log_reason(log + strlen(LOG_BEGIN), refused_reason, sizeof(refused_reason));
}

/* What follows a refusal ("prog 'x': BPF program load failed", "failed to
 * load object"): the caller says it in one line instead. */
static bool is_load_failure(const char *msg)
{
	return strstr(msg, "BPF program load failed") || strstr(msg, "failed to load");
}

static int print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg = NULL;
	int n;

	if (debug_all)
		return vfprintf(stderr, fmt, ap);
	if (level > LIBBPF_WARN)
		return 0;
	n = vasprintf(&msg, fmt, ap);
	if (n < 0)
		return 0;
	if (strstr(msg, LOG_BEGIN))
		keep_refusal(msg);
	else if (!is_load_failure(msg))
		fputs(msg, stderr);	/* already starts with "libbpf: " */
	free(msg);
	return n;
}

void bpf_log_init(bool debug)
{
	debug_all = debug;
	libbpf_set_print(print);
}

bool bpf_log_refusal(char *buf, size_t len)
{
	bool refused = refused_prog[0] != '\0';

	if (refused)
		snprintf(buf, len, "%s: %s", refused_prog,
			 refused_reason[0] ? refused_reason : "no reason given");
	refused_prog[0] = refused_reason[0] = '\0';
	return refused;
}
