/*
 * config.c - the site config YAML -> struct site_config (config.h).
 * The file is read whole (capped), its nesting counted over libyaml's
 * events (libyaml 0.2.5 has no depth limit), then loaded as a document and
 * walked. Every value, from the file or from --set, goes through one
 * setter that checks it, so both paths accept the same things.
 * Does not: look anything up on the network or read other files.
 */
#include <sys/stat.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "config.h"
#include "xalloc.h"

enum value_kind { V_TEXT, V_LINES, V_IP, V_HOST, V_EMAIL, V_URL, V_ZONE };

/* One settable scalar: its dotted key, what it must look like, where. */
struct key_def {
	const char	*key;
	enum value_kind	 kind;
	size_t		 offset;	/* of the char * in struct site_config */
};

#define FIELD(f)	offsetof(struct site_config, f)

/* New key: add a row here, a line in etc/bouncelog.yaml and config.h. */
static const struct key_def key_defs[] = {
	{ "company",		V_TEXT,		FIELD(company) },
	{ "support.email",	V_EMAIL,	FIELD(support_email) },
	{ "support.phone",	V_TEXT,		FIELD(support_phone) },
	{ "support.url",	V_URL,		FIELD(support_url) },
	{ "relay.name",		V_HOST,		FIELD(relay.name) },
	{ "relay.ip",		V_IP,		FIELD(relay.ip) },
	{ "display.timezone",	V_ZONE,		FIELD(timezone) },
	{ "signature",		V_LINES,	FIELD(signature) },
	{ "digest.from",	V_EMAIL,	FIELD(digest_from) },
};

/* is_utf8_text - valid UTF-8 without control bytes (newline and tab only
 * when allow_lines); 1 or 0 */
static int
is_utf8_text(const char *s, int allow_lines)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t need;
	unsigned cp;

	while (*p != '\0') {
		if (*p < 0x80) {
			if ((*p < 0x20 || *p == 0x7f) &&
			    !(allow_lines && (*p == '\n' || *p == '\t')))
				return 0;
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			need = 1;
			cp = *p & 0x1f;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			need = 2;
			cp = *p & 0x0f;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			need = 3;
			cp = *p & 0x07;
		} else
			return 0;
		for (p++; need > 0; need--, p++) {
			if ((*p & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (*p & 0x3f);
		}
		/* C1 controls and overlong/surrogate forms are not text */
		if ((cp >= 0x80 && cp < 0xa0) || (cp >= 0xd800 && cp < 0xe000) ||
		    cp > 0x10ffff)
			return 0;
	}
	return 1;
}

/* is_host - a DNS name: letters, digits, '-', '.'; 1 or 0 */
static int
is_host(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n > 253 || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '.'))
			return 0;
	}
	return 1;
}

/* is_email - local@domain with a plain local part (no quoting, no
 * brackets, nothing a header parser could take for structure); 1 or 0 */
static int
is_email(const char *s)
{
	const char *at = strrchr(s, '@');
	const char *p;

	if (at == NULL || at == s || strlen(s) > 254 || !is_host(at + 1))
		return 0;
	for (p = s; p < at; p++) {
		if (*p <= ' ' || *p >= 0x7f || memchr("<>()[]\\,;:\"@", *p,
		    12) != NULL)
			return 0;
	}
	return 1;
}

/* is_url - http(s) URL of printable ASCII without blanks; 1 or 0 */
static int
is_url(const char *s)
{
	const char *p;

	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (*p <= ' ' || *p >= 0x7f || *p == '"' || *p == '<' ||
		    *p == '>')
			return 0;
	}
	return 1;
}

/* is_zone - "UTC" or a zone file under TZDIR (/usr/share/zoneinfo) with a
 * plain relative name, so TZ=name means what the user wrote; 1 or 0 */
