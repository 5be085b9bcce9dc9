/* selftest.c - the conformance self-test's context, result lines and
 * search runner; contract in selftest.h. */
#include "selftest.h"

#include <stdlib.h>
#include <string.h>

#include "../core/fg_clock.h"
#include "../core/fg_mem.h"

void st_report(struct st_ctx *c, enum st_result r, const char *id, const char *subject,
               int64_t micros, const char *detail)
{
    static const char *const names[] = {"PASS", "FAIL", "SKIP"};
    if (r == ST_PASS)
        c->passed++;
    else if (r == ST_FAIL)
        c->failed++;
    else
        c->skipped++;
    if (r == ST_PASS && c->opt->quiet)
        return;
    fprintf(c->out, "%s  %-5s %-52s %6lld ms%s%s\n", names[r], id, subject,
            (long long)(micros / 1000), detail && detail[0] ? "  " : "", detail ? detail : "");
}

bool st_query_add(char q[ST_QUERY_MAX], const char *name, const char *value)
{
    char enc[ST_QUERY_MAX];
    size_t len = strlen(q);
    if (!st_http_encode(value, enc, sizeof enc))
        return false;
    int n = snprintf(q + len, ST_QUERY_MAX - len, "%s%s=%s", len ? "&" : "", name, enc);
    return n > 0 && (size_t)n < ST_QUERY_MAX - len;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool st_ids(const cJSON *arr, char *out, size_t cap)
{
    size_t n = (size_t)cJSON_GetArraySize(arr), k = 0, len = 0;
    const char **ids = n ? fg_calloc(n, sizeof *ids) : NULL;
    const cJSON *r;
    out[0] = '\0';
    if (n && !ids)
        return false;
    cJSON_ArrayForEach(r, arr) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(r, "id");
        ids[k++] = cJSON_IsString(id) ? id->valuestring : "";
    }
    if (k)
        qsort(ids, k, sizeof *ids, cmp_str);
    bool ok = true;
    for (size_t i = 0; ok && i < k; i++) {
        int w = snprintf(out + len, cap - len, "%s%s", i ? "," : "", ids[i]);
        ok = w >= 0 && (size_t)w < cap - len;
        if (ok)
            len += (size_t)w;
    }
    fg_free(ids);
    return ok;
}

/* "Type/id" of a resource in buf; false when it has none. */
static bool key_of(const cJSON *res, char *buf, size_t cap)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(res, "resourceType");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(res, "id");
    if (!cJSON_IsString(t) || !cJSON_IsString(id))
        return false;
    int n = snprintf(buf, cap, "%s/%s", t->valuestring, id->valuestring);
    return n > 0 && (size_t)n < cap;
}

static void remember(struct st_ctx *c, const cJSON *res)
{
    char key[300];
    if (!key_of(res, key, sizeof key) || cJSON_GetObjectItemCaseSensitive(c->seen, key))
        return;
    cJSON *copy = cJSON_Duplicate(res, 1);
    if (copy && !cJSON_AddItemToObject(c->seen, key, copy))
        cJSON_Delete(copy);
}

void st_found_add(struct st_ctx *c, size_t group, const cJSON *res)
{
    char key[300], other[300];
    const cJSON *x;
    if (!key_of(res, key, sizeof key))
        return;
    cJSON_ArrayForEach(x, c->found[group]) if (key_of(x, other, sizeof other) &&
                                                strcmp(key, other) == 0) return;
    cJSON *copy = cJSON_Duplicate(res, 1);
    if (copy && !cJSON_AddItemToArray(c->found[group], copy))
        cJSON_Delete(copy);
}

void st_search_clear(struct st_search *s)
{
    cJSON_Delete(s->matches);
    cJSON_Delete(s->included);
    memset(s, 0, sizeof *s);
}

static void set_error(struct st_search *s, const char *type, const char *query, const char *why)
{
    int n = snprintf(s->error, sizeof s->error, "%s?%.150s: %s", type, query, why);
    if (n < 0)
        s->error[0] = '\0';
}

/* Takes the entries of one searchset page; false (with s->error) when the
 * page is not one. */
static bool take_page(struct st_ctx *c, struct st_search *s, const cJSON *bundle,
                      const char *type, const char *query)
{
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(bundle, "resourceType");
    const cJSON *bt = cJSON_GetObjectItemCaseSensitive(bundle, "type");
    if (!cJSON_IsString(rt) || strcmp(rt->valuestring, "Bundle") != 0 || !cJSON_IsString(bt) ||
        strcmp(bt->valuestring, "searchset") != 0) {
        set_error(s, type, query, "the answer is not a searchset Bundle");
        return false;
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(bundle, "entry")) {
        const cJSON *res = cJSON_GetObjectItemCaseSensitive(e, "resource");
        const cJSON *mode = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(e, "search"), "mode");
        const cJSON *rtype = cJSON_GetObjectItemCaseSensitive(res, "resourceType");
        if (!cJSON_IsObject(res))
            continue;
        bool include = cJSON_IsString(mode) ? strcmp(mode->valuestring, "include") == 0
                                            : !(cJSON_IsString(rtype) && strcmp(rtype->valuestring, type) == 0);
        if (cJSON_IsString(mode) && strcmp(mode->valuestring, "outcome") == 0)
            continue;
        remember(c, res);
        cJSON *copy = cJSON_Duplicate(res, 1);
        if (copy && !cJSON_AddItemToArray(include ? s->included : s->matches, copy))
            cJSON_Delete(copy);
    }
    return true;
}

