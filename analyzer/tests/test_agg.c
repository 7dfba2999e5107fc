/*
 * test_agg.c - events -> groups, and the document report.c makes of them.
 */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include "agg.h"
#include "report.h"

/* add_event - hash the event's keys, as scan.c does, and count it */
static void
add_event(struct agg *a, struct agg_event *ev)
{
	agg_event_hash(ev);
	agg_add(a, ev);
}


static struct span
sp(const char *s)
{
	return (struct span){ s, strlen(s) };
}

static struct list_info spamcop = { .id = "spamcop", .name = "SpamCop",
    .lookup_url = "https://www.spamcop.net/bl.shtml?{ip}" };

static struct agg_event
rejection(time_t t, const char *qid, const char *rcpt, const char *domain,
    enum rec_status st)
{
	struct agg_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.time = t;
	ev.status = st;
	ev.cls = CLASS_BLOCKLIST;
	ev.list = &spamcop;
	ev.listed_ip = sp("203.0.113.25");
	ev.qid = sp(qid);
	ev.rcpt = sp(rcpt);
	ev.rcpt_domain = sp(domain);
	ev.mx_host = sp("MX.Example.NET");
	ev.reply = sp("550 5.7.1 blocked using bl.spamcop.net");
	ev.sender = "shop@client.example.org";
	return ev;
}

#define T0	1795669200	/* 2026-11-26T05:00:00Z */

Test(agg, counts_attempts_messages_and_recipients_apart)
{
	struct agg_opts o = { 3600, 0 };
	struct agg *a = agg_new(&o);
	struct agg_event ev;
	struct agg_list *l;

	ev = rejection(T0 + 60, "Q1", "a@example.net", "example.net",
	    STATUS_DEFERRED);
	add_event(a, &ev);
	ev.time = T0 + 4000;	/* a retry: new attempt, same message */
	add_event(a, &ev);
	ev = rejection(T0 + 4100, "Q1", "b@example.net", "Example.NET",
	    STATUS_BOUNCED);
	add_event(a, &ev);
	cr_assert_eq(a->nlists, 1);
	l = a->lists[0];
	cr_assert_eq(l->rejections, 3);
	cr_assert_eq(l->deferred, 2);
	cr_assert_eq(l->bounced, 1);
	cr_assert_eq(hset_count(&l->messages), 1);
	cr_assert_eq(hset_count(&l->recipients), 2);
	cr_assert_eq(l->first_seen, T0 + 60);
	cr_assert_eq(l->last_seen, T0 + 4100);
	/* domains and hosts fold case: one group */
	cr_assert_eq(l->domains.n, 1);
	cr_assert_eq(agg_counter_get(&l->domains, "example.net"), 3);
	cr_assert_eq(agg_counter_get(&l->mx, "mx.example.net"), 3);
	cr_assert_eq(l->buckets.n, 2);
	cr_assert_eq(a->totals.blocklist_rejections, 3);
	agg_free(a);
}

Test(agg, interleaved_lists_count_apart_and_totals_count_each_key_once)
{
	static struct list_info spamhaus = { .id = "spamhaus-zen",
	    .name = "Spamhaus ZEN" };
	struct agg_opts o = { 3600, 0 };
	struct agg *a = agg_new(&o);
	struct agg_event ev;
	int i;

	/* two lists reject the same messages by turns: each list, and the
	 * totals, see Q1 and Q2 once */
	for (i = 0; i < 6; i++) {
		ev = rejection(T0 + i, i % 4 < 2 ? "Q1" : "Q2",
		    "a@example.net", "example.net", STATUS_DEFERRED);
		if (i % 2 == 1)
			ev.list = &spamhaus;
		add_event(a, &ev);
	}
	cr_assert_eq(a->nlists, 2);
	cr_assert_str_eq(a->lists[0]->key, "spamcop");
	cr_assert_str_eq(a->lists[1]->key, "spamhaus-zen");
	cr_assert_eq(a->lists[0]->rejections, 3);
	cr_assert_eq(a->lists[1]->rejections, 3);
	cr_assert_eq(hset_count(&a->lists[0]->messages), 2);
	cr_assert_eq(hset_count(&a->lists[1]->messages), 2);
	cr_assert_eq(hset_count(&a->totals.messages), 2);
	cr_assert_eq(hset_count(&a->totals.recipients), 1);
	cr_assert_eq(agg_counter_get(&a->domains[0]->lists, "spamcop"), 3);
	cr_assert_eq(agg_counter_get(&a->domains[0]->lists, "spamhaus-zen"),
	    3);
	agg_free(a);
}