static int
is_zone(const char *s)
{
	const char *dir = getenv("TZDIR");
	char path[1024];
	struct stat st;
	const char *p;
	int n;

	if (strcmp(s, "UTC") == 0)
		return 1;
	if (s[0] == '\0' || s[0] == '/' || strstr(s, "..") != NULL)
		return 0;
	for (p = s; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '/' || *p == '_' ||
		    *p == '-' || *p == '+'))
			return 0;
	}
	if (dir == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	n = snprintf(path, sizeof(path), "%s/%s", dir, s);
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* check_value - 0 when value fits kind, else -1 with why in err */
static int
check_value(enum value_kind kind, const char *value, char *err,
    size_t errlen)
{
	static const char *const what[] = {
		[V_TEXT] = "text without control characters",
		[V_LINES] = "text without control characters",
		[V_IP] = "an IPv4 or IPv6 address",
		[V_HOST] = "a host name",
		[V_EMAIL] = "a mail address like name@example.net",
		[V_URL] = "an http:// or https:// URL",
		[V_ZONE] = "UTC or a time zone name like Africa/Johannesburg",
	};
	unsigned char addr[16];
	int ok = 0;

	switch (kind) {
	case V_TEXT:
		ok = is_utf8_text(value, 0);
		break;
	case V_LINES:
		ok = is_utf8_text(value, 1);
		break;
	case V_IP:
		ok = inet_pton(AF_INET, value, addr) == 1 ||
		    inet_pton(AF_INET6, value, addr) == 1;
		break;
	case V_HOST:
		ok = is_host(value);
		break;
	case V_EMAIL:
		ok = is_email(value);
		break;
	case V_URL:
		ok = is_url(value);
		break;
	case V_ZONE:
		ok = is_zone(value);
		break;
	}
	if (!ok)
		snprintf(err, errlen, "expected %s", what[kind]);
	return ok ? 0 : -1;
}

/* set_server - servers.N.name or servers.N.ip; N == nservers appends */
static int
set_server(struct site_config *cfg, const char *rest, const char *value,
    char *err, size_t errlen)
{
	struct site_server *srv;
	unsigned long idx;
	char *end;
	int is_ip;

	idx = strtoul(rest, &end, 10);
	if (end == rest || *end != '.' || idx > cfg->nservers) {
		snprintf(err, errlen, "servers.N: N must be 0..%zu",
		    cfg->nservers);
		return -1;
	}
	if (strcmp(end + 1, "ip") == 0)
		is_ip = 1;
	else if (strcmp(end + 1, "name") == 0)
		is_ip = 0;
	else {
		snprintf(err, errlen, "unknown key 'servers.N.%s' (name, ip)",
		    end + 1);
		return -1;
	}
	if (check_value(is_ip ? V_IP : V_HOST, value, err, errlen) == -1)
		return -1;
	if (idx == cfg->nservers) {
		if (cfg->nservers >= CONFIG_MAX_SERVERS) {
			snprintf(err, errlen, "more than %d servers",
			    CONFIG_MAX_SERVERS);
			return -1;
		}
		cfg->servers = xreallocarray(cfg->servers, cfg->nservers + 1,
		    sizeof(*cfg->servers));
		cfg->servers[cfg->nservers].name = NULL;
		cfg->servers[cfg->nservers].ip = NULL;
		cfg->nservers++;
	}
	srv = &cfg->servers[idx];
	if (is_ip) {
		free(srv->ip);
		srv->ip = xstrdup(value);
	} else {
		free(srv->name);
		srv->name = xstrdup(value);
	}
	return 0;
}

/* add_recipient - append one digest.to address */
static int
add_recipient(struct site_config *cfg, const char *value, char *err,
    size_t errlen)
{
	if (check_value(V_EMAIL, value, err, errlen) == -1)
		return -1;
	if (cfg->ndigest_to >= CONFIG_MAX_RECIPIENTS) {
		snprintf(err, errlen, "more than %d digest recipients",
		    CONFIG_MAX_RECIPIENTS);
		return -1;
	}
	cfg->digest_to = xreallocarray(cfg->digest_to, cfg->ndigest_to + 1,
	    sizeof(*cfg->digest_to));
	cfg->digest_to[cfg->ndigest_to++] = xstrdup(value);
	return 0;
}

/* clear_recipients - forget every digest.to address */
static void
clear_recipients(struct site_config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->ndigest_to; i++)
		free(cfg->digest_to[i]);
	free(cfg->digest_to);
	cfg->digest_to = NULL;
	cfg->ndigest_to = 0;
}

