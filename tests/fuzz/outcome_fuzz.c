/* outcome_fuzz.c - libFuzzer target for the OperationOutcome writer.
 *
 * The input (split at the first NUL) becomes the diagnostics and the
 * expression of an error. Invariants: the output is JSON that cJSON
 * parses, with resourceType OperationOutcome; valid UTF-8 diagnostics
 * without NUL come back unchanged.
 */
#include <assert.h>
#include <cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/fg_buf.h"
#include "fhir/outcome.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool valid_utf8(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                                                         : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        if (len == 0 || i + len > n)
            return false;
        unsigned cp = len == 1 ? c : c & (0x7Fu >> len);
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_error err;
    fg_error_clear(&err);
    err.status = FG_EINVAL;
    const uint8_t *nul = memchr(data, 0, size);
    size_t dlen = nul ? (size_t)(nul - data) : size;
    if (dlen >= sizeof err.diagnostics)
        dlen = sizeof err.diagnostics - 1;
    memcpy(err.diagnostics, data, dlen);
    err.diagnostics[dlen] = '\0';
    if (nul) {
        size_t elen = size - (size_t)(nul - data) - 1;
        if (elen >= sizeof err.expression)
            elen = sizeof err.expression - 1;
        memcpy(err.expression, nul + 1, elen);
        err.expression[elen] = '\0';
    }
    struct fg_buf b;
    fg_buf_init(&b, 64 * 1024);
    assert(fhir_outcome_write_error(&err, &b) == FG_OK);
    cJSON *oo = cJSON_ParseWithLength(b.data, b.len);
    assert(oo != NULL);
    assert(strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(oo, "resourceType")),
                  "OperationOutcome") == 0);
    cJSON *issue = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(oo, "issue"), 0);
    assert(issue != NULL);
    const char *d = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(issue, "diagnostics"));
    if (dlen && valid_utf8((const unsigned char *)err.diagnostics, dlen))
        assert(d && strcmp(d, err.diagnostics) == 0);
    cJSON_Delete(oo);
    fg_buf_cleanup(&b);
    return 0;
}
