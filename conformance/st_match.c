/* st_match.c - FHIR search semantics for the self-test; contract in st_match.h. */
#include "st_match.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/fg_str.h"
#include "../fhir/date.h"
#include "validate_internal.h"

#define WHERE_PREFIX "extension.where(url='"

static bool copy_out(char out[ST_VALUE_MAX], const char *a, const char *b)
{
    int n = snprintf(out, ST_VALUE_MAX, "%s%s", a, b ? b : "");
    return n > 0 && n < ST_VALUE_MAX;
}

static void push(const cJSON *v, const cJSON **out, size_t cap, size_t *n)
{
    if (cJSON_IsArray(v)) {
        const cJSON *x;
        cJSON_ArrayForEach(x, v) push(x, out, cap, n);
    } else if (v && *n < cap) {
        out[(*n)++] = v;
    }
}

/* extension.where(url='U').value: the value[x] of the extensions with url U. */
static size_t where_values(const cJSON *res, const char *path, const cJSON **out, size_t cap)
{
    const char *u = path + strlen(WHERE_PREFIX);
    const char *q = strchr(u, '\'');
    size_t n = 0;
    const cJSON *e;
    if (!q)
        return 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(res, "extension")) {
        const cJSON *url = cJSON_GetObjectItemCaseSensitive(e, "url");
        if (!cJSON_IsString(url) || strlen(url->valuestring) != (size_t)(q - u) ||
            strncmp(url->valuestring, u, (size_t)(q - u)) != 0)
            continue;
        const cJSON *x;
        cJSON_ArrayForEach(x, e) if (x->string && strncmp(x->string, "value", 5) == 0)
            push(x, out, cap, &n);
    }
    return n;
}

size_t st_values_at(const cJSON *res, const char *path, const cJSON **out, size_t cap)
{
    if (strncmp(path, WHERE_PREFIX, strlen(WHERE_PREFIX)) == 0)
        return where_values(res, path, out, cap);
    const cJSON *cur[ST_MAX_VALUES], *next[ST_MAX_VALUES];
    size_t n_cur = 1, n_next;
    cur[0] = res;
    struct fg_str rest = fg_str_c(path), step;
    while (rest.len && n_cur) {
        fg_str_split(rest, '.', &step, &rest);
        n_next = 0;
        for (size_t i = 0; i < n_cur; i++) {
            const cJSON *x;
            cJSON_ArrayForEach(x, cur[i]) {
                if (!x->string || strncmp(x->string, step.ptr, step.len) != 0)
                    continue;
                char c = x->string[step.len];
                if (c == '\0' || (c >= 'A' && c <= 'Z'))
                    push(x, next, ST_MAX_VALUES, &n_next);
            }
        }
        memcpy(cur, next, n_next * sizeof *cur);
        n_cur = n_next;
    }
    size_t n = n_cur < cap ? n_cur : cap;
    memcpy(out, cur, n * sizeof *out);
    return n;
}

static bool type_in(const struct fg_kit_param *p, const char *const *types)
{
    for (; *types; types++)
        if (strcmp(p->type, *types) == 0)
            return true;
    return false;
}

bool st_param_is_date(const struct fg_kit_param *p)
{
    static const char *const t[] = {"date", "dateTime", "instant", "Period", NULL};
    return type_in(p, t);
}

bool st_param_is_string(const struct fg_kit_param *p)
{
    static const char *const t[] = {"HumanName", "Address", "string",
                                    "http://hl7.org/fhirpath/System.String", NULL};
    return type_in(p, t);
}

bool st_param_is_token(const struct fg_kit_param *p)
{
    return !st_param_is_date(p) && !st_param_is_string(p) && strcmp(p->type, "Reference") != 0 &&
           strcmp(p->name, "_id") != 0;
}

static const char *str_of(const cJSON *o, const char *name)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(x) ? x->valuestring : NULL;
}

/* ---- one alternative against one node ---------------------------------- */

static const char *last_slash(const char *p, size_t n)
{
    while (n--)
        if (p[n] == '/')
            return p + n;
    return NULL;
}

