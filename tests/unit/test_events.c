// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Drop events as users and scripts see them: event_format() (one text line)
 * and event_print_json() (JSON Lines) on constructed struct ksbpf_event
 * values, and the stable names of enum values (user/names.c).
 *
 * The JSON goes through a strict checker written here (RFC 8259: no
 * trailing commas, no leading zeros, no raw control characters, no trailing
 * garbage) that also collects the members of the top-level object, so each
 * field is checked by name, type and value; and through python3's json
 * module when /usr/bin/python3 exists, as a second opinion.
 *
 * events_read() needs the pinned maps: tests/e2e/test_observe.sh covers it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "err.h"
#include "events.h"
#include "names.h"

/* ------------------------------------------------ a strict JSON checker -- */

enum jtype { J_NONE, J_OBJECT, J_ARRAY, J_STRING, J_NUMBER, J_TRUE, J_FALSE, J_NULL };

#define J_MAX_MEMBERS 32
#define J_MAX_DEPTH 32

struct jmember {
	char key[64];
	enum jtype type;
	char str[512];		/* J_STRING, decoded */
	bool is_uint;		/* J_NUMBER: a plain non-negative integer */
	uint64_t num;
	int count;		/* how often the key appears (duplicates) */
};

struct jdoc {
	enum jtype top;
	struct jmember m[J_MAX_MEMBERS];
	int n;
};

struct jparser {
	const char *p;
	const char *why;	/* the first error */
	struct jdoc *doc;
};

static bool jfail(struct jparser *jp, const char *why)
{
	if (!jp->why)
		jp->why = why;
	return false;
}

