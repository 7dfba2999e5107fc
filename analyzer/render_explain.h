/*
 * render_explain.h - one classified reply -> words for the support desk:
 * which list, who runs it, what the listing means, how and when it ends,
 * the lookup URL with the IP filled in, what to tell the client. Reads the
 * hit and the pattern file's facts; never the logs. Reply text is shown
 * with control bytes neutralised (text) or JSON-escaped (json).
 */
#ifndef RENDER_EXPLAIN_H
#define RENDER_EXPLAIN_H

#include <stdio.h>

#include "classify.h"

/* render_explain_text - 0, or -1 when writing failed */
int	render_explain_text(FILE *, const char *reply, size_t len,
	    const struct hit *);
/* render_explain_json - the same facts as one JSON object */
int	render_explain_json(FILE *, const char *reply, size_t len,
	    const struct hit *);

#endif
