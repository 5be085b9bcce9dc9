/* index_values.c - one JSON value at the end of a search path → entries.
 *
 * The rule depends on the parameter type and on the FHIR data type found
 * there (http://hl7.org/fhir/R4/search.html#ptypes): a CodeableConcept
 * gives one token per coding, a HumanName one string per part, a Period one
 * date range, and so on. Where the generator could not name the data type
 * (below Extension.value[x]), the JSON shape decides.
 */
#include <string.h>

#include "date.h"
#include "index_internal.h"

static const cJSON *member(const cJSON *node, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(node, name);
}

/* The string value of member `name`, or the empty slice. */
static struct fg_str member_str(const cJSON *node, const char *name)
{
    const cJSON *v = member(node, name);
    return cJSON_IsString(v) ? fg_str_c(v->valuestring) : FG_STR_NULL;
}

/* One pass over node's members: out[i] = the member named names[i] (or
 * NULL). Cheaper than one cJSON lookup per name on the hot types. */
static void members(const cJSON *node, const char *const *names, size_t n, const cJSON **out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = NULL;
    for (const cJSON *c = node->child; c; c = c->next) {
        if (!c->string)
            continue;
        for (size_t i = 0; i < n; i++) {
            if (c->string[0] == names[i][0] && strcmp(c->string, names[i]) == 0) {
                out[i] = c;
                break;
            }
        }
    }
}

static struct fg_str str_of(const cJSON *v)
{
    return cJSON_IsString(v) ? fg_str_c(v->valuestring) : FG_STR_NULL;
}

static struct fg_str normalized(struct fhir_index_ctx *ctx, struct fg_str s)
{
    if (s.len == 0)
        return s;
    struct fg_str n = fhir_normalize_string(ctx->pool, s);
    if (!n.ptr)
        ctx->st = FG_ENOMEM;
    return n;
}

/* ------------------------------------------------------------- token */

static void add_token(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                      struct fg_str system, struct fg_str code, struct fg_str text)
{
    if (code.len == 0 && text.len == 0)
        return;
    struct fhir_index_entry *e = fhir_index_add(ctx, def);
    if (!e)
        return;
    e->system = system;
    e->code = code;
    e->text = normalized(ctx, text);
}

static void token_coding(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                         const cJSON *c)
{
    static const char *const names[] = {"system", "code", "display"};
    const cJSON *m[3];
    members(c, names, 3, m);
    add_token(ctx, def, str_of(m[0]), str_of(m[1]), str_of(m[2]));
}

static void token_codeable_concept(struct fhir_index_ctx *ctx,
                                   const struct fhir_searchparam *def, const cJSON *cc)
{
    static const char *const names[] = {"coding", "text"};
    const cJSON *m[2];
    members(cc, names, 2, m);
    if (cJSON_IsArray(m[0])) {
        for (const cJSON *c = m[0]->child; c; c = c->next) {
            if (cJSON_IsObject(c))
                token_coding(ctx, def, c);
        }
    }
    add_token(ctx, def, FG_STR_NULL, FG_STR_NULL, str_of(m[1]));
}

static void token_identifier(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                             const cJSON *id)
{
    const cJSON *type = member(id, "type");
    add_token(ctx, def, member_str(id, "system"), member_str(id, "value"),
              cJSON_IsObject(type) ? member_str(type, "text") : FG_STR_NULL);
}

static void token_contact_point(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                                const cJSON *cp)
{
    add_token(ctx, def, member_str(cp, "system"), member_str(cp, "value"), FG_STR_NULL);
}

static void token_primitive(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                            const cJSON *node)
{
    if (cJSON_IsString(node))
        add_token(ctx, def, FG_STR_NULL, fg_str_c(node->valuestring), FG_STR_NULL);
    else if (cJSON_IsTrue(node))
        add_token(ctx, def, FG_STR_NULL, FG_STR_LIT("true"), FG_STR_NULL);
    else if (cJSON_IsFalse(node))
        add_token(ctx, def, FG_STR_NULL, FG_STR_LIT("false"), FG_STR_NULL);
}

