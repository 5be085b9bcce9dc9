/* jwt.c - signing id_tokens and verifying client assertions (RFC 7515, RFC 7519, RFC 7523). */
#include "jwt.h"

#include <string.h>

#include <cjose/header.h>
#include <cjose/jws.h>
#include <jansson.h>

#include "../core/fg_limits.h"
#include "../core/fg_mem.h"
#include "b64.h"

static const char *const reason_names[] = {
    [SMART_JWT_OK] = "ok",
    [SMART_JWT_TOO_BIG] = "too-big",
    [SMART_JWT_MALFORMED] = "malformed",
    [SMART_JWT_ALG_NOT_ALLOWED] = "alg-not-allowed",
    [SMART_JWT_CRIT] = "crit",
    [SMART_JWT_NO_KID] = "no-kid",
    [SMART_JWT_UNKNOWN_KID] = "unknown-kid",
    [SMART_JWT_BAD_SIGNATURE] = "bad-signature",
    [SMART_JWT_BAD_CLAIMS] = "bad-claims",
    [SMART_JWT_BAD_ISS] = "bad-iss",
    [SMART_JWT_BAD_SUB] = "bad-sub",
    [SMART_JWT_BAD_AUD] = "bad-aud",
    [SMART_JWT_NO_EXP] = "no-exp",
    [SMART_JWT_EXPIRED] = "expired",
    [SMART_JWT_EXP_TOO_FAR] = "exp-too-far",
    [SMART_JWT_NOT_YET_VALID] = "not-yet-valid",
    [SMART_JWT_NO_JTI] = "no-jti",
};

const char *smart_jwt_reason_name(enum smart_jwt_reason reason)
{
    if ((unsigned)reason < sizeof reason_names / sizeof reason_names[0] && reason_names[reason])
        return reason_names[reason];
    return "unknown";
}

/* ---- signing ---------------------------------------------------------- */

enum fg_status smart_jwt_sign(const cjose_jwk_t *key, const char *alg, const char *kid,
                              struct fg_str claims_json, char **out)
{
    enum fg_status st = FG_EINVAL;
    cjose_err cerr;
    cjose_jws_t *jws = NULL;
    cjose_header_t *hdr = cjose_header_new(&cerr);
    if (!hdr)
        return FG_ENOMEM;
    if (!cjose_header_set(hdr, CJOSE_HDR_ALG, alg, &cerr) ||
        (kid && !cjose_header_set(hdr, CJOSE_HDR_KID, kid, &cerr)) ||
        !cjose_header_set(hdr, "typ", "JWT", &cerr))
        goto out;
    jws = cjose_jws_sign(key, hdr, (const uint8_t *)claims_json.ptr, claims_json.len, &cerr);
    const char *ser = NULL;
    if (!jws || !cjose_jws_export(jws, &ser, &cerr) || !ser)
        goto out;
    *out = fg_strdup(ser);
    st = *out ? FG_OK : FG_ENOMEM;
out:
    if (jws)
        cjose_jws_release(jws);
    cjose_header_release(hdr);
    return st;
}

enum fg_status smart_jwt_sign_rs256(const cjose_jwk_t *key, const char *kid,
                                    struct fg_str claims_json, char **out)
{
    return smart_jwt_sign(key, "RS256", kid, claims_json, out);
}

/* ---- verifying -------------------------------------------------------- */

struct verify_state {
    enum smart_jwt_reason *reason;
    struct fg_error *err;
};

static enum fg_status refuse(struct verify_state *vs, enum smart_jwt_reason r, const char *what)
{
    if (vs->reason)
        *vs->reason = r;
    return fg_error_set(vs->err, FG_EUNAUTH, "client_assertion", "client assertion refused: %s",
                        what);
}

