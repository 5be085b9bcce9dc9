/* validate.c - the validator's entry point: choosing the profile, the
 * report, and the OperationOutcome written from it.
 * http://hl7.org/fhir/R4/validation.html, http://hl7.org/fhir/R4/operationoutcome.html */
#include "validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fg_limits.h"
#include "validate_internal.h"

/* ---- the report --------------------------------------------------------------------- */

/* Client text (element names, codes) quoted in messages: printable ASCII only,
 * so the OperationOutcome stays valid UTF-8 JSON whatever came in. */
static void make_printable(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            *s = '?';
}

static bool grow_issues(struct fg_vctx *ctx)
{
    struct fg_validation_report *rep = ctx->rep;
    if (rep->n_issues < rep->cap_issues)
        return true;
    size_t cap = rep->cap_issues ? rep->cap_issues * 2 : 16;
    struct fg_validation_issue *n = fg_pool_alloc(ctx->pool, cap * sizeof *n);
    if (!n) {
        ctx->oom = FG_ENOMEM;
        return false;
    }
    if (rep->n_issues)
        memcpy(n, rep->issues, rep->n_issues * sizeof *n);
    rep->issues = n;
    rep->cap_issues = cap;
    return true;
}

void fg_vissue(struct fg_vctx *ctx, enum fg_vseverity sev, const char *code, const char *leaf,
               const char *fmt, ...)
{
    struct fg_validation_report *rep = ctx->rep;
    if (sev == FG_VSEV_ERROR)
        rep->n_errors++;
    else if (sev == FG_VSEV_WARNING)
        rep->n_warnings++;
    if (rep->n_issues >= FG_MAX_VALIDATION_ISSUES) {
        rep->truncated = 1;
        return;
    }
    if (!grow_issues(ctx))
        return;
    char msg[FG_VEXPR_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof msg) /* long messages are cut, not dropped */
        msg[sizeof msg - 1] = '\0';
    make_printable(msg);
    char *expr = leaf ? fg_pool_printf(ctx->pool, "%.*s.%s", (int)ctx->expr_len, ctx->expr, leaf)
                      : fg_pool_strndup(ctx->pool, ctx->expr, ctx->expr_len);
    char *m = fg_pool_strdup(ctx->pool, msg);
    if (!expr || !m) {
        ctx->oom = FG_ENOMEM;
        return;
    }
    make_printable(expr);
    /* the same finding twice (a resource claiming a profile and its base, e.g.
     * us-core-vital-signs and us-core-heart-rate) is reported once */
    for (size_t i = 0; i < rep->n_issues; i++) {
        if (rep->issues[i].severity == sev && strcmp(rep->issues[i].expression, expr) == 0 &&
            strcmp(rep->issues[i].message, m) == 0) {
            if (sev == FG_VSEV_ERROR)
                rep->n_errors--;
            else if (sev == FG_VSEV_WARNING)
                rep->n_warnings--;
            return;
        }
    }
    rep->issues[rep->n_issues++] = (struct fg_validation_issue){sev, code, expr, m};
}

size_t fg_vexpr_push_key(struct fg_vctx *ctx, const char *key)
{
    /* on the hot path (every member visited): no printf */
    size_t old = ctx->expr_len, klen = strlen(key);
    if (klen + 2 > sizeof ctx->expr - old) {
        ctx->expr[old] = '\0'; /* too deep to name: keep the prefix */
        return old;
    }
    ctx->expr[old] = '.';
    memcpy(ctx->expr + old + 1, key, klen + 1);
    ctx->expr_len += klen + 1;
    return old;
}

size_t fg_vexpr_push_index(struct fg_vctx *ctx, int i)
{
    size_t old = ctx->expr_len;
    char digits[16];
    size_t nd = 0;
    unsigned u = i < 0 ? 0u : (unsigned)i;
    do {
        digits[nd++] = (char)('0' + u % 10);
        u /= 10;
    } while (u && nd < sizeof digits);
    if (nd + 3 > sizeof ctx->expr - old) {
        ctx->expr[old] = '\0';
        return old;
    }
    char *w = ctx->expr + old;
    *w++ = '[';
    while (nd)
        *w++ = digits[--nd];
    *w++ = ']';
    *w = '\0';
    ctx->expr_len = (size_t)(w - ctx->expr);
    return old;
}

