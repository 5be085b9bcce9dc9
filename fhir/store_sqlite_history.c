/* store_sqlite_history.c - the history op: one page of the versions of a
 * resource, a type or the whole system, newest first, with the keys of
 * the neighbouring pages. http://hl7.org/fhir/R4/http.html#history
 *
 * Versions live in res (current) and res_history (superseded); a page is
 *   SELECT ... FROM res WHERE <filter> UNION ALL SELECT ... FROM res_history
 *   WHERE <filter> ORDER BY last_updated, type, id, version DESC LIMIT n + 1
 * where the filter is _since, the type and id when given, and for a later
 * page the row-value keyset (last_updated, type, id, version) < key (a
 * backward page: > key, ascending, then reversed). The total and the page
 * come from one read transaction.
 */
#include "store_sqlite_internal.h"

#include <string.h>

#define HIST_COLS "SELECT version, last_updated, deleted, json, id, type FROM "

static void hist_filter(struct sq_sql *g, struct fg_str type, struct fg_str id,
                        const struct fhir_history_query *q)
{
    sq_sql_add(g, " WHERE last_updated >= ");
    sq_sql_int(g, q->since_us);
    if (type.len) {
        sq_sql_add(g, " AND type = ");
        sq_sql_text(g, type);
    }
    if (id.len) {
        sq_sql_add(g, " AND id = ");
        sq_sql_text(g, id);
    }
    if (q->page) {
        sq_sql_add(g, q->page->backward ? " AND (last_updated, type, id, version) > ("
                                        : " AND (last_updated, type, id, version) < (");
        sq_sql_int(g, q->page->last_updated_us);
        sq_sql_add(g, ", ");
        sq_sql_text(g, q->page->type);
        sq_sql_add(g, ", ");
        sq_sql_text(g, q->page->id);
        sq_sql_add(g, ", ");
        sq_sql_int(g, q->page->version);
        sq_sql_add(g, ")");
    }
}

static void page_sql(struct sq_sql *g, struct fg_str type, struct fg_str id,
                     const struct fhir_history_query *q, int limit)
{
    bool back = q->page && q->page->backward;
    sq_sql_add(g, HIST_COLS "res");
    hist_filter(g, type, id, q);
    sq_sql_add(g, " UNION ALL " HIST_COLS "res_history");
    hist_filter(g, type, id, q);
    sq_sql_add(g, back ? " ORDER BY 2, 6, 5, 1 LIMIT " : " ORDER BY 2 DESC, 6 DESC, 5 DESC, 1 DESC"
                                                        " LIMIT ");
    sq_sql_int(g, limit);
}

static enum fg_status read_rows(struct sq_conn *c, struct fg_pool *pool, sqlite3_stmt *st,
                                size_t cap, struct fhir_history_result *out,
                                struct fg_error *err)
{
    out->versions = fg_pool_zalloc(pool, cap * sizeof *out->versions);
    if (!out->versions)
        return fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && out->n_versions < cap) {
        struct fhir_resource *r = &out->versions[out->n_versions++];
        r->type = sq_col_str(pool, st, 5);
        r->id = sq_col_str(pool, st, 4);
        r->version = sqlite3_column_int64(st, 0);
        r->last_updated_us = sqlite3_column_int64(st, 1);
        r->deleted = sqlite3_column_int(st, 2) != 0;
        r->json = sq_col_str(pool, st, 3);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_fail(c, err, "history");
    return FG_OK;
}

static void key_of(const struct fhir_resource *r, bool backward, struct fhir_history_key *k)
{
    *k = (struct fhir_history_key){backward, r->last_updated_us, r->version, r->type, r->id};
}