/* Guesses a data type from the JSON shape (for FHIR_DT_UNKNOWN). */
static enum fhir_data_type shape_of(const cJSON *node)
{
    if (cJSON_IsString(node))
        return FHIR_DT_STRING;
    if (cJSON_IsBool(node))
        return FHIR_DT_BOOLEAN;
    if (cJSON_IsNumber(node))
        return FHIR_DT_DECIMAL;
    if (!cJSON_IsObject(node))
        return FHIR_DT_UNKNOWN;
    if (member(node, "coding") || (member(node, "text") && node->child && !node->child->next))
        return FHIR_DT_CODEABLECONCEPT;
    if (member(node, "reference"))
        return FHIR_DT_REFERENCE;
    if (member(node, "start") || member(node, "end"))
        return FHIR_DT_PERIOD;
    if (member(node, "event") || member(node, "repeat"))
        return FHIR_DT_TIMING;
    if (member(node, "family") || member(node, "given"))
        return FHIR_DT_HUMANNAME;
    if (member(node, "line") || member(node, "city") || member(node, "postalCode"))
        return FHIR_DT_ADDRESS;
    if (cJSON_IsNumber(member(node, "value")))
        return member(node, "currency") ? FHIR_DT_MONEY : FHIR_DT_QUANTITY;
    if (member(node, "code"))
        return FHIR_DT_CODING;
    if (cJSON_IsString(member(node, "value")))
        return FHIR_DT_IDENTIFIER;
    return FHIR_DT_UNKNOWN;
}

