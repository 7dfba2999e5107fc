/*
 * scan.c - the pipeline driver (see scan.h): one pass, line by line, with
 * no per-line allocation. Which lines count as what follows the counting
 * rules of DESIGN.md; the parsers decide the kind, this file decides only
 * which kinds are events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg.h"
#include "ahead.h"
#include "classify.h"
#include "clear.h"
#include "correlate.h"
#include "diag.h"
#include "hset.h"
#include "incident.h"
#include "lines.h"
#include "reader.h"
#include "report.h"
#include "scan.h"
#include "xalloc.h"

struct scan_file {
	char			*name;
	char			*error;
	struct report_file	 rf;
	unsigned long		 first_unparsed;	/* line numbers, 0: none */
	unsigned long		 first_nul, nnul;
};

/* --by-host: one aggregator per sending server of a central log */
#define SCAN_MAX_HOSTS	256

struct scan_host {
	char		*name;
	struct agg	*agg;
};

/* Rejection lines remembered to fold Exim's syslog copies. */
#define SCAN_RECENT_REJECTS	8

struct scan {
	struct scan_opts	 opts;
	struct classifier	*classifier;
	struct correlate	*correlate;
	struct agg		*agg;
	struct incident		*incident;
	char			*reply_buf;	/* a reply made readable: Exim's
						   literal \n between lines */
	struct scan_host	*hosts;
	size_t			 nhosts;
	struct scan_host	*last_host;
	struct scan_file	*files;
	size_t			 nfiles, alloc_files;
	time_t			 first_time, last_time;
	long long		 done_before;	/* input bytes of closed files */
	time_t			 progress_at;	/* when the line was last drawn */
	uint64_t		 rejects[SCAN_RECENT_REJECTS]; /* for
						   is_syslog_copy(); 0: free */
	size_t			 next_reject;
	enum scan_result	*results;	/* of scan_paths(), by path */
	size_t			 npaths_done;
};

struct scan *
scan_new(const struct scan_opts *opts)
{
	struct scan *s = xcalloc(1, sizeof(*s));
	struct agg_opts ao = { opts->bucket, opts->max_groups };

	s->opts = *opts;
	if (s->opts.max_line == 0)
		s->opts.max_line = LINES_CAP_DEFAULT;
	s->classifier = classify_new(opts->rules);
	s->correlate = correlate_new(0);
	s->agg = agg_new(&ao);
	s->incident = incident_new(&(struct incident_opts){ opts->bucket,
	    opts->flood_factor, opts->flood_floor });
	s->reply_buf = xmalloc(s->opts.max_line + 1);
	return s;
}

void
scan_free(struct scan *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nfiles; i++) {
		free(s->files[i].name);
		free(s->files[i].error);
	}
	free(s->files);
	for (i = 0; i < s->nhosts; i++) {
		free(s->hosts[i].name);
		agg_free(s->hosts[i].agg);
	}
	free(s->hosts);
	agg_free(s->agg);
	incident_free(s->incident);
	free(s->reply_buf);
	correlate_free(s->correlate);
	classify_free(s->classifier);
	free(s);
}

/* add_file - a new per-member record; the pointer is valid until the next */
static struct scan_file *
add_file(struct scan *s, const char *name)
{
	struct scan_file *f;

	if (s->nfiles == s->alloc_files) {
		s->alloc_files = s->alloc_files == 0 ? 8 : s->alloc_files * 2;
		s->files = xreallocarray(s->files, s->alloc_files,
		    sizeof(*s->files));
	}
	f = &s->files[s->nfiles++];
	memset(f, 0, sizeof(*f));
	f->name = xstrdup(name);
	return f;
}

/* daemon - the last component of a program name: "smtp" of postfix-out/smtp */
static struct span
daemon_of(struct span prog)
{
	size_t i;

	for (i = prog.n; i > 0; i--)
		if (prog.p[i - 1] == '/')
			return (struct span){ prog.p + i, prog.n - i };
	return prog;
}

/* has_word - 1 when s contains w */
static int
has_word(struct span s, const char *w)
{
	return span_find(s, w, strlen(w)) >= 0;
}

