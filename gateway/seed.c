/* seed.c - loads fixture transaction Bundles into the record store (see seed.h).
 * Transaction semantics: http://hl7.org/fhir/R4/http.html#transaction */
#include "seed.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cJSON.h>

#include "../core/fg_buf.h"
#include "../core/fg_limits.h"
#include "../core/fg_mem.h"
#include "../core/fg_pool.h"
#include "placeholder.h"

#define SEED_MAX_DIR_ENTRIES 10000
#define SEED_PATH_MAX 4096

/* ------------------------------------------------------------ one Bundle */

/* Removes what the server sets (meta.versionId, meta.lastUpdated), and meta
 * itself when nothing else is left in it, so stored and fixture compare. */
static void strip_server_meta(cJSON *resource)
{
    cJSON *meta = cJSON_GetObjectItemCaseSensitive(resource, "meta");
    if (!cJSON_IsObject(meta))
        return;
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "versionId");
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "lastUpdated");
    if (!meta->child)
        cJSON_DeleteItemFromObjectCaseSensitive(resource, "meta");
}

/* *same is true when the current stored version equals resource. */
static enum fg_status stored_equal(struct fhir_store *store, struct fg_pool *pool,
                                   struct fg_str type, struct fg_str id, const cJSON *resource,
                                   const char *source, bool *same, struct fg_error *err)
{
    struct fhir_resource cur;
    struct fg_error rerr;
    cJSON *stored = NULL, *fresh = NULL;
    enum fg_status rc;

    *same = false;
    fg_error_clear(&rerr);
    rc = fhir_store_read(store, pool, type, id, &cur, &rerr);
    if (rc == FG_ENOTFOUND || rc == FG_EGONE)
        return FG_OK;
    if (rc != FG_OK)
        return fg_error_set(err, rc, NULL, "%s: reading %.*s/%.*s: %s", source, (int)type.len,
                            type.ptr, (int)id.len, id.ptr, rerr.diagnostics);
    rc = FG_ENOMEM;
    stored = cJSON_ParseWithLength(cur.json.ptr, cur.json.len);
    fresh = cJSON_Duplicate(resource, true);
    if (!fresh)
        goto out;
    rc = FG_OK;
    if (!stored)
        goto out; /* unreadable stored JSON: overwrite it */
    strip_server_meta(stored);
    strip_server_meta(fresh);
    *same = cJSON_Compare(stored, fresh, true);
out:
    cJSON_Delete(fresh);
    cJSON_Delete(stored);
    if (rc == FG_ENOMEM)
        fg_error_set(err, rc, NULL, "%s: out of memory comparing entries", source);
    return rc;
}

