/*
 * fuzz_classify.c - libFuzzer target for classify.c: the input is one
 * remote server's reply, classified against the real pattern files, loaded
 * once (from $FUZZ_PATTERNS, default "patterns" under the current
 * directory: scripts/fuzz runs from the repository root).
 *
 * Every span of the hit must lie inside the reply. The reply is classified
 * from libFuzzer's exact-size buffer (ASan catches a read one byte past len:
 * replies are spans inside a line, not C strings) and from a
 * malloc(size + 1) copy with a NUL after it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "diag.h"
#include "patterns.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Loaded once for the whole run; the process exit frees them. */
static struct ruleset		*rules;
static struct classifier	*classifier;

/* check_span - abort unless the span lies inside [text, text + len) */
static void
check_span(struct span s, const char *text, size_t len, const char *what)
{
	if (s.n == 0)
		return;
	if (s.p < text || s.p > text + len || s.n > (size_t)(text + len - s.p)) {
		fprintf(stderr, "fuzz_classify: span %s outside the reply\n",
		    what);
		abort();
	}
}

/* classify_one - classify and check the hit */
static void
classify_one(const char *text, size_t len)
{
	struct hit h;

	classify_text(classifier, text, len, &h);
	check_span(h.ip, text, len, "ip");
	check_span(h.zone, text, len, "zone");
	check_span(h.url, text, len, "url");
	if (h.cls == CLASS_NONE) {
		fprintf(stderr, "fuzz_classify: class none for a reply\n");
		abort();
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *devnull = fopen("/dev/null", "w");
	const char *dir = getenv("FUZZ_PATTERNS");
	unsigned nerrors;

	(void)argc;
	(void)argv;
	if (dir == NULL || *dir == '\0')
		dir = "patterns";
	rules = patterns_load(dir, &nerrors);
	if (rules == NULL || patterns_nrules(rules) == 0) {
		fprintf(stderr, "fuzz_classify: no rules in %s (run from the "
		    "repository root or set FUZZ_PATTERNS)\n", dir);
		exit(1);
	}
	/* Rule warnings (PCRE2 limits) are not findings; crashes are. */
	if (devnull != NULL)
		diag_set_stream(devnull);
	classifier = classify_new(rules);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	classify_one((const char *)data, size);
	classify_one(copy, size);
	free(copy);
	return 0;
}
