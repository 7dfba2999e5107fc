/*
 * source.c - stage 1: a path or "-" -> plain bytes, through libarchive.
 *
 * The file is one archive (the "outer" one) that knows tar, raw and empty
 * input behind the gzip, bzip2, xz, zstd and lz4 filters, so compression is
 * recognised by content. A raw or empty outer archive is a single member. A
 * tar member is read through a second, "inner" archive whose bytes come
 * from the tar, so a compressed file inside a tar is decompressed too.
 *
 * Limits: bytes come in libarchive's blocks (64 KiB to 128 KiB); nothing is
 * read whole. Only regular tar members are returned; directories, links and
 * devices are skipped, a tar inside a tar is not opened. libarchive 3.6.2's
 * decompressors drop their unfinished output block when the input is
 * damaged, so up to 64 KiB of plain text just before a damaged spot is lost.
 *
 * This file prints nothing: errors go to source_error() for the caller.
 * Only running out of memory is fatal here, as everywhere (xalloc.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "diag.h"
#include "pump.h"
#include "source.h"
#include "xalloc.h"

/* Bigger blocks than libarchive's 10 KiB default: fewer read(2) calls. */
#define SOURCE_BLOCK	(128 * 1024)
#define SOURCE_STDIN_NAME	"(stdin)"

enum source_state {
	SOURCE_START,		/* no member yet */
	SOURCE_MEMBER,		/* a member is current */
	SOURCE_END,		/* no more members */
	SOURCE_FAILED		/* damaged archive: no more members */
};

struct source {
	struct archive	*outer;	/* the file itself */
	struct archive	*inner;	/* a tar member's content, or NULL */
	struct archive	*cur;	/* what source_read reads, or NULL */
	char		*path;	/* display path: the argument or "(stdin)" */
	char		*name;	/* the current member's display name */
	time_t		 path_mtime;	/* stat's, or the time of opening */
	time_t		 mtime;		/* the current member's */
	int		 fd;		/* -1 when stdin */
	int		 is_stdin;
	int		 is_opened;	/* archive_read_open succeeded */
	int		 is_single;	/* not a tar: its one member is out */
	enum source_state state;
	int		 has_member_ended;	/* source_read gives 0 */
	int		 has_member_failed;	/* source_read gives -1 */
	struct pump	*pump;	/* a thread inflating a single member */
	int		 is_pump_tried;
	enum source_inflating inflating;
	char		 err[256];
};

/* set_error - keep a message for source_error() */
static void
set_error(struct source *s, const char *msg)
{
	snprintf(s->err, sizeof(s->err), "%s", msg);
}

/* set_archive_error - keep libarchive's message about a, or a fallback */
static void
set_archive_error(struct source *s, struct archive *a, const char *fallback)
{
	const char *msg = archive_error_string(a);

	/* liblzma's way of saying the input ended early */
	if (msg != NULL && strstr(msg, "No progress is possible") != NULL)
		msg = "truncated xz input";
	set_error(s, msg != NULL && *msg != '\0' ? msg : fallback);
}

/*
 * support_filters - the decompressors we accept. Not filter_all: that also
 * enables uudecode and rpm, which would rewrite a log that happens to start
 * with "begin 644", and lrzip, lzop and grzip, which run external programs.
 */
static void
support_filters(struct archive *a)
{
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_lz4(a);
}

/* new_reader - an archive reader for plain or compressed bytes; tar too
 * when with_tar is set. Empty input must be accepted: it is no error.
 * Out of memory exits, as xalloc.h does. */
static struct archive *
new_reader(int with_tar)
{
	struct archive *a = archive_read_new();

	if (a == NULL)
		diag_fatal(EX_OSERR, "out of memory");
	support_filters(a);
	if (with_tar)
		archive_read_support_format_tar(a);
	archive_read_support_format_empty(a);
	archive_read_support_format_raw(a);
	return a;
}

