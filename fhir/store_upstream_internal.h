/* store_upstream_internal.h - shared by the store_upstream*.c files only. */
#ifndef FHIR_STORE_UPSTREAM_INTERNAL_H
#define FHIR_STORE_UPSTREAM_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <cJSON.h>

#include "../core/fg_buf.h"
#include "../core/fg_limits.h"
#include "../core/fg_pool.h"
#include "search.h"
#include "store.h"
#include "store_upstream.h"

/* The gateway's own credentials for the upstream (never an app's). */
struct up_token {
    pthread_mutex_t lock;       /* guards access_token and expiry */
    char *access_token;         /* owned; NULL until fetched; wiped when replaced */
    int64_t refresh_at_mono_us; /* fetch a new one from here on */
};

struct up_store {
    struct fhir_store base; /* first: the store interface */
    char *url;              /* owned: upstream base without trailing '/' */
    char *base_url;         /* owned: ours, or "" */
    long connect_timeout_ms, timeout_ms;
    int retries;
    enum fhir_upstream_auth auth;
    char *bearer; /* owned secrets (wiped on close) */
    char *token_url, *client_id, *client_secret, *scope;
    char *ca_file; /* owned; NULL = the system's CA store */
    struct up_token token;
    unsigned char paging_key[32]; /* seals paging positions (store_upstream_page.c) */
    pthread_mutex_t pool_lock;    /* guards idle[] */
    void **idle;                  /* CURL * easy handles with live connections */
    size_t n_idle, max_idle;
};

struct up_response {
    long status;        /* HTTP status */
    struct fg_buf body; /* caller cleans up (up_response_cleanup) */
    char etag[FG_MAX_UPSTREAM_HEADER_VALUE];
    char location[FG_MAX_UPSTREAM_HEADER_VALUE];
};

void up_response_cleanup(struct up_response *r);

/* One HTTP exchange with the upstream: method, a path relative to the
 * upstream base ("Patient/1", "Observation?code=x") or "" for the base
 * itself, an optional JSON body (NULL ptr = none; sent with Prefer:
 * return=representation) and one optional extra header line
 * ("If-Match: W/\"2\""; NULL = none). GETs are retried on
 * connection failures and 502/503/504 (up to s->retries more times within
 * the timeout); nothing else is. A 401 under client_credentials drops the
 * cached token and tries once more with a fresh one. Only transport
 * failures are errors here: FG_EUPSTREAM (unreachable, too large),
 * FG_ETIMEOUT; any HTTP status is FG_OK with resp->status set.
 * resp is initialised here; clean it up also on failure. */
enum fg_status up_http(struct up_store *s, const char *method, struct fg_str path,
                       struct fg_str body, const char *extra_header, struct up_response *resp,
                       struct fg_error *err);

/* TLS settings of every handle (curl is a CURL *): peer and host verified,
 * TLS 1.2 and newer, the configured CA file. */
void up_tls_options(const struct up_store *s, void *curl);

/* The Authorization header value for the next request ("Bearer …") in
 * pool, fetching or refreshing a client_credentials token when due; NULL
 * *out under AUTH_NONE. force: drop the cached token first (after a 401).
 * FG_EUPSTREAM / FG_ETIMEOUT when the token endpoint fails. */
enum fg_status up_token_header(struct up_store *s, struct fg_pool *pool, bool force,
                               const char **out, struct fg_error *err);
void up_token_cleanup(struct up_token *t);

/* Maps an upstream answer that is not a success to the gateway's error:
 * 404/410/409/412/400/422 keep their meaning (with the upstream's first
 * diagnostic, cut short and made printable), 401/403 and 5xx are
 * FG_EUPSTREAM with a fixed text. what names the interaction. */
enum fg_status up_status_error(const struct up_response *r, const char *what, struct fg_error *err);

/* ---- parsing (store_upstream_parse.c) ---- */

/* Parses JSON text from the upstream (under the depth limit) into a tree
 * owned by pool. FG_EUPSTREAM when it is not one JSON object. */
enum fg_status up_parse_json(struct fg_pool *pool, struct fg_str text, cJSON **out,
                             struct fg_error *err);