void fg_vexpr_pop(struct fg_vctx *ctx, size_t len)
{
    ctx->expr_len = len;
    ctx->expr[len] = '\0';
}

/* ---- table look-ups ------------------------------------------------------------------ */

static int cmp_type_name(const void *name, const void *type)
{
    return strcmp(name, ((const struct fg_vbase_type *)type)->name);
}

const struct fg_vbase_type *fg_vbase_find(const char *name)
{
    /* the generated table is sorted by name in strcmp order (gen-uscore-rules.mjs;
     * validate_test checks it) */
    return bsearch(name, fg_vbase_types, fg_vbase_types_len, sizeof fg_vbase_types[0], cmp_type_name);
}

const struct fg_vbase_elem *fg_vbase_elem_find(const struct fg_vbase_type *t, const char *path,
                                               size_t path_len)
{
    for (size_t i = 0; i < t->n_elems; i++) {
        const char *p = t->elems[i].path;
        if (strncmp(p, path, path_len) == 0 && p[path_len] == '\0')
            return &t->elems[i];
    }
    return NULL;
}

bool fg_vlist_has(const char *list, const char *word, size_t len)
{
    const char *p = list;
    while (p && *p) {
        const char *end = strchr(p, ' ');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, word, len) == 0)
            return true;
        p = end ? end + 1 : NULL;
    }
    return false;
}

