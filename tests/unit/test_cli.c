// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The command line's shape: where the command is, the short options, and
 * which command takes which option. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "cli.h"

static int command_index(char *err, ...)
{
	static char *argv[16];
	int argc = 0;
	va_list ap;

	va_start(ap, err);
	while ((argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	return cli_command_index(argc, argv, err);
}

static int parse(struct options *o, unsigned int accepts, char *err, ...)
{
	static char *argv[16];
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

/* Option values are skipped, whatever they look like. */
static void command_after_options(void **state)
{
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(command_index(err, "ksbpf", "status", NULL), 1);
	assert_int_equal(command_index(err, "ksbpf", "--bpffs", "/x", "-j", "status",
				       "--json", NULL), 4);
	assert_int_equal(command_index(err, "ksbpf", "--bpffs=/x", "-jp", "--name",
				       "load", "app", NULL), 5);
	assert_int_equal(command_index(err, "ksbpf", "-V", NULL), 2);
	assert_int_equal(command_index(err, "ksbpf", NULL), 1);
}

static void unknown_option_before_command(void **state)
{
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(command_index(err, "ksbpf", "--bogus", "status", NULL), -1);
	assert_string_equal(err, "unknown option or missing value: '--bogus'");
	assert_int_equal(command_index(err, "ksbpf", "--bpffs", NULL), -1);
}

static void short_options(void **state)
{
	static struct options o;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(parse(&o, OPT_JSON, err, "status", "-j", NULL), 0);
	assert_true(o.json);
	assert_false(o.pretty);
	assert_int_equal(parse(&o, OPT_JSON, err, "status", "-p", NULL), 0);
	assert_true(o.json && o.pretty);
	assert_int_equal(parse(&o, 0, err, "unload", "-Vh", NULL), 0);
	assert_true(o.version && o.help);
	assert_int_equal(parse(&o, 0, err, "unload", "-x", NULL), -1);
}

static void options_by_command(void **state)
{
	static struct options o;
	char err[ERR_LEN];

	(void)state;
	assert_int_equal(parse(&o, OPT_POLICY, err, "load", "-j", NULL), -1);
	assert_string_equal(err, "load does not take --json");
	assert_int_equal(parse(&o, 0, err, "unload", "--pretty", NULL), -1);
	assert_string_equal(err, "unload does not take --pretty");
	/* --user is exec's alone: app add-pid moves a process, as it is. */
	assert_int_equal(parse(&o, OPT_JSON | OPT_EXEC, err, "app", "--user", "x", NULL), -1);
	assert_int_equal(parse(&o, OPT_EXEC | OPT_USER, err, "exec", "--user", "x", NULL), 0);
	assert_string_equal(o.app_user, "x");
}

/* The config file sets what the command line can; not how ksbpf prints. */
static void config_keys(void **state)
{
	static struct options o;
	char err[ERR_LEN];

	(void)state;
	cli_defaults(&o);
	assert_int_equal(cli_set("pretty", NULL, OPT_JSON, &o, err), -1);
	assert_int_equal(cli_set("version", NULL, OPT_JSON, &o, err), -1);
	assert_int_equal(cli_set("json", NULL, OPT_JSON, &o, err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(command_after_options),
		cmocka_unit_test(unknown_option_before_command),
		cmocka_unit_test(short_options),
		cmocka_unit_test(options_by_command),
		cmocka_unit_test(config_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
