/* st_search.c - the S- checks of the conformance self-test, per US Core
 * profile group of the kit table (checklist §4.2): S-1 values taken from
 * earlier results, S-2 every page of every SHALL search non-empty and
 * every entry matching, S-3 POST _search, S-4 patient=Patient/id, S-5
 * system|code, S-6 date comparators, S-7 comma OR, S-8 status fallback,
 * S-9 _revinclude=Provenance:target, S-10 _include medication, S-11 read.
 * Contract in selftest.h. */
#include <stdarg.h>
#include <string.h>

#include "../core/fg_clock.h"
#include "../fhir/date.h"
#include "selftest.h"

#define MAX_COMBO 6
#define DAY_MS INT64_C(86400000)

struct tally {
    int runs, problems;
    int64_t t0;
    char first[ST_DETAIL_MAX];
};

static void tally_start(struct tally *t)
{
    memset(t, 0, sizeof *t);
    t->t0 = fg_clock_mono_us();
}

static void tally_fail(struct tally *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tally_fail(struct tally *t, const char *fmt, ...)
{
    if (t->problems++)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->first, sizeof t->first, fmt, ap);
    va_end(ap);
    if (n < 0)
        t->first[0] = '\0';
}

/* PASS when it ran without problems, FAIL with the first problem, SKIP
 * with `why` when it never ran. */
static void tally_report(struct st_ctx *c, const struct tally *t, const char *id,
                         const char *group, const char *what, const char *why)
{
    char subject[200], detail[ST_DETAIL_MAX + 40];
    int n = snprintf(subject, sizeof subject, "%s %s", group, what);
    if (n < 0 || (size_t)n >= sizeof subject)
        subject[0] = '\0';
    int64_t us = fg_clock_mono_us() - t->t0;
    if (t->problems) {
        n = snprintf(detail, sizeof detail, "%s%s", t->first, t->problems > 1 ? " (and more)" : "");
        st_report(c, ST_FAIL, id, subject, us, n > 0 ? detail : t->first);
    } else if (!t->runs) {
        st_report(c, ST_SKIP, id, subject, us, why);
    } else {
        n = snprintf(detail, sizeof detail, "%d search(es)", t->runs);
        st_report(c, ST_PASS, id, subject, us, n > 0 ? detail : NULL);
    }
}

static const struct fg_kit_param *param_of(const struct fg_kit_group *g, const char *name)
{
    for (size_t i = 0; i < g->n_params; i++)
        if (strcmp(g->params[i].name, name) == 0)
            return &g->params[i];
    return NULL;
}

/* The parameters of a combination ("patient category date"). */
static size_t combo_params(const struct fg_kit_group *g, const char *combo,
                           const struct fg_kit_param **out)
{
    struct fg_str rest = fg_str_c(combo), w;
    size_t n = 0;
    while (rest.len && n < MAX_COMBO) {
        fg_str_split(rest, ' ', &w, &rest);
        char name[64];
        int k = snprintf(name, sizeof name, "%.*s", (int)w.len, w.ptr);
        const struct fg_kit_param *p = k > 0 && (size_t)k < sizeof name ? param_of(g, name) : NULL;
        if (p)
            out[n++] = p;
    }
    return n;
}

/* Does every match satisfy every pair of the query? Reports the first that does not. */
static bool all_match(const struct st_search *s, const struct fg_kit_param *const *ps,
                      char vals[][ST_VALUE_MAX], size_t n, struct tally *t, const char *q)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, s->matches) {
        for (size_t i = 0; i < n; i++) {
            if (!st_match_param(r, ps[i], vals[i])) {
                const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id");
                tally_fail(t, "?%.120s: %s does not match %s=%s", q,
                           cJSON_IsString(id) ? id->valuestring : "?", ps[i]->name, vals[i]);
                return false;
            }
        }
    }
    return true;
}

