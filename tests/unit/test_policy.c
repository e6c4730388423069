// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What the user asks for -> the entries the maps get, and the command line
 * that asks for it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "policy.h"

static struct policy *new_policy(void)
{
	struct policy *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	return p;
}

static void add_ok(int (*add)(struct policy *, const char *, char *),
		   struct policy *p, const char *arg)
{
	char err[PARSE_ERR_LEN] = "";

	assert_int_equal(add(p, arg, err), 0);
}

static int find_lan(const struct lan_entry *e, int n, const char *text)
{
	char buf[64];

	for (int i = 0; i < n; i++)
		if (!format_cidr(&e[i].cidr, buf, sizeof(buf)) && !strcmp(buf, text))
			return i;
	return -1;
}

static void lan_default_set_only_with_allow_lan(void **state)
{
	struct policy *p = new_policy();
	struct lan_entry e[64];
	int n;

	(void)state;
	assert_int_equal(policy_lan_entries(p, e, 64), 0);
	p->allow_lan = true;
	n = policy_lan_entries(p, e, 64);
	assert_int_equal(n, 10);
	for (int i = 0; policy_default_lan[i]; i++) {
		int k = find_lan(e, n, policy_default_lan[i]);

		assert_true(k >= 0);
		assert_int_equal(e[k].origin, KSBPF_ORIGIN_LAN_DEFAULT);
	}
	free(p);
}

static void lan_origins_merge(void **state)
{
	struct policy *p = new_policy();
	struct lan_entry e[64];
	int n, k;

	(void)state;
	p->allow_lan = true;
	add_ok(policy_add_lan, p, "10.0.0.0/8");	/* also a default */
	add_ok(policy_add_lan, p, "100.64.0.0/10");
	add_ok(policy_add_lan_dns, p, "192.168.1.1");
	add_ok(policy_add_lan_dns, p, "fd00::53");
	n = policy_lan_entries(p, e, 64);
	assert_int_equal(n, 10 + 1 + 2);
	k = find_lan(e, n, "10.0.0.0/8");
	assert_int_equal(e[k].origin, KSBPF_ORIGIN_LAN_DEFAULT | KSBPF_ORIGIN_CONFIG);
	k = find_lan(e, n, "100.64.0.0/10");
	assert_int_equal(e[k].origin, KSBPF_ORIGIN_CONFIG);
	/* A listed resolver is reachable as a host route. */
	k = find_lan(e, n, "192.168.1.1/32");
	assert_int_equal(e[k].origin, KSBPF_ORIGIN_RESOLVER);
	assert_true(find_lan(e, n, "fd00::53/128") >= 0);
	assert_int_equal(policy_lan_entries(p, e, 5), -1);	/* no room */
	free(p);
}

static void duplicates_are_dropped(void **state)
{
	struct policy *p = new_policy();
	char err[PARSE_ERR_LEN];

	(void)state;
	add_ok(policy_add_tunnel, p, "wg0");
	add_ok(policy_add_tunnel, p, "wg0");
	add_ok(policy_add_tunnel, p, "tun*");
	assert_int_equal(p->n_tunnels, 2);
	add_ok(policy_add_lan, p, "fe80::/10");
	add_ok(policy_add_lan, p, "fe80::/10");
	assert_int_equal(p->n_lans, 1);
	add_ok(policy_add_endpoint, p, "192.0.2.1:51820/udp@1");
	add_ok(policy_add_endpoint, p, "192.0.2.1:51820/udp@1");
	assert_int_equal(p->n_endpoints, 1);
	/* The same endpoint with another mark is a contradiction. */
	assert_int_equal(policy_add_endpoint(p, "192.0.2.1:51820/udp@2", err), -1);
	assert_non_null(strstr(err, "fwmark"));
	free(p);
}

