/*
 * render_json.c - stage 9a: the summary document as JSON.
 */
#include "render.h"

int
render_json_write(FILE *fp, const json_t *doc)
{
	if (json_dumpf(doc, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == -1)
		return -1;
	if (fputc('\n', fp) == EOF)
		return -1;
	return ferror(fp) ? -1 : 0;
}
