/*
 * cli.h - what every subcommand shares: the options (one table for all, so
 * an option means the same everywhere), finding the installed data, loading
 * the pattern files, scanning the inputs into a summary, and the exit
 * status rules of README.md. Only main.c and cmd_*.c use it; the stages
 * never do.
 */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "diag.h"
#include "patterns.h"
#include "scan.h"

#define BOUNCELOG_VERSION	"0.1.0"
#define CLI_MAX_SETS		64

enum format { FORMAT_TEXT, FORMAT_JSON, FORMAT_CSV, FORMAT_EVENTS };
enum color { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

struct opts {
	enum format	 format;
	int		 has_format;
	enum color	 color;
	const char	*patterns_dir;	/* NULL: find it */
	const char	*templates_dir;	/* NULL: find it */
	const char	*since_text, *until_text;
	time_t		 now;
	struct scan_opts scan;
	unsigned	 jobs;		/* -j, 0: one per processor */
	int		 is_quiet;
	/* report, digest */
	const char	*template_name;	/* -t */
	const char	*output;	/* -o, NULL: stdout */
	const char	*from;		/* --from summary.json */
	const char	*previous;	/* --previous summary.json */
	const char	*config_path;	/* --config, NULL: the default */
	const char	*redact;	/* --redact, NULL: per template */
	const char	*sets[CLI_MAX_SETS];
	size_t		 nsets;
	const char	*to;		/* digest --to */
	int		 is_list;	/* report --list */
	/* check */
	const char	*warn_text, *crit_text;
};

_Noreturn void	usage_error(const char *, ...) PRINTFLIKE(1, 2);
/* cli_set_usage_status - the exit code of usage_error() (64 unless a
 * subcommand's convention says otherwise) */
void		cli_set_usage_status(int);

/* cli_parse - argv -> o (o zeroed first); the index of the first operand.
 * usage is printed for --help. */
int		cli_parse(int argc, char **argv, struct opts *o,
		    const char *usage);

/* cli_data_dir - patterns/ or templates/ of the source tree the binary was
 * built in, else of DATADIR */
const char	*cli_data_dir(char *buf, size_t len, const char *sub);

/* cli_load_rules - the ruleset, or exit 78 when none is usable */
struct ruleset	*cli_load_rules(const struct opts *, unsigned *nerrors);

/*
 * cli_scan - read the operands (stdin when none) through the pipeline;
 * the summary document, and *status set to 0, 65 or 66 by the rules of
 * the exit codes. events: where --format events writes, or NULL.
 */
json_t		*cli_scan(struct opts *, int argc, char **argv, int first,
		    FILE *events, int *status);

/* cli_finish_output - flush and check stdout; 0, or EX_IOERR (reported) */
int		cli_finish_output(void);

/* cli_generated_at - SOURCE_DATE_EPOCH when set (reproducible output),
 * else now */
time_t		cli_generated_at(void);

int	cmd_classify(int, char **);
int	cmd_explain(int, char **);
int	cmd_patterns(int, char **);
int	cmd_report(int, char **);
int	cmd_digest(int, char **);
int	cmd_merge(int, char **);
int	cmd_check(int, char **);

#endif
