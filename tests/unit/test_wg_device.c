// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for user/wg_device.c's parsers: wireguard-go's UAPI replies as
 * text, and WG_CMD_GET_DEVICE dump messages built byte for byte as the
 * kernel sends them (nests flagged NLA_F_NESTED), parsed from heap copies
 * of exactly nlmsg_len bytes (an over-read shows under -fsanitize=address). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "wg_device.h"

#define KEY "private_key=e84b5a6d2717c1003a13b431570353dbaca9146cf150c5f8575680feba52027a\n"
#define PEER(n) "public_key=b85996fecc9c7f1fc6d2572a76eda11d59bcd20be8e543b15ce4bd85a8e75a3" #n "\n" \
	"preshared_key=0000000000000000000000000000000000000000000000000000000000000000\n" \
	"protocol_version=1\n"
#define PEER_TAIL "last_handshake_time_sec=0\nlast_handshake_time_nsec=0\n" \
	"tx_bytes=0\nrx_bytes=0\npersistent_keepalive_interval=0\n" \
	"allowed_ip=10.0.0.0/24\nallowed_ip=fd00::/64\n"

static struct ip_addr v4(const char *s)
{
	struct ip_addr ip = { .family = KSBPF_AF_INET };

	assert_int_equal(inet_pton(AF_INET, s, &ip.addr[0]), 1);
	return ip;
}

static struct ip_addr v6(const char *s)
{
	struct ip_addr ip = { .family = KSBPF_AF_INET6 };

	assert_int_equal(inet_pton(AF_INET6, s, ip.addr), 1);
	return ip;
}

static void assert_endpoint(const struct wg_device *d, unsigned int i,
			    struct ip_addr ip, uint16_t port)
{
	const struct endpoint *ep = &d->endpoints[i];

	assert_true(i < d->n_endpoints);
	assert_int_equal(ep->ip.family, ip.family);
	assert_memory_equal(ep->ip.addr, ip.addr, sizeof(ip.addr));
	assert_int_equal(ep->port, port);
	assert_int_equal(ep->proto, IPPROTO_UDP);
	assert_int_equal(ep->fwmark_set, d->fwmark != 0);
	assert_int_equal(ep->fwmark, d->fwmark);
}

static void test_uapi_no_peers(void **state)
{
	struct wg_device d;
	char err[ERR_LEN] = "";

	(void)state;
	assert_int_equal(wg_uapi_parse(KEY "listen_port=51820\nerrno=0\n", &d, err), 0);
	assert_int_equal(d.n_endpoints, 0);
	assert_int_equal(d.fwmark, 0);
	assert_true(d.userspace);
	/* what the reader hands over: up to the blank line; after it, nothing counts */
	assert_int_equal(wg_uapi_parse(KEY "errno=0\n\nendpoint=junk\n", &d, err), 0);
	assert_int_equal(d.n_endpoints, 0);
}

static void test_uapi_one_peer_with_fwmark(void **state)
{
	struct wg_device d;
	char err[ERR_LEN] = "";

	(void)state;
	assert_int_equal(wg_uapi_parse(KEY "listen_port=51820\nfwmark=51820\n"
				       PEER(1) "endpoint=192.0.2.1:51820\n" PEER_TAIL
				       "errno=0\n", &d, err), 0);
	assert_int_equal(d.fwmark, 51820);
	assert_int_equal(d.n_endpoints, 1);
	assert_endpoint(&d, 0, v4("192.0.2.1"), 51820);
	assert_true(d.endpoints[0].fwmark_set);
}

/* Port 0 cannot be sent to: such a peer is left out. */
static void test_uapi_port_zero(void **state)
{
	struct wg_device d;
	char err[ERR_LEN] = "";

	(void)state;
	assert_int_equal(wg_uapi_parse(KEY PEER(1) "endpoint=192.0.2.1:0\n" PEER_TAIL
				       PEER(2) "endpoint=192.0.2.2:51820\n" PEER_TAIL
				       "errno=0\n", &d, err), 0);
	assert_int_equal(d.n_endpoints, 1);
	assert_endpoint(&d, 0, v4("192.0.2.2"), 51820);
}

/* IPv4, IPv6, a scoped IPv6 (scope dropped), an IPv4-mapped one (IPv4 on
 * the wire), a peer without an endpoint, one endpoint shared by two peers. */
