/* collect.h - an emit callback for the import tests: keeps each Observation's primary code,
 * identifier and (optionally) a copy of the resource, and checks the US Core shape every
 * Observation must have (wearables.md §3.3). */
#ifndef IMPORT_COLLECT_H
#define IMPORT_COLLECT_H

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "import/imp_run.h"

#define COLLECT_MAX 4096

struct collected {
    char code[16];
    char key[IMP_KEY_MAX];
    bool replace;
};

struct collect {
    size_t n;
    size_t bad_shape; /* Observations missing something every one must have */
    cJSON *keep;      /* array of copies when keep_all is set */
    bool keep_all;
    struct collected items[COLLECT_MAX];
};

static inline struct collect *collect_new(bool keep_all)
{
    struct collect *c = calloc(1, sizeof *c);
    if (c && keep_all) {
        c->keep_all = true;
        c->keep = cJSON_CreateArray();
    }
    return c;
}

static inline void collect_free(struct collect *c)
{
    if (c)
        cJSON_Delete(c->keep);
    free(c);
}

static inline const char *jstr(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static inline bool shape_ok(const cJSON *obs, const struct imp_emit *e)
{
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obs, "meta");
    const cJSON *tag = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(meta, "tag"), 0);
    const cJSON *id = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(obs, "identifier"), 0);
    const cJSON *subj = cJSON_GetObjectItemCaseSensitive(obs, "subject");
    const cJSON *perf = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(obs, "performer"), 0);
    const char *ref = jstr(subj, "reference");
    bool has_value = cJSON_GetObjectItemCaseSensitive(obs, "valueQuantity") ||
                     cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(obs, "component")) == 2;
    bool has_time =
        jstr(obs, "effectiveDateTime") || cJSON_GetObjectItemCaseSensitive(obs, "effectivePeriod");
    return jstr(obs, "resourceType") && strcmp(jstr(obs, "resourceType"), "Observation") == 0 &&
           jstr(obs, "status") && strcmp(jstr(obs, "status"), "final") == 0 && tag &&
           jstr(tag, "code") && strcmp(jstr(tag, "code"), "patient-supplied") == 0 && id &&
           jstr(id, "value") && strcmp(jstr(id, "value"), e->identifier_value) == 0 &&
           strcmp(jstr(id, "system"), IMP_KEY_SYSTEM) == 0 && ref && jstr(perf, "reference") &&
           strcmp(ref, jstr(perf, "reference")) == 0 && has_value && has_time &&
           cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(obs, "category")) >= 1 &&
           cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(meta, "profile")) == 1;
}

static inline enum fg_status collect_cb(void *ctx, const struct imp_emit *e)
{
    struct collect *c = ctx;
    if (c->n == COLLECT_MAX)
        return FG_ETOOBIG;
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(e->obs, "code");
    const cJSON *coding = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(code, "coding"), 0);
    const char *loinc = jstr(coding, "code");
    struct collected *it = &c->items[c->n++];
    snprintf(it->code, sizeof it->code, "%s", loinc ? loinc : "?");
    snprintf(it->key, sizeof it->key, "%s", e->identifier_value);
    it->replace = e->replace;
    if (!shape_ok(e->obs, e))
        c->bad_shape++;
    if (c->keep_all)
        cJSON_AddItemToArray(c->keep, cJSON_Duplicate(e->obs, 1));
    return FG_OK;
}

static inline size_t collect_count(const struct collect *c, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        n += strcmp(c->items[i].code, code) == 0;
    return n;
}

/* Number of identifiers that occur more than once. */
static inline size_t collect_dup_keys(const struct collect *c)
{
    size_t d = 0;
    for (size_t i = 0; i < c->n; i++) {
        for (size_t j = i + 1; j < c->n; j++) {
            if (strcmp(c->items[i].key, c->items[j].key) == 0) {
                d++;
                break;
            }
        }
    }
    return d;
}

/* The first kept Observation whose primary code is code (keep_all only). */
static inline const cJSON *collect_find(const struct collect *c, const char *code)
{
    const cJSON *obs;
    cJSON_ArrayForEach(obs, c->keep)
    {
        const cJSON *cd = cJSON_GetObjectItemCaseSensitive(obs, "code");
        const cJSON *cg = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(cd, "coding"), 0);
        if (jstr(cg, "code") && strcmp(jstr(cg, "code"), code) == 0)
            return obs;
    }
    return NULL;
}

/* Reads path whole into a malloc'd buffer; NULL when it does not exist. */
static inline char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0)
            break;
        n += got;
    }
    fclose(f);
    *len = n;
    return buf;
}

#endif
