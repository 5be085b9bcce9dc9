/* search_write.c - a parsed search written back as a canonical query string.
 *
 * The Bundle's self link says which parameters the server used
 * (http://hl7.org/fhir/R4/search.html#conformance), and paging links
 * repeat them: client filters in their original order as
 * name[:modifier][.chain]=v1,v2 (values re-escaped and percent-encoded),
 * then _sort, _include/_revinclude, _elements, _summary, _total, _count
 * (when not the default).
 * Ignored parameters, policy parameters and _cursor are left out.
 */
#include <stdio.h>
#include <string.h>

#include "../core/fg_buf.h"
#include "../core/fg_limits.h"
#include "search_internal.h"

#define BAR "%7C" /* the '|' separator of token and quantity values */

static enum fg_status sep(struct fg_buf *buf, bool *first)
{
    if (*first) {
        *first = false;
        return FG_OK;
    }
    return fg_buf_append_char(buf, '&');
}

static enum fg_status write_token(struct fg_buf *buf, const struct fhir_search_value *v)
{
    enum fg_status st = FG_OK;
    if (v->has_system) {
        st = fhir_search_append_escaped(buf, v->system);
        if (st == FG_OK)
            st = fg_buf_append_c(buf, BAR);
    }
    return st == FG_OK ? fhir_search_append_escaped(buf, v->code) : st;
}

static enum fg_status write_quantity(struct fg_buf *buf, const struct fhir_search_value *v)
{
    struct fg_str num, tail;
    /* The number has no '|' of its own: the first one ends it. */
    fg_str_split(v->text, '|', &num, &tail);
    enum fg_status st = fg_buf_append_url_encoded(buf, num);
    if (st == FG_OK && v->has_system) {
        st = fg_buf_append_c(buf, BAR);
        if (st == FG_OK)
            st = fhir_search_append_escaped(buf, v->unit_system);
        if (st == FG_OK)
            st = fg_buf_append_c(buf, BAR);
        if (st == FG_OK)
            st = fhir_search_append_escaped(buf, v->unit_code);
    }
    return st;
}

static enum fg_status write_reference(struct fg_buf *buf, const struct fhir_search_param *p,
                                      const struct fhir_search_value *v)
{
    if (v->ref_url.len)
        return fhir_search_append_escaped(buf, v->ref_url);
    enum fg_status st = FG_OK;
    if (v->ref_type.len && p->modifier != FHIR_MOD_TYPE) {
        st = fhir_search_append_escaped(buf, v->ref_type);
        if (st == FG_OK)
            st = fg_buf_append_char(buf, '/');
    }
    return st == FG_OK ? fhir_search_append_escaped(buf, v->ref_id) : st;
}

static enum fg_status write_value(struct fg_buf *buf, const struct fhir_search_param *p,
                                  const struct fhir_search_value *v)
{
    enum fg_status st = fg_buf_append_c(buf, fhir_search_prefix_name(v->prefix));
    if (st != FG_OK)
        return st;
    if (p->modifier == FHIR_MOD_MISSING)
        return fg_buf_append_c(buf, v->missing ? "true" : "false");
    if (p->modifier == FHIR_MOD_IDENTIFIER)
        return write_token(buf, v);
    switch (p->modifier == FHIR_MOD_TEXT ? FHIR_PARAM_STRING : p->def->type) {
    case FHIR_PARAM_NUMBER:
    case FHIR_PARAM_DATE: return fg_buf_append_url_encoded(buf, v->text);
    case FHIR_PARAM_QUANTITY: return write_quantity(buf, v);
    case FHIR_PARAM_REFERENCE: return write_reference(buf, p, v);
    case FHIR_PARAM_TOKEN:
        if (!fg_str_eq_c(p->name, "_id"))
            return write_token(buf, v);
        break;
    default: break;
    }
    return fhir_search_append_escaped(buf, v->text);
}

/* name[:modifier] of p, then ".inner..." of its chain; returns the param
 * that carries the values. */
