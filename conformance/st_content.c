/* st_content.c - the C-, M- and U- checks of the conformance self-test
 * (checklist §4.1, §4.4, §4.6): the CapabilityStatement, validation of
 * what was returned, Must Support coverage, reference resolution, missing
 * data, clinical notes, screening and assessment categories, Practitioner
 * address, and $docref. Contract in selftest.h. */
#include <stdarg.h>
#include <string.h>

#include "../core/fg_clock.h"
#include "../core/fg_mem.h"
#include "../core/fg_pool.h"
#include "selftest.h"
#include "validate.h"

#define DAR_SYSTEM "http://terminology.hl7.org/CodeSystem/data-absent-reason"
#define DAR_EXT "http://hl7.org/fhir/StructureDefinition/data-absent-reason"

static void result(struct st_ctx *c, bool ok, const char *id, const char *subject, int64_t t0,
                   const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void result(struct st_ctx *c, bool ok, const char *id, const char *subject, int64_t t0,
                   const char *fmt, ...)
{
    char detail[ST_DETAIL_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    st_report(c, ok ? ST_PASS : ST_FAIL, id, subject, fg_clock_mono_us() - t0,
              n > 0 ? detail : NULL);
}

static const char *str(const cJSON *o, const char *name)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
}

/* C-1 (metadata without a token) and C-2 (every required profile). */
bool st_check_capability(struct st_ctx *c)
{
    int64_t t0 = fg_clock_mono_us();
    struct st_response r;
    st_http_get(c->anon, "metadata", &r);
    const cJSON *cs = r.json, *f;
    bool json = false;
    cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(cs, "format")) {
        const char *v = cJSON_GetStringValue(f);
        json = json || (v && strstr(v, "json"));
    }
    bool ok = r.status == 200 && str(cs, "resourceType") &&
              strcmp(str(cs, "resourceType"), "CapabilityStatement") == 0 && str(cs, "fhirVersion") &&
              strcmp(str(cs, "fhirVersion"), "4.0.1") == 0 && json;
    if (!r.status)
        result(c, false, "C-1", "GET metadata without a token", t0, "%s", r.error);
    else
        result(c, ok, "C-1", "GET metadata without a token", t0, "status %ld, fhirVersion %s%s",
               r.status, str(cs, "fhirVersion") ? str(cs, "fhirVersion") : "-",
               json ? "" : ", no json format");
    t0 = fg_clock_mono_us();
    char missing[ST_DETAIL_MAX] = "";
    int n_missing = 0, n_required = 0;
    for (size_t gi = 0; gi < fg_kit_groups_len; gi++) {
        const struct fg_kit_group *g = &fg_kit_groups[gi];
        if (!g->required)
            continue;
        n_required++;
        bool found = false;
        const cJSON *res, *p;
        cJSON_ArrayForEach(res, cJSON_GetObjectItemCaseSensitive(
                                    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cs, "rest"), 0),
                                    "resource")) {
            cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(res, "supportedProfile")) {
                const char *v = cJSON_GetStringValue(p);
                size_t l = strlen(g->profile);
                found = found || (v && strncmp(v, g->profile, l) == 0 && (v[l] == '\0' || v[l] == '|'));
            }
        }
        if (!found && !n_missing++) {
            int k = snprintf(missing, sizeof missing, "%s", g->profile);
            if (k < 0)
                missing[0] = '\0';
        }
    }
    result(c, r.status == 200 && !n_missing, "C-2", "supportedProfile lists every required profile",
           t0, "%d of %d listed%s%s", n_required - n_missing, n_required, n_missing ? "; missing " : "",
           missing);
    bool reached = r.status != 0;
    st_response_clear(&r);
    return reached;
}

/* M-1: every resource of the group validates against its profile. */
static void validation(struct st_ctx *c, size_t gi, struct fg_pool *pool)
{
    const struct fg_kit_group *g = &fg_kit_groups[gi];
    int64_t t0 = fg_clock_mono_us();
    int n = 0, bad = 0;
    char first[ST_DETAIL_MAX] = "";
    const cJSON *r;
    cJSON_ArrayForEach(r, c->found[gi]) {
        struct fg_validation_report rep;
        memset(&rep, 0, sizeof rep);
        n++;
        if (fg_validate_resource(pool, r, g->profile, &rep) == FG_OK)
            continue;
        for (size_t i = 0; i < rep.n_issues && !bad; i++) {
            if (rep.issues[i].severity != FG_VSEV_ERROR)
                continue;
            int k = snprintf(first, sizeof first, "%s/%s: %s: %s", g->resource, str(r, "id"),
                             rep.issues[i].expression ? rep.issues[i].expression : "",
                             rep.issues[i].message ? rep.issues[i].message : "");
            if (k < 0)
                first[0] = '\0';
        }
        bad++;
    }
    if (!n) {
        st_report(c, ST_SKIP, "M-1", g->name, 0, "no resources returned");
        return;
    }
    result(c, !bad, "M-1", g->name, t0, "%d resource(s), %d invalid%s%s", n, bad, bad ? "; " : "",
           first);
}

