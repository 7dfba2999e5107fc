/*
 * source.h - stage 1: a path or "-" -> plain bytes, through libarchive.
 * Plain text, gzip, bzip2, xz, zstd and lz4 are recognised by content, not
 * by name; a tar archive yields its regular-file members one by one, each
 * with its own name ("logs.tar:mail.log.1") and mtime. Any other file is one
 * member named after the path. Nothing is read whole: bytes come in blocks.
 *
 * Errors: functions return -1 and leave a message (without the path) in
 * source_error(); the caller reports it with the name. Data read before a
 * damaged spot (a truncated gzip) has already been returned and stays valid.
 *
 * Lifetime: the block from source_read() is owned by the source and valid
 * until the next source_read(), source_next() or source_close().
 */
#ifndef SOURCE_H
#define SOURCE_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

struct source;

/* source_open - open path ("-" is stdin); NULL with errbuf filled on failure
 * (missing, unreadable, a directory) */
struct source	*source_open(const char *path, char *errbuf, size_t errlen);

/*
 * source_next - move to the next member: 1 when one is ready (its name and
 * mtime are then valid), 0 at the end, -1 on a damaged archive (message in
 * source_error(); no more members).
 */
int		 source_next(struct source *);

/* source_name - the current member's display name (owned by the source) */
const char	*source_name(const struct source *);
/* source_mtime - the current member's mtime; for stdin, the time now */
time_t		 source_mtime(const struct source *);
/* source_is_stdin - 1 when the path was "-" */
int		 source_is_stdin(const struct source *);

/*
 * source_read - the next block of the current member's plain bytes:
 * 1 with *buf and *len set, 0 at the member's end, -1 on damage (message in
 * source_error(); the member ends there).
 */
int		 source_read(struct source *, const char **buf, size_t *len);

/*
 * source_raw_offset - bytes of the file itself consumed so far (compressed
 * bytes for a compressed file), for a progress display; -1 if unknown
 */
long long	 source_raw_offset(const struct source *);

/*
 * Where a compressed file is inflated: on a second thread while the caller
 * parses (pump.h; the default), or on the calling thread. SOURCE_SLOW_APART
 * gives a thread only to gzip, xz, lzma, lzip and bzip2, which inflate
 * slower than a log is parsed; zstd and lz4 inflate about as fast or
 * faster, and when cores are few a thread of their own only takes turns
 * with the others.
 * source_set_inflating - choose, before the first source_read().
 */
enum source_inflating { SOURCE_APART, SOURCE_SLOW_APART, SOURCE_HERE };
void		 source_set_inflating(struct source *, enum source_inflating);

/* source_error - the last error message, "" when none */
const char	*source_error(const struct source *);

/* source_close - free everything; NULL does nothing */
void		 source_close(struct source *);

/*
 * source_order - sort a rotated set oldest first, in place. Paths are
 * grouped by their base (mail.log for mail.log.2.gz, mail.log-20261126,
 * mail.log.1); inside a group a higher number is older, a date suffix sorts
 * by date, and the bare name is the newest. Groups keep the order in which
 * they first appear; "-" stays where it was given relative to its group.
 */
void		 source_order(const char **paths, size_t n);

#endif
