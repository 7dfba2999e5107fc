/*
 * stamp_journal.c - stage 3 for journald's JSON export: one object a line
 * ("journalctl -o json") -> the header stamp.c gives for a syslog line:
 * __REALTIME_TIMESTAMP (microseconds) as the time, _HOSTNAME, the
 * SYSLOG_IDENTIFIER as the program, _PID or SYSLOG_PID, and MESSAGE.
 *
 * Only the top level of the object is read, by hand and without
 * allocation; keys may come in any order. A MESSAGE with escapes is
 * unescaped into the context's scratch buffer (cut at its size); one
 * given as an array of bytes is not read (the line counts as unparsed).
 */
#include <string.h>

#include "stamp_int.h"

/* The journald JSON fields a header uses; spans inside the quotes. */
struct jfields {
	struct span	ts, ident, pid, syslog_pid, host, msg;
	int		msg_escaped;
};

/* skip_ws - index of the first non-blank byte at or after i */
static size_t
skip_ws(const char *p, size_t n, size_t i)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i;
}

/*
 * json_string - the string whose '"' is at p[i]: *out gets the raw inside,
 * *escaped whether it has a '\\'; the index after the closing quote, or 0
 */
static size_t
json_string(const char *p, size_t n, size_t i, struct span *out,
    int *escaped)
{
	size_t j;

	*escaped = 0;
	for (j = i + 1; j < n; j++) {
		if (p[j] == '\\') {
			*escaped = 1;
			j++;
		} else if (p[j] == '"') {
			out->p = p + i + 1;
			out->n = j - i - 1;
			return j + 1;
		}
	}
	return 0;
}

/*
 * json_skip_value - past a value that is not a string (number, literal,
 * array, object; strings inside are skipped whole); the index of the ','
 * or '}' that ends it at depth 0, or 0
 */
static size_t
json_skip_value(const char *p, size_t n, size_t i)
{
	struct span dummy;
	int depth = 0, esc;

	while (i < n) {
		switch (p[i]) {
		case '"':
			i = json_string(p, n, i, &dummy, &esc);
			if (i == 0)
				return 0;
			continue;
		case '[':
		case '{':
			depth++;
			break;
		case ']':
		case '}':
			if (depth == 0)
				return i;
			depth--;
			break;
		case ',':
			if (depth == 0)
				return i;
			break;
		default:
			break;
		}
		i++;
	}
	return 0;
}

/* keep_field - store a string value under the keys a header uses */
static void
keep_field(struct jfields *f, struct span key, struct span val, int esc)
{
	if (span_eq_str(key, "MESSAGE")) {
		f->msg = val;
		f->msg_escaped = esc;
	} else if (span_eq_str(key, "__REALTIME_TIMESTAMP")) {
		f->ts = val;
	} else if (span_eq_str(key, "SYSLOG_IDENTIFIER")) {
		f->ident = val;
	} else if (span_eq_str(key, "_PID")) {
		f->pid = val;
	} else if (span_eq_str(key, "SYSLOG_PID")) {
		f->syslog_pid = val;
	} else if (span_eq_str(key, "_HOSTNAME")) {
		f->host = val;
	}
}

/* json_fields - the top-level string fields of one object; 0 or -1 */
static int
json_fields(const char *p, size_t n, struct jfields *f)
{
	struct span key, val;
	size_t i = 1;
	int esc;

	for (;;) {
		i = skip_ws(p, n, i);
		if (i < n && p[i] == '}')
			return 0;
		if (i >= n || p[i] != '"')
			return -1;
		i = json_string(p, n, i, &key, &esc);
		if (i == 0)
			return -1;
		i = skip_ws(p, n, i);
		if (i >= n || p[i] != ':')
			return -1;
		i = skip_ws(p, n, i + 1);
		if (i < n && p[i] == '"') {
			i = json_string(p, n, i, &val, &esc);
			if (i == 0)
				return -1;
			keep_field(f, key, val, esc);
		} else {
			i = json_skip_value(p, n, i);
			if (i == 0)
				return -1;
		}
		i = skip_ws(p, n, i);
		if (i < n && p[i] == ',')
			i++;
		else if (i >= n || p[i] != '}')
			return -1;
	}
}

