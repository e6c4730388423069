// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `ksbpf run`: load (or adopt) enforcement, then follow rtnetlink so that the
 * tunnel ifindex set and the guarded uplinks follow the interfaces. The BPF
 * side is default-deny: the agent only ever widens what passes to a tunnel
 * that is up, and guards new uplinks before anything else happens on them.
 * Killing it at any moment leaves enforcement in place.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "apps.h"
#include "commands.h"
#include "events.h"
#include "guard.h"
#include "iface_table.h"
#include "link_event.h"
#include "metrics.h"
#include "names.h"
#include "notify.h"
#include "pins.h"
#include "route_msg.h"
#include "snapshot.h"
#include "status.h"
#include "wg_sync.h"

/* Once a second the agent logs new drops, at most this many lines, and
 * every APP_SWEEP_TICKS it looks for removed app cgroups. WireGuard tells
 * nobody of a changed peer endpoint: --wg-sync asks it four times a second,
 * so that a tunnel sent to a new endpoint waits at most that long. */
#define DROP_LOG_LINES 10
#define APP_SWEEP_TICKS 2
#define WG_SYNC_INTERVAL_MS 250
/* The status snapshot and --metrics-file: every few seconds (a status
 * reads every map) and at once when the state changes. */
#define PUBLISH_TICKS 5
/* STATUS=: a state, and up to two failures */
#define STATE_LEN (2 * ERR_LEN + 128)

/* What the last reconcile made of an interface, to tell what changed. */
struct known_iface {
	unsigned int ifindex;
	char name[KSBPF_IFNAME_LEN];
	enum role role;
	enum uplink_outcome outcome;
	bool up;
};

struct agent {
	const char *dir;
	struct guard guard;
	struct policy *names;
	int netlink;
	int signals;
	int tick_timer;
	int wg_sync_timer;	/* WG_SYNC_INTERVAL_MS; a no-op without --wg-sync */
	int watchdog_timer;	/* -1: the service manager watches nobody */
	enum log_drops log_drops;
	const struct options *opts;	/* the last (re)load's */
	bool publish_pending;
	unsigned long ticks;
	bool resync_pending;
	char routing_failure[ERR_LEN];	/* said, and retried; "": routed */
	char resync_failure[ERR_LEN];	/* "": in sync */
	char reload_failure[ERR_LEN];	/* the last SIGHUP's; "": none */
	bool uplinks_full;		/* some uplinks NOT guarded */
	char pins_problem[STATE_LEN];	/* what status says is wrong; "": none */
	char told[STATE_LEN];		/* the STATUS= last sent */
	struct iface_table ifaces;
	struct known_iface *known;	/* sorted by ifindex */
	size_t n_known;
	unsigned int max_uplinks;	/* room in ksbpf_uplinks */
	uint64_t last_event;
	struct ksbpf_event *events;
	struct event_names *event_names;
	/* --wg-sync: the interfaces whose peers' endpoints follow them, and
	 * the last failure said for each ("": synced) */
	char wg_sync[CLI_MAX_WG_SYNC][KSBPF_IFNAME_LEN];
	char wg_sync_failure[CLI_MAX_WG_SYNC][ERR_LEN];
	unsigned int n_wg_sync;
};

static void vsay(int priority, const char *fmt, va_list ap)
{
	fprintf(stderr, "%sksbpf run: ", log_priority(priority));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line per decision: the journal, or the terminal, keeps the story;
 * what weakens the kill switch, or blocks the user, is a warning. */
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(LOG_INFO, fmt, ap);
	va_end(ap);
}

static void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(LOG_WARNING, fmt, ap);
	va_end(ap);
}

/* The agent stops (enforcement stays). */
static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(LOG_ERR, fmt, ap);
	va_end(ap);
}

/* Bypass routing follows every reconcile and every change of the main
 * table or the rules; a failure is said once, and retried every tick. */
