/*
 * test_correlate.c - queue id -> account, sender; bounded table.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "correlate.h"

static struct span
sp(const char *s)
{
	return (struct span){ s, strlen(s) };
}

static struct rec
mkrec(enum rec_kind kind, const char *qid)
{
	struct rec r;

	memset(&r, 0, sizeof(r));
	r.kind = kind;
	r.mta = MTA_POSTFIX;
	r.qid = sp(qid);
	return r;
}

Test(correlate, account_from_client_line_is_found_by_queue_id)
{
	struct correlate *c = correlate_new(10);
	struct rec r = mkrec(REC_CLIENT, "4C2D31C0B2");
	struct msginfo *m;

	r.account = sp("shop@client-two.example.org");
	r.client_ip = sp("192.0.2.200");
	correlate_feed(c, sp("mail"), &r);
	m = correlate_find(c, sp("mail"), sp("4C2D31C0B2"));
	cr_assert_not_null(m);
	cr_assert_str_eq(m->account, "shop@client-two.example.org");
	cr_assert_str_eq(m->client_ip, "192.0.2.200");
	cr_assert_str_eq(correlate_sender_key(m),
	    "shop@client-two.example.org");
	correlate_free(c);
}

Test(correlate, sender_stands_in_when_there_is_no_account)
{
	struct correlate *c = correlate_new(10);
	struct rec r = mkrec(REC_PICKUP, "9D8491C118");
	struct msginfo *m;

	r.sender = sp("www-data@client-three.example.org");
	correlate_feed(c, sp("mail"), &r);
	m = correlate_find(c, sp("mail"), sp("9D8491C118"));
	cr_assert_str_eq(correlate_sender_key(m),
	    "www-data@client-three.example.org");
	correlate_free(c);
}

Test(correlate, same_queue_id_on_two_hosts_stays_apart)
{
	struct correlate *c = correlate_new(10);
	struct rec r = mkrec(REC_CLIENT, "ABC123");

	r.account = sp("one@example.org");
	correlate_feed(c, sp("mx1"), &r);
	cr_assert_null(correlate_find(c, sp("mx2"), sp("ABC123")));
	correlate_free(c);
}

Test(correlate, removed_drops_the_entry)
{
	struct correlate *c = correlate_new(10);
	struct rec r = mkrec(REC_CLIENT, "ABC123");
	struct rec rm = mkrec(REC_REMOVED, "ABC123");

	r.account = sp("one@example.org");
	correlate_feed(c, sp("mail"), &r);
	correlate_feed(c, sp("mail"), &rm);
	cr_assert_null(correlate_find(c, sp("mail"), sp("ABC123")));
	cr_assert_eq(correlate_count(c), 0);
	correlate_free(c);
}

Test(correlate, past_the_cap_the_oldest_leaves_first)
{
	struct correlate *c = correlate_new(3);
	char qid[16];
	struct rec r;
	int i;

	/* bounces (from=<>), never counted: an evicted one leaves no ghost */
	for (i = 0; i < 5; i++) {
		snprintf(qid, sizeof(qid), "Q%d", i);
		r = mkrec(REC_SENDER, qid);
		correlate_feed(c, sp("mail"), &r);
	}
	cr_assert_eq(correlate_count(c), 3);
	cr_assert_eq(correlate_nevicted(c), 2);
	cr_assert_null(correlate_find(c, sp("mail"), sp("Q0")));
	cr_assert_null(correlate_find(c, sp("mail"), sp("Q1")));
	cr_assert_not_null(correlate_find(c, sp("mail"), sp("Q4")));
	correlate_free(c);
}

Test(correlate, unknown_queue_id_has_no_sender)
{
	struct correlate *c = correlate_new(10);

	cr_assert_null(correlate_find(c, sp("mail"), sp("NOPE")));
	cr_assert_null(correlate_sender_key(NULL));
	correlate_free(c);
}

Test(correlate, sendmail_auth_line_gives_its_account_to_the_next_arrival)
{
	struct correlate *c = correlate_new(10);
	struct rec auth = mkrec(REC_CLIENT, "");
	struct rec arrival = mkrec(REC_ARRIVAL, "5AQ512vX004123");
	struct rec other = mkrec(REC_ARRIVAL, "5AQ512vX004999");
	struct msginfo *m;

	auth.account = sp("shop@client.example.org");
	arrival.sender = sp("shop@client.example.org");
	arrival.client_ip = sp("192.0.2.200");
	correlate_feed_session(c, sp("mail"), sp("4123"), &auth);
	correlate_feed_session(c, sp("mail"), sp("4123"), &arrival);
	m = correlate_find(c, sp("mail"), sp("5AQ512vX004123"));
	cr_assert_not_null(m);
	cr_assert_str_eq(m->account, "shop@client.example.org");
	/* the session is used up: another process's mail has no account */
	other.client_ip = sp("198.51.100.9");
	correlate_feed_session(c, sp("mail"), sp("4999"), &other);
	m = correlate_find(c, sp("mail"), sp("5AQ512vX004999"));
	cr_assert_str_eq(m->account, "");
	correlate_free(c);
}

