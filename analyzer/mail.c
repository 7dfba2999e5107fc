/*
 * mail.c - the digest mail (mail.h): headers that hostile text cannot
 * break, RFC 2047 encoded-words, quoted-printable bodies, one
 * multipart/alternative. Does not: send mail, render templates, or
 * decide the subject's words (view.c does).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail.h"
#include "xalloc.h"

#define MAIL_LINE_MAX	76	/* RFC 2045's limit for encoded lines */
#define MAIL_WORD_BYTES	39	/* UTF-8 bytes per encoded-word: 52 base64 */

/* utf8_len - length of the valid UTF-8 sequence at p (at most n bytes),
 * or 0 when the bytes there are not valid UTF-8 */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t need, i;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		need = 1;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 2;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 3;
		cp = p[0] & 0x07;
	} else
		return 0;
	if (need >= n)
		return 0;
	for (i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp < 0xe000) || cp > 0x10ffff ||
	    (cp >= 0x80 && cp < 0xa0))
		return 0;
	return need + 1;
}

/* clean_header - value with controls as spaces, runs of blanks as one
 * space, invalid UTF-8 as U+FFFD, trimmed; heap string; *is_ascii set */
static char *
clean_header(const char *value, int *is_ascii)
{
	const unsigned char *p = (const unsigned char *)value;
	size_t n = strlen(value), i = 0, o = 0, k;
	char *buf = xmalloc(n * 3 + 1);

	*is_ascii = 1;
	while (i < n) {
		k = utf8_len(p + i, n - i);
		if (k == 0 || (k == 1 && (p[i] < 0x20 || p[i] == 0x7f))) {
			if (k == 0) {
				memcpy(buf + o, "\xef\xbf\xbd", 3);
				o += 3;
				*is_ascii = 0;
			} else if (o > 0 && buf[o - 1] != ' ')
				buf[o++] = ' ';
			i++;
			continue;
		}
		if (k == 1 && p[i] == ' ' && (o == 0 || buf[o - 1] == ' ')) {
			i++;
			continue;
		}
		if (k > 1)
			*is_ascii = 0;
		memcpy(buf + o, p + i, k);
		o += k;
		i += k;
	}
	while (o > 0 && buf[o - 1] == ' ')
		o--;
	buf[o] = '\0';
	return buf;
}

/* base64 - n bytes of p as base64 into out */
static void
base64(FILE *out, const unsigned char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;
	uint32_t v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		fputc(tab[v >> 18], out);
		fputc(tab[(v >> 12) & 63], out);
		fputc(tab[(v >> 6) & 63], out);
		fputc(tab[v & 63], out);
	}
	if (n - i == 1) {
		v = (uint32_t)p[i] << 16;
		fprintf(out, "%c%c==", tab[v >> 18], tab[(v >> 12) & 63]);
	} else if (n - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		fprintf(out, "%c%c%c=", tab[v >> 18], tab[(v >> 12) & 63],
		    tab[(v >> 6) & 63]);
	}
}

/* write_encoded_words - value as =?UTF-8?B?...?= words, one a line,
 * split on character boundaries */
static void
write_encoded_words(FILE *out, const char *value)
{
	const unsigned char *p = (const unsigned char *)value;
	size_t n = strlen(value), i = 0, take, k;
	int first = 1;

	while (i < n) {
		take = 0;
		while (i + take < n) {
			k = utf8_len(p + i + take, n - i - take);
			if (k == 0)
				k = 1;	/* cannot happen after clean_header */
			if (take + k > MAIL_WORD_BYTES)
				break;
			take += k;
		}
		fputs(first ? "=?UTF-8?B?" : "\r\n =?UTF-8?B?", out);
		base64(out, p + i, take);
		fputs("?=", out);
		first = 0;
		i += take;
	}
}

/* write_folded - ASCII value, folded at spaces before column 78 */
static void
write_folded(FILE *out, const char *value, size_t col)
{
	const char *p = value, *sp;
	size_t word;

	while (*p != '\0') {
		sp = strchr(p + 1, ' ');
		word = sp != NULL ? (size_t)(sp - p) : strlen(p);
		if (col + word > 78 && col > 1 && *p == ' ') {
			fputs("\r\n", out);	/* the space starts the fold */
			col = 0;
		}
		fwrite(p, 1, word, out);
		col += word;
		p += word;
	}
}

void
mail_header_text(FILE *out, const char *name, const char *value)
{
	int is_ascii;
	char *clean = clean_header(value != NULL ? value : "", &is_ascii);

	fprintf(out, "%s: ", name);
	/* "=?" in plain text could be read as an encoded-word: encode it */
	if (is_ascii && strstr(clean, "=?") == NULL)
		write_folded(out, clean, strlen(name) + 2);
	else
		write_encoded_words(out, clean);
	fputs("\r\n", out);
	free(clean);
}