static void test_uapi_several_peers(void **state)
{
	struct wg_device d;
	char err[ERR_LEN] = "";

	(void)state;
	assert_int_equal(wg_uapi_parse(KEY "listen_port=0\n"
				       PEER(1) "endpoint=192.0.2.1:51820\n" PEER_TAIL
				       PEER(2) PEER_TAIL
				       PEER(3) "endpoint=[2001:db8::1]:51821\n" PEER_TAIL
				       PEER(4) "endpoint=192.0.2.1:51820\n" PEER_TAIL
				       PEER(5) "endpoint=[fe80::1%eth0]:443\n" PEER_TAIL
				       PEER(6) "endpoint=[::ffff:198.51.100.7]:1\n" PEER_TAIL
				       PEER(7) "endpoint=192.0.2.1:51821\n" PEER_TAIL
				       "errno=0\n", &d, err), 0);
	assert_int_equal(d.fwmark, 0);
	assert_int_equal(d.n_endpoints, 5);
	assert_endpoint(&d, 0, v4("192.0.2.1"), 51820);
	assert_endpoint(&d, 1, v6("2001:db8::1"), 51821);
	assert_endpoint(&d, 2, v6("fe80::1"), 443);
	assert_endpoint(&d, 3, v4("198.51.100.7"), 1);
	assert_endpoint(&d, 4, v4("192.0.2.1"), 51821);
	assert_false(d.endpoints[0].fwmark_set);
}

static void test_uapi_errno_reply(void **state)
{
	struct wg_device d;
	char err[ERR_LEN] = "";

	(void)state;
	/* wireguard-go negates its codes; a bare number is taken too */
	assert_int_equal(wg_uapi_parse("errno=-22\n", &d, err), -1);
	assert_non_null(strstr(err, "errno=22"));
	assert_non_null(strstr(err, strerror(22)));
	assert_int_equal(wg_uapi_parse(KEY PEER(1) "endpoint=192.0.2.1:1\nerrno=5\n",
				       &d, err), -1);
	assert_non_null(strstr(err, "errno=5"));
	/* a reply cut before its errno= may have lost peers */
	err[0] = '\0';
	assert_int_equal(wg_uapi_parse(KEY PEER(1) "endpoint=192.0.2.1:1\n", &d, err), -1);
	assert_non_null(strstr(err, "without errno"));
	assert_int_equal(wg_uapi_parse("", &d, err), -1);
}