/* The key type an accepted alg needs, and for EC the curve. */
static bool alg_allowed(const char *alg, cjose_jwk_kty_t *kty, cjose_jwk_ec_curve *crv)
{
    static const struct {
        const char *alg;
        cjose_jwk_kty_t kty;
        cjose_jwk_ec_curve crv;
    } allowed[] = {
        {"RS384", CJOSE_JWK_KTY_RSA, 0},
        {"ES384", CJOSE_JWK_KTY_EC, CJOSE_JWK_EC_P_384},
        {"RS256", CJOSE_JWK_KTY_RSA, 0},
        {"ES256", CJOSE_JWK_KTY_EC, CJOSE_JWK_EC_P_256},
    };
    for (size_t i = 0; alg && i < sizeof allowed / sizeof allowed[0]; i++)
        if (strcmp(alg, allowed[i].alg) == 0) {
            *kty = allowed[i].kty;
            *crv = allowed[i].crv;
            return true;
        }
    return false;
}

/* Decodes one base64url part into a JSON object; NULL when it is not one. */
static json_t *decode_json_part(struct fg_str part)
{
    uint8_t *raw = NULL;
    size_t n = 0;
    if (smart_b64url_decode_alloc(part, FG_MAX_JWT_BYTES, &raw, &n) != FG_OK)
        return NULL;
    json_error_t jerr;
    json_t *j = json_loadb((const char *)raw, n, JSON_REJECT_DUPLICATES, &jerr);
    fg_free(raw);
    if (j && !json_is_object(j)) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static const char *jstr(json_t *obj, const char *name)
{
    json_t *v = json_object_get(obj, name);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool aud_matches(json_t *aud, struct fg_str token_url)
{
    if (json_is_string(aud))
        return fg_str_eq_c(token_url, json_string_value(aud));
    if (!json_is_array(aud))
        return false;
    size_t i;
    json_t *v;
    json_array_foreach(aud, i, v)
    {
        if (json_is_string(v) && fg_str_eq_c(token_url, json_string_value(v)))
            return true;
    }
    return false;
}

/* NumericDate (RFC 7519 §2): an integer or a real number of seconds. */
static bool numeric_date(json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return true;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (!(d > -9.2e18 && d < 9.2e18))
            return false;
        *out = (int64_t)d;
        return true;
    }
    return false;
}

static enum fg_status check_claims(json_t *c, struct fg_str client_id, struct fg_str token_url,
                                   int64_t now_s, struct smart_client_assertion *out,
                                   struct verify_state *vs)
{
    const char *iss = jstr(c, "iss"), *sub = jstr(c, "sub"), *jti = jstr(c, "jti");
    if (!iss || !fg_str_eq_c(client_id, iss))
        return refuse(vs, SMART_JWT_BAD_ISS, "iss must be the client_id");
    if (!sub || !fg_str_eq_c(client_id, sub))
        return refuse(vs, SMART_JWT_BAD_SUB, "sub must be the client_id");
    if (!aud_matches(json_object_get(c, "aud"), token_url))
        return refuse(vs, SMART_JWT_BAD_AUD, "aud must be the token endpoint URL");
    int64_t exp, nbf;
    if (!numeric_date(json_object_get(c, "exp"), &exp))
        return refuse(vs, SMART_JWT_NO_EXP, "exp is required");
    if (exp <= now_s)
        return refuse(vs, SMART_JWT_EXPIRED, "the assertion has expired");
    if (exp > now_s + SMART_JWT_MAX_EXP_AHEAD_S)
        return refuse(vs, SMART_JWT_EXP_TOO_FAR, "exp may be at most 5 minutes in the future");
    if (json_object_get(c, "nbf") &&
        (!numeric_date(json_object_get(c, "nbf"), &nbf) || nbf > now_s))
        return refuse(vs, SMART_JWT_NOT_YET_VALID, "nbf is in the future");
    if (!jti || !jti[0] || strlen(jti) > SMART_JTI_MAX)
        return refuse(vs, SMART_JWT_NO_JTI, "jti is required (at most 256 characters)");
    memcpy(out->jti, jti, strlen(jti) + 1);
    out->exp = exp;
    return FG_OK;
}

/* Splits a compact JWS into its three parts; false unless exactly three
 * base64url parts, the first two non-empty (an empty signature is refused
 * after the alg check, so "none" is reported as such). */
static bool split_compact(struct fg_str jwt, struct fg_str parts[3])
{
    struct fg_str rest = jwt;
    for (int i = 0; i < 2; i++)
        if (!fg_str_split(rest, '.', &parts[i], &rest))
            return false;
    parts[2] = rest;
    /* cjose's decoder asserts on a length of 1 mod 4: refuse it here. */
    for (int i = 0; i < 3; i++)
        if ((i < 2 && parts[i].len == 0) || parts[i].len % 4 == 1 ||
            !smart_b64url_is_alphabet(parts[i]))
            return false;
    return true;
}

static enum fg_status verify_signature(struct fg_str jwt, const struct smart_jwk *key,
                                       json_t **claims, struct verify_state *vs)
{
    cjose_err cerr;
    enum fg_status st;
    cjose_jws_t *jws = cjose_jws_import(jwt.ptr, jwt.len, &cerr);
    if (!jws)
        return refuse(vs, SMART_JWT_MALFORMED, "not a compact JWS");
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    if (!cjose_jws_verify(jws, key->jwk, &cerr)) {
        st = refuse(vs, SMART_JWT_BAD_SIGNATURE, "the signature does not verify");
        goto out;
    }
    if (!cjose_jws_get_plaintext(jws, &plain, &plain_len, &cerr)) {
        st = refuse(vs, SMART_JWT_BAD_CLAIMS, "no payload");
        goto out;
    }
    json_error_t jerr;
    *claims = json_loadb((const char *)plain, plain_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(*claims)) {
        json_decref(*claims);
        *claims = NULL;
        st = refuse(vs, SMART_JWT_BAD_CLAIMS, "the payload is not a JSON object");
        goto out;
    }
    st = FG_OK;
out:
    cjose_jws_release(jws);
    return st;
}

enum fg_status smart_jwt_verify_client_assertion(struct fg_str jwt, const struct smart_jwks *jwks,
                                                 struct fg_str client_id, struct fg_str token_url,
                                                 int64_t now_s, struct smart_client_assertion *out,
                                                 enum smart_jwt_reason *reason,
                                                 struct fg_error *err)
{
    struct verify_state vs = {reason, err};
    enum fg_status st;
    json_t *hdr = NULL, *claims = NULL;
    struct fg_str parts[3];
    if (reason)
        *reason = SMART_JWT_OK;
    if (jwt.len > FG_MAX_JWT_BYTES)
        return refuse(&vs, SMART_JWT_TOO_BIG, "larger than the JWT size limit");
    if (!split_compact(jwt, parts) || !(hdr = decode_json_part(parts[0]))) {
        st = refuse(&vs, SMART_JWT_MALFORMED, "not a compact JWS with a JSON header");
        goto out;
    }
    const char *alg = jstr(hdr, "alg"), *kid = jstr(hdr, "kid");
    cjose_jwk_kty_t kty;
    cjose_jwk_ec_curve crv;
    if (!alg_allowed(alg, &kty, &crv)) {
        st = refuse(&vs, SMART_JWT_ALG_NOT_ALLOWED, "alg must be RS384 or ES384 (or RS256/ES256)");
        goto out;
    }
    if (parts[2].len == 0) {
        st = refuse(&vs, SMART_JWT_MALFORMED, "the assertion is not signed");
        goto out;
    }
    if (json_object_get(hdr, "crit")) {
        st = refuse(&vs, SMART_JWT_CRIT, "crit header parameters are not supported");
        goto out;
    }
    if (!kid || !kid[0]) {
        st = refuse(&vs, SMART_JWT_NO_KID, "the header needs a kid");
        goto out;
    }
    const struct smart_jwk *key = smart_jwks_find(jwks, fg_str_c(kid), kty);
    if (!key || (kty == CJOSE_JWK_KTY_EC && key->crv != crv)) {
        st = refuse(&vs, SMART_JWT_UNKNOWN_KID, "no registered key matches kid and alg");
        goto out;
    }
    st = verify_signature(jwt, key, &claims, &vs);
    if (st != FG_OK)
        goto out;
    st = check_claims(claims, client_id, token_url, now_s, out, &vs);
    if (st == FG_OK)
        memcpy(out->alg, alg, strlen(alg) + 1);
out:
    json_decref(hdr);
    json_decref(claims);
    return st;
}
