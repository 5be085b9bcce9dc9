/* upstream_page_fuzz.c - libFuzzer target for the paging positions a
 * client sends back in upstream mode (store_upstream_page.c): a search
 * _cursor or a history _page ("o" + position) is opened against the
 * request the gateway rebuilt.
 *
 * Invariants: opening arbitrary bytes either fails with FG_EINVAL naming
 * the parameter, or gives a state that is a prefix of the input; what the
 * gateway sealed opens to exactly what it sealed, but not for another
 * request, another kind or another key.
 */
#include <string.h>

#include "fuzz.h"
#include "core/fg_clock.h"
#include "fhir/store_upstream_internal.h"

static void round_trip(struct fg_pool *pool, struct up_store *s, struct up_store *other,
                       struct fg_str bound, struct fg_str state)
{
    struct fg_error err;
    struct fg_str back = FG_STR_NULL;
    fg_error_clear(&err);
    struct fg_str sealed = up_page_seal(pool, s, "search", bound, state);
    if (!state.len || !sealed.len)
        return;
    FUZZ_CHECK(up_page_open(s, "search", bound, sealed, "_cursor", &back, &err) == FG_OK);
    FUZZ_CHECK(fg_str_eq(back, state));
    FUZZ_CHECK(up_page_open(s, "history", bound, sealed, "_page", &back, &err) == FG_EINVAL);
    FUZZ_CHECK(up_page_open(s, "search", FG_STR_LIT("Observation?x"), sealed, "_cursor", &back,
                            &err) == FG_EINVAL);
    FUZZ_CHECK(up_page_open(other, "search", bound, sealed, "_cursor", &back, &err) == FG_EINVAL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_pool *pool = fg_pool_new();
    struct fhir_store *a = NULL, *b = NULL;
    struct fg_clock clock = {0};
    struct fg_error err;
    fg_error_clear(&err);
    struct fhir_store_upstream_options o = {.url = "http://up.example/fhir", .paging_key = "a"};
    if (!pool || fhir_store_upstream_open(&o, &clock, &a, &err) != FG_OK)
        goto out;
    o.paging_key = "b";
    if (fhir_store_upstream_open(&o, &clock, &b, &err) != FG_OK)
        goto out;
    struct fg_str text = {(const char *)data, size};
    struct fg_str bound = FG_STR_LIT("Observation?subject=Patient%2Famy&_count=50");
    struct fg_str state = FG_STR_NULL;
    enum fg_status st = up_page_open((struct up_store *)a, "search", bound, text, "_cursor", &state,
                                     &err);
    FUZZ_CHECK(st == FG_OK || st == FG_EINVAL);
    if (st == FG_OK)
        FUZZ_CHECK(state.ptr == text.ptr && state.len < text.len);
    else
        FUZZ_CHECK(strcmp(err.expression, "_cursor") == 0);
    round_trip(pool, (struct up_store *)a, (struct up_store *)b, bound, text);
out:
    fhir_store_close(&a);
    fhir_store_close(&b);
    fg_pool_free(&pool);
    return 0;
}
