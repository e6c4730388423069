// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "err.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

int cgroup2_root(char *buf, size_t len, char *err)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int found = -1;

	if (!f)
		return errf(err, "open /proc/self/mountinfo: %s", strerror(errno));
	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS... - FSTYPE SOURCE OPTS" */
	while (found && fgets(line, sizeof(line), f)) {
		char mountpoint[4096], *sep = strstr(line, " - ");

		if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
			continue;
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mountpoint) == 1 &&
		    strlen(mountpoint) < len) {
			strcpy(buf, mountpoint);
			found = 0;
		}
	}
	fclose(f);
	if (found)
		return errf(err, "no cgroup v2 mount found in /proc/self/mountinfo "
			    "(ksbpf needs cgroup v2)");
	return 0;
}

int cgroup_open(const char *path, uint64_t *id, char *err)
{
	struct statfs sfs;
	struct stat st;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return errf(err, "cgroup %s: %s", path, strerror(errno));
	if (fstatfs(fd, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		close(fd);
		return errf(err, "%s is not a cgroup v2 directory", path);
	}
	if (fstat(fd, &st)) {
		errf(err, "stat %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	*id = st.st_ino;
	return fd;
}

static uint64_t wanted_id;
static char *found_path;
static size_t found_len;

static int match_id(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_D || st->st_ino != wanted_id)
		return 0;
	snprintf(found_path, found_len, "%s", path);
	return 1;	/* stop the walk */
}

int cgroup_path_of(uint64_t id, char *buf, size_t len)
{
	char root[4096], err[ERR_LEN];

	if (cgroup2_root(root, sizeof(root), err))
		return -1;
	wanted_id = id;
	found_path = buf;
	found_len = len;
	return nftw(root, match_id, 16, FTW_PHYS | FTW_MOUNT) == 1 ? 0 : -1;
}
