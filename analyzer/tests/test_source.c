/*
 * test_source.c - stage 1: files, compressed files and tars -> bytes.
 * Fixtures: fixtures/input/ (see its README.md for how they were made).
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include <sys/stat.h>

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "source.h"

#define FIX	"fixtures/input/"

struct bytes {
	char	*p;
	size_t	 n;
	int	 status;	/* the last source_read result: 0 or -1 */
};

/* must_open - open a fixture or fail the test */
static struct source *
must_open(const char *path)
{
	char err[256] = "";
	struct source *s = source_open(path, err, sizeof(err));

	cr_assert_not_null(s, "%s: %s", path, err);
	return s;
}

/* read_member - every byte of the current member, and how it ended */
static struct bytes
read_member(struct source *s)
{
	struct bytes b = { NULL, 0, 0 };
	FILE *fp = open_memstream(&b.p, &b.n);
	const char *buf;
	size_t len;
	int r;

	cr_assert_not_null(fp);
	while ((r = source_read(s, &buf, &len)) == 1)
		fwrite(buf, 1, len, fp);
	fclose(fp);
	b.status = r;
	return b;
}

/* slurp - a whole plain file, for comparison */
static struct bytes
slurp(const char *path)
{
	struct bytes b = { NULL, 0, 0 };
	FILE *out = open_memstream(&b.p, &b.n);
	FILE *in = fopen(path, "rb");
	char buf[4096];
	size_t n;

	cr_assert_not_null(in, "%s", path);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	fclose(out);
	return b;
}

struct compressed {
	char	path[64];
};

ParameterizedTestParameters(source, every_compression_gives_the_same_bytes)
{
	static struct compressed params[] = {
		{ FIX "sample.log" }, { FIX "sample.log.gz" },
		{ FIX "sample.log.bz2" }, { FIX "sample.log.xz" },
		{ FIX "sample.log.zst" }, { FIX "sample.log.lz4" },
	};

	return cr_make_param_array(struct compressed, params,
	    sizeof(params) / sizeof(params[0]));
}

ParameterizedTest(struct compressed *c, source,
    every_compression_gives_the_same_bytes)
{
	struct bytes want = slurp(FIX "sample.log");
	struct source *s = must_open(c->path);
	struct bytes got;

	cr_assert_eq(source_next(s), 1);
	cr_assert_str_eq(source_name(s), c->path);
	got = read_member(s);
	cr_assert_eq(got.status, 0, "%s", source_error(s));
	cr_assert_eq(got.n, want.n);
	cr_assert(memcmp(got.p, want.p, want.n) == 0);
	cr_assert_eq(source_next(s), 0);
	cr_assert_str_eq(source_error(s), "");
	source_close(s);
	free(got.p);
	free(want.p);
}

/* expect_two_members - the members of two.tar, whatever wraps it */
static void
expect_two_members(const char *path)
{
	struct source *s = must_open(path);
	char name[128];
	struct bytes b;

	cr_assert_eq(source_next(s), 1);
	snprintf(name, sizeof(name), "%s:a.log", path);
	cr_assert_str_eq(source_name(s), name);
	cr_assert_eq(source_mtime(s), 1795521600);	/* 2026-11-24 12:00Z */
	b = read_member(s);
	cr_assert_eq(b.status, 0);
	cr_assert_eq(b.n, 40);
	cr_assert(memcmp(b.p, "first member line 1\nfirst member line 2\n",
	    40) == 0);
	free(b.p);

	cr_assert_eq(source_next(s), 1);
	snprintf(name, sizeof(name), "%s:b.log", path);
	cr_assert_str_eq(source_name(s), name);
	cr_assert_eq(source_mtime(s), 1795608000);	/* 2026-11-25 12:00Z */
	b = read_member(s);
	cr_assert_eq(b.status, 0);
	cr_assert_eq(b.n, 24);
	cr_assert(memcmp(b.p, "second member only line\n", 24) == 0);
	free(b.p);

	cr_assert_eq(source_next(s), 0);
	cr_assert_eq(source_next(s), 0);
	source_close(s);
}