static void routing_done(struct agent *a)
{
	const char *why = a->guard.routing_error;

	if (!strcmp(why, a->routing_failure))
		return;
	if (why[0])
		warn("bypass apps are NOT routed by the uplinks: %s", why);
	else
		say("bypass routing in place again");
	snprintf(a->routing_failure, sizeof(a->routing_failure), "%s", why);
}

static void route_bypass(struct agent *a)
{
	guard_route_bypass(&a->guard);
	routing_done(a);
}

/* `ksbpf tunnel add|del` may have changed the names meanwhile. */
static void refresh_names(struct agent *a)
{
	maps_read_interface_policy(&a->guard.maps, a->names);
}

static int by_ifindex(const void *a, const void *b)
{
	const struct known_iface *x = a, *y = b;

	return (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static const struct known_iface *find_known(const struct agent *a,
					    unsigned int ifindex)
{
	struct known_iface key = { .ifindex = ifindex };

	return bsearch(&key, a->known, a->n_known, sizeof(*a->known), by_ifindex);
}

static bool tunnel_active(enum role role, bool up)
{
	return role == ROLE_TUNNEL && up;
}

/* One line per change of role or of guard, none for what stayed. */
static void say_change(const struct agent *a, const struct iface *ifc,
		       const struct guard_result *r)
{
	const struct known_iface *was = find_known(a, ifc->ifindex);
	bool renamed = was && strcmp(was->name, ifc->name);

	if (was && !renamed && was->role == r->role.role &&
	    was->outcome == r->outcome && was->up == ifc->up)
		return;
	if (tunnel_active(r->role.role, ifc->up) &&
	    (!was || !tunnel_active(was->role, was->up)))
		say("tunnel %s (ifindex %u) up: traffic may leave through it",
		    ifc->name, ifc->ifindex);
	if (was && tunnel_active(was->role, was->up) &&
	    !tunnel_active(r->role.role, ifc->up))
		warn("tunnel %s (ifindex %u) down or gone: blocked", was->name,
		     ifc->ifindex);
	if (r->outcome == UPLINK_GUARDED &&
	    (!was || was->outcome != UPLINK_GUARDED || renamed))
		say("uplink %s (ifindex %u): guarded (%s)", ifc->name, ifc->ifindex,
		    r->role.why);
	else if (r->outcome == UPLINK_FULL && (!was || was->outcome != UPLINK_FULL))
		warn("uplink %s (ifindex %u): NOT guarded: ksbpf_uplinks is full "
		    "(%u entries; raise --max-uplinks, which takes effect after "
		    "`ksbpf unload`)", ifc->name, ifc->ifindex, a->max_uplinks);
	else if (r->role.role == ROLE_LOCAL && (!was || was->role != ROLE_LOCAL))
		say("local link %s (ifindex %u): not judged at TC (%s)%s", ifc->name,
		    ifc->ifindex, r->role.why,
		    was && was->outcome == UPLINK_GUARDED ? "; TC program removed" : "");
	else if (r->role.role == ROLE_TUNNEL && was && was->outcome == UPLINK_GUARDED)
		say("uplink %s (ifindex %u) now a tunnel: forgotten", ifc->name,
		    ifc->ifindex);
}

/* What the reconcile made of each interface, sorted; NULL if out of
 * memory (the next batch then repeats a few lines). */
static struct known_iface *known_now(const struct iface *ifs,
				     const struct guard_result *r, size_t n)
{
	struct known_iface *known = calloc(n ? n : 1, sizeof(*known));

	if (!known)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		known[i].ifindex = ifs[i].ifindex;
		memcpy(known[i].name, ifs[i].name, sizeof(known[i].name));
		known[i].role = r[i].role.role;
		known[i].outcome = r[i].outcome;
		known[i].up = ifs[i].up;
	}
	qsort(known, n, sizeof(*known), by_ifindex);
	return known;
}

static void say_gone(const struct agent *a, const struct known_iface *now,
		     size_t n)
{
	for (size_t i = 0; i < a->n_known; i++) {
		const struct known_iface *was = &a->known[i];

		if (bsearch(was, now, n, sizeof(*now), by_ifindex))
			continue;
		if (tunnel_active(was->role, was->up))
			warn("tunnel %s (ifindex %u) down or gone: blocked", was->name,
			     was->ifindex);
		else if (was->outcome == UPLINK_GUARDED)
			say("uplink %s (ifindex %u) gone: forgotten", was->name,
			    was->ifindex);
	}
}

/* Brings the guard in line with the table; -1 when something failed that
 * a retry could fix. */
static int reconcile(struct agent *a, struct guard_counts *counts, char *err)
{
	const struct iface_table *t = &a->ifaces;
	struct guard_result *results = calloc(t->n ? t->n : 1, sizeof(*results));
	struct known_iface *now;
	bool followed;
	int ret;

	if (!results)
		return errf(err, "out of memory");
	if (guard_follow_load(&a->guard, &followed, err)) {
		free(results);
		return -1;
	}
	if (followed)
		say("a load pinned new programs: new uplinks get them");
	ret = guard_reconcile(&a->guard, t->ifs, t->n, results, counts, err);
	a->uplinks_full = counts->full > 0;
	if (!ret)	/* else routing may not have run: the resync tells */
		routing_done(a);
	for (size_t i = 0; i < t->n; i++)
		say_change(a, &t->ifs[i], &results[i]);
	now = known_now(t->ifs, results, t->n);
	if (now) {
		say_gone(a, now, t->n);
		free(a->known);
		a->known = now;
		a->n_known = t->n;
	}
	free(results);
	return ret;
}

/* A resync that failed (an interface vanished under it, the kernel said
 * no) is tried again at the next tick. */
static void resync(struct agent *a)
{
	struct guard_counts counts;
	struct iface *ifs = NULL;
	char err[ERR_LEN];
	size_t n = 0;
	int ret;

	refresh_names(a);
	ret = ifaces_list(&ifs, &n, err);
	if (!ret) {
		iface_table_reset(&a->ifaces, ifs, n);
		/* Address events may have been lost too. */
		ret = reconcile(a, &counts, err) ||
		      maps_sync_tunnel_addrs(&a->guard.maps, err) ? -1 : 0;
	}
	a->resync_pending = ret != 0;
	snprintf(a->resync_failure, sizeof(a->resync_failure), "%s", ret ? err : "");
	if (ret)
		warn("resync failed, retrying in a second: %s", err);
	else
		say("in sync: %d uplink%s guarded, %d local link%s, %d tunnel%s up%s",
		    counts.uplinks, counts.uplinks == 1 ? "" : "s", counts.local,
		    counts.local == 1 ? "" : "s", counts.tunnels_up,
		    counts.tunnels_up == 1 ? "" : "s",
		    counts.full ? "; some uplinks NOT guarded (ksbpf_uplinks is full)" : "");
}

static int open_netlink(unsigned int buffer, char *err)
{
	/* Links for the tunnel set and the uplinks; addresses for the tunnel
	 * addresses that --block-inbound protects; routes and rules for the
	 * bypass apps' routes. */
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR |
			     RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE,
	};
	const int rule_groups[] = { RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_ROUTE);

	if (fd < 0)
		return errf(err, "netlink socket: %s", strerror(errno));
	if (buffer && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer,
				 sizeof(buffer)) &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof(buffer))) {
		errf(err, "netlink SO_RCVBUF: %s", strerror(errno));
		close(fd);
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		errf(err, "netlink bind (link, address and route groups): %s",
		     strerror(errno));
		close(fd);
		return -1;
	}
	/* Without IPv6 there is no IPv6 rule group: nothing to follow. */
	for (size_t i = 0; i < sizeof(rule_groups) / sizeof(rule_groups[0]); i++)
		setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &rule_groups[i],
			   sizeof(rule_groups[i]));
	return fd;
}

