/*
 * render_explain.c - a classified reply in plain words (see
 * render_explain.h). The facts come from the pattern file; this file only
 * adds the sentences that hold for every list of a class.
 */
#include <string.h>

#include <jansson.h>

#include "diag.h"
#include "render_explain.h"
#include "report.h"

#define QUOTE_MAX	600

struct explain {
	const char	*class_name;
	const char	*meaning;	/* one sentence on the class */
	const char	*advice;	/* what to tell the client */
	char		 lookup[1024];	/* lookup URL with the IP, or "" */
};

static const char *
class_meaning(enum pat_class c, int has_list)
{
	switch (c) {
	case CLASS_BLOCKLIST:
		return "The receiving server refused our mail because our "
		    "sending IP address is on a blocklist or has a bad "
		    "reputation with that provider.";
	case CLASS_CONTENT:
		return "The receiving server refused this message for its "
		    "content or for a domain it names (spam, virus or URL "
		    "filters, domain blocklists); our IP is not listed.";
	case CLASS_POLICY:
		return "The receiving server refused the message for a policy "
		    "reason (SPF, DKIM, DMARC, reverse DNS, TLS, relaying or "
		    "size); our IP is not listed.";
	case CLASS_MAILBOX:
		return "The recipient address does not exist, is disabled or "
		    "is full; our IP is not listed.";
	case CLASS_RATELIMIT:
		return "The receiving server is limiting how fast it accepts "
		    "our mail (rate limits or greylisting); the mail is "
		    "retried and usually delivered later.";
	case CLASS_OTHER:
	case CLASS_NONE:
		break;
	}
	return has_list ?
	    "The reply names a blocklist but does not say our IP is listed: "
	    "usually the receiver's own DNS set-up is refusing blocklist "
	    "queries (a public or overloaded resolver). The receiver must "
	    "fix that; there is nothing to delist." :
	    "No pattern recognises this reply; it is not counted as a "
	    "listing.";
}

static const char *
class_advice(enum pat_class c, const struct list_info *l)
{
	if (c != CLASS_BLOCKLIST)
		return c == CLASS_MAILBOX ?
		    "Check the recipient address with the person it belongs "
		    "to." : c == CLASS_RATELIMIT ?
		    "Nothing to do: the server retries on its own." :
		    "Tell the client this is not a listing of our server; "
		    "the recipient's administrator can say more.";
	if (l != NULL && l->is_defunct)
		return "This list has shut down: a receiver still using it is "
		    "misconfigured. Ask the recipient to tell their mail "
		    "administrator; do not send the client to the list's "
		    "site.";
	return "Mail from our server to recipients who use this list is "
	    "refused until the listing ends. We are working on it; the "
	    "message can be sent again later, or by another route.";
}

/* fill_lookup - the lookup URL template with the listed IP in it */
static void
fill_lookup(struct explain *e, const struct list_info *l,
    const struct hit *h)
{
	const char *t, *at;
	int n;

	e->lookup[0] = '\0';
	if (l == NULL || l->lookup_url == NULL || l->is_defunct) {
		if (h->url.n > 0 && h->url.n < sizeof(e->lookup))
			snprintf(e->lookup, sizeof(e->lookup), "%.*s",
			    (int)h->url.n, h->url.p);
		return;
	}
	t = l->lookup_url;
	at = strstr(t, "{ip}");
	if (at == NULL || h->ip.n == 0) {
		snprintf(e->lookup, sizeof(e->lookup), "%s", t);
		return;
	}
	n = snprintf(e->lookup, sizeof(e->lookup), "%.*s%.*s%s",
	    (int)(at - t), t, (int)h->ip.n, h->ip.p, at + 4);
	if (n < 0 || (size_t)n >= sizeof(e->lookup))
		snprintf(e->lookup, sizeof(e->lookup), "%s", t);
}

static void
explain_init(struct explain *e, const struct hit *h)
{
	e->class_name = patterns_class_name(h->cls == CLASS_NONE ?
	    CLASS_OTHER : h->cls);
	e->meaning = class_meaning(h->cls, h->list != NULL);
	e->advice = class_advice(h->cls, h->list);
	fill_lookup(e, h->list, h);
}