static const char *next_link(const cJSON *bundle)
{
    const cJSON *l;
    cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(bundle, "link")) {
        const cJSON *rel = cJSON_GetObjectItemCaseSensitive(l, "relation");
        const cJSON *url = cJSON_GetObjectItemCaseSensitive(l, "url");
        if (cJSON_IsString(rel) && strcmp(rel->valuestring, "next") == 0 && cJSON_IsString(url))
            return url->valuestring;
    }
    return NULL;
}

void st_search_run(struct st_ctx *c, const char *type, const char *query, bool post,
                   struct st_search *out)
{
    char path[ST_QUERY_MAX + 128], next[ST_QUERY_MAX * 2];
    struct st_response r;
    memset(out, 0, sizeof *out);
    out->matches = cJSON_CreateArray();
    out->included = cJSON_CreateArray();
    int n = post ? snprintf(path, sizeof path, "%s/_search", type)
                 : snprintf(path, sizeof path, "%s?%s", type, query);
    if (n < 0 || (size_t)n >= sizeof path || !out->matches || !out->included) {
        set_error(out, type, query, "the query is too long");
        return;
    }
    if (post)
        st_http_post(c->http, path, "application/x-www-form-urlencoded", query, &r);
    else
        st_http_get(c->http, path, &r);
    for (int page = 0;; page++) {
        out->status = r.status;
        if (r.status != 200) {
            const cJSON *rt = cJSON_GetObjectItemCaseSensitive(r.json, "resourceType");
            out->outcome = cJSON_IsString(rt) && strcmp(rt->valuestring, "OperationOutcome") == 0;
            char why[200];
            int w = r.status ? snprintf(why, sizeof why, "status %ld%s", r.status,
                                        out->outcome ? " (with an OperationOutcome)" : "")
                             : snprintf(why, sizeof why, "%s", r.error);
            set_error(out, type, query, w > 0 && (size_t)w < sizeof why ? why : "failed");
            break;
        }
        const char *nl = take_page(c, out, r.json, type, query) ? next_link(r.json) : NULL;
        if (!nl || page + 1 >= FG_SELFTEST_MAX_PAGES)
            break;
        int k = snprintf(next, sizeof next, "%s", nl);
        st_response_clear(&r);
        if (k < 0 || (size_t)k >= sizeof next)
            break;
        st_http_get(c->http, next, &r);
    }
    st_response_clear(&r);
}

/* Reads the patients to test when none were given: the first page of Patient. */
static void discover_patients(struct st_ctx *c, struct st_options *opt)
{
    struct st_search s;
    st_search_run(c, "Patient", "_count=10", false, &s);
    const cJSON *p;
    cJSON_ArrayForEach(p, s.matches) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(p, "id");
        if (cJSON_IsString(id) && opt->n_patients < FG_SELFTEST_MAX_PATIENTS)
            opt->patients[opt->n_patients++] = fg_strdup(id->valuestring);
    }
    st_search_clear(&s);
}

int st_run(const struct st_options *given, bool require_all, FILE *out)
{
    struct st_options opt = *given;
    struct st_ctx c = {.opt = &opt, .out = out, .started_us = fg_clock_mono_us()};
    bool discovered = opt.n_patients == 0;
    int rc = 1;
    c.seen = cJSON_CreateObject();
    c.found = fg_calloc(fg_kit_groups_len, sizeof *c.found);
    for (size_t i = 0; c.found && i < fg_kit_groups_len; i++)
        c.found[i] = cJSON_CreateArray();
    if (!c.seen || !c.found || st_http_new(opt.base, opt.token, opt.insecure, &c.http) != FG_OK ||
        st_http_new(opt.base, NULL, opt.insecure, &c.anon) != FG_OK) {
        fprintf(out, "fhirgate conformance: cannot start (out of memory or libcurl)\n");
        goto out;
    }
    if (discovered)
        discover_patients(&c, &opt);
    fprintf(out, "fhirgate conformance %s: %zu patient(s):", opt.base, opt.n_patients);
    for (size_t i = 0; i < opt.n_patients; i++)
        fprintf(out, " %s", opt.patients[i]);
    fputc('\n', out);
    if (st_check_capability(&c)) {
        st_check_searches(&c);
        st_check_delayed(&c);
        st_check_docref(&c);
        st_check_content(&c);
    } else {
        fprintf(out, "the server cannot be reached: the other checks were not run\n");
    }
    fprintf(out, "conformance: %d passed, %d failed, %d skipped (%.1f s)\n", c.passed, c.failed,
            c.skipped, (double)(fg_clock_mono_us() - c.started_us) / 1e6);
    rc = c.failed || (require_all && c.skipped) ? 1 : 0;
out:
    if (discovered)
        for (size_t i = 0; i < opt.n_patients; i++)
            fg_free((void *)opt.patients[i]);
    for (size_t i = 0; c.found && i < fg_kit_groups_len; i++)
        cJSON_Delete(c.found[i]);
    fg_free(c.found);
    cJSON_Delete(c.seen);
    st_http_free(&c.http);
    st_http_free(&c.anon);
    return rc;
}