/* Trims the extra row, puts a backward page newest first, sets the keys. */
static void finish_page(const struct fhir_history_query *q, int count,
                        struct fhir_history_result *out)
{
    bool back = q->page && q->page->backward;
    bool more = out->n_versions > (size_t)count;
    if (more)
        out->n_versions = (size_t)count;
    for (size_t i = 0, j = out->n_versions; back && j > 1 && i < --j; i++) {
        struct fhir_resource t = out->versions[i];
        out->versions[i] = out->versions[j];
        out->versions[j] = t;
    }
    if (!out->n_versions)
        return;
    out->has_next = back ? true : more;
    out->has_prev = back ? more : q->page != NULL;
    key_of(&out->versions[out->n_versions - 1], false, &out->next);
    key_of(&out->versions[0], true, &out->prev);
}

static enum fg_status count_all(struct sq_conn *c, struct fg_str type, struct fg_str id,
                                int64_t since_us, int64_t *total, struct fg_error *err)
{
    bool inst = id.len > 0;
    sqlite3_stmt *st = sq_stmt(c, inst        ? SQ_HIST_INST_COUNT
                                  : type.len ? SQ_HIST_TYPE_COUNT
                                             : SQ_HIST_ALL_COUNT);
    sq_bind_str(st, 1, type);
    if (inst)
        sq_bind_str(st, 2, id);
    sqlite3_bind_int64(st, inst ? 3 : 2, since_us);
    int rc = sqlite3_step(st);
    *total = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? FG_OK : sq_fail(c, err, "history");
}

static enum fg_status history_conn(struct sq_conn *c, struct fg_pool *pool, struct fg_str type,
                                   struct fg_str id, const struct fhir_history_query *q,
                                   struct fhir_history_result *out, struct fg_error *err)
{
    int count = q->count <= 0 || q->count > FG_MAX_HISTORY_COUNT ? FG_MAX_HISTORY_COUNT
                                                                  : q->count;
    enum fg_status rc = count_all(c, type, id, q->since_us, &out->total, err);
    if (rc != FG_OK)
        return rc;
    if (id.len && out->total == 0 && q->since_us <= 0)
        return fg_error_set(err, FG_ENOTFOUND, NULL, "Resource %.*s/%.*s is not known",
                            (int)type.len, type.ptr, (int)id.len, id.ptr);
    struct sq_sql g;
    sq_sql_init(&g, pool, 0, err);
    page_sql(&g, type, id, q, count + 1);
    rc = g.st;
    sqlite3_stmt *st = rc == FG_OK ? sq_dyn_stmt(c, g.sql.data, g.sql.len, err) : NULL;
    if (rc == FG_OK && !st)
        rc = FG_EIO;
    if (rc == FG_OK)
        rc = sq_sql_bind(&g, st);
    if (rc == FG_OK)
        rc = read_rows(c, pool, st, (size_t)count + 1, out, err);
    sq_sql_cleanup(&g);
    if (rc != FG_OK)
        return rc;
    finish_page(q, count, out);
    /* Versions of one resource share its compartment: an instance
     * history looks it up once per page, not once per version. */
    for (size_t i = 0; i < out->n_versions && rc == FG_OK; i++) {
        struct fhir_resource *r = &out->versions[i], *prev = i ? r - 1 : NULL;
        if (prev && fg_str_eq(prev->type, r->type) && fg_str_eq(prev->id, r->id)) {
            r->compartment = prev->compartment;
            r->n_compartment = prev->n_compartment;
        } else {
            rc = sq_compartment_by_id(c, pool, r, err);
        }
    }
    return rc;
}

enum fg_status sq_history(struct fhir_store *store, struct fg_pool *pool, struct fg_str type,
                          struct fg_str id, const struct fhir_history_query *q,
                          struct fhir_history_result *out, struct fg_error *err)
{
    struct sq_store *s = (struct sq_store *)store;
    struct sq_conn *c = sq_conn_get(s);
    struct fhir_history_result res = {0};
    /* Reads run in one read transaction so the total and the rows agree. */
    enum fg_status rc = sq_read_begin(c, err);
    if (rc == FG_OK) {
        rc = history_conn(c, pool, type, id, q, &res, err);
        sq_read_end(c);
    }
    if (rc == FG_OK)
        *out = res;
    sq_conn_put(s, c);
    return rc;
}
