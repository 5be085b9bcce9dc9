/* store_sqlite_cursor.c - the opaque paging cursor of a search.
 * http://hl7.org/fhir/R4/http.html#paging
 *
 * Keyset paging: a cursor names a position in the sort order, not an
 * offset, so rows inserted or deleted between pages never shift the pages.
 * It holds the snapshot (the largest rid when paging started: later
 * inserts are left out), the direction, and the sort key plus rid of the
 * row it continues from. Wire form, base64url without padding:
 *   u8 version(1) | u8 flags(bit 0: backward) | i64 snap | i64 rid |
 *   u8 n_keys | n_keys * (u8 type | i64, f64 bits, or u16 len + bytes) |
 *   16-byte HMAC-SHA256 over everything before it and a digest of the
 *   query's filters and sort (a cursor for another query is refused).
 * The MAC key is random per store and kept in table meta, so cursors stay
 * valid across restarts.
 */
#include "store_sqlite_internal.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#define CURSOR_VERSION 1
#define MAC_LEN 16
#define KEY_TEXT_MAX 1024
#define CURSOR_RAW_MAX (1 + 1 + 8 + 8 + 1 + SQ_CURSOR_MAX_KEYS * (3 + KEY_TEXT_MAX) + MAC_LEN)

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (56 - 8 * i));
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void digest_str(EVP_MD_CTX *md, struct fg_str s)
{
    unsigned char len[8];
    put_u64(len, s.len);
    EVP_DigestUpdate(md, len, sizeof len);
    if (s.len)
        EVP_DigestUpdate(md, s.ptr, s.len);
}

static void digest_param(EVP_MD_CTX *md, const struct fhir_search_param *p)
{
    digest_str(md, p->name);
    unsigned char m = (unsigned char)p->modifier;
    EVP_DigestUpdate(md, &m, 1);
    digest_str(md, p->modifier_type);
    for (size_t i = 0; i < p->n_values; i++) {
        const struct fhir_search_value *v = &p->values[i];
        unsigned char pf = (unsigned char)v->prefix;
        EVP_DigestUpdate(md, &pf, 1);
        if (v->ref_id.len || v->ref_url.len) {
            /* A reference by what it means: "amy" and "Patient/amy" (the
             * form the paging links write) are the same query. */
            digest_str(md, v->ref_type);
            digest_str(md, v->ref_id);
            digest_str(md, v->ref_url);
        } else {
            digest_str(md, v->text);
        }
    }
    if (p->chain) {
        digest_str(md, p->chain->target_type);
        digest_param(md, p->chain->inner);
    }
}

/* A digest of what decides the match set and its order. */
static bool query_digest(const struct fhir_query *q, unsigned char out[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int n = 0;
    bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    if (ok) {
        digest_str(md, q->type);
        for (size_t i = 0; i < q->n_params; i++)
            digest_param(md, &q->params[i]);
        for (size_t i = 0; i < q->n_sorts; i++) {
            digest_str(md, q->sorts[i].name);
            unsigned char d = q->sorts[i].descending;
            EVP_DigestUpdate(md, &d, 1);
        }
        ok = EVP_DigestFinal_ex(md, out, &n) == 1 && n == 32;
    }
    EVP_MD_CTX_free(md);
    return ok;
}

static bool mac(const struct sq_store *s, const struct fhir_query *q, const unsigned char *p,
                size_t n, unsigned char out[MAC_LEN])
{
    unsigned char qd[32], full[EVP_MAX_MD_SIZE];
    unsigned char buf[CURSOR_RAW_MAX + 32];
    unsigned int len = 0;
    if (n > CURSOR_RAW_MAX || !query_digest(q, qd))
        return false;
    memcpy(buf, p, n);
    memcpy(buf + n, qd, 32);
    if (!HMAC(EVP_sha256(), s->cursor_key, sizeof s->cursor_key, buf, n + 32, full, &len) ||
        len < MAC_LEN)
        return false;
    memcpy(out, full, MAC_LEN);
    return true;
}

enum fg_status sq_cursor_encode(const struct sq_store *s, struct fg_pool *pool,
                                const struct fhir_query *q, const struct sq_cursor *c,
                                struct fg_str *out)
{
    unsigned char raw[CURSOR_RAW_MAX];
    size_t n = 0;
    raw[n++] = CURSOR_VERSION;
    raw[n++] = c->backward ? 1 : 0;
    put_u64(raw + n, (uint64_t)c->snap);
    n += 8;
    put_u64(raw + n, (uint64_t)c->rid);
    n += 8;
    raw[n++] = (unsigned char)c->n_keys;
    for (size_t i = 0; i < c->n_keys && i < SQ_CURSOR_MAX_KEYS; i++) {
        const struct sq_key *k = &c->keys[i];
        raw[n++] = (unsigned char)k->type;
        if (k->type == SQLITE_INTEGER) {
            put_u64(raw + n, (uint64_t)k->i);
            n += 8;
        } else if (k->type == SQLITE_FLOAT) {
            uint64_t bits;
            memcpy(&bits, &k->d, 8);
            put_u64(raw + n, bits);
            n += 8;
        } else {
            /* A longer key is cut: paging then resumes at its prefix,
             * which only repeats rows sharing that prefix. */
            size_t len = k->s.len > KEY_TEXT_MAX ? KEY_TEXT_MAX : k->s.len;
            raw[n++] = (unsigned char)(len >> 8);
            raw[n++] = (unsigned char)len;
            if (len)
                memcpy(raw + n, k->s.ptr, len);
            n += len;
        }
    }
    if (!mac(s, q, raw, n, raw + n))
        return FG_EIO;
    n += MAC_LEN;
    char *txt = fg_pool_alloc(pool, (n * 4 + 2) / 3 + 1);
    if (!txt)
        return FG_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)raw[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)raw[i + 1] << 8;
        if (i + 2 < n)
            v |= raw[i + 2];
        txt[k++] = b64[(v >> 18) & 63];
        txt[k++] = b64[(v >> 12) & 63];
        if (i + 1 < n)
            txt[k++] = b64[(v >> 6) & 63];
        if (i + 2 < n)
            txt[k++] = b64[v & 63];
    }
    txt[k] = '\0';
    *out = (struct fg_str){txt, k};
    return FG_OK;
}

