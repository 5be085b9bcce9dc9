/* cmd_validate.c - the `fhirgate validate` command: the profile validator
 * over JSON files, for people and for the cross-check test. */
#include "cmd_validate.h"

#include <cJSON.h>
#include <stdio.h>
#include <string.h>

#include "../core/fg_buf.h"
#include "../core/fg_limits.h"
#include "../core/fg_pool.h"
#include "../core/fg_mem.h"
#include "rules.h"
#include "validate.h"

#define CLI_USAGE 2

struct opts {
    const char *profile;
    int json;
    int must_support;
    /* --must-support: per profile (index in fg_vprofiles), which of its rules
     * some resource showed; NULL until a resource of that profile came */
    unsigned char **present;
};

static int usage(FILE *f)
{
    fputs("usage: fhirgate validate [--profile URL] [--json] [--must-support] [FILE...]\n"
          "  Validates FHIR R4 JSON resources (or Bundles of them) against the base\n"
          "  definitions and US Core 7.0.0: the --profile given, else meta.profile,\n"
          "  else the profile the resource's type/code/category implies.\n"
          "  Reads stdin when no FILE is given. Exit 1 when any resource has an error.\n"
          "  --must-support: then list, per profile seen, the Must Support elements\n"
          "  that no resource showed.\n",
          f);
    return f == stdout ? 0 : CLI_USAGE;
}

static enum fg_status read_all(FILE *f, struct fg_buf *b)
{
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        enum fg_status st = fg_buf_append(b, chunk, n);
        if (st != FG_OK)
            return st;
    }
    return ferror(f) ? FG_EIO : FG_OK;
}

static void print_text(const char *file, int index, const cJSON *res,
                       const struct fg_validation_report *rep)
{
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(res, "id");
    printf("%s#%d %s/%s: %zu error(s), %zu warning(s); profile %s (%s)\n", file, index,
           rep->resource_type ? rep->resource_type : "?", cJSON_IsString(id) ? id->valuestring : "-",
           rep->n_errors, rep->n_warnings, rep->profile_url ? rep->profile_url : "none (base only)",
           rep->profile_source ? rep->profile_source : "-");
    for (size_t i = 0; i < rep->n_issues; i++) {
        const struct fg_validation_issue *is = &rep->issues[i];
        printf("  %s %s: %s\n", is->severity == FG_VSEV_ERROR ? "error" : is->severity == FG_VSEV_WARNING ? "warning" : "info",
               is->expression, is->message);
    }
}

static enum fg_status print_json(const char *file, int index, const cJSON *res,
                                 const struct fg_validation_report *rep)
{
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_RESPONSE_BYTES);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(res, "id");
    enum fg_status st = fg_buf_append_c(&b, "{\"file\":");
    if (st == FG_OK)
        st = fg_buf_append_json_string(&b, fg_str_c(file));
    if (st == FG_OK)
        st = fg_buf_printf(&b, ",\"index\":%d,\"resourceType\":", index);
    if (st == FG_OK)
        st = fg_buf_append_json_string(&b, fg_str_c(rep->resource_type ? rep->resource_type : ""));
    if (st == FG_OK)
        st = fg_buf_append_c(&b, ",\"id\":");
    if (st == FG_OK)
        st = fg_buf_append_json_string(&b, fg_str_c(cJSON_IsString(id) ? id->valuestring : ""));
    if (st == FG_OK)
        st = fg_buf_append_c(&b, ",\"profile\":");
    if (st == FG_OK)
        st = fg_buf_append_json_string(&b, fg_str_c(rep->profile_url ? rep->profile_url : ""));
    if (st == FG_OK)
        st = fg_buf_append_c(&b, ",\"profileSource\":");
    if (st == FG_OK)
        st = fg_buf_append_json_string(&b, fg_str_c(rep->profile_source ? rep->profile_source : ""));
    if (st == FG_OK)
        st = fg_buf_printf(&b, ",\"errors\":%zu,\"warnings\":%zu,\"outcome\":", rep->n_errors, rep->n_warnings);
    if (st == FG_OK)
        st = fg_validation_report_to_outcome(rep, &b);
    if (st == FG_OK)
        st = fg_buf_append_c(&b, "}\n");
    if (st == FG_OK)
        fwrite(b.data, 1, b.len, stdout);
    fg_buf_cleanup(&b);
    return st;
}