static void add_token_value(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                            const cJSON *node, enum fhir_data_type dt)
{
    switch (dt) {
    case FHIR_DT_CODEABLECONCEPT:
        token_codeable_concept(ctx, def, node);
        break;
    case FHIR_DT_CODING:
        token_coding(ctx, def, node);
        break;
    case FHIR_DT_IDENTIFIER:
        token_identifier(ctx, def, node);
        break;
    case FHIR_DT_CONTACTPOINT:
        token_contact_point(ctx, def, node);
        break;
    case FHIR_DT_BOOLEAN:
    case FHIR_DT_CODE:
    case FHIR_DT_ID:
    case FHIR_DT_STRING:
    case FHIR_DT_URI:
    case FHIR_DT_CANONICAL:
        token_primitive(ctx, def, node);
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------ string */

static void add_string(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                       const cJSON *node)
{
    if (!cJSON_IsString(node) || node->valuestring[0] == '\0')
        return;
    struct fhir_index_entry *e = fhir_index_add(ctx, def);
    if (!e)
        return;
    e->text = fg_str_c(node->valuestring);
    e->str = normalized(ctx, e->text);
}

/* Each string (or each string of an array) under `names`. */
static void add_string_members(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                               const cJSON *node, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const cJSON *v = member(node, names[i]);
        if (cJSON_IsArray(v)) {
            for (const cJSON *s = v->child; s; s = s->next)
                add_string(ctx, def, s);
        } else {
            add_string(ctx, def, v);
        }
    }
}

static void add_string_value(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                             const cJSON *node, enum fhir_data_type dt)
{
    static const char *const name_parts[] = {"family", "given", "prefix", "suffix", "text"};
    static const char *const address_parts[] = {"line",  "city",       "district", "state",
                                                "postalCode", "country", "text"};
    if (dt == FHIR_DT_HUMANNAME)
        add_string_members(ctx, def, node, name_parts, sizeof name_parts / sizeof name_parts[0]);
    else if (dt == FHIR_DT_ADDRESS)
        add_string_members(ctx, def, node, address_parts,
                           sizeof address_parts / sizeof address_parts[0]);
    else
        add_string(ctx, def, node);
}

/* -------------------------------------------------------------- date */

static void add_range(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def, int64_t lo,
                      int64_t hi)
{
    struct fhir_index_entry *e = fhir_index_add(ctx, def);
    if (e) {
        e->lo = lo;
        e->hi = hi;
    }
}

static void date_string(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                        const cJSON *node)
{
    struct fhir_date_range r;
    if (cJSON_IsString(node) && fhir_date_parse(fg_str_c(node->valuestring), &r) == FG_OK)
        add_range(ctx, def, r.lo, r.hi);
}

/* A Period is start.lo .. end.hi; a missing end is open; an unparseable
 * bound makes the whole period unindexable. */
static void date_period(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                        const cJSON *node)
{
    const cJSON *start = member(node, "start"), *end = member(node, "end");
    struct fhir_date_range s = {FHIR_DATE_MIN, FHIR_DATE_MIN, FHIR_PREC_DAY};
    struct fhir_date_range e = {FHIR_DATE_MAX, FHIR_DATE_MAX, FHIR_PREC_DAY};
    if (!start && !end)
        return;
    if (start && (!cJSON_IsString(start) || fhir_date_parse(fg_str_c(start->valuestring), &s) != FG_OK))
        return;
    if (end && (!cJSON_IsString(end) || fhir_date_parse(fg_str_c(end->valuestring), &e) != FG_OK))
        return;
    if (s.lo > e.hi)
        return;
    add_range(ctx, def, s.lo, e.hi);
}

static void date_timing(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                        const cJSON *node)
{
    const cJSON *events = member(node, "event");
    if (cJSON_IsArray(events)) {
        for (const cJSON *ev = events->child; ev; ev = ev->next)
            date_string(ctx, def, ev);
    }
    const cJSON *repeat = member(node, "repeat");
    const cJSON *bounds = cJSON_IsObject(repeat) ? member(repeat, "boundsPeriod") : NULL;
    if (cJSON_IsObject(bounds))
        date_period(ctx, def, bounds);
}

static void add_date_value(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                           const cJSON *node, enum fhir_data_type dt)
{
    switch (dt) {
    case FHIR_DT_DATE:
    case FHIR_DT_DATETIME:
    case FHIR_DT_INSTANT:
    case FHIR_DT_STRING:
        date_string(ctx, def, node);
        break;
    case FHIR_DT_PERIOD:
        if (cJSON_IsObject(node))
            date_period(ctx, def, node);
        break;
    case FHIR_DT_TIMING:
        if (cJSON_IsObject(node))
            date_timing(ctx, def, node);
        break;
    default:
        break;
    }
}

/* ---------------------------------------------------- number, quantity */

static void add_number(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                       const cJSON *value, struct fg_str unit_system, struct fg_str unit_code)
{
    if (!cJSON_IsNumber(value))
        return;
    struct fhir_index_entry *e = fhir_index_add(ctx, def);
    if (!e)
        return;
    e->number = value->valuedouble;
    e->unit_system = unit_system;
    e->unit_code = unit_code;
}

static void add_quantity_value(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                               const cJSON *node, enum fhir_data_type dt)
{
    if (dt == FHIR_DT_INTEGER || dt == FHIR_DT_DECIMAL) {
        add_number(ctx, def, node, FG_STR_NULL, FG_STR_NULL);
    } else if (dt == FHIR_DT_QUANTITY && cJSON_IsObject(node)) {
        static const char *const names[] = {"value", "system", "code", "unit"};
        const cJSON *m[4];
        members(node, names, 4, m);
        struct fg_str code = str_of(m[2]);
        add_number(ctx, def, m[0], str_of(m[1]), code.len ? code : str_of(m[3]));
    } else if (dt == FHIR_DT_MONEY && cJSON_IsObject(node)) {
        struct fg_str cur = member_str(node, "currency");
        add_number(ctx, def, member(node, "value"),
                   cur.len ? FG_STR_LIT("urn:iso:std:iso:4217") : FG_STR_NULL, cur);
    }
}

/* --------------------------------------------------------- reference */

/* The part of s before the first occurrence of c (all of s if none). */
static struct fg_str before(struct fg_str s, char c)
{
    const char *p = s.len ? memchr(s.ptr, c, s.len) : NULL;
    return p ? fg_str_n(s.ptr, (size_t)(p - s.ptr)) : s;
}

/* *seg is what follows the last '/' of s (all of s when there is none),
 * *rest what precedes it. */
static void last_segment(struct fg_str s, struct fg_str *rest, struct fg_str *seg)
{
    if (!fg_str_rsplit(s, '/', rest, seg)) {
        *rest = fg_str_n(s.ptr, 0);
        *seg = s;
    }
}

/* Splits "[prefix/]Type/id[/_history/v]": *type and *id, and *end the
 * slice from the start of s to the end of id (history stripped). */
static bool split_type_id(struct fg_str s, struct fg_str *type, struct fg_str *id,
                          struct fg_str *end)
{
    struct fg_str rest, before_type;
    last_segment(s, &rest, id);
    last_segment(rest, &before_type, type);
    if (fg_str_eq_c(*type, "_history")) {
        s = before_type;
        last_segment(s, &rest, id);
        last_segment(rest, &before_type, type);
    }
    *end = fg_str_n(s.ptr, (size_t)(id->ptr + id->len - s.ptr));
    return fhir_resource_type_known(*type) && fg_is_fhir_id(*id);
}

bool fhir_index_parse_reference(struct fg_str ref, struct fg_str *type, struct fg_str *id,
                                struct fg_str *url)
{
    struct fg_str t, i, end;
    if (ref.len == 0 || ref.ptr[0] == '#' || fg_str_starts_with(ref, "urn:"))
        return false;
    ref = before(ref, '|'); /* canonical version */
    bool absolute = fg_str_starts_with(ref, "http://") || fg_str_starts_with(ref, "https://");
    if (!split_type_id(ref, &t, &i, &end))
        return false;
    /* a relative reference is exactly Type/id (after history stripping) */
    if (!absolute && (t.ptr != ref.ptr || memchr(ref.ptr, ':', ref.len)))
        return false;
    *type = t;
    *id = i;
    *url = absolute ? end : FG_STR_NULL;
    return true;
}

static void add_reference_string(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                                 const cJSON *node)
{
    struct fg_str type, id, url;
    if (!cJSON_IsString(node))
        return;
    struct fg_str ref = fg_str_c(node->valuestring);
    if (!fhir_index_parse_reference(ref, &type, &id, &url)) {
        /* a canonical or absolute URL that names no resource still matches by URL */
        if (!fg_str_starts_with(ref, "http://") && !fg_str_starts_with(ref, "https://"))
            return;
        type = id = FG_STR_NULL;
        url = before(ref, '|');
    }
    struct fhir_index_entry *e = fhir_index_add(ctx, def);
    if (e) {
        e->ref_type = type;
        e->ref_id = id;
        e->ref_url = url;
    }
}

static void add_reference_value(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                                const cJSON *node, enum fhir_data_type dt)
{
    if (dt == FHIR_DT_REFERENCE && cJSON_IsObject(node))
        add_reference_string(ctx, def, member(node, "reference"));
    else if (dt == FHIR_DT_CANONICAL || dt == FHIR_DT_URI || dt == FHIR_DT_STRING)
        add_reference_string(ctx, def, node);
}

/* --------------------------------------------------------------- uri */

static void add_uri_value(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                          const cJSON *node)
{
    if (!cJSON_IsString(node) || node->valuestring[0] == '\0')
        return;
    struct fhir_index_entry *e = fhir_index_add(ctx, def);
    if (e)
        e->str = fg_str_c(node->valuestring);
}

void fhir_index_add_value(struct fhir_index_ctx *ctx, const struct fhir_searchparam *def,
                          const cJSON *node, enum fhir_data_type dt)
{
    if (dt == FHIR_DT_UNKNOWN || dt == FHIR_DT_ELEMENT)
        dt = shape_of(node);
    switch (def->type) {
    case FHIR_PARAM_TOKEN:
        add_token_value(ctx, def, node, dt);
        break;
    case FHIR_PARAM_STRING:
        add_string_value(ctx, def, node, dt);
        break;
    case FHIR_PARAM_DATE:
        add_date_value(ctx, def, node, dt);
        break;
    case FHIR_PARAM_NUMBER:
    case FHIR_PARAM_QUANTITY:
        add_quantity_value(ctx, def, node, dt);
        break;
    case FHIR_PARAM_REFERENCE:
        add_reference_value(ctx, def, node, dt);
        break;
    case FHIR_PARAM_URI:
        add_uri_value(ctx, def, node);
        break;
    case FHIR_PARAM_COMPOSITE:
    case FHIR_PARAM_SPECIAL:
        break;
    }
}