/*
 * is_loopback - a relay on this machine: a content filter (amavis on
 * 127.0.0.1:10024) or Sendmail's submission hop to its own MTA
 */
static int
is_loopback(struct span ip)
{
	return span_has_prefix(ip, "127.") || span_eq_str(ip, "::1") ||
	    span_eq_str(ip, "IPv6:::1");
}

/* is_localhost - 1 for the name localhost, in any case (the length is
 * checked here: most relays are longer, and need no call) */
static int
is_localhost(struct span host)
{
	return host.n == sizeof("localhost") - 1 &&
	    span_case_eq(host, "localhost");
}

/*
 * is_outbound - a delivery to another server: Postfix smtp, or lmtp over
 * TCP; an Exim or Sendmail transport that speaks SMTP (remote_smtp,
 * dkim_remote_smtp, esmtp, relay). local, virtual, pipe, lmtp to a UNIX
 * socket and local_delivery put mail into our own mailboxes, and a relay
 * on loopback is a hop inside this machine, so their failures are never a
 * listing of ours. OpenSMTPD's deliveries come from its mta process, which
 * only delivers to other servers (mda delivers locally), even when no
 * connection was made.
 */
static int
is_outbound(const struct header *h, const struct rec *r)
{
	struct span d = daemon_of(h->prog);

	if (is_loopback(r->relay_ip) || is_localhost(r->relay_host))
		return 0;
	if (r->mta == MTA_OPENSMTPD)
		return 1;
	if (r->mta == MTA_POSTFIX) {
		if (span_eq_str(d, "smtp"))
			return 1;
		return span_eq_str(d, "lmtp") && r->relay_ip.n > 0 &&
		    memchr(r->relay_ip.p, '/', r->relay_ip.n) == NULL;
	}
	if (r->transport.n > 0)
		return has_word(r->transport, "smtp") ||
		    span_eq_str(r->transport, "relay");
	return r->relay_ip.n > 0 || r->reply.n > 0;
}

/*
 * readable_reply - the reply as Postfix would log it: Exim writes a
 * multi-line reply with the two characters \n between lines, which would
 * glue a zone to the next line's code; they become one space.
 */
static struct span
readable_reply(struct scan *s, struct span reply)
{
	size_t i, o = 0;

	/* most replies have no backslash at all: one memchr tells */
	if (reply.n == 0 || memchr(reply.p, '\\', reply.n) == NULL ||
	    span_find(reply, "\\n", 2) < 0)
		return reply;
	for (i = 0; i < reply.n && o < s->opts.max_line; i++) {
		if (reply.p[i] == '\\' && i + 1 < reply.n &&
		    reply.p[i + 1] == 'n') {
			s->reply_buf[o++] = ' ';
			i++;
			continue;
		}
		s->reply_buf[o++] = reply.p[i];
	}
	return (struct span){ s->reply_buf, o };
}

static void
json_span(json_t *o, const char *key, struct span v)
{
	json_object_set_new(o, key, v.n > 0 ? report_text(v.p, v.n) :
	    json_null());
}

/* write_event - one classified delivery event as a JSON line */
static void
write_event(struct scan *s, const struct header *h, const struct rec *r,
    const struct agg_event *ev)
{
	static const char *const status_names[] = { "none", "sent",
	    "deferred", "bounced", "expired", "other" };
	json_t *o = json_object();

	json_object_set_new(o, "time", report_time(ev->time));
	json_span(o, "host", h->host);
	json_span(o, "queue_id", r->qid);
	json_object_set_new(o, "account", ev->sender != NULL ?
	    report_str(ev->sender) : json_null());
	json_span(o, "recipient_domain", r->rcpt_domain);
	json_span(o, "mx", ev->mx_host);
	json_object_set_new(o, "list_id", ev->list != NULL ?
	    report_str(ev->list->id) : ev->zone.n > 0 ?
	    report_text(ev->zone.p, ev->zone.n) : json_null());
	json_span(o, "listed_ip", ev->listed_ip);
	json_object_set_new(o, "class", ev->cls == CLASS_NONE ? json_null() :
	    json_string(patterns_class_name(ev->cls)));
	json_object_set_new(o, "status", json_string(status_names[r->status]));
	json_span(o, "dsn", r->dsn);
	json_dumpf(o, s->opts.events, JSON_COMPACT);
	fputc('\n', s->opts.events);
	json_decref(o);
}

