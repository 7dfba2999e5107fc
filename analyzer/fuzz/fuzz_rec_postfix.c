/*
 * fuzz_rec_postfix.c - libFuzzer target for rec_postfix.c through
 * rec_parse() with MTA_POSTFIX forced. The input is one log line: when its
 * syslog header parses, the parser gets that header; it also always gets
 * the whole input as the message of a synthetic header, with a Postfix
 * program name picked by the input's length, so the fuzzer reaches the
 * parser without having to find a valid stamp first.
 *
 * Every span of the record must lie inside the line, except command, which
 * may be the constant "greeting" (rec_postfix.c says so). The line is parsed
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

#define FUZZ_MTA	MTA_POSTFIX
#define FUZZ_NAME	"fuzz_rec_postfix"

/* Program names of the Postfix daemons whose lines the parser reads. */
static const char *const progs[] = {
	"postfix/smtp", "postfix/lmtp", "postfix/smtpd", "postfix/qmgr",
	"postfix/cleanup", "postfix/pickup", "postfix/postscreen",
	"postfix/error", "postfix-out/smtp", "postfix/local",
};

#include "fuzz_rec.h"
