// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "atomic_file.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"

int atomic_file_write(const char *path, mode_t mode,
		      void (*print)(FILE *out, const void *arg), const void *arg,
		      char *err)
{
	char tmp[PATH_MAX];
	FILE *out;
	int fd, failed;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp))
		return errf(err, "%s: path too long", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return errf(err, "mkstemp %s: %s", tmp, strerror(errno));
	out = fdopen(fd, "w");
	if (!out || fchmod(fd, mode)) {
		errf(err, "%s %s: %s", out ? "fchmod" : "fdopen", tmp, strerror(errno));
		if (out)
			fclose(out);
		else
			close(fd);
		unlink(tmp);
		return -1;
	}
	print(out, arg);
	failed = fflush(out) || ferror(out);
	if (fclose(out) || failed) {
		errf(err, "write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, path)) {
		errf(err, "rename %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
