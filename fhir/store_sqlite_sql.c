/* store_sqlite_sql.c - SQL for FHIR search filters, from constant fragments
 * and '?' placeholders only. http://hl7.org/fhir/R4/search.html
 *
 * A query becomes
 *   FROM res r WHERE r.type = ? AND r.deleted = 0 [AND r.rid <= ?snapshot]
 *     [AND r.rid IN (<driver>)] AND <filter> AND <filter> ...
 * The driver is the one filter most likely to be selective, by a fixed
 * heuristic: a date of named patients (patient-first rows, see
 * store_sqlite_plan.c) > _id (the unique (type, id) index) > reference >
 * compartment restriction > token with a system > token > string/uri. Every other
 * filter is an EXISTS on the (rid, param) index of its table. Values of
 * one parameter (comma) are ORed inside one EXISTS; repeated parameters
 * are separate EXISTS (AND). A chain is an EXISTS over idx_ref joined to
 * the target's res row, with the inner filter applied to that row.
 *
 * Value semantics (index values from index.h):
 *   token     system|code, |code (no system), system| (any code), code;
 *             codes compare case-insensitively (NOCASE column); :not = no
 *             matching value; :text = normalized display contains.
 *   string    normalized prefix as a range (value >= p AND value < p||0xFF);
 *             :exact = equal value as written (raw column); :contains = LIKE '%v%'.
 *   date      resource range [lo, hi] against the value's [plo, phi]:
 *             eq plo<=lo AND hi<=phi; ne NOT eq; gt hi>phi; lt lo<plo;
 *             ge hi>=plo; le lo<=phi; sa lo>phi; eb hi<plo; ap overlap
 *             with [plo, phi] widened by 10% of |now - value| (>= 1 day).
 *   number, quantity: eq = within the value's implicit precision range;
 *             gt/lt/ge/le on the value; sa/eb beyond the range; ap +-10%.
 *             Quantity system and code (code or unit) when given.
 *   reference Type/id, id (any type, or :Type), absolute URL not on our base.
 */
#include "store_sqlite_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "../core/fg_mem.h"

/* ---- values ---- */

/* p followed by 0xFF: the exclusive upper end of all strings starting with
 * p (0xFF never occurs in UTF-8). */
static struct fg_str prefix_end(struct sq_sql *g, struct fg_str p)
{
    char *s = fg_pool_alloc(g->pool, p.len + 1);
    if (!s) {
        sq_sql_fail(g, FG_ENOMEM);
        return FG_STR_NULL;
    }
    if (p.len)
        memcpy(s, p.ptr, p.len);
    s[p.len] = (char)0xff;
    return (struct fg_str){s, p.len + 1};
}

/* '%' + v with LIKE's metacharacters escaped by '\' + '%'. */
static struct fg_str like_contains(struct sq_sql *g, struct fg_str v)
{
    char *s = fg_pool_alloc(g->pool, 2 * v.len + 3);
    if (!s) {
        sq_sql_fail(g, FG_ENOMEM);
        return FG_STR_NULL;
    }
    size_t k = 0;
    s[k++] = '%';
    for (size_t i = 0; i < v.len; i++) {
        if (v.ptr[i] == '%' || v.ptr[i] == '_' || v.ptr[i] == '\\')
            s[k++] = '\\';
        s[k++] = v.ptr[i];
    }
    s[k++] = '%';
    return (struct fg_str){s, k};
}

static void col(struct sq_sql *g, const char *x, const char *name)
{
    sq_sql_add(g, x);
    sq_sql_add(g, name);
}

