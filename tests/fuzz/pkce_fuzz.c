/* pkce_fuzz.c - libFuzzer target for smart_pkce_verify and the request check.
 * Input: verifier, a NUL byte, challenge. Invariant: a match implies the
 * verifier is RFC 7636 syntax and differs from the challenge. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "smart/pkce.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *nul = memchr(p, '\0', size);
    struct fg_str verifier = fg_str_n(p, nul ? (size_t)(nul - p) : size);
    struct fg_str challenge = nul ? fg_str_n(nul + 1, size - verifier.len - 1) : FG_STR_NULL;
    struct fg_error err;
    fg_error_clear(&err);
    if (smart_pkce_verify(verifier, challenge, &err) == FG_OK) {
        assert(smart_pkce_verifier_valid(verifier));
        assert(!fg_str_eq(verifier, challenge));
    }
    (void)smart_pkce_check_request(fg_str_c("S256"), challenge, NULL);
    return 0;
}
