/* imp_ingest_fault.c - a store whose Nth write fails (see imp_ingest_fault.h). */
#include "imp_ingest_fault.h"

#include "../core/fg_mem.h"

struct fault_store {
    struct fhir_store base; /* first: the ops cast back */
    struct fhir_store *inner;
    uint64_t writes, fail_at;
};

static struct fhir_store *inner_of(struct fhir_store *s)
{
    return ((struct fault_store *)s)->inner;
}

static enum fg_status f_read(struct fhir_store *s, struct fg_pool *pool, struct fg_str type,
                             struct fg_str id, struct fhir_resource *out, struct fg_error *err)
{
    return fhir_store_read(inner_of(s), pool, type, id, out, err);
}

static enum fg_status f_vread(struct fhir_store *s, struct fg_pool *pool, struct fg_str type,
                              struct fg_str id, struct fg_str version, struct fhir_resource *out,
                              struct fg_error *err)
{
    return fhir_store_vread(inner_of(s), pool, type, id, version, out, err);
}

static enum fg_status f_history(struct fhir_store *s, struct fg_pool *pool, struct fg_str type,
                                struct fg_str id, const struct fhir_history_query *q,
                                struct fhir_history_result *out, struct fg_error *err)
{
    return fhir_store_history_page(inner_of(s), pool, type, id, q, out, err);
}

static enum fg_status f_search(struct fhir_store *s, struct fg_pool *pool,
                               const struct fhir_query *q, struct fhir_search_result *out,
                               struct fg_error *err)
{
    return fhir_store_search(inner_of(s), pool, q, out, err);
}

static enum fg_status f_write(struct fhir_store *s, struct fg_pool *pool,
                              const struct fhir_write *writes, size_t n,
                              struct fhir_write_result *results, struct fg_error *err)
{
    struct fault_store *f = (struct fault_store *)s;
    if (++f->writes == f->fail_at)
        return fg_error_set(err, FG_EIO, NULL,
                            "Storage error (write): injected failure of write %llu (test)",
                            (unsigned long long)f->writes);
    return fhir_store_write(f->inner, pool, writes, n, results, err);
}

static uint64_t f_marker(const struct fhir_store *s)
{
    uint64_t v = 0;
    fhir_store_change_marker(((const struct fault_store *)s)->inner, &v);
    return v;
}

static enum fg_status f_bulk_begin(struct fhir_store *s, struct fg_error *err)
{
    return fhir_store_bulk_begin(inner_of(s), err);
}

static enum fg_status f_bulk_end(struct fhir_store *s, bool commit, struct fg_error *err)
{
    return fhir_store_bulk_end(inner_of(s), commit, err);
}

static void f_close(struct fhir_store *s)
{
    fg_free(s);
}

static const struct fhir_store_ops fault_ops = {
    .name = "fault-injection",
    .read = f_read,
    .vread = f_vread,
    .history = f_history,
    .search = f_search,
    .write = f_write,
    .close = f_close,
    .change_marker = f_marker,
    .bulk_begin = f_bulk_begin,
    .bulk_end = f_bulk_end,
};

enum fg_status imp_ingest_fault_wrap(struct fhir_store *inner, uint64_t fail_at,
                                     struct fhir_store **out)
{
    struct fault_store *f = fg_calloc(1, sizeof *f);
    if (!f)
        return FG_ENOMEM;
    f->base.ops = &fault_ops;
    f->base.clock = inner->clock;
    f->inner = inner;
    f->fail_at = fail_at;
    *out = &f->base;
    return FG_OK;
}