/* The main table's routes are copied, ksbpf's rules must stay, and the
 * uplinks' addresses have rules of their own; changes to ksbpf's own table
 * are its own doing. */
static bool changes_bypass_routes(const struct nlmsghdr *nh)
{
	struct route_msg r;

	switch (nh->nlmsg_type) {
	case RTM_NEWRULE:
	case RTM_DELRULE:
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return true;
	default:
		break;
	}
	return route_msg_parse(nh, &r) == 0 && r.table == RT_TABLE_MAIN;
}

/* The table follows the batch, then the guard follows the table once.
 * Returns -1 when something failed: the caller resyncs, which retries. */
static int handle_messages(struct agent *a, const char *buf, size_t len)
{
	const struct nlmsghdr *nh = (const struct nlmsghdr *)buf;
	bool links = false, addresses = false, routes = false;
	struct guard_counts counts;
	struct link_event ev;
	int left = (int)len;
	char err[ERR_LEN];

	for (; NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
		int parsed = link_event_parse(nh, &ev);

		if (parsed < 0)
			say("ignoring a malformed link message (type %u)", nh->nlmsg_type);
		else if (parsed == 0 && iface_table_apply(&a->ifaces, &ev))
			return -1;
		links |= parsed == 0;
		addresses |= nh->nlmsg_type == RTM_NEWADDR ||
			     nh->nlmsg_type == RTM_DELADDR;
		routes |= changes_bypass_routes(nh);
	}
	/* A reconcile routes bypass apps too. */
	if (routes && !links)
		route_bypass(a);
	if (links && reconcile(a, &counts, err))
		warn("%s", err);
	else if (addresses && maps_sync_tunnel_addrs(&a->guard.maps, err))
		warn("%s", err);
	else
		return 0;
	return -1;
}

