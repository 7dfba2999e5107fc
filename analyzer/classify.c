/*
 * classify.c - stage 6: a reply text -> a hit (see classify.h).
 *
 * Rules come from patterns.c already in precedence order. For each reply
 * the text is lower-cased once into a scratch buffer, so that a rule's
 * prefilter literals are plain memmem() calls; only rules whose prefilter
 * passes run their regex. The first rule that matches decides.
 *
 * Speed: most literals do not occur in a given reply, and memmem() on a
 * short text costs more than the answer is worth. So the classifier first
 * notes which byte triples the reply has, hashed into a 64 Kibit bitmap,
 * and calls memmem() only for a literal all of whose triples are there.
 * Each literal's rarest triple is its key: noting the reply's triples
 * marks the rules whose keys occur, and only those rules (and the ones a
 * key cannot tell: no literal, or one under three bytes) are looked at,
 * where a walk of every rule's literals cost more than the regex run.
 *
 * The classifier owns everything that changes while matching (one
 * match_data per rule, the match context with its limits, the scratch
 * buffer and the warned-once flags), so the ruleset stays read-only and
 * could be shared by several classifiers.
 */
#define _GNU_SOURCE	/* memmem */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "classify.h"
#include "diag.h"
#include "hset.h"
#include "xalloc.h"

/*
 * Effort limits for one match: far above what a sane rule needs on an
 * 8 KiB reply, low enough that a catastrophic regex costs milliseconds.
 */
#define CLASSIFY_MATCH_LIMIT	200000
#define CLASSIFY_HEAP_LIMIT_KIB	1024

/*
 * A direct-mapped cache of recent replies: during an outbreak the same
 * reply text comes back thousands of times, so most replies are
 * classified by one hash and one memcmp instead of the rule walk. Spans
 * are kept as offsets, valid for any identical text.
 */
#define CACHE_SLOTS	1024
#define CACHE_TEXT_MAX	512

struct cache_slot {
	uint64_t	 hash;
	size_t		 len;		/* 0: empty */
	char		*text;		/* CACHE_TEXT_MAX bytes */
	struct hit	 hit;		/* spans as offsets from 0 */
};

/* A literal's key triple and its rule, kept sorted by triple. */
struct key {
	uint16_t	 gram;
	size_t		 rule;
};

/* A prefilter literal, with its byte triples hashed once (gram()). */
struct literal {
	const char	*text;		/* lower case */
	size_t		 n;
	size_t		 first_gram, ngrams;	/* in lit_grams */
};

struct classifier {
	const struct ruleset	*rs;
	struct cache_slot	*cache;
	struct cache_slot	*last;		/* used last, or NULL */
	pcre2_match_context	*mctx;
	pcre2_match_data	**md;		/* one per rule */
	uint32_t		*grp_ip;	/* group numbers, 0: none */
	uint32_t		*grp_zone;
	uint32_t		*grp_url;
	unsigned char		*warned;	/* per rule: limit warned */
	size_t			 nrules;
	size_t			*first_lit;	/* per rule, and one past the
						   last: its literals in lits */
	struct literal		*lits;
	uint16_t		*lit_grams;	/* every literal's triples */
	struct key		*keys;		/* one a literal of three bytes
						   or more, by gram */
	size_t			 nkeys;
	unsigned char		*rule_always;	/* per rule: no key tells */
	unsigned char		*rule_keyed;	/* per rule: a key of it is in
						   the reply (note_grams) */
	char			*lower;		/* scratch: reply, lower case */
	size_t			 lower_cap;
	unsigned char		 grams[65536 / 8];	/* triples in lower */
	unsigned char		 key_grams[65536 / 8];	/* keys' triples */
};

/* gram - a 16-bit hash of the three bytes at p */
static unsigned
gram(const unsigned char *p)
{
	return ((unsigned)p[0] * 1031u + (unsigned)p[1] * 37u + p[2]) & 0xffff;
}

