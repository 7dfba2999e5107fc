/*
 * cmd_fleet.c - the subcommands for many servers and for monitoring:
 * merge (several summaries -> one) and check (a Nagios/Icinga plugin).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "merge.h"
#include "render.h"
#include "report.h"
#include "xalloc.h"

static const char usage_merge[] =
"usage: bouncelog merge [--format json|text] SUMMARY.json...\n"
"\n"
"Combines summaries written by --format json (one per server, file or\n"
"day) into one: counts add up exactly, first/last times take the\n"
"earliest and latest, timelines interleave. Distinct messages and\n"
"recipients cannot be added exactly; the merged summary marks them as\n"
"estimates (unique_counts_estimated).\n";

static const char usage_check[] =
"usage: bouncelog check [-w RANGE] [-c RANGE] [--since 15m] [FILE...]\n"
"\n"
"A monitoring plugin (Nagios, Icinga, Naemon): counts outbound blocklist\n"
"rejections in the window and prints one status line naming the lists,\n"
"with performance data. Ranges follow the plugin guidelines (10, 5:20,\n"
"@10:20, ~:10). Default: warning above 0, critical above 50.\n"
"Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n";

int
cmd_merge(int argc, char **argv)
{
	struct render_text_opts to = { 0, 0, 0 };
	char err[1024];
	json_t **docs, *merged;
	struct opts o;
	int first, i, status = 0;
	size_t n = 0;

	first = cli_parse(argc, argv, &o, usage_merge);
	if (first >= argc)
		usage_error("merge: name the summaries to merge");
	if (o.has_format && o.format != FORMAT_JSON && o.format != FORMAT_TEXT)
		usage_error("merge: --format is json or text");
	docs = xreallocarray(NULL, (size_t)(argc - first), sizeof(*docs));
	for (i = first; i < argc; i++) {
		docs[n] = report_load(argv[i], err, sizeof(err));
		if (docs[n] == NULL) {
			diag_error(NULL, "%s; left out of the merge", err);
			status = EX_DATAERR;
			continue;
		}
		n++;
	}
	if (n == 0)
		diag_fatal(EX_NOINPUT, "no summary could be read");
	merged = merge_summaries(docs, n, err, sizeof(err));
	if (merged == NULL)
		diag_fatal(EX_DATAERR, "%s", err);
	if (o.format == FORMAT_TEXT && o.has_format)
		i = render_text_write(stdout, merged, &to);
	else
		i = render_json_write(stdout, merged);
	if (i == -1 || cli_finish_output() != 0)
		status = EX_IOERR;
	json_decref(merged);
	while (n > 0)
		json_decref(docs[--n]);
	free(docs);
	return status;
}

int
cmd_check(int argc, char **argv)
{
	struct check_opts co;
	char err[256];
	json_t *doc;
	struct opts o;
	int first, status, rc;

	/* A plugin that cannot run says UNKNOWN, never 64. */
	cli_set_usage_status(CHECK_UNKNOWN);
	first = cli_parse(argc, argv, &o, usage_check);
	memset(&co, 0, sizeof(co));
	if (check_parse_range(o.warn_text != NULL ? o.warn_text :
	    CHECK_WARN_DEFAULT, &co.warn, err, sizeof(err)) == -1 ||
	    check_parse_range(o.crit_text != NULL ? o.crit_text :
	    CHECK_CRIT_DEFAULT, &co.crit, err, sizeof(err)) == -1)
		return check_unknown(stdout, err);
	co.window = o.since_text;
	diag_set_quiet(1);
	doc = cli_scan(&o, argc, argv, first, NULL, &status);
	if (status == EX_NOINPUT || status == EX_CONFIG)
		rc = check_unknown(stdout, status == EX_NOINPUT ?
		    "no log could be opened" : "pattern files unusable");
	else
		rc = check_evaluate(doc, &co, stdout);
	json_decref(doc);
	if (cli_finish_output() != 0)
		rc = CHECK_UNKNOWN;
	return rc;
}
