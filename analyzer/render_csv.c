/*
 * render_csv.c - stage 9c: the summary document as CSV (RFC 4180), one row
 * per list and destination domain, for spreadsheets. A field that a
 * spreadsheet would run as a formula (= + - @ first) gets a leading quote;
 * control bytes become '?'.
 */
#include <string.h>

#include "render.h"

static void
field(FILE *fp, const char *s)
{
	if (s == NULL)
		s = "";
	fputc('"', fp);
	if (strchr("=+-@", s[0]) != NULL && s[0] != '\0')
		fputc('\'', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', fp);
		/* CR and LF would start a new record in naive readers, and
		 * other control bytes are log text a terminal would obey */
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			fputc('?', fp);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

int
render_csv_write(FILE *fp, const json_t *doc)
{
	const json_t *l, *d;
	size_t i, j;

	fputs("list_id,list_name,zone,domain,rejections\r\n", fp);
	json_array_foreach(json_object_get(doc, "blocklists"), i, l) {
		json_array_foreach(json_object_get(l, "domains"), j, d) {
			field(fp, json_string_value(json_object_get(l, "id")));
			fputc(',', fp);
			field(fp, json_string_value(json_object_get(l,
			    "name")));
			fputc(',', fp);
			field(fp, json_string_value(json_object_get(l,
			    "zone")));
			fputc(',', fp);
			field(fp, json_string_value(json_object_get(d,
			    "domain")));
			fprintf(fp, ",%lld\r\n", (long long)json_integer_value(
			    json_object_get(d, "rejections")));
		}
	}
	return ferror(fp) ? -1 : 0;
}
