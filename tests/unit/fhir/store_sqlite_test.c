/* store_sqlite_test.c - the SQLite record store: CRUD, versions, history,
 * transactions, conditional writes, reopen and reindex. Search semantics
 * are in store_sqlite_search_test.c; both share store_test_util.h. */
#include "../test.h"

#include "store_test_util.h"

#include <pthread.h>
#include <stdatomic.h>

#include "fhir/store_sqlite_internal.h"

static void test_crud_versions(void)
{
    struct st_ctx t;
    st_open(&t);
    struct fhir_write_result r;
    /* Server-assigned id: a UUID v4. */
    CHECK_INT(st_write1(&t, FHIR_WRITE_CREATE, "Patient", NULL,
                        "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Smith\"}]}", 0,
                        NULL, &r),
              FG_OK);
    CHECK_INT(r.outcome, FHIR_WRITE_CREATED);
    CHECK_INT(r.res.id.len, 36);
    CHECK(r.res.id.len == 36 && r.res.id.ptr[14] == '4');
    CHECK_INT(r.res.version, 1);
    CHECK(st_contains(r.res.json, "\"versionId\":\"1\""));
    CHECK(st_contains(r.res.json, "\"lastUpdated\":\"2026-11-23T12:00:00.000Z\""));
    /* Update keeps other meta, bumps the version. */
    CHECK_INT(st_put(&t, "Patient", "p1",
                     "{\"resourceType\":\"Patient\",\"meta\":{\"tag\":[{\"code\":\"x\"}]},"
                     "\"name\":[{\"family\":\"One\"}]}"),
              FG_OK);
    CHECK_INT(st_write1(&t, FHIR_WRITE_UPDATE, "Patient", "p1",
                        "{\"resourceType\":\"Patient\",\"meta\":{\"tag\":[{\"code\":\"x\"}],"
                        "\"versionId\":\"77\"},\"name\":[{\"family\":\"Two\"}]}",
                        0, NULL, &r),
              FG_OK);
    CHECK_INT(r.outcome, FHIR_WRITE_UPDATED);
    CHECK_INT(r.res.version, 2);
    struct fhir_resource res;
    CHECK_INT(fhir_store_read(t.store, t.pool, fg_str_c("Patient"), fg_str_c("p1"), &res, &t.err),
              FG_OK);
    CHECK_INT(res.version, 2);
    CHECK(st_contains(res.json, "\"versionId\":\"2\""));
    CHECK(st_contains(res.json, "\"tag\":[{\"code\":\"x\"}]"));
    CHECK(st_contains(res.json, "Two"));
    CHECK_INT(st_count(&t, "Patient", "_tag=x"), 1);
    CHECK_INT(st_count(&t, "Patient", "_tag=y"), 0);
    CHECK_INT(res.n_compartment, 1);
    if (res.n_compartment)
        CHECK_SLICE(res.compartment[0], "p1");
    CHECK_INT(fhir_store_vread(t.store, t.pool, fg_str_c("Patient"), fg_str_c("p1"), fg_str_c("1"), &res,
                               &t.err),
              FG_OK);
    CHECK(st_contains(res.json, "One") && st_contains(res.json, "\"versionId\":\"1\""));
    CHECK_INT(fhir_store_vread(t.store, t.pool, fg_str_c("Patient"), fg_str_c("p1"), fg_str_c("9"), &res,
                               &t.err),
              FG_ENOTFOUND);
    /* This store's versions are integers: any other version id names none. */
    CHECK_INT(fhir_store_vread(t.store, t.pool, fg_str_c("Patient"), fg_str_c("p1"),
                               fg_str_c("7b2c-uuid"), &res, &t.err),
              FG_ENOTFOUND);
    /* Delete: a marker version; read is gone; a second delete is a no-op. */
    CHECK_INT(st_write1(&t, FHIR_WRITE_DELETE, "Patient", "p1", NULL, 0, NULL, &r), FG_OK);
    CHECK_INT(r.outcome, FHIR_WRITE_DELETED);
    CHECK_INT(r.res.version, 3);
    fg_error_clear(&t.err);
    CHECK_INT(fhir_store_read(t.store, t.pool, fg_str_c("Patient"), fg_str_c("p1"), &res, &t.err),
              FG_EGONE);
    CHECK(res.deleted && res.version == 3);
    CHECK_INT(fhir_store_vread(t.store, t.pool, fg_str_c("Patient"), fg_str_c("p1"), fg_str_c("3"), &res,
                               &t.err),
              FG_EGONE);
    CHECK_INT(st_write1(&t, FHIR_WRITE_DELETE, "Patient", "p1", NULL, 0, NULL, &r), FG_OK);
    CHECK_INT(r.outcome, FHIR_WRITE_NOOP_DELETE);
    CHECK_INT(st_write1(&t, FHIR_WRITE_DELETE, "Patient", "nobody", NULL, 0, NULL, &r), FG_OK);
    CHECK_INT(r.outcome, FHIR_WRITE_NOOP_DELETE);
    CHECK_INT(st_count(&t, "Patient", "_id=p1"), 0);
    /* Re-create after delete. */
    CHECK_INT(st_write1(&t, FHIR_WRITE_UPDATE, "Patient", "p1",
                        "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Three\"}]}", 0,
                        NULL, &r),
              FG_OK);
    CHECK_INT(r.outcome, FHIR_WRITE_CREATED);
    CHECK_INT(r.res.version, 4);
    CHECK_INT(st_count(&t, "Patient", "name=three"), 1);
    CHECK_INT(fhir_store_read(t.store, t.pool, fg_str_c("Patient"), fg_str_c("nope"), &res,
                              &t.err),
              FG_ENOTFOUND);
    /* A create with a preset id: a live one conflicts, a deleted one is
     * re-created with the next version. */
    CHECK_INT(st_write1(&t, FHIR_WRITE_CREATE, "Patient", "p1", "{\"resourceType\":\"Patient\"}",
                        0, NULL, &r),
              FG_ECONFLICT);
    CHECK_INT(st_write1(&t, FHIR_WRITE_DELETE, "Patient", "p1", NULL, 0, NULL, &r), FG_OK);
    CHECK_INT(st_write1(&t, FHIR_WRITE_CREATE, "Patient", "p1", "{\"resourceType\":\"Patient\"}",
                        0, NULL, &r),
              FG_OK);
    CHECK_INT(r.outcome, FHIR_WRITE_CREATED);
    CHECK_INT(r.res.version, 6);
    CHECK(st_contains(r.res.json, "\"versionId\":\"6\""));
    CHECK_INT(fhir_store_read(t.store, t.pool, fg_str_c("Patient"), fg_str_c("p1"), &res, &t.err),
              FG_OK);
    CHECK(st_contains(res.json, "\"versionId\":\"6\""));
    st_close(&t);
}