static bool build_query(const struct fg_kit_param *const *ps, char vals[][ST_VALUE_MAX], size_t n,
                        char q[ST_QUERY_MAX])
{
    q[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (!st_query_add(q, ps[i]->name, vals[i]))
            return false;
    return true;
}

/* Runs one search and checks S-2 on it; the result is left in s. */
static void checked_search(struct st_ctx *c, const struct fg_kit_group *g,
                           const struct fg_kit_param *const *ps, char vals[][ST_VALUE_MAX],
                           size_t n, bool post, struct tally *t, struct st_search *s)
{
    char q[ST_QUERY_MAX];
    memset(s, 0, sizeof *s);
    if (!build_query(ps, vals, n, q)) {
        tally_fail(t, "%s: a search value is too long", g->resource);
        return;
    }
    st_search_run(c, g->resource, q, post, s);
    bool has_status = false;
    for (size_t i = 0; i < n; i++)
        has_status = has_status || strcmp(ps[i]->name, "status") == 0;
    if (s->status == 400 && s->outcome && param_of(g, "status") && !has_status)
        return; /* S-8: the caller retries with the status values */
    t->runs++;
    if (s->status != 200)
        tally_fail(t, "%s", s->error);
    else
        all_match(s, ps, vals, n, t, q);
}

static const char *patient_of(const cJSON *res, const struct fg_kit_group *g, char *buf, size_t cap)
{
    const struct fg_kit_param *p = param_of(g, "patient");
    char v[ST_VALUE_MAX];
    if (!p || !st_value_for(res, &(struct fg_kit_param){"_ref", "Reference", p->paths, 0, 0, ""},
                            NULL, false, v))
        return NULL;
    const char *slash = strrchr(v, '/');
    int n = snprintf(buf, cap, "%s", slash ? slash + 1 : v);
    return n > 0 && (size_t)n < cap ? buf : NULL;
}

/* What the first search of a group found, for the behaviour checks. */
struct first_run {
    bool have;
    char patient[128];
    const struct fg_kit_param *ps[MAX_COMBO];
    char vals[MAX_COMBO][ST_VALUE_MAX];
    size_t n;
    char ids[ST_QUERY_MAX];
};

/* S-8: a search refused for want of a status: 400 with an OperationOutcome,
 * and the same search with every status value must work. */
static bool status_fallback(const struct fg_kit_group *g, const struct fg_kit_param **ps,
                            char vals[][ST_VALUE_MAX], size_t *n, struct st_search *s,
                            struct tally *t8)
{
    const struct fg_kit_param *st = param_of(g, "status");
    if (s->status != 400 || !s->outcome || !st || !st->values[0] || *n >= MAX_COMBO)
        return false;
    t8->runs++;
    ps[*n] = st;
    int k = snprintf(vals[*n], ST_VALUE_MAX, "%s", st->values);
    for (char *x = vals[*n]; k > 0 && *x; x++)
        if (*x == ' ')
            *x = ',';
    (*n)++;
    st_search_clear(s);
    return true;
}

/* Keeps the first search that found something, for the behaviour checks. */
static void keep_first(struct first_run *fr, const char *pid, const struct fg_kit_param *const *ps,
                       char vals[][ST_VALUE_MAX], size_t n, const cJSON *matches)
{
    if (fr->have || cJSON_GetArraySize(matches) == 0)
        return;
    fr->have = true;
    int k = snprintf(fr->patient, sizeof fr->patient, "%s", pid);
    fr->n = n;
    memcpy(fr->ps, ps, n * sizeof *ps);
    memcpy(fr->vals, vals, n * ST_VALUE_MAX);
    if (k < 0 || !st_ids(matches, fr->ids, sizeof fr->ids))
        fr->ids[0] = '\0';
}

/* One first search: the patient, with the iterated parameter (if any) at
 * value w; adds what it finds to the group and returns how many. */
static int first_one(struct st_ctx *c, size_t gi, const char *pid, const struct fg_kit_param *iter,
                     struct fg_str w, struct first_run *fr, struct tally *t, struct tally *t8)
{
    const struct fg_kit_group *g = &fg_kit_groups[gi];
    const struct fg_kit_param *ps[MAX_COMBO];
    char vals[MAX_COMBO][ST_VALUE_MAX];
    size_t n = combo_params(g, g->searches[0], ps);
    for (size_t i = 0; i < n; i++) {
        int k = ps[i] == iter ? snprintf(vals[i], ST_VALUE_MAX, "%.*s", (int)w.len, w.ptr)
                              : snprintf(vals[i], ST_VALUE_MAX, "%s", pid);
        if (k <= 0 || k >= ST_VALUE_MAX)
            return 0;
    }
    struct st_search s;
    checked_search(c, g, ps, vals, n, false, t, &s);
    if (status_fallback(g, ps, vals, &n, &s, t8))
        checked_search(c, g, ps, vals, n, false, t, &s);
    int found = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, s.matches) {
        st_found_add(c, gi, r);
        found++;
    }
    keep_first(fr, pid, ps, vals, n, s.matches);
    st_search_clear(&s);
    return found;
}

