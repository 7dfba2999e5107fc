/*
 * main.c - the bouncelog tool: the command line -> struct opts, the
 * subcommands, and the exit status. It knows every stage; the stages know
 * only the one before them.
 *
 * New subcommand: add a row to commands[], a cmd_<name>() here, its
 * --help text, and a section in README.md.
 */
#define _GNU_SOURCE	/* getopt_long, nl_langinfo */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "classify.h"
#include "diag.h"
#include "patterns.h"
#include "rec.h"
#include "render.h"
#include "render_explain.h"
#include "scan.h"
#include "source.h"
#include "stamp.h"
#include "xalloc.h"

#define BOUNCELOG_VERSION	"0.1.0"

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_CSV, FORMAT_EVENTS };
enum color { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

struct opts {
	enum format	 format;
	enum color	 color;
	const char	*patterns_dir;	/* NULL: find it */
	const char	*since_text, *until_text;
	time_t		 now;
	struct scan_opts scan;
	int		 is_quiet;
};

static const char usage_main[] =
"usage: bouncelog [scan] [options] [FILE...]\n"
"       bouncelog classify [--patterns DIR] [FILE...]\n"
"       bouncelog explain [--format json] 'REPLY TEXT'\n"
"       bouncelog patterns check|list|test [--patterns DIR]\n"
"\n"
"Reads mail logs (Postfix; plain, gzip, bzip2, xz, zstd, lz4, or a tar of\n"
"them; \"-\" or nothing is stdin) and reports the outbound mail that remote\n"
"servers rejected because our sending IP is on a blocklist.\n"
"\n"
"Options:\n"
"  --format text|json|csv|events  output (default text; json is the\n"
"                          summary document, schema bouncelog/1; events is\n"
"                          one JSON object a line per delivery event)\n"
"  --since T, --until T    only events in [T, T): 2026-11-26, \n"
"                          2026-11-26T05:00Z, -24h, -30m, today, yesterday\n"
"  --bucket D              time bucket for timelines: 1h (default), 15m, 1d\n"
"  --year Y                year of syslog stamps that have none (default:\n"
"                          from each file's modification time)\n"
"  --tz ZONE               zone of stamps without one (default: local)\n"
"  --mta postfix           only this MTA's lines (default: detect)\n"
"  --patterns DIR          pattern files (default: the installed ones)\n"
"  --max-line N            longest line kept, in bytes (default 8192)\n"
"  --max-groups N          most distinct keys counted (default 100000)\n"
"  --color auto|always|never\n"
"  -q, --quiet             no warnings (errors are still shown)\n"
"  -h, --help              this text;  -V, --version\n"
"\n"
"Exit status: 0 report written (with or without findings), 64 bad command\n"
"line, 65 some input not fully readable (the report covers the rest),\n"
"66 no input could be opened, 74 writing the output failed, 78 unusable\n"
"pattern files.\n";

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
"usage: bouncelog explain [--format text|json] [--patterns DIR] ['TEXT']\n"
"\n"
"Explains one SMTP reply (or a whole log line quoting one; read from\n"
"stdin when no TEXT is given): which list, who runs it, what the listing\n"
"means, how and when it ends, where to look the IP up, and what to tell\n"
"the client.\n";

/* usage_error - a bad command line: say what, point at --help, exit 64 */
static _Noreturn void PRINTFLIKE(1, 2)
usage_error(const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_fatal(EX_USAGE, "%s (see bouncelog --help)", msg);
}

static long
parse_long(const char *opt, const char *text, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
		usage_error("%s: not a number from %ld to %ld: '%s'", opt, min,
		    max, text);
	return v;
}

/* parse_duration - "1h", "15m", "30s", "1d", "3600" -> seconds */
static long
parse_duration(const char *opt, const char *text)
{
	char *end;
	long v, unit = 1;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || v <= 0)
		usage_error("%s: not a duration: '%s'", opt, text);
	if (strcmp(end, "s") == 0 || *end == '\0')
		unit = 1;
	else if (strcmp(end, "m") == 0)
		unit = 60;
	else if (strcmp(end, "h") == 0)
		unit = 3600;
	else if (strcmp(end, "d") == 0)
		unit = 86400;
	else
		usage_error("%s: not a duration: '%s' (use s, m, h or d)", opt,
		    text);
	if (v > LONG_MAX / unit || v * unit > 366L * 86400)
		usage_error("%s: too long: '%s'", opt, text);
	return v * unit;
}

