/*
 * test_classify.c - reply text -> hit, with the shipped patterns: the
 * shapes other modules rely on, the labelled corpus in fixtures/replies.tsv,
 * the generic zone lookup, gateway mapping, effort limits and speed.
 */
#define _GNU_SOURCE	/* mkdtemp, open_memstream */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "diag.h"
#include "patterns.h"

struct fixture {
	struct ruleset		*rs;
	struct classifier	*cl;
};

static struct fixture
fixture_load(const char *dir)
{
	struct fixture f;
	unsigned nerr;

	f.rs = patterns_load(dir, &nerr);
	cr_assert_not_null(f.rs);
	cr_assert_eq(nerr, 0);
	f.cl = classify_new(f.rs);
	return f;
}

static void
fixture_done(struct fixture *f)
{
	classify_free(f->cl);
	patterns_free(f->rs);
}

static enum pat_class
classify_str(struct fixture *f, const char *text, struct hit *h)
{
	return classify_text(f->cl, text, strlen(text), h);
}

/* span_str - a span as a C string in buf (for messages and compares) */
static const char *
span_str(struct span s, char *buf, size_t size)
{
	snprintf(buf, size, "%.*s", (int)s.n, s.p != NULL ? s.p : "");
	return buf;
}

/* Shapes the log generator writes, and the reply that started it all. */
struct shape {
	char	text[600];
	char	id[40];		/* "" = no list; "spamhaus-" = any Spamhaus id */
	char	ip[40];
	char	url[100];
	int	cls;
};

ParameterizedTestParameters(classify, known_shapes)
{
	static struct shape shapes[] = {
		{ "554 5.7.1 Service unavailable; Client host [203.0.113.25] "
		  "blocked using zen.spamhaus.org; https://www.spamhaus.org/"
		  "query/ip/203.0.113.25", "spamhaus-", "203.0.113.25",
		  "https://www.spamhaus.org/query/ip/203.0.113.25",
		  CLASS_BLOCKLIST },
		{ "550 5.7.1 Service unavailable; Client host [203.0.113.25] "
		  "blocked using bl.spamcop.net; Blocked - see https://www."
		  "spamcop.net/bl.shtml?203.0.113.25", "spamcop",
		  "203.0.113.25", "https://www.spamcop.net/bl.shtml?"
		  "203.0.113.25", CLASS_BLOCKLIST },
		{ "554 Service unavailable; Client host [203.0.113.25] blocked "
		  "using b.barracudacentral.org; http://www.barracudanetworks."
		  "com/reputation/?pr=1&ip=203.0.113.25", "barracuda-brbl",
		  "203.0.113.25", "http://www.barracudanetworks.com/"
		  "reputation/?pr=1&ip=203.0.113.25", CLASS_BLOCKLIST },
		{ "550-rejected because 203.0.113.25 is in a black list at "
		  "truncate.gbudb.net 550 http://www.gbudb.com/truncate/ "
		  "[203.0.113.25]", "gbudb-truncate", "203.0.113.25",
		  "http://www.gbudb.com/truncate/", CLASS_BLOCKLIST },
		{ "550-rejected because 212.71.255.195 is in a black list at "
		  "truncate.gbudb.net 550 http://www.gbudb.com/truncate/ "
		  "[212.71.255.195]", "gbudb-truncate", "212.71.255.195",
		  "http://www.gbudb.com/truncate/", CLASS_BLOCKLIST },
		{ "550 5.7.1 Unfortunately, messages from [203.0.113.25] "
		  "weren't sent. Please contact your Internet service provider "
		  "since part of their network is on our block list (S3150). "
		  "You can also refer your provider to http://mail.live.com/"
		  "mail/troubleshooting.aspx#errors.",
		  "microsoft-outlook-consumer", "203.0.113.25",
		  "http://mail.live.com/mail/troubleshooting.aspx#errors",
		  CLASS_BLOCKLIST },
		{ "550 5.7.1 Mail from 203.0.113.25 refused, see http://www."
		  "uceprotect.net/rblcheck.php?ipr=203.0.113.25 (dnsbl-1."
		  "uceprotect.net)", "uceprotect-l1", "203.0.113.25",
		  "http://www.uceprotect.net/rblcheck.php?ipr=203.0.113.25",
		  CLASS_BLOCKLIST },
		{ "553 Your IP is BLACKLISTED at UCEPROTECT-LEVEL 1 - See: "
		  "http://www.uceprotect.net/rblcheck.php?ipr=203.0.113.25",
		  "uceprotect-l1", "203.0.113.25", "", CLASS_BLOCKLIST },
		{ "421 4.7.0 [TSS04] Messages from 203.0.113.25 temporarily "
		  "deferred due to unexpected volume or user complaints - "
		  "4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
		  "yahoo-aol", "203.0.113.25",
		  "https://postmaster.yahooinc.com/error-codes",
		  CLASS_BLOCKLIST },
		{ "550 5.1.1 <x@example.org>: Recipient address rejected: User "
		  "unknown in virtual mailbox table", "", "", "",
		  CLASS_MAILBOX },
		{ "450 4.2.0 <x@example.org>: Recipient address rejected: "
		  "Greylisted, see http://postgrey.schweikert.ch/help/"
		  "example.org.html", "", "", "", CLASS_RATELIMIT },
		{ "554 5.7.1 Service unavailable; Client host [203.0.113.25] "
		  "blocked using zen.spamhaus.org; Error: open resolver; "
		  "https://check.spamhaus.org/returnc/pub/192.0.2.1/", "", "",
		  "", CLASS_OTHER },
		{ "554 5.7.1 Service unavailable; Client host [203.0.113.25] "
		  "blocked using zen.spamhaus.org=127.0.0.4", "spamhaus-xbl",
		  "203.0.113.25", "", CLASS_BLOCKLIST },
		{ "554 5.7.1 Service unavailable; Client host [203.0.113.25] "
		  "blocked using abcdefghijklmnopqrstuvwxyz.zen.dq.spamhaus.net",
		  "spamhaus-zen", "203.0.113.25", "", CLASS_BLOCKLIST },
		{ "554 5.7.1 Service unavailable; Sender address [a@example.org]"
		  " blocked using dbl.spamhaus.org; https://www.spamhaus.org/"
		  "query/domain/example.org", "spamhaus-dbl", "", "",
		  CLASS_CONTENT },
	};

	return cr_make_param_array(struct shape, shapes,
	    sizeof(shapes) / sizeof(shapes[0]));
}

