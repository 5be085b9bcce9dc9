/* keys.c - server signing keys, RFC 7638 kids and the published JWKS. */
#include "keys.h"

#include <string.h>

#include <cjose/util.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "../core/fg_mem.h"
#include "b64.h"
#include "token.h"

void smart_signing_key_cleanup(struct smart_signing_key *key)
{
    if (key->jwk)
        cjose_jwk_release(key->jwk);
    memset(key, 0, sizeof *key);
}

/* The public members n and e of an RSA key; caller owns *pub (json_decref). */
static enum fg_status public_members(const cjose_jwk_t *key, json_t **pub, const char **n,
                                     const char **e)
{
    cjose_err cerr;
    char *text = cjose_jwk_to_json(key, false, &cerr);
    if (!text)
        return FG_ENOMEM;
    json_error_t jerr;
    *pub = json_loads(text, 0, &jerr);
    cjose_get_dealloc()(text);
    *n = json_string_value(json_object_get(*pub, "n"));
    *e = json_string_value(json_object_get(*pub, "e"));
    if (!*n || !*e) {
        json_decref(*pub);
        *pub = NULL;
        return FG_EINVAL;
    }
    return FG_OK;
}

enum fg_status smart_key_thumbprint(const cjose_jwk_t *key, char out[SMART_KID_SIZE])
{
    json_t *pub = NULL;
    const char *n, *e;
    enum fg_status st = public_members(key, &pub, &n, &e);
    if (st != FG_OK)
        return st;
    /* RFC 7638 §3.2: required members only, lexicographic order, no spaces. */
    struct fg_buf b;
    fg_buf_init(&b, 4096);
    st = fg_buf_printf(&b, "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", e, n);
    if (st == FG_OK) {
        uint8_t d[32];
        smart_sha256(b.data, b.len, d);
        st = smart_b64url_encode(d, sizeof d, out, SMART_KID_SIZE, NULL);
    }
    fg_buf_cleanup(&b);
    json_decref(pub);
    return st;
}

static enum fg_status finish_key(cjose_jwk_t *jwk, int64_t created_at, int64_t retire_at,
                                 struct smart_signing_key *out)
{
    cjose_err cerr;
    struct smart_signing_key k = {.jwk = jwk, .created_at = created_at, .retire_at = retire_at};
    enum fg_status st = smart_key_thumbprint(jwk, k.kid);
    if (st == FG_OK && !cjose_jwk_set_kid(jwk, k.kid, strlen(k.kid), &cerr))
        st = FG_ENOMEM;
    if (st != FG_OK) {
        smart_signing_key_cleanup(&k);
        return st;
    }
    *out = k;
    return FG_OK;
}

enum fg_status smart_key_generate(int64_t now_s, struct smart_signing_key *out)
{
    static const uint8_t e[] = {1, 0, 1};
    cjose_err cerr;
    cjose_jwk_t *jwk = cjose_jwk_create_RSA_random(SMART_KEY_BITS, e, sizeof e, &cerr);
    if (!jwk)
        return FG_EIO;
    return finish_key(jwk, now_s, 0, out);
}

enum fg_status smart_key_private_json(const struct smart_signing_key *key, char **out)
{
    cjose_err cerr;
    char *text = cjose_jwk_to_json(key->jwk, true, &cerr);
    if (!text)
        return FG_ENOMEM;
    size_t len = strlen(text);
    *out = fg_strndup(text, len);
    OPENSSL_cleanse(text, len);
    cjose_get_dealloc()(text);
    return *out ? FG_OK : FG_ENOMEM;
}

void smart_key_free_json(char **json)
{
    if (!*json)
        return;
    OPENSSL_cleanse(*json, strlen(*json));
    fg_free(*json);
    *json = NULL;
}

enum fg_status smart_key_import(struct fg_str private_json, int64_t created_at, int64_t retire_at,
                                struct smart_signing_key *out)
{
    cjose_err cerr;
    json_error_t jerr;
    json_t *j = json_loadb(private_json.ptr ? private_json.ptr : "", private_json.len, 0, &jerr);
    const char *kty = json_string_value(json_object_get(j, "kty"));
    bool ok = kty && strcmp(kty, "RSA") == 0 && json_is_string(json_object_get(j, "d"));
    json_decref(j);
    if (!ok)
        return FG_EINVAL;
    cjose_jwk_t *jwk = cjose_jwk_import(private_json.ptr, private_json.len, &cerr);
    if (!jwk)
        return FG_EINVAL;
    if (cjose_jwk_get_kty(jwk, &cerr) != CJOSE_JWK_KTY_RSA ||
        cjose_jwk_get_keysize(jwk, &cerr) < SMART_KEY_BITS) {
        cjose_jwk_release(jwk);
        return FG_EINVAL;
    }
    return finish_key(jwk, created_at, retire_at, out);
}

void smart_keyring_init(struct smart_keyring *ring)
{
    memset(ring, 0, sizeof *ring);
}

