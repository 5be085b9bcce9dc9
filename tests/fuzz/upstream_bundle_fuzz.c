/* upstream_bundle_fuzz.c - libFuzzer target for what an upstream FHIR
 * server sends the gateway (store_upstream_parse.c): searchset and history
 * Bundles, their paging links, and the cursors made from them.
 *
 * Invariants: a parse either fails with FG_EUPSTREAM (a diagnostic that
 * names the upstream) or gives entries that all have a known type, a FHIR
 * id and (unless a delete) compact JSON text; never more entries than the
 * limit; the paging state of every link is accepted back as a _cursor
 * (what the gateway hands out it must take back), and carries no search
 * parameter. The bytes are also tried as a link and as a cursor.
 */
#include <string.h>

#include "fuzz.h"
#include "core/fg_limits.h"
#include "fhir/searchparam.h"
#include "fhir/store_upstream_internal.h"

static const char UP[] = "http://up.example/fhir";

static void check_resources(const struct fhir_resource *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(fhir_resource_type_known(r[i].type));
        FUZZ_CHECK(fg_is_fhir_id(r[i].id));
        FUZZ_CHECK(r[i].version > 0 || r[i].version_id.len || r[i].deleted);
        FUZZ_CHECK(r[i].deleted || (r[i].json.len >= 2 && r[i].json.ptr[0] == '{'));
    }
}

static void check_state(struct fg_str type, struct fg_str state)
{
    struct fg_error err;
    fg_error_clear(&err);
    FUZZ_CHECK(state.len <= FG_MAX_UPSTREAM_CURSOR);
    FUZZ_CHECK(up_cursor_check(type, state, &err) == FG_OK);
}

static void bundle(struct fg_pool *pool, struct fg_str text, const char *kind)
{
    struct fg_error err;
    struct up_bundle b;
    struct fg_str type = FG_STR_LIT("Observation");
    fg_error_clear(&err);
    enum fg_status st = up_bundle_parse(pool, fg_str_c(UP), type, text, kind, &b, &err);
    if (st != FG_OK) {
        FUZZ_CHECK(st == FG_EUPSTREAM || st == FG_ENOMEM);
        FUZZ_CHECK(st != FG_EUPSTREAM || strstr(err.diagnostics, "upstream") != NULL);
        return;
    }
    FUZZ_CHECK(b.n_matches + b.n_included + b.n_outcome <= FG_MAX_BUNDLE_ENTRIES);
    check_resources(b.matches, b.n_matches);
    check_resources(b.included, b.n_included);
    check_state(type, b.next);
    check_state(type, b.prev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fg_pool *pool = fg_pool_new();
    if (!pool)
        return 0;
    struct fg_str text = {(const char *)data, size};
    bundle(pool, text, "searchset");
    bundle(pool, text, "history");
    struct fg_error err;
    struct fg_str state;
    fg_error_clear(&err);
    struct fg_buf link;
    fg_buf_init(&link, size + sizeof UP + 2);
    if (fg_buf_append_c(&link, UP) == FG_OK && fg_buf_append_char(&link, '?') == FG_OK &&
        fg_buf_append_str(&link, text) == FG_OK &&
        up_link_state(pool, fg_str_c(UP), FG_STR_LIT("Patient"), fg_buf_str(&link), &state, &err) ==
            FG_OK)
        check_state(FG_STR_LIT("Patient"), state);
    fg_buf_cleanup(&link);
    fg_error_clear(&err);
    (void)up_cursor_check(FG_STR_LIT("Observation"), text, &err);
    fg_pool_free(&pool);
    return 0;
}
