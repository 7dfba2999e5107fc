/*
 * incident.h - the story of an outbreak, told from the delivery events and
 * submissions of one pass: which account flooded (and when), how long each
 * list listed which of our IPs (and the first delivery that shows it let
 * go), and when outbound mail moved to another IP or a smarthost. The
 * result is the summary's "incident" object (README lists its fields).
 *
 * Inputs: incident_add_submission() for every message an account handed
 * us (Postfix client= with sasl_username, pickup; Exim <=), and
 * incident_add_event() for every outbound delivery event (sent, deferred,
 * bounced), the same events agg_add() gets.
 *
 * Rules, briefly (incident.c says why):
 * - A flood is a run of buckets in which an account submitted at least
 *   flood_floor messages and more than flood_factor times its usual per
 *   bucket (the median bucket over the whole input, empty buckets counted).
 *   Candidates are opened while reading with the median so far, and are
 *   confirmed at the end with the median of the whole input.
 * - A listing window is one list citing one listed IP. It is cleared by the
 *   first successful delivery after its last rejection, from the same
 *   syslog host while that host still sends from that IP, to an MX host
 *   or a recipient domain that rejected us citing the list (a domain only
 *   counts when the delivery did not go through a smarthost).
 * - A smarthost switch: a relay that first appears after outbound mail
 *   went elsewhere, serves several destination domains and carries at
 *   least half of all outbound events from then on. An IP switch: the
 *   listed IP cited for one host changes and the old one stops being
 *   cited within a bucket.
 *
 * Limits: accounts (INCIDENT_MAX_ACCOUNTS), flood candidates
 * (INCIDENT_MAX_RUNS), windows (INCIDENT_MAX_WINDOWS), relays, domains
 * and hosts are capped. Past a cap new keys are not tracked, and the
 * object's "capped" member names the table. Distinct sets per flood and
 * per window are capped too; counts past them are lower bounds.
 *
 * Ownership: the incident copies every string it keeps; the spans in an
 * agg_event are borrowed for the call only. incident_json() returns a new
 * reference.
 */
#ifndef INCIDENT_H
#define INCIDENT_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "agg.h"

#define INCIDENT_FLOOD_FACTOR_DEFAULT	10.0
#define INCIDENT_FLOOD_FLOOR_DEFAULT	50	/* messages in one bucket */
#define INCIDENT_MAX_ACCOUNTS		65536
#define INCIDENT_MAX_RUNS		256
#define INCIDENT_MAX_WINDOWS		1024
#define INCIDENT_MAX_RELAYS		4096
#define INCIDENT_MAX_DOMAINS		65536
#define INCIDENT_MAX_HOSTS		256
#define INCIDENT_MAX_BUCKETS		100000	/* over 11 years of hours */
#define INCIDENT_SMARTHOST_DOMAINS	5	/* distinct destination domains */

struct incident_opts {
	long		bucket;		/* seconds; 0: one hour */
	double		flood_factor;	/* 0: INCIDENT_FLOOD_FACTOR_DEFAULT */
	unsigned long	flood_floor;	/* 0: INCIDENT_FLOOD_FLOOR_DEFAULT */
};

struct incident;

struct incident	*incident_new(const struct incident_opts *);
void		 incident_free(struct incident *);

/* incident_add_submission - one message an account submitted at time t */
void	incident_add_submission(struct incident *, time_t t,
	    const char *account);

/* incident_add_event - one outbound delivery event (as agg_add gets it) */
void	incident_add_event(struct incident *, const struct agg_event *);

/*
 * incident_json - the "incident" object: suspects[], windows[],
 * relay_switches[], timeline[], options and caps. input_first and
 * input_last are the input's span (0: none); "active at the end" means
 * a rejection in the input's last bucket.
 */
json_t	*incident_json(const struct incident *, time_t input_first,
	    time_t input_last);

/*
 * incident_window_finish - (re)compute a window object's derived members,
 * active_at_end and duration_seconds, from its first_seen, last_seen and
 * cleared_at; merge uses it after combining windows. 0, or -1 when a
 * time member is missing or malformed.
 */
int	incident_window_finish(json_t *window, time_t input_last, long bucket);

/*
 * incident_suspect_finish - (re)compute a suspect's bounce_ratio and
 * minutes_before_first_listing from its counts and the windows array.
 */
void	incident_suspect_finish(json_t *suspect, const json_t *windows);

/*
 * incident_timeline - the dated events of an incident object (its
 * suspects, windows and relay_switches), sorted by time: a new array of
 * {time, kind, text}. Kinds: flood_start, flood_end, listing_start,
 * relay_switch, listing_cleared.
 */
json_t	*incident_timeline(const json_t *incident);

#endif
