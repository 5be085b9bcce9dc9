/* store_sqlite_search.c - the search op: match page, sort, keyset paging,
 * total. http://hl7.org/fhir/R4/search.html
 *
 * One read transaction per search, so the snapshot, the total and the page
 * agree. The page query is
 *   SELECT r.rid, r.type, r.id, r.version, r.last_updated, r.json, <k0..>
 *   FROM res r WHERE <filters (store_sqlite_sql.c)> [AND <keyset>]
 *   ORDER BY <k0..>, r.rid LIMIT count + 1
 * where k0.. are the _sort keys (never NULL: missing values sort last) and
 * rid breaks ties. A cursor (store_sqlite_cursor.c) continues after (or,
 * backward, before) the key of the row it was made from; a backward page
 * runs the query reversed and reverses the rows. The total is COUNT(*)
 * over the same filters and snapshot (skipped for _total=none). A first
 * unsorted page on the fast path gets both from one scan (run_scan).
 */
#include "store_sqlite_internal.h"

#include <string.h>

#include "../core/fg_mem.h"

#define SQ_ROW_COLS 6

static size_t n_keys(const struct fhir_query *q)
{
    return q->n_sorts < SQ_CURSOR_MAX_KEYS ? q->n_sorts : SQ_CURSOR_MAX_KEYS;
}

static void bind_key(struct sq_sql *g, const struct sq_key *k)
{
    switch (k->type) {
    case SQLITE_INTEGER: sq_sql_int(g, k->i); break;
    case SQLITE_FLOAT: sq_sql_real(g, k->d); break;
    case SQLITE_BLOB: sq_sql_blob(g, k->s); break;
    default: sq_sql_text(g, k->s); break;
    }
}

/* (k_i > v_i OR (k_i = v_i AND <rest>)), with < where the direction flips. */
static void keyset(struct sq_sql *g, const struct fhir_query *q, const struct sq_cursor *c,
                   size_t i)
{
    if (i == c->n_keys) {
        sq_sql_add(g, c->backward ? "r.rid < " : "r.rid > ");
        sq_sql_int(g, c->rid);
        return;
    }
    bool less = q->sorts[i].descending != c->backward;
    sq_sql_alias(g, "(k", (int)i);
    sq_sql_add(g, less ? " < " : " > ");
    bind_key(g, &c->keys[i]);
    sq_sql_alias(g, " OR (k", (int)i);
    sq_sql_add(g, " = ");
    bind_key(g, &c->keys[i]);
    sq_sql_add(g, " AND ");
    keyset(g, q, c, i + 1);
    sq_sql_add(g, "))");
}

/* Unsorted page on the fast path: the page's rids from index rows, then
 * only those res rows. */
static void page_sql_fast(struct sq_sql *g, const struct fhir_query *q,
                          const struct sq_cursor *c, int64_t snap, bool backward, int limit)
{
    sq_sql_add(g, "SELECT r.rid, r.type, r.id, r.version, r.last_updated, r.json FROM (");
    sq_sql_fast_select(g, q, snap, false);
    if (c) {
        sq_sql_add(g, " AND ");
        keyset(g, q, c, 0);
    }
    sq_sql_add(g, backward ? " ORDER BY r.rid DESC LIMIT " : " ORDER BY r.rid LIMIT ");
    sq_sql_int(g, limit);
    sq_sql_add(g, backward ? ") p JOIN res r ON r.rid = p.rid ORDER BY r.rid DESC"
                           : ") p JOIN res r ON r.rid = p.rid ORDER BY r.rid");
}

static void page_sql(struct sq_sql *g, const struct fhir_query *q, const struct sq_cursor *c,
                     int64_t snap, bool backward, int limit)
{
    size_t nk = n_keys(q);
    if (nk == 0 && sq_sql_fast_ok(q)) {
        page_sql_fast(g, q, c, snap, backward, limit);
        return;
    }
    sq_sql_add(g, "SELECT r.rid, r.type, r.id, r.version, r.last_updated, r.json");
    for (size_t i = 0; i < nk; i++) {
        sq_sql_add(g, ", ");
        sq_sql_sort_key(g, &q->sorts[i], "r");
        sq_sql_alias(g, " AS k", (int)i);
    }
    sq_sql_add(g, " FROM res r WHERE ");
    sq_sql_where(g, q, snap);
    if (c) {
        sq_sql_add(g, " AND ");
        keyset(g, q, c, 0);
    }
    sq_sql_add(g, " ORDER BY ");
    for (size_t i = 0; i < nk; i++) {
        sq_sql_alias(g, "k", (int)i);
        sq_sql_add(g, q->sorts[i].descending != backward ? " DESC, " : ", ");
    }
    sq_sql_add(g, backward ? "r.rid DESC LIMIT " : "r.rid LIMIT ");
    sq_sql_int(g, limit);
}