/* Reads what netlink has; events lost to an overrun mean a full resync. */
static int drain_netlink(struct agent *a)
{
	static char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
	char err[ERR_LEN];

	for (;;) {
		ssize_t n = recv(a->netlink, buf, sizeof(buf), 0);
		int lock;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		lock = pins_lock(a->dir, err);
		if (lock < 0) {
			fail("%s", err);
			return -1;
		}
		if (n < 0 && errno == ENOBUFS) {
			say("netlink overrun: events were lost, resynchronising");
			/* The socket drops events, with no new ENOBUFS, until a
			 * read finds its queue empty: empty it, then resync. */
			while (recv(a->netlink, buf, sizeof(buf), 0) > 0 ||
			       errno == EINTR || errno == ENOBUFS)
				;
			resync(a);
		} else if (n < 0) {
			fail("netlink recv: %s", strerror(errno));
			close(lock);
			return -1;
		} else {
			refresh_names(a);
			if (handle_messages(a, buf, (size_t)n)) {
				say("an action failed: resynchronising");
				resync(a);
			}
		}
		close(lock);
	}
}

static int open_signals(char *err)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return errf(err, "sigprocmask: %s", strerror(errno));
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return errf(err, "signalfd: %s", strerror(errno));
	return fd;
}

/* What the tick does to the pinned state, one writer at a time with load
 * and the other commands; a lock not had is tried at the next tick. */
static void locked(struct agent *a, void (*action)(struct agent *))
{
	char err[ERR_LEN];
	int lock = pins_lock(a->dir, err);

	if (lock < 0)
		return;
	action(a);
	close(lock);
}

static void follow_wireguard(struct agent *a, const struct options *o)
{
	memcpy(a->wg_sync, o->wg_sync, sizeof(a->wg_sync));
	memset(a->wg_sync_failure, 0, sizeof(a->wg_sync_failure));
	a->n_wg_sync = o->n_wg_sync;
}

/* A failure (no such interface yet, a wireguard-go that hangs) is said
 * once, and what was synced before stays. */
static void sync_wireguard(struct agent *a)
{
	static struct wg_device dev;
	struct wg_sync_result res;
	char err[ERR_LEN];

	for (unsigned int i = 0; i < a->n_wg_sync; i++) {
		const char *ifname = a->wg_sync[i];
		char *said = a->wg_sync_failure[i];
		int ret = wg_sync_interface(&a->guard.maps, ifname, &dev, &res, err);

		if (ret) {
			if (strcmp(said, err))
				say("wg-sync %s: %s%s", ifname, err,
				    ret > 0 ? " (its endpoints stay; asking again)" : "");
			snprintf(said, ERR_LEN, "%s", err);
			continue;
		}
		said[0] = '\0';
		if (res.added || res.removed)
			say("wg-sync %s: %u endpoint%s (%u new, %u removed), fwmark 0x%x",
			    ifname, res.owned, res.owned == 1 ? "" : "s", res.added,
			    res.removed, dev.fwmark);
	}
}