static void token_value(struct sq_sql *g, const struct fhir_search_value *v, const char *x,
                        enum fhir_modifier m)
{
    if (m == FHIR_MOD_TEXT) {
        col(g, x, ".text LIKE ");
        sq_sql_text(g, like_contains(g, fhir_normalize_string(g->pool, v->text)));
        sq_sql_add(g, " ESCAPE '\\'");
        return;
    }
    if (!v->has_system) {
        col(g, x, ".code = ");
        sq_sql_text(g, v->code);
        return;
    }
    col(g, x, ".system = ");
    sq_sql_text(g, v->system);
    if (v->code.len) {
        col(g, " AND ", x);
        sq_sql_add(g, ".code = ");
        sq_sql_text(g, v->code);
    }
}

static void string_value(struct sq_sql *g, const struct fhir_search_value *v, const char *x,
                         enum fhir_modifier m)
{
    struct fg_str n = fhir_normalize_string(g->pool, v->text);
    if (m == FHIR_MOD_CONTAINS) {
        col(g, x, ".value LIKE ");
        sq_sql_text(g, like_contains(g, n));
        sq_sql_add(g, " ESCAPE '\\'");
    } else if (m == FHIR_MOD_EXACT) {
        col(g, x, ".value = ");
        sq_sql_text(g, n);
        col(g, " AND ", x);
        sq_sql_add(g, ".raw = ");
        sq_sql_text(g, v->text);
    } else {
        col(g, x, ".value >= ");
        sq_sql_text(g, n);
        col(g, " AND ", x);
        sq_sql_add(g, ".value < ");
        sq_sql_text(g, prefix_end(g, n));
    }
}

static void uri_value(struct sq_sql *g, const struct fhir_search_value *v, const char *x,
                      enum fhir_modifier m)
{
    if (m == FHIR_MOD_BELOW) {
        col(g, x, ".value >= ");
        sq_sql_text(g, v->text);
        col(g, " AND ", x);
        sq_sql_add(g, ".value < ");
        sq_sql_text(g, prefix_end(g, v->text));
    } else {
        col(g, x, ".value = ");
        sq_sql_text(g, v->text);
    }
}

/* lo/hi: SQL expressions of the resource's range. */
static void date_value(struct sq_sql *g, enum fhir_prefix pf, struct fhir_date_range r,
                       const char *lo, const char *hi)
{
    switch (pf) {
    case FHIR_PREFIX_NONE:
    case FHIR_PREFIX_EQ:
    case FHIR_PREFIX_NE:
        sq_sql_add(g, pf == FHIR_PREFIX_NE ? "NOT (" : "(");
        sq_sql_add(g, lo);
        sq_sql_add(g, " >= ");
        sq_sql_int(g, r.lo);
        col(g, " AND ", hi);
        sq_sql_add(g, " <= ");
        sq_sql_int(g, r.hi);
        sq_sql_add(g, ")");
        return;
    case FHIR_PREFIX_GT: col(g, hi, " > "); sq_sql_int(g, r.hi); return;
    case FHIR_PREFIX_LT: col(g, lo, " < "); sq_sql_int(g, r.lo); return;
    case FHIR_PREFIX_GE: col(g, hi, " >= "); sq_sql_int(g, r.lo); return;
    case FHIR_PREFIX_LE: col(g, lo, " <= "); sq_sql_int(g, r.hi); return;
    case FHIR_PREFIX_SA: col(g, lo, " > "); sq_sql_int(g, r.hi); return;
    case FHIR_PREFIX_EB: col(g, hi, " < "); sq_sql_int(g, r.lo); return;
    case FHIR_PREFIX_AP: {
        struct fhir_date_range a = fhir_date_ap_range(r, g->now_ms);
        col(g, lo, " <= ");
        sq_sql_int(g, a.hi);
        col(g, " AND ", hi);
        sq_sql_add(g, " >= ");
        sq_sql_int(g, a.lo);
        return;
    }
    }
}

