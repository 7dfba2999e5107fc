/*
 * test_ghosts.c - the bounded memory of evicted queue-id entries.
 */
#include <criterion/criterion.h>
#include <stdio.h>

#include "ghosts.h"

Test(ghosts, what_is_put_is_taken_once)
{
	struct ghosts *g = ghosts_new(0);
	struct ghost put, got;

	put = (struct ghost){ "a@example.org", 1, 0 };
	ghosts_put(g, 0x1111222233334444ULL, &put);
	put = (struct ghost){ "list-bounces@example.net", 0, 1 };
	ghosts_put(g, 0x2222333344445555ULL, &put);
	put = (struct ghost){ "", 0, 1 };
	ghosts_put(g, 0x5555666677778888ULL, &put);
	put = (struct ghost){ "", 1, 0 };	/* nothing to keep */
	ghosts_put(g, 0x9999aaaabbbbccccULL, &put);
	cr_assert(ghosts_take(g, 0x1111222233334444ULL, &got));
	cr_assert_str_eq(got.name, "a@example.org");
	cr_assert(got.is_account);
	cr_assert_not(got.is_counted);
	cr_assert_not(ghosts_take(g, 0x1111222233334444ULL, &got));
	cr_assert(ghosts_take(g, 0x2222333344445555ULL, &got));
	cr_assert_str_eq(got.name, "list-bounces@example.net");
	cr_assert_not(got.is_account, "an envelope sender");
	cr_assert(got.is_counted);
	cr_assert(ghosts_take(g, 0x5555666677778888ULL, &got));
	cr_assert_str_eq(got.name, "");
	cr_assert(got.is_counted);
	cr_assert_not(ghosts_take(g, 0x9999aaaabbbbccccULL, &got));
	ghosts_free(g);
}

Test(ghosts, the_older_generation_is_forgotten)
{
	struct ghosts *g = ghosts_new(2);
	struct ghost put = { "a@example.org", 1, 1 }, got;
	uint64_t k;

	/* keys differing only in their low bits still stay apart */
	for (k = 1; k <= 5; k++)
		ghosts_put(g, k << 40 | k, &put);
	/* {1, 2} went when {5} started; {3, 4} is the older one now */
	cr_assert_not(ghosts_take(g, 1ULL << 40 | 1, &got));
	cr_assert_not(ghosts_take(g, 2ULL << 40 | 2, &got));
	for (k = 3; k <= 5; k++)
		cr_assert(ghosts_take(g, k << 40 | k, &got), "key %llu",
		    (unsigned long long)k);
	ghosts_free(g);
}

Test(ghosts, many_keys_in_one_generation_are_all_kept)
{
	struct ghosts *g = ghosts_new(50000);
	struct ghost put, got;
	char name[32];
	uint64_t k;

	for (k = 0; k < 50000; k++) {
		snprintf(name, sizeof(name), "u%llu@example.org",
		    (unsigned long long)(k % 300));
		put = (struct ghost){ name, (int)(k % 3 == 0), (int)(k & 1) };
		ghosts_put(g, k * 0x9e3779b97f4a7c15ULL, &put);
	}
	for (k = 0; k < 50000; k++) {
		snprintf(name, sizeof(name), "u%llu@example.org",
		    (unsigned long long)(k % 300));
		cr_assert(ghosts_take(g, k * 0x9e3779b97f4a7c15ULL, &got));
		cr_assert_str_eq(got.name, name);
		cr_assert_eq(got.is_account, (int)(k % 3 == 0));
		cr_assert_eq(got.is_counted, (int)(k & 1));
	}
	ghosts_free(g);
}