void smart_keyring_cleanup(struct smart_keyring *ring)
{
    for (size_t i = 0; i < ring->n; i++)
        smart_signing_key_cleanup(&ring->keys[i]);
    smart_keyring_init(ring);
}

static void pick_current(struct smart_keyring *ring)
{
    size_t best = 0;
    for (size_t i = 1; i < ring->n; i++) {
        const struct smart_signing_key *a = &ring->keys[i], *b = &ring->keys[best];
        bool a_active = a->retire_at == 0, b_active = b->retire_at == 0;
        if ((a_active && !b_active) || (a_active == b_active && a->created_at >= b->created_at))
            best = i;
    }
    ring->current = best;
}

enum fg_status smart_keyring_add(struct smart_keyring *ring, struct smart_signing_key *key)
{
    enum fg_status st = FG_OK;
    if (smart_keyring_find(ring, fg_str_c(key->kid)))
        st = FG_ECONFLICT;
    else if (ring->n == SMART_MAX_SIGNING_KEYS)
        st = FG_ETOOBIG;
    if (st != FG_OK) {
        smart_signing_key_cleanup(key);
        return st;
    }
    ring->keys[ring->n++] = *key;
    memset(key, 0, sizeof *key);
    pick_current(ring);
    return FG_OK;
}

void smart_keyring_prune(struct smart_keyring *ring, int64_t now_s)
{
    size_t w = 0;
    const struct smart_signing_key *cur = ring->n ? &ring->keys[ring->current] : NULL;
    for (size_t i = 0; i < ring->n; i++) {
        struct smart_signing_key *k = &ring->keys[i];
        if (k != cur && k->retire_at != 0 && k->retire_at <= now_s) {
            smart_signing_key_cleanup(k);
            continue;
        }
        ring->keys[w++] = *k;
    }
    ring->n = w;
    if (ring->n)
        pick_current(ring);
}

enum fg_status smart_keyring_rotate(struct smart_keyring *ring, int64_t now_s,
                                    int64_t retire_after_s,
                                    const struct smart_signing_key **added)
{
    smart_keyring_prune(ring, now_s);
    if (ring->n == SMART_MAX_SIGNING_KEYS)
        return FG_ETOOBIG;
    struct smart_signing_key key;
    enum fg_status st = smart_key_generate(now_s, &key);
    if (st != FG_OK)
        return st;
    struct smart_signing_key *old = ring->n ? &ring->keys[ring->current] : NULL;
    int64_t old_retire = old ? old->retire_at : 0;
    if (old && old->retire_at == 0)
        old->retire_at = now_s + retire_after_s;
    const char *kid = key.kid[0] ? key.kid : "";
    char kid_copy[SMART_KID_SIZE];
    memcpy(kid_copy, kid, strlen(kid) + 1);
    st = smart_keyring_add(ring, &key);
    if (st != FG_OK) {
        if (old)
            old->retire_at = old_retire;
        return st;
    }
    if (added)
        *added = smart_keyring_find(ring, fg_str_c(kid_copy));
    return FG_OK;
}

const struct smart_signing_key *smart_keyring_current(const struct smart_keyring *ring)
{
    return ring->n ? &ring->keys[ring->current] : NULL;
}

const struct smart_signing_key *smart_keyring_find(const struct smart_keyring *ring,
                                                   struct fg_str kid)
{
    for (size_t i = 0; i < ring->n; i++)
        if (fg_str_eq_c(kid, ring->keys[i].kid))
            return &ring->keys[i];
    return NULL;
}

static enum fg_status append_public(struct fg_buf *out, const struct smart_signing_key *k)
{
    json_t *pub = NULL;
    const char *n, *e;
    enum fg_status st = public_members(k->jwk, &pub, &n, &e);
    if (st != FG_OK)
        return st;
    st = fg_buf_printf(out,
                       "{\"kty\":\"RSA\",\"kid\":\"%s\",\"use\":\"sig\",\"alg\":\"RS256\","
                       "\"n\":\"%s\",\"e\":\"%s\"}",
                       k->kid, n, e);
    json_decref(pub);
    return st;
}

enum fg_status smart_keyring_jwks(const struct smart_keyring *ring, int64_t now_s,
                                  struct fg_buf *out)
{
    enum fg_status st = fg_buf_append_c(out, "{\"keys\":[");
    bool first = true;
    for (size_t pass = 0; pass < 2 && st == FG_OK; pass++) {
        for (size_t i = 0; i < ring->n && st == FG_OK; i++) {
            const struct smart_signing_key *k = &ring->keys[i];
            bool is_current = i == ring->current;
            if ((pass == 0) != is_current)
                continue;
            if (!is_current && k->retire_at != 0 && k->retire_at <= now_s)
                continue;
            if (!first)
                st = fg_buf_append_char(out, ',');
            if (st == FG_OK)
                st = append_public(out, k);
            first = false;
        }
    }
    if (st == FG_OK)
        st = fg_buf_append_c(out, "]}");
    return st;
}
