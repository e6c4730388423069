// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests for user/roles.c: which interfaces reach a wire, on listings
 * shaped like the hosts of docs/policy.md ("Interface roles"). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "roles.h"

#define MAX_IF 16

struct host {
	struct iface ifs[MAX_IF];
	struct iface_role roles[MAX_IF];
	size_t n;
	struct policy policy;
};

static void add(struct host *h, unsigned int ifindex, const char *name,
		const char *kind, unsigned int master)
{
	struct iface *ifc = &h->ifs[h->n++];

	memset(ifc, 0, sizeof(*ifc));
	ifc->ifindex = ifindex;
	snprintf(ifc->name, sizeof(ifc->name), "%s", name);
	snprintf(ifc->kind, sizeof(ifc->kind), "%s", kind);
	ifc->master = master;
	ifc->up = true;
	ifc->loopback = !strcmp(name, "lo");
}

static void host_init(struct host *h)
{
	char err[256];

	memset(h, 0, sizeof(*h));
	assert_int_equal(policy_add_tunnel(&h->policy, "wg0", err), 0);
	add(h, 1, "lo", "", 0);
	add(h, 2, "eth0", "", 0);
}

static void rule(struct host *h, const char *pattern, uint32_t role)
{
	char err[256];

	assert_int_equal(policy_add_iface_rule(&h->policy, pattern, role, err), 0);
}

static const struct iface_role *role_of(struct host *h, const char *name)
{
	assert_int_equal(roles_assign(&h->policy, h->ifs, h->n, h->roles), 0);
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->ifs[i].name, name))
			return &h->roles[i];
	fail_msg("no interface %s", name);
	return NULL;
}

static void expect(struct host *h, const char *name, enum role role,
		   const char *why)
{
	const struct iface_role *r = role_of(h, name);

	if (r->role != role || !strstr(r->why, why))
		fail_msg("%s: %s (%s), want %s (%s)", name, role_name(r->role), r->why,
			 role_name(role), why);
}

static void laptop(void **state)
{
	struct host h;

	(void)state;
	host_init(&h);
	add(&h, 3, "wlan0", "", 0);
	add(&h, 4, "wg0", "wireguard", 0);
	add(&h, 5, "wwan0", "wwan", 0);
	add(&h, 6, "ppp0", "ppp", 0);
	expect(&h, "lo", ROLE_LOOPBACK, "loopback");
	expect(&h, "eth0", ROLE_UPLINK, "hardware");
	expect(&h, "wlan0", ROLE_UPLINK, "hardware");
	expect(&h, "wg0", ROLE_TUNNEL, "tunnel");
	expect(&h, "wwan0", ROLE_UPLINK, "wwan");
	expect(&h, "ppp0", ROLE_UPLINK, "ppp");
}

/* docker0 and a user network, each with container veths. */
static void docker_host(void **state)
{
	struct host h;

	(void)state;
	host_init(&h);
	add(&h, 3, "docker0", "bridge", 0);
	add(&h, 4, "veth1a2b", "veth", 3);
	add(&h, 5, "br-5f3e", "bridge", 0);
	add(&h, 6, "veth9c8d", "veth", 5);
	add(&h, 7, "br-empty", "bridge", 0);
	expect(&h, "docker0", ROLE_LOCAL, "without a wire port");
	expect(&h, "veth1a2b", ROLE_LOCAL, "port of bridge docker0");
	expect(&h, "br-5f3e", ROLE_LOCAL, "without a wire port");
	expect(&h, "veth9c8d", ROLE_LOCAL, "port of bridge br-5f3e");
	expect(&h, "br-empty", ROLE_LOCAL, "without a wire port");
	expect(&h, "eth0", ROLE_UPLINK, "hardware");
}

/* libvirt: taps in virbr0. */
static void libvirt_host(void **state)
{
	struct host h;

	(void)state;
	host_init(&h);
	add(&h, 3, "virbr0", "bridge", 0);
	add(&h, 4, "vnet0", "tun", 3);
	add(&h, 5, "tap-alone", "tun", 0);
	expect(&h, "virbr0", ROLE_LOCAL, "without a wire port");
	expect(&h, "vnet0", ROLE_LOCAL, "port of bridge virbr0");
	expect(&h, "tap-alone", ROLE_UPLINK, "tun");
}

/* Bridged networking: the NIC is a port, so the bridge reaches the wire;
 * so does a bond, and a bridge holding a bond. */