/* M-2: every Must Support element, slice and extension of the kit's list
 * shown at least once (a choice counts once for all its members). */
static void must_support(struct st_ctx *c, size_t gi)
{
    const struct fg_kit_group *g = &fg_kit_groups[gi];
    int64_t t0 = fg_clock_mono_us();
    if (!g->n_ms || !cJSON_GetArraySize(c->found[gi])) {
        st_report(c, ST_SKIP, "M-2", g->name, 0, g->n_ms ? "no resources returned" : "no items");
        return;
    }
    unsigned char *shown = fg_calloc(g->n_ms, 1);
    if (!shown)
        return;
    const cJSON *r;
    cJSON_ArrayForEach(r, c->found[gi]) {
        for (size_t i = 0; i < g->n_ms; i++)
            if (!shown[i])
                shown[i] = st_ms_shown(r, &g->ms[i]);
    }
    for (size_t i = 0; i < g->n_ms; i++)
        for (size_t j = 0; g->ms[i].choice >= 0 && j < g->n_ms && !shown[i]; j++)
            shown[i] = g->ms[j].choice == g->ms[i].choice && shown[j];
    char missing[ST_DETAIL_MAX] = "";
    size_t len = 0, miss = 0;
    for (size_t i = 0; i < g->n_ms; i++) {
        if (shown[i])
            continue;
        miss++;
        int k = snprintf(missing + len, sizeof missing - len, "%s%s", len ? ", " : "", g->ms[i].label);
        if (k > 0 && (size_t)k < sizeof missing - len)
            len += (size_t)k;
    }
    fg_free(shown);
    result(c, !miss, "M-2", g->name, t0, "%zu of %zu shown%s%s", g->n_ms - miss, g->n_ms,
           miss ? "; missing " : "", missing);
}

/* The resource a reference names, read from the server: 200 and the type. */
static bool resolves(struct st_ctx *c, const char *ref, char *why, size_t cap)
{
    const char *slash = strrchr(ref, '/');
    if (!slash || ref[0] == '#')
        return true; /* contained or not a literal reference: nothing to read */
    const char *type_start = slash;
    while (type_start > ref && type_start[-1] != '/')
        type_start--;
    struct st_response r;
    st_http_get(c->http, strncmp(ref, "http", 4) == 0 ? ref : ref, &r);
    const char *rt = str(r.json, "resourceType");
    bool ok = r.status == 200 && rt && strlen(rt) == (size_t)(slash - type_start) &&
              strncmp(rt, type_start, strlen(rt)) == 0;
    if (!ok) {
        int k = snprintf(why, cap, "%s: status %ld %s", ref, r.status, r.error);
        if (k < 0)
            why[0] = '\0';
    }
    st_response_clear(&r);
    return ok;
}

/* M-3: for each Must Support reference path that occurs, one target resolves. */
static void references(struct st_ctx *c, size_t gi)
{
    const struct fg_kit_group *g = &fg_kit_groups[gi];
    int64_t t0 = fg_clock_mono_us();
    int occurring = 0, failed = 0;
    if (!g->references[0])
        return; /* the profile has no Must Support reference */
    char why[ST_DETAIL_MAX] = "";
    struct fg_str rest = fg_str_c(g->references), w;
    while (rest.len) {
        fg_str_split(rest, ' ', &w, &rest);
        char path[128];
        int k = snprintf(path, sizeof path, "%.*s", (int)w.len, w.ptr);
        if (k < 0 || (size_t)k >= sizeof path)
            continue;
        const char *ref = NULL;
        const cJSON *r;
        cJSON_ArrayForEach(r, c->found[gi]) {
            const cJSON *nodes[ST_MAX_VALUES];
            size_t n = st_values_at(r, path, nodes, ST_MAX_VALUES);
            for (size_t i = 0; i < n && !ref; i++)
                ref = str(nodes[i], "reference");
            if (ref)
                break;
        }
        if (!ref)
            continue;
        occurring++;
        if (!resolves(c, ref, why, sizeof why))
            failed++;
    }
    if (!occurring) {
        st_report(c, ST_SKIP, "M-3", g->name, 0, "no Must Support reference occurs");
        return;
    }
    result(c, !failed, "M-3", g->name, t0, "%d path(s), %d unresolved%s%s", occurring, failed,
           failed ? "; " : "", why);
}

