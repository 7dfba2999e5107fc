/*
 * test_check.c - plugin ranges, thresholds, the status line and its
 * perfdata, and the exit codes 0/1/2/3.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

struct range_case {
	char	text[32];
	double	value;
	int	alerts;
	int	ok;		/* the text parses */
};

ParameterizedTestParameters(check, ranges_follow_the_plugin_guidelines)
{
	static struct range_case cases[] = {
		{ "10", 10, 0, 1 }, { "10", 11, 1, 1 }, { "10", -1, 1, 1 },
		{ "10:", 9, 1, 1 }, { "10:", 1e9, 0, 1 },
		{ "~:10", -5, 0, 1 }, { "~:10", 10.5, 1, 1 },
		{ "10:20", 15, 0, 1 }, { "10:20", 21, 1, 1 },
		{ "10:20", 9, 1, 1 }, { "@10:20", 15, 1, 1 },
		{ "@10:20", 25, 0, 1 }, { "0", 0, 0, 1 }, { "0", 1, 1, 1 },
		{ "", 0, 0, 0 }, { "ten", 0, 0, 0 }, { "20:10", 0, 0, 0 },
		{ "1:2:3", 0, 0, 0 },
	};

	return cr_make_param_array(struct range_case, cases,
	    sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct range_case *c, check,
    ranges_follow_the_plugin_guidelines)
{
	struct check_range r;
	char err[128];
	int rc = check_parse_range(c->text, &r, err, sizeof(err));

	cr_assert_eq(rc == 0, c->ok, "'%s'", c->text);
	if (c->ok)
		cr_assert_eq(check_range_alerts(&r, c->value), c->alerts,
		    "'%s' at %g", c->text, c->value);
	else
		cr_assert(strstr(err, "not a threshold range") != NULL);
}

static json_t *
summary(int rejections, const char *file_error)
{
	char text[2048];
	json_t *doc;

	snprintf(text, sizeof(text), "{\"schema\": \"bouncelog/1\", "
	    "\"input\": {\"files\": [{\"name\": \"mail.log\", \"error\": %s}]},"
	    " \"totals\": {\"blocklist_rejections\": %d, \"bounced\": 2, "
	    "\"deferred\": %d, \"deliveries\": 40, \"other_rejections\": 1}, "
	    "\"blocklists\": %s}", file_error, rejections, rejections > 2 ? rejections - 2 : 0,
	    rejections == 0 ? "[]" : "[{\"id\": \"spamhaus-zen\", \"name\": "
	    "\"Spamhaus ZEN\", \"rejections\": 9, \"listed_ips\": [{\"ip\": "
	    "\"203.0.113.25\", \"rejections\": 9}]}, {\"id\": \"spamcop\", "
	    "\"name\": \"SpamCop\", \"rejections\": 3, \"listed_ips\": []}]");
	doc = json_loads(text, 0, NULL);
	cr_assert_not_null(doc, "%s", text);
	return doc;
}

/* run - the exit code and the line check_evaluate prints */
static int
run(const json_t *doc, const char *warn, const char *crit, char *line,
    size_t len)
{
	struct check_opts o;
	char err[128], *buf = NULL;
	size_t n = 0;
	FILE *out = open_memstream(&buf, &n);
	int rc;

	memset(&o, 0, sizeof(o));
	cr_assert_eq(check_parse_range(warn, &o.warn, err, sizeof(err)), 0);
	cr_assert_eq(check_parse_range(crit, &o.crit, err, sizeof(err)), 0);
	o.window = "15m";
	rc = check_evaluate(doc, &o, out);
	fclose(out);
	snprintf(line, len, "%s", buf);
	free(buf);
	return rc;
}

Test(check, no_rejections_is_ok_with_perfdata)
{
	json_t *doc = summary(0, "null");
	char line[1024];

	cr_assert_eq(run(doc, CHECK_WARN_DEFAULT, CHECK_CRIT_DEFAULT, line,
	    sizeof(line)), 0);
	cr_assert_str_eq(line, "BOUNCELOG OK - 0 blocklist rejections in the "
	    "last 15m | rejections=0;0;50;0; bounced=2;;;0; deferred=0;;;0; "
	    "deliveries=40;;;0; other_rejections=1;;;0; lists=0;;;0;\n");
	json_decref(doc);
}

Test(check, rejections_over_warning_name_the_lists)
{
	json_t *doc = summary(12, "null");
	char line[1024];

	cr_assert_eq(run(doc, "10", "50", line, sizeof(line)), 1);
	cr_assert_str_eq(line, "BOUNCELOG WARNING - 12 blocklist rejections in "
	    "the last 15m: Spamhaus ZEN 9 (203.0.113.25), SpamCop 3 | "
	    "rejections=12;10;50;0; bounced=2;;;0; deferred=10;;;0; "
	    "deliveries=40;;;0; other_rejections=1;;;0; lists=2;;;0; "
	    "'list_spamhaus-zen'=9;;;0; 'list_spamcop'=3;;;0;\n");
	json_decref(doc);
}

Test(check, critical_wins_over_warning)
{
	json_t *doc = summary(12, "null");
	char line[1024];

	cr_assert_eq(run(doc, "5", "11", line, sizeof(line)), 2);
	cr_assert(strncmp(line, "BOUNCELOG CRITICAL - 12 ", 24) == 0, "%s",
	    line);
	cr_assert_eq(run(doc, "5", "12", line, sizeof(line)), 1);
	json_decref(doc);
}

Test(check, unreadable_input_or_no_summary_is_unknown)
{
	json_t *doc = summary(0, "\"truncated gzip input\"");
	char line[1024];

	cr_assert_eq(run(doc, "0", "50", line, sizeof(line)), 3);
	cr_assert_str_eq(line, "BOUNCELOG UNKNOWN - input not fully read "
	    "(truncated gzip input); 0 blocklist rejections before it\n");
	json_decref(doc);
	/* Enough was read to know it is bad: the verdict stands. */
	doc = summary(60, "\"truncated gzip input\"");
	cr_assert_eq(run(doc, "0", "50", line, sizeof(line)), 2);
	json_decref(doc);
	cr_assert_eq(run(NULL, "0", "50", line, sizeof(line)), 3);
	cr_assert_str_eq(line, "BOUNCELOG UNKNOWN - no summary with blocklist "
	    "totals\n");
}