static void test_uapi_malformed_lines(void **state)
{
	static const char *const bad[] = {
		"garbage\nerrno=0\n",
		"=1\nerrno=0\n",
		"endpoint=192.0.2.1:1\nerrno=0\n",	/* before any peer */
		"fwmark=abc\nerrno=0\n",
		"fwmark=0x10\nerrno=0\n",		/* wireguard-go writes decimal */
		"fwmark=4294967296\nerrno=0\n",
		"fwmark=-1\nerrno=0\n",
		PEER(1) "endpoint=192.0.2.1\nerrno=0\n",
		PEER(1) "endpoint=192.0.2.1:\nerrno=0\n",
		PEER(1) "endpoint=192.0.2.1:65536\nerrno=0\n",
		PEER(1) "endpoint=192.0.2.1:1x\nerrno=0\n",
		PEER(1) "endpoint=300.0.2.1:1\nerrno=0\n",
		PEER(1) "endpoint=2001:db8::1:51820\nerrno=0\n",
		PEER(1) "endpoint=[2001:db8::1]51820\nerrno=0\n",
		PEER(1) "endpoint=[2001:db8::1\nerrno=0\n",
		PEER(1) "endpoint=[192.0.2.1]:1\nerrno=0\n",
		PEER(1) "endpoint=\nerrno=0\n",
		"errno=abc\n",
		"errno=0\nfwmark=1\n",			/* after the end */
	};
	struct wg_device d;
	char err[ERR_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (wg_uapi_parse(bad[i], &d, err) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_true(err[0] != '\0');
		assert_null(strchr(err, '\n'));
	}
	/* the control: the same shape, well formed */
	assert_int_equal(wg_uapi_parse(PEER(1) "endpoint=192.0.2.1:1\nerrno=0\n",
				       &d, err), 0);
}

/* The text of n peers, peer i at 10.(i / 256).(i % 256).1, port 51820. */
static char *many_peers(unsigned int n)
{
	size_t cap = 64 + (size_t)n * 128, len = 0;
	char *text = malloc(cap);

	assert_non_null(text);
	len += (size_t)snprintf(text, cap, "fwmark=7\n");
	for (unsigned int i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"public_key=%064x\nendpoint=10.%u.%u.1:51820\n",
					i, i / 256, i % 256);
	snprintf(text + len, cap - len, "errno=0\n");
	return text;
}

static void test_uapi_too_many_endpoints(void **state)
{
	struct wg_device d;
	char err[ERR_LEN] = "";
	char *text;

	(void)state;
	text = many_peers(WG_DEVICE_MAX_ENDPOINTS);
	assert_int_equal(wg_uapi_parse(text, &d, err), 0);
	assert_int_equal(d.n_endpoints, WG_DEVICE_MAX_ENDPOINTS);
	assert_endpoint(&d, WG_DEVICE_MAX_ENDPOINTS - 1, v4("10.0.255.1"), 51820);
	free(text);
	text = many_peers(WG_DEVICE_MAX_ENDPOINTS + 1);
	assert_int_equal(wg_uapi_parse(text, &d, err), -1);
	assert_non_null(strstr(err, "more than 256"));
	free(text);
}

/* Generic netlink, as the kernel's wg_get_device_dump writes it. */
#define MSG_CAP 32768

union msg {
	struct nlmsghdr nh;
	unsigned char raw[MSG_CAP];
};

static struct nlmsghdr *device_msg(union msg *m)
{
	struct genlmsghdr *g;

	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	m->nh.nlmsg_type = 0x1e;	/* the family id the kernel gave */
	m->nh.nlmsg_flags = NLM_F_MULTI;
	g = NLMSG_DATA(&m->nh);
	g->cmd = WG_CMD_GET_DEVICE;
	g->version = WG_GENL_VERSION;
	return &m->nh;
}

static struct nlattr *put(struct nlmsghdr *nh, unsigned short type,
			  const void *data, size_t len)
{
	struct nlattr *nla = (struct nlattr *)((char *)nh + NLMSG_ALIGN(nh->nlmsg_len));

	assert_true(NLMSG_ALIGN(nh->nlmsg_len) + NLA_ALIGN(NLA_HDRLEN + len) <= MSG_CAP);
	memset(nla, 0, NLA_ALIGN(NLA_HDRLEN + len));
	nla->nla_type = type;
	nla->nla_len = (unsigned short)(NLA_HDRLEN + len);
	if (len)
		memcpy((char *)nla + NLA_HDRLEN, data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + NLA_ALIGN(NLA_HDRLEN + len);
	return nla;
}

static void put_u32(struct nlmsghdr *nh, unsigned short type, uint32_t v)
{
	put(nh, type, &v, sizeof(v));
}

static void put_u16(struct nlmsghdr *nh, unsigned short type, uint16_t v)
{
	put(nh, type, &v, sizeof(v));
}

static struct nlattr *nest_start(struct nlmsghdr *nh, unsigned short type)
{
	return put(nh, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct nlmsghdr *nh, struct nlattr *nest)
{
	nest->nla_len = (unsigned short)((char *)nh + nh->nlmsg_len - (char *)nest);
}

/* The first message's device attributes, fwmark among them. */
static void device_attrs(struct nlmsghdr *nh, uint32_t fwmark)
{
	unsigned char key[WG_KEY_LEN] = { 1 };

	put_u16(nh, WGDEVICE_A_LISTEN_PORT, 51820);
	put_u32(nh, WGDEVICE_A_FWMARK, fwmark);
	put_u32(nh, WGDEVICE_A_IFINDEX, 4);
	put(nh, WGDEVICE_A_IFNAME, "wg0", 4);
	put(nh, WGDEVICE_A_PRIVATE_KEY, key, sizeof(key));
	put(nh, WGDEVICE_A_PUBLIC_KEY, key, sizeof(key));
}

static void allowed_ip(struct nlmsghdr *nh)
{
	struct nlattr *ips = nest_start(nh, WGPEER_A_ALLOWEDIPS);
	struct nlattr *ip = nest_start(nh, 0);
	const unsigned char addr[4] = { 10, 0, 0, 0 };
	const unsigned char cidr = 24;

	put(nh, WGALLOWEDIP_A_CIDR_MASK, &cidr, sizeof(cidr));
	put_u16(nh, WGALLOWEDIP_A_FAMILY, AF_INET);
	put(nh, WGALLOWEDIP_A_IPADDR, addr, sizeof(addr));
	nest_end(nh, ip);
	nest_end(nh, ips);
}

/* A peer, with all the kernel puts in one; endpoint (a sockaddr_in or
 * sockaddr_in6) may be NULL. Returns the endpoint's attribute. */
static struct nlattr *peer(struct nlmsghdr *nh, unsigned char id,
			   const void *endpoint, size_t len)
{
	struct nlattr *p = nest_start(nh, 0), *ep = NULL;
	unsigned char key[WG_KEY_LEN] = { id };
	struct { int64_t sec, nsec; } handshake = { 0, 0 };
	uint64_t bytes = 1234;

	put(nh, WGPEER_A_PUBLIC_KEY, key, sizeof(key));
	put(nh, WGPEER_A_PRESHARED_KEY, key, sizeof(key));
	put(nh, WGPEER_A_LAST_HANDSHAKE_TIME, &handshake, sizeof(handshake));
	put_u16(nh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25);
	put(nh, WGPEER_A_TX_BYTES, &bytes, sizeof(bytes));
	put(nh, WGPEER_A_RX_BYTES, &bytes, sizeof(bytes));
	put_u32(nh, WGPEER_A_PROTOCOL_VERSION, 1);
	if (endpoint)
		ep = put(nh, WGPEER_A_ENDPOINT, endpoint, len);
	allowed_ip(nh);
	nest_end(nh, p);
	return ep;
}

static struct sockaddr_in sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	assert_int_equal(inet_pton(AF_INET, ip, &sin.sin_addr), 1);
	return sin;
}

static struct sockaddr_in6 sin6_of(const char *ip, uint16_t port, uint32_t scope)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(port),
				     .sin6_scope_id = scope };

	assert_int_equal(inet_pton(AF_INET6, ip, &sin6.sin6_addr), 1);
	return sin6;
}

