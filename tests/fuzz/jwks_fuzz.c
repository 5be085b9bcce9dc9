/* jwks_fuzz.c - libFuzzer target for smart_jwks_parse.
 * Invariants: success means 1..SMART_MAX_JWKS_KEYS keys, each RSA or EC
 * with a kid that smart_jwks_find returns; failure leaves the set empty. */
#include <assert.h>
#include <stdint.h>

#include "smart/jwks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smart_jwks set;
    smart_jwks_init(&set);
    if (smart_jwks_parse(fg_str_n((const char *)data, size), &set, NULL) == FG_OK) {
        assert(set.n >= 1 && set.n <= SMART_MAX_JWKS_KEYS);
        for (size_t i = 0; i < set.n; i++) {
            assert(set.keys[i].kty == CJOSE_JWK_KTY_RSA || set.keys[i].kty == CJOSE_JWK_KTY_EC);
            assert(smart_jwks_find(&set, fg_str_c(set.keys[i].kid), set.keys[i].kty) != NULL);
        }
    } else {
        assert(set.n == 0 && set.keys == NULL);
    }
    smart_jwks_cleanup(&set);
    return 0;
}
