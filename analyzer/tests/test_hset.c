/*
 * test_hset.c - the capped hash set behind distinct counts.
 */
#include <criterion/criterion.h>
#include <string.h>

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
	cr_assert_eq(hset_count(&s), 500);
	cr_assert_not(s.is_estimate);
	hset_fini(&s);
}

Test(hset, zero_is_a_member_like_any_other)
{
	struct hset s;

	hset_init(&s, 10);
	cr_assert_eq(hset_add(&s, 0), 1);
	cr_assert_eq(hset_add(&s, 0), 0);
	cr_assert_eq(hset_count(&s), 1);
	hset_fini(&s);
}

Test(hset, past_the_cap_the_set_becomes_an_estimate_of_fixed_size)
{
	struct hset s;
	uint64_t i;
	size_t n;

	hset_init(&s, 1000);
	for (i = 1; i <= 100000; i++)
		hset_add(&s, hset_hash(&i, sizeof(i)));
	/* members added twice do not count twice */
	for (i = 1; i <= 50000; i++)
		hset_add(&s, hset_hash(&i, sizeof(i)));
	cr_assert(s.is_estimate);
	cr_assert_null(s.slots);
	n = hset_count(&s);
	cr_assert(n > 95000 && n < 105000, "estimate %zu for 100000", n);
	hset_fini(&s);
}

Test(hset, a_small_set_past_a_tiny_cap_is_still_close)
{
	struct hset s;
	uint64_t i;
	size_t n;

	hset_init(&s, 100);
	for (i = 1; i <= 300; i++)
		hset_add(&s, i * 0x9e3779b97f4a7c15ULL);
	n = hset_count(&s);
	cr_assert(s.is_estimate);
	cr_assert(n > 285 && n < 315, "estimate %zu for 300", n);
	hset_fini(&s);
}

Test(hset, lower_case_hash_folds_ascii_only)
{
	cr_assert_eq(hset_hash_lower("Anna@Example.ORG", 16),
	    hset_hash_lower("anna@example.org", 16));
	cr_assert_neq(hset_hash("Anna", 4), hset_hash("anna", 4));
}

Test(hset, lower_case_hash_and_fold_copy_match_the_folded_bytes)
{
	unsigned char text[19], folded[19];
	char got[19];
	unsigned b;
	size_t at, n;

	/* every byte value at every place of a word and of the tail, among
	 * upper-case letters */
	for (b = 0; b < 256; b++) {
		for (at = 0; at < sizeof(text); at++) {
			memset(text, 'Q', sizeof(text));
			text[at] = (unsigned char)b;
			for (n = 0; n < sizeof(text); n++)
				folded[n] = text[n] >= 'A' && text[n] <= 'Z' ?
				    (unsigned char)(text[n] + 32) : text[n];
			for (n = at + 1; n <= sizeof(text); n += 3) {
				cr_assert_eq(hset_hash_lower(text, n),
				    hset_hash(folded, n), "byte %u at %zu of %zu",
				    b, at, n);
				memset(got, '#', sizeof(got));
				hset_fold_copy(got, text, n);
				cr_assert(memcmp(got, folded, n) == 0,
				    "byte %u at %zu of %zu", b, at, n);
				if (n < sizeof(got))
					cr_assert_eq(got[n], '#');
			}
		}
	}
	/* the length counts: zero bytes at the end are not padding */
	cr_assert_neq(hset_hash("ab", 2), hset_hash("ab\0", 3));
}

Test(hset, hash_reads_only_its_own_bytes)
{
	unsigned char a[64], b[64];
	size_t n, at, i;

	/* the same text at every alignment, with other bytes around it: the
	 * tail of a key is read with whole-word loads */
	for (n = 0; n <= 24; n++) {
		for (at = 0; at < 8; at++) {
			for (i = 0; i < sizeof(a); i++) {
				a[i] = (unsigned char)(0xA5 ^ i);
				b[i] = (unsigned char)(0x3C + 7 * i);
			}
			for (i = 0; i < n; i++)
				a[16 + i] = b[16 + at + i] =
				    (unsigned char)('a' + i);
			cr_assert_eq(hset_hash(a + 16, n),
			    hset_hash(b + 16 + at, n), "%zu bytes at +%zu", n,
			    at);
			cr_assert_eq(hset_hash_lower(a + 16, n),
			    hset_hash_lower(b + 16 + at, n));
		}
	}
	/* one byte changed anywhere changes the hash */
	for (n = 1; n <= 24; n++) {
		for (i = 0; i < n; i++) {
			memcpy(b, a, sizeof(a));
			b[16 + i] ^= 1;
			cr_assert_neq(hset_hash(a + 16, n), hset_hash(b + 16, n),
			    "byte %zu of %zu", i, n);
		}
	}
}
