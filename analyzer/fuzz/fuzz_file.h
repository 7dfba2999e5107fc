/*
 * fuzz_file.h - the input as a file, for the targets that read paths
 * (source.h reads nothing else): one temporary file (in /dev/shm when
 * there is one), made once, rewritten for every input, removed at exit.
 * A target defines FUZZ_NAME and includes this file once; it brings the
 * target's LLVMFuzzerInitialize(), which also sends the diagnostics to
 * /dev/null.
 */
#ifndef FUZZ_FILE_H
#define FUZZ_FILE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);

static char	fuzz_path[256];
static int	fuzz_fd = -1;

static void
fuzz_file_remove(void)
{
	if (fuzz_path[0] != '\0')
		unlink(fuzz_path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *devnull = fopen("/dev/null", "w");
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	(void)argc;
	(void)argv;
	if (devnull != NULL)
		diag_set_stream(devnull);
	snprintf(fuzz_path, sizeof(fuzz_path), "%s/" FUZZ_NAME ".XXXXXX", dir);
	fuzz_fd = mkstemp(fuzz_path);
	if (fuzz_fd == -1) {
		fprintf(stderr, FUZZ_NAME ": mkstemp: %s\n", strerror(errno));
		exit(1);
	}
	atexit(fuzz_file_remove);
	return 0;
}

/* fuzz_file_write - the file's content made data; 0, or -1 on failure */
static int
fuzz_file_write(const void *data, size_t size)
{
	size_t off = 0;
	ssize_t n;

	if (ftruncate(fuzz_fd, 0) == -1)
		return -1;
	while (off < size) {
		n = pwrite(fuzz_fd, (const char *)data + off, size - off,
		    (off_t)off);
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

#endif