Test(correlate, an_entry_seen_again_outlives_older_untouched_ones)
{
	struct correlate *c = correlate_new(3);
	char qid[16];
	struct rec r;
	int i;

	/* bounces (from=<>), never counted: an evicted one leaves no ghost */
	for (i = 0; i < 3; i++) {
		snprintf(qid, sizeof(qid), "Q%d", i);
		r = mkrec(REC_SENDER, qid);
		correlate_feed(c, sp("mail"), &r);
	}
	/* Q0 is retried: seen again, so Q1 is now the oldest */
	cr_assert_not_null(correlate_find(c, sp("mail"), sp("Q0")));
	r = mkrec(REC_SENDER, "Q3");
	correlate_feed(c, sp("mail"), &r);
	cr_assert_not_null(correlate_find(c, sp("mail"), sp("Q0")));
	cr_assert_null(correlate_find(c, sp("mail"), sp("Q1")));
	correlate_free(c);
}

Test(correlate, fields_rewritten_many_times_keep_the_latest_and_the_others)
{
	struct correlate *c = correlate_new(10);
	struct rec client = mkrec(REC_CLIENT, "7A1B2C3D4E");
	struct rec from = mkrec(REC_SENDER, "7A1B2C3D4E");
	struct msginfo *m;
	char account[400], sender[400];
	int i;

	memset(account, 'a', sizeof(account) - 1);
	account[sizeof(account) - 1] = '\0';
	client.account = sp(account);		/* over the 255-byte cap */
	client.client_ip = sp("192.0.2.7");
	correlate_feed(c, sp("mail"), &client);
	/* a sender that changes at every retry, at the cap: many appends and
	 * compactions */
	for (i = 0; i < 50; i++) {
		memset(sender, 'b' + i % 20, sizeof(sender) - 1);
		sender[sizeof(sender) - 1] = '\0';
		from.sender = sp(sender);
		correlate_feed(c, sp("mail"), &from);
		from.sender = sp("short@example.org");
		correlate_feed(c, sp("mail"), &from);
	}
	m = correlate_find(c, sp("mail"), sp("7A1B2C3D4E"));
	cr_assert_not_null(m);
	cr_assert_eq(strlen(m->account), CORRELATE_FIELD_MAX);
	cr_assert_eq(strspn(m->account, "a"), CORRELATE_FIELD_MAX);
	cr_assert_str_eq(m->client_ip, "192.0.2.7");
	cr_assert_str_eq(m->sender, "short@example.org");
	correlate_free(c);
}

Test(correlate, short_fields_that_outgrow_the_entry_keep_their_values)
{
	struct correlate *c = correlate_new(10);
	struct rec client = mkrec(REC_CLIENT, "7A1B2C3D4E");
	struct rec from = mkrec(REC_SENDER, "7A1B2C3D4E");
	struct msginfo *m;
	char sender[64];
	int i;

	client.account = sp("shop@client.example.org");
	client.client_ip = sp("2001:db8::25");
	correlate_feed(c, sp("mail"), &client);
	/* each new sender is appended: the blob leaves the entry's room on
	 * the way, one step at a time */
	for (i = 0; i < 12; i++) {
		snprintf(sender, sizeof(sender), "bounce-%02d@lists.example.net",
		    i);
		from.sender = sp(sender);
		correlate_feed(c, sp("mail"), &from);
		m = correlate_find(c, sp("mail"), sp("7A1B2C3D4E"));
		cr_assert_not_null(m);
		cr_assert_str_eq(m->sender, sender);
		cr_assert_str_eq(m->account, "shop@client.example.org");
		cr_assert_str_eq(m->client_ip, "2001:db8::25");
	}
	correlate_free(c);
}