/* x: alias of the value column "x3.value". */
static void number_value(struct sq_sql *g, const struct fhir_search_value *v, const char *val)
{
    double lo = v->number_lo, hi = v->number_hi, n = v->number;
    switch (v->prefix) {
    case FHIR_PREFIX_NONE:
    case FHIR_PREFIX_EQ:
    case FHIR_PREFIX_NE:
        sq_sql_add(g, v->prefix == FHIR_PREFIX_NE ? "NOT (" : "(");
        col(g, val, " >= ");
        sq_sql_real(g, lo);
        col(g, " AND ", val);
        sq_sql_add(g, " < ");
        sq_sql_real(g, hi);
        sq_sql_add(g, ")");
        return;
    case FHIR_PREFIX_GT: col(g, val, " > "); sq_sql_real(g, n); return;
    case FHIR_PREFIX_LT: col(g, val, " < "); sq_sql_real(g, n); return;
    case FHIR_PREFIX_GE: col(g, val, " >= "); sq_sql_real(g, n); return;
    case FHIR_PREFIX_LE: col(g, val, " <= "); sq_sql_real(g, n); return;
    case FHIR_PREFIX_SA: col(g, val, " >= "); sq_sql_real(g, hi); return;
    case FHIR_PREFIX_EB: col(g, val, " < "); sq_sql_real(g, lo); return;
    case FHIR_PREFIX_AP:
        col(g, val, " >= ");
        sq_sql_real(g, n - fabs(n) * 0.1);
        col(g, " AND ", val);
        sq_sql_add(g, " <= ");
        sq_sql_real(g, n + fabs(n) * 0.1);
        return;
    }
}

static void quantity_value(struct sq_sql *g, const struct fhir_search_value *v, const char *x)
{
    char val[24];
    int k = snprintf(val, sizeof val, "%s.value", x);
    if (k < 0 || (size_t)k >= sizeof val) {
        sq_sql_fail(g, FG_ETOOBIG);
        return;
    }
    number_value(g, v, val);
    if (v->unit_system.len) {
        col(g, " AND ", x);
        sq_sql_add(g, ".system = ");
        sq_sql_text(g, v->unit_system);
    }
    if (v->unit_code.len) {
        col(g, " AND ", x);
        sq_sql_add(g, ".code = ");
        sq_sql_text(g, v->unit_code);
    }
}

static void ref_value(struct sq_sql *g, const struct fhir_search_param *p,
                      const struct fhir_search_value *v, const char *x)
{
    if (v->ref_url.len) {
        col(g, x, ".url = ");
        sq_sql_text(g, v->ref_url);
        return;
    }
    /* A relative search value never matches another server's URL. */
    col(g, x, ".url = '' AND ");
    sq_sql_add(g, x);
    sq_sql_add(g, ".tid = ");
    sq_sql_text(g, v->ref_id);
    struct fg_str type = fhir_search_ref_type(p, v);
    if (type.len) {
        col(g, " AND ", x);
        sq_sql_add(g, ".ttype = ");
        sq_sql_text(g, type);
    }
}

/* ---- parameters ---- */

static const char *table_of(enum fhir_param_type t)
{
    switch (t) {
    case FHIR_PARAM_TOKEN: return "idx_token";
    case FHIR_PARAM_STRING: return "idx_string";
    case FHIR_PARAM_DATE: return "idx_date";
    case FHIR_PARAM_NUMBER: return "idx_number";
    case FHIR_PARAM_QUANTITY: return "idx_quantity";
    case FHIR_PARAM_REFERENCE: return "idx_ref";
    case FHIR_PARAM_URI: return "idx_uri";
    default: return NULL;
    }
}

