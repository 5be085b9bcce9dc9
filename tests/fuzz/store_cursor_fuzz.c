/* store_cursor_fuzz.c - libFuzzer target for the SQLite store's paging
 * cursor decoder (store_sqlite_cursor.c), which reads client-supplied
 * _cursor values.
 *
 * Two passes per input: the bytes as a cursor text (nearly always refused:
 * the MAC is checked before anything else is read), and the bytes as the
 * cursor payload with a valid MAC appended, which drives the structure
 * parser. Invariants: decoding either fails with FG_EINVAL and
 * "Invalid _cursor", or succeeds with at most SQ_CURSOR_MAX_KEYS keys,
 * positive snapshot and rid, and re-encodes to the exact same text.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fhir/store_sqlite_cursor.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct sq_store *s, struct fg_pool *pool, const struct fhir_query *q,
                  struct fg_str text)
{
    struct sq_cursor c;
    struct fg_error err;
    fg_error_clear(&err);
    enum fg_status st = sq_cursor_decode(s, pool, q, text, &c, &err);
    if (st != FG_OK) {
        assert(st == FG_EINVAL && strcmp(err.diagnostics, "Invalid _cursor") == 0);
        return;
    }
    assert(c.n_keys <= SQ_CURSOR_MAX_KEYS && c.snap > 0 && c.rid > 0);
    struct fg_str again;
    assert(sq_cursor_encode(s, pool, q, &c, &again) == FG_OK);
    assert(again.len == text.len && memcmp(again.ptr, text.ptr, text.len) == 0);
}

/* base64url of raw || MAC(raw), as the encoder would write it. */
static struct fg_str with_mac(const struct sq_store *s, struct fg_pool *pool,
                              const struct fhir_query *q, const uint8_t *data, size_t size)
{
    unsigned char raw[CURSOR_RAW_MAX];
    if (size > CURSOR_RAW_MAX - MAC_LEN)
        size = CURSOR_RAW_MAX - MAC_LEN;
    memcpy(raw, data, size);
    if (!mac(s, q, raw, size, raw + size))
        return FG_STR_NULL;
    size += MAC_LEN;
    char *txt = fg_pool_alloc(pool, (size * 4 + 2) / 3 + 1);
    size_t k = 0;
    for (size_t i = 0; txt && i < size; i += 3) {
        uint32_t v = (uint32_t)raw[i] << 16;
        if (i + 1 < size)
            v |= (uint32_t)raw[i + 1] << 8;
        if (i + 2 < size)
            v |= raw[i + 2];
        txt[k++] = b64[(v >> 18) & 63];
        txt[k++] = b64[(v >> 12) & 63];
        if (i + 1 < size)
            txt[k++] = b64[(v >> 6) & 63];
        if (i + 2 < size)
            txt[k++] = b64[v & 63];
    }
    return txt ? (struct fg_str){txt, k} : FG_STR_NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sq_store s;
    memset(&s, 0, sizeof s);
    memset(s.cursor_key, 0x5a, sizeof s.cursor_key);
    struct fhir_sort sort = {.name = FG_STR_LIT("date")};
    struct fhir_query q;
    memset(&q, 0, sizeof q);
    q.type = FG_STR_LIT("Observation");
    q.sorts = &sort;
    struct fg_pool *pool = fg_pool_new();
    if (!pool)
        return 0;
    /* Once for a query without and once with one sort key. */
    for (q.n_sorts = 0; q.n_sorts < 2; q.n_sorts++) {
        check(&s, pool, &q, (struct fg_str){(const char *)data, size});
        struct fg_str text = with_mac(&s, pool, &q, data, size);
        if (text.ptr)
            check(&s, pool, &q, text);
    }
    fg_pool_free(&pool);
    return 0;
}