static const char *json_string(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Checks entry i is {resource: {resourceType, id}, request: {method: PUT,
 * url: Type/id}} and fills w (slices borrow the tree). */
static enum fg_status entry_write(cJSON *entry, size_t i, const char *source,
                                  struct fhir_write *w, struct fg_error *err)
{
    cJSON *res = cJSON_GetObjectItemCaseSensitive(entry, "resource");
    const cJSON *req = cJSON_GetObjectItemCaseSensitive(entry, "request");
    const char *type = json_string(res, "resourceType"), *id = json_string(res, "id");
    const char *method = json_string(req, "method"), *url = json_string(req, "url");

    if (!cJSON_IsObject(res) || !type || !id || !fg_is_fhir_id(fg_str_c(id)) || !type[0])
        return fg_error_set(err, FG_EINVAL, NULL, "%s: entry[%zu]: resource needs resourceType and a valid id",
                            source, i);
    if (!method || strcmp(method, "PUT") != 0)
        return fg_error_set(err, FG_EINVAL, NULL, "%s: entry[%zu]: request.method must be PUT",
                            source, i);
    size_t tl = strlen(type);
    if (!url || strncmp(url, type, tl) != 0 || url[tl] != '/' || strcmp(url + tl + 1, id) != 0)
        return fg_error_set(err, FG_EINVAL, NULL, "%s: entry[%zu]: request.url must be %s/%s",
                            source, i, type, id);
    memset(w, 0, sizeof *w);
    w->kind = FHIR_WRITE_UPDATE;
    w->type = fg_str_c(type);
    w->id = fg_str_c(id);
    w->resource = res;
    return FG_OK;
}

/* Validates the Bundle and collects the entries whose content changed. */
static enum fg_status collect_writes(struct fhir_store *store, struct fg_pool *pool, cJSON *bundle,
                                     const char *source, struct fhir_write **out, size_t *n_out,
                                     size_t *n_entries, struct fg_error *err)
{
    const char *rt = json_string(bundle, "resourceType"), *bt = json_string(bundle, "type");
    cJSON *entries = cJSON_GetObjectItemCaseSensitive(bundle, "entry");
    if (!rt || strcmp(rt, "Bundle") != 0 || !bt || strcmp(bt, "transaction") != 0)
        return fg_error_set(err, FG_EINVAL, NULL, "%s: not a transaction Bundle", source);
    if (!cJSON_IsArray(entries))
        return fg_error_set(err, FG_EINVAL, NULL, "%s: Bundle.entry is missing", source);
    size_t n = (size_t)cJSON_GetArraySize(entries);
    if (n > FG_MAX_BUNDLE_ENTRIES)
        return fg_error_set(err, FG_ETOOBIG, NULL, "%s: %zu entries (limit %d)", source, n,
                            FG_MAX_BUNDLE_ENTRIES);
    struct fhir_write *w = fg_pool_zalloc(pool, (n ? n : 1) * sizeof *w);
    if (!w)
        return fg_error_set(err, FG_ENOMEM, NULL, "%s: out of memory", source);
    size_t k = 0, i = 0;
    cJSON *entry;
    cJSON_ArrayForEach(entry, entries)
    {
        enum fg_status rc = entry_write(entry, i, source, &w[k], err);
        bool same;
        if (rc == FG_OK)
            rc = stored_equal(store, pool, w[k].type, w[k].id, w[k].resource, source, &same, err);
        if (rc != FG_OK)
            return rc;
        if (!same)
            k++;
        i++;
    }
    *out = w;
    *n_out = k;
    *n_entries = n;
    return FG_OK;
}

static int64_t today_days_of(const struct fg_clock *clock)
{
    int64_t us = fg_clock_now_us(clock), day = 86400LL * 1000000LL;
    return us >= 0 ? us / day : -((-us + day - 1) / day);
}

enum fg_status fg_seed_load_text(struct fhir_store *store, struct fg_str text, int64_t today_days,
                                 const char *source, struct fg_seed_report *report,
                                 struct fg_error *err)
{
    struct fg_buf expanded;
    struct fg_pool *pool = NULL;
    cJSON *bundle = NULL;
    struct fhir_write *writes = NULL;
    size_t n_writes = 0, n_entries = 0;
    enum fg_status rc;

    fg_buf_init(&expanded, FG_MAX_BODY_BYTES);
    rc = fg_placeholder_expand(text, today_days, source, &expanded, err);
    if (rc != FG_OK) {
        fg_error_set(err, rc, NULL, "%s: too large after expanding dates", source);
        goto out;
    }
    rc = FG_EINVAL;
    bundle = cJSON_ParseWithLength(fg_buf_str(&expanded).ptr, expanded.len);
    if (!bundle) {
        fg_error_set(err, rc, NULL, "%s: malformed JSON", source);
        goto out;
    }
    rc = FG_ENOMEM;
    pool = fg_pool_new();
    if (!pool) {
        fg_error_set(err, rc, NULL, "%s: out of memory", source);
        goto out;
    }
    rc = collect_writes(store, pool, bundle, source, &writes, &n_writes, &n_entries, err);
    if (rc != FG_OK)
        goto out;
    if (n_writes > 0) {
        struct fhir_write_result *res = fg_pool_zalloc(pool, n_writes * sizeof *res);
        rc = res ? fhir_store_write(store, pool, writes, n_writes, res, err) : FG_ENOMEM;
        if (rc != FG_OK) {
            fg_error_set(err, rc, NULL, "%s: store write failed", source);
            goto out;
        }
        for (size_t i = 0; i < n_writes; i++) {
            if (res[i].outcome == FHIR_WRITE_CREATED)
                report->created++;
            else if (res[i].outcome == FHIR_WRITE_UPDATED)
                report->updated++;
            else
                report->unchanged++;
        }
    }
    report->files++;
    report->resources += n_entries;
    report->unchanged += n_entries - n_writes;
out:
    fg_pool_free(&pool);
    cJSON_Delete(bundle);
    fg_buf_cleanup(&expanded);
    return rc;
}

/* ------------------------------------------------------------ files */

struct name_list {
    char **v;
    size_t n, cap;
};

static void names_free(struct name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        fg_free(l->v[i]);
    fg_free(l->v);
    memset(l, 0, sizeof *l);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum fg_status join_path(char *out, const char *dir, const char *name, struct fg_error *err)
{
    int n = snprintf(out, SEED_PATH_MAX, "%s/%s", dir, name);
    if (n < 0 || n >= SEED_PATH_MAX)
        return fg_error_set(err, FG_ETOOBIG, NULL, "path too long: %s/%s", dir, name);
    return FG_OK;
}

/* Lists dir's *.json files (want_dirs false) or subdirectories (true),
 * sorted. A missing dir is an empty list. Caller frees with names_free. */
static enum fg_status list_dir(const char *dir, bool want_dirs, struct name_list *out,
                               struct fg_error *err)
{
    char path[SEED_PATH_MAX];
    struct dirent *de;
    enum fg_status rc = FG_OK;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? FG_OK : fg_error_set(err, FG_EIO, NULL, "cannot open %s: %s", dir, strerror(errno));
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        size_t len = strlen(de->d_name);
        if (de->d_name[0] == '.')
            continue;
        rc = join_path(path, dir, de->d_name, err);
        if (rc != FG_OK)
            break;
        if (stat(path, &st) != 0 || (want_dirs ? !S_ISDIR(st.st_mode)
                                               : (!S_ISREG(st.st_mode) || len < 5 ||
                                                  strcmp(de->d_name + len - 5, ".json") != 0)))
            continue;
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 16;
            char **v = cap <= SEED_MAX_DIR_ENTRIES ? fg_realloc(out->v, cap * sizeof *v) : NULL;
            if (!v) {
                rc = fg_error_set(err, cap > SEED_MAX_DIR_ENTRIES ? FG_ETOOBIG : FG_ENOMEM, NULL,
                                  "%s: too many entries", dir);
                break;
            }
            out->v = v;
            out->cap = cap;
        }
        out->v[out->n] = fg_strdup(de->d_name);
        if (!out->v[out->n]) {
            rc = fg_error_set(err, FG_ENOMEM, NULL, "out of memory listing %s", dir);
            break;
        }
        out->n++;
    }
    closedir(d);
    if (rc == FG_OK && out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, cmp_names);
    return rc;
}