static enum fg_status run_count(struct sq_conn *c, struct fg_pool *pool,
                                const struct fhir_query *q, int64_t snap, int64_t now_ms,
                                int64_t *total, struct fg_error *err)
{
    struct sq_sql g;
    enum fg_status rc;
    sq_sql_init(&g, pool, now_ms, err);
    if (sq_sql_fast_ok(q)) {
        sq_sql_fast_select(&g, q, snap, true);
    } else {
        sq_sql_add(&g, "SELECT count(*) FROM res r WHERE ");
        sq_sql_where(&g, q, snap);
    }
    rc = g.st;
    if (rc == FG_OK) {
        sqlite3_stmt *st = sq_dyn_stmt(c, g.sql.data, g.sql.len, err);
        rc = st ? sq_sql_bind(&g, st) : FG_EIO;
        if (rc == FG_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                *total = sqlite3_column_int64(st, 0);
            else
                rc = sq_fail(c, err, "count");
            sqlite3_reset(st);
        }
    }
    sq_sql_cleanup(&g);
    return rc;
}

struct page {
    struct fhir_resource *rows;
    int64_t *rids;
    struct sq_key (*keys)[SQ_CURSOR_MAX_KEYS];
    size_t n;
};

/* Room for cap rows in pg (pool-owned). */
static enum fg_status page_alloc(struct fg_pool *pool, struct page *pg, size_t cap,
                                 struct fg_error *err)
{
    pg->rows = fg_pool_zalloc(pool, cap * sizeof *pg->rows);
    pg->rids = fg_pool_zalloc(pool, cap * sizeof *pg->rids);
    pg->keys = fg_pool_zalloc(pool, cap * sizeof *pg->keys);
    if (!pg->rows || !pg->rids || !pg->keys)
        return fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
    return FG_OK;
}

static void read_keys(struct fg_pool *pool, sqlite3_stmt *st, size_t nk, struct sq_key *keys)
{
    for (size_t i = 0; i < nk; i++) {
        int col = SQ_ROW_COLS + (int)i;
        struct sq_key *k = &keys[i];
        k->type = sqlite3_column_type(st, col);
        if (k->type == SQLITE_INTEGER) {
            k->i = sqlite3_column_int64(st, col);
        } else if (k->type == SQLITE_FLOAT) {
            k->d = sqlite3_column_double(st, col);
        } else if (k->type == SQLITE_BLOB) {
            const void *b = sqlite3_column_blob(st, col);
            k->s = fg_pool_str(pool, fg_str_n(b, (size_t)sqlite3_column_bytes(st, col)));
        } else {
            k->type = SQLITE_TEXT;
            k->s = sq_col_str(pool, st, col);
        }
    }
}

static enum fg_status run_page(struct sq_conn *c, struct fg_pool *pool,
                               const struct fhir_query *q, const struct sq_cursor *cur,
                               int64_t snap, bool backward, int count, int64_t now_ms,
                               struct page *pg, struct fg_error *err)
{
    struct sq_sql g;
    size_t cap = (size_t)count + 1, nk = n_keys(q);
    sq_sql_init(&g, pool, now_ms, err);
    page_sql(&g, q, cur, snap, backward, count + 1);
    enum fg_status rc = g.st;
    sqlite3_stmt *st = NULL;
    if (rc != FG_OK)
        goto out;
    rc = page_alloc(pool, pg, cap, err);
    if (rc != FG_OK)
        goto out;
    st = sq_dyn_stmt(c, g.sql.data, g.sql.len, err);
    rc = st ? sq_sql_bind(&g, st) : FG_EIO;
    if (rc != FG_OK)
        goto out;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW && pg->n < cap) {
        struct fhir_resource *r = &pg->rows[pg->n];
        pg->rids[pg->n] = sqlite3_column_int64(st, 0);
        r->type = sq_col_str(pool, st, 1);
        r->id = sq_col_str(pool, st, 2);
        r->version = sqlite3_column_int64(st, 3);
        r->last_updated_us = sqlite3_column_int64(st, 4);
        r->json = sq_col_str(pool, st, 5);
        read_keys(pool, st, nk, pg->keys[pg->n]);
        pg->n++;
    }
    sqlite3_reset(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = sq_fail(c, err, "search");
out:
    sq_sql_cleanup(&g);
    return rc;
}

