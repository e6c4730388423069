// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "wg_device.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "rtnl.h"	/* rtnl_put: an rtattr is an nlattr */

#define UAPI_DIR "/var/run/wireguard"
#define UAPI_TIMEOUT_MS 2000
/* Peers without endpoints and allowed IPs make the reply long, but a
 * wireguard-go that never stops talking must not eat the caller's memory. */
#define UAPI_REPLY_MAX (16u << 20)
/* A dump the device changed under is read again, a few times. */
#define DUMP_TRIES 3

/* Adds ip:port unless it is there already: many peers can share one
 * server, and a peer's endpoint can come twice in a dump. */
static int add_endpoint(struct wg_device *d, const struct ip_addr *ip,
			uint16_t port, char *err)
{
	struct endpoint *ep;

	/* Nothing can be sent to port 0, and ksbpf_endpoints keeps that port
	 * for the address-only entries of fragments. */
	if (!port)
		return 0;
	for (unsigned int i = 0; i < d->n_endpoints; i++)
		if (d->endpoints[i].port == port && ip_equal(&d->endpoints[i].ip, ip))
			return 0;
	/* A kill switch that allowed only some of them would cut the rest. */
	if (d->n_endpoints == WG_DEVICE_MAX_ENDPOINTS)
		return errf(err, "more than %d peer endpoints", WG_DEVICE_MAX_ENDPOINTS);
	ep = &d->endpoints[d->n_endpoints++];
	memset(ep, 0, sizeof(*ep));
	ep->ip = *ip;
	ep->port = port;
	ep->proto = IPPROTO_UDP;
	return 0;
}

/* The fwmark may come after endpoints (never does, today): stamped last. */
static void stamp_fwmark(struct wg_device *d)
{
	for (unsigned int i = 0; i < d->n_endpoints; i++) {
		d->endpoints[i].fwmark_set = d->fwmark != 0;
		d->endpoints[i].fwmark = d->fwmark;
	}
}

/* An IPv4-mapped address leaves a dual-stack socket as IPv4: the packet the
 * kill switch sees is the IPv4 one. */
static void set_ip6(struct ip_addr *ip, const void *addr16)
{
	static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };

	memset(ip, 0, sizeof(*ip));
	if (!memcmp(addr16, mapped, sizeof(mapped))) {
		ip->family = KSBPF_AF_INET;
		memcpy(&ip->addr[0], (const unsigned char *)addr16 + 12, 4);
	} else {
		ip->family = KSBPF_AF_INET6;
		memcpy(ip->addr, addr16, 16);
	}
}

/* Decimal only, as wireguard-go writes numbers; no sign, no spaces. */
static bool dec_u32(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;

	if (!len || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* "192.0.2.1:51820", "[2001:db8::1]:51820" or "[fe80::1%eth0]:51820": the
 * scope names an interface, which the kill switch does not match on. */
static int uapi_endpoint(const char *s, size_t len, struct ip_addr *ip,
			 uint16_t *port)
{
	const char *end = s + len, *host = s, *host_end, *port_at;
	char buf[INET6_ADDRSTRLEN];
	unsigned char addr[16];
	bool v6 = len && s[0] == '[';
	uint32_t p;

	if (v6) {
		host++;
		host_end = memchr(host, ']', (size_t)(end - host));
		if (!host_end || host_end + 1 == end || host_end[1] != ':')
			return -1;
		port_at = host_end + 2;
		if (memchr(host, '%', (size_t)(host_end - host)))
			host_end = memchr(host, '%', (size_t)(host_end - host));
	} else {
		host_end = memchr(s, ':', len);
		if (!host_end)
			return -1;
		port_at = host_end + 1;
	}
	if ((size_t)(host_end - host) >= sizeof(buf) ||
	    !dec_u32(port_at, (size_t)(end - port_at), &p) || p > UINT16_MAX)
		return -1;
	memcpy(buf, host, (size_t)(host_end - host));
	buf[host_end - host] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, buf, addr) != 1)
		return -1;
	if (v6) {
		set_ip6(ip, addr);
	} else {
		memset(ip, 0, sizeof(*ip));
		ip->family = KSBPF_AF_INET;
		memcpy(&ip->addr[0], addr, 4);
	}
	*port = (uint16_t)p;
	return 0;
}

static bool key_is(const char *key, size_t len, const char *name)
{
	return strlen(name) == len && !memcmp(key, name, len);
}

struct uapi_reply {
	struct wg_device *out;
	bool in_peer;		/* after a public_key line */
	bool done;		/* after errno=0 */
};

