/*
 * cmd_patterns.c - the subcommands about reply texts and pattern files:
 * classify (one reply a line -> list, IP, class), explain (one reply in
 * plain words), and patterns check|list|test.
 */
#define _GNU_SOURCE	/* getline */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "classify.h"
#include "lines.h"
#include "cli.h"
#include "rec.h"
#include "render_explain.h"
#include "stamp.h"
#include "xalloc.h"

static const char usage_classify[] =
"usage: bouncelog classify [--patterns DIR] [FILE...]\n"
"\n"
"Reads one SMTP reply text per line and prints for each, in order:\n"
"list_id TAB listed_ip TAB class (blocklist, content, policy, mailbox,\n"
"ratelimit, other); an empty field when unknown.\n";

static const char usage_patterns[] =
"usage: bouncelog patterns check [--patterns DIR]\n"
"       bouncelog patterns list [--patterns DIR]\n"
"       bouncelog patterns test [--patterns DIR] FILE|-\n"
"\n"
"check: load every pattern file, compile every rule, and match every\n"
"file's examples against its own rules; exit 78 on any problem.\n"
"list: one line per list: id, kind, status, name.\n"
"test: classify each line of FILE (reply texts, or whole log lines) and\n"
"report how many lines each rule matched and which lines none matched.\n";

static const char usage_explain[] =
"usage: bouncelog explain [--format text|json] [--patterns DIR] [TEXT...]\n"
"\n"
"Explains one SMTP reply (or a whole log line quoting one; read from\n"
"stdin when no TEXT is given): which list, who runs it, what the listing\n"
"means, how and when it ends, where to look the IP up, and what to tell\n"
"the client.\n";

