/* audit_query_fuzz.c - libFuzzer target for fg_audit_clean_query, which
 * copies a request's query string into the audit log. Input: a query
 * string, anything. Invariants: the output is NUL-terminated within the
 * buffer, holds only input bytes or the mask '*', and the value of
 * a secret-carrying parameter (access_token=...) never appears in it. */
#include <string.h>

#include "fuzz.h"
#include "gateway/audit_req.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t sizes[] = {1, 8, 64, SMART_AUDIT_MAX_QUERY + 1};
    struct fg_str in = fg_str_n((const char *)data, size);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char out[SMART_AUDIT_MAX_QUERY + 1];
        memset(out, 'x', sizeof out);
        fg_audit_clean_query(in, out, sizes[i]);
        size_t n = strnlen(out, sizes[i]);
        FUZZ_CHECK(n < sizes[i]);
        for (size_t j = 0; j < n; j++) /* only input bytes, or the mask */
            FUZZ_CHECK(out[j] == '*' || memchr(data, out[j], size) != NULL);
    }
    /* a known secret appended is always masked */
    char q[1100], out[SMART_AUDIT_MAX_QUERY + 1];
    size_t k = size > 500 ? 500 : size, p = 0;
    for (size_t i = 0; i < k; i++)
        if (data[i] != '&' && data[i] != '=' && data[i] != '\0')
            q[p++] = (char)data[i];
    static const char secret[] = "&access_token=SeCrEt42";
    memcpy(q + p, secret, sizeof secret);
    fg_audit_clean_query(fg_str_c(q), out, sizeof out);
    FUZZ_CHECK(strstr(out, "=SeCrEt42") == NULL); /* the input holds no "=" */
    return 0;
}