/* Walks every object below node; counts those pred accepts. */
static int count_objects(const cJSON *node, bool (*pred)(const cJSON *))
{
    int n = cJSON_IsObject(node) && pred(node) ? 1 : 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, node) if (cJSON_IsObject(x) || cJSON_IsArray(x)) n += count_objects(x, pred);
    return n;
}

static bool is_dar_extension(const cJSON *o)
{
    const char *u = str(o, "url");
    return u && strcmp(u, DAR_EXT) == 0;
}

static bool is_dar_unknown(const cJSON *o)
{
    const char *s = str(o, "system"), *code = str(o, "code");
    return s && code && strcmp(s, DAR_SYSTEM) == 0 && strcmp(code, "unknown") == 0;
}

static size_t group_index(const char *name)
{
    for (size_t i = 0; i < fg_kit_groups_len; i++)
        if (strcmp(fg_kit_groups[i].name, name) == 0)
            return i;
    return 0;
}

/* Does some resource of the array carry code in field (a CodeableConcept or a list of them)? */
static bool has_code(const cJSON *arr, const char *field, const char *code)
{
    const cJSON *r, *cc, *cd;
    cJSON_ArrayForEach(r, arr) {
        const cJSON *f = cJSON_GetObjectItemCaseSensitive(r, field);
        const cJSON *one[1] = {f};
        if (cJSON_IsObject(f)) {
            cJSON_ArrayForEach(cd, cJSON_GetObjectItemCaseSensitive(one[0], "coding"))
                if (str(cd, "code") && strcmp(str(cd, "code"), code) == 0)
                    return true;
            continue;
        }
        cJSON_ArrayForEach(cc, f) cJSON_ArrayForEach(cd, cJSON_GetObjectItemCaseSensitive(cc, "coding"))
            if (str(cd, "code") && strcmp(str(cd, "code"), code) == 0)
                return true;
    }
    return false;
}

/* A report line for "every code in list occurs in field of the group's resources". */
static void codes_check(struct st_ctx *c, const char *id, const char *subject, const char *group,
                        const char *field, const char *const *codes)
{
    int64_t t0 = fg_clock_mono_us();
    const cJSON *arr = c->found[group_index(group)];
    char missing[ST_DETAIL_MAX] = "";
    size_t len = 0;
    int n = 0, miss = 0;
    for (; *codes; codes++, n++) {
        if (has_code(arr, field, *codes))
            continue;
        miss++;
        int k = snprintf(missing + len, sizeof missing - len, " %s", *codes);
        if (k > 0 && (size_t)k < sizeof missing - len)
            len += (size_t)k;
    }
    result(c, !miss, id, subject, t0, "%d of %d present%s%s", n - miss, n, miss ? "; missing" : "",
           missing);
}

/* M-5's third part: every note report's presentedForm.url is a document's attachment url. */
static void shared_urls(struct st_ctx *c)
{
    int64_t t0 = fg_clock_mono_us();
    const cJSON *docs = c->found[group_index("us_core_documentreference")];
    const cJSON *notes = c->found[group_index("us_core_diagnosticreport_note")];
    const cJSON *r, *f, *d, *ct;
    int n = 0, bad = 0;
    const char *first = "";
    cJSON_ArrayForEach(r, notes) cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(r, "presentedForm")) {
        const char *u = str(f, "url");
        bool found = false;
        if (!u)
            continue;
        n++;
        cJSON_ArrayForEach(d, docs) cJSON_ArrayForEach(ct, cJSON_GetObjectItemCaseSensitive(d, "content")) {
            const char *du = str(cJSON_GetObjectItemCaseSensitive(ct, "attachment"), "url");
            found = found || (du && strcmp(du, u) == 0);
        }
        if (!found && !bad++)
            first = u;
    }
    if (!n) {
        st_report(c, ST_SKIP, "M-5", "presentedForm urls are document urls", 0, "no presentedForm url");
        return;
    }
    result(c, !bad, "M-5", "presentedForm urls are document urls", t0, "%d url(s), %d unmatched %s",
           n, bad, first);
}

