/*
 * test_span.c - the span helpers every parser leans on: span_find's edges
 * (the needle at the start, at the very end, after false starts, longer
 * than the text) and span_rebase.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "span.h"

/* find - span_find over an exact-size heap copy, so ASan sees overreads */
static long
find(const char *text, const char *needle)
{
	size_t n = strlen(text);
	char *copy = malloc(n + 1);
	long at;

	memcpy(copy, text, n + 1);
	at = span_find((struct span){ copy, n }, needle, strlen(needle));
	free(copy);
	return at;
}

Test(span, find_gives_the_first_match_or_minus_one)
{
	cr_assert_eq(find("status=sent", "status="), 0);
	cr_assert_eq(find("a, b, status=bounced", ", status="), 4);
	cr_assert_eq(find("x said: y said: z", " said: "), 1);
	cr_assert_eq(find("ends with \\n", "\\n"), 10, "at the very end");
	cr_assert_eq(find(",,,,,, s", ", s"), 5, "after false starts");
	cr_assert_eq(find("short", "longer needle"), -1);
	cr_assert_eq(find("no match here", "said:"), -1);
	cr_assert_eq(find("almost sai", "said"), -1, "cut at the end");
	cr_assert_eq(find("", "x"), -1);
	cr_assert_eq(find("anything", ""), 0);
	cr_assert_eq(find("aab", "ab"), 1);
}

Test(span, rebase_moves_only_spans_inside_the_copied_bytes)
{
	static const char constant[] = "greeting";
	char from[] = "host mx said: 550 blocked", to[sizeof(from)];
	struct span inside = { from + 5, 2 }, at_end = { from + 25, 0 };
	struct span outside = SPAN_LIT(constant), empty = SPAN_NULL;

	memcpy(to, from, sizeof(from));
	span_rebase(&inside, from, sizeof(from) - 1, to);
	span_rebase(&at_end, from, sizeof(from) - 1, to);
	span_rebase(&outside, from, sizeof(from) - 1, to);
	span_rebase(&empty, from, sizeof(from) - 1, to);
	cr_assert_eq(inside.p, to + 5);
	cr_assert_eq(inside.n, 2);
	cr_assert_eq(at_end.p, to + 25);
	cr_assert_eq(outside.p, constant);
	cr_assert_null(empty.p);
}
