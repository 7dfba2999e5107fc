/*
 * fuzz_mustache.c - libFuzzer target for mustache.c: the input is a
 * template. It is parsed with mustache_parse() and, when it parses, rendered
 * into /dev/null against a fixed context shaped like a summary document,
 * in the escape mode picked by the input's length. Partials: "self" is the
 * input itself (recursion must stop at the depth limits), "item" a fixed
 * template; any other name is missing. The input is also written through
 * both escape writers, as log text is.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mustache.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char context_json[] =
    "{\"schema\":\"bouncelog/1\",\"generated_at\":\"2026-11-26T12:00:00Z\","
    "\"input\":{\"files\":[\"mail.log\",\"mail.log.1.gz\"],\"lines\":69,"
    "\"bytes\":12345,\"unparsed_lines\":0,\"first_time\":null},"
    "\"totals\":{\"blocklist_rejections\":10,\"bounced\":6,\"deferred\":4,"
    "\"ratio\":0.25,\"ok\":true,\"bad\":false,\"zero\":0,\"empty\":\"\"},"
    "\"blocklists\":[{\"id\":\"spamcop\",\"name\":\"SpamCop <SCBL> & co\","
    "\"rejections\":3,\"listed_ips\":[\"192.0.2.1\",\"192.0.2.2\"],"
    "\"domains\":[{\"domain\":\"example.com\",\"rejections\":2}],"
    "\"example\":\"550 \\u001b[31mred\\u001b[0m \\u202e bidi\\r\\n\"},"
    "{\"id\":\"gbudb-truncate\",\"name\":\"GBUdb\",\"rejections\":1,"
    "\"listed_ips\":[],\"domains\":[],\"example\":null}],"
    "\"senders\":[],\"nested\":{\"a\":{\"b\":{\"c\":\"deep\"}}},"
    "\"list\":[1,2.5,\"three\",null,true,{\"x\":\"y\"},[\"z\"]]}";

static const char item_partial[] =
    "{{#blocklists}}- {{name}} ({{rejections}}){{> item}}\n{{/blocklists}}";

/* The context (built once) and the current input, for the partials. */
static json_t		*context;
static const char	*cur_text;
static size_t		 cur_len;

static const char *
get_partial(void *ctx, const char *name, size_t *len)
{
	(void)ctx;
	if (strcmp(name, "self") == 0) {
		*len = cur_len;
		return cur_text;
	}
	if (strcmp(name, "item") == 0) {
		*len = sizeof(item_partial) - 1;
		return item_partial;
	}
	return NULL;
}

/* The sink for every render: nothing is compared, only run. */
static FILE	*devnull;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	json_error_t jerr;

	(void)argc;
	(void)argv;
	context = json_loads(context_json, 0, &jerr);
	devnull = fopen("/dev/null", "w");
	if (context == NULL || devnull == NULL) {
		fprintf(stderr, "fuzz_mustache: setup failed: %s\n", jerr.text);
		exit(1);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum mustache_escape modes[] = {
		MUSTACHE_ESC_HTML, MUSTACHE_ESC_TEXT, MUSTACHE_ESC_MARKDOWN,
	};
	struct mustache_partials partials = { get_partial, NULL };
	struct mustache_tmpl *t;
	enum mustache_escape mode = modes[size % 3];
	char *copy = malloc(size + 1);
	char err[256];

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	cur_text = copy;
	cur_len = size;
	t = mustache_parse("fuzz.mustache", copy, size, err, sizeof(err));
	if (t != NULL) {
		mustache_tmpl_render(t, devnull, context, mode, &partials, err,
		    sizeof(err));
		mustache_tmpl_free(t);
	} else if (memchr(err, '\0', sizeof(err)) == NULL) {
		fprintf(stderr, "fuzz_mustache: error not NUL-terminated\n");
		abort();
	}
	mustache_write_escaped(devnull, mode, copy, size);
	mustache_write_raw(devnull, mode, copy, size);
	free(copy);
	return 0;
}