/* One key=value line; the caller says which line failed. */
static int uapi_line(struct uapi_reply *r, const char *key, size_t key_len,
		     const char *val, size_t len, char *err)
{
	struct ip_addr ip;
	uint16_t port;
	uint32_t n;

	if (key_is(key, key_len, "errno")) {
		/* wireguard-go writes its codes negated: errno=-22 */
		bool minus = len && val[0] == '-';

		if (!dec_u32(val + minus, len - minus, &n))
			return errf(err, "errno '%.*s' is not a number", (int)len, val);
		if (n)
			return errf(err, "get=1 answered errno=%u (%s)", n,
				    strerror((int)n));
		r->done = true;
	} else if (key_is(key, key_len, "public_key")) {
		r->in_peer = true;
	} else if (!r->in_peer && key_is(key, key_len, "fwmark")) {
		if (!dec_u32(val, len, &r->out->fwmark))
			return errf(err, "fwmark '%.*s' is not a number", (int)len, val);
	} else if (key_is(key, key_len, "endpoint")) {
		if (!r->in_peer)
			return errf(err, "endpoint before any public_key");
		if (uapi_endpoint(val, len, &ip, &port))
			return errf(err, "endpoint '%.*s' is not IP:PORT or [IP]:PORT",
				    (int)len, val);
		return add_endpoint(r->out, &ip, port, err);
	}
	return 0;
}

/* wireguard-go's IpcGetOperation: the device's keys, then each peer from
 * its public_key line on, then errno=N. Keys we do not need (and ones a
 * newer wireguard-go may add) are skipped, as wg(8) skips them. */
int wg_uapi_parse(const char *text, struct wg_device *out, char *err)
{
	struct uapi_reply r = { .out = out };
	char why[ERR_LEN];
	unsigned int line = 0;
	const char *s = text;

	memset(out, 0, sizeof(*out));
	out->userspace = true;
	while (*s && *s != '\n') {
		const char *nl = strchr(s, '\n');
		const char *eol = nl ? nl : s + strlen(s);
		const char *eq = memchr(s, '=', (size_t)(eol - s));

		line++;
		if (r.done)
			return errf(err, "line %u: after errno=, the reply's end", line);
		if (!eq || eq == s)
			return errf(err, "line %u: '%.*s' is not key=value", line,
				    (int)(eol - s), s);
		if (uapi_line(&r, s, (size_t)(eq - s), eq + 1,
			      (size_t)(eol - eq - 1), why))
			return errf(err, "line %u: %s", line, why);
		s = nl ? nl + 1 : eol;
	}
	/* Without it the reply may have been cut anywhere, peers lost. */
	if (!r.done)
		return errf(err, "the reply ends without errno=");
	stamp_fwmark(out);
	return 0;
}

/* The attributes of a message or a nest, checked: one whose length runs
 * past its container is an error, not the end of the list, so that a cut
 * message cannot pass for a device with fewer peers. */
struct attrs {
	const unsigned char *pos;
	size_t left;
};

static struct attrs nest_of(const struct nlattr *nla)
{
	return (struct attrs){ (const unsigned char *)nla + NLA_HDRLEN,
			       nla->nla_len - NLA_HDRLEN };
}

/* 1 with *nla the next attribute, 0 at the end, -1 when malformed. */
static int attr_next(struct attrs *it, const struct nlattr **nla)
{
	const struct nlattr *a = (const struct nlattr *)it->pos;
	size_t step;

	if (!it->left)
		return 0;
	if (it->left < NLA_HDRLEN || a->nla_len < NLA_HDRLEN || a->nla_len > it->left)
		return -1;
	step = NLA_ALIGN(a->nla_len);
	if (step > it->left)
		step = it->left;	/* the last one's padding may be left out */
	it->pos += step;
	it->left -= step;
	*nla = a;
	return 1;
}

static const void *payload(const struct nlattr *nla)
{
	return (const unsigned char *)nla + NLA_HDRLEN;
}

static size_t payload_len(const struct nlattr *nla)
{
	return nla->nla_len - NLA_HDRLEN;
}

