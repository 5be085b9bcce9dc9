/* token.c - random opaque tokens and SHA-256 digests (RFC 6750, RFC 6819 §5.1.4.1.3). */
#include "token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "b64.h"

enum fg_status smart_random_bytes(uint8_t *out, size_t n)
{
    if (n > INT32_MAX)
        return FG_EINVAL;
    if (RAND_bytes(out, (int)n) != 1) {
        OPENSSL_cleanse(out, n);
        return FG_EIO;
    }
    return FG_OK;
}

enum fg_status smart_token_new(char out[SMART_TOKEN_SIZE])
{
    uint8_t raw[SMART_TOKEN_BYTES];
    enum fg_status st = smart_random_bytes(raw, sizeof raw);
    if (st == FG_OK)
        st = smart_b64url_encode(raw, sizeof raw, out, SMART_TOKEN_SIZE, NULL);
    if (st != FG_OK)
        OPENSSL_cleanse(out, SMART_TOKEN_SIZE);
    OPENSSL_cleanse(raw, sizeof raw);
    return st;
}

void smart_sha256(const void *data, size_t n, uint8_t out[32])
{
    unsigned int len = 32;
    /* EVP_Digest with the built-in SHA-256 cannot fail short of memory
     * corruption; zero the output if it somehow does so no stale digest
     * matches. */
    if (EVP_Digest(data, n, out, &len, EVP_sha256(), NULL) != 1)
        OPENSSL_cleanse(out, 32);
}

void smart_token_digest(struct fg_str token, char out[SMART_DIGEST_SIZE])
{
    smart_token_digest_md(NULL, token, out);
}

void smart_token_digest_md(const struct evp_md_st *md, struct fg_str token,
                           char out[SMART_DIGEST_SIZE])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t d[32];
    unsigned int len = 32;
    if (!md)
        smart_sha256(token.ptr ? token.ptr : "", token.len, d);
    else if (EVP_Digest(token.ptr ? token.ptr : "", token.len, d, &len, md, NULL) != 1)
        OPENSSL_cleanse(d, sizeof d);
    for (size_t i = 0; i < 32; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[SMART_DIGEST_HEX] = '\0';
}

bool smart_token_is_wellformed(struct fg_str s)
{
    return s.len == SMART_TOKEN_CHARS && smart_b64url_is_alphabet(s);
}

bool smart_secret_eq(struct fg_str a, struct fg_str b)
{
    if (a.len != b.len)
        return false;
    if (a.len == 0)
        return true;
    return CRYPTO_memcmp(a.ptr, b.ptr, a.len) == 0;
}
