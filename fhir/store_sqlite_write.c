/* store_sqlite_write.c - the write op: create, update, delete, all or none.
 * http://hl7.org/fhir/R4/http.html#transaction
 *
 * The work that needs no lock happens first, per write: the id is assigned
 * (a random UUID v4 for server ids), meta.versionId (predicted) and
 * meta.lastUpdated are set, the index entries and compartment patients are
 * extracted and the JSON is printed. Then, under the store's writer mutex
 * and one BEGIN IMMEDIATE transaction, each write checks the current
 * version (If-Match), runs its If-None-Exist query, moves the current row
 * to res_history, writes the new row and replaces the index rows. Only
 * when the predicted version was wrong (a concurrent writer) is the JSON
 * printed again. Any failure rolls everything back. A conditional update
 * or delete (fhir_write.match) takes the lock first: its search and its
 * write run in the same transaction, then it prepares as above.
 */
#include "store_sqlite_internal.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>
#include <openssl/rand.h>

#include "../core/fg_mem.h"

/* What the lock-free phase prepared for one write. */
struct prep {
    struct fg_str id;
    int64_t version;             /* predicted */
    struct fhir_index_entry *entries;
    size_t n_entries;
    struct fg_str *patients;
    size_t n_patients;
    const struct fg_str *date_patients; /* sq_date_patients */
    size_t n_date_patients;
    struct fg_str json;          /* pool-owned */
    int64_t rid;                 /* set once the res row is written */
    bool index_pending;          /* its index rows are still to be inserted */
    bool replaced_row;           /* it replaced an existing res row */
};

static enum fg_status new_uuid(struct fg_pool *pool, struct fg_str *out, struct fg_error *err)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        return fg_error_set(err, FG_EIO, NULL, "No randomness for a resource id");
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    char *s = fg_pool_alloc(pool, 37);
    if (!s)
        return fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
    size_t k = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            s[k++] = '-';
        s[k++] = hex[b[i] >> 4];
        s[k++] = hex[b[i] & 0xf];
    }
    s[k] = '\0';
    *out = (struct fg_str){s, k};
    return FG_OK;
}

/* Sets member `name` of obj to a string, replacing any old value. */
static bool set_string(cJSON *obj, const char *name, const char *value)
{
    cJSON *v = cJSON_CreateString(value);
    if (!v)
        return false;
    if (cJSON_GetObjectItemCaseSensitive(obj, name))
        return cJSON_ReplaceItemInObjectCaseSensitive(obj, name, v);
    if (!cJSON_AddItemToObject(obj, name, v)) {
        cJSON_Delete(v);
        return false;
    }
    return true;
}

static enum fg_status set_meta(cJSON *res, int64_t version, int64_t now_us,
                               struct fg_error *err)
{
    char vid[24], instant[FG_INSTANT_MAX];
    int n = snprintf(vid, sizeof vid, "%lld", (long long)version);
    if (n < 0 || (size_t)n >= sizeof vid)
        return fg_error_set(err, FG_EINVAL, NULL, "Version out of range");
    fg_clock_format_instant(now_us, instant);
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(res, "meta");
    if (meta && !cJSON_IsObject(meta))
        return fg_error_set(err, FG_EINVAL, "meta", "meta must be an object");
    if (!meta) {
        meta = cJSON_AddObjectToObject(res, "meta");
        if (!meta)
            return fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
    }
    if (!set_string(meta, "versionId", vid) || !set_string(meta, "lastUpdated", instant))
        return fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
    return FG_OK;
}

static enum fg_status print_json(struct fg_pool *pool, const cJSON *res, struct fg_str *out,
                                 struct fg_error *err)
{
    char *txt = cJSON_PrintUnformatted(res);
    if (!txt)
        return fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
    *out = fg_pool_str(pool, fg_str_c(txt));
    cJSON_free(txt);
    return out->ptr ? FG_OK : fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
}

