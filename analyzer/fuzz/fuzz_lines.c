/*
 * fuzz_lines.c - libFuzzer target for source.c + lines.c + stamp.c: the
 * input is a whole log file. source.h reads only paths, so the input is
 * written to one temporary file (in /dev/shm when there is one) and read
 * back through source_open(), member by member, line by line, and each line
 * through stamp_parse(). It is read twice: with the default line cap, and
 * with a cap of 16 to 79 bytes picked by the input's length so lines
 * straddle the cap and get truncated.
 *
 * Checked: every line is within the cap, NUL-terminated at len, has no NUL
 * inside, and its number goes up by one. The copy in a malloc(size + 1)
 * buffer is what gets written, so ASan watches it too.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FUZZ_NAME "fuzz_lines"
#include "lines.h"
#include "source.h"
#include "stamp.h"

#define FUZZ_NAME "fuzz_lines"
#include "fuzz_file.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_lines: %s\n", what);
	abort();
}

/* check_line - the lines.h contract for one line */
static void
check_line(const struct line *l, size_t cap, unsigned long prev)
{
	if (l->len > cap)
		fail("line longer than the cap");
	if (l->text[l->len] != '\0')
		fail("line not NUL-terminated at len");
	if (memchr(l->text, '\0', l->len) != NULL)
		fail("NUL inside a line");
	if (l->lineno != prev + 1)
		fail("line numbers not consecutive");
}

/* read_all - every member and line of the temporary file with this cap */
static void
read_all(size_t cap)
{
	struct stamp_ctx ctx;
	struct header h;
	struct source *src;
	struct lines *ln = NULL;
	struct line l;
	char err[256];
	unsigned long prev;
	enum lines_status st;

	src = source_open(fuzz_path, err, sizeof(err));
	if (src == NULL)
		return;
	while (source_next(src) == 1) {
		if (ln == NULL)
			ln = lines_new(src, cap);
		else
			lines_reset(ln);
		stamp_ctx_init(&ctx, source_mtime(src), 0);
		prev = 0;
		while ((st = lines_next(ln, &l)) == LINES_OK) {
			check_line(&l, cap, prev);
			prev = l.lineno;
			stamp_parse(&ctx, l.text, l.len, &h);
		}
		if (st == LINES_ERR)
			break;
	}
	lines_free(ln);
	source_close(src);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (fuzz_file_write(copy, size) == -1)
		fail("writing the input failed");
	read_all(LINES_CAP_DEFAULT);
	read_all(16 + size % 64);
	free(copy);
	return 0;
}