static void test_history(void)
{
    struct st_ctx t;
    st_open(&t);
    for (int v = 1; v <= 3; v++) {
        t.clock.pinned_us += 1000000;
        CHECK_INT(st_put(&t, "Patient", "h1", "{\"resourceType\":\"Patient\"}"), FG_OK);
    }
    t.clock.pinned_us += 1000000;
    CHECK_INT(st_put(&t, "Patient", "h2", "{\"resourceType\":\"Patient\"}"), FG_OK);
    struct fhir_write_result r;
    t.clock.pinned_us += 1000000;
    CHECK_INT(st_write1(&t, FHIR_WRITE_DELETE, "Patient", "h1", NULL, 0, NULL, &r), FG_OK);
    struct fhir_history_result h;
    CHECK_INT(fhir_store_history(t.store, t.pool, fg_str_c("Patient"), fg_str_c("h1"), 0, 10,
                                 &h, &t.err),
              FG_OK);
    CHECK_INT(h.total, 4);
    CHECK_INT(h.n_versions, 4);
    if (h.n_versions == 4) {
        CHECK(h.versions[0].version == 4 && h.versions[0].deleted);
        CHECK(h.versions[3].version == 1 && !h.versions[3].deleted);
    }
    /* Every version carries the resource's compartment (the Patient's own). */
    for (size_t i = 0; i < h.n_versions; i++)
        CHECK(h.versions[i].n_compartment == 1 &&
              fg_str_eq(h.versions[i].compartment[0], fg_str_c("h1")));
    /* _since (v3 at now-2s, the delete at now) and count. */
    int64_t since = t.clock.pinned_us - 2000000;
    CHECK_INT(fhir_store_history(t.store, t.pool, fg_str_c("Patient"), fg_str_c("h1"), since, 10,
                                 &h, &t.err),
              FG_OK);
    CHECK_INT(h.n_versions, 2);
    CHECK_INT(fhir_store_history(t.store, t.pool, fg_str_c("Patient"), fg_str_c("h1"), 0, 2, &h,
                                 &t.err),
              FG_OK);
    CHECK_INT(h.n_versions, 2);
    CHECK_INT(h.total, 4);
    /* Type history: every version of every Patient, newest first. */
    CHECK_INT(fhir_store_history(t.store, t.pool, fg_str_c("Patient"), FG_STR_NULL, 0, 100, &h,
                                 &t.err),
              FG_OK);
    CHECK_INT(h.total, 5);
    CHECK_INT(h.n_versions, 5);
    for (size_t i = 1; i < h.n_versions; i++)
        CHECK(h.versions[i - 1].last_updated_us >= h.versions[i].last_updated_us);
    for (size_t i = 0; i < h.n_versions; i++)
        CHECK(h.versions[i].n_compartment == 1 &&
              fg_str_eq(h.versions[i].compartment[0], h.versions[i].id));
    if (h.n_versions == 5)
        CHECK_SLICE(h.versions[0].id, "h1");
    CHECK_INT(fhir_store_history(t.store, t.pool, fg_str_c("Patient"), fg_str_c("zz"), 0, 10, &h,
                                 &t.err),
              FG_ENOTFOUND);
    /* System history: every type, each version carrying its own type. */
    t.clock.pinned_us += 1000000;
    CHECK_INT(st_put(&t, "Observation", "o1", "{\"resourceType\":\"Observation\",\"status\":\"final\","
                                              "\"code\":{\"text\":\"x\"}}"),
              FG_OK);
    CHECK_INT(fhir_store_history(t.store, t.pool, FG_STR_NULL, FG_STR_NULL, 0, 100, &h, &t.err),
              FG_OK);
    CHECK_INT(h.total, 6);
    CHECK_INT(h.n_versions, 6);
    if (h.n_versions == 6) {
        CHECK_SLICE(h.versions[0].type, "Observation");
        CHECK_SLICE(h.versions[0].id, "o1");
        CHECK_SLICE(h.versions[5].type, "Patient");
    }
    CHECK_INT(fhir_store_history(t.store, t.pool, FG_STR_NULL, FG_STR_NULL, t.clock.pinned_us, 100,
                                 &h, &t.err),
              FG_OK);
    CHECK_INT(h.total, 1);
    st_close(&t);
}

