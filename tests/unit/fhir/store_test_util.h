/* store_test_util.h - a temporary SQLite store and query helpers shared by
 * the store's unit tests. Each test opens its own database under /tmp
 * (mkstemp name) and removes it (with -wal and -shm) when done. */
#ifndef FG_STORE_TEST_UTIL_H
#define FG_STORE_TEST_UTIL_H

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "core/fg_buf.h"
#include "core/fg_clock.h"
#include "core/fg_limits.h"
#include "core/fg_pool.h"
#include "fhir/search.h"
#include "fhir/store.h"
#include "fhir/store_sqlite.h"

#define ST_BASE "http://fhir.test/fhir"
#define ST_NOW_US 1795435200000000LL /* 2026-11-23T12:00:00Z */

struct st_ctx {
    char path[64];
    struct fg_clock clock;
    struct fhir_store *store;
    struct fg_pool *pool;
    struct fg_error err;
};

static inline void st_reopen(struct st_ctx *t)
{
    struct fhir_store_sqlite_options opt = {.connections = 2, .base_url = ST_BASE};
    fhir_store_close(&t->store);
    fg_error_clear(&t->err);
    if (fhir_store_sqlite_open(t->path, &t->clock, &opt, &t->store, &t->err) != FG_OK) {
        fprintf(stderr, "cannot open store: %s\n", t->err.diagnostics);
        abort();
    }
}

static inline void st_open(struct st_ctx *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "/tmp/fg-store-test-XXXXXX");
    int fd = mkstemp(t->path);
    if (fd < 0)
        abort();
    close(fd);
    t->clock.pinned_us = ST_NOW_US;
    t->pool = fg_pool_new();
    st_reopen(t);
}

/* other: a second store on t's file (what another process sees). */
static inline void st_open_second(const struct st_ctx *t, struct st_ctx *other)
{
    memset(other, 0, sizeof *other);
    memcpy(other->path, t->path, sizeof t->path);
    other->clock.pinned_us = ST_NOW_US;
    other->pool = fg_pool_new();
    st_reopen(other);
}

static inline void st_close(struct st_ctx *t)
{
    char p[80];
    fhir_store_close(&t->store);
    fg_pool_free(&t->pool);
    unlink(t->path);
    snprintf(p, sizeof p, "%s-wal", t->path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", t->path);
    unlink(p);
    snprintf(p, sizeof p, "%s-epoch", t->path);
    unlink(p);
}

static inline bool st_contains(struct fg_str s, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= s.len; i++)
        if (memcmp(s.ptr + i, needle, n) == 0)
            return true;
    return false;
}

static inline enum fg_status st_parse(struct st_ctx *t, const char *type, const char *qs,
                               struct fhir_query *q)
{
    struct fhir_kv *kv = NULL;
    size_t n = 0;
    fg_error_clear(&t->err);
    enum fg_status st = fhir_form_parse(t->pool, fg_str_c(qs), FG_MAX_SEARCH_PARAMS, &kv, &n,
                                        &t->err);
    if (st == FG_OK)
        st = fhir_search_parse(t->pool, fg_str_c(type), fg_str_c(ST_BASE), kv, n,
                               FHIR_HANDLING_STRICT, q, &t->err);
    if (st != FG_OK)
        fprintf(stderr, "  parse '%s': %s\n", qs, t->err.diagnostics);
    return st;
}

static inline enum fg_status st_write1(struct st_ctx *t, enum fhir_write_kind kind, const char *type,
                                const char *id, const char *json, int64_t if_match,
                                const struct fhir_query *ine, struct fhir_write_result *r)
{
    cJSON *doc = json ? cJSON_Parse(json) : NULL;
    struct fhir_write w = {.kind = kind, .type = fg_str_c(type), .id = fg_str_c(id),
                           .resource = doc, .if_match_version = if_match,
                           .if_none_exist = ine};
    fg_error_clear(&t->err);
    enum fg_status st = fhir_store_write(t->store, t->pool, &w, 1, r, &t->err);
    cJSON_Delete(doc);
    return st;
}

static inline enum fg_status st_put(struct st_ctx *t, const char *type, const char *id, const char *json)
{
    struct fhir_write_result r;
    enum fg_status st = st_write1(t, FHIR_WRITE_UPDATE, type, id, json, 0, NULL, &r);
    if (st != FG_OK)
        fprintf(stderr, "  put %s/%s: %s\n", type, id, t->err.diagnostics);
    return st;
}