/* The first SHALL search of a group for every patient (iterating the kit's
 * fixed values of its non-patient parameter); collects the group's resources. */
static void first_search(struct st_ctx *c, size_t gi, struct first_run *fr)
{
    const struct fg_kit_group *g = &fg_kit_groups[gi];
    struct tally t, t8;
    tally_start(&t);
    tally_start(&t8);
    const struct fg_kit_param *base[MAX_COMBO], *iter = NULL;
    size_t nb = combo_params(g, g->searches[0], base);
    for (size_t i = 0; i < nb; i++)
        if (base[i]->values[0] && strcmp(base[i]->name, "patient") != 0)
            iter = base[i];
    int found = 0;
    for (size_t pi = 0; pi < c->opt->n_patients; pi++) {
        struct fg_str rest = fg_str_c(iter ? iter->values : "-"), w;
        while (rest.len) {
            fg_str_split(rest, ' ', &w, &rest);
            found += first_one(c, gi, c->opt->patients[pi], iter, w, fr, &t, &t8);
        }
    }
    if (!found && !t.problems)
        t.runs = 0; /* nothing found anywhere: a skip, the kit needs data */
    tally_report(c, &t, "S-2", g->name, g->searches[0], "no resources found for the patients");
    if (t8.runs)
        tally_report(c, &t8, "S-8", g->name, "status fallback", NULL);
}

/* A found resource of the patient whose own values find it by this combination. */
static bool values_from(struct st_ctx *c, size_t gi, const char *pid,
                        const struct fg_kit_param *const *ps, size_t n,
                        char vals[][ST_VALUE_MAX], const cJSON **src)
{
    const struct fg_kit_group *g = &fg_kit_groups[gi];
    const cJSON *r;
    cJSON_ArrayForEach(r, c->found[gi]) {
        char owner[128];
        if (pid && (!patient_of(r, g, owner, sizeof owner) || strcmp(owner, pid) != 0))
            continue;
        bool ok = true;
        for (size_t i = 0; ok && i < n; i++)
            ok = st_value_for(r, ps[i], pid, false, vals[i]) &&
                 (strcmp(ps[i]->name, "patient") == 0 || st_match_param(r, ps[i], vals[i]));
        if (ok) {
            *src = r;
            return true;
        }
    }
    return false;
}

/* S-2 for every further SHALL combination, for every patient with data. */
static void other_searches(struct st_ctx *c, size_t gi)
{
    const struct fg_kit_group *g = &fg_kit_groups[gi];
    for (size_t si = 1; si < g->n_searches; si++) {
        struct tally t;
        tally_start(&t);
        const struct fg_kit_param *ps[MAX_COMBO];
        size_t n = combo_params(g, g->searches[si], ps);
        bool has_patient = param_of(g, "patient") && strstr(g->searches[si], "patient");
        size_t np = has_patient ? c->opt->n_patients : 1;
        for (size_t pi = 0; pi < np; pi++) {
            char vals[MAX_COMBO][ST_VALUE_MAX];
            const cJSON *src = NULL;
            if (!values_from(c, gi, has_patient ? c->opt->patients[pi] : NULL, ps, n, vals, &src))
                continue;
            struct st_search s;
            checked_search(c, g, ps, vals, n, false, &t, &s);
            if (s.status == 200 && cJSON_GetArraySize(s.matches) == 0)
                tally_fail(&t, "%s %s: no results for values taken from %s", g->resource,
                           g->searches[si], cJSON_GetObjectItemCaseSensitive(src, "id")->valuestring);
            st_search_clear(&s);
        }
        tally_report(c, &t, "S-2", g->name, g->searches[si], "no resource gives values for it");
    }
}

/* S-3 and S-4: the first search by POST _search and with patient=Patient/id
 * return the same resources. */