static void test_transaction_all_or_nothing(void)
{
    struct st_ctx t;
    st_open(&t);
    cJSON *a = cJSON_Parse("{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Atom\"}]}");
    cJSON *b = cJSON_Parse("{\"resourceType\":\"Patient\"}");
    struct fhir_write w[2] = {
        {.kind = FHIR_WRITE_UPDATE, .type = fg_str_c("Patient"), .id = fg_str_c("ta"),
         .resource = a},
        {.kind = FHIR_WRITE_UPDATE, .type = fg_str_c("Patient"), .id = fg_str_c("tb"),
         .resource = b, .if_match_version = 5},
    };
    struct fhir_write_result res[2];
    CHECK_INT(fhir_store_write(t.store, t.pool, w, 2, res, &t.err), FG_EPRECOND);
    CHECK(strstr(t.err.diagnostics, "Version mismatch") != NULL);
    fg_error_clear(&t.err);
    struct fhir_resource r;
    CHECK_INT(fhir_store_read(t.store, t.pool, fg_str_c("Patient"), fg_str_c("ta"), &r, &t.err),
              FG_ENOTFOUND);
    CHECK_INT(st_count(&t, "Patient", "name=atom"), 0);
    /* A bad write (unknown type) fails before anything is stored too. */
    w[1] = (struct fhir_write){.kind = FHIR_WRITE_UPDATE, .type = fg_str_c("Nonsense"),
                               .id = fg_str_c("x"), .resource = b};
    fg_error_clear(&t.err);
    CHECK_INT(fhir_store_write(t.store, t.pool, w, 2, res, &t.err), FG_EINVAL);
    CHECK_INT(st_count(&t, "Patient", "name=atom"), 0);
    /* The same resource twice in one transaction: only the last version
     * is searchable; a create then delete leaves nothing searchable. */
    cJSON *x1 = cJSON_Parse("{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Xa\"}]}");
    cJSON *x2 = cJSON_Parse("{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Yb\"}]}");
    cJSON *x3 = cJSON_Parse("{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Zc\"}]}");
    struct fhir_write twice[4] = {
        {.kind = FHIR_WRITE_UPDATE, .type = fg_str_c("Patient"), .id = fg_str_c("tw"),
         .resource = x1},
        {.kind = FHIR_WRITE_UPDATE, .type = fg_str_c("Patient"), .id = fg_str_c("tw"),
         .resource = x2},
        {.kind = FHIR_WRITE_CREATE, .type = fg_str_c("Patient"), .id = fg_str_c("tz"),
         .resource = x3},
        {.kind = FHIR_WRITE_DELETE, .type = fg_str_c("Patient"), .id = fg_str_c("tz")},
    };
    struct fhir_write_result tres[4];
    fg_error_clear(&t.err);
    CHECK_INT(fhir_store_write(t.store, t.pool, twice, 4, tres, &t.err), FG_OK);
    CHECK_INT(tres[1].res.version, 2);
    CHECK_INT(tres[3].outcome, FHIR_WRITE_DELETED);
    CHECK_INT(st_count(&t, "Patient", "name=xa"), 0);
    CHECK_INT(st_count(&t, "Patient", "name=yb"), 1);
    CHECK_INT(st_count(&t, "Patient", "name=zc"), 0);
    cJSON_Delete(x1);
    cJSON_Delete(x2);
    cJSON_Delete(x3);
    /* Both good: both stored, in one go. */
    w[1] = (struct fhir_write){.kind = FHIR_WRITE_UPDATE, .type = fg_str_c("Patient"),
                               .id = fg_str_c("tb"), .resource = b};
    fg_error_clear(&t.err);
    CHECK_INT(fhir_store_write(t.store, t.pool, w, 2, res, &t.err), FG_OK);
    CHECK_INT(st_count(&t, "Patient", "_id=ta,tb"), 2);
    cJSON_Delete(a);
    cJSON_Delete(b);
    st_close(&t);
}