static void adopt_guard(struct agent *a, const struct options *o)
{
	a->guard.names = a->names;
	a->guard.tc_mode = o->tc_mode;
	a->max_uplinks = maps_room(a->guard.maps.uplinks);
	a->log_drops = o->log_drops;
	a->opts = o;
}

/* SIGHUP: the configuration file and the command line again, then load.
 * A failure leaves the enforcement that was in place. */
static int reload(struct agent *a, const struct options *o, char *err)
{
	/* The agent keeps pointing at the options in use (a->opts): a
	 * reload that fails must not have written them. */
	static struct options fresh, in_use;

	memset(&fresh, 0, sizeof(fresh));
	if (cli_parse_with_config(o->argc, o->argv, OPT_POLICY | OPT_AGENT, &fresh, err))
		return -1;
	if (strcmp(fresh.bpffs, a->dir))
		return errf(err, "bpffs cannot change while running (restart instead)");
	if (cmd_load(&fresh) != EXIT_OK)
		return errf(err, "load failed (said above)");
	in_use = fresh;
	/* New uplinks must get the programs load just put in place. */
	guard_close(&a->guard);
	if (guard_open_pinned(&a->guard, a->dir, err))
		return -1;
	adopt_guard(a, &in_use);
	follow_wireguard(a, &in_use);
	resync(a);
	locked(a, sync_wireguard);
	return 0;
}

/* What `systemctl status` shows beside the unit: whether the kill switch
 * holds, and what for. */
static void describe(const struct agent *a, char *out, size_t len)
{
	char tunnels[ERR_LEN] = "";
	size_t used = 0;
	int n = 0;

	for (size_t i = 0; i < a->n_known && used < sizeof(tunnels); i++)
		if (tunnel_active(a->known[i].role, a->known[i].up))
			used += snprintf(tunnels + used, sizeof(tunnels) - used, "%s%s",
					 n++ ? ", " : "", a->known[i].name);
	if (a->pins_problem[0])
		snprintf(out, len, "%s", a->pins_problem);
	else if (a->uplinks_full)
		snprintf(out, len, "DEGRADED — some uplinks NOT guarded "
			 "(ksbpf_uplinks is full)");
	else if (a->resync_failure[0])
		snprintf(out, len, "DEGRADED — out of step with the interfaces, "
			 "retrying: %s", a->resync_failure);
	else if (a->routing_failure[0])
		snprintf(out, len, "DEGRADED — bypass apps NOT routed: %s",
			 a->routing_failure);
	else if (n)
		snprintf(out, len, "PROTECTED — tunnel%s %s up", n > 1 ? "s" : "",
			 tunnels);
	else
		snprintf(out, len, "PROTECTED — no tunnel up: traffic blocked");
	if (a->reload_failure[0]) {
		size_t at = strlen(out);

		snprintf(out + at, len - at, "; reload failed: %s", a->reload_failure);
	}
}

/* STATUS= when it changed; READY=1 too after startup and each reload. */
static void tell_manager(struct agent *a, bool ready)
{
	char state[STATE_LEN];

	describe(a, state, sizeof(state));
	if (!ready && !strcmp(state, a->told))
		return;
	notify("%sSTATUS=%s", ready ? "READY=1\n" : "", state);
	snprintf(a->told, sizeof(a->told), "%s", state);
	a->publish_pending = true;
}

static void handle_reload(struct agent *a, const struct options *o)
{
	char err[ERR_LEN];

	notify_reloading();
	say("SIGHUP: reloading the configuration");
	if (reload(a, o, err)) {
		warn("SIGHUP: configuration not reloaded, the previous one holds: %s", err);
		snprintf(a->reload_failure, sizeof(a->reload_failure), "%s", err);
	} else {
		a->reload_failure[0] = '\0';
	}
	tell_manager(a, true);
}