static void same_results(struct st_ctx *c, size_t gi, const struct first_run *fr)
{
    const struct fg_kit_group *g = &fg_kit_groups[gi];
    for (int variant = 0; variant < 2; variant++) {
        struct tally t;
        tally_start(&t);
        char vals[MAX_COMBO][ST_VALUE_MAX], ids[ST_QUERY_MAX];
        bool has_patient = false;
        memcpy(vals, fr->vals, sizeof vals);
        for (size_t i = 0; i < fr->n; i++) {
            if (variant == 1 && strcmp(fr->ps[i]->name, "patient") == 0) {
                has_patient = true;
                int k = snprintf(vals[i], ST_VALUE_MAX, "Patient/%s", fr->patient);
                if (k < 0 || k >= ST_VALUE_MAX)
                    vals[i][0] = '\0';
            }
        }
        if (variant == 1 && !has_patient)
            continue;
        struct st_search s;
        checked_search(c, g, fr->ps, vals, fr->n, variant == 0, &t, &s);
        if (s.status == 200 && st_ids(s.matches, ids, sizeof ids) && strcmp(ids, fr->ids) != 0)
            tally_fail(&t, "%s gave [%.100s], GET gave [%.100s]",
                       variant ? "patient=Patient/id" : "POST _search", ids, fr->ids);
        st_search_clear(&s);
        tally_report(c, &t, variant ? "S-4" : "S-3", g->name,
                     variant ? "patient=Patient/id" : "POST _search", NULL);
    }
}

/* Replaces parameter p's value in a copy of the query values. */
static void with_value(char dst[][ST_VALUE_MAX], char src[][ST_VALUE_MAX], size_t n, size_t which,
                       const char *v)
{
    memcpy(dst, src, n * ST_VALUE_MAX);
    int k = snprintf(dst[which], ST_VALUE_MAX, "%s", v);
    if (k < 0 || k >= ST_VALUE_MAX)
        dst[which][0] = '\0';
}

/* A comparator search value a day before (g*) or after (l*) a date. */
static bool shifted(const char *cmp, const char *value, char out[ST_VALUE_MAX])
{
    struct fhir_date_range r;
    const char *v = value[0] == 'g' && value[1] == 'e' ? value + 2 : value;
    if (fhir_date_parse(fg_str_c(v), &r) != FG_OK)
        return false;
    int64_t ms = r.lo + (cmp[0] == 'g' ? -DAY_MS : DAY_MS);
    char when[FG_INSTANT_MAX];
    fg_clock_format_instant(ms * 1000, when);
    int k = snprintf(out, ST_VALUE_MAX, "%s%s", cmp, when);
    return k > 0 && k < ST_VALUE_MAX;
}

static bool contains_id(const cJSON *arr, const cJSON *res)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(res, "id"), *r;
    cJSON_ArrayForEach(r, arr) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(r, "id");
        if (cJSON_IsString(x) && cJSON_IsString(id) && strcmp(x->valuestring, id->valuestring) == 0)
            return true;
    }
    return false;
}

/* One SHALL combination with values taken from a found resource. */
struct combo {
    const struct fg_kit_group *g;
    const struct fg_kit_param *ps[MAX_COMBO];
    char vals[MAX_COMBO][ST_VALUE_MAX];
    size_t n;
    const char *pid;  /* the patient value, or NULL */
    const cJSON *src; /* the resource the values came from */
};

/* The combination's search with parameter i set to value: it must pass S-2
 * and find the resource the values came from. */
static void variant_search(struct st_ctx *c, const struct combo *cb, size_t i, const char *value,
                           struct tally *t)
{
    char v2[MAX_COMBO][ST_VALUE_MAX];
    struct st_search s;
    with_value(v2, (char(*)[ST_VALUE_MAX])cb->vals, cb->n, i, value);
    checked_search(c, cb->g, cb->ps, v2, cb->n, false, t, &s);
    if (s.status == 200 && !contains_id(s.matches, cb->src))
        tally_fail(t, "%s=%.80s misses the resource it came from", cb->ps[i]->name, value);
    st_search_clear(&s);
}

