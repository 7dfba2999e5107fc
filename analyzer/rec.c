/*
 * rec.c - stage 4: pick the MTA parser for a line (see rec.h).
 * Detection is by program name and lives in each parser: a parser returns
 * 0 for a program that is not its MTA's, so with MTA_ANY the first parser
 * that claims the line wins. Exim and Sendmail have no parser yet: their
 * rows name the MTA for --mta and claim no line.
 */
#include <string.h>

#include "rec.h"

struct rec_parser {
	enum rec_mta	 mta;
	const char	*name;
	int		(*parse)(const struct header *, struct rec *);
};

/* New MTA: add a row here, an enum rec_mta value and a rec_<mta>.c. */
static const struct rec_parser parsers[] = {
	{ MTA_POSTFIX,	"postfix",	rec_postfix_parse },
	{ MTA_EXIM,	"exim",		NULL },
	{ MTA_SENDMAIL,	"sendmail",	NULL },
};

#define NPARSERS	(sizeof parsers / sizeof parsers[0])

int
rec_parse(const struct header *h, enum rec_mta forced, struct rec *r)
{
	size_t i;

	/* Each parser clears *r itself; this runs on every line. */
	for (i = 0; i < NPARSERS; i++) {
		if (forced != MTA_ANY && parsers[i].mta != forced)
			continue;
		if (parsers[i].parse != NULL && parsers[i].parse(h, r) == 1)
			return 1;
	}
	*r = (struct rec){ .kind = REC_NONE };
	return 0;
}

const char *
rec_mta_name(enum rec_mta mta)
{
	size_t i;

	for (i = 0; i < NPARSERS; i++) {
		if (parsers[i].mta == mta)
			return parsers[i].name;
	}
	return "any";
}

int
rec_mta_from_name(const char *name, enum rec_mta *out)
{
	size_t i;

	*out = MTA_ANY;
	if (strcmp(name, "any") == 0 || strcmp(name, "auto") == 0)
		return 0;
	for (i = 0; i < NPARSERS; i++) {
		if (strcmp(parsers[i].name, name) == 0) {
			*out = parsers[i].mta;
			return 0;
		}
	}
	return -1;
}
