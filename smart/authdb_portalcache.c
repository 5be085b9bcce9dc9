/* authdb_portalcache.c - cached portal facts, invalidated by the revocation epoch. */
#include "authdb_portalcache.h"

#include <openssl/crypto.h>
#include <stddef.h>
#include <string.h>

#include "../core/fg_mem.h"
#include "authdb_internal.h"

void authdb_portalcache_cleanup(struct authdb_portalcache *c)
{
    fg_free(c->slots);
    memset(c, 0, sizeof *c);
}

/* The facts from the database (two read transactions). */
static enum fg_status load(struct smart_authdb *db, int64_t account_id,
                           struct smart_portal_facts *out)
{
    struct smart_account acc;
    memset(out, 0, sizeof *out);
    enum fg_status st = smart_authdb_account_get_by_id(db, account_id, &acc);
    if (st != FG_OK)
        return st;
    OPENSSL_cleanse(acc.password_hash, sizeof acc.password_hash);
    memcpy(out->own_patient, acc.patient_id, sizeof out->own_patient);
    return smart_authdb_proxies_live(db, account_id, out->proxies, SMART_PORTAL_MAX_PROXIES,
                                     &out->n_proxies);
}

/* Copies only the proxies in use (the array is large). */
static void copy_facts(struct smart_portal_facts *dst, const struct smart_portal_facts *src)
{
    memcpy(dst, src, offsetof(struct smart_portal_facts, proxies));
    memcpy(dst->proxies, src->proxies, src->n_proxies * sizeof src->proxies[0]);
    dst->n_proxies = src->n_proxies;
}

enum fg_status smart_authdb_portal_facts(struct smart_authdb *db, int64_t account_id,
                                         struct smart_portal_facts *out)
{
    struct authdb_portalcache *c = &db->portalcache;
    if (account_id <= 0)
        return FG_ENOTFOUND;
    if (!c->slots) {
        c->slots = fg_calloc(SMART_PORTALCACHE_SLOTS, sizeof *c->slots);
        if (!c->slots)
            return FG_ENOMEM;
    }
    /* Read the epoch before the lookup: a change committed after this
     * point bumps it and so invalidates what we are about to cache. */
    uint64_t epoch = smart_authdb_revocation_epoch(db);
    struct authdb_portal_entry *e = &c->slots[(uint64_t)account_id % SMART_PORTALCACHE_SLOTS];
    if (e->account_id == account_id && e->epoch == epoch) {
        c->hits++;
        copy_facts(out, &e->facts);
        return FG_OK;
    }
    c->misses++;
    e->account_id = 0; /* the slot is rewritten below, or stays empty on failure */
    enum fg_status st = load(db, account_id, &e->facts);
    if (st != FG_OK)
        return st;
    e->account_id = account_id;
    e->epoch = epoch;
    copy_facts(out, &e->facts);
    return FG_OK;
}

void smart_authdb_portalcache_stats(const struct smart_authdb *db, uint64_t *hits,
                                    uint64_t *misses)
{
    *hits = db->portalcache.hits;
    *misses = db->portalcache.misses;
}