/*
 * index_literals - every rule's prefilter literals with their triples, so
 * that a reply not cached is checked against them without a call or a
 * hash a literal (a reply of its own, such as one naming its recipient,
 * meets most rules' prefilters)
 */
static void
index_literals(struct classifier *cl)
{
	const struct rule *r;
	size_t i, j, k, nlit = 0, ngrams = 0, at = 0, g = 0, n;
	const char *text;

	for (i = 0; i < cl->nrules; i++) {
		r = patterns_rule_at(cl->rs, i);
		for (k = 0; k < patterns_rule_nprefilters(r); k++) {
			patterns_rule_prefilter(r, k, &n);
			ngrams += n > 2 ? n - 2 : 0;
			nlit++;
		}
	}
	cl->first_lit = xcalloc(cl->nrules + 1, sizeof(*cl->first_lit));
	cl->lits = xcalloc(nlit + 1, sizeof(*cl->lits));
	cl->lit_grams = xcalloc(ngrams + 1, sizeof(*cl->lit_grams));
	for (i = 0; i < cl->nrules; i++) {
		r = patterns_rule_at(cl->rs, i);
		cl->first_lit[i] = at;
		for (k = 0; k < patterns_rule_nprefilters(r); k++, at++) {
			text = patterns_rule_prefilter(r, k, &n);
			cl->lits[at] = (struct literal){ text, n, g,
			    n > 2 ? n - 2 : 0 };
			for (j = 0; j < cl->lits[at].ngrams; j++)
				cl->lit_grams[g++] = (uint16_t)gram(
				    (const unsigned char *)text + j);
		}
	}
	cl->first_lit[cl->nrules] = at;
}

