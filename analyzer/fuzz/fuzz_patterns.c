/*
 * fuzz_patterns.c - libFuzzer target for patterns.c: the input is one
 * pattern file. It is written as the only file of a temporary directory and
 * loaded with patterns_load(); whatever loads is then compiled into a
 * classifier and its examples are checked (`bouncelog patterns check`), so
 * fuzzed regexes meet PCRE2's limits too. The loader's messages go to
 * /dev/null; only crashes, leaks and sanitizer reports count.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "classify.h"
#include "diag.h"
#include "patterns.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The temporary directory and its one file, removed at exit. */
static char	tmp_dir[256];
static char	tmp_file[300];

static void
remove_tmp(void)
{
	unlink(tmp_file);
	rmdir(tmp_dir);
}

/* write_file - the input as the pattern file; 0, or -1 */
static int
write_file(const char *buf, size_t size)
{
	FILE *fp = fopen(tmp_file, "wb");
	int rc = 0;

	if (fp == NULL)
		return -1;
	if (size > 0 && fwrite(buf, 1, size, fp) != size)
		rc = -1;
	if (fclose(fp) != 0)
		rc = -1;
	return rc;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *devnull = fopen("/dev/null", "w");
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	(void)argc;
	(void)argv;
	if (devnull != NULL)
		diag_set_stream(devnull);
	snprintf(tmp_dir, sizeof(tmp_dir), "%s/fuzz_patterns.XXXXXX", base);
	if (mkdtemp(tmp_dir) == NULL) {
		fprintf(stderr, "fuzz_patterns: mkdtemp: %s\n", strerror(errno));
		exit(1);
	}
	snprintf(tmp_file, sizeof(tmp_file), "%s/fuzz.yaml", tmp_dir);
	atexit(remove_tmp);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ruleset *rs;
	struct classifier *cl;
	char *copy = malloc(size + 1);
	unsigned nerrors;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (write_file(copy, size) == -1) {
		fprintf(stderr, "fuzz_patterns: cannot write %s\n", tmp_file);
		abort();
	}
	rs = patterns_load(tmp_dir, &nerrors);
	if (rs != NULL) {
		cl = classify_new(rs);
		classify_check_examples(rs, cl);
		classify_free(cl);
		patterns_free(rs);
	}
	free(copy);
	return 0;
}