/* Values for the si-th combination from the first patient (or resource) that has them. */
static bool combo_for(struct st_ctx *c, size_t gi, size_t si, struct combo *cb)
{
    const struct fg_kit_group *g = &fg_kit_groups[gi];
    memset(cb, 0, sizeof *cb);
    cb->g = g;
    cb->n = combo_params(g, g->searches[si], cb->ps);
    bool has_patient = strstr(g->searches[si], "patient") != NULL;
    for (size_t pi = 0; !cb->src && pi < (has_patient ? c->opt->n_patients : 1); pi++)
        if (!values_from(c, gi, has_patient ? c->opt->patients[pi] : NULL, cb->ps, cb->n,
                         cb->vals, &cb->src))
            cb->src = NULL;
    for (size_t i = 0; cb->src && i < cb->n; i++)
        if (strcmp(cb->ps[i]->name, "patient") == 0)
            cb->pid = cb->vals[i];
    return cb->src != NULL;
}

/* S-5, S-6, S-7 over every SHALL combination: system|code tokens, the
 * SHALL comparators a day either side, comma OR of the fixed values. */
static void variants(struct st_ctx *c, size_t gi)
{
    static const unsigned bits[] = {FG_KIT_GT, FG_KIT_GE, FG_KIT_LT, FG_KIT_LE};
    static const char *const cmps[] = {"gt", "ge", "lt", "le"};
    const struct fg_kit_group *g = &fg_kit_groups[gi];
    struct tally t5, t6, t7;
    struct combo cb;
    char v[ST_VALUE_MAX];
    tally_start(&t5);
    tally_start(&t6);
    tally_start(&t7);
    for (size_t si = 0; si < g->n_searches; si++) {
        if (!combo_for(c, gi, si, &cb))
            continue;
        for (size_t i = 0; i < cb.n; i++) {
            const struct fg_kit_param *p = cb.ps[i];
            if (st_param_is_token(p) && st_value_for(cb.src, p, cb.pid, true, v) && strchr(v, '|'))
                variant_search(c, &cb, i, v, &t5);
            for (int k = 0; k < 4 && st_param_is_date(p); k++)
                if ((p->comparators & bits[k]) && shifted(cmps[k], cb.vals[i], v))
                    variant_search(c, &cb, i, v, &t6);
            if (p->multiple_or && p->values[0]) {
                int w = snprintf(v, sizeof v, "%s", p->values);
                for (char *x = v; w > 0 && *x; x++)
                    if (*x == ' ')
                        *x = ',';
                variant_search(c, &cb, i, v, &t7);
            }
        }
    }
    if (t5.runs || t5.problems)
        tally_report(c, &t5, "S-5", g->name, "system|code", NULL);
    if (t6.runs || t6.problems)
        tally_report(c, &t6, "S-6", g->name, "date comparators", NULL);
    if (t7.runs || t7.problems)
        tally_report(c, &t7, "S-7", g->name, "comma OR", NULL);
}

/* The first search again with name=value added; false (with t failed) if too long. */
static bool first_plus(struct st_ctx *c, const struct fg_kit_group *g, const struct first_run *fr,
                       const char *name, const char *value, struct tally *t, struct st_search *s)
{
    char q[ST_QUERY_MAX];
    memset(s, 0, sizeof *s);
    t->runs++;
    if (!build_query(fr->ps, (char(*)[ST_VALUE_MAX])fr->vals, fr->n, q) ||
        !st_query_add(q, name, value)) {
        tally_fail(t, "the query is too long");
        return false;
    }
    st_search_run(c, g->resource, q, false, s);
    if (s->status != 200)
        tally_fail(t, "%s", s->error);
    return s->status == 200;
}

/* S-9: _revinclude=Provenance:target answers (200, matches unchanged) and
 * yields Provenance; without any the kit skips (the data lacks it). */
static void revinclude(struct st_ctx *c, const struct fg_kit_group *g, const struct first_run *fr)
{
    struct tally t;
    struct st_search s;
    char ids[ST_QUERY_MAX];
    int prov = 0;
    tally_start(&t);
    if (first_plus(c, g, fr, "_revinclude", "Provenance:target", &t, &s)) {
        const cJSON *r;
        cJSON_ArrayForEach(r, s.included) {
            const char *rt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "resourceType"));
            prov += rt && strcmp(rt, "Provenance") == 0;
        }
        if (st_ids(s.matches, ids, sizeof ids) && strcmp(ids, fr->ids) != 0)
            tally_fail(&t, "%s: _revinclude changed the matches", g->resource);
    }
    st_search_clear(&s);
    if (!prov && !t.problems)
        t.runs = 0;
    tally_report(c, &t, "S-9", g->name, "_revinclude=Provenance:target",
                 "no Provenance targets the results");
}