/* by_gram - qsort order of keys */
static int
by_gram(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	if (x->gram != y->gram)
		return x->gram < y->gram ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/*
 * index_keys - each literal's key, the triple fewest literals share, so
 * that a reply's common triples mark few rules; rules with no literal or
 * with one of under three bytes are looked at for every reply
 */
static void
index_keys(struct classifier *cl)
{
	uint16_t *uses = xcalloc(65536, sizeof(*uses));
	const struct literal *lit;
	size_t i, k, j, nlits = cl->first_lit[cl->nrules];
	uint16_t g, best;

	for (k = 0; k < nlits; k++)
		for (j = 0; j < cl->lits[k].ngrams; j++) {
			g = cl->lit_grams[cl->lits[k].first_gram + j];
			if (uses[g] < UINT16_MAX)
				uses[g]++;
		}
	cl->keys = xcalloc(nlits + 1, sizeof(*cl->keys));
	cl->rule_always = xcalloc(cl->nrules + 1, 1);
	cl->rule_keyed = xcalloc(cl->nrules + 1, 1);
	for (i = 0; i < cl->nrules; i++) {
		if (cl->first_lit[i] == cl->first_lit[i + 1])
			cl->rule_always[i] = 1;
		for (k = cl->first_lit[i]; k < cl->first_lit[i + 1]; k++) {
			lit = &cl->lits[k];
			if (lit->ngrams == 0) {
				cl->rule_always[i] = 1;
				continue;
			}
			best = cl->lit_grams[lit->first_gram];
			for (j = 1; j < lit->ngrams; j++) {
				g = cl->lit_grams[lit->first_gram + j];
				if (uses[g] < uses[best])
					best = g;
			}
			cl->keys[cl->nkeys].gram = best;
			cl->keys[cl->nkeys++].rule = i;
			cl->key_grams[best >> 3] |= (unsigned char)(1u <<
			    (best & 7));
		}
	}
	qsort(cl->keys, cl->nkeys, sizeof(*cl->keys), by_gram);
	free(uses);
}

/* group_number - the number of a named group, 0 when the regex has none */
static uint32_t
group_number(const pcre2_code *code, const char *name)
{
	int n = pcre2_substring_number_from_name(code, (PCRE2_SPTR)name);

	return n > 0 ? (uint32_t)n : 0;
}

struct classifier *
classify_new(const struct ruleset *rs)
{
	struct classifier *cl = xcalloc(1, sizeof(*cl));
	const pcre2_code *code;
	size_t i, n = patterns_nrules(rs);

	cl->rs = rs;
	cl->nrules = n;
	cl->cache = xcalloc(CACHE_SLOTS, sizeof(*cl->cache));
	cl->mctx = pcre2_match_context_create(NULL);
	if (cl->mctx == NULL)
		diag_fatal(EX_OSERR, "out of memory");
	pcre2_set_match_limit(cl->mctx, CLASSIFY_MATCH_LIMIT);
	pcre2_set_heap_limit(cl->mctx, CLASSIFY_HEAP_LIMIT_KIB);
	cl->md = xcalloc(n, sizeof(*cl->md));
	cl->grp_ip = xcalloc(n, sizeof(*cl->grp_ip));
	cl->grp_zone = xcalloc(n, sizeof(*cl->grp_zone));
	cl->grp_url = xcalloc(n, sizeof(*cl->grp_url));
	cl->warned = xcalloc(n, 1);
	for (i = 0; i < n; i++) {
		code = patterns_rule_code(patterns_rule_at(rs, i));
		cl->md[i] = pcre2_match_data_create_from_pattern(code, NULL);
		if (cl->md[i] == NULL)
			diag_fatal(EX_OSERR, "out of memory");
		cl->grp_ip[i] = group_number(code, "ip");
		cl->grp_zone[i] = group_number(code, "zone");
		cl->grp_url[i] = group_number(code, "url");
	}
	index_literals(cl);
	index_keys(cl);
	cl->lower_cap = 1024;
	cl->lower = xmalloc(cl->lower_cap);
	return cl;
}

void
classify_free(struct classifier *cl)
{
	size_t i;

	if (cl == NULL)
		return;
	for (i = 0; i < CACHE_SLOTS; i++)
		free(cl->cache[i].text);
	free(cl->cache);
	for (i = 0; i < cl->nrules; i++)
		pcre2_match_data_free(cl->md[i]);
	free(cl->md);
	free(cl->grp_ip);
	free(cl->grp_zone);
	free(cl->grp_url);
	free(cl->warned);
	free(cl->first_lit);
	free(cl->lits);
	free(cl->lit_grams);
	free(cl->keys);
	free(cl->rule_always);
	free(cl->rule_keyed);
	pcre2_match_context_free(cl->mctx);
	free(cl->lower);
	free(cl);
}

/* lower_text - the reply in lower case (ASCII) in the scratch buffer */
static void
lower_text(struct classifier *cl, const char *text, size_t len)
{
	unsigned char c;
	size_t i;

	if (len > cl->lower_cap) {
		cl->lower_cap = len;
		cl->lower = xrealloc(cl->lower, cl->lower_cap);
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)text[i];
		cl->lower[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
}

/* mark_keyed - the rules with a literal whose key is g */
static void
mark_keyed(struct classifier *cl, unsigned g)
{
	size_t lo = 0, hi = cl->nkeys, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cl->keys[mid].gram < g)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < cl->nkeys && cl->keys[lo].gram == g; lo++)
		cl->rule_keyed[cl->keys[lo].rule] = 1;
}

/* note_grams - the byte triples of the lower-cased reply, as hashed bits,
 * and the rules whose keys are among them */
static void
note_grams(struct classifier *cl, size_t len)
{
	const unsigned char *p = (const unsigned char *)cl->lower;
	unsigned g, bit;
	size_t i;

	memset(cl->grams, 0, sizeof(cl->grams));
	memset(cl->rule_keyed, 0, cl->nrules);
	for (i = 0; i + 2 < len; i++) {
		g = gram(p + i);
		bit = 1u << (g & 7);
		if ((cl->key_grams[g >> 3] & bit) &&
		    !(cl->grams[g >> 3] & bit))
			mark_keyed(cl, g);
		cl->grams[g >> 3] |= (unsigned char)bit;
	}
}