/* Predicts the next version from the committed state (outside the lock). */
static int64_t predict_version(struct sq_conn *c, const struct fhir_write *w, struct fg_str id)
{
    /* A create (server id, or a transaction's preset one) is almost always
     * new: no lookup; apply_one corrects the rare collision. */
    if (w->kind == FHIR_WRITE_CREATE)
        return 1;
    sqlite3_stmt *st = sq_stmt(c, SQ_CUR_GET);
    sq_bind_str(st, 1, w->type);
    sq_bind_str(st, 2, id);
    int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 1) + 1 : 1;
    sqlite3_reset(st);
    return v;
}

static enum fg_status prepare_one(const struct sq_store *s, struct sq_conn *c,
                                  struct fg_pool *pool,
                                  const struct fhir_write *w, int64_t now_us, struct prep *p,
                                  struct fg_error *err)
{
    enum fg_status rc;
    if (!fhir_resource_type_known(w->type))
        return fg_error_set(err, FG_EINVAL, NULL, "Unknown resource type '%.*s'",
                            (int)(w->type.len > 64 ? 64 : w->type.len), w->type.ptr);
    if (w->kind != FHIR_WRITE_CREATE && !w->id.len)
        return fg_error_set(err, FG_EINVAL, NULL, "An update or delete needs an id");
    if (w->id.len && !fg_is_fhir_id(w->id))
        return fg_error_set(err, FG_EINVAL, "id", "Invalid resource id");
    if (w->id.len) {
        p->id = fg_pool_str(pool, w->id);
    } else {
        rc = new_uuid(pool, &p->id, err);
        if (rc != FG_OK)
            return rc;
    }
    if (w->kind == FHIR_WRITE_DELETE)
        return FG_OK;
    if (!cJSON_IsObject(w->resource))
        return fg_error_set(err, FG_EINVAL, NULL, "The resource must be a JSON object");
    char *idc = fg_pool_strndup(pool, p->id.ptr, p->id.len);
    if (!idc || !set_string(w->resource, "id", idc))
        return fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
    p->version = predict_version(c, w, p->id);
    rc = set_meta(w->resource, p->version, now_us, err);
    if (rc != FG_OK)
        return rc;
    if (fhir_index_extract(pool, w->resource, w->type, &p->entries, &p->n_entries) != FG_OK ||
        fhir_compartment_patients(pool, w->resource, w->type, &p->patients, &p->n_patients) !=
            FG_OK)
        return fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
    sq_index_rebase(s, p->entries, p->n_entries);
    if (sq_date_patients(pool, w->type, p->entries, p->n_entries, p->patients, p->n_patients,
                         &p->date_patients, &p->n_date_patients) != FG_OK)
        return fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
    return print_json(pool, w->resource, &p->json, err);
}

/* Prepares every write. Updates predict their version with a lookup each:
 * with several, the lookups share one read transaction (one snapshot, one
 * round of WAL locking instead of one per lookup) unless own_txn is false
 * (already inside the write transaction). */
static enum fg_status prepare_all(const struct sq_store *s, struct sq_conn *c,
                                  struct fg_pool *pool, const struct fhir_write *writes,
                                  size_t n, int64_t now_us, bool own_txn, struct prep *preps,
                                  struct fg_error *err)
{
    size_t lookups = 0;
    for (size_t i = 0; i < n; i++)
        lookups += writes[i].kind == FHIR_WRITE_UPDATE;
    bool in_txn = own_txn && lookups > 1 && sq_read_begin(c, NULL) == FG_OK;
    enum fg_status rc = FG_OK;
    for (size_t i = 0; i < n && rc == FG_OK; i++)
        rc = prepare_one(s, c, pool, &writes[i], now_us, &preps[i], err);
    if (in_txn)
        sq_read_end(c);
    return rc;
}

struct current {
    bool exists;
    int64_t rid;
    int64_t version;
    bool deleted;
};