static const char *medication_ref(const cJSON *request)
{
    const char *ref = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(request, "medicationReference"), "reference"));
    return ref && ref[0] != '#' && strrchr(ref, '/') ? ref : NULL; /* contained #med: nothing to include */
}

/* Every external Medication a request names is included, and every included
 * Medication is named by a request. */
static void check_included(const struct st_search *s, struct tally *t)
{
    const cJSON *r, *m;
    cJSON_ArrayForEach(r, s->matches) {
        const char *ref = medication_ref(r);
        bool have = !ref;
        cJSON_ArrayForEach(m, s->included) {
            const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "id"));
            have = have || (id && strcmp(id, strrchr(ref, '/') + 1) == 0);
        }
        if (!have)
            tally_fail(t, "%s not included", ref);
    }
    cJSON_ArrayForEach(m, s->included) {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(m, "id"));
        bool named = false;
        cJSON_ArrayForEach(r, s->matches) {
            const char *ref = medication_ref(r);
            named = named || (ref && id && strcmp(strrchr(ref, '/') + 1, id) == 0);
        }
        if (!named)
            tally_fail(t, "included Medication/%s is named by no match", id ? id : "?");
    }
}

/* The first search for patient pid with every fixed value of its other
 * parameters OR-ed (intent=proposal,plan,order,...): all the patient's
 * resources the first search reaches. */
static void widen(const struct first_run *fr, const char *pid, struct first_run *out)
{
    *out = *fr;
    for (size_t i = 0; i < out->n; i++) {
        const struct fg_kit_param *p = out->ps[i];
        int k = strcmp(p->name, "patient") == 0 ? snprintf(out->vals[i], ST_VALUE_MAX, "%s", pid)
                : p->values[0] ? snprintf(out->vals[i], ST_VALUE_MAX, "%s", p->values)
                               : 0;
        for (char *x = out->vals[i]; k > 0 && *x; x++)
            if (*x == ' ')
                *x = ',';
    }
}

/* S-10: _include=X:medication, for each patient: every external Medication
 * a request names is included, and every included Medication is named by
 * a request. */
static void include_medication(struct st_ctx *c, const struct fg_kit_group *g,
                               const struct first_run *fr, const char *inc)
{
    struct tally t;
    tally_start(&t);
    for (size_t pi = 0; pi < c->opt->n_patients; pi++) {
        struct first_run wide;
        struct st_search s;
        widen(fr, c->opt->patients[pi], &wide);
        if (first_plus(c, g, &wide, "_include", inc, &t, &s))
            check_included(&s, &t);
        st_search_clear(&s);
    }
    tally_report(c, &t, "S-10", g->name, inc, NULL);
}

/* S-9 and S-10 on the first search. */
static void includes(struct st_ctx *c, size_t gi, const struct first_run *fr)
{
    const struct fg_kit_group *g = &fg_kit_groups[gi];
    if (strstr(g->revincludes, "Provenance:target"))
        revinclude(c, g, fr);
    struct fg_str rest = fg_str_c(g->includes), w;
    while (rest.len) {
        fg_str_split(rest, ' ', &w, &rest);
        char inc[128];
        int k = snprintf(inc, sizeof inc, "%.*s", (int)w.len, w.ptr);
        if (k > 0 && (size_t)k < sizeof inc && strstr(inc, ":medication"))
            include_medication(c, g, fr, inc);
    }
}