/* Rows read per statement by read_rows: the rids go in as a fixed list of
 * SQ_PAGE_CHUNK '?' (padded with rid 0, which no row has), so every chunk
 * runs the same cached statement. */
#define SQ_PAGE_CHUNK 64

/* Appends patient to r's compartment (a pool array grown by doubling). */
static enum fg_status comp_add(struct fg_pool *pool, struct fhir_resource *r, size_t *cap,
                               struct fg_str patient)
{
    if (r->n_compartment == *cap) {
        size_t ncap = *cap ? 2 * *cap : 4;
        struct fg_str *a = fg_pool_alloc(pool, ncap * sizeof *a);
        if (!a)
            return FG_ENOMEM;
        if (r->n_compartment)
            memcpy(a, r->compartment, r->n_compartment * sizeof *a);
        r->compartment = a;
        *cap = ncap;
    }
    r->compartment[r->n_compartment++] = patient;
    return FG_OK;
}

/* Reads the live current rows of rids[0..n) (ascending, n <= SQ_PAGE_CHUNK)
 * with their compartment patients in one statement: one result row per
 * (resource, patient), in rid order. */
static enum fg_status read_chunk(struct sq_conn *c, struct fg_pool *pool, const int64_t *rids,
                                 size_t n, struct fhir_resource *rows, struct fg_error *err)
{
    struct sq_sql g;
    sq_sql_init(&g, pool, 0, err);
    sq_sql_add(&g, "SELECT r.rid, r.type, r.id, r.version, r.last_updated, r.json, c.patient"
                   " FROM res r LEFT JOIN res_compartment c ON c.rid = r.rid"
                   " WHERE r.deleted = 0 AND r.rid IN (");
    for (size_t i = 0; i < SQ_PAGE_CHUNK; i++) {
        sq_sql_add(&g, i ? ", " : "");
        sq_sql_int(&g, i < n ? rids[i] : 0);
    }
    sq_sql_add(&g, ") ORDER BY r.rid");
    enum fg_status rc = g.st;
    sqlite3_stmt *st = rc == FG_OK ? sq_dyn_stmt(c, g.sql.data, g.sql.len, err) : NULL;
    if (rc == FG_OK)
        rc = st ? sq_sql_bind(&g, st) : FG_EIO;
    size_t j = 0, found = 0, cap = 0;
    struct fhir_resource *r = NULL;
    int step = SQLITE_DONE;
    while (rc == FG_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t rid = sqlite3_column_int64(st, 0);
        if (!r || rids[j] != rid) {
            while (j < n && rids[j] < rid)
                j++;
            if (j == n || rids[j] != rid)
                continue; /* not asked for: cannot happen */
            r = &rows[j];
            memset(r, 0, sizeof *r);
            r->type = sq_col_str(pool, st, 1);
            r->id = sq_col_str(pool, st, 2);
            r->version = sqlite3_column_int64(st, 3);
            r->last_updated_us = sqlite3_column_int64(st, 4);
            r->json = sq_col_str(pool, st, 5);
            cap = 0;
            found++;
        }
        if (sqlite3_column_type(st, 6) != SQLITE_NULL &&
            comp_add(pool, r, &cap, sq_col_str(pool, st, 6)) != FG_OK)
            rc = fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
    }
    if (st)
        sqlite3_reset(st);
    if (rc == FG_OK && step != SQLITE_DONE)
        rc = sq_fail(c, err, "search");
    /* Index rows belong to live current rows only, in this snapshot. */
    if (rc == FG_OK && found != n)
        rc = fg_error_set(err, FG_EIO, NULL, "An indexed resource has no row");
    sq_sql_cleanup(&g);
    return rc;
}

/* read_chunk over any number of rids. */
static enum fg_status read_rows(struct sq_conn *c, struct fg_pool *pool, const int64_t *rids,
                                size_t n, struct fhir_resource *rows, struct fg_error *err)
{
    enum fg_status rc = FG_OK;
    for (size_t at = 0; at < n && rc == FG_OK; at += SQ_PAGE_CHUNK)
        rc = read_chunk(c, pool, rids + at, n - at < SQ_PAGE_CHUNK ? n - at : SQ_PAGE_CHUNK,
                        rows + at, err);
    return rc;
}

