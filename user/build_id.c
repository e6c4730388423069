// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "build_id.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "ksbpf.h"
#include "ksbpf.id.h"
#include "ksbpf.skel.h"
#include "pins.h"

#define BUILD_ID_VAR "bpf_metadata_ksbpf_build_id"
/* libbpf names a .rodata map "<8 chars of the object's name>.rodata". */
#define RODATA_SUFFIX ".rodata"

_Static_assert(sizeof(KSBPF_BUILD_ID) <= KSBPF_BUILD_ID_LEN,
	       "the build id does not fit KSBPF_BUILD_ID_LEN (include/ksbpf.h)");

/* The id is one string in the binary, read through a volatile pointer:
 * the compiler cannot turn the copy into immediates, so that strings(1)
 * finds the id the programs get, and tests/e2e/test_build_id.sh can give a
 * copy of the binary another id. */
static const char *const volatile build_id = KSBPF_BUILD_ID;

const char *build_id_self(void)
{
	return build_id;
}

void build_id_embed(struct ksbpf_bpf *skel)
{
	snprintf(skel->rodata->bpf_metadata_ksbpf_build_id,
		 sizeof(skel->rodata->bpf_metadata_ksbpf_build_id), "%s", build_id);
}

static __u64 ptr_to_u64(const void *p)
{
	return (__u64)(unsigned long)p;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* Where the id lies in the map's value. Read from the map's own BTF, not
 * from this build's skeleton (offsetof(struct ksbpf_bpf__rodata, ...)):
 * the programs of another build may lay .rodata out otherwise, or have no
 * id at all. 1 with offset and size, 0 if the map has no id, -1 with err. */
static int find_id(const struct bpf_map_info *map, __u32 *offset, __u32 *size,
		   char *err)
{
	const struct btf_var_secinfo *var;
	const struct btf_type *sec;
	struct btf *btf;
	int found = 0;

	if (!map->btf_id || !map->btf_value_type_id)
		return 0;
	btf = btf__load_from_kernel_by_id(map->btf_id);
	if (!btf)
		return errf(err, "read the BTF of map %s: btf__load_from_kernel_by_id: %s",
			    map->name, strerror(errno));
	sec = btf__type_by_id(btf, map->btf_value_type_id);
	if (sec && btf_is_datasec(sec)) {
		var = btf_var_secinfos(sec);
		for (int i = 0; i < btf_vlen(sec); i++, var++) {
			const struct btf_type *t = btf__type_by_id(btf, var->type);

			if (!t || strcmp(btf__name_by_offset(btf, t->name_off), BUILD_ID_VAR))
				continue;
			found = var->offset + var->size <= map->value_size;
			*offset = var->offset;
			*size = var->size;
			break;
		}
	}
	btf__free(btf);
	return found;
}

/* The id in a .rodata map, into out: 0 ("" if it has none), -1 with err. */
static int read_id(int map_fd, const struct bpf_map_info *map, char *out,
		   size_t len, char *err)
{
	__u32 offset = 0, size = 0, zero = 0;
	char *value;
	int ret = find_id(map, &offset, &size, err);

	if (ret <= 0)
		return ret;
	value = calloc(1, map->value_size);
	if (!value)
		return errf(err, "read map %s: %s", map->name, strerror(errno));
	ret = bpf_map_lookup_elem(map_fd, &zero, value);
	if (ret)
		errf(err, "read map %s: bpf_map_lookup_elem: %s", map->name, strerror(errno));
	else
		snprintf(out, len, "%.*s", (int)size, value + offset);
	free(value);
	return ret ? -1 : 0;
}

/* 1 and the map's id into out if map_id is the program's .rodata, 0 if it
 * is another map, -1 with err. */
static int read_map(__u32 map_id, char *out, size_t len, char *err)
{
	struct bpf_map_info map = { 0 };
	__u32 info_len = sizeof(map);
	int fd = bpf_map_get_fd_by_id(map_id), ret;

	if (fd < 0)
		return errf(err, "open map %u: bpf_map_get_fd_by_id: %s", map_id,
			    strerror(errno));
	ret = bpf_obj_get_info_by_fd(fd, &map, &info_len);
	if (ret)
		ret = errf(err, "read map %u: bpf_obj_get_info_by_fd: %s", map_id,
			   strerror(errno));
	else if (map.type == BPF_MAP_TYPE_ARRAY && has_suffix(map.name, RODATA_SUFFIX))
		ret = read_id(fd, &map, out, len, err) ? -1 : 1;
	close(fd);
	return ret;
}

/* The ids of the program's maps, into a new array of *n. */
static __u32 *prog_map_ids(int prog_fd, __u32 *n, char *err)
{
	struct bpf_prog_info info = { 0 };
	__u32 info_len = sizeof(info), *ids;

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &info_len)) {
		errf(err, "read the program: bpf_obj_get_info_by_fd: %s", strerror(errno));
		return NULL;
	}
	*n = info.nr_map_ids;
	ids = calloc(*n ? *n : 1, sizeof(*ids));
	if (!ids) {
		errf(err, "read the program: %s", strerror(errno));
		return NULL;
	}
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = *n;
	info.map_ids = ptr_to_u64(ids);
	info_len = sizeof(info);
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &info_len)) {
		errf(err, "read the program's maps: bpf_obj_get_info_by_fd: %s",
		     strerror(errno));
		free(ids);
		return NULL;
	}
	/* Fewer if the program lost maps in between: it cannot gain any. */
	*n = info.nr_map_ids < *n ? info.nr_map_ids : *n;
	return ids;
}

int build_id_of_prog(int prog_fd, char *out, size_t len, char *err)
{
	__u32 n, *ids = prog_map_ids(prog_fd, &n, err);
	int ret = 0;

	if (!ids)
		return -1;
	out[0] = '\0';
	for (__u32 i = 0; i < n && !ret; i++)
		ret = read_map(ids[i], out, len, err);
	free(ids);
	return ret < 0 ? -1 : 0;
}

int build_id_attached(const char *bpffs_dir, char *out, size_t len, char *err)
{
	struct bpf_link_info info = { 0 };
	__u32 info_len = sizeof(info);
	int link = pin_open(bpffs_dir, PIN_LINK_CG_EGRESS), prog, saved, ret;

	if (link < 0) {
		saved = errno;
		errf(err, "open %s/%s: %s", bpffs_dir, PIN_LINK_CG_EGRESS, strerror(saved));
		errno = saved;
		return -1;
	}
	ret = bpf_obj_get_info_by_fd(link, &info, &info_len);
	close(link);
	if (ret)
		return errf(err, "read %s/%s: bpf_obj_get_info_by_fd: %s", bpffs_dir,
			    PIN_LINK_CG_EGRESS, strerror(errno));
	prog = bpf_prog_get_fd_by_id(info.prog_id);
	if (prog < 0)
		return errf(err, "open program %u: bpf_prog_get_fd_by_id: %s", info.prog_id,
			    strerror(errno));
	ret = build_id_of_prog(prog, out, len, err);
	close(prog);
	return ret;
}