static enum fg_status record_must_support(const struct opts *o, const struct fg_validation_report *rep,
                                          const cJSON *res)
{
    const struct fg_vprofile *p = fg_validate_find_profile(rep->profile_url);
    if (!p)
        return FG_OK;
    size_t k = (size_t)(p - fg_vprofiles);
    if (!o->present[k]) {
        o->present[k] = fg_calloc(p->n_rules ? p->n_rules : 1, 1);
        if (!o->present[k])
            return FG_ENOMEM;
    }
    fg_validate_must_support(p, res, o->present[k]);
    return FG_OK;
}

static void print_must_support(const struct opts *o)
{
    for (size_t k = 0; k < fg_vprofiles_len; k++) {
        const struct fg_vprofile *p = &fg_vprofiles[k];
        if (!o->present[k])
            continue;
        size_t ms = 0, shown = 0;
        for (size_t i = 0; i < p->n_rules; i++) {
            if (!(p->rules[i].flags & FG_VRULE_MUST_SUPPORT))
                continue;
            ms++;
            shown += o->present[k][i];
        }
        printf("must-support %s: %zu of %zu shown\n", p->name, shown, ms);
        for (size_t i = 0; i < p->n_rules; i++)
            if ((p->rules[i].flags & FG_VRULE_MUST_SUPPORT) && !o->present[k][i])
                printf("  missing %s\n", p->rules[i].id);
    }
}

/* Validates one resource; returns 1 when it has errors (or on failure). */
static int validate_one(const struct opts *o, const char *file, int index, const cJSON *res)
{
    struct fg_pool *pool = fg_pool_new();
    struct fg_validation_report rep;
    int bad = 1;
    if (!pool)
        goto out;
    enum fg_status st = fg_validate_resource(pool, res, o->profile, &rep);
    if (st != FG_OK && st != FG_EUNPROC)
        goto out;
    if (o->json ? print_json(file, index, res, &rep) != FG_OK : (print_text(file, index, res, &rep), 0))
        goto out;
    bad = rep.n_errors > 0;
    if (o->must_support && rep.profile_url && record_must_support(o, &rep, res) != FG_OK)
        bad = 1;
out:
    fg_pool_free(&pool);
    return bad;
}

static int validate_file(const struct opts *o, const char *name)
{
    FILE *f = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
    struct fg_buf b;
    fg_buf_init(&b, FG_MAX_BODY_BYTES);
    cJSON *doc = NULL;
    int bad = 1;
    if (!f) {
        fprintf(stderr, "fhirgate validate: cannot open %s\n", name);
        goto out;
    }
    if (read_all(f, &b) != FG_OK) {
        fprintf(stderr, "fhirgate validate: cannot read %s (or larger than %u bytes)\n", name,
                FG_MAX_BODY_BYTES);
        goto out;
    }
    doc = cJSON_ParseWithLength(b.data ? b.data : "", b.len);
    if (!doc) {
        fprintf(stderr, "fhirgate validate: %s is not JSON\n", name);
        goto out;
    }
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(doc, "resourceType");
    if (cJSON_IsString(rt) && strcmp(rt->valuestring, "Bundle") == 0) {
        bad = 0;
        int i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "entry")) {
            const cJSON *res = cJSON_GetObjectItemCaseSensitive(e, "resource");
            if (res)
                bad |= validate_one(o, name, i, res);
            i++;
        }
    } else {
        bad = validate_one(o, name, 0, doc);
    }
out:
    cJSON_Delete(doc);
    fg_buf_cleanup(&b);
    if (f && f != stdin)
        fclose(f);
    return bad;
}

int fg_cmd_validate(int argc, char **argv)
{
    struct opts o = {0};
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return usage(stdout);
        if (strcmp(argv[i], "--json") == 0) {
            o.json = 1;
        } else if (strcmp(argv[i], "--must-support") == 0) {
            o.must_support = 1;
        } else if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc) {
            o.profile = argv[++i];
        } else {
            fprintf(stderr, "fhirgate validate: unknown option %s\n", argv[i]);
            return usage(stderr);
        }
    }
    int bad = 0;
    o.present = fg_calloc(fg_vprofiles_len, sizeof *o.present);
    if (!o.present)
        return 1;
    if (i == argc)
        bad = validate_file(&o, "-");
    for (; i < argc; i++)
        bad |= validate_file(&o, argv[i]);
    if (o.must_support)
        print_must_support(&o);
    for (size_t k = 0; k < fg_vprofiles_len; k++)
        fg_free(o.present[k]);
    fg_free(o.present);
    return bad;
}