/* literal_occurs - 1 when the literal occurs in the lower-case reply */
static int
literal_occurs(const struct classifier *cl, size_t len,
    const struct literal *lit)
{
	const uint16_t *g = cl->lit_grams + lit->first_gram;
	size_t i;

	if (lit->n > len)
		return 0;
	for (i = 0; i < lit->ngrams; i++) {
		if (!(cl->grams[g[i] >> 3] & (1u << (g[i] & 7))))
			return 0;
	}
	return memmem(cl->lower, len, lit->text, lit->n) != NULL;
}

/* may_match - 0 when none of rule i's prefilter literals occurs */
static int
may_match(const struct classifier *cl, size_t i, size_t len)
{
	size_t k;

	if (cl->first_lit[i] == cl->first_lit[i + 1])
		return 1;
	if (!cl->rule_always[i] && !cl->rule_keyed[i])
		return 0;
	for (k = cl->first_lit[i]; k < cl->first_lit[i + 1]; k++) {
		if (literal_occurs(cl, len, &cl->lits[k]))
			return 1;
	}
	return 0;
}

/* group_span - the text a capture group matched, or an empty span */
static struct span
group_span(pcre2_match_data *md, uint32_t group, int rc, const char *text)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);

	if (group == 0 || (int)group >= rc || ov[2 * group] == PCRE2_UNSET)
		return SPAN_NULL;
	return (struct span){ text + ov[2 * group],
	    ov[2 * group + 1] - ov[2 * group] };
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* quad_len - length of a dotted quad of 1-3 digit parts at p, or 0 */
static size_t
quad_len(const char *p, size_t n)
{
	size_t i = 0, digits;
	int part;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= n || p[i] != '.')
				return 0;
			i++;
		}
		for (digits = 0; i < n && is_digit(p[i]); i++)
			digits++;
		if (digits == 0 || digits > 3)
			return 0;
	}
	/* "1.2.3.4.5" or "1.2.3.4567" is a version or an id, not an address */
	if (i < n && (is_digit(p[i]) || (p[i] == '.' && i + 1 < n &&
	    is_digit(p[i + 1]))))
		return 0;
	return i;
}

/*
 * first_ipv4 - the first IPv4 address of text that could be the listed
 * sender: not part of a longer number, and not a 127/8 DNSBL return code
 * ("zen.spamhaus.org=127.0.0.2").
 */
static struct span
first_ipv4(const char *text, size_t len)
{
	size_t i, n;
	char prev;

	for (i = 0; i < len; i++) {
		if (!is_digit(text[i]))
			continue;
		prev = i > 0 ? text[i - 1] : ' ';
		if (is_digit(prev) || prev == '.')
			continue;
		n = quad_len(text + i, len - i);
		if (n == 0)
			continue;
		if (n > 4 && memcmp(text + i, "127.", 4) == 0) {
			i += n;
			continue;
		}
		return (struct span){ text + i, n };
	}
	return SPAN_NULL;
}

/* url_trim - a URL without the punctuation that ends the sentence around it */
static struct span
url_trim(struct span u)
{
	while (u.n > 0 && memchr(".,:;)]>'\"", u.p[u.n - 1], 9) != NULL)
		u.n--;
	return u;
}

/* first_url - the first http:// or https:// URL of text, or an empty span */
static struct span
first_url(const char *text, size_t len)
{
	struct span s = { text, len }, u;
	long at;
	size_t n;

	at = span_find(s, "http", 4);
	while (at >= 0) {
		u.p = text + at;
		u.n = len - (size_t)at;
		if (span_has_prefix(u, "http://") ||
		    span_has_prefix(u, "https://")) {
			for (n = 0; n < u.n && memchr(" \t\"<", u.p[n], 4) ==
			    NULL; n++)
				;
			u.n = n;
			return url_trim(u);
		}
		s.p = text + at + 4;
		s.n = len - (size_t)at - 4;
		at = span_find(s, "http", 4);
		if (at >= 0)
			at += s.p - text;
	}
	return SPAN_NULL;
}