static int parse(const struct nlmsghdr *nh, struct wg_device *out, char *err)
{
	void *copy = malloc(nh->nlmsg_len);
	int ret;

	assert_non_null(copy);
	memcpy(copy, nh, nh->nlmsg_len);
	ret = wg_genl_parse_device(copy, out, err);
	free(copy);
	return ret;
}

static void test_genl_peers_v4_v6(void **state)
{
	struct sockaddr_in a = sin_of("192.0.2.1", 51820);
	struct sockaddr_in6 b = sin6_of("2001:db8::1", 51821, 0);
	struct sockaddr_in6 c = sin6_of("fe80::1", 443, 3);
	struct sockaddr_in6 mapped = sin6_of("::ffff:198.51.100.7", 1, 0);
	char err[ERR_LEN] = "";
	struct wg_device d;
	struct nlattr *peers;
	union msg m;
	struct nlmsghdr *nh = device_msg(&m);

	(void)state;
	device_attrs(nh, 0xca6c);
	peers = nest_start(nh, WGDEVICE_A_PEERS);
	peer(nh, 1, &a, sizeof(a));
	peer(nh, 2, NULL, 0);
	peer(nh, 3, &b, sizeof(b));
	peer(nh, 4, &a, sizeof(a));	/* the same server again */
	peer(nh, 5, &c, sizeof(c));
	peer(nh, 6, &mapped, sizeof(mapped));
	nest_end(nh, peers);

	memset(&d, 0, sizeof(d));
	assert_int_equal(parse(nh, &d, err), 0);
	assert_int_equal(d.fwmark, 0xca6c);
	assert_false(d.userspace);
	assert_int_equal(d.n_endpoints, 4);
	assert_endpoint(&d, 0, v4("192.0.2.1"), 51820);
	assert_endpoint(&d, 1, v6("2001:db8::1"), 51821);
	assert_endpoint(&d, 2, v6("fe80::1"), 443);
	assert_endpoint(&d, 3, v4("198.51.100.7"), 1);
	assert_true(d.endpoints[3].fwmark_set);

	/* fwmark 0: no mark on the endpoints */
	nh = device_msg(&m);
	device_attrs(nh, 0);
	peers = nest_start(nh, WGDEVICE_A_PEERS);
	peer(nh, 1, &a, sizeof(a));
	nest_end(nh, peers);
	memset(&d, 0, sizeof(d));
	assert_int_equal(parse(nh, &d, err), 0);
	assert_int_equal(d.n_endpoints, 1);
	assert_false(d.endpoints[0].fwmark_set);
	assert_int_equal(d.endpoints[0].fwmark, 0);

	/* no peers at all: the kernel cancels the empty nest */
	nh = device_msg(&m);
	device_attrs(nh, 5);
	memset(&d, 0, sizeof(d));
	assert_int_equal(parse(nh, &d, err), 0);
	assert_int_equal(d.n_endpoints, 0);
	assert_int_equal(d.fwmark, 5);
}