static int
classify_stream(struct classifier *c, FILE *fp, const char *name)
{
	char *line = NULL;
	size_t cap = 0, n;
	ssize_t len;
	struct hit h;
	char zone[1100], ip[300];

	while ((len = getline(&line, &cap, fp)) != -1) {
		n = (size_t)len;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		/* a reply is short; the rest of a runaway line is not one */
		if (n > LINES_CAP_DEFAULT)
			n = LINES_CAP_DEFAULT;
		classify_text(c, line, n, &h);
		/* captured text is log text: quoted, never raw */
		diag_quote(zone, sizeof(zone), h.zone.p, h.zone.n, 253);
		diag_quote(ip, sizeof(ip), h.ip.p, h.ip.n, 64);
		printf("%s\t%s\t%s\n", h.list != NULL ? h.list->id : zone, ip,
		    patterns_class_name(h.cls));
	}
	free(line);
	if (ferror(fp)) {
		diag_error(&(struct where){ name, 0 }, "read error: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
cmd_classify(int argc, char **argv)
{
	struct opts o;
	struct ruleset *rs;
	struct classifier *c;
	unsigned nerrors = 0;
	int first, i, status = 0;
	FILE *fp;

	memset(&o, 0, sizeof(o));
	first = cli_parse(argc, argv, &o, usage_classify);
	rs = cli_load_rules(&o, &nerrors);
	c = classify_new(rs);
	if (first == argc && classify_stream(c, stdin, "-") == -1)
		status = EX_DATAERR;
	for (i = first; i < argc; i++) {
		fp = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "r");
		if (fp == NULL) {
			diag_error(&(struct where){ argv[i], 0 }, "%s",
			    strerror(errno));
			status = EX_NOINPUT;
			continue;
		}
		if (classify_stream(c, fp, argv[i]) == -1)
			status = EX_DATAERR;
		if (fp != stdin)
			fclose(fp);
	}
	if (cli_finish_output() != 0)
		status = EX_IOERR;
	classify_free(c);
	patterns_free(rs);
	return status;
}

/*
 * reply_of - the reply text inside a whole log line, or the text itself
 * when it is not a log line we know
 */
static struct span
reply_of(const char *text, size_t len)
{
	struct stamp_ctx sc;
	struct header h;
	struct rec r;

	stamp_ctx_init(&sc, time(NULL), 0);
	if (stamp_parse(&sc, text, len, &h) == 0 &&
	    rec_parse(&h, MTA_ANY, &r) == 1 && r.reply.n > 0)
		return r.reply;
	return (struct span){ text, len };
}

/* read_all_stdin - stdin as one text, capped; trailing newlines dropped */
static char *
read_all_stdin(size_t *len)
{
	size_t cap = 4096, n = 0, got;
	char *buf = xmalloc(cap);

	while ((got = fread(buf + n, 1, cap - n - 1, stdin)) > 0) {
		n += got;
		if (n + 1 == cap) {
			if (cap >= 1024 * 1024)
				break;
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* join_words - the words joined by single spaces (caller frees) */
static char *
join_words(int n, char **words, size_t *len)
{
	size_t total = 1, o = 0, w;
	char *text;
	int i;

	for (i = 0; i < n; i++)
		total += strlen(words[i]) + 1;
	text = xmalloc(total);
	for (i = 0; i < n; i++) {
		if (i > 0)
			text[o++] = ' ';
		w = strlen(words[i]);
		memcpy(text + o, words[i], w);
		o += w;
	}
	text[o] = '\0';
	*len = o;
	return text;
}

int
cmd_explain(int argc, char **argv)
{
	struct opts o;
	struct ruleset *rs;
	struct classifier *c;
	struct span reply;
	struct hit h;
	unsigned nerrors = 0;
	char *text = NULL;
	size_t len;
	int first, rc;

	memset(&o, 0, sizeof(o));
	first = cli_parse(argc, argv, &o, usage_explain);
	if (o.format != FORMAT_TEXT && o.format != FORMAT_JSON)
		usage_error("explain: --format is text or json");
	rs = cli_load_rules(&o, &nerrors);
	c = classify_new(rs);
	if (first < argc) {
		/* unquoted words are one text, as the shell split them */
		text = join_words(argc - first, argv + first, &len);
		reply = reply_of(text, len);
	} else {
		text = read_all_stdin(&len);
		reply = reply_of(text, len);
	}
	classify_text(c, reply.p, reply.n, &h);
	if (o.format == FORMAT_JSON)
		rc = render_explain_json(stdout, reply.p, reply.n, &h);
	else
		rc = render_explain_text(stdout, reply.p, reply.n, &h);
	classify_free(c);
	patterns_free(rs);
	free(text);
	if (rc == -1 || cli_finish_output() != 0)
		return EX_IOERR;
	return 0;
}

struct rule_count {
	const char	*file;
	unsigned long	 line;
	unsigned long	 n;
};

/* count_rule - add a match for the rule at file:line to the table */
static void
count_rule(struct rule_count **t, size_t *nt, const struct hit *h)
{
	size_t i;

	for (i = 0; i < *nt; i++) {
		if ((*t)[i].line == h->rule_line &&
		    strcmp((*t)[i].file, h->rule_file) == 0) {
			(*t)[i].n++;
			return;
		}
	}
	*t = xreallocarray(*t, *nt + 1, sizeof(**t));
	(*t)[*nt] = (struct rule_count){ h->rule_file, h->rule_line, 1 };
	(*nt)++;
}

static int
by_rule_count(const void *x, const void *y)
{
	const struct rule_count *a = x, *b = y;

	if (a->n != b->n)
		return a->n > b->n ? -1 : 1;
	if (strcmp(a->file, b->file) != 0)
		return strcmp(a->file, b->file);
	return a->line < b->line ? -1 : a->line > b->line;
}

/* patterns_test - like fail2ban-regex: matches per rule, lines none matched */
static int
patterns_test(struct ruleset *rs, const char *path)
{
	struct classifier *c = classify_new(rs);
	struct rule_count *t = NULL;
	size_t nt = 0, cap = 0, i;
	unsigned long lineno = 0, nmissed = 0;
	char *line = NULL, quoted[1024];
	struct span reply;
	ssize_t len;
	struct hit h;
	FILE *fp;

	fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (fp == NULL) {
		diag_error(&(struct where){ path, 0 }, "%s", strerror(errno));
		classify_free(c);
		return EX_NOINPUT;
	}
	while ((len = getline(&line, &cap, fp)) != -1) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' ||
		    line[len - 1] == '\r'))
			len--;
		if (len == 0)
			continue;
		reply = reply_of(line, (size_t)len);
		classify_text(c, reply.p, reply.n, &h);
		if (h.rule_line > 0) {
			count_rule(&t, &nt, &h);
			continue;
		}
		if (nmissed++ == 0)
			printf("Lines no rule matched:\n");
		printf("  %lu: %s\n", lineno, diag_quote(quoted,
		    sizeof(quoted), reply.p, reply.n, 200));
	}
	qsort(t, nt, sizeof(*t), by_rule_count);
	printf("Rules that matched:\n");
	for (i = 0; i < nt; i++)
		printf("  %8lu  %s:%lu\n", t[i].n, t[i].file, t[i].line);
	printf("Lines: %lu, matched: %lu, missed: %lu\n", lineno - 0,
	    lineno - nmissed, nmissed);
	if (fp != stdin)
		fclose(fp);
	free(line);
	free(t);
	classify_free(c);
	return 0;
}

static const char *
kind_name(enum list_kind k)
{
	static const char *const names[] = { "ip-dnsbl", "domain-list",
	    "provider-reputation", "classifier", "generic" };

	return (size_t)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

int
cmd_patterns(int argc, char **argv)
{
	struct opts o;
	struct ruleset *rs;
	struct classifier *c;
	const struct list_info *li;
	unsigned nerrors = 0, nfailed;
	int first, status = 0;
	size_t i;

	memset(&o, 0, sizeof(o));
	first = cli_parse(argc, argv, &o, usage_patterns);
	if (first >= argc)
		usage_error("patterns: say check or list");
	rs = cli_load_rules(&o, &nerrors);
	if (strcmp(argv[first], "list") == 0) {
		for (i = 0; i < patterns_nlists(rs); i++) {
			li = patterns_list_at(rs, i);
			printf("%s\t%s\t%s\t%s\n", li->id, kind_name(li->kind),
			    li->status != NULL ? li->status : "",
			    li->name != NULL ? li->name : "");
		}
	} else if (strcmp(argv[first], "test") == 0) {
		if (first + 1 >= argc)
			usage_error("patterns test: name a file, or - for "
			    "stdin");
		status = patterns_test(rs, argv[first + 1]);
	} else if (strcmp(argv[first], "check") == 0) {
		c = classify_new(rs);
		nfailed = classify_check_examples(rs, c);
		classify_free(c);
		printf("patterns: %zu files, %zu rules, %u load errors, "
		    "%u examples failed\n", patterns_nlists(rs),
		    patterns_nrules(rs), nerrors, nfailed);
		if (nfailed > 0)
			nerrors++;
	} else {
		usage_error("patterns: unknown action '%s'", argv[first]);
	}
	patterns_free(rs);
	if (cli_finish_output() != 0)
		return EX_IOERR;
	if (status != 0)
		return status;
	return nerrors > 0 ? EX_CONFIG : 0;
}
