/*
 * test_ghosts.c - the bounded memory of evicted queue-id entries.
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include "ghosts.h"

Test(ghosts, what_is_put_is_taken_once)
{
	struct ghosts *g = ghosts_new(0);
	const char *account;
	int is_counted;

	ghosts_put(g, 0x1111222233334444ULL, "a@example.org", 0);
	ghosts_put(g, 0x5555666677778888ULL, "", 1);
	ghosts_put(g, 0x9999aaaabbbbccccULL, "", 0);	/* nothing to keep */
	cr_assert(ghosts_take(g, 0x1111222233334444ULL, &account, &is_counted));
	cr_assert_str_eq(account, "a@example.org");
	cr_assert_not(is_counted);
	cr_assert_not(ghosts_take(g, 0x1111222233334444ULL, &account,
	    &is_counted));
	cr_assert(ghosts_take(g, 0x5555666677778888ULL, &account, &is_counted));
	cr_assert_str_eq(account, "");
	cr_assert(is_counted);
	cr_assert_not(ghosts_take(g, 0x9999aaaabbbbccccULL, &account,
	    &is_counted));
	ghosts_free(g);
}

Test(ghosts, the_older_generation_is_forgotten)
{
	struct ghosts *g = ghosts_new(2);
	const char *account;
	int is_counted;
	uint64_t k;

	/* keys differing only in their low bits still stay apart */
	for (k = 1; k <= 5; k++)
		ghosts_put(g, k << 40 | k, "a@example.org", 1);
	/* {1, 2} went when {5} started; {3, 4} is the older one now */
	cr_assert_not(ghosts_take(g, 1ULL << 40 | 1, &account, &is_counted));
	cr_assert_not(ghosts_take(g, 2ULL << 40 | 2, &account, &is_counted));
	for (k = 3; k <= 5; k++)
		cr_assert(ghosts_take(g, k << 40 | k, &account, &is_counted),
		    "key %llu", (unsigned long long)k);
	ghosts_free(g);
}

Test(ghosts, many_keys_in_one_generation_are_all_kept)
{
	struct ghosts *g = ghosts_new(50000);
	const char *account;
	char name[32];
	int is_counted;
	uint64_t k;

	for (k = 0; k < 50000; k++) {
		snprintf(name, sizeof(name), "u%llu@example.org",
		    (unsigned long long)(k % 300));
		ghosts_put(g, k * 0x9e3779b97f4a7c15ULL, name, (int)(k & 1));
	}
	for (k = 0; k < 50000; k++) {
		snprintf(name, sizeof(name), "u%llu@example.org",
		    (unsigned long long)(k % 300));
		cr_assert(ghosts_take(g, k * 0x9e3779b97f4a7c15ULL, &account,
		    &is_counted));
		cr_assert_str_eq(account, name);
		cr_assert_eq(is_counted, (int)(k & 1));
	}
	ghosts_free(g);
}
