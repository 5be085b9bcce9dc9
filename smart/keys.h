/* keys.h - the authorization server's own signing keys (id_tokens) and the
 * public JWKS it publishes.
 *
 * Keys are RSA-2048, used with RS256 (SMART sso-openid-connect,
 * OpenID Connect Core §10.1). The kid is the key's RFC 7638 JWK thumbprint
 * (SHA-256, base64url). Rotation: a new key becomes current (it signs);
 * the previous current key gets a retire time and stays in the published
 * JWKS until then, so tokens it signed still verify; keys past their
 * retire time are pruned. Storage is the caller's (smart_authdb_keys_*):
 * this module turns keys into JSON and back.
 * https://www.rfc-editor.org/rfc/rfc7638  https://www.rfc-editor.org/rfc/rfc7517
 */
#ifndef SMART_KEYS_H
#define SMART_KEYS_H

#include <stdint.h>

#include <cjose/jwk.h>

#include "../core/fg_buf.h"
#include "../core/fg_status.h"
#include "../core/fg_str.h"

#define SMART_KEY_BITS 2048
#define SMART_KID_SIZE 44           /* 43 base64url characters + NUL */
#define SMART_MAX_SIGNING_KEYS 8

struct smart_signing_key {
    char kid[SMART_KID_SIZE];
    cjose_jwk_t *jwk;   /* owned; holds the private key */
    int64_t created_at; /* seconds since the epoch */
    int64_t retire_at;  /* 0 = not retiring (the current key); else drop from JWKS at this time */
};

struct smart_keyring {
    struct smart_signing_key keys[SMART_MAX_SIGNING_KEYS];
    size_t n;
    size_t current; /* index of the signing key; valid when n > 0 */
};

/* Creates a new RSA-2048 key created at now_s. Caller owns out, release
 * with smart_signing_key_cleanup. FG_EIO when key generation fails.
 * @test tests/unit/smart/keys_test.c */
enum fg_status smart_key_generate(int64_t now_s, struct smart_signing_key *out);
void smart_signing_key_cleanup(struct smart_signing_key *key);

/* The private JWK as JSON, for storage. Caller owns *out: wipe with
 * OPENSSL_cleanse and free with fg_free (smart_key_free_json does both). */
enum fg_status smart_key_private_json(const struct smart_signing_key *key, char **out);
void smart_key_free_json(char **json);

/* Rebuilds a key from smart_key_private_json output. FG_EINVAL unless it
 * is an RSA private key of at least 2048 bits; the kid is recomputed.
 * Caller owns out (smart_signing_key_cleanup). */
enum fg_status smart_key_import(struct fg_str private_json, int64_t created_at, int64_t retire_at,
                                struct smart_signing_key *out);

/* The RFC 7638 thumbprint of key's public part into out. */
enum fg_status smart_key_thumbprint(const cjose_jwk_t *key, char out[SMART_KID_SIZE]);

void smart_keyring_init(struct smart_keyring *ring);
void smart_keyring_cleanup(struct smart_keyring *ring);

/* Adds key (takes ownership, also on failure). The current key becomes the
 * newest key without a retire time. FG_ETOOBIG when the ring is full,
 * FG_ECONFLICT when the kid is already present. */
enum fg_status smart_keyring_add(struct smart_keyring *ring, struct smart_signing_key *key);

/* Generates a new current key; the old current key retires at
 * now_s + retire_after_s (set it to the longest lifetime of anything it
 * signed). Keys already past retirement are pruned first. *added (may be
 * NULL) borrows the new key, e.g. for storing it. */
enum fg_status smart_keyring_rotate(struct smart_keyring *ring, int64_t now_s,
                                    int64_t retire_after_s,
                                    const struct smart_signing_key **added);

/* Drops keys whose retire time has passed (never the current key). */
void smart_keyring_prune(struct smart_keyring *ring, int64_t now_s);

/* The signing key, or NULL when the ring is empty. Borrowed: pointers into
 * the ring stay valid until the next add, rotate or prune. */
const struct smart_signing_key *smart_keyring_current(const struct smart_keyring *ring);
const struct smart_signing_key *smart_keyring_find(const struct smart_keyring *ring,
                                                   struct fg_str kid);

/* Appends the public JWKS {"keys":[{kty,kid,use,alg,n,e}...]} of every key
 * not yet retired at now_s (current first). */
enum fg_status smart_keyring_jwks(const struct smart_keyring *ring, int64_t now_s,
                                  struct fg_buf *out);

#endif