Test(agg, an_overlong_domain_is_one_group_under_its_first_255_bytes)
{
	struct agg_opts o = { 3600, 0 };
	struct agg *a = agg_new(&o);
	char one[300], other[300], key[AGG_DOMAIN_MAX + 1];
	struct agg_event ev;

	/* log text: two names that differ only past where a DNS name ends */
	memset(one, 'A', sizeof(one) - 1);
	one[sizeof(one) - 1] = '\0';
	memcpy(other, one, sizeof(other));
	other[280] = 'b';
	memset(key, 'a', AGG_DOMAIN_MAX);
	key[AGG_DOMAIN_MAX] = '\0';
	ev = rejection(T0, "Q1", "x@example.net", one, STATUS_DEFERRED);
	add_event(a, &ev);
	ev = rejection(T0, "Q2", "y@example.net", other, STATUS_DEFERRED);
	add_event(a, &ev);
	cr_assert_eq(a->lists[0]->domains.n, 1);
	cr_assert_eq(agg_counter_get(&a->lists[0]->domains, key), 2);
	cr_assert_eq(a->ndomains, 1);
	cr_assert_str_eq(a->domains[0]->domain, key);
	agg_free(a);
}

Test(agg, sent_and_other_classes_are_not_blocklist_rejections)
{
	struct agg_opts o = { 3600, 0 };
	struct agg *a = agg_new(&o);
	struct agg_event ev = rejection(T0, "Q1", "a@example.net",
	    "example.net", STATUS_SENT);

	ev.cls = CLASS_NONE;
	ev.list = NULL;
	ev.is_new_message = 1;
	add_event(a, &ev);
	ev = rejection(T0, "Q2", "b@example.net", "example.net",
	    STATUS_BOUNCED);
	ev.cls = CLASS_MAILBOX;
	ev.list = NULL;
	add_event(a, &ev);
	cr_assert_eq(a->totals.deliveries, 1);
	cr_assert_eq(a->totals.other_rejections, 1);
	cr_assert_eq(a->totals.blocklist_rejections, 0);
	cr_assert_eq(a->nlists, 0);
	cr_assert_eq(a->nsenders, 1);
	cr_assert_eq(a->senders[0]->messages, 1);
	cr_assert_eq(a->senders[0]->deliveries, 1);
	agg_free(a);
}

Test(agg, unknown_list_is_named_by_its_zone)
{
	struct agg_opts o = { 3600, 0 };
	struct agg *a = agg_new(&o);
	struct agg_event ev = rejection(T0, "Q1", "a@example.net",
	    "example.net", STATUS_BOUNCED);

	ev.list = NULL;
	ev.zone = sp("DNSBL.Example.ORG");
	add_event(a, &ev);
	cr_assert_str_eq(a->lists[0]->key, "dnsbl.example.org");
	cr_assert_str_eq(agg_list_name(a->lists[0]), "dnsbl.example.org");
	agg_free(a);
}