const char *fg_vchoice_type(const char *types, const char *suffix, size_t *type_len)
{
    size_t slen = strlen(suffix);
    const char *p = types;
    if (slen == 0 || suffix[0] < 'A' || suffix[0] > 'Z')
        return NULL;
    while (p && *p) {
        const char *end = strchr(p, ' ');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        /* valueDateTime is type dateTime: only the first letter is capitalised */
        if (n == slen && (p[0] == suffix[0] || p[0] - 'a' + 'A' == suffix[0]) &&
            strncmp(p + 1, suffix + 1, n - 1) == 0) {
            *type_len = n;
            return p;
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

const struct fg_vprofile *fg_validate_find_profile(const char *url)
{
    if (!url)
        return NULL;
    size_t len = strcspn(url, "|");
    for (size_t i = 0; i < fg_vprofiles_len; i++)
        if (strncmp(fg_vprofiles[i].url, url, len) == 0 && fg_vprofiles[i].url[len] == '\0')
            return &fg_vprofiles[i];
    return NULL;
}

/* ---- entry point --------------------------------------------------------------------- */

static void apply_claimed_profiles(struct fg_vctx *ctx, const cJSON *resource, int *applied)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(resource, "meta");
    const cJSON *profiles = cJSON_GetObjectItemCaseSensitive(meta, "profile");
    const cJSON *p;
    cJSON_ArrayForEach(p, profiles) {
        const struct fg_vprofile *prof = cJSON_IsString(p) ? fg_validate_find_profile(p->valuestring) : NULL;
        if (!prof)
            continue;
        if (!*applied) {
            ctx->rep->profile_url = prof->url;
            ctx->rep->profile_source = "meta.profile";
        }
        (*applied)++;
        fg_vprofile_apply(ctx, prof, resource);
    }
}

static void choose_and_apply(struct fg_vctx *ctx, const cJSON *resource, const char *profile_url)
{
    int applied = 0;
    if (profile_url) {
        const struct fg_vprofile *prof = fg_validate_find_profile(profile_url);
        if (!prof) {
            fg_vissue(ctx, FG_VSEV_WARNING, "not-supported", NULL,
                      "Profile '%s' is not known here; only the base definition was checked",
                      profile_url);
            return;
        }
        ctx->rep->profile_url = prof->url;
        ctx->rep->profile_source = "requested";
        fg_vprofile_apply(ctx, prof, resource);
        return;
    }
    apply_claimed_profiles(ctx, resource, &applied);
    if (applied)
        return;
    const struct fg_vprofile *prof = fg_vprofile_implied(resource);
    if (!prof)
        return;
    ctx->rep->profile_url = prof->url;
    ctx->rep->profile_source = "implied by type/code/category";
    fg_vprofile_apply(ctx, prof, resource);
}

enum fg_status fg_validate_resource(struct fg_pool *pool, const cJSON *resource,
                                    const char *profile_url_or_NULL,
                                    struct fg_validation_report *out)
{
    memset(out, 0, sizeof *out);
    struct fg_vctx ctx = {.pool = pool, .rep = out};
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(resource, "resourceType");
    if (!cJSON_IsObject(resource) || !cJSON_IsString(rt)) {
        fg_vissue(&ctx, FG_VSEV_ERROR, "structure", NULL,
                  "A resource is a JSON object with a resourceType string");
        return ctx.oom ? ctx.oom : FG_EUNPROC;
    }
    out->resource_type = fg_pool_strdup(pool, rt->valuestring);
    if (!out->resource_type)
        return FG_ENOMEM;
    fg_vexpr_push_key(&ctx, rt->valuestring);
    /* the expression starts at the type name, without a leading dot */
    memmove(ctx.expr, ctx.expr + 1, ctx.expr_len);
    ctx.expr_len--;
    fg_vbase_resource(&ctx, resource);
    choose_and_apply(&ctx, resource, profile_url_or_NULL);
    if (ctx.oom)
        return ctx.oom;
    return out->n_errors ? FG_EUNPROC : FG_OK;
}

/* ---- OperationOutcome ----------------------------------------------------------------- */

static const char *severity_name(enum fg_vseverity s)
{
    return s == FG_VSEV_ERROR ? "error" : s == FG_VSEV_WARNING ? "warning" : "information";
}

static enum fg_status write_one(struct fg_buf *out, const char *sev, const char *code,
                                const char *msg, const char *expr)
{
    enum fg_status st = fg_buf_append_c(out, "{\"severity\":");
    if (st == FG_OK)
        st = fg_buf_append_json_string(out, fg_str_c(sev));
    if (st == FG_OK)
        st = fg_buf_append_c(out, ",\"code\":");
    if (st == FG_OK)
        st = fg_buf_append_json_string(out, fg_str_c(code));
    if (st == FG_OK)
        st = fg_buf_append_c(out, ",\"diagnostics\":");
    if (st == FG_OK)
        st = fg_buf_append_json_string(out, fg_str_c(msg));
    if (st == FG_OK && expr && *expr) {
        st = fg_buf_append_c(out, ",\"expression\":[");
        if (st == FG_OK)
            st = fg_buf_append_json_string(out, fg_str_c(expr));
        if (st == FG_OK)
            st = fg_buf_append_char(out, ']');
    }
    if (st == FG_OK)
        st = fg_buf_append_char(out, '}');
    return st;
}

enum fg_status fg_validation_report_to_outcome(const struct fg_validation_report *report,
                                               struct fg_buf *out)
{
    enum fg_status st = fg_buf_append_c(out, "{\"resourceType\":\"OperationOutcome\",\"issue\":[");
    for (size_t i = 0; st == FG_OK && i < report->n_issues; i++) {
        const struct fg_validation_issue *is = &report->issues[i];
        if (i)
            st = fg_buf_append_char(out, ',');
        if (st == FG_OK)
            st = write_one(out, severity_name(is->severity), is->code, is->message, is->expression);
    }
    if (st == FG_OK && report->n_issues > 0 && report->profile_url) {
        /* which profile was checked and why (claimed, requested or implied) */
        char msg[400];
        int n = snprintf(msg, sizeof msg, "Checked against %s (%s)", report->profile_url,
                         report->profile_source ? report->profile_source : "requested");
        if (n < 0 || (size_t)n >= sizeof msg)
            return FG_ETOOBIG;
        st = fg_buf_append_char(out, ',');
        if (st == FG_OK)
            st = write_one(out, "information", "informational", msg, NULL);
    }
    if (st == FG_OK && report->n_issues == 0) {
        char msg[300];
        int n = snprintf(msg, sizeof msg, "No issues found (%s)",
                         report->profile_url ? report->profile_url : "base definition only");
        if (n < 0 || (size_t)n >= sizeof msg)
            return FG_ETOOBIG;
        st = write_one(out, "information", "informational", msg, NULL);
    }
    if (st == FG_OK)
        st = fg_buf_append_c(out, "]}");
    return st;
}