/* row - "Label:       value" with the value quoted for a terminal */
static void
row(FILE *fp, const char *label, const char *v, size_t n)
{
	char buf[QUOTE_MAX * 4 + 8];

	if (v == NULL || n == 0)
		return;
	fprintf(fp, "%-14s %s\n", label, diag_quote(buf, sizeof(buf), v, n,
	    QUOTE_MAX));
}

static void
row_str(FILE *fp, const char *label, const char *v)
{
	if (v != NULL)
		row(fp, label, v, strlen(v));
}

int
render_explain_text(FILE *fp, const char *reply, size_t len,
    const struct hit *h)
{
	const struct list_info *l = h->list;
	struct explain e;
	char where[512];

	explain_init(&e, h);
	row(fp, "Reply:", reply, len);
	row_str(fp, "Class:", e.class_name);
	if (l != NULL) {
		row_str(fp, "List:", l->name);
		row_str(fp, "Id:", l->id);
		row_str(fp, "Run by:", l->operator_name);
		row_str(fp, "Status:", l->status);
	} else if (h->zone.n > 0) {
		row(fp, "List:", h->zone.p, h->zone.n);
		row_str(fp, "Note:", "no pattern file knows this zone; look "
		    "it up by name");
	}
	if (h->via != NULL)
		row_str(fp, "Reported by:", h->via->name);
	row(fp, "Listed IP:", h->ip.p, h->ip.n);
	row(fp, "Zone:", h->zone.p, h->zone.n);
	fprintf(fp, "\n%s\n", e.meaning);
	if (h->cls == CLASS_BLOCKLIST && l != NULL) {
		if (l->explain != NULL)
			fprintf(fp, "\n%s\n", l->explain);
		fputc('\n', fp);
		row_str(fp, "Delisting:", l->delisting);
		row_str(fp, "Duration:", l->duration);
	}
	if (e.lookup[0] != '\0')
		row_str(fp, "Look up:", e.lookup);
	fprintf(fp, "\nTell the client: %s\n", e.advice);
	if (h->rule_line > 0) {
		snprintf(where, sizeof(where), "%s:%lu", h->rule_file,
		    h->rule_line);
		fputc('\n', fp);
		row_str(fp, "Matched by:", where);
	}
	return ferror(fp) ? -1 : 0;
}

static json_t *
opt(const char *s)
{
	return report_str(s);
}

static json_t *
opt_span(struct span s)
{
	return s.n > 0 ? report_text(s.p, s.n) : json_null();
}

int
render_explain_json(FILE *fp, const char *reply, size_t len,
    const struct hit *h)
{
	const struct list_info *l = h->list;
	json_t *o = json_object();
	struct explain e;
	char where[512];
	int rc;

	explain_init(&e, h);
	json_object_set_new(o, "reply", report_text(reply, len));
	json_object_set_new(o, "class", json_string(e.class_name));
	json_object_set_new(o, "list_id", l != NULL ? json_string(l->id) :
	    opt_span(h->zone));
	json_object_set_new(o, "name", opt(l != NULL ? l->name : NULL));
	json_object_set_new(o, "operator", opt(l != NULL ? l->operator_name :
	    NULL));
	json_object_set_new(o, "status", opt(l != NULL ? l->status : NULL));
	json_object_set_new(o, "defunct", json_boolean(l != NULL &&
	    l->is_defunct));
	json_object_set_new(o, "reported_by", opt(h->via != NULL ?
	    h->via->id : NULL));
	json_object_set_new(o, "listed_ip", opt_span(h->ip));
	json_object_set_new(o, "zone", opt_span(h->zone));
	json_object_set_new(o, "meaning", json_string(e.meaning));
	json_object_set_new(o, "explain", opt(l != NULL ? l->explain : NULL));
	json_object_set_new(o, "delisting", opt(l != NULL ? l->delisting :
	    NULL));
	json_object_set_new(o, "duration", opt(l != NULL ? l->duration :
	    NULL));
	json_object_set_new(o, "lookup_url", e.lookup[0] != '\0' ?
	    report_str(e.lookup) : json_null());
	json_object_set_new(o, "tell_client", json_string(e.advice));
	snprintf(where, sizeof(where), "%s:%lu", h->rule_file != NULL ?
	    h->rule_file : "", h->rule_line);
	json_object_set_new(o, "rule", h->rule_line > 0 ? report_str(where) :
	    json_null());
	rc = json_dumpf(o, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	fputc('\n', fp);
	json_decref(o);
	return rc == -1 || ferror(fp) ? -1 : 0;
}
