// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "resolve.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

static int system_resolve(const char *host, struct ip_addr *out, int max, char *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM };
	struct addrinfo *res, *ai;
	int n = 0, ret = getaddrinfo(host, NULL, &hints, &res);

	if (ret)
		return errf(err, "%s", ret == EAI_SYSTEM ? strerror(errno) : gai_strerror(ret));
	for (ai = res; ai; ai = ai->ai_next) {
		struct ip_addr ip = { 0 };
		bool seen = false;

		if (ai->ai_family == AF_INET) {
			ip.family = KSBPF_AF_INET;
			memcpy(ip.addr, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
		} else if (ai->ai_family == AF_INET6) {
			ip.family = KSBPF_AF_INET6;
			memcpy(ip.addr, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
		} else {
			continue;
		}
		for (int i = 0; i < n && !seen; i++)
			seen = ip_equal(&out[i], &ip);
		if (seen)
			continue;
		if (n == max) {
			freeaddrinfo(res);
			return errf(err, "more than %d addresses", max);
		}
		out[n++] = ip;
	}
	freeaddrinfo(res);
	return n ? n : errf(err, "no IPv4 or IPv6 address");
}

resolve_host_fn resolve_host = system_resolve;

int resolve_endpoint(const char *spec, struct endpoint *out, int max, char *err)
{
	struct ip_addr addrs[RESOLVE_MAX_ADDRS];
	char host[PARSE_HOST_LEN], why[ERR_LEN];
	struct endpoint ep;
	int n;

	if (max < 1 || parse_endpoint_spec(spec, host, &ep, err))
		return max < 1 ? errf(err, "no room for endpoint '%s'", spec) : -1;
	if (!parse_ip(host, &ep.ip, why)) {
		out[0] = ep;
		return 1;
	}
	if (!is_host_name(host))
		return errf(err, "endpoint '%s': '%s' is not an address or a host name",
			    spec, host);
	n = resolve_host(host, addrs, RESOLVE_MAX_ADDRS, why);
	if (n < 0)
		return errf(err, "endpoint '%s': cannot resolve %s: %s. Once ksbpf "
			    "is loaded, DNS outside the tunnel is blocked: give the "
			    "server's address, or allow its resolver with --lan-dns",
			    spec, host, why);
	if (n > max)
		return errf(err, "endpoint '%s': %s has %d addresses, room for %d",
			    spec, host, n, max);
	for (int i = 0; i < n; i++) {
		out[i] = ep;
		out[i].ip = addrs[i];
	}
	return n;
}
