/*
 * test_mail.c - the digest mail: headers hostile text cannot break,
 * encoded-words, quoted-printable line lengths, and the whole message
 * checked by scripts/check-mail (python3's email package) when python3
 * is installed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "config.h"
#include "mail.h"
#include "render_tmpl.h"
#include "view.h"

#define NOW	((time_t)1796364000)

/* digest - the whole mail for a fixture summary and config overrides */
static char *
digest(const char *summary, const char *set1, const char *set2)
{
	char err[512], path[128], *text, *html, *buf = NULL;
	size_t len = 0, tl, hl;
	struct site_config *cfg = config_load("fixtures/config/site.yaml", 1,
	    err, sizeof(err));
	json_t *doc, *view;
	FILE *mem;

	cr_assert_not_null(cfg, "%s", err);
	if (set1 != NULL)
		cr_assert_eq(config_set(cfg, set1, err, sizeof(err)), 0, "%s",
		    err);
	if (set2 != NULL)
		cr_assert_eq(config_set(cfg, set2, err, sizeof(err)), 0, "%s",
		    err);
	snprintf(path, sizeof(path), "fixtures/summaries/%s.json", summary);
	doc = json_load_file(path, 0, NULL);
	cr_assert_not_null(doc);
	view = view_build(doc, NULL, cfg, VIEW_REDACT_NONE, NOW);
	text = render_tmpl_string("templates", "digest.txt", view, &tl, err,
	    sizeof(err));
	cr_assert_not_null(text, "%s", err);
	html = render_tmpl_string("templates", "digest.html", view, &hl, err,
	    sizeof(err));
	cr_assert_not_null(html, "%s", err);
	mem = open_memstream(&buf, &len);
	cr_assert_eq(mail_digest_write(mem, cfg, view, text, html, NOW, err,
	    sizeof(err)), 0, "%s", err);
	fclose(mem);
	free(text);
	free(html);
	json_decref(view);
	json_decref(doc);
	config_free(cfg);
	return buf;
}

/* headers_end - where the header block ends (the empty line) */
static size_t
headers_end(const char *m)
{
	const char *e = strstr(m, "\r\n\r\n");

	cr_assert_not_null(e);
	return (size_t)(e - m);
}

/* check_lines - every line ends in CRLF and is at most max bytes */
static void
check_lines(const char *m, size_t max)
{
	const char *p = m, *nl;

	while ((nl = strchr(p, '\n')) != NULL) {
		cr_assert(nl > p && nl[-1] == '\r', "bare LF after: %.40s", p);
		cr_assert_leq((size_t)(nl - 1 - p), max, "long line: %.80s", p);
		cr_assert_null(memchr(p, '\r', (size_t)(nl - 1 - p)),
		    "bare CR in: %.40s", p);
		p = nl + 1;
	}
	cr_assert_eq(*p, '\0', "last line without CRLF");
}

/* check_with_python - scripts/check-mail on the message, when python3 is
 * there (a machine without it skips this part) */
static void
check_with_python(const char *m)
{
	char path[] = "/tmp/test_mail.XXXXXX", cmd[256];
	int fd, rc;

	if (system("python3 -c 'import email.policy' >/dev/null 2>&1") != 0) {
		cr_log_warn("python3 missing: scripts/check-mail not run");
		return;
	}
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, m, strlen(m)), (ssize_t)strlen(m));
	close(fd);
	/* quiet unless it fails: its "mail: N passed" line is not ours */
	snprintf(cmd, sizeof(cmd), "out=$(python3 scripts/check-mail %s 2>&1)"
	    " || { echo \"$out\" >&2; exit 1; }", path);
	rc = system(cmd);
	unlink(path);
	cr_assert_eq(rc, 0, "scripts/check-mail failed (its output above)");
}