static void tunnel_patterns_match(void **state)
{
	struct policy *p = new_policy();

	(void)state;
	add_ok(policy_add_tunnel, p, "wg*");
	add_ok(policy_add_tunnel, p, "tun0");
	assert_true(policy_is_tunnel(p, "wg0"));
	assert_true(policy_is_tunnel(p, "wg-mullvad"));
	assert_true(policy_is_tunnel(p, "tun0"));
	assert_false(policy_is_tunnel(p, "tun1"));
	assert_false(policy_is_tunnel(p, "eth0"));
	free(p);
}

static void limits_are_enforced(void **state)
{
	struct policy *p = new_policy();
	char err[PARSE_ERR_LEN], arg[64];

	(void)state;
	for (int i = 0; i < KSBPF_MAX_TUNNELS; i++) {
		snprintf(arg, sizeof(arg), "t%d", i);
		add_ok(policy_add_tunnel, p, arg);
	}
	assert_int_equal(policy_add_tunnel(p, "one-more", err), -1);
	assert_non_null(strstr(err, "too many"));
	free(p);
}

static const struct endpoint_entry *find_endpoint(const struct endpoint_entry *e,
						  int n, const char *ip,
						  uint16_t port, uint8_t proto)
{
	uint8_t addr[16] = { 0 };

	if (inet_pton(AF_INET, ip, addr) != 1)
		assert_int_equal(inet_pton(AF_INET6, ip, addr), 1);
	for (int i = 0; i < n; i++)
		if (e[i].key.port == port && e[i].key.proto == proto &&
		    !memcmp(e[i].key.addr, addr, 16))
			return &e[i];
	return NULL;
}

static void endpoint_entries_and_fragment_entries(void **state)
{
	struct policy *p = new_policy();
	struct endpoint_entry e[16];
	const struct endpoint_entry *x;
	int n, n_frag;

	(void)state;
	add_ok(policy_add_endpoint, p, "203.0.113.5:51820/udp@0xca6c");
	add_ok(policy_add_endpoint, p, "203.0.113.5:51821/udp@0xca6c");
	add_ok(policy_add_endpoint, p, "[2001:db8::1]:443/tcp");
	n = policy_endpoint_entries(p, e, 16);
	assert_int_equal(n, 3);
	for (int i = 0; i < n; i++)
		assert_int_equal(e[i].value.origin, KSBPF_ORIGIN_CONFIG);
	n_frag = endpoint_fragment_entries(e, n, e + n, 16 - n);
	assert_int_equal(n_frag, 2);	/* one per (family, proto, address) */
	assert_int_equal(endpoint_fragment_entries(e, n, e + n, 1), -1);
	n += n_frag;

	x = find_endpoint(e, n, "203.0.113.5", 51820, IPPROTO_UDP);
	assert_non_null(x);
	assert_int_equal(x->key.family, KSBPF_AF_INET);
	assert_int_equal(x->value.fwmark_set, 1);
	assert_int_equal(x->value.fwmark, 0xca6c);
	/* Both endpoints at the address want the same mark: so do fragments. */
	x = find_endpoint(e, n, "203.0.113.5", 0, IPPROTO_UDP);
	assert_non_null(x);
	assert_int_equal(x->value.fwmark_set, 1);
	assert_int_equal(x->value.fwmark, 0xca6c);
	x = find_endpoint(e, n, "2001:db8::1", 0, IPPROTO_TCP);
	assert_non_null(x);
	assert_int_equal(x->key.family, KSBPF_AF_INET6);
	assert_int_equal(x->value.fwmark_set, 0);
	assert_int_equal(x->value.origin, KSBPF_ORIGIN_DERIVED);
	assert_null(find_endpoint(e, n, "2001:db8::1", 0, IPPROTO_UDP));
	assert_int_equal(policy_endpoint_entries(p, e, 2), -1);
	free(p);
}

