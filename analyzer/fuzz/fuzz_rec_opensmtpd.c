/*
 * fuzz_rec_opensmtpd.c - libFuzzer target for rec_opensmtpd.c through
 * rec_parse() with MTA_OPENSMTPD forced. The input is one log line: when
 * its syslog header parses, the parser gets that header; it also always
 * gets the whole input as the message of a synthetic header with the
 * program name "smtpd", so the fuzzer reaches the parser without having to
 * find a valid stamp first.
 *
 * Every span of the record must lie inside the line. The line is parsed
 * from libFuzzer's exact-size buffer (ASan catches a read one byte past
 * len) and from a malloc(size + 1) copy with a NUL after it, as lines.c
 * hands lines over.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "rec.h"
#include "stamp.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MTA	MTA_OPENSMTPD
#define FUZZ_NAME	"fuzz_rec_opensmtpd"

/* OpenSMTPD logs under one program name. */
static const char *const progs[] = {
	"smtpd",
};

#include "fuzz_rec.h"
