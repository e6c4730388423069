// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "attach.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "err.h"
#include "ksbpf.h"
#include "pins.h"

/* Debian's UAPI headers predate TCX (Linux 6.6). */
#define KSBPF_BPF_TCX_INGRESS 46
#define KSBPF_BPF_TCX_EGRESS 47
#define KSBPF_BPF_LINK_TYPE_TCX 11
#define KSBPF_BPF_F_BEFORE (1U << 3)
/* Our legacy cls_bpf filter: handle and priority identify it. */
#define LEGACY_TC_HANDLE 0x6b73		/* "ks" */
#define LEGACY_TC_PRIORITY 1
#define LOOPBACK_IFINDEX 1

static int link_info(int link_fd, struct bpf_link_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(link_fd, info, &len);
}

/* A TCX link's info is {ifindex, attach_type} where netns links keep
 * {netns_ino, attach_type}; ifindex 0 means its device is gone. */
static unsigned int tcx_link_ifindex(const struct bpf_link_info *info)
{
	return info->type == KSBPF_BPF_LINK_TYPE_TCX ? info->netns.netns_ino : 0;
}

static int update_link(int link_fd, int prog_fd, const char *what, char *err)
{
	if (bpf_link_update(link_fd, prog_fd, NULL))
		return errf(err, "%s: bpf_link_update: %s", what, strerror(errno));
	return 0;
}

int attach_cgroup(int prog_fd, int cgroup_fd, uint64_t cgroup_id,
		  enum bpf_attach_type type, const char *pin, const char *dir,
		  char *err)
{
	int old = pin_open(dir, pin), link, ret;
	struct bpf_link_info info;

	if (old >= 0 && !link_info(old, &info) &&
	    info.cgroup.cgroup_id == cgroup_id) {
		ret = update_link(old, prog_fd, pin, err);
		close(old);
		return ret;
	}
	/* New cgroup: the new link is in place before the old one goes. */
	link = bpf_link_create(prog_fd, cgroup_fd, type, NULL);
	if (link < 0) {
		ret = errf(err, "attach %s to the cgroup: bpf_link_create: %s", pin,
			   strerror(errno));
	} else {
		ret = pin_replace(link, dir, pin, err);
		if (ret)
			bpf_link_detach(link);
		else if (old >= 0)
			bpf_link_detach(old);
		close(link);
	}
	if (old >= 0)
		close(old);
	return ret;
}

/* TCX attach types and legacy clsact hooks, by direction. */
static unsigned int tcx_type(enum tc_direction d)
{
	return d == TC_INGRESS ? KSBPF_BPF_TCX_INGRESS : KSBPF_BPF_TCX_EGRESS;
}

static enum bpf_tc_attach_point legacy_hook(enum tc_direction d)
{
	return d == TC_INGRESS ? BPF_TC_INGRESS : BPF_TC_EGRESS;
}

static int tcx_link_create(int prog_fd, unsigned int ifindex, enum tc_direction d)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = prog_fd;
	attr.link_create.target_ifindex = ifindex;
	attr.link_create.attach_type = tcx_type(d);
	/* Before every other program (relative_fd 0): ksbpf runs first. */
	attr.link_create.flags = KSBPF_BPF_F_BEFORE;
	return (int)syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
}

bool tcx_supported(void)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.query.target_fd = LOOPBACK_IFINDEX;	/* target_ifindex for TCX */
	attr.query.attach_type = KSBPF_BPF_TCX_EGRESS;
	return syscall(__NR_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)) == 0;
}

static void tc_pin_name(char *buf, size_t len, unsigned int ifindex,
			enum tc_direction d)
{
	snprintf(buf, len, d == TC_INGRESS ? PIN_LINK_TC_INGRESS_FMT :
					     PIN_LINK_TC_EGRESS_FMT, ifindex);
}

/* Returns 1 when TCX is not supported by this kernel. */
static int attach_tcx(int prog_fd, const struct iface *ifc, enum tc_direction d,
		      const char *dir, char *err)
{
	char name[64];
	struct bpf_link_info info;
	int link, ret;

	tc_pin_name(name, sizeof(name), ifc->ifindex, d);
	link = pin_open(dir, name);
	if (link >= 0 && !link_info(link, &info) &&
	    tcx_link_ifindex(&info) == ifc->ifindex) {
		ret = update_link(link, prog_fd, ifc->name, err);
		close(link);
		return ret;
	}
	if (link >= 0)
		close(link);	/* its device went away: a stale pin */
	link = tcx_link_create(prog_fd, ifc->ifindex, d);
	if (link < 0) {
		if (errno == EINVAL || errno == EOPNOTSUPP)
			return 1;
		return errf(err, "attach TC to %s: bpf_link_create(tcx): %s",
			    ifc->name, strerror(errno));
	}
	ret = pin_replace(link, dir, name, err);
	if (ret)
		bpf_link_detach(link);
	close(link);
	return ret;
}

static int attach_legacy(int prog_fd, const struct iface *ifc,
			 enum tc_direction d, char *err)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifc->ifindex,
			    .attach_point = legacy_hook(d));
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LEGACY_TC_HANDLE,
			    .priority = LEGACY_TC_PRIORITY, .prog_fd = prog_fd,
			    .flags = BPF_TC_F_REPLACE);
	libbpf_print_fn_t print = libbpf_set_print(NULL);
	int ret = bpf_tc_hook_create(&hook);

	/* An existing clsact (ours, or another tool's) is fine, and libbpf's
	 * warning about it would only alarm. */
	libbpf_set_print(print);
	if (ret && ret != -EEXIST)
		return errf(err, "attach TC to %s: create clsact: %s",
			    ifc->name, strerror(-ret));
	ret = bpf_tc_attach(&hook, &opts);
	if (ret)
		return errf(err, "attach TC to %s: bpf_tc_attach: %s",
			    ifc->name, strerror(-ret));
	return 0;
}