static enum fg_status write_name(struct fg_buf *buf, const struct fhir_search_param *p,
                                 const struct fhir_search_param **leaf)
{
    enum fg_status st = fg_buf_append_url_encoded(buf, p->name);
    if (st == FG_OK && p->modifier == FHIR_MOD_TYPE) {
        st = fg_buf_append_char(buf, ':');
        if (st == FG_OK)
            st = fg_buf_append_url_encoded(buf, p->modifier_type);
    } else if (st == FG_OK && p->modifier != FHIR_MOD_NONE) {
        st = fg_buf_append_char(buf, ':');
        if (st == FG_OK)
            st = fg_buf_append_c(buf, fhir_search_modifier_name(p->modifier));
    }
    if (st != FG_OK)
        return st;
    if (!p->chain) {
        *leaf = p;
        return FG_OK;
    }
    st = fg_buf_append_char(buf, '.');
    return st == FG_OK ? write_name(buf, p->chain->inner, leaf) : st;
}

static enum fg_status write_param(struct fg_buf *buf, const struct fhir_search_param *p)
{
    const struct fhir_search_param *leaf = p;
    enum fg_status st = write_name(buf, p, &leaf);
    if (st == FG_OK)
        st = fg_buf_append_char(buf, '=');
    for (size_t i = 0; st == FG_OK && i < leaf->n_values; i++) {
        if (i)
            st = fg_buf_append_char(buf, ',');
        if (st == FG_OK)
            st = write_value(buf, leaf, &leaf->values[i]);
    }
    return st;
}

/* Upstream only: a `patient` parameter defined as another reference
 * restricted to patients ("subject@Patient": Observation, Encounter,
 * DiagnosticReport, ...) is sent as that parameter with Patient/ values,
 * which matches the same resources; servers index subject directly where
 * some scan every resource for patient=. Returns that parameter's code,
 * or NULL when p is sent as it is (other modifiers, absolute or
 * non-Patient values). */
static const char *patient_as_subject(struct fg_str type, const struct fhir_search_param *p)
{
    const struct fhir_searchparam *d = p->def;
    if (!d || d->type != FHIR_PARAM_REFERENCE || strcmp(d->code, "patient") != 0)
        return NULL;
    if (p->modifier != FHIR_MOD_NONE &&
        !(p->modifier == FHIR_MOD_TYPE && fg_str_eq_c(p->modifier_type, "Patient")))
        return NULL;
    const char *at = strchr(d->paths, '@');
    if (!at || strcmp(at, "@Patient") != 0 || memchr(d->paths, '|', (size_t)(at - d->paths)))
        return NULL;
    struct fg_str base = fg_str_n(d->paths, (size_t)(at - d->paths));
    const struct fhir_searchparam *s = fhir_searchparam_find(type, base);
    if (!s || s->type != FHIR_PARAM_REFERENCE || !fg_str_eq_c(base, s->paths))
        return NULL;
    for (size_t i = 0; !p->chain && i < p->n_values; i++)
        if (p->values[i].ref_url.len ||
            (p->values[i].ref_type.len && !fg_str_eq_c(p->values[i].ref_type, "Patient")))
            return NULL;
    return s->code;
}

/* p written as subject:Patient[.chain]=Patient/v1,Patient/v2 (see above). */
static enum fg_status write_as_subject(struct fg_buf *buf, const char *code,
                                       const struct fhir_search_param *p)
{
    const struct fhir_search_param *leaf = p;
    enum fg_status st = fg_buf_append_c(buf, code);
    if (st == FG_OK && p->chain) {
        st = fg_buf_append_c(buf, ":Patient.");
        if (st == FG_OK)
            st = write_name(buf, p->chain->inner, &leaf);
    }
    if (st == FG_OK)
        st = fg_buf_append_char(buf, '=');
    for (size_t i = 0; st == FG_OK && i < leaf->n_values; i++) {
        if (i)
            st = fg_buf_append_char(buf, ',');
        if (st == FG_OK && !p->chain)
            st = fg_buf_append_c(buf, "Patient/");
        if (st == FG_OK)
            st = p->chain ? write_value(buf, leaf, &leaf->values[i])
                          : fhir_search_append_escaped(buf, leaf->values[i].ref_id);
    }
    return st;
}

