/* store_sqlite_include.c - _include and _revinclude through idx_ref.
 * http://hl7.org/fhir/R4/search.html#include
 *
 * Round 0 applies every include to the page's matches; each later round
 * (at most FG_MAX_INCLUDE_ITERATIONS) applies the :iterate ones to what the
 * previous round added. A resource appears once: never a match repeated as
 * an include, never an include twice (an rid set). At most
 * FG_MAX_INCLUDED_RESOURCES are added per page. References that leave the
 * server (absolute URLs) cannot be included.
 */
#include "store_sqlite_internal.h"

#include <string.h>

#include "../core/fg_limits.h"

static const char inc_sql[] =
    "SELECT t.rid FROM idx_ref x JOIN res t ON t.type = x.ttype AND t.id = x.tid"
    " WHERE x.rid = ?1 AND (?2 = 0 OR x.param = ?2 OR (x.param = ?4 AND x.ttype = ?5))"
    " AND (?3 = '' OR x.ttype = ?3) AND t.deleted = 0";
static const char rev_sql[] =
    "SELECT x.rid FROM idx_ref x JOIN res t ON t.rid = x.rid"
    " WHERE x.param IN (?1, ?5) AND x.tid = ?2 AND x.ttype = ?3 AND t.type = ?4"
    " AND t.deleted = 0";

/* A parameter without rows of its own (sq_param_has_rows) is read through
 * another's: patient (subject@Patient) through subject's rows whose target
 * type is Patient. *base_id = -1 (no row has it) for every other one. */
static void read_through(const struct fhir_searchparam *def, int *base_id, struct fg_str *target)
{
    const struct fhir_searchparam *base;
    *base_id = -1;
    *target = FG_STR_NULL;
    if (def && fhir_searchparam_restriction_of(def, &base, target))
        *base_id = base->id;
}

struct rid_set {
    int64_t *slots; /* 0 = empty */
    size_t mask;
};

/* Adds rid; false when it was already there. */
static bool set_add(struct rid_set *s, int64_t rid)
{
    size_t i = (size_t)((uint64_t)rid * 0x9E3779B97F4A7C15ULL >> 20) & s->mask;
    while (s->slots[i]) {
        if (s->slots[i] == rid)
            return false;
        i = (i + 1) & s->mask;
    }
    s->slots[i] = rid;
    return true;
}

struct inc_state {
    struct sq_store *s;
    struct sq_conn *c;
    struct fg_pool *pool;
    struct fg_error *err;
    struct rid_set seen;
    struct fhir_resource *res; /* included so far */
    int64_t *rids;
    size_t n, cap;
    bool full;
};

static enum fg_status add_rid(struct inc_state *st, int64_t rid)
{
    if (st->full || !set_add(&st->seen, rid))
        return FG_OK;
    if (st->n == FG_MAX_INCLUDED_RESOURCES) {
        st->full = true;
        return FG_OK;
    }
    if (st->n == st->cap) {
        size_t cap = st->cap ? 2 * st->cap : 32;
        struct fhir_resource *r = fg_pool_alloc(st->pool, cap * sizeof *r);
        int64_t *rids = fg_pool_alloc(st->pool, cap * sizeof *rids);
        if (!r || !rids)
            return fg_error_set(st->err, FG_ENOMEM, NULL, "Out of memory");
        if (st->n) {
            memcpy(r, st->res, st->n * sizeof *r);
            memcpy(rids, st->rids, st->n * sizeof *rids);
        }
        st->res = r;
        st->rids = rids;
        st->cap = cap;
    }
    bool found = false;
    enum fg_status rc = sq_read_rid(st->c, st->pool, rid, &st->res[st->n], &found, st->err);
    if (rc == FG_OK && found)
        st->rids[st->n++] = rid;
    return rc;
}

/* Adds every rid the statement yields. Reading rows (sq_read_rid) uses
 * other statements of the connection, so it can run while this one steps. */
static enum fg_status drain(struct inc_state *st, sqlite3_stmt *stmt)
{
    enum fg_status rc = FG_OK;
    int step;
    while (rc == FG_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW)
        rc = add_rid(st, sqlite3_column_int64(stmt, 0));
    sqlite3_reset(stmt);
    if (rc == FG_OK && step != SQLITE_DONE)
        rc = sq_fail(st->c, st->err, "include");
    return rc;
}