ParameterizedTest(struct shape *s, classify, known_shapes)
{
	struct fixture f = fixture_load("patterns");
	char buf[200];
	struct hit h;

	classify_str(&f, s->text, &h);
	cr_assert_eq(h.cls, s->cls, "%s: class %s", s->text,
	    patterns_class_name(h.cls));
	if (s->id[0] == '\0') {
		cr_assert(h.cls != CLASS_BLOCKLIST);
	} else {
		cr_assert_not_null(h.list, "%s: no list", s->text);
		cr_assert(strncmp(h.list->id, s->id, strlen(s->id)) == 0,
		    "%s: list %s", s->text, h.list->id);
	}
	if (s->ip[0] != '\0')
		cr_assert_str_eq(span_str(h.ip, buf, sizeof(buf)), s->ip);
	if (s->url[0] != '\0')
		cr_assert_str_eq(span_str(h.url, buf, sizeof(buf)), s->url);
	cr_assert_neq(h.rule_line, 0);
	fixture_done(&f);
}

Test(classify, reply_no_rule_knows_is_other_without_rule)
{
	struct fixture f = fixture_load("patterns");
	struct hit h;

	cr_assert_eq(classify_str(&f, "250 2.0.0 Ok: queued as 4F3A21234",
	    &h), CLASS_OTHER);
	cr_assert_eq(h.rule_line, 0);
	cr_assert_null(h.list);
	cr_assert_eq(classify_text(f.cl, "", 0, &h), CLASS_OTHER);
	fixture_done(&f);
}

/* write_file - one small pattern file under dir */
static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	cr_assert_not_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
remove_files(const char *dir, const char *const *names)
{
	char path[512];

	for (; *names != NULL; names++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *names);
		unlink(path);
	}
	rmdir(dir);
}

static const char *const mini_names[] = { "a-list.yaml", "b-domains.yaml",
	"c-gateway.yaml", "generic.yaml", "slow.yaml", NULL };

/* mini_set - a tiny pattern set: a list known only by its zone, a domain
 * list, a gateway mapping a code to the list, generic rules, a slow rule */
static void
mini_set(char *dir)
{
	cr_assert_not_null(mkdtemp(dir));
	write_file(dir, "a-list.yaml", "id: a-list\nkind: ip-dnsbl\n"
	    "zones: [BL.Example.NET]\nrules:\n  - regex: never-in-a-reply\n");
	write_file(dir, "b-domains.yaml", "id: b-domains\nkind: domain-list\n"
	    "zones: [dbl.example.net]\nrules:\n  - regex: never-either\n");
	write_file(dir, "c-gateway.yaml", "id: c-gateway\n"
	    "kind: provider-reputation\nrules:\n  - regex: 'GW(?<ip>[0-9.]+)"
	    " code 7'\n    maps_to: a-list\n    prefilter: [code 7]\n");
	write_file(dir, "generic.yaml", "id: generic\nkind: generic\n"
	    "rules:\n  - regex: 'in a black list at (?<zone>[a-z0-9.-]+)'\n");
	write_file(dir, "slow.yaml", "id: slow\nkind: classifier\nrules:\n"
	    "  - regex: '^(a|aa)+$'\n    class: other\n    priority: 1\n"
	    "    prefilter: [aaaa]\n");
}