Test(source, tar_yields_each_member_with_name_and_mtime)
{
	expect_two_members(FIX "two.tar");
}

Test(source, compressed_tar_yields_each_member)
{
	expect_two_members(FIX "two.tar.gz");
}

Test(source, tar_skips_directories_and_decompresses_members)
{
	struct bytes want = slurp(FIX "sample.log");
	struct source *s = must_open(FIX "nested.tar");
	struct bytes got;

	cr_assert_eq(source_next(s), 1);
	cr_assert_str_eq(source_name(s), FIX "nested.tar:d/sample.log.gz");
	got = read_member(s);
	cr_assert_eq(got.status, 0, "%s", source_error(s));
	cr_assert_eq(got.n, want.n);
	cr_assert(memcmp(got.p, want.p, want.n) == 0);
	cr_assert_eq(source_next(s), 0);
	source_close(s);
	free(got.p);
	free(want.p);
}

Test(source, member_can_be_left_unread)
{
	struct source *s = must_open(FIX "two.tar.gz");
	struct bytes b;

	cr_assert_eq(source_next(s), 1);
	cr_assert_eq(source_next(s), 1);
	cr_assert_str_eq(source_name(s), FIX "two.tar.gz:b.log");
	b = read_member(s);
	cr_assert_eq(b.n, 24);
	free(b.p);
	source_close(s);
}

Test(source, empty_file_is_one_member_without_bytes)
{
	struct source *s = must_open(FIX "empty.log");
	struct bytes b;

	cr_assert_eq(source_next(s), 1);
	cr_assert_str_eq(source_name(s), FIX "empty.log");
	b = read_member(s);
	cr_assert_eq(b.status, 0);
	cr_assert_eq(b.n, 0);
	cr_assert_eq(source_next(s), 0);
	cr_assert_str_eq(source_error(s), "");
	source_close(s);
	free(b.p);
}

Test(source, directory_is_refused)
{
	char err[256] = "";

	cr_assert_null(source_open("fixtures", err, sizeof(err)));
	cr_assert_str_eq(err, "is a directory");
}

Test(source, missing_file_is_refused_with_the_system_reason)
{
	char err[256] = "";

	cr_assert_null(source_open(FIX "no-such.log", err, sizeof(err)));
	cr_assert_str_eq(err, "cannot open: No such file or directory");
}

Test(source, truncated_gzip_gives_bytes_before_the_damage_then_fails)
{
	struct source *s = must_open(FIX "truncated.log.gz");
	struct bytes b;

	cr_assert_eq(source_next(s), 1);
	b = read_member(s);
	cr_assert_eq(b.status, -1);
	cr_assert_str_eq(source_error(s), "truncated gzip input");
	/* libarchive keeps whole 64 KiB blocks from before the damage. */
	cr_assert_geq(b.n, 65536);
	cr_assert(memcmp(b.p, "Nov 26 05:00:01 mail postfix/smtp[2231]: "
	    "line 000001 of", 55) == 0);
	cr_assert_eq(source_read(s, &(const char *){ NULL }, &(size_t){ 0 }),
	    -1);
	source_close(s);
	free(b.p);
}

Test(source, gzip_damaged_in_its_first_block_fails_at_the_first_member)
{
	struct source *s = must_open(FIX "short.log.gz");

	cr_assert_eq(source_next(s), -1);
	cr_assert_str_eq(source_error(s), "truncated gzip input");
	cr_assert_eq(source_next(s), -1);
	source_close(s);
}

Test(source, damaged_tar_member_fails_alone)
{
	struct source *s = must_open(FIX "badmember.tar");
	struct bytes b;

	cr_assert_eq(source_next(s), 1);
	cr_assert_str_eq(source_name(s), FIX "badmember.tar:short.log.gz");
	b = read_member(s);
	cr_assert_eq(b.status, -1);
	cr_assert_eq(b.n, 0);
	cr_assert_str_eq(source_error(s), "truncated gzip input");
	free(b.p);
	cr_assert_eq(source_next(s), 1);
	cr_assert_str_eq(source_error(s), "");
	b = read_member(s);
	cr_assert_eq(b.status, 0);
	cr_assert_eq(b.n, 24);
	free(b.p);
	cr_assert_eq(source_next(s), 0);
	source_close(s);
}