/*
 * host_agg - the aggregator of a syslog host (--by-host), or NULL when not
 * splitting; past SCAN_MAX_HOSTS hosts the rest share "(other)"
 */
static struct agg *
host_agg(struct scan *s, struct span host)
{
	struct agg_opts ao = { s->opts.bucket, s->opts.max_groups };
	struct scan_host *h;
	size_t i;

	if (!s->opts.by_host)
		return NULL;
	if (host.n == 0)
		host = SPAN_LIT("(no host)");
	h = s->last_host;
	if (h != NULL && span_eq_str(host, h->name))
		return h->agg;
	for (i = 0; i < s->nhosts; i++) {
		if (span_eq_str(host, s->hosts[i].name)) {
			s->last_host = &s->hosts[i];
			return s->hosts[i].agg;
		}
	}
	if (s->nhosts == SCAN_MAX_HOSTS)
		return host_agg(s, SPAN_LIT(AGG_OTHER_KEY));
	if (s->hosts == NULL)
		s->hosts = xcalloc(SCAN_MAX_HOSTS + 1, sizeof(*s->hosts));
	h = &s->hosts[s->nhosts++];
	h->name = xmemdup(host.p, host.n);
	h->agg = agg_new(&ao);
	s->last_host = h;
	return h->agg;
}

/* count_event - one recipient of a delivery line through agg and incident */
static void
count_event(struct scan *s, const struct header *h, const struct rec *r,
    struct agg_event *ev)
{
	struct msginfo *mi;

	mi = correlate_find(s->correlate, h->host, r->qid);
	ev->sender = correlate_sender_key(mi);
	ev->is_new_message = 0;
	if (ev->sender != NULL && !mi->is_outbound_counted) {
		correlate_set_counted(s->correlate);
		ev->is_new_message = 1;
	}
	agg_event_hash(ev);
	agg_add(s->agg, ev);
	if (s->opts.by_host)
		agg_add(host_agg(s, h->host), ev);
	incident_add_event(s->incident, ev);
	if (s->opts.events != NULL)
		write_event(s, h, r, ev);
}

static void
on_delivery(struct scan *s, const struct header *h, const struct rec *r)
{
	struct agg_event ev;
	struct span cursor, reply;
	struct hit hit;

	if (!is_outbound(h, r))
		return;
	clear_pieces(&ev, sizeof(ev));
	ev.time = h->time;
	ev.status = r->status;
	ev.cls = CLASS_NONE;
	if ((r->status == STATUS_BOUNCED || r->status == STATUS_DEFERRED) &&
	    r->reply.n > 0) {
		reply = readable_reply(s, r->reply);
		ev.cls = classify_text(s->classifier, reply.p, reply.n, &hit);
		ev.list = hit.list;
		ev.zone = hit.zone;
		ev.listed_ip = hit.ip;
		ev.url = hit.url;
		ev.reply = reply;
	}
	ev.qid = r->qid;
	ev.mx_host = r->reply_host.n > 0 ? r->reply_host : r->relay_host;
	ev.relay_host = r->relay_host;
	ev.relay_ip = r->relay_ip;
	ev.host = h->host;
	if (r->rcpt.n > 0 || r->rcpt_list.n == 0) {
		ev.rcpt = r->rcpt;
		ev.rcpt_domain = r->rcpt_domain;
		count_event(s, h, r, &ev);
		return;
	}
	/* Sendmail: one event per address of the to= list */
	cursor = r->rcpt_list;
	while (rec_next_rcpt(&cursor, &ev.rcpt, &ev.rcpt_domain) == 1)
		count_event(s, h, r, &ev);
}

