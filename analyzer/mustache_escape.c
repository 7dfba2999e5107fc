/*
 * mustache_escape.c - value bytes -> bytes safe to write in an escape mode
 * (see mustache.h): HTML entities for {{x}} in HTML mode; in TEXT and
 * MARKDOWN modes controls, DEL, C1 controls, bidi overrides and invalid
 * UTF-8 become U+FFFD, and a MARKDOWN {{x}} also escapes markup. The
 * renderer writes every interpolated value through here; other renderers
 * call mustache_write_escaped() and mustache_write_raw() directly.
 *
 * Limits: it streams n bytes to the FILE, keeps no state between calls
 * and never looks past n.
 *
 * Not done here: template text (trusted; the renderer writes it as it is),
 * formatting numbers (mustache_render.c), reporting write errors (the
 * caller checks ferror()).
 */
#include <stdio.h>
#include <string.h>

#include "mustache.h"
#include "mustache_int.h"

/* write_html - n bytes with & < > " ' as entities */
static void
write_html(FILE *out, const char *p, size_t n)
{
	size_t i, run = 0;
	const char *ent;

	for (i = 0; i < n; i++) {
		switch (p[i]) {
		case '&':
			ent = "&amp;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '\'':
			ent = "&#39;";
			break;
		default:
			continue;
		}
		fwrite(p + run, 1, i - run, out);
		fputs(ent, out);
		run = i + 1;
	}
	fwrite(p + run, 1, n - run, out);
}

/* utf8_len - length of the valid UTF-8 sequence at p (its code point in
 * *cp), or 0 when the byte there does not start one */
static size_t
utf8_len(const unsigned char *p, size_t n, unsigned long *cp)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	*cp = c & (0xff >> (len + 1));
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (p[i] & 0x3f);
	}
	return len;
}

/* is_hostile_cp - C1 controls and bidi overrides ("Trojan Source") */
static int
is_hostile_cp(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069);
}

#define REPLACEMENT	"\xef\xbf\xbd"	/* U+FFFD */

/* md_list_number - bytes of "12" when p starts with an ordered-list
 * marker "12. " or "12) " (CommonMark: 1-9 digits), else 0 */
static size_t
md_list_number(const char *p, size_t n)
{
	size_t d = 0;

	while (d < n && d < 10 && p[d] >= '0' && p[d] <= '9')
		d++;
	if (d == 0 || d > 9 || d == n || (p[d] != '.' && p[d] != ')'))
		return 0;
	if (d + 1 < n && p[d + 1] != ' ' && p[d + 1] != '\t' &&
	    p[d + 1] != '\n' && p[d + 1] != '\r')
		return 0;
	return d;
}

/* md_special - Markdown escape for one ASCII byte, or NULL */
static const char *
md_special(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	default:
		break;
	}
	/* Only what changes the layout anywhere in a line: '#', '+' and '-'
	 * matter only at a line start (write_md_line_start), so "SBL+CSS"
	 * and "self-service" stay readable in the Markdown source. */
	if (memchr("\\`*_[]|", c, 8) != NULL)
		return "";	/* a backslash before the byte */
	return NULL;
}

/* write_md_line_start - blanks and an ordered-list number at a line start
 * of a value, the number's dot or parenthesis escaped; bytes consumed */
static size_t
write_md_line_start(FILE *out, const char *p, size_t n)
{
	size_t b = 0, d;

	while (b < n && is_blank(p[b]))
		b++;
	if (b < n && (p[b] == '#' || p[b] == '+' || p[b] == '-')) {
		/* a heading or a bullet if left alone */
		fwrite(p, 1, b, out);
		putc('\\', out);
		putc(p[b], out);
		return b + 1;
	}
	d = md_list_number(p + b, n - b);
	if (d == 0)
		return 0;
	fwrite(p, 1, b + d, out);
	putc('\\', out);
	putc(p[b + d], out);
	return b + d + 1;
}

/*
 * write_neutral - write bytes for a text or Markdown reader: controls
 * (but \n and \t), DEL, C1, bidi overrides and invalid UTF-8 become
 * U+FFFD, a CR before LF is dropped; with markdown, markup is escaped too.
 */
static void
write_neutral(FILE *out, const char *p, size_t n, int markdown)
{
	const unsigned char *u = (const unsigned char *)p;
	int at_line_start = 1;
	unsigned long cp;
	const char *esc;
	size_t i = 0, k;

	while (i < n) {
		if (markdown && at_line_start) {
			i += write_md_line_start(out, p + i, n - i);
			at_line_start = 0;
			if (i >= n)
				break;
		}
		k = utf8_len(u + i, n - i, &cp);
		if (k == 0 || is_hostile_cp(cp)) {
			fputs(REPLACEMENT, out);
			i += k ? k : 1;
			continue;
		}
		if (k > 1) {
			fwrite(p + i, 1, k, out);
			i += k;
			continue;
		}
		if (u[i] == '\n' || u[i] == '\t') {
			at_line_start = u[i] == '\n';
			putc(p[i], out);
		} else if (u[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
			;	/* CRLF: the LF alone ends the line */
		} else if (u[i] < 0x20 || u[i] == 0x7f) {
			fputs(REPLACEMENT, out);
		} else {
			esc = markdown ? md_special(p[i]) : NULL;
			if (esc != NULL && *esc != '\0')
				fputs(esc, out);
			else if (esc != NULL) {
				putc('\\', out);
				putc(p[i], out);
			} else
				putc(p[i], out);
		}
		i++;
	}
}

void
mustache_write_escaped(FILE *out, enum mustache_escape esc, const char *p,
    size_t n)
{
	if (esc == MUSTACHE_ESC_HTML)
		write_html(out, p, n);
	else
		write_neutral(out, p, n, esc == MUSTACHE_ESC_MARKDOWN);
}

void
mustache_write_raw(FILE *out, enum mustache_escape esc, const char *p,
    size_t n)
{
	if (esc == MUSTACHE_ESC_HTML)
		fwrite(p, 1, n, out);
	else
		write_neutral(out, p, n, 0);
}