static void test_if_match(void)
{
    struct st_ctx t;
    st_open(&t);
    struct fhir_write_result r;
    CHECK_INT(st_put(&t, "Patient", "m1", "{\"resourceType\":\"Patient\"}"), FG_OK);
    CHECK_INT(st_write1(&t, FHIR_WRITE_UPDATE, "Patient", "m1", "{\"resourceType\":\"Patient\"}",
                        1, NULL, &r),
              FG_OK);
    CHECK_INT(r.res.version, 2);
    CHECK_INT(st_write1(&t, FHIR_WRITE_UPDATE, "Patient", "m1", "{\"resourceType\":\"Patient\"}",
                        1, NULL, &r),
              FG_EPRECOND);
    fg_error_clear(&t.err);
    CHECK_INT(st_write1(&t, FHIR_WRITE_DELETE, "Patient", "m1", NULL, 7, NULL, &r), FG_EPRECOND);
    fg_error_clear(&t.err);
    struct fhir_resource res;
    CHECK_INT(fhir_store_read(t.store, t.pool, fg_str_c("Patient"), fg_str_c("m1"), &res, &t.err),
              FG_OK);
    CHECK_INT(res.version, 2);
    st_close(&t);
}

static void test_if_none_exist(void)
{
    struct st_ctx t;
    st_open(&t);
    static const char body[] =
        "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"urn:s\",\"value\":\"42\"}]}";
    struct fhir_query q;
    CHECK_INT(st_parse(&t, "Patient", "identifier=urn:s|42", &q), FG_OK);
    struct fhir_write_result r;
    CHECK_INT(st_write1(&t, FHIR_WRITE_CREATE, "Patient", NULL, body, 0, &q, &r), FG_OK);
    CHECK_INT(r.outcome, FHIR_WRITE_CREATED);
    struct fg_str first = r.res.id;
    CHECK_INT(st_write1(&t, FHIR_WRITE_CREATE, "Patient", NULL, body, 0, &q, &r), FG_OK);
    CHECK_INT(r.outcome, FHIR_WRITE_UNCHANGED);
    CHECK(fg_str_eq(r.res.id, first));
    CHECK_INT(r.res.version, 1);
    CHECK_INT(st_count(&t, "Patient", "identifier=urn:s|42"), 1);
    CHECK_INT(st_put(&t, "Patient", "dup", body), FG_OK);
    CHECK_INT(st_write1(&t, FHIR_WRITE_CREATE, "Patient", NULL, body, 0, &q, &r), FG_EPRECOND);
    CHECK_INT(st_count(&t, "Patient", "identifier=urn:s|42"), 2);
    st_close(&t);
}

static void test_reopen_and_reindex(void)
{
    struct st_ctx t;
    st_open(&t);
    CHECK_INT(st_put(&t, "Patient", "r1",
                     "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Persist\"}]}"),
              FG_OK);
    st_reopen(&t);
    CHECK_INT(st_count(&t, "Patient", "name=persist"), 1);
    struct fhir_resource res;
    CHECK_INT(fhir_store_read(t.store, t.pool, fg_str_c("Patient"), fg_str_c("r1"), &res, &t.err),
              FG_OK);
    /* Pretend the parameter table changed: index rows gone, checksum stale. */
    fhir_store_close(&t.store);
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(t.path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db,
                           "DELETE FROM idx_string; DELETE FROM res_compartment;"
                           "UPDATE meta SET value = 'stale' WHERE key = 'searchparam_checksum';",
                           NULL, NULL, NULL),
              SQLITE_OK);
    sqlite3_close(db);
    st_reopen(&t);
    CHECK_INT(st_count(&t, "Patient", "name=persist"), 1);
    CHECK_INT(fhir_store_read(t.store, t.pool, fg_str_c("Patient"), fg_str_c("r1"), &res, &t.err),
              FG_OK);
    CHECK_INT(res.n_compartment, 1);
    /* The schema version is recorded. */
    fhir_store_close(&t.store);
    CHECK_INT(sqlite3_open(t.path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(st, 0), 4);
    sqlite3_finalize(st);
    sqlite3_close(db);
    st_reopen(&t);
    st_close(&t);
}

/* A version-1 store (date rows clustered by rid, no patient column)
 * upgrades on open (new layout, then a reindex): the patient-first date
 * search finds exactly what the reference search finds. */
