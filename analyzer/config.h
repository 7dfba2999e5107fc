/*
 * config.h - the site config (YAML, libyaml): facts about us that no log
 * holds, for the reports people read (view.c) and the digest mail (mail.c).
 *
 *   company: Example Hosting
 *   support: { email: support@example.net, phone: ..., url: ... }
 *   servers: [ { name: mail.example.net, ip: 203.0.113.25 } ]
 *   relay: { name: relay.example.net, ip: 198.51.100.5 }
 *   display: { timezone: Africa/Johannesburg }
 *   signature: "The Example Hosting team"
 *   digest: { from: bouncelog@example.net, to: [postmaster@example.net] }
 *
 * etc/bouncelog.yaml is the commented example. Every key is optional;
 * unknown keys are errors (a typo should not silently drop a fact).
 * Values are checked on load and by config_set(): no control bytes in any
 * value (the signature may hold newlines), IPs must parse, the time zone
 * must exist, mail addresses must look like local@domain. So nothing from
 * the config can break a mail header.
 *
 * Limits: the file is at most CONFIG_MAX_BYTES, nested at most
 * CONFIG_MAX_DEPTH, at most CONFIG_MAX_SERVERS servers and
 * CONFIG_MAX_RECIPIENTS digest recipients; past a limit loading fails.
 *
 * Errors: NULL or -1 with "file:line: what" in err (NUL-terminated when
 * errlen > 0); nothing is printed, the caller reports.
 *
 * Ownership: config_load() and config_new() return a config the caller
 * frees with config_free(); every string in it belongs to it.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>

#define CONFIG_DEFAULT_PATH	"/etc/bouncelog/bouncelog.yaml"
#define CONFIG_MAX_BYTES	(256 * 1024)
#define CONFIG_MAX_DEPTH	8
#define CONFIG_MAX_SERVERS	64
#define CONFIG_MAX_RECIPIENTS	32

struct site_server {
	char	*name;		/* host name, e.g. mail.example.net; or NULL */
	char	*ip;		/* sending IP, e.g. 203.0.113.25; or NULL */
};

struct site_config {
	char			*path;		/* the file read, or NULL */
	char			*company;
	char			*support_email;
	char			*support_phone;
	char			*support_url;
	struct site_server	*servers;
	size_t			 nservers;
	struct site_server	 relay;		/* the relay we switch to */
	char			*timezone;	/* display zone; NULL: UTC */
	char			*signature;	/* may hold newlines */
	char			*digest_from;
	char			**digest_to;
	size_t			 ndigest_to;
};

/* config_new - an empty config (every fact unknown, display zone UTC) */
struct site_config	*config_new(void);

/*
 * config_load - read path, or CONFIG_DEFAULT_PATH when path is NULL. A
 * missing file is not an error unless is_explicit (--config was given):
 * then an empty config comes back. NULL with err on any other problem.
 */
struct site_config	*config_load(const char *path, int is_explicit,
			    char *err, size_t errlen);

/*
 * config_set - one "key=value" override (--set), keys as in the YAML with
 * dots: company, support.email, support.phone, support.url, servers.N.name,
 * servers.N.ip (N up to nservers appends), relay.name, relay.ip,
 * display.timezone, signature, digest.from, digest.to (replaces the list;
 * commas separate addresses). 0, or -1 with "--set: what" in err.
 */
int	config_set(struct site_config *, const char *key_eq_value, char *err,
	    size_t errlen);

/* config_is_our_ip - 1 when ip is one of our servers' or the relay's */
int	config_is_our_ip(const struct site_config *, const char *ip);

/* config_free - free a config; NULL does nothing */
void	config_free(struct site_config *);

#endif
