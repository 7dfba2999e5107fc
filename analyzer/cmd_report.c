/*
 * cmd_report.c - the subcommands that write words for people from the
 * summary: report (a template: incident.md, status.txt, digest.txt,
 * digest.html, report.html, or a site's own) and digest (the nightly
 * digest as a complete MIME mail for sendmail -t).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "mail.h"
#include "render_tmpl.h"
#include "report.h"
#include "view.h"

static const char usage_report[] =
"usage: bouncelog report -t NAME [options] [FILE... | --from SUMMARY.json]\n"
"       bouncelog report --list [--templates DIR]\n"
"\n"
"Renders the template NAME (incident, status, digest, report, or a site's\n"
"own) from the logs, or from a summary saved with --format json.\n"
"\n"
"  -t, --template NAME     incident (a client post, Markdown), status\n"
"                          (two or three sentences), digest (text), \n"
"                          digest.html, report.html (staff report)\n"
"  -o, --output FILE       write there instead of stdout\n"
"  --from SUMMARY.json     render a saved summary instead of reading logs\n"
"  --previous SUMMARY.json the day before, for \"what changed\"\n"
"  --templates DIR         a site's own templates (default: installed)\n"
"  --config FILE           site facts (default /etc/bouncelog/bouncelog.yaml)\n"
"  --set KEY=VALUE         one site fact, e.g. --set company='Example Hosting'\n"
"  --redact none|recipients|all\n"
"                          hide recipient addresses (default for incident\n"
"                          and status), and also remote hosts and IPs other\n"
"                          than ours (all)\n"
"  and the scan options of bouncelog --help (--since, --year, --tz, ...).\n";

static const char usage_digest[] =
"usage: bouncelog digest [--to ADDR] [options] [FILE... | --from SUMMARY.json]\n"
"\n"
"Writes the nightly digest as a complete mail (text and HTML parts) on\n"
"stdout, ready for `| sendmail -t`. From and To come from the config\n"
"(digest.from, digest.to) or --to; typical use from cron:\n"
"  bouncelog digest --since yesterday --until today /var/log/mail.log*\n"
"Options as for bouncelog report.\n";

/* Templates that go to clients hide recipient addresses by default. */
static int
is_client_facing(const char *name)
{
	return strncmp(name, "incident", 8) == 0 ||
	    strncmp(name, "status", 6) == 0;
}

/* load_site - the config with every --set applied; exit 78 on a bad one */
static struct site_config *
load_site(const struct opts *o)
{
	struct site_config *cfg;
	char err[1024];
	size_t i;

	cfg = config_load(o->config_path, o->config_path != NULL, err,
	    sizeof(err));
	if (cfg == NULL)
		diag_fatal(EX_CONFIG, "%s", err);
	for (i = 0; i < o->nsets; i++)
		if (config_set(cfg, o->sets[i], err, sizeof(err)) == -1)
			usage_error("--set: %s", err);
	return cfg;
}

/* load_summary - a saved summary, or exit: 66 missing, 65 unusable */
static json_t *
load_summary(const char *path)
{
	char err[1024];
	json_t *doc = report_load(path, err, sizeof(err));

	if (doc == NULL)
		diag_fatal(access(path, R_OK) == 0 ? EX_DATAERR : EX_NOINPUT,
		    "%s", err);
	return doc;
}

/* the summary: from --from, or by scanning the operands */
static json_t *
get_summary(struct opts *o, int argc, char **argv, int first, int *status)
{
	*status = 0;
	if (o->from != NULL) {
		if (first < argc)
			usage_error("give log files or --from, not both");
		return load_summary(o->from);
	}
	return cli_scan(o, argc, argv, first, NULL, status);
}

static enum view_redact
redact_mode(const struct opts *o, const char *name)
{
	enum view_redact mode;

	if (o->redact == NULL)
		return is_client_facing(name) ? VIEW_REDACT_RECIPIENTS :
		    VIEW_REDACT_NONE;
	if (view_redact_parse(o->redact, &mode) == -1)
		usage_error("--redact: use none, recipients or all, not '%s'",
		    o->redact);
	return mode;
}

