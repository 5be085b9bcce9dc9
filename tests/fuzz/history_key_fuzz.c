/* history_key_fuzz.c - libFuzzer target for fhir_history_key_parse (the
 * _page parameter of history links). Invariants: a parsed key writes
 * back to text that parses to the same key; a refusal names _page and
 * leaves the output untouched. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fhir/history.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_str in = fg_str_n((const char *)data, size);
    struct fhir_history_key k = {.version = -7};
    struct fg_error err;
    fg_error_clear(&err);
    if (fhir_history_key_parse(in, &k, &err) != FG_OK) {
        FUZZ_CHECK(k.version == -7);
        FUZZ_CHECK(strcmp(err.expression, "_page") == 0);
        return 0;
    }
    FUZZ_CHECK(k.version >= 1 && k.last_updated_us >= 0);
    struct fg_buf b;
    fg_buf_init(&b, 4096);
    FUZZ_CHECK(fhir_history_key_write(&k, &b) == FG_OK);
    struct fhir_history_key k2;
    FUZZ_CHECK(fhir_history_key_parse(fg_buf_str(&b), &k2, &err) == FG_OK);
    FUZZ_CHECK(k2.backward == k.backward && k2.version == k.version &&
               k2.last_updated_us == k.last_updated_us && fg_str_eq(k2.type, k.type) &&
               fg_str_eq(k2.id, k.id));
    fg_buf_cleanup(&b);
    return 0;
}
