/*
 * test_patterns.c - the pattern loader: the shipped files load cleanly,
 * every broken file of fixtures/patterns-bad/ is reported at its file:line
 * while the rest still loads, and zones are found by suffix.
 */
#define _GNU_SOURCE	/* mkdtemp, open_memstream */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"
#include "diag.h"
#include "patterns.h"

/* Messages go to a memory stream so tests can read them back. */
struct capture {
	char	*buf;
	size_t	 len;
	FILE	*fp;
};

static void
capture_start(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->fp = open_memstream(&c->buf, &c->len);
	cr_assert_not_null(c->fp);
	diag_set_stream(c->fp);
}

static void
capture_stop(struct capture *c)
{
	fflush(c->fp);
	diag_set_stream(NULL);
	fclose(c->fp);
}

static int
has(const struct capture *c, const char *needle)
{
	return c->buf != NULL && strstr(c->buf, needle) != NULL;
}

Test(patterns, shipped_files_load_without_errors)
{
	struct capture cap;
	struct ruleset *rs;
	unsigned nerr;

	capture_start(&cap);
	rs = patterns_load("patterns", &nerr);
	capture_stop(&cap);
	cr_assert_not_null(rs);
	cr_assert_eq(nerr, 0, "errors:\n%s", cap.buf ? cap.buf : "");
	cr_assert_geq(patterns_nlists(rs), 30);
	cr_assert_geq(patterns_nrules(rs), patterns_nlists(rs));
	cr_assert_not_null(patterns_find_list(rs, "gbudb-truncate"));
	cr_assert_null(patterns_find_list(rs, "no-such-list"));
	patterns_free(rs);
	free(cap.buf);
}

Test(patterns, shipped_files_have_the_facts_a_client_needs)
{
	const struct list_info *li;
	struct ruleset *rs;
	unsigned nerr;
	size_t i;

	rs = patterns_load("patterns", &nerr);
	cr_assert_not_null(rs);
	for (i = 0; i < patterns_nlists(rs); i++) {
		li = patterns_list_at(rs, i);
		cr_assert_not_null(li->name, "%s: no name", li->file);
		cr_assert_not_null(li->explain, "%s: no explain", li->file);
		if (li->kind == KIND_CLASSIFIER || li->kind == KIND_GENERIC)
			continue;
		cr_assert_not_null(li->status, "%s: no status", li->file);
	}
	li = patterns_find_list(rs, "sorbs");
	cr_assert_not_null(li);
	cr_assert(li->is_defunct);
	cr_assert_not(patterns_find_list(rs, "spamcop")->is_defunct);
	patterns_free(rs);
}

Test(patterns, every_example_is_matched_by_its_own_file)
{
	struct capture cap;
	struct classifier *cl;
	struct ruleset *rs;
	unsigned nerr, nfail;

	rs = patterns_load("patterns", &nerr);
	cr_assert_not_null(rs);
	cr_assert_gt(patterns_nexamples(rs), 0);
	cl = classify_new(rs);
	capture_start(&cap);
	nfail = classify_check_examples(rs, cl);
	capture_stop(&cap);
	cr_assert_eq(nfail, 0, "%s", cap.buf ? cap.buf : "");
	classify_free(cl);
	patterns_free(rs);
	free(cap.buf);
}

Test(patterns, broken_files_are_reported_at_their_line_and_the_rest_loads)
{
	struct capture cap;
	struct ruleset *rs;
	unsigned nerr;
	const char *d = "fixtures/patterns-bad/";

	(void)d;
	capture_start(&cap);
	rs = patterns_load("fixtures/patterns-bad", &nerr);
	capture_stop(&cap);
	cr_assert_not_null(rs);
	cr_assert(has(&cap, "patterns-bad/a-bad-yaml.yaml:6: error: column 1: "
	    "YAML: found unexpected end of stream"), "%s", cap.buf);
	cr_assert(has(&cap, "patterns-bad/b-unknown-key.yaml:3: error: "
	    "column 1: unknown key \"colour\""), "%s", cap.buf);
	cr_assert(has(&cap, "patterns-bad/c-missing-id.yaml:2: error: no id"),
	    "%s", cap.buf);
	cr_assert(has(&cap, "patterns-bad/e-duplicate-id.yaml:1: error: "
	    "duplicate id \"good-list\""), "%s", cap.buf);
	cr_assert(has(&cap, "patterns-bad/f-bad-regex.yaml:5: error: bad regex "
	    "at offset 13: missing closing parenthesis; rule skipped"), "%s",
	    cap.buf);
	cr_assert(has(&cap, "patterns-bad/g-too-deep.yaml:5: error: nested "
	    "deeper than 8 levels"), "%s", cap.buf);
	cr_assert_eq(nerr, 6);
	/* d-good loads whole; f-bad-regex loads without its broken rule */
	cr_assert_eq(patterns_nlists(rs), 2);
	cr_assert_eq(patterns_nrules(rs), 2);
	cr_assert_not_null(patterns_find_list(rs, "good-list"));
	cr_assert_not_null(patterns_find_list(rs, "bad-regex"));
	cr_assert_str_eq(patterns_find_list(rs, "good-list")->zones[0],
	    "bl.good.example");
	patterns_free(rs);
	free(cap.buf);
}