static void test_migrate_v1_dates(void)
{
    struct st_ctx t;
    st_open(&t);
    const char *obs[] = {
        "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
        "\"subject\":{\"reference\":\"Patient/m1\"},\"effectiveDateTime\":\"2024-05-01\"}",
        "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
        "\"subject\":{\"reference\":\"Patient/m1\"},\"effectiveDateTime\":\"2019-05-01\"}",
        "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
        "\"subject\":{\"reference\":\"Patient/m2\"},\"effectiveDateTime\":\"2024-06-01\"}",
        "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"text\":\"x\"},"
        "\"effectiveDateTime\":\"2024-06-01\"}",
    };
    const char *ids[] = {"o1", "o2", "o3", "o4"};
    for (int i = 0; i < 4; i++)
        CHECK_INT(st_put(&t, "Observation", ids[i], obs[i]), FG_OK);
    fhir_store_close(&t.store);
    /* Back to the version-1 layout of idx_date. */
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(t.path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db,
                           "BEGIN;"
                           "CREATE TABLE old_date(param INTEGER NOT NULL, lo INTEGER NOT NULL,"
                           " hi INTEGER NOT NULL, rid INTEGER NOT NULL,"
                           " PRIMARY KEY(rid, param, lo, hi)) WITHOUT ROWID;"
                           "INSERT OR IGNORE INTO old_date SELECT param, lo, hi, rid FROM idx_date;"
                           "DROP TABLE idx_date; ALTER TABLE old_date RENAME TO idx_date;"
                           "ALTER TABLE res DROP COLUMN pat;"
                           "PRAGMA user_version = 1; COMMIT;",
                           NULL, NULL, NULL),
              SQLITE_OK);
    sqlite3_close(db);
    st_reopen(&t);
    CHECK_INT(st_count(&t, "Observation", "patient=m1&date=ge2024-01-01"), 1);
    CHECK_INT(st_count(&t, "Observation", "patient=m1&date=lt2024-01-01"), 1);
    CHECK_INT(st_count(&t, "Observation", "subject=Patient/m2&date=ge2024"), 1);
    CHECK_INT(st_count(&t, "Observation", "date=ge2024-01-01"), 3);
    CHECK_INT(st_count(&t, "Observation", "patient=m3&date=ge2000"), 0);
    /* A subject written as an absolute URL on our base: not in the
     * compartment (relative references only), yet the patient-first date
     * search finds it exactly as the plain reference search does. */
    CHECK_INT(st_put(&t, "Observation", "o5",
                     "{\"resourceType\":\"Observation\",\"status\":\"final\","
                     "\"code\":{\"text\":\"x\"},\"subject\":{\"reference\":\"" ST_BASE
                     "/Patient/m1\"},\"effectiveDateTime\":\"2024-07-01\"}"),
              FG_OK);
    CHECK_INT(st_count(&t, "Observation", "patient=m1"), 3);
    CHECK_INT(st_count(&t, "Observation", "patient=m1&date=ge2024-01-01"), 2);
    fhir_store_close(&t.store);
    CHECK_INT(sqlite3_open(t.path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM idx_date WHERE pat = 'm1'),"
                           " (SELECT count(*) FROM idx_date WHERE pat = ''),"
                           " (SELECT user_version FROM pragma_user_version)", -1, &st, NULL);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(st, 0), 3); /* o1, o2 and o5 */
    CHECK_INT(sqlite3_column_int(st, 1), 1);
    CHECK_INT(sqlite3_column_int(st, 2), 4);
    sqlite3_finalize(st);
    sqlite3_close(db);
    st_reopen(&t);
    st_close(&t);
}

static void test_insert_speed(void)
{
    struct st_ctx t;
    st_open(&t);
    enum { N = 4000, BATCH = 500 };
    int64_t t0 = fg_clock_mono_us();
    int ok = 1;
    for (int b = 0; b < N / BATCH && ok; b++)
        ok = st_load_observations(&t, b * BATCH, BATCH, 50) == FG_OK;
    int64_t dt = fg_clock_mono_us() - t0;
    CHECK(ok);
    printf("  store_sqlite: %d Observations in transactions of %d: %.0f resources/s\n", N,
           BATCH, dt > 0 ? N * 1e6 / (double)dt : 0.0);
    CHECK_INT(st_count(&t, "Observation", "_total=accurate"), N);
    /* The US Core search on the set. */
    int64_t worst = 0;
    for (int i = 0; i < 50; i++) {
        char qs[160];
        snprintf(qs, sizeof qs, "patient=pt%d&category=vital-signs&date=ge2020-01-01", i % 50);
        int64_t s0 = fg_clock_mono_us();
        int64_t n = st_count(&t, "Observation", qs);
        int64_t d = fg_clock_mono_us() - s0;
        worst = d > worst ? d : worst;
        CHECK(n > 0);
    }
    printf("  store_sqlite: US Core search over %d Observations: worst of 50 %lld us\n", N,
           (long long)worst);
    st_close(&t);
}