/* What the user asked for; with auto, what the uplink already has. */
static unsigned int wanted_mode(enum tc_mode_choice choice, unsigned int before)
{
	if (choice == TC_MODE_TCX)
		return KSBPF_TC_TCX;
	if (choice == TC_MODE_LEGACY)
		return KSBPF_TC_LEGACY;
	return before ? before : KSBPF_TC_TCX;
}

int attach_tc(int prog_fd, const struct iface *ifc, enum tc_direction d,
	      enum tc_mode_choice choice, unsigned int *mode, const char *dir,
	      char *err)
{
	unsigned int before = *mode, want = wanted_mode(choice, before);
	int ret;

	if (want == KSBPF_TC_TCX) {
		ret = attach_tcx(prog_fd, ifc, d, dir, err);
		if (ret < 0)
			return -1;
		if (ret == 1 && choice == TC_MODE_TCX)
			return errf(err, "attach TC to %s: this kernel has no TCX "
				    "(needs Linux 6.6)", ifc->name);
		if (ret == 1)
			want = KSBPF_TC_LEGACY;
	}
	if (want == KSBPF_TC_LEGACY && attach_legacy(prog_fd, ifc, d, err))
		return -1;
	/* A change of mode: the old attachment goes only now that the new
	 * one is in place (TCX runs before clsact, so both may coexist). */
	if (before && before != want)
		detach_tc(ifc->ifindex, d, before, dir);
	*mode = want;
	return 0;
}

int detach_tc(unsigned int ifindex, enum tc_direction d, unsigned int mode,
	      const char *dir)
{
	char name[64];
	int link, ret = 0;

	if (mode == KSBPF_TC_LEGACY) {
		DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
				    .attach_point = legacy_hook(d));
		DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LEGACY_TC_HANDLE,
				    .priority = LEGACY_TC_PRIORITY);

		ret = bpf_tc_detach(&hook, &opts);
		return ret == -ENOENT || ret == -ENODEV || ret == -EINVAL ? 0 : ret;
	}
	tc_pin_name(name, sizeof(name), ifindex, d);
	link = pin_open(dir, name);
	if (link >= 0) {
		bpf_link_detach(link);
		close(link);
	}
	if (pin_remove(dir, name) && errno != ENOENT)
		ret = -errno;
	return ret;
}

int detach_cgroup(const char *pin, const char *dir)
{
	int link = pin_open(dir, pin);

	if (link >= 0) {
		bpf_link_detach(link);
		close(link);
	}
	if (pin_remove(dir, pin) && errno != ENOENT)
		return -errno;
	return 0;
}

int attach_tracepoint(int prog_fd, const char *pin, const char *dir, char *err)
{
	int link = bpf_raw_tracepoint_open(NULL, prog_fd), ret;

	if (link < 0)
		return errf(err, "attach %s: bpf_raw_tracepoint_open: %s", pin,
			    strerror(errno));
	/* The rename drops the old link's last reference: it detaches only
	 * once the new one is attached. */
	ret = pin_replace(link, dir, pin, err);
	close(link);
	return ret;
}

bool tracepoint_attached(const char *pin, const char *dir, uint32_t *prog_id)
{
	struct bpf_link_info info;
	int link = pin_open(dir, pin);
	bool attached;

	if (link < 0)
		return false;
	attached = !link_info(link, &info) && info.type == BPF_LINK_TYPE_RAW_TRACEPOINT;
	*prog_id = info.prog_id;
	close(link);
	return attached;
}

bool cgroup_attached(const char *pin, const char *dir, uint64_t *cgroup_id,
		     uint32_t *prog_id)
{
	struct bpf_link_info info;
	int link = pin_open(dir, pin);
	bool attached;

	if (link < 0)
		return false;
	attached = !link_info(link, &info) && info.cgroup.cgroup_id;
	*cgroup_id = info.cgroup.cgroup_id;
	*prog_id = info.prog_id;
	close(link);
	return attached;
}

static bool legacy_attached(unsigned int ifindex, enum tc_direction d,
			    uint32_t *prog_id)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)ifindex,
			    .attach_point = legacy_hook(d));
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = LEGACY_TC_HANDLE,
			    .priority = LEGACY_TC_PRIORITY);

	if (bpf_tc_query(&hook, &opts))
		return false;
	*prog_id = opts.prog_id;
	return true;
}

bool tc_attached(unsigned int ifindex, enum tc_direction d, unsigned int mode,
		 const char *dir, uint32_t *prog_id)
{
	struct bpf_link_info info;
	char name[64];
	bool attached;
	int link;

	if (mode == KSBPF_TC_LEGACY)
		return legacy_attached(ifindex, d, prog_id);
	tc_pin_name(name, sizeof(name), ifindex, d);
	link = pin_open(dir, name);
	if (link < 0)
		return false;
	attached = !link_info(link, &info) && tcx_link_ifindex(&info) == ifindex;
	*prog_id = info.prog_id;
	close(link);
	return attached;
}