/* A struct sockaddr_in or sockaddr_in6, as the kernel keeps it. */
static int genl_endpoint(const struct nlattr *nla, struct wg_device *out,
			 char *err)
{
	size_t len = payload_len(nla);
	struct ip_addr ip = { 0 };
	sa_family_t family = AF_UNSPEC;
	uint16_t port;

	if (len >= sizeof(family))
		memcpy(&family, payload(nla), sizeof(family));
	if (family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in sin;

		memcpy(&sin, payload(nla), sizeof(sin));
		ip.family = KSBPF_AF_INET;
		ip.addr[0] = sin.sin_addr.s_addr;
		port = ntohs(sin.sin_port);
	} else if (family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, payload(nla), sizeof(sin6));
		set_ip6(&ip, &sin6.sin6_addr);
		port = ntohs(sin6.sin6_port);
	} else {
		return errf(err, "a peer's endpoint of %zu bytes, address family %u",
			    len, (unsigned int)family);
	}
	return add_endpoint(out, &ip, port, err);
}

static int genl_peer(const struct nlattr *peer, struct wg_device *out, char *err)
{
	struct attrs it = nest_of(peer);
	const struct nlattr *nla;
	int ret;

	while ((ret = attr_next(&it, &nla)) > 0)
		if ((nla->nla_type & NLA_TYPE_MASK) == WGPEER_A_ENDPOINT &&
		    genl_endpoint(nla, out, err))
			return -1;
	return ret ? errf(err, "truncated attribute in a peer") : 0;
}

int wg_genl_parse_device(const struct nlmsghdr *nh, struct wg_device *out,
			 char *err)
{
	const struct genlmsghdr *g = NLMSG_DATA(nh);
	struct attrs it, peers;
	const struct nlattr *nla, *peer;
	int ret, more;

	if (nh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
		return errf(err, "a device message of %u bytes", nh->nlmsg_len);
	if (g->cmd != WG_CMD_GET_DEVICE)
		return errf(err, "a message of command %u, not WG_CMD_GET_DEVICE",
			    g->cmd);
	it = (struct attrs){ (const unsigned char *)g + GENL_HDRLEN,
			     nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN) };
	while ((ret = attr_next(&it, &nla)) > 0) {
		switch (nla->nla_type & NLA_TYPE_MASK) {
		case WGDEVICE_A_FWMARK:
			if (payload_len(nla) != sizeof(out->fwmark))
				return errf(err, "a fwmark of %zu bytes",
					    payload_len(nla));
			memcpy(&out->fwmark, payload(nla), sizeof(out->fwmark));
			break;
		case WGDEVICE_A_PEERS:
			peers = nest_of(nla);
			while ((more = attr_next(&peers, &peer)) > 0)
				if (genl_peer(peer, out, err))
					return -1;
			if (more)
				return errf(err, "truncated attribute in the peers");
			break;
		}
	}
	if (ret)
		return errf(err, "truncated attribute in a device message");
	stamp_fwmark(out);
	return 0;
}

/* A generic netlink client, one request at a time. Errors are -errno. */
struct genl {
	int fd;
	uint32_t seq;
	bool interrupted;	/* NLM_F_DUMP_INTR: the dump changed under us */
	const struct nlmsghdr *next;
	int left;
	unsigned char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
};

static int genl_send(struct genl *g, struct nlmsghdr *req, uint16_t flags)
{
	req->nlmsg_flags |= NLM_F_REQUEST | flags;
	req->nlmsg_seq = ++g->seq;
	g->interrupted = false;
	g->left = 0;
	if (send(g->fd, req, req->nlmsg_len, 0) != (ssize_t)req->nlmsg_len)
		return errno ? -errno : -EIO;
	return 0;
}

/* Any process may send to our port: only the kernel's datagrams count. */
static int genl_recv(struct genl *g)
{
	struct sockaddr_nl from;
	socklen_t from_len = sizeof(from);
	ssize_t got;

	do
		got = recvfrom(g->fd, g->buf, sizeof(g->buf), MSG_TRUNC,
			       (struct sockaddr *)&from, &from_len);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -errno;
	if ((size_t)got > sizeof(g->buf))
		return -EMSGSIZE;	/* a cut datagram would lose peers */
	g->next = (const struct nlmsghdr *)g->buf;
	g->left = from_len >= sizeof(from) && from.nl_family == AF_NETLINK &&
		  from.nl_pid == 0 ? (int)got : 0;
	return 0;
}

/* The next answer to the last request: 1 with *out, 0 at its end (the
 * acknowledgement or NLMSG_DONE), or -errno, the kernel's or ours. */
