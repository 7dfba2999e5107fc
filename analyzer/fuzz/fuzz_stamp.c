/*
 * fuzz_stamp.c - libFuzzer target for stamp.c: the input is one log line
 * for stamp_parse() (with an inferred and with a fixed year) and a C string
 * for stamp_parse_time(). Every span of the header must lie inside the line.
 *
 * The line is parsed twice: once from libFuzzer's own buffer, which has
 * exactly size bytes, so ASan catches even a one-byte read past len; once
 * from a malloc(size + 1) copy with a NUL after it, as lines.c hands lines
 * over. The zone is one with daylight saving time, so the local-time paths
 * meet gaps and folds. Then the input's lines are parsed in turn with one
 * context, each against a fresh one: what a context remembers of the last
 * stamp must never change a time.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "stamp.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2026-11-26T12:00:00Z: the reference time (a file's mtime) */
#define FUZZ_REF	((time_t)1795694400)

/* check_span - abort unless the span lies inside [line, line + len) */
static void
check_span(struct span s, const char *line, size_t len, const char *what)
{
	if (s.n == 0)
		return;
	if (s.p < line || s.p > line + len || s.n > (size_t)(line + len - s.p)) {
		fprintf(stderr, "fuzz_stamp: span %s outside the line\n", what);
		abort();
	}
}

/* parse_line - stamp_parse with one context, then check the header */
static void
parse_line(int year, const char *line, size_t len)
{
	struct stamp_ctx ctx;
	struct header h;
	char buf[32];

	stamp_ctx_init(&ctx, FUZZ_REF, year);
	if (stamp_parse(&ctx, line, len, &h) == -1)
		return;
	check_span(h.host, line, len, "host");
	check_span(h.prog, line, len, "prog");
	check_span(h.pid, line, len, "pid");
	check_span(h.msg, line, len, "msg");
	stamp_format(h.time, buf, sizeof(buf));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *devnull = fopen("/dev/null", "w");

	(void)argc;
	(void)argv;
	if (devnull != NULL)
		diag_set_stream(devnull);
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	return 0;
}

/*
 * parse_in_turn - the input's lines parsed in turn with one context, as
 * a log is read: each must give what a fresh context gives (the last
 * stamp and its minute are reused, never a wrong time)
 */
static void
parse_in_turn(const char *data, size_t size)
{
	static struct stamp_ctx seq, fresh;
	struct header a, b;
	const char *p = data, *end = data + size, *nl;
	int ra, rb;

	stamp_ctx_init(&seq, FUZZ_REF, 0);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		stamp_ctx_init(&fresh, FUZZ_REF, 0);
		ra = stamp_parse(&seq, p, (size_t)(nl - p), &a);
		rb = stamp_parse(&fresh, p, (size_t)(nl - p), &b);
		if (ra != rb || (ra == 0 && (a.time != b.time ||
		    a.msg.n != b.msg.n))) {
			fprintf(stderr, "fuzz_stamp: a line read in turn "
			    "differs from a fresh read\n");
			abort();
		}
		p = nl + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);
	char buf[32];
	time_t t;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	parse_line(0, (const char *)data, size);
	parse_line(2026, copy, size);
	parse_in_turn((const char *)data, size);
	if (stamp_parse_time(copy, FUZZ_REF, &t) == 0)
		stamp_format(t, buf, sizeof(buf));
	free(copy);
	return 0;
}