/* set_key - one dotted key to one value (digest.to appends); 0 or -1 */
static int
set_key(struct site_config *cfg, const char *key, const char *value,
    char *err, size_t errlen)
{
	char **slot;
	size_t i;

	if (strncmp(key, "servers.", 8) == 0)
		return set_server(cfg, key + 8, value, err, errlen);
	if (strcmp(key, "digest.to") == 0)
		return add_recipient(cfg, value, err, errlen);
	for (i = 0; i < sizeof(key_defs) / sizeof(key_defs[0]); i++) {
		if (strcmp(key, key_defs[i].key) != 0)
			continue;
		if (check_value(key_defs[i].kind, value, err, errlen) == -1)
			return -1;
		slot = (char **)((char *)cfg + key_defs[i].offset);
		free(*slot);
		*slot = xstrdup(value);
		return 0;
	}
	snprintf(err, errlen, "unknown key '%s'", key);
	return -1;
}

struct site_config *
config_new(void)
{
	return xcalloc(1, sizeof(struct site_config));
}

/* read_capped - the whole file in a NUL-terminated heap buffer; NULL with
 * errno set (EFBIG past the cap) */
static char *
read_capped(const char *path, size_t *len)
{
	FILE *fp;
	char *buf = NULL;
	size_t n;
	int saved;

	fp = fopen(path, "rb");
	if (fp == NULL)
		return NULL;
	buf = xmalloc(CONFIG_MAX_BYTES + 1);
	n = fread(buf, 1, CONFIG_MAX_BYTES + 1, fp);
	saved = ferror(fp) ? EIO : n > CONFIG_MAX_BYTES ? EFBIG : 0;
	fclose(fp);
	if (saved != 0) {
		free(buf);
		errno = saved;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* check_depth - walk the events once: -1 with "file:line: what" when the
 * YAML is malformed or nested deeper than CONFIG_MAX_DEPTH */
static int
check_depth(const char *path, const char *text, size_t len, char *err,
    size_t errlen)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, end = 0, rc = 0;

	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
	    len);
	while (!end) {
		if (!yaml_parser_parse(&parser, &ev)) {
			snprintf(err, errlen, "%s:%lu: %s", path,
			    (unsigned long)parser.problem_mark.line + 1,
			    parser.problem ? parser.problem : "bad YAML");
			rc = -1;
			break;
		}
		if (ev.type == YAML_MAPPING_START_EVENT ||
		    ev.type == YAML_SEQUENCE_START_EVENT)
			depth++;
		else if (ev.type == YAML_MAPPING_END_EVENT ||
		    ev.type == YAML_SEQUENCE_END_EVENT)
			depth--;
		if (depth > CONFIG_MAX_DEPTH) {
			snprintf(err, errlen, "%s:%lu: nested deeper than %d",
			    path, (unsigned long)ev.start_mark.line + 1,
			    CONFIG_MAX_DEPTH);
			rc = -1;
		}
		end = ev.type == YAML_STREAM_END_EVENT || rc == -1;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

/* A walk over the loaded document, for messages that name file:line. */
struct walk {
	yaml_document_t		*doc;
	struct site_config	*cfg;
	const char		*path;
	char			*err;
	size_t			 errlen;
};

/* walk_fail - "file:line: what" for node n; returns -1 */
static int
walk_fail(struct walk *w, const yaml_node_t *n, const char *what)
{
	snprintf(w->err, w->errlen, "%s:%lu: %s", w->path,
	    (unsigned long)n->start_mark.line + 1, what);
	return -1;
}

/* walk_scalar - the scalar's text, or NULL (not a scalar) */
static const char *
walk_scalar(const yaml_node_t *n)
{
	return n != NULL && n->type == YAML_SCALAR_NODE ?
	    (const char *)n->data.scalar.value : NULL;
}

/* walk_set - set key from a scalar node; 0 or -1 (reported in err) */
static int
walk_set(struct walk *w, const char *key, const yaml_node_t *n)
{
	char why[160], what[256];
	const char *value = walk_scalar(n);

	if (value == NULL) {
		snprintf(what, sizeof(what), "'%s' must be a single value", key);
		return walk_fail(w, n, what);
	}
	if (n->data.scalar.length != strlen(value))
		return walk_fail(w, n, "NUL byte in value");
	if (set_key(w->cfg, key, value, why, sizeof(why)) == -1) {
		snprintf(what, sizeof(what), "%s: %s", key, why);
		return walk_fail(w, n, what);
	}
	return 0;
}

/* walk_map - each key of mapping n under prefix ("" at the top) */
static int walk_map(struct walk *, const yaml_node_t *, const char *);

/* walk_servers - servers: a list of {name, ip} mappings */
static int
walk_servers(struct walk *w, const yaml_node_t *n)
{
	yaml_node_item_t *it;
	char prefix[32];
	size_t i = 0;

	if (n->type != YAML_SEQUENCE_NODE)
		return walk_fail(w, n, "servers: expected a list of {name, ip}");
	for (it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++, i++) {
		const yaml_node_t *item = yaml_document_get_node(w->doc, *it);

		if (item->type != YAML_MAPPING_NODE)
			return walk_fail(w, item,
			    "servers: each entry is {name, ip}");
		if (i >= CONFIG_MAX_SERVERS)
			return walk_fail(w, item, "too many servers");
		snprintf(prefix, sizeof(prefix), "servers.%zu", i);
		if (walk_map(w, item, prefix) == -1)
			return -1;
	}
	return 0;
}

/* walk_recipients - digest.to: one address or a list of them */
static int
walk_recipients(struct walk *w, const yaml_node_t *n)
{
	yaml_node_item_t *it;

	clear_recipients(w->cfg);
	if (n->type == YAML_SCALAR_NODE)
		return walk_set(w, "digest.to", n);
	if (n->type != YAML_SEQUENCE_NODE)
		return walk_fail(w, n, "digest.to: expected addresses");
	for (it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; it++) {
		if (walk_set(w, "digest.to",
		    yaml_document_get_node(w->doc, *it)) == -1)
			return -1;
	}
	return 0;
}

static int
walk_map(struct walk *w, const yaml_node_t *n, const char *prefix)
{
	yaml_node_pair_t *pair;
	char key[128], what[200];
	const char *name;

	if (n->type != YAML_MAPPING_NODE)
		return walk_fail(w, n, *prefix ? "expected a mapping" :
		    "the config must be a mapping of keys");
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top; pair++) {
		const yaml_node_t *k = yaml_document_get_node(w->doc, pair->key);
		const yaml_node_t *v = yaml_document_get_node(w->doc,
		    pair->value);
		int r;

		name = walk_scalar(k);
		if (name == NULL)
			return walk_fail(w, k, "keys must be plain words");
		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "",
		    name);
		if (strcmp(key, "servers") == 0)
			r = walk_servers(w, v);
		else if (strcmp(key, "digest.to") == 0)
			r = walk_recipients(w, v);
		else if (strcmp(key, "support") == 0 ||
		    strcmp(key, "relay") == 0 || strcmp(key, "display") == 0 ||
		    strcmp(key, "digest") == 0)
			r = walk_map(w, v, key);
		else if (v->type == YAML_SCALAR_NODE && v->data.scalar.length ==
		    0 && v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
			r = 0;	/* "key:" with nothing: left unknown */
		else {
			r = walk_set(w, key, v);
			if (r == -1 && strstr(w->err, "unknown key") != NULL) {
				snprintf(what, sizeof(what), "unknown key '%s'",
				    key);
				return walk_fail(w, k, what);
			}
		}
		if (r == -1)
			return -1;
	}
	return 0;
}

/* load_text - parse text into cfg; 0 or -1 with err */
static int
load_text(struct site_config *cfg, const char *path, const char *text,
    size_t len, char *err, size_t errlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	struct walk w = { &doc, cfg, path, err, errlen };
	int rc = -1;

	if (check_depth(path, text, len, err, errlen) == -1)
		return -1;
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text,
	    len);
	if (!yaml_parser_load(&parser, &doc)) {
		snprintf(err, errlen, "%s:%lu: %s", path,
		    (unsigned long)parser.problem_mark.line + 1,
		    parser.problem ? parser.problem : "bad YAML");
		goto out_parser;
	}
	root = yaml_document_get_root_node(&doc);
	if (root == NULL)
		rc = 0;		/* an empty file: every fact unknown */
	else
		rc = walk_map(&w, root, "");
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	return rc;
}

