/* store.c - dispatch from the store interface to its backend. */
#include <inttypes.h>

#include "store.h"

enum fg_status fhir_store_read(struct fhir_store *s, struct fg_pool *pool, struct fg_str type,
                               struct fg_str id, struct fhir_resource *out, struct fg_error *err)
{
    return s->ops->read(s, pool, type, id, out, err);
}

enum fg_status fhir_store_vread(struct fhir_store *s, struct fg_pool *pool, struct fg_str type,
                                struct fg_str id, struct fg_str version, struct fhir_resource *out,
                                struct fg_error *err)
{
    return s->ops->vread(s, pool, type, id, version, out, err);
}

enum fg_status fhir_store_history(struct fhir_store *s, struct fg_pool *pool, struct fg_str type,
                                  struct fg_str id, int64_t since_us, int count,
                                  struct fhir_history_result *out, struct fg_error *err)
{
    struct fhir_history_query q = {since_us, count, NULL, FG_STR_NULL};
    return s->ops->history(s, pool, type, id, &q, out, err);
}

enum fg_status fhir_store_history_page(struct fhir_store *s, struct fg_pool *pool,
                                       struct fg_str type, struct fg_str id,
                                       const struct fhir_history_query *q,
                                       struct fhir_history_result *out, struct fg_error *err)
{
    /* A key of the other form comes from another backend or a client. */
    if ((q->page && s->ops->opaque_history_pages) ||
        (q->page_opaque.len && !s->ops->opaque_history_pages))
        return fg_error_set(err, FG_EINVAL, "_page",
                            "_page is not a page of this history (use the Bundle's links)");
    return s->ops->history(s, pool, type, id, q, out, err);
}

enum fg_status fhir_store_search(struct fhir_store *s, struct fg_pool *pool,
                                 const struct fhir_query *q, struct fhir_search_result *out,
                                 struct fg_error *err)
{
    return s->ops->search(s, pool, q, out, err);
}

enum fg_status fhir_store_write(struct fhir_store *s, struct fg_pool *pool,
                                const struct fhir_write *writes, size_t n,
                                struct fhir_write_result *results, struct fg_error *err)
{
    return s->ops->write(s, pool, writes, n, results, err);
}

bool fhir_store_change_marker(const struct fhir_store *s, uint64_t *out)
{
    if (!s || !s->ops->change_marker)
        return false;
    *out = s->ops->change_marker(s);
    return true;
}

enum fg_status fhir_store_bulk_begin(struct fhir_store *s, struct fg_error *err)
{
    if (!s->ops->bulk_begin)
        return fg_error_set(err, FG_ENOTSUP, NULL, "the %s store has no bulk transaction",
                            s->ops->name);
    return s->ops->bulk_begin(s, err);
}

enum fg_status fhir_store_bulk_end(struct fhir_store *s, bool commit, struct fg_error *err)
{
    if (!s->ops->bulk_end)
        return fg_error_set(err, FG_ENOTSUP, NULL, "the %s store has no bulk transaction",
                            s->ops->name);
    return s->ops->bulk_end(s, commit, err);
}

void fhir_store_close(struct fhir_store **s)
{
    if (!s || !*s)
        return;
    (*s)->ops->close(*s);
    *s = NULL;
}

const char *fhir_resource_version_text(struct fg_pool *pool, const struct fhir_resource *res)
{
    if (res->version_id.len)
        return fg_pool_strndup(pool, res->version_id.ptr, res->version_id.len);
    if (res->version <= 0)
        return NULL;
    return fg_pool_printf(pool, "%" PRId64, res->version);
}
