/* selftest.h - the conformance self-test (`fhirgate conformance`): the US
 * Core single-patient API checks of the conformance checklist §4 (C-1, C-2,
 * S-1..S-11, M-1..M-7, U-1) run against any FHIR R4 base URL, with one
 * result line per check: PASS / FAIL / SKIP (with the reason), the check
 * id, what it covered, and its time. A foreign server's failures are
 * results, never fatal.
 *
 * The searches, their parameters and fixed values come from the generated
 * kit table (uscore_kit.h); "does this entry match" is st_match.h; the
 * validation and Must Support coverage are the C validator (validate.h).
 * Internal to conformance/: selftest.c (context, reporting, search runner),
 * st_search.c (S- checks per profile), st_content.c (C-, M-, U- checks),
 * cmd_conformance.c (the command line).
 */
#ifndef FG_SELFTEST_H
#define FG_SELFTEST_H

#include <cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/fg_limits.h"
#include "st_http.h"
#include "st_match.h"
#include "uscore_kit.h"

#define ST_QUERY_MAX 4096
#define ST_DETAIL_MAX 400

enum st_result { ST_PASS, ST_FAIL, ST_SKIP };

struct st_options {
    const char *base;                      /* FHIR base URL */
    const char *token;                     /* bearer token or NULL */
    const char *patients[FG_SELFTEST_MAX_PATIENTS]; /* ids; none = discover */
    size_t n_patients;
    bool quiet;                            /* only FAIL and SKIP lines */
    bool insecure;                         /* do not verify TLS certificates */
};

struct st_ctx {
    const struct st_options *opt;
    struct st_http *http;
    struct st_http *anon;      /* no token: GET /metadata (C-1) */
    FILE *out;
    int passed, failed, skipped;
    int64_t started_us;
    cJSON *seen;               /* "Type/id" -> resource, everything returned (owned) */
    cJSON **found;             /* per fg_kit_groups index: array of the group's resources */
};

/* One page-followed search. pairs_query is "a=v&b=v" (values encoded). */
struct st_search {
    long status;               /* of the first page that was not 200, else 200; 0 = transport */
    bool outcome;              /* a non-200 answer carried an OperationOutcome */
    char error[ST_DETAIL_MAX]; /* why it failed, or "" */
    cJSON *matches;            /* array of resources (owned) */
    cJSON *included;           /* array of resources (owned) */
};

/* Runs GET [type]?query (or POST [type]/_search with the query as form
 * body), follows next links, records every resource in ctx->seen. */
void st_search_run(struct st_ctx *c, const char *type, const char *query, bool post,
                   struct st_search *out);
void st_search_clear(struct st_search *s);

/* Prints one result line and counts it. detail may be NULL. */
void st_report(struct st_ctx *c, enum st_result r, const char *id, const char *subject,
               int64_t micros, const char *detail);

/* Appends "&name=value" (value percent-encoded; no '&' when q is empty) to q. */
bool st_query_add(char q[ST_QUERY_MAX], const char *name, const char *value);

/* The sorted, comma-joined ids of a resource array in out (for comparing
 * two searches); false when they do not fit. */
bool st_ids(const cJSON *arr, char *out, size_t cap);

/* Adds a copy of res to the group's resources (once per Type/id). */
void st_found_add(struct st_ctx *c, size_t group, const cJSON *res);

/* The checks: S- per group (st_search.c), then C-, M-, U- (st_content.c). */
void st_check_searches(struct st_ctx *c);
void st_check_delayed(struct st_ctx *c);
/* C-1 and C-2; false when the server could not be reached at all (the
 * run then stops: every other check would fail the same way). */
bool st_check_capability(struct st_ctx *c);
void st_check_content(struct st_ctx *c);
void st_check_docref(struct st_ctx *c);

/* Runs everything; returns 0 when nothing failed (and, with
 * require_all, nothing was skipped), 1 otherwise. */
int st_run(const struct st_options *opt, bool require_all, FILE *out);

#endif