/* session_of - what ties a line to an authentication before it: the
 * session id where the MTA logs one, else the process id */
static struct span
session_of(const struct header *h, const struct rec *r)
{
	return r->session.n > 0 ? r->session : h->pid;
}

/* on_submission - a message an account handed us, for flood detection */
static void
on_submission(struct scan *s, const struct header *h, const struct rec *r)
{
	struct msginfo *mi;
	const char *who;

	if (r->qid.n == 0 || (r->kind == REC_CLIENT && r->account.n == 0))
		return;
	if (r->kind != REC_CLIENT && r->kind != REC_PICKUP &&
	    r->kind != REC_ARRIVAL)
		return;
	mi = correlate_find(s->correlate, h->host, r->qid);
	/* mail from outside carries no account (Sendmail's came from its
	 * AUTH line, through correlate_feed_session) */
	if (r->kind == REC_ARRIVAL && r->client_ip.n > 0 &&
	    (mi == NULL || mi->account[0] == '\0'))
		return;
	who = correlate_sender_key(mi);
	if (who != NULL)
		incident_add_submission(s->incident, h->time, who);
}

/*
 * is_syslog_copy - 1 for the second of two identical Exim rejection lines
 * of one process in one second. By default Exim sends an ACL rejection
 * to syslog twice, once for its main log and once for its reject log
 * (syslog_duplication), and the file gets both, perhaps with other
 * processes' lines between them. A third copy counts again: only pairs
 * are folded.
 */
static int
is_syslog_copy(struct scan *s, const struct header *h, const struct rec *r)
{
	uint64_t key;
	size_t i;

	if (r->mta != MTA_EXIM || h->prog.n == 0 || h->pid.n == 0)
		return 0;
	key = hset_hash(h->msg.p, h->msg.n) ^
	    (hset_hash(h->pid.p, h->pid.n) * 3) ^
	    (hset_hash(h->host.p, h->host.n) * 5) ^
	    ((uint64_t)h->time * 0x9e3779b97f4a7c15ULL);
	key |= 1;	/* never 0, which marks a free place */
	for (i = 0; i < SCAN_RECENT_REJECTS; i++) {
		if (s->rejects[i] == key) {
			s->rejects[i] = 0;
			return 1;
		}
	}
	s->rejects[s->next_reject] = key;
	s->next_reject = (s->next_reject + 1) % SCAN_RECENT_REJECTS;
	return 0;
}

static void
on_inbound(struct scan *s, const struct header *h, const struct rec *r)
{
	struct hit hit;
	struct span reply;
	enum pat_class cls = CLASS_OTHER;

	if (is_syslog_copy(s, h, r))
		return;
	memset(&hit, 0, sizeof(hit));
	if (r->reply.n > 0) {
		reply = readable_reply(s, r->reply);
		cls = classify_text(s->classifier, reply.p, reply.n, &hit);
	}
	agg_add_inbound(s->agg, cls, hit.list, hit.zone);
	if (s->opts.by_host)
		agg_add_inbound(host_agg(s, h->host), cls, hit.list, hit.zone);
}

static void
on_record(struct scan *s, const struct header *h, const struct rec *r)
{
	switch (r->kind) {
	case REC_DELIVERY:
		on_delivery(s, h, r);
		break;
	case REC_INBOUND_REJECT:
		on_inbound(s, h, r);
		break;
	case REC_NONFINAL:
		s->agg->totals.nonfinal_lines++;
		if (s->opts.by_host)
			host_agg(s, h->host)->totals.nonfinal_lines++;
		break;
	case REC_SUSPENDED:
		s->agg->totals.suspended_lines++;
		if (s->opts.by_host)
			host_agg(s, h->host)->totals.suspended_lines++;
		break;
	case REC_NONE:
		break;
	default:
		correlate_feed_session(s->correlate, h->host,
		    session_of(h, r), r);
		on_submission(s, h, r);
		break;
	}
}

/*
 * The reader's sink: everything below runs on the scanning thread, in
 * input order, whether the reading ran here or ahead on other threads.
 */
