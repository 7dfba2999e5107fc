/*
 * render.h - stage 9: the summary document -> output. Every renderer reads
 * only the document (report.h), never the logs, and writes to a FILE *.
 * They return 0, or -1 when writing failed (the caller checks ferror()).
 */
#ifndef RENDER_H
#define RENDER_H

#include <stdio.h>

#include <jansson.h>

/* render_json_write - the document, indented, with a final newline */
int	render_json_write(FILE *, const json_t *);

struct render_text_opts {
	int	is_color;	/* ANSI colour (only on a terminal) */
	int	is_utf8;	/* block characters for the sparkline */
	size_t	top;		/* entries per list shown; 0: 5 */
};

/* render_text_write - the summary a person reads on a terminal. Log text
 * (hosts, replies) is shown with control bytes neutralised. */
int	render_text_write(FILE *, const json_t *,
	    const struct render_text_opts *);

/* render_csv_write - one row per list x destination domain */
int	render_csv_write(FILE *, const json_t *);

#endif