static bool ref_matches(const cJSON *node, struct fg_str want, bool patient)
{
    const char *r = str_of(node, "reference");
    if (!r)
        return false;
    char tail[ST_VALUE_MAX];
    /* the last two segments of an absolute URL; "Patient/" before a bare id */
    const char *slash = last_slash(want.ptr, want.len);
    if (slash && slash != want.ptr) {
        const char *prev = last_slash(want.ptr, (size_t)(slash - want.ptr));
        if (prev)
            want = fg_str_n(prev + 1, want.len - (size_t)(prev + 1 - want.ptr));
    }
    int n = snprintf(tail, sizeof tail, "%s%.*s", slash || !patient ? "" : "Patient/",
                     (int)want.len, want.ptr);
    if (n < 0 || (size_t)n >= sizeof tail)
        return false;
    size_t rl = strlen(r), tl = (size_t)n;
    return rl >= tl && strcmp(r + rl - tl, tail) == 0 && (rl == tl || r[rl - tl - 1] == '/');
}

static bool eq_ci(const char *a, struct fg_str b)
{
    return a && strlen(a) == b.len && strncasecmp(a, b.ptr, b.len) == 0;
}

static bool coding_matches(const char *system, const char *code, struct fg_str sys, bool has_sys,
                           struct fg_str want)
{
    if (has_sys && !(system ? strlen(system) == sys.len && strncmp(system, sys.ptr, sys.len) == 0
                            : sys.len == 0))
        return false;
    return want.len == 0 || eq_ci(code, want);
}

static bool token_matches(const cJSON *node, struct fg_str v)
{
    struct fg_str sys = FG_STR_NULL, code = v;
    bool has_sys = memchr(v.ptr, '|', v.len) != NULL;
    if (has_sys)
        fg_str_split(v, '|', &sys, &code);
    if (cJSON_IsString(node))
        return !has_sys && eq_ci(node->valuestring, code);
    if (cJSON_IsBool(node))
        return !has_sys && eq_ci(cJSON_IsTrue(node) ? "true" : "false", code);
    const cJSON *codings = cJSON_GetObjectItemCaseSensitive(node, "coding");
    if (codings) {
        const cJSON *c;
        cJSON_ArrayForEach(c, codings) if (coding_matches(str_of(c, "system"), str_of(c, "code"),
                                                          sys, has_sys, code)) return true;
        return false;
    }
    if (str_of(node, "value") && !str_of(node, "code")) /* Identifier */
        return coding_matches(str_of(node, "system"), str_of(node, "value"), sys, has_sys, code);
    return coding_matches(str_of(node, "system"), str_of(node, "code"), sys, has_sys, code);
}

static bool prefix_ci(const char *s, struct fg_str want)
{
    return s && strlen(s) >= want.len && strncasecmp(s, want.ptr, want.len) == 0;
}

static bool string_matches(const cJSON *node, struct fg_str v)
{
    static const char *const parts[] = {"text", "family", "given", "prefix", "suffix", "line",
                                        "city", "district", "state", "postalCode", "country", NULL};
    if (cJSON_IsString(node))
        return prefix_ci(node->valuestring, v);
    for (size_t i = 0; parts[i]; i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(node, parts[i]), *y;
        const cJSON *list = cJSON_IsArray(x) ? x : NULL;
        if (cJSON_IsString(x) && prefix_ci(x->valuestring, v))
            return true;
        cJSON_ArrayForEach(y, list) if (cJSON_IsString(y) && prefix_ci(y->valuestring, v))
            return true;
    }
    return false;
}

static bool node_range(const cJSON *node, int64_t *lo, int64_t *hi)
{
    struct fhir_date_range r;
    if (cJSON_IsString(node)) {
        if (fhir_date_parse(fg_str_c(node->valuestring), &r) != FG_OK)
            return false;
        *lo = r.lo;
        *hi = r.hi;
        return true;
    }
    const char *s = str_of(node, "start"), *e = str_of(node, "end");
    if (!s && !e)
        return false;
    *lo = FHIR_DATE_MIN;
    *hi = FHIR_DATE_MAX;
    if (s && fhir_date_parse(fg_str_c(s), &r) == FG_OK)
        *lo = r.lo;
    if (e && fhir_date_parse(fg_str_c(e), &r) == FG_OK)
        *hi = r.hi;
    return true;
}