/* The first page and the total of an unsorted fast-path search from one
 * scan of the matching rids (instead of a count and a page query that
 * would both walk them): every rid counts, the first count + 1 are kept
 * and only their rows are read, with their compartments. */
static enum fg_status run_scan(struct sq_conn *c, struct fg_pool *pool,
                               const struct fhir_query *q, int count, int64_t now_ms,
                               struct page *pg, int64_t *total, struct fg_error *err)
{
    struct sq_sql g;
    size_t cap = (size_t)count + 1;
    sq_sql_init(&g, pool, now_ms, err);
    sq_sql_fast_select(&g, q, 0, false);
    sq_sql_add(&g, " ORDER BY r.rid");
    enum fg_status rc = g.st;
    sqlite3_stmt *st = NULL;
    if (rc != FG_OK)
        goto out;
    rc = page_alloc(pool, pg, cap, err);
    if (rc != FG_OK)
        goto out;
    st = sq_dyn_stmt(c, g.sql.data, g.sql.len, err);
    rc = st ? sq_sql_bind(&g, st) : FG_EIO;
    int step = SQLITE_DONE;
    int64_t n = 0;
    while (rc == FG_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (pg->n < cap)
            pg->rids[pg->n++] = sqlite3_column_int64(st, 0);
        n++;
    }
    if (st)
        sqlite3_reset(st);
    if (rc == FG_OK && step != SQLITE_DONE)
        rc = sq_fail(c, err, "search");
    *total = n;
    if (rc == FG_OK)
        rc = read_rows(c, pool, pg->rids, pg->n < (size_t)count ? pg->n : (size_t)count,
                       pg->rows, err);
out:
    sq_sql_cleanup(&g);
    return rc;
}

static void reverse_page(struct page *pg)
{
    for (size_t i = 0, j = pg->n ? pg->n - 1 : 0; i < j; i++, j--) {
        struct fhir_resource r = pg->rows[i];
        pg->rows[i] = pg->rows[j];
        pg->rows[j] = r;
        int64_t rid = pg->rids[i];
        pg->rids[i] = pg->rids[j];
        pg->rids[j] = rid;
        struct sq_key k[SQ_CURSOR_MAX_KEYS];
        memcpy(k, pg->keys[i], sizeof k);
        memcpy(pg->keys[i], pg->keys[j], sizeof k);
        memcpy(pg->keys[j], k, sizeof k);
    }
}

static enum fg_status cursor_at(struct sq_store *s, struct fg_pool *pool,
                                const struct fhir_query *q, const struct page *pg, size_t i,
                                int64_t snap, bool backward, struct fg_str *out)
{
    struct sq_cursor c = {.backward = backward, .snap = snap, .rid = pg->rids[i]};
    c.n_keys = n_keys(q);
    memcpy(c.keys, pg->keys[i], sizeof c.keys);
    return sq_cursor_encode(s, pool, q, &c, out);
}

/* Fills the cursors of a fetched page (pg->n may be count + 1). */
static enum fg_status page_links(struct sq_store *s, struct fg_pool *pool,
                                 const struct fhir_query *q, const struct sq_cursor *cur,
                                 int64_t snap, int count, struct page *pg,
                                 struct fhir_search_result *out)
{
    bool backward = cur && cur->backward;
    bool more = pg->n > (size_t)count;
    enum fg_status rc = FG_OK;
    if (more)
        pg->n = (size_t)count;
    if (backward)
        reverse_page(pg);
    if (!pg->n)
        return FG_OK;
    bool has_next = backward ? true : more;
    bool has_prev = backward ? more : cur != NULL;
    if (has_next)
        rc = cursor_at(s, pool, q, pg, pg->n - 1, snap, false, &out->next_cursor);
    if (rc == FG_OK && has_prev)
        rc = cursor_at(s, pool, q, pg, 0, snap, true, &out->prev_cursor);
    return rc;
}