static int
is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * find_data_dir - where patterns/ (or templates/) are: run from a source
 * tree (the binary in build/ or build/X/), the tree's; else DATADIR's.
 */
static const char *
find_data_dir(char *buf, size_t len, const char *sub)
{
	char exe[PATH_MAX], probe[PATH_MAX * 2];
	ssize_t n;
	char *slash;
	int up;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		for (up = 0; up < 3; up++) {
			slash = strrchr(exe, '/');
			if (slash == NULL)
				break;
			*slash = '\0';
			snprintf(probe, sizeof(probe), "%s/analyzer", exe);
			if (!is_dir(probe))
				continue;
			snprintf(probe, sizeof(probe), "%s/%s", exe, sub);
			if (is_dir(probe)) {
				snprintf(buf, len, "%s", probe);
				return buf;
			}
		}
	}
	snprintf(buf, len, "%s/%s", DATADIR, sub);
	return buf;
}

/* load_rules - the ruleset, or exit 78 when there is none usable */
static struct ruleset *
load_rules(const struct opts *o, unsigned *nerrors)
{
	char buf[PATH_MAX * 2];
	const char *dir = o->patterns_dir;
	struct ruleset *rs;

	if (dir == NULL)
		dir = find_data_dir(buf, sizeof(buf), "patterns");
	rs = patterns_load(dir, nerrors);
	if (rs == NULL || patterns_nrules(rs) == 0)
		diag_fatal(EX_CONFIG, "%s: no usable pattern files", dir);
	return rs;
}

enum {
	OPT_FORMAT = 256, OPT_SINCE, OPT_UNTIL, OPT_BUCKET, OPT_YEAR, OPT_TZ,
	OPT_MTA, OPT_PATTERNS, OPT_MAX_LINE, OPT_MAX_GROUPS, OPT_COLOR,
};

static const struct option long_opts[] = {
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ "bucket", required_argument, NULL, OPT_BUCKET },
	{ "year", required_argument, NULL, OPT_YEAR },
	{ "tz", required_argument, NULL, OPT_TZ },
	{ "mta", required_argument, NULL, OPT_MTA },
	{ "patterns", required_argument, NULL, OPT_PATTERNS },
	{ "max-line", required_argument, NULL, OPT_MAX_LINE },
	{ "max-groups", required_argument, NULL, OPT_MAX_GROUPS },
	{ "color", required_argument, NULL, OPT_COLOR },
	{ "colour", required_argument, NULL, OPT_COLOR },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static void
set_tz(const char *zone)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", zone);
	if (zone[0] != ':' && strchr(zone, '/') != NULL &&
	    access(path, R_OK) != 0)
		usage_error("--tz: unknown time zone '%s'", zone);
	if (setenv("TZ", zone, 1) != 0)
		diag_fatal(EX_OSERR, "cannot set TZ: %s", strerror(errno));
	tzset();
}

static enum format
parse_format(const char *text)
{
	if (strcmp(text, "text") == 0)
		return FORMAT_TEXT;
	if (strcmp(text, "json") == 0)
		return FORMAT_JSON;
	if (strcmp(text, "csv") == 0)
		return FORMAT_CSV;
	if (strcmp(text, "events") == 0)
		return FORMAT_EVENTS;
	usage_error("--format: unknown format '%s' (text, json, csv, events)",
	    text);
}

static enum color
parse_color(const char *text)
{
	if (strcmp(text, "auto") == 0)
		return COLOR_AUTO;
	if (strcmp(text, "always") == 0)
		return COLOR_ALWAYS;
	if (strcmp(text, "never") == 0)
		return COLOR_NEVER;
	usage_error("--color: use auto, always or never, not '%s'", text);
}