static enum fg_status read_file(const char *path, struct fg_buf *out, struct fg_error *err)
{
    char chunk[65536];
    size_t got;
    enum fg_status rc = FG_OK;
    FILE *f = fopen(path, "rb");
    if (!f)
        return fg_error_set(err, FG_EIO, NULL, "cannot open %s: %s", path, strerror(errno));
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        rc = fg_buf_append(out, chunk, got);
        if (rc != FG_OK) {
            fg_error_set(err, rc, NULL, "%s: larger than %u bytes", path, FG_MAX_BODY_BYTES);
            break;
        }
    }
    if (rc == FG_OK && ferror(f))
        rc = fg_error_set(err, FG_EIO, NULL, "cannot read %s", path);
    fclose(f);
    return rc;
}

static enum fg_status load_dir_files(struct fhir_store *store, const char *dir, int64_t today,
                                     struct fg_seed_report *report, struct fg_error *err)
{
    struct name_list files = {0};
    struct fg_buf text;
    char path[SEED_PATH_MAX];
    enum fg_status rc;

    fg_buf_init(&text, FG_MAX_BODY_BYTES);
    rc = list_dir(dir, false, &files, err);
    for (size_t i = 0; rc == FG_OK && i < files.n; i++) {
        fg_buf_reset(&text);
        rc = join_path(path, dir, files.v[i], err);
        if (rc == FG_OK)
            rc = read_file(path, &text, err);
        if (rc == FG_OK)
            rc = fg_seed_load_text(store, fg_buf_str(&text), today, path, report, err);
    }
    fg_buf_cleanup(&text);
    names_free(&files);
    return rc;
}

enum fg_status fg_seed_load(struct fhir_store *store, const struct fg_clock *clock,
                            const char *fixtures_dir, struct fg_seed_report *report,
                            struct fg_error *err)
{
    struct name_list patients = {0};
    char shared[SEED_PATH_MAX], pdir[SEED_PATH_MAX], one[SEED_PATH_MAX];
    struct stat st;
    int64_t today = today_days_of(clock);
    enum fg_status rc;

    memset(report, 0, sizeof *report);
    if (stat(fixtures_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return fg_error_set(err, FG_EIO, NULL, "fixtures directory %s not found", fixtures_dir);
    rc = join_path(shared, fixtures_dir, "shared", err);
    if (rc == FG_OK)
        rc = join_path(pdir, fixtures_dir, "patients", err);
    if (rc == FG_OK)
        rc = load_dir_files(store, shared, today, report, err);
    if (rc == FG_OK)
        rc = list_dir(pdir, true, &patients, err);
    for (size_t i = 0; rc == FG_OK && i < patients.n; i++) {
        rc = join_path(one, pdir, patients.v[i], err);
        if (rc == FG_OK)
            rc = load_dir_files(store, one, today, report, err);
    }
    names_free(&patients);
    return rc;
}