static void bridged_nic(void **state)
{
	struct host h;

	(void)state;
	host_init(&h);
	add(&h, 3, "br0", "bridge", 0);
	h.ifs[1].master = 3;			/* eth0 in br0 */
	add(&h, 4, "vnet0", "tun", 3);
	add(&h, 5, "bond0", "bond", 0);
	add(&h, 6, "eth1", "", 5);
	add(&h, 7, "br1", "bridge", 0);
	h.ifs[4].master = 7;			/* bond0 in br1 */
	expect(&h, "br0", ROLE_UPLINK, "wire port eth0");
	expect(&h, "eth0", ROLE_UPLINK, "hardware");
	expect(&h, "vnet0", ROLE_LOCAL, "port of bridge br0");
	expect(&h, "bond0", ROLE_UPLINK, "bond");
	expect(&h, "eth1", ROLE_UPLINK, "hardware");
	expect(&h, "br1", ROLE_UPLINK, "wire port bond0");
}

/* A veth that is no bridge port may lead to a namespace with a NIC of its
 * own (or be the uplink of a namespace ksbpf runs in): judged. Pod
 * interfaces of routed CNIs are local; a NIC with such a name is not. */
static void routed_veths(void **state)
{
	struct host h;

	(void)state;
	host_init(&h);
	add(&h, 3, "veth0", "veth", 0);
	add(&h, 4, "cali1234", "veth", 0);
	add(&h, 5, "lxc99", "netkit", 0);
	add(&h, 6, "cali0", "", 0);
	expect(&h, "veth0", ROLE_UPLINK, "not in a bridge");
	expect(&h, "cali1234", ROLE_LOCAL, "pod interface");
	expect(&h, "lxc99", ROLE_LOCAL, "pod interface");
	expect(&h, "cali0", ROLE_UPLINK, "hardware");
}

static void overrides(void **state)
{
	struct host h;

	(void)state;
	host_init(&h);
	add(&h, 3, "br-lab", "bridge", 0);
	add(&h, 4, "up0", "veth", 3);
	add(&h, 5, "gw0", "veth", 0);
	add(&h, 6, "dmz0", "veth", 0);
	/* The veth standing in for a NIC, and a veth known to lead nowhere. */
	rule(&h, "up*", KSBPF_ROLE_UPLINK);
	rule(&h, "gw*", KSBPF_ROLE_LOCAL);
	expect(&h, "up0", ROLE_UPLINK, "--uplink up*");
	expect(&h, "br-lab", ROLE_UPLINK, "wire port up0");
	expect(&h, "gw0", ROLE_LOCAL, "--local gw*");
	expect(&h, "dmz0", ROLE_UPLINK, "not in a bridge");
	/* Both kinds match: judged. A tunnel name beats both. */
	rule(&h, "dmz*", KSBPF_ROLE_LOCAL);
	rule(&h, "d*", KSBPF_ROLE_UPLINK);
	expect(&h, "dmz0", ROLE_UPLINK, "--uplink d*");
	rule(&h, "wg*", KSBPF_ROLE_LOCAL);
	add(&h, 7, "wg0", "wireguard", 0);
	expect(&h, "wg0", ROLE_TUNNEL, "tunnel");
	/* --local on a bridge with a wire port: the admin's word; the port
	 * keeps its own program. */
	rule(&h, "br-*", KSBPF_ROLE_LOCAL);
	expect(&h, "br-lab", ROLE_LOCAL, "--local br-*");
	expect(&h, "up0", ROLE_UPLINK, "--uplink up*");
}

static void rule_conflicts(void **state)
{
	struct policy p;
	char err[256];

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(policy_add_iface_rule(&p, "eth*", KSBPF_ROLE_UPLINK, err), 0);
	assert_int_equal(policy_add_iface_rule(&p, "eth*", KSBPF_ROLE_UPLINK, err), 0);
	assert_int_equal(p.n_iface_rules, 1);
	assert_int_equal(policy_add_iface_rule(&p, "eth*", KSBPF_ROLE_LOCAL, err), -1);
	assert_non_null(strstr(err, "both --uplink and --local"));
	assert_int_equal(policy_add_iface_rule(&p, "a/b", KSBPF_ROLE_LOCAL, err), -1);
	assert_int_equal(policy_add_iface_rule(&p, "0123456789abcdef", KSBPF_ROLE_LOCAL, err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(laptop),
		cmocka_unit_test(docker_host),
		cmocka_unit_test(libvirt_host),
		cmocka_unit_test(bridged_nic),
		cmocka_unit_test(routed_veths),
		cmocka_unit_test(overrides),
		cmocka_unit_test(rule_conflicts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
