/* seed_test.c - relative-date placeholders and the fixture loader.
 *
 * The loader runs against a small in-memory store (below) that keeps every
 * version, so idempotency is checked by version numbers; once the SQLite
 * store is merged the same checks run against a temporary database. */
#include "../test.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "core/fg_buf.h"
#include "core/fg_clock.h"
#include "core/fg_mem.h"
#include "core/fg_pool.h"
#include "fhir/store.h"
#include "gateway/placeholder.h"
#include "gateway/seed.h"

/* The SQLite store arrives with branch h-store; until fhir/store_sqlite.c
 * exists the SQLite half of the idempotency test is not compiled. */
#if defined(__has_include)
#if __has_include("fhir/store_sqlite.c")
#define SEED_TEST_SQLITE 1
#include <unistd.h>

#include "fhir/store_sqlite.h"
#endif
#endif

static int64_t day_of(int64_t y, unsigned m, unsigned d)
{
    return fg_days_from_civil(y, m, d);
}

/* ------------------------------------------------------------ placeholders */

static void test_placeholder_table(void)
{
    static const struct {
        int64_t y;
        unsigned m, d; /* the load day */
        const char *in, *want;
    } rows[] = {
        {2026, 11, 23, "${date:0}", "2026-11-23"},
        {2026, 11, 23, "${date:-8y-97d}", "2018-08-18"},
        {2026, 11, 23, "${date:-15y-200d}", "2011-05-07"},
        {2026, 3, 31, "${date:-1m}", "2026-02-28"},          /* clamp to month length */
        {2026, 1, 31, "${date:+1m}", "2026-02-28"},
        {2028, 2, 29, "${date:-1y}", "2027-02-28"},          /* leap day */
        {2028, 2, 29, "${date:+4y}", "2032-02-29"},
        {2028, 2, 29, "${date:-1y+1y}", "2028-02-28"},       /* left to right */
        {2026, 11, 23, "${date:-11m}", "2025-12-23"},
        {2026, 1, 15, "${date:-23m}", "2024-02-15"},
        {2026, 11, 23, "${date:-8y-97d+6y+3m+10d}", "2024-11-28"},
        {2026, 11, 23, "${datetime:-2y+10d@09:30}", "2024-12-03T09:30:00Z"},
        {2026, 11, 23, "${datetime:0}", "2026-11-23T00:00:00Z"},
        {2026, 11, 23, "${instant:-1d}", "2026-11-22T00:00:00.000Z"},
        {2026, 12, 28, "${instant:+1w@23:59:59}", "2027-01-04T23:59:59.000Z"},
        {2026, 11, 23, "\"a ${date:0} b ${date:+1d}\"", "\"a 2026-11-23 b 2026-11-24\""},
        {2026, 11, 23, "$${date:0}", "${date:0}"},           /* escaped */
        {2026, 11, 23, "$$${date:0}", "$${date:0}"},
        {2026, 11, 23, "costs $5 {x} $", "costs $5 {x} $"},  /* a lone $ is text */
        {2026, 11, 23, "", ""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct fg_buf out;
        struct fg_error err;
        fg_buf_init(&out, 4096);
        fg_error_clear(&err);
        enum fg_status st = fg_placeholder_expand(fg_str_c(rows[i].in),
                                                  day_of(rows[i].y, rows[i].m, rows[i].d),
                                                  "t.json", &out, &err);
        CHECK_INT(st, FG_OK);
        CHECK_SLICE(fg_buf_str(&out), rows[i].want);
        fg_buf_cleanup(&out);
    }
}

static void test_placeholder_bad(void)
{
    static const char *const bad[] = {
        "${date:}",              /* empty offset */
        "${date:-8x}",           /* unknown unit */
        "${date:8y}",            /* no sign */
        "${date:-y}",            /* no number */
        "${date:-123456d}",      /* more than 5 digits */
        "${date:-1y-}",          /* trailing sign */
        "${date:- 1y}",
        "${date:00}",
        "${dat:0}",              /* unknown kind */
        "${DATE:0}",
        "${:0}",
        "${date}",               /* no colon */
        "${date:0@09:00}",       /* a date takes no time */
        "${datetime:0@24:00}",
        "${datetime:0@09:60}",
        "${datetime:0@9:00}",
        "${datetime:0@09:00:}",
        "${datetime:0@09:00:60}",
        "${datetime:0@}",
        "${date:-3000y}",        /* before year 1 */
        "${date:+8000y}",        /* after 9999 */
        "${date:0",              /* unterminated */
        "x ${date:-1d",
        "${date:+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d+1d}", /* > 64 bytes */
        "${date:0\xff}",         /* a stray byte */
        "${date:0\0}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct fg_buf out;
        struct fg_error err;
        fg_buf_init(&out, 4096);
        fg_error_clear(&err);
        size_t len = strcmp(bad[i], "${date:0") == 0 && i + 1 == sizeof bad / sizeof bad[0]
                         ? 11 : strlen(bad[i]);
        enum fg_status st = fg_placeholder_expand(fg_str_n(bad[i], len), day_of(2026, 11, 23),
                                                  "fixtures/x.json", &out, &err);
        CHECK_INT(st, FG_EINVAL);
        CHECK(strstr(err.diagnostics, "fixtures/x.json") != NULL);
        CHECK(strstr(err.diagnostics, "${") != NULL);
        if (st != FG_EINVAL)
            fprintf(stderr, "  row %zu: \"%s\"\n", i, bad[i]);
        fg_buf_cleanup(&out);
    }
}

static void test_placeholder_names_the_text(void)
{
    struct fg_buf out;
    struct fg_error err;
    fg_buf_init(&out, 4096);
    fg_error_clear(&err);
    CHECK_INT(fg_placeholder_expand(fg_str_c("{\"birthDate\": \"${date:-8q}\"}"),
                                    day_of(2026, 11, 23), "patients/lily/01.json", &out, &err),
              FG_EINVAL);
    CHECK(strstr(err.diagnostics, "patients/lily/01.json") != NULL);
    CHECK(strstr(err.diagnostics, "${date:-8q}") != NULL);
    fg_buf_cleanup(&out);
}

static void test_placeholder_cap(void)
{
    struct fg_buf out;
    struct fg_error err;
    fg_buf_init(&out, 12); /* "2026-11-23" fits, two of them do not */
    fg_error_clear(&err);
    CHECK_INT(fg_placeholder_expand(fg_str_c("${date:0}"), day_of(2026, 11, 23), "t", &out, &err),
              FG_OK);
    fg_buf_reset(&out);
    CHECK_INT(fg_placeholder_expand(fg_str_c("${date:0}${date:0}"), day_of(2026, 11, 23), "t",
                                    &out, &err),
              FG_ETOOBIG);
    CHECK(out.len <= 12);
    fg_buf_cleanup(&out);
}

/* ------------------------------------------------------------ in-memory store */

#define MEM_MAX 2048

struct mem_row {
    char key[160];   /* Type/id */
    int64_t version;
    char *json;      /* fg_malloc'd */
};

struct mem_store {
    struct fhir_store base;
    struct mem_row rows[MEM_MAX];
    size_t n;
    size_t writes;   /* write calls */
    const char *fail_type; /* write of this type fails (atomicity check) */
};

static struct mem_row *mem_find(struct mem_store *m, struct fg_str type, struct fg_str id)
{
    char key[160];
    if (snprintf(key, sizeof key, "%.*s/%.*s", (int)type.len, type.ptr, (int)id.len, id.ptr) >=
        (int)sizeof key)
        return NULL;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->rows[i].key, key) == 0)
            return &m->rows[i];
    return NULL;
}