static void jspace(struct jparser *jp)
{
	while (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r')
		jp->p++;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool jhex4(struct jparser *jp, unsigned int *cp)
{
	*cp = 0;
	for (int i = 0; i < 4; i++) {
		int v = hexval(jp->p[i]);

		if (v < 0)
			return jfail(jp, "bad \\u escape");
		*cp = *cp << 4 | (unsigned int)v;
	}
	jp->p += 4;
	return true;
}

/* Appends code point cp as UTF-8 (truncating silently past len). */
static void put_utf8(char *out, size_t len, size_t *n, unsigned int cp)
{
	char b[4];
	size_t k;

	if (cp < 0x80) {
		b[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	for (size_t i = 0; i < k; i++)
		if (*n + 1 < len)
			out[(*n)++] = b[i];
	out[*n] = 0;
}

/* Length of the valid UTF-8 sequence at s, 0 if it is not one. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f))
			return 0;
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80 || (s[0] == 0xf0 && s[1] < 0x90) ||
		    (s[0] == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

static bool jstring(struct jparser *jp, char *out, size_t len)
{
	size_t n = 0;
	char scratch[8];

	if (!out) {
		out = scratch;
		len = sizeof(scratch);
	}
	out[0] = 0;
	if (*jp->p != '"')
		return jfail(jp, "string expected");
	jp->p++;
	for (;;) {
		unsigned char c = (unsigned char)*jp->p;

		if (c == '"') {
			jp->p++;
			return true;
		}
		if (c == 0)
			return jfail(jp, "unterminated string");
		if (c < 0x20)
			return jfail(jp, "raw control character in a string");
		if (c == '\\') {
			unsigned int cp;

			jp->p++;
			switch (*jp->p++) {
			case '"': cp = '"'; break;
			case '\\': cp = '\\'; break;
			case '/': cp = '/'; break;
			case 'b': cp = '\b'; break;
			case 'f': cp = '\f'; break;
			case 'n': cp = '\n'; break;
			case 'r': cp = '\r'; break;
			case 't': cp = '\t'; break;
			case 'u':
				if (!jhex4(jp, &cp))
					return false;
				if (cp >= 0xd800 && cp <= 0xdbff) {
					unsigned int lo;

					if (jp->p[0] != '\\' || jp->p[1] != 'u')
						return jfail(jp, "lone high surrogate");
					jp->p += 2;
					if (!jhex4(jp, &lo) || lo < 0xdc00 || lo > 0xdfff)
						return jfail(jp, "bad low surrogate");
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				} else if (cp >= 0xdc00 && cp <= 0xdfff) {
					return jfail(jp, "lone low surrogate");
				}
				break;
			default:
				return jfail(jp, "bad escape");
			}
			put_utf8(out, len, &n, cp);
			continue;
		}
		size_t k = utf8_len((const unsigned char *)jp->p);

		if (!k)
			return jfail(jp, "invalid UTF-8 in a string");
		for (size_t i = 0; i < k; i++, jp->p++)
			if (n + 1 < len) {
				out[n++] = *jp->p;
				out[n] = 0;
			}
	}
}

static bool isdigit_(char c)
{
	return c >= '0' && c <= '9';
}

static bool jnumber(struct jparser *jp, struct jmember *m)
{
	const char *start = jp->p;
	bool plain = true;

	if (*jp->p == '-') {
		plain = false;
		jp->p++;
	}
	if (*jp->p == '0') {
		jp->p++;
		if (isdigit_(*jp->p))
			return jfail(jp, "leading zero");
	} else if (*jp->p >= '1' && *jp->p <= '9') {
		while (isdigit_(*jp->p))
			jp->p++;
	} else {
		return jfail(jp, "bad number");
	}
	if (*jp->p == '.') {
		plain = false;
		jp->p++;
		if (!isdigit_(*jp->p))
			return jfail(jp, "digit expected after '.'");
		while (isdigit_(*jp->p))
			jp->p++;
	}
	if (*jp->p == 'e' || *jp->p == 'E') {
		plain = false;
		jp->p++;
		if (*jp->p == '+' || *jp->p == '-')
			jp->p++;
		if (!isdigit_(*jp->p))
			return jfail(jp, "digit expected in exponent");
		while (isdigit_(*jp->p))
			jp->p++;
	}
	if (m) {
		m->is_uint = false;
		if (plain) {
			char digits[32];
			size_t n = (size_t)(jp->p - start);

			if (n < sizeof(digits)) {
				memcpy(digits, start, n);
				digits[n] = 0;
				errno = 0;
				m->num = strtoull(digits, NULL, 10);
				m->is_uint = errno == 0;
			}
		}
	}
	return true;
}

static bool jliteral(struct jparser *jp, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(jp->p, word, n))
		return jfail(jp, "unknown literal");
	jp->p += n;
	return true;
}

static bool jvalue(struct jparser *jp, int depth, struct jmember *m);

/* members: only those of the top-level object are recorded. */
static bool jobject(struct jparser *jp, int depth)
{
	jp->p++;	/* '{' */
	jspace(jp);
	if (*jp->p == '}') {
		jp->p++;
		return true;
	}
	for (;;) {
		struct jmember scratch, *m = &scratch;
		char key[64];

		jspace(jp);
		if (!jstring(jp, key, sizeof(key)))
			return false;
		if (depth == 1 && jp->doc) {
			struct jdoc *d = jp->doc;
			int i;

			for (i = 0; i < d->n; i++)
				if (!strcmp(d->m[i].key, key))
					break;
			if (i == d->n && d->n < J_MAX_MEMBERS) {
				memset(&d->m[d->n], 0, sizeof(d->m[0]));
				snprintf(d->m[d->n].key, sizeof(d->m[0].key), "%s", key);
				d->n++;
			}
			if (i < d->n) {
				m = &d->m[i];
				m->count++;
			}
		}
		jspace(jp);
		if (*jp->p != ':')
			return jfail(jp, "':' expected");
		jp->p++;
		jspace(jp);
		if (!jvalue(jp, depth, m))
			return false;
		jspace(jp);
		if (*jp->p == ',') {
			jp->p++;
			jspace(jp);
			if (*jp->p == '}')
				return jfail(jp, "trailing comma in an object");
			continue;
		}
		if (*jp->p == '}') {
			jp->p++;
			return true;
		}
		return jfail(jp, "',' or '}' expected");
	}
}

static bool jarray(struct jparser *jp, int depth)
{
	jp->p++;	/* '[' */
	jspace(jp);
	if (*jp->p == ']') {
		jp->p++;
		return true;
	}
	for (;;) {
		jspace(jp);
		if (!jvalue(jp, depth, NULL))
			return false;
		jspace(jp);
		if (*jp->p == ',') {
			jp->p++;
			jspace(jp);
			if (*jp->p == ']')
				return jfail(jp, "trailing comma in an array");
			continue;
		}
		if (*jp->p == ']') {
			jp->p++;
			return true;
		}
		return jfail(jp, "',' or ']' expected");
	}
}

static bool jvalue(struct jparser *jp, int depth, struct jmember *m)
{
	enum jtype t;
	bool ok;

	if (depth >= J_MAX_DEPTH)
		return jfail(jp, "too deep");
	switch (*jp->p) {
	case '{':
		t = J_OBJECT;
		ok = jobject(jp, depth + 1);
		break;
	case '[':
		t = J_ARRAY;
		ok = jarray(jp, depth + 1);
		break;
	case '"':
		t = J_STRING;
		ok = jstring(jp, m ? m->str : NULL, m ? sizeof(m->str) : 0);
		break;
	case 't':
		t = J_TRUE;
		ok = jliteral(jp, "true");
		break;
	case 'f':
		t = J_FALSE;
		ok = jliteral(jp, "false");
		break;
	case 'n':
		t = J_NULL;
		ok = jliteral(jp, "null");
		break;
	default:
		t = J_NUMBER;
		ok = jnumber(jp, m);
		break;
	}
	if (m)
		m->type = t;
	return ok;
}

/* 0 if text is exactly one JSON value (surrounded by whitespace at most). */
static int json_check(const char *text, struct jdoc *doc, const char **why)
{
	struct jparser jp = { .p = text, .doc = doc };
	struct jmember top = { 0 };

	if (doc)
		memset(doc, 0, sizeof(*doc));
	jspace(&jp);
	if (!jvalue(&jp, 0, &top))
		goto bad;
	jspace(&jp);
	if (*jp.p) {
		jfail(&jp, "trailing characters after the value");
		goto bad;
	}
	if (doc)
		doc->top = top.type;
	return 0;
bad:
	if (why)
		*why = jp.why ? jp.why : "?";
	return -1;
}

static void checker_accepts(void **state)
{
	static const char *const good[] = {
		"{}", "[]", "0", "-0", "1.5e-3", "1E+2", "18446744073709551615",
		"\"\"", "true", "false", "null", " {\"a\" : [1, {\"b\":null}, \"c\"]}\n",
		"{\"s\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0001\\u00e9\\ud83d\\ude00\"}",
		"{\"utf8\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
		"[[[[[[[[[[1]]]]]]]]]]",
	};
	struct jdoc doc;
	const char *why = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (json_check(good[i], &doc, &why))
			fail_msg("checker rejects valid JSON %s: %s", good[i], why);
	assert_int_equal(json_check("{\"a\":1,\"b\":\"x\\u00e9\",\"a\":2}", &doc, &why), 0);
	assert_int_equal(doc.top, J_OBJECT);
	assert_int_equal(doc.n, 2);
	assert_string_equal(doc.m[0].key, "a");
	assert_int_equal(doc.m[0].count, 2);	/* duplicates are seen */
	assert_true(doc.m[0].is_uint);
	assert_int_equal(doc.m[0].num, 2);
	assert_string_equal(doc.m[1].str, "x\xc3\xa9");
}

static void checker_rejects(void **state)
{
	static const char *const bad[] = {
		"", " ", "{", "}", "[1,]", "{\"a\":1,}", "[,1]", "{,}", "{\"a\" 1}",
		"{a:1}", "{'a':1}", "[1 2]", "01", "-", "1.", ".5", "1e", "+1",
		"0x10", "NaN", "Infinity", "tru", "nul", "True", "\"abc", "\"a\nb\"",
		"\"a\tb\"", "\"\\x41\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"",
		"\"\xff\"", "\"\xc3\"", "\"\xed\xa0\x80\"", "{} {}", "{}x", "[]]",
		"{\"a\":}", "{\"a\"}", "[\"a\":1]", "{1:2}", "\"unterminated\\\"",
	};
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (!json_check(bad[i], NULL, &why))
			fail_msg("checker accepts invalid JSON '%s'", bad[i]);
		assert_non_null(why);
	}
}

/* python3's json module as a second opinion, when it is installed. */
static void python_accepts(const char *text)
{
	static const char cmd[] =
		"/usr/bin/python3 -c 'import json,sys; "
		"d = json.loads(sys.stdin.read()); "
		"sys.exit(0 if isinstance(d, dict) else 3)'";
	FILE *p;
	int status;

	if (access("/usr/bin/python3", X_OK))
		return;
	p = popen(cmd, "w");
	assert_non_null(p);
	fputs(text, p);
	status = pclose(p);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("python3 json.loads rejects: %s", text);
}

/* -------------------------------------------------------------- names -- */

static void reason_names(void **state)
{
	static const char *const want[KSBPF_REASON_MAX] = {
		[KSBPF_R_TUNNEL] = "tunnel",
		[KSBPF_R_LOOPBACK] = "loopback",
		[KSBPF_R_APP_BLOCK] = "app_block",
		[KSBPF_R_APP_BYPASS] = "app_bypass",
		[KSBPF_R_ENDPOINT] = "endpoint",
		[KSBPF_R_LINK_BRINGUP] = "link_bringup",
		[KSBPF_R_DNS] = "dns",
		[KSBPF_R_LAN] = "lan",
		[KSBPF_R_NO_ROUTE] = "no_route",
		[KSBPF_R_MALFORMED] = "malformed",
		[KSBPF_R_OUT_OF_SCOPE] = "out_of_scope",
		[KSBPF_R_OTHER_NETNS] = "other_netns",
		[KSBPF_R_TUNNEL_ADDR] = "tunnel_addr",
		[KSBPF_R_TO_SOCKET] = "to_socket",
	};

	(void)state;
	/* A new reason must get a name here (and in docs/cli.md). */
	assert_int_equal(KSBPF_REASON_MAX, 14);
	for (int r = 0; r < KSBPF_REASON_MAX; r++) {
		assert_non_null(want[r]);
		assert_string_equal(reason_name((enum ksbpf_reason)r), want[r]);
	}
	assert_string_equal(reason_name(KSBPF_REASON_MAX), "unknown");
	assert_string_equal(reason_name((enum ksbpf_reason)255), "unknown");
	assert_string_equal(reason_name((enum ksbpf_reason)-1), "unknown");
	assert_string_equal(reason_name((enum ksbpf_reason)0x7fffffff), "unknown");
}

static void hook_names(void **state)
{
	(void)state;
	assert_int_equal(KSBPF_HOOK_MAX, 4);
	assert_string_equal(hook_name(KSBPF_HOOK_CGROUP_EGRESS), "cgroup_egress");
	assert_string_equal(hook_name(KSBPF_HOOK_TC_EGRESS), "tc_egress");
	assert_string_equal(hook_name(KSBPF_HOOK_CGROUP_INGRESS), "cgroup_ingress");
	assert_string_equal(hook_name(KSBPF_HOOK_TC_INGRESS), "tc_ingress");
	assert_string_equal(hook_name(KSBPF_HOOK_MAX), "unknown");
	assert_string_equal(hook_name((enum ksbpf_hook)255), "unknown");
	assert_string_equal(hook_name((enum ksbpf_hook)-1), "unknown");
}

static void tc_mode_names(void **state)
{
	(void)state;
	assert_string_equal(tc_mode_name(KSBPF_TC_TCX), "tcx");
	assert_string_equal(tc_mode_name(KSBPF_TC_LEGACY), "legacy");
	assert_string_equal(tc_mode_name(0), "none");
	assert_string_equal(tc_mode_name(KSBPF_TC_LEGACY + 1), "none");
	assert_string_equal(tc_mode_name(0xffffffffu), "none");
}

static void app_policy_names(void **state)
{
	(void)state;
	assert_string_equal(app_policy_name(KSBPF_APP_NONE), "none");
	assert_string_equal(app_policy_name(KSBPF_APP_ENFORCE), "enforce");
	assert_string_equal(app_policy_name(KSBPF_APP_BYPASS), "bypass");
	assert_string_equal(app_policy_name(KSBPF_APP_BLOCK), "block");
	assert_string_equal(app_policy_name(KSBPF_APP_BLOCK + 1), "none");
	assert_string_equal(app_policy_name(0xffffffffu), "none");
}

/* ------------------------------------------------------------- events -- */

/* An ifindex and a cgroup id that surely do not exist. */
#define NO_IFINDEX 999999u
#define NO_CGROUP 0xfffffffffff0ull

static uint64_t boot_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static struct ksbpf_event event_v4(uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct ksbpf_event e = {
		.seq = 42,
		.time_ns = boot_now_ns(),
		.cgroup_id = 0,
		.ifindex = 1,	/* lo: index 1 in every network namespace */
		.len = 84,
		.hook = KSBPF_HOOK_CGROUP_EGRESS,
		.reason = KSBPF_R_NO_ROUTE,
		.family = KSBPF_AF_INET,
		.proto = proto,
		.sport = sport,
		.dport = dport,
	};

	inet_pton(AF_INET, "192.0.2.2", e.saddr);
	inet_pton(AF_INET, "198.51.100.1", e.daddr);
	return e;
}

static struct ksbpf_event event_v6(uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct ksbpf_event e = event_v4(proto, sport, dport);

	e.family = KSBPF_AF_INET6;
	memset(e.saddr, 0, sizeof(e.saddr));
	memset(e.daddr, 0, sizeof(e.daddr));
	inet_pton(AF_INET6, "2001:db8:1::2", e.saddr);
	inet_pton(AF_INET6, "2606:4700:4700::1111", e.daddr);
	return e;
}

struct rendered {
	char line[1024];
	char *tok[32];
	int ntok;
	char *json;
	size_t json_len;
	struct jdoc doc;
};

/* Both renderings of e, the text line split on blanks, the JSON checked. */
static void render(const struct ksbpf_event *e, struct rendered *r)
{
	struct event_names *names = event_names_new();
	char copy[sizeof(r->line)], *save = NULL, *t;
	const char *why = NULL;
	FILE *f;

	assert_non_null(names);
	memset(r, 0, sizeof(*r));
	memset(r->line, 'X', sizeof(r->line));
	event_format(e, names, r->line, sizeof(r->line));
	assert_non_null(memchr(r->line, 0, sizeof(r->line)));
	if (strchr(r->line, '\n'))
		fail_msg("text line has a newline: '%s'", r->line);
	memcpy(copy, r->line, sizeof(copy));
	for (t = strtok_r(copy, " ", &save); t && r->ntok < 32;
	     t = strtok_r(NULL, " ", &save))
		r->tok[r->ntok++] = strdup(t);

	f = open_memstream(&r->json, &r->json_len);
	assert_non_null(f);
	event_print_json(e, names, f);
	fclose(f);
	event_names_free(names);

	/* JSON Lines: one line, ending with its newline. */
	assert_true(r->json_len >= 2);
	if (r->json[r->json_len - 1] != '\n' ||
	    memchr(r->json, '\n', r->json_len - 1))
		fail_msg("not exactly one line: '%s'", r->json);
	if (json_check(r->json, &r->doc, &why))
		fail_msg("invalid JSON (%s): %s", why, r->json);
	assert_int_equal(r->doc.top, J_OBJECT);
	python_accepts(r->json);
}

static void rendered_free(struct rendered *r)
{
	for (int i = 0; i < r->ntok; i++)
		free(r->tok[i]);
	free(r->json);
}

static const struct jmember *member(const struct rendered *r, const char *key)
{
	for (int i = 0; i < r->doc.n; i++)
		if (!strcmp(r->doc.m[i].key, key)) {
			if (r->doc.m[i].count != 1)
				fail_msg("key %s appears %d times: %s", key,
					 r->doc.m[i].count, r->json);
			return &r->doc.m[i];
		}
	fail_msg("no key %s in %s", key, r->json);
	return NULL;
}

static void expect_str(const struct rendered *r, const char *key, const char *want)
{
	const struct jmember *m = member(r, key);

	if (m->type != J_STRING)
		fail_msg("%s: not a string in %s", key, r->json);
	if (strcmp(m->str, want))
		fail_msg("%s: '%s', want '%s' in %s", key, m->str, want, r->json);
}

static void expect_uint(const struct rendered *r, const char *key, uint64_t want)
{
	const struct jmember *m = member(r, key);

	if (m->type != J_NUMBER || !m->is_uint)
		fail_msg("%s: not an unsigned integer in %s", key, r->json);
	if (m->num != want)
		fail_msg("%s: %" PRIu64 ", want %" PRIu64 " in %s", key, m->num,
			 want, r->json);
}

static void expect_null(const struct rendered *r, const char *key)
{
	if (member(r, key)->type != J_NULL)
		fail_msg("%s: not null in %s", key, r->json);
}

/* The documented fields, each exactly once, and nothing else. */
static void expect_fields(const struct rendered *r)
{
	static const char *const keys[] = {
		"seq", "time", "verdict", "reason", "hook", "ifindex", "interface",
		"cgroup_id", "cgroup", "family", "protocol", "src", "dst", "sport",
		"dport", "len",
	};
	size_t n = sizeof(keys) / sizeof(keys[0]);

	for (size_t i = 0; i < n; i++)
		member(r, keys[i]);
	if ((size_t)r->doc.n != n)
		fail_msg("%d keys, want %zu: %s", r->doc.n, n, r->json);
	expect_str(r, "verdict", "drop");
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ", in UTC; its time in milliseconds. */
static int64_t parse_time_ms(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	struct tm tm = { 0 };
	const char *end;

	if (strlen(s) != strlen(shape))
		fail_msg("time '%s' is not %s", s, shape);
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !isdigit_(s[i]) : s[i] != shape[i])
			fail_msg("time '%s' is not %s", s, shape);
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	assert_non_null(end);
	assert_int_equal(*end, '.');
	return (int64_t)timegm(&tm) * 1000 + atoi(end + 1);
}

/* The wall-clock time, in ms, that a CLOCK_BOOTTIME stamp stands for. */
static int64_t wall_ms_of(uint64_t boot_ns)
{
	struct timespec real, boot;
	int64_t ns;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	ns = (int64_t)real.tv_sec * 1000000000 + real.tv_nsec -
	     ((int64_t)boot.tv_sec * 1000000000 + boot.tv_nsec) + (int64_t)boot_ns;
	return ns / 1000000;
}

/* Text: TIME drop REASON HOOK IFACE PROTO SRC[:PORT] -> DST[:PORT] len N
 *       [cgroup PATH] */
static void expect_line(const struct rendered *r, const char *reason,
			const char *hook, const char *iface, const char *proto,
			const char *src, const char *dst, const char *len,
			const char *cgroup)
{
	int want = cgroup ? 13 : 11;

	if (r->ntok != want)
		fail_msg("%d fields, want %d: '%s'", r->ntok, want, r->line);
	assert_string_equal(r->tok[0], member(r, "time")->str);
	assert_string_equal(r->tok[1], "drop");
	assert_string_equal(r->tok[2], reason);
	assert_string_equal(r->tok[3], hook);
	assert_string_equal(r->tok[4], iface);
	assert_string_equal(r->tok[5], proto);
	assert_string_equal(r->tok[6], src);
	assert_string_equal(r->tok[7], "->");
	assert_string_equal(r->tok[8], dst);
	assert_string_equal(r->tok[9], "len");
	assert_string_equal(r->tok[10], len);
	if (cgroup) {
		assert_string_equal(r->tok[11], "cgroup");
		assert_string_equal(r->tok[12], cgroup);
	}
}

/* An IPv6 address with a port: "[ADDR]:PORT" is the unambiguous form;
 * "ADDR:PORT" (what event_format printed when this test was written) is
 * accepted too, but the address and the port must both be there. */
static void expect_v6_port(const char *tok, const char *addr, const char *port)
{
	char bracketed[128], bare[128];

	snprintf(bracketed, sizeof(bracketed), "[%s]:%s", addr, port);
	snprintf(bare, sizeof(bare), "%s:%s", addr, port);
	if (strcmp(tok, bracketed) && strcmp(tok, bare))
		fail_msg("'%s' is neither '%s' nor '%s'", tok, bracketed, bare);
}

static void ipv4_udp(void **state)
{
	struct ksbpf_event e = event_v4(IPPROTO_UDP, 40000, 5353);
	struct rendered r;

	(void)state;
	e.ifindex = NO_IFINDEX;
	render(&e, &r);
	expect_fields(&r);
	expect_uint(&r, "seq", 42);
	expect_str(&r, "reason", "no_route");
	expect_str(&r, "hook", "cgroup_egress");
	expect_uint(&r, "ifindex", NO_IFINDEX);
	expect_str(&r, "interface", "if999999");
	expect_uint(&r, "cgroup_id", 0);
	expect_null(&r, "cgroup");
	expect_str(&r, "family", "ipv4");
	expect_str(&r, "protocol", "udp");
	expect_str(&r, "src", "192.0.2.2");
	expect_str(&r, "dst", "198.51.100.1");
	expect_uint(&r, "sport", 40000);
	expect_uint(&r, "dport", 5353);
	expect_uint(&r, "len", 84);
	expect_line(&r, "no_route", "cgroup_egress", "if999999", "udp",
		    "192.0.2.2:40000", "198.51.100.1:5353", "84", NULL);
	rendered_free(&r);
}

static void ipv6_tcp(void **state)
{
	struct ksbpf_event e = event_v6(IPPROTO_TCP, 47001, 443);
	struct rendered r;

	(void)state;
	e.seq = 7;
	e.hook = KSBPF_HOOK_TC_EGRESS;
	e.reason = KSBPF_R_DNS;
	e.len = 1500;
	render(&e, &r);
	expect_fields(&r);
	expect_uint(&r, "seq", 7);
	expect_str(&r, "reason", "dns");
	expect_str(&r, "hook", "tc_egress");
	expect_uint(&r, "ifindex", 1);
	expect_str(&r, "interface", "lo");
	expect_str(&r, "family", "ipv6");
	expect_str(&r, "protocol", "tcp");
	expect_str(&r, "src", "2001:db8:1::2");
	expect_str(&r, "dst", "2606:4700:4700::1111");
	expect_uint(&r, "sport", 47001);
	expect_uint(&r, "dport", 443);
	expect_uint(&r, "len", 1500);
	expect_null(&r, "cgroup");
	assert_int_equal(r.ntok, 11);
	assert_string_equal(r.tok[2], "dns");
	assert_string_equal(r.tok[3], "tc_egress");
	assert_string_equal(r.tok[4], "lo");
	assert_string_equal(r.tok[5], "tcp");
	expect_v6_port(r.tok[6], "2001:db8:1::2", "47001");
	assert_string_equal(r.tok[7], "->");
	expect_v6_port(r.tok[8], "2606:4700:4700::1111", "443");
	assert_string_equal(r.tok[10], "1500");
	rendered_free(&r);
}

static void icmp_without_ports(void **state)
{
	struct ksbpf_event e4 = event_v4(IPPROTO_ICMP, 0, 0);
	struct ksbpf_event e6 = event_v6(IPPROTO_ICMPV6, 0, 0);
	struct rendered r;

	(void)state;
	render(&e4, &r);
	expect_fields(&r);
	expect_str(&r, "protocol", "icmp");
	expect_str(&r, "family", "ipv4");
	expect_uint(&r, "sport", 0);
	expect_uint(&r, "dport", 0);
	expect_line(&r, "no_route", "cgroup_egress", "lo", "icmp",
		    "192.0.2.2", "198.51.100.1", "84", NULL);
	rendered_free(&r);

	render(&e6, &r);
	expect_fields(&r);
	expect_str(&r, "protocol", "icmpv6");
	expect_str(&r, "family", "ipv6");
	expect_str(&r, "src", "2001:db8:1::2");
	expect_str(&r, "dst", "2606:4700:4700::1111");
	expect_line(&r, "no_route", "cgroup_egress", "lo", "icmpv6",
		    "2001:db8:1::2", "2606:4700:4700::1111", "84", NULL);
	rendered_free(&r);
}

/* ARP, EAPOL, unknown ethertypes: family 0, no addresses. */
static void non_ip(void **state)
{
	struct ksbpf_event e = event_v4(0, 0, 0);
	struct rendered r;

	(void)state;
	e.family = 0;
	e.hook = KSBPF_HOOK_TC_EGRESS;
	e.reason = KSBPF_R_MALFORMED;
	e.len = 60;
	render(&e, &r);
	expect_fields(&r);
	expect_str(&r, "family", "other");
	expect_str(&r, "protocol", "non-ip");
	expect_null(&r, "src");	/* no addresses without IP */
	expect_null(&r, "dst");
	expect_str(&r, "reason", "malformed");
	expect_uint(&r, "sport", 0);
	expect_uint(&r, "dport", 0);
	expect_line(&r, "malformed", "tc_egress", "lo", "non-ip", "-", "-", "60", NULL);
	rendered_free(&r);
}

/* Another L4 protocol is shown by number; a reason or hook from a newer
 * BPF object than this binary is "unknown", and the JSON stays valid. */
static void other_protocol_unknown_names(void **state)
{
	struct ksbpf_event e = event_v4(47 /* GRE */, 0, 0);
	struct rendered r;

	(void)state;
	e.reason = 200;
	e.hook = 9;
	render(&e, &r);
	expect_fields(&r);
	expect_str(&r, "protocol", "47");
	expect_str(&r, "reason", "unknown");
	expect_str(&r, "hook", "unknown");
	expect_line(&r, "unknown", "unknown", "lo", "47", "192.0.2.2",
		    "198.51.100.1", "84", NULL);
	rendered_free(&r);
}

/* Largest values print as exact integers. */
static void extreme_values(void **state)
{
	struct ksbpf_event e = event_v4(IPPROTO_UDP, 65535, 65535);
	struct rendered r;
	char cg[64];

	(void)state;
	e.seq = UINT64_MAX;
	e.len = UINT32_MAX;
	e.ifindex = UINT32_MAX;
	e.cgroup_id = UINT64_MAX;
	snprintf(cg, sizeof(cg), "cgroup:%" PRIu64, UINT64_MAX);
	render(&e, &r);
	expect_fields(&r);
	expect_uint(&r, "seq", UINT64_MAX);
	expect_uint(&r, "len", UINT32_MAX);
	expect_uint(&r, "ifindex", UINT32_MAX);
	expect_str(&r, "interface", "if4294967295");
	expect_uint(&r, "cgroup_id", UINT64_MAX);
	expect_str(&r, "cgroup", cg);
	expect_uint(&r, "sport", 65535);
	expect_uint(&r, "dport", 65535);
	expect_line(&r, "no_route", "cgroup_egress", "if4294967295", "udp",
		    "192.0.2.2:65535", "198.51.100.1:65535", "4294967295", cg);
	rendered_free(&r);
}

static void cgroup_none_and_missing(void **state)
{
	struct ksbpf_event e = event_v4(IPPROTO_UDP, 1, 2);
	struct rendered r;
	char want[64];

	(void)state;
	/* 0: no socket (a TC drop of a forwarded or raw packet) */
	render(&e, &r);
	expect_uint(&r, "cgroup_id", 0);
	expect_null(&r, "cgroup");
	expect_line(&r, "no_route", "cgroup_egress", "lo", "udp", "192.0.2.2:1",
		    "198.51.100.1:2", "84", NULL);
	rendered_free(&r);

	/* an id that is no cgroup (removed since): shown by number */
	e.cgroup_id = NO_CGROUP;
	snprintf(want, sizeof(want), "cgroup:%llu", NO_CGROUP);
	render(&e, &r);
	expect_uint(&r, "cgroup_id", NO_CGROUP);
	expect_str(&r, "cgroup", want);
	expect_line(&r, "no_route", "cgroup_egress", "lo", "udp", "192.0.2.2:1",
		    "198.51.100.1:2", "84", want);
	rendered_free(&r);
}

/* An existing cgroup resolves to its directory: the cgroup v2 root, and
 * children made for the test when we may (root), one with a name that JSON
 * must escape. */
static char child_cg[2][4096];

static int remove_child_cg(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++) {
		if (child_cg[i][0])
			rmdir(child_cg[i]);
		child_cg[i][0] = 0;
	}
	return 0;
}

static void expect_cgroup_path(const char *path)
{
	struct ksbpf_event e = event_v4(IPPROTO_UDP, 1, 2);
	struct rendered r;
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	e.cgroup_id = st.st_ino;
	render(&e, &r);
	expect_uint(&r, "cgroup_id", st.st_ino);
	expect_str(&r, "cgroup", path);
	expect_line(&r, "no_route", "cgroup_egress", "lo", "udp", "192.0.2.2:1",
		    "198.51.100.1:2", "84", path);
	rendered_free(&r);
}

static void cgroup_resolved(void **state)
{
	static const char *const names[2] = {
		"ksbpf-unit-events-%d", "ksbpf-unit-\"quoted\\-%d",
	};
	char root[2048], err[ERR_LEN];

	(void)state;
	if (cgroup2_root(root, sizeof(root), err)) {
		print_message("no cgroup v2 here (%s): skipped\n", err);
		skip();
	}
	expect_cgroup_path(root);
	for (int i = 0; i < 2; i++) {
		int n = snprintf(child_cg[i], sizeof(child_cg[i]), "%s/", root);

		snprintf(child_cg[i] + n, sizeof(child_cg[i]) - (size_t)n, names[i],
			 (int)getpid());
		if (mkdir(child_cg[i], 0755)) {
			child_cg[i][0] = 0;
			print_message("cannot create a cgroup (not root?): skipped\n");
			return;
		}
		expect_cgroup_path(child_cg[i]);
	}
	assert_non_null(strchr(child_cg[1], '"'));
}

/* A short buffer gets a cut, terminated line: never an overrun. */
static void text_truncated(void **state)
{
	struct event_names *names = event_names_new();
	struct ksbpf_event e = event_v6(IPPROTO_TCP, 65535, 65535);
	char buf[64];

	(void)state;
	assert_non_null(names);
	e.cgroup_id = NO_CGROUP;
	for (size_t len = 1; len <= 40; len++) {
		memset(buf, 'X', sizeof(buf));
		event_format(&e, names, buf, len);
		assert_int_equal(strlen(buf), len - 1);
		for (size_t i = len; i < sizeof(buf); i++)
			if (buf[i] != 'X')
				fail_msg("event_format(len %zu) wrote byte %zu", len, i);
	}
	event_names_free(names);
}

/* CLOCK_BOOTTIME stamps become UTC wall-clock times, to the millisecond. */
static void time_is_utc_wall_clock(void **state)
{
	static const uint64_t ago_ns[] = { 0, 1234567890ull, 3600ull * 1000000000 + 999000000 };

	(void)state;
	for (size_t i = 0; i < sizeof(ago_ns) / sizeof(ago_ns[0]); i++) {
		uint64_t now = boot_now_ns();
		struct ksbpf_event e = event_v4(IPPROTO_UDP, 1, 2);
		struct rendered r;
		int64_t got, want;

		if (now < ago_ns[i])
			continue;
		e.time_ns = now - ago_ns[i];
		want = wall_ms_of(e.time_ns);
		render(&e, &r);
		got = parse_time_ms(member(&r, "time")->str);
		if (got < want - 50 || got > want + 50)
			fail_msg("time %s is %" PRId64 " ms off", member(&r, "time")->str,
				 got - want);
		assert_string_equal(r.tok[0], member(&r, "time")->str);
		rendered_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(checker_accepts),
		cmocka_unit_test(checker_rejects),
		cmocka_unit_test(reason_names),
		cmocka_unit_test(hook_names),
		cmocka_unit_test(tc_mode_names),
		cmocka_unit_test(app_policy_names),
		cmocka_unit_test(ipv4_udp),
		cmocka_unit_test(ipv6_tcp),
		cmocka_unit_test(icmp_without_ports),
		cmocka_unit_test(non_ip),
		cmocka_unit_test(other_protocol_unknown_names),
		cmocka_unit_test(extreme_values),
		cmocka_unit_test(cgroup_none_and_missing),
		cmocka_unit_test_teardown(cgroup_resolved, remove_child_cg),
		cmocka_unit_test(text_truncated),
		cmocka_unit_test(time_is_utc_wall_clock),
	};

	/* Times must be UTC whatever the local zone: pick one that is not. */
	setenv("TZ", "IST-5:30", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