/* hex4 - the value of 4 hex digits at p, or -1 */
static long
hex4(const char *p)
{
	long v = 0;
	int i, d;

	for (i = 0; i < 4; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			d = p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			d = p[i] - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* put_utf8 - code point cp as UTF-8 at out[*o] if it fits under cap */
static void
put_utf8(char *out, size_t *o, size_t cap, long cp)
{
	unsigned char b[4];
	size_t k, len;

	if (cp == 0)
		cp = '?';	/* a NUL, as the line reader does */
	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		len = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xC0 | (cp >> 6));
		b[1] = (unsigned char)(0x80 | (cp & 0x3F));
		len = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xE0 | (cp >> 12));
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (unsigned char)(0x80 | (cp & 0x3F));
		len = 3;
	} else {
		b[0] = (unsigned char)(0xF0 | (cp >> 18));
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (unsigned char)(0x80 | (cp & 0x3F));
		len = 4;
	}
	if (*o + len > cap)
		return;
	for (k = 0; k < len; k++)
		out[(*o)++] = (char)b[k];
}

/*
 * unescape_u - the code point of "\uXXXX" (and a following low surrogate)
 * at s.p[i]; *used gets the bytes taken, '?' for a broken escape
 */
static long
unescape_u(struct span s, size_t i, size_t *used)
{
	long hi, lo;

	*used = 2;
	if (i + 6 > s.n || (hi = hex4(s.p + i + 2)) < 0)
		return '?';
	*used = 6;
	if (hi < 0xD800 || hi > 0xDFFF)
		return hi;
	if (hi > 0xDBFF || i + 12 > s.n || s.p[i + 6] != '\\' ||
	    s.p[i + 7] != 'u' || (lo = hex4(s.p + i + 8)) < 0xDC00 ||
	    lo > 0xDFFF)
		return '?';	/* a lone surrogate */
	*used = 12;
	return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
}

/* unescape - a JSON string's inside into out (cut at cap); the length */
static size_t
unescape(struct span s, char *out, size_t cap)
{
	static const char from[] = "\"\\/bfnrt";
	static const char to[] = "\"\\/\b\f\n\r\t";
	const char *hit;
	size_t i = 0, o = 0, used;

	while (i < s.n && o < cap) {
		if (s.p[i] != '\\' || i + 1 >= s.n) {
			out[o++] = s.p[i++];
			continue;
		}
		if (s.p[i + 1] == 'u') {
			put_utf8(out, &o, cap, unescape_u(s, i, &used));
			i += used;
			continue;
		}
		hit = memchr(from, s.p[i + 1], sizeof from - 1);
		out[o++] = hit != NULL ? to[hit - from] : s.p[i + 1];
		i += 2;
	}
	return o;
}

int
stamp_journal_parse(struct stamp_ctx *ctx, const char *p, size_t n,
    struct header *h)
{
	struct jfields f;
	long long usec = 0;
	size_t i;

	memset(&f, 0, sizeof f);
	if (json_fields(p, n, &f) == -1 || f.ts.n == 0 || f.ts.n > 18 ||
	    f.msg.p == NULL)
		return -1;
	for (i = 0; i < f.ts.n; i++) {
		if (f.ts.p[i] < '0' || f.ts.p[i] > '9')
			return -1;
		usec = usec * 10 + (f.ts.p[i] - '0');
	}
	h->time = (time_t)(usec / 1000000);
	h->style = STAMP_JOURNAL;
	h->host = f.host;
	h->prog = f.ident;
	h->pid = f.pid.n > 0 ? f.pid : f.syslog_pid;
	h->msg = f.msg;
	if (f.msg_escaped) {
		h->msg.p = ctx->scratch;
		h->msg.n = unescape(f.msg, ctx->scratch, sizeof ctx->scratch);
	}
	return 0;
}
