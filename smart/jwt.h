/* jwt.h - JWTs the authorization server signs (id_tokens) and verifies
 * (client assertions for private_key_jwt).
 *
 * Signing: RFC 7515 compact JWS, header {"alg","kid","typ":"JWT"}; SMART
 * id_tokens use RS256 (OpenID Connect Core §2, SMART "sso-openid-connect").
 * Verifying: RFC 7523 §3 client assertions as SMART asymmetric client
 * authentication profiles them
 * (https://hl7.org/fhir/smart-app-launch/client-confidential-asymmetric.html):
 * alg RS384 or ES384 (RS256 / ES256 also accepted; never "none", HS* or
 * anything else), "kid" picks the key from the client's JWKS, iss == sub ==
 * client_id, aud == the token endpoint URL (a string or an array holding
 * it), exp present, in the future and at most 300 s ahead, jti present.
 * The jti replay check belongs to the caller (smart_authdb_jti_remember).
 * Headers "jku", "x5u" and "jwk" are never followed (keys come only from
 * the registered JWKS); a "crit" header is refused.
 */
#ifndef SMART_JWT_H
#define SMART_JWT_H

#include <stdint.h>

#include <cjose/jwk.h>

#include "../core/fg_error.h"
#include "../core/fg_str.h"
#include "jwks.h"

#define SMART_JWT_MAX_EXP_AHEAD_S 300  /* SMART: exp no more than 5 minutes ahead */
#define SMART_JTI_MAX 256

/* Why a client assertion was refused; one value per check. */
enum smart_jwt_reason {
    SMART_JWT_OK = 0,
    SMART_JWT_TOO_BIG,          /* over FG_MAX_JWT_BYTES */
    SMART_JWT_MALFORMED,        /* not three base64url parts / header not a JSON object */
    SMART_JWT_ALG_NOT_ALLOWED,  /* none, HS*, PS*, missing or unknown alg */
    SMART_JWT_CRIT,             /* a "crit" header we cannot honour */
    SMART_JWT_NO_KID,
    SMART_JWT_UNKNOWN_KID,      /* no key with that kid and a type matching alg */
    SMART_JWT_BAD_SIGNATURE,
    SMART_JWT_BAD_CLAIMS,       /* payload not a JSON object */
    SMART_JWT_BAD_ISS,
    SMART_JWT_BAD_SUB,
    SMART_JWT_BAD_AUD,
    SMART_JWT_NO_EXP,
    SMART_JWT_EXPIRED,
    SMART_JWT_EXP_TOO_FAR,
    SMART_JWT_NOT_YET_VALID,    /* nbf in the future */
    SMART_JWT_NO_JTI
};

/* What the caller needs from an accepted assertion. */
struct smart_client_assertion {
    char jti[SMART_JTI_MAX + 1];
    int64_t exp;        /* seconds since the epoch; keep the jti until then */
    char alg[8];
};

/* Signs claims_json (a JSON object, used as the payload byte for byte) with
 * key under alg (e.g. "RS256", "RS384", "ES384"); kid may be NULL. Caller
 * owns *out (NUL-terminated compact JWS), free with fg_free. FG_EINVAL when
 * cjose refuses the key or alg, FG_ENOMEM. @test tests/unit/smart/jwt_test.c */
enum fg_status smart_jwt_sign(const cjose_jwk_t *key, const char *alg, const char *kid,
                              struct fg_str claims_json, char **out);

/* smart_jwt_sign with alg RS256, for id_tokens. */
enum fg_status smart_jwt_sign_rs256(const cjose_jwk_t *key, const char *kid,
                                    struct fg_str claims_json, char **out);

/* Verifies a client assertion. now_s comes from the server clock.
 * FG_OK fills *out; FG_EUNAUTH (invalid_client) sets *reason and a
 * diagnostic in err (never containing the assertion itself); FG_ENOMEM.
 * reason may be NULL. @test tests/unit/smart/jwt_test.c */
enum fg_status smart_jwt_verify_client_assertion(struct fg_str jwt, const struct smart_jwks *jwks,
                                                 struct fg_str client_id, struct fg_str token_url,
                                                 int64_t now_s, struct smart_client_assertion *out,
                                                 enum smart_jwt_reason *reason,
                                                 struct fg_error *err);

/* A short static English name for reason ("bad-signature", ...). */
const char *smart_jwt_reason_name(enum smart_jwt_reason reason);

#endif