static enum fg_status search_conn(struct sq_store *s, struct sq_conn *c, struct fg_pool *pool,
                                  const struct fhir_query *q, struct fhir_search_result *out,
                                  struct fg_error *err)
{
    struct sq_cursor cur = {0};
    bool have_cursor = q->cursor.len > 0;
    int64_t snap = 0;
    int64_t now_ms = fg_clock_now_us(s->base.clock) / 1000;
    int count = q->count < 0 ? FG_DEFAULT_COUNT : q->count > FG_MAX_COUNT ? FG_MAX_COUNT
                                                                          : q->count;
    struct page pg = {0};
    enum fg_status rc = FG_OK;
    if (have_cursor) {
        rc = sq_cursor_decode(s, pool, q, q->cursor, &cur, err);
        if (rc != FG_OK)
            return rc;
        snap = cur.snap;
        out->self_cursor = fg_pool_str(pool, q->cursor);
    } else {
        sqlite3_stmt *st = sq_stmt(c, SQ_MAX_RID);
        snap = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
    }
    out->total = -1;
    /* A first unsorted page with its total: one scan gives both. */
    bool one_scan = !have_cursor && n_keys(q) == 0 && count > 0 &&
                    q->total != FHIR_TOTAL_NONE && q->summary != FHIR_SUMMARY_COUNT &&
                    sq_sql_fast_ok(q);
    if (one_scan) {
        rc = run_scan(c, pool, q, count, now_ms, &pg, &out->total, err);
    } else {
        if (q->total != FHIR_TOTAL_NONE || q->summary == FHIR_SUMMARY_COUNT)
            rc = run_count(c, pool, q, have_cursor ? snap : 0, now_ms, &out->total, err);
        if (rc != FG_OK || q->summary == FHIR_SUMMARY_COUNT || count == 0)
            return rc;
        rc = run_page(c, pool, q, have_cursor ? &cur : NULL, have_cursor ? snap : 0,
                      have_cursor && cur.backward, count, now_ms, &pg, err);
    }
    if (rc == FG_OK) {
        rc = page_links(s, pool, q, have_cursor ? &cur : NULL, snap, count, &pg, out);
        if (rc != FG_OK)
            fg_error_set(err, rc, NULL, "Cannot make the paging cursor");
    }
    for (size_t i = 0; i < pg.n && rc == FG_OK && !one_scan; i++)
        rc = sq_load_compartment(c, pool, pg.rids[i], &pg.rows[i], err);
    if (rc != FG_OK)
        return rc;
    out->matches = pg.rows;
    out->n_matches = pg.n;
    if (q->n_includes && pg.n)
        rc = sq_includes(s, c, pool, q, pg.rids, out, err);
    return rc;
}

enum fg_status sq_search(struct fhir_store *store, struct fg_pool *pool,
                         const struct fhir_query *q, struct fhir_search_result *out,
                         struct fg_error *err)
{
    struct sq_store *s = (struct sq_store *)store;
    struct sq_conn *c = sq_conn_get(s);
    struct fhir_search_result res = {0};
    enum fg_status rc = sq_read_begin(c, err);
    if (rc == FG_OK) {
        rc = search_conn(s, c, pool, q, &res, err);
        sq_read_end(c);
    }
    if (rc == FG_OK)
        *out = res;
    sq_conn_put(s, c);
    return rc;
}

enum fg_status sq_search_count_conn(struct sq_store *s, struct sq_conn *c, struct fg_pool *pool,
                                    const struct fhir_query *q, int limit, int64_t *n,
                                    int64_t *first_rid, struct fg_error *err)
{
    struct sq_sql g;
    int64_t now_ms = fg_clock_now_us(s->base.clock) / 1000;
    sq_sql_init(&g, pool, now_ms, err);
    sq_sql_add(&g, "SELECT r.rid FROM res r WHERE ");
    sq_sql_where(&g, q, 0);
    sq_sql_add(&g, " LIMIT ");
    sq_sql_int(&g, limit);
    enum fg_status rc = g.st;
    *n = 0;
    *first_rid = 0;
    if (rc == FG_OK) {
        sqlite3_stmt *st = sq_dyn_stmt(c, g.sql.data, g.sql.len, err);
        rc = st ? sq_sql_bind(&g, st) : FG_EIO;
        int step = SQLITE_DONE;
        while (rc == FG_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
            if (!*n)
                *first_rid = sqlite3_column_int64(st, 0);
            (*n)++;
        }
        if (st)
            sqlite3_reset(st);
        if (rc == FG_OK && step != SQLITE_DONE)
            rc = sq_fail(c, err, "conditional match");
    }
    sq_sql_cleanup(&g);
    return rc;
}
