/* store_sqlite_index.c - the search index rows of one resource version.
 *
 * Each fhir_index_entry (index.h) becomes one row in the table of its
 * parameter's type, keyed by the parameter's table id and the resource's
 * rid; the patients of its compartment go to res_compartment. Duplicates
 * (the same coding twice) collapse through INSERT OR IGNORE.
 * http://hl7.org/fhir/R4/search.html#ptypes
 */
#include "store_sqlite_internal.h"

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

/* Binds one entry to its table's insert statement; NULL for types that are
 * not indexed (composite, special). */
static sqlite3_stmt *bind_entry(struct sq_conn *c, int64_t rid, const struct fhir_index_entry *e)
{
    sqlite3_stmt *st = NULL;
    /* _id and _lastUpdated are searched on res's own columns. */
    if (sq_param_on_res(e->def))
        return NULL;
    switch (e->def->type) {
    case FHIR_PARAM_TOKEN:
        st = sq_stmt(c, SQ_INS_TOKEN);
        sq_bind_str(st, 2, e->code);
        sq_bind_str(st, 3, e->system);
        sqlite3_bind_int64(st, 4, rid);
        if (e->text.len)
            sq_bind_str(st, 5, e->text);
        break;
    case FHIR_PARAM_STRING:
        st = sq_stmt(c, SQ_INS_STRING);
        sq_bind_str(st, 2, e->str);
        sqlite3_bind_int64(st, 3, rid);
        sq_bind_str(st, 4, e->text);
        break;
    case FHIR_PARAM_URI:
        st = sq_stmt(c, SQ_INS_URI);
        sq_bind_str(st, 2, e->str);
        sqlite3_bind_int64(st, 3, rid);
        break;
    case FHIR_PARAM_DATE:
        st = sq_stmt(c, SQ_INS_DATE);
        sqlite3_bind_int64(st, 2, e->lo);
        sqlite3_bind_int64(st, 3, e->hi);
        sqlite3_bind_int64(st, 4, rid);
        break;
    case FHIR_PARAM_NUMBER:
        st = sq_stmt(c, SQ_INS_NUMBER);
        sqlite3_bind_double(st, 2, e->number);
        sqlite3_bind_int64(st, 3, rid);
        break;
    case FHIR_PARAM_QUANTITY:
        st = sq_stmt(c, SQ_INS_QUANTITY);
        sqlite3_bind_double(st, 2, e->number);
        sq_bind_str(st, 3, e->unit_system);
        sq_bind_str(st, 4, e->unit_code);
        sqlite3_bind_int64(st, 5, rid);
        break;
    case FHIR_PARAM_REFERENCE:
        st = sq_stmt(c, SQ_INS_REF);
        sq_bind_str(st, 2, e->ref_id);
        sq_bind_str(st, 3, e->ref_type);
        sq_bind_str(st, 4, e->ref_url);
        sqlite3_bind_int64(st, 5, rid);
        break;
    default:
        return NULL;
    }
    sqlite3_bind_int(st, 1, e->def->id);
    return st;
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

enum fg_status sq_index_insert(struct sq_conn *c, int64_t rid,
                               const struct fhir_index_entry *e, size_t n,
                               const struct fg_str *patients, size_t n_patients,
                               struct fg_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (redundant_text(e, i))
            continue;
        sqlite3_stmt *st = bind_entry(c, rid, &e[i]);
        if (!st)
            continue;
        enum fg_status rc = sq_exec(c, st, err);
        if (rc != FG_OK)
            return rc;
    }
    for (size_t i = 0; i < n_patients; i++) {
        sqlite3_stmt *st = sq_stmt(c, SQ_INS_COMP);
        sqlite3_bind_int64(st, 1, rid);
        sq_bind_str(st, 2, patients[i]);
        enum fg_status rc = sq_exec(c, st, err);
        if (rc != FG_OK)
            return rc;
    }
    return FG_OK;
}

bool sq_param_on_res(const struct fhir_searchparam *def)
{
    return def->code[0] == '_' && (strcmp(def->code, "_id") == 0 ||
                                   strcmp(def->code, "_lastUpdated") == 0);
}

void sq_index_rebase(const struct sq_store *s, struct fhir_index_entry *e, size_t n)
{
    size_t blen = s->base_url ? strlen(s->base_url) : 0;
    while (blen && s->base_url[blen - 1] == '/')
        blen--;
    for (size_t i = 0; blen && i < n; i++) {
        struct fg_str u = e[i].ref_url, type, id;
        if (e[i].def->type != FHIR_PARAM_REFERENCE || u.len <= blen + 1 ||
            memcmp(u.ptr, s->base_url, blen) != 0 || u.ptr[blen] != '/')
            continue;
        struct fg_str rest = {u.ptr + blen + 1, u.len - blen - 1};
        if (!fg_str_split(rest, '/', &type, &id) || !fhir_resource_type_known(type) ||
            !fg_is_fhir_id(id))
            continue;
        e[i].ref_type = type;
        e[i].ref_id = id;
        e[i].ref_url = (struct fg_str){"", 0};
    }
}