static bool date_matches(const cJSON *node, struct fg_str v)
{
    static const char *const prefixes[] = {"eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap"};
    int pf = 0;
    for (int i = 0; i < 9 && v.len > 2; i++)
        if (strncmp(v.ptr, prefixes[i], 2) == 0) {
            pf = i;
            v = fg_str_n(v.ptr + 2, v.len - 2);
        }
    struct fhir_date_range s;
    int64_t lo, hi;
    if (fhir_date_parse(v, &s) != FG_OK || !node_range(node, &lo, &hi))
        return false;
    bool contains = lo >= s.lo && hi <= s.hi;
    switch (pf) {
    case 0: return contains;
    case 1: return !contains;
    case 2: return hi > s.hi;
    case 3: return lo < s.lo;
    case 4: return hi >= s.lo; /* overlaps [value, +inf) */
    case 5: return lo <= s.hi; /* overlaps (-inf, value] */
    case 6: return lo > s.hi;
    case 7: return hi < s.lo;
    default: return hi >= s.lo && lo <= s.hi;
    }
}

static bool alt_matches(const cJSON *res, const struct fg_kit_param *p, struct fg_str alt)
{
    if (strcmp(p->name, "_id") == 0)
        return eq_ci(str_of(res, "id"), alt);
    struct fg_str paths = fg_str_c(p->paths), path;
    while (paths.len) {
        fg_str_split(paths, ' ', &path, &paths);
        char pbuf[ST_VALUE_MAX];
        const cJSON *nodes[ST_MAX_VALUES];
        int w = snprintf(pbuf, sizeof pbuf, "%.*s", (int)path.len, path.ptr);
        if (w < 0 || (size_t)w >= sizeof pbuf)
            continue;
        size_t n = st_values_at(res, pbuf, nodes, ST_MAX_VALUES);
        for (size_t i = 0; i < n; i++) {
            bool m = strcmp(p->type, "Reference") == 0 ? ref_matches(nodes[i], alt, strcmp(p->name, "patient") == 0)
                     : st_param_is_date(p)               ? date_matches(nodes[i], alt)
                     : st_param_is_string(p)             ? string_matches(nodes[i], alt)
                                                         : token_matches(nodes[i], alt);
            if (m)
                return true;
        }
    }
    return false;
}

bool st_match_param(const cJSON *res, const struct fg_kit_param *p, const char *value)
{
    struct fg_str rest = fg_str_c(value), alt;
    while (rest.len) {
        fg_str_split(rest, ',', &alt, &rest);
        if (alt.len && alt_matches(res, p, alt))
            return true;
    }
    return false;
}

/* ---- choosing values ----------------------------------------------------- */

static bool in_words(const char *words, const char *w)
{
    struct fg_str rest = fg_str_c(words), x;
    while (rest.len) {
        fg_str_split(rest, ' ', &x, &rest);
        if (w && strlen(w) == x.len && strncmp(w, x.ptr, x.len) == 0)
            return true;
    }
    return false;
}

/* The coding to search a token by: one of p's fixed values if present. */
static bool token_value(const cJSON **nodes, size_t n, const struct fg_kit_param *p,
                        bool with_system, char out[ST_VALUE_MAX])
{
    const char *best_sys = NULL, *best_code = NULL;
    for (size_t i = 0; i < n && !(best_code && in_words(p->values, best_code)); i++) {
        const cJSON *codings = cJSON_GetObjectItemCaseSensitive(nodes[i], "coding"), *c;
        const cJSON *one[1] = {nodes[i]};
        if (cJSON_IsString(nodes[i])) {
            if (!best_code || in_words(p->values, nodes[i]->valuestring)) {
                best_sys = NULL;
                best_code = nodes[i]->valuestring;
            }
            continue;
        }
        cJSON_ArrayForEach(c, codings) {
            const char *code = str_of(c, "code");
            if (code && (!best_code || in_words(p->values, code))) {
                best_sys = str_of(c, "system");
                best_code = code;
            }
        }
        if (!codings) {
            const char *code = str_of(one[0], "code") ? str_of(one[0], "code") : str_of(one[0], "value");
            if (code && (!best_code || in_words(p->values, code))) {
                best_sys = str_of(one[0], "system");
                best_code = code;
            }
        }
    }
    if (!best_code)
        return false;
    if (with_system && best_sys) {
        int k = snprintf(out, ST_VALUE_MAX, "%s|%s", best_sys, best_code);
        return k > 0 && k < ST_VALUE_MAX;
    }
    return copy_out(out, best_code, NULL);
}

