/* keyset.c - reference-counted snapshots of the signing keys (keyset.h). */
#include "keyset.h"

#include <pthread.h>
#include <string.h>

#include "../core/fg_buf.h"
#include "../core/fg_mem.h"

#define JWKS_MAX_BYTES (64u * 1024u)

struct fg_keyset_holder {
    pthread_mutex_t lock;
    struct fg_keyset *current;     /* owned (one reference) */
    struct smart_keys_stamp stamp; /* of the stored keys current was built from */
    int64_t checked_mono_us;       /* last stamp check */
};

static void keyset_free(struct fg_keyset *ks)
{
    if (!ks)
        return;
    smart_keyring_cleanup(&ks->ring);
    fg_free(ks->jwks_text);
    fg_free(ks);
}

/* Builds a snapshot of the stored keys at now_s. */
static enum fg_status keyset_build(struct smart_authdb *db, int64_t now_s,
                                   struct smart_keys_stamp *stamp, struct fg_keyset **out)
{
    struct fg_keyset *ks = fg_calloc(1, sizeof *ks);
    if (!ks)
        return FG_ENOMEM;
    smart_keyring_init(&ks->ring);
    struct fg_buf b;
    fg_buf_init(&b, JWKS_MAX_BYTES);
    size_t len = 0;
    enum fg_status st = smart_authdb_keys_stamp(db, stamp);
    if (st == FG_OK)
        st = smart_authdb_keys_load(db, &ks->ring);
    if (st == FG_OK && ks->ring.n == 0)
        st = FG_ENOTFOUND;
    if (st == FG_OK) {
        smart_keyring_prune(&ks->ring, now_s);
        st = smart_keyring_jwks(&ks->ring, now_s, &b);
    }
    if (st == FG_OK)
        st = fg_buf_take(&b, &ks->jwks_text, &len);
    fg_buf_cleanup(&b);
    if (st != FG_OK) {
        keyset_free(ks);
        return st;
    }
    ks->jwks = fg_str_n(ks->jwks_text, len);
    for (size_t i = 0; i < ks->ring.n; i++) {
        int64_t r = ks->ring.keys[i].retire_at;
        if (i != ks->ring.current && r > now_s && (ks->refresh_at == 0 || r < ks->refresh_at))
            ks->refresh_at = r;
    }
    ks->refs = 1;
    *out = ks;
    return FG_OK;
}

enum fg_status fg_keyset_holder_open(struct smart_authdb *db, int64_t now_s, int64_t mono_us,
                                     struct fg_keyset_holder **out)
{
    struct smart_keyring ring;
    smart_keyring_init(&ring);
    enum fg_status st = smart_authdb_keys_ensure(db, &ring);
    smart_keyring_cleanup(&ring);
    if (st != FG_OK)
        return st;
    struct fg_keyset_holder *h = fg_calloc(1, sizeof *h);
    if (!h)
        return FG_ENOMEM;
    st = keyset_build(db, now_s, &h->stamp, &h->current);
    if (st != FG_OK) {
        fg_free(h);
        return st;
    }
    pthread_mutex_init(&h->lock, NULL);
    h->checked_mono_us = mono_us;
    *out = h;
    return FG_OK;
}

void fg_keyset_holder_close(struct fg_keyset_holder **h)
{
    if (!h || !*h)
        return;
    keyset_free((*h)->current);
    pthread_mutex_destroy(&(*h)->lock);
    fg_free(*h);
    *h = NULL;
}

bool fg_keyset_check_due(struct fg_keyset_holder *h, int64_t now_s, int64_t mono_us)
{
    pthread_mutex_lock(&h->lock);
    bool due = mono_us - h->checked_mono_us >= FG_KEYSET_RECHECK_US ||
               (h->current->refresh_at != 0 && now_s >= h->current->refresh_at);
    pthread_mutex_unlock(&h->lock);
    return due;
}

static void release_locked(struct fg_keyset *ks)
{
    if (--ks->refs == 0)
        keyset_free(ks);
}

/* Called with the lock held: replaces current when it is out of date. */
static enum fg_status refresh_locked(struct fg_keyset_holder *h, struct smart_authdb *db,
                                     int64_t now_s, int64_t mono_us)
{
    if (!db)
        return FG_OK;
    bool expired = h->current->refresh_at != 0 && now_s >= h->current->refresh_at;
    if (!expired && mono_us - h->checked_mono_us < FG_KEYSET_RECHECK_US)
        return FG_OK;
    struct smart_keys_stamp stamp;
    enum fg_status st = smart_authdb_keys_stamp(db, &stamp);
    if (st != FG_OK)
        return st;
    h->checked_mono_us = mono_us;
    if (!expired && memcmp(&stamp, &h->stamp, sizeof stamp) == 0)
        return FG_OK;
    struct fg_keyset *fresh = NULL;
    st = keyset_build(db, now_s, &stamp, &fresh);
    if (st != FG_OK)
        return st;
    release_locked(h->current);
    h->current = fresh;
    h->stamp = stamp;
    return FG_OK;
}

const struct fg_keyset *fg_keyset_get(struct fg_keyset_holder *h, struct smart_authdb *db,
                                      int64_t now_s, int64_t mono_us, bool *rebuild_failed)
{
    pthread_mutex_lock(&h->lock);
    enum fg_status st = refresh_locked(h, db, now_s, mono_us);
    if (rebuild_failed)
        *rebuild_failed = st != FG_OK;
    struct fg_keyset *ks = h->current;
    ks->refs++;
    pthread_mutex_unlock(&h->lock);
    return ks;
}

void fg_keyset_put(struct fg_keyset_holder *h, const struct fg_keyset *ks)
{
    if (!ks)
        return;
    pthread_mutex_lock(&h->lock);
    release_locked((struct fg_keyset *)ks);
    pthread_mutex_unlock(&h->lock);
}
