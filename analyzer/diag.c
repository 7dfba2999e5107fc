/*
 * diag.c - messages on stderr (see diag.h). The counters are the only
 * process-wide state: a message is a side effect of the whole run.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "diag.h"

static FILE		*diag_stream;
static int		 diag_quiet;
static unsigned long	 diag_errors;
static unsigned long	 diag_warnings;

void
diag_set_stream(FILE *fp)
{
	diag_stream = fp;
}

void
diag_set_quiet(int quiet)
{
	diag_quiet = quiet;
}

static FILE *
out(void)
{
	return diag_stream != NULL ? diag_stream : stderr;
}

/* vsay - one message line: prefix, location, level, text */
static void PRINTFLIKE(3, 0)
vsay(const struct where *w, const char *level, const char *fmt, va_list ap)
{
	FILE *fp = out();

	fputs("bouncelog: ", fp);
	if (w != NULL && w->file != NULL) {
		if (w->line > 0)
			fprintf(fp, "%s:%lu: ", w->file, w->line);
		else
			fprintf(fp, "%s: ", w->file);
	}
	fprintf(fp, "%s: ", level);
	vfprintf(fp, fmt, ap);
	fputc('\n', fp);
	fflush(fp);
}

void
diag_warn(const struct where *w, const char *fmt, ...)
{
	va_list ap;

	diag_warnings++;
	if (diag_quiet)
		return;
	va_start(ap, fmt);
	vsay(w, "warning", fmt, ap);
	va_end(ap);
}

void
diag_error(const struct where *w, const char *fmt, ...)
{
	va_list ap;

	diag_errors++;
	va_start(ap, fmt);
	vsay(w, "error", fmt, ap);
	va_end(ap);
}

void
diag_fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(NULL, "fatal", fmt, ap);
	va_end(ap);
	exit(status);
}

void
diag_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(NULL, "panic", fmt, ap);
	va_end(ap);
	abort();
}

unsigned long
diag_nerrors(void)
{
	return diag_errors;
}

unsigned long
diag_nwarnings(void)
{
	return diag_warnings;
}

char *
diag_quote(char *buf, size_t bufsize, const char *p, size_t n, size_t max)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0, shown = n < max ? n : max;
	unsigned char c;

	if (bufsize == 0)
		return buf;
	for (i = 0; i < shown; i++) {
		c = (unsigned char)p[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= bufsize)
				break;
			buf[o++] = (char)c;
		} else if (c == '\\') {
			if (o + 2 >= bufsize)
				break;
			buf[o++] = '\\';
			buf[o++] = '\\';
		} else {
			if (o + 4 >= bufsize)
				break;
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	if ((i < n) && o + 3 < bufsize) {
		buf[o++] = '.';
		buf[o++] = '.';
		buf[o++] = '.';
	}
	buf[o] = '\0';
	return buf;
}