static void
on_reader_rec(void *arg, const struct reader_rec *rr)
{
	struct scan *s = arg;

	/* Outside --since/--until nothing is counted, but who sent a message
	 * is still learnt (the reader sends only identities from there). */
	if (!rr->in_window) {
		correlate_feed_session(s->correlate, rr->h.host,
		    session_of(&rr->h, &rr->r), &rr->r);
		return;
	}
	on_record(s, &rr->h, &rr->r);
}

/* progress - redraw "bouncelog: 42% of 1.2 GB" at most once a second */
static void
progress(struct scan *s, long long done, int is_final)
{
	time_t now = time(NULL);

	if (s->opts.progress == NULL || s->opts.progress_total <= 0)
		return;
	if (is_final) {
		fputs("\r\033[K", s->opts.progress);
		fflush(s->opts.progress);
		return;
	}
	if (now == s->progress_at)
		return;
	s->progress_at = now;
	if (done > s->opts.progress_total)
		done = s->opts.progress_total;
	fprintf(s->opts.progress, "\rbouncelog: %3lld%% of %.1f MB read",
	    done * 100 / s->opts.progress_total,
	    (double)s->opts.progress_total / 1e6);
	fflush(s->opts.progress);
}

static void
on_reader_progress(void *arg, long long raw_offset)
{
	struct scan *s = arg;

	progress(s, s->done_before + raw_offset, 0);
}

/* on_reader_member - a member read: its counts, and what went wrong */
static void
on_reader_member(void *arg, const struct reader_member *m)
{
	struct scan *s = arg;
	struct scan_file *f = add_file(s, m->name);
	struct where w = { f->name, 0 };

	f->rf = m->rf;
	if (m->first_time != 0 && (s->first_time == 0 ||
	    m->first_time < s->first_time))
		s->first_time = m->first_time;
	if (m->last_time > s->last_time)
		s->last_time = m->last_time;
	if (m->rf.truncated > 0) {
		w.line = m->first_cut;
		diag_warn(&w, "%lu line(s) longer than %zu bytes; truncated",
		    m->rf.truncated, s->opts.max_line);
	}
	if (m->nnul > 0) {
		w.line = m->first_nul;
		diag_warn(&w, "%lu line(s) with NUL bytes; each read as '?'",
		    m->nnul);
	}
	if (m->rf.unparsed > 0) {
		w.line = m->first_unparsed;
		diag_warn(&w, "%lu of %lu line(s) in no log format we know; "
		    "counted as unparsed", m->rf.unparsed, m->rf.lines);
	}
	if (m->error == NULL)
		return;
	w.line = 0;
	diag_error(&w, "%s; the %lu line(s) before it were used", m->error,
	    m->rf.lines);
	f->error = xstrdup(m->error);
}

/* on_reader_path - a path done: how it went, into s->results */
static void
on_reader_path(void *arg, const struct reader_path *p)
{
	struct scan *s = arg;
	struct where w = { p->path, 0 };
	enum scan_result r = SCAN_OK;

	if (p->end == READER_UNOPENED) {
		diag_error(&w, "%s", p->error);
		r = SCAN_UNOPENED;
	} else if (p->end == READER_PARTIAL) {
		if (p->error != NULL)
			diag_error(&w, "%s; %s", p->error, p->nmembers > 0 ?
			    "the members before it were used" :
			    "nothing in it could be read");
		r = SCAN_PARTIAL;
	}
	if (p->raw_bytes > 0)
		s->done_before += p->raw_bytes;
	progress(s, s->done_before, 1);
	if (s->results != NULL)
		s->results[s->npaths_done] = r;
	s->npaths_done++;
}

