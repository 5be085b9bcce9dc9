/* server.h - the HTTP server: one context for config, clock, logs, store
 * and the libmicrohttpd daemon (house style rule 9).
 *
 * Mode: MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL with a thread pool
 * of cfg.threads (measured faster than thread-per-connection; see
 * docs/toolchain-notes). Each request gets a struct fg_req with its own
 * pool (created in the URI log callback, freed once in the completion
 * callback, which also writes the access-log line).
 * HTTP: https://www.rfc-editor.org/rfc/rfc9110 ; FHIR: http://hl7.org/fhir/R4/http.html
 */
#ifndef FG_SERVER_H
#define FG_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/fg_clock.h"
#include "../core/fg_log.h"
#include "../fhir/store.h"
#include "../smart/policy.h"
#include "../smart/portal_rule.h"
#include "config.h"
#include "router.h"

struct MHD_Daemon;
struct fg_auth;
struct fg_audit;
struct MHD_Response;
struct fg_external;
struct evp_md_st;
struct fg_portal_births;
struct fg_bulk;
struct fg_tz;

struct fg_server {
    struct fg_config cfg;            /* copied at init */
    struct fg_clock clock;           /* pinned by cfg.now; what handlers and the store use */
    struct fg_clock wall;            /* never pinned: log timestamps */
    struct fg_log access_log;        /* JSON lines, one per request */
    struct fg_log log;               /* server events, to stderr */
    FILE *access_file;               /* owned unless stdout; NULL when off */
    struct fhir_store *store;        /* owned; NULL = no store. Set after init (the store
                                        borrows &srv->clock), closed by fg_server_cleanup */
    struct fg_auth *auth;            /* owned; NULL = no authorization server. Set after
                                        init (borrows &srv->clock and cfg.base_url), closed by
                                        fg_server_cleanup */
    struct fg_audit *audit;          /* owned; NULL = no audit log. Set after init (writes
                                        to the auth database), flushed and closed by
                                        fg_server_cleanup after the last request */
    struct fg_bulk *bulk;            /* owned; NULL = no bulk export. Set after init (runs
                                        jobs on the store), closed by fg_server_cleanup
                                        before the store */
    struct smart_policy policy;      /* the authorization rules (fg_access_rules_register) */
    struct fg_external *verifier;    /* owned; external token verification, NULL = local */
    struct smart_portal_rule_cfg portal_rule; /* the portal rules' settings and sources
                                                 (gateway/portal.c), borrowed by the policy */
    struct fg_portal_births *portal_births; /* owned: birthDates cached for the portal
                                               rules (gateway/portal_births.h) */
    struct fg_tz *portal_tz;         /* owned: the portal's time zone (portal_time_zone,
                                        core/fg_tz.h), loaded by fg_access_rules_register and
                                        immutable after; NULL = fixed portal_utc_offset */
    struct evp_md_st *sha256;        /* owned: SHA-256 fetched once for token digests
                                        (smart_token_digest_md); NULL = fetch per use */
    const struct fg_route *routes;   /* borrowed: the REST table (fg_routes by default) */
    size_t n_routes;
    struct fg_router routers[3];     /* the tables a request tries, in order (built-in, auth,
                                        REST = routes), prepared by fg_server_init */
    struct MHD_Daemon *daemon;       /* owned; NULL when not started */
    struct MHD_Response *bench_resp; /* owned: the static /_bench/bare answer */
    char *tls_cert_pem;              /* owned; must outlive the daemon */
    char *tls_key_pem;               /* owned */
    uint16_t port;                   /* the port actually bound */
    atomic_long in_flight;           /* requests between URI callback and completion */
    pthread_mutex_t capability_lock; /* guards the two fields below */
    char *capability_json;           /* owned: the CapabilityStatement, built on first use
                                        (it depends only on static tables and the base URL) */
    size_t capability_len;
};

/* The server's CapabilityStatement JSON text, built once on first use and
 * kept until fg_server_cleanup; *out borrows it. FG_ENOMEM on failure. */
enum fg_status fg_server_capability(struct fg_server *srv, struct fg_str *out);

/* Prepares srv from cfg (copied): pins the clock, opens the access log.
 * Does not listen yet. On failure msg says why and srv needs no cleanup.
 * @test tests/integration/server.test.mjs */
enum fg_status fg_server_init(struct fg_server *srv, const struct fg_config *cfg, char *msg,
                              size_t msg_size);

/* Starts listening (reads the TLS files when configured) and logs a
 * "listening" event with the bound port to stderr. */
enum fg_status fg_server_start(struct fg_server *srv, char *msg, size_t msg_size);

/* Graceful stop: stops accepting, waits up to grace_ms for in-flight
 * requests to finish, then stops the daemon (closing idle connections). */
void fg_server_stop(struct fg_server *srv, int grace_ms);

/* Frees everything srv owns (stopping first if needed) and closes the store. */
void fg_server_cleanup(struct fg_server *srv);

#endif