Test(correlate, entries_of_short_and_long_keys_are_reused_cleanly)
{
	static const char *const hosts[] = { "mail",
	    "relay-cluster-node-17.outbound.hosting-provider.example.net" };
	struct correlate *c = correlate_new(100);
	struct msginfo *m;
	struct rec client, removed;
	char qid[16], account[64];
	int round, i;

	/* the same ids come and go three times: the later rounds run on
	 * entries dropped in the earlier ones, which must hold nothing of
	 * their last message */
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 60; i++) {
			snprintf(qid, sizeof(qid), "4B%08X", (unsigned)i);
			client = mkrec(REC_CLIENT, qid);
			if (round == 0) {
				snprintf(account, sizeof(account),
				    "user%d@client.example.org", i);
				client.account = sp(account);
			}
			correlate_feed(c, sp(hosts[i % 2]), &client);
		}
		for (i = 0; i < 60; i++) {
			snprintf(qid, sizeof(qid), "4B%08X", (unsigned)i);
			m = correlate_find(c, sp(hosts[i % 2]), sp(qid));
			cr_assert_not_null(m);
			snprintf(account, sizeof(account),
			    "user%d@client.example.org", i);
			cr_assert_str_eq(m->account, round == 0 ? account : "");
			cr_assert_eq(m->is_outbound_counted, 0);
			correlate_set_counted(c);
			removed = mkrec(REC_REMOVED, qid);
			correlate_feed(c, sp(hosts[i % 2]), &removed);
			cr_assert_null(correlate_find(c, sp(hosts[i % 2]),
			    sp(qid)));
		}
	}
	correlate_free(c);
}

Test(correlate, a_message_is_counted_once_until_it_leaves)
{
	struct correlate *c = correlate_new(10);
	struct rec from = mkrec(REC_SENDER, "5E6F7A8B9C");
	struct rec removed = mkrec(REC_REMOVED, "5E6F7A8B9C");
	struct msginfo *m;

	from.sender = sp("shop@example.org");
	correlate_feed(c, sp("mail"), &from);
	m = correlate_find(c, sp("mail"), sp("5E6F7A8B9C"));
	cr_assert_eq(m->is_outbound_counted, 0);
	correlate_set_counted(c);
	cr_assert_eq(m->is_outbound_counted, 1);
	m = correlate_find(c, sp("mail"), sp("5E6F7A8B9C"));
	cr_assert_eq(m->is_outbound_counted, 1, "remembered by the entry");
	correlate_feed(c, sp("mail"), &removed);
	correlate_set_counted(c);	/* its entry is gone: nothing to mark */
	cr_assert_null(correlate_find(c, sp("mail"), sp("5E6F7A8B9C")));
	correlate_feed(c, sp("mail"), &from);	/* the id used again */
	m = correlate_find(c, sp("mail"), sp("5E6F7A8B9C"));
	cr_assert_eq(m->is_outbound_counted, 0);
	correlate_free(c);
}

Test(correlate, random_adds_and_removals_keep_exactly_the_queued_ones)
{
	enum { NQ = 500 };
	struct correlate *c = correlate_new(100000);
	static char is_queued[NQ];
	char qid[16], who[32];
	struct msginfo *mi;
	unsigned long x = 12345;
	size_t queued = 0;
	struct rec r;
	int step, q;

	/* removals in the middle of probe runs must not hide later keys */
	for (step = 0; step < 40000; step++) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		q = (int)((x >> 33) % NQ);
		snprintf(qid, sizeof(qid), "%X", 0x10000 + q);
		if (is_queued[q]) {
			r = mkrec(REC_REMOVED, qid);
			correlate_feed(c, sp("mail"), &r);
			is_queued[q] = 0;
			queued--;
		} else {
			snprintf(who, sizeof(who), "u%d@example.org", q);
			r = mkrec(REC_CLIENT, qid);
			r.account = sp(who);
			correlate_feed(c, sp("mail"), &r);
			is_queued[q] = 1;
			queued++;
		}
		if (step % 97 != 0)
			continue;
		cr_assert_eq(correlate_count(c), queued);
		for (q = 0; q < NQ; q++) {
			snprintf(qid, sizeof(qid), "%X", 0x10000 + q);
			mi = correlate_find(c, sp("mail"), sp(qid));
			cr_assert_eq(mi != NULL, is_queued[q], "%s at %d", qid,
			    step);
			snprintf(who, sizeof(who), "u%d@example.org", q);
			if (mi != NULL)
				cr_assert_str_eq(mi->account, who);
		}
	}
	correlate_free(c);
}

Test(correlate, a_retry_after_eviction_is_the_same_message)
{
	struct correlate *c = correlate_new(2);
	struct msginfo *mi;
	struct rec r;

	r = mkrec(REC_CLIENT, "Q1");
	r.account = sp("flood@example.org");
	correlate_feed(c, sp("mail"), &r);
	mi = correlate_find(c, sp("mail"), sp("Q1"));
	cr_assert_not_null(mi);
	correlate_set_counted(c);
	r = mkrec(REC_CLIENT, "Q2");
	correlate_feed(c, sp("mail"), &r);
	r = mkrec(REC_CLIENT, "Q3");
	correlate_feed(c, sp("mail"), &r);
	cr_assert_eq(correlate_nevicted(c), 1, "Q1 evicted");
	/* qmgr logs from= again when it retries the deferred message */
	r = mkrec(REC_SENDER, "Q1");
	r.sender = sp("other@example.org");
	correlate_feed(c, sp("mail"), &r);
	mi = correlate_find(c, sp("mail"), sp("Q1"));
	cr_assert_not_null(mi);
	cr_assert_str_eq(mi->account, "flood@example.org");
	cr_assert(mi->is_outbound_counted, "counted before its eviction");
	cr_assert_eq(correlate_nevicted(c), 2);	/* Q2 went for Q1 */
	/* a reused queue id starts with client=: a new message */
	r = mkrec(REC_CLIENT, "Q2");
	r.account = sp("new@example.org");
	correlate_feed(c, sp("mail"), &r);
	mi = correlate_find(c, sp("mail"), sp("Q2"));
	cr_assert_str_eq(mi->account, "new@example.org");
	cr_assert_not(mi->is_outbound_counted);
	correlate_free(c);
}

