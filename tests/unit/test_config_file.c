// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The configuration file is read whole or refused: long lines, files that
 * others may write, and drop-ins in name order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_file.h"

static char dir[] = "/tmp/ksbpf-test-config-XXXXXX";
static char conf[PATH_MAX];
static char dropins[PATH_MAX];

static int make_dir(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/ksbpf-test-config-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/ksbpf.conf", dir);
	snprintf(dropins, sizeof(dropins), "%s/ksbpf.conf.d", dir);
	return 0;
}

static int remove_dir(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void write_file(const char *path, mode_t mode, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void write_dropin(const char *name, const char *text)
{
	char path[sizeof(dropins) + 64];

	mkdir(dropins, 0755);
	snprintf(path, sizeof(path), "%s/%s", dropins, name);
	write_file(path, 0644, text);
}

static int read_config(struct options *o, char *err)
{
	memset(o, 0, sizeof(*o));
	cli_defaults(o);
	return config_read(conf, true, OPT_POLICY, o, err);
}

/* fgets(line[1024]) made the tail of a long comment a line of its own. */
static void long_line_refused_not_split(void **state)
{
	static struct options o;
	char err[ERR_LEN], *text = malloc(CONFIG_LINE_MAX + 64);

	(void)state;
	assert_non_null(text);
	strcpy(text, "tunnel = wg0\n# ");
	memset(text + strlen(text), 'x', CONFIG_LINE_MAX + 20);
	text[strlen("tunnel = wg0\n# ") + CONFIG_LINE_MAX + 20] = 0;
	strcpy(text + strlen(text) - 20, " lan = 0.0.0.0/0\n");
	write_file(conf, 0644, text);
	assert_int_equal(read_config(&o, err), -1);
	assert_non_null(strstr(err, ":2: line longer than 4096 bytes"));
	assert_int_equal(o.policy.n_lans, 0);

	/* Up to the limit, a line is one line. */
	strcpy(text, "# ");
	memset(text + 2, 'x', CONFIG_LINE_MAX - 3);
	strcpy(text + CONFIG_LINE_MAX - 1, "\n");
	assert_int_equal(strlen(text), CONFIG_LINE_MAX);
	write_file(conf, 0644, text);
	assert_int_equal(read_config(&o, err), 0);
	free(text);
}

static void writable_by_others_refused(void **state)
{
	static struct options o;
	char err[ERR_LEN];

	(void)state;
	write_file(conf, 0666, "tunnel = wg0\n");
	assert_int_equal(read_config(&o, err), -1);
	assert_non_null(strstr(err, "writable by everyone: refused"));
	write_file(conf, 0620, "tunnel = wg0\n");
	assert_int_equal(read_config(&o, err), -1);
	assert_non_null(strstr(err, "writable by its group: refused"));
	write_file(conf, 0600, "tunnel = wg0\n");
	assert_int_equal(read_config(&o, err), 0);
	assert_int_equal(o.policy.n_tunnels, 1);
	/* A file of another user's: only root can make one to test with. */
	if (geteuid() == 0) {
		assert_int_equal(chown(conf, 65534, 65534), 0);
		assert_int_equal(read_config(&o, err), -1);
		assert_non_null(strstr(err, "owned by uid 65534, not by root"));
	}
}

static void dev_null_is_empty(void **state)
{
	static struct options o;
	char err[ERR_LEN];

	(void)state;
	memset(&o, 0, sizeof(o));
	assert_int_equal(config_read("/dev/null", true, OPT_POLICY, &o, err), 0);
	assert_int_equal(o.policy.n_tunnels, 0);
}

static void nul_byte_refused(void **state)
{
	static struct options o;
	char err[ERR_LEN];
	FILE *f = fopen(conf, "w");

	(void)state;
	assert_non_null(f);
	fwrite("tunnel = wg0\0lan = 0.0.0.0/0\n", 1, 29, f);
	fclose(f);
	assert_int_equal(read_config(&o, err), -1);
	assert_non_null(strstr(err, ":1: a NUL byte"));
}

static void dropins_in_name_order(void **state)
{
	static struct options o;
	char err[ERR_LEN];

	(void)state;
	write_file(conf, 0644, "tunnel = wg0\nbpffs = /sys/fs/bpf/main\n");
	write_dropin("20-later.conf", "tunnel = wg2\nbpffs = /sys/fs/bpf/later\n");
	write_dropin("10-first.conf", "tunnel = wg1\nbpffs = /sys/fs/bpf/first\n");
	write_dropin("30-ignored.conf.dpkg-old", "tunnel = nope\n");
	write_dropin(".hidden.conf", "tunnel = nope\n");
	assert_int_equal(read_config(&o, err), 0);
	assert_int_equal(o.policy.n_tunnels, 3);
	assert_string_equal(o.policy.tunnels[0], "wg0");
	assert_string_equal(o.policy.tunnels[1], "wg1");
	assert_string_equal(o.policy.tunnels[2], "wg2");
	assert_string_equal(o.bpffs, "/sys/fs/bpf/later");

	/* An error in a drop-in names the drop-in, and its line. */
	write_dropin("15-typo.conf", "\ntunel = wg9\n");
	assert_int_equal(read_config(&o, err), -1);
	assert_non_null(strstr(err, "ksbpf.conf.d/15-typo.conf:2: unknown key 'tunel'"));
}

/* Drop-ins apply without the main file, as systemd's do. */
static void dropins_without_main_file(void **state)
{
	static struct options o;
	char err[ERR_LEN];

	(void)state;
	unlink(conf);
	write_dropin("10-only.conf", "tunnel = wg1\n");
	memset(&o, 0, sizeof(o));
	assert_int_equal(config_read(conf, false, OPT_POLICY, &o, err), 0);
	assert_int_equal(o.policy.n_tunnels, 1);
	assert_int_equal(config_read(conf, true, OPT_POLICY, &o, err), -1);
	assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(long_line_refused_not_split, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(writable_by_others_refused, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(dev_null_is_empty, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(nul_byte_refused, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(dropins_in_name_order, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(dropins_without_main_file, make_dir, remove_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