static enum fg_status write_sorts(struct fg_buf *buf, const struct fhir_query *q, bool *first)
{
    enum fg_status st = FG_OK;
    if (!q->n_sorts)
        return FG_OK;
    st = sep(buf, first);
    if (st == FG_OK)
        st = fg_buf_append_c(buf, "_sort=");
    for (size_t i = 0; st == FG_OK && i < q->n_sorts; i++) {
        if (i)
            st = fg_buf_append_char(buf, ',');
        if (st == FG_OK && q->sorts[i].descending)
            st = fg_buf_append_char(buf, '-');
        if (st == FG_OK)
            st = fg_buf_append_url_encoded(buf, q->sorts[i].name);
    }
    return st;
}

static enum fg_status write_include(struct fg_buf *buf, const struct fhir_include *inc)
{
    enum fg_status st = fg_buf_append_c(buf, inc->reverse ? "_revinclude" : "_include");
    if (st == FG_OK && inc->iterate)
        st = fg_buf_append_c(buf, ":iterate");
    if (st == FG_OK)
        st = fg_buf_append_char(buf, '=');
    if (st == FG_OK && inc->source_type.len) {
        st = fg_buf_append_url_encoded(buf, inc->source_type);
        if (st == FG_OK)
            st = fg_buf_append_char(buf, ':');
    }
    if (st != FG_OK)
        return st;
    if (inc->wildcard)
        return fg_buf_append_char(buf, '*');
    st = fg_buf_append_c(buf, inc->def->code);
    if (st == FG_OK && inc->target_type.len) {
        st = fg_buf_append_char(buf, ':');
        if (st == FG_OK)
            st = fg_buf_append_url_encoded(buf, inc->target_type);
    }
    return st;
}

static enum fg_status write_elements(struct fg_buf *buf, const struct fhir_query *q, bool *first)
{
    if (!q->n_elements)
        return FG_OK;
    enum fg_status st = sep(buf, first);
    if (st == FG_OK)
        st = fg_buf_append_c(buf, "_elements=");
    for (size_t i = 0; st == FG_OK && i < q->n_elements; i++) {
        if (i)
            st = fg_buf_append_char(buf, ',');
        if (st == FG_OK)
            st = fg_buf_append_url_encoded(buf, q->elements[i]);
    }
    return st;
}

static const char *summary_name(enum fhir_summary s)
{
    switch (s) {
    case FHIR_SUMMARY_TRUE: return "true";
    case FHIR_SUMMARY_COUNT: return "count";
    case FHIR_SUMMARY_TEXT: return "text";
    case FHIR_SUMMARY_DATA: return "data";
    case FHIR_SUMMARY_FALSE: return "false";
    case FHIR_SUMMARY_NONE: break;
    }
    return NULL;
}

static enum fg_status write_switches(struct fg_buf *buf, const struct fhir_query *q, bool *first)
{
    enum fg_status st = FG_OK;
    const char *summary = summary_name(q->summary);
    if (summary) {
        st = sep(buf, first);
        if (st == FG_OK)
            st = fg_buf_printf(buf, "_summary=%s", summary);
    }
    if (st == FG_OK && q->total != FHIR_TOTAL_ACCURATE) {
        st = sep(buf, first);
        if (st == FG_OK)
            st = fg_buf_printf(buf, "_total=%s",
                               q->total == FHIR_TOTAL_NONE ? "none" : "estimate");
    }
    /* The default _count is implied: writing it would make the canonical
     * form one pair longer than the request it came from. */
    if (st != FG_OK || q->count == FG_DEFAULT_COUNT)
        return st;
    st = sep(buf, first);
    return st == FG_OK ? fg_buf_printf(buf, "_count=%d", q->count) : st;
}

/* Upstream only: `_include=*` as one `_include=Type:param` per reference
 * parameter of the type (the same includes; not every server takes the
 * wildcard). :iterate and _revinclude wildcards are sent as they are. */
static enum fg_status write_include_expanded(struct fg_buf *buf, struct fg_str type,
                                             const struct fhir_include *inc, bool *first)
{
    struct fg_str source = inc->source_type.len ? inc->source_type : type;
    size_t cursor = 0;
    enum fg_status st = FG_OK;
    for (const struct fhir_searchparam *d;
         st == FG_OK && (d = fhir_searchparam_next(source, &cursor));) {
        if (d->type != FHIR_PARAM_REFERENCE || !d->n_compiled)
            continue;
        st = sep(buf, first);
        if (st == FG_OK)
            st = fg_buf_append_c(buf, "_include=");
        if (st == FG_OK)
            st = fg_buf_append_url_encoded(buf, source);
        if (st == FG_OK)
            st = fg_buf_printf(buf, ":%s", d->code);
    }
    return st;
}

