/*
 * diag.h - every message the user sees on stderr.
 * Format: "bouncelog: FILE:LINE: warning: what" (":LINE" left out when the
 * line is 0, "FILE: " left out when there is no file). A warning is odd
 * input we coped with; an error means some work was lost and makes the run
 * exit non-zero at the end; fatal exits now; panic is our bug and aborts.
 * Only code that knows the file and line calls these: lower layers return
 * a status (and a message in a buffer) and print nothing.
 */
#ifndef DIAG_H
#define DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#if defined(__GNUC__)
#define PRINTFLIKE(f, a)	__attribute__((format(printf, f, a)))
#else
#define PRINTFLIKE(f, a)
#endif

struct where {
	const char	*file;		/* NULL: not about a file */
	unsigned long	 line;		/* 0: the whole file */
};

/* diag_set_stream - where messages go (stderr unless a test says otherwise) */
void	diag_set_stream(FILE *);
/* diag_set_quiet - 1: drop warnings (errors and fatals still print) */
void	diag_set_quiet(int);

void	diag_warn(const struct where *, const char *, ...) PRINTFLIKE(2, 3);
void	diag_error(const struct where *, const char *, ...) PRINTFLIKE(2, 3);
_Noreturn void	diag_fatal(int status, const char *, ...) PRINTFLIKE(2, 3);
_Noreturn void	diag_panic(const char *, ...) PRINTFLIKE(1, 2);

/* diag_nerrors - how many diag_error() calls so far */
unsigned long	diag_nerrors(void);
/* diag_nwarnings - how many diag_warn() calls so far (printed or not) */
unsigned long	diag_nwarnings(void);

/*
 * diag_quote - copy log text for a terminal: printable ASCII as is, every
 * other byte (controls, ESC, DEL, bytes >= 0x80) as \xHH, a backslash as
 * \\. At most max input bytes are shown; "..." marks the cut. The result in
 * buf is always NUL-terminated; returns buf.
 */
char	*diag_quote(char *buf, size_t bufsize, const char *p, size_t n,
	    size_t max);

#endif
