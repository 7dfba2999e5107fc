/*
 * view_redact.c - the document's log text -> text safe to show, in place,
 * before view.c derives anything from it. Every string becomes one line
 * of valid UTF-8 without control characters or bidi overrides; then, by
 * redaction mode (view.h), mail addresses are masked, and for
 * VIEW_REDACT_ALL also client accounts, remote host names and every IP
 * that is not ours. Strings under trusted keys (they come from patterns/
 * or from us) and a URL's host are kept.
 * Limits: a token of 64 bytes or more is not taken for an IP, a host name
 * of 256 bytes or more is kept whole; a host is masked to its registrable
 * domain by view_registrable()'s heuristic.
 * Does not: decide which servers are ours (config.h does), or mask list
 * names, zones and the lists' URLs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>

#include "view_int.h"
#include "xalloc.h"

int
view_redact_parse(const char *s, enum view_redact *out)
{
	if (strcmp(s, "none") == 0)
		*out = VIEW_REDACT_NONE;
	else if (strcmp(s, "recipients") == 0)
		*out = VIEW_REDACT_RECIPIENTS;
	else if (strcmp(s, "all") == 0)
		*out = VIEW_REDACT_ALL;
	else
		return -1;
	return 0;
}

/* ---- one line of plain text per value ------------------------------ */

/* utf8_seq - length of the valid UTF-8 sequence at p (n bytes left) and
 * its code point in *cp; 0 when invalid (overlong, surrogate, cut) */
static size_t
utf8_seq(const unsigned char *p, size_t n, unsigned *cp)
{
	size_t need, i;

	*cp = p[0];
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 1;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 2;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 3;
	else
		return 0;
	if (need >= n)
		return 0;
	*cp = p[0] & (0x3f >> need);
	for (i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		*cp = *cp << 6 | (p[i] & 0x3f);
	}
	if ((need == 2 && *cp < 0x800) || (need == 3 && *cp < 0x10000) ||
	    (*cp >= 0xd800 && *cp < 0xe000) || *cp > 0x10ffff)
		return 0;
	return need + 1;
}

/* clean_text - s with CR, LF and tab as spaces, other controls, C1
 * controls, bidi overrides and invalid UTF-8 as U+FFFD; a heap string.
 * Log text is one line and must stay one line in every output mode. */
static char *
clean_text(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, o = 0, k;
	char *buf = xmalloc(n * 3 + 1);
	unsigned cp;

	while (i < n) {
		k = utf8_seq(p + i, n - i, &cp);
		if (k == 1 && (cp == '\r' || cp == '\n' || cp == '\t'))
			buf[o++] = ' ';
		else if (k == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
		    (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e ||
		    cp == 0x200f) {
			memcpy(buf + o, "\xef\xbf\xbd", 3);	/* U+FFFD */
			o += 3;
			if (k == 0)
				k = 1;
		} else {
			memcpy(buf + o, p + i, k);
			o += k;
		}
		i += k;
	}
	buf[o] = '\0';
	return buf;
}

/* view_clean_node - clean_text over every string under node (in place) */
void
view_clean_node(json_t *node)
{
	const char *k;
	json_t *v;
	size_t i;
	char *c;

	if (json_is_object(node)) {
		json_object_foreach(node, k, v) {
			if (!json_is_string(v)) {
				view_clean_node(v);
				continue;
			}
			c = clean_text(json_string_value(v));
			json_object_set_new(node, k, json_string(c));
			free(c);
		}
	} else if (json_is_array(node)) {
		json_array_foreach(node, i, v) {
			if (!json_is_string(v)) {
				view_clean_node(v);
				continue;
			}
			c = clean_text(json_string_value(v));
			json_array_set_new(node, i, json_string(c));
			free(c);
		}
	}
}

/* ---- redaction ---------------------------------------------------- */

/* is_host_char - a byte a DNS name may hold */
static int
is_host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* is_local_char - a byte of an address's local part */
static int
is_local_char(char c)
{
	return is_host_char(c) || c == '_' || c == '+' || c == '=' ||
	    c == '%' || c == '\'' || c == '!' || c == '#' || c == '$' ||
	    c == '&' || c == '*' || c == '/' || c == '?' || c == '^' ||
	    c == '{' || c == '}' || c == '|' || c == '~' || c == '`';
}

/* is_ip_char - a byte of an IPv4 or IPv6 address */
static int
is_ip_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F') || c == '.' || c == ':';
}