static void fragment_entry_drops_mark_when_endpoints_disagree(void **state)
{
	struct policy *p = new_policy();
	struct endpoint_entry e[16];
	const struct endpoint_entry *x;
	int n;

	(void)state;
	add_ok(policy_add_endpoint, p, "198.51.100.7:1194/udp@7");
	add_ok(policy_add_endpoint, p, "198.51.100.7:1195/udp");
	n = policy_endpoint_entries(p, e, 8);
	n = endpoint_fragment_entries(e, n, e + 8, 8);
	assert_int_equal(n, 1);
	x = find_endpoint(e + 8, n, "198.51.100.7", 0, IPPROTO_UDP);
	assert_non_null(x);
	assert_int_equal(x->value.fwmark_set, 0);
	free(p);
}

static void map_keys_round_trip(void **state)
{
	char err[PARSE_ERR_LEN], buf[64];
	struct ksbpf_lan4_key k4;
	struct ksbpf_lan6_key k6;
	struct cidr c, back;

	(void)state;
	assert_int_equal(parse_cidr("172.16.0.0/12", &c, err), 0);
	lan4_key_from(&c, &k4);
	assert_int_equal(k4.prefixlen, 12);
	assert_int_equal(k4.addr[0], 172);
	assert_int_equal(k4.addr[1], 16);
	cidr_from_lan4(&k4, &back);
	assert_int_equal(format_cidr(&back, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "172.16.0.0/12");

	assert_int_equal(parse_cidr("fc00::/7", &c, err), 0);
	lan6_key_from(&c, &k6);
	assert_int_equal(k6.prefixlen, 7);
	assert_int_equal(k6.addr[0], 0xfc);
	cidr_from_lan6(&k6, &back);
	assert_int_equal(format_cidr(&back, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "fc00::/7");
}

static int parse_args(struct options *o, unsigned int accepts, char *err, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	va_start(ap, err);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	memset(o, 0, sizeof(*o));
	cli_defaults(o);
	return cli_parse(argc, argv, accepts, o, err);
}

static void cli_load_options(void **state)
{
	static struct options o;
	char err[PARSE_ERR_LEN];

	(void)state;
	assert_int_equal(parse_args(&o, OPT_POLICY, err, "load", "--tunnel", "wg0",
				    "--tunnel", "tun*", "--endpoint",
				    "[2001:db8::1]:51820/udp@42", "--allow-lan",
				    "--lan", "100.64.0.0/10", "--lan-dns", "192.168.1.1",
				    "--scope", "apps", "--tc-mode", "legacy",
				    "--cgroup", "/sys/fs/cgroup/x/", "--bpffs",
				    "/sys/fs/bpf/lab", NULL), 0);
	assert_int_equal(o.policy.n_tunnels, 2);
	assert_int_equal(o.policy.n_endpoints, 1);
	assert_int_equal(o.policy.endpoints[0].fwmark, 42);
	assert_true(o.policy.allow_lan);
	assert_int_equal(o.policy.n_lans, 1);
	assert_int_equal(o.policy.n_lan_dns, 1);
	assert_true(o.policy.scope_apps);
	assert_int_equal(o.tc_mode, TC_MODE_LEGACY);
	assert_string_equal(o.cgroup, "/sys/fs/cgroup/x");	/* slash trimmed */
	assert_string_equal(o.bpffs, "/sys/fs/bpf/lab");
}

static void cli_default_values(void **state)
{
	static struct options o;
	char err[PARSE_ERR_LEN];

	(void)state;
	assert_int_equal(parse_args(&o, OPT_JSON, err, "status", NULL), 0);
	assert_string_equal(o.bpffs, "/sys/fs/bpf/ksbpf");
	assert_string_equal(o.cgroup, "");
	assert_false(o.json);
	assert_int_equal(parse_args(&o, OPT_JSON, err, "status", "--json", NULL), 0);
	assert_true(o.json);
}

static void cli_rejects(void **state)
{
	static struct options o;
	char err[PARSE_ERR_LEN];

	(void)state;
	/* Options another command takes. */
	assert_int_equal(parse_args(&o, OPT_JSON, err, "status", "--tunnel", "wg0", NULL), -1);
	assert_non_null(strstr(err, "--tunnel"));
	assert_int_equal(parse_args(&o, 0, err, "unload", "--json", NULL), -1);
	/* Unknown, missing value, stray argument, relative path, bad values. */
	assert_int_equal(parse_args(&o, OPT_POLICY, err, "load", "--tunel", "wg0", NULL), -1);
	assert_non_null(strstr(err, "--tunel"));
	assert_int_equal(parse_args(&o, OPT_POLICY, err, "load", "--tunnel", NULL), -1);
	assert_int_equal(parse_args(&o, OPT_POLICY, err, "load", "--scope", NULL), -1);
	assert_int_equal(parse_args(&o, OPT_POLICY, err, "load", "--bpffs", "rel", NULL), -1);
	assert_non_null(strstr(err, "absolute"));
	assert_int_equal(parse_args(&o, OPT_POLICY, err, "load", "--scope", "all", NULL), -1);
	assert_int_equal(parse_args(&o, OPT_POLICY, err, "load", "--tc-mode", "xdp", NULL), -1);
	assert_int_equal(parse_args(&o, OPT_POLICY, err, "load", "--lan", "10.1.0.0/8", NULL), -1);
	assert_non_null(strstr(err, "host bits"));
}

static void cli_positional_arguments(void **state)
{
	static struct options o;
	char err[PARSE_ERR_LEN];

	(void)state;
	assert_int_equal(parse_args(&o, 0, err, "allow", "lan", "--bpffs", "/sys/fs/bpf/x",
				    "10.0.0.0/8", NULL), 0);
	assert_int_equal(o.n_args, 2);
	assert_string_equal(o.args[0], "lan");
	assert_string_equal(o.args[1], "10.0.0.0/8");
	assert_string_equal(o.bpffs, "/sys/fs/bpf/x");
	assert_int_equal(parse_args(&o, 0, err, "tunnel", "del", "--", "-odd", NULL), 0);
	assert_int_equal(o.n_args, 2);
	assert_string_equal(o.args[1], "-odd");
	assert_int_equal(parse_args(&o, 0, err, "x", "1", "2", "3", "4", "5", NULL), -1);
}

static char *write_config(const char *text)
{
	static char path[] = "/tmp/ksbpf-test-config-XXXXXX";
	int fd;

	strcpy(path, "/tmp/ksbpf-test-config-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static int parse_with_config(struct options *o, unsigned int accepts, char *err, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	va_start(ap, err);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	memset(o, 0, sizeof(*o));
	return cli_parse_with_config(argc, argv, accepts, o, err);
}

static void config_file_and_command_line(void **state)
{
	static struct options o;
	char err[PARSE_ERR_LEN];
	char *path = write_config(
		"# ksbpf.conf\n"
		"tunnel = wg0\n"
		"tunnel wg1   # a comment\n"
		"endpoint = 192.0.2.1:51820/udp\n"
		"allow-lan\n"
		"lan = 100.64.0.0/10\n"
		"scope = apps\n"
		"bpffs = /sys/fs/bpf/from-file\n"
		"\n");

	(void)state;
	/* load takes it all; the command line replaces a list it gives. */
	assert_int_equal(parse_with_config(&o, OPT_POLICY, err, "load", "--config", path,
					   "--tunnel", "tun0", "--scope", "host", NULL), 0);
	assert_int_equal(o.policy.n_tunnels, 1);
	assert_string_equal(o.policy.tunnels[0], "tun0");
	assert_int_equal(o.policy.n_endpoints, 1);
	assert_true(o.policy.allow_lan);
	assert_int_equal(o.policy.n_lans, 1);
	assert_false(o.policy.scope_apps);
	assert_string_equal(o.bpffs, "/sys/fs/bpf/from-file");
	/* status takes only the keys it knows. */
	assert_int_equal(parse_with_config(&o, OPT_JSON, err, "status", "--config", path,
					   NULL), 0);
	assert_string_equal(o.bpffs, "/sys/fs/bpf/from-file");
	assert_int_equal(o.policy.n_tunnels, 0);
	unlink(path);

	path = write_config("allow-lan = maybe\n");
	assert_int_equal(parse_with_config(&o, OPT_POLICY, err, "load", "--config", path,
					   NULL), -1);
	assert_non_null(strstr(err, ":1:"));
	unlink(path);
	path = write_config("\n\ntunel = wg0\n");
	assert_int_equal(parse_with_config(&o, OPT_POLICY, err, "load", "--config", path,
					   NULL), -1);
	assert_non_null(strstr(err, ":3: unknown key 'tunel'"));
	unlink(path);
	/* A file named on the command line must exist. */
	assert_int_equal(parse_with_config(&o, OPT_POLICY, err, "load", "--config",
					   "/nonexistent/ksbpf.conf", NULL), -1);
	assert_non_null(strstr(err, "/nonexistent/ksbpf.conf"));
}

static void exec_options(void **state)
{
	static struct options o;
	char err[PARSE_ERR_LEN];

	(void)state;
	assert_int_equal(parse_args(&o, OPT_EXEC, err, "exec", "--policy", "bypass",
				    "--name", "steam", "--", "steam", "-silent", "--x",
				    "a", "b", "c", NULL), 0);
	assert_int_equal(o.app_policy, KSBPF_APP_BYPASS);
	assert_string_equal(o.app_name, "steam");
	assert_non_null(o.command);
	assert_string_equal(o.command[0], "steam");
	assert_string_equal(o.command[1], "-silent");	/* not ksbpf's */
	assert_string_equal(o.command[2], "--x");
	assert_string_equal(o.command[5], "c");
	assert_null(o.command[6]);
	assert_int_equal(parse_args(&o, OPT_EXEC, err, "exec", "--policy", "tunnel",
				    "--", "x", NULL), -1);
	assert_non_null(strstr(err, "enforce, bypass or block"));
	assert_int_equal(parse_args(&o, OPT_EXEC, err, "exec", "--policy", "block",
				    "--name", "../up", "--", "x", NULL), -1);
	assert_int_equal(parse_args(&o, OPT_EXEC, err, "exec", "--policy", "block",
				    "--name", "..", "--", "x", NULL), -1);
	/* Only exec takes them. */
	assert_int_equal(parse_args(&o, OPT_POLICY, err, "load", "--policy", "block",
				    NULL), -1);
}

static void app_policies(void **state)
{
	char err[PARSE_ERR_LEN];
	uint32_t policy;

	(void)state;
	assert_int_equal(parse_app_policy("enforce", &policy, err), 0);
	assert_int_equal(policy, KSBPF_APP_ENFORCE);
	assert_int_equal(parse_app_policy("bypass", &policy, err), 0);
	assert_int_equal(policy, KSBPF_APP_BYPASS);
	assert_int_equal(parse_app_policy("block", &policy, err), 0);
	assert_int_equal(policy, KSBPF_APP_BLOCK);
	assert_int_equal(parse_app_policy("Block", &policy, err), -1);
	assert_int_equal(parse_app_policy("", &policy, err), -1);
	assert_non_null(strstr(err, "''"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lan_default_set_only_with_allow_lan),
		cmocka_unit_test(lan_origins_merge),
		cmocka_unit_test(duplicates_are_dropped),
		cmocka_unit_test(tunnel_patterns_match),
		cmocka_unit_test(limits_are_enforced),
		cmocka_unit_test(endpoint_entries_and_fragment_entries),
		cmocka_unit_test(fragment_entry_drops_mark_when_endpoints_disagree),
		cmocka_unit_test(map_keys_round_trip),
		cmocka_unit_test(cli_load_options),
		cmocka_unit_test(cli_default_values),
		cmocka_unit_test(cli_rejects),
		cmocka_unit_test(cli_positional_arguments),
		cmocka_unit_test(config_file_and_command_line),
		cmocka_unit_test(exec_options),
		cmocka_unit_test(app_policies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
