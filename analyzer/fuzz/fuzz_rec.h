/*
 * fuzz_rec.h - the body shared by the record-parser fuzz targets
 * (fuzz_rec_<mta>.c). A target defines FUZZ_MTA, FUZZ_NAME and the
 * progs[] it feeds, then includes this file once.
 */
#ifndef FUZZ_REC_H
#define FUZZ_REC_H

/* check_span - abort unless the span lies inside [line, line + len) */
static void
check_span(struct span s, const char *line, size_t len, const char *what)
{
	if (s.n == 0)
		return;
	if (s.p < line || s.p > line + len || s.n > (size_t)(line + len - s.p)) {
		fprintf(stderr, FUZZ_NAME ": span %s outside the line\n", what);
		abort();
	}
}

/* check_rec - every span of r inside the line */
static void
check_rec(const struct rec *r, const char *line, size_t len)
{
	const struct {
		struct span	 s;
		const char	*name;
	} spans[] = {
		{ r->qid, "qid" }, { r->rcpt, "rcpt" },
		{ r->rcpt_domain, "rcpt_domain" }, { r->orig_rcpt, "orig_rcpt" },
		{ r->relay_host, "relay_host" }, { r->relay_ip, "relay_ip" },
		{ r->dsn, "dsn" }, { r->reason, "reason" }, { r->reply, "reply" },
		{ r->reply_host, "reply_host" }, { r->reply_ip, "reply_ip" },
		{ r->command, "command" }, { r->sender, "sender" },
		{ r->account, "account" }, { r->client_host, "client_host" },
		{ r->client_ip, "client_ip" }, { r->msgid, "msgid" },
		{ r->rcpt_list, "rcpt_list" }, { r->transport, "transport" },
	};
	size_t i;

	for (i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		if (spans[i].s.p != NULL && spans[i].s.p == r->command.p &&
		    span_eq_str(r->command, "greeting"))
			continue;
		check_span(spans[i].s, line, len, spans[i].name);
	}
	if (r->rcpt_domain.n > 253) {
		fprintf(stderr, FUZZ_NAME ": rcpt_domain over 253 bytes\n");
		abort();
	}
}

/* parse_line - the line's own header, then the synthetic one */
static void
parse_line(const char *line, size_t len)
{
	struct stamp_ctx ctx;
	struct header h;
	struct rec r;

	stamp_ctx_init(&ctx, (time_t)1795694400, 0);
	if (stamp_parse(&ctx, line, len, &h) == 0) {
		rec_parse(&h, FUZZ_MTA, &r);
		check_rec(&r, line, len);
	}
	/* An empty program name stands for Exim's own log: no host either. */
	memset(&h, 0, sizeof(h));
	h.time = (time_t)1795694400;
	h.prog.p = progs[len % (sizeof(progs) / sizeof(progs[0]))];
	h.prog.n = strlen(h.prog.p);
	h.style = h.prog.n == 0 ? STAMP_EXIM : STAMP_RFC3164;
	if (h.prog.n > 0) {
		h.host = SPAN_LIT("mail");
		h.pid = SPAN_LIT("2231");
	}
	h.msg.p = line;
	h.msg.n = len;
	rec_parse(&h, FUZZ_MTA, &r);
	check_rec(&r, line, len);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	FILE *devnull = fopen("/dev/null", "w");

	(void)argc;
	(void)argv;
	if (devnull != NULL)
		diag_set_stream(devnull);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1);

	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	parse_line((const char *)data, size);
	parse_line(copy, size);
	free(copy);
	return 0;
}

#endif