Test(agg, past_max_groups_new_keys_go_to_other)
{
	struct agg_opts o = { 3600, 10 };
	struct agg *a = agg_new(&o);
	char rcpt[80], domain[64];
	struct agg_event ev;
	int i;

	for (i = 0; i < 50; i++) {
		snprintf(domain, sizeof(domain), "d%d.example.net", i);
		snprintf(rcpt, sizeof(rcpt), "x@%s", domain);
		ev = rejection(T0, "Q1", rcpt, domain, STATUS_BOUNCED);
		add_event(a, &ev);
	}
	cr_assert(a->is_capped);
	cr_assert_eq(a->lists[0]->rejections, 50);
	cr_assert_gt(agg_counter_get(&a->lists[0]->domains, AGG_OTHER_KEY),
	    0);
	cr_assert_leq(a->ndomains, 11);
	agg_free(a);
}

Test(agg, inbound_rejections_are_counted_apart)
{
	struct agg_opts o = { 3600, 0 };
	struct agg *a = agg_new(&o);

	agg_add_inbound(a, CLASS_BLOCKLIST, &spamcop, SPAN_NULL);
	agg_add_inbound(a, CLASS_MAILBOX, NULL, SPAN_NULL);
	cr_assert_eq(a->totals.inbound_rejections, 2);
	cr_assert_eq(a->totals.inbound_blocklist_rejections, 1);
	cr_assert_eq(a->totals.blocklist_rejections, 0);
	cr_assert_eq(agg_counter_get(&a->inbound_lists, "spamcop"), 1);
	agg_free(a);
}

Test(report, document_has_every_field_and_fills_the_lookup_url)
{
	struct agg_opts o = { 3600, 0 };
	struct agg *a = agg_new(&o);
	struct agg_event ev = rejection(T0 + 10, "Q1", "a@example.net",
	    "example.net", STATUS_BOUNCED);
	struct report_file rf = { "mail.log", 10, 1000, 1, 2, 0, NULL };
	struct report_input in;
	json_t *doc, *l;

	add_event(a, &ev);
	memset(&in, 0, sizeof(in));
	in.files = &rf;
	in.nfiles = 1;
	in.first_time = T0;
	in.last_time = T0 + 20;
	in.generated_at = T0 + 100;
	doc = report_build(a, &in);
	cr_assert_str_eq(json_string_value(json_object_get(doc, "schema")),
	    "bouncelog/1");
	cr_assert_str_eq(json_string_value(json_object_get(doc,
	    "generated_at")), "2026-11-26T05:01:40Z");
	l = json_array_get(json_object_get(doc, "blocklists"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(l, "delist_url")),
	    "https://www.spamcop.net/bl.shtml?203.0.113.25");
	cr_assert(json_is_true(json_object_get(l, "active_at_end")));
	cr_assert_str_eq(json_string_value(json_object_get(l, "first_seen")),
	    "2026-11-26T05:00:10Z");
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(doc,
	    "input"), "unparsed_lines")), 1);
	cr_assert_not_null(json_object_get(doc, "senders"));
	cr_assert_not_null(json_object_get(doc, "domains"));
	json_decref(doc);
	agg_free(a);
}

Test(report, loading_rejects_other_documents_with_a_reason)
{
	char path[] = "/tmp/bouncelog-test-XXXXXX", err[256];
	FILE *fp;
	int fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	fp = fdopen(fd, "w");
	fputs("{\"schema\": \"bouncelog/1\", \"input\": {}, \"totals\": [],"
	    " \"inbound\": {}, \"blocklists\": [], \"domains\": [],"
	    " \"senders\": []}", fp);
	fclose(fp);
	cr_assert_null(report_load(path, err, sizeof(err)));
	cr_assert(strstr(err, "\"totals\" has the wrong type") != NULL, "%s",
	    err);
	fp = fopen(path, "w");
	fputs("{\"schema\": \"other\"}", fp);
	fclose(fp);
	cr_assert_null(report_load(path, err, sizeof(err)));
	cr_assert(strstr(err, "not a bouncelog/1 summary") != NULL, "%s", err);
	fp = fopen(path, "w");
	fputs("{\"schema\": ", fp);
	fclose(fp);
	cr_assert_null(report_load(path, err, sizeof(err)));
	cr_assert(strstr(err, path) != NULL, "%s", err);
	unlink(path);
}