/* fill_hit - the hit of rule i, which matched with rc */
static void
fill_hit(struct classifier *cl, size_t i, int rc, const char *text,
    size_t len, struct hit *h)
{
	const struct rule *r = patterns_rule_at(cl->rs, i);
	const struct list_info *file = patterns_rule_list(r);
	const struct list_info *under = patterns_rule_maps_to(r);
	const struct list_info *zl;

	h->cls = patterns_rule_class(r);
	h->rule_file = file->file;
	h->rule_line = patterns_rule_line(r);
	h->ip = group_span(cl->md[i], cl->grp_ip[i], rc, text);
	h->zone = group_span(cl->md[i], cl->grp_zone[i], rc, text);
	h->url = group_span(cl->md[i], cl->grp_url[i], rc, text);
	if (under != NULL) {
		h->list = under;
		h->via = file;
	} else if (file->kind != KIND_CLASSIFIER &&
	    file->kind != KIND_GENERIC) {
		h->list = file;
	}
	if (file->kind == KIND_GENERIC && h->cls == CLASS_BLOCKLIST &&
	    h->zone.n > 0) {
		zl = patterns_find_zone(cl->rs, h->zone.p, h->zone.n);
		if (zl != NULL) {
			h->list = zl;
			h->cls = zl->kind == KIND_DOMAIN_LIST ? CLASS_CONTENT :
			    CLASS_BLOCKLIST;
		}
	}
	h->url = url_trim(h->url);
	/* Rules recognise a reply; where a shape puts the IP or the URL
	 * elsewhere, the reply's first one is the listed IP / lookup link. */
	if (h->cls == CLASS_BLOCKLIST && h->ip.n == 0)
		h->ip = first_ipv4(text, len);
	if (h->cls == CLASS_BLOCKLIST && h->url.n == 0)
		h->url = first_url(text, len);
}

/* warn_limit - say once per rule that it gave up on a reply */
static void
warn_limit(struct classifier *cl, size_t i, int rc)
{
	const struct rule *r = patterns_rule_at(cl->rs, i);
	struct where w = { patterns_rule_list(r)->file, patterns_rule_line(r) };
	PCRE2_UCHAR msg[256];

	if (cl->warned[i])
		return;
	cl->warned[i] = 1;
	pcre2_get_error_message(rc, msg, sizeof(msg));
	diag_warn(&w, "rule gave up on a reply (%s); counted as no match",
	    (const char *)msg);
}

/* hit_rebase - the hit's spans moved from one copy of a text to another */
static void
hit_rebase(struct hit *h, const char *from, size_t len, const char *to)
{
	span_rebase(&h->ip, from, len, to);
	span_rebase(&h->zone, from, len, to);
	span_rebase(&h->url, from, len, to);
}

static enum pat_class	classify_uncached(struct classifier *,
			    const char *, size_t, struct hit *);

/* cache_hit - the hit a slot keeps, with spans into text; its class */
static enum pat_class
cache_hit(const struct cache_slot *slot, const char *text, size_t len,
    struct hit *h)
{
	*h = slot->hit;
	hit_rebase(h, slot->text, len, text);
	return h->cls;
}

enum pat_class
classify_text(struct classifier *cl, const char *text, size_t len,
    struct hit *h)
{
	uint64_t hash;
	struct cache_slot *slot;