static enum fg_status mem_read(struct fhir_store *s, struct fg_pool *pool, struct fg_str type,
                               struct fg_str id, struct fhir_resource *out, struct fg_error *err)
{
    struct mem_row *r = mem_find((struct mem_store *)s, type, id);
    if (!r)
        return fg_error_set(err, FG_ENOTFOUND, NULL, "no such resource");
    memset(out, 0, sizeof *out);
    out->type = type;
    out->id = id;
    out->version = r->version;
    out->json = fg_pool_str(pool, fg_str_c(r->json));
    return FG_OK;
}

static enum fg_status mem_write(struct fhir_store *s, struct fg_pool *pool,
                                const struct fhir_write *w, size_t n,
                                struct fhir_write_result *res, struct fg_error *err)
{
    struct mem_store *m = (struct mem_store *)s;
    (void)pool;
    m->writes++;
    for (size_t i = 0; i < n; i++)
        if (m->fail_type && fg_str_eq_c(w[i].type, m->fail_type))
            return fg_error_set(err, FG_EIO, NULL, "injected failure");
    for (size_t i = 0; i < n; i++) {
        struct mem_row *r = mem_find(m, w[i].type, w[i].id);
        if (!r) {
            if (m->n == MEM_MAX)
                return fg_error_set(err, FG_ETOOBIG, NULL, "store full");
            r = &m->rows[m->n];
            int k = snprintf(r->key, sizeof r->key, "%.*s/%.*s", (int)w[i].type.len,
                             w[i].type.ptr, (int)w[i].id.len, w[i].id.ptr);
            if (k < 0 || (size_t)k >= sizeof r->key)
                return fg_error_set(err, FG_ETOOBIG, NULL, "key too long");
            m->n++;
            r->version = 0;
            r->json = NULL;
        }
        r->version++;
        cJSON *meta = cJSON_GetObjectItemCaseSensitive(w[i].resource, "meta");
        if (!meta)
            meta = cJSON_AddObjectToObject(w[i].resource, "meta");
        char ver[24];
        int k = snprintf(ver, sizeof ver, "%lld", (long long)r->version);
        if (k < 0 || (size_t)k >= sizeof ver)
            return fg_error_set(err, FG_EIO, NULL, "version");
        cJSON_DeleteItemFromObjectCaseSensitive(meta, "versionId");
        cJSON_DeleteItemFromObjectCaseSensitive(meta, "lastUpdated");
        cJSON_AddStringToObject(meta, "versionId", ver);
        cJSON_AddStringToObject(meta, "lastUpdated", "2026-11-23T12:00:00.000Z");
        char *text = cJSON_PrintUnformatted(w[i].resource);
        fg_free(r->json);
        r->json = text ? fg_strdup(text) : NULL;
        free(text);
        res[i].outcome = r->version == 1 ? FHIR_WRITE_CREATED : FHIR_WRITE_UPDATED;
        res[i].res.version = r->version;
    }
    return FG_OK;
}