static int b64_val(char ch)
{
    const char *p = ch ? memchr(b64, ch, 64) : NULL;
    return p ? (int)(p - b64) : -1;
}

static bool b64_decode(struct fg_str t, unsigned char *out, size_t cap, size_t *n)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t k = 0;
    if (t.len % 4 == 1)
        return false;
    for (size_t i = 0; i < t.len; i++) {
        int v = b64_val(t.ptr[i]);
        if (v < 0)
            return false;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (k == cap)
                return false;
            out[k++] = (unsigned char)(acc >> bits);
        }
    }
    /* The unused low bits must be zero: one text per byte string. */
    if (acc & ((1u << bits) - 1))
        return false;
    *n = k;
    return true;
}

static bool parse_keys(struct fg_pool *pool, const unsigned char *raw, size_t end, size_t *pos,
                       struct sq_cursor *c)
{
    size_t n = *pos;
    for (size_t i = 0; i < c->n_keys; i++) {
        struct sq_key *k = &c->keys[i];
        if (n >= end)
            return false;
        k->type = raw[n++];
        if (k->type == SQLITE_INTEGER || k->type == SQLITE_FLOAT) {
            if (end - n < 8)
                return false;
            uint64_t v = get_u64(raw + n);
            n += 8;
            if (k->type == SQLITE_INTEGER)
                k->i = (int64_t)v;
            else
                memcpy(&k->d, &v, 8);
        } else if (k->type == SQLITE_TEXT || k->type == SQLITE_BLOB) {
            if (end - n < 2)
                return false;
            size_t len = (size_t)raw[n] << 8 | raw[n + 1];
            n += 2;
            if (len > KEY_TEXT_MAX || end - n < len)
                return false;
            k->s = fg_pool_str(pool, fg_str_n((const char *)raw + n, len));
            if (len && !k->s.ptr)
                return false;
            n += len;
        } else {
            return false;
        }
    }
    *pos = n;
    return true;
}

enum fg_status sq_cursor_decode(const struct sq_store *s, struct fg_pool *pool,
                                const struct fhir_query *q, struct fg_str text,
                                struct sq_cursor *out, struct fg_error *err)
{
    unsigned char raw[CURSOR_RAW_MAX], want[MAC_LEN];
    size_t n = 0, pos = 0;
    struct sq_cursor c = {0};
    if (text.len > (CURSOR_RAW_MAX * 4 + 2) / 3 || !b64_decode(text, raw, sizeof raw, &n) ||
        n < 19 + MAC_LEN)
        goto bad;
    n -= MAC_LEN;
    if (!mac(s, q, raw, n, want) || CRYPTO_memcmp(want, raw + n, MAC_LEN) != 0)
        goto bad;
    if (raw[0] != CURSOR_VERSION || raw[1] > 1)
        goto bad;
    c.backward = raw[1] & 1;
    c.snap = (int64_t)get_u64(raw + 2);
    c.rid = (int64_t)get_u64(raw + 10);
    c.n_keys = raw[18];
    pos = 19;
    if (c.n_keys > SQ_CURSOR_MAX_KEYS || c.n_keys != (q->n_sorts < SQ_CURSOR_MAX_KEYS
                                                          ? q->n_sorts
                                                          : SQ_CURSOR_MAX_KEYS) ||
        c.snap <= 0 || c.rid <= 0)
        goto bad;
    if (!parse_keys(pool, raw, n, &pos, &c) || pos != n)
        goto bad;
    *out = c;
    return FG_OK;
bad:
    return fg_error_set(err, FG_EINVAL, "_cursor", "Invalid _cursor");
}
