/* jwks_fetch.h - fetching a client's JWKS from its registered jwks_uri
 * (SMART client-confidential-asymmetric: registration by URL SHALL be
 * supported), with a small cache that follows Cache-Control.
 *
 * libcurl, http(s) only, no redirects, 3 s total timeout, body capped at
 * SMART_MAX_JWKS_BYTES. A fetched document is kept per URL for its
 * max-age (default 5 minutes, at most an hour; no-store / no-cache keep
 * nothing). A caller whose assertion names a kid the cached set lacks
 * fetches again with force (the client rotated its keys).
 */
#ifndef FG_JWKS_FETCH_H
#define FG_JWKS_FETCH_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/fg_clock.h"
#include "../core/fg_error.h"
#include "../smart/jwks.h"

#define FG_JWKS_FETCH_TIMEOUT_MS 3000
#define FG_JWKS_CACHE_DEFAULT_S 300
#define FG_JWKS_CACHE_MAX_S 3600
#define FG_JWKS_CACHE_ENTRIES 32

struct fg_jwks_cache;

/* Caller owns *out (fg_jwks_cache_free). FG_ENOMEM. */
enum fg_status fg_jwks_cache_new(struct fg_jwks_cache **out);
void fg_jwks_cache_free(struct fg_jwks_cache **cache);

/* Seconds a response with this Cache-Control value may be reused: 0 for
 * no-store / no-cache / max-age=0, max-age capped at FG_JWKS_CACHE_MAX_S,
 * FG_JWKS_CACHE_DEFAULT_S when absent or unparsable.
 * @test tests/unit/gateway/auth_issue_test.c */
int64_t fg_jwks_cache_lifetime(struct fg_str cache_control);

/* The JWKS at url parsed into set (empty on entry): from the cache unless
 * force or expired, else fetched. FG_EUPSTREAM when the fetch fails or
 * answers non-200, FG_ETOOBIG past the cap, FG_EINVAL when the body is not
 * a usable JWKS (err says which). Thread-safe.
 * @test tests/integration/smart-token.test.mjs */
enum fg_status fg_jwks_fetch(struct fg_jwks_cache *cache, const struct fg_clock *clock,
                             const char *url, bool force, struct smart_jwks *set,
                             struct fg_error *err);

#endif