/* open_output - stdout, or the -o file; exit 73 when it cannot be made */
static FILE *
open_output(const struct opts *o)
{
	FILE *fp;

	if (o->output == NULL || strcmp(o->output, "-") == 0)
		return stdout;
	fp = fopen(o->output, "w");
	if (fp == NULL)
		diag_fatal(EX_CANTCREAT, "%s: cannot write: %s", o->output,
		    strerror(errno));
	return fp;
}

/* close_output - 0, or EX_IOERR when the output could not be written */
static int
close_output(const struct opts *o, FILE *fp)
{
	if (fp == stdout)
		return cli_finish_output();
	if (ferror(fp) || fclose(fp) == EOF) {
		diag_error(&(struct where){ o->output, 0 }, "write failed: %s",
		    strerror(errno));
		return EX_IOERR;
	}
	return 0;
}

static const char *
templates_dir(const struct opts *o, char *buf, size_t len)
{
	return o->templates_dir != NULL ? o->templates_dir :
	    cli_data_dir(buf, len, "templates");
}

/* build_view - the template context: summary, previous day, site facts */
static json_t *
build_view(const struct opts *o, const json_t *doc,
    const struct site_config *cfg, const char *name)
{
	json_t *prev = o->previous != NULL ? load_summary(o->previous) : NULL;
	json_t *view = view_build(doc, prev, cfg, redact_mode(o, name),
	    cli_generated_at());

	json_decref(prev);
	return view;
}

int
cmd_report(int argc, char **argv)
{
	char dir[PATH_MAX * 2], err[1024];
	struct site_config *cfg;
	json_t *doc, *view;
	struct opts o;
	int first, status, wstatus;
	enum render_tmpl_status rs;
	FILE *out;

	first = cli_parse(argc, argv, &o, usage_report);
	templates_dir(&o, dir, sizeof(dir));
	if (o.is_list) {
		if (render_tmpl_list(stdout, dir, err, sizeof(err)) == -1)
			diag_fatal(EX_CONFIG, "%s", err);
		return cli_finish_output();
	}
	if (o.template_name == NULL)
		usage_error("report: name a template with -t (see --list)");
	cfg = load_site(&o);
	doc = get_summary(&o, argc, argv, first, &status);
	view = build_view(&o, doc, cfg, o.template_name);
	out = open_output(&o);
	rs = render_tmpl_write(out, dir, o.template_name, view, err,
	    sizeof(err));
	if (rs == RENDER_TMPL_EBAD) {
		diag_error(NULL, "%s", err);
		status = EX_CONFIG;
	}
	wstatus = close_output(&o, out);
	if (rs == RENDER_TMPL_EWRITE || wstatus != 0)
		status = EX_IOERR;
	json_decref(view);
	json_decref(doc);
	config_free(cfg);
	return status;
}

/* render_part - one part of the digest, or exit 78 naming the template */
static char *
render_part(const char *dir, const char *name, const json_t *view)
{
	char err[1024];
	size_t len;
	char *text = render_tmpl_string(dir, name, view, &len, err,
	    sizeof(err));

	if (text == NULL)
		diag_fatal(EX_CONFIG, "%s", err);
	return text;
}

int
cmd_digest(int argc, char **argv)
{
	char dir[PATH_MAX * 2], err[1024], set[1024];
	struct site_config *cfg;
	json_t *doc, *view;
	char *text, *html;
	struct opts o;
	int first, status;
	FILE *out;

	first = cli_parse(argc, argv, &o, usage_digest);
	templates_dir(&o, dir, sizeof(dir));
	cfg = load_site(&o);
	if (o.to != NULL) {
		snprintf(set, sizeof(set), "digest.to=%s", o.to);
		if (config_set(cfg, set, err, sizeof(err)) == -1)
			usage_error("--to: %s", err);
	}
	doc = get_summary(&o, argc, argv, first, &status);
	view = build_view(&o, doc, cfg, "digest");
	text = render_part(dir, "digest.txt", view);
	html = render_part(dir, "digest.html", view);
	out = open_output(&o);
	if (mail_digest_write(out, cfg, view, text, html, cli_generated_at(),
	    err, sizeof(err)) == -1) {
		diag_error(NULL, "%s", err);
		status = ferror(out) ? EX_IOERR : EX_CONFIG;
	}
	if (close_output(&o, out) != 0)
		status = EX_IOERR;
	free(text);
	free(html);
	json_decref(view);
	json_decref(doc);
	config_free(cfg);
	return status;
}
