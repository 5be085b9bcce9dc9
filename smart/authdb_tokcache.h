/* authdb_tokcache.h - the request-path token check: a per-connection cache
 * of token lookups, exact across processes thanks to the revocation epoch.
 *
 * smart_authdb_token_lookup costs an SQLite read transaction (about 7 µs
 * here, mostly file-lock system calls). smart_authdb_token_check answers
 * repeated checks of the same token from memory while the shared
 * revocation epoch (core/fg_epoch.h) is unchanged, re-evaluating expiry against the
 * clock on every call; any committed revocation anywhere changes the epoch
 * and the next check goes to the database. Unknown tokens are never
 * cached. The cache belongs to the connection (one per worker thread).
 */
#ifndef SMART_AUTHDB_TOKCACHE_H
#define SMART_AUTHDB_TOKCACHE_H

#include "authdb_grants.h"

#define SMART_TOKCACHE_WAYS 4      /* entries per set */
#define SMART_TOKCACHE_SETS 1024   /* sets per connection: 4096 tokens, about 1.5 MB */

/* Checks the token whose digest is given. FG_OK sets *out to a borrowed
 * answer (out->active says whether it may be used now), valid until the
 * next call on db or smart_authdb_close; FG_ENOTFOUND for an unknown
 * token; FG_ENOMEM / FG_EIO / FG_EBUSY from the database.
 * @test tests/unit/smart/authdb_test.c */
enum fg_status smart_authdb_token_check(struct smart_authdb *db, struct fg_str digest,
                                        const struct smart_token_info **out);

/* The same check for a bearer token of this server (SMART_TOKEN_CHARS
 * characters), without hashing it when the cache holds the answer for this
 * very token: each cached entry keeps the token it was reached with
 * (compared in constant time; wiped at close), so only a miss computes the
 * token's SHA-256 digest (with md, NULL = fetch it) and goes on as
 * smart_authdb_token_check. Same answers, the same epoch rule: a revocation
 * is seen on the very next check. FG_ENOTFOUND for another length.
 * @test tests/unit/smart/authdb_grants_test.c */
enum fg_status smart_authdb_token_check_bearer(struct smart_authdb *db,
                                               const struct evp_md_st *md, struct fg_str token,
                                               const struct smart_token_info **out);

/* Cache counters since open (for tests and benchmarks). */
void smart_authdb_tokcache_stats(const struct smart_authdb *db, uint64_t *hits, uint64_t *misses);

#endif
