// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * One line of JSON, written by this file and read by it only:
 *   {"snapshot":1,"written_at":T,"writer":"run","pid":N,"state":"protected",
 *    "exit":0,"text":"...","verbose":"...","status":{ status --json }}
 * The texts are root's `status` and `status -v`, kept as rendered: a user
 * sees exactly what root saw, and the reader needs no JSON parser.
 */
#include "snapshot.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "atomic_file.h"
#include "config_file.h"
#include "json.h"
#include "pins.h"

#define SNAPSHOT_MAX (64u << 20)	/* a status with 131,072 LAN ranges fits */

int snapshot_path(const struct options *o, char *buf, size_t len, char *err)
{
	size_t used;

	if (o->status_file[0])
		used = (size_t)snprintf(buf, len, "%s", o->status_file);
	else if (!strcmp(o->bpffs, KSBPF_DEFAULT_BPFFS))
		used = (size_t)snprintf(buf, len, "%s/status.json", SNAPSHOT_DIR);
	else {
		used = (size_t)snprintf(buf, len, "%s/status-", SNAPSHOT_DIR);
		for (const char *c = o->bpffs + 1; *c && used < len; c++)
			if (*c == '/')
				used += (size_t)snprintf(buf + used, len - used, "-");
			else if (isalnum((unsigned char)*c) || *c == '_' ||
				 (*c == '.' && c[-1] != '/'))
				used += (size_t)snprintf(buf + used, len - used, "%c", *c);
			else
				used += (size_t)snprintf(buf + used, len - used, "\\x%02x",
							 (unsigned char)*c);
		if (used < len)
			used += (size_t)snprintf(buf + used, len - used, ".json");
	}
	return used >= len ? errf(err, "status snapshot path too long") : 0;
}

struct snapshot_args {
	const struct status *s;
	enum ksbpf_exit state;
	const char *writer;
	const char *text;
	const char *verbose;
};

/* A view rendered into a string (free it); NULL if out of memory. */
static char *render(const struct status *s, enum ksbpf_exit state,
		    enum status_format format, bool verbose)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (!mem)
		return NULL;
	status_print(mem, s, state, format, verbose, false);
	if (fclose(mem)) {
		free(text);
		return NULL;
	}
	return text;
}

static void print_snapshot(FILE *out, const void *arg)
{
	const struct snapshot_args *a = arg;
	struct json j;

	fprintf(out, "{\"snapshot\":1,\"written_at\":%lld,\"writer\":\"%s\",\"pid\":%d,"
		"\"state\":\"%s\",\"exit\":%d,\"text\":", (long long)time(NULL), a->writer,
		(int)getpid(), status_state_name(a->state), (int)a->state);
	json_init(&j, out);
	j.pretty = false;
	json_string(&j, a->text);
	fputs(",\"verbose\":", out);
	json_init(&j, out);
	j.pretty = false;
	json_string(&j, a->verbose);
	fputs(",\"status\":", out);
	status_print(out, a->s, a->state, FORMAT_JSON, false, false);
	fputs("}\n", out);
}

static int ensure_dir(const char *path, char *err)
{
	if (strncmp(path, SNAPSHOT_DIR "/", strlen(SNAPSHOT_DIR) + 1) ||
	    !mkdir(SNAPSHOT_DIR, 0755) || errno == EEXIST)
		return 0;
	return errf(err, "mkdir %s: %s", SNAPSHOT_DIR, strerror(errno));
}

int snapshot_write(const struct options *o, const struct status *s,
		   enum ksbpf_exit state, const char *writer, char *err)
{
	struct snapshot_args a = { .s = s, .state = state, .writer = writer };
	char path[PATH_MAX], *text, *verbose;
	int ret;

	if (snapshot_path(o, path, sizeof(path), err))
		return -1;
	if (!s || state == EXIT_NOT_LOADED)
		return unlink(path) && errno != ENOENT ?
		       errf(err, "unlink %s: %s", path, strerror(errno)) : 0;
	if (ensure_dir(path, err))
		return -1;
	text = render(s, state, FORMAT_TEXT, false);
	verbose = render(s, state, FORMAT_TEXT, true);
	if (!text || !verbose) {
		free(text);
		free(verbose);
		return errf(err, "status snapshot: out of memory");
	}
	a.text = text;
	a.verbose = verbose;
	ret = atomic_file_write(path, 0644, print_snapshot, &a, err);
	free(text);
	free(verbose);
	return ret;
}

void snapshot_refresh(const struct options *o, const char *writer)
{
	enum ksbpf_exit state;
	char err[ERR_LEN];
	struct status *s = status_collect(o, &state, err);

	if ((!s && errno != ENOENT) || snapshot_write(o, s, state, writer, err))
		report_at(LOG_WARNING, "warning: status snapshot not written: %s", err);
	if (s)
		status_free(s);
}

/* ---- reading */

struct snapshot {
	char *buf;
	long long written_at;
	char writer[16];
	int pid;
	int exit;
	char *text;
	char *verbose;
	const char *status;	/* status --json, in buf */
};

