/*
 * test_hset.c - the capped hash set behind distinct counts.
 */
#include <criterion/criterion.h>

#include "hset.h"

Test(hset, counts_each_member_once)
{
	struct hset s;
	uint64_t i;

	hset_init(&s, 1000);
	for (i = 0; i < 500; i++)
		cr_assert_eq(hset_add(&s, hset_hash(&i, sizeof(i))), 1);
	for (i = 0; i < 500; i++)
		cr_assert_eq(hset_add(&s, hset_hash(&i, sizeof(i))), 0);
	cr_assert_eq(s.count, 500);
	cr_assert_not(s.is_estimate);
	hset_fini(&s);
}

Test(hset, zero_is_a_member_like_any_other)
{
	struct hset s;

	hset_init(&s, 10);
	cr_assert_eq(hset_add(&s, 0), 1);
	cr_assert_eq(hset_add(&s, 0), 0);
	cr_assert_eq(s.count, 1);
	hset_fini(&s);
}

Test(hset, past_the_cap_new_members_are_dropped_and_flagged)
{
	struct hset s;
	uint64_t i;

	hset_init(&s, 100);
	for (i = 1; i <= 300; i++)
		hset_add(&s, i * 0x9e3779b97f4a7c15ULL);
	cr_assert_eq(s.count, 100);
	cr_assert(s.is_estimate);
	/* a member stored before the cap is still known */
	cr_assert_eq(hset_add(&s, 1 * 0x9e3779b97f4a7c15ULL), 0);
	hset_fini(&s);
}

Test(hset, lower_case_hash_folds_ascii_only)
{
	cr_assert_eq(hset_hash_lower("Anna@Example.ORG", 16),
	    hset_hash_lower("anna@example.org", 16));
	cr_assert_neq(hset_hash("Anna", 4), hset_hash("anna", 4));
}
