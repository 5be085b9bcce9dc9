/* b64_fuzz.c - libFuzzer target for smart_b64url_decode.
 * Invariants: decoded length within the computed bound; a successful
 * decode re-encodes to exactly the input (one encoding per byte string). */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "core/fg_mem.h"
#include "smart/b64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    uint8_t *out = NULL;
    size_t n = 0;
    if (smart_b64url_decode_alloc(fg_str_n((const char *)data, size), 1 << 16, &out, &n) != FG_OK)
        return 0;
    assert(n <= smart_b64url_decoded_max(size));
    size_t cap = smart_b64url_encoded_len(n) + 1;
    char *enc = fg_malloc(cap);
    if (enc) {
        size_t len = 0;
        assert(smart_b64url_encode(out, n, enc, cap, &len) == FG_OK);
        assert(len == size && memcmp(enc, data, size) == 0);
    }
    fg_free(enc);
    fg_free(out);
    return 0;
}
