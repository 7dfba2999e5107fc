/*
 * pump.h - decompress on a second thread. A pump reads one libarchive
 * member's data blocks on its own thread into a small ring of copies, so a
 * compressed log is inflated on one core while the other parses it. Used
 * by source.c for a compressed file that is not a tar.
 *
 * Lifetime: after pump_start() only the pump's thread touches the archive
 * until pump_stop() returns. A block from pump_read() is valid until the
 * next pump_read() or pump_stop().
 */
#ifndef PUMP_H
#define PUMP_H

#include <stddef.h>

struct archive;
struct pump;

/* pump_start - start reading a's current member; NULL if no thread could
 * be made (the caller reads the archive itself then) */
struct pump	*pump_start(struct archive *a);

/*
 * pump_read - the next block: 1 with *buf and *len set, 0 at the end, -1 on
 * damage with the archive's message in err (the blocks before it were
 * already returned)
 */
int		 pump_read(struct pump *, const char **buf, size_t *len,
		    char *err, size_t errlen);

/* pump_raw_offset - the file bytes the pump has consumed so far */
long long	 pump_raw_offset(struct pump *);

/* pump_stop - stop the thread (at once, if the member is not finished)
 * and free the pump; NULL does nothing */
void		 pump_stop(struct pump *);

#endif
