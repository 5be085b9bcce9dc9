/* jwks_fetch.h - fetching a client's JWKS from its registered jwks_uri
 * (SMART client-confidential-asymmetric: registration by URL SHALL be
 * supported).
 *
 * libcurl, http(s) only, no redirects, 3 s total timeout, body capped at
 * SMART_MAX_JWKS_BYTES, TLS verified. Not cached yet: every assertion
 * fetches (the Cache-Control based cache is still to do).
 */
#ifndef FG_JWKS_FETCH_H
#define FG_JWKS_FETCH_H

#include "../core/fg_error.h"
#include "../smart/jwks.h"
#include "auth.h"

#define FG_JWKS_FETCH_TIMEOUT_MS 3000

/* Fetches url and parses it into set (empty on entry). FG_EUPSTREAM when
 * the fetch fails or answers non-200, FG_ETOOBIG past the cap, FG_EINVAL
 * when the body is not a usable JWKS. */
enum fg_status fg_jwks_fetch(struct fg_auth *a, const char *url, struct smart_jwks *set,
                             struct fg_error *err);

#endif