/* write_file - a file of n bytes of text under dir */
static void
write_file(const char *dir, const char *name, const char *text, size_t pad)
{
	char path[512];
	FILE *fp;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	cr_assert_not_null(fp);
	fputs(text, fp);
	for (i = 0; i < pad; i++)
		fputs("# padding\n", fp);
	fclose(fp);
}

static void
remove_dir(const char *dir, const char *const *names)
{
	char path[512];

	for (; *names != NULL; names++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *names);
		unlink(path);
	}
	rmdir(dir);
}

Test(patterns, file_over_one_mebibyte_is_skipped)
{
	static const char *const names[] = { "big.yaml", "small.yaml", NULL };
	char dir[] = "/tmp/bouncelog-pat-XXXXXX";
	struct capture cap;
	struct ruleset *rs;
	unsigned nerr;

	cr_assert_not_null(mkdtemp(dir));
	write_file(dir, "big.yaml", "id: big\nkind: generic\nrules:\n"
	    "  - regex: big\n", 110000);
	write_file(dir, "small.yaml", "id: small\nkind: generic\nrules:\n"
	    "  - regex: small\n", 0);
	capture_start(&cap);
	rs = patterns_load(dir, &nerr);
	capture_stop(&cap);
	remove_dir(dir, names);
	cr_assert(has(&cap, "big.yaml: error: larger than 1048576 bytes; "
	    "file skipped"), "%s", cap.buf);
	cr_assert_eq(nerr, 1);
	cr_assert_eq(patterns_nlists(rs), 1);
	cr_assert_str_eq(patterns_list_at(rs, 0)->id, "small");
	patterns_free(rs);
	free(cap.buf);
}

Test(patterns, missing_directory_gives_null)
{
	struct capture cap;
	unsigned nerr;

	capture_start(&cap);
	cr_assert_null(patterns_load("fixtures/no-such-dir", &nerr));
	capture_stop(&cap);
	cr_assert_eq(nerr, 1);
	cr_assert(has(&cap, "cannot read pattern directory"));
	free(cap.buf);
}

Test(patterns, zones_are_found_by_suffix_at_a_label_boundary)
{
	struct ruleset *rs;
	unsigned nerr;
	const struct list_info *li;
	static const char dqs_zen[] = "abcdefghijklmnopqrstuvwxyz.ZEN.dq.spamhaus.net";
	static const char dqs_auth[] = "abcdefghijklmnopqrstuvwxyz.authbl.dq.spamhaus.net";

	rs = patterns_load("patterns", &nerr);
	cr_assert_not_null(rs);
	li = patterns_find_zone(rs, dqs_zen, strlen(dqs_zen));
	cr_assert_str_eq(li->id, "spamhaus-zen");
	li = patterns_find_zone(rs, dqs_auth, strlen(dqs_auth));
	cr_assert_str_eq(li->id, "spamhaus-dqs");
	li = patterns_find_zone(rs, "bl.spamcop.net.", 15);
	cr_assert_str_eq(li->id, "spamcop");
	li = patterns_find_zone(rs, "dbl.spamhaus.org", 16);
	cr_assert_eq(li->kind, KIND_DOMAIN_LIST);
	cr_assert_null(patterns_find_zone(rs, "xbl.spamcop.net", 15));
	cr_assert_null(patterns_find_zone(rs, "notzen.spamhaus.org", 19));
	cr_assert_null(patterns_find_zone(rs, "", 0));
	patterns_free(rs);
}

Test(patterns, rules_come_in_precedence_order)
{
	const struct rule *prev, *r;
	struct ruleset *rs;
	unsigned nerr;
	size_t i;

	rs = patterns_load("patterns", &nerr);
	cr_assert_not_null(rs);
	for (i = 1; i < patterns_nrules(rs); i++) {
		prev = patterns_rule_at(rs, i - 1);
		r = patterns_rule_at(rs, i);
		cr_assert_leq(patterns_rule_priority(prev),
		    patterns_rule_priority(r));
	}
	cr_assert_null(patterns_rule_at(rs, patterns_nrules(rs)));
	patterns_free(rs);
}

Test(patterns, class_names_round_trip)
{
	enum pat_class cls;
	int i;

	for (i = CLASS_NONE; i <= CLASS_OTHER; i++) {
		cr_assert_eq(patterns_class_from_name(
		    patterns_class_name((enum pat_class)i), &cls), 0);
		cr_assert_eq((int)cls, i);
	}
	cr_assert_eq(patterns_class_from_name("spam", &cls), -1);
}