Test(classify, generic_zone_is_looked_up_in_every_file)
{
	char dir[] = "/tmp/bouncelog-cls-XXXXXX", buf[64];
	struct fixture f;
	struct hit h;

	mini_set(dir);
	f = fixture_load(dir);
	remove_files(dir, mini_names);
	classify_str(&f, "550 192.0.2.7 is in a black list at "
	    "key.bl.example.net", &h);
	cr_assert_eq(h.cls, CLASS_BLOCKLIST);
	cr_assert_str_eq(h.list->id, "a-list");
	cr_assert_str_eq(span_str(h.zone, buf, sizeof(buf)),
	    "key.bl.example.net");
	cr_assert_str_eq(span_str(h.ip, buf, sizeof(buf)), "192.0.2.7");
	classify_str(&f, "550 is in a black list at dbl.example.net", &h);
	cr_assert_eq(h.cls, CLASS_CONTENT);
	cr_assert_str_eq(h.list->id, "b-domains");
	classify_str(&f, "550 is in a black list at rbl.example.org", &h);
	cr_assert_eq(h.cls, CLASS_BLOCKLIST);
	cr_assert_null(h.list);
	cr_assert_str_eq(span_str(h.zone, buf, sizeof(buf)),
	    "rbl.example.org");
	fixture_done(&f);
}

Test(classify, gateway_code_maps_to_the_underlying_list)
{
	char dir[] = "/tmp/bouncelog-cls-XXXXXX", buf[64];
	struct fixture f;
	struct hit h;

	mini_set(dir);
	f = fixture_load(dir);
	remove_files(dir, mini_names);
	classify_str(&f, "554 GW198.51.100.9 code 7", &h);
	cr_assert_eq(h.cls, CLASS_BLOCKLIST);
	cr_assert_str_eq(h.list->id, "a-list");
	cr_assert_str_eq(h.via->id, "c-gateway");
	cr_assert_str_eq(span_str(h.ip, buf, sizeof(buf)), "198.51.100.9");
	fixture_done(&f);
}

Test(classify, rule_over_its_match_limit_is_no_match_and_warns_once)
{
	char dir[] = "/tmp/bouncelog-cls-XXXXXX", text[4000];
	struct fixture f;
	unsigned long before;
	struct hit h;

	mini_set(dir);
	f = fixture_load(dir);
	remove_files(dir, mini_names);
	memset(text, 'a', sizeof(text) - 2);
	text[sizeof(text) - 2] = 'b';
	text[sizeof(text) - 1] = '\0';
	diag_set_quiet(1);
	before = diag_nwarnings();
	cr_assert_eq(classify_str(&f, text, &h), CLASS_OTHER);
	cr_assert_eq(h.rule_line, 0);
	cr_assert_eq(classify_str(&f, text, &h), CLASS_OTHER);
	cr_assert_eq(diag_nwarnings() - before, 1);
	diag_set_quiet(0);
	fixture_done(&f);
}

/* One row of fixtures/replies.tsv. */
struct row {
	char	id[16];
	char	label[16];
	char	expect[128];
	char	ip[64];
	char	*text;		/* into the row's line buffer */
};

/* split_row - cut a TSV line into a row; 0, or -1 when too few fields */
static int
split_row(char *line, struct row *r)
{
	char *f[8];
	size_t n = 0;
	char *p = line, *tab;

	while (n < 8) {
		f[n++] = p;
		tab = strchr(p, '\t');
		if (tab == NULL)
			break;
		*tab = '\0';
		p = tab + 1;
	}
	if (n < 7)
		return -1;
	snprintf(r->id, sizeof(r->id), "%s", f[0]);
	snprintf(r->label, sizeof(r->label), "%s", f[1]);
	snprintf(r->expect, sizeof(r->expect), "%s", f[3]);
	snprintf(r->ip, sizeof(r->ip), "%s", f[4]);
	r->text = f[6];
	return 0;
}

