// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define NOTIFY_MAX 2048

/* "@name" is an abstract socket: its address starts with a NUL byte. */
static int notify_address(struct sockaddr_un *sun, socklen_t *len)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t n;

	if (!path || (path[0] != '/' && path[0] != '@'))
		return -1;
	n = strlen(path);
	if (n >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, n);
	if (path[0] == '@')
		sun->sun_path[0] = '\0';
	*len = offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '/');
	return 0;
}

int notify(const char *fmt, ...)
{
	struct sockaddr_un sun;
	char msg[NOTIFY_MAX];
	socklen_t len;
	va_list ap;
	ssize_t sent;
	int fd, saved;

	if (notify_address(&sun, &len))
		return errno == ENAMETOOLONG ? -1 : 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	sent = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&sun, len);
	saved = errno;
	close(fd);
	errno = saved;
	return sent < 0 ? -1 : 0;
}

int notify_reloading(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return notify("RELOADING=1\nMONOTONIC_USEC=%llu",
		      (unsigned long long)now.tv_sec * 1000000ULL +
		      (unsigned long long)now.tv_nsec / 1000);
}

uint64_t notify_watchdog_interval(void)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (!usec)
		return 0;
	if (pid && strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno || end == usec || *end || v < 2)
		return 0;
	return v / 2;
}