static inline enum fg_status st_search(struct st_ctx *t, const char *type, const char *qs,
                                struct fhir_search_result *res)
{
    struct fhir_query q;
    enum fg_status st = st_parse(t, type, qs, &q);
    memset(res, 0, sizeof *res);
    if (st == FG_OK)
        st = fhir_store_search(t->store, t->pool, &q, res, &t->err);
    return st;
}

/* The total of a search; -100 on failure. */
static inline int64_t st_count(struct st_ctx *t, const char *type, const char *qs)
{
    struct fhir_search_result res;
    enum fg_status st = st_search(t, type, qs, &res);
    if (st != FG_OK) {
        fprintf(stderr, "  search %s?%s: %s\n", type, qs, t->err.diagnostics);
        return -100;
    }
    return res.total;
}

/* Joins the ids of the matches (then "|" and the included type/ids). */
static inline const char *st_ids_of(struct st_ctx *t, const struct fhir_search_result *res)
{
    struct fg_buf b;
    fg_buf_init(&b, 1 << 20);
    for (size_t i = 0; i < res->n_matches; i++) {
        if (i)
            fg_buf_append_char(&b, ',');
        fg_buf_append_str(&b, res->matches[i].id);
    }
    if (res->n_included)
        fg_buf_append_char(&b, '|');
    for (size_t i = 0; i < res->n_included; i++) {
        if (i)
            fg_buf_append_char(&b, ',');
        fg_buf_append_str(&b, res->included[i].type);
        fg_buf_append_char(&b, '/');
        fg_buf_append_str(&b, res->included[i].id);
    }
    const char *out = fg_pool_strndup(t->pool, b.data ? b.data : "", b.len);
    fg_buf_cleanup(&b);
    return out;
}

static inline const char *st_ids(struct st_ctx *t, const char *type, const char *qs)
{
    struct fhir_search_result res;
    enum fg_status st = st_search(t, type, qs, &res);
    if (st != FG_OK) {
        fprintf(stderr, "  search %s?%s: %s\n", type, qs, t->err.diagnostics);
        return "ERROR";
    }
    return st_ids_of(t, &res);
}

/* n synthetic Observations o<start..> in one transaction, over n_patients
 * patients pt<k> (Observation k belongs to patient (k / group) % n_patients:
 * group 1 spreads every batch over all patients, a larger group keeps a
 * patient's Observations together as a per-patient loader would), half
 * vital signs, dates 2019-2021. */
static inline enum fg_status st_load_observations_ex(struct st_ctx *t, int start, int n,
                                                     int n_patients, int group)
{
    struct fhir_write *w = calloc((size_t)n, sizeof *w);
    struct fhir_write_result *r = calloc((size_t)n, sizeof *r);
    struct fg_pool *pool = fg_pool_new();
    for (int i = 0; i < n; i++) {
        int k = start + i;
        char buf[1024];
        snprintf(buf, sizeof buf,
                 "{\"resourceType\":\"Observation\",\"status\":\"final\","
                 "\"category\":[{\"coding\":[{\"system\":"
                 "\"http://terminology.hl7.org/CodeSystem/observation-category\","
                 "\"code\":\"%s\"}]}],"
                 "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"%s\","
                 "\"display\":\"Heart rate\"}],\"text\":\"Heart rate\"},"
                 "\"subject\":{\"reference\":\"Patient/pt%d\"},"
                 "\"effectiveDateTime\":\"%d-%02d-%02dT08:30:00Z\","
                 "\"valueQuantity\":{\"value\":%d,\"unit\":\"/min\","
                 "\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"}}",
                 (k / (group * n_patients)) % 2 == k % 2 ? "laboratory" : "vital-signs",
                 (k / (group * n_patients)) % 2 == k % 2 ? "2339-0" : "8867-4",
                 (k / group) % n_patients, 2019 + k % 3, 1 + k % 12, 1 + k % 28, 50 + k % 60);
        w[i].kind = FHIR_WRITE_CREATE;
        w[i].type = fg_str_c("Observation");
        char *id = fg_pool_printf(pool, "o%d", k);
        w[i].id = fg_str_c(id);
        w[i].resource = cJSON_Parse(buf);
    }
    fg_error_clear(&t->err);
    enum fg_status st = fhir_store_write(t->store, pool, w, (size_t)n, r, &t->err);
    if (st != FG_OK)
        fprintf(stderr, "  load: %s\n", t->err.diagnostics);
    for (int i = 0; i < n; i++)
        cJSON_Delete(w[i].resource);
    free(w);
    free(r);
    fg_pool_free(&pool);
    return st;
}

static inline enum fg_status st_load_observations(struct st_ctx *t, int start, int n,
                                                  int n_patients)
{
    return st_load_observations_ex(t, start, n, n_patients, 1);
}

#endif