Test(mail, digest_is_a_complete_mime_message)
{
	char *m = digest("incident", NULL, NULL);

	cr_assert_eq(strncmp(m, "From: \"Example Hosting\" "
	    "<bouncelog@example.net>\r\n", 49), 0, "%.60s", m);
	cr_assert_not_null(strstr(m, "\r\nTo: <postmaster@example.net>,\r\n "
	    "<noc@example.net>\r\n"));
	cr_assert_not_null(strstr(m, "\r\nSubject: [mail.example.net] 4 "
	    "blocklists rejected 6 messages on 2026-11-26\r\n"));
	cr_assert_not_null(strstr(m, "\r\nDate: Fri, 04 Dec 2026 06:00:00 "
	    "+0000\r\n"));
	cr_assert_not_null(strstr(m, "\r\nMessage-ID: <20261204060000."));
	cr_assert_not_null(strstr(m, "\r\nMIME-Version: 1.0\r\n"));
	cr_assert_not_null(strstr(m, "multipart/alternative"));
	cr_assert_not_null(strstr(m, "Content-Type: text/plain; charset=utf-8"));
	cr_assert_not_null(strstr(m, "Content-Type: text/html; charset=utf-8"));
	check_lines(m, 76);
	check_with_python(m);
	free(m);
}

Test(mail, quiet_day_digest_passes_the_mime_check)
{
	char *m = digest("quiet", NULL, NULL);

	cr_assert_not_null(strstr(m, "Subject: [mail.example.net] no "
	    "blocklist rejections on 2026-11-27\r\n"), "%.400s", m);
	check_lines(m, 76);
	check_with_python(m);
	free(m);
}

Test(mail, hostile_summary_never_breaks_the_headers)
{
	char *m = digest("hostile", NULL, NULL);
	char *head = strndup(m, headers_end(m));

	cr_assert_null(strstr(head, "Bcc"), "%s", head);
	cr_assert_null(memchr(m, '\x1b', strlen(m)));
	check_lines(m, 76);
	check_with_python(m);
	free(head);
	free(m);
}

Test(mail, non_ascii_names_become_encoded_words)
{
	char *m = digest("incident", "company=Örnek Barındırma ✉",
	    "servers.0.name=mail.example.net");
	size_t end = headers_end(m);

	cr_assert_eq(strncmp(m, "From: =?UTF-8?B?", 16), 0, "%.60s", m);
	check_lines(m, 76);
	check_with_python(m);
	cr_assert_leq(end, strlen(m));
	free(m);
}

Test(mail, header_text_folds_and_neutralises_cr_lf)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	mail_header_text(mem, "Subject", "a\r\nBcc: evil@example.org\x1b[31m");
	mail_header_text(mem, "Subject", "caf\xc3\xa9 \xff");
	mail_header_text(mem, "Subject", "=?UTF-8?B?QQ==?= looks encoded");
	fclose(mem);
	cr_assert_str_eq(buf,
	    "Subject: a Bcc: evil@example.org [31m\r\n"
	    "Subject: =?UTF-8?B?Y2Fmw6kg77+9?=\r\n"
	    "Subject: =?UTF-8?B?PT9VVEYtOD9CP1FRPT0/PSBsb29rcyBlbmNvZGVk?=\r\n");
	free(buf);
}

Test(mail, missing_sender_or_recipient_is_an_error)
{
	char err[256], *buf = NULL;
	size_t len = 0;
	struct site_config *cfg = config_new();
	json_t *view = json_pack("{s:s}", "subject", "x");
	FILE *mem = open_memstream(&buf, &len);

	cr_assert_eq(mail_digest_write(mem, cfg, view, "t", "h", NOW, err,
	    sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "digest.from"), "%s", err);
	cr_assert_eq(config_set(cfg, "digest.from=a@example.net", err,
	    sizeof(err)), 0);
	cr_assert_eq(mail_digest_write(mem, cfg, view, "t", "h", NOW, err,
	    sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "--to"), "%s", err);
	fclose(mem);
	free(buf);
	json_decref(view);
	config_free(cfg);
}

Test(mail, long_body_lines_are_soft_broken)
{
	char *m = digest("incident", NULL, NULL);

	cr_assert_not_null(strstr(m, "=\r\n"));
	check_lines(m, 76);
	free(m);
}
