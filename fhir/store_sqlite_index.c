/* store_sqlite_index.c - the search index rows of one resource version.
 *
 * Each fhir_index_entry (index.h) becomes one row in the table of its
 * parameter's type, keyed by the parameter's table id and the resource's
 * rid (a date entry one row per patient it is filed under, see
 * sq_date_patients); the patients of its compartment go to
 * res_compartment. Duplicates (the same coding twice) collapse through
 * INSERT OR IGNORE. A parameter that is the union of two others
 * (fhir_searchparam_union_of: Observation's combo-code is code plus
 * component-code) or a restriction of another to one target type
 * (fhir_searchparam_restriction_of: patient is subject@Patient) gets no
 * rows of its own: every one would repeat a row of the other parameters,
 * and its search reads theirs (store_sqlite_sql.c, _include). A
 * batch sorts its rows by each table's key and inserts them SQ_INS_MANY
 * per statement.
 * http://hl7.org/fhir/R4/search.html#ptypes
 */
#include "store_sqlite_internal.h"

#include <stdlib.h>
#include <string.h>

enum fg_status sq_index_delete(struct sq_conn *c, int64_t rid, bool with_compartment,
                               struct fg_error *err)
{
    static const enum sq_stmt dels[] = {SQ_DEL_TOKEN,    SQ_DEL_STRING, SQ_DEL_DATE,
                                        SQ_DEL_NUMBER,   SQ_DEL_QUANTITY, SQ_DEL_REF,
                                        SQ_DEL_URI,      SQ_DEL_COMP};
    size_t n = sizeof dels / sizeof dels[0] - (with_compartment ? 0 : 1);
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = sq_stmt(c, dels[i]);
        sqlite3_bind_int64(st, 1, rid);
        enum fg_status rc = sq_exec(c, st, err);
        if (rc != FG_OK)
            return rc;
    }
    return FG_OK;
}

/* The insert statements of one index table (table: enum fhir_param_type,
 * or -1 for res_compartment) and its column count; false for types that
 * are not indexed (composite, special). */
struct ins_table {
    enum sq_stmt one, many; /* one row; SQ_INS_MANY rows */
    int cols;
};

static bool ins_of(int table, struct ins_table *t)
{
    switch (table) {
    case -1: *t = (struct ins_table){SQ_INS_COMP, SQ_INSN_COMP, 2}; return true;
    case FHIR_PARAM_TOKEN: *t = (struct ins_table){SQ_INS_TOKEN, SQ_INSN_TOKEN, 5}; return true;
    case FHIR_PARAM_STRING: *t = (struct ins_table){SQ_INS_STRING, SQ_INSN_STRING, 4}; return true;
    case FHIR_PARAM_URI: *t = (struct ins_table){SQ_INS_URI, SQ_INSN_URI, 3}; return true;
    case FHIR_PARAM_DATE: *t = (struct ins_table){SQ_INS_DATE, SQ_INSN_DATE, 6}; return true;
    case FHIR_PARAM_NUMBER: *t = (struct ins_table){SQ_INS_NUMBER, SQ_INSN_NUMBER, 3}; return true;
    case FHIR_PARAM_QUANTITY:
        *t = (struct ins_table){SQ_INS_QUANTITY, SQ_INSN_QUANTITY, 5};
        return true;
    case FHIR_PARAM_REFERENCE: *t = (struct ins_table){SQ_INS_REF, SQ_INSN_REF, 5}; return true;
    default: return false;
    }
}

/* Binds one row at positions off + 1.. of an insert statement, in the
 * column order of the SQ_INS_* statements. e == NULL: a compartment row.
 * patient: the compartment row's patient, or the patient a date row is
 * filed under ("" for none; other types ignore it); via: a date row's
 * via column (sq_date_via). */
