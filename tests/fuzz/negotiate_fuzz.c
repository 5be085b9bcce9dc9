/* negotiate_fuzz.c - libFuzzer target for Accept / _format / Content-Type.
 *
 * The input is split at the first two NUL bytes into an Accept value, a
 * _format value and a Content-Type value. Invariants: the answers are
 * deterministic; adding "application/fhir+json" to any Accept list makes it
 * acceptable; an acceptable _format is one of the JSON spellings.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/negotiate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fg_str take(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *nul = memchr(*p, 0, (size_t)(end - *p));
    const uint8_t *stop = nul ? nul : end;
    struct fg_str s = {(const char *)*p, (size_t)(stop - *p)};
    *p = nul ? nul + 1 : end;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    struct fg_str accept = take(&p, end);
    struct fg_str format = take(&p, end);
    struct fg_str ctype = take(&p, end);

    bool a = fg_negotiate_accept_allows_json(accept);
    assert(a == fg_negotiate_accept_allows_json(accept));

    char *with = malloc(accept.len + 32);
    assert(with);
    memcpy(with, accept.ptr, accept.len);
    memcpy(with + accept.len, ",application/fhir+json", 22);
    assert(fg_negotiate_accept_allows_json(fg_str_n(with, accept.len + 22)));
    free(with);

    if (fg_negotiate_format_is_json(format)) {
        struct fg_str type, params;
        fg_str_split(format, ';', &type, &params);
        type = fg_str_trim(type);
        assert(fg_str_ieq_c(type, "json") || fg_str_ieq_c(type, "application/json") ||
               fg_str_ieq_c(type, "application/fhir+json") ||
               fg_str_ieq_c(type, "application/json+fhir") ||
               fg_str_ieq_c(type, "application/fhir json") ||
               fg_str_ieq_c(type, "application/json fhir"));
    }
    static const char *const json[] = {"application/fhir+json", "application/json", NULL};
    bool c = fg_negotiate_content_type_is(ctype, json);
    assert(c == fg_negotiate_content_type_is(ctype, json));
    return 0;
}
