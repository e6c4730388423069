// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Run-time edits of a loaded kill switch, for VPN clients' up/down hooks:
 * `ksbpf allow|deny endpoint|lan|lan-dns VALUE`, `ksbpf tunnel add|del NAME`.
 * They write the pinned maps directly (the agent need not run) and stay
 * through later `load`s until undone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "guard.h"
#include "pins.h"

/* Opens the pinned state of a loaded kill switch, locked. */
static int open_loaded(const struct options *o, struct guard *g, int *lock,
		       char *err)
{
	if (!pins_loaded(o->bpffs))
		return errf(err, "nothing loaded at %s (run ksbpf load first)", o->bpffs);
	if (pins_check_owner(o->bpffs, err))
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
	enum { EDIT_ENDPOINT, EDIT_LAN, EDIT_LAN_DNS } kind;
	union {
		struct endpoint ep;
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
	if (!strcmp(kind, "lan")) {
		e->kind = EDIT_LAN;
		return parse_cidr(value, &e->cidr, err);
	}
	if (!strcmp(kind, "lan-dns")) {
		e->kind = EDIT_LAN_DNS;
		return parse_ip(value, &e->ip, err);
	}
	return errf(err, "'%s' is not endpoint, lan or lan-dns", kind);
}

static int apply_edit(const struct map_fds *m, bool allow, const struct edit *e,
		      char *err)
{
	switch (e->kind) {
	case EDIT_ENDPOINT:
		return allow ? maps_allow_endpoint(m, &e->ep, err) :
			       maps_deny_endpoint(m, &e->ep, err);
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

static int allow_or_deny(const struct options *o, bool allow)
{
	struct guard g;
	struct edit e;
	char err[ERR_LEN], what[128];
	int lock, ret;

	if (o->n_args != 2) {
		fprintf(stderr, "ksbpf: usage: ksbpf %s endpoint|lan|lan-dns VALUE\n",
			allow ? "allow" : "deny");
		return EXIT_USAGE;
	}
	if (parse_edit(o->args[0], o->args[1], &e, err)) {
		report_error(err);
		return EXIT_USAGE;
	}
	if (open_loaded(o, &g, &lock, err)) {
		report_error(err);
		return EXIT_FAILED;
	}
	ret = apply_edit(&g.maps, allow, &e, err);
	close_loaded(&g, lock);
	snprintf(what, sizeof(what), "%s %s", o->args[0], o->args[1]);
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