Test(correlate, opensmtpd_session_account_goes_to_every_message_of_it)
{
	struct correlate *c = correlate_new(10);
	struct msginfo *mi;
	struct rec auth = mkrec(REC_CLIENT, "");
	struct rec m1 = mkrec(REC_ARRIVAL, "1a2b3c4d");
	struct rec m2 = mkrec(REC_ARRIVAL, "2b3c4d5e");
	struct rec other = mkrec(REC_ARRIVAL, "3c4d5e6f");

	auth.mta = m1.mta = m2.mta = other.mta = MTA_OPENSMTPD;
	auth.account = sp("anna@example.org");
	correlate_feed_session(c, sp("relay"), sp("3c1e55aa00000001"), &auth);
	correlate_feed_session(c, sp("relay"), sp("3c1e55aa00000001"), &m1);
	correlate_feed_session(c, sp("relay"), sp("3c1e55aa00000001"), &m2);
	correlate_feed_session(c, sp("relay"), sp("3c1e55aa00000002"), &other);
	mi = correlate_find(c, sp("relay"), sp("1a2b3c4d"));
	cr_assert_str_eq(mi->account, "anna@example.org");
	mi = correlate_find(c, sp("relay"), sp("2b3c4d5e"));
	cr_assert_str_eq(mi->account, "anna@example.org", "second message");
	mi = correlate_find(c, sp("relay"), sp("3c4d5e6f"));
	cr_assert_str_eq(mi->account, "", "another session");
	correlate_free(c);
}

Test(correlate, a_delivery_of_an_evicted_message_brings_it_back)
{
	struct correlate *c = correlate_new(2);
	struct msginfo *mi;
	struct rec r;

	/* Exim logs only the deliveries of a retry: no arrival again */
	r = mkrec(REC_ARRIVAL, "1wXyZa-000000001Ab-AbCd");
	r.mta = MTA_EXIM;
	r.account = sp("flood@example.org");
	r.sender = sp("flood@example.org");
	correlate_feed(c, sp("mail"), &r);
	cr_assert_not_null(correlate_find(c, sp("mail"),
	    sp("1wXyZa-000000001Ab-AbCd")));
	correlate_set_counted(c);
	r = mkrec(REC_ARRIVAL, "1wXyZb-000000002Ab-AbCd");
	correlate_feed(c, sp("mail"), &r);
	r = mkrec(REC_ARRIVAL, "1wXyZc-000000003Ab-AbCd");
	correlate_feed(c, sp("mail"), &r);
	cr_assert_eq(correlate_nevicted(c), 1);
	mi = correlate_find(c, sp("mail"), sp("1wXyZa-000000001Ab-AbCd"));
	cr_assert_not_null(mi, "a retry's delivery finds the message again");
	cr_assert_str_eq(mi->account, "flood@example.org");
	cr_assert(mi->is_outbound_counted);
	/* it is an entry again: the table made room for it */
	cr_assert_eq(correlate_nevicted(c), 2);
	cr_assert_null(correlate_find(c, sp("mail"), sp("never-seen")));
	correlate_free(c);
}

Test(correlate, an_evicted_message_keeps_its_envelope_sender)
{
	struct correlate *c = correlate_new(1);
	struct msginfo *mi;
	struct rec r;

	/* Sendmail names the envelope sender: no account on the arrival */
	r = mkrec(REC_ARRIVAL, "4AQ9xF0A012345");
	r.mta = MTA_SENDMAIL;
	r.sender = sp("news@example.org");
	correlate_feed(c, sp("mail"), &r);
	r = mkrec(REC_ARRIVAL, "4AQ9xF0B012346");
	r.sender = sp("other@example.org");
	correlate_feed(c, sp("mail"), &r);
	mi = correlate_find(c, sp("mail"), sp("4AQ9xF0A012345"));
	cr_assert_not_null(mi);
	cr_assert_str_eq(correlate_sender_key(mi), "news@example.org");
	cr_assert_str_eq(mi->account, "", "an envelope sender, not an account");
	correlate_free(c);
}