	if (len == 0 || len > CACHE_TEXT_MAX)
		return classify_uncached(cl, text, len, h);
	/* a flood repeats one reply: the last text again needs no hash */
	slot = cl->last;
	if (slot != NULL && slot->len == len &&
	    memcmp(slot->text, text, len) == 0)
		return cache_hit(slot, text, len, h);
	hash = hset_hash(text, len);	/* a collision fails memcmp */
	slot = &cl->cache[hash & (CACHE_SLOTS - 1)];
	cl->last = slot;
	if (slot->len == len && slot->hash == hash &&
	    memcmp(slot->text, text, len) == 0)
		return cache_hit(slot, text, len, h);
	classify_uncached(cl, text, len, h);
	if (slot->text == NULL)
		slot->text = xmalloc(CACHE_TEXT_MAX);
	memcpy(slot->text, text, len);
	slot->len = len;
	slot->hash = hash;
	slot->hit = *h;
	hit_rebase(&slot->hit, text, len, slot->text);
	return h->cls;
}

/* classify_uncached - walk the rules in precedence order */
static enum pat_class
classify_uncached(struct classifier *cl, const char *text, size_t len,
    struct hit *h)
{
	const struct rule *r;
	size_t i;
	int rc;

	memset(h, 0, sizeof(*h));
	h->cls = CLASS_OTHER;
	lower_text(cl, text, len);
	note_grams(cl, len);
	for (i = 0; i < cl->nrules; i++) {
		if (!may_match(cl, i, len))
			continue;
		r = patterns_rule_at(cl->rs, i);
		rc = pcre2_match(patterns_rule_code(r), (PCRE2_SPTR)text, len,
		    0, 0, cl->md[i], cl->mctx);
		if (rc == PCRE2_ERROR_NOMATCH)
			continue;
		if (rc < 0) {
			/* match/heap/depth limit, JIT stack: no match */
			warn_limit(cl, i, rc);
			continue;
		}
		/* rc 0: ovector too small, cannot happen with from_pattern */
		fill_hit(cl, i, rc == 0 ? 1 : rc, text, len, h);
		break;
	}
	return h->cls;
}

/* check_one - 0 when the example is classified as its file says */
static int
check_one(struct classifier *cl, const struct pat_example *ex)
{
	struct where w = { ex->list->file, ex->line };
	struct hit h;
	char got[128];

	classify_text(cl, ex->text, strlen(ex->text), &h);
	if (h.rule_line == 0) {
		diag_error(&w, "example matched by no rule");
		return -1;
	}
	if (strcmp(h.rule_file, ex->list->file) != 0) {
		diag_error(&w, "example matched first by %s:%lu, not by "
		    "this file's rules", h.rule_file, h.rule_line);
		return -1;
	}
	if (ex->ip != NULL && !span_eq_str(h.ip, ex->ip)) {
		diag_quote(got, sizeof(got), h.ip.p, h.ip.n, 60);
		diag_error(&w, "example gives ip %s, rule line %lu found "
		    "\"%s\"", ex->ip, h.rule_line, got);
		return -1;
	}
	if (ex->cls != CLASS_NONE && h.cls != ex->cls) {
		diag_error(&w, "example has class %s, rule line %lu gives %s",
		    patterns_class_name(ex->cls), h.rule_line,
		    patterns_class_name(h.cls));
		return -1;
	}
	if (ex->list_id != NULL && (h.list == NULL ||
	    strcmp(h.list->id, ex->list_id) != 0)) {
		diag_error(&w, "example names list %s, rule line %lu gives "
		    "%s", ex->list_id, h.rule_line,
		    h.list != NULL ? h.list->id : "none");
		return -1;
	}
	return 0;
}

unsigned
classify_check_examples(const struct ruleset *rs, struct classifier *cl)
{
	const struct pat_example *ex;
	unsigned nfail = 0;
	size_t i;

	for (i = 0; i < patterns_nexamples(rs); i++) {
		ex = patterns_example_at(rs, i);
		if (check_one(cl, ex) != 0)
			nfail++;
	}
	return nfail;
}