static void bind_at(sqlite3_stmt *st, int off, int64_t rid, const struct fhir_index_entry *e,
                    struct fg_str patient, int64_t via)
{
    if (!e) {
        sqlite3_bind_int64(st, off + 1, rid);
        sq_bind_str(st, off + 2, patient);
        return;
    }
    sqlite3_bind_int(st, off + 1, e->def->id);
    switch (e->def->type) {
    case FHIR_PARAM_TOKEN:
        sq_bind_str(st, off + 2, e->code);
        sq_bind_str(st, off + 3, e->system);
        sqlite3_bind_int64(st, off + 4, rid);
        if (e->text.len)
            sq_bind_str(st, off + 5, e->text);
        break;
    case FHIR_PARAM_STRING:
        sq_bind_str(st, off + 2, e->str);
        sqlite3_bind_int64(st, off + 3, rid);
        sq_bind_str(st, off + 4, e->text);
        break;
    case FHIR_PARAM_URI:
        sq_bind_str(st, off + 2, e->str);
        sqlite3_bind_int64(st, off + 3, rid);
        break;
    case FHIR_PARAM_DATE:
        sqlite3_bind_int64(st, off + 2, e->lo);
        sqlite3_bind_int64(st, off + 3, e->hi);
        sqlite3_bind_int64(st, off + 4, rid);
        sqlite3_bind_text(st, off + 5, patient.len ? patient.ptr : "", (int)patient.len,
                          SQLITE_STATIC);
        sqlite3_bind_int64(st, off + 6, via);
        break;
    case FHIR_PARAM_NUMBER:
        sqlite3_bind_double(st, off + 2, e->number);
        sqlite3_bind_int64(st, off + 3, rid);
        break;
    case FHIR_PARAM_QUANTITY:
        sqlite3_bind_double(st, off + 2, e->number);
        sq_bind_str(st, off + 3, e->unit_system);
        sq_bind_str(st, off + 4, e->unit_code);
        sqlite3_bind_int64(st, off + 5, rid);
        break;
    case FHIR_PARAM_REFERENCE:
        sq_bind_str(st, off + 2, e->ref_id);
        sq_bind_str(st, off + 3, e->ref_type);
        sq_bind_str(st, off + 4, e->ref_url);
        sqlite3_bind_int64(st, off + 5, rid);
        break;
    default:
        break;
    }
}

/* A token entry with only a text (CodeableConcept.text) adds nothing when
 * an earlier entry of the same parameter carries the same text (the
 * coding's display): skipped, it saves two b-tree inserts. */
static bool redundant_text(const struct fhir_index_entry *e, size_t i)
{
    if (e[i].def->type != FHIR_PARAM_TOKEN || e[i].code.len || e[i].system.len)
        return false;
    for (size_t k = i; k-- > 0 && e[k].def == e[i].def;)
        if (fg_str_eq(e[k].text, e[i].text))
            return true;
    return false;
}

bool sq_param_has_rows(const struct fhir_searchparam *def)
{
    const struct fhir_searchparam *other[2];
    struct fg_str target;
    return !fhir_searchparam_union_of(def, other) &&
           !fhir_searchparam_restriction_of(def, &other[0], &target);
}

bool sq_param_on_res(const struct fhir_searchparam *def)
{
    return def->code[0] == '_' && (strcmp(def->code, "_id") == 0 ||
                                   strcmp(def->code, "_lastUpdated") == 0);
}

void sq_index_rebase(const struct sq_store *s, struct fhir_index_entry *e, size_t n)
{
    fhir_index_rebase(fg_str_c(s->base_url ? s->base_url : ""), e, n);
}

/* ---- batched inserts ---- */

/* One row to insert: an index entry, or (e == NULL) a compartment row. */
struct batch_row {
    int table;          /* enum fhir_param_type, or -1 for res_compartment */
    int64_t rid;
    const struct fhir_index_entry *e;
    struct fg_str patient; /* compartment rows and date rows */
    int64_t via;           /* date rows */
};

static int cmp_str(struct fg_str a, struct fg_str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    return c ? c : (a.len > b.len) - (a.len < b.len);
}