/* Fills *out from one resource of an upstream answer: type, id, version
 * (integer when meta.versionId is one, else version_id), lastUpdated, the
 * JSON text (printed again so it is one compact object) and the patient
 * compartment. References on upstream_base (may be empty) are made
 * relative first. The tree must live as long as pool (it is borrowed).
 * FG_EUPSTREAM when it has no resourceType or no valid id, or expect_type
 * (non-empty) differs. */
enum fg_status up_resource_from_json(struct fg_pool *pool, struct fg_str upstream_base, cJSON *res,
                                     struct fg_str expect_type, struct fhir_resource *out,
                                     struct fg_error *err);

/* A searchset or history Bundle from the upstream, as the store interface
 * wants it. */
struct up_bundle {
    struct fhir_resource *matches; /* searchset "match" (or no mode); history entries */
    size_t n_matches;
    struct fhir_resource *included; /* "include" */
    size_t n_included;
    size_t n_outcome;   /* "outcome" entries (warnings), dropped */
    int64_t total;      /* -1 when absent */
    struct fg_str next; /* paging state of the next/previous links (see
                           up_link_state); empty when none */
    struct fg_str prev;
    struct fg_str self; /* the self link as sent (empty when none) */
};

/* Parses a Bundle of type bundle_type ("searchset" or "history").
 * Entries without a resource are allowed only in history (deletes: a
 * delete marker is made from request.url). Every entry must be a valid
 * resource; FG_EUPSTREAM otherwise.
 * @test tests/unit/fhir/store_upstream_test.c, tests/fuzz/upstream_bundle_fuzz.c */
enum fg_status up_bundle_parse(struct fg_pool *pool, struct fg_str upstream_base,
                               struct fg_str type, struct fg_str text, const char *bundle_type,
                               struct up_bundle *out, struct fg_error *err);

/* The paging state of an upstream link: its query parameters minus those
 * the gateway itself sends (every search parameter is rebuilt from the
 * re-authorized query on each page), kept only when the link is on the
 * upstream base. The result is a query string ("_offset=20",
 * "_getpages=x&_getpagesoffset=20"), pool-owned; empty when the link has no
 * state or is not on the upstream. FG_EUPSTREAM for a link with bad
 * escapes or one over FG_MAX_UPSTREAM_CURSOR bytes. */
enum fg_status up_link_state(struct fg_pool *pool, struct fg_str upstream_base, struct fg_str type,
                             struct fg_str link, struct fg_str *out, struct fg_error *err);

/* Checks a client's _cursor (state made by up_link_state, echoed back):
 * a query string of at most FG_MAX_UPSTREAM_CURSOR bytes whose names are paging
 * names (start with '_', not one the gateway sends itself) and whose
 * values are plain. FG_EINVAL otherwise. */
enum fg_status up_cursor_check(struct fg_str type, struct fg_str cursor, struct fg_error *err);

/* The integer value of the first pair `name` of a paging state, or 0. */
int64_t up_state_int(struct fg_str state, const char *name);

/* ---- sealed paging positions (store_upstream_page.c) ---- */

/* The key: SHA-256 of secret when given (non-empty), else random bytes.
 * FG_EIO when there is no randomness. */
enum fg_status up_paging_key_init(struct up_store *s, const char *secret, struct fg_error *err);

/* "<state>~<mac>" in pool: state (an upstream paging state) bound to kind
 * ("search", "history") and the request the gateway rebuilds for the page
 * (bound). The empty slice for an empty state (no such page), one over
 * FG_MAX_UPSTREAM_CURSOR bytes (up_link_state makes none) or no memory.
 * @test tests/unit/fhir/store_upstream_test.c */
struct fg_str up_page_seal(struct fg_pool *pool, const struct up_store *s, const char *kind,
                           struct fg_str bound, struct fg_str state);

/* The state of a sealed position, checked (constant time) against kind
 * and bound; a slice of sealed. FG_EINVAL naming param ("_cursor",
 * "_page") when it was not sealed here for this very request. */
enum fg_status up_page_open(const struct up_store *s, const char *kind, struct fg_str bound,
                            struct fg_str sealed, const char *param, struct fg_str *state,
                            struct fg_error *err);

