/* authdb_portalcache.h - the request-path read of an account's portal facts
 * (its own patient and its proxy relations, portal.h): a per-connection
 * cache, exact across processes thanks to the revocation epoch.
 *
 * Reading the facts costs two SQLite read transactions (account, proxies).
 * smart_authdb_portal_facts answers from memory while the shared revocation
 * epoch (core/fg_epoch.h) is unchanged. Every write that can change the
 * facts bumps it after its commit: proxy add and revoke (accounts' own
 * patient never changes once created; an unknown account is never cached).
 * The cached proxies are those not revoked and not expired at lookup time,
 * in any state of start: time only shrinks that set, and the portal rules
 * check start, expiry and revocation against the clock on every request,
 * so the derived view (which depends on "today") is never cached here.
 * The cache belongs to the connection (one per worker thread).
 */
#ifndef SMART_AUTHDB_PORTALCACHE_H
#define SMART_AUTHDB_PORTALCACHE_H

#include "authdb.h"
#include "portal.h"

#define SMART_PORTALCACHE_SLOTS 16 /* accounts per connection (direct-mapped), ~190 kB */

/* The facts of account_id into *out (a copy). FG_ENOTFOUND for an unknown
 * account; FG_ETOOBIG for more than SMART_PORTAL_MAX_PROXIES live proxies;
 * FG_ENOMEM / FG_EIO / FG_EBUSY from the database.
 * @test tests/unit/smart/authdb_portalcache_test.c */
enum fg_status smart_authdb_portal_facts(struct smart_authdb *db, int64_t account_id,
                                         struct smart_portal_facts *out);

/* Cache counters since open (for tests and benchmarks). */
void smart_authdb_portalcache_stats(const struct smart_authdb *db, uint64_t *hits,
                                    uint64_t *misses);

#endif
