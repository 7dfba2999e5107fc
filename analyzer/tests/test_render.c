/*
 * test_render.c - the document -> terminal text and CSV; hostile log text
 * never reaches the terminal raw.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

static const char doc_text[] =
"{\"schema\":\"bouncelog/1\",\"input\":{\"files\":[{\"name\":\"m.log\","
"\"lines\":3,\"unparsed_lines\":1,\"truncated_lines\":0,\"error\":null}],"
"\"lines\":3,\"first_time\":\"2026-11-26T05:00:00Z\","
"\"last_time\":\"2026-11-26T07:00:00Z\",\"bucket_seconds\":3600},"
"\"totals\":{\"blocklist_rejections\":1234,\"bounced\":1000,"
"\"deferred\":234,\"messages\":10,\"recipients\":12,\"deliveries\":5,"
"\"other_rejections\":0,\"inbound_blocklist_rejections\":0},"
"\"blocklists\":[{\"id\":\"spamcop\",\"name\":\"SpamCop\","
"\"zone\":\"bl.spamcop.net\",\"rejections\":1234,\"bounced\":1000,"
"\"deferred\":234,\"messages\":10,\"recipients\":12,"
"\"first_seen\":\"2026-11-26T05:00:00Z\","
"\"last_seen\":\"2026-11-26T07:10:00Z\",\"active_at_end\":true,"
"\"listed_ips\":[{\"ip\":\"203.0.113.25\",\"rejections\":1234}],"
"\"domains\":[{\"domain\":\"evil\\u001b[31m.example\",\"rejections\":9}],"
"\"mx\":[],\"timeline\":[{\"start\":\"2026-11-26T05:00:00Z\","
"\"rejections\":4},{\"start\":\"2026-11-26T07:00:00Z\",\"rejections\":8}],"
"\"delist_url\":\"https://www.spamcop.net/bl.shtml?203.0.113.25\","
"\"example\":\"550 =cmd|' <script>\\r\\nX\"}],"
"\"domains\":[],\"senders\":[]}";

static char *
render(int is_csv, size_t *len)
{
	json_error_t jerr;
	json_t *doc = json_loads(doc_text, 0, &jerr);
	struct render_text_opts o = { 0, 0, 0 };
	char *buf = NULL;
	FILE *fp;

	cr_assert_not_null(doc, "%s", jerr.text);
	fp = open_memstream(&buf, len);
	if (is_csv)
		cr_assert_eq(render_csv_write(fp, doc), 0);
	else
		cr_assert_eq(render_text_write(fp, doc, &o), 0);
	fclose(fp);
	json_decref(doc);
	return buf;
}

Test(render_text, shows_the_list_with_grouped_counts_and_sparkline)
{
	size_t len;
	char *out = render(0, &len);

	cr_assert(strstr(out, "SpamCop (bl.spamcop.net)") != NULL, "%s", out);
	cr_assert(strstr(out, "1,234 rejections (bounced 1,000, deferred 234)")
	    != NULL, "%s", out);
	cr_assert(strstr(out, "still rejecting") != NULL, "%s", out);
	/* three hours, the middle one empty */
	cr_assert(strstr(out, "per hour: |= @| max 8") != NULL, "%s", out);
	free(out);
}

Test(render_text, control_bytes_from_logs_are_neutralised)
{
	size_t len, i;
	char *out = render(0, &len);

	for (i = 0; i < len; i++)
		cr_assert(out[i] == '\n' || (out[i] >= 0x20 && out[i] < 0x7f),
		    "byte 0x%02x at %zu", (unsigned char)out[i], i);
	cr_assert(strstr(out, "evil\\x1b[31m.example") != NULL, "%s", out);
	free(out);
}

Test(render_csv, quotes_fields_and_defuses_formulas)
{
	size_t len;
	char *out = render(1, &len);

	cr_assert(strstr(out, "\"spamcop\",\"SpamCop\",\"bl.spamcop.net\","
	    "\"evil?[31m.example\",9\r\n") != NULL, "%s", out);
	free(out);
}