/* The OR of p's values on the index row alias x. */
static void values_or(struct sq_sql *g, const struct fhir_search_param *p, const char *x)
{
    char lo[24], hi[24];
    int a = snprintf(lo, sizeof lo, "%s.lo", x), b = snprintf(hi, sizeof hi, "%s.hi", x);
    if (a < 0 || b < 0 || (size_t)a >= sizeof lo || (size_t)b >= sizeof hi) {
        sq_sql_fail(g, FG_ETOOBIG);
        return;
    }
    sq_sql_add(g, "(");
    for (size_t i = 0; i < p->n_values; i++) {
        const struct fhir_search_value *v = &p->values[i];
        sq_sql_add(g, i ? " OR (" : "(");
        switch (p->def->type) {
        case FHIR_PARAM_TOKEN: token_value(g, v, x, p->modifier); break;
        case FHIR_PARAM_STRING: string_value(g, v, x, p->modifier); break;
        case FHIR_PARAM_URI: uri_value(g, v, x, p->modifier); break;
        case FHIR_PARAM_DATE: date_value(g, v->prefix, v->range, lo, hi); break;
        case FHIR_PARAM_NUMBER: {
            char val[24];
            int k = snprintf(val, sizeof val, "%s.value", x);
            if (k < 0 || (size_t)k >= sizeof val)
                sq_sql_fail(g, FG_ETOOBIG);
            else
                number_value(g, v, val);
            break;
        }
        case FHIR_PARAM_QUANTITY: quantity_value(g, v, x); break;
        case FHIR_PARAM_REFERENCE: ref_value(g, p, v, x); break;
        default: sq_sql_add(g, "0"); break;
        }
        sq_sql_add(g, ")");
    }
    if (!p->n_values)
        sq_sql_add(g, "1");
    sq_sql_add(g, ")");
}

static void res_col(struct sq_sql *g, const char *a, const char *name)
{
    sq_sql_add(g, a);
    sq_sql_add(g, name);
}

/* Which rows are def's: "<x>.param = id"; for a parameter without rows of
 * its own (sq_param_has_rows) its own id (rows a store wrote before) and
 * the rows it is read through: a union's parts "<x>.param IN (id, part,
 * part)", a restriction's base "(<x>.param IN (id, base) AND <x>.ttype =
 * 'T')". */
static void param_is(struct sq_sql *g, const char *x, const struct fhir_searchparam *def)
{
    const struct fhir_searchparam *parts[2], *base;
    struct fg_str target;
    if (fhir_searchparam_union_of(def, parts)) {
        col(g, x, ".param IN (");
        sq_sql_int(g, def->id);
        sq_sql_add(g, ", ");
        sq_sql_int(g, parts[0]->id);
        sq_sql_add(g, ", ");
        sq_sql_int(g, parts[1]->id);
        sq_sql_add(g, ")");
    } else if (fhir_searchparam_restriction_of(def, &base, &target)) {
        col(g, "(", x);
        sq_sql_add(g, ".param IN (");
        sq_sql_int(g, def->id);
        sq_sql_add(g, ", ");
        sq_sql_int(g, base->id);
        col(g, ") AND ", x);
        sq_sql_add(g, ".ttype = ");
        sq_sql_text(g, target);
        sq_sql_add(g, ")");
    } else {
        col(g, x, ".param = ");
        sq_sql_int(g, def->id);
    }
}

/* _id and _lastUpdated: on the res row itself. */
static void res_param(struct sq_sql *g, const struct fhir_search_param *p, const char *a)
{
    bool is_id = strcmp(p->def->code, "_id") == 0;
    if (p->modifier == FHIR_MOD_MISSING) {
        sq_sql_add(g, p->n_values && p->values[0].missing ? "0" : "1");
        return;
    }
    char lu[32];
    int k = snprintf(lu, sizeof lu, "(%s.last_updated / 1000)", a);
    if (k < 0 || (size_t)k >= sizeof lu) {
        sq_sql_fail(g, FG_ETOOBIG);
        return;
    }
    sq_sql_add(g, p->modifier == FHIR_MOD_NOT ? "NOT (" : "(");
    for (size_t i = 0; i < p->n_values; i++) {
        const struct fhir_search_value *v = &p->values[i];
        sq_sql_add(g, i ? " OR (" : "(");
        if (is_id) {
            res_col(g, a, ".id = ");
            sq_sql_text(g, v->code.len ? v->code : v->text);
        } else {
            date_value(g, v->prefix, v->range, lu, lu);
        }
        sq_sql_add(g, ")");
    }
    if (!p->n_values)
        sq_sql_add(g, "1");
    sq_sql_add(g, ")");
}

