/* token.h - opaque bearer tokens and their stored digests.
 *
 * Tokens (access, refresh, authorization codes, client secrets, CSRF
 * values) are 32 random bytes from OpenSSL's RAND_bytes, base64url-encoded
 * (43 characters). Only their SHA-256 digest (64 lower-case hex digits) is
 * ever stored, so a copy of the database does not hand out live tokens.
 * RFC 6750 §2.1 (b64token syntax), RFC 6819 §5.1.4.1.3 (store hashes).
 */
#ifndef SMART_TOKEN_H
#define SMART_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "../core/fg_status.h"
#include "../core/fg_str.h"

#define SMART_TOKEN_BYTES 32
#define SMART_TOKEN_CHARS 43
#define SMART_TOKEN_SIZE (SMART_TOKEN_CHARS + 1)  /* with NUL */
#define SMART_DIGEST_HEX 64
#define SMART_DIGEST_SIZE (SMART_DIGEST_HEX + 1)  /* with NUL */

/* Fills out with a new random token (NUL-terminated). FG_EIO when the
 * random generator fails (out is then wiped). @test tests/unit/smart/token_test.c */
enum fg_status smart_token_new(char out[SMART_TOKEN_SIZE]);

/* Fills out with n random bytes. FG_EIO when the generator fails. */
enum fg_status smart_random_bytes(uint8_t *out, size_t n);

/* Writes the lower-case hex SHA-256 of token into out (NUL-terminated).
 * Works for any byte string (the token is not validated). */
void smart_token_digest(struct fg_str token, char out[SMART_DIGEST_SIZE]);

/* The same digest with a SHA-256 implementation fetched once by the caller
 * (EVP_MD_fetch(NULL, "SHA256", NULL), borrowed): OpenSSL 3 looks the
 * algorithm up on every EVP_sha256() digest (about 1 µs, under a lock),
 * which the request path cannot afford. NULL md = smart_token_digest. */
struct evp_md_st;
void smart_token_digest_md(const struct evp_md_st *md, struct fg_str token,
                           char out[SMART_DIGEST_SIZE]);

/* Raw SHA-256 of data into out[32]. */
void smart_sha256(const void *data, size_t n, uint8_t out[32]);

/* True when s has the shape of a token this server issues (43 base64url
 * characters). Callers use it to reject junk before any lookup. */
bool smart_token_is_wellformed(struct fg_str s);

/* Constant-time equality of two digests (or any equal-length secrets);
 * false when the lengths differ. */
bool smart_secret_eq(struct fg_str a, struct fg_str b);

#endif