/* id_expected - 1 when id fits expect: "a|b", exact, "fam-*", or "*" */
static int
id_expected(const char *expect, const char *id)
{
	char alt[64];
	const char *p = expect, *bar;
	size_t n;

	while (*p != '\0') {
		bar = strchr(p, '|');
		n = bar != NULL ? (size_t)(bar - p) : strlen(p);
		snprintf(alt, sizeof(alt), "%.*s", (int)n, p);
		if (strcmp(alt, "*") == 0)
			return 1;
		if (id != NULL && n >= 2 && alt[n - 1] == '*' &&
		    strncmp(id, alt, n - 1) == 0)
			return 1;
		if (id != NULL && strcmp(alt, id) == 0)
			return 1;
		p += n;
		if (*p == '|')
			p++;
	}
	return 0;
}

/*
 * Rows where we believe the corpus label is wrong; the rules are not bent
 * to them. One line each: why.
 */
static const struct { const char *id, *why; } disagreements[] = {
	{ "R0010", "listed_ip 85.244.xxx.yyy is masked; SOURCES.md says "
	    "masked IPs leave listed_ip empty" },
	{ "R0051", "listed_ip IP.IP.IP.IP is masked; SOURCES.md says masked "
	    "IPs leave listed_ip empty" },
};

static int
is_disagreement(const char *id)
{
	size_t i;

	for (i = 0; i < sizeof(disagreements) / sizeof(disagreements[0]); i++)
		if (strcmp(disagreements[i].id, id) == 0)
			return 1;
	return 0;
}

/* check_row - NULL when the row is classified as labelled, else why not */
static const char *
check_row(struct fixture *f, const struct row *r, char *why, size_t size)
{
	char ip[64];
	struct hit h;

	classify_str(f, r->text, &h);
	span_str(h.ip, ip, sizeof(ip));
	if (strcmp(r->label, "blocklist") != 0) {
		if (h.cls != CLASS_BLOCKLIST)
			return NULL;
		snprintf(why, size, "%s: %s row called a blocklist (%s)",
		    r->id, r->label, h.list != NULL ? h.list->id : "?");
		return why;
	}
	if (h.cls != CLASS_BLOCKLIST)
		snprintf(why, size, "%s: class %s", r->id,
		    patterns_class_name(h.cls));
	else if (!id_expected(r->expect, h.list != NULL ? h.list->id : NULL))
		snprintf(why, size, "%s: list %s, expected %s", r->id,
		    h.list != NULL ? h.list->id : "(unknown zone)", r->expect);
	else if (r->ip[0] != '\0' && strcmp(r->ip, ip) != 0)
		snprintf(why, size, "%s: ip \"%s\", expected %s", r->id, ip,
		    r->ip);
	else
		return NULL;
	return why;
}

Test(classify, corpus_replies_get_their_labelled_list_and_ip)
{
	struct fixture f = fixture_load("patterns");
	char line[9000], why[300];
	struct row r;
	unsigned nrows = 0, nfail = 0, nknown = 0;
	FILE *fp;

	fp = fopen("fixtures/replies.tsv", "r");
	cr_assert_not_null(fp);
	cr_assert_not_null(fgets(line, sizeof(line), fp));	/* header */
	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (split_row(line, &r) == -1)
			continue;
		nrows++;
		if (check_row(&f, &r, why, sizeof(why)) == NULL)
			continue;
		if (is_disagreement(r.id)) {
			nknown++;
			continue;
		}
		nfail++;
		cr_log_error("%s", why);
	}
	fclose(fp);
	cr_log_info("corpus: %u rows, %u failed, %u known disagreements",
	    nrows, nfail, nknown);
	cr_assert_gt(nrows, 200);
	cr_assert_eq(nfail, 0);
	fixture_done(&f);
}

Test(classify, one_reply_takes_microseconds)
{
	struct fixture f = fixture_load("patterns");
	static char texts[400][1024];
	char line[9000];
	struct timespec t0, t1;
	struct row r;
	struct hit h;
	size_t ntexts = 0, i, nrounds = 100000;
	double secs;
	FILE *fp;

	fp = fopen("fixtures/replies.tsv", "r");
	cr_assert_not_null(fp);
	cr_assert_not_null(fgets(line, sizeof(line), fp));
	while (ntexts < 400 && fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (split_row(line, &r) == 0)
			snprintf(texts[ntexts++], sizeof(texts[0]), "%s",
			    r.text);
	}
	fclose(fp);
	cr_assert_gt(ntexts, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < nrounds; i++)
		classify_str(&f, texts[i % ntexts], &h);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_log_info("%zu replies in %.3f s: %.2f us each", nrounds, secs,
	    secs * 1e6 / (double)nrounds);
	/* Generous: sanitizer builds are several times slower. */
	cr_assert_lt(secs * 1e6 / (double)nrounds, 200.0);
	fixture_done(&f);
}