static enum fg_status get_current(struct sq_conn *c, struct fg_str type, struct fg_str id,
                                  struct current *cur, struct fg_error *err)
{
    sqlite3_stmt *st = sq_stmt(c, SQ_CUR_GET);
    sq_bind_str(st, 1, type);
    sq_bind_str(st, 2, id);
    int rc = sqlite3_step(st);
    memset(cur, 0, sizeof *cur);
    if (rc == SQLITE_ROW) {
        cur->exists = true;
        cur->rid = sqlite3_column_int64(st, 0);
        cur->version = sqlite3_column_int64(st, 1);
        cur->deleted = sqlite3_column_int(st, 2) != 0;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? FG_OK : sq_fail(c, err, "write");
}

/* Writes the res row (moving the old one to history) and returns its rid.
 * pats: the compartment of the new version (res.pat; a delete keeps the
 * row's). */
static enum fg_status put_row(struct sq_conn *c, const struct fhir_write *w, struct fg_str id,
                              const struct current *cur, int64_t version, int64_t now_us,
                              struct fg_str json, bool deleted, const struct prep *pats,
                              int64_t *rid, struct fg_error *err)
{
    enum fg_status rc;
    sqlite3_stmt *st;
    if (cur->exists) {
        st = sq_stmt(c, SQ_HIST_MOVE);
        sqlite3_bind_int64(st, 1, cur->rid);
        rc = sq_exec(c, st, err);
        if (rc != FG_OK)
            return rc;
        st = sq_stmt(c, SQ_RES_UPD);
        sqlite3_bind_int64(st, 1, cur->rid);
        *rid = cur->rid;
    } else {
        st = sq_stmt(c, SQ_RES_INS);
        sq_bind_str(st, 1, w->type);
        sq_bind_str(st, 2, id);
    }
    int base = cur->exists ? 2 : 3;
    sqlite3_bind_int64(st, base, version);
    sqlite3_bind_int64(st, base + 1, now_us);
    sqlite3_bind_int(st, base + 2, deleted);
    if (!deleted)
        sq_bind_str(st, base + 3, json);
    if (pats)
        sq_bind_pat(st, base + 4, pats->patients, pats->n_patients);
    rc = sq_exec(c, st, err);
    if (rc == FG_OK && !cur->exists)
        *rid = sqlite3_last_insert_rowid(c->db);
    if (rc == FG_OK && cur->exists)
        rc = sq_index_delete(c, cur->rid, !deleted, err);
    return rc;
}

static void fill_result(struct fg_pool *pool, const struct fhir_write *w, const struct prep *p,
                        int64_t version, int64_t now_us, bool deleted,
                        struct fhir_write_result *r)
{
    r->res.type = fg_pool_str(pool, w->type);
    r->res.id = p->id;
    r->res.version = version;
    r->res.last_updated_us = now_us;
    r->res.deleted = deleted;
    r->res.json = deleted ? (struct fg_str){"", 0} : p->json;
    r->res.compartment = p->patients;
    r->res.n_compartment = p->n_patients;
}

/* The conditional create: 0 matches create, 1 answers it, more is 412. */
static enum fg_status if_none_exist(struct sq_store *s, struct sq_conn *c, struct fg_pool *pool,
                                    const struct fhir_write *w, struct fhir_write_result *r,
                                    bool *done, struct fg_error *err)
{
    int64_t n = 0, rid = 0;
    *done = false;
    enum fg_status rc = sq_search_count_conn(s, c, pool, w->if_none_exist, 2, &n, &rid, err);
    if (rc != FG_OK || n == 0)
        return rc;
    if (n > 1)
        return fg_error_set(err, FG_EPRECOND, NULL,
                            "If-None-Exist matched more than one %.*s", (int)w->type.len,
                            w->type.ptr);
    bool found = false;
    rc = sq_read_rid(c, pool, rid, &r->res, &found, err);
    if (rc == FG_OK && !found)
        rc = fg_error_set(err, FG_EIO, NULL, "Matched resource vanished");
    r->outcome = FHIR_WRITE_UNCHANGED;
    *done = rc == FG_OK;
    return rc;
}

/* A plain create goes straight to INSERT; *done is false when (type, id)
 * already exists (the UNIQUE constraint said so) and the full path must
 * decide. Saves a lookup per resource on bulk loads. */
static enum fg_status try_insert(struct sq_conn *c, const struct fhir_write *w,
                                 struct prep *p, int64_t now_us, struct fhir_write_result *r,
                                 struct fg_pool *pool, bool *done, struct fg_error *err)
{
    struct current none = {0};
    int64_t rid = 0;
    *done = false;
    if (w->kind != FHIR_WRITE_CREATE || w->if_none_exist || w->if_match_version ||
        w->if_match_id.len || p->version != 1)
        return FG_OK;
    if (put_row(c, w, p->id, &none, 1, now_us, p->json, false, p, &rid, NULL) != FG_OK) {
        if (sqlite3_extended_errcode(c->db) == SQLITE_CONSTRAINT_UNIQUE)
            return FG_OK;
        return sq_fail(c, err, "write");
    }
    *done = true;
    r->outcome = FHIR_WRITE_CREATED;
    fill_result(pool, w, p, 1, now_us, false, r);
    p->rid = rid;
    p->index_pending = true;
    return FG_OK;
}

static enum fg_status apply_one(struct sq_store *s, struct sq_conn *c, struct fg_pool *pool,
                                const struct fhir_write *w, struct prep *p, int64_t now_us,
                                struct fhir_write_result *r, struct fg_error *err)
{
    struct current cur;
    int64_t rid = 0;
    bool done = false;
    enum fg_status rc = try_insert(c, w, p, now_us, r, pool, &done, err);
    if (rc != FG_OK || done)
        return rc;
    rc = get_current(c, w->type, p->id, &cur, err);
    if (rc != FG_OK)
        return rc;
    p->rid = cur.rid;
    p->replaced_row = cur.exists;
    bool live = cur.exists && !cur.deleted;
    /* A non-integer If-Match id names none of this store's versions. */
    if (w->if_match_id.len ||
        (w->if_match_version && (!live || cur.version != w->if_match_version)))
        return fg_error_set(err, FG_EPRECOND, NULL, "Version mismatch: %.*s/%.*s is at %lld",
                            (int)w->type.len, w->type.ptr, (int)p->id.len, p->id.ptr,
                            (long long)(live ? cur.version : 0));
    if (w->kind == FHIR_WRITE_DELETE) {
        if (!live) {
            r->outcome = FHIR_WRITE_NOOP_DELETE;
            fill_result(pool, w, p, cur.version, now_us, true, r);
            return FG_OK;
        }
        rc = put_row(c, w, p->id, &cur, cur.version + 1, now_us, FG_STR_NULL, true, NULL, &rid,
                     err);
        r->outcome = FHIR_WRITE_DELETED;
        fill_result(pool, w, p, cur.version + 1, now_us, true, r);
        return rc;
    }
    if (w->kind == FHIR_WRITE_CREATE && w->if_none_exist) {
        rc = if_none_exist(s, c, pool, w, r, &done, err);
        if (rc != FG_OK || done)
            return rc;
    }
    if (w->kind == FHIR_WRITE_CREATE && live)
        return fg_error_set(err, FG_ECONFLICT, NULL, "%.*s/%.*s already exists",
                            (int)w->type.len, w->type.ptr, (int)p->id.len, p->id.ptr);
    int64_t version = cur.exists ? cur.version + 1 : 1;
    if (version != p->version) {
        rc = set_meta(w->resource, version, now_us, err);
        if (rc == FG_OK)
            rc = print_json(pool, w->resource, &p->json, err);
        if (rc != FG_OK)
            return rc;
        p->version = version;
    }
    rc = put_row(c, w, p->id, &cur, version, now_us, p->json, false, p, &rid, err);
    p->rid = rid;
    p->index_pending = rc == FG_OK;
    r->outcome = live ? FHIR_WRITE_UPDATED : FHIR_WRITE_CREATED;
    fill_result(pool, w, p, version, now_us, false, r);
    return rc;
}

/* A write that replaced a row written earlier in this transaction makes
 * that earlier version's pending index rows stale. Rare (the same
 * resource twice in one transaction), so only then is the scan paid. */
static void drop_superseded(struct prep *preps, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (preps[j].index_pending && preps[j].rid == preps[i].rid)
            preps[j].index_pending = false;
}

/* Inserts the pending index rows of preps[0..n), in one sorted batch. */
static enum fg_status flush_index(struct sq_conn *c, struct fg_pool *pool, struct prep *preps,
                                  size_t n, struct fg_error *err)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += preps[i].index_pending;
    if (!k)
        return FG_OK;
    struct sq_index_job *jobs = fg_pool_alloc(pool, k * sizeof *jobs);
    if (!jobs)
        return fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
    k = 0;
    for (size_t i = 0; i < n; i++) {
        struct prep *p = &preps[i];
        if (!p->index_pending)
            continue;
        jobs[k++] = (struct sq_index_job){p->rid,      p->entries,       p->n_entries,
                                          p->patients, p->n_patients,    p->date_patients,
                                          p->n_date_patients};
        p->index_pending = false;
    }
    return sq_index_insert_batch(c, pool, jobs, k, err);
}