static void mem_close(struct fhir_store *s)
{
    struct mem_store *m = (struct mem_store *)s;
    for (size_t i = 0; i < m->n; i++)
        fg_free(m->rows[i].json);
    fg_free(m);
}

static const struct fhir_store_ops mem_ops = {
    .name = "memory", .read = mem_read, .write = mem_write, .close = mem_close,
};

static struct mem_store *mem_new(const struct fg_clock *clock)
{
    struct mem_store *m = fg_calloc(1, sizeof *m);
    if (m) {
        m->base.ops = &mem_ops;
        m->base.clock = clock;
    }
    return m;
}

static int64_t max_version(const struct mem_store *m)
{
    int64_t v = 0;
    for (size_t i = 0; i < m->n; i++)
        if (m->rows[i].version > v)
            v = m->rows[i].version;
    return v;
}

/* ------------------------------------------------------------ loader */

static const char *fixtures_dir(void)
{
    const char *d = getenv("FG_TEST_FIXTURES");
    return d && d[0] ? d : "fixtures";
}

static void test_seed_fixtures_twice(void)
{
    struct fg_clock clock = {0};
    struct fg_error err;
    struct fg_seed_report rep;
    CHECK_INT(fg_clock_pin(&clock, fg_str_c("2026-11-23")), FG_OK);
    struct mem_store *m = mem_new(&clock);
    CHECK(m != NULL);
    if (!m)
        return;

    fg_error_clear(&err);
    CHECK_INT(fg_seed_load(&m->base, &clock, fixtures_dir(), &rep, &err), FG_OK);
    if (err.status != FG_OK)
        fprintf(stderr, "  seed: %s\n", err.diagnostics);
    CHECK(rep.files >= 20);
    CHECK(rep.resources > 300);
    CHECK_INT(rep.resources, m->n);          /* every entry stored, ids unique */
    CHECK_INT(rep.created, rep.resources);
    CHECK_INT(rep.updated + rep.unchanged, 0);
    CHECK_INT(max_version(m), 1);
    CHECK_INT(m->writes, rep.files);         /* one atomic write per file */
    struct fhir_resource lily;
    struct fg_pool *pool = fg_pool_new();
    CHECK_INT(mem_read(&m->base, pool, FG_STR_LIT("Patient"), FG_STR_LIT("lily"), &lily, &err),
              FG_OK);
    CHECK(lily.json.len > 0 && strstr(lily.json.ptr, "\"birthDate\":\"2018-08-18\"") != NULL);
    CHECK(strstr(lily.json.ptr, "${") == NULL);
    fg_pool_free(&pool);

    /* Same day again: nothing is written. */
    size_t first = rep.resources, writes = m->writes;
    fg_error_clear(&err);
    CHECK_INT(fg_seed_load(&m->base, &clock, fixtures_dir(), &rep, &err), FG_OK);
    CHECK_INT(rep.resources, first);
    CHECK_INT(rep.unchanged, first);
    CHECK_INT(rep.created + rep.updated, 0);
    CHECK_INT(max_version(m), 1);
    CHECK_INT(m->writes, writes);

    /* A day later every relative date moves: new versions, no new resources. */
    CHECK_INT(fg_clock_pin(&clock, fg_str_c("2026-11-24")), FG_OK);
    fg_error_clear(&err);
    CHECK_INT(fg_seed_load(&m->base, &clock, fixtures_dir(), &rep, &err), FG_OK);
    CHECK_INT(rep.created, 0);
    CHECK(rep.updated > first / 2);
    CHECK_INT(rep.updated + rep.unchanged, first);
    CHECK_INT(m->n, first);
    CHECK_INT(max_version(m), 2);
    mem_close(&m->base);
}