/* S-11: read of (up to five of) the group's resources. */
static void reads(struct st_ctx *c, size_t gi)
{
    const struct fg_kit_group *g = &fg_kit_groups[gi];
    struct tally t;
    tally_start(&t);
    const cJSON *r;
    cJSON_ArrayForEach(r, c->found[gi]) {
        if (t.runs == 5)
            break;
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "id"));
        char path[300];
        int k = id ? snprintf(path, sizeof path, "%s/%s", g->resource, id) : -1;
        if (k < 0 || (size_t)k >= sizeof path)
            continue;
        struct st_response resp;
        st_http_get(c->http, path, &resp);
        t.runs++;
        const char *rt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(resp.json, "resourceType"));
        const char *rid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(resp.json, "id"));
        if (resp.status != 200 || !rt || !rid || strcmp(rt, g->resource) != 0 || strcmp(rid, id) != 0)
            tally_fail(&t, "GET %s: status %ld %s", path, resp.status, resp.error);
        st_response_clear(&resp);
    }
    tally_report(c, &t, "S-11", g->name, "read", "nothing found to read");
}

void st_check_searches(struct st_ctx *c)
{
    for (size_t gi = 0; gi < fg_kit_groups_len; gi++) {
        const struct fg_kit_group *g = &fg_kit_groups[gi];
        if (!g->required || g->delayed || !g->n_searches)
            continue;
        struct first_run fr;
        memset(&fr, 0, sizeof fr);
        first_search(c, gi, &fr);
        other_searches(c, gi);
        if (fr.have) {
            same_results(c, gi, &fr);
            variants(c, gi);
            includes(c, gi, &fr);
        }
        reads(c, gi);
    }
}

/* ---- delayed groups: reached through references ---------------------------- */

static void collect_refs(const cJSON *node, const char *type, cJSON *out)
{
    const cJSON *x;
    cJSON_ArrayForEach(x, node) {
        if (x->string && strcmp(x->string, "reference") == 0 && cJSON_IsString(x)) {
            size_t tl = strlen(type);
            const char *r = x->valuestring;
            const char *hit = strstr(r, type);
            if (hit && (hit == r || hit[-1] == '/') && hit[tl] == '/' && !strchr(hit + tl + 1, '/') &&
                !cJSON_GetObjectItemCaseSensitive(out, hit))
                cJSON_AddTrueToObject(out, hit);
        } else if (cJSON_IsObject(x) || cJSON_IsArray(x)) {
            collect_refs(x, type, out);
        }
    }
}

/* Reads what the seen resources reference of the group's type (and takes
 * what searches already returned of it, e.g. included Provenance). */
static void gather(struct st_ctx *c, size_t gi)
{
    const struct fg_kit_group *g = &fg_kit_groups[gi];
    cJSON *refs = cJSON_CreateObject();
    const cJSON *r;
    cJSON_ArrayForEach(r, c->seen) {
        const char *rt = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "resourceType"));
        if (rt && strcmp(rt, g->resource) == 0)
            st_found_add(c, gi, r);
        else
            collect_refs(r, g->resource, refs);
    }
    int read = 0;
    cJSON_ArrayForEach(r, refs) {
        if (read++ == 20)
            break;
        struct st_response resp;
        st_http_get(c->http, r->string, &resp);
        if (resp.status == 200 && cJSON_IsObject(resp.json))
            st_found_add(c, gi, resp.json);
        st_response_clear(&resp);
    }
    cJSON_Delete(refs);
}

void st_check_delayed(struct st_ctx *c)
{
    for (size_t gi = 0; gi < fg_kit_groups_len; gi++) {
        const struct fg_kit_group *g = &fg_kit_groups[gi];
        if (!g->required || !g->delayed)
            continue;
        gather(c, gi);
        reads(c, gi);
        for (size_t si = 0; si < g->n_searches; si++) {
            struct tally t;
            tally_start(&t);
            const struct fg_kit_param *ps[MAX_COMBO];
            char vals[MAX_COMBO][ST_VALUE_MAX];
            size_t n = combo_params(g, g->searches[si], ps);
            const cJSON *src = NULL;
            if (values_from(c, gi, NULL, ps, n, vals, &src)) {
                struct st_search s;
                checked_search(c, g, ps, vals, n, false, &t, &s);
                if (s.status == 200 && !contains_id(s.matches, src))
                    tally_fail(&t, "%s %s misses the resource it came from", g->resource,
                               g->searches[si]);
                st_search_clear(&s);
            }
            tally_report(c, &t, "S-2", g->name, g->searches[si], "no resource gives values for it");
        }
    }
}