static void param_cond(struct sq_sql *g, const struct fhir_search_param *p, const char *a);

/* A query restricted to some patients' compartments chains only through
 * resources in those compartments or in none (shared data such as a
 * Practitioner): a chain must not test another patient's resources. */
static void chain_scope_cond(struct sq_sql *g, const char *t)
{
    const struct fhir_query *q = g->scope;
    if (!q || !q->n_compartment_patients)
        return;
    sq_sql_add(g, "(NOT EXISTS (SELECT 1 FROM res_compartment cn WHERE cn.rid = ");
    sq_sql_add(g, t);
    sq_sql_add(g, ".rid) OR EXISTS (SELECT 1 FROM res_compartment cy WHERE cy.rid = ");
    sq_sql_add(g, t);
    sq_sql_add(g, ".rid AND cy.patient IN (");
    for (size_t i = 0; i < q->n_compartment_patients; i++) {
        if (i)
            sq_sql_add(g, ", ");
        sq_sql_text(g, q->compartment_patients[i]);
    }
    sq_sql_add(g, "))) AND ");
}

static void chain_cond(struct sq_sql *g, const struct fhir_search_param *p, const char *a)
{
    char x[16], t[16];
    int n = g->alias++, m = g->alias++;
    int k1 = snprintf(x, sizeof x, "x%d", n), k2 = snprintf(t, sizeof t, "t%d", m);
    if (k1 < 0 || k2 < 0 || (size_t)k1 >= sizeof x || (size_t)k2 >= sizeof t) {
        sq_sql_fail(g, FG_ETOOBIG);
        return;
    }
    sq_sql_add(g, "EXISTS (SELECT 1 FROM idx_ref ");
    sq_sql_add(g, x);
    sq_sql_add(g, " JOIN res ");
    sq_sql_add(g, t);
    col(g, " ON ", t);
    col(g, ".type = ", x);
    col(g, ".ttype AND ", t);
    col(g, ".id = ", x);
    col(g, ".tid WHERE ", x);
    sq_sql_add(g, ".rid = ");
    res_col(g, a, ".rid AND ");
    param_is(g, x, p->def);
    if (p->chain->target_type.len) {
        col(g, " AND ", x);
        sq_sql_add(g, ".ttype = ");
        sq_sql_text(g, p->chain->target_type);
    }
    col(g, " AND ", t);
    sq_sql_add(g, ".deleted = 0 AND ");
    chain_scope_cond(g, t);
    param_cond(g, p->chain->inner, t);
    sq_sql_add(g, ")");
}

static void exists_open(struct sq_sql *g, const struct fhir_search_param *p, const char *a,
                        const char *x, bool negate)
{
    sq_sql_add(g, negate ? "NOT EXISTS (SELECT 1 FROM " : "EXISTS (SELECT 1 FROM ");
    sq_sql_add(g, table_of(p->def->type));
    col(g, " ", x);
    col(g, " WHERE ", x);
    sq_sql_add(g, ".rid = ");
    res_col(g, a, ".rid AND ");
    param_is(g, x, p->def);
}

/* One parameter as a boolean expression on the res alias a. */
static void param_cond(struct sq_sql *g, const struct fhir_search_param *p, const char *a)
{
    if (p->chain) {
        chain_cond(g, p, a);
        return;
    }
    if (sq_param_on_res(p->def)) {
        res_param(g, p, a);
        return;
    }
    if (!table_of(p->def->type)) {
        sq_sql_add(g, "1");
        return;
    }
    char x[16];
    int k = snprintf(x, sizeof x, "x%d", g->alias++);
    if (k < 0 || (size_t)k >= sizeof x) {
        sq_sql_fail(g, FG_ETOOBIG);
        return;
    }
    if (p->modifier == FHIR_MOD_MISSING) {
        exists_open(g, p, a, x, p->n_values && p->values[0].missing);
        sq_sql_add(g, ")");
        return;
    }
    exists_open(g, p, a, x, p->modifier == FHIR_MOD_NOT);
    sq_sql_add(g, " AND ");
    values_or(g, p, x);
    sq_sql_add(g, ")");
}

