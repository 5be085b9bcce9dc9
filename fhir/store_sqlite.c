/* store_sqlite.c - the embedded record store: open, connection pool, read,
 * vread and history. https://www.sqlite.org/wal.html
 *
 * Design
 * - A pool of N connections (mutex + condvar) is shared by the server
 *   threads. Each connection runs in WAL mode with synchronous=NORMAL (a
 *   committed transaction survives a process crash; only an OS crash can
 *   lose the last ones), a busy timeout, in-memory temp store, and keeps
 *   its fixed statements prepared (SQLITE_PREPARE_PERSISTENT) plus an LRU
 *   cache of dynamic search statements keyed by SQL text. Search SQL is
 *   built from constant fragments and '?' placeholders only: no value ever
 *   reaches SQL text.
 * - Writers queue on an in-process mutex and then take BEGIN IMMEDIATE, so
 *   readers never wait for writers (WAL) and writers never spin in
 *   SQLite's busy handler.
 * - Schema (store_sqlite_schema.c): res holds the current version of each
 *   resource (rid is stable for the life of (type, id), including delete
 *   and re-create), res_history the superseded versions, idx_* the search
 *   index rows of current, non-deleted versions keyed by the parameter's
 *   table id, res_compartment the patients whose compartment holds a
 *   resource.
 */
#include "store_sqlite_internal.h"

#include <stdio.h>
#include <string.h>

#include "../core/fg_mem.h"

static const struct fhir_store_ops sq_ops;

enum fg_status sq_fail(struct sq_conn *c, struct fg_error *err, const char *what)
{
    return fg_error_set(err, FG_EIO, NULL, "Storage error (%s): %s", what,
                        c && c->db ? sqlite3_errmsg(c->db) : "no connection");
}

sqlite3_stmt *sq_stmt(struct sq_conn *c, enum sq_stmt k)
{
    sqlite3_stmt *st = c->st[k];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

enum fg_status sq_exec(struct sq_conn *c, sqlite3_stmt *st, struct fg_error *err)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return FG_OK;
    if (rc == SQLITE_BUSY)
        return fg_error_set(err, FG_EBUSY, NULL, "Store busy: %s", sqlite3_errmsg(c->db));
    return sq_fail(c, err, "exec");
}

enum fg_status sq_read_begin(struct sq_conn *c, struct fg_error *err)
{
    return c->in_bulk ? FG_OK : sq_exec(c, sq_stmt(c, SQ_BEGIN_READ), err);
}

void sq_read_end(struct sq_conn *c)
{
    if (!c->in_bulk)
        sq_exec(c, sq_stmt(c, SQ_COMMIT), NULL);
}

