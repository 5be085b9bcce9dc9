/* jwks.h - a client's JSON Web Key Set, parsed into cjose keys.
 *
 * RFC 7517 §5 (JWK Set) https://www.rfc-editor.org/rfc/rfc7517#section-5
 * SMART Backend Services / asymmetric client authentication:
 * https://hl7.org/fhir/smart-app-launch/client-confidential-asymmetric.html
 * ("kty" and "kid" required; RSA keys with "n" and "e", EC keys with
 * "crv", "x" and "y").
 *
 * Only public signature keys are kept: RSA of at least 2048 bits and EC on
 * P-256, P-384 or P-521, each with a non-empty "kid". Keys of other types,
 * keys without "kid" and keys whose "use" is not "sig" are skipped; a key
 * carrying private material ("d") makes the whole set invalid (a client
 * must never hand us its private key, and we must not store it).
 */
#ifndef SMART_JWKS_H
#define SMART_JWKS_H

#include <cjose/jwk.h>

#include "../core/fg_error.h"
#include "../core/fg_str.h"

#define SMART_MAX_JWKS_BYTES (64u * 1024u)
#define SMART_MAX_JWKS_KEYS 16
#define SMART_MAX_KID_LEN 128

struct smart_jwk {
    char *kid;          /* owned */
    cjose_jwk_t *jwk;   /* owned (cjose_jwk_release) */
    cjose_jwk_kty_t kty;        /* CJOSE_JWK_KTY_RSA or CJOSE_JWK_KTY_EC */
    cjose_jwk_ec_curve crv;     /* EC only */
};

struct smart_jwks {
    struct smart_jwk *keys; /* owned */
    size_t n;
};

void smart_jwks_init(struct smart_jwks *set);
/* Releases every key; leaves the set empty. Safe on an empty set. */
void smart_jwks_cleanup(struct smart_jwks *set);

/* Parses a JWKS document ({"keys":[...]}) into set (empty on entry).
 * FG_ETOOBIG past SMART_MAX_JWKS_BYTES or SMART_MAX_JWKS_KEYS keys;
 * FG_EINVAL when it is not a JWK Set, a key is malformed or private, or no
 * usable key remains (err says which); FG_ENOMEM. On failure set is empty.
 * @test tests/unit/smart/jwt_test.c */
enum fg_status smart_jwks_parse(struct fg_str json, struct smart_jwks *set, struct fg_error *err);

/* The first key with this kid and key type, or NULL. Borrowed from set. */
const struct smart_jwk *smart_jwks_find(const struct smart_jwks *set, struct fg_str kid,
                                        cjose_jwk_kty_t kty);

#endif
