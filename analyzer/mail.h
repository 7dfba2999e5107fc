/*
 * mail.h - the nightly digest as one complete RFC 5322 message for
 * `sendmail -t`: From, To, Subject, Date, Message-ID, MIME-Version,
 * Auto-Submitted, and a multipart/alternative body with the text and the
 * HTML rendering (UTF-8, quoted-printable). Lines end in CRLF.
 *
 * Headers are built so nothing can break them: the subject (which holds
 * names from the logs) has every control byte turned into a space and
 * invalid UTF-8 into U+FFFD; it is written as RFC 2047 encoded-words when
 * it is not plain ASCII, and folded to lines under 78 columns. Addresses
 * come from the config, which checked them (config.h).
 *
 * Errors: -1 with err when the config has no digest.from or digest.to, or
 * writing failed (ferror(out)); nothing is printed.
 */
#ifndef MAIL_H
#define MAIL_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

#include "config.h"

/*
 * mail_digest_write - the whole message into out. The subject is the
 * view's "subject" (view.h); text_part and html_part are the rendered
 * templates (NUL-terminated); now is the Date.
 */
int	mail_digest_write(FILE *out, const struct site_config *,
	    const json_t *view, const char *text_part, const char *html_part,
	    time_t now, char *err, size_t errlen);

/*
 * mail_header_text - write "Name: value" with value sanitised, encoded
 * when not ASCII, and folded; for the digest and for tests
 */
void	mail_header_text(FILE *out, const char *name, const char *value);

#endif