struct site_config *
config_load(const char *path, int is_explicit, char *err, size_t errlen)
{
	struct site_config *cfg;
	char *text;
	size_t len = 0;

	if (errlen > 0)
		err[0] = '\0';
	if (path == NULL)
		path = CONFIG_DEFAULT_PATH;
	cfg = config_new();
	text = read_capped(path, &len);
	if (text == NULL) {
		if (errno == ENOENT && !is_explicit)
			return cfg;
		snprintf(err, errlen, "%s: %s", path, errno == EFBIG ?
		    "larger than 256 KiB; not a config file" : strerror(errno));
		config_free(cfg);
		return NULL;
	}
	if (load_text(cfg, path, text, len, err, errlen) == -1) {
		config_free(cfg);
		cfg = NULL;
	} else
		cfg->path = xstrdup(path);
	free(text);
	return cfg;
}

int
config_set(struct site_config *cfg, const char *key_eq_value, char *err,
    size_t errlen)
{
	const char *eq = strchr(key_eq_value, '=');
	char key[128], why[160];
	char *list, *addr, *next;
	int rc = 0;

	if (eq == NULL || eq == key_eq_value ||
	    (size_t)(eq - key_eq_value) >= sizeof(key)) {
		snprintf(err, errlen, "--set: expected key=value, not '%.60s'",
		    key_eq_value);
		return -1;
	}
	memcpy(key, key_eq_value, (size_t)(eq - key_eq_value));
	key[eq - key_eq_value] = '\0';
	if (strcmp(key, "digest.to") != 0) {
		if (set_key(cfg, key, eq + 1, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "--set %s: %s", key, why);
			return -1;
		}
		return 0;
	}
	clear_recipients(cfg);
	list = xstrdup(eq + 1);
	for (addr = list; addr != NULL && rc == 0; addr = next) {
		next = strchr(addr, ',');
		if (next != NULL)
			*next++ = '\0';
		if (*addr == '\0')
			continue;
		rc = add_recipient(cfg, addr, why, sizeof(why));
		if (rc == -1)
			snprintf(err, errlen, "--set digest.to: %s", why);
	}
	free(list);
	return rc;
}

int
config_is_our_ip(const struct site_config *cfg, const char *ip)
{
	size_t i;

	if (cfg == NULL || ip == NULL)
		return 0;
	for (i = 0; i < cfg->nservers; i++) {
		if (cfg->servers[i].ip != NULL &&
		    strcmp(cfg->servers[i].ip, ip) == 0)
			return 1;
	}
	return cfg->relay.ip != NULL && strcmp(cfg->relay.ip, ip) == 0;
}

void
config_free(struct site_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; i < sizeof(key_defs) / sizeof(key_defs[0]); i++)
		free(*(char **)((char *)cfg + key_defs[i].offset));
	for (i = 0; i < cfg->nservers; i++) {
		free(cfg->servers[i].name);
		free(cfg->servers[i].ip);
	}
	free(cfg->servers);
	clear_recipients(cfg);
	free(cfg->path);
	free(cfg);
}
