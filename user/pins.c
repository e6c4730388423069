// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "pins.h"

#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "err.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

static void parent_of(const char *dir, char *parent, size_t len)
{
	char *slash;

	snprintf(parent, len, "%s", dir);
	slash = strrchr(parent, '/');
	if (slash == parent)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(parent, len, ".");
}

static int parent_pid(int pid)
{
	char path[64], buf[512], *close_paren;
	int ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	/* "pid (comm) state ppid": comm may hold spaces and parentheses. */
	if (fgets(buf, sizeof(buf), f) && (close_paren = strrchr(buf, ')')))
		sscanf(close_paren + 1, " %*c %d", &ppid);
	fclose(f);
	return ppid;
}

/* A mount namespace made for this process or one of its ancestors (ip netns
 * exec, unshare -m, a unit's PrivateTmp= or ProtectSystem=): some ancestor
 * is in another one. Ancestors whose namespace cannot be read (PID 1 in a
 * sandbox) are skipped; none readable counts as shared. */
static bool in_private_mount_ns(void)
{
	char self[64] = "", other[64], path[64];
	int pid = getpid();

	if (readlink("/proc/self/ns/mnt", self, sizeof(self) - 1) < 0)
		return false;
	for (int depth = 0; depth < 128 && pid > 1; depth++) {
		ssize_t n;

		pid = parent_pid(pid);
		if (pid <= 0)
			break;
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
		n = readlink(path, other, sizeof(other) - 1);
		if (n < 0)
			continue;
		other[n] = '\0';
		if (strcmp(self, other))
			return true;
	}
	return false;
}

/* bpffs is not mounted where dir lives: mount it at its usual place when
 * dir is below /sys/fs/bpf, else on dir itself. Never in a mount namespace
 * of our own: the mount, and with it every pin and link, would go when the
 * namespace does, and enforcement with them. */
static int mount_bpffs_for(const char *dir, char *err)
{
	char parent[PATH_MAX];
	const char *target = dir;

	if (in_private_mount_ns())
		return errf(err, "%s is not on a bpffs, and this mount namespace is not "
			    "the system's (ip netns exec? unshare -m? a unit's private "
			    "mounts?): a bpffs mounted here would vanish with it, and "
			    "enforcement too. Mount bpffs at /sys/fs/bpf first, or use "
			    "nsenter --net=... instead of ip netns exec", dir);
	parent_of(dir, parent, sizeof(parent));
	if (!strcmp(parent, "/sys/fs/bpf"))
		target = parent;
	else if (mkdir(dir, 0700) && errno != EEXIST)
		return errf(err, "mkdir %s: %s", dir, strerror(errno));
	if (mount("bpf", target, "bpf", 0, "mode=0700"))
		return errf(err, "mount bpffs on %s: %s", target, strerror(errno));
	return 0;
}

int pins_check_owner(const char *dir, char *err)
{
	struct stat st;

	if (lstat(dir, &st))
		return errf(err, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return errf(err, "%s is not a directory", dir);
	/* A user looking at root's pins (a bpffs that is not 0700). */
	if (st.st_uid == 0 && geteuid() != 0)
		return errf(err, "permission denied: run as root (%s: root's, mode %04o)",
			    dir, st.st_mode & 07777);
	/* Anyone may create directories in a 1777 /sys/fs/bpf: adopt only
	 * what nobody else could have put there. */
	if (st.st_uid != geteuid() || (st.st_mode & 022))
		return errf(err, "refusing %s: owned by uid %u with mode %04o "
			    "(must be ours and writable by nobody else)",
			    dir, st.st_uid, st.st_mode & 07777);
	return 0;
}

int pins_prepare(const char *dir, char *err)
{
	char parent[PATH_MAX];

	if (dir[0] != '/')
		return errf(err, "--bpffs %s: must be an absolute path", dir);
	parent_of(dir, parent, sizeof(parent));
	if (!is_bpffs(dir) && !is_bpffs(parent) && mount_bpffs_for(dir, err))
		return -1;
	if (mkdir(dir, 0700) && errno != EEXIST)
		return errf(err, "mkdir %s: %s", dir, strerror(errno));
	if (!is_bpffs(dir))
		return errf(err, "%s is not on a bpffs", dir);
	return pins_check_owner(dir, err);
}

int pin_path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int pin_open(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (pin_path(path, sizeof(path), dir, name))
		return -1;
	return bpf_obj_get(path);
}

int pin_read_single(const char *dir, const char *name, void *value)
{
	int fd = pin_open(dir, name), ret, saved;
	__u32 zero = 0;

	if (fd < 0)
		return -1;
	ret = bpf_map_lookup_elem(fd, &zero, value);
	saved = errno;
	close(fd);
	errno = saved;
	return ret ? -1 : 0;
}

int pins_require_loaded(const char *dir, char *err)
{
	char path[PATH_MAX];
	int saved;

	if (pin_path(path, sizeof(path), dir, PIN_CONFIG_MAP))
		return errf(err, "--bpffs %s: path too long", dir);
	if (!access(path, F_OK))
		return 0;
	saved = errno;
	if (saved == ENOENT)
		errf(err, "nothing loaded at %s (run ksbpf load first)", dir);
	else
		errf(err, "access %s: %s", path, strerror(saved));
	errno = saved;
	return -1;
}

bool pins_loaded(const char *dir)
{
	char path[PATH_MAX];

	return !pin_path(path, sizeof(path), dir, PIN_CONFIG_MAP) &&
	       access(path, F_OK) == 0;
}

int pin_replace(int fd, const char *dir, const char *name, char *err)
{
	char path[PATH_MAX], tmp[PATH_MAX];

	if (pin_path(path, sizeof(path), dir, name) ||
	    snprintf(tmp, sizeof(tmp), "%s_new", path) >= (int)sizeof(tmp))
		return errf(err, "pin %s/%s: name too long", dir, name);
	unlink(tmp);
	if (bpf_obj_pin(fd, tmp))
		return errf(err, "bpf_obj_pin %s: %s", tmp, strerror(errno));
	if (rename(tmp, path)) {
		int saved = errno;

		unlink(tmp);
		return errf(err, "rename %s: %s", path, strerror(saved));
	}
	return 0;
}

int pin_remove(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (pin_path(path, sizeof(path), dir, name))
		return -1;
	return unlink(path);
}

int pins_lock(const char *dir, char *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return errf(err, "open %s: %s", dir, strerror(errno));
	if (flock(fd, LOCK_EX)) {
		errf(err, "flock %s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int pins_remove_all(const char *dir, char *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return errno == ENOENT ? 0 : errf(err, "opendir %s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0)) {
			errf(err, "unlink %s/%s: %s", dir, e->d_name, strerror(errno));
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	if (rmdir(dir) && errno != ENOENT)
		return errf(err, "rmdir %s: %s", dir, strerror(errno));
	return 0;
}