Test(source, corrupt_tar_fails_after_the_good_members)
{
	struct source *s = must_open(FIX "corrupt.tar");
	struct bytes b;

	cr_assert_eq(source_next(s), 1);
	cr_assert_str_eq(source_name(s), FIX "corrupt.tar:a.log");
	b = read_member(s);
	cr_assert_eq(b.status, 0);
	cr_assert_eq(b.n, 40);
	free(b.p);
	cr_assert_eq(source_next(s), -1);
	cr_assert_str_eq(source_error(s), "Damaged tar archive");
	cr_assert_eq(source_next(s), -1);
	source_close(s);
}

Test(source, stdin_is_read_through_a_pipe)
{
	static const char text[] = "line one\nline two\n";
	struct source *s;
	struct bytes b;
	time_t before = time(NULL);
	int fds[2];

	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], text, sizeof(text) - 1),
	    (ssize_t)sizeof(text) - 1);
	close(fds[1]);
	cr_assert_eq(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	s = must_open("-");
	cr_assert(source_is_stdin(s));
	cr_assert_eq(source_next(s), 1);
	cr_assert_str_eq(source_name(s), "(stdin)");
	cr_assert_geq(source_mtime(s), before);
	b = read_member(s);
	cr_assert_eq(b.status, 0);
	cr_assert_eq(b.n, sizeof(text) - 1);
	cr_assert(memcmp(b.p, text, b.n) == 0);
	cr_assert_eq(source_next(s), 0);
	source_close(s);
	free(b.p);
}