void
scan_paths(struct scan *s, const char *const *paths, size_t npaths,
    unsigned jobs, enum scan_result *results)
{
	struct reader_opts ro = { s->opts.mta, s->opts.year, s->opts.max_line,
	    s->opts.since, s->opts.until, SOURCE_HERE };
	struct reader_sink sink = { s, on_reader_rec, on_reader_progress,
	    on_reader_member, on_reader_path, NULL };
	unsigned nworkers = jobs <= 1 ? 0 : jobs - 1;
	size_t k;

	if (nworkers > npaths)
		nworkers = (unsigned)npaths;
	/* -j1 means one thread. A thread to inflate each file when every
	 * reader can have one besides the counting thread; on fewer cores
	 * only for the slow compressions (source.h). On two cores, 1.1 GB:
	 * gzip 1.56 s without that thread, 1.40 s with it; xz 5.6 s with it,
	 * 7.5 s without; zstd 1.19 s without, 1.40 s with it. */
	if (nworkers == 0)
		ro.inflating = SOURCE_HERE;
	else if (jobs > 2 * nworkers)
		ro.inflating = SOURCE_APART;
	else
		ro.inflating = SOURCE_SLOW_APART;

	s->results = results;
	s->npaths_done = 0;
	if (nworkers == 0) {
		for (k = 0; k < npaths; k++)
			reader_run(&ro, paths[k], &sink);
	} else {
		ahead_run(&ro, paths, npaths, nworkers, AHEAD_PARSE_SHARED,
		    &sink);
	}
	s->results = NULL;
}

enum scan_result
scan_path(struct scan *s, const char *path)
{
	enum scan_result r = SCAN_OK;

	scan_paths(s, &path, 1, 1, &r);
	return r;
}

static int
by_rejections(const void *x, const void *y)
{
	const json_t *a = *(const json_t *const *)x;
	const json_t *b = *(const json_t *const *)y;
	json_int_t ra = json_integer_value(json_object_get(json_object_get(a,
	    "totals"), "blocklist_rejections"));
	json_int_t rb = json_integer_value(json_object_get(json_object_get(b,
	    "totals"), "blocklist_rejections"));

	if (ra != rb)
		return ra > rb ? -1 : 1;
	return strcmp(json_string_value(json_object_get(a, "host")),
	    json_string_value(json_object_get(b, "host")));
}

/* by_host_json - [{host, totals, blocklists, domains, senders, inbound}] */
static json_t *
by_host_json(struct scan *s, const struct report_input *in)
{
	static const char *const keys[] = { "totals", "blocklists", "domains",
	    "senders", "inbound" };
	json_t **items = xcalloc(s->nhosts + 1, sizeof(*items));
	json_t *arr = json_array(), *doc;
	size_t i, k;

	for (i = 0; i < s->nhosts; i++) {
		doc = report_build(s->hosts[i].agg, in);
		items[i] = json_object();
		json_object_set_new(items[i], "host",
		    report_str(s->hosts[i].name));
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			json_object_set(items[i], keys[k],
			    json_object_get(doc, keys[k]));
		json_decref(doc);
	}
	qsort(items, s->nhosts, sizeof(*items), by_rejections);
	for (i = 0; i < s->nhosts; i++)
		json_array_append_new(arr, items[i]);
	free(items);
	return arr;
}

json_t *
scan_report(struct scan *s, time_t generated_at)
{
	struct report_file *rfs = xreallocarray(NULL, s->nfiles + 1,
	    sizeof(*rfs));
	struct report_input in;
	json_t *doc;
	size_t i;

	for (i = 0; i < s->nfiles; i++) {
		rfs[i] = s->files[i].rf;
		rfs[i].name = s->files[i].name;
		rfs[i].error = s->files[i].error;
	}
	memset(&in, 0, sizeof(in));
	in.files = rfs;
	in.nfiles = s->nfiles;
	in.first_time = s->first_time;
	in.last_time = s->last_time;
	in.since = s->opts.since;
	in.until = s->opts.until;
	in.evicted = correlate_nevicted(s->correlate);
	in.correlated = correlate_count(s->correlate);
	in.generated_at = generated_at;
	doc = report_build(s->agg, &in);
	json_object_set_new(doc, "incident", incident_json(s->incident,
	    s->first_time, s->last_time));
	if (s->opts.by_host)
		json_object_set_new(doc, "by_host", by_host_json(s, &in));
	free(rfs);
	return doc;
}
