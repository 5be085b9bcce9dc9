/* jwt_fuzz.c - libFuzzer target for smart_jwt_verify_client_assertion.
 * The registered JWKS holds one RSA and one EC key made once per process
 * (fuzzer-only state). Invariants: a random input never verifies (it would
 * need a signature by our fresh key); every refusal names a reason. */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>

#include <cjose/cjose.h>
#include <jansson.h>

#include "smart/jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct smart_jwks *fuzz_jwks(void)
{
    static struct smart_jwks set;
    static int ready;
    if (ready)
        return &set;
    static const uint8_t e[] = {1, 0, 1};
    cjose_err cerr;
    cjose_jwk_t *rsa = cjose_jwk_create_RSA_random(2048, e, sizeof e, &cerr);
    cjose_jwk_t *ec = cjose_jwk_create_EC_random(CJOSE_JWK_EC_P_384, &cerr);
    cjose_jwk_set_kid(rsa, "rsa-1", 5, &cerr);
    cjose_jwk_set_kid(ec, "ec-1", 4, &cerr);
    char *a = cjose_jwk_to_json(rsa, false, &cerr), *b = cjose_jwk_to_json(ec, false, &cerr);
    char doc[4096];
    snprintf(doc, sizeof doc, "{\"keys\":[%s,%s]}", a, b);
    smart_jwks_init(&set);
    assert(smart_jwks_parse(fg_str_c(doc), &set, NULL) == FG_OK);
    free(a);
    free(b);
    cjose_jwk_release(rsa);
    cjose_jwk_release(ec);
    ready = 1;
    return &set;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct smart_client_assertion out;
    enum smart_jwt_reason reason = SMART_JWT_OK;
    enum fg_status st = smart_jwt_verify_client_assertion(
        fg_str_n((const char *)data, size), fuzz_jwks(), fg_str_c("app"),
        fg_str_c("https://x/token"), 1800000000, &out, &reason, NULL);
    assert(st != FG_OK);
    assert(st == FG_ENOMEM || reason != SMART_JWT_OK);
    return 0;
}