/* write_mailbox - "Name" <addr> or <addr>; name is sanitised/encoded */
static void
write_mailbox(FILE *out, const char *display, const char *addr)
{
	int is_ascii, plain = 1;
	char *clean = clean_header(display != NULL ? display : "", &is_ascii);
	const char *p;

	for (p = clean; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\' || *p == '=' || *p == '?')
			plain = 0;
	}
	if (*clean == '\0')
		fprintf(out, "<%s>", addr);
	else if (is_ascii && plain)
		fprintf(out, "\"%s\" <%s>", clean, addr);
	else {
		write_encoded_words(out, clean);
		fprintf(out, " <%s>", addr);
	}
	free(clean);
}

/* fnv - FNV-1a 64 over a string, continuing from h */
static uint64_t
fnv(uint64_t h, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* write_qp - body as quoted-printable with CRLF line ends */
static void
write_qp(FILE *out, const char *body)
{
	const unsigned char *p = (const unsigned char *)body;
	size_t col = 0;
	char tok[4];
	size_t tlen;
	int at_end;

	for (; *p != '\0'; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n') {
			fputs("\r\n", out);
			col = 0;
			continue;
		}
		at_end = p[1] == '\n' || p[1] == '\0' ||
		    (p[1] == '\r' && p[2] == '\n');
		if ((*p >= 33 && *p <= 126 && *p != '=' &&
		    !(col == 0 && *p == '.') &&
		    !(col == 0 && *p == 'F' && strncmp((const char *)p,
		    "From ", 5) == 0)) ||
		    ((*p == ' ' || *p == '\t') && !at_end)) {
			tok[0] = (char)*p;
			tlen = 1;
		} else {
			snprintf(tok, sizeof(tok), "=%02X", *p);
			tlen = 3;
		}
		if (col + tlen > MAIL_LINE_MAX - 1) {
			fputs("=\r\n", out);
			col = 0;
		}
		fwrite(tok, 1, tlen, out);
		col += tlen;
	}
	if (col > 0)
		fputs("\r\n", out);
}

/* write_part - one MIME part of the alternative */
static void
write_part(FILE *out, const char *boundary, const char *type,
    const char *body)
{
	fprintf(out, "--%s\r\n", boundary);
	fprintf(out, "Content-Type: %s; charset=utf-8\r\n", type);
	fputs("Content-Transfer-Encoding: quoted-printable\r\n\r\n", out);
	write_qp(out, body != NULL ? body : "");
}

int
mail_digest_write(FILE *out, const struct site_config *cfg,
    const json_t *view, const char *text_part, const char *html_part,
    time_t now, char *err, size_t errlen)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	const char *subject = json_string_value(json_object_get(view,
	    "subject"));
	const char *domain;
	char boundary[64];
	struct tm tm;
	uint64_t h;
	size_t i;

	if (cfg == NULL || cfg->digest_from == NULL) {
		snprintf(err, errlen, "no sender for the digest: set "
		    "digest.from in the config or --set digest.from=ADDR");
		return -1;
	}
	if (cfg->ndigest_to == 0) {
		snprintf(err, errlen, "no recipient for the digest: give "
		    "--to ADDR or digest.to in the config");
		return -1;
	}
	h = fnv(fnv(fnv(14695981039346656037ULL, subject), text_part),
	    html_part);
	h ^= (uint64_t)now;
	domain = strrchr(cfg->digest_from, '@') + 1;	/* config checked */
	snprintf(boundary, sizeof(boundary), "=_bouncelog_%016llx",
	    (unsigned long long)h);
	if (gmtime_r(&now, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));

	fputs("From: ", out);
	write_mailbox(out, cfg->company != NULL ? cfg->company : "bouncelog",
	    cfg->digest_from);
	fputs("\r\nTo: ", out);
	for (i = 0; i < cfg->ndigest_to; i++)
		fprintf(out, "%s<%s>", i > 0 ? ",\r\n " : "",
		    cfg->digest_to[i]);
	fputs("\r\n", out);
	mail_header_text(out, "Subject", subject != NULL ? subject :
	    "bouncelog digest");
	fprintf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
	    days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	fprintf(out, "Message-ID: <%04d%02d%02d%02d%02d%02d.%016llx@%s>\r\n",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (unsigned long long)h, domain);
	fputs("MIME-Version: 1.0\r\n", out);
	fputs("Auto-Submitted: auto-generated\r\n", out);
	fprintf(out, "Content-Type: multipart/alternative;\r\n"
	    " boundary=\"%s\"\r\n\r\n", boundary);
	fputs("This is a MIME message: a text part and an HTML part.\r\n\r\n",
	    out);
	write_part(out, boundary, "text/plain", text_part);
	write_part(out, boundary, "text/html", html_part);
	fprintf(out, "--%s--\r\n", boundary);
	if (fflush(out) != 0 || ferror(out)) {
		snprintf(err, errlen, "writing the mail failed");
		return -1;
	}
	return 0;
}
