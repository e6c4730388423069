// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Run-time edits of a loaded kill switch, for VPN clients' up/down hooks:
 * `ksbpf allow|deny endpoint|mark|lan|lan-dns VALUE`, `ksbpf tunnel add|del NAME`,
 * `ksbpf wg-sync IFACE`.
 * They write the pinned maps directly (the agent need not run) and stay
 * through later `load`s until undone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "commands.h"
#include "guard.h"
#include "json.h"
#include "pins.h"
#include "wg_sync.h"

/* Opens the pinned state of a loaded kill switch, locked. */
static int open_loaded(const struct options *o, struct guard *g, int *lock,
		       char *err)
{
	if (pins_require_loaded(o->bpffs, err) || pins_check_owner(o->bpffs, err))
		return -1;
	*lock = pins_lock(o->bpffs, err);
	if (*lock < 0)
		return -1;
	if (guard_open_pinned(g, o->bpffs, err)) {
		close(*lock);
		return -1;
	}
	g->tc_mode = o->tc_mode;
	return 0;
}

static void close_loaded(struct guard *g, int lock)
{
	guard_close(g);
	close(lock);
}

struct edit {
	enum { EDIT_ENDPOINT, EDIT_MARK, EDIT_LAN, EDIT_LAN_DNS } kind;
	union {
		struct endpoint ep;
		struct mark_rule mark;
		struct cidr cidr;
		struct ip_addr ip;
	};
};

static int parse_edit(const char *kind, const char *value, struct edit *e,
		      char *err)
{
	if (!strcmp(kind, "endpoint")) {
		e->kind = EDIT_ENDPOINT;
		return parse_endpoint(value, &e->ep, err);
	}
	if (!strcmp(kind, "mark")) {
		e->kind = EDIT_MARK;
		return parse_mark_rule(value, &e->mark, err);
	}
	if (!strcmp(kind, "lan")) {
		e->kind = EDIT_LAN;
		return parse_cidr(value, &e->cidr, err);
	}
	if (!strcmp(kind, "lan-dns")) {
		e->kind = EDIT_LAN_DNS;
		return parse_ip(value, &e->ip, err);
	}
	return errf(err, "'%s' is not endpoint, mark, lan or lan-dns", kind);
}

static int apply_edit(const struct map_fds *m, bool allow, const struct edit *e,
		      char *err)
{
	switch (e->kind) {
	case EDIT_ENDPOINT:
		return allow ? maps_allow_endpoint(m, &e->ep, err) :
			       maps_deny_endpoint(m, &e->ep, err);
	case EDIT_MARK:
		return allow ? maps_allow_mark(m, &e->mark, err) :
			       maps_deny_mark(m, &e->mark, err);
	case EDIT_LAN:
		return allow ? maps_allow_lan(m, &e->cidr, err) :
			       maps_deny_lan(m, &e->cidr, err);
	default:
		return allow ? maps_allow_lan_dns(m, &e->ip, err) :
			       maps_deny_lan_dns(m, &e->ip, err);
	}
}

static int report(int ret, const char *err, const char *done, const char *what)
{
	if (ret < 0) {
		report_error(err);
		return EXIT_FAILED;
	}
	if (ret > 0)
		printf("ksbpf: %s was not there\n", what);
	else
		printf("ksbpf: %s %s\n", done, what);
	return EXIT_OK;
}

/* KIND VALUE; a mark may also be written MARK[/MASK] PROTO. */
static int edit_value(const struct options *o, char *buf, size_t len)
{
	if (o->n_args == 2)
		return snprintf(buf, len, "%s", o->args[1]) < (int)len ? 0 : -1;
	if (o->n_args == 3 && !strcmp(o->args[0], "mark"))
		return snprintf(buf, len, "%s/%s", o->args[1], o->args[2]) < (int)len ? 0 : -1;
	return -1;
}

static int allow_or_deny(const struct options *o, bool allow)
{
	struct guard g;
	struct edit e;
	char err[ERR_LEN], what[128], value[96];
	int lock, ret;

	if (edit_value(o, value, sizeof(value))) {
		fprintf(stderr, "ksbpf: usage: ksbpf %s endpoint|lan|lan-dns VALUE, "
			"or ksbpf %s mark MARK[/MASK] [udp|tcp]\n",
			allow ? "allow" : "deny", allow ? "allow" : "deny");
		return EXIT_USAGE;
	}
	if (parse_edit(o->args[0], value, &e, err)) {
		report_error(err);
		return EXIT_USAGE;
	}
	if (open_loaded(o, &g, &lock, err)) {
		report_error(err);
		return EXIT_FAILED;
	}
	ret = apply_edit(&g.maps, allow, &e, err);
	close_loaded(&g, lock);
	snprintf(what, sizeof(what), "%s %s", o->args[0], value);
	return report(ret, err, allow ? "allowed" : "denied", what);
}

int cmd_allow(const struct options *o)
{
	return allow_or_deny(o, true);
}