/* Higher is a better driver; 0 cannot drive. */
static int driver_rank(const struct fhir_search_param *p)
{
    if (p->chain || p->modifier == FHIR_MOD_MISSING || p->modifier == FHIR_MOD_NOT ||
        p->modifier == FHIR_MOD_TEXT || p->modifier == FHIR_MOD_CONTAINS || !p->n_values)
        return 0;
    if (sq_param_on_res(p->def))
        return 0; /* _id uses the unique index by itself */
    switch (p->def->type) {
    case FHIR_PARAM_REFERENCE: return 60;
    case FHIR_PARAM_TOKEN:
        for (size_t i = 0; i < p->n_values; i++)
            if (!p->values[i].has_system || !p->values[i].code.len)
                return 40;
        return 45;
    case FHIR_PARAM_STRING: return 30;
    case FHIR_PARAM_URI: return 30;
    default: return 0; /* date, number, quantity: clustered by rid, cannot drive */
    }
}

#define RANK_COMPARTMENT 50

static void compartment_cond(struct sq_sql *g, const struct fhir_query *q, const char *a,
                             bool as_driver)
{
    if (as_driver) {
        sq_sql_add(g, "SELECT c.rid FROM res_compartment c WHERE c.patient IN (");
    } else {
        sq_sql_add(g, "EXISTS (SELECT 1 FROM res_compartment c WHERE c.rid = ");
        res_col(g, a, ".rid AND c.patient IN (");
    }
    for (size_t i = 0; i < q->n_compartment_patients; i++) {
        if (i)
            sq_sql_add(g, ", ");
        sq_sql_text(g, q->compartment_patients[i]);
    }
    sq_sql_add(g, as_driver ? ")" : "))");
}

/* The driver's conditions on its index rows (alias x). */
static void driver_cond(struct sq_sql *g, const struct fhir_search_param *p,
                        const struct sq_driver *d, const char *x)
{
    if (d->n_patients) {
        col(g, x, ".pat IN (");
        for (size_t i = 0; i < d->n_patients; i++) {
            sq_sql_add(g, i ? ", " : "");
            sq_sql_text(g, d->patients[i]);
        }
        sq_sql_add(g, ") AND ");
    }
    param_is(g, x, p->def);
    if (d->n_patients && d->ref_mask) {
        col(g, " AND (", x);
        sq_sql_add(g, ".via & ");
        sq_sql_int(g, d->ref_mask);
        sq_sql_add(g, ") != 0");
    }
    sq_sql_add(g, " AND ");
    values_or(g, p, x);
}

static void driver_sql(struct sq_sql *g, const struct fhir_search_param *p,
                       const struct sq_driver *d)
{
    char x[16];
    int k = snprintf(x, sizeof x, "x%d", g->alias++);
    if (k < 0 || (size_t)k >= sizeof x) {
        sq_sql_fail(g, FG_ETOOBIG);
        return;
    }
    col(g, "SELECT ", x);
    sq_sql_add(g, ".rid FROM ");
    sq_sql_add(g, table_of(p->def->type));
    col(g, " ", x);
    sq_sql_add(g, " WHERE ");
    driver_cond(g, p, d, x);
}

/* The best driver of q: patient-first dates when q names its patients,
 * else the highest-ranked parameter, the compartment restriction, or
 * nothing (scan the type). */