/* The second message has no device attributes, and starts with the rest of
 * the first one's last peer: its public key and allowed IPs, no endpoint. */
static void test_genl_split_over_two_messages(void **state)
{
	struct sockaddr_in a = sin_of("192.0.2.1", 51820);
	struct sockaddr_in6 b = sin6_of("2001:db8::2", 4500, 0);
	unsigned char key[WG_KEY_LEN] = { 1 };
	char err[ERR_LEN] = "";
	struct wg_device d;
	struct nlattr *peers, *p;
	union msg m1, m2;
	struct nlmsghdr *nh1 = device_msg(&m1), *nh2 = device_msg(&m2);

	(void)state;
	device_attrs(nh1, 0x10000);
	peers = nest_start(nh1, WGDEVICE_A_PEERS);
	peer(nh1, 1, &a, sizeof(a));
	nest_end(nh1, peers);

	peers = nest_start(nh2, WGDEVICE_A_PEERS);
	p = nest_start(nh2, 0);
	put(nh2, WGPEER_A_PUBLIC_KEY, key, sizeof(key));
	allowed_ip(nh2);
	nest_end(nh2, p);
	peer(nh2, 2, &b, sizeof(b));
	peer(nh2, 3, &a, sizeof(a));
	nest_end(nh2, peers);

	memset(&d, 0, sizeof(d));
	assert_int_equal(parse(nh1, &d, err), 0);
	assert_int_equal(d.n_endpoints, 1);
	assert_endpoint(&d, 0, v4("192.0.2.1"), 51820);
	assert_int_equal(parse(nh2, &d, err), 0);
	assert_int_equal(d.fwmark, 0x10000);
	assert_int_equal(d.n_endpoints, 2);
	assert_endpoint(&d, 0, v4("192.0.2.1"), 51820);
	assert_endpoint(&d, 1, v6("2001:db8::2"), 4500);
	assert_true(d.endpoints[1].fwmark_set);
}