/* Returns 1 to stop. */
static int handle_signals(struct agent *a, const struct options *o)
{
	struct signalfd_siginfo si;

	while (read(a->signals, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			handle_reload(a, o);
			continue;
		}
		say("%s: stopping; enforcement stays in place",
		    si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
		return 1;
	}
	return 0;
}

static void said_app_gone(const struct app_info *app)
{
	say("app %s (cgroup id %llu) was removed: policy forgotten", app->path,
	    (unsigned long long)app->cgroup_id);
}

static int open_timer(long interval_ms, char *err)
{
	struct timespec interval = {
		.tv_sec = interval_ms / 1000,
		.tv_nsec = (interval_ms % 1000) * 1000000,
	};
	struct itimerspec every = { .it_interval = interval, .it_value = interval };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	if (fd < 0 || timerfd_settime(fd, 0, &every, NULL)) {
		errf(err, "timerfd: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* A removed cgroup cannot hold sockets: its entry is only clutter, and its
 * id could be mistaken for another's in `app list`. */
static void sweep_apps(struct agent *a)
{
	apps_sweep(&a->guard.maps, said_app_gone);
}

/* By default one line per drop, a few a second: the journal is no
 * packet capture (--log-drops). */
static void log_drops(struct agent *a)
{
	size_t shown, limit = a->log_drops == LOG_DROPS_ALL ? SIZE_MAX : DROP_LOG_LINES;
	char line[512];
	uint64_t lost;
	size_t n;

	if (a->log_drops == LOG_DROPS_NONE)
		return;
	events_read(&a->guard.maps, a->last_event, a->events, &n, &lost,
		    &a->last_event);
	shown = n < limit ? n : limit;
	for (size_t i = 0; i < shown; i++) {
		event_format(&a->events[i], a->event_names, line, sizeof(line));
		say("%s", line);
	}
	if (n + lost > shown)
		say("... and %llu more drops this second%s (ksbpf events)",
		    (unsigned long long)(n + lost - shown),
		    lost ? ", some lost to a full event ring" : "");
}

/* For those who cannot read the pins: the snapshot, and the metrics. */
static void publish(struct agent *a)
{
	const struct options *o = a->opts;
	enum ksbpf_exit state;
	char err[ERR_LEN];
	struct status *s = status_collect(o, &state, err);

	a->publish_pending = false;
	if (!s) {
		warn("status not published: %s", err);
		return;
	}
	/* What status sees in the pins (a link someone detached) is what the
	 * service manager is told, too. */
	if (state == EXIT_OK)
		a->pins_problem[0] = '\0';
	else if (state == EXIT_NOT_LOADED)
		snprintf(a->pins_problem, sizeof(a->pins_problem),
			 "NOT LOADED — the pins are gone: no kill switch");
	else
		status_headline(s, state, a->pins_problem, sizeof(a->pins_problem));
	if (snapshot_write(o, s, state, "run", err))
		warn("status snapshot not written: %s", err);
	if (o->metrics_file[0] &&
	    metrics_write(o->metrics_file, s, state, o->metrics_apps, err))
		warn("--metrics-file not written: %s", err);
	status_free(s);
}

static void tick(struct agent *a)
{
	uint64_t expirations;

	if (read(a->tick_timer, &expirations, sizeof(expirations)) < 0)
		return;
	log_drops(a);
	if (a->resync_pending)
		locked(a, resync);
	else if (a->routing_failure[0])
		locked(a, route_bypass);
	if (++a->ticks % APP_SWEEP_TICKS == 0)
		locked(a, sweep_apps);
	if (a->publish_pending || a->ticks % PUBLISH_TICKS == 0)
		publish(a);
}

static void wg_sync_tick(struct agent *a)
{
	uint64_t expirations;

	if (read(a->wg_sync_timer, &expirations, sizeof(expirations)) < 0)
		return;
	if (a->n_wg_sync)
		locked(a, sync_wireguard);
}

/* Sent from the loop itself, so that a hung agent is restarted. */
static void watchdog_tick(struct agent *a)
{
	uint64_t expirations;

	if (read(a->watchdog_timer, &expirations, sizeof(expirations)) < 0)
		return;
	notify("WATCHDOG=1");
}

static int follow(struct agent *a, const struct options *o)
{
	struct pollfd fds[] = {
		{ .fd = a->netlink, .events = POLLIN },
		{ .fd = a->signals, .events = POLLIN },
		{ .fd = a->tick_timer, .events = POLLIN },
		{ .fd = a->wg_sync_timer, .events = POLLIN },
		{ .fd = a->watchdog_timer, .events = POLLIN },	/* -1: ignored */
	};

	for (;;) {
		tell_manager(a, false);
		if (poll(fds, sizeof(fds) / sizeof(fds[0]), -1) < 0) {
			if (errno == EINTR)
				continue;
			fail("poll: %s", strerror(errno));
			return EXIT_FAILED;
		}
		if ((fds[0].revents & POLLIN) && drain_netlink(a))
			return EXIT_FAILED;
		if ((fds[1].revents & POLLIN) && handle_signals(a, o))
			return EXIT_OK;
		if (fds[2].revents & POLLIN)
			tick(a);
		if (fds[3].revents & POLLIN)
			wg_sync_tick(a);
		if (fds[4].revents & POLLIN)
			watchdog_tick(a);
	}
}

int cmd_run(const struct options *o)
{
	struct agent a = {
		.dir = o->bpffs, .netlink = -1, .signals = -1, .tick_timer = -1,
		.wg_sync_timer = -1, .watchdog_timer = -1,
	};
	uint64_t watchdog_us = notify_watchdog_interval();
	char err[ERR_LEN];
	int ret;

	if (o->dry_run)
		return cmd_load(o);
	a.names = calloc(1, sizeof(*a.names));
	a.events = calloc(KSBPF_EVENT_RING, sizeof(*a.events));
	a.event_names = event_names_new();
	if (!a.names || !a.events || !a.event_names) {
		report_error("out of memory");
		return EXIT_FAILED;
	}
	/* Subscribed before load looks at the interfaces: nothing that
	 * happens in between is missed. */
	a.netlink = open_netlink(o->netlink_buffer, err);
	if (a.netlink < 0 || (a.signals = open_signals(err)) < 0 ||
	    (a.tick_timer = open_timer(1000, err)) < 0 ||
	    (a.wg_sync_timer = open_timer(WG_SYNC_INTERVAL_MS, err)) < 0 ||
	    (watchdog_us &&
	     (a.watchdog_timer = open_timer(watchdog_us > 1000 ? watchdog_us / 1000 : 1,
					    err)) < 0)) {
		report_error(err);
		ret = EXIT_FAILED;
		goto out;
	}
	ret = cmd_load(o);
	if (ret != EXIT_OK)
		goto out;
	if (guard_open_pinned(&a.guard, a.dir, err)) {
		report_error(err);
		ret = EXIT_FAILED;
		goto out;
	}
	adopt_guard(&a, o);
	follow_wireguard(&a, o);
	a.last_event = events_last_seq(&a.guard.maps);	/* only new drops */
	say("following rtnetlink; SIGHUP reloads the configuration");
	resync(&a);
	locked(&a, sync_wireguard);
	tell_manager(&a, true);
	publish(&a);
	ret = follow(&a, o);
	notify("STOPPING=1");
	guard_close(&a.guard);
out:
	if (a.netlink >= 0)
		close(a.netlink);
	if (a.signals >= 0)
		close(a.signals);
	if (a.tick_timer >= 0)
		close(a.tick_timer);
	if (a.wg_sync_timer >= 0)
		close(a.wg_sync_timer);
	if (a.watchdog_timer >= 0)
		close(a.watchdog_timer);
	iface_table_free(&a.ifaces);
	free(a.known);
	free(a.names);
	free(a.events);
	event_names_free(a.event_names);
	return ret;
}