static void pick_driver(const struct fhir_query *q, struct sq_driver *d)
{
    if (sq_patient_date_driver(q, d))
        return;
    int best = 0;
    d->param = -2;
    d->n_patients = 0;
    d->ref_param = -1;
    d->ref_mask = 0;
    for (size_t i = 0; i < q->n_params; i++) {
        int r = driver_rank(&q->params[i]);
        if (r > best) {
            best = r;
            d->param = (long)i;
        }
    }
    if (q->n_compartment_patients && RANK_COMPARTMENT > best)
        d->param = -1;
}

/* The order in which filters are tested on each driver row (lower first).
 * SQLite evaluates the AND terms in the order written and every term costs
 * one index seek per row, so the term likeliest to reject a row goes first:
 * a token with system|code names few resources; a date, number or quantity
 * comparison (US Core's date=ge...) usually a small slice of a patient's
 * history; a bare code (category=vital-signs) is a coarse class; the rest
 * keep their order. Only the cost changes, never the result. */
#define FILTER_RANKS 4

static int filter_rank(const struct fhir_search_param *p)
{
    if (p->chain || p->modifier != FHIR_MOD_NONE || !p->n_values)
        return 3;
    switch (p->def->type) {
    case FHIR_PARAM_TOKEN:
        for (size_t i = 0; i < p->n_values; i++)
            if (!p->values[i].has_system || !p->values[i].code.len)
                return 2;
        return 0;
    case FHIR_PARAM_DATE:
    case FHIR_PARAM_NUMBER:
    case FHIR_PARAM_QUANTITY:
        return 1;
    default:
        return 3;
    }
}

/* Every filter but the driver's, as " AND ..." on alias a. */
static void other_filters(struct sq_sql *g, const struct fhir_query *q,
                          const struct sq_driver *d, const char *a)
{
    long driver = d->param;
    /* A reference the driver's date rows test by their via bit. */
    long on_driver = d->ref_mask ? d->ref_param : -1;
    g->scope = q;
    for (int rank = 0; rank < FILTER_RANKS; rank++) {
        for (size_t i = 0; i < q->n_params; i++) {
            if ((long)i == driver || (long)i == on_driver || filter_rank(&q->params[i]) != rank)
                continue;
            sq_sql_add(g, " AND ");
            param_cond(g, &q->params[i], a);
        }
    }
    if (q->n_compartment_patients && driver != -1) {
        sq_sql_add(g, " AND ");
        compartment_cond(g, q, a, false);
    }
}

void sq_sql_where(struct sq_sql *g, const struct fhir_query *q, int64_t snap)
{
    struct sq_driver d;
    pick_driver(q, &d);
    long driver = d.param;
    /* With a driver, unary + keeps the planner off the type index: the
     * driver's rid list is the selective path. */
    sq_sql_add(g, driver != -2 ? "+r.type = " : "r.type = ");
    sq_sql_text(g, q->type);
    sq_sql_add(g, " AND r.deleted = 0");
    if (snap > 0) {
        sq_sql_add(g, " AND r.rid <= ");
        sq_sql_int(g, snap);
    }
    if (driver == -1) {
        sq_sql_add(g, " AND r.rid IN (");
        compartment_cond(g, q, "r", true);
        sq_sql_add(g, ")");
    } else if (driver >= 0) {
        sq_sql_add(g, " AND r.rid IN (");
        driver_sql(g, &q->params[driver], &d);
        sq_sql_add(g, ")");
    }
    other_filters(g, q, &d, "r");
}

/* True when a filter reads res's own columns (_id, _lastUpdated, chains
 * read the target's). */
static bool needs_res_row(const struct fhir_query *q)
{
    for (size_t i = 0; i < q->n_params; i++)
        if (!q->params[i].chain && sq_param_on_res(q->params[i].def))
            return true;
    return false;
}

