/*
 * patterns_int.h - internal to the patterns module: only patterns.c,
 * patterns_yaml.c and patterns_schema.c include it; other modules use
 * patterns.h.
 *
 * The loader is cut in three: patterns_yaml.c reads one file into a tree
 * of nodes, patterns_schema.c checks that tree and compiles its rules into
 * the ruleset, patterns.c loads the directory, checks across files and
 * answers the accessors. This header holds what they share: the node
 * tree, a rule, the ruleset, the file being loaded, and the functions one
 * of them calls in another.
 */
#ifndef PATTERNS_INT_H
#define PATTERNS_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8

#include <stddef.h>

#include <pcre2.h>

#include "diag.h"
#include "patterns.h"

enum node_type { NODE_SCALAR, NODE_SEQ, NODE_MAP };

/* One YAML node; a map's kids alternate key, value. */
struct node {
	enum node_type	 type;
	unsigned long	 line;		/* 1-based */
	unsigned long	 col;		/* 1-based */
	char		*value;		/* scalars */
	struct node	**kids;
	size_t		 nkids;
};

struct rule {
	pcre2_code	*code;
	const struct list_info *list;
	const struct list_info *maps_to;
	char		*maps_to_id;
	enum pat_class	 cls;
	int		 has_class;
	int		 priority;
	size_t		 file_index;
	size_t		 order;
	unsigned long	 line;
	char		**prefilters;	/* lower case */
	size_t		*prefilter_lens;
	size_t		 nprefilters;
};

struct ruleset {
	struct list_info	**lists;
	size_t			 nlists;
	char			**maps_to_ids;	/* file-level maps_to */
	unsigned long		*maps_to_lines;
	struct rule		**rules;
	size_t			 nrules;
	struct pat_example	*examples;
	size_t			 nexamples;
};

/* One file being checked: where we are and how many problems so far. */
struct loadctx {
	struct ruleset	*rs;
	const char	*path;
	unsigned	 nerrors;	/* schema problems: skip the file */
	unsigned	 nrule_errors;	/* rules skipped */
};

/*
 * patterns_yaml.c: patterns_lerr() reports a problem of the file being loaded and
 * counts it; patterns_read_capped() and patterns_parse_tree() turn the file into a node tree
 * (NULL or -1 once reported), which patterns_node_free() frees.
 */
void		 patterns_lerr(struct loadctx *, unsigned long line, const char *fmt,
		    ...) PRINTFLIKE(3, 4);
int		 patterns_read_capped(struct loadctx *, char **buf, size_t *len);
struct node	*patterns_parse_tree(struct loadctx *, const char *buf, size_t len);
void		 patterns_node_free(struct node *);

/*
 * patterns_schema.c: patterns_load_file() checks one file and adds what it holds to
 * the ruleset; the others free what the ruleset owns.
 */
unsigned	 patterns_load_file(struct ruleset *, const char *path);
void		 patterns_rule_free(struct rule *);
void		 patterns_example_fini(struct pat_example *);
void		 patterns_list_free(struct list_info *);

#endif