static void test_seed_bad_bundles(void)
{
    static const struct {
        const char *text;
        enum fg_status st;
        const char *diag; /* a fragment the diagnostic must hold */
    } rows[] = {
        {"{", FG_EINVAL, "malformed JSON"},
        {"[]", FG_EINVAL, "not a transaction Bundle"},
        {"{\"resourceType\":\"Bundle\",\"type\":\"batch\",\"entry\":[]}", FG_EINVAL, "transaction"},
        {"{\"resourceType\":\"Bundle\",\"type\":\"transaction\"}", FG_EINVAL, "entry"},
        {"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":"
         "{\"resourceType\":\"Patient\",\"id\":\"p1\"},\"request\":{\"method\":\"POST\","
         "\"url\":\"Patient\"}}]}",
         FG_EINVAL, "entry[0]: request.method"},
        {"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":"
         "{\"resourceType\":\"Patient\",\"id\":\"p1\"},\"request\":{\"method\":\"PUT\","
         "\"url\":\"Patient/p2\"}}]}",
         FG_EINVAL, "request.url must be Patient/p1"},
        {"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":"
         "{\"resourceType\":\"Patient\",\"id\":\"bad id!\"},\"request\":{\"method\":\"PUT\","
         "\"url\":\"Patient/bad id!\"}}]}",
         FG_EINVAL, "valid id"},
        {"{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":"
         "{\"resourceType\":\"Patient\",\"id\":\"p1\",\"birthDate\":\"${date:-8}\"},"
         "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/p1\"}}]}",
         FG_EINVAL, "${date:-8}"},
    };
    struct fg_clock clock = {0};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct mem_store *m = mem_new(&clock);
        struct fg_seed_report rep = {0};
        struct fg_error err;
        fg_error_clear(&err);
        CHECK_INT(fg_seed_load_text(&m->base, fg_str_c(rows[i].text), day_of(2026, 11, 23),
                                    "bad.json", &rep, &err),
                  rows[i].st);
        CHECK(strstr(err.diagnostics, "bad.json") != NULL);
        CHECK(strstr(err.diagnostics, rows[i].diag) != NULL);
        if (!strstr(err.diagnostics, rows[i].diag))
            fprintf(stderr, "  row %zu: %s\n", i, err.diagnostics);
        CHECK_INT(m->n, 0);
        CHECK_INT(rep.files, 0);
        mem_close(&m->base);
    }
}