Test(source, gzip_on_stdin_is_recognised_by_content)
{
	struct bytes want = slurp(FIX "sample.log");
	struct bytes gz = slurp(FIX "sample.log.gz");
	struct source *s;
	struct bytes b;
	int fds[2];

	cr_assert_eq(pipe(fds), 0);
	cr_assert_eq(write(fds[1], gz.p, gz.n), (ssize_t)gz.n);
	close(fds[1]);
	cr_assert_eq(dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
	close(fds[0]);
	s = must_open("-");
	cr_assert_eq(source_next(s), 1);
	b = read_member(s);
	cr_assert_eq(b.n, want.n);
	cr_assert(memcmp(b.p, want.p, want.n) == 0);
	source_close(s);
	free(b.p);
	free(gz.p);
	free(want.p);
}

/* write_big_gzip - numbered lines, size bytes or a little more, gzipped
 * into path; returns the plain bytes */
static struct bytes
write_big_gzip(const char *path, size_t size)
{
	struct bytes plain = { NULL, 0, 0 };
	FILE *fp = open_memstream(&plain.p, &plain.n);
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	unsigned long i;

	cr_assert(fp != NULL && a != NULL && e != NULL);
	for (i = 0; (size_t)ftell(fp) < size; i++)
		fprintf(fp, "Nov 26 05:01:02 mail postfix/qmgr[2231]: line %lu "
		    "of a gzip member longer than the inflating ring\n", i);
	fclose(fp);
	cr_assert_eq(archive_write_add_filter_gzip(a), ARCHIVE_OK);
	cr_assert_eq(archive_write_set_format_raw(a), ARCHIVE_OK);
	cr_assert_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
	archive_entry_set_filetype(e, AE_IFREG);
	cr_assert_eq(archive_write_header(a, e), ARCHIVE_OK);
	cr_assert_eq(archive_write_data(a, plain.p, plain.n),
	    (la_ssize_t)plain.n);
	cr_assert_eq(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(e);
	return plain;
}

/* The inflating thread fills its ring and waits until half of it is
 * read; the reader here takes its time with every other block. Every
 * byte still arrives, in order, and nothing hangs (the timeout). */
Test(source, a_slow_reader_of_a_long_gzip_gets_every_byte, .timeout = 60)
{
	char path[] = "/tmp/test_source_big.XXXXXX";
	int fd = mkstemp(path);
	struct bytes want, got = { NULL, 0, 0 };
	FILE *fp = open_memstream(&got.p, &got.n);
	struct source *s;
	const struct timespec pause = { 0, 300 * 1000 };
	const char *buf;
	size_t len, nblocks = 0;
	int r;

	cr_assert(fd >= 0 && fp != NULL);
	close(fd);
	want = write_big_gzip(path, 4u * 1024 * 1024);
	s = must_open(path);
	source_set_inflating(s, SOURCE_APART);
	cr_assert_eq(source_next(s), 1);
	while ((r = source_read(s, &buf, &len)) == 1) {
		fwrite(buf, 1, len, fp);
		if (nblocks++ % 2 == 0)
			nanosleep(&pause, NULL);
	}
	fclose(fp);
	cr_assert_eq(r, 0, "%s", source_error(s));
	cr_assert_gt(nblocks, 32, "too few blocks to fill the ring: %zu",
	    nblocks);
	cr_assert_eq(got.n, want.n);
	cr_assert(memcmp(got.p, want.p, want.n) == 0);
	source_close(s);
	unlink(path);
	free(got.p);
	free(want.p);
}

Test(source, file_mtime_comes_from_stat)
{
	struct source *s = must_open(FIX "sample.log");
	struct stat st;

	cr_assert_eq(stat(FIX "sample.log", &st), 0);
	cr_assert_eq(source_next(s), 1);
	cr_assert_eq(source_mtime(s), st.st_mtime);
	source_close(s);
}

Test(source, close_of_null_does_nothing)
{
	source_close(NULL);
}

/* assert_order - source_order(in) must give want; both n long */
static void
assert_order(const char **in, const char *const *want, size_t n)
{
	size_t i;

	source_order(in, n);
	for (i = 0; i < n; i++)
		cr_assert_str_eq(in[i], want[i], "position %zu", i);
}

Test(source, order_puts_numbered_rotations_oldest_first)
{
	const char *in[] = {
		"mail.log.2.gz", "mail.log.10.gz", "mail.log.1", "mail.log",
	};
	const char *in2[] = {
		"mail.log", "mail.log.1", "mail.log.10.gz", "mail.log.2.gz",
	};
	static const char *const want[] = {
		"mail.log.10.gz", "mail.log.2.gz", "mail.log.1", "mail.log",
	};

	assert_order(in, want, 4);
	assert_order(in2, want, 4);
}

Test(source, order_sorts_dateext_rotations_by_date)
{
	const char *in[] = {
		"/var/log/mail.log", "/var/log/mail.log-20261125",
		"/var/log/mail.log-20261124.gz",
	};
	static const char *const want[] = {
		"/var/log/mail.log-20261124.gz", "/var/log/mail.log-20261125",
		"/var/log/mail.log",
	};

	assert_order(in, want, 3);
}

Test(source, order_keeps_groups_and_unrelated_names_as_given)
{
	const char *in[] = {
		"b.txt", "mail.log", "-", "syslog.1.xz", "a.txt", "mail.log.1",
		"syslog", "syslog.2.zst", "2026-11-26.log",
	};
	static const char *const want[] = {
		"b.txt", "mail.log.1", "mail.log", "-", "syslog.2.zst",
		"syslog.1.xz", "syslog", "a.txt", "2026-11-26.log",
	};

	assert_order(in, want, 9);
}

Test(source, order_tells_directories_apart)
{
	const char *in[] = {
		"a/mail.log", "b/mail.log.1", "a/mail.log.1", "b/mail.log",
	};
	static const char *const want[] = {
		"a/mail.log.1", "a/mail.log", "b/mail.log.1", "b/mail.log",
	};

	assert_order(in, want, 4);
}

Test(source, order_does_not_take_a_bare_number_for_a_rotation)
{
	const char *in[] = { "logs/.3", "logs/.1", "7", "5" };
	static const char *const want[] = { "logs/.3", "logs/.1", "7", "5" };

	assert_order(in, want, 4);
}
