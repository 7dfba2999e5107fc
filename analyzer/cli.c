/*
 * cli.c - what every subcommand shares (see cli.h).
 */
#define _GNU_SOURCE	/* getopt_long */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "ahead.h"
#include "cli.h"
#include "rec.h"
#include "source.h"
#include "stamp.h"
#include "xalloc.h"

/* usage_error - a bad command line: say what, point at --help, exit 64 */
/* The exit status of a bad command line; check uses the plugin code. */
static int usage_status = EX_USAGE;

void
cli_set_usage_status(int status)
{
	usage_status = status;
}

_Noreturn void
usage_error(const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_fatal(usage_status, "%s (see bouncelog --help)", msg);
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
 * cli_data_dir - where patterns/ (or templates/) are: run from a source
 * tree (the binary in build/ or build/X/), the tree's; else DATADIR's.
 */
const char *
cli_data_dir(char *buf, size_t len, const char *sub)
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

/* cli_load_rules - the ruleset, or exit 78 when there is none usable */
struct ruleset *
cli_load_rules(const struct opts *o, unsigned *nerrors)
{
	char buf[PATH_MAX * 2];
	const char *dir = o->patterns_dir;
	struct ruleset *rs;

	if (dir == NULL)
		dir = cli_data_dir(buf, sizeof(buf), "patterns");
	rs = patterns_load(dir, nerrors);
	if (rs == NULL || patterns_nrules(rs) == 0)
		diag_fatal(EX_CONFIG, "%s: no usable pattern files", dir);
	return rs;
}

enum {
	OPT_FORMAT = 256, OPT_SINCE, OPT_UNTIL, OPT_BUCKET, OPT_YEAR, OPT_TZ,
	OPT_MTA, OPT_PATTERNS, OPT_MAX_LINE, OPT_MAX_GROUPS, OPT_COLOR,
	OPT_FROM, OPT_PREVIOUS, OPT_TEMPLATES, OPT_CONFIG, OPT_SET, OPT_REDACT,
	OPT_TO, OPT_LIST, OPT_BY_HOST, OPT_JOBS,
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
	{ "template", required_argument, NULL, 't' },
	{ "output", required_argument, NULL, 'o' },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "previous", required_argument, NULL, OPT_PREVIOUS },
	{ "templates", required_argument, NULL, OPT_TEMPLATES },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "set", required_argument, NULL, OPT_SET },
	{ "redact", required_argument, NULL, OPT_REDACT },
	{ "to", required_argument, NULL, OPT_TO },
	{ "list", no_argument, NULL, OPT_LIST },
	{ "by-host", no_argument, NULL, OPT_BY_HOST },
	{ "jobs", required_argument, NULL, OPT_JOBS },
	{ "warning", required_argument, NULL, 'w' },
	{ "critical", required_argument, NULL, 'c' },
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

/* cli_parse - argv -> o; returns the index of the first operand */
int
cli_parse(int argc, char **argv, struct opts *o, const char *usage)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->now = time(NULL);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qhVj:t:o:w:c:", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			o->format = parse_format(optarg);
			o->has_format = 1;
			break;
		case 't':
			o->template_name = optarg;
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_FROM:
			o->from = optarg;
			break;
		case OPT_PREVIOUS:
			o->previous = optarg;
			break;
		case OPT_TEMPLATES:
			o->templates_dir = optarg;
			break;
		case OPT_CONFIG:
			o->config_path = optarg;
			break;
		case OPT_SET:
			if (o->nsets == CLI_MAX_SETS)
				usage_error("--set: at most %d", CLI_MAX_SETS);
			o->sets[o->nsets++] = optarg;
			break;
		case OPT_REDACT:
			o->redact = optarg;
			break;
		case OPT_TO:
			o->to = optarg;
			break;
		case OPT_LIST:
			o->is_list = 1;
			break;
		case OPT_BY_HOST:
			o->scan.by_host = 1;
			break;
		case 'w':
			o->warn_text = optarg;
			break;
		case 'c':
			o->crit_text = optarg;
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
		case OPT_JOBS:
		case 'j':
			o->jobs = (unsigned)parse_long("--jobs", optarg, 1, 64);
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
		case '?':
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

/* cli_finish_output - flush and check stdout; 0, or EX_IOERR (reported) */
int
cli_finish_output(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		diag_error(NULL, "writing the output failed: %s",
		    strerror(errno));
		return EX_IOERR;
	}
	return 0;
}

/*
 * cli_generated_at - the time the report says it was made: SOURCE_DATE_EPOCH
 * when set (reproducible output for tests and archives), else now
 */
time_t
cli_generated_at(void)
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

/* Inputs smaller than this finish before a progress line would help. */
#define CLI_PROGRESS_MIN	(64LL * 1024 * 1024)

/* input_size - the bytes of the regular files among the paths */
static long long
input_size(const char **paths, size_t n)
{
	struct stat st;
	long long total = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(paths[i], "-") != 0 && stat(paths[i], &st) == 0 &&
		    S_ISREG(st.st_mode))
			total += (long long)st.st_size;
	return total;
}

json_t *
cli_scan(struct opts *o, int argc, char **argv, int first, FILE *events,
    int *status)
{
	static const char *const stdin_only[] = { "-" };
	struct ruleset *rs;
	struct scan *s;
	const char **paths;
	unsigned nerrors = 0;
	size_t npaths, i, nunopened = 0;
	enum scan_result *results;
	json_t *doc;

	*status = 0;
	resolve_window(o);
	rs = cli_load_rules(o, &nerrors);
	npaths = first < argc ? (size_t)(argc - first) : 1;
	paths = xreallocarray(NULL, npaths, sizeof(*paths));
	for (i = 0; i < npaths; i++)
		paths[i] = first < argc ? argv[first + (int)i] : stdin_only[0];
	source_order(paths, npaths);
	o->scan.rules = rs;
	o->scan.events = events;
	/* a progress line only for a person watching a big job */
	if (!o->is_quiet && isatty(STDERR_FILENO)) {
		o->scan.progress_total = input_size(paths, npaths);
		if (o->scan.progress_total >= CLI_PROGRESS_MIN)
			o->scan.progress = stderr;
	}
	s = scan_new(&o->scan);
	results = xcalloc(npaths, sizeof(*results));
	scan_paths(s, paths, npaths, o->jobs != 0 ? o->jobs :
	    ahead_jobs_default(), results);
	for (i = 0; i < npaths; i++) {
		if (results[i] == SCAN_UNOPENED)
			nunopened++;
		if (results[i] != SCAN_OK)
			*status = EX_DATAERR;
	}
	free(results);
	doc = scan_report(s, cli_generated_at());
	if (nunopened == npaths)
		*status = EX_NOINPUT;
	else if (*status == 0 && nerrors > 0)
		*status = EX_CONFIG;
	scan_free(s);
	patterns_free(rs);
	free(paths);
	return doc;
}