/* open_fd - open path, refusing directories; the fd, or -1 with errbuf */
static int
open_fd(const char *path, int is_stdin, char *errbuf, size_t errlen)
{
	struct stat st;
	int fd;

	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		snprintf(errbuf, errlen, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(errbuf, errlen, "cannot stat: %s", strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(errbuf, errlen, "is a directory");
		goto fail;
	}
	return fd;
fail:
	if (!is_stdin)
		close(fd);
	return -1;
}

struct source *
source_open(const char *path, char *errbuf, size_t errlen)
{
	struct source *s;
	struct stat st;
	int is_stdin = strcmp(path, "-") == 0;
	int fd;

	fd = open_fd(path, is_stdin, errbuf, errlen);
	if (fd == -1)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->fd = is_stdin ? -1 : fd;
	s->is_stdin = is_stdin;
	s->path = xstrdup(is_stdin ? SOURCE_STDIN_NAME : path);
	s->path_mtime = time(NULL);
	if (!is_stdin && fstat(fd, &st) == 0)
		s->path_mtime = st.st_mtime;
	s->state = SOURCE_START;
	s->outer = new_reader(1);
	/* A damaged start (a short gzip) is reported by source_next(), as
	 * damage later in the file is; only unopenable files fail here. */
	if (archive_read_open_fd(s->outer, fd, SOURCE_BLOCK) == ARCHIVE_OK)
		s->is_opened = 1;
	else
		set_archive_error(s, s->outer, "cannot read");
	return s;
}

/* member_read - libarchive read callback: the inner archive's compressed
 * bytes are the outer tar member's data blocks */
static la_ssize_t
member_read(struct archive *inner, void *data, const void **buf)
{
	struct source *s = data;
	size_t len = 0;
	la_int64_t offset;
	int r;

	do {
		r = archive_read_data_block(s->outer, buf, &len, &offset);
	} while ((r == ARCHIVE_OK || r == ARCHIVE_WARN) && len == 0);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
		const char *msg = archive_error_string(s->outer);

		archive_set_error(inner, EIO, "%s",
		    msg != NULL ? msg : "damaged tar member");
		return -1;
	}
	return (la_ssize_t)len;
}

/* start_member - make the current member readable from its first byte */
static void
start_member(struct source *s, const char *name, time_t mtime)
{
	free(s->name);
	s->name = xstrdup(name);
	s->mtime = mtime;
	s->state = SOURCE_MEMBER;
	s->has_member_ended = 0;
	s->has_member_failed = 0;
	s->err[0] = '\0';
}

/* open_inner - read the current tar member through the filters. A member
 * that cannot be opened is still a member: source_read fails at once. */
static void
open_inner(struct source *s)
{
	struct archive_entry *e;
	int r;

	s->inner = new_reader(0);
	r = archive_read_open(s->inner, s, NULL, member_read, NULL);
	if (r == ARCHIVE_OK)
		r = archive_read_next_header(s->inner, &e);
	if (r == ARCHIVE_EOF) {
		s->has_member_ended = 1;	/* an empty member */
	} else if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
		set_archive_error(s, s->inner, "damaged tar member");
		s->has_member_failed = 1;
	} else {
		s->cur = s->inner;
	}
}

/* tar_member - start a regular tar member; 0, or -1 to skip the entry */
static int
tar_member(struct source *s, struct archive_entry *e)
{
	const char *member = archive_entry_pathname(e);
	size_t len;
	char *name;

	if (archive_entry_filetype(e) != AE_IFREG ||
	    archive_entry_hardlink(e) != NULL)
		return -1;
	if (member == NULL)
		member = "?";
	len = strlen(s->path) + 1 + strlen(member) + 1;
	name = xmalloc(len);
	snprintf(name, len, "%s:%s", s->path, member);
	start_member(s, name, archive_entry_mtime(e));
	free(name);
	open_inner(s);
	return 0;
}

/* single_member - the file is its only member (not a tar) */
static int
single_member(struct source *s, int has_bytes)
{
	start_member(s, s->path, s->path_mtime);
	s->is_single = 1;
	if (has_bytes)
		s->cur = s->outer;
	else
		s->has_member_ended = 1;
	return 1;
}

int
source_next(struct source *s)
{
	struct archive_entry *e;
	int is_first = s->state == SOURCE_START;
	int r;

	if (s->state == SOURCE_FAILED || !s->is_opened) {
		s->state = SOURCE_FAILED;
		return -1;
	}
	if (s->state == SOURCE_END || s->is_single) {
		s->state = SOURCE_END;
		return 0;
	}
	if (s->inner != NULL) {
		archive_read_free(s->inner);
		s->inner = NULL;
	}
	s->cur = NULL;
	for (;;) {
		r = archive_read_next_header(s->outer, &e);
		/* libarchive's "empty" format ends at once: an empty file
		 * is one member without bytes, so it is listed like others. */
		if (r == ARCHIVE_EOF && is_first &&
		    archive_format(s->outer) == ARCHIVE_FORMAT_EMPTY)
			return single_member(s, 0);
		if (r == ARCHIVE_EOF) {
			s->state = SOURCE_END;
			return 0;
		}
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
			set_archive_error(s, s->outer, "damaged archive");
			s->state = SOURCE_FAILED;
			return -1;
		}
		if ((archive_format(s->outer) & ARCHIVE_FORMAT_BASE_MASK) !=
		    ARCHIVE_FORMAT_TAR)
			return single_member(s, 1);
		if (tar_member(s, e) == 0)
			return 1;
	}
}