/* Upstream only: a date parameter with one eq value (date=X, date=eqX) is
 * sent as the range pair date=geX&date=leX, which every match of eqX also
 * matches. Servers differ on eq at a precision finer than they store or
 * than the target has (an instant with milliseconds, a Period); the range
 * is what they agree on, and the gateway re-checks every match against the
 * query itself (fhir/match), so nothing outside eqX is shown. */
static bool date_eq_as_range(const struct fhir_search_param *p)
{
    return p->def && p->def->type == FHIR_PARAM_DATE && p->modifier == FHIR_MOD_NONE &&
           !p->chain && p->n_values == 1 &&
           (p->values[0].prefix == FHIR_PREFIX_NONE || p->values[0].prefix == FHIR_PREFIX_EQ);
}

static enum fg_status write_date_range(struct fg_buf *buf, const struct fhir_search_param *p)
{
    enum fg_status st = FG_OK;
    for (int i = 0; st == FG_OK && i < 2; i++) {
        if (i)
            st = fg_buf_append_char(buf, '&');
        if (st == FG_OK)
            st = fg_buf_append_url_encoded(buf, p->name);
        if (st == FG_OK)
            st = fg_buf_append_c(buf, i ? "=le" : "=ge");
        if (st == FG_OK)
            st = fg_buf_append_url_encoded(buf, p->values[0].text);
    }
    return st;
}

/* The filters, sorts and includes. For the upstream server (upstream):
 * policy parameters too, `patient` sent as its subject parameter and
 * `_include=*` spelled out (see patient_as_subject, write_include_expanded);
 * for the client's links: as the client can write them again. */
static enum fg_status write_core(const struct fhir_query *q, struct fg_buf *buf, bool upstream,
                                 bool *first)
{
    enum fg_status st = FG_OK;
    for (size_t i = 0; st == FG_OK && i < q->n_params; i++) {
        if (q->params[i].from_policy && !upstream)
            continue;
        const char *subject = upstream ? patient_as_subject(q->type, &q->params[i]) : NULL;
        st = sep(buf, first);
        if (st == FG_OK && subject)
            st = write_as_subject(buf, subject, &q->params[i]);
        else if (st == FG_OK && upstream && date_eq_as_range(&q->params[i]))
            st = write_date_range(buf, &q->params[i]);
        else if (st == FG_OK)
            st = write_param(buf, &q->params[i]);
    }
    if (st == FG_OK)
        st = write_sorts(buf, q, first);
    for (size_t i = 0; st == FG_OK && i < q->n_includes; i++) {
        const struct fhir_include *inc = &q->includes[i];
        if (upstream && inc->wildcard && !inc->iterate && !inc->reverse) {
            st = write_include_expanded(buf, q->type, inc, first);
            continue;
        }
        st = sep(buf, first);
        if (st == FG_OK)
            st = write_include(buf, inc);
    }
    return st;
}

enum fg_status fhir_search_write_query(const struct fhir_query *q, struct fg_buf *buf)
{
    bool first = true;
    enum fg_status st = write_core(q, buf, false, &first);
    if (st == FG_OK)
        st = write_elements(buf, q, &first);
    return st == FG_OK ? write_switches(buf, q, &first) : st;
}

enum fg_status fhir_search_write_upstream_query(const struct fhir_query *q, struct fg_buf *buf)
{
    bool first = true;
    enum fg_status st = write_core(q, buf, true, &first);
    if (st == FG_OK && q->total != FHIR_TOTAL_ACCURATE) {
        st = sep(buf, &first);
        if (st == FG_OK)
            st = fg_buf_printf(buf, "_total=%s", q->total == FHIR_TOTAL_NONE ? "none" : "estimate");
    }
    if (st == FG_OK)
        st = sep(buf, &first);
    return st == FG_OK ? fg_buf_printf(buf, "_count=%d", q->count) : st;
}