bool sq_sql_fast_ok(const struct fhir_query *q)
{
    struct sq_driver d;
    pick_driver(q, &d);
    long driver = d.param;
    /* Index rows exist only for current, non-deleted versions, and a
     * type's own parameter ids imply the type: the driver's rids need no
     * res row unless a filter reads one. */
    return driver >= 0 && !needs_res_row(q) &&
           strcmp(q->params[driver].def->resource, "Resource") != 0 &&
           strcmp(q->params[driver].def->resource, "DomainResource") != 0;
}

/* True when the driver's index rows hold each rid at most once: one
 * value that fixes the whole key but the rid (a typed reference, a
 * system|code token), so no DISTINCT is needed. */
static bool driver_unique(const struct fhir_search_param *p)
{
    if (p->n_values != 1 || !sq_param_has_rows(p->def))
        return false; /* a union's rows come from three parameters */
    const struct fhir_search_value *v = &p->values[0];
    if (p->def->type == FHIR_PARAM_REFERENCE)
        return !v->ref_url.len && fhir_search_ref_type(p, v).len && v->ref_id.len;
    return p->def->type == FHIR_PARAM_TOKEN && p->modifier == FHIR_MOD_NONE &&
           v->has_system && v->system.len && v->code.len;
}

void sq_sql_fast_select(struct sq_sql *g, const struct fhir_query *q, int64_t snap, bool count)
{
    struct sq_driver d;
    pick_driver(q, &d);
    const struct fhir_search_param *p = &q->params[d.param];
    /* The driver's own index rows, equal on every key column but rid,
     * come in rid order: a LIMIT stops early, no sort, no DISTINCT.
     * Otherwise a rid may have several rows (values, patients): DISTINCT,
     * on the rows themselves (one temporary b-tree that also gives the
     * rid order, where a DISTINCT subquery sorted twice). */
    bool unique = !d.n_patients && driver_unique(p);
    if (count)
        sq_sql_add(g, unique ? "SELECT count(*) FROM " : "SELECT count(DISTINCT r.rid) FROM ");
    else
        sq_sql_add(g, unique ? "SELECT r.rid FROM " : "SELECT DISTINCT r.rid FROM ");
    sq_sql_add(g, table_of(p->def->type));
    sq_sql_add(g, " r WHERE ");
    driver_cond(g, p, &d, "r");
    if (snap > 0) {
        sq_sql_add(g, " AND r.rid <= ");
        sq_sql_int(g, snap);
    }
    other_filters(g, q, &d, "r");
}

/* ---- sort keys ---- */

static const char *sort_col(enum fhir_param_type t, bool desc)
{
    switch (t) {
    case FHIR_PARAM_DATE: return desc ? "max(s.hi)" : "min(s.lo)";
    case FHIR_PARAM_TOKEN: return desc ? "max(s.code)" : "min(s.code)";
    case FHIR_PARAM_REFERENCE: return desc ? "max(s.tid)" : "min(s.tid)";
    default: return desc ? "max(s.value)" : "min(s.value)";
    }
}

/* A key that is never NULL: a missing value sorts last in both
 * directions (X'FF' above every number and text; -1e308 below all). */
void sq_sql_sort_key(struct sq_sql *g, const struct fhir_sort *s, const char *a)
{
    if (!s->def || sq_param_on_res(s->def)) {
        bool id = s->def ? strcmp(s->def->code, "_id") == 0 : fg_str_eq_c(s->name, "_id");
        res_col(g, a, id ? ".id" : ".last_updated");
        return;
    }
    const char *table = table_of(s->def->type);
    if (!table) {
        sq_sql_add(g, "0");
        return;
    }
    sq_sql_add(g, "coalesce((SELECT ");
    sq_sql_add(g, sort_col(s->def->type, s->descending));
    sq_sql_add(g, " FROM ");
    sq_sql_add(g, table);
    sq_sql_add(g, " s WHERE s.rid = ");
    res_col(g, a, ".rid AND ");
    param_is(g, "s", s->def);
    sq_sql_add(g, s->descending ? "), -1e308)" : "), X'FF')");
}
