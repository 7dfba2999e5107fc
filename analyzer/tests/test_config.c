/*
 * test_config.c - the site config: the example file and the fixture load,
 * errors name file:line, --set overrides and checks values, a missing
 * default file is fine and a missing explicit one is not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "config.h"

/* write_tmp - a temporary YAML file with text; returns its path (static) */
static const char *
write_tmp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_config.XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* load_err - load text, expect failure, return the message (static) */
static const char *
load_err(const char *text)
{
	static char err[512];
	struct site_config *cfg = config_load(write_tmp(text), 1, err,
	    sizeof(err));

	cr_assert_null(cfg, "loaded: %s", text);
	return err;
}

Test(config, fixture_site_config_loads_every_fact)
{
	char err[256];
	struct site_config *cfg = config_load("fixtures/config/site.yaml", 1,
	    err, sizeof(err));

	cr_assert_not_null(cfg, "%s", err);
	cr_assert_str_eq(cfg->company, "Example Hosting");
	cr_assert_str_eq(cfg->support_email, "support@example.net");
	cr_assert_str_eq(cfg->support_url, "https://status.example.net/");
	cr_assert_eq(cfg->nservers, 1);
	cr_assert_str_eq(cfg->servers[0].name, "mail.example.net");
	cr_assert_str_eq(cfg->servers[0].ip, "203.0.113.25");
	cr_assert_str_eq(cfg->relay.ip, "198.51.100.5");
	cr_assert_str_eq(cfg->timezone, "Africa/Johannesburg");
	cr_assert_not_null(strchr(cfg->signature, '\n'));
	cr_assert_eq(cfg->ndigest_to, 2);
	cr_assert_str_eq(cfg->digest_to[1], "noc@example.net");
	cr_assert(config_is_our_ip(cfg, "203.0.113.25"));
	cr_assert(config_is_our_ip(cfg, "198.51.100.5"));
	cr_assert_not(config_is_our_ip(cfg, "192.0.2.4"));
	config_free(cfg);
}

Test(config, commented_example_config_loads)
{
	char err[256];
	struct site_config *cfg = config_load("etc/bouncelog.yaml", 1, err,
	    sizeof(err));

	cr_assert_not_null(cfg, "%s", err);
	cr_assert_not_null(cfg->company);
	config_free(cfg);
}

Test(config, missing_default_file_is_an_empty_config)
{
	char err[256];
	struct site_config *cfg = config_load("/nonexistent/bouncelog.yaml",
	    0, err, sizeof(err));

	cr_assert_not_null(cfg);
	cr_assert_null(cfg->company);
	cr_assert_eq(cfg->nservers, 0);
	config_free(cfg);
}

Test(config, missing_explicit_file_is_an_error)
{
	char err[256];

	cr_assert_null(config_load("/nonexistent/bouncelog.yaml", 1, err,
	    sizeof(err)));
	cr_assert_str_eq(err, "/nonexistent/bouncelog.yaml: No such file or "
	    "directory");
}

Test(config, errors_name_file_and_line)
{
	const char *err;

	err = load_err("company: A\nsupport:\n  emial: x@example.net\n");
	cr_assert_not_null(strstr(err, ":3: unknown key 'support.emial'"),
	    "%s", err);
	err = load_err("company: A\nrelay:\n  ip: 300.1.2.3\n");
	cr_assert_not_null(strstr(err, ":3: relay.ip: expected an IPv4"),
	    "%s", err);
	err = load_err("company: [unclosed\n");
	cr_assert_not_null(strstr(err, ":2: "), "%s", err);
	err = load_err("display:\n  timezone: Mars/Olympus\n");
	cr_assert_not_null(strstr(err, ":2: display.timezone"), "%s", err);
	err = load_err("display:\n  timezone: ../../etc/passwd\n");
	cr_assert_not_null(strstr(err, ":2: display.timezone"), "%s", err);
	err = load_err("servers:\n  - name: a.example.net\n    ip: nope\n");
	cr_assert_not_null(strstr(err, ":3: servers.0.ip"), "%s", err);
	err = load_err("a: [[[[[[[[[[1]]]]]]]]]]\n");
	cr_assert_not_null(strstr(err, "nested deeper than 8"), "%s", err);
}

Test(config, values_that_could_break_a_mail_header_are_refused)
{
	const char *err;

	err = load_err("digest:\n  from: \"a@example.net\\r\\nBcc: b@example.org\"\n");
	cr_assert_not_null(strstr(err, ":2: digest.from"), "%s", err);
	err = load_err("digest:\n  to: \"<x>@example.net\"\n");
	cr_assert_not_null(strstr(err, "digest.to"), "%s", err);
	err = load_err("company: \"Evil\\e[31m\"\n");
	cr_assert_not_null(strstr(err, ":1: company"), "%s", err);
}

Test(config, set_overrides_and_checks_values)
{
	char err[256];
	struct site_config *cfg = config_new();

	cr_assert_eq(config_set(cfg, "company=Örnek Barındırma", err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(cfg->company, "Örnek Barındırma");
	cr_assert_eq(config_set(cfg, "servers.0.ip=2001:db8::25", err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(config_set(cfg, "servers.0.name=mail.example.net", err,
	    sizeof(err)), 0, "%s", err);
	cr_assert_eq(cfg->nservers, 1);
	cr_assert_eq(config_set(cfg, "servers.5.ip=192.0.2.1", err,
	    sizeof(err)), -1);
	cr_assert_eq(config_set(cfg, "digest.to=a@example.net,b@example.net",
	    err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(cfg->ndigest_to, 2);
	cr_assert_eq(config_set(cfg, "digest.to=c@example.net", err,
	    sizeof(err)), 0);
	cr_assert_eq(cfg->ndigest_to, 1);
	cr_assert_eq(config_set(cfg, "relay.ip=1.2.3", err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "--set relay.ip:"), "%s", err);
	cr_assert_eq(config_set(cfg, "nokey", err, sizeof(err)), -1);
	cr_assert_eq(config_set(cfg, "colour=blue", err, sizeof(err)), -1);
	cr_assert_not_null(strstr(err, "unknown key 'colour'"), "%s", err);
	config_free(cfg);
}
