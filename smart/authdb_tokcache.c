/* authdb_tokcache.c - cached token checks, invalidated by the revocation epoch. */
#include "authdb_tokcache.h"

#include <string.h>

#include <openssl/crypto.h>

#include "../core/fg_mem.h"
#include "authdb_internal.h"

#define N_SLOTS (SMART_TOKCACHE_SETS * SMART_TOKCACHE_WAYS)

void authdb_tokcache_cleanup(struct authdb_tokcache *c)
{
    if (c->slots) {
        for (size_t i = 0; i < N_SLOTS; i++) {
            fg_free(c->slots[i].info.scopes);
            OPENSSL_cleanse(c->slots[i].token, sizeof c->slots[i].token);
        }
        fg_free(c->slots);
    }
    fg_free(c->by_token);
    memset(c, 0, sizeof *c);
}

static enum fg_status ensure_slots(struct authdb_tokcache *c)
{
    if (!c->slots)
        c->slots = fg_calloc(N_SLOTS, sizeof *c->slots);
    if (!c->by_token)
        c->by_token = fg_calloc(SMART_TOKCACHE_SETS, sizeof *c->by_token);
    return c->slots && c->by_token ? FG_OK : FG_ENOMEM;
}

static unsigned hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return (unsigned)(ch - '0');
    if (ch >= 'a' && ch <= 'f')
        return (unsigned)(ch - 'a' + 10);
    return 0;
}

/* First entry of the digest's set, from its first hex digits (SHA-256
 * output is uniform, and the digest is of a random token). */
static struct authdb_tokcache_entry *set_of(struct authdb_tokcache *c, struct fg_str digest)
{
    size_t v = 0;
    for (size_t i = 0; i < 6 && i < digest.len; i++)
        v = v << 4 | hexval(digest.ptr[i]);
    return &c->slots[(v % SMART_TOKCACHE_SETS) * SMART_TOKCACHE_WAYS];
}

/* The entry holding digest in set, or NULL; *victim gets the entry to
 * replace (an empty one, else the least recently used). */
static struct authdb_tokcache_entry *find(struct authdb_tokcache_entry *set, struct fg_str digest,
                                          struct authdb_tokcache_entry **victim)
{
    *victim = &set[0];
    for (size_t w = 0; w < SMART_TOKCACHE_WAYS; w++) {
        struct authdb_tokcache_entry *e = &set[w];
        if (e->digest[0] && memcmp(e->digest, digest.ptr, SMART_DIGEST_HEX) == 0)
            return e;
        if ((*victim)->digest[0] && (!e->digest[0] || e->used < (*victim)->used))
            *victim = e;
    }
    return NULL;
}

static bool still_active(const struct smart_token_info *i, int64_t now)
{
    return i->active && i->expires_at > now && (i->grant_expires_at == 0 || i->grant_expires_at > now);
}

static void answer_from(struct authdb_tokcache *c, const struct smart_token_info *info, int64_t now)
{
    c->answer = *info; /* shallow: scopes stays owned by the slot */
    c->answer.active = still_active(info, now);
}

/* The entry answering digest at epoch (read by the caller before): a hit,
 * or a fresh lookup written over the set's victim. */
static enum fg_status check_digest(struct smart_authdb *db, struct fg_str digest, uint64_t epoch,
                                   struct authdb_tokcache_entry **out)
{
    struct authdb_tokcache *c = &db->tokcache;
    struct authdb_tokcache_entry *victim;
    struct authdb_tokcache_entry *e = find(set_of(c, digest), digest, &victim);
    if (e && e->epoch == epoch) {
        c->hits++;
        e->used = ++c->tick;
        *out = e;
        return FG_OK;
    }
    c->misses++;
    struct smart_token_info info;
    enum fg_status st = smart_authdb_token_lookup(db, digest, &info);
    if (st != FG_OK)
        return st;
    if (!e) {
        e = victim;
        e->has_token = false; /* the victim's token is not this digest's */
    }
    fg_free(e->info.scopes);
    e->used = ++c->tick;
    memcpy(e->digest, digest.ptr, SMART_DIGEST_HEX);
    e->digest[SMART_DIGEST_HEX] = '\0';
    e->epoch = epoch;
    e->info = info; /* takes info.scopes */
    *out = e;
    return FG_OK;
}

enum fg_status smart_authdb_token_check(struct smart_authdb *db, struct fg_str digest,
                                        const struct smart_token_info **out)
{
    struct authdb_tokcache *c = &db->tokcache;
    if (digest.len != SMART_DIGEST_HEX)
        return FG_ENOTFOUND;
    if (ensure_slots(c) != FG_OK)
        return FG_ENOMEM;
    int64_t now = authdb_now(db);
    /* Read the epoch before the lookup: a revocation committed after this
     * point bumps it and so invalidates what we are about to cache. */
    uint64_t epoch = smart_authdb_revocation_epoch(db);
    struct authdb_tokcache_entry *e = NULL;
    enum fg_status st = check_digest(db, digest, epoch, &e);
    if (st != FG_OK)
        return st;
    answer_from(c, &e->info, now);
    *out = &c->answer;
    return FG_OK;
}

/* FNV-1a of the token: which by_token entry remembers its slot. */
static size_t token_index(struct fg_str token)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < token.len; i++)
        h = (h ^ (unsigned char)token.ptr[i]) * 16777619u;
    return h % SMART_TOKCACHE_SETS;
}

enum fg_status smart_authdb_token_check_bearer(struct smart_authdb *db,
                                               const struct evp_md_st *md, struct fg_str token,
                                               const struct smart_token_info **out)
{
    struct authdb_tokcache *c = &db->tokcache;
    if (token.len != SMART_TOKEN_CHARS)
        return FG_ENOTFOUND;
    if (ensure_slots(c) != FG_OK)
        return FG_ENOMEM;
    int64_t now = authdb_now(db);
    uint64_t epoch = smart_authdb_revocation_epoch(db); /* before the lookup, as above */
    size_t k = token_index(token);
    struct authdb_tokcache_entry *e = c->by_token[k] ? &c->slots[c->by_token[k] - 1] : NULL;
    if (e && e->has_token && e->epoch == epoch &&
        CRYPTO_memcmp(e->token, token.ptr, SMART_TOKEN_CHARS) == 0) {
        c->hits++;
        e->used = ++c->tick;
    } else {
        char digest[SMART_DIGEST_SIZE];
        smart_token_digest_md(md, token, digest);
        enum fg_status st = check_digest(db, fg_str_n(digest, SMART_DIGEST_HEX), epoch, &e);
        if (st != FG_OK)
            return st;
        memcpy(e->token, token.ptr, SMART_TOKEN_CHARS);
        e->has_token = true;
        c->by_token[k] = (uint32_t)(e - c->slots) + 1;
    }
    answer_from(c, &e->info, now);
    *out = &c->answer;
    return FG_OK;
}

void smart_authdb_tokcache_stats(const struct smart_authdb *db, uint64_t *hits, uint64_t *misses)
{
    *hits = db->tokcache.hits;
    *misses = db->tokcache.misses;
}
