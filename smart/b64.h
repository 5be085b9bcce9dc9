/* b64.h - base64url without padding (RFC 4648 §5, as JOSE and PKCE use it).
 *
 * https://www.rfc-editor.org/rfc/rfc4648#section-5
 * https://www.rfc-editor.org/rfc/rfc7515#appendix-C
 * Encoders write into caller buffers whose size is checked; the decoder
 * refuses padding, white space, characters outside [A-Za-z0-9_-], a
 * length of 1 mod 4, and non-zero unused trailing bits (so every byte
 * string has exactly one accepted encoding).
 */
#ifndef SMART_B64_H
#define SMART_B64_H

#include <stddef.h>
#include <stdint.h>

#include "../core/fg_status.h"
#include "../core/fg_str.h"

/* Characters (without NUL) that n bytes encode to. n must be < SIZE_MAX / 2. */
size_t smart_b64url_encoded_len(size_t n);
/* Largest number of bytes that n characters can decode to. */
size_t smart_b64url_decoded_max(size_t n);

/* Encodes in[0..n) into out (NUL-terminated); out_size counts the NUL.
 * *out_len (may be NULL) receives the length without NUL.
 * FG_ETOOBIG when out_size < smart_b64url_encoded_len(n) + 1; out untouched.
 * @test tests/unit/smart/b64_test.c */
enum fg_status smart_b64url_encode(const uint8_t *in, size_t n, char *out, size_t out_size,
                                   size_t *out_len);

/* Decodes all of in into out. FG_EINVAL on any character outside the
 * alphabet, on '=' padding, on a length of 1 mod 4 or on non-zero trailing
 * bits; FG_ETOOBIG when out_size < the decoded length. On failure out may
 * hold partial output and *out_len is untouched.
 * @test tests/unit/smart/b64_test.c */
enum fg_status smart_b64url_decode(struct fg_str in, uint8_t *out, size_t out_size, size_t *out_len);

/* Decodes into a new buffer (caller owns, free with fg_free; one extra NUL
 * byte is appended but not counted) of at most max bytes. FG_ETOOBIG when
 * the input could decode to more than max bytes; FG_ENOMEM. */
enum fg_status smart_b64url_decode_alloc(struct fg_str in, size_t max, uint8_t **out,
                                         size_t *out_len);

/* True when every byte of s is in the base64url alphabet (no padding). */
bool smart_b64url_is_alphabet(struct fg_str s);

#endif