struct worker {
    struct st_ctx *t;
    int id;
    int failures;
};

/* Writers load disjoint id ranges; readers search meanwhile. */
static void *work(void *arg)
{
    struct worker *w = arg;
    struct st_ctx *t = w->t;
    for (int i = 0; i < 10; i++) {
        struct fg_pool *pool = fg_pool_new();
        struct fg_error err;
        fg_error_clear(&err);
        if (w->id < 2) {
            char body[256];
            struct fhir_write wr[20];
            struct fhir_write_result res[20];
            for (int k = 0; k < 20; k++) {
                snprintf(body, sizeof body,
                         "{\"resourceType\":\"Observation\",\"status\":\"final\","
                         "\"subject\":{\"reference\":\"Patient/w%d\"}}",
                         w->id);
                wr[k] = (struct fhir_write){.kind = FHIR_WRITE_CREATE,
                                            .type = fg_str_c("Observation"),
                                            .resource = cJSON_Parse(body)};
            }
            if (fhir_store_write(t->store, pool, wr, 20, res, &err) != FG_OK)
                w->failures++;
            for (int k = 0; k < 20; k++)
                cJSON_Delete(wr[k].resource);
        } else {
            struct fhir_query q = {0};
            struct fhir_kv kv = {fg_str_c("patient"), fg_str_c(w->id == 2 ? "w0" : "w1")};
            struct fhir_search_result res;
            if (fhir_search_parse(pool, fg_str_c("Observation"), fg_str_c(ST_BASE), &kv, 1,
                                  FHIR_HANDLING_STRICT, &q, &err) != FG_OK ||
                fhir_store_search(t->store, pool, &q, &res, &err) != FG_OK ||
                res.total % 20 != 0)
                w->failures++;
        }
        fg_pool_free(&pool);
    }
    return NULL;
}

static void test_concurrent_threads(void)
{
    struct st_ctx t;
    st_open(&t); /* two pooled connections for four threads */
    pthread_t th[4];
    struct worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (struct worker){.t = &t, .id = i};
        CHECK_INT(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(w[i].failures, 0);
    }
    CHECK_INT(st_count(&t, "Observation", "patient=w0"), 200);
    CHECK_INT(st_count(&t, "Observation", "patient=w1"), 200);
    st_close(&t);
}

/* The change marker moves after a committed write (also one made through
 * another handle, as another process would), not after a read or a failed write. */
/* A second store handle (its own connections) on t's database. */
static void test_change_marker(void)
{
    struct st_ctx t, other;
    st_open(&t);
    st_open_second(&t, &other);
    uint64_t m0 = 0, m1 = 0, m2 = 0, m3 = 0;
    CHECK(fhir_store_change_marker(t.store, &m0));
    CHECK_INT(st_put(&t, "Patient", "p1", "{\"resourceType\":\"Patient\",\"birthDate\":\"2013-11-24\"}"), FG_OK);
    CHECK(fhir_store_change_marker(t.store, &m1));
    CHECK(m1 != m0);
    struct fhir_resource res;
    CHECK_INT(fhir_store_read(t.store, t.pool, fg_str_c("Patient"), fg_str_c("p1"), &res, &t.err), FG_OK);
    CHECK(fhir_store_change_marker(t.store, &m2));
    CHECK(m2 == m1);
    struct fhir_write_result r;
    CHECK_INT(st_write1(&t, FHIR_WRITE_UPDATE, "Patient", "p1", "{\"resourceType\":\"Patient\"}", 7, NULL, &r), FG_EPRECOND);
    CHECK(fhir_store_change_marker(t.store, &m2));
    CHECK(m2 == m1);
    CHECK_INT(st_put(&other, "Patient", "p1", "{\"resourceType\":\"Patient\",\"birthDate\":\"2010-01-01\"}"), FG_OK);
    CHECK(fhir_store_change_marker(t.store, &m3));
    CHECK(m3 != m2);
    CHECK(!fhir_store_change_marker(NULL, &m3));
    fhir_store_close(&other.store);
    fg_pool_free(&other.pool);
    st_close(&t);
}

/* The bulk transaction: the owner sees its writes (reads and searches),
 * nobody else sees anything before the commit, a rollback leaves nothing,
 * the change marker moves once; a failed write spoils the whole of it. */
