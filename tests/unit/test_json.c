// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The JSON writer: commas, nesting and escaping, checked on exact text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "json.h"

struct capture {
	char *buf;
	size_t len;
	struct json j;
};

static void capture_start(struct capture *c)
{
	FILE *f = open_memstream(&c->buf, &c->len);

	assert_non_null(f);
	json_init(&c->j, f);
}

static void capture_check(struct capture *c, const char *expected)
{
	json_finish(&c->j);
	fclose(c->j.out);
	assert_string_equal(c->buf, expected);
	free(c->buf);
}

static void write_nested(struct json *j)
{
	json_object_begin(j);
	json_key(j, "state");
	json_string(j, "protected");
	json_key(j, "uplinks");
	json_array_begin(j);
	json_object_begin(j);
	json_key(j, "ifindex");
	json_uint(j, 2);
	json_key(j, "attached");
	json_bool(j, true);
	json_object_end(j);
	json_object_begin(j);
	json_object_end(j);
	json_array_end(j);
	json_key(j, "path");
	json_null(j);
	json_key(j, "empty");
	json_array_begin(j);
	json_array_end(j);
	json_object_end(j);
}

static void nested_document(void **state)
{
	struct capture c;

	(void)state;
	capture_start(&c);
	write_nested(&c.j);
	capture_check(&c, "{\"state\":\"protected\",\"uplinks\":[{\"ifindex\":2,"
		      "\"attached\":true},{}],\"path\":null,\"empty\":[]}\n");
}

/* --pretty: two spaces a level, empty containers kept on their line. */
static void pretty_document(void **state)
{
	struct capture c;

	(void)state;
	json_set_pretty(true);
	capture_start(&c);
	json_set_pretty(false);
	write_nested(&c.j);
	capture_check(&c, "{\n"
		      "  \"state\": \"protected\",\n"
		      "  \"uplinks\": [\n"
		      "    {\n"
		      "      \"ifindex\": 2,\n"
		      "      \"attached\": true\n"
		      "    },\n"
		      "    {}\n"
		      "  ],\n"
		      "  \"path\": null,\n"
		      "  \"empty\": []\n"
		      "}\n");
}

static void strings_are_escaped(void **state)
{
	struct capture c;

	(void)state;
	capture_start(&c);
	json_array_begin(&c.j);
	json_string(&c.j, "a\"b\\c\n\x01");
	json_uint(&c.j, UINT64_MAX);
	json_bool(&c.j, false);
	json_array_end(&c.j);
	capture_check(&c, "[\"a\\\"b\\\\c\\u000a\\u0001\",18446744073709551615,false]\n");
}

/* Cgroup paths and interface names are bytes: the output stays UTF-8. */
static void invalid_utf8_is_replaced(void **state)
{
	struct capture c;

	(void)state;
	capture_start(&c);
	json_array_begin(&c.j);
	json_string(&c.j, "caf\xc3\xa9");		/* valid: kept */
	json_string(&c.j, "a\xff" "b");		/* stray byte */
	json_string(&c.j, "\xc0\xaf");		/* overlong '/' */
	json_string(&c.j, "\xed\xa0\x80");	/* a surrogate */
	json_string(&c.j, "\xe2\x82");		/* cut short */
	json_string(&c.j, "\xf0\x9f\x94\x92");	/* 4 bytes, valid */
	json_array_end(&c.j);
	capture_check(&c, "[\"caf\xc3\xa9\",\"a\\ufffdb\",\"\\ufffd\\ufffd\","
		      "\"\\ufffd\\ufffd\\ufffd\",\"\\ufffd\\ufffd\",\"\xf0\x9f\x94\x92\"]\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nested_document),
		cmocka_unit_test(pretty_document),
		cmocka_unit_test(strings_are_escaped),
		cmocka_unit_test(invalid_utf8_is_replaced),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
