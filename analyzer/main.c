/*
 * main.c - the bouncelog tool: picks the subcommand, and runs the default
 * one, scan. The options and the shared steps are in cli.c; the other
 * subcommands in cmd_*.c.
 *
 * New subcommand: add a row to commands[], a cmd_<name>() in a cmd_*.c
 * file with its --help text, and a section in README.md and bouncelog.1.
 */
#define _GNU_SOURCE	/* nl_langinfo */
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "render.h"

static const char usage_main[] =
"usage: bouncelog [scan] [options] [FILE...]\n"
"       bouncelog report -t incident|status|digest|report.html [FILE...]\n"
"       bouncelog digest [--to ADDR] [FILE...]\n"
"       bouncelog explain [--format json] 'REPLY TEXT'\n"
"       bouncelog classify [FILE...]\n"
"       bouncelog check [-w N] [-c N] [--since 15m] [FILE...]\n"
"       bouncelog merge SUMMARY.json...\n"
"       bouncelog patterns check|list|test [--patterns DIR]\n"
"Each subcommand has its own --help.\n"
"\n"
"Reads mail logs (Postfix, Exim, Sendmail, OpenSMTPD, journald; plain,\n"
"gzip, bzip2, xz, zstd, lz4, or a tar of them; \"-\" or nothing is stdin)\n"
"and reports the outbound mail that remote servers rejected because our\n"
"sending IP is on a blocklist: which lists, since when, still going on or\n"
"not, which destinations and senders were hit, and which account flooded.\n"
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
"  --mta NAME              only this MTA's lines: postfix, exim, sendmail,\n"
"                          opensmtpd (default: detected per line)\n"
"  --by-host               also one summary per sending server (the syslog\n"
"                          host) of a central log\n"
"  --patterns DIR          pattern files (default: the installed ones)\n"
"  --max-line N            longest line kept, in bytes (default 8192)\n"
"  --max-groups N          most distinct keys counted (default 100000)\n"
"  -j, --jobs N            threads to use (default: one per processor, at\n"
"                          most 8; 1: all on one); the report is the same\n"
"                          for any N\n"
"  --color auto|always|never\n"
"  -q, --quiet             no warnings (errors are still shown)\n"
"  -h, --help              this text;  -V, --version\n"
"\n"
"Exit status: 0 report written (with or without findings), 64 bad command\n"
"line, 65 some input not fully readable (the report covers the rest),\n"
"66 no input could be opened, 74 writing the output failed, 78 unusable\n"
"pattern files.\n";

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

static int
cmd_scan(int argc, char **argv)
{
	struct opts o;
	json_t *doc;
	int first, status;

	first = cli_parse(argc, argv, &o, usage_main);
	/* events go out as they happen, also into a pipe (tail -F | ...) */
	if (o.format == FORMAT_EVENTS)
		setvbuf(stdout, NULL, _IOLBF, 0);
	doc = cli_scan(&o, argc, argv, first,
	    o.format == FORMAT_EVENTS ? stdout : NULL, &status);
	if (write_summary(&o, doc) == -1 || cli_finish_output() != 0)
		status = EX_IOERR;
	json_decref(doc);
	return status;
}

struct command {
	const char	*name;
	int		(*run)(int, char **);
};

static const struct command commands[] = {
	{ "scan", cmd_scan },
	{ "classify", cmd_classify },
	{ "explain", cmd_explain },
	{ "patterns", cmd_patterns },
	{ "report", cmd_report },
	{ "digest", cmd_digest },
	{ "merge", cmd_merge },
	{ "check", cmd_check },
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