static void practitioner_address(struct st_ctx *c)
{
    int64_t t0 = fg_clock_mono_us();
    static const char *const parts[] = {"line", "city", "state", "postalCode", "country"};
    const cJSON *r, *a;
    bool ok = false;
    cJSON_ArrayForEach(r, c->found[group_index("us_core_practitioner")])
        cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(r, "address")) {
            bool all = true;
            for (size_t i = 0; i < 5; i++)
                all = all && cJSON_GetObjectItemCaseSensitive(a, parts[i]);
            ok = ok || all;
        }
    result(c, ok, "M-7", "a Practitioner with a full address", t0, "%s",
           ok ? "line, city, state, postalCode, country" : "none found");
}

void st_check_content(struct st_ctx *c)
{
    for (size_t gi = 0; gi < fg_kit_groups_len; gi++) {
        if (!fg_kit_groups[gi].required)
            continue;
        struct fg_pool *pool = fg_pool_new();
        if (!pool)
            return;
        validation(c, gi, pool);
        must_support(c, gi);
        references(c, gi);
        fg_pool_free(&pool);
    }
    int64_t t0 = fg_clock_mono_us();
    int ext = 0, unknown = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, c->seen) {
        ext += count_objects(r, is_dar_extension);
        unknown += count_objects(r, is_dar_unknown);
    }
    result(c, ext && unknown, "M-4", "data-absent-reason extension and code", t0,
           "%d extension(s), %d unknown coding(s)", ext, unknown);
    static const char *const note_types[] = {"11488-4", "18842-5", "34117-2", "28570-0", "11506-3",
                                             "18748-4", "11502-2", "11526-1", NULL};
    static const char *const report_cats[] = {"LP29684-5", "LP29708-2", "LP7839-6", NULL};
    static const char *const sdoh[] = {"sdoh", NULL};
    static const char *const screening[] = {"sdoh", "functional-status", "disability-status",
                                            "cognitive-status", "activity", "social-history", NULL};
    codes_check(c, "M-5", "DocumentReference note types", "us_core_documentreference", "type",
                note_types);
    codes_check(c, "M-5", "DiagnosticReport note categories", "us_core_diagnosticreport_note",
                "category", report_cats);
    shared_urls(c);
    codes_check(c, "M-6", "Condition sdoh category", "us_core_condition_problems_health_concerns",
                "category", sdoh);
    codes_check(c, "M-6", "screening/assessment categories", "us_core_observation_screening_assessment",
                "category", screening);
    practitioner_address(c);
}

/* U-1: $docref answers a searchset of the patient's DocumentReferences. */
void st_check_docref(struct st_ctx *c)
{
    int64_t t0 = fg_clock_mono_us();
    const cJSON *docs = c->found[group_index("us_core_documentreference")];
    const char *ref = str(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(docs, 0), "subject"),
                          "reference");
    const char *pid = ref && strrchr(ref, '/') ? strrchr(ref, '/') + 1 : NULL;
    if (!pid) {
        st_report(c, ST_SKIP, "U-1", "DocumentReference/$docref", 0, "no DocumentReference found");
        return;
    }
    char path[ST_QUERY_MAX] = "";
    char q[ST_QUERY_MAX + 64];
    int k = st_query_add(path, "patient", pid) ? snprintf(q, sizeof q, "DocumentReference/$docref?%s", path) : -1;
    struct st_response r;
    memset(&r, 0, sizeof r);
    if (k > 0 && (size_t)k < sizeof q)
        st_http_get(c->http, q, &r);
    int n = 0, other = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r.json, "entry")) {
        const cJSON *res = cJSON_GetObjectItemCaseSensitive(e, "resource");
        const char *s = str(cJSON_GetObjectItemCaseSensitive(res, "subject"), "reference");
        n++;
        other += !s || strcmp(s, ref) != 0 || !str(res, "resourceType") ||
                 strcmp(str(res, "resourceType"), "DocumentReference") != 0;
    }
    bool ok = r.status == 200 && str(r.json, "type") && strcmp(str(r.json, "type"), "searchset") == 0 &&
              n > 0 && !other;
    result(c, ok, "U-1", "DocumentReference/$docref", t0, "status %ld, %d document(s), %d not the patient's",
           r.status, n, other);
    st_response_clear(&r);
}