static int cmp_i64(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

/* The order of each table's value-ordered b-tree (an approximation is
 * enough: it only buys locality). */
static int cmp_rows(const void *pa, const void *pb)
{
    const struct batch_row *a = pa, *b = pb;
    int c = a->table - b->table;
    if (c)
        return c;
    if (a->table == -1)
        return (c = cmp_str(a->patient, b->patient)) ? c : cmp_i64(a->rid, b->rid);
    if (a->table == FHIR_PARAM_DATE && (c = cmp_str(a->patient, b->patient)))
        return c;
    c = a->e->def->id - b->e->def->id;
    if (c)
        return c;
    switch (a->table) {
    case FHIR_PARAM_TOKEN:
        if ((c = cmp_str(a->e->code, b->e->code)) || (c = cmp_str(a->e->system, b->e->system)))
            return c;
        break;
    case FHIR_PARAM_STRING:
    case FHIR_PARAM_URI:
        if ((c = cmp_str(a->e->str, b->e->str)))
            return c;
        break;
    case FHIR_PARAM_REFERENCE:
        if ((c = cmp_str(a->e->ref_id, b->e->ref_id)) ||
            (c = cmp_str(a->e->ref_type, b->e->ref_type)))
            return c;
        break;
    default:
        break;
    }
    return cmp_i64(a->rid, b->rid);
}

enum fg_status sq_index_insert_batch(struct sq_conn *c, struct fg_pool *pool,
                                     const struct sq_index_job *jobs, size_t n_jobs,
                                     struct fg_error *err)
{
    static const struct fg_str none = {"", 0};
    size_t total = 0;
    for (size_t j = 0; j < n_jobs; j++) /* date rows: one per patient */
        total += jobs[j].n_entries * (jobs[j].n_date_patients ? jobs[j].n_date_patients : 1) +
                 jobs[j].n_patients;
    if (!total)
        return FG_OK;
    struct batch_row *rows = fg_pool_alloc(pool, total * sizeof *rows);
    if (!rows)
        return fg_error_set(err, FG_ENOMEM, NULL, "Out of memory");
    size_t n = 0;
    for (size_t j = 0; j < n_jobs; j++) {
        const struct sq_index_job *job = &jobs[j];
        size_t n_pats = job->n_date_patients ? job->n_date_patients : 1;
        size_t first_date = SIZE_MAX; /* rows of the first date entry: their via */
        for (size_t i = 0; i < job->n_entries; i++) {
            const struct fhir_index_entry *e = &job->entries[i];
            if (redundant_text(job->entries, i) || sq_param_on_res(e->def) ||
                !sq_param_has_rows(e->def))
                continue;
            if (e->def->type != FHIR_PARAM_DATE) {
                rows[n++] = (struct batch_row){(int)e->def->type, job->rid, e, FG_STR_NULL, 0};
                continue;
            }
            /* via depends on the patient only: computed for the first date
             * entry, copied for the others. */
            for (size_t k = 0; k < n_pats; k++) {
                struct fg_str pat = job->n_date_patients ? job->date_patients[k] : none;
                int64_t via = first_date == SIZE_MAX
                                  ? sq_date_via(job->entries, job->n_entries, pat)
                                  : rows[first_date + k].via;
                rows[n++] = (struct batch_row){FHIR_PARAM_DATE, job->rid, e, pat, via};
            }
            if (first_date == SIZE_MAX)
                first_date = n - n_pats;
        }
        for (size_t i = 0; i < job->n_patients; i++)
            rows[n++] = (struct batch_row){-1, job->rid, NULL, job->patients[i], 0};
    }
    /* Consecutive inserts then land on the same b-tree pages; a run of
     * one table goes SQ_INS_MANY rows per statement (one step, not one
     * per row). */
    qsort(rows, n, sizeof *rows, cmp_rows);
    enum fg_status rc = FG_OK;
    for (size_t i = 0; i < n && rc == FG_OK;) {
        size_t j = i;
        while (j < n && rows[j].table == rows[i].table)
            j++;
        struct ins_table t;
        if (!ins_of(rows[i].table, &t)) {
            i = j;
            continue;
        }
        for (; j - i >= SQ_INS_MANY && rc == FG_OK; i += SQ_INS_MANY) {
            sqlite3_stmt *st = sq_stmt(c, t.many);
            for (int k = 0; k < SQ_INS_MANY; k++)
                bind_at(st, k * t.cols, rows[i + (size_t)k].rid, rows[i + (size_t)k].e,
                        rows[i + (size_t)k].patient, rows[i + (size_t)k].via);
            rc = sq_exec(c, st, err);
        }
        for (; i < j && rc == FG_OK; i++) {
            sqlite3_stmt *st = sq_stmt(c, t.one);
            bind_at(st, 0, rows[i].rid, rows[i].e, rows[i].patient, rows[i].via);
            rc = sq_exec(c, st, err);
        }
    }
    return rc;
}