static int read_trusted(const char *path, char **buf, char *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t got;

	if (fd < 0)
		return errf(err, "open %s: %s", path, strerror(errno));
	if (file_trusted(path, fd, err)) {
		close(fd);
		return -1;
	}
	if (fstat(fd, &st) || (size_t)st.st_size > SNAPSHOT_MAX ||
	    !(*buf = malloc((size_t)st.st_size + 1))) {
		errf(err, "read %s: too large, or out of memory", path);
		close(fd);
		return -1;
	}
	got = read(fd, *buf, (size_t)st.st_size);
	close(fd);
	if (got != st.st_size) {
		free(*buf);
		return errf(err, "read %s: %s", path, got < 0 ? strerror(errno) : "short read");
	}
	(*buf)[got] = '\0';
	return 0;
}

/* A JSON string as json.c writes it; *p moves past its closing quote. */
static char *decode_string(const char **p)
{
	const char *c = *p;
	char *out, *o;

	if (*c++ != '"' || !(out = malloc(strlen(c) + 1)))
		return NULL;
	for (o = out; *c && *c != '"'; c++) {
		unsigned int u;

		if (*c != '\\') {
			*o++ = *c;
		} else if (c[1] == '"' || c[1] == '\\') {
			*o++ = *++c;
		} else if (c[1] == 'u' && sscanf(c + 2, "%4x", &u) == 1) {
			*o++ = u < 0x80 ? (char)u : '?';
			c += 5;
		} else {
			break;
		}
	}
	*o = '\0';
	if (*c != '"') {
		free(out);
		return NULL;
	}
	*p = c + 1;
	return out;
}

static int expect(const char **p, const char *literal)
{
	size_t len = strlen(literal);

	if (strncmp(*p, literal, len))
		return -1;
	*p += len;
	return 0;
}

static int parse(struct snapshot *snap)
{
	const char *p = snap->buf;
	char state[16];
	size_t len;
	int n = 0;

	if (sscanf(p, "{\"snapshot\":1,\"written_at\":%lld,\"writer\":\"%15[a-z]\","
		   "\"pid\":%d,\"state\":\"%15[a-z_]\",\"exit\":%d,\"text\":%n",
		   &snap->written_at, snap->writer, &snap->pid, state, &snap->exit,
		   &n) != 5 || !n)
		return -1;
	p += n;
	if (!(snap->text = decode_string(&p)) || expect(&p, ",\"verbose\":") ||
	    !(snap->verbose = decode_string(&p)) || expect(&p, ",\"status\":"))
		return -1;
	len = strlen(p);
	if (len < 3 || strcmp(p + len - 2, "}\n"))
		return -1;
	snap->buf[p - snap->buf + (ptrdiff_t)len - 2] = '\0';
	snap->status = p;
	return 0;
}

static void print_json(const struct snapshot *snap, const char *path, long long age)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j);
	json_key(&j, "snapshot");
	json_object_begin(&j);
	json_key(&j, "path");
	json_string(&j, path);
	json_key(&j, "age_seconds");
	json_uint(&j, (uint64_t)(age > 0 ? age : 0));
	json_key(&j, "writer");
	json_string(&j, snap->writer);
	json_key(&j, "pid");
	json_uint(&j, (uint64_t)snap->pid);
	json_object_end(&j);
	/* The rest is the recorded object's members, as root printed them. */
	fprintf(stdout, ",%s\n", snap->status + 1);
}

int snapshot_print(const struct options *o, enum status_format format,
		   const char *why)
{
	struct snapshot snap = { 0 };
	char path[PATH_MAX], err[ERR_LEN] = "";
	long long age;
	int ret = EXIT_FAILED;

	if (snapshot_path(o, path, sizeof(path), err) || read_trusted(path, &snap.buf, err)) {
		report_at(LOG_ERR, "permission denied: run as root (%s; and no status "
			  "snapshot to show: %s)", why, err);
		return EXIT_FAILED;
	}
	if (parse(&snap)) {
		report_at(LOG_ERR, "permission denied: run as root (%s; %s is not a "
			  "ksbpf status snapshot)", why, path);
	} else if (format == FORMAT_PROMETHEUS) {
		report_at(LOG_ERR, "permission denied: run as root (%s): metrics need "
			  "the pins; ksbpf run --metrics-file writes them for all", why);
	} else {
		age = (long long)time(NULL) - snap.written_at;
		fprintf(stderr, "ksbpf: %s; showing the snapshot `ksbpf %s` (pid %d) "
			"wrote to %s %llds ago\n", why, snap.writer, snap.pid, path,
			age > 0 ? age : 0);
		if (format == FORMAT_JSON)
			print_json(&snap, path, age);
		else
			fputs(o->verbose ? snap.verbose : snap.text, stdout);
		ret = snap.exit;
	}
	free(snap.text);
	free(snap.verbose);
	free(snap.buf);
	return ret;
}
