/* jwks.c - JWK Set parsing for client authentication (RFC 7517 §5). */
#include "jwks.h"

#include <string.h>

#include <jansson.h>

#include "../core/fg_mem.h"
#include "b64.h"

void smart_jwks_init(struct smart_jwks *set)
{
    set->keys = NULL;
    set->n = 0;
}

void smart_jwks_cleanup(struct smart_jwks *set)
{
    for (size_t i = 0; i < set->n; i++) {
        fg_free(set->keys[i].kid);
        cjose_jwk_release(set->keys[i].jwk);
    }
    fg_free(set->keys);
    smart_jwks_init(set);
}

static const char *member_str(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* True when member name is a non-empty string that decodes as strict
 * base64url (no padding) to at most 1024 bytes. */
static bool b64_member_ok(json_t *k, const char *name)
{
    const char *v = member_str(k, name);
    uint8_t buf[1024];
    size_t n = 0;
    return v && v[0] && smart_b64url_decode(fg_str_c(v), buf, sizeof buf, &n) == FG_OK;
}

/* Result of looking at one key: use it, skip it, or fail the set. */
enum key_verdict { KEY_USE, KEY_SKIP, KEY_BAD };

static enum key_verdict check_key(json_t *k, cjose_jwk_kty_t *kty, struct fg_error *err, size_t i)
{
    if (!json_is_object(k)) {
        fg_error_set(err, FG_EINVAL, "keys", "JWKS key %zu is not an object", i);
        return KEY_BAD;
    }
    if (json_object_get(k, "d") || json_object_get(k, "p") || json_object_get(k, "k")) {
        fg_error_set(err, FG_EINVAL, "keys", "JWKS key %zu holds private key material", i);
        return KEY_BAD;
    }
    const char *t = member_str(k, "kty"), *kid = member_str(k, "kid"), *use = member_str(k, "use");
    if (!t) {
        fg_error_set(err, FG_EINVAL, "keys", "JWKS key %zu has no kty", i);
        return KEY_BAD;
    }
    if (json_object_get(k, "use") && (!use || strcmp(use, "sig") != 0))
        return KEY_SKIP;
    if (!kid || !kid[0] || strlen(kid) > SMART_MAX_KID_LEN)
        return KEY_SKIP;
    if (strcmp(t, "RSA") == 0)
        *kty = CJOSE_JWK_KTY_RSA;
    else if (strcmp(t, "EC") == 0)
        *kty = CJOSE_JWK_KTY_EC;
    else
        return KEY_SKIP;
    /* cjose's base64 decoder asserts (aborts the process) on some invalid
     * input, e.g. "A=": check every encoded member strictly first. */
    static const char *const rsa_members[] = {"n", "e", NULL};
    static const char *const ec_members[] = {"x", "y", NULL};
    const char *const *m = *kty == CJOSE_JWK_KTY_RSA ? rsa_members : ec_members;
    for (; *m; m++)
        if (!b64_member_ok(k, *m)) {
            fg_error_set(err, FG_EINVAL, "keys", "JWKS key %zu: \"%s\" is not base64url", i, *m);
            return KEY_BAD;
        }
    return KEY_USE;
}

static enum fg_status import_key(json_t *k, cjose_jwk_kty_t kty, struct smart_jwk *out,
                                 struct fg_error *err, size_t i)
{
    cjose_err cerr;
    cjose_jwk_t *jwk = cjose_jwk_import_json((cjose_header_t *)k, &cerr);
    if (!jwk || cjose_jwk_get_kty(jwk, &cerr) != kty)
        goto bad;
    if (kty == CJOSE_JWK_KTY_RSA && cjose_jwk_get_keysize(jwk, &cerr) < 2048) {
        cjose_jwk_release(jwk);
        return fg_error_set(err, FG_EINVAL, "keys", "JWKS key %zu: RSA keys need 2048 bits or more",
                            i);
    }
    if (kty == CJOSE_JWK_KTY_EC)
        out->crv = cjose_jwk_EC_get_curve(jwk, &cerr);
    out->kid = fg_strdup(member_str(k, "kid"));
    if (!out->kid) {
        cjose_jwk_release(jwk);
        return FG_ENOMEM;
    }
    out->jwk = jwk;
    out->kty = kty;
    return FG_OK;
bad:
    if (jwk)
        cjose_jwk_release(jwk);
    return fg_error_set(err, FG_EINVAL, "keys", "JWKS key %zu is not a valid %s public key", i,
                        kty == CJOSE_JWK_KTY_RSA ? "RSA" : "EC");
}

enum fg_status smart_jwks_parse(struct fg_str json, struct smart_jwks *set, struct fg_error *err)
{
    enum fg_status st = FG_EINVAL;
    json_t *root = NULL;
    if (json.len > SMART_MAX_JWKS_BYTES)
        return fg_error_set(err, FG_ETOOBIG, "jwks", "JWKS is larger than %u bytes",
                            (unsigned)SMART_MAX_JWKS_BYTES);
    json_error_t jerr;
    root = json_loadb(json.ptr ? json.ptr : "", json.len, JSON_REJECT_DUPLICATES, &jerr);
    json_t *keys = json_object_get(root, "keys");
    if (!json_is_object(root) || !json_is_array(keys)) {
        st = fg_error_set(err, FG_EINVAL, "jwks", "not a JWK Set (an object with a keys array)");
        goto out;
    }
    size_t n = json_array_size(keys);
    if (n > SMART_MAX_JWKS_KEYS) {
        st = fg_error_set(err, FG_ETOOBIG, "keys", "JWKS has more than %d keys",
                          SMART_MAX_JWKS_KEYS);
        goto out;
    }
    set->keys = fg_calloc(n ? n : 1, sizeof *set->keys);
    if (!set->keys) {
        st = FG_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *k = json_array_get(keys, i);
        cjose_jwk_kty_t kty = CJOSE_JWK_KTY_RSA;
        enum key_verdict v = check_key(k, &kty, err, i);
        if (v == KEY_BAD) {
            st = FG_EINVAL;
            goto out;
        }
        if (v == KEY_SKIP)
            continue;
        st = import_key(k, kty, &set->keys[set->n], err, i);
        if (st != FG_OK)
            goto out;
        set->n++;
    }
    st = set->n ? FG_OK
                : fg_error_set(err, FG_EINVAL, "keys",
                               "JWKS has no usable signing key (RSA or EC with a kid)");
out:
    if (st != FG_OK)
        smart_jwks_cleanup(set);
    json_decref(root);
    return st;
}

const struct smart_jwk *smart_jwks_find(const struct smart_jwks *set, struct fg_str kid,
                                        cjose_jwk_kty_t kty)
{
    for (size_t i = 0; i < set->n; i++)
        if (set->keys[i].kty == kty && fg_str_eq_c(kid, set->keys[i].kid))
            return &set->keys[i];
    return NULL;
}
