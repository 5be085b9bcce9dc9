/* access_bearer_fuzz.c - libFuzzer target for the Authorization header
 * parser of /fhir requests (fg_access_bearer, RFC 6750 §2.1) and the claims
 * check of external tokens (fg_external_claims on the input as JSON).
 * Invariants: an accepted token lies inside the header, is non-empty and
 * holds only b64token characters; "Bearer " + an accepted token parses to
 * the same token; claims never grant without a future exp and our aud. */
#include <stdint.h>
#include <string.h>

#include "core/fg_limits.h"
#include "core/fg_mem.h"
#include "core/fg_pool.h"
#include "fuzz.h"
#include "gateway/access_external.h"
#include "gateway/access_token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool b64tok_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           strchr("-._~+/=", c) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FG_MAX_BEARER_BYTES + 64)
        return 0;
    char *header = fg_strndup((const char *)data, size);
    if (!header)
        return 0;
    struct fg_str tok;
    bool present = false;
    if (fg_access_bearer(header, &tok, &present) == FG_OK) {
        FUZZ_CHECK(present && tok.len > 0 && tok.ptr >= header && tok.ptr + tok.len <= header + strlen(header));
        for (size_t i = 0; i < tok.len; i++)
            FUZZ_CHECK(b64tok_char((unsigned char)tok.ptr[i]));
        char again[FG_MAX_BEARER_BYTES + 16];
        int n = snprintf(again, sizeof again, "Bearer %.*s", (int)tok.len, tok.ptr);
        struct fg_str tok2;
        if (n > 0 && (size_t)n < sizeof again) {
            FUZZ_CHECK(fg_access_bearer(again, &tok2, &present) == FG_OK);
            FUZZ_CHECK(tok2.len == tok.len && memcmp(tok2.ptr, tok.ptr, tok.len) == 0);
        }
    }
    cJSON *claims = cJSON_ParseWithLength((const char *)data, size);
    if (claims) {
        struct fg_pool *pool = fg_pool_new();
        struct smart_access a;
        smart_access_init(&a);
        const char *why = NULL;
        if (pool && fg_external_claims(claims, "https://gw/fhir", "", 1000, pool, &a, &why) == FG_OK) {
            const cJSON *exp = cJSON_GetObjectItemCaseSensitive(claims, "exp");
            FUZZ_CHECK(cJSON_IsNumber(exp) && exp->valuedouble > 1000);
        }
        smart_access_cleanup(&a);
        fg_pool_free(&pool);
        cJSON_Delete(claims);
    }
    fg_free(header);
    return 0;
}