sqlite3_stmt *sq_dyn_stmt(struct sq_conn *c, const char *sql, size_t len, struct fg_error *err)
{
    struct sq_dyn *victim = &c->dyn[0];
    c->tick++;
    for (size_t i = 0; i < SQ_DYN_CACHE; i++) {
        struct sq_dyn *d = &c->dyn[i];
        if (d->sql && d->len == len && memcmp(d->sql, sql, len) == 0) {
            d->used = c->tick;
            sqlite3_reset(d->st);
            sqlite3_clear_bindings(d->st);
            return d->st;
        }
        if (d->used < victim->used)
            victim = d;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(c->db, sql, (int)len, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
        SQLITE_OK) {
        sq_fail(c, err, "prepare search");
        return NULL;
    }
    char *copy = fg_strndup(sql, len);
    if (!copy) {
        sqlite3_finalize(st);
        fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
        return NULL;
    }
    sqlite3_finalize(victim->st);
    fg_free(victim->sql);
    victim->sql = copy;
    victim->len = len;
    victim->st = st;
    victim->used = c->tick;
    return st;
}

struct fg_str sq_col_str(struct fg_pool *pool, sqlite3_stmt *st, int col)
{
    const unsigned char *p = sqlite3_column_text(st, col);
    int n = sqlite3_column_bytes(st, col);
    if (!p || n <= 0)
        return (struct fg_str){"", 0};
    struct fg_str s = fg_pool_str(pool, fg_str_n((const char *)p, (size_t)n));
    return s;
}

void sq_bind_str(sqlite3_stmt *st, int idx, struct fg_str s)
{
    sqlite3_bind_text(st, idx, s.len ? s.ptr : "", (int)s.len, SQLITE_STATIC);
}

/* SQLite's BINARY collation: bytes, then the shorter first. */
static int bytes_cmp(struct fg_str a, struct fg_str b)
{
    int c = memcmp(a.ptr, b.ptr, a.len < b.len ? a.len : b.len);
    return c ? c : (a.len > b.len) - (a.len < b.len);
}

void sq_bind_pat(sqlite3_stmt *st, int idx, const struct fg_str *pats, size_t n)
{
    /* sorted and without duplicates, as res_compartment's key gives them */
    const struct fg_str *order[SQ_PAT_MAX_PATIENTS];
    char text[SQ_PAT_MAX_BYTES];
    size_t k = 0, len = 0;
    if (n > SQ_PAT_MAX_PATIENTS)
        goto none;
    for (size_t i = 0; i < n; i++) {
        if (!pats[i].len || memchr(pats[i].ptr, ',', pats[i].len))
            goto none; /* the list could not be split back */
        size_t j = k++; /* insertion sort: a handful of ids */
        for (; j > 0 && bytes_cmp(*order[j - 1], pats[i]) > 0; j--)
            order[j] = order[j - 1];
        order[j] = &pats[i];
    }
    for (size_t i = 0; i < k; i++) {
        if (i && fg_str_eq(*order[i - 1], *order[i]))
            continue;
        if (len + order[i]->len + 1 > sizeof text)
            goto none;
        if (len)
            text[len++] = ',';
        memcpy(text + len, order[i]->ptr, order[i]->len);
        len += order[i]->len;
    }
    sqlite3_bind_text(st, idx, len ? text : "", (int)len, SQLITE_TRANSIENT);
    return;
none:
    sqlite3_bind_null(st, idx);
}

static void conn_close(struct sq_conn *c)
{
    for (size_t i = 0; i < SQ_DYN_CACHE; i++) {
        sqlite3_finalize(c->dyn[i].st);
        fg_free(c->dyn[i].sql);
    }
    for (size_t i = 0; i < SQ_STMT_COUNT; i++)
        sqlite3_finalize(c->st[i]);
    sqlite3_close(c->db);
    fg_buf_cleanup(&c->json);
    memset(c, 0, sizeof *c);
}

static enum fg_status conn_open(struct sq_conn *c, const char *path, int busy_ms,
                                bool low_memory, struct fg_error *err)
{
    static const char *const pragmas =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY;"
        "PRAGMA foreign_keys=OFF; PRAGMA cache_size=-65536; PRAGMA mmap_size=17179869184;"
        "PRAGMA wal_autocheckpoint=16384; PRAGMA journal_size_limit=67108864;";
    /* the largest body, plus room for what the store adds (id, meta) */
    fg_buf_init(&c->json, 2u * FG_MAX_BODY_BYTES);
    int rc = sqlite3_open_v2(path, &c->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK)
        return fg_error_set(err, FG_EIO, NULL, "Cannot open the store '%s': %s", path,
                            c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
    sqlite3_busy_timeout(c->db, busy_ms);
    sqlite3_extended_result_codes(c->db, 1);
    if (sqlite3_exec(c->db, pragmas, NULL, NULL, NULL) != SQLITE_OK ||
        (low_memory && sqlite3_exec(c->db, "PRAGMA cache_size=-8192; PRAGMA mmap_size=0;", NULL,
                                    NULL, NULL) != SQLITE_OK))
        return sq_fail(c, err, "pragmas");
    return FG_OK;
}

static void store_free(struct sq_store *s)
{
    if (!s)
        return;
    sq_pool_stop(s);
    for (size_t i = 0; i < s->n_conns; i++)
        conn_close(&s->conns[i]);
    fg_free(s->conns);
    fg_free(s->base_url);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->write_mu);
    pthread_cond_destroy(&s->reaper_cv);
    fg_epoch_close(&s->changes);
    fg_free(s);
}

/* The change counter next to the database file; private for an in-memory
 * database (nobody else can write it). */
static enum fg_status open_changes(struct sq_store *s, const char *path, struct fg_error *err)
{
    if (!path || !path[0] || strcmp(path, ":memory:") == 0 || strstr(path, "mode=memory"))
        return fg_epoch_open(NULL, &s->changes, err);
    char epoch_path[4096];
    int n = snprintf(epoch_path, sizeof epoch_path, "%s-epoch", path);
    if (n < 0 || (size_t)n >= sizeof epoch_path)
        return fg_error_set(err, FG_EINVAL, NULL, "database path too long");
    return fg_epoch_open(epoch_path, &s->changes, err);
}

static uint64_t sq_change_marker(const struct fhir_store *store)
{
    return fg_epoch_read(&((const struct sq_store *)store)->changes);
}

static void sq_close(struct fhir_store *store)
{
    struct sq_store *s = (struct sq_store *)store;
    if (s)
        sq_pool_stop(s); /* no read transaction left to hold the WAL */
    if (s && s->n_conns && s->conns[0].db) {
        /* A clean close folds the WAL back into the database file. */
        sqlite3_exec(s->conns[0].db, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA optimize;", NULL,
                     NULL, NULL);
    }
    store_free(s);
}

enum fg_status fhir_store_sqlite_open(const char *path, const struct fg_clock *clock,
                                      const struct fhir_store_sqlite_options *opt,
                                      struct fhir_store **out, struct fg_error *err)
{
    enum fg_status rc = FG_ENOMEM;
    int n = opt && opt->connections > 0 ? opt->connections : 4;
    int busy = opt && opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms : 5000;
    struct sq_store *s = fg_calloc(1, sizeof *s);
    if (!s)
        return fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    pthread_mutex_init(&s->write_mu, NULL);
    sq_pool_init(s);
    s->base.ops = &sq_ops;
    s->base.clock = clock;
    s->conns = fg_calloc((size_t)n, sizeof *s->conns);
    if (!s->conns)
        goto out;
    if (opt && opt->base_url) {
        s->base_url = fg_strdup(opt->base_url);
        if (!s->base_url)
            goto out;
    }
    /* The first connection creates or migrates the schema before the
     * others prepare statements against it. */
    s->n_conns = 1;
    rc = conn_open(&s->conns[0], path, busy, opt && opt->low_memory, err);
    if (rc == FG_OK)
        rc = sq_schema_open(s, &s->conns[0], err);
    if (rc == FG_OK)
        rc = sq_prepare_all(&s->conns[0], err);
    if (rc == FG_OK)
        rc = open_changes(s, path, err);
    for (int i = 1; i < n && rc == FG_OK; i++) {
        s->n_conns = (size_t)i + 1;
        rc = conn_open(&s->conns[i], path, busy, opt && opt->low_memory, err);
        if (rc == FG_OK)
            rc = sq_prepare_all(&s->conns[i], err);
    }
out:
    if (rc != FG_OK) {
        if (rc == FG_ENOMEM)
            fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
        store_free(s);
        return rc;
    }
    *out = &s->base;
    return FG_OK;
}

/* ---- read, vread, history ---- */

/* Patient ids collected from result rows, grown in the pool. */
struct comp_list {
    struct fg_str first[16];
    struct fg_str *arr;
    size_t n, cap;
};

static void comp_list_init(struct comp_list *l)
{
    l->arr = l->first;
    l->n = 0;
    l->cap = sizeof l->first / sizeof l->first[0];
}

static enum fg_status comp_list_add(struct comp_list *l, struct fg_pool *pool,
                                    sqlite3_stmt *st, int col)
{
    if (l->n == l->cap) {
        struct fg_str *grown = fg_pool_alloc(pool, 2 * l->cap * sizeof *grown);
        if (!grown)
            return FG_ENOMEM;
        memcpy(grown, l->arr, l->n * sizeof *grown);
        l->arr = grown;
        l->cap *= 2;
    }
    l->arr[l->n++] = sq_col_str(pool, st, col);
    return FG_OK;
}

/* Moves the list into r->compartment (pool-owned). */
static enum fg_status comp_list_take(struct comp_list *l, struct fg_pool *pool,
                                     struct fhir_resource *r)
{
    r->n_compartment = l->n;
    r->compartment = NULL;
    if (!l->n)
        return FG_OK;
    if (l->arr != l->first) {
        r->compartment = l->arr;
        return FG_OK;
    }
    r->compartment = fg_pool_alloc(pool, l->n * sizeof *l->arr);
    if (!r->compartment)
        return FG_ENOMEM;
    memcpy(r->compartment, l->arr, l->n * sizeof *l->arr);
    return FG_OK;
}

enum fg_status sq_load_compartment(struct sq_conn *c, struct fg_pool *pool, int64_t rid,
                                   struct fhir_resource *r, struct fg_error *err)
{
    sqlite3_stmt *st = sq_stmt(c, SQ_COMP_GET);
    sqlite3_bind_int64(st, 1, rid);
    struct comp_list l;
    comp_list_init(&l);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (comp_list_add(&l, pool, st, 0) != FG_OK) {
            sqlite3_reset(st);
            return fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return sq_fail(c, err, "compartment");
    if (comp_list_take(&l, pool, r) != FG_OK)
        return fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
    return FG_OK;
}

/* r's compartment from a res.pat list ("a,b"; "" = none). */
static enum fg_status pat_split(struct fg_pool *pool, struct fg_str pat, struct fhir_resource *r)
{
    r->n_compartment = 0;
    r->compartment = NULL;
    if (!pat.len)
        return FG_OK;
    size_t n = 1;
    for (size_t i = 0; i < pat.len; i++)
        n += pat.ptr[i] == ',';
    r->compartment = fg_pool_alloc(pool, n * sizeof *r->compartment);
    if (!r->compartment)
        return FG_ENOMEM;
    for (size_t start = 0, i = 0; i <= pat.len; i++) {
        if (i < pat.len && pat.ptr[i] != ',')
            continue;
        r->compartment[r->n_compartment++] = fg_str_n(pat.ptr + start, i - start);
        start = i + 1;
    }
    return FG_OK;
}

/* The current row of (type, id) and its compartment from res.pat, in one
 * b-tree probe less than SQ_READ: *known is false when the row has no pat
 * (a compartment sq_bind_pat cannot list). */
static enum fg_status read_with_pat(struct sq_conn *c, struct fg_pool *pool, struct fg_str type,
                                    struct fg_str id, struct fhir_resource *r, bool *found,
                                    bool *known, struct fg_error *err)
{
    sqlite3_stmt *st = sq_stmt(c, SQ_READ_PAT);
    sq_bind_str(st, 1, type);
    sq_bind_str(st, 2, id);
    enum fg_status rc = FG_OK;
    int step = sqlite3_step(st);
    *found = step == SQLITE_ROW;
    *known = *found && sqlite3_column_type(st, 5) != SQLITE_NULL;
    if (*known) {
        r->version = sqlite3_column_int64(st, 1);
        r->last_updated_us = sqlite3_column_int64(st, 2);
        r->deleted = sqlite3_column_int(st, 3) != 0;
        r->json = sq_col_str(pool, st, 4);
        rc = pat_split(pool, sq_col_str(pool, st, 5), r);
        if (rc != FG_OK)
            fg_error_set(err, rc, NULL, "Out of memory");
    } else if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = sq_fail(c, err, "read");
    }
    sqlite3_reset(st);
    return rc;
}

/* The current row of (type, id) and its compartment, from SQ_READ: *found
 * is false when there is no row. r's type and id are not set. */
static enum fg_status read_current(struct sq_conn *c, struct fg_pool *pool, struct fg_str type,
                                   struct fg_str id, struct fhir_resource *r, bool *found,
                                   struct fg_error *err)
{
    bool known = false;
    enum fg_status prc = read_with_pat(c, pool, type, id, r, found, &known, err);
    if (prc != FG_OK || known || !*found)
        return prc;
    /* No pat: the row and its compartment rows, in one statement (one
     * snapshot; the row is read again, as it may have changed since). */
    sqlite3_stmt *st = sq_stmt(c, SQ_READ);
    sq_bind_str(st, 1, type);
    sq_bind_str(st, 2, id);
    struct comp_list l;
    comp_list_init(&l);
    enum fg_status rc = FG_OK;
    int step = SQLITE_DONE;
    *found = false;
    while (rc == FG_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (!*found) {
            r->version = sqlite3_column_int64(st, 1);
            r->last_updated_us = sqlite3_column_int64(st, 2);
            r->deleted = sqlite3_column_int(st, 3) != 0;
            r->json = sq_col_str(pool, st, 4);
            *found = true;
        }
        if (sqlite3_column_type(st, 5) != SQLITE_NULL)
            rc = comp_list_add(&l, pool, st, 5);
    }
    if (rc == FG_OK && step != SQLITE_DONE)
        rc = sq_fail(c, err, "read");
    else if (rc == FG_OK)
        rc = comp_list_take(&l, pool, r);
    if (rc == FG_ENOMEM)
        fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
    sqlite3_reset(st);
    return rc;
}

enum fg_status sq_read_rid(struct sq_conn *c, struct fg_pool *pool, int64_t rid,
                           struct fhir_resource *out, bool *found, struct fg_error *err)
{
    sqlite3_stmt *st = sq_stmt(c, SQ_READ_RID);
    sqlite3_bind_int64(st, 1, rid);
    int rc = sqlite3_step(st);
    *found = false;
    if (rc == SQLITE_ROW && !sqlite3_column_int(st, 4)) {
        memset(out, 0, sizeof *out);
        out->type = sq_col_str(pool, st, 0);
        out->id = sq_col_str(pool, st, 1);
        out->version = sqlite3_column_int64(st, 2);
        out->last_updated_us = sqlite3_column_int64(st, 3);
        out->json = sq_col_str(pool, st, 5);
        *found = true;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_fail(c, err, "read");
    if (*found)
        return sq_load_compartment(c, pool, rid, out, err);
    return FG_OK;
}

static enum fg_status sq_read(struct fhir_store *store, struct fg_pool *pool, struct fg_str type,
                              struct fg_str id, struct fhir_resource *out, struct fg_error *err)
{
    struct sq_store *s = (struct sq_store *)store;
    struct sq_conn *c = sq_conn_get_reader(s);
    struct fhir_resource r = {0};
    bool found = false;
    enum fg_status rc = read_current(c, pool, type, id, &r, &found, err);
    if (rc != FG_OK)
        goto out;
    if (!found) {
        rc = fg_error_set(err, FG_ENOTFOUND, NULL, "Resource %.*s/%.*s is not known",
                          (int)type.len, type.ptr, (int)id.len, id.ptr);
        goto out;
    }
    r.type = fg_pool_str(pool, type);
    r.id = fg_pool_str(pool, id);
    *out = r;
    if (r.deleted)
        rc = fg_error_set(err, FG_EGONE, NULL, "Resource %.*s/%.*s was deleted", (int)type.len,
                          type.ptr, (int)id.len, id.ptr);
out:
    sq_conn_put_reader(s, c, rc == FG_OK || rc == FG_ENOTFOUND || rc == FG_EGONE);
    return rc;
}

/* Compartment ids of the current row of (type, id): history rows share them. */
enum fg_status sq_compartment_by_id(struct sq_conn *c, struct fg_pool *pool,
                                        struct fhir_resource *r, struct fg_error *err)
{
    sqlite3_stmt *st = sq_stmt(c, SQ_COMP_BY_ID);
    sq_bind_str(st, 1, r->type);
    sq_bind_str(st, 2, r->id);
    int rc = sqlite3_step(st);
    int64_t rid = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_fail(c, err, "read");
    return rid ? sq_load_compartment(c, pool, rid, r, err) : FG_OK;
}

static enum fg_status sq_vread(struct fhir_store *store, struct fg_pool *pool, struct fg_str type,
                               struct fg_str id, struct fg_str vid, struct fhir_resource *out,
                               struct fg_error *err)
{
    struct sq_store *s = (struct sq_store *)store;
    int64_t version = 0;
    /* This store's versions are 1, 2, ...: any other id names none of them. */
    if (fg_parse_i64(vid, 1, INT64_MAX, &version) != FG_OK)
        return fg_error_set(err, FG_ENOTFOUND, NULL,
                            "%.*s/%.*s has no version \"%.*s\" (versions are 1, 2, ...)",
                            (int)type.len, type.ptr, (int)id.len, id.ptr,
                            (int)(vid.len > 64 ? 64 : vid.len), vid.ptr);
    struct sq_conn *c = sq_conn_get_reader(s);
    enum fg_status rc = FG_OK;
    struct fhir_resource r = {0};
    bool found = false, exists = false;
    /* The current row brings the compartment: history rows share it. */
    rc = read_current(c, pool, type, id, &r, &exists, err);
    if (rc != FG_OK)
        goto out;
    found = exists && r.version == version;
    if (!found && exists) {
        sqlite3_stmt *st = sq_stmt(c, SQ_VREAD_HIST);
        sq_bind_str(st, 1, type);
        sq_bind_str(st, 2, id);
        sqlite3_bind_int64(st, 3, version);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            r.version = version;
            r.last_updated_us = sqlite3_column_int64(st, 0);
            r.deleted = sqlite3_column_int(st, 1) != 0;
            r.json = sq_col_str(pool, st, 2);
            found = true;
        }
        sqlite3_reset(st);
        if (step != SQLITE_ROW && step != SQLITE_DONE) {
            rc = sq_fail(c, err, "vread");
            goto out;
        }
    }
    if (!found) {
        rc = fg_error_set(err, FG_ENOTFOUND, NULL, "Version %lld of %.*s/%.*s is not known",
                          (long long)version, (int)type.len, type.ptr, (int)id.len, id.ptr);
        goto out;
    }
    r.type = fg_pool_str(pool, type);
    r.id = fg_pool_str(pool, id);
    *out = r;
    if (r.deleted)
        rc = fg_error_set(err, FG_EGONE, NULL, "Version %lld of %.*s/%.*s is a delete",
                          (long long)version, (int)type.len, type.ptr, (int)id.len, id.ptr);
out:
    sq_conn_put_reader(s, c, rc == FG_OK || rc == FG_ENOTFOUND || rc == FG_EGONE);
    return rc;
}

static const struct fhir_store_ops sq_ops = {
    .name = "sqlite",
    .read = sq_read,
    .vread = sq_vread,
    .history = sq_history,
    .search = sq_search,
    .write = sq_write,
    .close = sq_close,
    .change_marker = sq_change_marker,
    .bulk_begin = sq_bulk_begin,
    .bulk_end = sq_bulk_end,
};
