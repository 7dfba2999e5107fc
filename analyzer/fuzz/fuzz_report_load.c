/*
 * fuzz_report_load.c - libFuzzer target for report_load() and the
 * renderers that read what it accepts (`bouncelog report --from`, merge):
 * the input is a summary file, written to a temporary file and loaded;
 * a document that loads is rendered as text (with and without colour and
 * UTF-8) and as JSON into /dev/null. report_load() checks only the top
 * level, so the renderers meet wrong types and missing fields deeper down.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "diag.h"
#include "render.h"
#include "report.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The temporary file and the sink, made once; the file is removed at exit. */
static char	tmp_path[256];
static FILE	*devnull;

static void
remove_tmp(void)
{
	if (tmp_path[0] != '\0')
		unlink(tmp_path);
}

/* write_file - the input as the summary file; 0, or -1 */
static int
write_file(const char *buf, size_t size)
{
	FILE *fp = fopen(tmp_path, "wb");
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
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	int fd;

	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	if (devnull == NULL)
		exit(1);
	diag_set_stream(devnull);
	snprintf(tmp_path, sizeof(tmp_path), "%s/fuzz_report.XXXXXX", dir);
	fd = mkstemp(tmp_path);
	if (fd == -1) {
		fprintf(stderr, "fuzz_report_load: mkstemp: %s\n",
		    strerror(errno));
		exit(1);
	}
	close(fd);
	atexit(remove_tmp);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct render_text_opts plain = { 0, 0, 0 };
	struct render_text_opts fancy = { 1, 1, 2 };
	char *copy = malloc(size + 1);
	char err[512];
	json_t *doc;

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (write_file(copy, size) == -1) {
		fprintf(stderr, "fuzz_report_load: cannot write %s\n",
		    tmp_path);
		abort();
	}
	doc = report_load(tmp_path, err, sizeof(err));
	if (doc != NULL) {
		render_text_write(devnull, doc, &plain);
		render_text_write(devnull, doc, &fancy);
		render_json_write(devnull, doc);
		json_decref(doc);
	} else if (memchr(err, '\0', sizeof(err)) == NULL) {
		fprintf(stderr, "fuzz_report_load: error not NUL-terminated\n");
		abort();
	}
	free(copy);
	return 0;
}