/* A file whose write fails leaves nothing of that file behind. */
static void test_seed_file_is_atomic(void)
{
    static const char text[] =
        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
        "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"a\",\"birthDate\":\"${date:-3y}\"},"
        "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/a\"}},"
        "{\"resource\":{\"resourceType\":\"Provenance\",\"id\":\"pa\"},"
        "\"request\":{\"method\":\"PUT\",\"url\":\"Provenance/pa\"}}]}";
    struct fg_clock clock = {0};
    struct mem_store *m = mem_new(&clock);
    struct fg_seed_report rep = {0};
    struct fg_error err;
    fg_error_clear(&err);
    m->fail_type = "Provenance";
    CHECK_INT(fg_seed_load_text(&m->base, fg_str_c(text), day_of(2026, 11, 23), "a.json", &rep,
                                &err),
              FG_EIO);
    CHECK_INT(m->n, 0);
    CHECK(strstr(err.diagnostics, "injected failure") != NULL);
    m->fail_type = NULL;
    fg_error_clear(&err);
    CHECK_INT(fg_seed_load_text(&m->base, fg_str_c(text), day_of(2026, 11, 23), "a.json", &rep,
                                &err),
              FG_OK);
    CHECK_INT(m->n, 2);
    CHECK_INT(rep.created, 2);
    CHECK(strstr(m->rows[0].json, "\"birthDate\":\"2023-11-23\"") != NULL);
    mem_close(&m->base);
}

/* Every allocation the loader makes may fail: it reports FG_ENOMEM (or the
 * store's error), counts nothing, and leaks nothing (ASan checks). */
static void test_seed_alloc_failures(void)
{
    static const char text[] =
        "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
        "{\"resource\":{\"resourceType\":\"Patient\",\"id\":\"a\",\"birthDate\":\"${date:-3y}\"},"
        "\"request\":{\"method\":\"PUT\",\"url\":\"Patient/a\"}}]}";
    struct fg_clock clock = {0};
    int succeeded = 0;
    for (unsigned long n = 1; n < 200 && !succeeded; n++) {
        struct mem_store *m = mem_new(&clock);
        struct fg_seed_report rep = {0};
        struct fg_error err;
        fg_error_clear(&err);
        fg_mem_fail_at(n);
        enum fg_status st = fg_seed_load_text(&m->base, fg_str_c(text), day_of(2026, 11, 23),
                                              "a.json", &rep, &err);
        fg_mem_fail_at(0);
        if (st == FG_OK) {
            succeeded = 1;
            CHECK_INT(rep.files, 1);
        } else {
            CHECK(st == FG_ENOMEM);
            CHECK_INT(rep.files, 0);
            CHECK(err.diagnostics[0] != '\0');
        }
        mem_close(&m->base);
    }
    CHECK(succeeded);
}