static int genl_next(struct genl *g, const struct nlmsghdr **out)
{
	for (;;) {
		const struct nlmsghdr *nh = g->next;
		int ret, error = 0;

		if (g->left <= 0 || !NLMSG_OK(nh, g->left)) {
			if ((ret = genl_recv(g)))
				return ret;
			continue;
		}
		g->next = NLMSG_NEXT(nh, g->left);
		if (nh->nlmsg_seq != g->seq)
			continue;	/* an earlier request's late answer */
		g->interrupted |= nh->nlmsg_flags & NLM_F_DUMP_INTR;
		if (nh->nlmsg_type == NLMSG_DONE) {
			/* An error met inside a dump comes in its payload. */
			if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(error)))
				memcpy(&error, NLMSG_DATA(nh), sizeof(error));
			return error < 0 ? error : 0;
		}
		if (nh->nlmsg_type == NLMSG_ERROR) {
			if (nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				return -EPROTO;
			memcpy(&error, NLMSG_DATA(nh), sizeof(error));
			return error;	/* 0: the acknowledgement */
		}
		*out = nh;
		return 1;
	}
}

struct genl_req {
	struct nlmsghdr nh;
	struct genlmsghdr g;
	unsigned char attrs[64];
};

static int genl_family(struct genl *g, uint16_t *id)
{
	struct genl_req req = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN),
			.nlmsg_type = GENL_ID_CTRL },
		.g = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 },
	};
	const struct nlmsghdr *nh;
	const struct nlattr *nla;
	struct attrs it;
	int ret;

	ret = rtnl_put(&req.nh, sizeof(req), CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME,
		       sizeof(WG_GENL_NAME));
	if (ret || (ret = genl_send(g, &req.nh, NLM_F_ACK)))
		return ret;
	*id = 0;
	while ((ret = genl_next(g, &nh)) > 0) {
		if (nh->nlmsg_type != GENL_ID_CTRL ||
		    nh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
			continue;
		it = (struct attrs){ (const unsigned char *)NLMSG_DATA(nh) + GENL_HDRLEN,
				     nh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN) };
		while (attr_next(&it, &nla) > 0)
			if ((nla->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID &&
			    payload_len(nla) == sizeof(*id))
				memcpy(id, payload(nla), sizeof(*id));
	}
	if (ret)
		return ret;
	return *id ? 0 : -EPROTO;
}

/* One dump of the device into out: 0, -errno, or -EBADMSG with err. */
static int genl_dump_device(struct genl *g, uint16_t family, const char *ifname,
			    struct wg_device *out, char *err)
{
	struct genl_req req = {
		.nh = { .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN),
			.nlmsg_type = family },
		.g = { .cmd = WG_CMD_GET_DEVICE, .version = WG_GENL_VERSION },
	};
	const struct nlmsghdr *nh;
	int ret;

	ret = rtnl_put(&req.nh, sizeof(req), WGDEVICE_A_IFNAME, ifname,
		       strlen(ifname) + 1);
	if (ret || (ret = genl_send(g, &req.nh, NLM_F_DUMP)))
		return ret;
	memset(out, 0, sizeof(*out));
	while ((ret = genl_next(g, &nh)) > 0)
		if (nh->nlmsg_type == family && wg_genl_parse_device(nh, out, err))
			return -EBADMSG;
	return ret;
}

/* 0; 1 when the kernel has no WireGuard interface of that name here (no
 * module, no such interface, not WireGuard); -1 with err. */