static void test_bulk_transaction(void)
{
    struct st_ctx t, other;
    st_open(&t);
    st_open_second(&t, &other);
    struct fhir_resource res;
    struct fhir_write_result r;
    uint64_t m0 = 0, m1 = 0;
    CHECK(fhir_store_change_marker(t.store, &m0));
    static const bool commits[] = {false, true};
    for (size_t i = 0; i < 2; i++) {
        CHECK_INT(fhir_store_bulk_begin(t.store, &t.err), FG_OK);
        CHECK_INT(fhir_store_bulk_begin(t.store, &t.err), FG_EINVAL); /* not twice */
        fg_error_clear(&t.err);
        CHECK_INT(st_put(&t, "Patient", "bk1", "{\"resourceType\":\"Patient\",\"name\":[{\"family\":\"Bulk\"}]}"), FG_OK);
        CHECK_INT(st_put(&t, "Patient", "bk2", "{\"resourceType\":\"Patient\"}"), FG_OK);
        CHECK_INT(fhir_store_read(t.store, t.pool, fg_str_c("Patient"), fg_str_c("bk1"), &res, &t.err), FG_OK);
        CHECK_INT(st_count(&t, "Patient", "name=bulk"), 1);
        CHECK_INT(fhir_store_read(other.store, other.pool, fg_str_c("Patient"), fg_str_c("bk1"), &res, &other.err),
                  FG_ENOTFOUND);
        fg_error_clear(&other.err);
        CHECK(fhir_store_change_marker(t.store, &m1));
        CHECK(m1 == m0); /* nothing committed yet */
        CHECK_INT(fhir_store_bulk_end(t.store, commits[i], &t.err), FG_OK);
        CHECK_INT(fhir_store_read(other.store, other.pool, fg_str_c("Patient"), fg_str_c("bk2"), &res, &other.err),
                  commits[i] ? FG_OK : FG_ENOTFOUND);
        fg_error_clear(&other.err);
        CHECK_INT(st_count(&t, "Patient", "_id=bk1,bk2"), commits[i] ? 2 : 0);
        CHECK(fhir_store_change_marker(t.store, &m1));
        CHECK(commits[i] ? m1 != m0 : m1 == m0);
    }
    CHECK_INT(fhir_store_bulk_end(t.store, true, &t.err), FG_EINVAL); /* none open */
    fg_error_clear(&t.err);
    /* A failed write spoils it: later writes fail, the commit rolls back. */
    CHECK_INT(fhir_store_bulk_begin(t.store, &t.err), FG_OK);
    CHECK_INT(st_put(&t, "Patient", "bk3", "{\"resourceType\":\"Patient\"}"), FG_OK);
    CHECK_INT(st_write1(&t, FHIR_WRITE_UPDATE, "Patient", "bk3", "{\"resourceType\":\"Patient\"}", 9, NULL, &r),
              FG_EPRECOND);
    fg_error_clear(&t.err);
    CHECK_INT(st_put(&t, "Patient", "bk4", "{\"resourceType\":\"Patient\"}"), FG_EIO);
    fg_error_clear(&t.err);
    CHECK_INT(fhir_store_bulk_end(t.store, true, &t.err), FG_EIO);
    fg_error_clear(&t.err);
    CHECK_INT(st_count(&t, "Patient", "_id=bk3,bk4"), 0);
    CHECK_INT(st_put(&t, "Patient", "bk5", "{\"resourceType\":\"Patient\"}"), FG_OK); /* usable again */
    fhir_store_close(&other.store);
    fg_pool_free(&other.pool);
    st_close(&t);
}

/* A thread of test_bulk_begin_lock_order: a bulk transaction begun and
 * committed, or one plain write. */
struct lock_worker {
    struct st_ctx *t;
    bool bulk;
    atomic_int done;
    enum fg_status rc;
};

static void *lock_work(void *arg)
{
    struct lock_worker *w = arg;
    struct fg_pool *pool = fg_pool_new();
    struct fg_error err;
    fg_error_clear(&err);
    if (w->bulk) {
        w->rc = fhir_store_bulk_begin(w->t->store, &err);
        if (w->rc == FG_OK)
            w->rc = fhir_store_bulk_end(w->t->store, true, &err);
    } else {
        struct fhir_write wr = {.kind = FHIR_WRITE_CREATE, .type = fg_str_c("Patient"),
                                .resource = cJSON_Parse("{\"resourceType\":\"Patient\"}")};
        struct fhir_write_result res;
        w->rc = fhir_store_write(w->t->store, pool, &wr, 1, &res, &err);
        cJSON_Delete(wr.resource);
    }
    fg_pool_free(&pool);
    atomic_store(&w->done, 1);
    return NULL;
}

/* A bulk transaction that begins while writers hold every pooled
 * connection and wait for the writer mutex must not deadlock: begin
 * takes its connection before the mutex, as a write does. The test holds
 * the writer mutex while the bulk and then two writers (the store has two
 * connections) queue, one after the other. */