/* count_char - how often c is in p[0..n) */
static size_t
count_char(const char *p, size_t n, char c)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += p[i] == c;
	return k;
}

/* mask_ip - append the IP at p[0..n) or "x.x.x.x" when it is not ours;
 * returns 1 when p held an IP */
static int
mask_ip(const struct vctx *vc, FILE *out, const char *p, size_t n)
{
	unsigned char addr[16];
	char ip[64];
	int is_v4;

	if (n == 0 || n >= sizeof(ip))
		return 0;
	memcpy(ip, p, n);
	ip[n] = '\0';
	is_v4 = inet_pton(AF_INET, ip, addr) == 1;
	if (!is_v4 && (count_char(p, n, ':') < 2 ||
	    inet_pton(AF_INET6, ip, addr) != 1))
		return 0;
	if (json_object_get(vc->our_ips, ip) != NULL ||
	    config_is_our_ip(vc->cfg, ip))
		fwrite(p, 1, n, out);
	else
		fputs(is_v4 ? "x.x.x.x" : "x:x::x", out);
	return 1;
}

/* mask_host - append a remote host name as "*.registrable" (names with at
 * least three labels; a bare domain stays, it is shown anyway) */
static void
mask_host(const struct vctx *vc, FILE *out, const char *p, size_t n)
{
	char host[256];
	const char *reg;
	size_t i;

	if (n >= sizeof(host) || count_char(p, n, '.') < 2 ||
	    p[n - 1] == '.' || (p[n - 1] >= '0' && p[n - 1] <= '9')) {
		fwrite(p, 1, n, out);
		return;
	}
	memcpy(host, p, n);
	host[n] = '\0';
	for (i = 0; vc->cfg != NULL && i < vc->cfg->nservers; i++) {
		if (vc->cfg->servers[i].name != NULL &&
		    strcasecmp(vc->cfg->servers[i].name, host) == 0) {
			fputs(host, out);
			return;
		}
	}
	if (vc->cfg != NULL && vc->cfg->relay.name != NULL &&
	    strcasecmp(vc->cfg->relay.name, host) == 0) {
		fputs(host, out);
		return;
	}
	for (i = 0; i < json_array_size(vc->zones); i++) {
		const char *z = json_string_value(json_array_get(vc->zones, i));
		size_t zn = strlen(z);

		if (n >= zn && strcasecmp(host + n - zn, z) == 0 &&
		    (n == zn || host[n - zn - 1] == '.')) {
			fputs(host, out);	/* a list's zone */
			return;
		}
	}
	reg = view_registrable(host);
	if (reg == host)
		fputs(host, out);
	else
		fprintf(out, "*.%s", reg);
}

/*
 * redact_text - s with addresses (and, for ALL, foreign IPs and remote
 * hosts) masked, as a new heap string. A token right after "://" is a
 * URL's host: a list's lookup page, kept.
 */