static int kernel_read(const char *ifname, struct wg_device *out, char *err)
{
	struct genl g = { .fd = -1 };
	char why[ERR_LEN] = "";
	uint16_t family;
	int ret, tries = 0;

	g.fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (g.fd < 0)
		return errf(err, "socket(NETLINK_GENERIC): %s", strerror(errno));
	ret = genl_family(&g, &family);
	if (ret == -ENOENT) {
		close(g.fd);
		return 1;
	}
	if (ret) {
		close(g.fd);
		return errf(err, "generic netlink family " WG_GENL_NAME ": %s",
			    strerror(-ret));
	}
	do
		ret = genl_dump_device(&g, family, ifname, out, why);
	while (!ret && g.interrupted && ++tries < DUMP_TRIES);
	close(g.fd);
	if (ret == -ENODEV || ret == -EOPNOTSUPP)
		return 1;
	if (ret == -EBADMSG && why[0])
		return errf(err, "WG_CMD_GET_DEVICE %s: %s", ifname, why);
	if (ret)
		return errf(err, "WG_CMD_GET_DEVICE %s: %s", ifname, strerror(-ret));
	if (g.interrupted)
		return errf(err, "WG_CMD_GET_DEVICE %s: changed during each of %d dumps",
			    ifname, DUMP_TRIES);
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sends get=1 and reads the reply up to the blank line that ends it, under
 * one deadline for the whole of it: a hung or trickling wireguard-go must
 * not hang the caller. *reply is malloc'd, NUL-terminated. */
static int uapi_get(int fd, const char *path, char **reply, char *err)
{
	static const char get[] = "get=1\n\n";
	long long deadline = now_ms() + UAPI_TIMEOUT_MS;
	size_t len = 0, cap = 0;
	char *buf = NULL, *end, *from;
	ssize_t sent = send(fd, get, sizeof(get) - 1, MSG_NOSIGNAL);

	if (sent != (ssize_t)sizeof(get) - 1)
		return errf(err, "send to %s: %s", path,
			    sent >= 0 ? "short write" :
			    errno == EAGAIN ? "timed out" : strerror(errno));
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long left = deadline - now_ms();
		ssize_t got;
		int ready;

		if (len + 1 >= cap) {
			char *bigger;

			if (cap >= UAPI_REPLY_MAX) {
				free(buf);
				return errf(err, "%s: a reply of more than %u bytes",
					    path, UAPI_REPLY_MAX);
			}
			cap = cap ? cap * 2 : 4096;
			if (!(bigger = realloc(buf, cap))) {
				free(buf);
				return errf(err, "%s: out of memory", path);
			}
			buf = bigger;
		}
		ready = left > 0 ? poll(&pfd, 1, (int)left) : 0;
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0) {
			free(buf);
			if (ready)
				return errf(err, "poll %s: %s", path, strerror(errno));
			return errf(err, "%s: no whole reply within %d ms", path,
				    UAPI_TIMEOUT_MS);
		}
		got = recv(fd, buf + len, cap - len - 1, 0);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0) {
			free(buf);
			return errf(err, "recv from %s: %s", path, got ? strerror(errno) :
				    "closed before the end of the reply");
		}
		if (memchr(buf + len, '\0', (size_t)got)) {
			free(buf);
			return errf(err, "%s: a NUL byte in the reply", path);
		}
		/* The blank line may straddle two reads. */
		from = buf + (len ? len - 1 : 0);
		len += (size_t)got;
		buf[len] = '\0';
		if (buf[0] == '\n')
			buf[0] = '\0';	/* empty: no errno=, which the parser refuses */
		else if ((end = strstr(from, "\n\n")))
			end[1] = '\0';
		else
			continue;
		*reply = buf;
		return 0;
	}
}

/* 0; 1 when there is no wireguard-go socket for ifname; -1 with err. */
static int uapi_read(const char *ifname, struct wg_device *out, char *err)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = UAPI_TIMEOUT_MS / 1000 };
	char why[ERR_LEN], *reply = NULL;
	int fd, ret;

	snprintf(sun.sun_path, sizeof(sun.sun_path), UAPI_DIR "/%s.sock", ifname);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errf(err, "socket(AF_UNIX): %s", strerror(errno));
	/* connect and send too: a wireguard-go that stopped accepting. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv))) {
		ret = errf(err, "setsockopt SO_RCVTIMEO: %s", strerror(errno));
		close(fd);
		return ret;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		int e = errno;

		close(fd);
		/* No socket, or one left by a wireguard-go that died. */
		if (e == ENOENT || e == ECONNREFUSED) {
			errf(err, "%s is not a WireGuard interface", ifname);
			return 1;
		}
		return errf(err, "connect %s: %s", sun.sun_path,
			    e == EAGAIN ? "timed out" : strerror(e));
	}
	ret = uapi_get(fd, sun.sun_path, &reply, err);
	close(fd);
	if (!ret && wg_uapi_parse(reply, out, why))
		ret = errf(err, "%s: %s", sun.sun_path, why);
	free(reply);
	return ret;
}

int wg_device_read(const char *ifname, struct wg_device *out, char *err)
{
	int ret;

	memset(out, 0, sizeof(*out));
	/* It becomes a path under /var/run/wireguard. */
	if (!*ifname || strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/') ||
	    !strcmp(ifname, ".") || !strcmp(ifname, ".."))
		return errf(err, "'%s' is not an interface name", ifname);
	ret = kernel_read(ifname, out, err);
	if (ret != 1)
		return ret;
	/* /var/run/wireguard is shared by every network namespace of the
	 * mount namespace: a socket there is another namespace's unless an
	 * interface of that name is here. */
	if (!if_nametoindex(ifname)) {
		if (errno != ENODEV && errno != ENXIO)
			return errf(err, "if_nametoindex %s: %s", ifname,
				    strerror(errno));
		errf(err, "no interface %s in this network namespace", ifname);
		return 1;
	}
	return uapi_read(ifname, out, err);
}