/* The write op (store_upstream_write.c). */
enum fg_status up_write(struct fhir_store *store, struct fg_pool *pool,
                        const struct fhir_write *writes, size_t n,
                        struct fhir_write_result *results, struct fg_error *err);

/* ---- queries (store_upstream_query.c) ---- */

/* The compartment parameters of type, the one sent first ("leg 0":
 * subject, else patient, else beneficiary, else the first listed; `_id`
 * for Patient), then the others in CompartmentDefinition order, into
 * legs[max]. Returns how many (0: the type is in no patient compartment).
 * @test tests/unit/fhir/store_upstream_test.c */
size_t up_compartment_legs(struct fg_str type, const char **legs, size_t max);

/* The upstream request path of a search on compartment leg `leg` (see
 * up_compartment_legs; 0 without a compartment restriction):
 * "<Type>?<query>&_count=N[&cursor]". Filters (client and policy ones),
 * sorts and includes are sent; the compartment restriction becomes a
 * reference search on the leg's parameter (or _id for Patient);
 * _summary and _elements are applied by the gateway on the full resources
 * instead. *empty is set when the restriction leaves nothing to ask (a
 * type outside the patient compartment, or without such a leg).
 * @test tests/unit/fhir/store_upstream_test.c */
enum fg_status up_search_leg_path(struct fg_pool *pool, const struct fhir_query *q, size_t leg,
                                  struct fg_str *out, bool *empty, struct fg_error *err);

/* A chained parameter lets the upstream test resources the gateway never
 * sees. Under a compartment restriction, a first hop to Patient is checked
 * on each match (up_match_holds), a first hop to another patient-compartment
 * type through the targets the upstream includes (up_chain_includes; not
 * together with a client's _include/_revinclude); a later hop to a
 * patient-compartment type cannot be checked: FG_ENOTSUP naming the type. */
enum fg_status up_check_chains(const struct fhir_query *q, struct fg_error *err);

/* Is r, a match the upstream returned, one to show? It must be in the
 * compartment of one of q's patients (when q has that restriction), every
 * Patient its chained parameters reference must be one of them (a match
 * another patient's record made would tell the client something about
 * that record; a chain's first hop to another patient-compartment type
 * is checked on the targets, which must be among `included` (up_chain_includes
 * asked for them) and in q's compartments or in none), and it must satisfy q's filters as this gateway evaluates
 * them (fhir/match.h): another server's matching differs in places, and
 * what it matched wrongly is not handed out. */
bool up_match_holds(const struct up_store *s, struct fg_pool *pool, const struct fhir_query *q,
                    const struct fhir_resource *r, const struct fhir_resource *included,
                    size_t n_included);

/* up_match_holds for r, a match of secondary leg `leg`, that is also not a
 * match of an earlier leg (one of the earlier legs' parameters of r names
 * one of q's patients: that leg listed it already). r is parsed once for
 * both. */
bool up_leg_match_holds(const struct up_store *s, struct fg_pool *pool, const struct fhir_query *q,
                        size_t leg, const struct fhir_resource *r,
                        const struct fhir_resource *included, size_t n_included);

/* q with one _include per chained parameter whose first hop goes to a
 * patient-compartment type other than Patient (under a compartment
 * restriction), so the upstream returns the targets it tested and
 * up_match_holds can check whose they are; *added tells whether any was
 * added (the included resources are then the gateway's, not the client's).
 * *out shares q's arrays otherwise. FG_ENOMEM only. */
enum fg_status up_chain_includes(struct fg_pool *pool, const struct fhir_query *q,
                                 struct fhir_query *out, bool *added);

/* Did the upstream use every filter it was sent? A server's self link
 * names the parameters it used (search.html#conformance): a filter sent in
 * `sent` (our query string) whose name the self link lacks was ignored,
 * and the answer would be wider than asked. FG_ENOTSUP naming it; FG_OK
 * when all were used or there is no self link (with a query) to tell.
 * @test tests/unit/fhir/store_upstream_test.c */
enum fg_status up_check_used(struct fg_str type, struct fg_str sent, struct fg_str self,
                             struct fg_error *err);

/* Is the resource in the compartment of one of q's patients (true when q
 * has no compartment restriction)? */
bool up_in_compartment(const struct fhir_query *q, const struct fhir_resource *r);

#endif