static void test_genl_truncated_or_malformed(void **state)
{
	struct sockaddr_in a = sin_of("192.0.2.1", 51820);
	char err[ERR_LEN];
	struct wg_device d;
	struct nlattr *peers, *ep;
	union msg m;
	struct nlmsghdr *nh;

	(void)state;
	/* the message ends inside its last attribute (the peers) */
	nh = device_msg(&m);
	device_attrs(nh, 1);
	peers = nest_start(nh, WGDEVICE_A_PEERS);
	peer(nh, 1, &a, sizeof(a));
	nest_end(nh, peers);
	memset(&d, 0, sizeof(d));
	assert_int_equal(parse(nh, &d, err), 0);
	nh->nlmsg_len -= 8;
	memset(&d, 0, sizeof(d));
	err[0] = '\0';
	assert_int_equal(parse(nh, &d, err), -1);
	assert_non_null(strstr(err, "truncated"));

	/* an endpoint that runs past its peer: the peer is the last thing in
	 * the nests, so only the endpoint's own length is wrong */
	nh = device_msg(&m);
	peers = nest_start(nh, WGDEVICE_A_PEERS);
	{
		struct nlattr *p = nest_start(nh, 0);

		ep = put(nh, WGPEER_A_ENDPOINT, &a, sizeof(a));
		nest_end(nh, p);
	}
	nest_end(nh, peers);
	memset(&d, 0, sizeof(d));
	assert_int_equal(parse(nh, &d, err), 0);
	assert_int_equal(d.n_endpoints, 1);
	ep->nla_len += 4;
	memset(&d, 0, sizeof(d));
	err[0] = '\0';
	assert_int_equal(parse(nh, &d, err), -1);
	assert_non_null(strstr(err, "truncated"));
	ep->nla_len = 2;	/* shorter than its own header */
	assert_int_equal(parse(nh, &d, err), -1);

	/* an endpoint too short for its family, of an unknown family */
	nh = device_msg(&m);
	peers = nest_start(nh, WGDEVICE_A_PEERS);
	peer(nh, 1, &a, 8);
	nest_end(nh, peers);
	memset(&d, 0, sizeof(d));
	assert_int_equal(parse(nh, &d, err), -1);
	a.sin_family = AF_UNIX;
	nh = device_msg(&m);
	peers = nest_start(nh, WGDEVICE_A_PEERS);
	peer(nh, 1, &a, sizeof(a));
	nest_end(nh, peers);
	assert_int_equal(parse(nh, &d, err), -1);

	/* a fwmark that is not a u32 */
	nh = device_msg(&m);
	put_u16(nh, WGDEVICE_A_FWMARK, 1);
	assert_int_equal(parse(nh, &d, err), -1);

	/* not a device message, or too short for the genetlink header */
	nh = device_msg(&m);
	((struct genlmsghdr *)NLMSG_DATA(nh))->cmd = WG_CMD_SET_DEVICE;
	assert_int_equal(parse(nh, &d, err), -1);
	nh = device_msg(&m);
	nh->nlmsg_len = NLMSG_LENGTH(2);
	assert_int_equal(parse(nh, &d, err), -1);
}

static void test_genl_too_many_endpoints(void **state)
{
	char err[ERR_LEN] = "";
	struct wg_device d;
	struct nlattr *peers;
	union msg m;
	struct nlmsghdr *nh;
	unsigned int i = 0;

	(void)state;
	memset(&d, 0, sizeof(d));
	for (int msg = 0; msg < 2; msg++) {
		nh = device_msg(&m);
		peers = nest_start(nh, WGDEVICE_A_PEERS);
		for (unsigned int n = 0; n < WG_DEVICE_MAX_ENDPOINTS / 2; n++, i++) {
			struct sockaddr_in a = { .sin_family = AF_INET,
						 .sin_port = htons(51820),
						 .sin_addr.s_addr = htonl(0x0a000000 + i) };

			peer(nh, (unsigned char)i, &a, sizeof(a));
		}
		nest_end(nh, peers);
		assert_int_equal(parse(nh, &d, err), 0);
	}
	assert_int_equal(d.n_endpoints, WG_DEVICE_MAX_ENDPOINTS);
	{
		struct sockaddr_in a = sin_of("192.0.2.1", 1);

		nh = device_msg(&m);
		peers = nest_start(nh, WGDEVICE_A_PEERS);
		peer(nh, 1, &a, sizeof(a));
		nest_end(nh, peers);
		assert_int_equal(parse(nh, &d, err), -1);
		assert_non_null(strstr(err, "more than 256"));
		/* one already there is no new one */
		a = sin_of("10.0.0.0", 51820);
		nh = device_msg(&m);
		peers = nest_start(nh, WGDEVICE_A_PEERS);
		peer(nh, 1, &a, sizeof(a));
		nest_end(nh, peers);
		assert_int_equal(parse(nh, &d, err), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uapi_no_peers),
		cmocka_unit_test(test_uapi_one_peer_with_fwmark),
		cmocka_unit_test(test_uapi_port_zero),
		cmocka_unit_test(test_uapi_several_peers),
		cmocka_unit_test(test_uapi_errno_reply),
		cmocka_unit_test(test_uapi_malformed_lines),
		cmocka_unit_test(test_uapi_too_many_endpoints),
		cmocka_unit_test(test_genl_peers_v4_v6),
		cmocka_unit_test(test_genl_split_over_two_messages),
		cmocka_unit_test(test_genl_truncated_or_malformed),
		cmocka_unit_test(test_genl_too_many_endpoints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
