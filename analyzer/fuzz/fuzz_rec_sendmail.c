/*
 * fuzz_rec_sendmail.c - libFuzzer target for rec_sendmail.c through
 * rec_parse() with MTA_SENDMAIL forced. The input is one log line: when its
 * syslog header parses, the parser gets that header; it also always gets
 * the whole input as the message of a synthetic header, with a program
 * name picked by the input's length, so the fuzzer reaches the
 * parser without having to find a valid stamp first.
 *
 * Every span of the record must lie inside the line (command may
 * be a constant "greeting", which rec_postfix.c allows). The line is parsed
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

#define FUZZ_MTA	MTA_SENDMAIL
#define FUZZ_NAME	"fuzz_rec_sendmail"

/* Program names Sendmail logs under. */
static const char *const progs[] = {
	"sendmail", "sm-mta", "sm-msp-queue", "sm-acceptingconnections",
};

#include "fuzz_rec.h"