/* parse_opts - argv -> o; returns the index of the first operand */
static int
parse_opts(int argc, char **argv, struct opts *o, const char *usage)
{
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "qhV", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			o->format = parse_format(optarg);
			break;
		case OPT_SINCE:
			o->since_text = optarg;
			break;
		case OPT_UNTIL:
			o->until_text = optarg;
			break;
		case OPT_BUCKET:
			o->scan.bucket = parse_duration("--bucket", optarg);
			break;
		case OPT_YEAR:
			o->scan.year = (int)parse_long("--year", optarg, 1970,
			    9999);
			break;
		case OPT_TZ:
			set_tz(optarg);
			break;
		case OPT_MTA:
			if (rec_mta_from_name(optarg, &o->scan.mta) == -1)
				usage_error("--mta: unknown MTA '%s'", optarg);
			break;
		case OPT_PATTERNS:
			o->patterns_dir = optarg;
			break;
		case OPT_MAX_LINE:
			o->scan.max_line = (size_t)parse_long("--max-line",
			    optarg, 64, 16L * 1024 * 1024);
			break;
		case OPT_MAX_GROUPS:
			o->scan.max_groups = (size_t)parse_long("--max-groups",
			    optarg, 10, 100000000L);
			break;
		case OPT_COLOR:
			o->color = parse_color(optarg);
			break;
		case 'q':
			o->is_quiet = 1;
			diag_set_quiet(1);
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		case 'V':
			printf("bouncelog %s\n", BOUNCELOG_VERSION);
			exit(0);
		case ':':
			usage_error("option %s needs a value", argv[optind - 1]);
		default:
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	return optind;
}

/* resolve_window - --since/--until text -> times (after --tz is set) */
static void
resolve_window(struct opts *o)
{
	if (o->since_text != NULL &&
	    stamp_parse_time(o->since_text, o->now, &o->scan.since) == -1)
		usage_error("--since: not a time: '%s'", o->since_text);
	if (o->until_text != NULL &&
	    stamp_parse_time(o->until_text, o->now, &o->scan.until) == -1)
		usage_error("--until: not a time: '%s'", o->until_text);
	if (o->scan.since != 0 && o->scan.until != 0 &&
	    o->scan.until <= o->scan.since)
		usage_error("--until must be later than --since");
}

/* finish_output - flush and check stdout; 0, or EX_IOERR (reported) */
static int
finish_output(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		diag_error(NULL, "writing the output failed: %s",
		    strerror(errno));
		return EX_IOERR;
	}
	return 0;
}

static int
write_summary(const struct opts *o, const json_t *doc)
{
	struct render_text_opts to = { 0, 0, 0 };
	const char *codeset;

	switch (o->format) {
	case FORMAT_JSON:
		return render_json_write(stdout, doc);
	case FORMAT_CSV:
		return render_csv_write(stdout, doc);
	case FORMAT_EVENTS:
		return 0;
	case FORMAT_TEXT:
		break;
	}
	to.is_color = o->color == COLOR_ALWAYS || (o->color == COLOR_AUTO &&
	    isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL);
	codeset = nl_langinfo(CODESET);
	to.is_utf8 = codeset != NULL && strcmp(codeset, "UTF-8") == 0;
	return render_text_write(stdout, doc, &to);
}

/*
 * generated_at - the time the report says it was made: SOURCE_DATE_EPOCH
 * when set (reproducible output for tests and archives), else now
 */
static time_t
generated_at(void)
{
	const char *env = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long v;

	if (env != NULL && *env != '\0') {
		errno = 0;
		v = strtoll(env, &end, 10);
		if (errno == 0 && *end == '\0' && v > 0)
			return (time_t)v;
	}
	return time(NULL);
}