int cmd_deny(const struct options *o)
{
	return allow_or_deny(o, false);
}

/* A changed name list changes which interfaces are tunnels and uplinks. */
static int apply_tunnel_names(struct guard *g, char *err)
{
	struct policy *names = calloc(1, sizeof(*names));
	struct guard_counts counts;
	int ret;

	if (!names)
		return errf(err, "out of memory");
	maps_read_interface_policy(&g->maps, names);
	g->names = names;
	ret = guard_reconcile_all(g, &counts, err);
	if (g->routing_error[0])
		fprintf(stderr, "ksbpf: bypass apps are NOT routed by the uplinks: %s\n",
			g->routing_error);
	free(names);
	g->names = NULL;
	return ret;
}

int cmd_tunnel(const struct options *o)
{
	char err[ERR_LEN], name[KSBPF_IFNAME_LEN], what[64];
	struct guard g;
	bool add;
	int lock, ret;

	if (o->n_args != 2 || (strcmp(o->args[0], "add") && strcmp(o->args[0], "del"))) {
		fprintf(stderr, "ksbpf: usage: ksbpf tunnel add|del NAME\n");
		return EXIT_USAGE;
	}
	add = !strcmp(o->args[0], "add");
	if (parse_ifname(o->args[1], name, err)) {
		report_error(err);
		return EXIT_USAGE;
	}
	if (open_loaded(o, &g, &lock, err)) {
		report_error(err);
		return EXIT_FAILED;
	}
	ret = add ? maps_add_tunnel_name(&g.maps, name, err) :
		    maps_del_tunnel_name(&g.maps, name, err);
	if (ret >= 0 && apply_tunnel_names(&g, err))
		ret = -1;
	close_loaded(&g, lock);
	snprintf(what, sizeof(what), "tunnel %s", name);
	return report(ret, err, add ? "added" : "removed", what);
}

static void print_wg_sync(const struct options *o, const char *ifname,
			  const struct wg_device *dev, const struct wg_sync_result *res)
{
	char buf[128], mark[16] = "none";
	struct json j;

	if (dev->fwmark)
		snprintf(mark, sizeof(mark), "0x%x", dev->fwmark);
	if (!o->json) {
		if (o->forget)
			printf("ksbpf: wg-sync %s: forgot %u endpoint%s\n", ifname,
			       res->removed, res->removed == 1 ? "" : "s");
		else if (!dev->n_endpoints)
			printf("ksbpf: wg-sync %s: no peer has an endpoint yet; kept the "
			       "%u written before\n", ifname, res->owned);
		else
			printf("ksbpf: wg-sync %s: %u endpoint%s (%u new, %u removed), "
			       "fwmark %s\n", ifname, res->owned,
			       res->owned == 1 ? "" : "s", res->added, res->removed,
			       mark);
		return;
	}
	json_init(&j, stdout);
	json_object_begin(&j);
	json_key(&j, "interface");
	json_string(&j, ifname);
	if (!o->forget) {
		json_key(&j, "source");
		json_string(&j, dev->userspace ? "uapi" : "netlink");
		json_key(&j, "fwmark");
		json_uint(&j, dev->fwmark);
		json_key(&j, "endpoints");
		json_array_begin(&j);
		for (unsigned int i = 0; i < dev->n_endpoints; i++)
			if (!format_endpoint(&dev->endpoints[i], buf, sizeof(buf)))
				json_string(&j, buf);
		json_array_end(&j);
	}
	json_key(&j, "added");
	json_uint(&j, res->added);
	json_key(&j, "removed");
	json_uint(&j, res->removed);
	json_key(&j, "owned");
	json_uint(&j, res->owned);
	json_object_end(&j);
	json_finish(&j);
}

/* Reads the WireGuard interface here (this network namespace) and makes its
 * peers' endpoints, with its fwmark, run-time endpoints of the kill switch. */
int cmd_wg_sync(const struct options *o)
{
	static struct wg_device dev;
	struct wg_sync_result res;
	char err[ERR_LEN], name[KSBPF_IFNAME_LEN];
	struct guard g;
	int lock, ret;

	if (o->n_args != 1) {
		fprintf(stderr, "ksbpf: usage: ksbpf wg-sync [--forget] IFACE\n");
		return EXIT_USAGE;
	}
	if (parse_ifname(o->args[0], name, err)) {
		report_error(err);
		return EXIT_USAGE;
	}
	if (open_loaded(o, &g, &lock, err)) {
		report_error(err);
		return EXIT_FAILED;
	}
	memset(&dev, 0, sizeof(dev));
	ret = o->forget ? wg_sync_write(&g.maps, name, NULL, 0, &res, err) :
			  wg_sync_interface(&g.maps, name, &dev, &res, err);
	close_loaded(&g, lock);
	if (ret) {
		report_error(err);
		return EXIT_FAILED;
	}
	print_wg_sync(o, name, &dev, &res);
	return EXIT_OK;
}
