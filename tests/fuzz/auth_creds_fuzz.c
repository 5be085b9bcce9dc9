/* auth_creds_fuzz.c - libFuzzer target for the client credential parsers
 * of the token endpoint: the HTTP Basic value and the unverified "iss" of
 * a client assertion. Input: anything. Invariants: decoding never reads or
 * writes out of bounds (ASan), accepted Basic input is base64 of at most
 * 1024 bytes whose id and secret fit in it, an extracted iss is non-empty
 * and NUL-free; a JWT built from the input as iss gives that iss back. */
#include <stdint.h>
#include <string.h>

#include "core/fg_pool.h"
#include "fuzz.h"
#include "gateway/auth_client.h"
#include "smart/b64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_pool *pool = fg_pool_new();
    if (!pool)
        return 0;
    struct fg_str in = fg_str_n((const char *)data, size);
    struct fg_str id, secret, iss;
    if (fg_auth_basic_decode(pool, in, &id, &secret) == FG_OK) {
        FUZZ_CHECK(size % 4 == 0 && size <= 1024);
        FUZZ_CHECK(id.len + secret.len < size);
    }
    if (fg_auth_jwt_issuer(pool, in, &iss))
        FUZZ_CHECK(iss.len > 0 && !memchr(iss.ptr, '\0', iss.len));
    /* Round trip: {"iss":"<hex of input>"} as a JWT payload. */
    char payload[600], jwt[1000];
    size_t k = size > 200 ? 200 : size, p = 0;
    static const char hex[] = "0123456789abcdef";
    char iss_text[401];
    for (size_t i = 0; i < k; i++) {
        iss_text[p++] = hex[data[i] >> 4];
        iss_text[p++] = hex[data[i] & 15];
    }
    iss_text[p] = '\0';
    int n = snprintf(payload, sizeof payload, "{\"iss\":\"x%s\"}", iss_text);
    size_t enc = 0;
    if (n > 0 && (size_t)n < sizeof payload && memcpy(jwt, "e30.", 4) &&
        smart_b64url_encode((const uint8_t *)payload, (size_t)n, jwt + 4, sizeof jwt - 8, &enc) == FG_OK) {
        memcpy(jwt + 4 + enc, ".sg", 4);
        FUZZ_CHECK(fg_auth_jwt_issuer(pool, fg_str_c(jwt), &iss));
        FUZZ_CHECK(iss.len == p + 1 && iss.ptr[0] == 'x' && memcmp(iss.ptr + 1, iss_text, p) == 0);
    }
    fg_pool_free(&pool);
    return 0;
}
