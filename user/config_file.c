// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * "key = value", "key value" or "key", one per line; '#' starts a comment.
 * The file decides what may leave the host, so it is read whole or not at
 * all: a line too long is an error (a split line would make its tail a new
 * key), and so is a file that another user could have written.
 */
#include "config_file.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static bool is_dev_null(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(1, 3);
}

int file_trusted(const char *path, int fd, char *err)
{
	struct stat st;

	if (fstat(fd, &st))
		return errf(err, "fstat %s: %s", path, strerror(errno));
	if (is_dev_null(&st))
		return 0;
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return errf(err, "%s: owned by uid %u, not by root: refused "
			    "(chown root %s)", path, (unsigned)st.st_uid, path);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return errf(err, "%s: writable by %s: refused (chmod go-w %s)",
			    path, st.st_mode & S_IWOTH ? "everyone" : "its group", path);
	return 0;
}

static int apply_line(char *line, unsigned int accepts, struct options *o,
		      char *why)
{
	char *key, *value, *hash = strchr(line, '#');

	if (hash)
		*hash = '\0';
	key = trim(line);
	if (!*key)
		return 0;
	value = key + strcspn(key, " \t=");
	if (*value) {
		*value++ = '\0';
		value = trim(value);
		if (*value == '=')
			value = trim(value + 1);
	}
	return cli_set(key, *value ? value : NULL, accepts, o, why);
}

static int apply_lines(FILE *f, const char *path, unsigned int accepts,
		       struct options *o, char *err)
{
	char *line = NULL, why[ERR_LEN];
	size_t size = 0;
	ssize_t len;
	int lineno = 0, ret = 0;

	errno = 0;
	while ((len = getline(&line, &size, f)) >= 0) {
		lineno++;
		if (len > CONFIG_LINE_MAX) {
			ret = errf(err, "%s:%d: line longer than %d bytes: refused",
				   path, lineno, CONFIG_LINE_MAX);
			break;
		}
		if (memchr(line, '\0', (size_t)len)) {
			ret = errf(err, "%s:%d: a NUL byte: not a text file", path, lineno);
			break;
		}
		if (apply_line(line, accepts, o, why)) {
			ret = errf(err, "%s:%d: %s", path, lineno, why);
			break;
		}
	}
	if (!ret && ferror(f))
		ret = errf(err, "config %s: read: %s", path, strerror(errno));
	free(line);
	return ret;
}

static int read_one(const char *path, bool must_exist, unsigned int accepts,
		    struct options *o, char *err)
{
	FILE *f = fopen(path, "re");
	int ret;

	if (!f) {
		if (errno == ENOENT && !must_exist)
			return 0;
		return errf(err, "config %s: %s", path, strerror(errno));
	}
	ret = file_trusted(path, fileno(f), err) ||
	      apply_lines(f, path, accepts, o, err) ? -1 : 0;
	fclose(f);
	return ret;
}

static int is_dropin(const struct dirent *d)
{
	size_t len = strlen(d->d_name);

	return d->d_name[0] != '.' && len > 5 && !strcmp(d->d_name + len - 5, ".conf");
}

/* systemd's order: by name, so 10-x.conf comes before 50-y.conf. */
static int read_dropins(const char *path, unsigned int accepts,
			struct options *o, char *err)
{
	char dir[PATH_MAX], file[PATH_MAX];
	struct dirent **names;
	int n, ret = 0;

	if ((size_t)snprintf(dir, sizeof(dir), "%s.d", path) >= sizeof(dir))
		return errf(err, "config %s: path too long", path);
	n = scandir(dir, &names, is_dropin, alphasort);
	if (n < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 :
		       errf(err, "config %s: %s", dir, strerror(errno));
	if (n > CONFIG_DROPINS_MAX)
		ret = errf(err, "config %s: %d drop-ins, at most %d", dir, n,
			   CONFIG_DROPINS_MAX);
	for (int i = 0; i < n; i++) {
		if (!ret && (size_t)snprintf(file, sizeof(file), "%s/%s", dir,
					     names[i]->d_name) >= sizeof(file))
			ret = errf(err, "config %s: path too long", dir);
		if (!ret)
			ret = read_one(file, false, accepts, o, err);
		free(names[i]);
	}
	free(names);
	return ret;
}

int config_read(const char *path, bool must_exist, unsigned int accepts,
		struct options *o, char *err)
{
	if (read_one(path, must_exist, accepts, o, err))
		return -1;
	return read_dropins(path, accepts, o, err);
}
