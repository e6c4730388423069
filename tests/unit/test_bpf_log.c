// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A refused program in one line: the program's name and the verifier's
 * reason, out of libbpf's warning as libbpf 1.1 prints it (logs of the
 * refusals seen on Debian's 6.1 and 6.12 kernels). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>

#include "bpf_log.h"

static const char helper_log[] =
	"0: R1=ctx(off=0,imm=0) R10=fp0\n"
	"; return bpf_get_netns_cookie(skb);\n"
	"12: (85) call bpf_get_netns_cookie#122\n"
	"program of this type cannot use helper bpf_get_netns_cookie#122\n"
	"processed 12 insns (limit 1000000) max_states_per_insn 0 total_states 1 "
	"peak_states 1 mark_read 0\n";

static const char back_edge_log[] =
	"back-edge from insn 211 to 212\n"
	"processed 0 insns (limit 1000000) max_states_per_insn 0 total_states 0 "
	"peak_states 0 mark_read 0\n"
	"verification time 12 usec\n"
	"stack depth 0\n";

static void reason_is_the_last_line_that_is_no_statistic(void **state)
{
	char reason[256];

	(void)state;
	bpf_log_reason(helper_log, reason, sizeof(reason));
	assert_string_equal(reason, "program of this type cannot use helper "
			    "bpf_get_netns_cookie#122");
	bpf_log_reason(back_edge_log, reason, sizeof(reason));
	assert_string_equal(reason, "back-edge from insn 211 to 212");
	bpf_log_reason("", reason, sizeof(reason));
	assert_string_equal(reason, "");
}

/* Calls libbpf's print callback the way libbpf does. */
static void libbpf_warns(const char *fmt, ...)
{
	libbpf_print_fn_t print = libbpf_set_print(NULL);
	va_list ap;

	libbpf_set_print(print);
	va_start(ap, fmt);
	print(LIBBPF_WARN, fmt, ap);
	va_end(ap);
}

static void refusal_names_program_and_reason(void **state)
{
	char line[512];

	(void)state;
	bpf_log_init(false);
	assert_false(bpf_log_refusal(line, sizeof(line)));
	libbpf_warns("libbpf: prog '%s': -- BEGIN PROG LOAD LOG --\n%s-- END PROG LOAD LOG --\n",
		     "ksbpf_cg_egress", helper_log);
	assert_true(bpf_log_refusal(line, sizeof(line)));
	assert_string_equal(line, "ksbpf_cg_egress: program of this type cannot "
			    "use helper bpf_get_netns_cookie#122");
	assert_false(bpf_log_refusal(line, sizeof(line)));	/* consumed */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reason_is_the_last_line_that_is_no_statistic),
		cmocka_unit_test(refusal_names_program_and_reason),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