static bool any_conditional(const struct fhir_write *writes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (writes[i].match && writes[i].kind != FHIR_WRITE_CREATE && !writes[i].id.len)
            return true;
    return false;
}

/* The target of one conditional update or delete, from its search. */
static enum fg_status resolve_one(struct sq_store *s, struct sq_conn *c, struct fg_pool *pool,
                                  struct fhir_write *w, struct fg_error *err)
{
    const char *what = w->kind == FHIR_WRITE_DELETE ? "delete" : "update";
    int64_t n = 0, rid = 0;
    enum fg_status rc = sq_search_count_conn(s, c, pool, w->match, 2, &n, &rid, err);
    if (rc != FG_OK)
        return rc;
    w->match = NULL;
    if (n > 1)
        return fg_error_set(err, FG_EPRECOND, NULL,
                            "The conditional %s matches more than one %.*s", what,
                            (int)w->type.len, w->type.ptr);
    if (n == 0) {
        if (w->kind == FHIR_WRITE_DELETE)
            return fg_error_set(err, FG_ENOTFOUND, NULL,
                                "No %.*s matches the conditional delete", (int)w->type.len,
                                w->type.ptr);
        w->kind = FHIR_WRITE_CREATE; /* the server assigns the id */
        return FG_OK;
    }
    struct fhir_resource cur;
    bool found = false;
    rc = sq_read_rid(c, pool, rid, &cur, &found, err);
    if (rc == FG_OK && !found)
        rc = fg_error_set(err, FG_EIO, NULL, "Matched resource vanished");
    if (rc != FG_OK)
        return rc;
    w->id = cur.id;
    const cJSON *id = w->resource ? cJSON_GetObjectItemCaseSensitive(w->resource, "id") : NULL;
    if (id && (!cJSON_IsString(id) || !fg_str_eq_c(cur.id, id->valuestring)))
        return fg_error_set(err, FG_EINVAL, "id",
                            "The resource id does not match the id %.*s the conditional "
                            "update found", (int)cur.id.len, cur.id.ptr);
    return FG_OK;
}