const char *
source_name(const struct source *s)
{
	return s->name != NULL ? s->name : s->path;
}

time_t
source_mtime(const struct source *s)
{
	return s->state == SOURCE_MEMBER ? s->mtime : s->path_mtime;
}

long long
source_raw_offset(const struct source *s)
{
	if (s->pump != NULL)
		return pump_raw_offset(s->pump);
	if (s->outer == NULL || !s->is_opened)
		return -1;
	/* filter -1 is the last one: the bytes read from the file */
	return (long long)archive_filter_bytes(s->outer, -1);
}

int
source_is_stdin(const struct source *s)
{
	return s->is_stdin;
}

void
source_set_inflating(struct source *s, enum source_inflating where)
{
	s->inflating = where;
}

/* is_slow_filter - 1 for a compression that inflates slower than we parse */
static int
is_slow_filter(struct archive *a)
{
	switch (archive_filter_code(a, 0)) {
	case ARCHIVE_FILTER_XZ:
	case ARCHIVE_FILTER_LZMA:
	case ARCHIVE_FILTER_LZIP:
	case ARCHIVE_FILTER_BZIP2:
	case ARCHIVE_FILTER_GZIP:	/* zlib: about 1.2 s a GB */
		return 1;
	default:
		return 0;
	}
}

/* wants_pump - whether the current member is inflated on its own thread */
static int
wants_pump(const struct source *s)
{
	if (s->is_pump_tried || !s->is_single || s->cur != s->outer ||
	    archive_filter_count(s->outer) <= 1)
		return 0;
	return s->inflating == SOURCE_APART || (s->inflating ==
	    SOURCE_SLOW_APART && is_slow_filter(s->outer));
}

int
source_read(struct source *s, const char **buf, size_t *len)
{
	const void *block;
	size_t n = 0;
	la_int64_t offset;
	int r;

	if (s->state != SOURCE_MEMBER || s->has_member_failed)
		return s->has_member_failed ? -1 : 0;
	if (s->has_member_ended || s->cur == NULL)
		return 0;
	/* A compressed single file: inflate it on a second thread. */
	if (wants_pump(s)) {
		s->is_pump_tried = 1;
		s->pump = pump_start(s->outer);
	}
	if (s->pump != NULL) {
		r = pump_read(s->pump, buf, len, s->err, sizeof(s->err));
		if (r == 0)
			s->has_member_ended = 1;
		if (r == -1)
			s->has_member_failed = 1;
		return r;
	}
	do {
		r = archive_read_data_block(s->cur, &block, &n, &offset);
	} while ((r == ARCHIVE_OK || r == ARCHIVE_WARN) && n == 0);
	if (r == ARCHIVE_EOF) {
		s->has_member_ended = 1;
		return 0;
	}
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
		set_archive_error(s, s->cur, "read error");
		s->has_member_failed = 1;
		return -1;
	}
	*buf = block;
	*len = n;
	return 1;
}

const char *
source_error(const struct source *s)
{
	return s->err;
}

void
source_close(struct source *s)
{
	if (s == NULL)
		return;
	pump_stop(s->pump);
	if (s->inner != NULL)
		archive_read_free(s->inner);
	if (s->outer != NULL)
		archive_read_free(s->outer);
	if (s->fd != -1)
		close(s->fd);
	free(s->name);
	free(s->path);
	free(s);
}

/*
 * Rotated sets. A key is what source_order sorts by: the group (the
 * position of the first path with the same base) and the rank in it.
 */
enum rotation {
	ROT_NUMBER,	/* mail.log.3: higher is older */
	ROT_DATE,	/* mail.log-20261124: lower is older */
	ROT_BARE	/* mail.log: the live file, newest */
};

