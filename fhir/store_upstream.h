/* store_upstream.h - the record store as an upstream FHIR R4 server over HTTP.
 *
 * The second backend of store.h: every op is one (or, for paging and
 * retries, a few) REST calls to an existing FHIR server, so the gateway's
 * authorization, policy and audit sit in front of a record store it does
 * not own. Files: store_upstream.c (the ops), store_upstream_http.c
 * (libcurl: a pool of easy handles with keep-alive, HTTP/2 where offered,
 * timeouts, retries of idempotent GETs, upstream authentication),
 * store_upstream_token.c (client_credentials tokens refreshed before expiry),
 * store_upstream_page.c (paging positions sealed to their request),
 * store_upstream_parse.c (upstream resources and Bundles, paging links as
 * cursors), store_upstream_query.c (a parsed query written for the upstream).
 * Spec: http://hl7.org/fhir/R4/http.html , https://curl.se/libcurl/c/
 *
 * The app's token never reaches the upstream: requests carry only the
 * gateway's own upstream credentials. Upstream failures are FG_EUPSTREAM
 * (502) or FG_ETIMEOUT (504) with a diagnostic that names the problem but
 * none of the upstream's internals.
 * @test tests/unit/fhir/store_upstream_test.c, tests/integration/upstream.test.mjs
 */
#ifndef FHIR_STORE_UPSTREAM_H
#define FHIR_STORE_UPSTREAM_H

#include "../core/fg_clock.h"
#include "../core/fg_error.h"
#include "store.h"

enum fhir_upstream_auth {
    FHIR_UPSTREAM_AUTH_NONE,
    FHIR_UPSTREAM_AUTH_BEARER,            /* a static token (bearer_token) */
    FHIR_UPSTREAM_AUTH_CLIENT_CREDENTIALS /* OAuth 2 client_credentials at token_url */
};

struct fhir_store_upstream_options {
    const char *url;        /* the upstream FHIR base, http(s)://host[:port]/path */
    const char *base_url;   /* this gateway's FHIR base (for references); may be NULL */
    int connect_timeout_ms; /* 0 = 2000 */
    int timeout_ms;         /* whole request; 0 = 30000 */
    int retries;            /* extra tries of a failed GET; < 0 = 0; 0 given = none */
    int max_idle;           /* pooled easy handles (keep-alive connections); 0 = 16 */
    enum fhir_upstream_auth auth;
    const char *bearer_token; /* AUTH_BEARER */
    const char *token_url;    /* AUTH_CLIENT_CREDENTIALS */
    const char *client_id;
    const char *client_secret; /* client_secret_basic */
    const char *scope;         /* may be NULL */
    const char *ca_file;       /* PEM CA bundle to verify an https upstream; NULL/"" =
                                  the system's */
    const char *paging_key;    /* seals the paging positions given to clients; NULL/"" =
                                  random per process (then a link works only on the
                                  process that gave it) */
};

/* Opens the backend; nothing is sent until the first op. Every string of
 * opt is copied (secrets are wiped on close). The clock is borrowed.
 * Caller owns *out, close with fhir_store_close. On failure *out is
 * untouched: FG_EINVAL (err says which option) for a URL that is not
 * http(s), a missing token or client setting; FG_ENOMEM. */
enum fg_status fhir_store_upstream_open(const struct fhir_store_upstream_options *opt,
                                        const struct fg_clock *clock, struct fhir_store **out,
                                        struct fg_error *err);

#endif
