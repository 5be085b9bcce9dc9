/* auth_input_fuzz.c - libFuzzer target for the small parsers of outside
 * input at the authorization endpoints: redirect URIs (registration),
 * Origin headers (CORS), scope words, an EHR launch's fhirContext (checked
 * when stored, split into the token response's references). Input: one
 * string (NULs cut it).
 * Invariants: an accepted redirect URI is http(s), has no fragment, no
 * space and no byte outside printable ASCII, and plain http only on a
 * loopback host; an accepted origin has no path; an accepted fhirContext
 * becomes one {"reference"} per space-separated word, each Type/id and never
 * Patient or Encounter; the checks never read past the string. */
#include <cJSON.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "gateway/auth_clients.h"
#include "gateway/auth_issue.h"
#include "gateway/cors.h"
#include "smart/authdb_launch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_fhir_context(const char *s, size_t n)
{
    if (!smart_fhir_context_ok(s))
        return;
    FUZZ_CHECK(n <= SMART_MAX_FHIR_CONTEXT);
    cJSON *o = cJSON_CreateObject();
    if (!o || !fg_auth_add_fhir_context(o, s)) {
        cJSON_Delete(o); /* no memory */
        return;
    }
    cJSON *arr = cJSON_GetObjectItem(o, "fhirContext");
    size_t words = n ? 1 : 0;
    for (size_t i = 0; i < n; i++)
        words += s[i] == ' ';
    FUZZ_CHECK(n ? cJSON_GetArraySize(arr) == (int)words : arr == NULL);
    const char *p = s;
    for (cJSON *it = arr ? arr->child : NULL; it; it = it->next) {
        const char *ref = cJSON_GetStringValue(cJSON_GetObjectItem(it, "reference"));
        FUZZ_CHECK(ref && strchr(ref, '/') && !strchr(ref, ' '));
        FUZZ_CHECK(strncmp(ref, "Patient/", 8) != 0 && strncmp(ref, "Encounter/", 10) != 0);
        size_t len = strlen(ref);
        FUZZ_CHECK(strncmp(p, ref, len) == 0 && (p[len] == ' ' || p[len] == '\0'));
        p += len + (p[len] == ' ');
    }
    cJSON_Delete(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    size_t n = strlen(s);
    if (fg_redirect_uri_ok(s)) {
        FUZZ_CHECK(strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0);
        FUZZ_CHECK(!strchr(s, '#') && !strchr(s, ' '));
        for (size_t i = 0; i < n; i++)
            FUZZ_CHECK((unsigned char)s[i] > 0x20 && (unsigned char)s[i] < 0x7f);
        if (strncmp(s, "http://", 7) == 0)
            FUZZ_CHECK(strncmp(s + 7, "localhost", 9) == 0 || strncmp(s + 7, "127.0.0.1", 9) == 0 ||
                       strncmp(s + 7, "[::1]", 5) == 0);
    }
    struct fg_str str = fg_str_n(s, n);
    if (fg_cors_origin_valid(str)) {
        const char *rest = strstr(s, "://");
        FUZZ_CHECK(rest && !strchr(rest + 3, '/'));
    }
    (void)fg_cors_kind_for(str);
    /* the cors_origins list: a single valid origin is a valid list holding it;
     * a refused list names an invalid item inside the input */
    struct fg_str bad = FG_STR_NULL;
    if (fg_cors_origin_valid(str))
        FUZZ_CHECK(fg_cors_list_valid(str, &bad) && fg_cors_list_has(str, s));
    if (!fg_cors_list_valid(str, &bad))
        FUZZ_CHECK(bad.ptr >= s && bad.ptr + bad.len <= s + n && !fg_cors_origin_valid(bad));
    if (n > 0 && !strchr(s, ' '))
        FUZZ_CHECK(fg_scope_has(s, s));
    (void)fg_scope_has(s, "openid");
    check_fhir_context(s, n);
    free(s);
    return 0;
}
