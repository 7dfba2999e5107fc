/*
 * rec_table.h - the table-driven harness shared by the record parsers'
 * tests: fixtures/loglines-<mta>.tsv rows (a real line and the record it
 * must give), loaded into Criterion parameters and checked field by field.
 */
#ifndef REC_TABLE_H
#define REC_TABLE_H

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stddef.h>

#include "rec.h"

#define REC_TABLE_REF_TIME	1795669262	/* 2026-11-26T05:01:02Z */

/* One fixture row; strings inline because Criterion copies the struct. */
struct row {
	char	id[16];
	char	kind[24];
	char	status[16];
	char	domain[128];
	char	relay[128];
	char	reply_start[64];
	char	reply_end[64];
	char	command[32];
	char	code[8];
	char	extra[700];
	char	line[1100];
};

/* rec_table_load - a table's rows; shared_mem: in Criterion's shared
 * memory for a parameter array (free with rec_table_free_params) */
struct row	*rec_table_load(const char *path, size_t *nrows, int shared_mem);
void		 rec_table_free_params(struct criterion_test_params *);
/* rec_table_check - parse a row's line and compare every column */
void		 rec_table_check(const struct row *, enum rec_mta);
/* rec_table_parse_text - header and record of a C string line */
int		 rec_table_parse_text(const char *line, enum rec_mta forced,
		    struct rec *r);
/* rec_table_every_prefix - every prefix of every line, exact-size copies,
 * so ASan sees any read past a line's end */
void		 rec_table_every_prefix(const char *path);
/* rec_table_count_corpus - rows whose id starts with 'L' (corpus rows),
 * and in *total all rows */
size_t		 rec_table_count_corpus(const char *path, size_t *total);

#endif