static void test_seed_missing_dir(void)
{
    struct fg_clock clock = {0};
    struct mem_store *m = mem_new(&clock);
    struct fg_seed_report rep;
    struct fg_error err;
    fg_error_clear(&err);
    CHECK_INT(fg_seed_load(&m->base, &clock, "/nonexistent/fixtures", &rep, &err), FG_EIO);
    CHECK(strstr(err.diagnostics, "/nonexistent/fixtures") != NULL);
    mem_close(&m->base);
}

#ifdef SEED_TEST_SQLITE
/* Loading twice into a real database writes nothing the second time. */
static void test_seed_sqlite_twice(void)
{
    char dir[] = "/tmp/fg-seed-XXXXXX";
    char db[sizeof dir + 16], side[sizeof dir + 24];
    struct fg_clock clock = {0};
    struct fhir_store *store = NULL;
    struct fg_seed_report rep;
    struct fg_error err;
    CHECK(mkdtemp(dir) != NULL);
    CHECK(snprintf(db, sizeof db, "%s/seed.db", dir) < (int)sizeof db);
    CHECK_INT(fg_clock_pin(&clock, fg_str_c("2026-11-23")), FG_OK);
    fg_error_clear(&err);
    struct fhir_store_sqlite_options opt = {.connections = 1};
    CHECK_INT(fhir_store_sqlite_open(db, &clock, &opt, &store, &err), FG_OK);
    if (!store) {
        fprintf(stderr, "  open: %s\n", err.diagnostics);
        return;
    }
    CHECK_INT(fg_seed_load(store, &clock, fixtures_dir(), &rep, &err), FG_OK);
    if (err.status != FG_OK)
        fprintf(stderr, "  seed: %s\n", err.diagnostics);
    size_t total = rep.resources;
    CHECK(total > 300);
    CHECK_INT(rep.created, total);
    CHECK_INT(fg_seed_load(store, &clock, fixtures_dir(), &rep, &err), FG_OK);
    CHECK_INT(rep.unchanged, total);
    CHECK_INT(rep.created + rep.updated, 0);
    struct fg_pool *pool = fg_pool_new();
    struct fhir_resource r;
    CHECK_INT(fhir_store_read(store, pool, FG_STR_LIT("Observation"), FG_STR_LIT("amy-bp-6"), &r,
                              &err),
              FG_OK);
    CHECK_INT(r.version, 1);
    CHECK_INT(fhir_store_read(store, pool, FG_STR_LIT("Patient"), FG_STR_LIT("max"), &r, &err),
              FG_OK);
    CHECK_INT(r.version, 1);
    fg_pool_free(&pool);
    fhir_store_close(&store);
    static const char *const files[] = {"seed.db", "seed.db-wal", "seed.db-shm", "seed.db-epoch"};
    for (size_t i = 0; i < 4; i++)
        if (snprintf(side, sizeof side, "%s/%s", dir, files[i]) < (int)sizeof side)
            unlink(side);
    CHECK_INT(rmdir(dir), 0);
}

TEST_MAIN(test_placeholder_table, test_placeholder_bad, test_placeholder_names_the_text,
          test_placeholder_cap, test_seed_fixtures_twice, test_seed_bad_bundles,
          test_seed_file_is_atomic, test_seed_alloc_failures, test_seed_missing_dir, test_seed_sqlite_twice)
#else
TEST_MAIN(test_placeholder_table, test_placeholder_bad, test_placeholder_names_the_text,
          test_placeholder_cap, test_seed_fixtures_twice, test_seed_bad_bundles,
          test_seed_file_is_atomic, test_seed_alloc_failures, test_seed_missing_dir)
#endif