static bool date_value(const cJSON *res, const struct fg_kit_param *p, const cJSON *node,
                       char out[ST_VALUE_MAX])
{
    if (cJSON_IsString(node))
        return copy_out(out, node->valuestring, NULL);
    const char *s = str_of(node, "start");
    char day[11];
    if (!s || strlen(s) < 10)
        return false;
    memcpy(day, s, 10);
    day[10] = '\0';
    /* A Period within its start day is found by that day; a longer one
     * cannot equal any day (range semantics): ge its start day. */
    return copy_out(out, st_match_param(res, p, day) ? "" : "ge", day);
}

bool st_value_for(const cJSON *res, const struct fg_kit_param *p, const char *patient,
                  bool with_system, char out[ST_VALUE_MAX])
{
    if (strcmp(p->name, "patient") == 0)
        return patient && copy_out(out, patient, NULL);
    if (strcmp(p->name, "_id") == 0)
        return str_of(res, "id") && copy_out(out, str_of(res, "id"), NULL);
    const cJSON *nodes[ST_MAX_VALUES];
    size_t n = 0;
    struct fg_str paths = fg_str_c(p->paths), path;
    while (paths.len && n < ST_MAX_VALUES) {
        fg_str_split(paths, ' ', &path, &paths);
        char pbuf[ST_VALUE_MAX];
        int w = snprintf(pbuf, sizeof pbuf, "%.*s", (int)path.len, path.ptr);
        if (w > 0 && (size_t)w < sizeof pbuf)
            n += st_values_at(res, pbuf, nodes + n, ST_MAX_VALUES - n);
    }
    if (!n)
        return false;
    if (strcmp(p->type, "Reference") == 0)
        return str_of(nodes[0], "reference") && copy_out(out, str_of(nodes[0], "reference"), NULL);
    if (st_param_is_date(p))
        return date_value(res, p, nodes[0], out);
    if (st_param_is_string(p)) {
        const char *s = cJSON_IsString(nodes[0]) ? nodes[0]->valuestring : str_of(nodes[0], "family");
        if (!s)
            s = str_of(nodes[0], "city");
        return s && copy_out(out, s, NULL);
    }
    return token_value(nodes, n, p, with_system, out);
}

/* ---- Must Support items ------------------------------------------------------ */

static bool contains_any(const cJSON *value, const cJSON *alternatives)
{
    const cJSON *a;
    cJSON_ArrayForEach(a, alternatives) if (fg_vjson_contains(value, a)) return true;
    return false;
}

static bool ms_walk(const cJSON *node, const struct fg_kit_ms *m, size_t k, const cJSON *fixed,
                    cJSON *const *matches)
{
    if (k == m->n_steps)
        return !fixed || cJSON_Compare(node, fixed, true);
    const char *name = m->steps[k].name;
    size_t nl = strlen(name);
    bool any_type = nl > 3 && strcmp(name + nl - 3, "[x]") == 0;
    if (any_type)
        nl -= 3;
    const cJSON *x;
    cJSON_ArrayForEach(x, node) {
        if (!x->string || strncmp(x->string, name, nl) != 0)
            continue;
        char c = x->string[nl];
        if (any_type ? !(c >= 'A' && c <= 'Z') : c != '\0')
            continue;
        const cJSON *item = cJSON_IsArray(x) ? x->child : x;
        for (; item; item = cJSON_IsArray(x) ? item->next : NULL) {
            if (matches[k] && !contains_any(item, matches[k]))
                continue;
            if (ms_walk(item, m, k + 1, fixed, matches))
                return true;
        }
    }
    return false;
}

bool st_ms_shown(const cJSON *res, const struct fg_kit_ms *m)
{
    cJSON *matches[ST_MS_MAX_STEPS] = {0};
    cJSON *fixed = m->fixed ? cJSON_Parse(m->fixed) : NULL;
    bool ok = m->n_steps <= ST_MS_MAX_STEPS && (!m->fixed || fixed);
    for (size_t i = 0; ok && i < m->n_steps; i++)
        if (m->steps[i].match && !(matches[i] = cJSON_Parse(m->steps[i].match)))
            ok = false;
    bool shown = ok && ms_walk(res, m, 0, fixed, matches);
    for (size_t i = 0; i < ST_MS_MAX_STEPS; i++)
        cJSON_Delete(matches[i]);
    cJSON_Delete(fixed);
    return shown;
}