struct order_key {
	const char		*path;
	size_t			 base_len;	/* path[0..base_len) */
	enum rotation		 rot;
	unsigned long long	 value;		/* the number or date */
	size_t			 index;		/* position as given */
	size_t			 group;		/* first index, same base */
};

/* Compression suffixes ignored before looking for a number or a date. */
static const char *const order_suffixes[] = {
	".gz", ".bz2", ".xz", ".zst", ".zstd", ".lz4",
};

/* strip_suffix - length of path without one compression suffix */
static size_t
strip_suffix(const char *path, size_t len)
{
	size_t nsuffixes = sizeof(order_suffixes) / sizeof(order_suffixes[0]);
	size_t i, n;

	for (i = 0; i < nsuffixes; i++) {
		n = strlen(order_suffixes[i]);
		if (len > n &&
		    memcmp(path + len - n, order_suffixes[i], n) == 0)
			return len - n;
	}
	return len;
}

/* digits_before - how many decimal digits end path[0..len) */
static size_t
digits_before(const char *path, size_t len)
{
	size_t n = 0;

	while (n < len && path[len - n - 1] >= '0' && path[len - n - 1] <= '9')
		n++;
	return n;
}

/* digits_value - the value of n digits (n <= 19, so no overflow) */
static unsigned long long
digits_value(const char *p, size_t n)
{
	unsigned long long v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (unsigned long long)(p[i] - '0');
	return v;
}

/* order_key_init - split path into base and rotation. ".N" is a number,
 * "-" and 8 to 14 digits (logrotate's dateext, %Y%m%d and longer) a date. */
static void
order_key_init(struct order_key *k, const char *path, size_t index)
{
	size_t len = strip_suffix(path, strlen(path));
	size_t nd = digits_before(path, len);
	size_t base_len = len - nd;
	int has_base = base_len > 1 && path[base_len - 2] != '/';

	k->path = path;
	k->index = index;
	k->group = index;
	k->rot = ROT_BARE;
	k->value = 0;
	k->base_len = len;
	if (nd == 0 || nd > 19 || !has_base)
		return;
	if (path[base_len - 1] == '.') {
		k->rot = ROT_NUMBER;
	} else if (path[base_len - 1] == '-' && nd >= 8 && nd <= 14) {
		k->rot = ROT_DATE;
	} else {
		return;
	}
	k->value = digits_value(path + base_len, nd);
	k->base_len = base_len - 1;
}

/* base_cmp - compare the bases of a and b, like memcmp */
static int
base_cmp(const struct order_key *a, const struct order_key *b)
{
	size_t n = a->base_len < b->base_len ? a->base_len : b->base_len;
	int c = memcmp(a->path, b->path, n);

	if (c != 0)
		return c;
	if (a->base_len != b->base_len)
		return a->base_len < b->base_len ? -1 : 1;
	return 0;
}

/* cmp_base - by base, then by position as given */
static int
cmp_base(const void *va, const void *vb)
{
	const struct order_key *a = va, *b = vb;
	int c = base_cmp(a, b);

	if (c != 0)
		return c;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* cmp_age - by group, then oldest first, then by position as given */
static int
cmp_age(const void *va, const void *vb)
{
	const struct order_key *a = va, *b = vb;

	if (a->group != b->group)
		return a->group < b->group ? -1 : 1;
	if (a->rot != b->rot)
		return a->rot < b->rot ? -1 : 1;
	if (a->value != b->value) {
		if (a->rot == ROT_NUMBER)
			return a->value > b->value ? -1 : 1;
		return a->value < b->value ? -1 : 1;
	}
	return a->index < b->index ? -1 : a->index > b->index;
}

void
source_order(const char **paths, size_t n)
{
	struct order_key *keys;
	size_t i;

	if (n < 2)
		return;
	keys = xreallocarray(NULL, n, sizeof(*keys));
	for (i = 0; i < n; i++)
		order_key_init(&keys[i], paths[i], i);
	/* Same bases end up adjacent, the first given first: its index
	 * names the group, so groups keep the order they were given in. */
	qsort(keys, n, sizeof(*keys), cmp_base);
	for (i = 1; i < n; i++) {
		if (base_cmp(&keys[i], &keys[i - 1]) == 0)
			keys[i].group = keys[i - 1].group;
	}
	qsort(keys, n, sizeof(*keys), cmp_age);
	for (i = 0; i < n; i++)
		paths[i] = keys[i].path;
	free(keys);
}