static char *
redact_text(const struct vctx *vc, const char *s, int keep_accounts)
{
	char *buf = NULL;
	size_t blen = 0, n = strlen(s), i = 0, j, at;
	FILE *out = open_memstream(&buf, &blen);
	int after_scheme;

	if (out == NULL)
		return xstrdup(s);
	while (i < n) {
		if (!is_local_char(s[i]) && s[i] != ':') {
			fputc(s[i++], out);
			continue;
		}
		after_scheme = i >= 3 && memcmp(s + i - 3, "://", 3) == 0;
		for (j = i; j < n && (is_local_char(s[j]) || s[j] == ':'); j++)
			;
		if (j < n && s[j] == '@' && !keep_accounts) {
			at = j;
			for (j = at + 1; j < n && is_host_char(s[j]); j++)
				;
			if (j > at + 1 && memchr(s + at + 1, '.', j - at - 1)) {
				fputc(s[i], out);	/* d***@example.com */
				fputs("***@", out);
				fwrite(s + at + 1, 1, j - at - 1, out);
				i = j;
				continue;
			}
			j = at;
		}
		if (j < n && s[j] == '@') {	/* kept: copy the address */
			for (j++; j < n && is_host_char(s[j]); j++)
				;
			fwrite(s + i, 1, j - i, out);
			i = j;
			continue;
		}
		if (vc->redact == VIEW_REDACT_ALL && !after_scheme) {
			size_t k;

			for (k = i; k < j && is_ip_char(s[k]); k++)
				;
			if (k == j && mask_ip(vc, out, s + i, j - i)) {
				i = j;
				continue;
			}
			for (k = i; k < j && is_host_char(s[k]); k++)
				;
			if (k > i) {
				mask_host(vc, out, s + i, k - i);
				i = k;
				continue;
			}
		}
		fwrite(s + i, 1, j - i, out);
		i = j;
	}
	fclose(out);
	return buf;
}

/* Keys whose strings come from patterns/ or from us, never from a log. */
static int
is_trusted_key(const char *key)
{
	static const char *const keys[] = {
		"id", "name", "zone", "operator", "delist_url", "delisting",
		"duration", "status", "explain", "schema", "generated_at",
		"first_seen", "last_seen", "first_time", "last_time", "start",
		"since", "until", "blocklists", "domain"
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (strcmp(key, keys[i]) == 0)
			return 1;
	}
	return 0;
}

/* view_redact_node - mask every untrusted string under node (in place) */
void
view_redact_node(const struct vctx *vc, json_t *node, const char *key)
{
	const char *k;
	json_t *v;
	size_t i;
	char *masked;
	int keep_accounts;

	if (json_is_object(node)) {
		json_object_foreach(node, k, v) {
			if (json_is_string(v) && !is_trusted_key(k)) {
				keep_accounts = vc->redact !=
				    VIEW_REDACT_ALL && (strcmp(k, "account") ==
				    0 || strcmp(k, "sender") == 0);
				masked = redact_text(vc,
				    json_string_value(v), keep_accounts);
				json_object_set_new(node, k,
				    json_string(masked));
				free(masked);
			} else
				view_redact_node(vc, v, k);
		}
	} else if (json_is_array(node)) {
		for (i = 0; i < json_array_size(node); i++) {
			v = json_array_get(node, i);
			if (json_is_string(v) && !is_trusted_key(key)) {
				masked = redact_text(vc,
				    json_string_value(v), 0);
				json_array_set_new(node, i,
				    json_string(masked));
				free(masked);
			} else
				view_redact_node(vc, v, key);
		}
	}
}

/* ---- the sets redaction looks in ----------------------------------- */

/* view_our_ip_set - the listed IPs (ours by definition) as an object set */
json_t *
view_our_ip_set(const json_t *doc)
{
	json_t *set = json_object(), *bl, *ip;
	size_t i, k;

	json_array_foreach(json_object_get(doc, "blocklists"), i, bl) {
		json_array_foreach(json_object_get(bl, "listed_ips"), k, ip) {
			if (jstr(ip, "ip") != NULL)
				json_object_set_new(set, jstr(ip, "ip"),
				    json_true());
		}
	}
	return set;
}

/* view_list_zones - the DNS zones of the document's lists */
json_t *
view_list_zones(const json_t *doc)
{
	json_t *zones = json_array(), *bl;
	size_t i;

	json_array_foreach(json_object_get(doc, "blocklists"), i, bl) {
		if (jstr(bl, "zone") != NULL && *jstr(bl, "zone") != '\0')
			json_array_append_new(zones, json_string(jstr(bl,
			    "zone")));
	}
	return zones;
}