static int
cmd_scan(int argc, char **argv)
{
	struct opts o;
	struct ruleset *rs;
	struct scan *s;
	json_t *doc;
	const char **paths;
	static const char *const stdin_only[] = { "-" };
	unsigned nerrors = 0;
	size_t npaths, i, nunopened = 0;
	int first, status = 0;
	enum scan_result r;

	memset(&o, 0, sizeof(o));
	o.now = time(NULL);
	first = parse_opts(argc, argv, &o, usage_main);
	resolve_window(&o);
	rs = load_rules(&o, &nerrors);
	npaths = (size_t)(argc - first);
	if (npaths == 0)
		npaths = 1;
	paths = xreallocarray(NULL, npaths, sizeof(*paths));
	for (i = 0; i < npaths; i++)
		paths[i] = first < argc ? argv[first + (int)i] : stdin_only[0];
	source_order(paths, npaths);
	o.scan.rules = rs;
	o.scan.events = o.format == FORMAT_EVENTS ? stdout : NULL;
	s = scan_new(&o.scan);
	for (i = 0; i < npaths; i++) {
		r = scan_path(s, paths[i]);
		if (r == SCAN_UNOPENED)
			nunopened++;
		if (r != SCAN_OK)
			status = EX_DATAERR;
	}
	doc = scan_report(s, generated_at());
	if (write_summary(&o, doc) == -1 || finish_output() != 0)
		status = EX_IOERR;
	else if (nunopened == npaths)
		status = EX_NOINPUT;
	else if (status == 0 && nerrors > 0)
		status = EX_CONFIG;
	json_decref(doc);
	scan_free(s);
	patterns_free(rs);
	free(paths);
	return status;
}

static int
classify_stream(struct classifier *c, FILE *fp, const char *name)
{
	char *line = NULL;
	size_t cap = 0, n;
	ssize_t len;
	struct hit h;
	const char *id;

	while ((len = getline(&line, &cap, fp)) != -1) {
		n = (size_t)len;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		classify_text(c, line, n, &h);
		id = h.list != NULL ? h.list->id : "";
		if (h.list != NULL || h.zone.n == 0)
			printf("%s\t", id);
		else
			printf("%.*s\t", (int)h.zone.n, h.zone.p);
		printf("%.*s\t%s\n", (int)h.ip.n, h.ip.n > 0 ? h.ip.p : "",
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

static int
cmd_classify(int argc, char **argv)
{
	struct opts o;
	struct ruleset *rs;
	struct classifier *c;
	unsigned nerrors = 0;
	int first, i, status = 0;
	FILE *fp;

	memset(&o, 0, sizeof(o));
	first = parse_opts(argc, argv, &o, usage_classify);
	rs = load_rules(&o, &nerrors);
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
	if (finish_output() != 0)
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

static int
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
	first = parse_opts(argc, argv, &o, usage_explain);
	if (o.format != FORMAT_TEXT && o.format != FORMAT_JSON)
		usage_error("explain: --format is text or json");
	if (argc - first > 1)
		usage_error("explain: give one reply text (quote it)");
	rs = load_rules(&o, &nerrors);
	c = classify_new(rs);
	if (first < argc) {
		len = strlen(argv[first]);
		reply = reply_of(argv[first], len);
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
	if (rc == -1 || finish_output() != 0)
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

static int
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
	first = parse_opts(argc, argv, &o, usage_patterns);
	if (first >= argc)
		usage_error("patterns: say check or list");
	rs = load_rules(&o, &nerrors);
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
	if (finish_output() != 0)
		return EX_IOERR;
	if (status != 0)
		return status;
	return nerrors > 0 ? EX_CONFIG : 0;
}

struct command {
	const char	*name;
	int		(*run)(int, char **);
};

static const struct command commands[] = {
	{ "scan", cmd_scan },
	{ "classify", cmd_classify },
	{ "patterns", cmd_patterns },
	{ "explain", cmd_explain },
};

int
main(int argc, char **argv)
{
	size_t i;

	setlocale(LC_CTYPE, "");
	if (argc > 1) {
		for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
			if (strcmp(argv[1], commands[i].name) == 0)
				return commands[i].run(argc - 1, argv + 1);
	}
	return cmd_scan(argc, argv);
}