/* A copy of writes with every conditional target resolved; runs inside
 * the write transaction, so the match and the write see the same state. */
static enum fg_status resolve_conditional(struct sq_store *s, struct sq_conn *c,
                                          struct fg_pool *pool, const struct fhir_write *writes,
                                          size_t n, const struct fhir_write **out,
                                          struct fg_error *err)
{
    struct fhir_write *w = fg_pool_alloc(pool, n * sizeof *w);
    if (!w)
        return fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
    memcpy(w, writes, n * sizeof *w);
    enum fg_status rc = FG_OK;
    for (size_t i = 0; i < n && rc == FG_OK; i++)
        if (w[i].match && w[i].kind != FHIR_WRITE_CREATE && !w[i].id.len)
            rc = resolve_one(s, c, pool, &w[i], err);
    *out = w;
    return rc;
}

enum fg_status sq_write(struct fhir_store *store, struct fg_pool *pool,
                        const struct fhir_write *writes, size_t n,
                        struct fhir_write_result *results, struct fg_error *err)
{
    struct sq_store *s = (struct sq_store *)store;
    struct sq_conn *c = sq_conn_get(s);
    enum fg_status rc = FG_ENOMEM;
    bool locked = false, in_txn = false;
    /* Whole milliseconds: the stored value equals meta.lastUpdated. */
    int64_t now_us = fg_clock_now_us(store->clock) / 1000 * 1000;
    struct prep *preps = n ? fg_pool_zalloc(pool, n * sizeof *preps) : NULL;
    if (n && !preps) {
        fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
        goto out;
    }
    rc = FG_OK;
    if (c->in_bulk && c->bulk_failed) {
        rc = fg_error_set(err, FG_EIO, NULL, "an earlier write of this bulk transaction failed");
        goto out;
    }
    /* Plain writes prepare before taking the lock; conditional targets
     * are found under it, before preparing (the id goes into the JSON). */
    bool cond = any_conditional(writes, n);
    if (!cond)
        rc = prepare_all(s, c, pool, writes, n, now_us, true, preps, err);
    /* Inside the bulk transaction (whose thread holds write_mu) a write
     * joins it; a failure spoils the whole of it (no savepoint: its
     * journal would hold every page a batch touches, in memory). */
    if (rc == FG_OK && !c->in_bulk) {
        pthread_mutex_lock(&s->write_mu);
        locked = true;
        rc = sq_exec(c, sq_stmt(c, SQ_BEGIN), err);
        in_txn = rc == FG_OK;
    }
    if (rc == FG_OK && cond) {
        rc = resolve_conditional(s, c, pool, writes, n, &writes, err);
        if (rc == FG_OK)
            rc = prepare_all(s, c, pool, writes, n, now_us, false, preps, err);
    }
    if (rc != FG_OK)
        goto out;
    for (size_t i = 0; i < n && rc == FG_OK; i++) {
        memset(&results[i], 0, sizeof results[i]);
        /* A conditional create must see the index rows of earlier writes. */
        if (writes[i].if_none_exist)
            rc = flush_index(c, pool, preps, i, err);
        if (rc == FG_OK)
            rc = apply_one(s, c, pool, &writes[i], &preps[i], now_us, &results[i], err);
        if (rc == FG_OK && preps[i].replaced_row)
            drop_superseded(preps, i);
    }
    if (rc == FG_OK)
        rc = flush_index(c, pool, preps, n, err);
    if (rc == FG_OK && in_txn)
        rc = sq_exec(c, sq_stmt(c, SQ_COMMIT), err);
    if (rc == FG_OK && in_txn) {
        in_txn = false;
        fg_epoch_bump(&s->changes); /* after the commit: readers look again */
    }
out:
    if (in_txn)
        sq_exec(c, sq_stmt(c, SQ_ROLLBACK), NULL);
    if (rc != FG_OK && c->in_bulk)
        c->bulk_failed = true; /* sq_bulk_end rolls it all back */
    if (locked)
        pthread_mutex_unlock(&s->write_mu);
    sq_conn_put(s, c);
    return rc;
}