static void test_bulk_begin_lock_order(void)
{
    struct st_ctx t;
    st_open(&t);
    struct sq_store *s = (struct sq_store *)t.store;
    struct lock_worker w[3] = {{&t, true, 0, FG_EIO}, {&t, false, 0, FG_EIO},
                               {&t, false, 0, FG_EIO}};
    pthread_t th[3];
    pthread_mutex_lock(&s->write_mu);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(pthread_create(&th[i], NULL, lock_work, &w[i]), 0);
        usleep(100 * 1000); /* queued before the next one starts */
    }
    pthread_mutex_unlock(&s->write_mu);
    int done = 0;
    for (int ms = 0; ms < 10000 && done < 3; ms += 10) {
        usleep(10 * 1000);
        done = atomic_load(&w[0].done) + atomic_load(&w[1].done) + atomic_load(&w[2].done);
    }
    CHECK_INT(done, 3);
    if (done < 3)
        return; /* deadlocked: the threads can be neither joined nor the store closed */
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(w[i].rc, FG_OK);
    }
    CHECK_INT(st_count(&t, "Patient", ""), 2);
    st_close(&t);
}

/* A union parameter (combo-code = code or component-code) and a
 * restriction (patient = subject@Patient) get no index rows of their own.
 * A store written before keeps its rows searchable (no duplicates), and
 * its next open reindexes once and drops them. */
static int64_t sql_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = -1;
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void test_union_rows(void)
{
    const struct fhir_searchparam *combo =
        fhir_searchparam_find(fg_str_c("Observation"), fg_str_c("combo-code"));
    const struct fhir_searchparam *cqty =
        fhir_searchparam_find(fg_str_c("Observation"), fg_str_c("combo-value-quantity"));
    const struct fhir_searchparam *patient =
        fhir_searchparam_find(fg_str_c("Observation"), fg_str_c("patient"));
    CHECK(combo && cqty && patient);
    if (!combo || !cqty || !patient)
        return;
    struct st_ctx t;
    st_open(&t);
    CHECK_INT(st_put(&t, "Observation", "bp",
                     "{\"resourceType\":\"Observation\",\"status\":\"final\","
                     "\"subject\":{\"reference\":\"Patient/u1\"},\"code\":{\"coding\":"
                     "[{\"system\":\"http://loinc.org\",\"code\":\"85354-9\"}]},\"component\":["
                     "{\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8480-6\"}]},"
                     "\"valueQuantity\":{\"value\":120,\"system\":\"http://unitsofmeasure.org\","
                     "\"code\":\"mm[Hg]\"}}]}"),
              FG_OK);
    fhir_store_close(&t.store);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT (SELECT count(*) FROM idx_token WHERE param = %d) +"
             " (SELECT count(*) FROM idx_quantity WHERE param = %d)", combo->id, cqty->id);
    CHECK_INT(sql_int(t.path, sql), 0);
    CHECK_INT(sql_int(t.path, "SELECT count(*) FROM idx_token"), 3); /* code, component, status */
    /* patient (subject@Patient): the subject row alone */
    CHECK_INT(sql_int(t.path, "SELECT count(*) FROM idx_ref"), 1);
    /* The rows an older store wrote for the unions. */
    char old[512];
    snprintf(old, sizeof old,
             "INSERT INTO idx_token SELECT %d, code, system, rid, text FROM idx_token"
             " WHERE param != %d AND code != 'final';"
             "INSERT INTO idx_quantity SELECT %d, value, system, code, rid FROM idx_quantity;"
             "INSERT INTO idx_ref SELECT %d, tid, ttype, url, rid FROM idx_ref;",
             combo->id, combo->id, cqty->id, patient->id);
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(t.path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, old, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    CHECK_INT(sql_int(t.path, sql), 3);
    st_reopen(&t);
    CHECK_INT(st_count(&t, "Observation", "combo-code=8480-6"), 1);
    CHECK_INT(st_count(&t, "Observation", "combo-code=85354-9,8480-6"), 1);
    CHECK_INT(st_count(&t, "Observation", "combo-value-quantity=120"), 1);
    CHECK_INT(st_count(&t, "Observation", "patient=u1"), 1);
    /* The parameter table's checksum of an older store differs: reindexed. */
    fhir_store_close(&t.store);
    CHECK_INT(sqlite3_open(t.path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "UPDATE meta SET value = 'older' WHERE key = 'searchparam_checksum'",
                           NULL, NULL, NULL),
              SQLITE_OK);
    sqlite3_close(db);
    st_reopen(&t);
    CHECK_INT(st_count(&t, "Observation", "combo-code=8480-6"), 1);
    CHECK_INT(st_count(&t, "Observation", "combo-value-quantity=120"), 1);
    CHECK_INT(st_count(&t, "Observation", "patient=u1"), 1);
    fhir_store_close(&t.store);
    CHECK_INT(sql_int(t.path, sql), 0);
    CHECK_INT(sql_int(t.path, "SELECT count(*) FROM idx_ref"), 1);
    st_reopen(&t);
    st_close(&t);
}

TEST_MAIN(test_bulk_transaction, test_bulk_begin_lock_order, test_change_marker, test_crud_versions, test_concurrent_threads, test_history, test_transaction_all_or_nothing, test_if_match,
          test_if_none_exist, test_reopen_and_reindex, test_migrate_v1_dates, test_union_rows, test_insert_speed)