static enum fg_status forward(struct inc_state *st, const struct fhir_include *inc, int64_t rid,
                              const struct fhir_searchparam *def)
{
    sqlite3_stmt *stmt = sq_dyn_stmt(st->c, inc_sql, sizeof inc_sql - 1, st->err);
    if (!stmt)
        return FG_EIO;
    int base_id;
    struct fg_str target;
    read_through(def, &base_id, &target);
    sqlite3_bind_int64(stmt, 1, rid);
    sqlite3_bind_int(stmt, 2, def ? def->id : 0);
    sq_bind_str(stmt, 3, inc->target_type);
    sqlite3_bind_int(stmt, 4, base_id);
    sq_bind_str(stmt, 5, target);
    return drain(st, stmt);
}

static enum fg_status reverse(struct inc_state *st, const struct fhir_include *inc,
                              const struct fhir_searchparam *def, const struct fhir_resource *r)
{
    if (inc->target_type.len && !fg_str_eq(inc->target_type, r->type))
        return FG_OK;
    sqlite3_stmt *stmt = sq_dyn_stmt(st->c, rev_sql, sizeof rev_sql - 1, st->err);
    if (!stmt)
        return FG_EIO;
    int base_id;
    struct fg_str target;
    read_through(def, &base_id, &target);
    sqlite3_bind_int(stmt, 1, def->id);
    sq_bind_str(stmt, 2, r->id);
    sq_bind_str(stmt, 3, r->type);
    sq_bind_str(stmt, 4, inc->source_type);
    /* the base's rows are def's only where they name the target type */
    sqlite3_bind_int(stmt, 5, fg_str_eq(target, r->type) ? base_id : -1);
    return drain(st, stmt);
}

static enum fg_status apply(struct inc_state *st, const struct fhir_include *inc,
                            const struct fhir_resource *r, int64_t rid)
{
    enum fg_status rc = FG_OK;
    if (!inc->reverse) {
        if (inc->source_type.len && !fg_str_eq(inc->source_type, r->type))
            return FG_OK;
        return forward(st, inc, rid, inc->wildcard ? NULL : inc->def);
    }
    if (!inc->wildcard && inc->def)
        return reverse(st, inc, inc->def, r);
    /* Provenance:* - every reference parameter of the source type. */
    size_t cursor = 0;
    const struct fhir_searchparam *p;
    while (rc == FG_OK && (p = fhir_searchparam_next(inc->source_type, &cursor)) != NULL)
        if (p->type == FHIR_PARAM_REFERENCE)
            rc = reverse(st, inc, p, r);
    return rc;
}

enum fg_status sq_includes(struct sq_store *s, struct sq_conn *c, struct fg_pool *pool,
                           const struct fhir_query *q, const int64_t *rids,
                           struct fhir_search_result *out, struct fg_error *err)
{
    struct inc_state st = {.s = s, .c = c, .pool = pool, .err = err};
    size_t slots = 1;
    while (slots < 2 * (out->n_matches + FG_MAX_INCLUDED_RESOURCES))
        slots <<= 1;
    st.seen.slots = fg_pool_zalloc(pool, slots * sizeof *st.seen.slots);
    st.seen.mask = slots - 1;
    if (!st.seen.slots)
        return fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
    for (size_t i = 0; i < out->n_matches; i++)
        set_add(&st.seen, rids[i]);
    enum fg_status rc = FG_OK;
    for (size_t m = 0; m < out->n_matches && rc == FG_OK; m++)
        for (size_t k = 0; k < q->n_includes && rc == FG_OK; k++)
            rc = apply(&st, &q->includes[k], &out->matches[m], rids[m]);
    bool any_iterate = false;
    for (size_t k = 0; k < q->n_includes; k++)
        any_iterate = any_iterate || q->includes[k].iterate;
    size_t from = 0;
    for (int round = 1; any_iterate && round <= FG_MAX_INCLUDE_ITERATIONS && rc == FG_OK &&
                        from < st.n && !st.full;
         round++) {
        size_t to = st.n;
        for (size_t i = from; i < to && rc == FG_OK; i++)
            for (size_t k = 0; k < q->n_includes && rc == FG_OK; k++)
                if (q->includes[k].iterate)
                    rc = apply(&st, &q->includes[k], &st.res[i], st.rids[i]);
        from = to;
    }
    if (rc == FG_OK) {
        out->included = st.res;
        out->n_included = st.n;
    }
    return rc;
}
